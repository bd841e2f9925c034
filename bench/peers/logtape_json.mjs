// LogTape's JSON Lines formatter (getJsonLinesFormatter) into an @logtape/file stream sink
// (getStreamFileSink, a Node.js write stream), on the JSON workload: each record is LogTape's
// natural `info("request {i} handled", { i, user, status, ms })`.
import { loadPeer, parseArgs, report, versionOf } from "./harness.mjs";

const { configure, dispose, getJsonLinesFormatter, getLogger } = await loadPeer("@logtape/logtape");
const { getStreamFileSink } = await loadPeer("@logtape/file");

/** Logs `n` records to `path` and returns the seconds from the first call until closed. */
async function run(path, n) {
  await configure({
    reset: true,
    sinks: { file: getStreamFileSink(path, { formatter: getJsonLinesFormatter() }) },
    loggers: [
      { category: "bench", lowestLevel: "info", sinks: ["file"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  const log = getLogger("bench");
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    log.info("request {i} handled", { i, user: "ann", status: 200, ms: i / 1000 });
  }
  await dispose();
  return (performance.now() - start) / 1000;
}

const args = parseArgs();
await run(args.warmupOut, args.warmupRecords);
report(
  await run(args.out, args.records),
  `LogTape ${versionOf("@logtape/logtape")} getJsonLinesFormatter, @logtape/file ` +
    `${versionOf("@logtape/file")} getStreamFileSink()`,
);
