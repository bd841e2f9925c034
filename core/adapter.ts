/**
 * `LoggerAdapter`: a logger with contextual attributes added to every record.
 *
 * @module
 */

import { CRITICAL, DEBUG, ERROR, getLevelName, INFO, type Level, WARNING } from "./levels.ts";
import { boolean, checkOption, checkOptions, nullable, object, satisfies } from "./text/options.ts";
import {
  levelToLog,
  type Logger,
  LogKwargs,
  type LogKwargsInit,
  type Manager,
  takeException,
  warnExcInfoTrue,
} from "./logger.ts";

/** Options of {@linkcode LoggerAdapter}. */
export interface LoggerAdapterOptions {
  /**
   * Whether a call's own `extra` is merged over the adapter's (Python 3.13's `merge_extra`);
   * when false, the adapter's `extra` replaces the call's.
   *
   * @default {false}
   */
  mergeExtra?: boolean;
}

/**
 * What a {@linkcode LoggerAdapter} wraps: a `Logger`, or another `LoggerAdapter` (adapters
 * nest, as in Python).
 *
 * @example
 * ```ts
 * import { type AdaptedLogger, getLogger, LoggerAdapter } from "@x/loghandlers";
 * const inner = new LoggerAdapter(getLogger("doc.adapted"), { request: "r-1" });
 * const wrapped: AdaptedLogger[] = [getLogger("doc.adapted"), inner];
 * console.assert(wrapped.every((l) => l.name === "doc.adapted"));
 * ```
 */
export type AdaptedLogger = Logger | LoggerAdapter<AdaptedLogger>;

/**
 * Python's `logging.LoggerAdapter`: wraps a logger and adds `extra` to every record it logs.
 * Override {@linkcode LoggerAdapter.process} to change the message or keyword arguments.
 *
 * Adapters nest: the logger may be another adapter, whose `process` then runs after this
 * one's. A subclass that wraps adapters too declares it with the type parameter:
 * `class PrefixAdapter extends LoggerAdapter<AdaptedLogger>`.
 *
 * @typeParam L What the adapter wraps: a `Logger` (the default) or any
 * {@linkcode AdaptedLogger}.
 *
 * @example
 * ```ts
 * import { getLogger, Handler, type LogRecord, LoggerAdapter } from "@x/loghandlers";
 * const seen: LogRecord[] = [];
 * getLogger("doc.adapter").addHandler(new (class extends Handler {
 *   override emit(r: LogRecord) {
 *     seen.push(r);
 *   }
 * })());
 * const log = new LoggerAdapter(getLogger("doc.adapter"), { request: "r-17" });
 * log.warning("slow query"); // every record carries record.request === "r-17"
 * console.assert(seen[0].request === "r-17");
 * ```
 */
export class LoggerAdapter<L extends AdaptedLogger = Logger> {
  /** The wrapped logger (or adapter). */
  readonly logger: L;
  /** The attributes added to every record. */
  extra: Readonly<Record<string, unknown>> | null;
  /** Whether a call's own `extra` is merged over the adapter's. */
  readonly mergeExtra: boolean;

  /**
   * Wraps `logger` so that every record carries `extra`.
   *
   * @param logger The logger (or adapter) to wrap.
   * @param extra The attributes to add to every record.
   * @param options See {@linkcode LoggerAdapterOptions}.
   * @throws {TypeError} When `logger` cannot log, `extra` is not an object, or an option is
   * unknown or of the wrong type.
   */
  constructor(
    logger: L,
    extra: Readonly<Record<string, unknown>> | null = null,
    options: LoggerAdapterOptions = {},
  ) {
    checkOption(
      "LoggerAdapter",
      "logger",
      logger,
      satisfies(
        "a Logger (or a LoggerAdapter)",
        (v) => typeof (v as { log?: unknown } | null)?.log === "function",
      ),
    );
    checkOption("LoggerAdapter", "extra", extra, nullable(object()));
    checkOptions("LoggerAdapter", options, { mergeExtra: boolean() }, "");
    this.logger = logger;
    this.extra = extra;
    this.mergeExtra = options.mergeExtra ?? false;
  }

  /**
   * Adjusts the message and keyword arguments of each call. By default it puts the adapter's
   * `extra` into the keyword arguments (merged with the call's when `mergeExtra` is set).
   *
   * @param msg The message.
   * @param kwargs The call's keyword arguments.
   * @returns The message and keyword arguments to log with.
   */
  process(msg: unknown, kwargs: LogKwargsInit): [unknown, LogKwargsInit] {
    if (this.mergeExtra && kwargs.extra) {
      return [msg, { ...kwargs, extra: { ...this.extra, ...kwargs.extra } }];
    }
    return [msg, { ...kwargs, extra: this.extra }];
  }

