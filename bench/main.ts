/**
 * The file-logging benchmark: `tools/deno task bench` (`deno run --allow-all bench/main.ts`).
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
 * Two scenarios, each with its own systems and table:
 * - `file`: a plain file handler; the file must hold every record, in order.
 * - `rotating`: size-based rotation at 1 MiB (1048576 bytes) keeping 5 backups. The workload is
 *   far more than the files kept, so the check reads the live file and every backup, oldest
 *   first, and requires one unbroken run of records ending with the last one (see
 *   {@linkcode verifyRotated}).
 * - `socket`: SocketHandler sending 200,000 records (`SOCKET_RECORDS`, unless `--records` is
 *   given) over TCP loopback to a receiver in another process, timed until the receiver has
 *   handled the last one; the receiver counts them and checks their order (see
 *   {@linkcode runSocketOnce}, bench/ours_socket.ts and bench/peers/cpython_socket.py).
 *
 * Options: `--scenario=file|rotating|socket|all` (all), `--only=name,name` (a system such as `pino`, or
 * one runtime of it such as `pino@node`; `--only=list` prints the names), `--records=N`,
 * `--warmup=N`, `--runs=N`, and `--write` to write bench/RESULTS.md from a partial run (a full
 * default run always writes it).
 *
 * @module
 */

import versions from "./peers/versions.json" with { type: "json" };

/** A runtime a system is measured under. */
type Runtime = "deno" | "node" | "python";

/** A workload shape, with its own rows and table. */
type ScenarioName = "file" | "rotating" | "socket";

/** Every scenario, in report order. */
const SCENARIOS: readonly ScenarioName[] = ["file", "rotating", "socket"];

/**
 * How a system names its rotated files (`bench.log` is the name it is given):
 * - `python`: `bench.log` is live, then `bench.log.1` (newest backup) to `bench.log.5` (oldest);
 * - `winston`: `bench.log` is the first file, then `bench1.log`, `bench2.log`, ... (newest last);
 * - `pino-roll`: `bench.1.log`, `bench.2.log`, ... (newest last).
 */
type Naming = "python" | "winston" | "pino-roll";

/** One row of the table: a system under one runtime. */
interface Target {
  /** The scenario the row belongs to. */
  scenario: ScenarioName;
  /** The system's name, as `--only` takes it. */
  system: string;
  runtime: Runtime;
  /** `system@runtime`, also accepted by `--only`. */
  id: string;
  /** What the system is, before a run reports its own description. */
  label: string;
  /** Whether the row is one of ours (the ratio numerators). */
  ours?: OursVariant;
  /** The script, relative to the repository root. */
  script: string;
  /** Extra arguments after the common four. */
  extra: string[];
  /** For a peer: its script's name, which keys NODE_PACKAGES. */
  peer?: string;
  /** Only measured when named by `--only`. */
  optIn?: boolean;
  /** Rotating scenario: the system's rotation, as {@linkcode verifyRotated} checks it. */
  rotation?: Rotation;
}

/** Which of our configurations a row measures; each is a ratio column. */
type OursVariant = "default" | "lock" | "buffered" | "json" | "ack" | "nocaller";

/** How a rotating row's files are checked. */
interface Rotation {
  naming: Naming;
  /** Files kept, live one included. */
  keep: number;
  /**
   * Whether the system checks the size before it writes (Python's rule: a file never exceeds
   * maxBytes) or after (a file may exceed it by one line).
   */
  checksBefore: boolean;
  /** Other files the system leaves beside the logs (our `lock: true` lock file). */
  extraFiles?: string[];
}

/** What checking one run's output found. */
interface Checked {
  /** Why the run does not count (records lost, out of order, missing files), if it does not. */
  problem?: string;
  /** Rotating: how the system departed from its rotation rule (kept, but shown in the table). */
  deviations: string[];
  /** Rotating: how many log files were left, and the largest one's size in bytes. */
  files?: number;
  largest?: number;
}

/** What one timed run produced. */
interface RunResult {
  seconds: number;
  runtime: string;
  peer: string;
  checked: Checked;
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
  /** Rotating: the files left by the last run and the largest file of any run, in bytes. */
  files?: number;
  largest?: number;
  /** Rotating: every departure from the rotation rule seen in any run. */
  deviations: Set<string>;
}

/** The parsed command line. */
interface Options {
  scenarios: ScenarioName[];
  only?: string[];
  records: number;
  /** Whether `--records` was given (it then applies to every scenario). */
  recordsGiven: boolean;
  warmup: number;
  runs: number;
  write: boolean;
}

