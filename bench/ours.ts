/**
 * This library's FileHandler on the bench workload, run by bench/main.ts in its own process.
 *
 * `deno run -A bench/ours.ts <out> <warmupOut> <records> <warmupRecords> <default|buffered>`
 * logs the warm-up records to `warmupOut`, then times `records` records to `out` from the first
 * call until `close()` resolves, and prints one JSON line `{"seconds", "runtime", "peer"}` like
 * the peers (bench/peers/harness.mjs).
 *
 * - `default`: `new FileHandler(path)`, every record's bytes are in the OS when `handle()` returns.
 * - `buffered`: the opt-in bounded write buffer, `{ bufferSize: 65536, flushInterval: 1000 }`.
 *
 * @module
 */

import { FileHandler, Formatter, getLogger, INFO } from "../mod.ts";

/** The line format every text-writing system in the bench uses. */
const FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s";

/** The two modes of FileHandler the bench measures. */
type Mode = "default" | "buffered";

/**
 * Logs `n` records to `path` and returns the seconds from the first call until the file is closed.
 *
 * @param path The file to write.
 * @param n How many records.
 * @param mode Which FileHandler configuration.
 * @returns The elapsed seconds.
 */
async function run(path: string, n: number, mode: Mode): Promise<number> {
  const handler = mode === "buffered"
    ? new FileHandler(path, { bufferSize: 65536, flushInterval: 1000 })
    : new FileHandler(path);
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
  !Number.isInteger(Number(warmupRecords)) || (mode !== "default" && mode !== "buffered")
) {
  throw new Error(
    "usage: deno run -A bench/ours.ts <out> <warmupOut> <records> <warmupRecords> " +
      "<default|buffered>",
  );
}
await run(warmupOut, Number(warmupRecords), mode);
const seconds = await run(out, Number(records), mode);
const peer = mode === "buffered"
  ? "@x/loghandlers FileHandler { bufferSize: 65536, flushInterval: 1000 }"
  : "@x/loghandlers FileHandler (default)";
console.log(JSON.stringify({ seconds, runtime: `Deno ${Deno.version.deno}`, peer }));
