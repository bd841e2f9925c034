/**
 * Python's format-spec mini-language (`format(value, spec)`), `str.format(**mapping)` and
 * `string.Template(...).substitute(mapping)` for JavaScript values, with CPython 3.13's results
 * and errors. They back the `{` and `$` styles of a Formatter; `{` and `$` formats are compiled
 * once and cached like `%` formats.
 *
 * JavaScript has one number type, so a number is an `int` when it is a safe integer other than
 * `-0` and the spec suits an integer, and a `float` otherwise: `format(2, ".1f")` and
 * `format(2, ".3")` format 2 as a float, as Python would format `2.0`, and `format(1e21, "d")` is
 * Python's `ValueError` for a float.
 *
 * @module
 */

import { AttributeError, IndexError, KeyError, OverflowError, ValueError } from "./errors.ts";
import {
  FLOAT_ADD_DOT_0,
  FLOAT_ALT,
  FLOAT_NO_NEG_0,
  floatRepr,
  formatFloat,
  repeatText,
} from "./float_format.ts";
import { getMappingItem } from "./percent.ts";
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

/** A compiled `{` or `$` format: call it with the mapping to get the formatted text. */
export type MappingFormatter = (mapping: object) => string;

/** One piece of a `{` format, as Python's `string.Formatter().parse()` yields it. */
export interface BraceChunk {
  /** Literal text before the field (`{{` and `}}` already unescaped). */
  literal: string;
  /** The field name (`a.b[0]`, `""` for `{}`), or `null` when no field follows the literal. */
  fieldName: string | null;
  /** The format spec (`""` when absent; nested `{}` are not expanded), `null` without a field. */
  formatSpec: string | null;
  /** The conversion character (`r`, `s`, `a`), or `null` when there is none. */
  conversion: string | null;
}

const CACHE_LIMIT = 500;
const SSIZE_MAX = 9223372036854775807n;
const C_LONG_MAX = SSIZE_MAX;
const INT_MAX = 2147483647;

// ---------------------------------------------------------------------------------------------
// The format-spec mini-language

/** A spec as parsed, before the value's type decides defaults and validity. */
interface Spec {
  text: string;
  fill: string | undefined;
  align: string;
  sign: string;
  z: boolean;
  alt: boolean;
  zero: boolean;
  width: number;
  grouping: string;
  precision: number;
  type: string;
  /** A ValueError message found while parsing, whatever the value's type. */
  error: string;
  /** More than one character was left for the type: "Invalid format specifier". */
  invalid: boolean;
}

const specCache = new Map<string, Spec>();

function isAlign(ch: string | undefined): boolean {
  return ch === "<" || ch === ">" || ch === "=" || ch === "^";
}

function readInteger(chars: string[], pos: number): { value: number; next: number; error: string } {
  let digits = "";
  while (pos < chars.length && chars[pos] >= "0" && chars[pos] <= "9") digits += chars[pos++];
  if (digits === "") return { value: -1, next: pos, error: "" };
  if (BigInt(digits) > SSIZE_MAX) {
    return { value: -1, next: pos, error: "Too many decimal digits in format string" };
  }
  return { value: Number(digits), next: pos, error: "" };
}

function parseSpec(text: string): Spec {
  const cached = specCache.get(text);
  if (cached !== undefined) return cached;
  const spec: Spec = {
    text,
    fill: undefined,
    align: "",
    sign: "",
    z: false,
    alt: false,
    zero: false,
    width: -1,
    grouping: "",
    precision: -1,
    type: "",
    error: "",
    invalid: false,
  };
  parseInto(spec, Array.from(text));
  if (specCache.size >= CACHE_LIMIT) specCache.delete(specCache.keys().next().value!);
  specCache.set(text, spec);
  return spec;
}

function parseInto(spec: Spec, chars: string[]): void {
  const end = chars.length;
  let pos = 0;
  if (end >= 2 && isAlign(chars[1])) {
    spec.fill = chars[0];
    spec.align = chars[1];
    pos = 2;
  } else if (end >= 1 && isAlign(chars[0])) {
    spec.align = chars[0];
    pos = 1;
  }
  if (pos < end && (chars[pos] === "+" || chars[pos] === "-" || chars[pos] === " ")) {
    spec.sign = chars[pos++];
  }
  if (pos < end && chars[pos] === "z") {
    spec.z = true;
    pos++;
  }
  if (pos < end && chars[pos] === "#") {
    spec.alt = true;
    pos++;
  }
  if (spec.fill === undefined && pos < end && chars[pos] === "0") {
    spec.zero = true;
    pos++;
  }
  const width = readInteger(chars, pos);
  if (width.error) {
    spec.error = width.error;
    return;
  }
  spec.width = width.value;
  pos = width.next;
  if (pos < end && chars[pos] === ",") {
    spec.grouping = ",";
    pos++;
  }
  if (pos < end && chars[pos] === "_") {
    if (spec.grouping !== "") {
      spec.error = "Cannot specify both ',' and '_'.";
      return;
    }
    spec.grouping = "_";
    pos++;
  }
  if (pos < end && chars[pos] === "," && spec.grouping === "_") {
    spec.error = "Cannot specify both ',' and '_'.";
    return;
  }
  if (pos < end && chars[pos] === ".") {
    pos++;
    const precision = readInteger(chars, pos);
    if (precision.error) {
      spec.error = precision.error;
      return;
    }
    if (precision.value < 0) {
      spec.error = "Format specifier missing precision";
      return;
    }
    spec.precision = precision.value;
    pos = precision.next;
  }
  if (end - pos > 1) {
    spec.invalid = true;
    return;
  }
  if (end - pos === 1) spec.type = chars[pos];
}

