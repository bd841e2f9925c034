/**
 * The log record: one event, with Python's attribute names.
 *
 * @module
 */

import { getLevelName } from "./levels.ts";
import { percentFormat } from "./text/percent.ts";
import { pyStr } from "./text/pystr.ts";
import { settings } from "./settings.ts";

/** Arguments merged into a record's message: a list (Python's tuple) or one mapping for `%(key)s`. */
export type LogArgs = readonly unknown[] | Readonly<Record<string, unknown>>;

// The clock. Python reads time.time_ns(): the wall clock with sub-millisecond digits. Here the
// sub-millisecond digits come from performance.now() (monotonic, microseconds), which is
// anchored to the wall clock at performance.timeOrigin. A monotonic clock drifts from the wall
// clock when the wall clock is stepped or the machine sleeps, so it is checked against Date.now()
// at most once per millisecond of monotonic time, and re-anchored when they differ by a
// millisecond or more: a busy logger pays one Date.now() per millisecond, not per record.

/** The clocks a record reads (replaced by tests through {@linkcode setRecordClock}). */
let monotonic: () => number = () => performance.now();
let wall: () => number = Date.now;
/** The wall-clock time (ms since the epoch) at which `monotonic()` read 0. */
let origin = performance.timeOrigin;
/** `monotonic()` when this module was loaded: Python's `logging._startTime`. */
let start = monotonic();
/** The wall-clock time when this module was loaded, for records given their `created`. */
let startWall = origin + start;
/** `monotonic()` at the last check against the wall clock. */
let checkedAt = -Infinity;

/** Checks `t` (ms since the epoch, read at monotonic `p`) against the wall clock; re-anchors. */
function checkWall(p: number, t: number): number {
  checkedAt = p;
  const d = wall();
  // `d` is read after `t`, truncated to the millisecond: in step, d - 1 <= t < d + 1.
  if (t >= d - 1 && t < d + 1) return t;
  origin = d + 0.5 - p;
  return origin + p;
}

/**
 * Replaces the clocks records read, for tests (Python's tests patch `time.time_ns`): `now` is
 * a monotonic time in milliseconds, `wallNow` the wall clock in whole milliseconds since the
 * epoch (`Date.now`), `timeOrigin` the wall-clock time at which `now()` read 0, and `loadTime`
 * the value of `now()` when the logging module was loaded (the base of `relativeCreated`).
 * Called without arguments, it restores the real clocks. Internal: not exported by the package.
 *
 * @param clock The clocks, or nothing to restore the real ones.
 */
export function setRecordClock(
  clock?: { now: () => number; wallNow: () => number; timeOrigin: number; loadTime: number },
): void {
  monotonic = clock?.now ?? (() => performance.now());
  wall = clock?.wallNow ?? Date.now;
  origin = clock?.timeOrigin ?? performance.timeOrigin;
  start = clock?.loadTime ?? realStart;
  startWall = origin + start;
  checkedAt = -Infinity;
}
const realStart = start;

let pid: number | null | undefined;

// The file name and module of the last pathname: a program's records mostly come from the same
// file (or all carry "(unknown file)"), so they are split once, not per record.
let lastPath = "";
let lastFilename = "";
let lastModule = "";

/** Sets `lastFilename` and `lastModule` from `pathname`, as Python's os.path.basename/splitext. */
function splitPath(pathname: string): void {
  const slash = Math.max(pathname.lastIndexOf("/"), pathname.lastIndexOf("\\"));
  const filename = slash < 0 ? pathname : pathname.slice(slash + 1);
  const dot = filename.lastIndexOf(".");
  lastModule = dot <= 0 ? filename : filename.slice(0, dot);
  lastFilename = filename;
  lastPath = pathname;
}

function processId(): number | null {
  if (pid === undefined) {
    try {
      pid = typeof Deno === "object" && typeof Deno.pid === "number" ? Deno.pid : null;
    } catch {
      pid = null;
    }
  }
  return pid;
}

function threadNameOf(): string {
  // In a Web Worker, the worker's name stands in for Python's thread name.
  const scope = globalThis as { name?: unknown; WorkerGlobalScope?: unknown };
  if (scope.WorkerGlobalScope !== undefined && typeof scope.name === "string" && scope.name) {
    return scope.name;
  }
  return "MainThread";
}
let threadName: string | undefined;

