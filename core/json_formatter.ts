/**
 * python-json-logger's `JsonFormatter`: one JSON object per record, with the fields `fmt` names,
 * then the record's extra fields.
 *
 * @module
 */

import { dictEntries, FIELDS_FORMAT, formatFields, isDictMessage, NAMES } from "./format_fields.ts";
import { CALLER_FIELDS, Formatter } from "./formatter.ts";
import type { LogRecord } from "./record.ts";
import { extraFieldsStart, RECORD_ATTRIBUTES, reservesOwnAttributes } from "./record_fields.ts";
import { ValueError } from "./text/errors.ts";
import { isoTimestamp, JsonWriter } from "./text/json_writer.ts";
import {
  any,
  boolean,
  checkOption,
  checkOptions,
  either,
  func,
  integer,
  nullable,
  object,
  type OptionRules,
  string,
} from "./text/options.ts";

/** The styles of a JSON formatter's `fmt`: Python's three, and python-json-logger's `","`. */
export type JSONFormatStyle = "%" | "{" | "$" | ",";

/** The fields of a record as a JSON formatter collects them, in output order. */
export type LogData = Record<string, unknown>;

/** Options of {@linkcode JSONFormatter}: python-json-logger's keyword arguments, in camelCase. */
export interface JSONFormatterOptions {
  /**
   * The `strftime` format of `asctime` (when `fmt` names it).
   *
   * @default {null}
   */
  datefmt?: string | null;
  /**
   * How `fmt` names fields: `"%"` (`%(levelname)s`), `"{"`, `"$"`, or `","` (a comma-separated
   * list of names: `"levelname,name,message"`). Ignored when `fmt` is an array of names.
   *
   * @default {"%"}
   */
  style?: JSONFormatStyle;
  /**
   * Whether to check `fmt` against its style at construction, as `Formatter` does.
   *
   * @default {true}
   */
  validate?: boolean;
  /**
   * Text written before each JSON object.
   *
   * @default {""}
   */
  prefix?: string;
  /**
   * New names for fields in the output: `{ levelname: "level", message: "msg" }`.
   *
   * @default {{}}
   */
  renameFields?: Readonly<Record<string, string>> | null;
  /**
   * Whether a renamed field the record lacks still appears, as `null`.
   *
   * @default {false}
   */
  renameFieldsKeepMissing?: boolean;
  /**
   * Fields added to every record: `{ service: "api" }`.
   *
   * @default {{}}
   */
  staticFields?: Readonly<Record<string, unknown>> | null;
  /**
   * Record attributes that are never copied as extra fields; `RECORD_ATTRIBUTES` (every
   * `LogRecord` attribute) by default.
   *
   * @default {null}
   */
  reservedAttrs?: Iterable<string> | null;
  /**
   * Adds the record's creation time, as `2023-11-14T22:13:20.123456+00:00`, under the key
   * `"timestamp"` (`true`) or the given key.
   *
   * @default {false}
   */
  timestamp?: boolean | string;
  /**
   * Fields written first, which the record's own fields may override.
   *
   * @default {{}}
   */
  defaults?: Readonly<Record<string, unknown>> | null;
  /**
   * Whether `exc_info` is written as an array of lines rather than one string.
   *
   * @default {false}
   */
  excInfoAsArray?: boolean;
  /**
   * Whether `stack_info` is written as an array of lines rather than one string.
   *
   * @default {false}
   */
  stackInfoAsArray?: boolean;
  /**
   * python-json-logger's `json_default`: turns a value JSON cannot hold (a `Date`, an `Error`, a
   * class instance, ...) into one it can. Replaces the built-in encoding, which still applies
   * when it throws. Never called for strings, numbers, booleans, `null`, arrays, plain objects.
   *
   * @default {null}
   */
  jsonDefault?: ((value: unknown) => unknown) | null;
  /**
   * Python's `json_indent`: spaces (or a string) to indent nested fields with, each on its own
   * line. `null` writes one line per record.
   *
   * @default {null}
   */
  jsonIndent?: number | string | null;
  /**
   * Python's `json_ensure_ascii`: write non-ASCII characters as `\uXXXX`.
   *
   * @default {true}
   */
  jsonEnsureAscii?: boolean;
  /**
   * How deep values may nest before being cut (`"[Depth limit: Object]"`).
   *
   * @default {32}
   */
  maxDepth?: number;
  /**
   * About how many characters one record's JSON may take; beyond it, values are cut with a note.
   *
   * @default {1048576}
   */
  maxLength?: number;
}