function codeText(ch: string): string {
  const cp = ch.codePointAt(0)!;
  return cp > 32 && cp < 128 ? ch : "\\x" + cp.toString(16);
}

/** Raises the parse errors of `spec` and checks grouping against the effective type. */
function check(spec: Spec, type: string, typeName: string): void {
  if (spec.error) throw new ValueError(spec.error);
  if (spec.invalid) {
    throw new ValueError(
      `Invalid format specifier '${spec.text}' for object of type '${typeName}'`,
    );
  }
  if (spec.grouping === "" || type === "" || "defgEG%F".includes(type)) return;
  if (spec.grouping === "_" && (type === "b" || type === "o" || type === "x" || type === "X")) {
    return;
  }
  throw new ValueError(`Cannot specify '${spec.grouping}' with '${codeText(type)}'.`);
}

function unknownCode(type: string, typeName: string): ValueError {
  return new ValueError(`Unknown format code '${codeText(type)}' for object of type '${typeName}'`);
}

function formatString(value: string, spec: Spec): string {
  const type = spec.type || "s";
  check(spec, type, "str");
  if (type !== "s") throw unknownCode(type, "str");
  if (spec.sign === " ") throw new ValueError("Space not allowed in string format specifier");
  if (spec.sign !== "") throw new ValueError("Sign not allowed in string format specifier");
  if (spec.z) {
    throw new ValueError("Negative zero coercion (z) not allowed in string format specifier");
  }
  if (spec.alt) {
    throw new ValueError("Alternate form (#) not allowed in string format specifier");
  }
  if (spec.align === "=") {
    throw new ValueError("'=' alignment not allowed in string format specifier");
  }
  let text = value;
  let len = codePointLength(text);
  if (spec.precision >= 0 && len > spec.precision) {
    text = codePointSlice(text, spec.precision);
    len = spec.precision;
  }
  if (spec.width <= len) return text;
  const fill = spec.fill ?? (spec.zero ? "0" : " ");
  const total = spec.width - len;
  const left = spec.align === ">" ? total : spec.align === "^" ? Math.floor(total / 2) : 0;
  return repeatText(fill, left) + text + repeatText(fill, total - left);
}

/** Groups `digits` from the right, padding with zeros up to `minWidth` (CPython's algorithm). */
function group(digits: string, minWidth: number, size: number, sep: string): string {
  if (size === 0) return repeatText("0", minWidth - digits.length) + digits;
  const parts: string[] = [];
  let remaining = digits.length;
  let width = Math.max(0, minWidth);
  for (;;) {
    const len = Math.min(size, Math.max(remaining, width, 1));
    const take = Math.min(remaining, len);
    parts.push("0".repeat(len - take) + digits.slice(remaining - take, remaining));
    remaining -= take;
    width -= len;
    if (remaining <= 0 && width <= 0) break;
    width -= sep.length;
    if (remaining <= 0) {
      // Only zeros are left: the loop would add `full` groups of `size` zeros, then a leading
      // group of at least one. Built at once, so that a huge width costs its length only.
      const step = size + sep.length;
      const full = Math.max(0, Math.ceil((width - size) / step));
      let head = repeatText("0", Math.max(width - full * step, 1));
      if (full > 0) head += repeatText(sep + "0".repeat(size), full);
      parts.push(head);
      break;
    }
  }
  return parts.reverse().join(sep);
}

