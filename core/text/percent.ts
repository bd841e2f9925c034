/**
 * Python's `%` string formatting (`format % args`, printf-style) for JavaScript values, with
 * CPython 3.13's results and errors. Each format string is parsed once into a compiled function
 * and cached, so formatting a log message costs a few string concatenations.
 *
 * @module
 */

import { KeyError, OverflowError, ValueError } from "./errors.ts";
import { FLOAT_ALT, floatRepr, formatFloat, repeatText } from "./float_format.ts";
import {
  codePointLength,
  codePointSlice,
  isPyInt,
  pyAscii,
  pyIntStr,
  pyRepr,
  pyStr,
  pyTypeName,
} from "./pystr.ts";

/** A compiled `%` format: call it with the arguments to get the formatted text. */
export type PercentFormatter = (args: unknown) => string;

const F_LJUST = 1;
const F_SIGN = 2;
const F_BLANK = 4;
const F_ALT = 8;
const F_ZERO = 16;
const NONE = -1;
const STAR = -2;
const CONVERSIONS = "diouxXeEfFgGcrsa";
const CACHE_LIMIT = 500;
const SSIZE_MAX = 9223372036854775807n;
const INT_MAX = 2147483647;
const SAFE_LIMIT = 2 ** 53;
const objectKeys = new Set(Object.getOwnPropertyNames(Object.prototype));

// When a conversion's error is raised, relative to the arguments it consumes.
/** No error. */
const OK = 0;
/** Before the mapping lookup (`incomplete format key`). */
const AT_KEY = 1;
/** After the lookup, before a `*` width (`width too big`). */
const AT_WIDTH = 2;
/** After a `*` width, before a `*` precision (`precision too big`). */
const AT_PRECISION = 3;
/** After both `*`s, before the value (`incomplete format`). */
const AT_VALUE = 4;
/** After the value is taken (unsupported conversion character). */
const AT_CONVERSION = 5;

/** One conversion specifier, as parsed. */
interface Spec {
  /** The `%(key)` mapping key, if any. */
  key: string | undefined;
  /** The key names an `Object.prototype` member: look it up without inherited members. */
  careful: boolean;
  /** A sum of the `F_*` flags. */
  flags: number;
  /** The width, `NONE`, or `STAR` when it comes from the arguments. */
  width: number;
  /** The precision, `NONE`, or `STAR` when it comes from the arguments. */
  prec: number;
  /** The conversion character. */
  conv: string;
  /** Python's ValueError message when the spec is malformed. */
  error: string;
  /** When that error is raised (`AT_*`), or `OK`. */
  stage: number;
  /** The mapping key holds a Python float: a number prints as one (`647.0`), never as an int. */
  float: boolean;
  /** Renders one value, for specs whose width and precision are fixed. */
  render: (value: unknown) => string;
}

type Piece = string | Spec;

const cache = new Map<string, PercentFormatter>();
/** {@linkcode percentArgCount}'s results, bounded like the compiled formats. */
const argCounts = new Map<string, number>();

/**
 * Python's `format % args`: printf-style formatting with Python's rules and errors.
 *
 * `args` is the tuple when it is an array, and a single value otherwise; `%(key)s` looks `key`
 * up in `args`, which may then be any non-array object: a plain object, a `Map`, or a class
 * instance such as a `LogRecord` (its properties, own or inherited). Supported: flags `#0- +`,
 * width and precision (also `*`), length modifiers `h l L` (ignored), conversions
 * `d i o u x X e E f F g G c r s a %`. `%s` prints with {@linkcode pyStr}, `%r` with
 * {@linkcode pyRepr}, `%a` with {@linkcode pyAscii}; `%d` accepts numbers (truncated like
 * `int()`), bigints and booleans; float conversions round exactly as CPython does.
 *
 * @param format The format string.
 * @param args The arguments: an array (tuple), a mapping, or one value.
 * @returns The formatted text.
 * @throws {TypeError} When arguments and conversions do not match, with Python's message, such
 *   as `not enough arguments for format string` or `%d format: a real number is required, not
 *   str`.
 * @throws {ValueError} For a malformed format, such as `incomplete format` or
 *   `unsupported format character 'z' (0x7a) at index 3`, or a decimal conversion (`%d %s %r`)
 *   of an integer of more than 4300 digits (CPython's `sys.int_max_str_digits` limit).
 * @throws {KeyError} When a `%(key)s` key is missing from the mapping.
 * @throws {OverflowError} For out-of-range values, such as `%c` above `0x10FFFF`.
 * @throws {RangeError} When a width or precision asks for a text longer than a JavaScript string
 *   can hold (CPython builds it); any other width or precision costs only the text's length.
 *
 * @example
 * ```ts
 * import { percentFormat } from "@x/loghandlers/extend";
 * console.assert(percentFormat("request %d handled", [7]) === "request 7 handled");
 * console.assert(percentFormat("%-5s|%05.1f", ["ab", 3.14159]) === "ab   |003.1");
 * console.assert(percentFormat("%(user)s has %(n)d%%", { user: "ann", n: 3 }) === "ann has 3%");
 * console.assert(percentFormat("%.0f %.0f", [0.5, 1.5]) === "0 2");
 * ```
 */
