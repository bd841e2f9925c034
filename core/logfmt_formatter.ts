/**
 * A logfmt formatter: `time=... level=INFO logger=app msg="user logged in" user=ann`, one line
 * per record, quoted and escaped as logfmt parsers (go-logfmt, Grafana Loki, Heroku) read it.
 *
 * @module
 */

import { dictEntries, FIELDS_FORMAT, formatFields, isDictMessage, NAMES } from "./format_fields.ts";
import { CALLER_FIELDS, Formatter, pad3 } from "./formatter.ts";
import type { LogRecord } from "./record.ts";
import { extraFieldsStart, RECORD_ATTRIBUTES, reservesOwnAttributes } from "./record_fields.ts";
import { ValueError } from "./text/errors.ts";
import { JsonWriter } from "./text/json_writer.ts";
import { isPyInt, pyIntStr, pyStr } from "./text/pystr.ts";
import { floatRepr } from "./text/float_format.ts";
import {
  any,
  checkOption,
  checkOptions,
  integer,
  nullable,
  object,
  type OptionRules,
  string,
} from "./text/options.ts";

/** Options of {@linkcode LogfmtFormatter}. */
export interface LogfmtFormatterOptions {
  /**
   * The `strftime` format of `time` and `asctime`; when `null`, `time` is RFC 3339 in UTC with
   * milliseconds (`2023-11-14T22:13:20.123Z`).
   *
   * @default {null}
   */
  datefmt?: string | null;
  /**
   * How `fmt` names fields: `"%"`, `"{"`, `"$"` or `","`, as for `JSONFormatter`.
   *
   * @default {"%"}
   */
  style?: "%" | "{" | "$" | ",";
  /**
   * New keys for fields: `{ levelname: "lvl" }`.
   *
   * @default {{}}
   */
  renameFields?: Readonly<Record<string, string>> | null;
  /**
   * Fields added to every record, after the named ones.
   *
   * @default {{}}
   */
  staticFields?: Readonly<Record<string, unknown>> | null;
  /**
   * Record attributes never written as extra fields; `RECORD_ATTRIBUTES` by default.
   *
   * @default {null}
   */
  reservedAttrs?: Iterable<string> | null;
  /**
   * The longest value written, in characters; a longer one is cut, ending in `…[cut N chars]`.
   *
   * @default {65536}
   */
  maxValueLength?: number;
}

const RULES: OptionRules = {
  datefmt: nullable(string()),
  style: any(),
  renameFields: nullable(object()),
  staticFields: nullable(object()),
  reservedAttrs: NAMES,
  maxValueLength: integer(16),
};

/** The fields written when no format is given. */
const DEFAULT_FIELDS: readonly string[] = ["time", "level", "logger", "msg"];

