/**
 * What a Python logging configuration names, resolved to this library: the classes by their
 * dotted Python names (`logging.handlers.RotatingFileHandler`), each with its Python signature so
 * that keyword arguments (`dictConfig`) and positional ones (`fileConfig`'s `args=`) reach the
 * matching TypeScript constructor, and the `ext://` values a config may refer to
 * (`ext://sys.stdout`, `ext://logging.DEBUG`, `ext://socket.SOCK_STREAM`).
 *
 * @module
 */

import { CRITICAL, DEBUG, ERROR, FATAL, INFO, NOTSET, WARN, WARNING } from "../core/levels.ts";
import { BufferingFormatter, Formatter } from "../core/formatter.ts";
import { Filter } from "../core/filter.ts";
import { NullHandler, StreamHandler } from "../handlers/stream.ts";
import { FileHandler } from "../handlers/file.ts";
import { WatchedFileHandler } from "../handlers/watched_file.ts";
import { RotatingFileHandler } from "../handlers/rotating.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { DatagramHandler, SocketHandler } from "../handlers/socket.ts";
import { SysLogHandler } from "../handlers/syslog.ts";
import { NTEventLogHandler } from "../handlers/nt_event_log.ts";
import { SMTPHandler } from "../handlers/smtp.ts";
import { BufferingHandler, MemoryHandler } from "../handlers/memory.ts";
import { HTTPHandler } from "../handlers/http.ts";
import { OTLPHandler } from "../handlers/otlp.ts";
import { QueueHandler, QueueListener } from "../handlers/queue.ts";
import {
  DEFAULT_HTTP_LOGGING_PORT,
  DEFAULT_TCP_LOGGING_PORT,
  DEFAULT_UDP_LOGGING_PORT,
  SYSLOG_TCP_PORT,
  SYSLOG_UDP_PORT,
} from "../handlers/ports.ts";
import { AsyncQueue } from "../core/io/queues.ts";
import { gmtime, localtime } from "../core/text/strftime.ts";
import { JSONFormatter } from "../core/json_formatter.ts";

/** A class as a value: anything `new` can be called on, whatever its parameters. */
export type AnyConstructor = new (...args: never[]) => unknown;

/**
 * A class a configuration can name: its Python parameters in order (for `args=` tuples and to
 * tell a keyword argument from an unknown key), the ones without a default, and how to
 * construct it, or a subclass of it that keeps its constructor, from Python's arguments by name.
 */
export interface KnownClass {
  /** The TypeScript class. */
  readonly ctor: AnyConstructor;
  /** Python's parameter names, in order; `*` marks where keyword-only parameters begin. */
  readonly params: readonly string[];
  /** The parameters without a default value, which a call must give. */
  readonly required: readonly string[];
  /**
   * Builds the object from Python's arguments by name (already resolved: `cfg://`, `ext://`).
   *
   * @param args The arguments, by Python's parameter names.
   * @param ctor The class to construct: {@linkcode KnownClass.ctor} (the default) or a subclass
   * of it that has no constructor of its own.
   * @returns The object.
   */
  build(
    args: Readonly<Record<string, unknown>>,
    ctor?: AnyConstructor,
    extra?: Readonly<Record<string, unknown>>,
  ): unknown;
}

/**
 * Options beyond Python's signature (this library's own, such as `compress` or `bufferSize`)
 * for the object being built: merged into its options object by {@linkcode pick}. Builds are
 * synchronous, so one variable serves.
 */
let extraOptions: Readonly<Record<string, unknown>> = {};

/**
 * Declares a known class: `build` receives the class to construct, typed as the base so that
 * its call is checked against the base's constructor.
 */
function known<C extends AnyConstructor>(
  ctor: C,
  params: readonly string[],
  required: readonly string[],
  build: (args: Readonly<Record<string, unknown>>, ctor: C) => unknown,
): KnownClass {
  return {
    ctor,
    params,
    required,
    build: (args, sub, extra = {}) => {
      extraOptions = extra;
      try {
        return build(args, (sub ?? ctor) as C);
      } finally {
        extraOptions = {};
      }
    },
  };
}

/**
 * Keeps the keys of `args` that are present, renamed by `names` (Python name -> ours), with the
 * library's own options of the object being built.
 */
