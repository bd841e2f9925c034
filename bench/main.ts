/**
 * The file-logging benchmark: `tools/deno task bench` (`deno run --allow-all bench/main.ts`).
 *
 * Every system logs the same workload, `info("request %d handled", i)` for i below `--records`
 * (500,000), at INFO, through a file handler writing the line
 * `%(asctime)s %(levelname)s %(name)s %(message)s` (pino writes its own JSON line) into a temp
 * folder. Each run is a fresh process that first warms up on `--warmup` records (20,000) written to
 * another file, then times the workload from the first call until the file is flushed and closed.
 * The bench counts the lines of every timed file, repeats each system `--runs` times (3),
 * interleaved, and reports the best run. JavaScript peers run under Deno (`npm:` specifiers) and
 * under Node.js (installed into bench/node_modules_root/, which git ignores).
 *
 * Options: `--only=name,name` (a system such as `pino`, or one runtime of it such as
 * `pino@node`; `--only=list` prints the names), `--records=N`, `--warmup=N`, `--runs=N`, and
 * `--write` to write bench/RESULTS.md from a partial run (a full default run always writes it).
 *
 * @module
 */

import versions from "./peers/versions.json" with { type: "json" };

/** A runtime a system is measured under. */
type Runtime = "deno" | "node" | "python";

/** One row of the table: a system under one runtime. */
interface Target {
  /** The system's name, as `--only` takes it. */
  system: string;
  runtime: Runtime;
  /** `system@runtime`, also accepted by `--only`. */
  id: string;
  /** What the system is, before a run reports its own description. */
  label: string;
  /** Whether the row is one of ours (the ratio numerators). */
  ours?: "default" | "buffered";
  /** The script, relative to the repository root. */
  script: string;
  /** Extra arguments after the common four. */
  extra: string[];
  /** For a peer: its script's name, which keys NODE_PACKAGES. */
  peer?: string;
  /** Only measured when named by `--only`. */
  optIn?: boolean;
}

/** What one timed run produced. */
interface RunResult {
  seconds: number;
  runtime: string;
  peer: string;
}

/** The outcome of every run of one row. */
interface Measured {
  target: Target;
  /** records/s of each successful run. */
  rates: number[];
  /** The runtime and system description the runs reported. */
  runtime?: string;
  peer?: string;
  /** Why the row has no (complete) result: "unavailable" or "failed" plus the reason. */
  problem?: string;
}

/** The parsed command line. */
interface Options {
  only?: string[];
  records: number;
  warmup: number;
  runs: number;
  write: boolean;
}

const ROOT = new URL("../", import.meta.url).pathname;
const NODE_ROOT = `${ROOT}bench/node_modules_root`;
const RESULTS_FILE = `${ROOT}bench/RESULTS.md`;
const PYENV_VERSION = "3.13.0";
const DEFAULTS = { records: 500_000, warmup: 20_000, runs: 3 } as const;

/**
 * The npm packages each peer script needs (versions from bench/peers/versions.json). Under Node.js
 * each script gets its own install folder, bench/node_modules_root/<script>/, so that one failed
 * install leaves the other peers measurable.
 */
const NODE_PACKAGES: Record<string, string[]> = {
  pino: ["pino"],
  winston: ["winston"],
  logtape: ["@logtape/logtape", "@logtape/file"],
};

