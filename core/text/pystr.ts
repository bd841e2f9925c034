/**
 * Python's `str()`, `repr()` and `ascii()` of JavaScript values, and the Python-like type names
 * used in error messages. Strings and numbers print exactly as CPython prints `str` and
 * `int`/`float`; other values print readably on one line, never as `[object Object]`.
 *
 * @module
 */

import { ValueError } from "./errors.ts";
import { floatRepr } from "./float_format.ts";

/**
 * Whether a JavaScript number stands for a Python `int` (else it is a `float`): JavaScript has
 * one number type, and a number is an `int` when it is a safe integer (at most 2**53 - 1 in
 * magnitude) other than `-0`. Fractions, `-0`, `NaN`, the infinities and integral values beyond
 * 2**53 (`1e21`, `2**60`) are floats, as the same values computed in Python would be; pass a
 * bigint for an integer beyond 2**53. `str()`, `repr()`, `%`-formats and format specs all
 * follow this rule, and so does the pickle codec.
 *
 * @param n The number.
 * @returns `true` for a Python `int`, `false` for a `float`.
 */
export function isPyInt(n: number): boolean {
  return Number.isSafeInteger(n) && (n !== 0 || 1 / n > 0);
}

const objectToString = Object.prototype.toString;
const arrayToString = Array.prototype.toString;
const printable = /[\p{L}\p{M}\p{N}\p{P}\p{S}]/u;
const inspectOptions = {
  breakLength: Infinity,
  compact: true,
  depth: 4,
  colors: false,
  iterableLimit: 100,
  strAbbreviateSize: 10_000,
  trailingComma: false,
  getters: false,
  sorted: false,
  showProxy: false,
};

/**
 * Python's `str()` of a JavaScript value.
 *
 * - strings are themselves; numbers print as Python prints the `int` or `float` that
 *   {@linkcode isPyInt} maps them to: safe integers as digits, other numbers as floats (`0.1`,
 *   `1e-05`, `1e+21`, `-0.0`, `nan`, `inf`, `-inf`); bigints print as digits;
 * - `true`, `false`, `null` and `undefined` print as JavaScript spells them;
 * - an `Error` prints its message (Python's `str(exc)`); a `Date` its ISO form; a symbol
 *   `Symbol(description)`; a function `<function name>` and a class `<class Name>`;
 * - an object whose class defines its own `toString` prints what that returns;
 * - anything else (plain objects, arrays, `Map`, `Set`, class instances) prints on one line
 *   through `Deno.inspect` (JSON where Deno is absent).
 *
 * Like Python's `str()`, which raises what `__str__` raises, it throws what the value's own
 * conversion code throws: an object's `toString` method, or an `Error`'s `message` getter (a
 * logging call reports that as a logging error, as CPython does). A value that cannot even be
 * looked at (a revoked Proxy, a Proxy whose traps throw) prints in a generic form instead, as do
 * getters of other objects, which are never called. Like CPython, it refuses an integer of more
 * than 4300 digits, alone or inside what it prints (see {@linkcode pyIntStr}).
 *
 * @param value Any value.
 * @returns Its text.
 * @throws {ValueError} For a bigint of more than 4300 decimal digits, or an object that would
 *   print one: `Exceeds the limit (4300 digits) for integer string conversion; ...`.
 * @throws {unknown} Whatever the value's `toString` method, or an `Error`'s `message` getter,
 *   throws.
 *
 * @example
 * ```ts
 * import { pyStr } from "@x/loghandlers/extend";
 * console.assert(pyStr(42) === "42");
 * console.assert(pyStr(2.5) === "2.5");
 * console.assert(pyStr(1e-7) === "1e-07");
 * console.assert(pyStr(new Error("disk full")) === "disk full");
 * console.assert(pyStr({ user: "ann" }) === '{ user: "ann" }');
 * ```
 */
export function pyStr(value: unknown): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return isPyInt(value) ? "" + value : floatRepr(value);
    case "bigint":
      return pyIntStr(value);
    case "boolean":
      return value ? "true" : "false";
    case "undefined":
      return "undefined";
    case "symbol":
      return symbolText(value);
    case "function":
      return functionText(value);
    default:
      return value === null ? "null" : objectText(value as object);
  }
}

