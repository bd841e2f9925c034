/**
 * The field names a format holds, as python-json-logger finds them: what structured formatters
 * (JSON, logfmt) write from a Python-style format string.
 *
 * @module
 */

import { ValueError } from "./text/errors.ts";

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