/** Every row the bench knows, in table order. */
function allTargets(): Target[] {
  const rows: Target[] = [
    {
      system: "ours",
      runtime: "deno",
      id: "ours@deno",
      label: "@x/loghandlers FileHandler (default)",
      ours: "default",
      script: "bench/ours.ts",
      extra: ["default"],
    },
    {
      system: "ours-buffered",
      runtime: "deno",
      id: "ours-buffered@deno",
      label: "@x/loghandlers FileHandler { bufferSize: 65536 }",
      ours: "buffered",
      script: "bench/ours.ts",
      extra: ["buffered"],
    },
    {
      system: "cpython",
      runtime: "python",
      id: "cpython@python",
      label: "CPython logging.FileHandler",
      script: "bench/peers/cpython_logging.py",
      extra: [],
    },
  ];
  const peers: [string, string, string, string[], boolean][] = [
    ["pino", "pino", "pino.destination({ sync: true }) (JSON lines)", [], false],
    ["winston", "winston", "winston File transport + printf", [], false],
    ["logtape", "logtape", "LogTape getStreamFileSink + getTextFormatter", ["stream"], false],
    [
      "logtape-nonblocking",
      "logtape",
      "LogTape getFileSink({ nonBlocking: true })",
      ["nonblocking"],
      true,
    ],
    ["logtape-fsync", "logtape", "LogTape getFileSink() (fsync per record)", ["fsync"], true],
  ];
  for (const [system, script, label, extra, optIn] of peers) {
    for (const runtime of ["deno", "node"] as const) {
      rows.push({
        system,
        runtime,
        id: `${system}@${runtime}`,
        label,
        script: `bench/peers/${script}.mjs`,
        extra,
        peer: script,
        optIn,
      });
    }
  }
  return rows;
}

/**
 * Parses the command line.
 *
 * @param args `Deno.args`.
 * @returns The options.
 * @throws {Error} On an unknown option or a value that is not a positive integer.
 */
function parseOptions(args: string[]): Options {
  const options: Options = { ...DEFAULTS, write: false };
  for (const arg of args) {
    const [key, value = ""] = arg.split("=", 2);
    if (key === "--only") {
      options.only = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
    } else if (key === "--records" || key === "--warmup" || key === "--runs") {
      const n = Number(value.replaceAll("_", ""));
      if (!Number.isInteger(n) || n < (key === "--warmup" ? 0 : 1)) {
        throw new Error(`${key} takes a positive integer, as in ${key}=1000: got '${value}'`);
      }
      options[key.slice(2) as "records" | "warmup" | "runs"] = n;
    } else if (key === "--write") {
      options.write = true;
    } else {
      throw new Error(
        `Unknown option '${arg}': use --only=name,name --records=N --warmup=N --runs=N --write`,
      );
    }
  }
  return options;
}

/**
 * The rows `--only` selects (or the default set).
 *
 * @param only The names given, if any.
 * @returns The rows to measure.
 * @throws {Error} When a name matches no row.
 */
function selectTargets(only: string[] | undefined): Target[] {
  const all = allTargets();
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

/** Runs a command and returns its exit status and output as text. */
async function capture(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<{ success: boolean; stdout: string; stderr: string }> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      env,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
    const decoder = new TextDecoder();
    return {
      success: out.success,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (err) {
    return { success: false, stdout: "", stderr: err instanceof Error ? err.message : String(err) };
  }
}

/** The error line of a process's output (else its last few lines), for a one-line message. */
function tail(text: string, lines = 4): string {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const all = plain.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const error = all.findIndex((l) => /^(error\b|\w*Error\b)/i.test(l));
  return (error === -1 ? all.slice(-lines) : all.slice(error, error + 2)).join(" | ");
}

/** Checks that Node.js runs; returns why not otherwise. */
async function prepareNode(): Promise<string | undefined> {
  const node = await capture("node", ["--version"]);
  return node.success ? undefined : `node is not runnable: ${tail(node.stderr, 1) || "not found"}`;
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

/** Checks that CPython 3.13 runs; returns why not otherwise. */
async function preparePython(): Promise<string | undefined> {
  const py = await capture("python3", ["-c", "import logging"], { PYENV_VERSION });
  return py.success
    ? undefined
    : `python3 (PYENV_VERSION=${PYENV_VERSION}) failed: ${tail(py.stderr, 2) || "not found"}`;
}

/** The command line for one run of a row. */
function commandFor(target: Target, files: string[]): [string, string[], Record<string, string>] {
  switch (target.runtime) {
    case "deno":
      return [
        Deno.execPath(),
        ["run", "--allow-all", "--no-lock", target.script, ...files, ...target.extra],
        {},
      ];
    case "node":
      return ["node", [target.script, ...files, ...target.extra], {
        BENCH_NODE_ROOT: `${NODE_ROOT}/${target.peer}`,
      }];
    case "python":
      return ["python3", [target.script, ...files, ...target.extra], { PYENV_VERSION }];
  }
}

/**
 * Counts the lines of a file and checks the last one is record `records - 1`.
 *
 * @param path The timed output file.
 * @param records How many records were logged.
 * @returns `undefined` when the file is complete, else what is wrong.
 */
async function verify(path: string, records: number): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    return `cannot read the output file: ${err instanceof Error ? err.message : err}`;
  }
  let lines = 0;
  let lastStart = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) {
    lines++;
    if (i + 1 < bytes.length) lastStart = i + 1;
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) {
    return `the file does not end with a newline (${lines} complete lines, ${records} expected)`;
  }
  if (lines !== records) return `the file has ${lines} lines, ${records} expected`;
  const last = new TextDecoder().decode(bytes.subarray(lastStart));
  if (records > 0 && !last.includes(`request ${records - 1} handled`)) {
    return `the last line is not record ${records - 1}: ${last.trim().slice(0, 120)}`;
  }
  return undefined;
}

