// pino with a synchronous SonicBoom destination. pino writes its natural JSON line
// ({"level":30,"time":...,"pid":...,"hostname":...,"name":"bench","msg":"request 0 handled"}),
// not the text format the other systems use.
import { loadPeer, parseArgs, report, versionOf } from "./harness.mjs";

const pino = (await loadPeer("pino")).default;

/** Logs `n` records to `path` and returns the seconds from the first call until closed. */
async function run(path, n) {
  const dest = pino.destination({ dest: path, sync: true });
  const log = pino({ name: "bench", level: "info" }, dest);
  const start = performance.now();
  for (let i = 0; i < n; i++) log.info("request %d handled", i);
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
report(await run(args.out, args.records), `pino ${versionOf("pino")} (JSON lines)`);
