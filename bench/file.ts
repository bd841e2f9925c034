/**
 * The `file` scenario: each system's plain file handler; the file must hold every record, in order.
 *
 * @module
 */

import type { Checked, RunResult, RunSpec, Scenario, Target } from "./types.ts";
import { jsRows, oursRows, pythonRows } from "./peers.ts";
import { runTimed } from "./process.ts";
import { verifyFile, verifyRotated } from "./verify.ts";

/** The rows, in table order. */
function targets(): Target[] {
  return [
    ...oursRows("file", "bench/ours.ts", [
      {
        system: "ours",
        ours: "default",
        label: "@x/loghandlers FileHandler (default)",
      },
      {
        system: "ours-buffered",
        ours: "buffered",
        label: "@x/loghandlers FileHandler { bufferSize: 65536 }",
      },
    ]),
    ...pythonRows("file", "bench/peers/cpython_logging.py", [
      { system: "cpython", label: "CPython logging.FileHandler", extra: [] },
    ]),
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

/**
 * Runs one timed run of a file-writing row (this scenario's and the rotating one's) and checks its
 * output. The script gets `<out> <warmupOut> <records> <warmupRecords>`. A plain-file row writes
 * `<dir>/<scenario>-<id>-<run>.log`; a rotating row writes `bench.log` in a folder of its own,
 * where its backups appear too.
 *
 * @param spec The row and the run.
 * @returns The run's result or the reason it failed.
 */
export async function runWriter(spec: RunSpec): Promise<RunResult | string> {
  const { target, dir, run, records, warmup } = spec;
  const tag = `${dir}/${target.scenario}-${target.id}-${run}`;
  const rotation = target.rotation;
  const out = rotation ? `${tag}/bench.log` : `${tag}.log`;
  const warmupOut = rotation ? `${tag}-warmup/bench.log` : `${tag}-warmup.log`;
  const made = rotation ? [tag, `${tag}-warmup`] : [out, warmupOut];
  try {
    if (rotation) { for (const folder of made) await Deno.mkdir(folder); }
    return await runTimed(
      target,
      [out, warmupOut, String(records), String(warmup)],
      records,
      warmup,
      async (): Promise<Checked> =>
        rotation
          ? await verifyRotated(out, records, rotation)
          : { problem: await verifyFile(out, records), deviations: [] },
    );
  } finally {
    for (const path of made) await Deno.remove(path, { recursive: true }).catch(() => {});
  }
}

/** The `file` scenario. */
export const FILE: Scenario = {
  targets,
  runOnce: runWriter,
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
};