/**
 * Runs one timed run of a row in a fresh process and checks its file.
 *
 * @param target The row.
 * @param dir The temp folder.
 * @param run The run number (names the files).
 * @param options Record counts.
 * @returns The run's result or the reason it failed.
 */
async function runOnce(
  target: Target,
  dir: string,
  run: number,
  options: Options,
): Promise<RunResult | string> {
  const out = `${dir}/${target.id}-${run}.log`;
  const warmupOut = `${dir}/${target.id}-${run}-warmup.log`;
  const [cmd, args, env] = commandFor(target, [
    out,
    warmupOut,
    String(options.records),
    String(options.warmup),
  ]);
  // A hang guard only: generous enough for the fsync-per-record LogTape row.
  const limit = 60_000 + (options.records + options.warmup) * 0.5;
  const result = await capture(cmd, args, env, AbortSignal.timeout(limit));
  try {
    if (!result.success) return `exited with an error: ${tail(result.stderr) || "(no stderr)"}`;
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    let parsed: RunResult;
    try {
      parsed = JSON.parse(line);
    } catch {
      return `printed no result line: ${tail(result.stdout + result.stderr)}`;
    }
    const problem = await verify(out, options.records);
    if (problem) return problem;
    return parsed;
  } finally {
    await Deno.remove(out).catch(() => {});
    await Deno.remove(warmupOut).catch(() => {});
  }
}

/** `123456.7` as `123,457`. */
function formatRate(rate: number): string {
  return Math.round(rate).toLocaleString("en-US");
}

/** The best (highest) rate of a row, if any. */
function best(m: Measured): number | undefined {
  return m.rates.length === 0 || m.problem ? undefined : Math.max(...m.rates);
}

/** The median rate of a row, if any. */
function median(m: Measured): number | undefined {
  if (m.rates.length === 0 || m.problem) return undefined;
  const sorted = [...m.rates].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** `ours / peer` as `1.23×`, or `–` when either is missing. */
function ratio(ours: number | undefined, peer: number | undefined): string {
  return ours === undefined || peer === undefined ? "–" : `${(ours / peer).toFixed(2)}×`;
}

/** A Markdown table with its columns padded so it also reads well as plain text. */
function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cell: string, i: number) =>
    right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `|${
    widths.map((w, i) => right[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)).join("|")
  }|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The machine and tool versions for the report header. */
async function environment(): Promise<string[]> {
  let cpu = "unknown CPU";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  const deno = await capture(Deno.execPath(), ["--version"]);
  const node = await capture("node", ["--version"]);
  const py = await capture("python3", ["--version"], { PYENV_VERSION });
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu}, ${navigator.hardwareConcurrency} logical cores`,
    `- OS: ${Deno.build.os} ${Deno.osRelease()}`,
    `- \`deno --version\`: ${deno.stdout.trim().split("\n").join("; ")}`,
    `- Node.js: ${node.success ? node.stdout.trim() : "unavailable"}; CPython: ${
      py.success ? py.stdout.trim() : "unavailable"
    }`,
    `- Peers: ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(", ")}`,
  ];
}

