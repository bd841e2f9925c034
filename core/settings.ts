/**
 * Module-wide switches, Python's module-level `logging.raiseExceptions` and friends, and
 * `BASIC_FORMAT`.
 *
 * @module
 */

/** The shape of {@linkcode settings}. */
export interface LoggingSettings {
  /**
   * Whether `handleError` prints Python's "--- Logging error ---" report to stderr. Set it to
   * `false` in production to stay silent, as in Python.
   *
   * @default {true}
   */
  raiseExceptions: boolean;
  /**
   * When caller information (`pathname`, `filename`, `module`, `lineno`, `funcName`) is collected.
   * Collecting it costs a stack capture per record, so by default (`"auto"`) a logger collects it
   * only when a handler on the record's way needs it: its formatter's format uses one of those
   * fields, or the handler says so (`needsCallerInfo`). `"always"` collects it for every record
   * (for filters that read it), `"never"` never does (Python's `logging._srcfile = None`). When it
   * is not collected, the fields hold Python's placeholders: `"(unknown file)"`, `0`,
   * `"(unknown function)"`.
   *
   * @default {"auto"}
   */
  callerInfo: "auto" | "always" | "never";
  /**
   * Whether records carry thread information (Python's `logging.logThreads`). When false, a new
   * record's `thread` and `threadName` are `null` (Python's `None`); when true, `thread` is `0`
   * and `threadName` is `"MainThread"`, or the Worker's name in a Web Worker.
   *
   * @default {true}
   */
  logThreads: boolean;
  /**
   * Whether records carry the process id (Python's `logging.logProcesses`). When false, a new
   * record's `process` is `null`.
   *
   * @default {true}
   */
  logProcesses: boolean;
  /**
   * Whether records carry the process name (Python's `logging.logMultiprocessing`). When false,
   * a new record's `processName` is `null`; when true, it is `"MainProcess"`.
   *
   * @default {true}
   */
  logMultiprocessing: boolean;
  /**
   * Whether records carry the asyncio task's name (Python's `logging.logAsyncioTasks`). Deno
   * has no asyncio tasks, so `taskName` is `null` either way: the switch is here so that code
   * written for Python can set it.
   *
   * @default {true}
   */
  logAsyncioTasks: boolean;
}

/**
 * Module-wide switches. Assign to the fields to change them; like Python's module-level flags,
 * they are read as true or false (any truthy value counts as true), and a record reads the
 * `log*` switches when it is made.
 *
 * @example
 * ```ts
 * import { makeLogRecord, settings } from "@x/loghandlers";
 * settings.raiseExceptions = false; // no "--- Logging error ---" reports
 * console.assert(settings.raiseExceptions === false);
 * settings.raiseExceptions = true;
 *
 * settings.logProcesses = false; // Python's logging.logProcesses = False
 * console.assert(makeLogRecord({}).process === null);
 * settings.logProcesses = true;
 * ```
 */
export const settings: LoggingSettings = {
  raiseExceptions: true,
  callerInfo: "auto",
  logThreads: true,
  logProcesses: true,
  logMultiprocessing: true,
  logAsyncioTasks: true,
};

/**
 * The format `basicConfig` gives its handler when no `format` is given:
 * `"%(levelname)s:%(name)s:%(message)s"` (Python's `logging.BASIC_FORMAT`). A `Formatter`
 * without a format uses `"%(message)s"`, as in Python.
 *
 * @example
 * ```ts
 * import { BASIC_FORMAT, Formatter, makeLogRecord } from "@x/loghandlers";
 * const f = new Formatter(BASIC_FORMAT);
 * const record = makeLogRecord({ name: "app", msg: "disk full", levelname: "WARNING" });
 * console.assert(f.format(record) === "WARNING:app:disk full");
 * ```
 */
export const BASIC_FORMAT = "%(levelname)s:%(name)s:%(message)s";

let generation = 0;

/** A counter bumped whenever the logger tree or a handler's formatter changes; caches compare it. */
export function configGeneration(): number {
  return generation;
}

/** Invalidates every cache keyed on {@linkcode configGeneration}. */
export function bumpConfigGeneration(): void {
  generation++;
}
