/**
 * The logging benchmark: `tools/deno task bench` (`deno run --allow-all bench/main.ts`).
 *
 * Every system logs the same workload, `info("request %d handled", i)` for i below `--records`
 * (500,000), at INFO, through a file handler writing the line
 * `%(asctime)s %(levelname)s %(name)s %(message)s` (pino writes its own JSON line) into a temp
 * folder. Each run is a fresh process that first warms up on `--warmup` records (20,000) written to
 * another file, then times the workload from the first call until the file is flushed and closed.
 * The bench checks the records of every timed run, repeats each system `--runs` times (3),
 * interleaved, and reports the best run. JavaScript peers run under Deno (`npm:` specifiers) and
 * under Node.js (installed into bench/node_modules_root/, which git ignores).
 *
 * Three scenarios, each with its own systems and table, each in its own module:
 * - `file` (bench/file.ts): a plain file handler; the file must hold every record, in order.
 * - `rotating` (bench/rotating.ts): size-based rotation at 1 MiB (1048576 bytes) keeping 5
 *   backups. The workload is far more than the files kept, so the check reads the live file and
 *   every backup, oldest first, and requires one unbroken run of records ending with the last one
 *   (see `verifyRotated` in bench/verify.ts).
 * - `socket` (bench/socket.ts): SocketHandler sending 200,000 records (unless `--records` is
 *   given) over TCP loopback to a receiver in another process, timed until the receiver has
 *   handled the last one; the receiver counts them and checks their order (see
 *   bench/ours_socket.ts and bench/peers/cpython_socket.py).
 *
 * The shared pieces: bench/peers.ts (the systems' rows, the Node.js peers' packages),
 * bench/process.ts (running and timing a row's script), bench/verify.ts (the output checks),
 * bench/table.ts (rates and tables), bench/report.ts (RESULTS.md). HTTPHandler has its own bench,
 * bench/http.ts: one library, several workloads, no peers.
 *
 * Options: `--scenario=file|rotating|socket|json|all` (all), `--only=name,name` (a system such as
 * `pino`, or one runtime of it such as `pino@node`; `--only=list` prints the names), `--records=N`,
 * `--warmup=N`, `--runs=N`, and `--write` to write bench/RESULTS.md from a partial run (a full
 * default run always writes it).
 *
 * @module
 */

import type { Measured, Options, ScenarioName, Target } from "./types.ts";
import { allTargets, recordsFor, SCENARIO_NAMES, SCENARIOS } from "./scenarios.ts";
import { unavailable } from "./peers.ts";
import { ROOT } from "./process.ts";
import { environment, formatMarkdown, report } from "./report.ts";
import { formatRate } from "./table.ts";

/** The report a full run (or `--write`) replaces. */
const RESULTS_FILE = `${ROOT}bench/RESULTS.md`;
/** The counts of a full run. */
const DEFAULTS = { records: 500_000, warmup: 20_000, runs: 3 } as const;

/**
 * Parses the command line.
 *
 * @param args `Deno.args`.
 * @returns The options.
 * @throws {Error} On an unknown option or scenario, or a count that is not a positive integer.
 */
function parseOptions(args: string[]): Options {
  const options: Options = {
    ...DEFAULTS,
    recordsGiven: false,
    scenarios: [...SCENARIO_NAMES],
    write: false,
  };
  for (const arg of args) {
    const [key, value = ""] = arg.split("=", 2);
    if (key === "--scenario") {
      if (value !== "all" && !SCENARIO_NAMES.includes(value as ScenarioName)) {
        throw new Error(
          `--scenario takes ${SCENARIO_NAMES.join(", ")} or all: got '${value}'`,
        );
      }
      options.scenarios = value === "all" ? [...SCENARIO_NAMES] : [value as ScenarioName];
    } else if (key === "--only") {
      options.only = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    } else if (key === "--records" || key === "--warmup" || key === "--runs") {
      const n = Number(value.replaceAll("_", ""));
      if (!Number.isInteger(n) || n < (key === "--warmup" ? 0 : 1)) {
        throw new Error(`${key} takes a positive integer, as in ${key}=1000: got '${value}'`);
      }
      options[key.slice(2) as "records" | "warmup" | "runs"] = n;
      if (key === "--records") options.recordsGiven = true;
    } else if (key === "--write") {
      options.write = true;
    } else {
      throw new Error(
        `Unknown option '${arg}': use --scenario=${
          SCENARIO_NAMES.join("|")
        }|all --only=name,name --records=N --warmup=N --runs=N --write`,
      );
    }
  }
  return options;
}

