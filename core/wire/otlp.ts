/**
 * OTLP logs encoding: one log record at a time into its protobuf or OTLP/JSON bytes, and a
 * batch of encoded records into an `ExportLogsServiceRequest` (per
 * opentelemetry/proto/collector/logs/v1/logs_service.proto), with no message objects in
 * between. Values become `AnyValue`s within bounds of depth, count and length.
 *
 * @module
 */

import { base64, concatBytes } from "../text/bytes.ts";
import { ProtoWriter, readFields } from "./protobuf.ts";
import { pyStr } from "../text/pystr.ts";

/** The bounds an attribute or body value is encoded within. */
export interface ValueLimits {
  /** Strings of attribute values are cut to this many characters (`Infinity`: not cut). */
  maxLength: number;
  /** Nested arrays and maps deeper than this become a string. */
  maxDepth: number;
  /** The most values (array items, map entries) one record may hold; the rest are left out. */
  maxValues: number;
}

/** One log record, as {@linkcode encodeLogRecordProto} and {@linkcode encodeLogRecordJson} take it. */
export interface OtlpLogRecord {
  /** Whole seconds of the event's time since the epoch. */
  timeSec: number;
  /** Nanoseconds past `timeSec` (0 to 999,999,999). */
  timeNs: number;
  /** Whole seconds of the time the record was observed. */
  observedSec: number;
  /** Nanoseconds past `observedSec`. */
  observedNs: number;
  /** The OTel severity number (0 to 24). */
  severityNumber: number;
  /** The severity text. */
  severityText: string;
  /** The body: a string, or any value encoded as an `AnyValue`. */
  body: unknown;
  /** The attributes, in order, within the count limit already. */
  attributes: ReadonlyArray<readonly [string, unknown]>;
  /** How many attributes the count limit left out. */
  droppedAttributes: number;
  /** The trace id as 32 lowercase hex digits, or `null`. */
  traceId: string | null;
  /** The span id as 16 lowercase hex digits, or `null`. */
  spanId: string | null;
  /** The W3C trace flags (1: sampled). */
  flags: number;
}

const NO_LIMIT = Infinity;
const PLACEHOLDER_DEPTH = "<nested too deep>";
const PLACEHOLDER_CIRCULAR = "<circular reference>";
const PLACEHOLDER_BUDGET = "<too many values>";

/**
 * Splits a time in seconds since the epoch (a float, as a record's `created`) into whole
 * seconds and nanoseconds, to the nanosecond the float holds.
 *
 * @param seconds The time.
 * @returns `[seconds, nanoseconds]`.
 *
 * @example
 * ```ts
 * import { splitSeconds } from "@x/loghandlers/extend";
 * console.assert(splitSeconds(1700000000.25).join() === "1700000000,250000000");
 * ```
 */
export function splitSeconds(seconds: number): [number, number] {
  if (!Number.isFinite(seconds) || seconds < 0) return [0, 0];
  let sec = Math.floor(seconds);
  let ns = Math.round((seconds - sec) * 1e9);
  if (ns >= 1e9) {
    sec++;
    ns -= 1e9;
  }
  return [sec, ns];
}

/** The decimal text of `sec * 1e9 + ns` (OTLP/JSON's int64 as a string). */
function nanosText(sec: number, ns: number): string {
  return sec === 0 ? String(ns) : String(sec) + String(ns).padStart(9, "0");
}

/** Writes `sec * 1e9 + ns` as a fixed64 field, exactly (no bigint). */
function writeNanos(w: ProtoWriter, field: number, sec: number, ns: number): void {
  // sec < 2^32 and 1e9 < 2^30: split sec in 16-bit halves so every product is exact.
  const sh = Math.floor(sec / 65536);
  const sl = sec % 65536;
  const x = sl * 1e9 + ns;
  const y = sh * 1e9;
  const yLo = y % 65536;
  const t = yLo * 65536 + x;
  const lo = t % 4294967296;
  const hi = (y - yLo) / 65536 + Math.floor(t / 4294967296);
  w.fixed64(field, lo, hi);
}

function isByteArray(value: object): value is Uint8Array {
  return value instanceof Uint8Array;
}

/** `String()` of a value that is not an OTLP value, which never throws. */
function textOf(value: unknown): string {
  try {
    return pyStr(value);
  } catch {
    try {
      return `<unprintable ${Object.prototype.toString.call(value)}>`;
    } catch {
      return "<unprintable>";
    }
  }
}