/** Characters a key may not hold (go-logfmt's `invalidKeyRune`): space, controls, `=`, `"`. */
// deno-lint-ignore no-control-regex
const BAD_KEY = /[\u0000-\u0020="\ud800-\udfff]/g;
/** Whether a value needs quotes: empty, or space, controls, `=`, `"`, `\`, or line separators. */
// deno-lint-ignore no-control-regex
const NEEDS_QUOTES = /[\u0000-\u0020="\\\u0085\u2028\u2029\ud800-\udfff]/;
const ESCAPED =
  // deno-lint-ignore no-control-regex
  /[\u0000-\u001f"\\\u0085\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;
/** `ESCAPED` without the `g` flag: a test, much cheaper than a replace that finds nothing. */
const NEEDS_ESCAPE = new RegExp(ESCAPED.source);

function escapeChar(ch: string): string {
  switch (ch) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
  }
  const code = ch.charCodeAt(0);
  if (code >= 0xd800 && code <= 0xdfff) return "\\ufffd"; // a lone surrogate: not text
  return "\\u" + code.toString(16).padStart(4, "0");
}

/**
 * A value as logfmt text: as it is when it can be, else quoted with `"` and `\` escaped, and
 * newlines, tabs and other control characters as `\n`, `\t`, `\u00XX`.
 *
 * @param text The value.
 * @returns The logfmt value.
 */
function logfmtValue(text: string): string {
  if (text === "") return '""';
  if (!NEEDS_QUOTES.test(text)) return text;
  return '"' + (NEEDS_ESCAPE.test(text) ? text.replace(ESCAPED, escapeChar) : text) + '"';
}

/** A key without the characters logfmt keys cannot hold; `_` when nothing is left. */
function logfmtKey(key: string): string {
  const clean = key.replace(BAD_KEY, "");
  return clean === "" ? "_" : clean;
}

/**
 * Formats each record as one logfmt line: `key=value` pairs separated by spaces, in a stable
 * order: the fields `fmt` names (by default `time`, `level`, `logger`, `msg`), `staticFields`,
 * a plain-object message's fields (`log.info({ event: "login" })` merges them, with `msg` empty,
 * as `JSONFormatter` does), the record's extra fields (from `kw({ extra })`, filters, contexts;
 * not `reservedAttrs`, not starting with `_`), then `exc_info` and `stack_info` when present.
 *
 * In `fmt`, `time` is the record's time (RFC 3339 UTC with milliseconds, or `datefmt`), `level`
 * the level's name, `logger` the logger's name and `msg` the merged message (not the record's
 * `msg` attribute); any other name is a record attribute (`null` when missing).
 *
 * Values are written as go-logfmt writes them, which logfmt parsers (go-logfmt, Grafana Loki,
 * Heroku's `logfmt`) read back: bare when they can be, else quoted, with `"` and `\` escaped and
 * newlines, tabs and other control characters as `\n`, `\t`, `\u00XX`; an empty value is `""`;
 * keys lose spaces, control characters, `=` and `"`. Numbers print as Python prints them
 * (`3`, `0.5`, `1e-07`), `null`/`undefined` as `null`, a `Date` as RFC 3339, an `Error` as
 * `"TypeError: message"`, objects and arrays as JSON (bounded, never throwing). A record is
 * always one line.
 *
 * @example
 * ```ts
 * import { LogfmtFormatter, makeLogRecord } from "@x/loghandlers";
 *
 * const f = new LogfmtFormatter();
 * const r = makeLogRecord({
 *   name: "app", levelname: "INFO", msg: "user %s logged in", args: ["ann"],
 *   created: 1700000000.123, user: "ann", tags: ["a", "b"], note: 'say "hi"\n',
 * });
 * console.assert(f.format(r) ===
 *   'time=2023-11-14T22:13:20.123Z level=INFO logger=app msg="user ann logged in" ' +
 *   'user=ann tags="[\\"a\\", \\"b\\"]" note="say \\"hi\\"\\n"');
 * ```
 */
export class LogfmtFormatter extends Formatter {
  /** The fields written first, in order. */
  readonly fields: readonly string[];
  /** New keys of fields. */
  readonly renameFields: Readonly<Record<string, string>>;
  /** Fields added to every record. */
  readonly staticFields: Readonly<Record<string, unknown>>;
  /** Record attributes never written as extra fields. */
  readonly reservedAttrs: ReadonlySet<string>;

  #skip: ReadonlySet<string>;
  /** Whether `#skip` holds every attribute a record's constructor sets. */
  #skipsOwn: boolean;
  #needsTime: boolean;
  #maxValueLength: number;
  #writer: JsonWriter;
  #keys = new Map<string, string>();

  /**
   * Creates a logfmt formatter.
   *
   * @param fmt The fields to write first: a format in `style` (only the names it holds matter)
   *   or an array of names; `time`, `level`, `logger`, `msg` by default.
   * @param options `datefmt`, `style`, `renameFields`, `staticFields`, `reservedAttrs`,
   *   `maxValueLength`.
   * @throws {ValueError} For an unknown style.
   * @throws {TypeError} For an unknown option or a value of the wrong type.
   *
   * @example
   * ```ts
   * import { LogfmtFormatter, makeLogRecord } from "@x/loghandlers";
   * const f = new LogfmtFormatter("%(levelname)s %(message)s", { renameFields: { levelname: "lvl" } });
   * console.assert(f.format(makeLogRecord({ levelname: "WARNING", msg: "" })) === 'lvl=WARNING message=""');
   * ```
   */
  constructor(
    fmt?: string | readonly string[] | null,
    options: LogfmtFormatterOptions = {},
  ) {
    checkOption(
      "LogfmtFormatter",
      "fmt",
      fmt,
      FIELDS_FORMAT,
    );
    checkOptions(
      "LogfmtFormatter",
      options,
      RULES,
      `new LogfmtFormatter(["time", "level", "msg"], { renameFields: { msg: "message" } })`,
      new.target === LogfmtFormatter ? "refuse" : "allow",
    );
    const style = options.style ?? "%";
    if (style !== "%" && style !== "{" && style !== "$" && style !== ",") {
      throw new ValueError("Style must be one of: '%{$,'");
    }
    super(null, { datefmt: options.datefmt ?? null });
    this.fields = fmt === undefined || fmt === null
      ? DEFAULT_FIELDS
      : Array.isArray(fmt)
      ? [...fmt as readonly string[]]
      : formatFields(fmt as string, style);
    this.renameFields = { ...options.renameFields };
    this.staticFields = { ...options.staticFields };
    this.reservedAttrs = new Set(options.reservedAttrs ?? RECORD_ATTRIBUTES);
    // An extra field named like a computed one (time, level, logger, msg) replaces its value.
    const skip = new Set(this.fields.filter((name) => !DEFAULT_FIELDS.includes(name)));
    for (const name of this.reservedAttrs) skip.add(name);
    this.#skip = skip;
    this.#skipsOwn = reservesOwnAttributes(skip);
    this.#needsTime = this.fields.includes("asctime");
    this.#maxValueLength = options.maxValueLength ?? 65536;
    this.#writer = new JsonWriter({ ensureAscii: false, maxLength: this.#maxValueLength });
  }

  /**
   * Formats the record as one logfmt line.
   *
   * @param record The record.
   * @returns The line, without a newline.
   *
   * @example
   * ```ts
   * import { LogfmtFormatter, makeLogRecord } from "@x/loghandlers";
   * const f = new LogfmtFormatter(["level", "msg"]);
   * const r = makeLogRecord({ levelname: "INFO", msg: { event: "login", ok: true } });
   * console.assert(f.format(r) === 'level=INFO msg="" event=login ok=true');
   * ```
   */
  override format(record: LogRecord): string {
    const msg = record.msg;
    const dict = typeof msg !== "string" && isDictMessage(msg) ? msg : null;
    record.message = dict !== null ? "" : record.getMessage();
    if (this.#needsTime) record.asctime = this.formatTime(record, this.datefmt);
    const fields = record as unknown as Record<string, unknown>;
    // Like JSONFormatter's object: a later value of a key replaces the earlier one in place.
    const data = new Map<string, unknown>();
    const names = this.fields;
    for (let i = 0; i < names.length; i++) {
      data.set(names[i], this.#field(record, fields, names[i]));
    }
    for (const key in this.staticFields) data.set(key, this.staticFields[key]);
    if (dict !== null) {
      try {
        for (const [key, value] of dictEntries(dict)) data.set(key, value);
      } catch (e) {
        data.set("msg", `[Unreadable: ${e instanceof Error ? e.message : "error"}]`);
      }
    }
    const skip = this.#skip;
    const keys = Object.keys(fields);
    for (let i = this.#skipsOwn ? extraFieldsStart(keys) : 0; i < keys.length; i++) {
      const key = keys[i];
      if (skip.has(key) || key.charCodeAt(0) === 95) continue;
      const value = fields[key];
      if (value !== undefined) data.set(key, value);
    }
    const exc = record.exc_info;
    if (exc !== null && exc !== undefined && exc !== false && !record.exc_text) {
      record.exc_text = this.formatException(exc);
    }
    if (record.exc_text && !data.has("exc_info")) data.set("exc_info", record.exc_text);
    if (record.stack_info && !data.has("stack_info")) {
      data.set("stack_info", this.formatStack(record.stack_info));
    }
    let out = "";
    for (const [key, value] of data) out += (out === "" ? "" : " ") + this.#pair(key, value);
    return out;
  }

  /**
   * Whether the fields include `asctime`.
   *
   * @returns `true` when they do.
   */
  override usesTime(): boolean {
    return this.#needsTime;
  }

  /**
   * Whether the fields include caller information (`lineno`, `funcName`, `pathname`, ...).
   *
   * @returns `true` when one of them is written.
   */
  override usesCallerInfo(): boolean {
    return this.fields.some((name) => CALLER_FIELDS.test(name));
  }

  #field(record: LogRecord, fields: Record<string, unknown>, name: string): unknown {
    switch (name) {
      case "time":
        return this.datefmt ? this.formatTime(record, this.datefmt) : rfc3339(record.created);
      case "level":
        return record.levelname;
      case "logger":
        return record.name;
      case "msg":
        return record.message;
    }
    return Object.hasOwn(fields, name) ? fields[name] : null;
  }

  #pair(key: string, value: unknown): string {
    const renamed = Object.hasOwn(this.renameFields, key) ? this.renameFields[key] : key;
    let k = this.#keys.get(renamed);
    if (k === undefined) {
      k = logfmtKey(renamed) + "=";
      if (this.#keys.size < 4096) this.#keys.set(renamed, k);
    }
    return k + logfmtValue(this.#text(value));
  }

  #text(value: unknown): string {
    let s: string;
    switch (typeof value) {
      case "string":
        s = value;
        break;
      case "number":
        s = isPyInt(value) ? "" + value : floatRepr(value);
        break;
      case "boolean":
        return value ? "true" : "false";
      case "bigint":
        try {
          s = pyIntStr(value);
        } catch {
          s = `[int of ${value.toString(16).length * 4} bits: too long to write]`;
        }
        break;
      case "undefined":
        return "null";
      case "object":
        if (value === null) return "null";
        if (value instanceof Date) {
          s = Number.isNaN(value.getTime()) ? "Invalid Date" : value.toISOString();
          break;
        }
        s = this.#writer.stringify(value);
        // A string the writer quoted (an Error, a Set's text, ...) is written as its content.
        if (s.startsWith('"')) {
          try {
            s = JSON.parse(s);
          } catch {
            // keep the JSON text
          }
        }
        break;
      default:
        s = safeText(value);
    }
    const max = this.#maxValueLength;
    return s.length > max ? `${s.slice(0, max)}…[cut ${s.length - max} chars]` : s;
  }
}

function safeText(value: unknown): string {
  try {
    return pyStr(value);
  } catch {
    return "__could_not_encode__";
  }
}

// The text of the last second rfc3339 wrote, up to its milliseconds: records come many a second,
// and Date's toISOString costs more than the rest of a short line.
let lastSecond = NaN;
let lastPrefix = "";
/** The range of a `Date`: 100,000,000 days either side of the epoch. */
const MAX_DATE_MS = 8.64e15;

/** Seconds since the epoch as RFC 3339 in UTC with milliseconds. */
function rfc3339(seconds: number): string {
  const ms = Math.floor(seconds * 1000);
  if (!(ms >= -MAX_DATE_MS && ms <= MAX_DATE_MS)) return String(seconds); // no Date: NaN, 1e20
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastPrefix = new Date(ms).toISOString().slice(0, -4); // "2023-11-14T22:13:20."
    lastSecond = second;
  }
  return lastPrefix + pad3(ms - second * 1000) + "Z";
}
