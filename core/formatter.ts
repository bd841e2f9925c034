/**
 * Python's `logging.Formatter` and `logging.BufferingFormatter`: turn a {@linkcode LogRecord}
 * into text with a `%`-, `{`- or `$`-style format, exactly as CPython 3.13 does.
 *
 * @module
 */

import { KeyError, ValueError } from "./text/errors.ts";
import { compileBrace, compileTemplate } from "./text/format_spec.ts";
import { compilePercent, type PercentFormatter } from "./text/percent.ts";
import { pyStr } from "./text/pystr.ts";
import type { LogRecord } from "./record.ts";
import { cachedStrftime, gmtime, localtime, strftime, type TimeStruct } from "./text/strftime.ts";
import {
  any,
  boolean,
  checkOption,
  checkOptions,
  nullable,
  object,
  type OptionRules,
  string,
} from "./text/options.ts";

const FORMATTER_RULES: OptionRules = {
  datefmt: nullable(string()),
  style: any(), // Python's own ValueError below
  validate: boolean(),
  defaults: nullable(object()),
};

/** The three format styles: `%(name)s`, `{name}` and `${name}`. */
export type FormatStyle = "%" | "{" | "$";

/** Options of {@linkcode Formatter}; Python's keyword arguments. */
export interface FormatterOptions {
  /**
   * The `strftime` format of `asctime`; when empty, `"%Y-%m-%d %H:%M:%S"` followed by
   * `",msecs"` (see {@linkcode Formatter.defaultTimeFormat}).
   *
   * @default {null}
   */
  datefmt?: string | null;
  /**
   * How `fmt` names record attributes: `"%"` (`%(message)s`), `"{"` (`{message}`, with
   * `str.format` specs) or `"$"` (`${message}`, `string.Template`).
   *
   * @default {"%"}
   */
  style?: FormatStyle;
  /**
   * Whether to check at construction that `fmt` is well formed for its style and names at
   * least one field; a bad format throws a `ValueError` then rather than at the first record.
   *
   * @default {true}
   */
  validate?: boolean;
  /**
   * Values for fields that a record lacks, e.g. `{ user: "-" }` for `%(user)s`. Record
   * attributes take precedence.
   *
   * @default {null}
   */
  defaults?: Readonly<Record<string, unknown>> | null;
}

const DEFAULT_FORMATS: Readonly<Record<FormatStyle, string>> = {
  "%": "%(message)s",
  "{": "{message}",
  "$": "${message}",
};

// Python's validation patterns. \w is Unicode-aware in Python: letters, numbers and "_".
// Python's `$` also matches before a final "\n", hence the `\n?$`.
const PERCENT_FIELD = /%\([\p{L}\p{N}_]+\)[#0+ -]*(\*|\p{Nd}+)?(\.(\*|\p{Nd}+))?[diouxefgcrsa%]/iu;
const BRACE_FIELD_NAME = /^(\p{Nd}+|[\p{L}\p{N}_]+)(\.[\p{L}\p{N}_]+|\[[^\]]+\])*\n?$/u;
const BRACE_FORMAT_SPEC =
  /^([^\n]?[<>=^])?[+ -]?#?0?(\p{Nd}+|\{[\p{L}\p{N}_]+\})?[,_]?(\.(\p{Nd}+|\{[\p{L}\p{N}_]+\}))?[bcdefgnosx%]?\n?$/iu;
const TEMPLATE_PLACEHOLDER = /\$(?:(\$)|([_a-z][_a-z0-9]*)|\{([_a-z][_a-z0-9]*)\}|())/gi;

interface BraceField {
  name: string;
  conversion: string | null;
  spec: string;
}

/**
 * The fields of a `str.format` string, one at a time, as Python's `string.Formatter().parse`
 * finds them, with its error messages (a malformed part throws only when reached).
 */
