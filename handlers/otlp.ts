/**
 * `OTLPHandler`: records sent to an OpenTelemetry Collector (or any OTLP/HTTP receiver) as OTLP
 * logs, protobuf or JSON, mapped as opentelemetry-python's `LoggingHandler` maps them, in
 * batches through an ordered, bounded outbox.
 *
 * This is the `@x/loghandlers/otlp` entry point (also re-exported by `@x/loghandlers`).
 * Requires `--allow-net` for the collector's host (`fetch` only: works on Deno Deploy), and
 * reads the `OTEL_*` environment variables it is allowed to read (never prompting).
 *
 * @module
 */

import { Handler } from "../core/handler.ts";
import { Formatter } from "../core/formatter.ts";
import { any, checkOptions, type OptionRules } from "../core/text/options.ts";
import { OUTBOX_RULES, type OutboxOptions } from "../core/io/outbox.ts";
import { OutboxHandler } from "../core/outbox_handler.ts";
import { isPermissionDenial, permissionGranted } from "../core/io/files.ts";
import { explainNetError } from "../core/io/transport.ts";
import { pyStr } from "../core/text/pystr.ts";
import { RECORD_ATTRIBUTES, recordExtras } from "../core/record_fields.ts";
import type { LogRecord } from "../core/record.ts";
import { ProtoWriter } from "../core/wire/protobuf.ts";
import {
  decodeExportResponse,
  encodeExportRequestJson,
  encodeExportRequestProto,
  encodeLogRecordJson,
  encodeLogRecordProto,
  encodeResourceJson,
  encodeResourceProto,
  isOtlpId,
  type OtlpLogRecord,
  splitSeconds,
  type ValueLimits,
} from "../core/wire/otlp.ts";

/** The OTLP/HTTP encodings {@linkcode OTLPHandler} speaks. */
export type OTLPProtocol = "http/protobuf" | "http/json";

/** Options of {@linkcode OTLPHandler}. */
export interface OTLPHandlerOptions extends OutboxOptions {
  /**
   * Request headers (an API key, a tenant). When not given,
   * `OTEL_EXPORTER_OTLP_LOGS_HEADERS` or `OTEL_EXPORTER_OTLP_HEADERS` (`k1=v1,k2=v2`, values
   * percent-decoded) if the environment may be read.
   *
   * @default {{}}
   */
  headers?: Record<string, string>;
  /**
   * Resource attributes (`service.name`, `deployment.environment`, ...). They win over
   * `OTEL_SERVICE_NAME`, which wins over `OTEL_RESOURCE_ATTRIBUTES`; `service.name` is
   * `"unknown_service:deno"` when none of them names it.
   *
   * @default {{}}
   */
  resource?: Record<string, unknown>;
  /**
   * The encoding. When not given, `OTEL_EXPORTER_OTLP_LOGS_PROTOCOL` or
   * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `"http/protobuf"` (the OTLP default).
   *
   * @default {"http/protobuf"}
   */
  protocol?: OTLPProtocol;
  /**
   * The most records in one export request (the OTel SDK's `maxExportBatchSize`).
   *
   * @default {512}
   */
  batch?: number;
  /**
   * The longest a record waits for others to join its request, in ms (the OTel SDK's
   * `scheduledDelayMillis`). `flush()`, `close()` and the exit hooks send at once.
   *
   * @default {1000}
   */
  scheduleDelay?: number;
  /**
   * Seconds a request may take before it is abandoned (and sent again after the back-off).
   * When not given, `OTEL_EXPORTER_OTLP_LOGS_TIMEOUT` or `OTEL_EXPORTER_OTLP_TIMEOUT` (in ms,
   * as the OTel specification says), else 10.
   *
   * @default {10}
   */
  timeout?: number;
  /**
   * `"gzip"` compresses each request (`Content-Encoding: gzip`). When not given,
   * `OTEL_EXPORTER_OTLP_LOGS_COMPRESSION` or `OTEL_EXPORTER_OTLP_COMPRESSION`, else `"none"`.
   *
   * @default {"none"}
   */
  compression?: "gzip" | "none";
  /**
   * Whether records carry caller information (`code.file.path`, `code.line.number`,
   * `code.function.name`), as Python's do. It costs a stack capture per record.
   *
   * @default {true}
   */
  callerInfo?: boolean;
  /**
   * The most attributes a record keeps (the oldest are dropped and counted in
   * `droppedAttributesCount`, as the OTel SDK does). When not given,
   * `OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT` or `OTEL_ATTRIBUTE_COUNT_LIMIT`, else 128.
   *
   * @default {128}
   */
  attributeCountLimit?: number;
  /**
   * Attribute string values are cut to this many characters. When not given,
   * `OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT` or `OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT`, else
   * no limit (`null`).
   *
   * @default {null}
   */
  attributeValueLengthLimit?: number | null;
  /**
   * The most values (array items and map entries, at any depth) one record's body and
   * attributes may hold; beyond it values become `"<too many values>"`. Arrays and maps nested
   * deeper than 8 levels become `"<nested too deep>"`, circular ones `"<circular reference>"`.
   *
   * @default {10000}
   */
  maxValues?: number;
  /**
   * The most records that may wait.
   *
   * @default {50000}
   */
  maxRecords?: number;
  /**
   * The most bytes that may wait.
   *
   * @default {33554432}
   */
  maxBytes?: number;
  /**
   * The most bytes of records the outbox hands over at once (split into requests of `batch`).
   *
   * @default {4194304}
   */
  batchBytes?: number;
}