/** CPython's `sys.int_max_str_digits` default: longer integers are not converted to decimal. */
const INT_MAX_STR_DIGITS = 4300;
const INT_LIMIT_MESSAGE = `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string ` +
  "conversion; use sys.set_int_max_str_digits() to increase the limit";
let intLimit: bigint | undefined;

/** Whether `value` has more than 4300 decimal digits (a comparison: no conversion). */
function tooManyDigits(value: bigint): boolean {
  const limit = intLimit ??= 10n ** BigInt(INT_MAX_STR_DIGITS);
  return value >= limit || value <= -limit;
}

/**
 * Python's `str()` of an `int` given as a bigint: its decimal digits. Like CPython (since 3.11,
 * `sys.int_max_str_digits`), it refuses a number of more than 4300 digits, which would cost time
 * quadratic in its length; the check is a comparison, so a huge number costs nothing. Other
 * bases (`%x`, `format(n, "b")`) have no limit, as in CPython.
 *
 * @param value The integer.
 * @returns Its decimal digits, with a `-` when negative.
 * @throws {ValueError} For more than 4300 digits, with CPython's message: `Exceeds the limit
 *   (4300 digits) for integer string conversion; use sys.set_int_max_str_digits() to increase the
 *   limit`.
 */
export function pyIntStr(value: bigint): string {
  if (tooManyDigits(value)) throw new ValueError(INT_LIMIT_MESSAGE);
  return value.toString();
}

/**
 * Python's `repr()` of a JavaScript value: strings are quoted and escaped as Python quotes them
 * (`'it\'s'` becomes `"it's"`, controls become `\n`, `\x1b`, `\u200b`), an `Error` reads
 * `TypeError('message')`, and every other value prints as {@linkcode pyStr} prints it.
 *
 * Where {@linkcode pyStr} would throw (a `toString` or an `Error`'s `message` getter that
 * throws), the value prints in its structural form (`Bad {}`) instead: like Python's default
 * `__repr__`, which does not call `__str__`, a repr does not depend on the value's own text, so
 * `%r` and the `Message:` line of a logging error report still show the value.
 *
 * @param value Any value.
 * @returns Its representation.
 * @throws {ValueError} For a bigint of more than 4300 decimal digits, or an object that would
 *   print one (see {@linkcode pyStr}).
 *
 * @example
 * ```ts
 * import { pyRepr } from "@x/loghandlers/extend";
 * console.assert(pyRepr("a\nb") === "'a\\nb'");
 * console.assert(pyRepr("it's") === `"it's"`);
 * console.assert(pyRepr(new TypeError("bad")) === "TypeError('bad')");
 * console.assert(pyRepr(3) === "3");
 * ```
 */
export function pyRepr(value: unknown): string {
  if (typeof value === "string") return stringRepr(value, false);
  if (typeof value !== "object" || value === null) return pyStr(value);
  try {
    if (value instanceof Error) {
      const message = String(value.message);
      return `${errorName(value)}(${message === "" ? "" : stringRepr(message, false)})`;
    }
    return objectText(value);
  } catch {
    // The value's own code threw (or it cannot be looked at): its structural form, which calls
    // none of its code. A bigint of more than 4300 digits is refused there too.
    return inspect(value);
  }
}

/**
 * Python's `ascii()`: {@linkcode pyRepr} with every non-ASCII character escaped as `\xhh`,
 * `\uhhhh` or `\Uhhhhhhhh`.
 *
 * @param value Any value.
 * @returns Its representation in ASCII.
 */
export function pyAscii(value: unknown): string {
  if (typeof value === "string") return stringRepr(value, true);
  const text = pyRepr(value);
  if (isPlainAscii(text)) return text;
  let out = "";
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    out += cp < 0x80 ? ch : escapeCodePoint(cp);
  }
  return out;
}

/**
 * The Python type name of a JavaScript value, as Python's error messages show it: `str`, `int`
 * (numbers that {@linkcode isPyInt} calls ints, and bigints), `float`, `bool`, `NoneType`
 * (`null`, `undefined`), `list`
 * (arrays), `dict` (plain objects and `Map`s), `function`, `symbol`, and the constructor name of
 * any other object.
 *
 * @param value Any value.
 * @returns The type name.
 */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "str";
    case "number":
      return isPyInt(value) ? "int" : "float";
    case "bigint":
      return "int";
    case "boolean":
      return "bool";
    case "undefined":
      return "NoneType";
    case "symbol":
      return "symbol";
    case "function":
      return "function";
  }
  if (value === null) return "NoneType";
  try {
    if (Array.isArray(value)) return "list";
    if (value instanceof Map) return "dict";
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) return "dict";
    return constructorName(value as object);
  } catch {
    return "object";
  }
}