function pick(
  args: Readonly<Record<string, unknown>>,
  names: Readonly<Record<string, string>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...extraOptions };
  for (const [py, ts] of Object.entries(names)) {
    if (args[py] !== undefined) out[ts] = args[py];
  }
  return out;
}

const FILE_OPTIONS = { mode: "mode", encoding: "encoding", delay: "delay", errors: "errors" };

/** Python's `socket.SOCK_STREAM` and `SOCK_DGRAM`, as `SysLogHandler` takes them. */
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;

/** Python's `SMTPHandler(secure=())`: any tuple means STARTTLS; our `{ caCerts }` passes. */
function smtpSecure(value: unknown): unknown {
  if (Array.isArray(value)) return true;
  return value;
}

/** Python's socket type, a number from `ext://socket.SOCK_*` or a name. */
function socktype(value: unknown): unknown {
  if (value === SOCK_STREAM) return "tcp";
  if (value === SOCK_DGRAM) return "udp";
  return value;
}

/** Python's `(host, port)` tuple as a list, or a socket path. */
function address(value: unknown): unknown {
  return Array.isArray(value) ? [value[0], value[1]] : value;
}

/** python-json-logger's `JsonFormatter`, with its keyword arguments (no `json_encoder`). */
const JSON_FORMATTER: KnownClass = known(
  JSONFormatter,
  [
    "fmt",
    "datefmt",
    "style",
    "validate",
    "*",
    "prefix",
    "rename_fields",
    "rename_fields_keep_missing",
    "static_fields",
    "reserved_attrs",
    "timestamp",
    "defaults",
    "exc_info_as_array",
    "stack_info_as_array",
    "json_default",
    "json_indent",
    "json_ensure_ascii",
  ],
  [],
  (a, C) =>
    new C(
      (a.fmt ?? null) as string | null,
      pick(a, {
        datefmt: "datefmt",
        style: "style",
        validate: "validate",
        prefix: "prefix",
        rename_fields: "renameFields",
        rename_fields_keep_missing: "renameFieldsKeepMissing",
        static_fields: "staticFields",
        reserved_attrs: "reservedAttrs",
        timestamp: "timestamp",
        defaults: "defaults",
        exc_info_as_array: "excInfoAsArray",
        stack_info_as_array: "stackInfoAsArray",
        json_default: "jsonDefault",
        json_indent: "jsonIndent",
        json_ensure_ascii: "jsonEnsureAscii",
      }),
    ),
);

/**
 * The classes a configuration can name by Python's dotted name, with their Python signatures.
 * `logging.X` and `logging.handlers.X` are both accepted for every handler, as configurations
 * in the wild use either.
 */