const OTLP_RULES: OptionRules = {
  ...OUTBOX_RULES,
  headers: any(),
  resource: any(),
  protocol: any(),
  batch: any(),
  scheduleDelay: any(),
  timeout: any(),
  compression: any(),
  callerInfo: any(),
  attributeCountLimit: any(),
  attributeValueLengthLimit: any(),
  maxValues: any(),
};

/** Record attributes that go into the OTLP trace fields, not into `attributes`. */
const TRACE_FIELDS = new Set(["otelTraceID", "otelSpanID", "otelTraceSampled", "otelServiceName"]);
/** The attributes the handler sets itself (an extra field of the same name gives way). */
const OWN_ATTRIBUTES = new Set([
  "code.file.path",
  "code.function.name",
  "code.line.number",
  "exception.type",
  "exception.message",
  "exception.stacktrace",
]);
/** What never goes into `attributes`: the record's own fields and the two sets above. */
const NOT_EXTRAS: ReadonlySet<string> = new Set([
  ...RECORD_ATTRIBUTES,
  ...TRACE_FIELDS,
  ...OWN_ATTRIBUTES,
]);
const MAX_DEPTH = 8;
const MAX_RESPONSE = 64 * 1024;
const DEFAULT_PORT_ENDPOINT = "http://localhost:4318/";
const utf8 = new TextEncoder();

/**
 * The OTel severity number of a Python level (opentelemetry-python's `std_to_otel`): 0 below
 * DEBUG, 5-8 for DEBUG to 19, 9-12 INFO, 13-16 WARN, 17-20 ERROR, 21-24 from CRITICAL up.
 *
 * @param levelno The level number.
 * @returns The severity number.
 *
 * @example
 * ```ts
 * import { otelSeverityNumber } from "@x/loghandlers/otlp";
 * console.assert(otelSeverityNumber(20) === 9 && otelSeverityNumber(31) === 14);
 * ```
 */
export function otelSeverityNumber(levelno: number): number {
  if (!(levelno >= 10)) return 0;
  if (levelno > 53) return 24;
  const n = Math.floor(levelno);
  return (Math.floor(n / 10) - 1) * 4 + 5 + Math.min(n % 10, 3);
}