/**
 * The rows of the chosen scenarios that `--only` selects (or the default set).
 *
 * @param only The names given, if any.
 * @param scenarios The scenarios to run.
 * @returns The rows to measure.
 * @throws {Error} When a name matches no row of those scenarios.
 */
function selectTargets(only: string[] | undefined, scenarios: ScenarioName[]): Target[] {
  const all = allTargets(scenarios);
  if (!only) return all.filter((t) => !t.optIn);
  for (const name of only) {
    if (!all.some((t) => t.system === name || t.id === name)) {
      throw new Error(
        `--only: no system '${name}'. Known: ${
          [...new Set(all.flatMap((t) => [t.system, t.id]))].join(", ")
        }`,
      );
    }
  }
  return all.filter((t) => only.includes(t.system) || only.includes(t.id));
}

/**
 * Runs every row `--runs` times, interleaved, in a temp folder, and records each run's rate and
 * findings (or the row's problem) in its outcome.
 *
 * @param measured The rows' outcomes, filled in.
 * @param options The run's options.
 */
async function measure(measured: Measured[], options: Options): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "loghandlers-bench-" });
  try {
    for (let run = 1; run <= options.runs; run++) {
      for (const m of measured) {
        if (m.problem) continue;
        const records = recordsFor(m.target.scenario, options);
        const result = await SCENARIOS[m.target.scenario].runOnce({
          target: m.target,
          dir,
          run,
          records,
          warmup: options.warmup,
        });
        if (typeof result === "string") {
          m.problem = !m.target.ours && m.rates.length === 0 &&
              /npm|registry|Cannot find|not found/i.test(result)
            ? `unavailable: ${result}`
            : `failed: ${result}`;
          console.error(
            `!!! ${m.target.scenario} ${m.target.id} ${
              m.problem.toUpperCase().split(":")[0]
            }: ${result}`,
          );
          continue;
        }
        const rate = records / result.seconds;
        m.rates.push(rate);
        m.runtime = result.runtime;
        m.peer = result.peer;
        const { files, largest, deviations } = result.checked;
        if (files !== undefined) m.files = files;
        if (largest !== undefined) m.largest = Math.max(m.largest ?? 0, largest);
        for (const d of deviations) m.deviations.add(d);
        console.error(
          `${m.target.scenario.padEnd(9)} ${m.target.id.padEnd(24)} run ${run}/${options.runs}: ${
            formatRate(rate).padStart(11)
          } records/s${deviations.length ? ` (⚠ ${deviations.join("; ")})` : ""}`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Runs the bench. */
async function main(): Promise<void> {
  const started = performance.now();
  let options: Options;
  let targets: Target[];
  try {
    options = parseOptions(Deno.args);
    if (options.only?.includes("list")) {
      for (const t of allTargets(options.scenarios)) {
        console.log(
          `${t.scenario.padEnd(9)} ${t.id.padEnd(24)} ${t.label}${t.optIn ? " (opt-in)" : ""}`,
        );
      }
      return;
    }
    targets = selectTargets(options.only, options.scenarios);
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(2);
  }
  const problems = await unavailable(targets);
  const measured: Measured[] = targets.map((target) => ({
    target,
    rates: [],
    deviations: new Set<string>(),
    ...(problems.has(target) ? { problem: `unavailable: ${problems.get(target)}` } : {}),
  }));
  await measure(measured, options);

  const markdown = await formatMarkdown(
    report(measured, options, await environment(), Deno.args),
  );
  console.log(markdown);
  for (const m of measured.filter((m) => m.problem)) {
    console.error(`!!! ${m.target.scenario} ${m.target.id}: ${m.problem}`);
  }
  const full = !options.only && options.scenarios.length === SCENARIO_NAMES.length &&
    options.records === DEFAULTS.records &&
    options.warmup === DEFAULTS.warmup && options.runs === DEFAULTS.runs;
  if (full || options.write) {
    await Deno.writeTextFile(RESULTS_FILE, markdown);
    console.error(`wrote bench/RESULTS.md`);
  } else {
    console.error("partial run: bench/RESULTS.md left unchanged (add --write to replace it)");
  }
  console.error(`bench took ${((performance.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.main) await main();
