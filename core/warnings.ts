/**
 * `captureWarnings`: Python's routing of warnings into logging, for Deno's warnings
 * (`console.warn`) and, on request, the uncaught errors Deno prints as it dies.
 *
 * @module
 */

import { getLogger, kw, type Logger } from "./logger.ts";
import { NullHandler } from "./null_handler.ts";
import { runExitHooksSync } from "./shutdown.ts";
import { describeValue, unknownOption } from "./text/options.ts";

/** Options of {@linkcode captureWarnings}. */
export interface CaptureWarningsOptions {
  /**
   * The name of the logger the records go to.
   *
   * @default {"py.warnings"}
   */
  logger?: string;
  /**
   * Also log each uncaught error and unhandled promise rejection that Deno would print before
   * it ends the program, as a WARNING record with the error as `exc_info` and Deno's words as
   * the message (`"Uncaught Error: boom"`, `"Uncaught (in promise) Error: boom"`). The program
   * still ends as it would have: Deno prints the error and exits with status 1. An event that a
   * listener added earlier has cancelled (`preventDefault()`) is not logged.
   *
   * @default {false}
   */
  errors?: boolean;
}

const OPTION_KEYS = ["logger", "errors"];

type WarnFunction = (...data: unknown[]) => void;

interface Capture {
  /** `console.warn` as it was before the capture. */
  original: WarnFunction;
  /** The function installed as `console.warn`. */
  wrapper: WarnFunction;
  logger: string;
  errors: boolean;
}

/** The capture in force, or `null`. */
let capture: Capture | null = null;
/** Whether a captured warning or error is being logged right now (a handler's own warnings). */
let busy = false;
let listening = false;

/**
 * Routes warnings to logging, or stops doing so (Python's `logging.captureWarnings`). Deno has
 * no `warnings` module: its warnings are `console.warn` calls, so while the capture is on,
 * every `console.warn(...)` becomes a WARNING record on the `py.warnings` logger (or the one
 * named by `options.logger`) instead of a line on stderr. The record's message is the text
 * `console.warn` would have printed (its `%s %d %i %f %o %O %c` substitutions applied, other
 * values shown by `Deno.inspect`), with no arguments to merge, and its caller information is
 * the `console.warn` call's. With `options.errors`, uncaught errors and unhandled rejections
 * are logged too (see {@linkcode CaptureWarningsOptions.errors}).
 *
 * As in Python, a logger without handlers gets a `NullHandler` the first time a warning
 * reaches it, so that warnings are not printed by the last-resort handler: configure
 * a handler (on the logger or an ancestor) to see them.
 *
 * `captureWarnings(false)` puts the previous `console.warn` back (when something has wrapped
 * `console.warn` since, the capture's wrapper stays in that chain and passes every call
 * through) and stops listening for errors. Calling `captureWarnings(true)` again while the
 * capture is on applies the new options. A `console.warn` made while a captured warning is
 * being logged (by a handler, a filter or a formatter) is printed by the previous
 * `console.warn`, so it cannot recurse; one made later (from a timer or a promise the handler
 * started) is captured like any other. Warnings made with a `console.warn` saved before the
 * capture began, and `console.group` indentation, are not seen.
 *
 * @param capture `true` to route warnings to logging, `false` to stop.
 * @param options The logger's name, and whether to log uncaught errors.
 * @throws {TypeError} When `capture` is not a boolean, or an option is unknown or has the wrong
 * type.
 *
 * @example
 * ```ts
 * import { captureWarnings, getLogger, Handler, type LogRecord } from "@x/loghandlers";
 * class Keep extends Handler {
 *   lines: string[] = [];
 *   override emit(r: LogRecord) {
 *     this.lines.push(this.format(r));
 *   }
 * }
 * const keep = new Keep();
 * getLogger("py.warnings").addHandler(keep);
 * captureWarnings(true);
 * try {
 *   console.warn("disk at %d%%", 91, { host: "db1" });
 * } finally {
 *   captureWarnings(false);
 * }
 * console.assert(keep.lines[0] === 'disk at 91% { host: "db1" }');
 * getLogger("py.warnings").removeHandler(keep);
 * ```
 */
export function captureWarnings(capture: boolean, options?: CaptureWarningsOptions): void {
  if (typeof capture !== "boolean") {
    throw new TypeError(
      `Cannot call captureWarnings as 'capture' must be a boolean: current value is ${
        describeValue(capture)
      }`,
    );
  }
  const { logger, errors } = checkCaptureOptions(options);
  if (capture) start(logger, errors);
  else stop();
}

function checkCaptureOptions(options: unknown): { logger: string; errors: boolean } {
  if (options === undefined) return { logger: "py.warnings", errors: false };
  if (typeof options !== "object" || options === null || Array.isArray(options)) {
    throw new TypeError(
      `Cannot call captureWarnings as its options must be an object: current value is ${
        describeValue(options)
      }, e.g. captureWarnings(true, { logger: "app.warnings", errors: true })`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key)) throw unknownOption("call captureWarnings", key, OPTION_KEYS);
  }
  const logger = o.logger ?? "py.warnings";
  if (typeof logger !== "string") {
    throw new TypeError(
      `Cannot call captureWarnings as 'logger' must be a logger's name (a string): current ` +
        `value is ${describeValue(logger)}`,
    );
  }
  const errors = o.errors ?? false;
  if (typeof errors !== "boolean") {
    throw new TypeError(
      `Cannot call captureWarnings as 'errors' must be a boolean: current value is ${
        describeValue(errors)
      }`,
    );
  }
  return { logger, errors };
}

