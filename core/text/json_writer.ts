/**
 * A JSON writer that takes any JavaScript value and never throws: Python's `json.dumps` layout
 * (`", "` and `": "` separators, `indent`, `ensure_ascii`, `NaN`/`Infinity`), with bounds on
 * depth and size, and python-json-logger's encoding of what JSON cannot hold.
 *
 * @module
 */

import { base64 } from "./bytes.ts";
import { floatRepr } from "./float_format.ts";
import { isPyInt, pyIntStr, pyStr } from "./pystr.ts";

/** Options of {@linkcode JsonWriter}; the first three are `json.dumps`'s. */
export interface JsonWriterOptions {
  /**
   * Python's `indent`: `null` writes everything on one line with `", "` and `": "` separators; a
   * number of spaces or a string puts each item on its own line, indented.
   *
   * @default {null}
   */
  indent?: number | string | null;
  /**
   * Python's `ensure_ascii`: write every character outside printable ASCII as `\uXXXX`.
   *
   * @default {true}
   */
  ensureAscii?: boolean;
  /**
   * Python's `default`: called with each value that is not a string, number, boolean, `null`,
   * array or plain object; its result is written instead. When it is `null`, or when it throws,
   * the built-in encoding applies (see {@linkcode JsonWriter}).
   *
   * @default {null}
   */
  default?: ((value: unknown) => unknown) | null;
  /**
   * How deep arrays and objects may nest; a deeper one is written as the string
   * `"[Depth limit: Object]"` (or `Array`, ...).
   *
   * @default {32}
   */
  maxDepth?: number;
  /**
   * About how many characters the output may hold: a string is cut to what remains (ending in
   * `"…[cut 123 chars]"`), and a container that reaches the limit stops with a last item saying
   * how much was cut. The output may exceed it by the length of those notes.
   *
   * @default {1048576}
   */
  maxLength?: number;
}

