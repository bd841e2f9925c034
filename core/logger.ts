/**
 * Loggers: Python's dotted logger tree, `getLogger`, keyword arguments, `LoggerAdapter`.
 *
 * @module
 */

import { Filterer } from "./filter.ts";
import { Handler, writeStderr } from "./handler.ts";
import { sourceLine } from "./io/source_lines.ts";
import { KeyError } from "./text/errors.ts";
import {
  checkLevel,
  CRITICAL,
  DEBUG,
  ERROR,
  getLevelName,
  getLevelNamesMapping,
  INFO,
  type Level,
  NOTSET,
  WARNING,
} from "./levels.ts";
import { percentArgCount } from "./text/percent.ts";
import { pyRepr, pyStr } from "./text/pystr.ts";
import { isMapping, type LogArgs, LogRecord } from "./record.ts";
import { stamping, stampRecord } from "./context.ts";
import { bumpConfigGeneration, configGeneration, settings } from "./settings.ts";
import { describeValue } from "./text/options.ts";

/**
 * Python's keyword arguments of a logging call, in TypeScript: pass them with
 * {@linkcode kw} as the last argument.
 */
export interface LogKwargsInit {
  /**
   * The error to report with the record (Python's `exc_info`): any thrown value; `null` or
   * `false` for none. `true` (Python's "the current exception") has no meaning in JavaScript: it
   * is ignored, with a one-time warning on stderr saying to pass the error.
   */
  exc_info?: unknown;
  /** Whether to add the stack of the logging call to the record (`stack_info`). */
  stack_info?: boolean;
  /**
   * Which caller to report, counting from the logging call: 1 is the function that called the
   * logging method, 2 its caller, and so on (`stacklevel`).
   *
   * @default {1}
   */
  stacklevel?: number;
  /** Attributes to add to the record (`extra`); they may not overwrite the record's own. */
  extra?: Readonly<Record<string, unknown>> | null;
}

/**
 * The keyword arguments of one logging call. Made by {@linkcode kw}; recognised only as the
 * last argument, so that a trailing plain object stays a `%(key)s` mapping, as in Python.
 *
 * `value instanceof LogKwargs` never throws and never runs code of `value`: it tests a private
 * brand, so a revoked Proxy or one whose traps throw is simply not a `LogKwargs`.
 *
 * @example
 * ```ts
 * import { kw, LogKwargs } from "@x/loghandlers";
 * console.assert(kw({ stacklevel: 2 }) instanceof LogKwargs);
 * const { proxy, revoke } = Proxy.revocable({}, {});
 * revoke();
 * console.assert(!(proxy instanceof LogKwargs));
 * ```
 */
export class LogKwargs {
  /** The keyword arguments. */
  readonly init: Readonly<LogKwargsInit>;
  #brand = true;

  /**
   * Wraps Python's keyword arguments for a logging call.
   *
   * @param init The keyword arguments.
   */
  constructor(init: LogKwargsInit) {
    this.init = init;
  }