const ROOT = new URL("../", import.meta.url).pathname;
const NODE_ROOT = `${ROOT}bench/node_modules_root`;
const RESULTS_FILE = `${ROOT}bench/RESULTS.md`;
const PYENV_VERSION = "3.13.0";
const DEFAULTS = { records: 500_000, warmup: 20_000, runs: 3 } as const;
/** The socket scenario's records, unless `--records` is given. */
const SOCKET_RECORDS = 200_000;
/** The rotating scenario's size limit, as every system is configured. */
const MAX_BYTES = 1048576;
/** The rotating scenario's backups, as every system is configured (winston: files in all). */
const BACKUP_COUNT = 5;

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
};

/** A JavaScript peer's row, before it is doubled into a Deno and a Node.js row. */
interface JsPeer {
  system: string;
  /** The script in bench/peers/ (without `.mjs`), which keys NODE_PACKAGES. */
  script: string;
  label: string;
  extra: string[];
  optIn?: boolean;
  rotation?: Rotation;
}

/** Python's file names, and a file never exceeds maxBytes (ours, CPython, LogTape). */
const PYTHON_ROTATION: Rotation = { naming: "python", keep: BACKUP_COUNT + 1, checksBefore: true };

/** One row per runtime for each JavaScript peer. */
function jsRows(scenario: ScenarioName, peers: JsPeer[]): Target[] {
  return peers.flatMap((p) =>
    (["deno", "node"] as const).map((runtime): Target => ({
      scenario,
      system: p.system,
      runtime,
      id: `${p.system}@${runtime}`,
      label: p.label,
      script: `bench/peers/${p.script}.mjs`,
      extra: p.extra,
      peer: p.script,
      optIn: p.optIn,
      rotation: p.rotation,
    }))
  );
}

/** Our row for a mode of bench/ours.ts. */
function oursRow(
  scenario: ScenarioName,
  system: string,
  ours: OursVariant,
  mode: string,
  label: string,
  rotation?: Rotation,
  script = "bench/ours.ts",
): Target {
  return {
    scenario,
    system,
    runtime: "deno",
    id: `${system}@deno`,
    label,
    ours,
    script,
    extra: [mode],
    rotation,
  };
}

/** The rows of one scenario, in table order. */
function scenarioTargets(scenario: ScenarioName): Target[] {
  if (scenario === "socket") {
    const ours = (system: string, variant: OursVariant, label: string): Target =>
      oursRow("socket", system, variant, variant, label, undefined, "bench/ours_socket.ts");
    return [
      ours("ours", "default", "@x/loghandlers SocketHandler -> LogReceiver (pickle)"),
      ours("ours-json", "json", "@x/loghandlers SocketHandler { format: 'json' } -> LogReceiver"),
      ours("ours-ack", "ack", "@x/loghandlers SocketHandler { ack: true } -> LogReceiver"),
      ours(
        "ours-nocaller",
        "nocaller",
        "@x/loghandlers SocketHandler { callerInfo: false } -> LogReceiver",
      ),
      {
        scenario,
        system: "cpython",
        runtime: "python",
        id: "cpython@python",
        label: "CPython logging.handlers.SocketHandler -> cookbook receiver",
        script: "bench/peers/cpython_socket.py",
        extra: [],
      },
      {
        scenario,
        system: "cpython-nocaller",
        runtime: "python",
        id: "cpython-nocaller@python",
        label: "CPython SocketHandler -> cookbook receiver, logging._srcfile = None",
        script: "bench/peers/cpython_socket.py",
        extra: ["nocaller"],
      },
    ];
  }
  if (scenario === "file") {
    return [
      oursRow("file", "ours", "default", "default", "@x/loghandlers FileHandler (default)"),
      oursRow(
        "file",
        "ours-buffered",
        "buffered",
        "buffered",
        "@x/loghandlers FileHandler { bufferSize: 65536 }",
      ),
      {
        scenario,
        system: "cpython",
        runtime: "python",
        id: "cpython@python",
        label: "CPython logging.FileHandler",
        script: "bench/peers/cpython_logging.py",
        extra: [],
      },
      ...jsRows("file", [
        {
          system: "pino",
          script: "pino",
          label: "pino.destination({ sync: true }) (JSON lines)",
          extra: [],
        },
        {
          system: "winston",
          script: "winston",
          label: "winston File transport + printf",
          extra: [],
        },
        {
          system: "logtape",
          script: "logtape",
          label: "LogTape getStreamFileSink + getTextFormatter",
          extra: ["stream"],
        },
        {
          system: "logtape-nonblocking",
          script: "logtape",
          label: "LogTape getFileSink({ nonBlocking: true })",
          extra: ["nonblocking"],
          optIn: true,
        },
        {
          system: "logtape-fsync",
          script: "logtape",
          label: "LogTape getFileSink() (fsync per record)",
          extra: ["fsync"],
          optIn: true,
        },
      ]),
    ];
  }
  return [
    oursRow(
      "rotating",
      "ours",
      "default",
      "rotating",
      "@x/loghandlers RotatingFileHandler (default)",
      PYTHON_ROTATION,
    ),
    oursRow(
      "rotating",
      "ours-lock",
      "lock",
      "rotating-lock",
      "@x/loghandlers RotatingFileHandler { lock: true }",
      { ...PYTHON_ROTATION, extraFiles: ["bench.log.lock"] },
    ),
    oursRow(
      "rotating",
      "ours-buffered",
      "buffered",
      "rotating-buffered",
      "@x/loghandlers RotatingFileHandler { bufferSize: 65536 }",
      PYTHON_ROTATION,
    ),
    {
      scenario,
      system: "cpython",
      runtime: "python",
      id: "cpython@python",
      label: "CPython logging.handlers.RotatingFileHandler",
      script: "bench/peers/cpython_logging.py",
      extra: ["rotating"],
      rotation: PYTHON_ROTATION,
    },
    ...jsRows("rotating", [
      {
        system: "pino-roll",
        script: "pino_roll",
        label: "pino + pino-roll transport { size: '1m', limit: { count: 5 } } (JSON lines)",
        extra: [],
        rotation: { naming: "pino-roll", keep: BACKUP_COUNT + 1, checksBefore: false },
      },
      {
        system: "winston",
        script: "winston",
        label: "winston File { maxsize: 1048576, maxFiles: 5 }",
        extra: ["rotating"],
        rotation: { naming: "winston", keep: BACKUP_COUNT, checksBefore: false },
      },
      {
        system: "logtape",
        script: "logtape",
        label: "LogTape getRotatingFileSink({ maxSize: 1048576, maxFiles: 5 })",
        extra: ["rotating"],
        rotation: PYTHON_ROTATION,
      },
    ]),
  ];
}