  /**
   * Logs at `level` through the wrapped logger, after {@linkcode LoggerAdapter.process}.
   *
   * @param level A level number or name.
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   * @throws {TypeError} For a level that is neither a number nor a registered name, while
   * `settings.raiseExceptions` is true, as {@linkcode Logger.log}.
   */
  log(level: Level, msg: unknown, ...args: unknown[]): void {
    const n = levelToLog(level);
    if (n === null || !this.isEnabledFor(n)) return;
    const last = args.length === 0 ? undefined : args[args.length - 1];
    let init: LogKwargsInit = {};
    if (last instanceof LogKwargs) {
      args.length--;
      init = last.init;
    }
    let processed: [unknown, LogKwargsInit];
    try {
      processed = this.process(msg, init);
    } catch (error) {
      // Keyword arguments that cannot be read (a revoked Proxy, a throwing getter): the logger
      // reports them through handleError and logs the record without them.
      if (!(last instanceof LogKwargs)) throw error;
      this.logger.log(n, msg, ...args, last);
      return;
    }
    this.logger.log(n, processed[0], ...args, new LogKwargs(processed[1]));
  }

  /**
   * Logs at DEBUG.
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  debug(msg: unknown, ...args: unknown[]): void {
    this.log(DEBUG, msg, ...args);
  }

  /**
   * Logs at INFO.
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  info(msg: unknown, ...args: unknown[]): void {
    this.log(INFO, msg, ...args);
  }

  /**
   * Logs at WARNING.
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  warning(msg: unknown, ...args: unknown[]): void {
    this.log(WARNING, msg, ...args);
  }

  /**
   * Logs at WARNING (Python's deprecated alias of {@linkcode LoggerAdapter.warning}).
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  warn(msg: unknown, ...args: unknown[]): void {
    this.log(WARNING, msg, ...args);
  }

  /**
   * Logs at ERROR.
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  error(msg: unknown, ...args: unknown[]): void {
    this.log(ERROR, msg, ...args);
  }

  /**
   * Logs at ERROR with an error attached (see `Logger.exception`): the `exc_info` given with
   * `kw(...)`, else the last argument that is an `Error`, else the message when it is one.
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  exception(msg: unknown, ...args: unknown[]): void {
    const last = args.length === 0 ? undefined : args[args.length - 1];
    if (!(last instanceof LogKwargs)) {
      args.push(new LogKwargs({ exc_info: takeException(msg, args) }));
    } else {
      try {
        const given = last.init.exc_info;
        if (given === undefined || given === true) {
          if (given === true) warnExcInfoTrue();
          const init = { ...last.init };
          args.length--;
          init.exc_info = takeException(msg, args);
          args.push(new LogKwargs(init));
        }
      } catch {
        // Unreadable keyword arguments: passed on as they are, for the logger to report.
      }
    }
    this.log(ERROR, msg, ...args);
  }

  /**
   * Logs at CRITICAL.
   *
   * @param msg The message.
   * @param args The arguments, optionally followed by `kw(...)`.
   */
  critical(msg: unknown, ...args: unknown[]): void {
    this.log(CRITICAL, msg, ...args);
  }

  /**
   * Whether the wrapped logger is enabled for `level`.
   *
   * @param level The level number.
   * @returns `true` when enabled.
   */
  isEnabledFor(level: number): boolean {
    return this.logger.isEnabledFor(level);
  }

  /**
   * Sets the wrapped logger's level.
   *
   * @param level A number or a registered name.
   */
  setLevel(level: Level): void {
    this.logger.setLevel(level);
  }

  /**
   * The wrapped logger's effective level.
   *
   * @returns The level number.
   */
  getEffectiveLevel(): number {
    return this.logger.getEffectiveLevel();
  }

  /**
   * Whether the wrapped logger has handlers.
   *
   * @returns `true` when a handler would see records.
   */
  hasHandlers(): boolean {
    return this.logger.hasHandlers();
  }

  /**
   * The wrapped logger's manager (see `Logger.manager`); setting it sets the wrapped logger's,
   * as in Python.
   *
   * @ignore
   */
  get manager(): Manager {
    return this.logger.manager;
  }
  /**
   * Sets the wrapped logger's manager.
   *
   * @ignore
   */
  set manager(value: Manager) {
    this.logger.manager = value;
  }

  /** The wrapped logger's name. */
  get name(): string {
    return this.logger.name;
  }

  /**
   * Python's repr: `<ClassName loggerName (LEVEL)>`, with the wrapped logger's name and
   * effective level.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { getLogger, LoggerAdapter } from "@x/loghandlers";
   * const adapter = new LoggerAdapter(getLogger("doc.adapter.repr"));
   * console.assert(String(adapter) === "<LoggerAdapter doc.adapter.repr (WARNING)>");
   * ```
   */
  toString(): string {
    return `<${this.constructor.name} ${this.logger.name} (${
      getLevelName(this.logger.getEffectiveLevel())
    })>`;
  }
}