  /**
   * Whether `value` was made by this class (or a subclass, when called on one), without
   * touching `value`'s prototype chain or any trap of a Proxy.
   *
   * @param value Any value.
   * @returns `true` for a `LogKwargs`.
   */
  static [Symbol.hasInstance](value: unknown): value is LogKwargs {
    if (typeof value !== "object" || value === null || !(#brand in value)) return false;
    return this === LogKwargs || Function.prototype[Symbol.hasInstance].call(this, value);
  }
}

/**
 * Wraps Python's keyword arguments (`exc_info`, `stack_info`, `stacklevel`, `extra`) for a
 * logging call; pass the result as the last argument.
 *
 * Anything else is a thrown value to report: `kw(err)` is `kw({ exc_info: err })`, whatever
 * `err` is (an `Error`, a string, any value a `catch` clause gives you as `unknown`). At run
 * time, keyword arguments are a plain object whose keys are all among those four; any other
 * value, a plain object with another key included, is taken as the thrown value. TypeScript
 * checks an object literal's keys and types: `kw({ extar: {} })` does not compile.
 *
 * @typeParam T The argument's type, inferred: `unknown` and `Error` pass as they are, an object
 *   type must be keyword arguments.
 * @param init The keyword arguments, or a thrown value to report.
 * @returns The wrapped keyword arguments.
 *
 * @example
 * ```ts
 * import { getLogger, kw } from "@x/loghandlers";
 * const log = getLogger("doc.kw");
 * log.error("upload of %s failed", "a.txt", kw({ extra: { user: "ada" } }));
 * try {
 *   JSON.parse("{");
 * } catch (err) { // err is `unknown` under strict TypeScript
 *   log.error("bad config", kw(err)); // same as kw({ exc_info: err })
 * }
 * console.assert(kw("thrown text").init.exc_info === "thrown text");
 * console.assert(kw({ stacklevel: 2 }).init.stacklevel === 2);
 * ```
 */
export function kw<T>(
  init:
    & T
    & (unknown extends T ? unknown
      : T extends Error ? unknown
      : T extends object
        ? LogKwargsInit & { readonly [K in Exclude<keyof T, keyof LogKwargsInit>]: never }
      : unknown),
): LogKwargs {
  if (isKwargsInit(init)) return new LogKwargs(init as LogKwargsInit);
  if (init instanceof LogKwargs) return init;
  return new LogKwargs({ exc_info: init });
}

/** Whether `key` is one of {@linkcode LogKwargsInit}'s keys. */
function isKwargKey(key: string): boolean {
  return key === "extra" || key === "exc_info" || key === "stacklevel" || key === "stack_info";
}

/**
 * Whether `value` is keyword arguments rather than a thrown value: a plain object whose keys
 * are all {@linkcode LogKwargsInit}'s. One that cannot be looked at (a revoked Proxy, throwing
 * traps) counts as keyword arguments: they are read under `try` by the logging call, which
 * reports what it cannot read.
 */
function isKwargsInit(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return false;
  try {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) return false;
    for (const key in value) if (!isKwargKey(key)) return false;
    return true;
  } catch {
    return true;
  }
}

/** `value instanceof Error`, false where asking throws (a revoked Proxy, a throwing trap). */
function isError(value: unknown): value is Error {
  if (typeof value !== "object" || value === null) return false;
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** Builds a record; the default is `new LogRecord(...)`. See {@linkcode setLogRecordFactory}. */
export type LogRecordFactory = (
  name: string,
  level: number,
  pathname: string,
  lineno: number,
  msg: unknown,
  args: LogArgs | null,
  excInfo: unknown,
  func: string | null,
  sinfo: string | null,
) => LogRecord;

const defaultFactory: LogRecordFactory = (
  name,
  level,
  pathname,
  lineno,
  msg,
  args,
  excInfo,
  func,
  sinfo,
) => new LogRecord(name, level, pathname, lineno, msg, args, excInfo, func, sinfo);
let recordFactory: LogRecordFactory = defaultFactory;

/**
 * A record class: `LogRecord` or a class that extends it, with `LogRecord`'s constructor
 * arguments. {@linkcode setLogRecordFactory} takes one in place of a factory, as Python takes
 * any callable (a class included), and makes the records with `new`.
 */
export type LogRecordClass = new (...args: Parameters<LogRecordFactory>) => LogRecord;

/**
 * Sets the function that makes every record, like Python's `logging.setLogRecordFactory`. A
 * record class (`LogRecord` or a class that extends it) may be given instead, as in Python:
 * every record is then made with `new`, and {@linkcode getLogRecordFactory} returns a factory
 * that does that (`setLogRecordFactory(LogRecord)` restores the default factory).
 *
 * @param factory The factory or record class; pass the value of {@linkcode getLogRecordFactory}
 * to restore.
 * @throws {TypeError} When `factory` is not a function.
 *
 * @example
 * ```ts
 * import { getLogRecordFactory, LogRecord, setLogRecordFactory } from "@x/loghandlers";
 * const old = getLogRecordFactory();
 * setLogRecordFactory((...a) => {
 *   const r = old(...a);
 *   r.custom = "x";
 *   return r;
 * });
 * console.assert(getLogRecordFactory() !== old);
 * setLogRecordFactory(old);
 * console.assert(getLogRecordFactory() === old);
 * class AuditRecord extends LogRecord {}
 * setLogRecordFactory(AuditRecord);
 * const r = getLogRecordFactory()("x", 20, "", 0, "hi", null, null, null, null);
 * console.assert(r instanceof AuditRecord);
 * setLogRecordFactory(old);
 * ```
 */
export function setLogRecordFactory(factory: LogRecordFactory | LogRecordClass): void {
  recordFactory = toFactory("setLogRecordFactory", factory);
}

/**
 * Checks a factory given to `owner`; a record class becomes a factory that calls it with `new`
 * (a class cannot be called without it).
 */
function toFactory(owner: string, factory: unknown): LogRecordFactory {
  if (typeof factory !== "function") {
    throw new TypeError(
      `Cannot call ${owner} as 'factory' must be a function that returns a LogRecord: current ` +
        `value is ${describeValue(factory)}`,
    );
  }
  if (!isRecordClass(factory)) return factory as LogRecordFactory;
  if (factory === LogRecord) return defaultFactory;
  const RecordClass = factory as LogRecordClass;
  return (...args) => new RecordClass(...args);
}

/** Whether `f` is `LogRecord` or a class that extends it; false where asking throws. */
function isRecordClass(f: unknown): boolean {
  try {
    return f === LogRecord || (f as { prototype?: unknown }).prototype instanceof LogRecord;
  } catch {
    return false;
  }
}

/**
 * Returns the function that makes every record.
 *
 * @returns The current factory.
 *
 * @example
 * ```ts
 * import { getLogRecordFactory } from "@x/loghandlers";
 * const r = getLogRecordFactory()("x", 20, "", 0, "hi", null, null, null, null);
 * console.assert(r.getMessage() === "hi");
 * ```
 */
export function getLogRecordFactory(): LogRecordFactory {
  return recordFactory;
}

type Frame = {
  getFileName(): string | null | undefined;
  getLineNumber(): number | null;
  getFunctionName(): string | null;
  getMethodName(): string | null;
  isToplevel(): boolean | null;
};
/** `file:` URLs of frames, turned into paths (a cache: the same few files recur). */
const paths = new Map<string, string>();
// Frames in these folders belong to the library and are skipped when looking for the caller
// (config/ holds the module-level debug() ... critical(), which log for their caller).
// V8 names a frame's file by URL or, for local modules in newer Deno, by plain path.
const INTERNAL_PREFIXES: readonly string[] = [
  new URL("./", import.meta.url).href,
  new URL("../handlers/", import.meta.url).href,
  new URL("../config/", import.meta.url).href,
].flatMap((href) => href.startsWith("file://") ? [href, pathOf(href)] : [href]);

function isInternal(file: string): boolean {
  for (let i = 0; i < INTERNAL_PREFIXES.length; i++) {
    if (file.startsWith(INTERNAL_PREFIXES[i])) return true;
  }
  return false;
}

function pathOf(file: string): string {
  if (!file.startsWith("file://")) return file;
  let path = paths.get(file);
  if (path === undefined) {
    path = decodeURIComponent(file.slice(7));
    if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
    if (paths.size > 1000) paths.clear();
    paths.set(file, path);
  }
  return path;
}

function functionName(frame: Frame): string {
  const name = frame.getFunctionName() ?? frame.getMethodName();
  if (name) return name;
  return frame.isToplevel() ? "<module>" : "<anonymous>";
}

function captureFrames(above: (...args: never[]) => unknown, limit: number): Frame[] {
  const E = Error as unknown as {
    prepareStackTrace?: (e: Error, frames: Frame[]) => unknown;
    stackTraceLimit: number;
    captureStackTrace(target: object, fn?: (...args: never[]) => unknown): void;
  };
  const prepare = E.prepareStackTrace;
  const oldLimit = E.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  try {
    E.prepareStackTrace = (_e, frames) => frames;
    E.stackTraceLimit = limit;
    E.captureStackTrace(holder, above);
    const frames = holder.stack;
    return Array.isArray(frames) ? frames as Frame[] : [];
  } finally {
    E.prepareStackTrace = prepare;
    E.stackTraceLimit = oldLimit;
  }
}

/**
 * The error `exception()` attaches when no `exc_info` is given: the last argument that is an
 * `Error`, else the message when it is one. (When that error is left over by the message's
 * placeholders, the logging call takes it out of the arguments: see `Logger.error`.) Used by
 * `Logger.exception` and `LoggerAdapter.exception`.
 *
 * @param msg The message.
 * @param args The arguments, possibly ending with `kw(...)`.
 * @returns The error, or `null`.
 */
export function takeException(msg: unknown, args: readonly unknown[]): unknown {
  const end = args.length !== 0 && args[args.length - 1] instanceof LogKwargs
    ? args.length - 1
    : args.length;
  for (let i = end - 1; i >= 0; i--) {
    if (isError(args[i])) return args[i];
  }
  return isError(msg) ? msg : null;
}

/**
 * Whether the last of `count` positional arguments is left over by `msg`'s `%` placeholders,
 * alone: `msg` is a string that consumes exactly `count - 1` arguments (a `%(key)s` format
 * consumes one, the mapping).
 */
function lastIsLeftOver(msg: unknown, count: number): boolean {
  return typeof msg === "string" && percentArgCount(msg) === count - 1;
}

let warnedExcInfoTrue = false;

/**
 * Says once per process, on stderr, that `exc_info: true` (Python's "the current exception")
 * has no meaning in JavaScript. The logging call goes on as if `exc_info` were not given.
 */
export function warnExcInfoTrue(): void {
  if (warnedExcInfoTrue) return;
  warnedExcInfoTrue = true;
  try {
    writeStderr(
      "Logger: kw({ exc_info: true }) is ignored: JavaScript has no current exception. " +
        "Pass the error instead: kw(err), kw({ exc_info: err }), or as the last argument " +
        '(log.error("failed", err)).\n',
    );
  } catch {
    // stderr itself failed: the record is logged all the same
  }
}

/** What {@linkcode readKwarg} returns when reading threw; the error is in `readError`. */
const UNREADABLE: unique symbol = Symbol("unreadable");
let readError: Error = new Error();
/** The error {@linkcode copyExtra} met, if any. */
let copyError: Error | undefined;

/** `init[key]`, or `UNREADABLE` (and the error in `readError`) when reading it throws. */
function readKwarg(init: unknown, key: keyof LogKwargsInit): unknown {
  try {
    return (init as Record<string, unknown>)[key];
  } catch (error) {
    readError = cannotRead(`kw()'s '${key}'`, error);
    return UNREADABLE;
  }
}

/**
 * Copies `extra` into a plain object, reading each attribute once: what cannot be read (a
 * throwing getter, a revoked Proxy, throwing traps) is left out, and the first such error is
 * left in `copyError` (else it is set to `undefined`). `makeRecord` gets the copy.
 */
function copyExtra(extra: unknown): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  const source = extra as Record<string, unknown>;
  let error: Error | undefined;
  try {
    for (const key in source) {
      let value: unknown;
      try {
        value = source[key];
      } catch (e) {
        error ??= cannotRead(`kw({ extra })'s '${key}'`, e);
        continue;
      }
      if (key !== "__proto__") copy[key] = value;
      else defineOwn(copy, key, value);
    }
  } catch (e) {
    error ??= cannotRead("kw({ extra })", e);
  }
  copyError = error;
  return copy;
}

/** Whether LogRecord's test of a sole argument (a non-empty mapping?) can run on `value`. */
function canInspectSole(value: unknown): boolean {
  if (typeof value !== "object" || value === null) return true;
  try {
    if (isMapping(value)) {
      if (value instanceof Map) void value.size;
      else for (const _ in value) break;
    }
    return true;
  } catch {
    return false;
  }
}

/** Sets `key` as an own, plain data property of `target`, whatever `target` inherits. */
function defineOwn(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    writable: true,
    enumerable: true,
    configurable: true,
  });
}