/**
 * Python's `len()` of a string: its code points, a surrogate pair counting once and a lone
 * surrogate once, as Python sees the same text.
 *
 * @param s The string.
 * @param end Count the code points before this UTF-16 index (a pair it cuts counts as one).
 * @returns How many code points.
 *
 * @example
 * ```ts
 * import { codePointLength } from "./pystr.ts";
 * console.assert(codePointLength("a\u{1f600}\ud800") === 3);
 * ```
 */
export function codePointLength(s: string, end: number = s.length): number {
  let n = 0;
  for (let i = 0; i < end; i++, n++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < end) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
  }
  return n;
}

/**
 * Python's `s[:count]`: the first `count` code points of a string.
 *
 * @param s The string.
 * @param count How many code points to keep.
 * @returns The start of the string.
 *
 * @example
 * ```ts
 * import { codePointSlice } from "./pystr.ts";
 * console.assert(codePointSlice("\u{1f600}ab", 2) === "\u{1f600}a");
 * ```
 */
export function codePointSlice(s: string, count: number): string {
  let i = 0;
  for (let k = 0; k < count && i < s.length; k++) {
    const c = s.charCodeAt(i);
    i += c >= 0xd800 && c <= 0xdbff && i + 1 < s.length &&
        s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) <= 0xdfff
      ? 2
      : 1;
  }
  return s.slice(0, i);
}

function isPlainAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 0x7e) return false;
  }
  return true;
}

function hex(cp: number, width: number): string {
  const digits = cp.toString(16);
  return digits.length >= width ? digits : "0".repeat(width - digits.length) + digits;
}

/**
 * A code point as Python's backslash escape: `\xhh`, `\uhhhh` or `\Uhhhhhhhh`.
 *
 * @param cp The code point.
 * @returns The escape.
 *
 * @example
 * ```ts
 * import { escapeCodePoint } from "./pystr.ts";
 * console.assert(escapeCodePoint(0xe9) === "\\xe9" && escapeCodePoint(0x1f600) === "\\U0001f600");
 * ```
 */
export function escapeCodePoint(cp: number): string {
  if (cp < 0x100) return "\\x" + hex(cp, 2);
  if (cp < 0x10000) return "\\u" + hex(cp, 4);
  return "\\U" + hex(cp, 8);
}

function stringRepr(s: string, asciiOnly: boolean): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let simple = true;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x5c || c === 0x27) {
      simple = false;
      break;
    }
  }
  if (simple) return quote + s + quote;
  let out = quote;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp >= 0x20 && cp < 0x7f) {
      out += ch === quote || ch === "\\" ? "\\" + ch : ch;
    } else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (cp < 0x80 || asciiOnly || !printable.test(ch)) out += escapeCodePoint(cp);
    else out += ch;
  }
  return out + quote;
}

function symbolText(value: symbol): string {
  try {
    return value.toString();
  } catch {
    return "Symbol()";
  }
}

function functionText(value: unknown): string {
  try {
    const fn = value as { name?: unknown };
    const name = typeof fn.name === "string" && fn.name !== "" ? fn.name : "<anonymous>";
    const source = Function.prototype.toString.call(value);
    return source.startsWith("class") ? `<class ${name}>` : `<function ${name}>`;
  } catch {
    return "<function>";
  }
}

function errorName(error: Error): string {
  const name = error.name;
  return typeof name === "string" && name !== "" ? name : constructorName(error);
}

function constructorName(value: object): string {
  try {
    const ctor = Object.getPrototypeOf(value)?.constructor;
    const name = typeof ctor === "function" ? ctor.name : undefined;
    return typeof name === "string" && name !== "" ? name : "Object";
  } catch {
    return "Object";
  }
}

