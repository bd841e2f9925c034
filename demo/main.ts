/**
 * The demo: a small service that logs through the library's handlers into demo/out/ and to a
 * local receiver on 127.0.0.1, with no outside service. Run it with `tools/deno task demo`.
 */

import { createSocket } from "node:dgram";
import {
  dictConfig,
  FileHandler,
  Formatter,
  getHandlerByName,
  getLogger,
  kw,
  LoggerAdapter,
  LogReceiver,
  type QueueHandler,
  shutdown,
  withContext,
} from "../mod.ts";

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

// An HTTP collector (a local Deno.serve): the HTTPHandler posts JSON batches of ERROR records.
const httpLines: string[] = [];
const collectorHttp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  for (const r of await req.json()) {
    httpLines.push(`${r.levelname} ${r.name} ${r.msg} ${JSON.stringify(r.args)}`);
  }
  return new Response(null, { status: 204 });
});

// An OpenTelemetry collector (a local Deno.serve taking OTLP/HTTP JSON at /v1/logs): the
// OTLPHandler sends it the WARNING and ERROR records, mapped as opentelemetry-python maps them.
const otlpLines: string[] = [];
const collectorOtlp = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
  const body = await req.json();
  for (const resource of body.resourceLogs) {
    for (const scope of resource.scopeLogs) {
      for (const r of scope.logRecords) {
        const attrs = Object.fromEntries(
          (r.attributes ?? [])
            .filter((a: { key: string }) => !/^code\.|^exception\.stacktrace$/.test(a.key))
            .map((a: { key: string; value: Record<string, unknown> }) => [
              a.key,
              Object.values(a.value)[0],
            ]),
        );
        otlpLines.push(
          `${r.severityNumber} ${r.severityText} ${scope.scope.name} ${r.body.stringValue} ${
            JSON.stringify(attrs)
          }`,
        );
      }
    }
  }
  return Response.json({});
});

// Every handler, formatter, filter and logger of the service comes from logging.json, in Python's
// dictConfig schema: a Python service's configuration works as it is (and the library's own
// options, such as the access log's gzip and write buffer, sit beside Python's). What only the
// running program knows (the receiver's ports, the audit log's simulated clock) is given by name
// through `resolve` and referred to as `ext://demo...`. The audit log rotates every hour (UTC) and
// keeps the last 2; the demo runs in a second, so each request takes a simulated minute.
let clock = Date.UTC(2026, 10, 24, 20, 30) / 1000;
Deno.chdir(new URL(".", import.meta.url)); // the file names in logging.json are relative to it
dictConfig(JSON.parse(await Deno.readTextFile("logging.json")), {
  resolve: {
    "demo.receiver.tcp": tcpPort,
    "demo.receiver.udp": receiver.udpAddr!.port,
    "demo.syslog.port": collector.address().port,
    "demo.http.host": `127.0.0.1:${collectorHttp.addr.port}`,
    "demo.otlp.endpoint": `http://127.0.0.1:${collectorOtlp.addr.port}`,
    "demo.clock": () => clock,
  },
});
// As in CPython 3.13, dictConfig makes the database queue's listener; the program starts it.
const listener = (getHandlerByName("db") as QueueHandler).listener!.start();

const accessLog = getLogger("shop.access");
const auditLog = getLogger("shop.audit");
const metrics = getLogger("shop.metrics");

const db = getLogger("shop.db");
const http = getLogger("shop.http");

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
  // Every record of the request carries its user, whatever logs it: the JSON lines and the
  // OpenTelemetry records have it as a field.
  withContext({ user: `u-${id % 7}` }, () => handle(id));
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
// A plain object as the message: its fields go to the top level of the JSON lines.
getLogger("shop").info({ event: "summary", requests: 1000, errors: 4 });
getLogger("shop").info("done");

await shutdown(); // flushes and closes every handler, delivering what the network ones hold
await listener.stop();
await collectorHttp.shutdown();
await collectorOtlp.shutdown();
await Deno.writeTextFile(path("http.log"), httpLines.map((l) => l + "\n").join(""));
await Deno.writeTextFile(path("otlp.log"), otlpLines.map((l) => l + "\n").join(""));
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