function* braceFields(fmt: string): Generator<BraceField> {
  const n = fmt.length;
  let pos = 0;
  while (pos < n) {
    let c = "";
    let markup = false;
    while (pos < n) {
      c = fmt[pos++];
      if (c === "{" || c === "}") {
        markup = true;
        break;
      }
    }
    const atEnd = pos >= n;
    if (c === "}" && markup && (atEnd || fmt[pos] !== "}")) {
      throw new ValueError("Single '}' encountered in format string");
    }
    if (atEnd && c === "{" && markup) {
      throw new ValueError("Single '{' encountered in format string");
    }
    if (!markup) break;
    if (fmt[pos] === c) {
      pos++; // an escaped brace
      continue;
    }
    // A field: its name runs to '}', ':' or '!' ("[...]" may hold any of them).
    const start = pos;
    c = "";
    while (pos < n) {
      c = fmt[pos++];
      if (c === "{") throw new ValueError("unexpected '{' in field name");
      if (c === "[") {
        while (pos < n && fmt[pos] !== "]") pos++;
        continue;
      }
      if (c === "}" || c === ":" || c === "!") break;
    }
    const name = fmt.slice(start, pos - 1);
    let conversion: string | null = null;
    let spec = "";
    if (c === "!" || c === ":") {
      let closed = false;
      if (c === "!") {
        if (pos >= n) throw new ValueError("end of string while looking for conversion specifier");
        conversion = fmt[pos++];
        if (pos < n) {
          const next = fmt[pos++];
          if (next === "}") closed = true;
          else if (next !== ":") throw new ValueError("expected ':' after conversion specifier");
        }
      }
      if (!closed) {
        const specStart = pos;
        let depth = 1;
        while (pos < n && depth > 0) {
          const s = fmt[pos++];
          if (s === "{") depth++;
          else if (s === "}") depth--;
        }
        if (depth > 0) throw new ValueError("unmatched '{' in format spec");
        spec = fmt.slice(specStart, pos - 1);
      }
    } else if (c !== "}") {
      throw new ValueError("expected '}' before end of string");
    }
    yield { name, conversion, spec };
  }
}

/** CPython 3.13's `PercentStyle/StrFormatStyle/StringTemplateStyle.validate()`. */
function validate(style: FormatStyle, fmt: string): void {
  if (style === "%") {
    if (!PERCENT_FIELD.test(fmt)) throw new ValueError(`Invalid format '${fmt}' for '%' style`);
    return;
  }
  let fields = 0;
  if (style === "{") {
    try {
      for (const { name, conversion, spec } of braceFields(fmt)) {
        if (name) {
          if (!BRACE_FIELD_NAME.test(name)) {
            throw new ValueError(`invalid field name/expression: ${quote(name)}`);
          }
          fields++;
        }
        if (conversion && !"rsa".includes(conversion)) {
          throw new ValueError(`invalid conversion: ${quote(conversion)}`);
        }
        if (spec && !BRACE_FORMAT_SPEC.test(spec)) {
          throw new ValueError(`bad specifier: ${quote(spec)}`);
        }
      }
    } catch (e) {
      if (e instanceof ValueError) throw new ValueError(`invalid format: ${e.message}`);
      throw e;
    }
  } else {
    for (const m of fmt.matchAll(TEMPLATE_PLACEHOLDER)) {
      if (m[2] !== undefined || m[3] !== undefined) fields++;
      else if (m[0] === "$") throw new ValueError("invalid format: bare '$' not allowed");
    }
  }
  if (fields === 0) throw new ValueError("invalid format: no fields");
}

/** Python's `repr` of a string, as the validation messages show it. */
function quote(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += "\\x" + code.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + q;
}

function usesTimeOf(style: FormatStyle, fmt: string): boolean {
  if (style === "%") return fmt.includes("%(asctime)");
  if (style === "{") return fmt.includes("{asctime");
  return fmt.includes("$asctime") || fmt.includes("${asctime}");
}

type Mapping = Readonly<Record<string, unknown>>;

/**
 * The record's attributes that are Python floats: a number there prints as a float
 * (`%(msecs)s` is `647.0`, as in CPython), whatever its value.
 */
const RECORD_FLOATS: ReadonlySet<string> = new Set(["created", "msecs", "relativeCreated"]);
/** `default_msec_format % (s, record.msecs)`: the second argument is a float. */
const MSEC_FLOATS: ReadonlySet<string> = new Set(["1"]);

/** The style's formatting function, chosen once: Python's `XxxStyle._format`. */
function styleFunction(style: FormatStyle, fmt: string): (values: Mapping) => string {
  if (style === "%") return compilePercent(fmt, RECORD_FLOATS);
  if (style === "{") return compileBrace(fmt, RECORD_FLOATS);
  return compileTemplate(fmt, RECORD_FLOATS);
}