/** Whether `value` is a plain, non-empty object usable as a `%(key)s` mapping. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return (proto === Object.prototype || proto === null) ? true : value instanceof Map;
}

/**
 * One logging event, with exactly the attribute names of Python's `logging.LogRecord`, so that
 * format strings such as `%(asctime)s %(levelname)s %(name)s %(message)s` and wire formats work
 * unchanged. Extra attributes (from `extra`, or set by filters) may be added freely.
 *
 * `created` is seconds since the epoch as a float, with sub-millisecond digits (Python's
 * `time.time_ns() / 1e9`); `msecs` the whole milliseconds of its fraction (0-999, computed as
 * CPython 3.13 computes it); `relativeCreated` milliseconds since the module was loaded, with
 * microseconds. The three are Python floats: formats print them as floats (`%(msecs)s` is
 * `647.0`).
 *
 * @example
 * ```ts
 * import { LogRecord } from "@x/loghandlers";
 * const r = new LogRecord("app", 20, "/srv/app.ts", 12, "user %s logged in", ["ada"], null);
 * console.assert(r.getMessage() === "user ada logged in");
 * console.assert(r.levelname === "INFO" && r.module === "app");
 * ```
 */
export class LogRecord {
  /** The logger's name. */
  name: string;
  /** The message, before `args` are merged in; usually a string with `%` placeholders. */
  msg: unknown;
  /** Arguments merged into `msg` by {@linkcode LogRecord.getMessage}. */
  args: LogArgs | null;
  /** The level's name, e.g. `"INFO"`. */
  levelname: string;
  /** The level's number, e.g. `20`. */
  levelno: number;
  /** Full path of the source file of the logging call, or `"(unknown file)"`. */
  pathname: string;
  /** The file name part of `pathname`. */
  filename: string;
  /** `filename` without its extension. */
  module: string;
  /** The error being reported (Python's exc_info), or `null`. */
  exc_info: unknown;
  /** The formatted error, cached by the formatter. */
  exc_text: string | null;
  /** The stack of the logging call when `stack_info` was asked for, or `null`. */
  stack_info: string | null;
  /** Line number of the logging call, or `0`. */
  lineno: number;
  /** Function name of the logging call, or `null`. */
  funcName: string | null;
  /** Seconds since the epoch, as a float, with sub-millisecond digits. */
  created: number;
  /** The whole milliseconds of `created`'s fraction (0-999), a Python float. */
  msecs: number;
  /** Milliseconds from module load to this event, with microseconds. */
  relativeCreated: number;
  /** A thread id (0), or `null` while `settings.logThreads` is false. */
  thread: number | null;
  /** `"MainThread"`, or the Worker's name; `null` while `settings.logThreads` is false. */
  threadName: string | null;
  /** `"MainProcess"`, or `null` while `settings.logMultiprocessing` is false. */
  processName: string | null;
  /**
   * The process id when it can be read without a permission prompt, else `null`; `null` while
   * `settings.logProcesses` is false.
   */
  process: number | null;
  /**
   * Python 3.12's name of the asyncio task the record was logged in. Deno has no task objects
   * and a promise has no name, so it is `null`, except inside a `withContext({ taskName })`,
   * which names the piece of work as naming a task does in Python.
   */
  taskName: string | null;
  /** The merged message, set by {@linkcode Formatter.format}. */
  message?: string;
  /** The formatted time, set by the formatter when its format uses it. */
  asctime?: string;
  /** Attributes added through `extra`, filters or `makeLogRecord`. */
  [key: string]: unknown;

  /**
   * Builds a record, like Python's `LogRecord(name, level, pathname, lineno, msg, args, exc_info,
   * func, sinfo)`. A sole non-empty mapping in `args` becomes the mapping itself.
   *
   * @param name The logger's name.
   * @param level The level number.
   * @param pathname The source file's path.
   * @param lineno The source line.
   * @param msg The message.
   * @param args The arguments for `msg`.
   * @param excInfo The error being reported, or `null`.
   * @param func The calling function's name.
   * @param sinfo A stack trace text.
   * @param created Seconds since the epoch; the current time when omitted. `msecs` and
   *   `relativeCreated` follow from it.
   */
  constructor(
    name: string,
    level: number,
    pathname: string,
    lineno: number,
    msg: unknown,
    args: LogArgs | null,
    excInfo: unknown,
    func: string | null = null,
    sinfo: string | null = null,
    created?: number,
  ) {
    let ms: number;
    let relative: number;
    if (created === undefined) {
      const p = monotonic();
      ms = origin + p;
      if (p - checkedAt >= 1) ms = checkWall(p, ms);
      created = ms / 1000;
      relative = p - start;
    } else {
      ms = created * 1000;
      relative = ms - startWall;
    }
    // CPython 3.13: msecs = (ct % 1e9) // 1e6, and 0 when created was rounded up to the next
    // second (ct ending in 999_999_9xx ns). `ms - sec * 1000` is exact, and much cheaper than
    // the floating-point `%` (a call to fmod).
    let sec = Math.floor(created);
    let rest = ms - sec * 1000;
    if (rest < 0) {
      rest += 1000;
      sec--;
    } else if (rest >= 1000) {
      rest -= 1000;
      sec++;
    }
    let msecs = Math.floor(rest);
    if (msecs === 999 && Math.trunc(created) !== sec) msecs = 0;
    this.name = name;
    this.msg = msg;
    if (Array.isArray(args) && args.length === 1 && isMapping(args[0]) && !isEmpty(args[0])) {
      args = args[0] as Record<string, unknown>;
    }
    this.args = args;
    this.levelname = getLevelName(level);
    this.levelno = level;
    this.pathname = pathname;
    if (typeof pathname === "string") {
      if (pathname !== lastPath) splitPath(pathname);
      this.filename = lastFilename;
      this.module = lastModule;
    } else {
      // Python's LogRecord keeps a pathname that basename() refuses (None) as the filename.
      this.filename = pathname;
      this.module = "Unknown module";
    }
    this.exc_info = excInfo;
    this.exc_text = null;
    this.stack_info = sinfo;
    this.lineno = lineno;
    this.funcName = func;
    // Python's attribute order (its __dict__), which pickles and JSON keep.
    this.created = created;
    this.msecs = msecs;
    this.relativeCreated = relative;
    // Python's logThreads, logMultiprocessing and logProcesses switches (logAsyncioTasks has
    // nothing to switch: there are no asyncio tasks). The same fields in the same order either
    // way, so every record keeps one shape.
    const s = settings;
    if (s.logThreads) {
      this.thread = 0;
      this.threadName = threadName ??= threadNameOf();
    } else {
      this.thread = null;
      this.threadName = null;
    }
    this.processName = s.logMultiprocessing ? "MainProcess" : null;
    this.process = !s.logProcesses ? null : pid === undefined ? processId() : pid;
    this.taskName = null;
  }

