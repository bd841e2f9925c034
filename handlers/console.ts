/**
 * `ConsoleHandler`: records through `console.debug`, `console.info`, `console.warn` and
 * `console.error` by level, so that Deno Deploy's log viewer and Deno's built-in OpenTelemetry
 * exporter (`OTEL_DENO=true`) record each one with its severity.
 *
 * This is the `@x/loghandlers/console` entry point (also re-exported by `@x/loghandlers`). Needs
 * no permission.
 *
 * @module
 */

import { Handler } from "../core/handler.ts";
import { ERROR, INFO, type Level, NOTSET, WARNING } from "../core/levels.ts";
import type { LogRecord } from "../core/record.ts";

/** The console methods a {@linkcode ConsoleHandler} writes through, one per severity. */
export type ConsoleMethod = "debug" | "info" | "warn" | "error";

/**
 * The console method for a level: below `INFO` (20) `debug`, below `WARNING` (30) `info`, below
 * `ERROR` (40) `warn`, else `error` (`CRITICAL` too: the console has no higher method). A custom
 * level goes by the range it falls in, as Python's levels are ordered numbers.
 *
 * @param levelno The record's level number.
 * @returns The method's name.
 *
 * @example
 * ```ts
 * import { consoleMethodFor } from "@x/loghandlers/console";
 * console.assert(consoleMethodFor(10) === "debug" && consoleMethodFor(25) === "info");
 * console.assert(consoleMethodFor(30) === "warn" && consoleMethodFor(50) === "error");
 * ```
 */
export function consoleMethodFor(levelno: number): ConsoleMethod {
  return levelno >= ERROR
    ? "error"
    : levelno >= WARNING
    ? "warn"
    : levelno >= INFO
    ? "info"
    : "debug";
}

/**
 * Writes each formatted record through the console method of its level (see
 * {@linkcode consoleMethodFor}): on Deno Deploy and with Deno's built-in OpenTelemetry
 * (`OTEL_DENO=true`), where the console is the log pipeline, each record keeps its severity:
 * Deno's exporter sends `console.debug` as `DEBUG` (severity number 5), `info` as `INFO` (9),
 * `warn` as `WARN` (13) and `error` as `ERROR` (17), with the formatted text as the body (and
 * the active span's trace and span ids, which Deno adds by itself). Locally, `debug`/`info` go
 * to stdout and `warn`/`error` to stderr, as Deno's console writes them.
 *
 * The text is passed as the only argument, so `%` sequences in it are printed as they are. The
 * console's own writing is synchronous: the text is out when `handle()` returns. The console
 * methods are looked up for each record, so a console replaced later (a test's, a wrapper's) is
 * the one written to; one that logs through a logger this handler is attached to would recurse:
 * that record is reported through `handleError` and not written.
 *
 * @example
 * ```ts
 * import { ConsoleHandler, Formatter, getLogger } from "@x/loghandlers";
 * const handler = new ConsoleHandler();
 * handler.setFormatter(new Formatter("%(levelname)s %(name)s %(message)s"));
 * const log = getLogger("doc.console");
 * log.addHandler(handler);
 * log.propagate = false;
 * log.warning("disk at %d%%", 91); // console.warn("WARNING doc.console disk at 91%")
 * log.removeHandler(handler);
 * console.assert(handler.toString() === "<ConsoleHandler (NOTSET)>");
 * ```
 */
export class ConsoleHandler extends Handler {
  #emitting = false;

  /**
   * Creates the handler.
   *
   * @param level The handler's level.
   */
  constructor(level: Level = NOTSET) {
    super(level);
  }

  /**
   * Writes the formatted record through the console method of its level.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    const text = this.format(record);
    if (this.#emitting) {
      throw new Error(
        `ConsoleHandler: console.${consoleMethodFor(record.levelno)} logged through a logger ` +
          "that writes to this ConsoleHandler again; the record is not written, to end the " +
          "recursion. Do not log from a replaced console method to this handler",
      );
    }
    this.#emitting = true;
    try {
      console[consoleMethodFor(record.levelno)](text);
    } finally {
      this.#emitting = false;
    }
  }
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
