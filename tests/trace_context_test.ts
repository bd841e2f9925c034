/**
 * Trace correlation with Deno's built-in tracing (`OTEL_DENO=true`): a record logged while a span
 * is active carries the span's ids as `otelTraceID`/`otelSpanID` (opentelemetry-python's names),
 * the same ids as the span the collector receives and as Deno's own console log records.
 */

import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { attribute, runWithDenoOtel } from "./helpers/deno_otel.ts";

const SERVER_SCRIPT = `
  import { ConsoleHandler, Formatter, getLogger, Handler } from "${MOD_URL}";
  const log = getLogger("svc");
  log.setLevel("INFO");
  log.propagate = false;
  const records = [];
  class Keep extends Handler {
    emit(r) {
      records.push({
        msg: r.getMessage(),
        otelTraceID: r.otelTraceID,
        otelSpanID: r.otelSpanID,
        otelTraceSampled: r.otelTraceSampled,
        otelServiceName: r.otelServiceName,
        keys: Object.keys(r).filter((k) => k.startsWith("otel")),
      });
    }
  }
  log.addHandler(new Keep());
  const handler = new ConsoleHandler();
  handler.setFormatter(
    new Formatter("%(message)s trace=%(otelTraceID)s span=%(otelSpanID)s", {
      defaults: { otelTraceID: "0", otelSpanID: "0" },
    }),
  );
  log.addHandler(handler);
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    log.info("handling %s", new URL(req.url).pathname);
    return new Response("ok");
  });
  log.info("outside");
  for (const path of ["/a", "/b"]) {
    await (await fetch("http://127.0.0.1:" + server.addr.port + path)).text();
  }
  log.info("after fetch");
  const tracer = Deno.telemetry.tracerProvider.getTracer("test");
  tracer.startActiveSpan("job", (span) => {
    log.info("in job");
    span.end();
  });
  await server.shutdown();
  console.error(JSON.stringify(records));
`;

interface Seen {
  msg: string;
  otelTraceID?: string;
  otelSpanID?: string;
  otelTraceSampled?: boolean;
  otelServiceName?: string;
  keys: string[];
}

Deno.test("records logged in a Deno.serve request carry the ids of the span Deno made for it", async () => {
  const run = await runWithDenoOtel(SERVER_SCRIPT, { OTEL_SERVICE_NAME: "shop" });
  assertEquals(run.code, 0, run.stderr);
  const records = JSON.parse(run.stderr.trim().split("\n").at(-1)!) as Seen[];
  assertEquals(records.map((r) => r.msg), [
    "outside",
    "handling /a",
    "handling /b",
    "after fetch",
    "in job",
  ]);
  const [outside, a, b, afterFetch, job] = records;
  for (const r of [a, b, job]) {
    assertMatch(r.otelTraceID!, /^[0-9a-f]{32}$/);
    assertMatch(r.otelSpanID!, /^[0-9a-f]{16}$/);
    assertEquals(r.otelTraceSampled, true);
    assertEquals(r.otelServiceName, "shop");
    assertEquals(r.keys, ["otelSpanID", "otelTraceID", "otelTraceSampled", "otelServiceName"]);
  }
  assert(a.otelSpanID !== b.otelSpanID);
  assertEquals(outside.keys, []);
  // The collector's spans: the server span of each request, and the job span.
  for (const [r, name] of [[a, "/a"], [b, "/b"]] as const) {
    const span = run.spans.find((s) => s.spanId === r.otelSpanID);
    assert(span !== undefined, `no span ${r.otelSpanID} among ${JSON.stringify(run.spans)}`);
    assertEquals(span.traceId, r.otelTraceID);
    assertEquals(span.kind, 2); // SERVER
    assertEquals(attribute(span.attributes, "url.path")?.stringValue, name);
  }
  const jobSpan = run.spans.find((s) => s.name === "job");
  assertEquals([jobSpan?.traceId, jobSpan?.spanId], [job.otelTraceID, job.otelSpanID]);
  // Deno correlates its console log records by itself: the same ids as the record's.
  const body = (text: string) => run.logs.find((l) => l.body.stringValue?.startsWith(text));
  for (const [r, text] of [[a, "handling /a"], [b, "handling /b"], [job, "in job"]] as const) {
    const l = body(text)!;
    assertEquals(l.body.stringValue, `${text} trace=${r.otelTraceID} span=${r.otelSpanID}\n`);
    assertEquals([l.traceId, l.spanId], [r.otelTraceID, r.otelSpanID]);
  }
  assertEquals(body("outside")!.body.stringValue, "outside trace=0 span=0\n");
  // Deno 2.9.6 leaves a top-level fetch's client span active after it (denoland/deno#36757):
  // whatever Deno's context holds, the record agrees with Deno's own console record.
  const l = body("after fetch")!;
  assertEquals(
    [l.traceId || undefined, l.spanId || undefined],
    [afterFetch.otelTraceID, afterFetch.otelSpanID],
  );
  assertEquals(run.serviceNames.every((n) => n === "shop"), true);
});