/** Lays a number out: padding, sign, prefix, grouped digits, decimal point and the rest. */
function layoutNumber(
  spec: Spec,
  negative: boolean,
  prefix: string,
  digits: string,
  decimal: boolean,
  rest: string,
  groupSize: number,
): string {
  const fill = spec.fill ?? (spec.zero ? "0" : " ");
  const align = spec.align || (spec.zero && spec.fill === undefined ? "=" : ">");
  const sign = negative ? "-" : spec.sign === "+" ? "+" : spec.sign === " " ? " " : "";
  const fixed = sign.length + prefix.length + (decimal ? 1 : 0) + codePointLength(rest);
  const minWidth = fill === "0" && align === "=" ? spec.width - fixed : 0;
  const sep = spec.grouping;
  const grouped = digits === "" ? "" : group(digits, minWidth, sep === "" ? 0 : groupSize, sep);
  const padding = spec.width - fixed - grouped.length;
  let left = 0;
  let inner = 0;
  let right = 0;
  if (padding > 0) {
    if (align === "<") right = padding;
    else if (align === "^") {
      left = Math.floor(padding / 2);
      right = padding - left;
    } else if (align === "=") inner = padding;
    else left = padding;
  }
  return repeatText(fill, left) + sign + prefix + repeatText(fill, inner) + grouped +
    (decimal ? "." : "") + rest + repeatText(fill, right);
}

function formatInteger(value: number | bigint, spec: Spec, typeName: string): string {
  const type = spec.type || "d";
  check(spec, type, typeName);
  if ("eEfFgG%".includes(type)) return formatFloatSpec(integerToFloat(value), spec, typeName);
  if (!"bcdoxXn".includes(type)) throw unknownCode(type, typeName);
  if (spec.precision >= 0) {
    throw new ValueError("Precision not allowed in integer format specifier");
  }
  if (spec.z) {
    throw new ValueError("Negative zero coercion (z) not allowed in integer format specifier");
  }
  if (type === "c") {
    if (spec.sign !== "") {
      throw new ValueError("Sign not allowed with integer format specifier 'c'");
    }
    if (spec.alt) {
      throw new ValueError("Alternate form (#) not allowed with integer format specifier 'c'");
    }
    if (typeof value === "bigint" && (value > C_LONG_MAX || value < -C_LONG_MAX - 1n)) {
      throw new OverflowError("Python int too large to convert to C long");
    }
    if (value < 0 || value > 0x10ffff) throw new OverflowError("%c arg not in range(0x110000)");
    return layoutNumber(spec, false, "", "", false, String.fromCodePoint(Number(value)), 3);
  }
  const base = type === "b" ? 2 : type === "o" ? 8 : type === "x" || type === "X" ? 16 : 10;
  const negative = value < 0;
  const abs = negative ? -value : value;
  // Decimal conversion of a huge int is refused, as CPython does; other bases are not limited.
  let digits = base === 10 && typeof abs === "bigint" ? pyIntStr(abs) : abs.toString(base);
  let prefix = "";
  if (spec.alt && base !== 10) prefix = type === "b" ? "0b" : type === "o" ? "0o" : "0x";
  if (type === "X") {
    digits = digits.toUpperCase();
    prefix = prefix.toUpperCase();
  }
  return layoutNumber(spec, negative, prefix, digits, false, "", base === 10 ? 3 : 4);
}

function integerToFloat(value: number | bigint): number {
  const x = Number(value);
  if (x === Infinity || x === -Infinity) {
    throw new OverflowError("int too large to convert to float");
  }
  return x;
}

function formatFloatSpec(value: number, spec: Spec, typeName: string): string {
  const type = spec.type;
  check(spec, type, typeName);
  if (type !== "" && !"eEfFgGn%".includes(type)) throw unknownCode(type, typeName);
  if (spec.precision > INT_MAX) throw new ValueError("precision too big");
  let flags = (spec.alt ? FLOAT_ALT : 0) | (spec.z ? FLOAT_NO_NEG_0 : 0);
  let kind = type;
  let precision = spec.precision;
  let fallback = 6;
  if (kind === "") {
    flags |= FLOAT_ADD_DOT_0;
    kind = "r";
    fallback = 0;
  }
  if (kind === "n") kind = "g";
  let x = value;
  let percent = false;
  if (kind === "%") {
    kind = "f";
    x *= 100;
    percent = true;
  }
  if (precision < 0) precision = fallback;
  else if (kind === "r") kind = "g";
  let text = formatFloat(x, kind, precision, flags);
  if (percent) text += "%";
  const negative = text[0] === "-";
  if (negative) text = text.slice(1);
  let i = 0;
  while (i < text.length && text[i] >= "0" && text[i] <= "9") i++;
  const decimal = text[i] === ".";
  const rest = text.slice(decimal ? i + 1 : i);
  return layoutNumber(spec, negative, "", text.slice(0, i), decimal, rest, 3);
}

