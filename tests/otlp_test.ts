// OTLPHandler against a real OTLP/HTTP collector on loopback (Deno.serve): both encodings, the
// protobuf decoded by Python's opentelemetry-proto, retries, refusals, timeouts, hostile values.
import { getLogger, kw, makeLogRecord, OTLPHandler } from "../mod.ts";
import { dictConfig } from "../config/dict.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { attrs, otlpCollector, plain, recordsOf, type Wire } from "./helpers/otlp_collector.ts";
import { pythonPackages } from "./helpers/pip.ts";
import { runPython } from "./helpers/python.ts";
import { resetLogging } from "./helpers/logging_state.ts";
import { uniqueName } from "./helpers/collect.ts";
import { runScriptIn } from "./helpers/subprocess.ts";
import { withTempDir } from "./helpers/fs.ts";

/** Records handleError reports, instead of printing them. */
class Quiet extends OTLPHandler {
  errors: string[] = [];
  override handleError(_record: unknown, error: unknown): void {
    this.errors.push(error instanceof Error ? error.message : String(error));
  }
}

const FIXED = {
  name: "shop.payments",
  levelno: 30,
  levelname: "WARNING",
  pathname: "/srv/app/pay.ts",
  lineno: 42,
  funcName: "charge",
  created: 1700000000.123456,
};

function sample(): Array<Record<string, unknown>> {
  return [
    { ...FIXED, msg: "card declined for order %d", args: [42], user: "ann", amount: 12.5 },
    {
      ...FIXED,
      name: "shop.cart",
      levelno: 20,
      levelname: "INFO",
      msg: { event: "login", ok: true, tries: 3, tags: ["a", "b"] },
      args: [],
      bytes: new Uint8Array([1, 2, 255]),
      big: 2n ** 62n,
      nested: { a: { b: [1, 2.5, null, false] } },
    },
    {
      ...FIXED,
      levelno: 50,
      levelname: "CRITICAL",
      msg: "boom",
      args: [],
      otelTraceID: "4bf92f3577b34da6a3ce929d0e0e4736",
      otelSpanID: "00f067aa0ba902b7",
      otelTraceSampled: true,
    },
    { ...FIXED, levelno: 25, levelname: "Level 25", msg: "custom", args: [], when: new Date(0) },
  ];
}

