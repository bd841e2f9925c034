/**
 * Which of a {@linkcode LogRecord}'s attributes are its own and which came from `extra`, a
 * context or a filter: what structured outputs (JSON, OpenTelemetry) send as fields.
 *
 * @module
 */

import type { LogRecord } from "./record.ts";

/**
 * The attributes every record has (Python's `LogRecord.__dict__` keys, with `message` and
 * `asctime` that a formatter sets, and 3.12's `taskName`): python-json-logger's `RESERVED_ATTRS`
 * and OpenTelemetry's reserved record attributes.
 *
 * @example
 * ```ts
 * import { RECORD_ATTRIBUTES } from "@x/loghandlers/extend";
 * console.assert(RECORD_ATTRIBUTES.has("levelname") && !RECORD_ATTRIBUTES.has("user"));
 * ```
 */
export const RECORD_ATTRIBUTES: ReadonlySet<string> = new Set([
  "args",
  "asctime",
  "created",
  "exc_info",
  "exc_text",
  "filename",
  "funcName",
  "levelname",
  "levelno",
  "lineno",
  "message",
  "module",
  "msecs",
  "msg",
  "name",
  "pathname",
  "process",
  "processName",
  "relativeCreated",
  "stack_info",
  "taskName",
  "thread",
  "threadName",
]);

/**
 * The record's fields beyond {@linkcode RECORD_ATTRIBUTES} (from `extra`, a context or a filter),
 * in the order they were set, skipping `undefined` values.
 *
 * @param record The record.
 * @param reserved The names to leave out; {@linkcode RECORD_ATTRIBUTES} by default.
 * @returns The names and values, in insertion order.
 *
 * @example
 * ```ts
 * import { makeLogRecord } from "@x/loghandlers";
 * import { recordExtras } from "@x/loghandlers/extend";
 * const r = makeLogRecord({ msg: "paid", user: "ann", amount: 3 });
 * console.assert(JSON.stringify(recordExtras(r)) === '[["user","ann"],["amount",3]]');
 * ```
 */
export function recordExtras(
  record: LogRecord,
  reserved: ReadonlySet<string> = RECORD_ATTRIBUTES,
): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  const fields = record as unknown as Record<string, unknown>;
  for (const key in fields) {
    if (reserved.has(key) || !Object.hasOwn(fields, key)) continue;
    const value = fields[key];
    if (value !== undefined) out.push([key, value]);
  }
  return out;
}