/**
 * Python's `format(value, spec)`: the format-spec mini-language
 * `[[fill]align][sign][z][#][0][width][grouping][.precision][type]` for strings (type `s`),
 * integers (`b c d o x X n`, and the float types), floats (`e E f F g G n %` and none) and,
 * with an empty spec, any value (its {@linkcode pyStr}).
 *
 * Numbers that are safe integers format as Python's `int` when the spec suits an integer (no
 * precision, an integer type or none), and as `float` otherwise. Booleans format as `int` when
 * the spec is not empty; bigints always format as `int`.
 *
 * @param value The value.
 * @param spec The format spec.
 * @returns The formatted text.
 * @throws {ValueError} For a spec the value's type rejects, with Python's message, such as
 *   `Unknown format code 'd' for object of type 'str'`, or a decimal presentation of an integer
 *   of more than 4300 digits (CPython's `sys.int_max_str_digits` limit).
 * @throws {TypeError} For a non-empty spec with a value that is not a string, number, bigint or
 *   boolean (`unsupported format string passed to NoneType.__format__`).
 * @throws {OverflowError} For `c` outside `range(0x110000)`.
 * @throws {RangeError} When a width or precision asks for a text longer than a JavaScript string
 *   can hold (CPython builds it); any other width or precision costs only the text's length.
 *
 * @example
 * ```ts
 * import { formatValue } from "@x/loghandlers/extend";
 * console.assert(formatValue("INFO", "<8") === "INFO    ");
 * console.assert(formatValue(1234567, ",") === "1,234,567");
 * console.assert(formatValue(3.14159, "08.3f") === "0003.142");
 * console.assert(formatValue(255, "#06x") === "0x00ff");
 * console.assert(formatValue(0.25, ".0%") === "25%");
 * ```
 */
export function formatValue(value: unknown, spec: string): string {
  if (spec === "") return pyStr(value);
  return formatWith(value, parseSpec(spec));
}

/**
 * Whether a number formats as Python's `int` (else as `float`) under `spec`: an `int` by
 * {@linkcode isPyInt}, unless the spec asks for a precision without a type.
 */
function integral(value: number, spec: Spec): boolean {
  if (!isPyInt(value)) return false;
  const type = spec.type;
  if (type !== "" && "bcdoxX".includes(type)) return true;
  const floatOnly = (type === "" || type === "n") && spec.precision >= 0;
  return !floatOnly || spec.error !== "" || spec.invalid;
}

function formatWith(value: unknown, spec: Spec): string {
  switch (typeof value) {
    case "string":
      return formatString(value, spec);
    case "bigint":
      return formatInteger(value, spec, "int");
    case "boolean":
      return formatInteger(value ? 1 : 0, spec, "bool");
    case "number": {
      if (integral(value, spec)) return formatInteger(value, spec, "int");
      return formatFloatSpec(value, spec, "float");
    }
  }
  throw new TypeError(`unsupported format string passed to ${pyTypeName(value)}.__format__`);
}

// ---------------------------------------------------------------------------------------------
// str.format(**mapping)

type Step = (value: unknown) => unknown;

interface Field {
  name: string;
  key: string;
  /** The positional index when the field is numbered or empty (always an IndexError here). */
  position: number;
  /** A ValueError from splitting the name, raised before the lookup. */
  splitError: string;
  steps: Step[];
  /** A ValueError from the rest of the name, raised after `steps`. */
  stepError: string;
  conversion: string;
  spec: Spec | undefined;
  specText: string;
  /** The pieces of a spec with nested fields, expanded per call. */
  nested: Piece[] | undefined;
  /** The field is a mapping key that holds a Python float: a number formats as a float. */
  float: boolean;
}

type Piece = string | Field | { error: string };

const braceCache = new Map<string, MappingFormatter>();
const templateCache = new Map<string, MappingFormatter>();

function remember<T>(cache: Map<string, T>, key: string, value: T): T {
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(key, value);
  return value;
}

/** Reads one code point at `i`. */
function charAt(s: string, i: number): string {
  const cp = s.codePointAt(i);
  return cp === undefined ? "" : cp > 0xffff ? s.slice(i, i + 2) : s[i];
}

interface Markup {
  literal: string;
  field?: { name: string; conversion: string; spec: string; expand: boolean };
  error?: string;
}

/** Python's MarkupIterator: splits a `{` format into literal text and fields, up to an error. */
function markup(fmt: string): Markup[] {
  const out: Markup[] = [];
  const n = fmt.length;
  let i = 0;
  let literal = "";
  while (i < n) {
    let j = i;
    while (j < n && fmt[j] !== "{" && fmt[j] !== "}") j++;
    literal += fmt.slice(i, j);
    if (j >= n) {
      i = n;
      break;
    }
    const c = fmt[j];
    i = j + 1;
    if (c === "}") {
      if (fmt[i] !== "}") {
        out.push({ literal, error: "Single '}' encountered in format string" });
        return out;
      }
      out.push({ literal: literal + "}" });
      literal = "";
      i++;
      continue;
    }
    if (i >= n) {
      out.push({ literal, error: "Single '{' encountered in format string" });
      return out;
    }
    if (fmt[i] === "{") {
      out.push({ literal: literal + "{" });
      literal = "";
      i++;
      continue;
    }
    const parsed = parseField(fmt, i);
    if ("error" in parsed) {
      out.push({ literal, error: parsed.error });
      return out;
    }
    out.push({ literal, field: parsed.field });
    literal = "";
    i = parsed.next;
  }
  if (literal !== "") out.push({ literal });
  return out;
}