const CIRCULAR = '"[Circular]"';
const NON_ASCII = /[\u007f-\uffff]/g;
const NEEDS_ESCAPE = /[\u007f-\uffff]/;
/** Printable ASCII without `"` and `\\`: written between quotes as it is. */
const PLAIN = /^[ !#-[\]-~]*$/;
/** How many records in a row with only plain strings bring back the check of them together. */
const PLAIN_RUN = 16;

function escapeNonAscii(ch: string): string {
  return "\\u" + ch.charCodeAt(0).toString(16).padStart(4, "0");
}

/** `bytes` as python-json-logger writes them: URL-safe base64. */
function base64Url(bytes: Uint8Array): string {
  return base64(bytes).replaceAll("+", "-").replaceAll("/", "_");
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/**
 * Python's `datetime.isoformat()` of an aware UTC datetime at `seconds` since the epoch (rounded
 * to the microsecond, half to even, as `datetime.fromtimestamp` does):
 * `2023-11-14T22:13:20.123000+00:00`, without the fraction when it is zero.
 *
 * @param seconds Seconds since the epoch.
 * @returns The ISO text.
 *
 * @example
 * ```ts
 * import { isoTimestamp } from "@x/loghandlers/extend";
 * console.assert(isoTimestamp(1700000000.5) === "2023-11-14T22:13:20.500000+00:00");
 * console.assert(isoTimestamp(1700000000) === "2023-11-14T22:13:20+00:00");
 * ```
 */
export function isoTimestamp(seconds: number): string {
  if (!Number.isFinite(seconds)) return String(seconds);
  let whole = Math.floor(seconds);
  const frac = (seconds - whole) * 1e6;
  let us = Math.round(frac);
  if (Math.abs(frac % 1) === 0.5 && us % 2 !== 0) us--; // half to even
  if (us >= 1e6) {
    whole += 1;
    us -= 1e6;
  }
  return isoFromParts(whole * 1000, us);
}

/** `ms` (whole seconds times 1000) and the microseconds as Python's isoformat. */
function isoFromParts(ms: number, us: number): string {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (!(year >= 1 && year <= 9999)) return d.toISOString();
  const s = `${pad(year, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${
    pad(d.getUTCHours(), 2)
  }:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}`;
  return (us === 0 ? s : `${s}.${pad(us, 6)}`) + "+00:00";
}

/** A `Date` as Python's isoformat of the same UTC instant. */
function dateText(date: Date): string {
  const t = date.getTime();
  if (t !== t) return "Invalid Date";
  const ms = ((t % 1000) + 1000) % 1000;
  return isoFromParts(t - ms, ms * 1000);
}

function safeText(value: unknown): string {
  try {
    return pyStr(value);
  } catch {
    try {
      return String(value);
    } catch {
      return "__could_not_encode__";
    }
  }
}

/** python-json-logger's `exception_default`: `"TypeError: bad input"`. */
function errorText(error: Error): string {
  let name: unknown;
  let message: unknown;
  try {
    name = error.name;
  } catch {
    name = undefined;
  }
  try {
    message = error.message;
  } catch {
    message = undefined;
  }
  if (typeof name !== "string" || name === "") {
    try {
      name = error.constructor?.name || "Error";
    } catch {
      name = "Error";
    }
  }
  return `${name}: ${message === undefined ? "" : safeText(message)}`;
}

function kindOf(value: object): string {
  if (Array.isArray(value)) return "Array";
  try {
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" ? name : "Object";
  } catch {
    return "Object";
  }
}

function thrownText(e: unknown): string {
  return e instanceof Error ? errorText(e) : safeText(e);
}

const TYPED_ARRAY = Object.getPrototypeOf(Int8Array);

/**
 * Writes JavaScript values as JSON the way Python's `json.dumps` lays them out, and never
 * throws, whatever the value: the safe JSON encoder of {@linkcode JSONFormatter} (and of any
 * handler that needs JSON).
 *
 * - strings, booleans, `null`, arrays and plain objects as JSON; numbers as Python prints its
 *   `int` and `float` (`3`, `0.1`, `1e-05`, `2e+21`, `-0.0`), `NaN`, `Infinity` and
 *   `-Infinity` as `json.dumps` writes them (its default `allow_nan=True`); bigints as digits;
 * - everything else goes to the `default` function when one is given, else to
 *   python-json-logger's encoding: a `Date` as Python's `isoformat()` of the same instant
 *   (`2023-11-14T22:13:20.123000+00:00`), an `Error` as `"TypeError: message"`, bytes
 *   (`Uint8Array`, `ArrayBuffer`, `DataView`) as URL-safe base64, other typed arrays and `Set`s
 *   as arrays, a `Map` as an object, an object with `toJSON` as what it returns, boxed
 *   primitives as their value, a class instance with own fields as an object of them (Python's
 *   dataclasses), and anything else (functions, symbols, `undefined`, promises) as its `str()`;
 * - a circular reference is written `"[Circular]"`, a value nested deeper than `maxDepth`
 *   `"[Depth limit: Object]"`, a property whose getter throws (or a Proxy whose traps throw)
 *   `"[Unreadable: TypeError: ...]"`, and output beyond `maxLength` is cut with a note saying
 *   so. An integer of more than 4300 digits is written as a string saying how many bits it has.
 *
 * @example
 * ```ts
 * import { JsonWriter } from "@x/loghandlers/extend";
 * const w = new JsonWriter();
 * const cyclic: Record<string, unknown> = { n: 1, f: 0.5, big: 10n ** 20n, when: new Date(0) };
 * cyclic.self = cyclic;
 * console.assert(w.stringify(cyclic) ===
 *   '{"n": 1, "f": 0.5, "big": 100000000000000000000, "when": "1970-01-01T00:00:00+00:00", "self": "[Circular]"}');
 * console.assert(w.stringify(["é", NaN]) === '["\\u00e9", NaN]');
 * ```
 */
export class JsonWriter {
  #indent: string | null;
  #ensureAscii: boolean;
  #default: ((value: unknown) => unknown) | null;
  #maxDepth: number;
  #maxLength: number;
  // State of one stringify call.
  #out = "";
  #budget = 0;
  #path: unknown[] = [];
  #keys = new Map<string, string>();
  /** The last keys by position in `stringifyEntries`, and their texts with the separator. */
  #keysAt: string[] = [];
  #keyTextsAt: string[] = [];
  /** What `#commonEntries` wrote when it stopped early: the text, its entries, where each began. */
  #common = "";
  #commonCount = 0;
  #marks: number[] = [];
  /**
   * Whether to check the strings one by one, as after a record whose strings were not all plain,
   * until `PLAIN_RUN` records in a row have only plain strings: records with quotes or accents,
   * all of them or mixed with plain ones, then cost no more than that check.
   */
  #checkEach = false;
  /** How many records in a row had only plain strings while `#checkEach` held. */
  #plainRun = 0;
  #busy = false;
  #options: JsonWriterOptions;

  /**
   * Creates a writer.
   *
   * @param options `indent`, `ensureAscii`, `default`, `maxDepth`, `maxLength`.
   */
  constructor(options: JsonWriterOptions = {}) {
    this.#options = { ...options };
    const indent = options.indent ?? null;
    this.#indent = indent === null
      ? null
      : typeof indent === "number"
      ? " ".repeat(Math.max(0, Math.min(Math.trunc(indent), 64)))
      : String(indent);
    this.#ensureAscii = options.ensureAscii ?? true;
    this.#default = options.default ?? null;
    this.#maxDepth = options.maxDepth ?? 32;
    this.#maxLength = options.maxLength ?? 1_048_576;
  }

  /**
   * Writes `value` as JSON.
   *
   * @param value Anything.
   * @param floatKeys Keys of a top-level object whose numbers are Python floats (`1.0`, not `1`).
   * @returns The JSON text.
   */
  stringify(value: unknown, floatKeys: ReadonlySet<string> | null = null): string {
    // A call from inside a call (a `default` function that logs) gets a writer of its own.
    if (this.#busy) return new JsonWriter(this.#options).stringify(value, floatKeys);
    this.#busy = true;
    this.#out = "";
    this.#budget = this.#maxLength;
    this.#path.length = 0;
    try {
      if (
        floatKeys !== null && typeof value === "object" && value !== null &&
        !Array.isArray(value) && isPlain(value)
      ) {
        this.#path.push(value);
        this.#object(value as Record<string, unknown>, 1, floatKeys);
      } else {
        this.#value(value, 0);
      }
      return this.#out;
    } catch (e) {
      // Only an engine limit can get here (out of memory building a string).
      return JSON.stringify(`[Unwritable: ${thrownText(e)}]`);
    } finally {
      this.#out = "";
      this.#path.length = 0;
      this.#busy = false;
    }
  }

  /**
   * Writes an object given as parallel arrays of keys and values (no key twice), without the
   * object: what a formatter that collects fields in order calls on its hot path.
   *
   * @param keys The keys, in order; only the first `count` are read.
   * @param values Their values.
   * @param count How many entries.
   * @param floatKeys Keys whose numbers are Python floats (`1.0`, not `1`).
   * @returns The JSON text of the object.
   */
  stringifyEntries(
    keys: readonly string[],
    values: readonly unknown[],
    count: number,
    floatKeys: ReadonlySet<string> | null = null,
  ): string {
    if (this.#busy) {
      return new JsonWriter(this.#options).stringifyEntries(keys, values, count, floatKeys);
    }
    if (this.#indent === null) {
      const text = this.#commonEntries(keys, values, count, floatKeys);
      if (text !== null) return text;
    }
    this.#busy = true;
    this.#out = "";
    this.#budget = this.#maxLength;
    this.#path.length = 0;
    try {
      const sep = this.#indent === null ? ", " : ",\n" + this.#indent;
      const first = this.#indent === null ? "" : "\n" + this.#indent;
      let i = 0;
      if (this.#indent === null) {
        // What #commonEntries wrote before the first value it leaves to the general path.
        i = this.#commonCount;
        this.#out = this.#common;
        this.#budget = this.#maxLength - this.#common.length;
        this.#common = "";
      } else {
        this.#write("{");
      }
      for (; i < count; i++) {
        this.#write(i === 0 ? first : sep);
        if (this.#budget <= 0) {
          this.#write(`"…": "[more keys cut]"`);
          break;
        }
        const key = keys[i];
        this.#write(this.#key(key));
        const value = values[i];
        if (floatKeys !== null && typeof value === "number" && floatKeys.has(key)) {
          this.#float(value);
        } else {
          this.#value(value, 1);
        }
      }
      this.#close("}", 1, count === 0);
      return this.#out;
    } catch (e) {
      return JSON.stringify(`[Unwritable: ${thrownText(e)}]`);
    } finally {
      this.#out = "";
      this.#path.length = 0;
      this.#busy = false;
    }
  }

  /**
   * The hot path of {@linkcode JsonWriter.stringifyEntries} on one line: writes the entries
   * whose values are common (a string of at most 64 plain characters, a finite number, `null`,
   * a boolean) and returns the object's text when they all are and it stays within
   * `maxLength`. Else it returns `null` and leaves in `#common` and `#commonCount` the text and
   * number of the entries before the first other value, for the general path to go on from
   * there: either way, the text is what the general path alone would write. The strings are
   * checked together, after the loop, with one regular expression per record instead of one per
   * string (`PLAIN` holds for a concatenation exactly when it holds for each part); when that
   * fails, they are checked one by one, to find where the general path takes over, and so are
   * those of the next records (see `#checkEach`).
   */
  #commonEntries(
    keys: readonly string[],
    values: readonly unknown[],
    count: number,
    floatKeys: ReadonlySet<string> | null,
  ): string | null {
    const limit = this.#maxLength;
    const marks = this.#marks;
    const each = this.#checkEach;
    let notPlain = false;
    let out = "{";
    let strings = "";
    let i = 0;
    for (; i < count && out.length < limit; i++) {
      const key = keys[i];
      const value = values[i];
      let text: string;
      if (typeof value === "string") {
        if (value.length > 64) break;
        if (!each) {
          strings += value;
        } else if (!PLAIN.test(value)) {
          notPlain = true;
          break;
        }
        text = '"' + value + '"';
      } else if (typeof value === "number") {
        if (isPyInt(value) && (floatKeys === null || !floatKeys.has(key))) text = "" + value;
        else if (value !== value || value === Infinity || value === -Infinity) break;
        else text = floatRepr(value);
      } else if (value === null) {
        text = "null";
      } else if (typeof value === "boolean") {
        text = value ? "true" : "false";
      } else {
        break;
      }
      marks[i] = out.length;
      out += this.#keyAt(i, key) + text;
    }
    if (each) {
      // Back to checking the strings together after a run of records whose strings were plain.
      this.#plainRun = notPlain ? 0 : this.#plainRun + 1;
      this.#checkEach = this.#plainRun < PLAIN_RUN;
    } else if (strings !== "" && !PLAIN.test(strings)) {
      this.#checkEach = true;
      this.#plainRun = 0;
      for (let j = 0; j < i; j++) {
        const value = values[j];
        if (typeof value === "string" && !PLAIN.test(value)) {
          out = out.slice(0, marks[j]);
          i = j;
          break;
        }
      }
    }
    if (i === count) return out + "}";
    this.#common = out;
    this.#commonCount = i;
    return null;
  }

  /**
   * The `i`-th key of an object with its separator (`"name": ` first, then `, "name": `),
   * cached by position: records repeat the same keys in the same order.
   */
  #keyAt(i: number, key: string): string {
    if (this.#keysAt[i] === key) return this.#keyTextsAt[i];
    const text = i === 0 ? this.#key(key) : ", " + this.#key(key);
    if (i < 64) {
      this.#keysAt[i] = key;
      this.#keyTextsAt[i] = text;
    }
    return text;
  }

  /**
   * A string as a JSON string literal, escaped as `json.dumps` escapes it.
   *
   * @param s The string.
   * @returns The quoted text.
   */
  quote(s: string): string {
    if (s.length <= 64 && PLAIN.test(s)) return '"' + s + '"';
    const q = JSON.stringify(s);
    if (!this.#ensureAscii || !NEEDS_ESCAPE.test(s)) return q;
    return q.replace(NON_ASCII, escapeNonAscii);
  }

  /** A key and its separator, `"name": `, cached: records repeat the same keys. */
  #key(key: string): string {
    let text = this.#keys.get(key);
    if (text === undefined) {
      text = this.quote(key) + ": ";
      if (this.#keys.size >= 4096) this.#keys.clear();
      this.#keys.set(key, text);
    }
    return text;
  }

  #write(text: string): void {
    this.#out += text;
    this.#budget -= text.length;
  }

  #string(s: string): void {
    if (s.length > this.#budget) {
      let keep = Math.max(0, this.#budget);
      const code = s.charCodeAt(keep - 1);
      if (keep > 0 && code >= 0xd800 && code <= 0xdbff) keep--;
      s = `${s.slice(0, keep)}…[cut ${s.length - keep} chars]`;
    }
    this.#write(this.quote(s));
  }

  #number(n: number): void {
    this.#write(isPyInt(n) ? "" + n : floatText(n));
  }

  /** A number as a Python float: `1.0`, `NaN`, `Infinity`. */
  #float(n: number): void {
    this.#write(floatText(n));
  }

  #value(value: unknown, depth: number): void {
    switch (typeof value) {
      case "string":
        return this.#string(value);
      case "number":
        return this.#number(value);
      case "boolean":
        return this.#write(value ? "true" : "false");
      case "bigint":
        return this.#bigint(value);
      case "object":
        if (value === null) return this.#write("null");
        return this.#container(value, depth);
      default:
        return this.#other(value, depth);
    }
  }

  #bigint(value: bigint): void {
    try {
      this.#write(pyIntStr(value));
    } catch {
      this.#string(`[int of ${value.toString(16).length * 4} bits: too long to write]`);
    }
  }

  #container(value: object, depth: number): void {
    const path = this.#path;
    if (path.includes(value)) return this.#write(CIRCULAR);
    if (depth >= this.#maxDepth) return this.#string(`[Depth limit: ${kindOf(value)}]`);
    path.push(value);
    const mark = this.#out.length;
    const budget = this.#budget;
    try {
      if (Array.isArray(value)) this.#array(value, depth + 1);
      else if (isPlain(value)) this.#object(value as Record<string, unknown>, depth + 1, null);
      else this.#other(value, depth);
    } catch (e) {
      // A Proxy whose traps throw, or a revoked one: what was written of it is replaced.
      this.#out = this.#out.slice(0, mark);
      this.#budget = budget;
      this.#string(`[Unreadable: ${thrownText(e)}]`);
    } finally {
      path.pop();
    }
  }

  #open(kind: "[" | "{", depth: number): string {
    this.#write(kind);
    return this.#indent === null ? ", " : ",\n" + this.#indent.repeat(depth);
  }

  #close(kind: "]" | "}", depth: number, empty: boolean): void {
    if (!empty && this.#indent !== null) this.#write("\n" + this.#indent.repeat(depth - 1));
    this.#write(kind);
  }

  #array(items: ArrayLike<unknown>, depth: number): void {
    const sep = this.#open("[", depth);
    const first = this.#indent === null ? "" : "\n" + this.#indent.repeat(depth);
    const n = items.length;
    for (let i = 0; i < n; i++) {
      this.#write(i === 0 ? first : sep);
      if (this.#budget <= 0) {
        this.#string(`[${n - i} more items cut]`);
        break;
      }
      this.#value(items[i], depth);
    }
    this.#close("]", depth, n === 0);
  }

  #iterable(items: Iterable<unknown>, depth: number): void {
    const sep = this.#open("[", depth);
    const first = this.#indent === null ? "" : "\n" + this.#indent.repeat(depth);
    let i = 0;
    for (const item of items) {
      this.#write(i++ === 0 ? first : sep);
      if (this.#budget <= 0) {
        this.#string("[more items cut]");
        break;
      }
      this.#value(item, depth);
    }
    this.#close("]", depth, i === 0);
  }

  #object(
    obj: Record<string, unknown>,
    depth: number,
    floatKeys: ReadonlySet<string> | null,
  ): void {
    const sep = this.#open("{", depth);
    const first = this.#indent === null ? "" : "\n" + this.#indent.repeat(depth);
    let i = 0;
    for (const key in obj) {
      if (!Object.hasOwn(obj, key)) continue;
      this.#write(i++ === 0 ? first : sep);
      if (this.#budget <= 0) {
        this.#write(`"…": "[more keys cut]"`);
        break;
      }
      this.#write(this.#key(key));
      let value: unknown;
      try {
        value = obj[key];
      } catch (e) {
        this.#string(`[Unreadable: ${thrownText(e)}]`);
        continue;
      }
      if (floatKeys !== null && typeof value === "number" && floatKeys.has(key)) {
        this.#float(value);
      } else {
        this.#value(value, depth);
      }
    }
    this.#close("}", depth, i === 0);
  }

  #entries(entries: Iterable<[unknown, unknown]>, depth: number): void {
    const sep = this.#open("{", depth);
    const first = this.#indent === null ? "" : "\n" + this.#indent.repeat(depth);
    let i = 0;
    for (const [key, value] of entries) {
      this.#write(i++ === 0 ? first : sep);
      if (this.#budget <= 0) {
        this.#write(`"…": "[more keys cut]"`);
        break;
      }
      this.#write(this.quote(keyText(key)) + ": ");
      this.#value(value, depth);
    }
    this.#close("}", depth, i === 0);
  }

  /** What JSON cannot hold: `default`, else python-json-logger's encoding. */
  #other(value: unknown, depth: number): void {
    const fn = this.#default;
    if (fn !== null) {
      let result: unknown;
      let ok = true;
      try {
        result = fn(value);
      } catch {
        ok = false;
      }
      if (ok && result !== value) {
        if (typeof result === "object" && result !== null) {
          return this.#container(result, depth + 1);
        }
        if (typeof result !== "function" && typeof result !== "symbol" && result !== undefined) {
          return this.#value(result, depth);
        }
      }
    }
    this.#builtin(value, depth);
  }

  #builtin(value: unknown, depth: number): void {
    if (typeof value !== "object" || value === null) {
      return this.#string(typeof value === "undefined" ? "undefined" : safeText(value));
    }
    const d = depth + 1;
    if (value instanceof Date) return this.#string(dateText(value));
    if (value instanceof Error) return this.#string(errorText(value));
    if (value instanceof Uint8Array) return this.#bytes(value);
    if (value instanceof ArrayBuffer) return this.#bytes(new Uint8Array(value));
    if (value instanceof DataView) {
      return this.#bytes(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
    }
    if (value instanceof TYPED_ARRAY) return this.#array(value as ArrayLike<unknown>, d);
    if (value instanceof Map) return this.#entries(value.entries(), d);
    if (value instanceof Set) return this.#iterable(value.values(), d);
    if (
      value instanceof Number || value instanceof String || value instanceof Boolean ||
      value instanceof BigInt
    ) {
      return this.#value(value.valueOf(), depth);
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === "function") {
      const result = toJSON.call(value);
      if (result !== value) return this.#value(result, d);
    }
    if (Object.keys(value).length > 0) {
      return this.#object(value as Record<string, unknown>, d, null);
    }
    this.#string(safeText(value));
  }

  #bytes(bytes: Uint8Array): void {
    if (bytes.length * 4 / 3 > this.#budget) {
      this.#string(`[${bytes.length} bytes cut]`);
    } else {
      this.#write(`"${base64Url(bytes)}"`);
    }
  }
}

/** A number as `json.dumps` writes a Python float: `1.0`, `1e-05`, `NaN`, `-Infinity`. */
function floatText(n: number): string {
  return n !== n
    ? "NaN"
    : n === Infinity
    ? "Infinity"
    : n === -Infinity
    ? "-Infinity"
    : floatRepr(n);
}

function isPlain(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** A `Map` key as Python's `json.dumps` turns a dict key into text. */
function keyText(key: unknown): string {
  switch (typeof key) {
    case "string":
      return key;
    case "number":
      return isPyInt(key) ? "" + key : floatText(key);
    case "boolean":
      return key ? "true" : "false";
    default:
      return key === null ? "null" : safeText(key);
  }
}