const RULES: OptionRules = {
  datefmt: nullable(string()),
  style: any(), // Python's ValueError below
  validate: boolean(),
  prefix: string(),
  renameFields: nullable(object()),
  renameFieldsKeepMissing: boolean(),
  staticFields: nullable(object()),
  reservedAttrs: NAMES,
  timestamp: either(boolean(), string()),
  defaults: nullable(object()),
  excInfoAsArray: boolean(),
  stackInfoAsArray: boolean(),
  jsonDefault: nullable(func()),
  jsonIndent: nullable(either(integer(0), string())),
  jsonEnsureAscii: boolean(),
  maxDepth: integer(1, 1000),
  maxLength: integer(1024),
};

const EXAMPLE =
  `new JSONFormatter("%(levelname)s %(name)s %(message)s", { renameFields: { levelname: "level" } })`;

/** The record attributes that are Python floats. */
const FLOAT_ATTRIBUTES = ["created", "msecs", "relativeCreated"];
// deno-lint-ignore no-control-regex
const LINE_BREAKS = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

/** Python's `str.splitlines()`. */
function splitLines(text: string): string[] {
  const lines = text.split(LINE_BREAKS);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A plain copy of a dict message's readable entries (a throwing getter becomes a note). */
function copyMapping(source: object): LogData {
  const out: LogData = {};
  for (const [key, value] of dictEntries(source)) setField(out, key, value);
  return out;
}

/** `data[key] = value`, also for the key `"__proto__"`. */
function setField(data: LogData, key: string, value: unknown): void {
  if (key === "__proto__") {
    Object.defineProperty(data, key, {
      value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else {
    data[key] = value;
  }
}

/**
 * Formats each record as one JSON object, like python-json-logger 4's
 * `pythonjsonlogger.json.JsonFormatter` (also exported as {@linkcode JsonFormatter}), with the
 * same fields in the same order:
 *
 * 1. `defaults`; 2. the fields `fmt` names (`%(levelname)s %(message)s` gives `levelname`,
 *    `message`; any style, or an array of names), `null` when the record lacks one;
 * 3. `staticFields`; 4. a plain-object message's fields (`log.info({ event: "login" })`: they are
 *    merged, and `message` is `""`), and `exc_info`/`stack_info` as text (or arrays of lines);
 * 5. the record's extra fields (from `kw({ extra })`, filters, contexts) that are not in
 *    `reservedAttrs` and do not start with `_`; 6. `timestamp`.
 *
 * Every key goes through `renameFields`. Values JSON cannot hold are encoded without ever
 * throwing (see {@linkcode JsonWriter}): a `Date` as Python's ISO form, an `Error` as
 * `"TypeError: message"`, bytes as base64, `Map`/`Set` as object/array, circular references as
 * `"[Circular]"`; bounded in depth (`maxDepth`) and size (`maxLength`). Numbers print as Python's
 * `json` prints its `int` and `float` (`created` is `1700000000.123`, `msecs` `123.0`), so the
 * output equals python-json-logger's byte for byte, except for error stack traces. One line
 * per record unless `jsonIndent` is set.
 *
 * Structured fields reach the output three ways, all with Python's meaning: a plain-object
 * message, `log.info({ event: "login", user })` (its fields at the top level, `message` empty:
 * the short form); `kw({ extra: { user } })` after a `%` message (record attributes); and, not
 * as fields, a sole plain object after a message, `log.info("%(user)s paid", { user })`, which
 * is Python's `%(key)s` mapping: it fills the message only, as in Python.
 *
 * Like python-json-logger, subclasses may override {@linkcode JSONFormatter.addFields} (what is
 * collected) and {@linkcode JSONFormatter.processLogRecord} (a last change before writing).
 *
 * @example
 * ```ts
 * import { JSONFormatter, makeLogRecord } from "@x/loghandlers";
 *
 * const f = new JSONFormatter("%(levelname)s %(name)s %(message)s", {
 *   renameFields: { levelname: "level" },
 *   staticFields: { service: "api" },
 * });
 * const r = makeLogRecord({ name: "app", levelname: "INFO", msg: "paid %d", args: [3], user: "ann" });
 * console.assert(f.format(r) ===
 *   '{"level": "INFO", "name": "app", "message": "paid 3", "service": "api", "user": "ann"}');
 *
 * const dict = makeLogRecord({ name: "app", levelname: "INFO", msg: { event: "login", ok: true } });
 * console.assert(new JSONFormatter().format(dict) === '{"message": "", "event": "login", "ok": true}');
 * ```
 */
export class JSONFormatter extends Formatter {
  /** Text written before each JSON object. */
  prefix: string;
  /** New names of fields in the output. */
  readonly renameFields: Readonly<Record<string, string>>;
  /** Whether renamed fields the record lacks still appear as `null`. */
  renameFieldsKeepMissing: boolean;
  /** Fields added to every record. */
  readonly staticFields: Readonly<Record<string, unknown>>;
  /** Record attributes never copied as extra fields. */
  readonly reservedAttrs: ReadonlySet<string>;
  /** `false`, `true` (the key `"timestamp"`) or the key of the record's creation time. */
  timestamp: boolean | string;
  /** Fields written first. */
  readonly defaults: Readonly<Record<string, unknown>>;
  /** Whether `exc_info` is written as an array of lines. */
  excInfoAsArray: boolean;
  /** Whether `stack_info` is written as an array of lines. */
  stackInfoAsArray: boolean;
  /** The encoder of values JSON cannot hold, or `null` for the built-in one. */
  readonly jsonDefault: ((value: unknown) => unknown) | null;
  /** Indentation, or `null` for one line per record. */
  readonly jsonIndent: number | string | null;
  /** Whether non-ASCII characters are written as `\uXXXX`. */
  readonly jsonEnsureAscii: boolean;
  /** The fields `fmt` names, in order (python-json-logger's `_required_fields`). */
  readonly requiredFields: readonly string[];

  #jsonStyle: string;
  #jsonFmt: string | readonly string[] | null;
  #skip: ReadonlySet<string>;
  #skipsOwn: boolean;
  #needsTime: boolean;
  #writer: JsonWriter;
  #floatKeys: ReadonlySet<string>;
  #renames: boolean;
  /** Whether the fast path applies to this configuration (see #fastFields). */
  #simple: boolean;
  /** Keys an extra field may not take on the fast path: static fields and the timestamp's. */
  #taken: ReadonlySet<string> | null;
  #builtTimestamp: boolean | string;
  #formatting = false;
  #keysBuffer: string[] = [];
  #valuesBuffer: unknown[] = [];

  /**
   * Creates a JSON formatter, like python-json-logger's `JsonFormatter(fmt, datefmt, style,
   * validate, *, prefix, rename_fields, ...)`.
   *
   * @param fmt The fields to write: a format in `style` (only the names it holds matter), or an
   *   array of names. `%(message)s` (just `message`) by default.
   * @param options python-json-logger's keyword arguments in camelCase.
   * @throws {ValueError} For an unknown style ("Style must be one of: '%{$,'") or, with
   *   `validate`, a malformed format.
   * @throws {TypeError} For an unknown option or a value of the wrong type.
   *
   * @example
   * ```ts
   * import { JSONFormatter, makeLogRecord } from "@x/loghandlers";
   * const f = new JSONFormatter(["name", "message"], { timestamp: "ts" });
   * const r = makeLogRecord({ name: "db", msg: "up", created: 1700000000.25 });
   * console.assert(f.format(r) === '{"name": "db", "message": "up", "ts": "2023-11-14T22:13:20.250000+00:00"}');
   * ```
   */
  constructor(fmt?: string | readonly string[] | null, options: JSONFormatterOptions = {}) {
    checkOption(
      "JSONFormatter",
      "fmt",
      fmt,
      FIELDS_FORMAT,
    );
    checkOptions(
      "JSONFormatter",
      options,
      RULES,
      EXAMPLE,
      new.target === JSONFormatter ? "refuse" : "allow",
    );
    const style = options.style ?? "%";
    const validate = options.validate ?? true;
    const sequence = Array.isArray(fmt);
    const pythonStyle = style === "%" || style === "{" || style === "$";
    if (!sequence && !pythonStyle && style !== "," && validate) {
      throw new ValueError("Style must be one of: '%{$,'");
    }
    super(sequence || !pythonStyle ? null : fmt as string | null, {
      datefmt: options.datefmt ?? null,
      style: pythonStyle ? style : "%",
      validate: sequence || !pythonStyle ? false : validate,
    });
    this.#jsonStyle = sequence ? "__sequence__" : style;
    this.#jsonFmt = sequence ? [...fmt as readonly string[]] : pythonStyle ? this.fmt : fmt ?? null;
    this.requiredFields = sequence ? [...fmt as readonly string[]] : this.parse();
    this.prefix = options.prefix ?? "";
    this.renameFields = { ...options.renameFields };
    this.staticFields = { ...options.staticFields };
    this.renameFieldsKeepMissing = options.renameFieldsKeepMissing ?? false;
    this.reservedAttrs = new Set(options.reservedAttrs ?? RECORD_ATTRIBUTES);
    this.timestamp = options.timestamp ?? false;
    this.defaults = { ...options.defaults };
    this.excInfoAsArray = options.excInfoAsArray ?? false;
    this.stackInfoAsArray = options.stackInfoAsArray ?? false;
    this.jsonDefault = options.jsonDefault ?? null;
    this.jsonIndent = options.jsonIndent ?? null;
    this.jsonEnsureAscii = options.jsonEnsureAscii ?? true;
    const skip = new Set(this.requiredFields);
    for (const name of this.reservedAttrs) skip.add(name);
    this.#skip = skip;
    this.#skipsOwn = reservesOwnAttributes(skip);
    this.#needsTime = this.requiredFields.includes("asctime");
    this.#renames = Object.keys(this.renameFields).length > 0;
    this.#floatKeys = new Set(FLOAT_ATTRIBUTES.map((name) => this.#rename(name)));
    const staticKeys = Object.keys(this.staticFields);
    const timestampKey = this.timestamp === false
      ? []
      : [typeof this.timestamp === "string" ? this.timestamp : "timestamp"];
    const taken = [...staticKeys, ...timestampKey];
    // Duplicate keys among the fields, statics and timestamp need the general path's ordering.
    const all = [...this.requiredFields, ...taken];
    this.#simple = !this.#renames && !this.renameFieldsKeepMissing &&
      Object.keys(this.defaults).length === 0 && new Set(all).size === all.length &&
      staticKeys.every((key) => key !== "__proto__");
    this.#taken = taken.length > 0 ? new Set(taken) : null;
    this.#builtTimestamp = this.timestamp;
    this.#writer = new JsonWriter({
      indent: this.jsonIndent,
      ensureAscii: this.jsonEnsureAscii,
      default: this.jsonDefault,
      maxDepth: options.maxDepth,
      maxLength: options.maxLength,
    });
  }

  /**
   * The field names `fmt` holds, as python-json-logger's `parse()` finds them: `%(name)`,
   * `{name}` (with any format spec kept: `{levelname:<8}` names `levelname:<8`), `${name}` or
   * `$name`, or the comma-separated names of the `","` style. Override to support another style.
   *
   * @returns The names, in order.
   * @throws {ValueError} For a style it does not know.
   *
   * @example
   * ```ts
   * import { JSONFormatter } from "@x/loghandlers";
   * console.assert(new JSONFormatter("{asctime} {message}", { style: "{" }).parse().join() === "asctime,message");
   * console.assert(new JSONFormatter("name, message", { style: "," }).parse().join() === "name,message");
   * ```
   */
  parse(): string[] {
    const fmt = this.#jsonFmt ?? (this.#jsonStyle === "%" ? this.fmt : null);
    const style = this.#jsonStyle ?? this.style;
    if (fmt === null) return [];
    if (typeof fmt !== "string") return [...fmt];
    return formatFields(fmt, style);
  }

  /**
   * Formats the record as JSON: python-json-logger's `format`. A plain-object (or `Map`) message
   * is copied into the output and `record.message` is `""`; otherwise `record.message` is the
   * merged message. The caller's object is never changed.
   *
   * @param record The record.
   * @returns `prefix` followed by the JSON text.
   *
   * @example
   * ```ts
   * import { JSONFormatter, makeLogRecord } from "@x/loghandlers";
   * const r = makeLogRecord({ msg: "failed", stack_info: "Stack:\n  at main" });
   * console.assert(new JSONFormatter(null, { stackInfoAsArray: true }).format(r) ===
   *   '{"message": "failed", "stack_info": ["Stack:", "  at main"]}');
   * ```
   */
  override format(record: LogRecord): string {
    let messageDict: LogData | null = null;
    const msg = record.msg;
    if (typeof msg !== "string" && isDictMessage(msg)) {
      messageDict = copyMapping(msg);
      record.message = "";
    } else {
      record.message = record.getMessage();
    }
    if (this.#needsTime) record.asctime = this.formatTime(record, this.datefmt);
    const exc = record.exc_info;
    if (exc !== null && exc !== undefined && exc !== false && !messageDict?.exc_info) {
      const text = this.formatException(exc);
      (messageDict ??= {}).exc_info = this.excInfoAsArray ? splitLines(text) : text;
    }
    if (!messageDict?.exc_info && record.exc_text) {
      // python-json-logger splits only what formatException returns, not a cached exc_text.
      (messageDict ??= {}).exc_info = record.exc_text;
    }
    if (record.stack_info && !messageDict?.stack_info) {
      const text = this.formatStack(record.stack_info);
      (messageDict ??= {}).stack_info = this.stackInfoAsArray ? splitLines(text) : text;
    }
    if (messageDict === null && this.#simple && this.#hooksAsBuilt()) {
      const text = this.#fastFields(record);
      if (text !== null) return this.prefix + text;
    }
    const logData: LogData = {};
    this.addFields(logData, record, messageDict ?? {});
    return this.serializeLogRecord(this.processLogRecord(logData));
  }

  /** Whether the methods the fast path stands in for are this class's own. */
  #hooksAsBuilt(): boolean {
    return this.timestamp === this.#builtTimestamp && !this.renameFieldsKeepMissing &&
      this.addFields === PROTO.addFields &&
      this.processLogRecord === PROTO.processLogRecord &&
      this.serializeLogRecord === PROTO.serializeLogRecord &&
      this.jsonifyLogRecord === PROTO.jsonifyLogRecord;
  }

  /**
   * The hot path of the common configuration (no `defaults`, `renameFields`, plain-object
   * message, error or stack): what `addFields` would collect, written without building the
   * object. `null` when an extra field collides with a static field or the timestamp's key,
   * which the general path orders.
   */
  #fastFields(record: LogRecord): string | null {
    // The buffers are reused; a format inside a format (a jsonDefault that logs) gets its own.
    const nested = this.#formatting;
    const keys = nested ? [] : this.#keysBuffer;
    const values = nested ? [] : this.#valuesBuffer;
    this.#formatting = true;
    try {
      return this.#collect(record, keys, values);
    } finally {
      this.#formatting = nested;
    }
  }

  #collect(record: LogRecord, keys: string[], values: unknown[]): string | null {
    const fields = record as unknown as Record<string, unknown>;
    const required = this.requiredFields;
    let n = 0;
    for (; n < required.length; n++) {
      const name = required[n];
      const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
      keys[n] = name;
      values[n] = value === undefined ? null : value;
    }
    const statics = this.staticFields;
    for (const key in statics) {
      keys[n] = key;
      values[n++] = statics[key];
    }
    const skip = this.#skip;
    const taken = this.#taken;
    const names = Object.keys(fields);
    const start = this.#skipsOwn ? extraFieldsStart(names) : 0;
    for (let i = start; i < names.length; i++) {
      const key = names[i];
      if (skip.has(key) || key.charCodeAt(0) === 95 /* _ */) continue;
      const value = fields[key];
      if (value === undefined) continue;
      if (taken !== null && taken.has(key)) {
        keys.length = values.length = 0;
        return null;
      }
      keys[n] = key;
      values[n++] = value;
    }
    const timestamp = this.timestamp;
    if (timestamp) {
      keys[n] = typeof timestamp === "string" ? timestamp : "timestamp";
      values[n++] = isoTimestamp(record.created);
    }
    const text = this.#writer.stringifyEntries(keys, values, n, this.#floatKeys);
    for (let i = 0; i < n; i++) values[i] = null; // hold no reference to the record's values
    return text;
  }

  /**
   * Collects the record's fields into `logData`, in output order: python-json-logger's
   * `add_fields`. Override it to add or compute fields (call `super.addFields` first).
   *
   * @param logData The fields so far (written in insertion order).
   * @param record The record.
   * @param messageDict A plain-object message's fields, with `exc_info` and `stack_info`.
   *
   * @example
   * ```ts
   * import { JSONFormatter, type LogData, type LogRecord, makeLogRecord } from "@x/loghandlers";
   * class WithLevel extends JSONFormatter {
   *   override addFields(logData: LogData, record: LogRecord, messageDict: LogData) {
   *     super.addFields(logData, record, messageDict);
   *     logData.level = record.levelname.toLowerCase();
   *   }
   * }
   * const r = makeLogRecord({ msg: "hi", levelname: "WARNING" });
   * console.assert(new WithLevel().format(r) === '{"message": "hi", "level": "warning"}');
   * ```
   */
  addFields(logData: LogData, record: LogRecord, messageDict: LogData): void {
    const defaults = this.defaults;
    for (const key in defaults) setField(logData, this.#rename(key), defaults[key]);
    const fields = record as unknown as Record<string, unknown>;
    const required = this.requiredFields;
    for (let i = 0; i < required.length; i++) {
      const name = required[i];
      const value = Object.hasOwn(fields, name) ? fields[name] : undefined;
      setField(logData, this.#rename(name), value === undefined ? null : value);
    }
    const statics = this.staticFields;
    for (const key in statics) setField(logData, this.#rename(key), statics[key]);
    for (const key in messageDict) setField(logData, this.#rename(key), messageDict[key]);
    const skip = this.#skip;
    for (const key in fields) {
      if (skip.has(key) || key.charCodeAt(0) === 95 /* _ */ || !Object.hasOwn(fields, key)) {
        continue;
      }
      const value = fields[key];
      if (value !== undefined) setField(logData, this.#rename(key), value);
    }
    const timestamp = this.timestamp;
    if (timestamp) {
      const key = typeof timestamp === "string" ? timestamp : "timestamp";
      setField(logData, this.#rename(key), isoTimestamp(record.created));
    }
    if (this.renameFieldsKeepMissing) {
      for (const key of Object.values(this.renameFields)) {
        if (!Object.hasOwn(logData, key)) setField(logData, key, null);
      }
    }
  }

  /**
   * A last change to the collected fields before they are written: python-json-logger's
   * `process_log_record`. Returns them unchanged; override to filter or rename.
   *
   * @param logData The collected fields.
   * @returns The fields to write.
   *
   * @example
   * ```ts
   * import { JSONFormatter, type LogData, makeLogRecord } from "@x/loghandlers";
   * class Upper extends JSONFormatter {
   *   override processLogRecord(logData: LogData): LogData {
   *     return { ...logData, message: String(logData.message).toUpperCase() };
   *   }
   * }
   * console.assert(new Upper().format(makeLogRecord({ msg: "hi" })) === '{"message": "HI"}');
   * ```
   */
  processLogRecord(logData: LogData): LogData {
    return logData;
  }

  /**
   * Writes the fields: `prefix` followed by {@linkcode JSONFormatter.jsonifyLogRecord}.
   *
   * @param logData The fields.
   * @returns The text.
   *
   * @example
   * ```ts
   * import { JSONFormatter } from "@x/loghandlers";
   * console.assert(new JSONFormatter(null, { prefix: "@cee: " }).serializeLogRecord({ a: 1 }) === '@cee: {"a": 1}');
   * ```
   */
  serializeLogRecord(logData: LogData): string {
    return this.prefix + this.jsonifyLogRecord(logData);
  }

  /**
   * The fields as JSON text, as Python's `json.dumps(log_data, default=json_default,
   * indent=json_indent, ensure_ascii=json_ensure_ascii)` writes them, never throwing. Numbers
   * under the (renamed) keys `created`, `msecs` and `relativeCreated` print as Python floats.
   *
   * @param logData The fields.
   * @returns The JSON text.
   *
   * @example
   * ```ts
   * import { JSONFormatter } from "@x/loghandlers";
   * console.assert(new JSONFormatter().jsonifyLogRecord({ msecs: 5, n: 5, when: new Date(0) }) ===
   *   '{"msecs": 5.0, "n": 5, "when": "1970-01-01T00:00:00+00:00"}');
   * ```
   */
  jsonifyLogRecord(logData: LogData): string {
    return this.#writer.stringify(logData, this.#floatKeys);
  }

  /**
   * Whether the fields include `asctime`.
   *
   * @returns `true` when `fmt` names `asctime`.
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
    return this.requiredFields.some((name) => CALLER_FIELDS.test(name));
  }

  #rename(key: string): string {
    if (!this.#renames) return key;
    const renamed = this.renameFields[key];
    return typeof renamed === "string" && Object.hasOwn(this.renameFields, key) ? renamed : key;
  }
}

const PROTO = JSONFormatter.prototype;

/**
 * {@linkcode JSONFormatter} under python-json-logger's own name (`pythonjsonlogger.json.
 * JsonFormatter`), for code and configurations ported from Python.
 *
 * @example
 * ```ts
 * import { JSONFormatter, JsonFormatter } from "@x/loghandlers";
 * console.assert(JsonFormatter === JSONFormatter);
 * ```
 */
export const JsonFormatter: typeof JSONFormatter = JSONFormatter;
/** {@linkcode JSONFormatter}'s options under python-json-logger's class name. */
export type JsonFormatterOptions = JSONFormatterOptions;