function parseField(
  fmt: string,
  i: number,
): { field: NonNullable<Markup["field"]>; next: number } | { error: string } {
  const n = fmt.length;
  const start = i;
  let c = "";
  while (i < n) {
    c = fmt[i++];
    if (c === "{") return { error: "unexpected '{' in field name" };
    if (c === "[") {
      while (i < n && fmt[i] !== "]") i++;
      continue;
    }
    if (c === "}" || c === ":" || c === "!") break;
  }
  const name = fmt.slice(start, i - 1);
  if (c !== "!" && c !== ":") {
    if (c !== "}") return { error: "expected '}' before end of string" };
    return { field: { name, conversion: "", spec: "", expand: false }, next: i };
  }
  let conversion = "";
  if (c === "!") {
    if (i >= n) return { error: "end of string while looking for conversion specifier" };
    conversion = charAt(fmt, i);
    i += conversion.length;
    if (i < n) {
      const d = fmt[i++];
      if (d === "}") return { field: { name, conversion, spec: "", expand: false }, next: i };
      if (d !== ":") return { error: "expected ':' after conversion specifier" };
    }
  }
  const specStart = i;
  let depth = 1;
  let expand = false;
  while (i < n) {
    const d = fmt[i++];
    if (d === "{") {
      expand = true;
      depth++;
    } else if (d === "}" && --depth === 0) {
      return { field: { name, conversion, spec: fmt.slice(specStart, i - 1), expand }, next: i };
    }
  }
  return { error: "unmatched '{' in format spec" };
}

function compilePieces(fmt: string, depth: number): Piece[] {
  if (depth <= 0) return [{ error: "Max string recursion exceeded" }];
  const pieces: Piece[] = [];
  for (const m of markup(fmt)) {
    if (m.literal !== "") pieces.push(m.literal);
    if (m.error !== undefined) pieces.push({ error: m.error });
    else if (m.field !== undefined) pieces.push(compileField(m.field, depth));
  }
  return pieces;
}

function compileField(f: NonNullable<Markup["field"]>, depth: number): Field {
  const name = f.name;
  let i = 0;
  while (i < name.length && name[i] !== "." && name[i] !== "[") i++;
  const key = name.slice(0, i);
  const field: Field = {
    name,
    key,
    position: -1,
    splitError: "",
    steps: [],
    stepError: "",
    conversion: f.conversion,
    spec: undefined,
    specText: f.spec,
    nested: undefined,
    float: false,
  };
  if (key === "") field.position = 0;
  else if (/^[0-9]+$/.test(key)) {
    if (BigInt(key) > SSIZE_MAX) field.splitError = "Too many decimal digits in format string";
    else field.position = Number(key);
  }
  while (i < name.length) {
    const c = name[i++];
    if (c === ".") {
      const from = i;
      while (i < name.length && name[i] !== "." && name[i] !== "[") i++;
      const attr = name.slice(from, i);
      if (attr === "") {
        field.stepError = "Empty attribute in format string";
        break;
      }
      field.steps.push(attributeStep(attr));
    } else if (c === "[") {
      const close = name.indexOf("]", i);
      if (close < 0) {
        field.stepError = "Missing ']' in format string";
        break;
      }
      const item = name.slice(i, close);
      i = close + 1;
      if (/^[0-9]+$/.test(item) && BigInt(item) > SSIZE_MAX) {
        field.stepError = "Too many decimal digits in format string";
        break;
      }
      if (item === "") {
        field.stepError = "Empty attribute in format string";
        break;
      }
      field.steps.push(/^[0-9]+$/.test(item) ? indexStep(Number(item)) : itemStep(item));
    } else {
      field.stepError = "Only '.' or '[' may follow ']' in format field specifier";
      break;
    }
  }
  if (f.expand) field.nested = compilePieces(f.spec, depth - 1);
  else if (f.spec !== "") field.spec = parseSpec(f.spec);
  return field;
}

function attributeStep(attr: string): Step {
  return (value) => {
    if (value !== null && value !== undefined) {
      const o = Object(value) as Record<string, unknown>;
      if (attr in o) return o[attr];
    }
    throw new AttributeError(`'${pyTypeName(value)}' object has no attribute '${attr}'`);
  };
}

function notSubscriptable(value: unknown): TypeError {
  return new TypeError(`'${pyTypeName(value)}' object is not subscriptable`);
}