/** An environment variable, if Deno lets it be read without a prompt. */
function env(name: string): string | undefined {
  if (permissionGranted({ name: "env", variable: name }) !== true) return undefined;
  try {
    const value = Deno.env.get(name)?.trim();
    return value === "" ? undefined : value;
  } catch {
    return undefined;
  }
}

function decodeComponent(text: string): string {
  try {
    return decodeURIComponent(text.trim());
  } catch {
    return text.trim();
  }
}

/** `k1=v1,k2=v2` (W3C baggage style, as the OTel variables are), percent-decoded. */
function parsePairs(text: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const item of text.split(",")) {
    const eq = item.indexOf("=");
    if (eq <= 0) continue;
    const key = decodeComponent(item.slice(0, eq));
    const value = decodeComponent(item.slice(eq + 1).split(";")[0]);
    if (key !== "") out.push([key, value]);
  }
  return out;
}

/** Seconds to wait from a `Retry-After` header (seconds or an HTTP date), or `undefined`. */
function retryAfterSeconds(value: string | null): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, (at - Date.now()) / 1000);
}

/** A failed export request that may be sent again, with the wait the collector asked for. */
class RetryableStatusError extends Error {
  retryAfter: number | undefined;
  constructor(message: string, retryAfter: number | undefined) {
    super(message);
    this.name = "OTLPExportError";
    this.retryAfter = retryAfter;
  }
}

async function readBounded(response: Response): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (reader === undefined) return new Uint8Array(0);
  const parts: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_RESPONSE) {
      const { done, value } = await reader.read();
      if (done) break;
      parts.push(value);
      size += value.length;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const out = new Uint8Array(Math.min(size, MAX_RESPONSE));
  let at = 0;
  for (const p of parts) {
    const n = Math.min(p.length, out.length - at);
    out.set(p.subarray(0, n), at);
    at += n;
  }
  return out;
}