/** Python's `PercentStyle.format`: a missing field is a ValueError naming it. */
function notFound(e: unknown): unknown {
  return e instanceof KeyError
    ? new ValueError(`Formatting field not found in record: ${e.message}`)
    : e;
}

/** A whole number from 0 to 999 in three digits. Internal: not exported by the package. */
export function pad3(n: number): string {
  return n < 10 ? "00" + n : n < 100 ? "0" + n : String(n);
}

/**
 * Converts a {@linkcode LogRecord} to text, like Python's `logging.Formatter`.
 *
 * The format names record attributes (`%(asctime)s %(levelname)s %(name)s %(message)s`) in one
 * of three styles. {@linkcode Formatter.format} sets `record.message`, sets `record.asctime` when
 * the format uses it, appends the formatted error (`exc_info`, cached in `exc_text`) and the
 * stack (`stack_info`) on lines of their own.
 *
 * Like Python's class attributes, {@linkcode Formatter.converter},
 * {@linkcode Formatter.defaultTimeFormat} and {@linkcode Formatter.defaultMsecFormat} live on
 * the prototype: set them on an instance for one formatter, or on `Formatter.prototype` for all
 * (`Formatter.prototype.converter = gmtime` is Python's `Formatter.converter = time.gmtime`).
 *
 * The record's `created`, `msecs` and `relativeCreated` are Python floats and print as floats in
 * every style, as in CPython: `%(msecs)s` and `{msecs}` give `647.0`, `%(msecs)03d` gives `647`,
 * and `{msecs:d}` is CPython's `ValueError`.
 *
 * Hot path: the style's function is compiled once, `asctime` is formatted once per second (only
 * the milliseconds change within a second), and nothing is allocated that the record does not
 * need.
 *
 * @example
 * ```ts
 * import { Formatter, gmtime, makeLogRecord } from "@x/loghandlers";
 *
 * const f = new Formatter("%(asctime)s %(levelname)-8s %(name)s: %(message)s");
 * f.converter = gmtime;
 * const record = makeLogRecord({
 *   name: "app", levelname: "INFO", levelno: 20, msg: "hello %s", args: ["ada"],
 *   created: 1700000000.123, msecs: 123,
 * });
 * console.assert(f.format(record) === "2023-11-14 22:13:20,123 INFO     app: hello ada");
 *
 * const braces = new Formatter("{levelname:<8}|{message}", { style: "{" });
 * console.assert(braces.format(record) === "INFO    |hello ada");
 * ```
 */
export class Formatter {
  /** The `strftime` format of `asctime`, or `null` for the default with milliseconds. */
  datefmt: string | null;
  /**
   * Seconds since the epoch to a {@linkcode TimeStruct}: {@linkcode localtime} unless set to
   * {@linkcode gmtime} (or any function of the same shape).
   */
  declare converter: (seconds: number) => TimeStruct;
  /** The `strftime` format used when there is no `datefmt`: `"%Y-%m-%d %H:%M:%S"`. */
  declare defaultTimeFormat: string;
  /**
   * The `%` format joining the time text and the milliseconds when there is no `datefmt`:
   * `"%s,%03d"`; empty or `null` for no milliseconds.
   */
  declare defaultMsecFormat: string | null;

  #fmt: string;
  #style: FormatStyle;
  #defaults: Mapping | null;
  #usesTime: boolean;
  #format: (values: Mapping) => string;
  // The per-second asctime cache, rebuilt when the time format or converter changes.
  #timeText: ((seconds: number) => string) | null = null;
  #timeFormat = "";
  #timeConverter: ((seconds: number) => TimeStruct) | null = null;
  // A defaultMsecFormat other than Python's, compiled when first used.
  #msecFormat = "";
  #msecText: PercentFormatter | null = null;

