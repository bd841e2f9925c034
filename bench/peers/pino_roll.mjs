// pino with pino-roll, size-based rotation (`size: "1m"`, `limit: { count: 5 }`), run the way
// pino-roll's README runs it: as a pino transport, so the file writes and the rotation happen in a
// worker thread while the main thread formats (pino's natural JSON line). Timing starts once the
// transport's worker is ready and ends when the worker has written everything and closed the file.
import { loadPeer, parseArgs, report, resolvePeer, versionOf } from "./harness.mjs";

const pino = (await loadPeer("pino")).default;
const target = await resolvePeer("pino-roll");

/** Resolves when `emitter` emits `event`, rejects on its "error". */
function once(emitter, event) {
  return new Promise((resolve, reject) => {
    emitter.once(event, resolve);
    emitter.once("error", reject);
  });
}

/** Logs `n` records to `path` (rotated) and returns the seconds from the first call until closed. */
async function run(path, n) {
  const transport = pino.transport({
    target,
    options: { file: path, size: "1m", limit: { count: 5 } },
  });
  await once(transport, "ready");
  const log = pino({ name: "bench", level: "info" }, transport);
  const start = performance.now();
  for (let i = 0; i < n; i++) log.info("request %d handled", i);
  // The transport unrefs its worker once ready; keep the process alive until the file is closed.
  transport.ref();
  const closed = once(transport, "close");
  transport.end();
  await closed;
  return (performance.now() - start) / 1000;
}

const args = parseArgs();
await run(args.warmupOut, args.warmupRecords);
report(
  await run(args.out, args.records),
  `pino ${versionOf("pino")} + pino-roll ${versionOf("pino-roll")} transport (JSON lines)`,
);