async function gzip(body: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const stream = new Blob([body as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/**
 * Refuses a constructor argument: `subject` (`'option'` or a variable's name) must be `must`;
 * a `RangeError`, or with `range` false a `TypeError`.
 */
function refuse(subject: string, must: string, value: unknown, range = true): never {
  const message = `Cannot create OTLPHandler as ${subject} must be ${must}: current value is ${
    pyStr(value)
  }`;
  throw range ? new RangeError(message) : new TypeError(message);
}

/**
 * Sends records to an OpenTelemetry Collector over OTLP/HTTP (`POST <endpoint>/v1/logs`),
 * protobuf (the default) or JSON, with no dependency: the collector forwards them to any
 * backend. Records are mapped as opentelemetry-python's `LoggingHandler` maps them: the
 * event's time (to the nanosecond of `created`), Python's level as severity number and text
 * (`WARNING` as `WARN`, `CRITICAL` as `FATAL`), the merged message as body (a plain object, an
 * array or a number logged alone stays structured), the record's extra fields as attributes,
 * `code.file.path`/`code.line.number`/`code.function.name`, `exception.type`/`message`/
 * `stacktrace` for `exc_info`, the logger's name as instrumentation scope, and the trace
 * context from the record's `otelTraceID`/`otelSpanID`/`otelTraceSampled`.
 *
 * Records wait in an ordered, bounded outbox and go out in requests of up to `batch` records,
 * one request at a time. 429, 502, 503 and 504 answers and network failures are retried with
 * back-off, honouring `Retry-After` (at most `retryMax` seconds); any other refusal drops the
 * request's records, counted in `rejected` and reported, as are the records a collector
 * rejects in a partial success.
 *
 * The endpoint: a URL with no path gets `/v1/logs`; one with a path is used as it is. Without
 * one: `OTEL_EXPORTER_OTLP_LOGS_ENDPOINT` (as it is), `OTEL_EXPORTER_OTLP_ENDPOINT` (plus
 * `/v1/logs`), else `http://localhost:4318/v1/logs`. Environment variables are read only when
 * `--allow-env` grants them (never a prompt); options given explicitly win.
 *
 * Requires `--allow-net` for the collector's host.
 *
 * @example
 * ```ts
 * import { getLogger, OTLPHandler } from "@x/loghandlers";
 * const bodies: unknown[] = [];
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
 *   bodies.push(await req.json());
 *   return Response.json({});
 * });
 * const handler = new OTLPHandler(`http://127.0.0.1:${server.addr.port}`, {
 *   protocol: "http/json",
 *   resource: { "service.name": "checkout" },
 * });
 * const log = getLogger("shop.payments");
 * log.addHandler(handler);
 * log.warning("card declined for order %d", 42);
 * await handler.close();
 * log.removeHandler(handler);
 * await server.shutdown();
 * type Scope = {
 *   scope: { name: string };
 *   logRecords: { severityText: string; body: { stringValue: string } }[];
 * };
 * const request = bodies[0] as { resourceLogs: { scopeLogs: Scope[] }[] };
 * const scope = request.resourceLogs[0].scopeLogs[0];
 * console.assert(scope.scope.name === "shop.payments");
 * console.assert(scope.logRecords[0].severityText === "WARN");
 * console.assert(scope.logRecords[0].body.stringValue === "card declined for order 42");
 * ```
 */
export class OTLPHandler extends OutboxHandler {
  /**
   * The options the constructor takes (with `endpoint`, which configurations give by name),
   * for configurations.
   */
  static readonly optionRules: OptionRules = Object.freeze({ endpoint: any(), ...OTLP_RULES });
  /** The URL records are POSTed to. */
  readonly endpoint: string;
  /** The encoding. */
  readonly protocol: OTLPProtocol;
  /** The most records in one request. */
  readonly batch: number;
  /** The longest a record waits for others to join its request, in ms. */
  readonly scheduleDelay: number;
  /** Seconds a request may take. */
  readonly timeout: number;
  /** `"gzip"` or `"none"`. */
  readonly compression: "gzip" | "none";
  /** Whether records carry caller information. */
  readonly callerInfo: boolean;
  /** The most attributes a record keeps. */
  readonly attributeCountLimit: number;
  /** Attribute string values are cut to this many characters (`null`: not cut). */
  readonly attributeValueLengthLimit: number | null;
  /** The resource attributes sent with every request. */
  readonly resource: Readonly<Record<string, unknown>>;
  #headers: Record<string, string>;
  #host: string;
  #limits: ValueLimits;
  #json: boolean;
  #resourceJson = "";
  #resourceProto: Uint8Array = new Uint8Array(0);
  #writer = new ProtoWriter(4096);
  #waiting: Uint8Array[] = [];
  #scopes = new WeakMap<Uint8Array, string>();
  #rejected = 0;
  #abort = new AbortController();
  #traceFormatter: Formatter | null = null;

  /**
   * Prepares the handler; nothing is sent until a record is handled.
   *
   * @param endpoint The collector's URL (`http://collector:4318`, or a full path), or
   *   `undefined`/`null` for the environment's or the default.
   * @param options See {@linkcode OTLPHandlerOptions}.
   * @throws {TypeError} For an endpoint that is not an http(s) URL, or an option of the wrong
   *   type.
   * @throws {RangeError} For an option (or `OTEL_*` variable) out of range.
   */
  constructor(endpoint?: string | URL | null, options: OTLPHandlerOptions = {}) {
    checkOptions(
      "OTLPHandler",
      options,
      OTLP_RULES,
      `new OTLPHandler("http://localhost:4318", { protocol: "http/json" })`,
      new.target === OTLPHandler ? "refuse" : "allow",
    );
    super({
      ...options,
      maxRecords: options.maxRecords ?? 50_000,
      maxBytes: options.maxBytes ?? 32 * 1024 * 1024,
      batchBytes: options.batchBytes ?? 4 * 1024 * 1024,
    });
    try {
      const url = resolveEndpoint(endpoint);
      this.endpoint = url.href;
      this.#host = url.host;

      const protocol = choiceOption(
        "protocol",
        options.protocol,
        ["OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"],
        ["http/protobuf", "http/json"],
        "http/protobuf",
      );
      this.protocol = protocol;
      this.#json = protocol === "http/json";

      const batch = options.batch ?? 512;
      if (!(Number.isInteger(batch) && batch >= 1)) {
        refuse("'batch'", "an integer >= 1", batch);
      }
      this.batch = batch;
      const delay = options.scheduleDelay ?? 1000;
      if (!(typeof delay === "number" && delay >= 0)) {
        refuse("'scheduleDelay'", "a number >= 0 (ms)", delay);
      }
      this.scheduleDelay = delay;

      let timeout = options.timeout;
      if (timeout === undefined) {
        const ms = envNumber(["OTEL_EXPORTER_OTLP_LOGS_TIMEOUT", "OTEL_EXPORTER_OTLP_TIMEOUT"]);
        timeout = ms === undefined ? 10 : ms / 1000;
      }
      if (!(typeof timeout === "number" && timeout > 0)) {
        refuse("'timeout'", "a number > 0 (seconds)", timeout);
      }
      this.timeout = timeout;

      const compression = choiceOption(
        "compression",
        options.compression,
        ["OTEL_EXPORTER_OTLP_LOGS_COMPRESSION", "OTEL_EXPORTER_OTLP_COMPRESSION"],
        ["gzip", "none"],
        "none",
      );
      this.compression = compression;

      const callerInfo = options.callerInfo ?? true;
      if (typeof callerInfo !== "boolean") {
        refuse("'callerInfo'", "true or false", callerInfo, false);
      }
      this.callerInfo = callerInfo;

      const count = options.attributeCountLimit ??
        envNumber(["OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT", "OTEL_ATTRIBUTE_COUNT_LIMIT"]) ?? 128;
      if (!(Number.isInteger(count) && count >= 0)) {
        refuse("'attributeCountLimit'", "an integer >= 0", count);
      }
      this.attributeCountLimit = count;
      const length = options.attributeValueLengthLimit !== undefined
        ? options.attributeValueLengthLimit
        : envNumber([
          "OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT",
          "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT",
        ]) ?? null;
      if (length !== null && !(Number.isInteger(length) && length >= 0)) {
        refuse("'attributeValueLengthLimit'", "an integer >= 0 or null", length);
      }
      this.attributeValueLengthLimit = length;
      const maxValues = options.maxValues ?? 10_000;
      if (!(Number.isInteger(maxValues) && maxValues >= 1)) {
        refuse("'maxValues'", "an integer >= 1", maxValues);
      }
      this.#limits = { maxLength: length ?? Infinity, maxDepth: MAX_DEPTH, maxValues };

      const headers = options.headers;
      if (headers !== undefined && (headers === null || typeof headers !== "object")) {
        refuse("'headers'", "an object of strings", headers, false);
      }
      const pairs = headers !== undefined ? Object.entries(headers) : parsePairs(
        env("OTEL_EXPORTER_OTLP_LOGS_HEADERS") ?? env("OTEL_EXPORTER_OTLP_HEADERS") ?? "",
      );
      this.#headers = {};
      for (const [k, v] of pairs) {
        if (typeof v !== "string" || /[\r\n]/.test(v) || /[\r\n:]/.test(k)) {
          refuse(`header '${k}'`, "a string without line breaks", v, false);
        }
        this.#headers[k] = v;
      }
      this.#headers["Content-Type"] = this.#json ? "application/json" : "application/x-protobuf";
      if (compression === "gzip") this.#headers["Content-Encoding"] = "gzip";

      const resource = options.resource ?? {};
      if (resource === null || typeof resource !== "object" || Array.isArray(resource)) {
        refuse("'resource'", "an object of attributes", resource, false);
      }
      const attrs = new Map<string, unknown>([["service.name", "unknown_service:deno"]]);
      for (const [k, v] of parsePairs(env("OTEL_RESOURCE_ATTRIBUTES") ?? "")) attrs.set(k, v);
      const service = env("OTEL_SERVICE_NAME");
      if (service !== undefined) attrs.set("service.name", service);
      for (const [k, v] of Object.entries(resource)) attrs.set(k, v);
      this.resource = Object.freeze(Object.fromEntries(attrs));
      const list = [...attrs];
      if (this.#json) this.#resourceJson = encodeResourceJson(list);
      else this.#resourceProto = encodeResourceProto(list);
    } catch (error) {
      // A handler that could not be made is not left registered for shutdown.
      void Handler.prototype.close.call(this);
      throw error;
    }
  }

  /** Records wait for delivery; the exit hooks wait for them. */
  override get pending(): boolean {
    return this.#waiting.length > 0 || super.pending;
  }

  /**
   * How many records were lost in all: dropped by the outbox (full, or undelivered at
   * `close()`) or {@linkcode OTLPHandler.rejected} by the collector.
   */
  override get dropped(): number {
    return super.dropped + this.#rejected;
  }

  /**
   * How many records the collector refused: a 4xx (other than 429) or other non-retryable
   * answer to their request, or rejected in a partial success.
   */
  get rejected(): number {
    return this.#rejected;
  }

  /** Records carry caller information unless the `callerInfo` option is `false`. */
  override get needsCallerInfo(): boolean {
    return this.callerInfo || super.needsCallerInfo;
  }

  /**
   * The OTLP log record for `record` (opentelemetry-python's `LoggingHandler._translate`).
   * Override it to change the mapping.
   *
   * @param record The record.
   * @returns The fields to encode.
   * @throws {unknown} What the record's `getMessage()` throws (reported by `handle`).
   */
  translate(record: LogRecord): OtlpLogRecord {
    const [timeSec, timeNs] = splitSeconds(record.created);
    const [observedSec, observedNs] = splitSeconds(
      (performance.timeOrigin + performance.now()) / 1000,
    );
    let body: unknown;
    if (this.formatter !== null) {
      body = this.format(record);
    } else {
      const msg = record.msg;
      const args = record.args;
      const noArgs = args === null || args === undefined ||
        (Array.isArray(args) ? args.length === 0 : Object.keys(args).length === 0);
      body = noArgs && typeof msg !== "string" && isStructured(msg) ? msg : record.getMessage();
    }
    let attributes = recordExtras(record, NOT_EXTRAS);
    attributes.push(
      ["code.file.path", record.pathname],
      ["code.function.name", record.funcName],
      ["code.line.number", record.lineno],
    );
    const exc = record.exc_info;
    if (exc !== null && exc !== undefined && exc !== false) {
      this.#exceptionAttributes(exc, attributes);
    }
    let droppedAttributes = 0;
    if (attributes.length > this.attributeCountLimit) {
      // The OTel SDK keeps the newest: the oldest give way.
      droppedAttributes = attributes.length - this.attributeCountLimit;
      attributes = attributes.slice(droppedAttributes);
    }
    const levelname = record.levelname;
    const traceId = record.otelTraceID;
    const spanId = record.otelSpanID;
    const hasTrace = isOtlpId(traceId, 16);
    return {
      timeSec,
      timeNs,
      observedSec,
      observedNs,
      severityNumber: otelSeverityNumber(record.levelno),
      severityText: levelname === "WARNING"
        ? "WARN"
        : levelname === "CRITICAL"
        ? "FATAL"
        : String(levelname),
      body,
      attributes,
      droppedAttributes,
      traceId: hasTrace ? traceId : null,
      spanId: hasTrace && isOtlpId(spanId, 8) ? spanId : null,
      flags: hasTrace && record.otelTraceSampled === true ? 1 : 0,
    };
  }

  #exceptionAttributes(exc: unknown, attributes: Array<[string, unknown]>): void {
    const formatter = this.formatter ?? (this.#traceFormatter ??= new Formatter());
    if (exc instanceof Error) {
      let type = "Error";
      let message = "";
      try {
        type = String(exc.name);
        message = String(exc.message);
      } catch {
        // a throwing getter: the type and text below still say what they can
      }
      attributes.push(["exception.type", type]);
      if (message !== "") attributes.push(["exception.message", message]);
    } else if (exc !== true) {
      attributes.push(["exception.message", pyStr(exc)]);
    }
    if (exc !== true) {
      attributes.push(["exception.stacktrace", formatter.formatException(exc) + "\n"]);
    }
  }

  /**
   * Encodes `record` and adds it to the request being gathered. Failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    const r = this.translate(record);
    let bytes: Uint8Array;
    if (this.#json) {
      bytes = utf8.encode(encodeLogRecordJson(r, this.#limits));
    } else {
      const w = this.#writer;
      w.reset();
      encodeLogRecordProto(w, r, this.#limits);
      bytes = w.finish();
    }
    this.#scopes.set(bytes, record.name);
    this.#waiting.push(bytes);
    this.scheduleSendPending(this.#waiting.length >= this.batch, this.scheduleDelay);
  }

  /** Puts the records gathered into the outbox, each as its own entry. */
  protected override sendPending(): void {
    if (this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const item of waiting) this.outbox.push(item);
  }

  /**
   * Sends the records handed over by the outbox in requests of up to `batch` records, one at
   * a time, in order. When a request fails, the error carries `delivered` (the records sent
   * before it) and, for a 429/503 with `Retry-After`, `retryAfter`.
   *
   * @param items Encoded records, in order.
   * @returns A promise that resolves when they are delivered (or refused and counted).
   */
  protected override async deliver(items: Uint8Array[]): Promise<void> {
    for (let from = 0; from < items.length; from += this.batch) {
      const chunk = items.slice(from, from + this.batch);
      try {
        await this.#export(chunk);
      } catch (error) {
        throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
          delivered: from,
        });
      }
    }
  }

  async #export(records: Uint8Array[]): Promise<void> {
    const scopeOf = (r: Uint8Array): string => this.#scopes.get(r) ?? "";
    let body: Uint8Array<ArrayBuffer> = this.#json
      ? encodeExportRequestJson(this.#resourceJson, records, scopeOf)
      : encodeExportRequestProto(this.#resourceProto, records, scopeOf);
    if (this.compression === "gzip") body = await gzip(body);
    let response: Response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers: this.#headers,
        body,
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.timeout * 1000)]),
      });
    } catch (error) {
      // A denied --allow-net: final (the outbox reports it once and drops what waits).
      if (isPermissionDenial(error)) throw explainNetError(error, this.#host);
      const name = (error as { name?: unknown } | null)?.name;
      if (name === "TimeoutError") {
        throw new Error(`POST ${this.endpoint} timed out after ${this.timeout} s`, {
          cause: error,
        });
      }
      if (name === "AbortError") {
        throw new Error(`POST ${this.endpoint} was abandoned by close()`, { cause: error });
      }
      throw new Error(`POST ${this.endpoint} failed`, { cause: error });
    }
    const s = response.status;
    let answer: Uint8Array;
    try {
      answer = await readBounded(response);
    } catch {
      answer = new Uint8Array(0);
    }
    if (s >= 200 && s < 300) {
      const { rejected, errorMessage } = decodeExportResponse(answer, this.#json);
      if (rejected > 0) {
        const n = Math.min(rejected, records.length);
        this.#rejected += n;
        this.handleError(
          null,
          new Error(
            `${this.endpoint} rejected ${n} of ${records.length} log record${
              records.length === 1 ? "" : "s"
            } (partial success)${errorMessage === "" ? "" : `: ${errorMessage}`}`,
          ),
        );
      }
      return;
    }
    const why = `POST ${this.endpoint} answered ${s} ${response.statusText}`;
    if (s === 429 || s === 502 || s === 503 || s === 504) {
      throw new RetryableStatusError(why, retryAfterSeconds(response.headers.get("retry-after")));
    }
    // Refused for good: not sent again.
    this.#rejected += records.length;
    const detail = new TextDecoder().decode(answer.subarray(0, 500)).trim();
    this.handleError(
      null,
      new Error(
        `${why}; ${records.length} log record${records.length === 1 ? " was" : "s were"} dropped${
          detail === "" ? "" : `: ${detail}`
        }`,
      ),
    );
  }

  /**
   * After a failed delivery and when `close()` gives up: aborts the request in flight.
   *
   * @param _error The failure.
   */
  protected override resetDelivery(_error: unknown): void {
    this.#abort.abort();
    this.#abort = new AbortController();
  }
}