  /**
   * Creates a formatter, like Python's `Formatter(fmt, datefmt, style, validate, defaults=)`.
   *
   * @param fmt The format; when empty, the style's default (`%(message)s`, `{message}`,
   * `${message}`).
   * @param options `datefmt`, `style`, `validate`, `defaults`.
   * @throws {ValueError} When the style is not `%`, `{` or `$` ("Style must be one of:
   * %,{,$"), or when validation finds the format malformed, with CPython's messages (e.g.
   * "Invalid format 'x' for '%' style", "invalid format: no fields").
   *
   * @example
   * ```ts
   * import { Formatter } from "@x/loghandlers";
   * let message = "";
   * try {
   *   new Formatter("no fields here");
   * } catch (e) {
   *   message = (e as Error).message;
   * }
   * console.assert(message === "Invalid format 'no fields here' for '%' style");
   * ```
   */
  constructor(fmt?: string | null, options: FormatterOptions = {}) {
    checkOption("Formatter", "fmt", fmt, nullable(string()));
    checkOptions(
      "Formatter",
      options,
      FORMATTER_RULES,
      `new Formatter("%(asctime)s %(message)s", { datefmt: "%H:%M:%S" })`,
      new.target === Formatter ? "refuse" : "allow",
    );
    const style = options.style ?? "%";
    if (style !== "%" && style !== "{" && style !== "$") {
      throw new ValueError(`Style must be one of: ${Object.keys(DEFAULT_FORMATS).join(",")}`);
    }
    const text = fmt || DEFAULT_FORMATS[style];
    if (options.validate ?? true) validate(style, text);
    const defaults = options.defaults ?? null;
    this.#fmt = text;
    this.#style = style;
    this.#defaults = defaults !== null && Object.keys(defaults).length > 0 ? defaults : null;
    this.#usesTime = usesTimeOf(style, text);
    this.#format = styleFunction(style, text);
    this.datefmt = options.datefmt ?? null;
  }

  /** The format in use (the style's default when none was given). */
  get fmt(): string {
    return this.#fmt;
  }

  /** The format's style: `"%"`, `"{"` or `"$"`. */
  get style(): FormatStyle {
    return this.#style;
  }

  /**
   * Formats a record: sets `record.message` (and `record.asctime` when the format uses it),
   * applies the format, then appends `exc_text` (formatting `exc_info` once) and `stack_info`,
   * each starting on a new line.
   *
   * @param record The record.
   * @returns The text, without a trailing newline (unless the message ends with one).
   * @throws {ValueError} When the format names a field that the record and `defaults` lack
   * ("Formatting field not found in record: 'user'").
   * @throws {TypeError} When the message's arguments do not match its `%` placeholders.
   *
   * @example
   * ```ts
   * import { Formatter, makeLogRecord } from "@x/loghandlers";
   * const r = makeLogRecord({ msg: "failed", levelname: "ERROR", exc_text: "Error: boom" });
   * console.assert(new Formatter("%(levelname)s %(message)s").format(r) === "ERROR failed\nError: boom");
   * ```
   */
  format(record: LogRecord): string {
    record.message = record.getMessage();
    if (this.usesTime === usesTimeMethod ? this.#usesTime : this.usesTime()) {
      record.asctime = this.formatTime(record, this.datefmt);
    }
    let s = this.formatMessage(record);
    const exc = record.exc_info;
    if (exc !== null && exc !== undefined && exc !== false && !record.exc_text) {
      record.exc_text = this.formatException(exc);
    }
    const excText = record.exc_text;
    if (excText) {
      if (!s.endsWith("\n")) s += "\n";
      s += excText;
    }
    const stack = record.stack_info;
    if (stack) {
      if (!s.endsWith("\n")) s += "\n";
      s += this.formatStack(stack);
    }
    return s;
  }

