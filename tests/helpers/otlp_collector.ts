/**
 * A local OTLP/HTTP logs collector on loopback (`Deno.serve`): it records every request and
 * answers as the test scripts it, one answer per request (the last one repeats).
 */

/** Parsed OTLP/JSON: its shape is what the tests' assertions check. */
// deno-lint-ignore no-explicit-any
export type Wire = any;

/** One request the collector received. */
export interface OtlpRequest {
  path: string;
  headers: Headers;
  body: Uint8Array;
}

/** How the collector answers a request: a status, headers and body, or a hang. */
export interface OtlpAnswer {
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Never answer (until the collector stops). */
  hang?: boolean;
}

/** A running collector. */
export interface OtlpCollector {
  url: string;
  port: number;
  requests: OtlpRequest[];
  /** The JSON request bodies, parsed. */
  json(): Array<{ resourceLogs: Wire[] }>;
  stop(): Promise<void>;
}

/**
 * Starts a collector.
 *
 * @param answers The answers, in order; the last repeats. Default: 200 with an empty body.
 */
export function otlpCollector(answers: OtlpAnswer[] = [{}]): OtlpCollector {
  const requests: OtlpRequest[] = [];
  const hanging = new AbortController();
  let n = 0;
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req) => {
      let body = new Uint8Array(await req.arrayBuffer());
      if (req.headers.get("content-encoding") === "gzip") {
        const stream = new Blob([body]).stream().pipeThrough(new DecompressionStream("gzip"));
        body = new Uint8Array(await new Response(stream).arrayBuffer());
      }
      requests.push({ path: new URL(req.url).pathname, headers: req.headers, body });
      const answer = answers[Math.min(n++, answers.length - 1)];
      if (answer.hang) {
        await new Promise<void>((resolve) => {
          hanging.signal.addEventListener("abort", () => resolve());
        });
        return new Response(null, { status: 503 });
      }
      return new Response(answer.body as BodyInit ?? null, {
        status: answer.status ?? 200,
        headers: answer.headers,
      });
    },
  );
  const port = server.addr.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    json: () => requests.map((r) => JSON.parse(new TextDecoder().decode(r.body))),
    async stop() {
      hanging.abort();
      await server.shutdown();
    },
  };
}

/** The log records of an OTLP/JSON request, flattened with their scope name. */
export function recordsOf(
  request: { resourceLogs: Wire[] },
): Array<{ scope: string; record: Wire }> {
  const out: Array<{ scope: string; record: Wire }> = [];
  for (const rl of request.resourceLogs) {
    for (const sl of rl.scopeLogs ?? []) {
      for (const record of sl.logRecords ?? []) out.push({ scope: sl.scope?.name ?? "", record });
    }
  }
  return out;
}

/** An OTLP/JSON `KeyValue` list as a plain object of plain values. */
export function attrs(list: Wire[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key] = plain(kv.value);
  return out;
}

/** An OTLP/JSON `AnyValue` as a plain value. */
export function plain(v: Wire): unknown {
  if (v === undefined || v === null) return null;
  if ("stringValue" in v) return v.stringValue;
  if ("boolValue" in v) return v.boolValue;
  if ("intValue" in v) return Number(v.intValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("bytesValue" in v) return `b64:${v.bytesValue}`;
  if ("arrayValue" in v) return (v.arrayValue.values ?? []).map(plain);
  if ("kvlistValue" in v) return attrs(v.kvlistValue.values);
  return null;
}