/** Whether a message logged without arguments is kept as a structured body (Python's rule). */
function isStructured(msg: unknown): boolean {
  switch (typeof msg) {
    case "number":
    case "boolean":
    case "bigint":
      return true;
    case "object":
      if (msg === null || msg instanceof Uint8Array || Array.isArray(msg) || msg instanceof Map) {
        return true;
      }
      try {
        const proto = Object.getPrototypeOf(msg);
        return proto === Object.prototype || proto === null;
      } catch {
        return false;
      }
  }
  return false;
}

/** The first of `names` the environment sets (and lets be read), with its value. */
function firstEnv(names: readonly string[]): [name: string, value: string] | undefined {
  for (const name of names) {
    const value = env(name);
    if (value !== undefined) return [name, value];
  }
  return undefined;
}

/**
 * An option with a fixed set of values: the one `given` (unless `undefined` or `null`), else
 * the first of the variables `names` set (in any case), else `fallback`.
 */
function choiceOption<T extends string>(
  key: string,
  given: T | null | undefined,
  names: readonly string[],
  allowed: readonly T[],
  fallback: T,
): T {
  const must = allowed.map((a) => `"${a}"`).join(" or ");
  if (given !== undefined && given !== null) {
    if (!allowed.includes(given)) refuse(`'${key}'`, must, given);
    return given;
  }
  const found = firstEnv(names);
  if (found === undefined) return fallback;
  const lower = found[1].toLowerCase() as T;
  if (!allowed.includes(lower)) refuse(found[0], must, found[1]);
  return lower;
}