Deno.test("OTLPHandler POSTs OTLP/JSON to <endpoint>/v1/logs, grouped by logger as scope", async () => {
  const c = otlpCollector();
  try {
    const h = new Quiet(c.url, { protocol: "http/json", resource: { "service.name": "shop" } });
    for (const r of sample()) h.handle(makeLogRecord(r));
    await h.close();
    assertEquals(h.errors, []);
    assertEquals(c.requests.length, 1);
    assertEquals(c.requests[0].path, "/v1/logs");
    assertEquals(c.requests[0].headers.get("content-type"), "application/json");
    const req = c.json()[0];
    assertEquals(attrs(req.resourceLogs[0].resource.attributes), { "service.name": "shop" });
    const recs = recordsOf(req);
    // Python's SDK groups a batch by scope, in the order each scope first appears.
    assertEquals(recs.map((r) => r.scope), [
      "shop.payments",
      "shop.payments",
      "shop.payments",
      "shop.cart",
    ]);
    const [warn, crit, custom, cart] = recs.map((r) => r.record);
    assertEquals(
      warn.timeUnixNano,
      "1700000000123456001".slice(0, 13) + warn.timeUnixNano.slice(13),
    );
    assert(/^1700000000123456\d\d\d$/.test(warn.timeUnixNano), warn.timeUnixNano);
    assertEquals([warn.severityNumber, warn.severityText], [13, "WARN"]);
    assertEquals(warn.body, { stringValue: "card declined for order 42" });
    assertEquals(attrs(warn.attributes), {
      user: "ann",
      amount: 12.5,
      "code.file.path": "/srv/app/pay.ts",
      "code.function.name": "charge",
      "code.line.number": 42,
    });
    assertEquals([crit.severityNumber, crit.severityText], [21, "FATAL"]);
    assertEquals(crit.traceId, "4bf92f3577b34da6a3ce929d0e0e4736");
    assertEquals(crit.spanId, "00f067aa0ba902b7");
    assertEquals(crit.flags, 1);
    assert(!("otelTraceID" in attrs(crit.attributes)));
    assertEquals([custom.severityNumber, custom.severityText], [12, "Level 25"]);
    assertEquals(typeof attrs(custom.attributes).when, "string");
    assertEquals(plain(cart.body), { event: "login", ok: true, tries: 3, tags: ["a", "b"] });
    const a = attrs(cart.attributes);
    assertEquals(a.bytes, "b64:AQL/");
    assertEquals(a.big, 2 ** 62);
    assertEquals(a.nested, { a: { b: [1, 2.5, null, false] } });
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler's protobuf, decoded by Python's opentelemetry-proto, equals its OTLP/JSON", async () => {
  const lib = await pythonPackages("otel-proto-1.45", [
    "opentelemetry-proto==1.45.0",
    "protobuf==7.36.2",
  ]);
  if (lib === null) return;
  const c = otlpCollector();
  try {
    for (const protocol of ["http/protobuf", "http/json"] as const) {
      const h = new Quiet(c.url, { protocol, resource: { "service.name": "shop", n: 3 } });
      for (const r of sample()) h.handle(makeLogRecord(r));
      // Values past 127 bytes: multi-byte lengths in nested messages.
      h.handle(makeLogRecord({ ...FIXED, msg: "x".repeat(300), args: [], long: "é".repeat(200) }));
      await h.close();
      assertEquals(h.errors, []);
    }
    assertEquals(c.requests[0].headers.get("content-type"), "application/x-protobuf");
    const decoded = await runPython<Wire>(
      `
import sys, json, base64
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from google.protobuf.json_format import MessageToDict
req = ExportLogsServiceRequest.FromString(base64.b64decode(json.load(sys.stdin)))
d = MessageToDict(req, use_integers_for_enums=True)
for rl in d["resourceLogs"]:
    for sl in rl["scopeLogs"]:
        for r in sl["logRecords"]:
            for k in ("traceId", "spanId"):
                if k in r: r[k] = base64.b64decode(r[k]).hex()
print(json.dumps(d))
`,
      btoa(String.fromCharCode(...c.requests[0].body)),
      { PYTHONPATH: lib },
    );
    const json = JSON.parse(new TextDecoder().decode(c.requests[1].body));
    const strip = (req: Wire) => {
      for (const { record } of recordsOf(req)) delete record.observedTimeUnixNano;
      return req;
    };
    assertEquals(strip(decoded), strip(json));
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler sends batches of `batch` records, in order, one request at a time", async () => {
  const c = otlpCollector();
  try {
    const h = new Quiet(c.url, { protocol: "http/json", batch: 3 });
    for (let i = 0; i < 10; i++) h.handle(makeLogRecord({ ...FIXED, msg: `m${i}`, args: [] }));
    await h.close();
    assertEquals(c.requests.length, 4);
    const bodies = c.json().flatMap((r) => recordsOf(r).map((x) => x.record.body.stringValue));
    assertEquals(bodies, Array.from({ length: 10 }, (_, i) => `m${i}`));
    assertEquals(c.json().map((r) => recordsOf(r).length), [3, 3, 3, 1]);
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler retries 429 after Retry-After and 503, and loses nothing", async () => {
  const c = otlpCollector([
    { status: 429, headers: { "retry-after": "0" } },
    { status: 503 },
    { status: 200 },
  ]);
  try {
    const h = new Quiet(c.url, { protocol: "http/json", retryStart: 0.05 });
    h.handle(makeLogRecord({ ...FIXED, msg: "kept", args: [] }));
    await h.flush();
    await h.close();
    assertEquals(c.requests.length, 3);
    assertEquals(recordsOf(c.json()[2])[0].record.body.stringValue, "kept");
    assertEquals([h.dropped, h.rejected], [0, 0]);
    // The outage is reported once, when it starts.
    assertEquals(h.errors.length, 1);
    assertStringIncludes(h.errors[0], "answered 429");
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler waits as long as Retry-After asks (an HTTP date too), bounded by retryMax", async () => {
  const date = new Date(Date.now() + 60_000).toUTCString();
  const c = otlpCollector([{ status: 503, headers: { "retry-after": date } }, { status: 200 }]);
  try {
    const h = new Quiet(c.url, { protocol: "http/json", retryStart: 0.01, retryMax: 0.4 });
    h.handle(makeLogRecord({ ...FIXED, msg: "late", args: [] }));
    const t0 = performance.now();
    await h.flush();
    const waited = performance.now() - t0;
    await h.close();
    // Not the 10 ms back-off: the collector's minute, cut to retryMax.
    assert(waited >= 350 && waited < 5000, `waited ${waited} ms`);
    assertEquals(c.requests.length, 2);
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler drops and counts records a collector refuses (400) or partly rejects", async () => {
  const c = otlpCollector([
    { status: 400, body: "bad data" },
    { status: 200, body: '{"partialSuccess":{"rejectedLogRecords":"2","errorMessage":"too old"}}' },
  ]);
  try {
    const h = new Quiet(c.url, { protocol: "http/json" });
    h.handle(makeLogRecord({ ...FIXED, msg: "refused", args: [] }));
    await h.flush();
    for (let i = 0; i < 3; i++) h.handle(makeLogRecord({ ...FIXED, msg: `p${i}`, args: [] }));
    await h.close();
    assertEquals(c.requests.length, 2);
    assertEquals([h.rejected, h.dropped], [3, 3]);
    assertStringIncludes(h.errors[0], "answered 400");
    assertStringIncludes(h.errors[0], "1 log record was dropped: bad data");
    assertStringIncludes(h.errors[1], "rejected 2 of 3 log records (partial success): too old");
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler reads a protobuf partial success", async () => {
  // ExportLogsServiceResponse{partial_success{rejected_log_records: 1, error_message: "no"}}
  const body = new Uint8Array([10, 6, 8, 1, 18, 2, 110, 111]);
  const c = otlpCollector([{ status: 200, body }]);
  try {
    const h = new Quiet(c.url);
    h.handle(makeLogRecord({ ...FIXED, msg: "a", args: [] }));
    await h.close();
    assertEquals(h.rejected, 1);
    assertStringIncludes(h.errors[0], "rejected 1 of 1 log record (partial success): no");
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler abandons a request that hangs past timeout, and delivers on retry", async () => {
  const c = otlpCollector([{ hang: true }, { status: 200 }]);
  try {
    const h = new Quiet(c.url, { protocol: "http/json", timeout: 0.2, retryStart: 0.05 });
    h.handle(makeLogRecord({ ...FIXED, msg: "slow", args: [] }));
    await h.flush();
    await h.close();
    assertStringIncludes(h.errors[0], "timed out after 0.2 s");
    assertEquals(recordsOf(c.json()[1])[0].record.body.stringValue, "slow");
    assertEquals(h.dropped, 0);
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler with its collector down reports the records it drops at close", async () => {
  const c = otlpCollector();
  const url = c.url;
  await c.stop();
  const h = new Quiet(url, { protocol: "http/json", closeTimeout: 200, retryStart: 0.05 });
  for (let i = 0; i < 5; i++) h.handle(makeLogRecord({ ...FIXED, msg: `m${i}`, args: [] }));
  await h.close();
  assertEquals(h.dropped, 5);
  assertStringIncludes(h.errors[0], "failed");
  assert(h.errors.some((e) => e.includes("5 records were not delivered within closeTimeout")));
});

Deno.test("OTLPHandler bounds hostile values: deep, circular, huge, throwing getters", async () => {
  const c = otlpCollector();
  try {
    const circular: Record<string, unknown> = { a: 1 };
    circular.self = circular;
    let deep: unknown = "bottom";
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const throwing = {
      get x() {
        throw new Error("getter");
      },
    };
    const proxy = new Proxy({}, {
      ownKeys() {
        throw new Error("trap");
      },
    });
    const h = new Quiet(c.url, {
      protocol: "http/json",
      attributeValueLengthLimit: 10,
      attributeCountLimit: 5,
    });
    h.handle(makeLogRecord({
      ...FIXED,
      msg: "hostile",
      args: [],
      circular,
      deep,
      wide: Array.from({ length: 50_000 }, (_, i) => i),
      long: "y".repeat(1_000_000),
      throwing,
      proxy,
    }));
    await h.close();
    assertEquals(h.errors, []);
    const rec = recordsOf(c.json()[0])[0].record;
    // 6 extras + 3 code attributes, 5 kept: the oldest four dropped, as the OTel SDK does.
    assertEquals(rec.droppedAttributesCount, 4);
    const a = attrs(rec.attributes);
    assertEquals(Object.keys(a), [
      "throwing",
      "proxy",
      "code.file.path",
      "code.function.name",
      "code.line.number",
    ]);
    assertEquals(typeof a.throwing, "string");
    assertEquals(a["code.file.path"], "/srv/app/p");
    const h2 = new Quiet(c.url, { protocol: "http/json", maxValues: 1000 });
    h2.handle(
      makeLogRecord({
        ...FIXED,
        msg: "hostile",
        args: [],
        circular,
        deep,
        wide: [...Array(5000).keys()],
      }),
    );
    await h2.close();
    const b = attrs(recordsOf(c.json()[1])[0].record.attributes);
    assertEquals(b.circular, { a: 1, self: "<circular reference>" });
    let d: unknown = b.deep;
    let depth = 0;
    while (Array.isArray(d)) {
      d = d[0];
      depth++;
    }
    assertEquals([depth, d], [8, "<nested too deep>"]);
    assertEquals((b.wide as unknown[]).length, 5000);
    assertEquals((b.wide as unknown[]).at(-1), "<too many values>");
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler maps exc_info to exception.type, exception.message and exception.stacktrace", async () => {
  const c = otlpCollector();
  const name = uniqueName("otlp");
  const log = getLogger(name);
  const h = new Quiet(c.url, { protocol: "http/json" });
  log.addHandler(h);
  log.propagate = false;
  try {
    try {
      throw new TypeError("bad input", { cause: new RangeError("inner") });
    } catch (err) {
      log.error("failed: %s", "job", kw({ exc_info: err, extra: { job: 7 } }));
    }
    await h.flush();
    const rec = recordsOf(c.json()[0])[0];
    assertEquals(rec.scope, name);
    const a = attrs(rec.record.attributes);
    assertEquals(a.job, 7);
    assertEquals(a["exception.type"], "TypeError");
    assertEquals(a["exception.message"], "bad input");
    const trace = a["exception.stacktrace"] as string;
    assert(trace.startsWith("RangeError: inner\n"), trace);
    assertStringIncludes(trace, "TypeError: bad input\n");
    assert(trace.endsWith("\n"));
    assert(String(a["code.file.path"]).endsWith("otlp_test.ts"));
    assertEquals(typeof a["code.line.number"], "number");
    assertEquals(rec.record.severityNumber, 17);
  } finally {
    log.removeHandler(h);
    await h.close();
    await c.stop();
    resetLogging();
  }
});

Deno.test("OTLPHandler compresses with gzip when asked", async () => {
  const c = otlpCollector();
  try {
    const h = new Quiet(c.url, { protocol: "http/json", compression: "gzip" });
    h.handle(makeLogRecord({ ...FIXED, msg: "zipped", args: [] }));
    await h.close();
    assertEquals(c.requests[0].headers.get("content-encoding"), "gzip");
    assertEquals(recordsOf(c.json()[0])[0].record.body.stringValue, "zipped");
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler refuses bad options with the option's name", () => {
  assertThrows(() => new OTLPHandler("ftp://x"), TypeError, "'endpoint' must be an http(s) URL");
  assertThrows(
    () => new OTLPHandler("http://x", { protocol: "grpc" as "http/json" }),
    RangeError,
    "'protocol'",
  );
  assertThrows(() => new OTLPHandler("http://x", { batch: 0 }), RangeError, "'batch'");
  assertThrows(
    () => new OTLPHandler("http://x", { protcol: "http/json" } as never),
    TypeError,
    "protocol",
  );
  assertThrows(
    () => new OTLPHandler("http://x", { headers: { a: "x\r\ny: z" } }),
    TypeError,
    "header 'a'",
  );
});

Deno.test("OTLPHandler's endpoint: /v1/logs added to a bare URL, a path kept", () => {
  const a = new OTLPHandler("http://collector:4318", { scheduleDelay: 0 });
  const b = new OTLPHandler("http://collector:4318/custom/logs");
  assertEquals(a.endpoint, "http://collector:4318/v1/logs");
  assertEquals(b.endpoint, "http://collector:4318/custom/logs");
  void a.close();
  void b.close();
});

Deno.test("OTLPHandler reads OTEL_* variables it is allowed to, and explicit options win", async () => {
  const c = otlpCollector();
  try {
    const script = `
import { makeLogRecord, OTLPHandler } from ${
      JSON.stringify(new URL("../mod.ts", import.meta.url).href)
    };
const h = new OTLPHandler();
h.handle(makeLogRecord({ name: "env", msg: "from env" }));
const h2 = new OTLPHandler(undefined, { protocol: "http/json", headers: {}, resource: { "service.name": "explicit" } });
h2.handle(makeLogRecord({ name: "env", msg: "explicit" }));
await h.close();
await h2.close();
console.log(JSON.stringify([h.endpoint, h.protocol, h.timeout, h.resource]));
`;
    let out = { stdout: "", stderr: "" };
    await withTempDir(async (dir) => {
      out = await runScriptIn(dir, script, ["--allow-net=127.0.0.1", "--allow-env"], {
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: `${c.url}/base`,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_HEADERS: "api-key=s%20cret,tenant=t1",
          OTEL_EXPORTER_OTLP_TIMEOUT: "2500",
          OTEL_SERVICE_NAME: "billing",
          OTEL_RESOURCE_ATTRIBUTES: "service.name=ignored,deployment.environment=prod",
        },
      });
    });
    assertEquals(JSON.parse(out.stdout), [
      `${c.url}/base/v1/logs`,
      "http/json",
      2.5,
      { "service.name": "billing", "deployment.environment": "prod" },
    ]);
    assertEquals(c.requests.map((r) => r.path), ["/base/v1/logs", "/base/v1/logs"]);
    assertEquals(c.requests[0].headers.get("api-key"), "s cret");
    assertEquals(c.requests[1].headers.get("api-key"), null);
    const [first, second] = c.json();
    assertEquals(attrs(first.resourceLogs[0].resource.attributes)["service.name"], "billing");
    assertEquals(attrs(second.resourceLogs[0].resource.attributes)["service.name"], "explicit");
  } finally {
    await c.stop();
  }
});

Deno.test("OTLPHandler without --allow-net reports the flag to add, once, and counts the records", async () => {
  const script = `
import { makeLogRecord, OTLPHandler } from ${
    JSON.stringify(new URL("../mod.ts", import.meta.url).href)
  };
const h = new OTLPHandler("http://127.0.0.1:4318", { protocol: "http/json" });
for (let i = 0; i < 3; i++) h.handle(makeLogRecord({ msg: "m" + i }));
await h.flush();
h.handle(makeLogRecord({ msg: "later" }));
await h.close();
console.log(JSON.stringify({ dropped: h.dropped }));
`;
  let out = { stdout: "", stderr: "" };
  await withTempDir(async (dir) => {
    out = await runScriptIn(dir, script, [`--allow-read=${dir}`]);
  });
  assertEquals(JSON.parse(out.stdout), { dropped: 4 });
  assertStringIncludes(out.stderr, "--allow-net=127.0.0.1:4318");
  assertEquals(out.stderr.split("--allow-net=").length - 1, 1);
});

Deno.test("dictConfig builds OTLPHandler from opentelemetry-python's LoggingHandler name", async () => {
  const c = otlpCollector();
  const name = uniqueName("otlpcfg");
  try {
    dictConfig({
      version: 1,
      handlers: {
        otel: {
          class: "opentelemetry.sdk._logs.LoggingHandler",
          level: "INFO",
          endpoint: c.url,
          protocol: "http/json",
        },
      },
      loggers: { [name]: { handlers: ["otel"], level: "DEBUG", propagate: false } },
    });
    const log = getLogger(name);
    log.debug("filtered by the handler's level");
    log.info("configured");
    const h = log.handlers[0] as OTLPHandler;
    assert(h instanceof OTLPHandler);
    await h.flush();
    const recs = recordsOf(c.json()[0]);
    assertEquals(recs.map((r) => r.record.body.stringValue), ["configured"]);
  } finally {
    resetLogging();
    await c.stop();
  }
});