export function percentFormat(format: string, args: unknown): string {
  return (cache.get(format) ?? compilePercent(format))(args);
}

/**
 * Parses a `%` format once and returns the function that applies it, so a caller can hold it.
 * Compiled formats are also kept in a bounded cache shared with {@linkcode percentFormat}.
 *
 * A malformed format does not throw here: the compiled function throws Python's error when it
 * reaches the faulty conversion, after the conversions before it, as Python does.
 *
 * @param format The format string.
 * @param floats Mapping keys whose values are Python floats (a record's `created`, `msecs`,
 *   `relativeCreated`), and positions of positional arguments that are (`"1"` for the second):
 *   a number there prints as a float whatever its value (`%(msecs)s` of `647` is `647.0`,
 *   `%(msecs)x` is Python's `TypeError`). Such a format is not cached.
 * @returns A function from the arguments (as for {@linkcode percentFormat}) to the text.
 */
export function compilePercent(format: string, floats?: ReadonlySet<string>): PercentFormatter {
  if (floats !== undefined && floats.size > 0) return build(parse(format, floats));
  let compiled = cache.get(format);
  if (compiled !== undefined) return compiled;
  compiled = build(parse(format));
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(format, compiled);
  return compiled;
}

/**
 * How many positional arguments `format` consumes: one per conversion plus one per `*` width or
 * precision, or 1 when it uses `%(key)` mappings (the mapping itself).
 *
 * @param format A `%`-style format.
 * @returns The number of arguments the format takes.
 */
export function percentArgCount(format: string): number {
  let count = argCounts.get(format);
  if (count !== undefined) return count;
  count = 0;
  for (const piece of parse(format)) {
    if (typeof piece === "string") continue;
    if (piece.key !== undefined) {
      count = 1;
      break;
    }
    count += 1 + (piece.width === STAR ? 1 : 0) + (piece.prec === STAR ? 1 : 0);
  }
  if (argCounts.size >= CACHE_LIMIT) argCounts.delete(argCounts.keys().next().value!);
  argCounts.set(format, count);
  return count;
}

/**
 * Python's `mapping[key]` for the mappings `%(key)s`, `{key}` and `$key` accept: a `Map` (its
 * entries), or any other object (its properties, own or inherited, but not those every object
 * inherits from `Object.prototype`).
 *
 * @param mapping The mapping.
 * @param key The key.
 * @returns The value, which may be `undefined` when the property exists with that value.
 * @throws {KeyError} When there is no such key, with Python's message (`'key'`).
 */
export function getMappingItem(mapping: object, key: string): unknown {
  return lookup(mapping, key, objectKeys.has(key));
}

function lookup(mapping: object, key: string, careful: boolean): unknown {
  if (mapping instanceof Map) {
    if (mapping.has(key)) return mapping.get(key);
  } else if (!careful) {
    const value = (mapping as Record<string, unknown>)[key];
    if (value !== undefined || key in mapping) return value;
  } else {
    for (let o: object | null = mapping; o !== null; o = Object.getPrototypeOf(o)) {
      if (o === Object.prototype) break;
      if (Object.hasOwn(o, key)) return (mapping as Record<string, unknown>)[key];
    }
  }
  throw new KeyError(pyRepr(key));
}

// ---------------------------------------------------------------------------------------------
// Parsing

function isDigit(ch: string): boolean {
  return ch >= "0" && ch <= "9";
}

function newSpec(key: string | undefined): Spec {
  return {
    key,
    careful: key !== undefined && objectKeys.has(key),
    flags: 0,
    width: NONE,
    prec: NONE,
    conv: "",
    error: "",
    stage: OK,
    float: false,
    render: unreachable,
  };
}

