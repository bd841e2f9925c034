/**
 * The `json` scenario: JSON lines into a plain file, each system's JSON formatter with a message
 * and three structured fields per record; the file must hold every record, in order.
 *
 * @module
 */

import type { Scenario, Target } from "./types.ts";
import { jsRows, oursRows, pythonRows } from "./peers.ts";
import { runWriter } from "./file.ts";

/** The rows, in table order. */
function targets(): Target[] {
  return [
    ...oursRows("json", "bench/ours_json.ts", [
      {
        system: "ours",
        ours: "default",
        label: "@x/loghandlers JSONFormatter + FileHandler (default)",
      },
      {
        system: "ours-buffered",
        ours: "buffered",
        label: "@x/loghandlers JSONFormatter + FileHandler { bufferSize: 65536 }",
      },
    ]),
    ...pythonRows("json", "bench/peers/cpython_json.py", [
      {
        system: "cpython",
        label: "CPython logging.FileHandler + python-json-logger JsonFormatter",
        extra: [],
      },
    ]),
    ...jsRows("json", [
      {
        system: "pino",
        script: "pino_json",
        label: "pino.destination({ sync: true })",
        extra: [],
      },
      {
        system: "logtape",
        script: "logtape_json",
        label: "LogTape getJsonLinesFormatter + getStreamFileSink",
        extra: [],
      },
    ]),
  ];
}

/** The `json` scenario. */
export const JSON_LINES: Scenario = {
  targets,
  runOnce: runWriter,
  title: "JSON lines",
  intro: [
    "Each system's JSON formatter into a plain file, one JSON object per record: the message",
    "`request %d handled` and three structured fields (`user`, `status`, `ms`). The file's line",
    'count and last record are checked. "ours ÷" is ours (JSONFormatter, default FileHandler)',
    'records/s divided by that row\'s; "ours buf ÷" the same with',
    "`{ bufferSize: 65536, flushInterval: 1000 }`. Above 1.00× ours is faster.",
  ],
  notes: [
    '- ours: `new JSONFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")` and ' +
    '`log.info("request %d handled", i, kw({ extra: { user, status, ms } }))`: ' +
    '`{"asctime": ..., "levelname": "INFO", "name": "bench", "message": ..., "user": "ann", ' +
    '"status": 200, "ms": 0.001}`, byte for byte what python-json-logger writes.',
    "- CPython: `logging.FileHandler` with python-json-logger 4.2.0's `JsonFormatter` and the " +
    "same format, `extra={...}`.",
    '- pino: `log.info({ user, status, ms }, "request %d handled", i)` into ' +
    "`pino.destination({ dest, sync: true })`, its natural line (`level`, `time`, `pid`, " +
    "`hostname`, `name`, the fields, `msg`).",
    "- LogTape: `getJsonLinesFormatter()` into `getStreamFileSink` (a Node.js write stream), " +
    '`info("request {i} handled", { i, user, status, ms })`.',
    "- ours (default), CPython and pino have written every record to the OS when the call " +
    "returns (one write per record); ours buffered holds at most 64 KiB for at most 1 s; " +
    "LogTape's stream sink writes asynchronously, timed until `dispose()` resolves.",
  ],
};