  /**
   * Returns the record's creation time as text: `strftime(datefmt, converter(created))` when
   * `datefmt` is given, else {@linkcode Formatter.defaultTimeFormat} followed by the
   * milliseconds through {@linkcode Formatter.defaultMsecFormat} (`2023-11-14 22:13:20,123`).
   *
   * @param record The record (`created`, `msecs`).
   * @param datefmt A `strftime` format; the default when empty.
   * @returns The time text.
   *
   * @example
   * ```ts
   * import { Formatter, gmtime, makeLogRecord } from "@x/loghandlers";
   * const f = new Formatter();
   * f.converter = gmtime;
   * const r = makeLogRecord({ created: 1700000000.5, msecs: 500 });
   * console.assert(f.formatTime(r) === "2023-11-14 22:13:20,500");
   * console.assert(f.formatTime(r, "%d/%m/%Y %H:%M") === "14/11/2023 22:13");
   * ```
   */
  formatTime(record: LogRecord, datefmt?: string | null): string {
    const converter = this.converter;
    const timeFormat = datefmt || this.defaultTimeFormat;
    let s: string;
    if (converter === localtime || converter === gmtime) {
      if (timeFormat !== this.#timeFormat || converter !== this.#timeConverter) {
        this.#timeText = cachedStrftime(timeFormat, converter);
        this.#timeFormat = timeFormat;
        this.#timeConverter = converter;
      }
      s = this.#timeText!(record.created);
    } else {
      s = strftime(timeFormat, converter(record.created));
    }
    if (datefmt) return s;
    const msecFormat = this.defaultMsecFormat;
    if (!msecFormat) return s;
    const msecs = record.msecs;
    if (msecFormat === "%s,%03d" && Number.isInteger(msecs) && msecs >= 0 && msecs < 1000) {
      return s + "," + pad3(msecs);
    }
    if (msecFormat !== this.#msecFormat || this.#msecText === null) {
      this.#msecText = compilePercent(msecFormat, MSEC_FLOATS);
      this.#msecFormat = msecFormat;
    }
    return this.#msecText([s, msecs]);
  }

  /**
   * Formats an error for the log, like Python's `formatException` (a traceback): the V8 `stack`
   * of an `Error` (which starts with "Name: message"), preceded by its `cause` chain the way
   * Python chains exceptions ("The above exception was the direct cause of the following
   * exception:"); an `AggregateError`'s `errors` in Python's exception-group layout; any other
   * thrown value as its Python `str()`. Never throws. No trailing newline.
   *
   * @param error The thrown value (the record's `exc_info`).
   * @returns The text.
   *
   * @example
   * ```ts
   * import { Formatter } from "@x/loghandlers";
   * const text = new Formatter().formatException(new Error("boom", { cause: new TypeError("bad") }));
   * console.assert(text.startsWith("TypeError: bad\n"));
   * console.assert(text.includes("\n\nThe above exception was the direct cause of the following exception:\n\nError: boom\n"));
   * console.assert(new Formatter().formatException("plain text") === "plain text");
   * ```
   */
  formatException(error: unknown): string {
    let s: string;
    try {
      s = formatChain(error, { depth: 0, needClose: false, seen: new Set([error]) });
    } catch {
      s = unprintable(error);
    }
    return s.endsWith("\n") ? s.slice(0, -1) : s;
  }

  /**
   * Formats `stack_info` for the log; returns it unchanged, as in Python. Override to change.
   *
   * @param stackInfo The stack text.
   * @returns The text to append.
   *
   * @example
   * ```ts
   * import { Formatter } from "@x/loghandlers";
   * console.assert(new Formatter().formatStack("Stack (most recent call last):") === "Stack (most recent call last):");
   * ```
   */
  formatStack(stackInfo: string): string {
    return stackInfo;
  }

  /**
   * Applies the format to the record's attributes (merged over `defaults`), without the error
   * and stack parts: Python's `formatMessage`. Expects `record.message` (and `asctime`) set.
   *
   * @param record The record.
   * @returns The formatted text.
   * @throws {ValueError} When a field is missing ("Formatting field not found in record: ...").
   *
   * @example
   * ```ts
   * import { Formatter, makeLogRecord } from "@x/loghandlers";
   * const f = new Formatter("${name}: ${user}", { style: "$", defaults: { user: "-" } });
   * console.assert(f.formatMessage(makeLogRecord({ name: "db" })) === "db: -");
   * ```
   */
  formatMessage(record: LogRecord): string {
    const defaults = this.#defaults;
    try {
      return this.#format(defaults === null ? record : { ...defaults, ...record });
    } catch (e) {
      throw notFound(e);
    }
  }

  /**
   * Whether the format shows the time (`asctime`), so that {@linkcode Formatter.format} computes
   * it only then.
   *
   * @returns `true` when the format names `asctime`.
   *
   * @example
   * ```ts
   * import { Formatter } from "@x/loghandlers";
   * console.assert(new Formatter("%(asctime)s %(message)s").usesTime());
   * console.assert(!new Formatter("{message}", { style: "{" }).usesTime());
   * ```
   */
  usesTime(): boolean {
    return this.#usesTime;
  }

