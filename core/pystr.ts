/**
 * Python's `str()`, `repr()` and `ascii()` of JavaScript values, and the Python-like type names
 * used in error messages. Strings and numbers print exactly as CPython prints `str` and
 * `int`/`float`; other values print readably on one line, never as `[object Object]`.
 *
 * @module
 */

import { floatRepr } from "./float_format.ts";

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
 * - strings are themselves; safe integers print as digits; other numbers print like Python's
 *   float (`0.1`, `1e-05`, `1e+16`, `nan`, `inf`, `-inf`); bigints print as digits;
 * - `true`, `false`, `null` and `undefined` print as JavaScript spells them;
 * - an `Error` prints its message (Python's `str(exc)`); a `Date` its ISO form; a symbol
 *   `Symbol(description)`; a function `<function name>` and a class `<class Name>`;
 * - an object whose class defines its own `toString` prints what that returns;
 * - anything else (plain objects, arrays, `Map`, `Set`, class instances) prints on one line
 *   through `Deno.inspect` (JSON where Deno is absent).
 *
 * It never throws: a `toString` or getter that throws falls back to a generic form.
 *
 * @param value Any value.
 * @returns Its text.
 *
 * @example
 * ```ts
 * import { pyStr } from "./pystr.ts";
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
      return Number.isSafeInteger(value) ? "" + value : floatRepr(value);
    case "bigint":
      return value.toString();
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

/**
 * Python's `repr()` of a JavaScript value: strings are quoted and escaped as Python quotes them
 * (`'it\'s'` becomes `"it's"`, controls become `\n`, `\x1b`, `\u200b`), an `Error` reads
 * `TypeError('message')`, and every other value prints as {@linkcode pyStr} prints it.
 *
 * @param value Any value.
 * @returns Its representation.
 *
 * @example
 * ```ts
 * import { pyRepr } from "./pystr.ts";
 * console.assert(pyRepr("a\nb") === "'a\\nb'");
 * console.assert(pyRepr("it's") === `"it's"`);
 * console.assert(pyRepr(new TypeError("bad")) === "TypeError('bad')");
 * console.assert(pyRepr(3) === "3");
 * ```
 */
export function pyRepr(value: unknown): string {
  if (typeof value === "string") return stringRepr(value, false);
  if (typeof value === "object" && value !== null) {
    try {
      if (value instanceof Error) {
        const message = String(value.message);
        return `${errorName(value)}(${message === "" ? "" : stringRepr(message, false)})`;
      }
    } catch {
      // fall through to pyStr
    }
  }
  return pyStr(value);
}

/**
 * Python's `ascii()`: {@linkcode pyRepr} with every non-ASCII character escaped as `\xhh`,
 * `\uhhhh` or `\Uhhhhhhhh`.
 *
 * @param value Any value.
 * @returns Its representation in ASCII.
 *
 * @example
 * ```ts
 * import { pyAscii } from "./pystr.ts";
 * console.assert(pyAscii("café") === "'caf\\xe9'");
 * console.assert(pyAscii("😀") === "'\\U0001f600'");
 * ```
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
 * (integral numbers and bigints), `float`, `bool`, `NoneType` (`null`, `undefined`), `list`
 * (arrays), `dict` (plain objects and `Map`s), `function`, `symbol`, and the constructor name of
 * any other object.
 *
 * @param value Any value.
 * @returns The type name.
 *
 * @example
 * ```ts
 * import { pyTypeName } from "./pystr.ts";
 * console.assert(pyTypeName("x") === "str");
 * console.assert(pyTypeName(1.5) === "float");
 * console.assert(pyTypeName(null) === "NoneType");
 * console.assert(pyTypeName(new Map()) === "dict");
 * ```
 */
export function pyTypeName(value: unknown): string {
  switch (typeof value) {
    case "string":
      return "str";
    case "number":
      return Number.isInteger(value) ? "int" : "float";
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
  if (Array.isArray(value)) return "list";
  if (value instanceof Map) return "dict";
  try {
    const proto = Object.getPrototypeOf(value);
    if (proto === null || proto === Object.prototype) return "dict";
    return constructorName(value as object);
  } catch {
    return "object";
  }
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

function escapeCodePoint(cp: number): string {
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

function objectText(value: object): string {
  try {
    if (value instanceof Error) return String(value.message);
    if (value instanceof Date) {
      return Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
    }
    const toString = (value as { toString?: unknown }).toString;
    if (
      typeof toString === "function" && toString !== objectToString && toString !== arrayToString
    ) {
      const text: unknown = toString.call(value);
      if (typeof text === "string") return text;
    }
  } catch {
    // fall back to the structural form
  }
  return inspect(value);
}

function inspect(value: object): string {
  try {
    const deno = (globalThis as { Deno?: { inspect?: (v: unknown, o: object) => string } }).Deno;
    if (typeof deno?.inspect === "function") {
      const text = deno.inspect(value, inspectOptions);
      return text.includes("\n") ? text.replace(/\n\s*/g, " ") : text;
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

function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  if (typeof value === "function" || typeof value === "symbol") return pyStr(value);
  if (value === undefined) return null;
  return value;
}
