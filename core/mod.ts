/**
 * The logging core without any handler that touches the file system: levels, records,
 * formatting, filters, the `Handler` base, loggers and `shutdown`. Works on Deno Deploy.
 *
 * @example
 * ```ts
 * import { getLogger, Handler, type LogRecord } from "./mod.ts";
 * class Collect extends Handler {
 *   out: string[] = [];
 *   override emit(r: LogRecord) {
 *     this.out.push(this.format(r));
 *   }
 * }
 * const h = new Collect();
 * getLogger("doc.core").addHandler(h);
 * getLogger("doc.core").error("x=%d", 1);
 * console.assert(h.out[0] === "x=1");
 * ```
 *
 * @module
 */

export * from "./levels.ts";
export * from "./text/errors.ts";
export { LogRecord, makeLogRecord } from "./record.ts";
export type { LogArgs } from "./record.ts";
export { percentFormat } from "./text/percent.ts";
export * from "./text/strftime.ts";
export * from "./formatter.ts";
export * from "./filter.ts";
export { Handler } from "./handler.ts";
export { type Delivery, Outbox, type OutboxOptions } from "./io/outbox.ts";
export { OutboxHandler } from "./outbox_handler.ts";
export * from "./wire/pickle.ts";
export { type LoggingSettings, settings } from "./settings.ts";
export {
  type CallerInfo,
  disable,
  getLogger,
  getLogRecordFactory,
  kw,
  lastResort,
  Logger,
  LogKwargs,
  type LogKwargsInit,
  type LogRecordFactory,
  Manager,
  PlaceHolder,
  root,
  RootLogger,
  setLastResort,
  setLogRecordFactory,
} from "./logger.ts";
export * from "./adapter.ts";
export { handleSignals, shutdown } from "./shutdown.ts";
export type { OptionProblem, OptionRule, OptionRules } from "./text/options.ts";
