// winston with its File transport and a printf format giving the shared line shape
// `2024-01-02 03:04:05,678 INFO bench request 0 handled` (splat() does the %d).
import { loadPeer, parseArgs, report, versionOf } from "./harness.mjs";

const winston = (await loadPeer("winston")).default;
const { combine, label, printf, splat, timestamp } = winston.format;

/** Logs `n` records to `path` and returns the seconds from the first call until closed. */
async function run(path, n) {
  const transport = new winston.transports.File({ filename: path });
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

const args = parseArgs();
await run(args.warmupOut, args.warmupRecords);
report(await run(args.out, args.records), `winston ${versionOf("winston")}`);