/** The error reported for an argument that threw when read: it names what and says why. */
function cannotRead(what: string, error: unknown): Error {
  return new TypeError(
    `Cannot read ${what} of a logging call: ${errorText(error)}`,
    isError(error) ? { cause: error } : undefined,
  );
}

/** The message of a thrown value, whatever it is. */
function errorText(error: unknown): string {
  try {
    if (isError(error)) return `${error.name}: ${error.message}`;
  } catch {
    // an Error whose name or message cannot be read
  }
  return safeText(error);
}

/** `pyStr(value)`, or a placeholder when even that fails (an int of more than 4300 digits). */
function safeText(value: unknown): string {
  try {
    return pyStr(value);
  } catch {
    return "(a value that cannot be printed)";
  }
}

/** Calls `handler.handleError`, which must not throw; a subclass that does is ignored. */
function reportTo(handler: Handler, record: LogRecord, error: Error): void {
  try {
    handler.handleError(record, error);
  } catch {
    // the report itself failed: nothing more can be done for this record's problem
  }
}

/** CPython's error for an `extra` key that would overwrite a record attribute. */
function overwriteError(key: string): KeyError {
  return new KeyError(`Attempt to overwrite ${pyRepr(key)} in LogRecord`);
}

/** The largest `stacklevel` looked for: deeper than any stack JavaScript keeps. */
const MAX_STACKLEVEL = 100_000;

/** Caller information: `[pathname, lineno, funcName, stack_info]`. */
export type CallerInfo = [pathname: string, lineno: number, funcName: string, sinfo: string | null];

const UNKNOWN_CALLER: CallerInfo = ["(unknown file)", 0, "(unknown function)", null];

/**
 * Python's `logging.PlaceHolder`: stands in the logger tree for a parent not created yet, and
 * remembers the loggers below it so they can be re-parented when it is.
 */
export class PlaceHolder {
  /** The loggers waiting for this name to become a logger. */
  readonly loggers: Set<Logger> = new Set();
  /**
   * Creates a placeholder for the first logger created below a missing name.
   *
   * @param logger That logger.
   */
  constructor(logger: Logger) {
    this.loggers.add(logger);
  }
}

/**
 * Python's `logging.Manager`: holds the logger tree. There is one, `root.manager` (Python's `Logger.manager`).
 */
export class Manager {
  /** The root logger (`null` for a manager made without one, as Python's `Manager(None)`). */
  readonly root: Logger | null;
  /** Every logger and placeholder by name. */
  readonly loggerDict: Map<string, Logger | PlaceHolder> = new Map();
  /**
   * The class this manager's `getLogger` creates loggers of, or `null` for the module's
   * ({@linkcode getLoggerClass}). Set it with {@linkcode Manager.setLoggerClass}.
   */
  loggerClass: LoggerClass | null = null;
  /**
   * The factory that makes the records of this manager's loggers, or `null` for the module's
   * ({@linkcode getLogRecordFactory}). Set it with {@linkcode Manager.setLogRecordFactory}.
   */
  logRecordFactory: LogRecordFactory | null = null;
  /**
   * Whether the one-time notice `No handlers could be found for logger "<name>"` has been
   * written to stderr (Python's `emittedNoHandlerWarning`). A record that finds no handler while
   * {@linkcode lastResort} is `null` writes it once per manager, while
   * `settings.raiseExceptions` is true; set this back to `false` to see it again.
   */
  emittedNoHandlerWarning = false;
  #disable = 0;

