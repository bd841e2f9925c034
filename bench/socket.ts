/**
 * The `socket` scenario: SocketHandler over TCP loopback to a receiver in another process.
 *
 * @module
 */

import type { Measured, RunResult, RunSpec, Scenario, Target } from "./types.ts";
import { oursRows, pythonRows } from "./peers.ts";
import { type ResultLine, runTimed } from "./process.ts";
import { bestOf, formatRate, ratio } from "./table.ts";

/** The records a row sends, unless `--records` is given. */
const SOCKET_RECORDS = 200_000;

/** The rows, in table order. */
function targets(): Target[] {
  return [
    ...oursRows("socket", "bench/ours_socket.ts", [
      {
        system: "ours",
        ours: "default",
        label: "@x/loghandlers SocketHandler -> LogReceiver (pickle)",
      },
      {
        system: "ours-json",
        ours: "json",
        label: "@x/loghandlers SocketHandler { format: 'json' } -> LogReceiver",
      },
      {
        system: "ours-ack",
        ours: "ack",
        label: "@x/loghandlers SocketHandler { ack: true } -> LogReceiver",
      },
      {
        system: "ours-nocaller",
        ours: "nocaller",
        label: "@x/loghandlers SocketHandler { callerInfo: false } -> LogReceiver",
      },
    ]),
    ...pythonRows("socket", "bench/peers/cpython_socket.py", [
      {
        system: "cpython",
        label: "CPython logging.handlers.SocketHandler -> cookbook receiver",
        extra: [],
      },
      {
        system: "cpython-nocaller",
        label: "CPython SocketHandler -> cookbook receiver, logging._srcfile = None",
        extra: ["nocaller"],
      },
    ]),
  ];
}

/**
 * Runs one timed run of a row: the row's script is the sender, which starts its own receiver
 * process, times until the receiver has handled the last record, and prints the receiver's count
 * and any problem (a record lost, repeated or out of order) in its JSON line.
 *
 * @param spec The row and the run.
 * @returns The run's result or the reason it failed.
 */
function runOnce(spec: RunSpec): Promise<RunResult | string> {
  const { target, records, warmup } = spec;
  return runTimed<ResultLine & { received?: number; problem?: string | null }>(
    target,
    [String(records), String(warmup)],
    records,
    warmup,
    (line) => ({
      problem: line.problem ??
        (line.received !== records
          ? `the receiver handled ${line.received} records, ${records} expected`
          : undefined),
      deviations: [],
    }),
  );
}

/**
 * The headline: the target ours (default) >= 5x CPython, and both without caller information.
 *
 * @param rows The scenario's rows.
 * @returns Markdown lines.
 */
function summary(rows: Measured[]): string[] {
  const od = bestOf(rows, (t) => t.ours === "default");
  const py = bestOf(rows, (t) => t.system === "cpython");
  const lines: string[] = [];
  if (od !== undefined && py !== undefined) {
    lines.push(
      `- Target ours (default) ≥ 5× CPython: ${ratio(od, py)} (${
        od / py >= 5 ? "met" : "**not met**"
      }).`,
    );
  }
  const on = bestOf(rows, (t) => t.ours === "nocaller");
  const pn = bestOf(rows, (t) => t.system === "cpython-nocaller");
  if (on !== undefined && pn !== undefined) {
    lines.push(
      `- Without caller information on either side (ours nocaller ÷ cpython-nocaller): ` +
        `${ratio(on, pn)}.`,
    );
  }
  return lines;
}

/** The `socket` scenario. */
export const SOCKET: Scenario = {
  targets,
  runOnce,
  defaultRecords: SOCKET_RECORDS,
  summary,
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
};
