/**
 * The systems' rows (ours, CPython, the JavaScript peers under Deno and Node.js), their runtimes.
 *
 * @module
 */

import versions from "./peers/versions.json" with { type: "json" };
import type { OursVariant, Rotation, Runtime, ScenarioName, Target } from "./types.ts";
import { capture, NODE_ROOT, prepareNode, preparePython, tail } from "./process.ts";

/**
 * The npm packages each peer script needs (versions from bench/peers/versions.json). Under Node.js
 * each script gets its own install folder, bench/node_modules_root/<script>/, so that one failed
 * install leaves the other peers measurable.
 */
const NODE_PACKAGES: Record<string, string[]> = {
  pino: ["pino"],
  pino_roll: ["pino", "pino-roll"],
  winston: ["winston"],
  logtape: ["@logtape/logtape", "@logtape/file"],
  pino_json: ["pino"],
  logtape_json: ["@logtape/logtape", "@logtape/file"],
};

/** A system, before it is placed in a scenario and under a runtime. */
export interface System {
  /** The name `--only` takes. */
  system: string;
  /** What the system is, before a run reports its own description. */
  label: string;
  /** Extra arguments after the common ones. */
  extra: string[];
  /** Only measured when named by `--only`. */
  optIn?: boolean;
  /** Rotating scenario: the system's rotation. */
  rotation?: Rotation;
}

/** One of our configurations: a mode of one of our scripts. */
export interface OursSystem extends Omit<System, "extra"> {
  /** The ratio column it gives. */
  ours: OursVariant;
  /** The script's mode argument, when it is not the `ours` variant itself. */
  mode?: string;
}

/** A JavaScript peer, measured under Deno and under Node.js. */
export interface JsPeer extends System {
  /** The script in bench/peers/ (without `.mjs`), which keys NODE_PACKAGES. */
  script: string;
}

/** A row of a system under a runtime. */
function row(
  scenario: ScenarioName,
  runtime: Runtime,
  script: string,
  s: System & { ours?: OursVariant; peer?: string },
): Target {
  return {
    scenario,
    system: s.system,
    runtime,
    id: `${s.system}@${runtime}`,
    label: s.label,
    ours: s.ours,
    script,
    extra: s.extra,
    peer: s.peer,
    optIn: s.optIn,
    rotation: s.rotation,
  };
}

/**
 * Our rows: each a mode of one script, under Deno.
 *
 * @param scenario The scenario.
 * @param script The script, relative to the repository root.
 * @param systems Our configurations, in table order.
 * @returns The rows.
 */
export function oursRows(
  scenario: ScenarioName,
  script: string,
  systems: OursSystem[],
): Target[] {
  return systems.map((s) => row(scenario, "deno", script, { ...s, extra: [s.mode ?? s.ours] }));
}

/**
 * CPython's rows, under CPython 3.13.
 *
 * @param scenario The scenario.
 * @param script The script, relative to the repository root.
 * @param systems The configurations, in table order.
 * @returns The rows.
 */
export function pythonRows(scenario: ScenarioName, script: string, systems: System[]): Target[] {
  return systems.map((s) => row(scenario, "python", script, s));
}

/**
 * The JavaScript peers' rows: each peer under Deno, then under Node.js.
 *
 * @param scenario The scenario.
 * @param peers The peers, in table order.
 * @returns The rows.
 */
export function jsRows(scenario: ScenarioName, peers: JsPeer[]): Target[] {
  return peers.flatMap((p) =>
    (["deno", "node"] as const).map((runtime) =>
      row(scenario, runtime, `bench/peers/${p.script}.mjs`, { ...p, peer: p.script })
    )
  );
}

/**
 * Installs one peer's pinned packages for Node.js into bench/node_modules_root/<peer>/ unless
 * they are there already.
 *
 * @param peer The peer script's name, a key of NODE_PACKAGES.
 * @returns `undefined` when ready, else why the peer cannot run under Node.js.
 */
async function installNodePeer(peer: string): Promise<string | undefined> {
  const pinned = versions as Record<string, string>;
  const names = NODE_PACKAGES[peer] ?? [];
  const prefix = `${NODE_ROOT}/${peer}`;
  let ready = true;
  for (const name of names) {
    try {
      const pkg = JSON.parse(
        await Deno.readTextFile(`${prefix}/node_modules/${name}/package.json`),
      );
      if (pkg.version !== pinned[name]) ready = false;
    } catch {
      ready = false;
    }
  }
  if (ready) return undefined;
  const specs = names.map((name) => `${name}@${pinned[name]}`);
  console.error(`installing ${specs.join(" ")} for Node.js into bench/node_modules_root/${peer}/`);
  await Deno.mkdir(prefix, { recursive: true });
  // --no-save --no-package-lock: only node_modules/ is written, which git ignores.
  const npm = await capture("npm", [
    "install",
    "--no-save",
    "--no-package-lock",
    "--no-audit",
    "--no-fund",
    "--prefix",
    prefix,
    ...specs,
  ]);
  return npm.success ? undefined : `npm install ${specs.join(" ")} failed: ${tail(npm.stderr)}`;
}

/**
 * Makes the rows' runtimes ready: checks that Node.js runs and installs the Node.js peers'
 * packages, checks that CPython runs.
 *
 * @param targets The rows to measure.
 * @returns For each row that cannot run, why not.
 */
export async function unavailable(targets: Target[]): Promise<Map<Target, string>> {
  const nodePeers = new Set(targets.filter((t) => t.runtime === "node").map((t) => t.peer!));
  const nodeProblem = nodePeers.size ? await prepareNode() : undefined;
  const peerProblems = new Map<string, string | undefined>();
  for (const peer of nodeProblem ? [] : nodePeers) {
    peerProblems.set(peer, await installNodePeer(peer));
  }
  const pythonProblem = targets.some((t) => t.runtime === "python")
    ? await preparePython()
    : undefined;
  const problems = new Map<Target, string>();
  for (const target of targets) {
    const problem = target.runtime === "node"
      ? nodeProblem ?? peerProblems.get(target.peer!)
      : target.runtime === "python"
      ? pythonProblem
      : undefined;
    if (problem) problems.set(target, problem);
  }
  return problems;
}
