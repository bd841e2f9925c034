/**
 * The demo: a small service that logs through the library's handlers into demo/out/ and to a
 * local receiver on 127.0.0.1, with no outside service. Run it with `tools/deno task demo`.
 */

import { createSocket } from "node:dgram";
import {
  AsyncQueue,
  DatagramHandler,
  FileHandler,
  Filter,
  Formatter,
  getLogger,
  HTTPHandler,
  kw,
  LoggerAdapter,
  LogReceiver,
  MemoryHandler,
  NullHandler,
  QueueHandler,
  QueueListener,
  RotatingFileHandler,
  shutdown,
  SocketHandler,
  StreamHandler,
  SysLogHandler,
  TimedRotatingFileHandler,
  WatchedFileHandler,
} from "../mod.ts";
import type { LogRecord } from "../mod.ts";

const out = new URL("./out/", import.meta.url);
await Deno.remove(out, { recursive: true }).catch(() => {});
await Deno.mkdir(out, { recursive: true });
const path = (name: string) => new URL(name, out);

// The central log server, in the same process for the demo (in production: `deno run
// jsr:@x/loghandlers/receiver --tcp 9020 --udp 9021 --file central.log`). It takes pickled
// records over TCP and UDP, as CPython's SocketHandler and DatagramHandler send them, and writes
// them to received.log.
const central = new FileHandler(path("received.log"));
central.setFormatter(new Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"));
const receiver = new LogReceiver({
  tcp: { port: 0 },
  udp: { port: 0 },
  handle: (record) => central.handle(record),
});
await receiver.start();
const tcpPort = (receiver.tcpAddr as Deno.NetAddr).port;

// A syslog collector: every datagram it gets becomes a line of syslog.log.
const syslogLines: string[] = [];
const collector = createSocket("udp4");
await new Promise<void>((resolve) => collector.bind(0, "127.0.0.1", resolve));
collector.on("message", (datagram) => syslogLines.push(new TextDecoder().decode(datagram)));

const detailed = new Formatter("%(asctime)s %(levelname)-8s %(name)s [%(request)s] %(message)s", {
  defaults: { request: "-" },
});

// Everything to the console, INFO and above.
const console_ = new StreamHandler(Deno.stdout);
console_.setLevel("INFO");
console_.setFormatter(new Formatter("{levelname:<8} {name}: {message}", { style: "{" }));

// Everything to app.log, each record in the OS when the call returns.
const app = new FileHandler(path("app.log"));
app.setFormatter(detailed);

// Errors only, to errors.log in Latin-1; characters it cannot hold are escaped. The file is
// watched: when something renames it away (logrotate does), the next record reopens it.
const errors = new WatchedFileHandler(path("errors.log"), {
  encoding: "latin-1",
  errors: "backslashreplace",
});
errors.setLevel("ERROR");
errors.setFormatter(
  new Formatter("%(asctime)s %(levelname)s %(filename)s:%(lineno)d %(funcName)s: %(message)s"),
);

// The access log: high volume, so it uses the bounded write buffer; it rotates at 16 KiB, keeps 3
// backups and gzips them off the logging call.
const access = new RotatingFileHandler(path("access.log"), {
  maxBytes: 16 * 1024,
  backupCount: 3,
  compress: "gzip",
  bufferSize: 64 * 1024,
  flushInterval: 500,
});
access.setFormatter(new Formatter("%(asctime)s %(message)s", { datefmt: "%d/%b/%Y:%H:%M:%S %z" }));

// The receiver gets WARNING and above over TCP; with `ack`, a restart of the receiver loses
// nothing. Metrics go to it as UDP datagrams.
const remote = new SocketHandler("127.0.0.1", tcpPort, { ack: true });
remote.setLevel("WARNING");
const datagrams = new DatagramHandler("127.0.0.1", receiver.udpAddr!.port);

// Errors also go to syslog, as RFC 5424 lines with structured data.
const syslog = new SysLogHandler({
  address: ["127.0.0.1", collector.address().port],
  format: "rfc5424",
  appName: "shop",
  facility: "local0",
});
syslog.setLevel("ERROR");

// An HTTP collector (a local Deno.serve): HTTPHandler posts JSON batches of ERROR records to it.
const httpLines: string[] = [];
const collectorHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  for (const r of await req.json()) {
    httpLines.push(`${r.levelname} ${r.name} ${r.msg} ${JSON.stringify(r.args)}`);
  }
  return new Response(null, { status: 204 });
});
const web = new HTTPHandler(`127.0.0.1:${collectorHttp.addr.port}`, "/logs", {
  method: "POST",
  format: "json",
  batch: { maxRecords: 20, maxDelayMs: 200 },
});
web.setLevel("ERROR");