function unreachable(): string {
  throw new Error("unreachable");
}

function failed(spec: Spec, stage: number, message: string): Spec {
  spec.stage = stage;
  spec.error = message;
  return spec;
}

/**
 * Parses the format into literal text and conversion specs; parsing stops at a faulty spec.
 * `floats` names the mapping keys, and the positions of positional arguments (`"1"`), whose
 * numbers are Python floats.
 */
function parse(format: string, floats?: ReadonlySet<string>): Piece[] {
  const pieces: Piece[] = [];
  const n = format.length;
  let literal = "";
  let i = 0;
  let position = 0;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, pct);
    i = pct + 1;
    if (format[i] === "%") {
      literal += "%";
      i++;
      continue;
    }
    pieces.push(literal);
    literal = "";
    const result = parseSpec(format, i, floats);
    const spec = result.spec;
    if (spec.key === undefined) {
      if (spec.width === STAR) position++;
      if (spec.prec === STAR) position++;
      if (floats !== undefined && floats.has(String(position)) && spec.conv !== "") {
        spec.float = true;
        if (spec.width !== STAR && spec.prec !== STAR) {
          spec.render = renderer(spec.conv, spec.flags, spec.width, spec.prec, true);
        }
      }
      position++;
    }
    pieces.push(spec);
    if (result.spec.stage !== OK && result.spec.stage !== AT_CONVERSION) return pieces;
    i = result.next;
  }
  pieces.push(literal);
  return pieces;
}

function parseSpec(
  format: string,
  i: number,
  floats: ReadonlySet<string> | undefined,
): { spec: Spec; next: number } {
  const n = format.length;
  let key: string | undefined;
  if (format[i] === "(") {
    let depth = 1;
    let j = i + 1;
    while (j < n && depth > 0) {
      const c = format[j++];
      if (c === ")") depth--;
      else if (c === "(") depth++;
    }
    if (depth > 0) return { spec: failed(newSpec(""), AT_KEY, "incomplete format key"), next: n };
    key = format.slice(i + 1, j - 1);
    i = j;
  }
  const spec = newSpec(key);
  if (floats !== undefined && key !== undefined) spec.float = floats.has(key);
  const incomplete = () => ({ spec: failed(spec, AT_VALUE, "incomplete format"), next: n });
  let ch = "";
  /** The digits from `ch` on; `ch` is then the character after them (`null`: the format ended). */
  const readDigits = (): string | null => {
    let digits = ch;
    for (;;) {
      if (i >= n) return null;
      ch = format[i++];
      if (!isDigit(ch)) return digits;
      digits += ch;
    }
  };
  for (;;) {
    if (i >= n) return incomplete();
    ch = format[i++];
    if (ch === "-") spec.flags |= F_LJUST;
    else if (ch === "+") spec.flags |= F_SIGN;
    else if (ch === " ") spec.flags |= F_BLANK;
    else if (ch === "#") spec.flags |= F_ALT;
    else if (ch === "0") spec.flags |= F_ZERO;
    else break;
  }
  if (ch === "*") {
    spec.width = STAR;
    if (i >= n) return incomplete();
    ch = format[i++];
  } else if (isDigit(ch)) {
    const digits = readDigits();
    if (digits === null) return incomplete();
    const width = BigInt(digits);
    if (width > SSIZE_MAX) return { spec: failed(spec, AT_WIDTH, "width too big"), next: n };
    spec.width = Number(width);
  }
  if (ch === ".") {
    spec.prec = 0;
    if (i >= n) return incomplete();
    ch = format[i++];
    if (ch === "*") {
      spec.prec = STAR;
      if (i >= n) return incomplete();
      ch = format[i++];
    } else if (isDigit(ch)) {
      const digits = readDigits();
      if (digits === null) return incomplete();
      const prec = Number(digits);
      if (prec > INT_MAX) {
        return { spec: failed(spec, AT_PRECISION, "precision too big"), next: n };
      }
      spec.prec = prec;
    }
  }
  if (ch === "h" || ch === "l" || ch === "L") {
    if (i >= n) return incomplete();
    ch = format[i++];
  }
  const at = i - 1;
  const cp = format.codePointAt(at)!;
  if (cp > 0xffff) i++;
  if (!CONVERSIONS.includes(ch)) {
    const shown = cp >= 31 && cp <= 126 ? ch : "?";
    const index = codePointLength(format, at);
    const message = `unsupported format character '${shown}' (0x${
      cp.toString(16)
    }) at index ${index}`;
    return { spec: failed(spec, AT_CONVERSION, message), next: i };
  }
  spec.conv = ch;
  if (spec.width !== STAR && spec.prec !== STAR) {
    spec.render = renderer(ch, spec.flags, spec.width, spec.prec, spec.float);
  }
  return { spec, next: i };
}

