/**
 * What bench/ours.ts and bench/ours_json.ts share: the command line, the warm-up and timed runs,
 * and the result line.
 *
 * @module
 */

import { type FileHandler, type Formatter, getLogger, INFO, type Logger } from "../mod.ts";

/** A handler configuration the bench measures: how the result line describes it, how to make it. */
export interface OursMode {
  peer: string;
  make: (path: string) => FileHandler;
}

/** The script's part: its modes, its formatter and its logging loop. */
export interface OursBench {
  /** The script, relative to the repository root, for the usage message. */
  script: string;
  modes: Readonly<Record<string, OursMode>>;
  formatter: () => Formatter;
  /** Logs records `0` to `n - 1` on `log`. */
  logRecords: (log: Logger, n: number) => void;
}

/**
 * Logs `n` records to `path` and returns the seconds from the first call until the file is closed.
 *
 * @param bench The script's part.
 * @param path The file to write.
 * @param n How many records.
 * @param mode Which handler configuration.
 * @returns The elapsed seconds.
 */
async function run(bench: OursBench, path: string, n: number, mode: OursMode): Promise<number> {
  const handler = mode.make(path);
  handler.setFormatter(bench.formatter());
  const log = getLogger("bench");
  log.setLevel(INFO);
  log.propagate = false;
  log.addHandler(handler);
  const start = performance.now();
  bench.logRecords(log, n);
  await handler.close();
  const seconds = (performance.now() - start) / 1000;
  log.removeHandler(handler);
  return seconds;
}

/**
 * Reads `<out> <warmupOut> <records> <warmupRecords> <mode>` from `args`, logs the warm-up
 * records to `warmupOut`, times `records` records to `out`, and prints one JSON line
 * `{"seconds", "runtime", "peer"}` like the peers (bench/peers/harness.mjs).
 *
 * @param bench The script's part.
 * @param args The command-line arguments.
 * @throws {Error} On arguments that do not fit.
 */
export async function runOurs(bench: OursBench, args: string[]): Promise<void> {
  const [out, warmupOut, records, warmupRecords, name] = args;
  const mode = name !== undefined && Object.hasOwn(bench.modes, name) ? bench.modes[name] : null;
  if (
    !out || !warmupOut || !Number.isInteger(Number(records)) ||
    !Number.isInteger(Number(warmupRecords)) || mode === null
  ) {
    throw new Error(
      `usage: deno run -A ${bench.script} <out> <warmupOut> <records> <warmupRecords> ` +
        `<${Object.keys(bench.modes).join("|")}>`,
    );
  }
  await run(bench, warmupOut, Number(warmupRecords), mode);
  const seconds = await run(bench, out, Number(records), mode);
  console.log(JSON.stringify({ seconds, runtime: `Deno ${Deno.version.deno}`, peer: mode.peer }));
}
