// winston with its File transport and a printf format giving the shared line shape
// `2024-01-02 03:04:05,678 INFO bench request 0 handled` (splat() does the %d). The 5th argument
// `rotating` sets the transport's size-based rotation, `{ maxsize: 1048576, maxFiles: 5 }` (winston
// names the files bench.log, bench1.log, bench2.log, ... and keeps the newest 5 in all).
import { loadPeer, parseArgs, report, versionOf } from "./harness.mjs";

const winston = (await loadPeer("winston")).default;
const { combine, label, printf, splat, timestamp } = winston.format;

const args = parseArgs();
if (args.variant !== "" && args.variant !== "rotating") {
  throw new Error(`unknown winston variant ${args.variant}: use rotating or nothing`);
}

/** Logs `n` records to `path` and returns the seconds from the first call until closed. */
async function run(path, n) {
  const transport = new winston.transports.File(
    args.variant === "rotating"
      ? { filename: path, maxsize: 1048576, maxFiles: 5 }
      : { filename: path },
  );
  const log = winston.createLogger({
    level: "info",
    format: combine(
      label({ label: "bench" }),
      timestamp({ format: "YYYY-MM-DD HH:mm:ss,SSS" }),
      splat(),
      printf((r) => `${r.timestamp} ${r.level.toUpperCase()} ${r.label} ${r.message}`),
    ),
    transports: [transport],
  });
  const start = performance.now();
  for (let i = 0; i < n; i++) log.info("request %d handled", i);
  if (args.variant === "rotating") {
    // winston 3.19's Logger._final ends its transports while records still wait in the logger's
    // readable buffer, which they do while the File transport rotates (it holds writes back
    // until the new file is open): those records then throw "write after end". So wait until
    // the logger and the transport have taken every record before ending.
    while (log.readableLength > 0 || transport.writableLength > 0) {
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  // The logger's own "finish" can fire before the file is written (winston#1504); the File
  // transport's "finish" waits for its file stream's (winston >= 3.17 _final).
  const closed = new Promise((resolve, reject) => {
    transport.once("error", reject);
    transport.once("finish", resolve);
  });
  log.end();
  await closed;
  return (performance.now() - start) / 1000;
}

await run(args.warmupOut, args.warmupRecords);
report(
  await run(args.out, args.records),
  `winston ${versionOf("winston")}` +
    (args.variant === "rotating" ? " File { maxsize: 1048576, maxFiles: 5 }" : ""),
);
