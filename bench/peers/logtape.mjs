// LogTape with an @logtape/file sink and getTextFormatter giving the shared line shape
// `2024-01-02 03:04:05.678 INFO bench request 0 handled`. The message is LogTape's natural
// structured template, `info("request {i} handled", { i })`. The 5th argument picks the sink:
// - stream: getStreamFileSink(), a Node.js write stream (no fsync), the default row;
// - nonblocking: getFileSink({ nonBlocking: true }), writeSync per record, fsync in the background;
// - fsync: getFileSink() with defaults, which writes a record shorter than 200 bytes at once and
//   fsyncs it (its 8 KiB buffer only takes longer records), so it is a disk flush per line;
// - rotating: getRotatingFileSink({ maxSize: 1048576, maxFiles: 5 }) with its defaults otherwise
//   (records wait in an 8 KiB buffer; each buffer is written and fsynced, then checked for rotation).
import { loadPeer, parseArgs, report, versionOf } from "./harness.mjs";

const { configure, dispose, getLogger, getTextFormatter } = await loadPeer("@logtape/logtape");
const { getFileSink, getRotatingFileSink, getStreamFileSink } = await loadPeer("@logtape/file");

const args = parseArgs();
const formatter = getTextFormatter({
  timestamp: "date-time",
  level: "FULL",
  category: ".",
  format: (v) => `${v.timestamp} ${v.level} ${v.category} ${v.message}`,
});

/** The sink for `variant` (the 5th argument). */
function makeSink(path) {
  switch (args.variant) {
    case "stream":
      return getStreamFileSink(path, { formatter });
    case "nonblocking":
      return getFileSink(path, { formatter, nonBlocking: true });
    case "fsync":
      return getFileSink(path, { formatter });
    case "rotating":
      return getRotatingFileSink(path, { formatter, maxSize: 1048576, maxFiles: 5 });
    default:
      throw new Error(
        `unknown LogTape variant ${args.variant}: use stream, nonblocking, fsync or rotating`,
      );
  }
}

/** Logs `n` records to `path` and returns the seconds from the first call until closed. */
async function run(path, n) {
  await configure({
    reset: true,
    sinks: { file: makeSink(path) },
    loggers: [
      { category: "bench", lowestLevel: "info", sinks: ["file"] },
      { category: ["logtape", "meta"], lowestLevel: "warning", sinks: [] },
    ],
  });
  const log = getLogger("bench");
  const start = performance.now();
  for (let i = 0; i < n; i++) log.info("request {i} handled", { i });
  await dispose();
  return (performance.now() - start) / 1000;
}

await run(args.warmupOut, args.warmupRecords);
const SINKS = {
  stream: "getStreamFileSink()",
  nonblocking: "getFileSink({ nonBlocking: true })",
  fsync: "getFileSink()",
  rotating: "getRotatingFileSink({ maxSize: 1048576, maxFiles: 5 })",
};
report(
  await run(args.out, args.records),
  `LogTape ${versionOf("@logtape/logtape")}, @logtape/file ${versionOf("@logtape/file")} ` +
    SINKS[args.variant],
);