function start(logger: string, errors: boolean): void {
  if (capture === null) {
    const original = console.warn;
    const wrapper: WarnFunction = function warn(...data: unknown[]): void {
      capturedWarn(original, data);
    };
    capture = { original, wrapper, logger, errors };
    console.warn = wrapper;
  } else {
    capture.logger = logger;
    capture.errors = errors;
  }
  listen(errors);
}

function stop(): void {
  if (capture === null) return;
  const { original, wrapper } = capture;
  capture = null;
  // Put the previous console.warn back unless someone wrapped ours since: then ours stays in
  // their chain and, the capture being over, passes every call through.
  if (console.warn === wrapper) console.warn = original;
  listen(false);
}

/** Adds or removes the error listeners. */
function listen(on: boolean): void {
  if (on === listening || typeof globalThis.addEventListener !== "function") return;
  listening = on;
  if (on) {
    globalThis.addEventListener("error", onError);
    globalThis.addEventListener("unhandledrejection", onRejection);
  } else {
    globalThis.removeEventListener("error", onError);
    globalThis.removeEventListener("unhandledrejection", onRejection);
  }
}

/** The installed `console.warn`: logs, unless the capture is over or a warning is being logged. */
function capturedWarn(original: WarnFunction, data: unknown[]): void {
  const c = capture;
  if (c === null || busy) return original.apply(console, data);
  let text: string;
  try {
    text = consoleText(data);
  } catch {
    // console.warn itself cannot print these arguments (String() of an object without a
    // prototype): the previous console.warn does what it always did with them.
    return original.apply(console, data);
  }
  if (!logWarning(c.logger, text, undefined)) original.apply(console, data);
}

/**
 * Logs `text` (and `error`, when it is an Error) as a WARNING on the logger `name`; `false`
 * when logging itself threw (a Logger subclass of the user's), so that the caller can print.
 */
function logWarning(name: string, text: string, error: unknown): boolean {
  busy = true;
  try {
    const log: Logger = getLogger(name);
    if (log.handlers.length === 0) log.addHandler(new NullHandler());
    if (error instanceof Error) log.warning(text, kw({ exc_info: error }));
    else log.warning(text);
    return true;
  } catch {
    return false;
  } finally {
    busy = false;
  }
}

function onError(event: Event): void {
  const c = capture;
  if (c === null || busy || event.defaultPrevented) return;
  const e = event as ErrorEvent;
  const error: unknown = e.error;
  const message = typeof e.message === "string" && e.message !== ""
    ? e.message
    : `Uncaught ${thrownText(error)}`;
  logError(c.logger, message, error);
}

function onRejection(event: Event): void {
  const c = capture;
  if (c === null || busy || event.defaultPrevented) return;
  const reason: unknown = (event as PromiseRejectionEvent).reason;
  logError(c.logger, `Uncaught (in promise) ${thrownText(reason)}`, reason);
}

/**
 * Logs an error the program is about to end on, then writes out what the handlers hold: the
 * exit hooks may have run before this listener.
 */
function logError(name: string, message: string, error: unknown): void {
  if (!logWarning(name, message, error)) return;
  runExitHooksSync("when the program ended on an uncaught error");
}

/** How Deno names a thrown value after "Uncaught": `Error: boom`, `"text"`, `42`. */
function thrownText(value: unknown): string {
  try {
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return inspect(value);
  } catch {
    return describeValue(value);
  }
}

function inspect(value: unknown): string {
  return typeof Deno === "object" && typeof Deno.inspect === "function"
    ? Deno.inspect(value)
    : String(value);
}

/**
 * The text `console.warn(...data)` prints (without colours and the newline): Deno's console
 * rules. A first argument that is a string, followed by others, has its `%s %d %i %f %o %O %c`
 * replaced and `%%` turned into `%`; the remaining arguments follow, separated by spaces,
 * strings as they are and other values as `Deno.inspect` shows them.
 *
 * @throws {TypeError} Where `console.warn` would throw (`%s` of an object with no `toString`).
 */
function consoleText(data: readonly unknown[]): string {
  const first = data[0];
  let a = 0;
  let text = "";
  if (typeof first === "string" && data.length > 1) {
    a = 1;
    let copied = 0;
    for (let i = 0; i < first.length - 1; i++) {
      if (first[i] !== "%") continue;
      const char = first[++i];
      if (a < data.length) {
        let arg: string | null = null;
        if (char === "s") arg = String(data[a++]);
        else if (char === "d" || char === "i") {
          const value = data[a++];
          arg = typeof value === "symbol" ? "NaN" : String(Number.parseInt(value as string));
        } else if (char === "f") {
          const value = data[a++];
          arg = typeof value === "symbol" ? "NaN" : String(Number.parseFloat(value as string));
        } else if (char === "o" || char === "O") arg = inspect(data[a++]);
        else if (char === "c") {
          a++;
          arg = "";
        }
        if (arg !== null) {
          text += first.slice(copied, i - 1) + arg;
          copied = i + 1;
        }
      }
      if (char === "%") {
        text += first.slice(copied, i - 1) + "%";
        copied = i + 1;
      }
    }
    text += first.slice(copied);
  }
  for (; a < data.length; a++) {
    if (a > 0) text += " ";
    const value = data[a];
    text += typeof value === "string" ? value : inspect(value);
  }
  return text;
}