// ---------------------------------------------------------------------------------------------
// Compiled functions

function build(pieces: Piece[]): PercentFormatter {
  const literals: string[] = [];
  const specs: Spec[] = [];
  for (const piece of pieces) {
    if (typeof piece === "string") literals.push(piece);
    else specs.push(piece);
  }
  const simple = specs.every((s) => s.stage === OK && s.width !== STAR && s.prec !== STAR);
  const generic = (args: unknown) => run(pieces, args);
  if (!simple || literals.length !== specs.length + 1) return generic;
  const renders = specs.map((s) => s.render);
  const count = specs.length;
  if (specs.every((s) => s.key === undefined)) {
    return positional(literals, renders, count, generic);
  }
  if (specs.every((s) => s.key !== undefined)) {
    const keys = specs.map((s) => s.key!);
    const careful = specs.map((s) => s.careful);
    if (careful.some(Boolean)) {
      return (args) => {
        if (typeof args !== "object" || args === null || Array.isArray(args)) return generic(args);
        let out = literals[0];
        for (let k = 0; k < count; k++) {
          out += renders[k](lookup(args, keys[k], careful[k])) + literals[k + 1];
        }
        return out;
      };
    }
    return (args) => {
      if (typeof args !== "object" || args === null || Array.isArray(args)) return generic(args);
      if (args instanceof Map) return run(pieces, args);
      const record = args as Record<string, unknown>;
      let out = literals[0];
      for (let k = 0; k < count; k++) {
        const key = keys[k];
        const value = record[key];
        if (value === undefined && !(key in record)) throw new KeyError(pyRepr(key));
        out += renders[k](value) + literals[k + 1];
      }
      return out;
    };
  }
  return generic;
}

function positional(
  literals: string[],
  renders: ((value: unknown) => string)[],
  count: number,
  generic: PercentFormatter,
): PercentFormatter {
  const [head, middle] = literals;
  if (count === 0) {
    return (args) => {
      if (Array.isArray(args) ? args.length === 0 : typeof args === "object" && args !== null) {
        return head;
      }
      return generic(args);
    };
  }
  if (count === 1) {
    const render = renders[0];
    return (args) => {
      if (!Array.isArray(args)) return head + render(args) + middle;
      return args.length === 1 ? head + render(args[0]) + middle : generic(args);
    };
  }
  return (args) => {
    if (!Array.isArray(args) || args.length !== count) return generic(args);
    let out = head;
    for (let k = 0; k < count; k++) out += renders[k](args[k]) + literals[k + 1];
    return out;
  };
}

/** The general interpreter: Python's argument-consumption state machine, with its errors. */
function run(pieces: Piece[], args: unknown): string {
  const tuple = Array.isArray(args);
  const dict = !tuple && typeof args === "object" && args !== null ? args : null;
  let current: unknown = args;
  let length = tuple ? (args as unknown[]).length : -1;
  let index = tuple ? 0 : -2;
  const next = (): unknown => {
    if (index < length) {
      const i = index++;
      return length < 0 ? current : (current as unknown[])[i];
    }
    throw new TypeError("not enough arguments for format string");
  };
  let out = "";
  for (const piece of pieces) {
    if (typeof piece === "string") {
      out += piece;
      continue;
    }
    const spec = piece;
    if (spec.key !== undefined) {
      if (dict === null) throw new TypeError("format requires a mapping");
      if (spec.stage === AT_KEY) throw new ValueError(spec.error);
      current = lookup(dict, spec.key, spec.careful);
      length = -1;
      index = -2;
    }
    if (spec.stage === AT_WIDTH) throw new ValueError(spec.error);
    let flags = spec.flags;
    let width = spec.width;
    if (width === STAR) {
      width = starValue(next(), true);
      if (width < 0) {
        flags |= F_LJUST;
        width = -width;
      }
    }
    if (spec.stage === AT_PRECISION) throw new ValueError(spec.error);
    let prec = spec.prec;
    if (prec === STAR) {
      prec = starValue(next(), false);
      if (prec < 0) prec = 0;
    }
    if (spec.stage === AT_VALUE) throw new ValueError(spec.error);
    const value = next();
    if (spec.stage === AT_CONVERSION) throw new ValueError(spec.error);
    out += spec.width === STAR || spec.prec === STAR
      ? convert(spec.conv, flags, width, prec, value, spec.float)
      : spec.render(value);
  }
  if (index < length && dict === null) {
    throw new TypeError("not all arguments converted during string formatting");
  }
  return out;
}

