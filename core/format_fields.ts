/**
 * What the structured formatters (JSON, logfmt) share: the field names a format holds, as
 * python-json-logger finds them, and how a dict message is told and read.
 *
 * @module
 */

import { ValueError } from "./text/errors.ts";
import { either, nullable, type OptionRule, satisfies, string } from "./text/options.ts";

/** The rule of a structured formatter's `fmt`: a format, an array of field names, or nothing. */
export const FIELDS_FORMAT: OptionRule = nullable(
  either(
    string(),
    satisfies(
      "an array of field names",
      (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
    ),
  ),
);

/** The rule of a structured formatter's `reservedAttrs`: names in any iterable, or nothing. */
export const NAMES: OptionRule = nullable(
  satisfies(
    "an iterable of names",
    (v) => typeof v === "object" && v !== null && Symbol.iterator in v,
  ),
);

const TEMPLATE_FIELD = /\$(?:\$|\{(.+?)\}|([_a-z][_a-z0-9]*))/gi;
const BRACE_FIELD = /\{(.+?)\}/g;
const PERCENT_FIELD = /%\((.+?)\)/g;

/**
 * The field names of `fmt` in `style`, as python-json-logger's `parse()` finds them: `%(name)`,
 * `{name}` (a format spec stays part of the name: `{levelname:<8}` names `levelname:<8`), `${name}`
 * or `$name`, or the comma-separated names of the `","` style.
 *
 * @param fmt The format.
 * @param style `"%"`, `"{"`, `"$"` or `","`.
 * @returns The names, in order.
 * @throws {ValueError} For another style ("Style 'x' is not supported").
 *
 * @example
 * ```ts
 * import { formatFields } from "@x/loghandlers/extend";
 * console.assert(formatFields("%(asctime)s %(message)s", "%").join() === "asctime,message");
 * console.assert(formatFields("name, message", ",").join() === "name,message");
 * ```
 */
export function formatFields(fmt: string, style: string): string[] {
  switch (style) {
    case ",":
      return fmt.split(",").map((f) => f.trim()).filter((f) => f !== "");
    case "$":
      return [...fmt.matchAll(TEMPLATE_FIELD)].map((m) => m[1] || m[2]).filter((f) => !!f);
    case "{":
      return [...fmt.matchAll(BRACE_FIELD)].map((m) => m[1]);
    case "%":
      return [...fmt.matchAll(PERCENT_FIELD)].map((m) => m[1]);
  }
  throw new ValueError(`Style '${style}' is not supported`);
}

/**
 * Whether a record's message is a mapping that structured formatters merge into their output
 * (python-json-logger's dict message): a plain or null-prototype object, or a `Map`.
 */
export function isDictMessage(msg: unknown): msg is object {
  if (typeof msg !== "object" || msg === null || Array.isArray(msg)) return false;
  try {
    const proto = Object.getPrototypeOf(msg);
    return proto === Object.prototype || proto === null || msg instanceof Map;
  } catch {
    return false;
  }
}

/**
 * The entries of a dict message, in order: a `Map`'s (keys as text), or an object's own
 * enumerable ones, where a getter that throws gives `"[Unreadable: <its message>]"`.
 */
export function* dictEntries(dict: object): Generator<[string, unknown]> {
  if (dict instanceof Map) {
    for (const [key, value] of dict) yield [typeof key === "string" ? key : String(key), value];
    return;
  }
  for (const key in dict) {
    if (!Object.hasOwn(dict, key)) continue;
    let value: unknown;
    try {
      value = (dict as Record<string, unknown>)[key];
    } catch (e) {
      value = `[Unreadable: ${e instanceof Error ? e.message : "error"}]`;
    }
    yield [key, value];
  }
}
