/**
 * Deno's built-in OpenTelemetry exporter as a test peer: a script run with `OTEL_DENO=true` and
 * its OTLP/HTTP JSON exporter pointed at a collector on loopback in the test process, which keeps
 * the log records and spans it receives.
 */

import { runScript } from "./collect.ts";
import type { ScriptOutput } from "./subprocess.ts";

/** An OTLP `AnyValue` as JSON. */
export interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
}

/** An OTLP key-value attribute as JSON. */
export interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}

/** One OTLP log record as JSON (the fields the tests read). */
export interface OtlpLogRecord {
  severityNumber: number;
  severityText: string;
  body: OtlpValue;
  attributes: OtlpAttribute[];
  traceId: string;
  spanId: string;
}

/** One OTLP span as JSON (the fields the tests read). */
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  attributes: OtlpAttribute[];
}

/** What the collector received, with the script's own output. */
export interface OtelRun extends ScriptOutput {
  logs: OtlpLogRecord[];
  spans: OtlpSpan[];
  /** The `service.name` resource attribute Deno sent. */
  serviceNames: string[];
}

interface ResourceJson {
  resource?: { attributes?: OtlpAttribute[] };
  scopeLogs?: { logRecords?: OtlpLogRecord[] }[];
  scopeSpans?: { spans?: OtlpSpan[] }[];
}

/** The value of attribute `key`, or `undefined`. */
export function attribute(attributes: OtlpAttribute[], key: string): OtlpValue | undefined {
  return attributes.find((a) => a.key === key)?.value;
}

/**
 * Runs `source` (a script importing the library) with Deno's OpenTelemetry on and exporting
 * OTLP/HTTP JSON to a collector on 127.0.0.1, and returns what the collector received once the
 * script has ended (Deno exports what is pending when it exits).
 *
 * @param source The script.
 * @param env More environment variables for the script.
 * @param flags Its permission flags.
 */
export async function runWithDenoOtel(
  source: string,
  env: Record<string, string> = {},
  flags: string[] = ["--allow-all"],
): Promise<OtelRun> {
  const logs: OtlpLogRecord[] = [];
  const spans: OtlpSpan[] = [];
  const serviceNames: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const body = await req.json() as {
      resourceLogs?: ResourceJson[];
      resourceSpans?: ResourceJson[];
    };
    for (const r of [...body.resourceLogs ?? [], ...body.resourceSpans ?? []]) {
      const name = attribute(r.resource?.attributes ?? [], "service.name")?.stringValue;
      if (name !== undefined) serviceNames.push(name);
      for (const s of r.scopeLogs ?? []) logs.push(...s.logRecords ?? []);
      for (const s of r.scopeSpans ?? []) spans.push(...s.spans ?? []);
    }
    const answer = path === "/v1/logs" ? { partialSuccess: {} } : {};
    return Response.json(answer);
  });
  try {
    const out = await runScript(source, flags, {
      OTEL_DENO: "true",
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${server.addr.port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      ...env,
    });
    await Deno.remove(out.dir, { recursive: true });
    return { ...out, logs, spans, serviceNames };
  } finally {
    await server.shutdown();
  }
}