/** The first of `names` set, as a number; it must be an integer >= 0. */
function envNumber(names: readonly string[]): number | undefined {
  const found = firstEnv(names);
  if (found === undefined) return undefined;
  const [name, value] = found;
  const n = Number(value);
  if (!(/^\d+$/.test(value) && Number.isSafeInteger(n))) refuse(name, "an integer >= 0", value);
  return n;
}

/** The URL to POST to, from the argument or the environment (see {@linkcode OTLPHandler}). */
function resolveEndpoint(endpoint: string | URL | null | undefined): URL {
  let text: string;
  let base: boolean;
  if (endpoint === undefined || endpoint === null) {
    const signal = env("OTEL_EXPORTER_OTLP_LOGS_ENDPOINT");
    if (signal !== undefined) {
      text = signal;
      base = false;
    } else {
      text = env("OTEL_EXPORTER_OTLP_ENDPOINT") ?? DEFAULT_PORT_ENDPOINT;
      base = true;
    }
  } else if (typeof endpoint === "string" || endpoint instanceof URL) {
    text = String(endpoint);
    base = false;
  } else {
    refuse("'endpoint'", "an http(s) URL", endpoint, false);
  }
  const url = URL.parse(text);
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) {
    refuse("'endpoint'", `an http(s) URL such as "http://localhost:4318"`, text, false);
  }
  if (base || url.pathname === "/" || url.pathname === "") {
    url.pathname = url.pathname.replace(/\/?$/, "/v1/logs");
  }
  return url;
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { Outbox, type OutboxOptions } from "../core/io/outbox.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { OutboxHandler } from "../core/outbox_handler.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
export { type OtlpLogRecord } from "../core/wire/otlp.ts";