  /**
   * Creates the tree below `root`.
   *
   * @param root The root logger, or `null`.
   */
  constructor(root: Logger | null) {
    this.root = root;
  }

  /** The level set by {@linkcode disable}: records at or below it are dropped everywhere. */
  get disable(): number {
    return this.#disable;
  }
  set disable(level: number) {
    this.#disable = checkLevel(level);
    bumpConfigGeneration();
  }

  /**
   * Returns the logger called `name`, creating it and fixing up the tree if needed.
   *
   * @param name A dotted name.
   * @returns The logger.
   */
  getLogger(name: string): Logger {
    if (typeof name !== "string") throw new TypeError("A logger name must be a string");
    const existing = this.loggerDict.get(name);
    if (existing instanceof Logger) return existing;
    const logger = new (this.loggerClass ?? loggerClass)(name);
    logger.manager = this;
    this.loggerDict.set(name, logger);
    if (existing !== undefined) this.#fixupChildren(existing, logger);
    this.#fixupParents(logger);
    bumpConfigGeneration();
    return logger;
  }

  /**
   * Sets the class this manager's `getLogger` creates new loggers of (Python's
   * `Manager.setLoggerClass`); it wins over the module's {@linkcode setLoggerClass}. Loggers
   * that already exist keep their class.
   *
   * @param klass `Logger` or a class that extends it, constructible with the name alone; `null`
   * to use the module's class again.
   * @throws {TypeError} When `klass` is not `Logger` or a subclass of it (as Python does).
   *
   * @example
   * ```ts
   * import { getLogger, Logger } from "@x/loghandlers";
   * class AppLogger extends Logger {}
   * const manager = getLogger().manager;
   * manager.setLoggerClass(AppLogger);
   * console.assert(getLogger("doc.manager.class") instanceof AppLogger);
   * manager.setLoggerClass(null);
   * console.assert(!(getLogger("doc.manager.class2") instanceof AppLogger));
   * ```
   */
  setLoggerClass(klass: LoggerClass | null): void {
    if (klass !== null) checkLoggerClass("Manager.setLoggerClass", klass);
    this.loggerClass = klass;
  }

  /**
   * Sets the factory that makes the records of this manager's loggers (Python's
   * `Manager.setLogRecordFactory`); it wins over the module's {@linkcode setLogRecordFactory}.
   * CPython stores it and never calls it, although its documentation says it is used; here it
   * is used.
   *
   * @param factory The factory or record class (see {@linkcode setLogRecordFactory}), or `null` to
   * use the module's again.
   * @throws {TypeError} When `factory` is neither a function nor `null`.
   *
   * @example
   * ```ts
   * import { getLogger, getLogRecordFactory, Handler, type LogRecord } from "@x/loghandlers";
   * const manager = getLogger().manager;
   * const base = getLogRecordFactory();
   * manager.setLogRecordFactory((...a) => Object.assign(base(...a), { app: "shop" }));
   * const seen: LogRecord[] = [];
   * class Keep extends Handler {
   *   override emit(r: LogRecord) {
   *     seen.push(r);
   *   }
   * }
   * const log = getLogger("doc.manager.factory");
   * log.addHandler(new Keep());
   * log.warning("hi");
   * manager.setLogRecordFactory(null);
   * console.assert(seen[0].app === "shop");
   * ```
   */
  setLogRecordFactory(factory: LogRecordFactory | LogRecordClass | null): void {
    this.logRecordFactory = factory === null
      ? null
      : toFactory("Manager.setLogRecordFactory", factory);
  }

  #fixupParents(logger: Logger): void {
    const name = logger.name;
    let i = name.lastIndexOf(".");
    let parent: Logger | null = null;
    while (i > 0 && parent === null) {
      const prefix = name.slice(0, i);
      const obj = this.loggerDict.get(prefix);
      if (obj === undefined) this.loggerDict.set(prefix, new PlaceHolder(logger));
      else if (obj instanceof Logger) parent = obj;
      else obj.loggers.add(logger);
      i = name.lastIndexOf(".", i - 1);
    }
    logger.parent = parent ?? this.root;
  }

  #fixupChildren(placeholder: PlaceHolder, logger: Logger): void {
    const name = logger.name;
    for (const child of placeholder.loggers) {
      if (child.parent !== null && !child.parent.name.startsWith(name)) {
        logger.parent = child.parent;
        child.parent = logger;
      }
    }
  }
}

/**
 * The level number of a `log(level, ...)` call (`Logger.log`, `LoggerAdapter.log`), or `null` to
 * log nothing: a level that is neither a number nor a registered name is CPython's
 * `TypeError: level must be an integer` while `settings.raiseExceptions` is true.
 */
export function levelToLog(level: unknown): number | null {
  try {
    return checkLevel(level as Level);
  } catch {
    if (settings.raiseExceptions) {
      // CPython's words first, then what this library also accepts.
      throw new TypeError(
        `level must be an integer: current value is ${describeValue(level)}. Pass a level ` +
          `number or one of ${Object.keys(getLevelNamesMapping()).join(", ")}, or register ` +
          "the name first with addLevelName()",
      );
    }
    return null;
  }
}

/**
 * Python's `logging.Logger`. Get one with {@linkcode getLogger}; never construct it directly.
 *
 * Logging methods take Python's arguments: `log.info("user %s from %s", name, ip)`, a single
 * mapping for `%(key)s` (`log.info("%(user)s", { user })`), and Python's keyword arguments
 * through {@linkcode kw} as the last argument.
 *
 * JavaScript's idioms for errors work, unlike in Python: an `Error` left over by the message's
 * placeholders is the record's `exc_info`, not an argument (`log.error("save failed", err)` is
 * Python's `log.error("save failed", exc_info=err)`, where CPython would report "not all
 * arguments converted"), and an `Error` as the whole message is also its `exc_info`
 * (`log.error(err)`: the message is the error's message, as Python's `str(err)`, and the
 * formatter adds its stack). An error a placeholder consumes (`log.error("failed: %s", err)`)
 * stays an argument, and `kw({ exc_info })` given wins. Any other left-over argument is
 * Python's "not all arguments converted" logging error.
 *
 * @example
 * ```ts
 * import { getLogger, kw } from "@x/loghandlers";
 * const log = getLogger("doc.logger");
 * log.setLevel("INFO");
 * console.assert(log.isEnabledFor(20) && !log.isEnabledFor(10));
 * log.debug("not shown");
 * log.info("%d items", 3, kw({ extra: { batch: 7 } }));
 * try {
 *   JSON.parse("{");
 * } catch (err) {
 *   log.error("bad payload", err); // the message, then the error's stack
 * }
 * ```
 */