// Slow handlers behind a queue: the logging call only enqueues; the listener writes later.
const queue = new AsyncQueue<LogRecord | null>(10_000);
const queued = new FileHandler(path("queued.log"));
queued.setFormatter(new Formatter("%(asctime)s %(name)s %(message)s"));
const listener = new QueueListener(queue, [queued]).start();

// Debug traces are kept in memory and written to trace.log only when an ERROR shows up.
const traceFile = new FileHandler(path("trace.log"));
traceFile.setFormatter(new Formatter("%(levelname)s %(name)s %(message)s"));
const traces = new MemoryHandler(200, { flushLevel: "ERROR", target: traceFile });

const root = getLogger();
root.setLevel("DEBUG");
for (const h of [console_, app, errors, remote, syslog, web]) root.addHandler(h);
getLogger("shop.db").addHandler(new QueueHandler(queue));

// The audit log rotates every hour (UTC) and keeps the last 2 hours. The demo runs in a second,
// so it drives the handler with a simulated clock: each request takes a simulated minute.
let clock = Date.UTC(2026, 10, 24, 20, 30) / 1000;
const audit = new TimedRotatingFileHandler(path("audit.log"), {
  when: "H",
  utc: true,
  backupCount: 2,
  delay: true,
  now: () => clock,
});
audit.setFormatter(new Formatter("%(message)s"));
const auditLog = getLogger("shop.audit");
auditLog.propagate = false;
auditLog.addHandler(audit);

const accessLog = getLogger("shop.access");
accessLog.propagate = false;
accessLog.addHandler(access);

// Request counts go to the receiver as UDP datagrams.
const metrics = getLogger("shop.metrics");
metrics.propagate = false;
metrics.addHandler(datagrams);

// A library that stays quiet unless the application configures it.
getLogger("vendorlib").addHandler(new NullHandler());
getLogger("vendorlib").propagate = false;

const db = getLogger("shop.db");
const http = getLogger("shop.http");
http.addHandler(traces);
http.addFilter(new Filter("shop.http"));

function handle(id: number) {
  const log = new LoggerAdapter(http, { request: `r-${id}` });
  const ms = id % 97 === 0 ? 250 + id % 50 : 3 + (id * 7) % 40;
  accessLog.info('127.0.0.1 "GET /items/%d HTTP/1.1" 200 %d', id, 512 + id);
  clock += 60;
  if (id % 50 === 0) metrics.info("%d requests served", id);
  if (id % 10 === 0) {
    auditLog.info("request %d served at %s", id, new Date(clock * 1000).toISOString());
  }
  log.debug("parsed query for item %d", id);
  if (ms > 200) log.warning("slow request: %.1f ms", ms);
  if (id % 250 === 0) {
    try {
      try {
        JSON.parse("{ broken");
      } catch (cause) {
        throw new Error(`cannot load item ${id}`, { cause });
      }
    } catch (err) {
      log.exception("request failed: %s", err);
    }
  }
}

getLogger("shop").info("starting with %(workers)d workers on %(host)s", {
  workers: 4,
  host: "127.0.0.1",
});
for (let id = 1; id <= 1000; id++) {
  handle(id);
  // Halfway, rotate errors.log away the way logrotate does.
  if (id === 500) await Deno.rename(path("errors.log"), path("errors.log.1"));
}
db.warning("pool at %d%% — résumé of the cause: %s", 91, "naïve retries ✓");
db.error(
  "replica %s unreachable",
  "db-2",
  kw({ extra: { request: "r-db", structuredData: { "db@32473": { replica: "db-2" } } } }),
);
getLogger("vendorlib").error("nobody sees this");
getLogger("shop").info("done");

await shutdown(); // flushes and closes every handler, delivering what the network ones hold
await listener.stop();
await collectorHttp.shutdown();
await Deno.writeTextFile(path("http.log"), httpLines.map((l) => l + "\n").join(""));
// Datagrams are in the receiver's socket buffer: let it read them before it closes.
for (let seen = -1; seen !== receiver.received;) {
  seen = receiver.received;
  await new Promise((resolve) => setTimeout(resolve, 100));
}
await receiver.close();
await central.close();
collector.close();
await Deno.writeTextFile(path("syslog.log"), syslogLines.map((l) => l + "\n").join(""));
console.log(
  `\nThe receiver got ${receiver.received} records (TCP and UDP), rejected ${receiver.rejected}.`,
);

async function text(name: string): Promise<string> {
  const file = await Deno.open(path(name));
  const stream = name.endsWith(".gz")
    ? file.readable.pipeThrough(new DecompressionStream("gzip"))
    : file.readable;
  return await new Response(stream).text();
}

console.log("\nFiles written to demo/out/:");
const names = [];
for await (const entry of Deno.readDir(out)) names.push(entry.name);
for (const name of names.sort()) {
  const lines = (await text(name)).split("\n").filter(Boolean);
  console.log(
    `  ${name.padEnd(30)} ${String(lines.length).padStart(5)} lines   first: ${lines[0]}`,
  );
}
