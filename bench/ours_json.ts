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

import { FileHandler, JSONFormatter, kw } from "../mod.ts";
import { runOurs } from "./ours_run.ts";

/** The fields every JSON-writing system in the bench names. */
const JSON_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s";

await runOurs({
  script: "bench/ours_json.ts",
  modes: {
    default: {
      peer: "@x/loghandlers JSONFormatter + FileHandler (default)",
      make: (path) => new FileHandler(path),
    },
    buffered: {
      peer: "@x/loghandlers JSONFormatter + FileHandler { bufferSize: 65536, flushInterval: 1000 }",
      make: (path) => new FileHandler(path, { bufferSize: 65536, flushInterval: 1000 }),
    },
  },
  formatter: () => new JSONFormatter(JSON_FORMAT),
  logRecords: (log, n) => {
    for (let i = 0; i < n; i++) {
      log.info("request %d handled", i, kw({ extra: { user: "ann", status: 200, ms: i / 1000 } }));
    }
  },
}, Deno.args);