export class Logger extends Filterer {
  /** The dotted name. */
  readonly name: string;
  /** The parent in the tree (`null` only for the root). */
  parent: Logger | null = null;
  /** The handlers attached to this logger. */
  handlers: Handler[] = [];
  #manager: Manager | undefined;
  #level: number;
  #propagate = true;
  #disabled = false;
  #generation = -1;
  #threshold = 0;
  #needsCaller = false;

  /**
   * Creates a logger outside the tree; use {@linkcode getLogger} to get one inside it.
   *
   * @param name The dotted name.
   * @param level The level.
   */
  constructor(name: string, level: Level = NOTSET) {
    super();
    this.name = name;
    this.#level = checkLevel(level);
  }

  /**
   * The manager of the tree this logger belongs to (Python's `Logger.manager`; its
   * `loggerDict` maps every name to its logger). A logger made with `new Logger(name)` has the
   * root logger's manager, as in Python, so {@linkcode disable} applies to it too. An internal
   * of Python's that some programs read; not part of this library's documented API.
   *
   * @ignore
   */
  get manager(): Manager {
    return this.#manager ?? root.manager;
  }
  /**
   * Sets the manager; the manager whose `getLogger` creates a logger sets itself.
   *
   * @ignore
   */
  set manager(manager: Manager) {
    this.#manager = manager;
    bumpConfigGeneration();
  }

  /**
   * The root logger, on every logger (Python's `Logger.root`).
   *
   * @example
   * ```ts
   * import { getLogger, root } from "@x/loghandlers";
   * console.assert(getLogger("doc.root.a").root === root);
   * console.assert(root.root === root);
   * ```
   */
  get root(): RootLogger {
    return root;
  }

  /** The root logger (Python's `Logger.root`, read on the class). */
  static get root(): RootLogger {
    return root;
  }

  /** The level set on this logger (`NOTSET` defers to the parent). */
  get level(): number {
    return this.#level;
  }
  set level(level: number) {
    this.setLevel(level);
  }

  /** Whether records are passed on to the parent's handlers. */
  get propagate(): boolean {
    return this.#propagate;
  }
  set propagate(value: boolean) {
    this.#propagate = value;
    bumpConfigGeneration();
  }

  /** A disabled logger drops every record. */
  get disabled(): boolean {
    return this.#disabled;
  }
  set disabled(value: boolean) {
    this.#disabled = value;
    bumpConfigGeneration();
  }

  /**
   * Sets the level.
   *
   * @param level A number or a registered level name.
   * @throws {RangeError} For an unknown name; the message lists the known ones.
   */
  setLevel(level: Level): void {
    this.#level = checkLevel(level);
    bumpConfigGeneration();
  }