export const KNOWN_CLASSES: Readonly<Record<string, KnownClass>> = (() => {
  const table: Record<string, KnownClass> = {
    "logging.Formatter": known(
      Formatter,
      ["fmt", "datefmt", "style", "validate", "*", "defaults"],
      [],
      (a, C) =>
        new C(
          (a.fmt ?? null) as string | null,
          pick(a, {
            datefmt: "datefmt",
            style: "style",
            validate: "validate",
            defaults: "defaults",
          }),
        ),
    ),
    "logging.BufferingFormatter": known(
      BufferingFormatter,
      ["linefmt"],
      [],
      (a, C) => new C((a.linefmt ?? null) as Formatter | null),
    ),
    "logging.Filter": known(Filter, ["name"], [], (a, C) => new C((a.name ?? "") as string)),
    "logging.StreamHandler": known(
      StreamHandler,
      ["stream"],
      [],
      (a, C) => new C((a.stream ?? undefined) as never),
    ),
    "logging.NullHandler": known(NullHandler, [], [], (_a, C) => new C()),
    "logging.FileHandler": known(
      FileHandler,
      ["filename", "mode", "encoding", "delay", "errors"],
      ["filename"],
      (a, C) => new C(a.filename as string, pick(a, FILE_OPTIONS)),
    ),
    "logging.handlers.WatchedFileHandler": known(
      WatchedFileHandler,
      ["filename", "mode", "encoding", "delay", "errors"],
      ["filename"],
      (a, C) => new C(a.filename as string, pick(a, FILE_OPTIONS)),
    ),
    "logging.handlers.RotatingFileHandler": known(
      RotatingFileHandler,
      ["filename", "mode", "maxBytes", "backupCount", "encoding", "delay", "errors"],
      ["filename"],
      (a, C) =>
        new C(
          a.filename as string,
          pick(a, { ...FILE_OPTIONS, maxBytes: "maxBytes", backupCount: "backupCount" }),
        ),
    ),
    "logging.handlers.TimedRotatingFileHandler": known(
      TimedRotatingFileHandler,
      [
        "filename",
        "when",
        "interval",
        "backupCount",
        "encoding",
        "delay",
        "utc",
        "atTime",
        "errors",
      ],
      ["filename"],
      (a, C) =>
        new C(
          a.filename as string,
          pick(a, {
            when: "when",
            interval: "interval",
            backupCount: "backupCount",
            encoding: "encoding",
            delay: "delay",
            utc: "utc",
            atTime: "atTime",
            errors: "errors",
          }),
        ),
    ),
    "logging.handlers.SocketHandler": known(
      SocketHandler,
      ["host", "port"],
      ["host", "port"],
      (a, C) => new C(a.host as string, (a.port ?? null) as number | null),
    ),
    "logging.handlers.DatagramHandler": known(
      DatagramHandler,
      ["host", "port"],
      ["host", "port"],
      (a, C) => new C(a.host as string, (a.port ?? null) as number | null),
    ),
    "logging.handlers.SysLogHandler": known(
      SysLogHandler,
      ["address", "facility", "socktype", "timeout"],
      [],
      (a, C) =>
        new C(
          pick(
            {
              ...a,
              address: a.address === undefined ? undefined : address(a.address),
              socktype: a.socktype === undefined || a.socktype === null
                ? undefined
                : socktype(a.socktype),
            },
            { address: "address", facility: "facility", socktype: "socktype", timeout: "timeout" },
          ),
        ),
    ),
    "logging.handlers.NTEventLogHandler": known(
      NTEventLogHandler,
      ["appname", "dllname", "logtype"],
      ["appname"],
      (a, C) => new C(a.appname as string, pick(a, { dllname: "dllname", logtype: "logtype" })),
    ),
    "logging.handlers.SMTPHandler": known(
      SMTPHandler,
      [
        "mailhost",
        "fromaddr",
        "toaddrs",
        "subject",
        "credentials",
        "secure",
        "timeout",
      ],
      ["mailhost", "fromaddr", "toaddrs", "subject"],
      (a, C) =>
        new C({
          mailhost: address(a.mailhost) as string,
          fromaddr: a.fromaddr as string,
          toaddrs: a.toaddrs as string[],
          subject: a.subject as string,
          ...pick(
            { ...a, secure: a.secure === undefined ? undefined : smtpSecure(a.secure) },
            { credentials: "credentials", secure: "secure", timeout: "timeout" },
          ),
        }),
    ),
    "logging.handlers.BufferingHandler": known(
      BufferingHandler,
      ["capacity"],
      ["capacity"],
      (a, C) => new C(a.capacity as number),
    ),
    "logging.handlers.MemoryHandler": known(
      MemoryHandler,
      ["capacity", "flushLevel", "target", "flushOnClose"],
      ["capacity"],
      (a, C) =>
        new C(
          a.capacity as number,
          pick(a, { flushLevel: "flushLevel", target: "target", flushOnClose: "flushOnClose" }),
        ),
    ),
    "logging.handlers.HTTPHandler": known(
      HTTPHandler,
      ["host", "url", "method", "secure", "credentials", "context"],
      ["host", "url"],
      (a, C) =>
        new C(
          a.host as string,
          a.url as string,
          pick(a, {
            method: "method",
            secure: "secure",
            credentials: "credentials",
            context: "context",
          }),
        ),
    ),
    "logging.handlers.QueueHandler": known(
      QueueHandler,
      ["queue"],
      ["queue"],
      (a, C) => new C(a.queue as never),
    ),
    "logging.handlers.QueueListener": known(
      QueueListener,
      ["queue", "*handlers", "respect_handler_level"],
      ["queue"],
      (a, C) =>
        new C(
          a.queue as never,
          (a.handlers ?? []) as never,
          pick(a, { respect_handler_level: "respectHandlerLevel" }),
        ),
    ),
    "queue.Queue": known(
      AsyncQueue,
      ["maxsize"],
      [],
      (a, C) => new C((a.maxsize ?? 0) as number),
    ),
    // opentelemetry-python's handler, whose exporter the OTEL_EXPORTER_OTLP_* variables set
    // up; here the handler sends itself (`endpoint` and the other options as extra keys).
    "opentelemetry.sdk._logs.LoggingHandler": known(
      OTLPHandler,
      ["level", "logger_provider"],
      [],
      (a, C) => {
        if (a.logger_provider !== undefined && a.logger_provider !== null) {
          throw new TypeError(
            `Cannot create OTLPHandler as 'logger_provider' has no meaning here: give ` +
              `'endpoint', 'protocol', 'headers' or 'resource' instead`,
          );
        }
        const { endpoint, ...options } = pick(a, {});
        const handler = new C(endpoint as string | undefined, options);
        if (a.level !== undefined) handler.setLevel(a.level as number);
        return handler;
      },
    ),
    "pythonjsonlogger.json.JsonFormatter": JSON_FORMATTER,
    // python-json-logger before 3.1 (still importable in 4.x, deprecated).
    "pythonjsonlogger.jsonlogger.JsonFormatter": JSON_FORMATTER,
  };
  // Configurations name the handlers of logging/__init__.py under logging.handlers too, and
  // the others under logging (CPython resolves both through attribute access).
  for (const name of Object.keys(table)) {
    if (name.startsWith("logging.handlers.")) {
      const short = `logging.${name.slice("logging.handlers.".length)}`;
      table[short] ??= table[name];
    } else if (name.startsWith("logging.") && name.endsWith("Handler")) {
      table[`logging.handlers.${name.slice("logging.".length)}`] ??= table[name];
    }
  }
  return Object.freeze(table);
})();

