/**
 * The `rotating` scenario: size-based rotation at 1 MiB keeping 5 backups; kept files are checked.
 *
 * @module
 */

import type { Measured, Rotation, Scenario, Target } from "./types.ts";
import { jsRows, oursRows, pythonRows } from "./peers.ts";
import { runWriter } from "./file.ts";
import { bestOf, formatRate, ratio } from "./table.ts";

/** The size limit, as every system is configured. */
const MAX_BYTES = 1048576;
/** The backups, as every system is configured (winston: files in all). */
const BACKUP_COUNT = 5;

/** Python's file names, and a file never exceeds maxBytes (ours, CPython, LogTape). */
const PYTHON_ROTATION: Rotation = {
  naming: "python",
  maxBytes: MAX_BYTES,
  keep: BACKUP_COUNT + 1,
  checksBefore: true,
};

/** The rows, in table order. */
function targets(): Target[] {
  return [
    ...oursRows("rotating", "bench/ours.ts", [
      {
        system: "ours",
        ours: "default",
        mode: "rotating",
        label: "@x/loghandlers RotatingFileHandler (default)",
        rotation: PYTHON_ROTATION,
      },
      {
        system: "ours-lock",
        ours: "lock",
        mode: "rotating-lock",
        label: "@x/loghandlers RotatingFileHandler { lock: true }",
        rotation: { ...PYTHON_ROTATION, extraFiles: ["bench.log.lock"] },
      },
      {
        system: "ours-buffered",
        ours: "buffered",
        mode: "rotating-buffered",
        label: "@x/loghandlers RotatingFileHandler { bufferSize: 65536 }",
        rotation: PYTHON_ROTATION,
      },
    ]),
    ...pythonRows("rotating", "bench/peers/cpython_logging.py", [
      {
        system: "cpython",
        label: "CPython logging.handlers.RotatingFileHandler",
        extra: ["rotating"],
        rotation: PYTHON_ROTATION,
      },
    ]),
    ...jsRows("rotating", [
      {
        system: "pino-roll",
        script: "pino_roll",
        label: "pino + pino-roll transport { size: '1m', limit: { count: 5 } } (JSON lines)",
        extra: [],
        rotation: {
          naming: "pino-roll",
          maxBytes: MAX_BYTES,
          keep: BACKUP_COUNT + 1,
          checksBefore: false,
        },
      },
      {
        system: "winston",
        script: "winston",
        label: "winston File { maxsize: 1048576, maxFiles: 5 }",
        extra: ["rotating"],
        rotation: {
          naming: "winston",
          maxBytes: MAX_BYTES,
          keep: BACKUP_COUNT,
          checksBefore: false,
        },
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

/**
 * The headline numbers: the lock's cost and the targets against CPython and pino-roll (default
 * mode).
 *
 * @param rows The scenario's rows.
 * @returns Markdown lines.
 */
function summary(rows: Measured[]): string[] {
  const od = bestOf(rows, (t) => t.ours === "default");
  const ol = bestOf(rows, (t) => t.ours === "lock");
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
    const peer = bestOf(rows, (t) => t.system === system);
    if (od === undefined || peer === undefined) continue;
    const r = od / peer;
    lines.push(
      `- Target ours (default) ≥ ${goal}× ${name}: ${ratio(od, peer)} ` +
        `(${r >= goal ? "met" : "**not met**"}).`,
    );
  }
  return lines;
}

/** The `rotating` scenario. */
export const ROTATING: Scenario = {
  targets,
  runOnce: runWriter,
  fileColumns: true,
  summary,
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
};