function starValue(value: unknown, isWidth: boolean): number {
  let n: number | bigint;
  if (typeof value === "number" && isPyInt(value)) n = value;
  else if (typeof value === "bigint") n = value;
  else if (typeof value === "boolean") n = value ? 1 : 0;
  else throw new TypeError("* wants int");
  const limit = isWidth ? 2 ** 63 : 2 ** 31;
  if (n >= limit || n < -limit) {
    throw new OverflowError(`Python int too large to convert to C ${isWidth ? "ssize_t" : "int"}`);
  }
  return Number(n);
}

// ---------------------------------------------------------------------------------------------
// Conversions

/**
 * Returns the fastest function that renders one value for a spec whose width/prec are fixed;
 * `float`: a number is a Python float.
 */
function renderer(
  conv: string,
  flags: number,
  width: number,
  prec: number,
  float: boolean,
): (value: unknown) => string {
  // A float differs from an int only where it prints as itself, or where Python refuses it.
  if (float && "sraoxXc".includes(conv)) {
    if (flags === 0 && width === NONE && prec === NONE && (conv === "s" || conv === "r")) {
      return (v) => typeof v === "number" ? floatRepr(v) : conv === "s" ? pyStr(v) : pyRepr(v);
    }
    return (v) => convert(conv, flags, width, prec, v, true);
  }
  if (flags === 0 && width === NONE && prec === NONE) {
    switch (conv) {
      case "s":
        return (v) => typeof v === "string" ? v : pyStr(v);
      case "r":
        return pyRepr;
      case "a":
        return pyAscii;
      case "d":
      case "i":
      case "u":
        // int() of a number within 2**53 (a float's fraction dropped, -0 is 0): its digits.
        return (v) =>
          typeof v === "number" && v > -SAFE_LIMIT && v < SAFE_LIMIT
            ? "" + Math.trunc(v)
            : convert(conv, 0, NONE, NONE, v);
    }
  }
  if (conv === "f" && flags === 0 && width === NONE) {
    const digits = prec === NONE ? 6 : prec;
    return (v) =>
      typeof v === "number" ? formatFloat(v, "f", digits, 0) : convert(conv, 0, NONE, prec, v);
  }
  return (v) => convert(conv, flags, width, prec, v);
}

function convert(
  conv: string,
  flags: number,
  width: number,
  prec: number,
  value: unknown,
  float = false,
): string {
  if (float && typeof value === "number" && (conv === "s" || conv === "r" || conv === "a")) {
    return pad(floatRepr(value), conv, flags, width, prec, false);
  }
  switch (conv) {
    case "s":
      return pad(pyStr(value), conv, flags, width, prec, false);
    case "r":
      return pad(pyRepr(value), conv, flags, width, prec, false);
    case "a":
      return pad(pyAscii(value), conv, flags, width, prec, false);
    case "c":
      return pad(toChar(value, float), conv, flags, width, prec, false);
    case "d":
    case "i":
    case "u":
    case "o":
    case "x":
    case "X":
      return pad(
        formatInteger(conv, value, (flags & F_ALT) !== 0, prec, float),
        conv,
        flags,
        width,
        prec,
        true,
      );
    default: {
      const text = formatFloat(
        toFloat(value),
        conv,
        prec < 0 ? 6 : prec,
        flags & F_ALT ? FLOAT_ALT : 0,
      );
      return pad(text, conv, flags, width, prec, true);
    }
  }
}