  /**
   * Whether formatting shows caller information (`pathname`, `filename`, `module`, `lineno`,
   * `funcName`): a handler asks for it (a stack capture per record) only when its formatter
   * does, unless `settings.callerInfo` says otherwise. Formatters that take their fields from
   * elsewhere than `fmt` (JSON, logfmt) answer from those fields.
   *
   * @returns `true` when the format names one of those fields.
   *
   * @example
   * ```ts
   * import { Formatter } from "@x/loghandlers";
   * console.assert(new Formatter("%(filename)s:%(lineno)d %(message)s").usesCallerInfo());
   * console.assert(!new Formatter("%(levelname)s %(message)s").usesCallerInfo());
   * ```
   */
  usesCallerInfo(): boolean {
    return CALLER_FIELDS.test(this.fmt);
  }
}

/** The record attributes that need caller information, as a format or a field name names them. */
export const CALLER_FIELDS: RegExp = /pathname|filename|module|lineno|funcName/;

const usesTimeMethod = Formatter.prototype.usesTime;
Formatter.prototype.converter = localtime;
Formatter.prototype.defaultTimeFormat = "%Y-%m-%d %H:%M:%S";
Formatter.prototype.defaultMsecFormat = "%s,%03d";

// ---------------------------------------------------------------------------------------------
// formatException: Python's traceback layout for JavaScript errors

interface TraceContext {
  depth: number;
  needClose: boolean;
  readonly seen: Set<unknown>;
}

const CAUSE_MESSAGE = "\nThe above exception was the direct cause of the following exception:\n\n";
const MAX_GROUP_WIDTH = 15;
const MAX_GROUP_DEPTH = 10;

function isErrorLike(value: unknown): value is Error {
  return value instanceof Error ||
    (typeof value === "object" && value !== null &&
      typeof (value as { stack?: unknown }).stack === "string");
}

function unprintable(value: unknown): string {
  try {
    return pyStr(value);
  } catch {
    try {
      return String(value);
    } catch {
      return `<unprintable ${typeof value} object>`;
    }
  }
}

/** The error's own text: its stack (or "Name: message"), ending with "\n". */
function errorText(error: unknown): string {
  let text: string;
  if (isErrorLike(error)) {
    const stack = error.stack;
    if (typeof stack === "string" && stack !== "") {
      text = stack;
    } else {
      const name = unprintable(error.name ?? "Error");
      const message = unprintable(error.message ?? "");
      text = message ? `${name}: ${message}` : name;
    }
  } else {
    text = unprintable(error);
  }
  return text.endsWith("\n") ? text : text + "\n";
}

function causeOf(error: unknown): unknown {
  if (!isErrorLike(error)) return undefined;
  try {
    return error.cause ?? undefined;
  } catch {
    return undefined;
  }
}

function subErrorsOf(error: unknown): readonly unknown[] | null {
  if (!isErrorLike(error)) return null;
  try {
    const errors = (error as { errors?: unknown }).errors;
    return Array.isArray(errors) ? errors : null;
  } catch {
    return null;
  }
}

/** Python's `_ExceptionPrintContext.emit`: indent and mark every line inside a group. */
function emit(ctx: TraceContext, text: string, margin = "|"): string {
  let prefix = " ".repeat(2 * ctx.depth);
  if (ctx.depth > 0) prefix += margin + " ";
  else return text;
  let out = "";
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf("\n", start);
    const stop = end < 0 ? text.length : end + 1;
    out += prefix + text.slice(start, stop);
    start = stop;
  }
  return out;
}

/** One error and its `cause` chain, cause first, as `TracebackException.format` lays it out. */
function formatChain(error: unknown, ctx: TraceContext): string {
  const chain: unknown[] = [error];
  for (let cause = causeOf(error); cause !== undefined && !ctx.seen.has(cause);) {
    ctx.seen.add(cause);
    chain.push(cause);
    cause = causeOf(cause);
  }
  let out = "";
  for (let i = chain.length - 1; i >= 0; i--) {
    if (i < chain.length - 1) out += emit(ctx, CAUSE_MESSAGE);
    out += formatOne(chain[i], ctx);
  }
  return out;
}