  #refresh(): void {
    this.#generation = configGeneration();
    const effective = this.getEffectiveLevel();
    const disable = this.manager.disable;
    this.#threshold = this.#disabled ? Infinity : Math.max(effective, disable + 1);
    let needs = false;
    let found = false;
    // deno-lint-ignore no-this-alias -- walking the parent chain starts at this logger
    for (let c: Logger | null = this; c !== null && !needs; c = c.#propagate ? c.parent : null) {
      for (const h of c.handlers) {
        found = true;
        if (h.needsCallerInfo) {
          needs = true;
          break;
        }
      }
    }
    if (!found) {
      ensureLastResort();
      if (lastResort !== null) needs = lastResort.needsCallerInfo;
    }
    this.#needsCaller = needs;
  }

  /**
   * Whether a record of `level` would be processed (Python's cached `isEnabledFor`).
   *
   * @param level The level number.
   * @returns `true` when enabled.
   */
  isEnabledFor(level: number): boolean {
    if (this.#generation !== configGeneration()) this.#refresh();
    return level >= this.#threshold;
  }

  /**
   * The level that applies: this logger's, or the nearest ancestor's that is not `NOTSET`.
   *
   * @returns The level number.
   */
  getEffectiveLevel(): number {
    // deno-lint-ignore no-this-alias -- walking the parent chain starts at this logger
    for (let l: Logger | null = this; l !== null; l = l.parent) {
      if (l.#level !== NOTSET) return l.#level;
    }
    return NOTSET;
  }

  /**
   * Logs at DEBUG.
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  debug(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(DEBUG)) this.#log(DEBUG, msg, args, null, this.debug);
  }

  /**
   * Logs at INFO.
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  info(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(INFO)) this.#log(INFO, msg, args, null, this.info);
  }

  /**
   * Logs at WARNING.
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  warning(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this.#log(WARNING, msg, args, null, this.warning);
  }

  /**
   * Logs at WARNING (Python's deprecated alias of {@linkcode Logger.warning}).
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  warn(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(WARNING)) this.#log(WARNING, msg, args, null, this.warn);
  }

  /**
   * Logs at ERROR.
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  error(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) this.#log(ERROR, msg, args, null, this.error);
  }

  /**
   * Logs at ERROR with the error attached. JavaScript has no "current exception", so the error
   * is the `exc_info` given with {@linkcode kw}, or else the last argument that is an `Error`
   * (so `log.exception("save failed: %s", err)` prints the message and the error's stack), or
   * else the message when it is an `Error`. A trailing error the message has no placeholder for
   * is not a format argument (as with every logging method), so `log.exception("save failed",
   * err)` works too.
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  exception(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(ERROR)) {
      this.#log(ERROR, msg, args, takeException(msg, args), this.exception);
    }
  }

  /**
   * Logs at CRITICAL.
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  critical(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this.#log(CRITICAL, msg, args, null, this.critical);
  }

  /**
   * Logs at CRITICAL (Python's alias `fatal`).
   *
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   */
  fatal(msg: unknown, ...args: unknown[]): void {
    if (this.isEnabledFor(CRITICAL)) this.#log(CRITICAL, msg, args, null, this.fatal);
  }

  /**
   * Logs at `level`.
   *
   * @param level A level number or a registered level name.
   * @param msg The message, with `%` placeholders.
   * @param args The arguments, optionally followed by {@linkcode kw}`(...)`.
   * @throws {TypeError} For a level that is neither, while `settings.raiseExceptions` is true
   * (CPython's `TypeError: level must be an integer`); otherwise the call does nothing.
   */
  log(level: Level, msg: unknown, ...args: unknown[]): void {
    const n = levelToLog(level);
    if (n !== null && this.isEnabledFor(n)) this.#log(n, msg, args, null, this.log);
  }

  #log(
    level: number,
    msg: unknown,
    args: unknown[],
    defaultExc: unknown,
    entry: (...args: never[]) => unknown,
  ): void {
    // `undefined` until given: by kw({ exc_info }), else a left-over Error, else the default.
    let excInfo: unknown = undefined;
    let stackInfo = false;
    let stacklevel = 1;
    let extra: Readonly<Record<string, unknown>> | null = null;
    // What could not be read of the call's arguments: reported through handleError, and the
    // record is logged without it. Reading an argument never throws into the caller.
    let problem: Error | undefined;
    const last = args.length === 0 ? undefined : args[args.length - 1];
    if (last instanceof LogKwargs) {
      args.length--;
      const k = last.init;
      const e = readKwarg(k, "exc_info");
      if (e === UNREADABLE) problem = readError;
      else if (e !== undefined) excInfo = e;
      const si = readKwarg(k, "stack_info");
      if (si === UNREADABLE) problem ??= readError;
      else stackInfo = si === true;
      const sl = readKwarg(k, "stacklevel");
      if (sl === UNREADABLE) problem ??= readError;
      else if (typeof sl === "number") stacklevel = sl;
      else if (sl !== undefined) {
        problem ??= new TypeError(
          `Cannot use kw({ stacklevel }) as 'stacklevel' must be a number: current value is ${
            safeText(sl)
          }`,
        );
      }
      const x = readKwarg(k, "extra");
      if (x === UNREADABLE) problem ??= readError;
      else if (x != null) {
        extra = copyExtra(x);
        problem ??= copyError;
      }
    }
    if (excInfo === true) {
      warnExcInfoTrue();
      excInfo = undefined;
    } else if (excInfo === false) excInfo = null;
    const count = args.length;
    if (count !== 0) {
      // An Error left over by the message's placeholders is the record's exc_info, not an
      // argument (CPython would report "not all arguments converted"): log.error("failed", err).
      // With another exc_info given, it stays an argument, and Python's error is reported.
      const error = args[count - 1];
      if (
        (excInfo === undefined || excInfo === error) && isError(error) &&
        lastIsLeftOver(msg, count)
      ) {
        args.length--;
        excInfo = error;
      }
    } else if (excInfo === undefined && isError(msg)) {
      // log.error(err): the message is str(err), as in Python, and the error's stack follows.
      excInfo = msg;
    }
    if (excInfo === undefined) excInfo = defaultExc;
    const mode = settings.callerInfo;
    const caller = stackInfo || mode === "always" || (mode === "auto" && this.#needsCaller)
      ? this.findCaller(stackInfo, stacklevel, entry)
      : UNKNOWN_CALLER;
    let record: LogRecord;
    try {
      record = this.#makeRecordAt(level, caller, msg, args, excInfo, extra);
    } catch (error) {
      // A record looks at a sole argument to tell a %(key)s mapping: one that cannot be looked
      // at (a revoked Proxy, throwing traps) is a plain argument. Other errors (an `extra` key
      // that overwrites an attribute) are the caller's to see, as in Python.
      if (args.length !== 1 || canInspectSole(args[0])) throw error;
      record = this.#makeRecordAt(level, caller, msg, null, excInfo, extra);
      record.args = args;
    }
    if (stamping) stampRecord(record);
    if (problem !== undefined) this.#reportProblem(record, problem);
    this.handle(record);
  }

  /** `makeRecord` with the caller information unpacked. */
  #makeRecordAt(
    level: number,
    caller: CallerInfo,
    msg: unknown,
    args: LogArgs | null,
    excInfo: unknown,
    extra: Readonly<Record<string, unknown>> | null,
  ): LogRecord {
    return this.makeRecord(
      this.name,
      level,
      caller[0],
      caller[1],
      msg,
      args,
      excInfo,
      caller[2],
      extra,
      caller[3],
    );
  }

  /** Reports a problem with a call's arguments to the handlers the record goes to. */
  #reportProblem(record: LogRecord, error: Error): void {
    let found = 0;
    // deno-lint-ignore no-this-alias -- walking the parent chain starts at this logger
    for (let c: Logger | null = this; c !== null; c = c.#propagate ? c.parent : null) {
      for (const h of c.handlers) {
        found++;
        if (record.levelno >= h.level) reportTo(h, record, error);
      }
    }
    if (found === 0) {
      ensureLastResort();
      if (lastResort !== null && record.levelno >= lastResort.level) {
        reportTo(lastResort, record, error);
      }
    }
  }

  /**
   * Finds the user's call site: the `stacklevel`-th frame outside this library, like Python's
   * `findCaller`.
   *
   * @param stackInfo Whether to also return the stack text.
   * @param stacklevel Which caller (1 is the function that called the logging method).
   * @param above Frames at and above this function are left out (internal use).
   * @returns `[pathname, lineno, funcName, sinfo]`.
   */
  findCaller(
    stackInfo = false,
    stacklevel = 1,
    above: (...args: never[]) => unknown = this.findCaller,
  ): CallerInfo {
    // NaN and anything below 1 mean 1; past the stack's depth, the outermost frame is used.
    const level = stacklevel >= 1 ? Math.min(Math.trunc(stacklevel), MAX_STACKLEVEL) : 1;
    // Capturing frames costs per frame: try a short stack first (the user's frame is usually
    // right above the logging call) and a longer one only when it is not enough.
    let frames: Frame[] = [];
    for (const limit of stackInfo ? [200] : [level + 2, level + 16]) {
      const all = captureFrames(above, limit);
      frames = [];
      for (let i = 0; i < all.length; i++) {
        const file = all[i].getFileName();
        if (file == null || !isInternal(file)) frames.push(all[i]);
        if (!stackInfo && frames.length === level) break;
      }
      if (frames.length >= level || all.length < limit) break;
    }
    if (frames.length === 0) return UNKNOWN_CALLER;
    const at = Math.min(level, frames.length) - 1;
    const f = frames[at];
    let sinfo: string | null = null;
    if (stackInfo) {
      const lines = ["Stack (most recent call last):"];
      for (let i = frames.length - 1; i >= at; i--) {
        const g = frames[i];
        const file = pathOf(g.getFileName() ?? "<unknown>");
        const lineno = g.getLineNumber() ?? 0;
        lines.push(`  File "${file}", line ${lineno}, in ${functionName(g)}`);
        const source = sourceLine(file, lineno); // Python's traceback prints it under the frame
        if (source !== "") lines.push("    " + source);
      }
      sinfo = lines.join("\n");
    }
    return [
      pathOf(f.getFileName() ?? "(unknown file)"),
      f.getLineNumber() ?? 0,
      functionName(f),
      sinfo,
    ];
  }

  /**
   * Builds the record (Python's `makeRecord`), adding `extra`'s attributes.
   *
   * @param name The logger's name.
   * @param level The level number.
   * @param fn The pathname.
   * @param lno The line number.
   * @param msg The message.
   * @param args The arguments.
   * @param excInfo The error, or `null`.
   * @param func The function name.
   * @param extra Attributes to add.
   * @param sinfo The stack text.
   * @returns The record.
   * @throws {KeyError} When `extra` would overwrite a record attribute, `message` or `asctime`.
   */
  makeRecord(
    name: string,
    level: number,
    fn: string,
    lno: number,
    msg: unknown,
    args: LogArgs | null,
    excInfo: unknown,
    func: string | null = null,
    extra: Readonly<Record<string, unknown>> | null = null,
    sinfo: string | null = null,
  ): LogRecord {
    const factory = this.manager.logRecordFactory ?? recordFactory;
    const rv = factory === defaultFactory
      ? new LogRecord(name, level, fn, lno, msg, args, excInfo, func, sinfo)
      : factory(name, level, fn, lno, msg, args, excInfo, func, sinfo);
    if (extra != null) {
      for (const key in extra) {
        const value = extra[key];
        // Python refuses the record's own attributes (its __dict__), `message` and `asctime`.
        if (key === "message" || key === "asctime") throw overwriteError(key);
        if (!(key in rv)) rv[key] = value;
        else if (Object.hasOwn(rv, key)) throw overwriteError(key);
        else {
          // A name the record inherits (a method, `__proto__`): an own attribute shadows it, as
          // in Python, without calling an inherited setter.
          defineOwn(rv, key, value);
        }
      }
    }
    return rv;
  }

  /**
   * Passes `record` through this logger's filters and on to the handlers.
   *
   * @param record The record.
   */
  handle(record: LogRecord): void {
    if (this.#disabled) return;
    if (this.filters.length !== 0) {
      const r = this.filter(record);
      if (r === false) return;
      record = r;
    }
    this.callHandlers(record);
  }

  /**
   * Hands `record` to every handler of this logger and, while `propagate` holds, of its
   * ancestors; to the last-resort handler when there is none. When there is none and
   * {@linkcode lastResort} is `null`, writes Python's one-time notice
   * `No handlers could be found for logger "<name>"` to stderr, while `settings.raiseExceptions`
   * is true (once per manager: see `Manager.emittedNoHandlerWarning`).
   *
   * @param record The record.
   */
  callHandlers(record: LogRecord): void {
    let found = 0;
    // deno-lint-ignore no-this-alias -- walking the parent chain starts at this logger
    for (let c: Logger | null = this; c !== null; c = c.#propagate ? c.parent : null) {
      const handlers = c.handlers;
      for (let i = 0; i < handlers.length; i++) {
        const h = handlers[i];
        found++;
        if (record.levelno >= h.level) h.handle(record);
      }
    }
    if (found === 0) this.#noHandler(record);
  }

  /** What `callHandlers` does with a record that found no handler. */
  #noHandler(record: LogRecord): void {
    ensureLastResort();
    if (lastResort !== null) {
      if (record.levelno >= lastResort.level) lastResort.handle(record);
      return;
    }
    const manager = this.manager;
    if (settings.raiseExceptions && !manager.emittedNoHandlerWarning) {
      try {
        writeStderr(`No handlers could be found for logger "${this.name}"\n`);
      } catch {
        // stderr itself failed: nothing more can be done
      }
      manager.emittedNoHandlerWarning = true;
    }
  }

  /**
   * Attaches `handler` unless it is already attached.
   *
   * @param handler The handler.
   */
  addHandler(handler: Handler): void {
    if (!this.handlers.includes(handler)) {
      this.handlers.push(handler);
      bumpConfigGeneration();
    }
  }

  /**
   * Detaches `handler` if it is attached (it is not closed).
   *
   * @param handler The handler.
   */
  removeHandler(handler: Handler): void {
    const i = this.handlers.indexOf(handler);
    if (i >= 0) {
      this.handlers.splice(i, 1);
      bumpConfigGeneration();
    }
  }

  /**
   * Whether this logger or an ancestor it propagates to has a handler.
   *
   * @returns `true` when a handler would see records.
   */
  hasHandlers(): boolean {
    // deno-lint-ignore no-this-alias -- walking the parent chain starts at this logger
    for (let c: Logger | null = this; c !== null; c = c.#propagate ? c.parent : null) {
      if (c.handlers.length !== 0) return true;
    }
    return false;
  }

  /**
   * Returns the descendant logger `this.name + "." + suffix`.
   *
   * @param suffix A dotted suffix.
   * @returns The logger.
   */
  getChild(suffix: string): Logger {
    const name = this === this.manager.root ? suffix : `${this.name}.${suffix}`;
    return this.manager.getLogger(name);
  }

  /**
   * Returns the loggers directly below this one (Python 3.12).
   *
   * @returns The children.
   */
  getChildren(): Set<Logger> {
    const depth = (l: Logger) => l === l.manager.root ? 0 : 1 + l.name.split(".").length - 1;
    const out = new Set<Logger>();
    for (const item of this.manager.loggerDict.values()) {
      if (item instanceof Logger && item.parent === this && depth(item) === 1 + depth(this)) {
        out.add(item);
      }
    }
    return out;
  }

  /**
   * Python's repr: `<Logger name (LEVEL)>`.
   *
   * @returns The description.
   */
  override toString(): string {
    return `<${this.constructor.name} ${this.name} (${getLevelName(this.getEffectiveLevel())})>`;
  }
}