/**
 * Builds the report: header, the table of every row and the targets table.
 *
 * @param measured Every row's outcome.
 * @param options The run's options.
 * @param env The environment lines.
 * @returns Markdown.
 */
function report(measured: Measured[], options: Options, env: string[]): string {
  const oursDefault = measured.find((m) => m.target.ours === "default");
  const oursBuffered = measured.find((m) => m.target.ours === "buffered");
  const od = oursDefault && best(oursDefault);
  const ob = oursBuffered && best(oursBuffered);
  const rows = measured.map((m) => {
    const b = best(m);
    const med = median(m);
    return [
      m.problem ? `${m.target.label} **${m.problem.split(":")[0].toUpperCase()}**` : m.peer ??
        m.target.label,
      m.runtime ?? m.target.runtime,
      b === undefined ? "–" : formatRate(b),
      med === undefined ? "–" : formatRate(med),
      m.target.ours ? "" : ratio(od, b),
      m.target.ours ? "" : ratio(ob, b),
    ];
  });
  const header = ["system", "runtime", `records/s (best of ${options.runs})`, "median"];
  const main = table(
    [...header, "ours ÷", "ours buf ÷"],
    rows,
    [false, false, true, true, true, true],
  );
  // The targets: each peer against its faster runtime.
  const targets: string[][] = [];
  for (
    const system of [...new Set(measured.filter((m) => !m.target.ours).map((m) => m.target.system))]
  ) {
    const rowsOf = measured.filter((m) => m.target.system === system && best(m) !== undefined);
    if (rowsOf.length === 0) {
      targets.push([system, "unavailable", "–", "–", "–"]);
      continue;
    }
    const fastest = rowsOf.reduce((a, b) => (best(a)! >= best(b)! ? a : b));
    const rate = best(fastest);
    targets.push([
      system,
      fastest.runtime ?? fastest.target.runtime,
      formatRate(rate!),
      ratio(od, rate),
      ratio(ob, rate),
    ]);
  }
  const targetTable = table(
    ["peer", "faster runtime", "records/s", "ours default ÷ peer", "ours buffered ÷ peer"],
    targets,
    [false, false, true, true, true],
  );
  const problems = measured.filter((m) => m.problem).map((m) =>
    `- **${m.target.id}: ${m.problem}**`
  );
  return [
    "# Benchmark: file logging throughput",
    "",
    [
      "Produced by `tools/deno task bench`",
      Deno.args.length ? `(\`${Deno.args.join(" ")}\`)` : "",
      `: ${formatRate(options.records)} records at INFO, each`,
      '`info("request %d handled", i)`, formatted as',
      "`%(asctime)s %(levelname)s %(name)s %(message)s` and written to a file by each system's",
      "file handler. Every run is a fresh process that warms up on",
      `${formatRate(options.warmup)} records (to another file), then is timed from the first`,
      "call until its file is flushed and closed; the file's line count is checked. Each row is",
      `run ${options.runs} time${options.runs === 1 ? "" : "s"} (interleaved); the best run is`,
      "reported, with the median beside it.",
    ].filter((part) => part !== "").join(" ").replace(" :", ":"),
    "",
    ...env,
    "",
    main,
    "",
    [
      '"ours ÷" is ours (default FileHandler) records/s divided by that row\'s; "ours buf ÷"',
      "the same for ours with `{ bufferSize: 65536, flushInterval: 1000 }`.",
      "Above 1.00× ours is faster.",
    ].join(" "),
    "",
    "Against each peer's faster runtime:",
    "",
    targetTable,
    "",
    "Notes:",
    "",
    "- ours (default), CPython and pino have written every record to the OS when the call " +
    "returns (one write per record); ours buffered holds at most 64 KiB for at most 1 s.",
    "- pino writes its natural JSON line (`level`, `time`, `pid`, `hostname`, `name`, `msg`), " +
    "not the text format; its destination is `pino.destination({ dest, sync: true })`.",
    "- winston's File transport writes through an asynchronous Node.js stream; timing ends at " +
    "the transport's `finish` (after the file stream has written everything).",
    "- LogTape: the row is `@logtape/file`'s `getStreamFileSink` (a Node.js write stream) with " +
    '`getTextFormatter`, logging LogTape\'s natural `info("request {i} handled", { i })`. ' +
    "`getFileSink` with default options calls fsync after every record shorter than 200 bytes " +
    "(a disk flush per line: about 5,000 records/s when this bench was written, so 500,000 " +
    "records take minutes), so it is not in the default run; " +
    "measure it with `--only=logtape-fsync`, and `getFileSink({ nonBlocking: true })` with " +
    "`--only=logtape-nonblocking`.",
    ...(problems.length ? ["", "Problems:", "", ...problems] : []),
    "",
  ].join("\n");
}