function indexStep(index: number): Step {
  return (value) => {
    if (Array.isArray(value)) {
      if (index < value.length) return value[index];
      throw new IndexError("list index out of range");
    }
    if (typeof value === "string") {
      const chars = Array.from(value);
      if (index < chars.length) return chars[index];
      throw new IndexError("string index out of range");
    }
    if (value instanceof Map) {
      if (value.has(index)) return value.get(index);
      if (value.has(String(index))) return value.get(String(index));
      throw new KeyError(String(index));
    }
    if (typeof value === "object" && value !== null) {
      if (String(index) in value) return (value as Record<string, unknown>)[index];
      throw new KeyError(String(index));
    }
    throw notSubscriptable(value);
  };
}

function itemStep(key: string): Step {
  return (value) => {
    if (Array.isArray(value)) {
      throw new TypeError("list indices must be integers or slices, not str");
    }
    if (typeof value === "string") {
      throw new TypeError("string indices must be integers, not 'str'");
    }
    if (typeof value === "object" && value !== null) return getMappingItem(value, key);
    throw notSubscriptable(value);
  };
}

function convert(value: unknown, conversion: string): unknown {
  switch (conversion) {
    case "r":
      return pyRepr(value);
    case "s":
      return pyStr(value);
    case "a":
      return pyAscii(value);
  }
  const cp = conversion.codePointAt(0)!;
  const shown = cp > 32 && cp < 127 ? conversion : "\\x" + cp.toString(16);
  throw new ValueError(`Unknown conversion specifier ${shown}`);
}

function render(pieces: Piece[], mapping: object): string {
  let out = "";
  for (const piece of pieces) {
    if (typeof piece === "string") {
      out += piece;
      continue;
    }
    if ("error" in piece) throw new ValueError(piece.error);
    out += renderField(piece, mapping);
  }
  return out;
}

function renderField(field: Field, mapping: object): string {
  if (field.splitError) throw new ValueError(field.splitError);
  if (field.position >= 0) {
    throw new IndexError(
      `Replacement index ${field.position} out of range for positional args tuple`,
    );
  }
  let value = getMappingItem(mapping, field.key);
  for (const step of field.steps) value = step(value);
  if (field.stepError) throw new ValueError(field.stepError);
  if (field.float && typeof value === "number") {
    if (field.conversion === "") {
      if (field.nested !== undefined) {
        return formatAsFloat(value, parseSpec(render(field.nested, mapping)));
      }
      return formatAsFloat(value, field.spec);
    }
    // repr(), str() and ascii() of a float are one text.
    value = "rsa".includes(field.conversion) ? floatRepr(value) : convert(value, field.conversion);
  } else if (field.conversion !== "") value = convert(value, field.conversion);
  if (field.nested !== undefined) return formatValue(value, render(field.nested, mapping));
  if (field.spec === undefined) return typeof value === "string" ? value : pyStr(value);
  return formatWith(value, field.spec);
}

/**
 * Python's `fmt.format(**mapping)`: replaces `{name}` fields with values from the mapping,
 * with attribute and index access (`{a.b}`, `{a[0]}`, `{a[key]}`), conversions (`!r`, `!s`,
 * `!a`), format specs ({@linkcode formatValue}) that may hold nested fields (`{x:{width}}`), and
 * `{{`/`}}` for literal braces. The mapping may be a plain object, a `Map` or a class instance.
 * Formats are compiled once and cached.
 *
 * @param fmt The format string.
 * @param mapping Where the fields are looked up.
 * @returns The formatted text.
 * @throws {KeyError} For a field missing from the mapping (`'user'`).
 * @throws {ValueError} For a malformed format, with Python's message (`Single '}' encountered
 *   in format string`), or a spec the value rejects.
 * @throws {IndexError} For a positional field (`{}` or `{0}`): there are no positional arguments.
 * @throws {AttributeError} For `{a.b}` when `a` has no property `b`.
 * @throws {TypeError} For a value that cannot be indexed or formatted as asked.
 *
 * @example
 * ```ts
 * import { braceFormat } from "@x/loghandlers/extend";
 * const line = braceFormat("{levelname:<8} {message!r}", { levelname: "INFO", message: "up" });
 * console.assert(line === "INFO     'up'");
 * console.assert(braceFormat("{user[name]} {{ok}}", { user: { name: "ann" } }) === "ann {ok}");
 * ```
 */
export function braceFormat(fmt: string, mapping: object): string {
  return (braceCache.get(fmt) ?? compileBrace(fmt))(mapping);
}

/** A number formatted as a Python float: `str()` without a spec, else `format(float, spec)`. */
function formatAsFloat(value: number, spec: Spec | undefined): string {
  return spec === undefined || spec.text === ""
    ? floatRepr(value)
    : formatFloatSpec(value, spec, "float");
}