/** Every row of the given scenarios, in table order. */
function allTargets(scenarios: readonly ScenarioName[] = SCENARIOS): Target[] {
  return scenarios.flatMap(scenarioTargets);
}

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
    scenarios: [...SCENARIOS],
    write: false,
  };
  for (const arg of args) {
    const [key, value = ""] = arg.split("=", 2);
    if (key === "--scenario") {
      if (value !== "all" && !SCENARIOS.includes(value as ScenarioName)) {
        throw new Error(
          `--scenario takes ${SCENARIOS.join(", ")} or all: got '${value}'`,
        );
      }
      options.scenarios = value === "all" ? [...SCENARIOS] : [value as ScenarioName];
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
          SCENARIOS.join("|")
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
async function verifyFile(path: string, records: number): Promise<string | undefined> {
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
 * Where a rotated file sits in its system's sequence: a larger key is newer.
 *
 * @param naming The system's naming scheme.
 * @param name A file name in the run's folder.
 * @returns The key, or `undefined` for a name that is not one of the system's log files.
 */
function rotatedKey(naming: Naming, name: string): number | undefined {
  let m: RegExpMatchArray | null;
  switch (naming) {
    case "python":
      if (name === "bench.log") return Infinity;
      m = name.match(/^bench\.log\.([1-9]\d*)$/);
      return m ? -Number(m[1]) : undefined;
    case "winston":
      if (name === "bench.log") return 0;
      m = name.match(/^bench([1-9]\d*)\.log$/);
      return m ? Number(m[1]) : undefined;
    case "pino-roll":
      m = name.match(/^bench\.([1-9]\d*)\.log$/);
      return m ? Number(m[1]) : undefined;
  }
}

/**
 * Checks a rotating run. With 5 backups of 1 MiB, most of the workload is rotated away (500,000
 * records are about 30 MB), so counting every record cannot work. Instead:
 *
 * - The folder holds only the system's log files (named as {@linkcode Naming} says, plus the
 *   row's `extraFiles`). Ordered oldest to newest and read as one stream, they must hold an
 *   unbroken run of records `k, k+1, ..., records-1`: nothing lost or repeated inside what is
 *   kept, the last record last, the stream ending with a newline. Otherwise the run fails.
 * - The rotation rule, reported as a deviation beside the row's rate (the rate still counts):
 *   every file at most maxBytes (plus one line for a system that checks the size after writing);
 *   no line split across two files; `keep` files when some were deleted (k > 0), never more.
 *
 * @param out The path the system was given (`<run folder>/bench.log`).
 * @param records How many records were logged.
 * @param rotation The row's rotation.
 * @returns What the check found.
 */
async function verifyRotated(
  out: string,
  records: number,
  rotation: Rotation,
): Promise<Checked> {
  const folder = out.slice(0, out.lastIndexOf("/"));
  const deviations: string[] = [];
  const files: { name: string; key: number; bytes: Uint8Array }[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (rotation.extraFiles?.includes(entry.name)) continue;
      const key = rotatedKey(rotation.naming, entry.name);
      if (key === undefined || !entry.isFile) {
        return { problem: `unexpected file '${entry.name}' beside the logs`, deviations };
      }
      files.push({ name: entry.name, key, bytes: await Deno.readFile(`${folder}/${entry.name}`) });
    }
  } catch (err) {
    return {
      problem: `cannot read the output files: ${err instanceof Error ? err.message : err}`,
      deviations,
    };
  }
  if (files.length === 0) return { problem: "no log file was written", deviations };
  files.sort((a, b) => a.key - b.key);
  const largest = Math.max(...files.map((f) => f.bytes.length));
  const split = files.slice(0, -1).filter((f) =>
    f.bytes.length > 0 && f.bytes[f.bytes.length - 1] !== 10
  );
  if (split.length > 0) {
    deviations.push(
      `lines split across files (${split.length} of ${files.length} files end inside a line)`,
    );
  }
  const stream = new Uint8Array(files.reduce((n, f) => n + f.bytes.length, 0));
  let offset = 0;
  for (const f of files) {
    stream.set(f.bytes, offset);
    offset += f.bytes.length;
  }
  if (stream.length === 0 || stream[stream.length - 1] !== 10) {
    return { problem: "the newest file does not end with a newline", deviations, largest };
  }
  const lines = new TextDecoder().decode(stream.subarray(0, -1)).split("\n");
  // With lines split across files, the oldest kept file may start inside a line whose start
  // was rotated away.
  let first = 0;
  if (split.length > 0 && !/request \d+ handled/.test(lines[0])) first = 1;
  const firstRecord = Number(lines[first]?.match(/request (\d+) handled/)?.[1] ?? NaN);
  if (!Number.isInteger(firstRecord)) {
    return {
      problem: `the oldest kept line is not a record: ${lines[first]?.slice(0, 120)}`,
      deviations,
      largest,
    };
  }
  let longest = 0;
  for (let i = first; i < lines.length; i++) {
    const expected = firstRecord + i - first;
    const line = lines[i];
    if (line.length + 1 > longest) longest = line.length + 1;
    const at = line.indexOf("request ");
    const n = at === -1 ? NaN : Number.parseInt(line.slice(at + 8), 10);
    if (n !== expected) {
      return {
        problem: `record ${expected} is missing from the kept files: found ${
          line.slice(0, 120)
        } (records ${firstRecord}..${records - 1} expected, oldest first)`,
        deviations,
        largest,
      };
    }
  }
  const lastRecord = firstRecord + lines.length - 1 - first;
  if (lastRecord !== records - 1) {
    return {
      problem: `the newest record is ${lastRecord}, ${records - 1} expected`,
      deviations,
      largest,
    };
  }
  const limit = MAX_BYTES + (rotation.checksBefore ? 0 : longest);
  if (largest > limit) {
    deviations.push(
      `largest file ${formatRate(largest)} bytes > ${formatRate(MAX_BYTES)}${
        rotation.checksBefore ? "" : ` + one line (${longest})`
      }`,
    );
  }
  if (files.length > rotation.keep) {
    deviations.push(`keeps ${files.length} files, ${rotation.keep} configured`);
  } else if (firstRecord > 0 && files.length < rotation.keep) {
    deviations.push(`kept only ${files.length} files of ${rotation.keep}`);
  }
  return { deviations, files: files.length, largest };
}

/**
 * Runs one timed run of a row in a fresh process and checks its output. A plain-file row writes
 * `<dir>/<scenario>-<id>-<run>.log`; a rotating row writes `bench.log` in a folder of its own,
 * where its backups appear too.
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
  if (target.scenario === "socket") {
    return runSocketOnce(target, recordsFor("socket", options), options);
  }
  const tag = `${dir}/${target.scenario}-${target.id}-${run}`;
  const rotation = target.rotation;
  const out = rotation ? `${tag}/bench.log` : `${tag}.log`;
  const warmupOut = rotation ? `${tag}-warmup/bench.log` : `${tag}-warmup.log`;
  const made = rotation ? [tag, `${tag}-warmup`] : [out, warmupOut];
  try {
    if (rotation) { for (const folder of made) await Deno.mkdir(folder); }
    const [cmd, args, env] = commandFor(target, [
      out,
      warmupOut,
      String(options.records),
      String(options.warmup),
    ]);
    // A hang guard only: generous enough for the fsync-per-record LogTape row.
    const limit = 60_000 + (options.records + options.warmup) * 0.5;
    const result = await capture(cmd, args, env, AbortSignal.timeout(limit));
    if (!result.success) return `exited with an error: ${tail(result.stderr) || "(no stderr)"}`;
    const line = result.stdout.trim().split("\n").at(-1) ?? "";
    let parsed: Omit<RunResult, "checked">;
    try {
      parsed = JSON.parse(line);
    } catch {
      return `printed no result line: ${tail(result.stdout + result.stderr)}`;
    }
    const checked: Checked = rotation
      ? await verifyRotated(out, options.records, rotation)
      : { problem: await verifyFile(out, options.records), deviations: [] };
    if (checked.problem) {
      // The rate is kept in the message only: a run that lost records is not in the table.
      return `${checked.problem} (this run: ${
        formatRate(options.records / parsed.seconds)
      } records/s)`;
    }
    return { ...parsed, checked };
  } finally {
    for (const path of made) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

/** The records a row of `scenario` logs: `--records`, else the scenario's default. */
function recordsFor(scenario: ScenarioName, options: Options): number {
  return scenario === "socket" && !options.recordsGiven ? SOCKET_RECORDS : options.records;
}

/**
 * Runs one timed run of a socket row: the row's script is the sender, which starts its own
 * receiver process, times until the receiver has handled the last record, and prints the
 * receiver's count and any problem (a record lost, repeated or out of order) in its JSON line.
 *
 * @param target The row.
 * @param records Timed records.
 * @param options Warm-up count.
 * @returns The run's result or the reason it failed.
 */
async function runSocketOnce(
  target: Target,
  records: number,
  options: Options,
): Promise<RunResult | string> {
  const [cmd, args, env] = commandFor(target, [String(records), String(options.warmup)]);
  const limit = 60_000 + (records + options.warmup) * 0.5;
  const result = await capture(cmd, args, env, AbortSignal.timeout(limit));
  if (!result.success) return `exited with an error: ${tail(result.stderr) || "(no stderr)"}`;
  const line = result.stdout.trim().split("\n").at(-1) ?? "";
  let parsed: Omit<RunResult, "checked"> & { received?: number; problem?: string | null };
  try {
    parsed = JSON.parse(line);
  } catch {
    return `printed no result line: ${tail(result.stdout + result.stderr)}`;
  }
  const problem = parsed.problem ??
    (parsed.received !== records
      ? `the receiver handled ${parsed.received} records, ${records} expected`
      : undefined);
  if (problem) {
    return `${problem} (this run: ${formatRate(records / parsed.seconds)} records/s)`;
  }
  return {
    seconds: parsed.seconds,
    runtime: parsed.runtime,
    peer: parsed.peer,
    checked: { deviations: [] },
  };
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

/** Our configurations as ratio columns: the main table's header and the targets table's. */
const OURS_COLUMNS: Record<OursVariant, { short: string; long: string }> = {
  default: { short: "ours ÷", long: "ours default ÷ peer" },
  lock: { short: "ours lock ÷", long: "ours lock ÷ peer" },
  buffered: { short: "ours buf ÷", long: "ours buffered ÷ peer" },
  json: { short: "ours json ÷", long: "ours json ÷ peer" },
  ack: { short: "ours ack ÷", long: "ours ack ÷ peer" },
  nocaller: { short: "ours nocaller ÷", long: "ours nocaller ÷ peer" },
};

/** What the report says about each scenario, besides its tables. */
const SCENARIO_TEXT: Record<ScenarioName, { title: string; intro: string[]; notes: string[] }> = {
  file: {
    title: "Plain file",
    intro: [
      "Each system's plain file handler; the file's line count and last record are checked.",
      '"ours ÷" is ours (default FileHandler) records/s divided by that row\'s; "ours buf ÷"',
      "the same for ours with `{ bufferSize: 65536, flushInterval: 1000 }`.",
      "Above 1.00× ours is faster.",
    ],
    notes: [
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
    ],
  },
  rotating: {
    title: "Rotating file (maxBytes 1 MiB, 5 backups)",
    intro: [
      "Each system's size-based rotating handler at 1 MiB (1048576 bytes) with 5 backups, on the",
      "same workload: most records are rotated away, so the check reads the live file and every",
      "backup, oldest first, and requires one unbroken run of records ending with the last one",
      "(nothing lost or repeated in what is kept). A run that fails it does not count. How a",
      "system departs from its rotation rule (a file over 1 MiB, or over 1 MiB plus one line",
      "for a system that checks the size after writing; a line split across two files; more or",
      "fewer files than configured) is shown with ⚠ and listed below the tables.",
      '"files" and "largest" describe the last run and the largest file of any run.',
      '"ours ÷", "ours lock ÷" and "ours buf ÷" are the records/s of ours (default),',
      "`{ lock: true }` and `{ bufferSize: 65536 }` divided by that row's.",
    ],
    notes: [
      "- ours (default and `lock: true`) and CPython write every record before the call returns " +
      "and roll over before a record would take the file past maxBytes. `lock: true` takes an " +
      "exclusive lock on `bench.log.lock` around every write and rollover (for several " +
      "processes sharing one log).",
      "- pino-roll runs as its README shows, a pino transport: pino formats its JSON line on the " +
      "main thread, and a worker thread (the machine's second core) writes the file and rotates " +
      "it. It checks the size after a write and rolls over once the write queue drains, so under " +
      "a steady stream its files grow past 1 MiB and a line can be split across two files. " +
      "`limit: { count: 5 }` keeps 5 files besides the live one.",
      "- winston's `maxFiles: 5` counts the live file: it keeps 5 files in all (the others 6). " +
      "Its files are bench.log, bench1.log, bench2.log, ... When this bench was written, winston " +
      "3.19 lost the records logged while its File transport rotated (about 290 at each " +
      "rollover, winstonjs/winston#1655), so its rows fail the check. Its run also waits until " +
      "the logger and the transport have taken every record before `end()`: otherwise " +
      'winston\'s `Logger._final` ends the transport too early and throws "write after end".',
      "- A failed run's rate appears only in the problem's message, not in the tables.",
      "- LogTape's `getRotatingFileSink` keeps records in its 8 KiB buffer and writes and fsyncs " +
      "each full buffer (its defaults); `maxFiles: 5` means 5 backups, as in Python.",
    ],
  },
  socket: {
    title: "Socket (SocketHandler to a receiver over TCP loopback)",
    intro: [
      `Each system's SocketHandler sends ${formatRate(SOCKET_RECORDS)} records (unless`,
      "`--records` is given) over 127.0.0.1 to a receiver in another process, which counts them",
      "and checks every message is the next one (`request <i> handled`, in order). The sender",
      "warms up on its own connection first, then is timed from the first log call until the",
      "receiver has handled the last record (the receiver prints a line, the sender stops the",
      "clock when it arrives). A run in which the receiver does not count exactly every record,",
      'in order, does not count. "ours ÷", "ours json ÷" and "ours ack ÷" are the records/s of',
      'ours (default: pickle, no acknowledgements), `{ format: "json" }` and `{ ack: true }`',
      "divided by that row's.",
    ],
    notes: [
      '- ours: `new SocketHandler("127.0.0.1", port)` on a logger, sending to `LogReceiver` ' +
      "(receiver.ts) whose `handle` counts and checks (pickle read by the safe subset decoder, " +
      "then `makeLogRecord`). Logging calls never block, and the outbox holds at most 10,000 " +
      "records by default, so after every 2,000 records the sender waits until the chunk before " +
      "the last one has been delivered (`handler.flush()`), keeping one chunk on its way (a " +
      "synchronous loop of 200,000 calls would overflow the bound and drop records, counted and " +
      "reported); a dropped record fails the run.",
      "- Caller information (`pathname`, `lineno`, `funcName`) is collected for every record " +
      "SocketHandler sends, as in CPython. CPython reads it from its frame objects (about 1 µs); " +
      "Deno has no API for the caller's location but a V8 stack capture, and asking a captured " +
      "frame for its file or line goes through Deno's source mapping: about 6 µs per record at " +
      "best on this machine, 8-9 µs inside a logging call (capture 1.3 µs, frames handed to " +
      "`Error.prepareStackTrace` 1.5 µs, first location asked 2.4 µs, function name 0.5 µs). That " +
      "alone is more than the 3.3 µs per record that 5× CPython allows, so the default rows are " +
      "bound by it. The nocaller rows measure both systems without caller information " +
      "(ours `{ callerInfo: false }`, CPython `logging._srcfile = None`).",
      "- `{ ack: true }`: the receiver acknowledges what it handled after each read, and a " +
      "record leaves the outbox only once acknowledged.",
      "- CPython: `logging.handlers.SocketHandler` (blocking `sendall` per record) sending to the " +
      "logging cookbook's `LogRecordSocketReceiver` (socketserver.ThreadingTCPServer: `recv(4)`, " +
      "`recv(length)`, `pickle.loads`, `logging.makeLogRecord`), with `handleLogRecord` counting " +
      "and checking instead of `logger.handle`. One change to the cookbook: it ends the " +
      "connection when `recv(4)` returns fewer than 4 bytes, which happens when a length prefix " +
      "is split across TCP segments and then loses the rest of the connection's records; the " +
      "bench's copy reads until it has the 4 bytes.",
    ],
  },
};

/**
 * The socket scenario's headline: the target ours (default) >= 5x CPython.
 *
 * @param rows The scenario's rows.
 * @returns Markdown lines.
 */
function socketSummary(rows: Measured[]): string[] {
  const rateOf = (predicate: (t: Target) => boolean): number | undefined => {
    const rates = rows.filter((m) => predicate(m.target)).map(best).filter((r) => r !== undefined);
    return rates.length ? Math.max(...rates) : undefined;
  };
  const od = rateOf((t) => t.ours === "default");
  const py = rateOf((t) => t.system === "cpython");
  const lines: string[] = [];
  if (od !== undefined && py !== undefined) {
    lines.push(
      `- Target ours (default) ≥ 5× CPython: ${ratio(od, py)} (${
        od / py >= 5 ? "met" : "**not met**"
      }).`,
    );
  }
  const on = rateOf((t) => t.ours === "nocaller");
  const pn = rateOf((t) => t.system === "cpython-nocaller");
  if (on !== undefined && pn !== undefined) {
    lines.push(
      `- Without caller information on either side (ours nocaller ÷ cpython-nocaller): ` +
        `${ratio(on, pn)}.`,
    );
  }
  return lines;
}

/**
 * The rotating scenario's headline numbers: the lock's cost and the targets against CPython
 * and pino-roll (default mode).
 *
 * @param rows The scenario's rows.
 * @returns Markdown lines.
 */
function rotatingSummary(rows: Measured[]): string[] {
  const rateOf = (predicate: (t: Target) => boolean): number | undefined => {
    const rates = rows.filter((m) => predicate(m.target)).map(best).filter((r) => r !== undefined);
    return rates.length ? Math.max(...rates) : undefined;
  };
  const od = rateOf((t) => t.ours === "default");
  const ol = rateOf((t) => t.ours === "lock");
  const lines: string[] = [];
  if (od !== undefined && ol !== undefined) {
    lines.push(
      `- Lock cost: \`{ lock: true }\` runs at ${ratio(ol, od)} the default's rate ` +
        `(${formatRate(ol)} vs ${formatRate(od)} records/s).`,
    );
  }
  const goals: [string, string, number][] = [["CPython", "cpython", 5], [
    "pino-roll",
    "pino-roll",
    1.3,
  ]];
  for (const [name, system, goal] of goals) {
    const peer = rateOf((t) => t.system === system);
    if (od === undefined || peer === undefined) continue;
    const r = od / peer;
    lines.push(
      `- Target ours (default) ≥ ${goal}× ${name}: ${ratio(od, peer)} ` +
        `(${r >= goal ? "met" : "**not met**"}).`,
    );
  }
  return lines;
}

/**
 * One scenario's section: its table of every row, the table against each peer's faster runtime,
 * its notes and problems.
 *
 * @param scenario The scenario.
 * @param rows Its rows' outcomes.
 * @param options The run's options.
 * @returns Markdown lines.
 */
function section(scenario: ScenarioName, rows: Measured[], options: Options): string[] {
  const text = SCENARIO_TEXT[scenario];
  const rotating = scenario === "rotating";
  const variants = (Object.keys(OURS_COLUMNS) as OursVariant[]).filter((v) =>
    rows.some((m) => m.target.ours === v)
  );
  const oursRate = new Map(
    variants.map((v) => [v, best(rows.find((m) => m.target.ours === v)!)]),
  );
  const cells = rows.map((m) => {
    const b = best(m);
    const med = median(m);
    const name = m.problem
      ? `${m.target.label} **${m.problem.split(":")[0].toUpperCase()}**`
      : m.peer ?? m.target.label;
    return [
      m.deviations.size ? `${name} ⚠` : name,
      m.runtime ?? m.target.runtime,
      b === undefined ? "–" : formatRate(b),
      med === undefined ? "–" : formatRate(med),
      ...(rotating
        ? [String(m.files ?? "–"), m.largest === undefined ? "–" : formatRate(m.largest)]
        : []),
      ...variants.map((v) => m.target.ours ? "" : ratio(oursRate.get(v), b)),
    ];
  });
  const mainTable = table(
    [
      "system",
      "runtime",
      `records/s (best of ${options.runs})`,
      "median",
      ...(rotating ? ["files", "largest (bytes)"] : []),
      ...variants.map((v) => OURS_COLUMNS[v].short),
    ],
    cells,
    [false, false, true, true, ...(rotating ? [true, true] : []), ...variants.map(() => true)],
  );
  // The targets: each peer against its faster runtime.
  const targets: string[][] = [];
  for (
    const system of [...new Set(rows.filter((m) => !m.target.ours).map((m) => m.target.system))]
  ) {
    const rowsOf = rows.filter((m) => m.target.system === system && best(m) !== undefined);
    if (rowsOf.length === 0) {
      const failed = rows.some((m) =>
        m.target.system === system && m.problem?.startsWith("failed")
      );
      targets.push([system, failed ? "failed" : "unavailable", "–", ...variants.map(() => "–")]);
      continue;
    }
    const fastest = rowsOf.reduce((a, b) => (best(a)! >= best(b)! ? a : b));
    const rate = best(fastest);
    targets.push([
      system,
      fastest.runtime ?? fastest.target.runtime,
      formatRate(rate!),
      ...variants.map((v) => ratio(oursRate.get(v), rate)),
    ]);
  }
  const targetTable = table(
    ["peer", "faster runtime", "records/s", ...variants.map((v) => OURS_COLUMNS[v].long)],
    targets,
    [false, false, true, ...variants.map(() => true)],
  );
  const deviations = rows.filter((m) => m.deviations.size).map((m) =>
    `- ⚠ ${m.target.id}: ${[...m.deviations].join("; ")}`
  );
  const problems = rows.filter((m) => m.problem).map((m) => `- **${m.target.id}: ${m.problem}**`);
  return [
    `## ${text.title}`,
    "",
    text.intro.join(" "),
    "",
    mainTable,
    "",
    "Against each peer's faster runtime:",
    "",
    targetTable,
    "",
    ...(rotating ? [...rotatingSummary(rows), ""] : []),
    ...(scenario === "socket" ? [...socketSummary(rows), ""] : []),
    ...(deviations.length ? ["Departures from the rotation rule:", "", ...deviations, ""] : []),
    "Notes:",
    "",
    ...text.notes,
    ...(problems.length ? ["", "Problems:", "", ...problems] : []),
    "",
  ];
}

/**
 * Builds the report: header, then each measured scenario's section.
 *
 * @param measured Every row's outcome.
 * @param options The run's options.
 * @param env The environment lines.
 * @returns Markdown.
 */
function report(measured: Measured[], options: Options, env: string[]): string {
  return [
    "# Benchmark: file logging throughput",
    "",
    [
      "Produced by `tools/deno task bench`",
      Deno.args.length ? `(\`${Deno.args.join(" ")}\`)` : "",
      `: ${formatRate(options.records)} records at INFO, each`,
      '`info("request %d handled", i)`, formatted as',
      "`%(asctime)s %(levelname)s %(name)s %(message)s` and written to a file by each system's",
      "handler. Every run is a fresh process that warms up on",
      `${formatRate(options.warmup)} records (to another file), then is timed from the first`,
      "call until its file is flushed and closed; the output is checked. Each row is",
      `run ${options.runs} time${options.runs === 1 ? "" : "s"} (interleaved); the best run is`,
      "reported, with the median beside it.",
    ].filter((part) => part !== "").join(" ").replace(" :", ":"),
    "",
    ...env,
    "",
    ...options.scenarios.flatMap((scenario) => {
      const rows = measured.filter((m) => m.target.scenario === scenario);
      return rows.length ? section(scenario, rows, options) : [];
    }),
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
  const measured: Measured[] = targets.map((target) => ({
    target,
    rates: [],
    deviations: new Set<string>(),
  }));

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
          console.error(
            `!!! ${m.target.scenario} ${m.target.id} ${
              m.problem.toUpperCase().split(":")[0]
            }: ${result}`,
          );
          continue;
        }
        const rate = recordsFor(m.target.scenario, options) / result.seconds;
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

  const markdown = await formatMarkdown(report(measured, options, await environment()));
  console.log(markdown);
  for (const m of measured.filter((m) => m.problem)) {
    console.error(`!!! ${m.target.scenario} ${m.target.id}: ${m.problem}`);
  }
  const full = !options.only && options.scenarios.length === SCENARIOS.length &&
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