/** The root logger's class (Python's `RootLogger`). */
export class RootLogger extends Logger {
  /**
   * Creates a root logger.
   *
   * @param level The root's level.
   */
  constructor(level: Level) {
    super("root", level);
  }
}

/**
 * A class {@linkcode getLogger} can create loggers of: `Logger` or a class that extends it,
 * constructible with the logger's name alone.
 */
export type LoggerClass = new (name: string) => Logger;

let loggerClass: LoggerClass = Logger;

function checkLoggerClass(owner: string, klass: unknown): void {
  let ok = false;
  try {
    ok = klass === Logger ||
      (typeof klass === "function" && klass.prototype instanceof Logger);
  } catch {
    // a revoked Proxy, a throwing getter: not a Logger class
  }
  if (ok) return;
  let name: string;
  try {
    const n = typeof klass === "function" ? klass.name : undefined;
    name = typeof n === "string" && n !== "" ? n : describeValue(klass);
  } catch {
    name = describeValue(klass);
  }
  // CPython's words first, then what to pass instead.
  throw new TypeError(
    `logger not derived from logging.Logger: ${name} (${owner} needs Logger or a class that ` +
      `extends it)`,
  );
}

/**
 * Sets the class {@linkcode getLogger} creates new loggers of (Python's
 * `logging.setLoggerClass`). Loggers that already exist keep their class, the root logger
 * included; a manager's own class ({@linkcode Manager.setLoggerClass}) wins over this one.
 *
 * @param klass `Logger` or a class that extends it, constructible with the name alone.
 * @throws {TypeError} When `klass` is not `Logger` or a subclass of it: Python's
 * `logger not derived from logging.Logger: <name>`.
 *
 * @example
 * ```ts
 * import { getLogger, getLoggerClass, Logger, setLoggerClass } from "@x/loghandlers";
 * class AuditLogger extends Logger {
 *   audit(msg: string) {
 *     this.warning("AUDIT %s", msg);
 *   }
 * }
 * setLoggerClass(AuditLogger);
 * const log = getLogger("doc.setLoggerClass");
 * setLoggerClass(Logger);
 * console.assert(log instanceof AuditLogger && getLoggerClass() === Logger);
 * try {
 *   setLoggerClass(Map as never);
 * } catch (e) {
 *   console.assert(e instanceof TypeError && e.message.startsWith("logger not derived"));
 * }
 * ```
 */