/**
 * Compiles a `{` format once (see {@linkcode braceFormat}) and returns the function that applies
 * it. Compiled formats are cached; a malformed format throws when applied, as Python does.
 *
 * @param fmt The format string.
 * @param floats Mapping keys whose values are Python floats (a record's `created`, `msecs`,
 *   `relativeCreated`): a number there formats as a float whatever its value (`{msecs}` of `647`
 *   is `647.0`, `{msecs:d}` is Python's `ValueError`). Such a format is not cached.
 * @returns A function from the mapping to the text.
 */
export function compileBrace(fmt: string, floats?: ReadonlySet<string>): MappingFormatter {
  const typed = floats !== undefined && floats.size > 0;
  const cached = typed ? undefined : braceCache.get(fmt);
  if (cached !== undefined) return cached;
  const pieces = compilePieces(fmt, 2);
  if (typed) {
    for (const p of pieces) {
      if (typeof p !== "string" && !("error" in p) && p.steps.length === 0) {
        p.float = floats.has(p.key);
      }
    }
  }
  let compiled: MappingFormatter;
  if (pieces.every((p) => typeof p === "string" || isPlainField(p))) {
    const literals: string[] = [];
    const fields: Field[] = [];
    let text = "";
    for (const p of pieces) {
      if (typeof p === "string") text += p;
      else {
        literals.push(text);
        text = "";
        fields.push(p as Field);
      }
    }
    literals.push(text);
    const keys = fields.map((f) => f.key);
    const specs = fields.map((f) => f.spec);
    const float = fields.map((f) => f.float);
    compiled = (mapping) => {
      let out = literals[0];
      for (let k = 0; k < keys.length; k++) {
        const value = getMappingItem(mapping, keys[k]);
        const spec = specs[k];
        out += (float[k] && typeof value === "number"
          ? formatAsFloat(value, spec)
          : spec === undefined
          ? typeof value === "string" ? value : pyStr(value)
          : formatWith(value, spec)) + literals[k + 1];
      }
      return out;
    };
  } else {
    compiled = (mapping) => render(pieces, mapping);
  }
  return typed ? compiled : remember(braceCache, fmt, compiled);
}

function isPlainField(p: Piece): boolean {
  if (typeof p === "string" || "error" in p) return false;
  return p.position < 0 && !p.splitError && p.steps.length === 0 && !p.stepError &&
    p.conversion === "" && p.nested === undefined;
}

/**
 * Python's `string.Formatter().parse(fmt)`: the literal text, field name, format spec and
 * conversion of each replacement field, without looking anything up.
 *
 * @param fmt The format string.
 * @returns The chunks, in order.
 * @throws {ValueError} For a malformed format, with Python's message.
 */
export function braceParse(fmt: string): BraceChunk[] {
  return markup(fmt).map((m) => {
    if (m.error !== undefined) throw new ValueError(m.error);
    const f = m.field;
    return {
      literal: m.literal,
      fieldName: f ? f.name : null,
      formatSpec: f ? f.spec : null,
      conversion: f && f.conversion !== "" ? f.conversion : null,
    };
  });
}

/**
 * The field names of a `{` format, in order and with repeats, as Python's
 * `string.Formatter().parse()` yields them: the whole name (`a.b[0]`), `""` for `{}`. Fields
 * nested in format specs are not included.
 *
 * @param fmt The format string.
 * @returns The field names.
 * @throws {ValueError} For a malformed format, with Python's message.
 */
export function braceFieldNames(fmt: string): string[] {
  const names: string[] = [];
  for (const chunk of braceParse(fmt)) {
    if (chunk.fieldName !== null) names.push(chunk.fieldName);
  }
  return names;
}

// ---------------------------------------------------------------------------------------------
// string.Template