  /**
   * Returns the message with `args` merged in, with Python's `%` rules: `String(msg) % args`
   * when `args` is non-empty.
   *
   * @returns The merged message.
   * @throws {TypeError} When `msg` and `args` do not match (Python's formatting errors).
   * @throws {unknown} What the `toString` of `msg` or of a `%s` argument throws (or an `Error`'s
   *   `message` getter), as Python's `getMessage` raises what `__str__` raises; a handler
   *   reports it through `handleError` and does not emit the record.
   *
   * @example
   * ```ts
   * import { LogRecord } from "@x/loghandlers";
   * const r = new LogRecord("db", 30, "", 0, "%(table)s is %(pct)d%% full", [{ table: "users", pct: 91 }], null);
   * console.assert(r.getMessage() === "users is 91% full");
   * ```
   */
  getMessage(): string {
    const msg = typeof this.msg === "string" ? this.msg : pyStr(this.msg);
    const args = this.args;
    if (args === null || args === undefined) return msg;
    if (Array.isArray(args) ? args.length === 0 : isEmpty(args)) return msg;
    return percentFormat(msg, args);
  }

  /**
   * Python's `repr` of a record: `<LogRecord: name, levelno, pathname, lineno, "msg">`.
   *
   * @returns The description.
   *
   * @example
   * ```ts
   * import { LogRecord } from "@x/loghandlers";
   * const r = new LogRecord("app", 20, "/a.ts", 3, "hi", null, null);
   * console.assert(r.toString() === '<LogRecord: app, 20, /a.ts, 3, "hi">');
   * ```
   */
  toString(): string {
    return `<LogRecord: ${this.name}, ${this.levelno}, ${this.pathname}, ${this.lineno}, "${
      pyStr(this.msg)
    }">`;
  }
}

function isEmpty(value: object): boolean {
  if (value instanceof Map) return value.size === 0;
  for (const _ in value) return false;
  return true;
}

/**
 * Builds a record whose attributes are taken from `dict`, like Python's `logging.makeLogRecord`:
 * used to rebuild records received over the network.
 *
 * @param dict The attributes to set on a blank record.
 * @returns The record.
 *
 * @example
 * ```ts
 * import { makeLogRecord } from "@x/loghandlers";
 * const r = makeLogRecord({ name: "remote", msg: "disk %d%%", args: [91], levelno: 30, levelname: "WARNING" });
 * console.assert(r.getMessage() === "disk 91%");
 * ```
 */
export function makeLogRecord(dict: Readonly<Record<string, unknown>>): LogRecord {
  const record = new LogRecord("", NOTSET_LEVEL, "", 0, "", [], null, null);
  // Python sets name and levelname to None; blank strings keep the types honest.
  const proto = Object.getPrototypeOf(dict);
  if (proto !== Object.prototype && proto !== null) return Object.assign(record, dict);
  // Object.assign's effect on a plain object (own enumerable keys in order, then symbols),
  // several times faster than Object.assign itself for records received over the network.
  const target = record as unknown as Record<PropertyKey, unknown>;
  for (const key in dict) if (Object.hasOwn(dict, key)) target[key] = dict[key];
  const symbols = Object.getOwnPropertySymbols(dict);
  for (let i = 0; i < symbols.length; i++) {
    const sym = symbols[i];
    if (Object.prototype.propertyIsEnumerable.call(dict, sym)) {
      target[sym] = (dict as Record<PropertyKey, unknown>)[sym];
    }
  }
  return record;
}

const NOTSET_LEVEL = 0;