export function setLoggerClass(klass: LoggerClass): void {
  checkLoggerClass("setLoggerClass", klass);
  loggerClass = klass;
}

/**
 * Returns the class {@linkcode getLogger} creates new loggers of (Python's
 * `logging.getLoggerClass`): `Logger` unless {@linkcode setLoggerClass} changed it.
 *
 * @returns The class.
 *
 * @example
 * ```ts
 * import { getLoggerClass, Logger } from "@x/loghandlers";
 * console.assert(getLoggerClass() === Logger);
 * class MyLogger extends getLoggerClass() {}
 * console.assert(new MyLogger("x") instanceof Logger);
 * ```
 */
export function getLoggerClass(): LoggerClass {
  return loggerClass;
}

/** The handler used when a record finds no handler at all (Python's `lastResort`). */
class LastResortHandler extends Handler {
  override emit(record: LogRecord): void {
    writeStderr(this.format(record) + "\n");
  }
}

/**
 * The handler that gets records for which no handler was found: WARNING and above, written to
 * stderr as `%(message)s` (Python's `logging.lastResort`). Set it to `null` with
 * {@linkcode setLastResort} to drop such records: then, as in Python, the first record that finds
 * no handler writes `No handlers could be found for logger "<name>"` to stderr instead (once,
 * while `settings.raiseExceptions` is true).
 */
export let lastResort: Handler | null = null;

/**
 * Replaces the last-resort handler.
 *
 * @param handler The new handler, or `null` to drop records that find no handler (after a
 * one-time notice on stderr, as in Python).
 *
 * @example
 * ```ts
 * import { lastResort, setLastResort } from "@x/loghandlers";
 * const before = lastResort;
 * setLastResort(null);
 * setLastResort(before);
 * console.assert(lastResort === before);
 * ```
 */
export function setLastResort(handler: Handler | null): void {
  lastResortMade = true;
  lastResort = handler;
  bumpConfigGeneration();
}

/** The root logger (Python's `logging.root`). */
export const root: RootLogger = new RootLogger(WARNING);
root.manager = new Manager(root);

function makeLastResort(): Handler {
  const h = new LastResortHandler(WARNING);
  return h;
}
// Created on first use so that importing the module registers no handler.
let lastResortMade = false;
function ensureLastResort(): void {
  if (!lastResortMade) {
    lastResortMade = true;
    if (lastResort === null) lastResort = makeLastResort();
  }
}

/**
 * Returns the logger called `name`, creating it if needed, like Python's `logging.getLogger`:
 * dotted names form a tree (`"app.db"` is a child of `"app"`); no name, `null` (Python's
 * `None`), `""` or `"root"` gives the root logger.
 *
 * @param name The dotted name.
 * @returns The logger; the same object for the same name.
 * @throws {TypeError} If `name` is not a string.
 *
 * @example
 * ```ts
 * import { getLogger } from "@x/loghandlers";
 * const db = getLogger("app.db");
 * const app = getLogger("app");
 * console.assert(db.parent === app);
 * console.assert(getLogger("app.db") === db);
 * ```
 */
export function getLogger(name?: string | null): Logger {
  ensureLastResort();
  if (name == null || name === "" || name === root.name) return root;
  return root.manager.getLogger(name);
}

/**
 * Disables every record at or below `level`, in every logger (Python's `logging.disable`);
 * `disable(NOTSET)` undoes it.
 *
 * @param level The level.
 *
 * @example
 * ```ts
 * import { disable, getLogger } from "@x/loghandlers";
 * disable("INFO");
 * console.assert(!getLogger("doc.disable").isEnabledFor(20));
 * disable(0);
 * ```
 */
export function disable(level: Level = CRITICAL): void {
  root.manager.disable = checkLevel(level);
}