function formatOne(error: unknown, ctx: TraceContext): string {
  const errors = subErrorsOf(error);
  if (errors === null) return emit(ctx, errorText(error));
  if (ctx.depth > MAX_GROUP_DEPTH) {
    return emit(ctx, `... (max_group_depth is ${MAX_GROUP_DEPTH})\n`);
  }
  const topLevel = ctx.depth === 0;
  if (topLevel) ctx.depth++;
  const text = errorText(error);
  const firstLine = text.indexOf("\n") + 1;
  let out = emit(ctx, text.slice(0, firstLine), topLevel ? "+" : "|") +
    emit(ctx, text.slice(firstLine));
  const count = errors.length;
  const shown = count <= MAX_GROUP_WIDTH ? count : MAX_GROUP_WIDTH + 1;
  ctx.needClose = false;
  for (let i = 0; i < shown; i++) {
    const last = i === shown - 1;
    if (last) ctx.needClose = true;
    const truncated = i >= MAX_GROUP_WIDTH;
    const title = truncated ? "..." : String(i + 1);
    out += " ".repeat(2 * ctx.depth) + (i === 0 ? "+-" : "  ") +
      `+---------------- ${title} ----------------\n`;
    ctx.depth++;
    if (!truncated) {
      const sub = errors[i];
      if (!ctx.seen.has(sub)) {
        ctx.seen.add(sub);
        out += formatChain(sub, ctx);
      } else {
        out += emit(ctx, errorText(sub)); // a cycle: no second expansion
      }
    } else {
      const remaining = count - MAX_GROUP_WIDTH;
      out += emit(ctx, `and ${remaining} more exception${remaining > 1 ? "s" : ""}\n`);
    }
    if (last && ctx.needClose) {
      out += " ".repeat(2 * ctx.depth) + "+------------------------------------\n";
      ctx.needClose = false;
    }
    ctx.depth--;
  }
  if (topLevel) ctx.depth = 0;
  return out;
}

// ---------------------------------------------------------------------------------------------

let defaultFormatter: Formatter | undefined;

/**
 * Formats a batch of records, like Python's `logging.BufferingFormatter`: a header, each record
 * through `linefmt`, and a footer (nothing at all for an empty batch). Subclass it to give
 * {@linkcode BufferingFormatter.formatHeader} and {@linkcode BufferingFormatter.formatFooter} a
 * meaning; a `MemoryHandler`-like target or an e-mail handler can then send the whole batch.
 *
 * @example
 * ```ts
 * import { BufferingFormatter, Formatter, type LogRecord, makeLogRecord } from "@x/loghandlers";
 *
 * class Report extends BufferingFormatter {
 *   override formatHeader(records: readonly LogRecord[]) {
 *     return `${records.length} events:\n`;
 *   }
 * }
 * const report = new Report(new Formatter("- %(message)s\n"));
 * const text = report.format([makeLogRecord({ msg: "a" }), makeLogRecord({ msg: "b" })]);
 * console.assert(text === "2 events:\n- a\n- b\n");
 * ```
 */
export class BufferingFormatter {
  /** The formatter of each record. */
  linefmt: Formatter;

  /**
   * Creates a batch formatter.
   *
   * @param linefmt The formatter of each record; a default `Formatter()` when omitted.
   */
  constructor(linefmt?: Formatter | null) {
    this.linefmt = linefmt ?? (defaultFormatter ??= new Formatter());
  }

  /**
   * The text before the records; empty here.
   *
   * @param records The batch.
   * @returns The header.
   */
  // deno-lint-ignore no-unused-vars
  formatHeader(records: readonly LogRecord[]): string {
    return "";
  }

  /**
   * The text after the records; empty here.
   *
   * @param records The batch.
   * @returns The footer.
   */
  // deno-lint-ignore no-unused-vars
  formatFooter(records: readonly LogRecord[]): string {
    return "";
  }

  /**
   * Formats the batch: header, each record, footer; `""` when there are no records.
   *
   * @param records The batch.
   * @returns The text.
   */
  format(records: readonly LogRecord[]): string {
    if (records.length === 0) return "";
    let rv = this.formatHeader(records);
    for (const record of records) rv += this.linefmt.format(record);
    return rv + this.formatFooter(records);
  }
}
