/**
 * The active OpenTelemetry span of Deno's built-in tracing (`OTEL_DENO=true`), read through
 * `Deno.telemetry` without any dependency: what correlates a record with the trace it belongs to.
 *
 * @module
 */

/**
 * The ids of a span, as opentelemetry-python's `LoggingInstrumentor` puts them on records.
 *
 * @example
 * ```ts
 * import type { SpanIds } from "@x/loghandlers/extend";
 * const ids: SpanIds = { traceId: "0af7651916cd43dd8448eb211c80319c", spanId: "b7ad6b7169203331", sampled: true };
 * console.assert(ids.spanId.length === 16);
 * ```
 */
export interface SpanIds {
  /** The trace id: 32 lowercase hex digits. */
  traceId: string;
  /** The span id: 16 lowercase hex digits. */
  spanId: string;
  /** Whether the trace is sampled (bit 0 of the trace flags). */
  sampled: boolean;
}

/** The key OpenTelemetry's API (`createContextKey`) and Deno store the active span under. */
const SPAN_KEY = Symbol.for("OpenTelemetry Context Key SPAN");
const INVALID_TRACE = "00000000000000000000000000000000";

interface Context {
  getValue(key: symbol): unknown;
}
interface ContextManager {
  active(): Context | undefined;
}
interface Span {
  spanContext(): { traceId?: unknown; spanId?: unknown; traceFlags?: unknown } | undefined;
}

/** `undefined` until probed; then Deno's context manager, or `null` when tracing is off. */
let manager: ContextManager | null | undefined;

/**
 * Whether Deno's built-in OpenTelemetry is on in this process. Asked once: Deno decides at
 * start-up (`OTEL_DENO=true`), and `Deno.telemetry.meterProvider.getMeter()` throws "otel not
 * initialized" while it is off. A meter without instruments exports nothing. Needs no permission.
 *
 * @returns `true` when spans can be active.
 *
 * @example
 * ```ts
 * import { telemetryEnabled } from "@x/loghandlers/extend";
 * // `deno test` runs without OTEL_DENO=true
 * console.assert(telemetryEnabled() === false);
 * ```
 */
export function telemetryEnabled(): boolean {
  if (manager === undefined) manager = probe();
  return manager !== null;
}

function probe(): ContextManager | null {
  try {
    const telemetry = (globalThis as { Deno?: { telemetry?: unknown } }).Deno?.telemetry as {
      contextManager?: ContextManager;
      meterProvider?: { getMeter(name: string): unknown };
    } | undefined;
    const cm = telemetry?.contextManager;
    if (cm === undefined || typeof cm.active !== "function") return null;
    telemetry!.meterProvider!.getMeter("@x/loghandlers");
    return cm;
  } catch {
    return null; // "otel not initialized", or not Deno
  }
}

/**
 * The ids of the span active in the current async context (the span Deno makes for each
 * `Deno.serve` request, or one started through `Deno.telemetry.tracerProvider` or
 * `@opentelemetry/api` wired to Deno's context manager), or `null` when there is none, tracing
 * is off, or the span's context is invalid. Never throws.
 *
 * @returns The ids, or `null`.
 *
 * @example
 * ```ts
 * import { activeSpanIds } from "@x/loghandlers/extend";
 * const ids = activeSpanIds(); // { traceId, spanId, sampled } inside a span with OTEL_DENO=true
 * console.assert(ids === null || ids.traceId.length === 32);
 * ```
 */
export function activeSpanIds(): SpanIds | null {
  const cm = manager === undefined ? (manager = probe()) : manager;
  if (cm === null) return null;
  try {
    const span = cm.active()?.getValue(SPAN_KEY) as Span | undefined;
    if (span === undefined || span === null || typeof span.spanContext !== "function") return null;
    const sc = span.spanContext();
    const traceId = sc?.traceId;
    const spanId = sc?.spanId;
    if (typeof traceId !== "string" || typeof spanId !== "string") return null;
    if (traceId.length !== 32 || spanId.length !== 16 || traceId === INVALID_TRACE) return null;
    const flags = sc!.traceFlags;
    return {
      traceId: traceId.toLowerCase(),
      spanId: spanId.toLowerCase(),
      sampled: typeof flags === "number" && (flags & 1) === 1,
    };
  } catch {
    return null;
  }
}

/**
 * The service name Deno's exporter reports (`OTEL_SERVICE_NAME`), when it can be read without a
 * permission prompt; `null` otherwise. Read once.
 *
 * @returns The name, or `null`.
 */
export function serviceName(): string | null {
  if (service === undefined) service = readServiceName();
  return service;
}
let service: string | null | undefined;

function readServiceName(): string | null {
  try {
    const status = Deno.permissions.querySync({ name: "env", variable: "OTEL_SERVICE_NAME" });
    if (status.state !== "granted") return null;
    const name = Deno.env.get("OTEL_SERVICE_NAME");
    return name === undefined || name === "" ? null : name;
  } catch {
    return null;
  }
}
