/**
 * This library's JSONFormatter into a FileHandler on the JSON bench workload, run by
 * bench/main.ts in its own process.
 *
 * `deno run -A bench/ours_json.ts <out> <warmupOut> <records> <warmupRecords> <mode>` logs the
 * warm-up records to `warmupOut`, then times `records` records to `out` from the first call until
 * `close()` resolves, and prints one JSON line `{"seconds", "runtime", "peer"}` like the peers.
 * Each record is `info("request %d handled", i)` with three extra fields (`user`, `status`,
 * `ms`), formatted by `new JSONFormatter("%(asctime)s %(levelname)s %(name)s %(message)s")`. The
 * modes: `default` (every record's bytes are in the OS when `handle()` returns) and `buffered`
 * (`{ bufferSize: 65536, flushInterval: 1000 }`).
 *
 * @module
 */

import { FileHandler, getLogger, INFO, JSONFormatter, kw } from "../mod.ts";

/** The fields every JSON-writing system in the bench names. */
export const JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s";

const MODES = {
  default: {
    peer: "@x/loghandlers JSONFormatter + FileHandler (default)",
    make: (path: string): FileHandler => new FileHandler(path),
  },
  buffered: {
    peer: "@x/loghandlers JSONFormatter + FileHandler { bufferSize: 65536, flushInterval: 1000 }",
    make: (path: string): FileHandler =>
      new FileHandler(path, { bufferSize: 65536, flushInterval: 1000 }),
  },
} as const;

type Mode = keyof typeof MODES;

function isMode(value: string | undefined): value is Mode {
  return value !== undefined && Object.hasOwn(MODES, value);
}

async function run(path: string, n: number, mode: Mode): Promise<number> {
  const handler = MODES[mode].make(path);
  handler.setFormatter(new JSONFormatter(JSON_FORMAT));
  const log = getLogger("bench");
  log.setLevel(INFO);
  log.propagate = false;
  log.addHandler(handler);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    log.info("request %d handled", i, kw({ extra: { user: "ann", status: 200, ms: i / 1000 } }));
  }
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
    "usage: deno run -A bench/ours_json.ts <out> <warmupOut> <records> <warmupRecords> " +
      `<${Object.keys(MODES).join("|")}>`,
  );
}
await run(warmupOut, Number(warmupRecords), mode);
const seconds = await run(out, Number(records), mode);
console.log(
  JSON.stringify({ seconds, runtime: `Deno ${Deno.version.deno}`, peer: MODES[mode].peer }),
);