/** Python's `int` of a `%d`-style argument; `float`: a number is a Python float. */
function toInteger(conv: string, value: unknown, float: boolean): number | bigint {
  const indexOnly = conv === "o" || conv === "x" || conv === "X";
  switch (typeof value) {
    case "number": {
      if (!float && isPyInt(value)) return value;
      if (indexOnly) throw new TypeError(`%${conv} format: an integer is required, not float`);
      if (value !== value) throw new ValueError("cannot convert float NaN to integer");
      if (value === Infinity || value === -Infinity) {
        throw new OverflowError("cannot convert float infinity to integer");
      }
      const truncated = Math.trunc(value);
      return Number.isSafeInteger(truncated) ? truncated : BigInt(truncated);
    }
    case "bigint":
      return value;
    case "boolean":
      return value ? 1 : 0;
  }
  const required = indexOnly ? "an integer" : "a real number";
  throw new TypeError(`%${conv} format: ${required} is required, not ${pyTypeName(value)}`);
}

function formatInteger(
  conv: string,
  value: unknown,
  alt: boolean,
  prec: number,
  float: boolean,
): string {
  const n = toInteger(conv, value, float);
  const negative = n < 0;
  const abs = negative ? -n : n;
  const base = conv === "o" ? 8 : conv === "x" || conv === "X" ? 16 : 10;
  // Decimal conversion of a huge int is refused, as CPython does; other bases are not limited.
  let digits = base === 10 && typeof abs === "bigint" ? pyIntStr(abs) : abs.toString(base);
  if (prec > digits.length) digits = repeatText("0", prec - digits.length) + digits;
  let prefix = "";
  if (conv === "X") {
    digits = digits.toUpperCase();
    if (alt) prefix = "0X";
  } else if (alt && base !== 10) {
    prefix = conv === "o" ? "0o" : "0x";
  }
  return (negative ? "-" : "") + prefix + digits;
}

function toFloat(value: unknown): number {
  switch (typeof value) {
    case "number":
      return value;
    case "boolean":
      return value ? 1 : 0;
    case "bigint": {
      const x = Number(value);
      if (x === Infinity || x === -Infinity) {
        throw new OverflowError("int too large to convert to float");
      }
      return x;
    }
  }
  throw new TypeError(`must be real number, not ${pyTypeName(value)}`);
}

function toChar(value: unknown, float: boolean): string {
  let code: number | bigint;
  switch (typeof value) {
    case "string":
      if (value.length === 1 || (value.length === 2 && value.codePointAt(0)! > 0xffff)) {
        return value;
      }
      throw new TypeError("%c requires int or char");
    case "number":
      if (float || !isPyInt(value)) throw new TypeError("%c requires int or char");
      code = value;
      break;
    case "bigint":
      code = value;
      break;
    case "boolean":
      code = value ? 1 : 0;
      break;
    default:
      throw new TypeError("%c requires int or char");
  }
  if (code < 0 || code > 0x10ffff) throw new OverflowError("%c arg not in range(0x110000)");
  return String.fromCodePoint(Number(code));
}

/** Applies sign flags, width and (for `s r a`) precision, as CPython's `%` output step does. */
function pad(
  text: string,
  conv: string,
  flags: number,
  width: number,
  prec: number,
  numeric: boolean,
): string {
  if (width < 0 && prec < 0 && (flags & (F_SIGN | F_BLANK)) === 0) return text;
  let len = codePointLength(text);
  if ((width < 0 || width <= len) && (prec < 0 || prec >= len) && !(flags & (F_SIGN | F_BLANK))) {
    return text;
  }
  if (prec >= 0 && len > prec && (conv === "s" || conv === "r" || conv === "a")) {
    text = codePointSlice(text, prec);
    len = prec;
  }
  const fill = numeric && (flags & F_ZERO) !== 0 ? "0" : " ";
  let sign = "";
  let body = text;
  if (numeric) {
    if (text[0] === "-" || text[0] === "+") {
      sign = text[0];
      body = text.slice(1);
      len--;
    } else if (flags & F_SIGN) sign = "+";
    else if (flags & F_BLANK) sign = " ";
  }
  if (width < len) width = len;
  let out = "";
  if (sign !== "") {
    if (fill !== " ") out += sign;
    if (width > len) width--;
  }
  let prefix = "";
  if ((flags & F_ALT) !== 0 && (conv === "x" || conv === "X" || conv === "o")) {
    prefix = body.slice(0, 2);
    body = body.slice(2);
    if (fill !== " ") out += prefix;
    width -= 2;
    if (width < 0) width = 0;
    len -= 2;
  }
  if (width > len && !(flags & F_LJUST)) {
    out += repeatText(fill, width - len);
    width = len;
  }
  if (fill === " ") out += sign + prefix;
  out += body;
  if (width > len) out += repeatText(" ", width - len);
  return out;
}
