/**
 * Python's `logging` and `logging.handlers`, rebuilt for Deno: the same loggers, levels,
 * format strings and handlers, with typed options, promises and `await using`.
 *
 * ```ts
 * import { FileHandler, Formatter, getLogger } from "@x/loghandlers";
 *
 * const dir = await Deno.makeTempDir();
 * const log = getLogger("app");
 * const handler = new FileHandler(`${dir}/app.log`);
 * handler.setFormatter(new Formatter("%(asctime)s %(levelname)s %(name)s %(message)s"));
 * log.addHandler(handler);
 * log.warning("disk at %d%%", 91);
 * await handler.close();
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`).includes(" WARNING app disk at 91%\n"));
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * This entry point is the public API: what a user of Python's logging needs. Each handler family
 * is also a subpath of its own (`@x/loghandlers/file`, `@x/loghandlers/socket`, ...), the logging
 * model without handlers is `@x/loghandlers/core`, and what only authors of new handlers need
 * (the outbox, the pickle codec, transports, option checks) is `@x/loghandlers/extend`.
 *
 * Importing it needs no permission and starts nothing; each handler asks for the permission its
 * job needs (see the README's Permissions table): files `--allow-read`/`--allow-write`, network
 * handlers `--allow-net`, `NTEventLogHandler` `--allow-run` on Windows.
 *
 * @module
 */

export * from "./core/mod.ts";
export {
  basicConfig,
  type BasicConfigOptions,
  type ConfigCallable,
  type ConfigReference,
  critical,
  debug,
  type DictConfig,
  dictConfig,
  type DictConfigOptions,
  error,
  exception,
  fatal,
  fileConfig,
  type FileConfigOptions,
  type FilterConfig,
  type FormatterConfig,
  type HandlerConfig,
  info,
  log,
  type LoggerConfig,
  type RootConfig,
  warn,
  warning,
} from "./config/mod.ts";
export { type LogStream, NullHandler, StreamHandler, type TextWriter } from "./handlers/stream.ts";
export {
  type ErrorPolicy,
  FileHandler,
  type FileHandlerOptions,
  type FileMode,
} from "./handlers/file.ts";
export { WatchedFileHandler, type WatchedFileHandlerOptions } from "./handlers/watched_file.ts";
export {
  BaseRotatingHandler,
  type BaseRotatingHandlerOptions,
  RotatingFileHandler,
  type RotatingFileHandlerOptions,
} from "./handlers/rotating.ts";
export {
  type AtTime,
  TimedRotatingFileHandler,
  type TimedRotatingFileHandlerOptions,
  type When,
  type WhenUnit,
} from "./handlers/timed_rotating.ts";
export {
  DatagramHandler,
  type DatagramHandlerOptions,
  SocketHandler,
  type SocketHandlerOptions,
} from "./handlers/socket.ts";
export {
  type SysLogFacility,
  type SysLogFormat,
  type SysLogFraming,
  SysLogHandler,
  type SysLogHandlerOptions,
} from "./handlers/syslog.ts";
export {
  type CommandResult,
  type CommandRunner,
  type EventLogType,
  type EventType,
  NTEventLogHandler,
  type NTEventLogHandlerOptions,
} from "./handlers/nt_event_log.ts";
export {
  type HTTPBatchOptions,
  HTTPHandler,
  type HTTPHandlerContext,
  type HTTPHandlerOptions,
  type HTTPMethod,
} from "./handlers/http.ts";
export {
  type SMTPBatchOptions,
  SMTPHandler,
  type SMTPHandlerOptions,
  type SMTPSecure,
} from "./handlers/smtp.ts";
export {
  BufferingHandler,
  MemoryHandler,
  type MemoryHandlerOptions,
  type MemoryTarget,
} from "./handlers/memory.ts";
export {
  AsyncQueue,
  listenInWorker,
  type ListenInWorkerOptions,
  type LogQueue,
  type LogQueueWriter,
  type MessageEndpoint,
  QueueEmpty,
  QueueFull,
  QueueHandler,
  QueueListener,
  type QueueListenerOptions,
  WorkerQueue,
  type WorkerQueueOptions,
  WorkerQueueReader,
} from "./handlers/queue.ts";
export {
  DEFAULT_HTTP_LOGGING_PORT,
  DEFAULT_TCP_LOGGING_PORT,
  DEFAULT_UDP_LOGGING_PORT,
  SYSLOG_TCP_PORT,
  SYSLOG_UDP_PORT,
} from "./handlers/ports.ts";
export { LogReceiver, type LogReceiverOptions, type LogReceiverRejections } from "./receiver.ts";
export { ConsoleHandler, type ConsoleMethod, consoleMethodFor } from "./handlers/console.ts";
export {
  otelSeverityNumber,
  OTLPHandler,
  type OTLPHandlerOptions,
  type OTLPProtocol,
} from "./handlers/otlp.ts";
export { type OtlpLogRecord } from "./core/wire/otlp.ts";