/**
 * Python's `str()` of an object. Looking at the object (its class, its `toString`) is this
 * module's business: what cannot be looked at prints in the structural form. Running the
 * object's own conversion code (`toString`, an `Error`'s `message` getter) is Python's
 * `__str__`: what it throws propagates.
 */
function objectText(value: object): string {
  let error = false;
  let method: ((this: unknown) => unknown) | undefined;
  try {
    if (value instanceof Error) error = true;
    else if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    } else {
      const toString = (value as { toString?: unknown }).toString;
      if (
        typeof toString === "function" && toString !== objectToString &&
        toString !== arrayToString
      ) {
        method = toString as (this: unknown) => unknown;
      }
    }
  } catch {
    return inspect(value);
  }
  if (error) return String((value as Error).message);
  if (method !== undefined) {
    const text = method.call(value);
    if (typeof text === "string") return text;
  }
  return inspect(value);
}

function inspect(value: object): string {
  // Deno.inspect would print every digit of a huge bigint, at a cost quadratic in its length:
  // refuse it first, as CPython's str() of a container holding such an int does.
  if (holdsHugeInt(value, 0, new Set())) throw new ValueError(INT_LIMIT_MESSAGE);
  try {
    const deno = (globalThis as { Deno?: { inspect?: (v: unknown, o: object) => string } }).Deno;
    if (typeof deno?.inspect === "function") {
      const text = deno.inspect(value, inspectOptions);
      // What inspect prints when it fails inside (a revoked Proxy in an array, say): not text.
      if (!text.startsWith("[Internal Formatting Error]")) {
        return text.includes("\n") ? text.replace(/\n\s*/g, " ") : text;
      }
    }
  } catch {
    // fall back to JSON
  }
  try {
    const text = JSON.stringify(value, jsonReplacer);
    if (typeof text === "string") return text;
  } catch {
    // fall back to the type name
  }
  return `<${constructorName(value)} object>`;
}

/** How deep {@linkcode inspect} looks (its `depth` option), and how many items it shows. */
const INSPECT_DEPTH = inspectOptions.depth;
const INSPECT_ITEMS = inspectOptions.iterableLimit;
const bigIntValueOf = BigInt.prototype.valueOf;

/**
 * Whether `value` shows, within what `Deno.inspect` prints of it with {@linkcode inspectOptions},
 * a bigint of more than 4300 digits. Getters are not called (inspect does not call them either);
 * anything that throws counts as no.
 */
function holdsHugeInt(value: unknown, depth: number, seen: Set<object>): boolean {
  if (typeof value === "bigint") return tooManyDigits(value);
  if (typeof value !== "object" || value === null || depth > INSPECT_DEPTH) return false;
  if (seen.has(value)) return false;
  seen.add(value);
  try {
    if (objectToString.call(value) === "[object BigInt]") {
      return tooManyDigits(bigIntValueOf.call(value));
    }
    if (Array.isArray(value)) {
      const n = Math.min(value.length, INSPECT_ITEMS);
      for (let i = 0; i < n; i++) {
        if (holdsHugeInt(ownValue(value, i), depth + 1, seen)) return true;
      }
      return false;
    }
    if (value instanceof Map) {
      let n = 0;
      for (const [k, v] of value) {
        if (n++ >= INSPECT_ITEMS) break;
        if (holdsHugeInt(k, depth + 1, seen) || holdsHugeInt(v, depth + 1, seen)) return true;
      }
      return false;
    }
    if (value instanceof Set) {
      let n = 0;
      for (const v of value) {
        if (n++ >= INSPECT_ITEMS) break;
        if (holdsHugeInt(v, depth + 1, seen)) return true;
      }
      return false;
    }
    if (ArrayBuffer.isView(value)) return false;
    for (const key of Reflect.ownKeys(value)) {
      if (holdsHugeInt(ownValue(value, key), depth + 1, seen)) return true;
    }
  } catch {
    // a Proxy or exotic object: leave it to inspect's own fallbacks
  }
  return false;
}

/** The value of an own enumerable data property, without calling a getter. */
function ownValue(object: object, key: PropertyKey): unknown {
  const descriptor = Object.getOwnPropertyDescriptor(object, key);
  return descriptor !== undefined && descriptor.enumerable ? descriptor.value : undefined;
}

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (typeof value === "function" || typeof value === "symbol") return pyStr(value);
  if (value === undefined) return null;
  return value;
}