Deno.test("without OTEL_DENO records carry no trace ids, in a request or in a span", async () => {
  const out = await runScript(SERVER_SCRIPT.replace(/const tracer[\s\S]*?\}\);\n/, ""));
  await Deno.remove(out.dir, { recursive: true });
  assertEquals(out.code, 0, out.stderr);
  const records = JSON.parse(out.stderr.trim().split("\n").at(-1)!) as Seen[];
  assertEquals(records.map((r) => [r.msg, r.keys]), [
    ["outside", []],
    ["handling /a", []],
    ["handling /b", []],
    ["after fetch", []],
  ]);
});

Deno.test("without --allow-env records carry the ids but no service name, and nothing prompts", async () => {
  const run = await runWithDenoOtel(SERVER_SCRIPT, { OTEL_SERVICE_NAME: "shop" }, [
    "--allow-net=127.0.0.1",
    `--allow-read=${new URL("..", import.meta.url).pathname}`,
  ]);
  assertEquals(run.code, 0, run.stderr);
  const records = JSON.parse(run.stderr.trim().split("\n").at(-1)!) as Seen[];
  const ids = ["otelSpanID", "otelTraceID", "otelTraceSampled"];
  assertEquals([0, 1, 2, 4].map((i) => records[i].keys), [[], ids, ids, ids]);
  assertEquals(run.serviceNames.every((n) => n === "shop"), true);
});

Deno.test("a span started through npm:@opentelemetry/api gives its ids to the records inside it", async () => {
  const run = await runWithDenoOtel(`
    import { trace } from "npm:@opentelemetry/api@1.9.0";
    import { getLogger, StreamHandler, Formatter } from "${MOD_URL}";
    const log = getLogger("api");
    const handler = new StreamHandler(Deno.stdout);
    handler.setFormatter(new Formatter("%(message)s %(otelTraceID)s %(otelSpanID)s %(otelTraceSampled)s"));
    log.addHandler(handler);
    await trace.getTracer("test").startActiveSpan("checkout", async (span) => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      log.warning("paying");
      span.end();
    });
  `);
  assertEquals(run.code, 0, run.stderr);
  const span = run.spans.find((s) => s.name === "checkout");
  assert(span !== undefined, JSON.stringify(run.spans));
  assertEquals(run.stdout, `paying ${span.traceId} ${span.spanId} true\n`);
});

Deno.test("OTLPHandler sends a record logged in a span with that span's trace id, span id and sampled flag", async () => {
  // Deno's own exporter and the OTLPHandler (configured by the same OTEL_EXPORTER_OTLP_*
  // variables) send to one collector: the span from Deno, the log record from the handler.
  const run = await runWithDenoOtel(`
    import { getLogger, OTLPHandler } from "${MOD_URL}";
    const log = getLogger("otlp.e2e");
    log.propagate = false;
    const handler = new OTLPHandler(null, { protocol: "http/json" });
    log.addHandler(handler);
    const tracer = Deno.telemetry.tracerProvider.getTracer("test");
    tracer.startActiveSpan("checkout", (span) => {
      log.warning("paying");
      span.end();
    });
    await handler.close();
  `);
  assertEquals(run.code, 0, run.stderr);
  const span = run.spans.find((s) => s.name === "checkout");
  assert(span !== undefined, JSON.stringify(run.spans));
  const record = run.logs.find((l) => l.body.stringValue === "paying") as
    | (typeof run.logs)[number] & { flags?: number }
    | undefined;
  assert(record !== undefined, JSON.stringify(run.logs));
  assertEquals([record.traceId, record.spanId], [span.traceId, span.spanId]);
  assertEquals(record.flags, 1);
  // Trace context travels in the record's fields, not repeated as attributes.
  assertEquals(record.attributes.filter((a) => a.key.startsWith("otel")), []);
});
