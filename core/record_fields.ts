/**
 * Which of a {@linkcode LogRecord}'s attributes are its own and which came from `extra`, a
 * context or a filter: what structured outputs (JSON, OpenTelemetry) send as fields.
 *
 * @module
 */

import { LogRecord } from "./record.ts";

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

/** The attributes a {@linkcode LogRecord}'s constructor sets, in the order it sets them. */
const OWN_ATTRIBUTES: readonly string[] = Object.keys(new LogRecord("", 0, "", 0, "", null, null));

/**
 * Whether `reserved` holds every attribute a {@linkcode LogRecord}'s constructor sets, so that
 * {@linkcode extraFieldsStart} may skip them. Internal: not exported by the package.
 *
 * @param reserved The names left out of a record's extra fields.
 * @returns `true` when every own attribute is among them.
 */
export function reservesOwnAttributes(reserved: ReadonlySet<string>): boolean {
  return OWN_ATTRIBUTES.every((name) => reserved.has(name));
}

/**
 * Where the names set after a record was made begin in `names`, the record's `Object.keys`:
 * past the attributes its constructor set when `names` begins with exactly them, in their
 * order (a record no one deleted an attribute of), else 0. Lets a writer whose reserved names
 * hold them all (see {@linkcode reservesOwnAttributes}) skip them without looking each up.
 * Internal: not exported by the package.
 *
 * @param names The record's own enumerable names, in order.
 * @returns The index of the first name to look at.
 */
export function extraFieldsStart(names: readonly string[]): number {
  const count = OWN_ATTRIBUTES.length;
  if (names.length < count) return 0;
  for (let i = 0; i < count; i++) if (names[i] !== OWN_ATTRIBUTES[i]) return 0;
  return count;
}

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
  const names = Object.keys(fields);
  const start = reserved === RECORD_ATTRIBUTES || reservesOwnAttributes(reserved)
    ? extraFieldsStart(names)
    : 0;
  for (let i = start; i < names.length; i++) {
    const key = names[i];
    if (reserved.has(key)) continue;
    const value = fields[key];
    if (value !== undefined) out.push([key, value]);
  }
  return out;
}
