/**
 * For authors of new handlers and receivers: the parts the library's own network and file
 * handlers are built from, and the Python semantics they rely on. A user of Python's logging
 * does not need this entry point (see the package root).
 *
 * - The outbox: an ordered, bounded queue with one delivery pump, back-off, drop counts and the
 *   exit-time reports ({@linkcode Outbox}, {@linkcode OutboxHandler} to extend).
 * - Transports: stream connections with timeouts and a stall limit, UDP with pacing, and the
 *   errors that name the permission flag to add.
 * - The pickle codec: CPython's `pickle.dumps` of records, and a reader that never imports or
 *   calls anything.
 * - Option checks that name the class, the option and the closest known key.
 * - Python's text semantics: `%`-formatting, `strftime` and its time helpers, `str()`/`repr()`,
 *   and Python's exception classes that they throw.
 *
 * Importing it needs no permission; the transports need `--allow-net` (and for Unix sockets file
 * access and `--allow-net=unix:<path>`) when they are used.
 *
 * @example A handler that delivers through the outbox
 * ```ts
 * import { OutboxHandler } from "@x/loghandlers/extend";
 * import { type LogRecord, makeLogRecord } from "@x/loghandlers";
 *
 * class Collect extends OutboxHandler {
 *   sent: string[] = [];
 *   override emit(record: LogRecord): void {
 *     this.outbox.push(new TextEncoder().encode(this.format(record)));
 *   }
 *   protected override deliver(batch: Uint8Array[]): Promise<void> {
 *     for (const bytes of batch) this.sent.push(new TextDecoder().decode(bytes));
 *     return Promise.resolve();
 *   }
 * }
 * const handler = new Collect();
 * handler.handle(makeLogRecord({ msg: "hello %s", args: ["world"] }));
 * await handler.close();
 * console.assert(handler.sent[0] === "hello world");
 * ```
 *
 * @module
 */

export {
  checkOutboxOptions,
  type Delivery,
  Outbox,
  OUTBOX_RULES,
  type OutboxOptions,
} from "./core/io/outbox.ts";
export { OutboxHandler } from "./core/outbox_handler.ts";
export { concatBytes } from "./core/text/bytes.ts";
export {
  connectStream,
  explainNetError,
  readWithin,
  type StreamTarget,
  UdpSender,
  type UdpSenderOptions,
  writeAll,
} from "./core/io/transport.ts";
export { isPermissionDenial, permissionDenied } from "./core/io/files.ts";
export { FileLock } from "./core/io/file_lock.ts";
export { WriteBuffer } from "./core/io/write_buffer.ts";
export type { SyncWriter } from "./core/io/files.ts";
export { SmtpClient, type SmtpConnectOptions, SmtpError } from "./core/io/smtp_client.ts";
export {
  type CodePageName,
  createEncoder,
  type Encoder,
  encodeText,
  type EncodingName,
  type ErrorPolicy,
  UnicodeEncodeError,
} from "./core/text/encoding.ts";
export { braceFormat, formatValue, templateSubstitute } from "./core/text/format_spec.ts";
export { floatRepr, formatFloat } from "./core/text/float_format.ts";
export { setUnrefTimeout, type TimerId } from "./core/io/timer.ts";
export {
  pickleDumps,
  type PickleLimit,
  type PickleLoadOptions,
  pickleLoads,
  pickleRecord,
  type PickleValue,
  PyFloat,
  PyTuple,
  UnpicklingError,
} from "./core/wire/pickle.ts";
export {
  any,
  boolean,
  checkOption,
  checkOptions,
  closestName,
  describeValue,
  either,
  func,
  integer,
  nullable,
  number,
  object,
  oneOf,
  type OptionProblem,
  type OptionRule,
  type OptionRules,
  satisfies,
  string,
  unknownOption,
} from "./core/text/options.ts";
export { percentFormat } from "./core/text/percent.ts";
export { pyRepr, pyStr } from "./core/text/pystr.ts";
export {
  cachedStrftime,
  compileStrftime,
  gmtime,
  localtime,
  mktime,
  strftime,
  timegm,
  type TimeStruct,
  type TimezoneInfo,
  timezoneInfo,
  tzset,
} from "./core/text/strftime.ts";
export {
  AttributeError,
  IndexError,
  KeyError,
  OverflowError,
  ValueError,
} from "./core/text/errors.ts";
export { checkLevel } from "./core/levels.ts";
export { ACK_HELLO } from "./handlers/socket.ts";
export { urlencode } from "./handlers/http.ts";
export { encodeHeader, formatMailDate } from "./handlers/smtp.ts";
export { denoCommandRunner, MAX_EVENT_MESSAGE_LENGTH } from "./handlers/nt_event_log.ts";

export {
  type ConfigGetOptions,
  ConfigParser,
  ConfigParserError,
  DuplicateOptionError,
  DuplicateSectionError,
  InterpolationDepthError,
  InterpolationError,
  InterpolationMissingOptionError,
  InterpolationSyntaxError,
  MissingSectionHeaderError,
  NoOptionError,
  NoSectionError,
  ParsingError,
  pyStrip,
} from "./config/ini.ts";
export {
  literalEval,
  parsePyLiteral,
  type PyLiteral,
  type PyLiteralOptions,
  pyLiteralToJs,
} from "./config/pyliteral.ts";
export {
  FILE_CONFIG_NAMES,
  type FileConfigDict,
  type FileConfigOptions,
  fileConfigToDict,
} from "./config/file.ts";

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "./core/filter.ts";
export { type FormatStyle, Formatter } from "./core/formatter.ts";
export { Handler } from "./core/handler.ts";
export { type Level, type LevelName } from "./core/levels.ts";
export { type LogArgs, LogRecord } from "./core/record.ts";
export { RECORD_ATTRIBUTES, recordExtras } from "./core/record_fields.ts";
export { type CommandResult, type CommandRunner } from "./handlers/nt_event_log.ts";
export { activeSpanIds, type SpanIds, telemetryEnabled } from "./core/telemetry.ts";
export { type ProtoField, ProtoWriter, readFields } from "./core/wire/protobuf.ts";
export {
  decodeExportResponse,
  encodeExportRequestJson,
  encodeExportRequestProto,
  encodeLogRecordJson,
  encodeLogRecordProto,
  encodeResourceJson,
  encodeResourceProto,
  type ExportLogsResult,
  isOtlpId,
  type OtlpLogRecord,
  splitSeconds,
  type ValueLimits,
} from "./core/wire/otlp.ts";
export { isoTimestamp, JsonWriter, type JsonWriterOptions } from "./core/text/json_writer.ts";
export { formatFields } from "./core/format_fields.ts";