/**
 * Every known class by its constructor, with its canonical dotted name (the first one above:
 * `logging.FileHandler`, `logging.handlers.RotatingFileHandler`), so that a class given as a
 * value, or a subclass of one, is built with its Python signature.
 */
export const KNOWN_CONSTRUCTORS: ReadonlyMap<
  AnyConstructor,
  { readonly name: string; readonly known: KnownClass }
> = (() => {
  const map = new Map<AnyConstructor, { name: string; known: KnownClass }>();
  for (const [name, known] of Object.entries(KNOWN_CLASSES)) {
    if (!map.has(known.ctor)) map.set(known.ctor, { name, known });
  }
  return map;
})();

/**
 * The values `ext://` names that exist in Deno: the standard streams, the level constants, the
 * socket types `SysLogHandler` takes, the default ports of `logging.handlers`, and
 * `time.gmtime`/`time.localtime` (a formatter's `converter`). The classes of
 * {@linkcode KNOWN_CLASSES} resolve by their names too.
 */
export const EXTERNAL_VALUES: Readonly<Record<string, unknown>> = Object.freeze({
  "sys.stdout": Deno.stdout,
  "sys.stderr": Deno.stderr,
  "logging.CRITICAL": CRITICAL,
  "logging.FATAL": FATAL,
  "logging.ERROR": ERROR,
  "logging.WARNING": WARNING,
  "logging.WARN": WARN,
  "logging.INFO": INFO,
  "logging.DEBUG": DEBUG,
  "logging.NOTSET": NOTSET,
  "logging.handlers.DEFAULT_TCP_LOGGING_PORT": DEFAULT_TCP_LOGGING_PORT,
  "logging.handlers.DEFAULT_UDP_LOGGING_PORT": DEFAULT_UDP_LOGGING_PORT,
  "logging.handlers.DEFAULT_HTTP_LOGGING_PORT": DEFAULT_HTTP_LOGGING_PORT,
  "logging.handlers.DEFAULT_SOAP_LOGGING_PORT": 9023,
  "logging.handlers.SYSLOG_UDP_PORT": SYSLOG_UDP_PORT,
  "logging.handlers.SYSLOG_TCP_PORT": SYSLOG_TCP_PORT,
  "socket.SOCK_STREAM": SOCK_STREAM,
  "socket.SOCK_DGRAM": SOCK_DGRAM,
  "time.gmtime": gmtime,
  "time.localtime": localtime,
});
