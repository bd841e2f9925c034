/**
 * The types the bench's modules share: rows, runs, outcomes, options and scenarios.
 *
 * @module
 */

/** A runtime a system is measured under. */
export type Runtime = "deno" | "node" | "python";

/** A workload shape, with its own rows and table. */
export type ScenarioName = "file" | "rotating" | "socket" | "json";

/** Which of our configurations a row measures; each is a ratio column. */
export type OursVariant = "default" | "lock" | "buffered" | "json" | "ack" | "nocaller";

/**
 * How a system names its rotated files (`bench.log` is the name it is given):
 * - `python`: `bench.log` is live, then `bench.log.1` (newest backup) to `bench.log.5` (oldest);
 * - `winston`: `bench.log` is the first file, then `bench1.log`, `bench2.log`, ... (newest last);
 * - `pino-roll`: `bench.1.log`, `bench.2.log`, ... (newest last).
 */
export type Naming = "python" | "winston" | "pino-roll";

/** How a rotating row's files are checked. */
export interface Rotation {
  naming: Naming;
  /** The size limit the system is configured with, in bytes. */
  maxBytes: number;
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

/** One row of the table: a system under one runtime. */
export interface Target {
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
  /** Extra arguments after the common ones. */
  extra: string[];
  /** For a JavaScript peer: its script's name, which keys NODE_PACKAGES. */
  peer?: string;
  /** Only measured when named by `--only`. */
  optIn?: boolean;
  /** Rotating scenario: the system's rotation, as `verifyRotated` checks it. */
  rotation?: Rotation;
}

/** What checking one run's output found. */
export interface Checked {
  /** Why the run does not count (records lost, out of order, missing files), if it does not. */
  problem?: string;
  /** Rotating: how the system departed from its rotation rule (kept, but shown in the table). */
  deviations: string[];
  /** Rotating: how many log files were left, and the largest one's size in bytes. */
  files?: number;
  largest?: number;
}

/** What one timed run produced. */
export interface RunResult {
  seconds: number;
  runtime: string;
  peer: string;
  checked: Checked;
}

/** The outcome of every run of one row. */
export interface Measured {
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
export interface Options {
  scenarios: ScenarioName[];
  only?: string[];
  records: number;
  /** Whether `--records` was given (it then applies to every scenario). */
  recordsGiven: boolean;
  warmup: number;
  runs: number;
  write: boolean;
}

/** One timed run of a row. */
export interface RunSpec {
  target: Target;
  /** The temp folder the run's files go in. */
  dir: string;
  /** The run number, which names its files. */
  run: number;
  /** Timed records. */
  records: number;
  /** Warm-up records. */
  warmup: number;
}

/** A scenario: its rows, how one run of a row goes, and its section of the report. */
export interface Scenario {
  /** The rows, in table order. */
  targets(): Target[];
  /** Runs one timed run of a row in fresh processes; returns its result or why it failed. */
  runOnce(spec: RunSpec): Promise<RunResult | string>;
  /** The records a row logs when `--records` is not given (else `--records`' default). */
  defaultRecords?: number;
  /** The section's heading. */
  title: string;
  /** The paragraph above the tables, a line each. */
  intro: string[];
  /** The notes below the tables, a Markdown list item each. */
  notes: string[];
  /** Whether the main table shows the files left and the largest one. */
  fileColumns?: boolean;
  /** The headline lines below the targets table. */
  summary?(rows: Measured[]): string[];
}
