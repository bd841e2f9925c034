// pino with a synchronous SonicBoom destination, on the JSON workload: each record is
// `info({ user, status, ms }, "request %d handled", i)`, written as pino's natural JSON line
// ({"level":30,"time":...,"pid":...,"hostname":...,"name":"bench","user":"ann",...,"msg":...}).
import { loadPeer, parseArgs, report, versionOf } from "./harness.mjs";

const pino = (await loadPeer("pino")).default;

/** Logs `n` records to `path` and returns the seconds from the first call until closed. */
async function run(path, n) {
  const dest = pino.destination({ dest: path, sync: true });
  const log = pino({ name: "bench", level: "info" }, dest);
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    log.info({ user: "ann", status: 200, ms: i / 1000 }, "request %d handled", i);
  }
  dest.flushSync();
  await new Promise((resolve, reject) => {
    dest.once("close", resolve);
    dest.once("error", reject);
    dest.end();
  });
  return (performance.now() - start) / 1000;
}

const args = parseArgs();
await run(args.warmupOut, args.warmupRecords);
report(await run(args.out, args.records), `pino ${versionOf("pino")} destination({ sync: true })`);