/**
 * Formats Markdown with `deno fmt` and the project's settings, so RESULTS.md passes
 * `deno fmt --check`.
 *
 * @param markdown The report.
 * @returns The formatted report, or the input when `deno fmt` fails.
 */
async function formatMarkdown(markdown: string): Promise<string> {
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--ext=md", "-"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(markdown));
    await writer.close();
    const out = await child.output();
    return out.success ? new TextDecoder().decode(out.stdout) : markdown;
  } catch {
    return markdown;
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
      for (const t of allTargets()) {
        console.log(`${t.id.padEnd(28)} ${t.label}${t.optIn ? " (opt-in)" : ""}`);
      }
      return;
    }
    targets = selectTargets(options.only);
  } catch (err) {
    console.error(`error: ${err instanceof Error ? err.message : err}`);
    Deno.exit(2);
  }
  const measured: Measured[] = targets.map((target) => ({ target, rates: [] }));

  const nodePeers = new Set(targets.filter((t) => t.runtime === "node").map((t) => t.peer!));
  const nodeProblem = nodePeers.size ? await prepareNode() : undefined;
  const peerProblems = new Map<string, string | undefined>();
  for (const peer of nodeProblem ? [] : nodePeers) {
    peerProblems.set(peer, await installNodePeer(peer));
  }
  const pythonProblem = targets.some((t) => t.runtime === "python")
    ? await preparePython()
    : undefined;
  for (const m of measured) {
    const problem = m.target.runtime === "node"
      ? nodeProblem ?? peerProblems.get(m.target.peer!)
      : m.target.runtime === "python"
      ? pythonProblem
      : undefined;
    if (problem) m.problem = `unavailable: ${problem}`;
  }

  const dir = await Deno.makeTempDir({ prefix: "loghandlers-bench-" });
  try {
    for (let run = 1; run <= options.runs; run++) {
      for (const m of measured) {
        if (m.problem) continue;
        const result = await runOnce(m.target, dir, run, options);
        if (typeof result === "string") {
          m.problem = !m.target.ours && m.rates.length === 0 &&
              /npm|registry|Cannot find|not found/i.test(result)
            ? `unavailable: ${result}`
            : `failed: ${result}`;
          console.error(`!!! ${m.target.id} ${m.problem.toUpperCase().split(":")[0]}: ${result}`);
          continue;
        }
        const rate = options.records / result.seconds;
        m.rates.push(rate);
        m.runtime = result.runtime;
        m.peer = result.peer;
        console.error(
          `${m.target.id.padEnd(28)} run ${run}/${options.runs}: ${
            formatRate(rate).padStart(11)
          } records/s`,
        );
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }

  const markdown = await formatMarkdown(report(measured, options, await environment()));
  console.log(markdown);
  for (const m of measured.filter((m) => m.problem)) {
    console.error(`!!! ${m.target.id}: ${m.problem}`);
  }
  const full = !options.only && options.records === DEFAULTS.records &&
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
