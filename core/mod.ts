/**
 * The logging model without any handler: levels, records, loggers, the `Handler` base, filters,
 * formatters, `LoggerAdapter`, settings, `captureWarnings` and `shutdown`. It touches no file, socket or other
 * resource and needs no permission, so it also works on Deno Deploy; the handlers are in the
 * package root and in their own subpaths.
 *
 * @example Collect the formatted records in memory
 * ```ts
 * import { getLogger, Handler, type LogRecord } from "@x/loghandlers/core";
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

export {
  addLevelName,
  CRITICAL,
  DEBUG,
  ERROR,
  FATAL,
  getLevelName,
  getLevelNamesMapping,
  INFO,
  type Level,
  type LevelName,
  NOTSET,
  WARN,
  WARNING,
} from "./levels.ts";
export { type LogArgs, LogRecord, makeLogRecord } from "./record.ts";
export {
  BufferingFormatter,
  type FormatStyle,
  Formatter,
  type FormatterOptions,
} from "./formatter.ts";
export { gmtime, localtime, type TimeStruct } from "./text/strftime.ts";
export { Filter, Filterer, type FilterLike, type FilterResult } from "./filter.ts";
export { getHandlerByName, getHandlerNames, Handler } from "./handler.ts";
export { type Delivery, Outbox, type OutboxOptions } from "./io/outbox.ts";
export { OutboxHandler } from "./outbox_handler.ts";
export { BASIC_FORMAT, type LoggingSettings, settings } from "./settings.ts";
export {
  type CallerInfo,
  disable,
  getLogger,
  getLoggerClass,
  getLogRecordFactory,
  kw,
  lastResort,
  Logger,
  type LoggerClass,
  LogKwargs,
  type LogKwargsInit,
  type LogRecordClass,
  type LogRecordFactory,
  root,
  RootLogger,
  setLastResort,
  setLoggerClass,
  setLogRecordFactory,
} from "./logger.ts";
export { type AdaptedLogger, LoggerAdapter, type LoggerAdapterOptions } from "./adapter.ts";
export { handleSignals, shutdown } from "./shutdown.ts";
export { captureWarnings, type CaptureWarningsOptions } from "./warnings.ts";
export type { OptionProblem, OptionRule, OptionRules } from "./text/options.ts";
export type { FileAccess, SyncWriter } from "./io/files.ts";
export { ContextFilter, type ContextFilterOptions, getContext, withContext } from "./context.ts";
export {
  ColorFormatter,
  type ColorFormatterOptions,
  type ColorLevel,
  type ColorMode,
} from "./color_formatter.ts";
export {
  type JSONFormatStyle,
  JSONFormatter,
  JsonFormatter,
  type JSONFormatterOptions,
  type JsonFormatterOptions,
  type LogData,
} from "./json_formatter.ts";
export { LogfmtFormatter, type LogfmtFormatterOptions } from "./logfmt_formatter.ts";
