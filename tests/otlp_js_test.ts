// OTLPHandler's encodings against the official OpenTelemetry JS packages (test-only): the same
// log records, made with @opentelemetry/sdk-logs and serialized by @opentelemetry/otlp-transformer,
// must give the same bytes (protobuf) and the same decoded structure (JSON).
import {
  JsonLogsSerializer,
  ProtobufLogsSerializer,
} from "npm:@opentelemetry/otlp-transformer@0.301.2";
import {
  InMemoryLogRecordExporter,
  LoggerProvider,
  SimpleLogRecordProcessor,
} from "npm:@opentelemetry/sdk-logs@3.1.1";
import { resourceFromAttributes } from "npm:@opentelemetry/resources@3.1.1";
import { context, trace, TraceFlags } from "npm:@opentelemetry/api@1.10.0";
import { makeLogRecord, OTLPHandler } from "../mod.ts";
import { assertEquals } from "./helpers/assert.ts";
import { otlpCollector } from "./helpers/otlp_collector.ts";
import { pythonPackages } from "./helpers/pip.ts";
import { runPython } from "./helpers/python.ts";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const SPAN = "00f067aa0ba902b7";

interface Case {
  name: string;
  levelno: number;
  levelname: string;
  msg: unknown;
  created: number;
  extra: Record<string, unknown>;
  trace?: boolean;
}

const CASES: Case[] = [
  {
    name: "shop.payments",
    levelno: 30,
    levelname: "WARNING",
    msg: "declined",
    created: 1700000000.5,
    extra: { user: "ann", amount: 12.5, ok: true, n: -3, tags: ["a", 1], m: { k: "v" } },
  },
  {
    name: "shop.cart",
    levelno: 20,
    levelname: "INFO",
    msg: { event: "login", tries: 3 },
    created: 1700000001.25,
    extra: { long: "é".repeat(100) },
    trace: true,
  },
  {
    name: "shop.payments",
    levelno: 50,
    levelname: "CRITICAL",
    msg: "x".repeat(200),
    created: 1700000002,
    extra: { bytes: new Uint8Array([0, 1, 255]) },
  },
];

const CODE = { pathname: "/srv/app.ts", lineno: 7, funcName: "main" };
const OBSERVED = 1700000009.75;

/** The same records through the OpenTelemetry JS SDK, serialized by otlp-transformer. */
function officialEncoding(json: boolean): Uint8Array {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ "service.name": "shop" }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  for (const c of CASES) {
    const severityText = c.levelname === "WARNING"
      ? "WARN"
      : c.levelname === "CRITICAL"
      ? "FATAL"
      : c.levelname;
    const ctx = c.trace
      ? trace.setSpanContext(context.active(), {
        traceId: TRACE,
        spanId: SPAN,
        traceFlags: TraceFlags.SAMPLED,
      })
      : context.active();
    provider.getLogger(c.name).emit({
      timestamp: [Math.floor(c.created), Math.round((c.created % 1) * 1e9)],
      observedTimestamp: [Math.floor(OBSERVED), Math.round((OBSERVED % 1) * 1e9)],
      severityNumber: { 20: 9, 30: 13, 50: 21 }[c.levelno as 20 | 30 | 50],
      severityText,
      body: c.msg as never,
      attributes: {
        ...c.extra,
        "code.file.path": CODE.pathname,
        "code.function.name": CODE.funcName,
        "code.line.number": CODE.lineno,
      } as never,
      context: ctx,
    });
  }
  const records = exporter.getFinishedLogRecords();
  const out = (json ? JsonLogsSerializer : ProtobufLogsSerializer).serializeRequest(records);
  if (out === undefined) throw new Error("otlp-transformer serialized nothing");
  return out;
}

/** The same records through OTLPHandler, as its collector receives them. */
async function ourEncoding(json: boolean): Promise<Uint8Array> {
  const c = otlpCollector();
  try {
    class Fixed extends OTLPHandler {
      override translate(record: Parameters<OTLPHandler["translate"]>[0]) {
        const r = super.translate(record);
        // The observed time is the handler's clock: pinned for the comparison.
        return { ...r, observedSec: Math.floor(OBSERVED), observedNs: 750_000_000 };
      }
    }
    const h = new Fixed(c.url, {
      protocol: json ? "http/json" : "http/protobuf",
      resource: { "service.name": "shop" },
    });
    for (const c of CASES) {
      h.handle(makeLogRecord({
        name: c.name,
        levelno: c.levelno,
        levelname: c.levelname,
        msg: c.msg,
        args: [],
        created: c.created,
        ...CODE,
        ...c.extra,
        ...(c.trace ? { otelTraceID: TRACE, otelSpanID: SPAN, otelTraceSampled: true } : {}),
      }));
    }
    await h.close();
    assertEquals(h.dropped, 0);
    return c.requests[0].body;
  } finally {
    await c.stop();
  }
}

Deno.test("OTLPHandler's protobuf is byte for byte what @opentelemetry/otlp-transformer writes, canonically re-serialized", async () => {
  const ours = await ourEncoding(false);
  const theirs = officialEncoding(false);
  // otlp-transformer also writes the zero dropped_attributes_count of the resource and of each
  // record, which proto3 encoders leave out: its bytes, re-serialized canonically by Python's
  // protobuf, must equal ours as they are (and ours must already be canonical).
  const lib = await pythonPackages("otel-proto-1.45", [
    "opentelemetry-proto==1.45.0",
    "protobuf==7.36.2",
  ]);
  if (lib === null) return;
  const [canonicalTheirs, canonicalOurs] = await runPython<string[]>(
    `
import sys, json, base64
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
out = []
for b in json.load(sys.stdin):
    out.append(base64.b64encode(ExportLogsServiceRequest.FromString(base64.b64decode(b)).SerializeToString()).decode())
print(json.dumps(out))
`,
    [b64(theirs), b64(ours)],
    { PYTHONPATH: lib },
  );
  assertEquals(canonicalOurs, b64(ours));
  assertEquals(b64(ours), canonicalTheirs);
});

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

Deno.test("OTLPHandler's OTLP/JSON decodes to what @opentelemetry/otlp-transformer writes", async () => {
  const ours = JSON.parse(new TextDecoder().decode(await ourEncoding(true)));
  const theirs = JSON.parse(new TextDecoder().decode(officialEncoding(true)));
  assertEquals(normalize(ours), normalize(theirs));
});

/** Leaves out what OTLP/JSON lets an encoder leave out (defaults, empty lists). */
function normalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(normalize);
  if (v === null || typeof v !== "object") return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) {
    if (x === 0 || x === "" || (Array.isArray(x) && x.length === 0)) continue;
    if (k === "timeUnixNano" || k === "observedTimeUnixNano" || k === "intValue") {
      out[k] = String(x);
    } else {
      out[k] = normalize(x);
    }
  }
  return out;
}
