/**
 * This library's FileHandler and RotatingFileHandler on the bench workload, run by bench/main.ts
 * in its own process.
 *
 * `deno run -A bench/ours.ts <out> <warmupOut> <records> <warmupRecords> <mode>`
 * logs the warm-up records to `warmupOut`, then times `records` records to `out` from the first
 * call until `close()` resolves, and prints one JSON line `{"seconds", "runtime", "peer"}` like
 * the peers (bench/peers/harness.mjs). The modes:
 *
 * - `default`: `new FileHandler(path)`, every record's bytes are in the OS when `handle()` returns.
 * - `buffered`: the opt-in bounded write buffer, `{ bufferSize: 65536, flushInterval: 1000 }`.
 * - `rotating`: `new RotatingFileHandler(path, { maxBytes: 1048576, backupCount: 5 })`.
 * - `rotating-lock`: the same with `lock: true` (a file lock around every write and rollover).
 * - `rotating-buffered`: the same with `bufferSize: 65536`.
 *
 * @module
 */

import { FileHandler, Formatter, RotatingFileHandler } from "../mod.ts";
import { runOurs } from "./ours_run.ts";

/** The line format every text-writing system in the bench uses. */
const FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s";

/** The rotation every system in the rotating scenario uses. */
const ROTATION = { maxBytes: 1048576, backupCount: 5 } as const;

await runOurs({
  script: "bench/ours.ts",
  modes: {
    default: {
      peer: "@x/loghandlers FileHandler (default)",
      make: (path) => new FileHandler(path),
    },
    buffered: {
      peer: "@x/loghandlers FileHandler { bufferSize: 65536, flushInterval: 1000 }",
      make: (path) => new FileHandler(path, { bufferSize: 65536, flushInterval: 1000 }),
    },
    rotating: {
      peer: "@x/loghandlers RotatingFileHandler (default)",
      make: (path) => new RotatingFileHandler(path, { ...ROTATION }),
    },
    "rotating-lock": {
      peer: "@x/loghandlers RotatingFileHandler { lock: true }",
      make: (path) => new RotatingFileHandler(path, { ...ROTATION, lock: true }),
    },
    "rotating-buffered": {
      peer: "@x/loghandlers RotatingFileHandler { bufferSize: 65536 }",
      make: (path) => new RotatingFileHandler(path, { ...ROTATION, bufferSize: 65536 }),
    },
  },
  formatter: () => new Formatter(FORMAT),
  logRecords: (log, n) => {
    for (let i = 0; i < n; i++) log.info("request %d handled", i);
  },
}, Deno.args);
