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

import { FileHandler, Formatter, getLogger, INFO, RotatingFileHandler } from "../mod.ts";

/** The line format every text-writing system in the bench uses. */
const FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s";

/** The rotation every system in the rotating scenario uses. */
const ROTATION = { maxBytes: 1048576, backupCount: 5 } as const;

/** For each mode: how to make the handler and how the result line describes it. */
const MODES = {
  default: {
    peer: "@x/loghandlers FileHandler (default)",
    make: (path: string): FileHandler => new FileHandler(path),
  },
  buffered: {
    peer: "@x/loghandlers FileHandler { bufferSize: 65536, flushInterval: 1000 }",
    make: (path: string): FileHandler =>
      new FileHandler(path, { bufferSize: 65536, flushInterval: 1000 }),
  },
  rotating: {
    peer: "@x/loghandlers RotatingFileHandler (default)",
    make: (path: string): FileHandler => new RotatingFileHandler(path, { ...ROTATION }),
  },
  "rotating-lock": {
    peer: "@x/loghandlers RotatingFileHandler { lock: true }",
    make: (path: string): FileHandler => new RotatingFileHandler(path, { ...ROTATION, lock: true }),
  },
  "rotating-buffered": {
    peer: "@x/loghandlers RotatingFileHandler { bufferSize: 65536 }",
    make: (path: string): FileHandler =>
      new RotatingFileHandler(path, { ...ROTATION, bufferSize: 65536 }),
  },
} as const;

/** A handler configuration the bench measures. */
type Mode = keyof typeof MODES;

function isMode(value: string | undefined): value is Mode {
  return value !== undefined && Object.hasOwn(MODES, value);
}

/**
 * Logs `n` records to `path` and returns the seconds from the first call until the file is closed.
 *
 * @param path The file to write.
 * @param n How many records.
 * @param mode Which handler configuration.
 * @returns The elapsed seconds.
 */
async function run(path: string, n: number, mode: Mode): Promise<number> {
  const handler = MODES[mode].make(path);
  handler.setFormatter(new Formatter(FORMAT));
  const log = getLogger("bench");
  log.setLevel(INFO);
  log.propagate = false;
  log.addHandler(handler);
  const start = performance.now();
  for (let i = 0; i < n; i++) log.info("request %d handled", i);
  await handler.close();
  const seconds = (performance.now() - start) / 1000;
  log.removeHandler(handler);
  return seconds;
}

const [out, warmupOut, records, warmupRecords, mode] = Deno.args;
if (
  !out || !warmupOut || !Number.isInteger(Number(records)) ||
  !Number.isInteger(Number(warmupRecords)) || !isMode(mode)
) {
  throw new Error(
    "usage: deno run -A bench/ours.ts <out> <warmupOut> <records> <warmupRecords> " +
      `<${Object.keys(MODES).join("|")}>`,
  );
}
await run(warmupOut, Number(warmupRecords), mode);
const seconds = await run(out, Number(records), mode);
console.log(
  JSON.stringify({ seconds, runtime: `Deno ${Deno.version.deno}`, peer: MODES[mode].peer }),
);