/** Whether `value` is a plain object (`{}` or `Object.create(null)`), without throwing. */
function isPlain(value: object): boolean {
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

/** The entries of a plain object or Map, or `null` when reading them throws. */
function entriesOf(value: object): Array<[unknown, unknown]> | null {
  try {
    if (value instanceof Map) return [...value.entries()];
    const out: Array<[unknown, unknown]> = [];
    for (const key in value) {
      if (Object.hasOwn(value, key)) out.push([key, (value as Record<string, unknown>)[key]]);
    }
    return out;
  } catch {
    return null;
  }
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let s = text.slice(0, max);
  const last = s.charCodeAt(s.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
  return s;
}

/** What the encoders share while they walk one record's values. */
interface Walk {
  limits: ValueLimits;
  /** Values left in this record's budget. */
  budget: number;
  /** The arrays and maps being walked (to spot circular references). */
  path: object[];
}

/** The kind of OTLP value that `value` becomes (and its replacement text, for non-values). */
type Kind = "none" | "string" | "bool" | "int" | "double" | "bigint" | "bytes" | "array" | "map";

function kindOf(value: unknown, walk: Walk): Kind | string {
  switch (typeof value) {
    case "string":
      return "string";
    case "boolean":
      return "bool";
    case "number":
      return Number.isSafeInteger(value) ? "int" : "double";
    case "bigint":
      return value >= -(2n ** 63n) && value < 2n ** 63n ? "bigint" : String(value);
    case "undefined":
      return "none";
    case "object":
      break;
    default:
      return textOf(value);
  }
  if (value === null) return "none";
  if (isByteArray(value)) return "bytes";
  const isArray = Array.isArray(value);
  if (!isArray && !(value instanceof Map) && !isPlain(value)) return textOf(value);
  if (walk.path.includes(value)) return PLACEHOLDER_CIRCULAR;
  if (walk.path.length >= walk.limits.maxDepth) return PLACEHOLDER_DEPTH;
  return isArray ? "array" : "map";
}

function itemsOf(value: unknown[]): unknown[] | null {
  try {
    return Array.from(value);
  } catch {
    return null;
  }
}

/** Writes `value` as an `AnyValue` field. */
function protoValue(
  w: ProtoWriter,
  field: number,
  value: unknown,
  walk: Walk,
  maxLength: number,
): void {
  const at = w.begin(field);
  if (--walk.budget < 0) {
    w.string(1, PLACEHOLDER_BUDGET);
    return w.end(at);
  }
  const kind = kindOf(value, walk);
  switch (kind) {
    case "none":
      break;
    case "string":
      w.string(1, cut(value as string, maxLength));
      break;
    case "bool":
      w.uint(2, value ? 1 : 0);
      break;
    case "int":
      w.int64(3, value as number);
      break;
    case "bigint":
      w.int64Big(3, value as bigint);
      break;
    case "double":
      w.double(4, value as number);
      break;
    case "bytes":
      w.bytes(7, value as Uint8Array);
      break;
    case "array": {
      const items = itemsOf(value as unknown[]);
      if (items === null) {
        w.string(1, textOf(value));
        break;
      }
      walk.path.push(value as object);
      const inner = w.begin(5);
      for (const item of items) protoValue(w, 1, item, walk, maxLength);
      w.end(inner);
      walk.path.pop();
      break;
    }
    case "map": {
      const entries = entriesOf(value as object);
      if (entries === null) {
        w.string(1, textOf(value));
        break;
      }
      walk.path.push(value as object);
      const inner = w.begin(6);
      protoKeyValues(w, 1, entries, walk, maxLength);
      w.end(inner);
      walk.path.pop();
      break;
    }
    default:
      w.string(1, cut(kind, maxLength));
  }
  w.end(at);
}

/** Writes each entry as a `KeyValue` field (a key that is not a string as its text). */
function protoKeyValues(
  w: ProtoWriter,
  field: number,
  entries: ReadonlyArray<readonly [unknown, unknown]>,
  walk: Walk,
  maxLength: number,
): void {
  for (const [key, value] of entries) {
    const kv = w.begin(field);
    w.string(1, typeof key === "string" ? key : textOf(key));
    protoValue(w, 2, value, walk, maxLength);
    w.end(kv);
  }
}

const HEX = /^[0-9a-f]+$/;

function hexBytes(hex: string): Uint8Array {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A hex digit's value, or -1. */
function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const lower = c | 0x20;
  return lower >= 97 && lower <= 102 ? lower - 87 : -1;
}

/** Scratch arrays for a trace id and a span id: the writer copies what it is given. */
const TRACE_ID = new Uint8Array(16);
const SPAN_ID = new Uint8Array(8);

/**
 * The bytes of an id of `scratch.length` bytes written in hex, in `scratch`, with no allocation
 * on the usual path (a trace or span id per record); anything else as {@linkcode hexBytes}
 * reads it.
 */
function idBytes(hex: string, scratch: Uint8Array): Uint8Array {
  if (hex.length !== scratch.length * 2) return hexBytes(hex);
  for (let i = 0; i < scratch.length; i++) {
    const hi = hexDigit(hex.charCodeAt(2 * i));
    const lo = hexDigit(hex.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return hexBytes(hex);
    scratch[i] = (hi << 4) | lo;
  }
  return scratch;
}

/**
 * Whether `id` is a valid OTLP trace id (`size` 16) or span id (`size` 8) in lowercase hex,
 * not all zeros.
 *
 * @param id The id.
 * @param size Its size in bytes.
 * @returns Whether it is one.
 *
 * @example
 * ```ts
 * import { isOtlpId } from "@x/loghandlers/extend";
 * console.assert(isOtlpId("00f067aa0ba902b7", 8) && !isOtlpId("0000000000000000", 8));
 * ```
 */
export function isOtlpId(id: unknown, size: number): id is string {
  return typeof id === "string" && id.length === size * 2 && HEX.test(id) && !/^0+$/.test(id);
}

/**
 * Encodes a log record as the bytes of an OTLP `LogRecord` message (fields in number order,
 * defaults left out, as protobuf's own encoders write them).
 *
 * @param w The writer (reset first; read with `finish()`).
 * @param r The record.
 * @param limits The bounds of its values.
 *
 * @example
 * ```ts
 * import { encodeLogRecordProto, ProtoWriter } from "@x/loghandlers/extend";
 * const w = new ProtoWriter();
 * encodeLogRecordProto(w, {
 *   timeSec: 1, timeNs: 0, observedSec: 1, observedNs: 0, severityNumber: 9,
 *   severityText: "INFO", body: "hi", attributes: [], droppedAttributes: 0,
 *   traceId: null, spanId: null, flags: 0,
 * }, { maxLength: Infinity, maxDepth: 8, maxValues: 100 });
 * console.assert(w.finish().length === 32);
 * ```
 */
export function encodeLogRecordProto(w: ProtoWriter, r: OtlpLogRecord, limits: ValueLimits): void {
  const walk: Walk = { limits, budget: limits.maxValues, path: [] };
  if (r.timeSec !== 0 || r.timeNs !== 0) writeNanos(w, 1, r.timeSec, r.timeNs);
  if (r.severityNumber !== 0) w.uint(2, r.severityNumber);
  if (r.severityText !== "") w.string(3, r.severityText);
  if (r.body !== undefined && r.body !== null) protoValue(w, 5, r.body, walk, NO_LIMIT);
  protoKeyValues(w, 6, r.attributes, walk, limits.maxLength);
  if (r.droppedAttributes !== 0) w.uint(7, r.droppedAttributes);
  if (r.flags !== 0) w.fixed32(8, r.flags);
  if (r.traceId !== null) w.bytes(9, idBytes(r.traceId, TRACE_ID));
  if (r.spanId !== null) w.bytes(10, idBytes(r.spanId, SPAN_ID));
  if (r.observedSec !== 0 || r.observedNs !== 0) writeNanos(w, 11, r.observedSec, r.observedNs);
}

function jsonDouble(x: number): string {
  if (Number.isNaN(x)) return '"NaN"';
  if (x === Infinity) return '"Infinity"';
  if (x === -Infinity) return '"-Infinity"';
  return String(x);
}

/** Appends `value` as an OTLP/JSON `AnyValue` object to `out`. */
function jsonValue(out: string[], value: unknown, walk: Walk, maxLength: number): void {
  if (--walk.budget < 0) {
    out.push(`{"stringValue":"${PLACEHOLDER_BUDGET}"}`);
    return;
  }
  const kind = kindOf(value, walk);
  switch (kind) {
    case "none":
      out.push("{}");
      return;
    case "string":
      out.push(`{"stringValue":${JSON.stringify(cut(value as string, maxLength))}}`);
      return;
    case "bool":
      out.push(value ? '{"boolValue":true}' : '{"boolValue":false}');
      return;
    case "int":
      out.push(`{"intValue":"${value as number}"}`);
      return;
    case "bigint":
      out.push(`{"intValue":"${value as bigint}"}`);
      return;
    case "double":
      out.push(`{"doubleValue":${jsonDouble(value as number)}}`);
      return;
    case "bytes":
      out.push(`{"bytesValue":"${base64(value as Uint8Array)}"}`);
      return;
    case "array": {
      const items = itemsOf(value as unknown[]);
      if (items === null) {
        out.push(`{"stringValue":${JSON.stringify(textOf(value))}}`);
        return;
      }
      walk.path.push(value as object);
      out.push('{"arrayValue":{"values":[');
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out.push(",");
        jsonValue(out, items[i], walk, maxLength);
      }
      out.push("]}}");
      walk.path.pop();
      return;
    }
    case "map": {
      const entries = entriesOf(value as object);
      if (entries === null) {
        out.push(`{"stringValue":${JSON.stringify(textOf(value))}}`);
        return;
      }
      walk.path.push(value as object);
      out.push('{"kvlistValue":{"values":[');
      jsonKeyValues(out, entries, walk, maxLength);
      out.push("]}}");
      walk.path.pop();
      return;
    }
    default:
      out.push(`{"stringValue":${JSON.stringify(cut(kind, maxLength))}}`);
  }
}

/** Appends the entries as OTLP/JSON `KeyValue` objects, comma-separated, to `out`. */
function jsonKeyValues(
  out: string[],
  entries: ReadonlyArray<readonly [unknown, unknown]>,
  walk: Walk,
  maxLength: number,
): void {
  for (let i = 0; i < entries.length; i++) {
    const [key, value] = entries[i];
    const text = JSON.stringify(typeof key === "string" ? key : textOf(key));
    out.push(`${i > 0 ? "," : ""}{"key":${text},"value":`);
    jsonValue(out, value, walk, maxLength);
    out.push("}");
  }
}

/**
 * Encodes a log record as an OTLP/JSON `LogRecord` object (lowerCamelCase names, 64-bit
 * integers as decimal strings, enums as numbers, trace and span ids as hex), defaults left out.
 *
 * @param r The record.
 * @param limits The bounds of its values.
 * @returns The JSON text.
 *
 * @example
 * ```ts
 * import { encodeLogRecordJson } from "@x/loghandlers/extend";
 * const json = encodeLogRecordJson({
 *   timeSec: 1, timeNs: 5, observedSec: 1, observedNs: 5, severityNumber: 9,
 *   severityText: "INFO", body: "hi", attributes: [["user", "ann"]], droppedAttributes: 0,
 *   traceId: null, spanId: null, flags: 0,
 * }, { maxLength: Infinity, maxDepth: 8, maxValues: 100 });
 * console.assert(JSON.parse(json).timeUnixNano === "1000000005");
 * ```
 */
export function encodeLogRecordJson(r: OtlpLogRecord, limits: ValueLimits): string {
  const walk: Walk = { limits, budget: limits.maxValues, path: [] };
  const out: string[] = [];
  out.push(`{"timeUnixNano":"${nanosText(r.timeSec, r.timeNs)}"`);
  out.push(`,"observedTimeUnixNano":"${nanosText(r.observedSec, r.observedNs)}"`);
  if (r.severityNumber !== 0) out.push(`,"severityNumber":${r.severityNumber}`);
  if (r.severityText !== "") out.push(`,"severityText":${JSON.stringify(r.severityText)}`);
  if (r.body !== undefined && r.body !== null) {
    out.push(',"body":');
    jsonValue(out, r.body, walk, NO_LIMIT);
  }
  if (r.attributes.length > 0) {
    out.push(',"attributes":[');
    jsonKeyValues(out, r.attributes, walk, limits.maxLength);
    out.push("]");
  }
  if (r.droppedAttributes !== 0) out.push(`,"droppedAttributesCount":${r.droppedAttributes}`);
  if (r.flags !== 0) out.push(`,"flags":${r.flags}`);
  if (r.traceId !== null) out.push(`,"traceId":"${r.traceId}"`);
  if (r.spanId !== null) out.push(`,"spanId":"${r.spanId}"`);
  out.push("}");
  return out.join("");
}

/** The limits resource attributes are encoded within. */
const RESOURCE_LIMITS: ValueLimits = { maxLength: NO_LIMIT, maxDepth: 8, maxValues: 10_000 };

/**
 * Encodes a `Resource` message's fields (its attributes) as protobuf.
 *
 * @param attributes The resource attributes, in order.
 * @returns The bytes of the message's content.
 *
 * @example
 * ```ts
 * import { encodeResourceProto } from "@x/loghandlers/extend";
 * console.assert(encodeResourceProto([["service.name", "api"]]).length === 23);
 * ```
 */
export function encodeResourceProto(
  attributes: ReadonlyArray<readonly [string, unknown]>,
): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter(256);
  const walk: Walk = { limits: RESOURCE_LIMITS, budget: RESOURCE_LIMITS.maxValues, path: [] };
  protoKeyValues(w, 1, attributes, walk, NO_LIMIT);
  return w.finish();
}

/**
 * Encodes a `Resource` message as OTLP/JSON.
 *
 * @param attributes The resource attributes, in order.
 * @returns The JSON text.
 *
 * @example
 * ```ts
 * import { encodeResourceJson } from "@x/loghandlers/extend";
 * console.assert(encodeResourceJson([["service.name", "api"]]) ===
 *   '{"attributes":[{"key":"service.name","value":{"stringValue":"api"}}]}');
 * ```
 */
export function encodeResourceJson(attributes: ReadonlyArray<readonly [string, unknown]>): string {
  const walk: Walk = { limits: RESOURCE_LIMITS, budget: RESOURCE_LIMITS.maxValues, path: [] };
  const out: string[] = ['{"attributes":['];
  jsonKeyValues(out, attributes, walk, NO_LIMIT);
  out.push("]}");
  return out.join("");
}

/** Encoded records grouped by instrumentation scope, in the order each scope first appears. */
function byScope(
  records: readonly Uint8Array[],
  scopeOf: (record: Uint8Array) => string,
): Map<string, Uint8Array[]> {
  const groups = new Map<string, Uint8Array[]>();
  for (const record of records) {
    const scope = scopeOf(record);
    const group = groups.get(scope);
    if (group === undefined) groups.set(scope, [record]);
    else group.push(record);
  }
  return groups;
}

/**
 * Builds the protobuf `ExportLogsServiceRequest` for records encoded by
 * {@linkcode encodeLogRecordProto}: one `ResourceLogs`, one `ScopeLogs` per scope (in the order
 * each first appears, records in their order), as the OpenTelemetry SDKs group them.
 *
 * @param resource The resource's encoded content ({@linkcode encodeResourceProto}).
 * @param records The encoded records.
 * @param scopeOf The instrumentation scope name of each record (the logger's name).
 * @returns The request body.
 *
 * @example
 * ```ts
 * import { encodeExportRequestProto, encodeResourceProto } from "@x/loghandlers/extend";
 * const body = encodeExportRequestProto(encodeResourceProto([]), [new Uint8Array([16, 9])], () => "app");
 * console.assert(body.join() === "10,15,10,0,18,11,10,5,10,3,97,112,112,18,2,16,9");
 * ```
 */
export function encodeExportRequestProto(
  resource: Uint8Array,
  records: readonly Uint8Array[],
  scopeOf: (record: Uint8Array) => string,
): Uint8Array<ArrayBuffer> {
  let size = resource.length + 16;
  for (const r of records) size += r.length + 6;
  const w = new ProtoWriter(size + 64);
  const rl = w.begin(1);
  w.bytes(1, resource);
  for (const [scope, group] of byScope(records, scopeOf)) {
    const sl = w.begin(2);
    const sc = w.begin(1);
    if (scope !== "") w.string(1, scope);
    w.end(sc);
    for (const r of group) w.bytes(2, r);
    w.end(sl);
  }
  w.end(rl);
  return w.finish();
}

const utf8 = new TextEncoder();

/**
 * Builds the OTLP/JSON `ExportLogsServiceRequest` for records encoded (as UTF-8) by
 * {@linkcode encodeLogRecordJson}, grouped as {@linkcode encodeExportRequestProto} does.
 *
 * @param resource The resource's JSON ({@linkcode encodeResourceJson}).
 * @param records The encoded records.
 * @param scopeOf The instrumentation scope name of each record.
 * @returns The request body.
 *
 * @example
 * ```ts
 * import { encodeExportRequestJson } from "@x/loghandlers/extend";
 * const body = encodeExportRequestJson('{"attributes":[]}', [new TextEncoder().encode("{}")], () => "app");
 * console.assert(JSON.parse(new TextDecoder().decode(body)).resourceLogs[0].scopeLogs[0].scope.name === "app");
 * ```
 */
export function encodeExportRequestJson(
  resource: string,
  records: readonly Uint8Array[],
  scopeOf: (record: Uint8Array) => string,
): Uint8Array<ArrayBuffer> {
  const parts: Uint8Array[] = [
    utf8.encode(`{"resourceLogs":[{"resource":${resource},"scopeLogs":[`),
  ];
  let first = true;
  for (const [scope, group] of byScope(records, scopeOf)) {
    parts.push(
      utf8.encode(`${first ? "" : ","}{"scope":{"name":${JSON.stringify(scope)}},"logRecords":[`),
    );
    first = false;
    for (let i = 0; i < group.length; i++) {
      if (i > 0) parts.push(COMMA);
      parts.push(group[i]);
    }
    parts.push(CLOSE_SCOPE);
  }
  parts.push(CLOSE_REQUEST);
  // More than one part (the opening and CLOSE_REQUEST at least): a new buffer, never shared.
  return concatBytes(parts) as Uint8Array<ArrayBuffer>;
}

const COMMA = utf8.encode(",");
const CLOSE_SCOPE = utf8.encode("]}");
const CLOSE_REQUEST = utf8.encode("]}]}");

/** What an `ExportLogsServiceResponse` says (its `partial_success`). */
export interface ExportLogsResult {
  /** How many records the collector rejected. */
  rejected: number;
  /** Why, or an empty string. */
  errorMessage: string;
}

const MAX_MESSAGE = 1000;

/**
 * Reads the `partial_success` of an `ExportLogsServiceResponse`, protobuf or JSON. Anything
 * malformed reads as full success (what the collector meant cannot be known).
 *
 * @param body The response body.
 * @param json Whether it is OTLP/JSON.
 * @returns The rejected count and the error message.
 *
 * @example
 * ```ts
 * import { decodeExportResponse } from "@x/loghandlers/extend";
 * const r = decodeExportResponse(new TextEncoder().encode('{"partialSuccess":{"rejectedLogRecords":"2"}}'), true);
 * console.assert(r.rejected === 2 && r.errorMessage === "");
 * ```
 */
export function decodeExportResponse(body: Uint8Array, json: boolean): ExportLogsResult {
  const result: ExportLogsResult = { rejected: 0, errorMessage: "" };
  if (body.length === 0) return result;
  if (json) {
    try {
      const parsed = JSON.parse(new TextDecoder().decode(body));
      const p = parsed?.partialSuccess ?? parsed?.partial_success;
      if (p === null || typeof p !== "object") return result;
      const n = Number(p.rejectedLogRecords ?? p.rejected_log_records ?? 0);
      if (Number.isSafeInteger(n) && n > 0) result.rejected = n;
      const m = p.errorMessage ?? p.error_message;
      if (typeof m === "string") result.errorMessage = m.slice(0, MAX_MESSAGE);
    } catch {
      // not JSON: nothing to read
    }
    return result;
  }
  for (const f of readFields(body)) {
    if (f.field !== 1 || f.wireType !== 2) continue;
    for (const g of readFields(f.bytes)) {
      if (g.field === 1 && g.wireType === 0 && g.value > 0 && g.value < 2 ** 53) {
        result.rejected = g.value;
      } else if (g.field === 2 && g.wireType === 2) {
        result.errorMessage = new TextDecoder().decode(g.bytes.subarray(0, MAX_MESSAGE * 4))
          .slice(0, MAX_MESSAGE);
      }
    }
  }
  return result;
}