function isIdStart(c: string): boolean {
  return (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || c === "_";
}

function isIdChar(c: string): boolean {
  return isIdStart(c) || (c >= "0" && c <= "9");
}

interface TemplateMatch {
  /** Text before the placeholder. */
  literal: string;
  kind: "escaped" | "named" | "invalid";
  name: string;
  /** For invalid placeholders: the index (UTF-16) just after the `$`. */
  at: number;
}

function templateMatches(fmt: string): { matches: TemplateMatch[]; tail: string } {
  const matches: TemplateMatch[] = [];
  let i = 0;
  let from = 0;
  const n = fmt.length;
  while (i < n) {
    const dollar = fmt.indexOf("$", i);
    if (dollar < 0) break;
    const literal = fmt.slice(from, dollar);
    let j = dollar + 1;
    const c = fmt[j] ?? "";
    if (c === "$") {
      matches.push({ literal, kind: "escaped", name: "", at: j });
      j++;
    } else if (isIdStart(c)) {
      let k = j + 1;
      while (k < n && isIdChar(fmt[k])) k++;
      matches.push({ literal, kind: "named", name: fmt.slice(j, k), at: j });
      j = k;
    } else {
      let k = j + 1;
      if (c === "{" && k < n && isIdStart(fmt[k])) {
        k++;
        while (k < n && isIdChar(fmt[k])) k++;
      }
      if (c === "{" && k > j + 1 && fmt[k] === "}") {
        matches.push({ literal, kind: "named", name: fmt.slice(j + 1, k), at: j });
        j = k + 1;
      } else {
        matches.push({ literal, kind: "invalid", name: "", at: j });
      }
    }
    i = j;
    from = j;
  }
  return { matches, tail: fmt.slice(from) };
}

const lineBreaks = new Set([
  "\n",
  "\r",
  "\v",
  "\f",
  "\x1c",
  "\x1d",
  "\x1e",
  "\x85",
  "\u2028",
  "\u2029",
]);

/** Python's line and column (in code points) of index `at`, as `Template._invalid` counts them. */
function lineAndColumn(fmt: string, at: number): [number, number] {
  let line = 1;
  let column = 0;
  const chars = Array.from(fmt.slice(0, at));
  for (let k = 0; k < chars.length; k++) {
    const c = chars[k];
    column++;
    if (lineBreaks.has(c) && !(c === "\r" && chars[k + 1] === "\n")) {
      if (k + 1 < chars.length) {
        line++;
        column = 0;
      }
    }
  }
  return [line, column];
}

/**
 * Python's `string.Template(fmt).substitute(mapping)`: replaces `$name` and `${name}` with the
 * mapping's values (printed with {@linkcode pyStr}); `$$` is a literal `$`. Identifiers are
 * ASCII letters, digits and `_`, not starting with a digit. The mapping may be a plain object, a
 * `Map` or a class instance. Templates are compiled once and cached.
 *
 * @param fmt The template.
 * @param mapping Where the names are looked up.
 * @returns The text.
 * @throws {KeyError} For a name missing from the mapping (`'user'`).
 * @throws {ValueError} For a `$` not followed by a name, `{name}` or `$`:
 *   `Invalid placeholder in string: line 1, col 5`.
 *
 * @example
 * ```ts
 * import { templateSubstitute } from "@x/loghandlers/extend";
 * const text = templateSubstitute("$levelname: ${message} costs $$5", {
 *   levelname: "INFO",
 *   message: "up",
 * });
 * console.assert(text === "INFO: up costs $5");
 * ```
 */
export function templateSubstitute(fmt: string, mapping: object): string {
  return (templateCache.get(fmt) ?? compileTemplate(fmt))(mapping);
}

/**
 * Compiles a `string.Template` once (see {@linkcode templateSubstitute}) and returns the function
 * that applies it. Compiled templates are cached.
 *
 * @param fmt The template.
 * @param floats Mapping keys whose values are Python floats: a number there prints as a float
 *   (`$msecs` of `647` is `647.0`). Such a template is not cached.
 * @returns A function from the mapping to the text.
 */
export function compileTemplate(fmt: string, floats?: ReadonlySet<string>): MappingFormatter {
  const typed = floats !== undefined && floats.size > 0;
  let compiled = typed ? undefined : templateCache.get(fmt);
  if (compiled === undefined) {
    const { matches, tail } = templateMatches(fmt);
    const pieces: (string | { name: string; float: boolean } | { error: string })[] = [];
    for (const m of matches) {
      if (m.kind === "escaped") {
        pieces.push(m.literal + "$");
        continue;
      }
      if (m.literal !== "") pieces.push(m.literal);
      if (m.kind === "named") pieces.push({ name: m.name, float: typed && floats.has(m.name) });
      else {
        const [line, column] = lineAndColumn(fmt, m.at);
        pieces.push({ error: `Invalid placeholder in string: line ${line}, col ${column}` });
        break;
      }
    }
    pieces.push(tail);
    compiled = (map: object) => {
      let out = "";
      for (const p of pieces) {
        if (typeof p === "string") out += p;
        else if ("name" in p) {
          const value = getMappingItem(map, p.name);
          out += p.float && typeof value === "number" ? floatRepr(value) : pyStr(value);
        } else throw new ValueError(p.error);
      }
      return out;
    };
    if (!typed) remember(templateCache, fmt, compiled);
  }
  return compiled;
}

/**
 * The identifiers of a `string.Template`, in order of first appearance and without repeats,
 * like Python's `Template.get_identifiers()`. Invalid placeholders are skipped, not reported.
 *
 * @param fmt The template.
 * @returns The names used as `$name` or `${name}`.
 */
export function templateFieldNames(fmt: string): string[] {
  const names: string[] = [];
  for (const m of templateMatches(fmt).matches) {
    if (m.kind === "named" && !names.includes(m.name)) names.push(m.name);
  }
  return names;
}
