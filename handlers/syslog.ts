/**
 * `SysLogHandler`: records sent to a syslog daemon over UDP, TCP, TLS or a Unix socket, as
 * CPython sends them or as RFC 5424 / RFC 3164 messages.
 *
 * This is the `@x/loghandlers/syslog` entry point (also re-exported by `@x/loghandlers`). Requires
 * `--allow-net` for the server (UDP also for the local end, see the README); for `/dev/log`,
 * `--unstable-net --allow-write=/dev/log --allow-net=unix:/dev/log`.
 *
 * @module
 */

import { isPermissionDenial, permissionDenied } from "../core/io/files.ts";
import {
  any,
  boolean,
  checkOptions,
  nullable,
  number,
  object,
  type OptionRules,
  string,
} from "../core/text/options.ts";
import { OUTBOX_RULES, type OutboxOptions } from "../core/io/outbox.ts";
import { OutboxHandler } from "../core/outbox_handler.ts";
import type { LogRecord } from "../core/record.ts";
import { registerHandler } from "../core/shutdown.ts";
import {
  checkSendRate,
  connectStream,
  DATAGRAM_OUTBOX_DEFAULTS,
  type StreamTarget,
  UdpSender,
  unixDatagramSender,
  unixSocketFlags,
  writeAll,
} from "../core/io/transport.ts";
import { concatBytes } from "../core/text/bytes.ts";

/**
 * The wire format of a {@linkcode SysLogHandler}: `"python"` (CPython's bytes), `"rfc5424"` or
 * `"rfc3164"`.
 *
 * @example
 * ```ts
 * import { SysLogHandler, type SysLogFormat } from "@x/loghandlers";
 * const format: SysLogFormat = "rfc5424";
 * await using h = new SysLogHandler({ address: ["127.0.0.1", 514], format });
 * console.assert(h.syslogFormat === "rfc5424" && !h.appendNul);
 * ```
 */
export type SysLogFormat = "python" | "rfc5424" | "rfc3164";

/**
 * How messages are delimited on a stream connection (RFC 6587): `"octet-counting"`, `"lf"`, or
 * `"none"` (CPython's NUL-terminated bytes as they are). Under `"lf"`, CR, LF and NUL inside a
 * message are sent as `#015`, `#012` and `#000` (see {@linkcode SysLogHandlerOptions.framing}).
 *
 * @example
 * ```ts
 * import { SysLogHandler, type SysLogFraming } from "@x/loghandlers";
 * const framing: SysLogFraming = "lf";
 * await using h = new SysLogHandler({ address: ["127.0.0.1", 514], socktype: "tcp", framing });
 * console.assert(h.framing === "lf");
 * ```
 */
export type SysLogFraming = "octet-counting" | "lf" | "none";

/**
 * A syslog facility: a number, or a name of `SysLogHandler.facility_names` (`"local0"`, `"user"`,
 * ...). Names are checked at run time too.
 *
 * @example
 * ```ts
 * import type { SysLogFacility } from "@x/loghandlers";
 * const facility: SysLogFacility = "local0";
 * console.assert(facility === "local0");
 * ```
 */
export type SysLogFacility =
  | number
  | "auth"
  | "authpriv"
  | "console"
  | "cron"
  | "daemon"
  | "ftp"
  | "kern"
  | "lpr"
  | "mail"
  | "news"
  | "ntp"
  | "security"
  | "syslog"
  | "user"
  | "uucp"
  | "local0"
  | "local1"
  | "local2"
  | "local3"
  | "local4"
  | "local5"
  | "local6"
  | "local7";

/**
 * Options of {@linkcode SysLogHandler}: Python's `address`, `facility`, `socktype` and `timeout`,
 * the wire format, and the outbox's bounds and back-off ({@linkcode OutboxOptions}).
 *
 * @example
 * ```ts
 * import { SysLogHandler, type SysLogHandlerOptions } from "@x/loghandlers";
 * const options: SysLogHandlerOptions = {
 *   address: ["127.0.0.1", 514],
 *   socktype: "tcp",
 *   facility: "local0",
 *   format: "rfc5424",
 *   appName: "billing",
 *   maxRecords: 1000,
 * };
 * await using h = new SysLogHandler(options); // connects on the first record
 * console.assert(h.framing === "octet-counting");
 * ```
 */
export interface SysLogHandlerOptions extends OutboxOptions {
  /**
   * `[host, port]` for UDP, TCP or TLS, or the path of a Unix socket (such as `"/dev/log"`).
   *
   * @default {["localhost", 514]}
   */
  address?: readonly [string, number] | string;
  /**
   * The facility: a number (`SysLogHandler.LOG_LOCAL0`) or a name of
   * `SysLogHandler.facility_names` (`"local0"`). The handler's `facility` property holds its
   * number either way, as Python's does for the constants.
   *
   * @default {SysLogHandler.LOG_USER}
   */
  facility?: SysLogFacility;
  /**
   * `"udp"` (datagrams) or `"tcp"` (a stream). For `[host, port]` the default is `"udp"`; for
   * a Unix socket path the default tries a datagram socket first, then a stream socket, as
   * Python does.
   *
   * @default {undefined}
   */
  socktype?: "udp" | "tcp";
  /**
   * Seconds to wait for a stream connection (Python 3.14's `timeout`), and the longest a write
   * may make no progress: a server that stops reading has its connection closed and the
   * messages not yet written wait in the outbox for the retry. Without it, and never longer
   * than it, `closeTimeout` is the stall limit, so a stuck server cannot keep a finished
   * program alive.
   *
   * @default {undefined}
   */
  timeout?: number;
  /**
   * `"python"`: exactly CPython's bytes, `<PRI>` + ident + message (+ NUL). `"rfc5424"`:
   * `<PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID SD BOM MSG`. `"rfc3164"`:
   * `<PRI>Mmm dd hh:mm:ss HOSTNAME TAG: MSG`.
   *
   * @default {"python"}
   */
  format?: SysLogFormat;
  /**
   * Framing on stream connections (TCP, TLS, Unix stream), per RFC 6587: `"octet-counting"`
   * (`LEN SP MSG`), `"lf"` (MSG + `"\n"`) or `"none"` (the bytes as they are, CPython's way).
   * The default is `"none"` for the `"python"` format and `"octet-counting"` for the RFC formats
   * and for TLS (RFC 5425).
   *
   * Under `"lf"` a line break ends a message, so CR, LF and NUL anywhere in the message (the
   * formatted record, `ident`, structured-data values: every field) are sent as `#015`, `#012`
   * and `#000`: the text rsyslog itself shows for a control character it receives, so a line
   * reads the same whichever framing carried it, and no text can start a record of its own.
   * (As with rsyslog's own escaping, `#` is not escaped: a literal `#012` reads the same.) The
   * NUL that `appendNul` adds stays a NUL. This applies to stream connections and to a Unix
   * socket path; UDP datagrams are never escaped. `"octet-counting"` sends every byte as it
   * is: the length prefix is counted in bytes after encoding, so no text can cut a frame short.
   * `"none"` also sends every byte as it is, exactly as CPython does over TCP: a receiver that
   * splits a stream at line breaks (rsyslog does) then splits a message with a newline too, so
   * use `"lf"` or `"octet-counting"` when messages may hold text you do not control.
   *
   * @default {"none"}
   */
  framing?: SysLogFraming;
  /**
   * Text prepended to every message (Python's `ident`). In the RFC formats it is not prepended:
   * it becomes the APP-NAME / TAG when `appName` is not given (trailing `:` and spaces removed).
   * Sent as it is, except that `framing: "lf"` escapes its CR, LF and NUL like the message's.
   *
   * @default {""}
   */
  ident?: string;
  /**
   * Append a NUL byte to each message (Python's `append_nul`). The default is `true` for the
   * `"python"` format and `false` for the RFC formats.
   *
   * @default {true}
   */
  appendNul?: boolean;
  /**
   * Connect with TLS (RFC 5425) to `[host, port]`: `caCerts` are PEM certificates to trust in
   * addition to the system's, `serverName` the name to verify. Implies a stream connection.
   *
   * @default {undefined}
   */
  tls?: { caCerts?: string[]; serverName?: string };
  /**
   * The largest datagram sent (UDP and Unix datagram sockets). A longer message is truncated to
   * it (on a UTF-8 character boundary, keeping the final NUL); the first truncation is reported
   * through `handleError` and all are counted in `truncated`. The default is 2048 for the RFC
   * formats (RFC 5426's safe size) and 65507 (the UDP maximum) for the `"python"` format.
   *
   * @default {65507}
   */
  maxDatagramBytes?: number;
  /**
   * Pacing of UDP datagrams: at most this many per second (a datagram longer than 1 KiB counts
   * once per KiB begun), at most 32 back to back, so that a burst does not overrun the
   * receiver (UDP has no flow control: what a receiver's buffer cannot hold is lost). The
   * default keeps below the pace of CPython's tight logging loop. A burst waits in the outbox
   * meanwhile: over UDP its default bounds are 100,000 records and 64 MiB. `Infinity` sends
   * back to back. Streams and Unix datagram sockets have flow control and are not paced.
   *
   * @default {20000}
   */
  sendRate?: number;
  /**
   * HOSTNAME of the RFC formats. The default is `Deno.hostname()` when `--allow-sys=hostname`
   * is granted, else `"-"` (RFC 5424) or `"localhost"` (RFC 3164). Like every header field
   * (APP-NAME, PROCID, MSGID, and the SD-IDs and names of structured data), it keeps RFC 5424's
   * printable US-ASCII: any other character (a space, a line break, a non-ASCII letter) is
   * sent as `_`, and it is cut to RFC 5424's length (255 here, 48, 128, 32 and 32).
   *
   * @default {undefined}
   */
  hostname?: string;
  /**
   * APP-NAME (RFC 5424) or TAG (RFC 3164). The default is derived from `ident`, else `"-"`
   * (RFC 5424) or no tag (RFC 3164).
   *
   * @default {undefined}
   */
  appName?: string;
  /**
   * PROCID of the RFC formats; the default is the record's `process`, else `"-"`. A header
   * field: see `hostname` for the characters it keeps.
   *
   * @default {undefined}
   */
  procid?: string | number;
}

type Mode = "udp" | "stream" | "unix";

const FORMATS: readonly SysLogFormat[] = ["python", "rfc5424", "rfc3164"];

/** Types and keys; the values' own rules are checked in the constructor, with their words. */
const SYSLOG_RULES: OptionRules = {
  ...OUTBOX_RULES,
  address: any(),
  facility: any(),
  socktype: any(),
  timeout: nullable(number(0, true, "seconds")),
  format: any(),
  framing: any(),
  ident: string(),
  appendNul: boolean(),
  tls: object("an object { caCerts, serverName }"),
  maxDatagramBytes: any(),
  sendRate: any(),
  hostname: string(),
  appName: string(),
  procid: any(),
};
const FRAMINGS: readonly SysLogFraming[] = ["octet-counting", "lf", "none"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const encoder = new TextEncoder();

const PRIORITY_NAMES: Readonly<Record<string, number>> = Object.freeze({
  alert: 1,
  crit: 2,
  critical: 2,
  debug: 7,
  emerg: 0,
  err: 3,
  error: 3,
  info: 6,
  notice: 5,
  panic: 0,
  warn: 4,
  warning: 4,
});

const FACILITY_NAMES: Readonly<Record<string, number>> = Object.freeze({
  auth: 4,
  authpriv: 10,
  console: 14,
  cron: 9,
  daemon: 3,
  ftp: 11,
  kern: 0,
  lpr: 6,
  mail: 2,
  news: 7,
  ntp: 12,
  security: 13,
  "solaris-cron": 15,
  syslog: 5,
  user: 1,
  uucp: 8,
  local0: 16,
  local1: 17,
  local2: 18,
  local3: 19,
  local4: 20,
  local5: 21,
  local6: 22,
  local7: 23,
});

const PRIORITY_MAP: Readonly<Record<string, string>> = Object.freeze({
  DEBUG: "debug",
  INFO: "info",
  WARNING: "warning",
  ERROR: "error",
  CRITICAL: "critical",
});

function pad(n: number, width = 2): string {
  return String(n).padStart(width, "0");
}

/** Keeps the printable US-ASCII of `text` (other characters become `_`), at most `max` long. */
function headerField(text: string, max: number, forbidden = ""): string {
  let out = "";
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    out += c >= 33 && c <= 126 && !forbidden.includes(ch) ? ch : "_";
    if (out.length >= max) break;
  }
  return out === "" ? "-" : out;
}

/** RFC 3339 local time with milliseconds and the UTC offset, e.g. `2026-11-30T04:28:35.123+01:00`. */
function rfc3339(created: number): string {
  const d = new Date(Math.floor(created * 1000 + 1e-3));
  const offset = -d.getTimezoneOffset();
  const zone = offset === 0
    ? "Z"
    : `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}:${
      pad(Math.abs(offset) % 60)
    }`;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}${zone}`;
}

/** RFC 3164's TIMESTAMP in local time: `Nov  3 04:05:06`. */
function rfc3164Time(created: number): string {
  const d = new Date(Math.floor(created * 1000 + 1e-3));
  return `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, " ")} ${pad(d.getHours())}:${
    pad(d.getMinutes())
  }:${pad(d.getSeconds())}`;
}

function escapeParamValue(value: unknown): string {
  return String(value).replace(/["\\\]]/g, (c) => "\\" + c);
}

const LINE_BREAK_ESCAPES: Readonly<Record<string, string>> = {
  "\r": "#015",
  "\n": "#012",
  "\0": "#000",
};

/**
 * CR, LF and NUL as rsyslog shows the control characters it receives (`#` and three octal
 * digits), for LF framing: no text can end a message early.
 */
function escapeLineBreaks(text: string): string {
  return text.replace(/[\r\n\0]/g, (c) => LINE_BREAK_ESCAPES[c]);
}

/**
 * RFC 5424 STRUCTURED-DATA from `{ "id@32473": { key: value } }` (a value may be an array:
 * the parameter repeats), or `"-"`.
 */
function structuredData(sd: unknown): string {
  if (typeof sd !== "object" || sd === null) return "-";
  let out = "";
  for (const [id, params] of Object.entries(sd as Record<string, unknown>)) {
    out += "[" + headerField(id, 32, '= ]"');
    if (typeof params === "object" && params !== null) {
      for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
        const key = headerField(name, 32, '= ]"');
        for (const v of Array.isArray(value) ? value : [value]) {
          out += ` ${key}="${escapeParamValue(v ?? "")}"`;
        }
      }
    }
    out += "]";
  }
  return out === "" ? "-" : out;
}

/** Cuts `bytes` to at most `limit` bytes on a UTF-8 boundary, keeping a final NUL. */
function truncate(bytes: Uint8Array, limit: number, keepNul: boolean): Uint8Array {
  const nul = keepNul && bytes[bytes.length - 1] === 0 ? 1 : 0;
  let n = limit - nul;
  while (n > 0 && (bytes[n] & 0xc0) === 0x80) n--;
  const out = new Uint8Array(n + nul);
  out.set(bytes.subarray(0, n));
  return out;
}

function localHostname(): string | null {
  try {
    if (Deno.permissions.querySync({ name: "sys", kind: "hostname" }).state !== "granted") {
      return null;
    }
    return Deno.hostname();
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Python's `logging.handlers.SysLogHandler`: sends each record to a syslog daemon.
 *
 * By default the bytes are exactly CPython's: `<PRI>` + `ident` + the formatted message + NUL,
 * UTF-8, over UDP to `localhost:514`. `format: "rfc5424"` or `"rfc3164"` sends standard syslog
 * messages instead (RFC 5424 fields come from the record: `created`, `process`, and the `msgid`
 * and `structuredData` extras), and TCP is framed per RFC 6587 (`framing`). `emit` is
 * synchronous and never throws: the message waits in a bounded outbox that one asynchronous
 * pump sends, reconnecting with back-off after a failure and resending the failed record.
 *
 * Requires, over UDP, `--allow-net` for `[host, port]` and for the local end of the socket:
 * `--allow-net=localhost:514,127.0.0.1:0` for the default address (a host on the loopback binds
 * `127.0.0.1:0`, or `[::1]:0`; any other host `0.0.0.0:0`, or `[::]:0`); over TCP or TLS
 * `--allow-net=<host>:<port>`. A Unix socket path needs `--allow-write=<path>
 * --allow-net=unix:<path>`, and `--unstable-net` for a datagram socket such as `/dev/log` or
 * `--allow-read=<path>` for a stream socket. `--allow-sys=hostname` (optional) puts the host name in RFC 5424/3164 lines. A denied
 * permission is reported once through `handleError`, naming the flags, and the records are
 * dropped and counted.
 *
 * @example
 * ```ts
 * import { getLogger, SysLogHandler } from "@x/loghandlers";
 * import { createSocket } from "node:dgram";
 *
 * const server = createSocket("udp4");
 * const received = new Promise<string>((resolve) =>
 *   server.once("message", (msg) => resolve(new TextDecoder().decode(msg)))
 * );
 * await new Promise<void>((resolve) => server.bind(0, "127.0.0.1", resolve));
 * const port = server.address().port;
 *
 * await using h = new SysLogHandler({ address: ["127.0.0.1", port], facility: "local0", ident: "app: " });
 * const log = getLogger("doc.syslog");
 * log.addHandler(h);
 * log.warning("disk at %d%%", 91);
 * log.removeHandler(h);
 * console.assert(await received === "<132>app: disk at 91%\0");
 * server.close();
 * ```
 */
export class SysLogHandler extends OutboxHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static readonly optionRules: OptionRules = SYSLOG_RULES;
  /** System is unusable. */
  static readonly LOG_EMERG = 0;
  /** Action must be taken immediately. */
  static readonly LOG_ALERT = 1;
  /** Critical conditions. */
  static readonly LOG_CRIT = 2;
  /** Error conditions. */
  static readonly LOG_ERR = 3;
  /** Warning conditions. */
  static readonly LOG_WARNING = 4;
  /** Normal but significant condition. */
  static readonly LOG_NOTICE = 5;
  /** Informational. */
  static readonly LOG_INFO = 6;
  /** Debug-level messages. */
  static readonly LOG_DEBUG = 7;
  /** Kernel messages. */
  static readonly LOG_KERN = 0;
  /** Random user-level messages. */
  static readonly LOG_USER = 1;
  /** Mail system. */
  static readonly LOG_MAIL = 2;
  /** System daemons. */
  static readonly LOG_DAEMON = 3;
  /** Security/authorization messages. */
  static readonly LOG_AUTH = 4;
  /** Messages generated internally by syslogd. */
  static readonly LOG_SYSLOG = 5;
  /** Line printer subsystem. */
  static readonly LOG_LPR = 6;
  /** Network news subsystem. */
  static readonly LOG_NEWS = 7;
  /** UUCP subsystem. */
  static readonly LOG_UUCP = 8;
  /** Clock daemon. */
  static readonly LOG_CRON = 9;
  /** Security/authorization messages (private). */
  static readonly LOG_AUTHPRIV = 10;
  /** FTP daemon. */
  static readonly LOG_FTP = 11;
  /** NTP subsystem. */
  static readonly LOG_NTP = 12;
  /** Log audit. */
  static readonly LOG_SECURITY = 13;
  /** Log alert. */
  static readonly LOG_CONSOLE = 14;
  /** Scheduling daemon (Solaris). */
  static readonly LOG_SOLCRON = 15;
  /** Reserved for local use. */
  static readonly LOG_LOCAL0 = 16;
  /** Reserved for local use. */
  static readonly LOG_LOCAL1 = 17;
  /** Reserved for local use. */
  static readonly LOG_LOCAL2 = 18;
  /** Reserved for local use. */
  static readonly LOG_LOCAL3 = 19;
  /** Reserved for local use. */
  static readonly LOG_LOCAL4 = 20;
  /** Reserved for local use. */
  static readonly LOG_LOCAL5 = 21;
  /** Reserved for local use. */
  static readonly LOG_LOCAL6 = 22;
  /** Reserved for local use. */
  static readonly LOG_LOCAL7 = 23;
  /** Priority names and their numbers, as in Python (`"err"`, `"warning"`, ...). */
  static readonly priority_names: Readonly<Record<string, number>> = PRIORITY_NAMES;
  /** Facility names and their numbers, as in Python (`"user"`, `"local0"`, ...). */
  static readonly facility_names: Readonly<Record<string, number>> = FACILITY_NAMES;
  /** Python's default map from level names to priority names. */
  static readonly priority_map: Readonly<Record<string, string>> = PRIORITY_MAP;

  /** The address: `[host, port]` or a Unix socket path. */
  readonly address: readonly [string, number] | string;
  /**
   * `"udp"` or `"tcp"`; for a Unix socket path `null` until the first connection picked one
   * (datagram first, then stream).
   */
  socktype: "udp" | "tcp" | null;
  /** Whether `address` is a Unix socket path. */
  readonly unixsocket: boolean;
  /** Seconds to wait for a stream connection, or `null`. */
  readonly timeout: number | null;
  /** The wire format. */
  readonly syslogFormat: SysLogFormat;
  /** Framing on stream connections. */
  readonly framing: SysLogFraming;
  /** Text prepended to every message (the `"python"` format). */
  ident: string;
  /** Whether a NUL byte ends every message. */
  appendNul: boolean;
  /** The largest datagram sent. */
  readonly maxDatagramBytes: number;
  /** Level names mapped to priority names; add custom levels here (Python's `priority_map`). */
  priority_map: Record<string, string>;
  #facility: number;
  #mode: Mode;
  #target: StreamTarget;
  #host = "";
  #port = 0;
  #timeoutMs: number | undefined;
  #hostname: string;
  #appName: string;
  #procid: string | null;
  #truncated = 0;
  /** LF framing on a stream: CR, LF and NUL in the message are escaped. */
  #escapeLineBreaks: boolean;
  #conn: Deno.Conn | null = null;
  #udp: UdpSender | null = null;
  #unixDgram: { send(bytes: Uint8Array): Promise<void>; close(): void } | null = null;
  #sendRate: number;
  #wasClosed = false;

  /**
   * Prepares the handler; nothing is connected until the first record is sent.
   *
   * @param options See {@linkcode SysLogHandlerOptions}.
   * @throws {RangeError} For an unknown facility, socktype, format or framing, a bad address,
   *   or a bound that is not a positive number.
   */
  constructor(options: SysLogHandlerOptions = {}) {
    checkOptions(
      "SysLogHandler",
      options,
      SYSLOG_RULES,
      `new SysLogHandler({ address: "/dev/log" }) or new SysLogHandler({ address: ["localhost", 514], facility: "local0" })`,
      new.target === SysLogHandler ? "refuse" : "allow",
    );
    const address = options.address ?? ["localhost", 514] as const;
    const unixsocket = typeof address === "string";
    if (!unixsocket) {
      if (
        !Array.isArray(address) || typeof address[0] !== "string" ||
        !Number.isInteger(address[1]) || address[1] < 0 || address[1] > 65535
      ) {
        throw new RangeError(
          `Cannot create SysLogHandler as 'address' must be [host, port] or a socket path: current value is ${
            Deno.inspect(address)
          }`,
        );
      }
    }
    const facility = facilityNumber(options.facility ?? SysLogHandler.LOG_USER, "create");
    const socktype = options.socktype;
    if (socktype !== undefined && socktype !== "udp" && socktype !== "tcp") {
      throw new RangeError(
        `Cannot create SysLogHandler as 'socktype' must be "udp" or "tcp": current value is '${
          String(socktype)
        }'`,
      );
    }
    const format = options.format ?? "python";
    if (!FORMATS.includes(format)) {
      throw new RangeError(
        `Cannot create SysLogHandler as 'format' must be one of ${
          FORMATS.join(", ")
        }: current value is '${String(format)}'`,
      );
    }
    const rfc = format !== "python";
    const tls = options.tls;
    if (tls !== undefined && (unixsocket || socktype === "udp")) {
      throw new RangeError(
        `Cannot create SysLogHandler as 'tls' needs a [host, port] address and a stream: current value is ${
          Deno.inspect(tls)
        }`,
      );
    }
    const framing = options.framing ?? (rfc || tls !== undefined ? "octet-counting" : "none");
    if (!FRAMINGS.includes(framing)) {
      throw new RangeError(
        `Cannot create SysLogHandler as 'framing' must be one of ${
          FRAMINGS.join(", ")
        }: current value is '${String(framing)}'`,
      );
    }
    const maxDatagramBytes = options.maxDatagramBytes ?? (rfc ? 2048 : 65507);
    if (!Number.isInteger(maxDatagramBytes) || maxDatagramBytes < 16) {
      throw new RangeError(
        `Cannot create SysLogHandler as 'maxDatagramBytes' must be an integer >= 16: current value is ${maxDatagramBytes}`,
      );
    }
    const timeout = options.timeout ?? null;
    if (timeout !== null && !(timeout > 0)) {
      throw new RangeError(
        `Cannot create SysLogHandler as 'timeout' must be > 0 seconds: current value is ${timeout}`,
      );
    }
    const sendRate = checkSendRate("SysLogHandler", options.sendRate);
    const udp = !unixsocket && tls === undefined && (socktype ?? "udp") === "udp";
    // Over UDP a burst waits in the outbox while the pacing sends it.
    super(
      udp
        ? {
          ...options,
          maxRecords: options.maxRecords ?? DATAGRAM_OUTBOX_DEFAULTS.maxRecords,
          maxBytes: options.maxBytes ?? DATAGRAM_OUTBOX_DEFAULTS.maxBytes,
        }
        : options,
    );
    this.#sendRate = sendRate;
    this.address = unixsocket ? address : [address[0], address[1]];
    this.#facility = facility;
    this.unixsocket = unixsocket;
    this.socktype = unixsocket ? socktype ?? null : tls !== undefined ? "tcp" : socktype ?? "udp";
    this.timeout = timeout;
    this.syslogFormat = format;
    this.framing = framing;
    this.ident = options.ident ?? "";
    this.appendNul = options.appendNul ?? !rfc;
    this.maxDatagramBytes = maxDatagramBytes;
    this.priority_map = { ...PRIORITY_MAP };
    this.#mode = unixsocket ? "unix" : this.socktype === "udp" ? "udp" : "stream";
    this.#escapeLineBreaks = framing === "lf" && this.#mode !== "udp";
    this.#target = unixsocket
      ? { path: address }
      : tls !== undefined
      ? { hostname: address[0], port: address[1], tls }
      : { hostname: address[0], port: address[1] };
    if (!unixsocket) [this.#host, this.#port] = [address[0], address[1]];
    this.#timeoutMs = timeout === null ? undefined : timeout * 1000;
    this.#hostname = options.hostname !== undefined
      ? headerField(options.hostname, 255)
      : localHostname() ?? (format === "rfc3164" ? "localhost" : "-");
    const app = options.appName ?? this.ident.replace(/[:\s]+$/, "");
    this.#appName = app === "" ? "-" : headerField(app, 48);
    this.#procid = options.procid === undefined ? null : headerField(String(options.procid), 128);
  }

  /**
   * The facility's number (Python's `facility`, compared with `SysLogHandler.LOG_USER` and the
   * other constants). It may be set to a number or to a name of `facility_names`, which is
   * stored as its number.
   *
   * @throws {RangeError} When set to an unknown name or a number outside 0-127.
   *
   * @example
   * ```ts
   * import { SysLogHandler } from "@x/loghandlers";
   * await using h = new SysLogHandler({ facility: "local0" });
   * console.assert(h.facility === SysLogHandler.LOG_LOCAL0);
   * h.facility = "daemon";
   * console.assert(h.facility === SysLogHandler.LOG_DAEMON);
   * ```
   */
  get facility(): number {
    return this.#facility;
  }
  set facility(facility: SysLogFacility) {
    this.#facility = facilityNumber(facility, "set");
  }

  /** How many messages were truncated to `maxDatagramBytes`. */
  get truncated(): number {
    return this.#truncated;
  }

  /**
   * Encodes a facility and a priority, given as numbers or as names of `facility_names` and
   * `priority_names`: `(facility << 3) | priority`.
   *
   * @param facility A facility number or name.
   * @param priority A priority number or name.
   * @returns The PRI value.
   * @throws {RangeError} For an unknown name (Python raises `KeyError`).
   *
   * @example
   * ```ts
   * import { SysLogHandler } from "@x/loghandlers";
   * await using h = new SysLogHandler();
   * console.assert(h.encodePriority("local0", "err") === 131);
   * console.assert(h.encodePriority(SysLogHandler.LOG_USER, SysLogHandler.LOG_INFO) === 14);
   * ```
   */
  encodePriority(facility: number | string, priority: number | string): number {
    if (typeof facility === "string") {
      if (!Object.hasOwn(FACILITY_NAMES, facility)) {
        throw new RangeError(`Unknown syslog facility: current value is '${facility}'`);
      }
      facility = FACILITY_NAMES[facility];
    }
    if (typeof priority === "string") {
      if (!Object.hasOwn(PRIORITY_NAMES, priority)) {
        throw new RangeError(`Unknown syslog priority: current value is '${priority}'`);
      }
      priority = PRIORITY_NAMES[priority];
    }
    return (facility << 3) | priority;
  }

  /**
   * Maps a level name to a priority name through `priority_map`; `"warning"` for a name it
   * does not hold.
   *
   * @param levelName The record's `levelname`.
   * @returns A key of `priority_names`.
   *
   * @example
   * ```ts
   * import { SysLogHandler } from "@x/loghandlers";
   * await using h = new SysLogHandler();
   * h.priority_map["TRACE"] = "debug"; // a custom level
   * console.assert(h.mapPriority("TRACE") === "debug" && h.mapPriority("NOTICE") === "warning");
   * ```
   */
  mapPriority(levelName: string): string {
    return Object.hasOwn(this.priority_map, levelName) ? this.priority_map[levelName] : "warning";
  }

  /**
   * The message as it goes on the wire before stream framing (and before truncation). Under
   * `framing: "lf"` on a stream, CR, LF and NUL in it are already escaped (`#015`, `#012`,
   * `#000`); the NUL of `appendNul` is not.
   *
   * @param record The record.
   * @returns The bytes.
   *
   * @example
   * ```ts
   * import { makeLogRecord, SysLogHandler } from "@x/loghandlers";
   * const record = makeLogRecord({ msg: "one\ntwo", levelname: "ERROR" });
   * await using udp = new SysLogHandler({ address: ["127.0.0.1", 514] });
   * await using lf = new SysLogHandler({ address: ["127.0.0.1", 514], socktype: "tcp", framing: "lf" });
   * const text = (h: SysLogHandler) => new TextDecoder().decode(h.encodeRecord(record));
   * console.assert(text(udp) === "<11>one\ntwo\0"); // CPython's bytes
   * console.assert(text(lf) === "<11>one#012two\0");
   * ```
   */
  encodeRecord(record: LogRecord): Uint8Array {
    const pri = this.encodePriority(this.#facility, this.mapPriority(record.levelname));
    const msg = this.format(record);
    const end = this.appendNul ? "\0" : "";
    let text: string;
    if (this.syslogFormat === "python") {
      text = `<${pri}>${this.ident}${msg}`;
    } else {
      const p = record.process;
      const pid = this.#procid ??
        (p === null || p === undefined
          ? null
          : Number.isSafeInteger(p) && p >= 0
          ? String(p)
          : headerField(String(p), 128));
      if (this.syslogFormat === "rfc5424") {
        const msgid = typeof record.msgid === "string" ? headerField(record.msgid, 32) : "-";
        const sd = structuredData(record.structuredData);
        const header = `<${pri}>1 ${rfc3339(record.created)} ${this.#hostname} ${this.#appName} ${
          pid ?? "-"
        } ${msgid} ${sd}`;
        // RFC 5424: a UTF-8 MSG starts with a byte order mark.
        text = msg === "" ? header : `${header} \uFEFF${msg}`;
      } else {
        const tag = this.#appName === "-"
          ? ""
          : pid === null
          ? `${this.#appName}: `
          : `${this.#appName}[${pid}]: `;
        text = `<${pri}>${rfc3164Time(record.created)} ${this.#hostname} ${tag}${msg}`;
      }
    }
    return encoder.encode((this.#escapeLineBreaks ? escapeLineBreaks(text) : text) + end);
  }

  /**
   * Encodes the record and puts it in the outbox. Never throws; failures (an unknown facility,
   * say) go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    try {
      let bytes = this.encodeRecord(record);
      if (this.#mode === "udp" && bytes.length > this.maxDatagramBytes) {
        bytes = this.#truncate(bytes, record);
      }
      if (this.#wasClosed) {
        this.#wasClosed = false;
        registerHandler(this);
      }
      this.outbox.push(bytes);
    } catch (error) {
      this.handleError(record, error);
    }
  }

  #truncate(bytes: Uint8Array, record: LogRecord | null): Uint8Array {
    this.#truncated++;
    if (this.#truncated === 1) {
      this.handleError(
        record,
        new Error(
          `SysLogHandler truncated a message of ${bytes.length} bytes to maxDatagramBytes ` +
            `(${this.maxDatagramBytes}); later truncations are counted in 'truncated', not reported`,
        ),
      );
    }
    return truncate(bytes, this.maxDatagramBytes, this.appendNul);
  }

  #frame(bytes: Uint8Array): Uint8Array {
    if (this.framing === "octet-counting") {
      return concatBytes([encoder.encode(`${bytes.length} `), bytes]);
    }
    if (this.framing === "lf") return concatBytes([bytes, encoder.encode("\n")]);
    return bytes;
  }

  /**
   * Sends a batch of encoded messages (called by the outbox pump), connecting when needed.
   *
   * @param batch Messages, in order.
   * @returns A promise that resolves when the batch is sent.
   */
  protected override async deliver(batch: Uint8Array[]): Promise<void> {
    if (this.#mode === "udp") {
      const udp = this.#udp ??= new UdpSender(this.#host, this.#port, { sendRate: this.#sendRate });
      await sendEach(batch, (b) => udp.send(b));
      return;
    }
    if (this.#mode === "unix" && this.socktype !== "tcp") {
      const sent = await this.#unixDatagram(batch);
      if (sent) return;
    }
    const conn = this.#conn ?? await this.#connect();
    const framed = batch.map((b) => this.#frame(b));
    const stallMs = Math.min(this.#timeoutMs ?? Infinity, this.closeTimeout);
    try {
      await writeAll(conn, framed.length === 1 ? framed[0] : concatBytes(framed), stallMs);
    } catch (error) {
      // The messages the operating system took in whole count as sent.
      const written = (error as { written?: unknown }).written;
      let delivered = 0;
      if (typeof written === "number") {
        for (let at = 0; delivered < framed.length; delivered++) {
          at += framed[delivered].length;
          if (at > written) break;
        }
      }
      throw Object.assign(
        new Error(`Cannot send to the syslog server ${this.#where()}: ${describe(error)}`, {
          cause: error,
        }),
        { delivered },
      );
    }
  }

  #where(): string {
    return this.unixsocket ? `'${this.address}'` : `${this.#host}:${this.#port}`;
  }

  /** Sends over a Unix datagram socket; false when a stream socket must be used instead. */
  async #unixDatagram(batch: Uint8Array[]): Promise<boolean> {
    const fit = (b: Uint8Array) => b.length > this.maxDatagramBytes ? this.#truncate(b, null) : b;
    if (this.#unixDgram !== null) {
      const s = this.#unixDgram;
      await sendEach(batch, (b) => s.send(fit(b)));
      return true;
    }
    const path = (this.#target as { path: string }).path;
    const sender = unixDatagramSender(path);
    if (sender === null) {
      if (this.socktype === "udp") {
        // Final: the runtime's flags do not change while it runs.
        throw Object.assign(
          new Error(
            `Cannot send to the Unix datagram socket '${path}': Deno sends Unix datagrams ` +
              `only with --unstable-net. Run Deno with --unstable-net ` +
              `${unixSocketFlags(path, true)} to allow it.`,
          ),
          { permanent: true },
        );
      }
      return false;
    }
    try {
      await sender.send(fit(batch[0]));
    } catch (error) {
      sender.close();
      if (isPermissionDenial(error) && this.socktype === null) {
        // A stream socket would need the same access (and read access): no point trying it.
        throw permissionDenied(
          `${(error as Error).message} (A stream socket also needs --allow-read=${path}.)`,
          error,
        );
      }
      if (this.socktype === "udp" || isPermissionDenial(error)) throw error;
      try {
        await this.#connect();
      } catch (streamError) {
        const e = new Error(
          `Cannot send to the syslog socket '${path}': as a datagram socket: ${
            describe(error)
          }; as a stream socket: ${describe(streamError)}`,
          { cause: streamError },
        );
        throw isPermissionDenial(streamError) ? permissionDenied(e.message, streamError) : e;
      }
      this.socktype = "tcp";
      return false;
    }
    this.socktype = "udp";
    this.#unixDgram = sender;
    await sendEach(batch.slice(1), (b) => sender.send(fit(b)), 1);
    return true;
  }

  async #connect(): Promise<Deno.Conn> {
    let conn: Deno.Conn;
    try {
      conn = await connectStream(this.#target, this.#timeoutMs);
    } catch (error) {
      if (this.#mode === "unix" && this.socktype === null) {
        const path = (this.#target as { path: string }).path;
        if (isPermissionDenial(error)) {
          if (typeof (Deno as { listenDatagram?: unknown }).listenDatagram === "function") {
            throw error; // it names the flags
          }
          // Without --unstable-net only a stream could be tried; the socket may be a datagram
          // socket, which needs other flags.
          throw permissionDenied(
            `Cannot send to the syslog socket '${path}': Deno refused access to it as a stream ` +
              `socket, which needs ${unixSocketFlags(path)}; a datagram socket (as /dev/log ` +
              `is) needs --unstable-net ${unixSocketFlags(path, true)} instead. Run Deno with ` +
              `the flags for its kind to allow it.`,
            error,
          );
        }
        if (/Protocol wrong type|os error 91\b/.test(describe(error))) {
          // A datagram socket (such as /dev/log), and no --unstable-net: final.
          throw Object.assign(
            new Error(
              `Cannot send to the syslog socket '${path}': it is a Unix datagram socket, which ` +
                `Deno reaches only with --unstable-net. Run Deno with --unstable-net ` +
                `${unixSocketFlags(path, true)} to allow it.`,
              { cause: error },
            ),
            { permanent: true },
          );
        }
        throw new Error(
          `Cannot send to the syslog socket '${path}' as a stream socket (a datagram socket ` +
            `needs --unstable-net): ${describe(error)}`,
          { cause: error },
        );
      }
      throw error;
    }
    if ("tls" in this.#target && this.#target.tls !== undefined) {
      try {
        await (conn as Deno.TlsConn).handshake();
      } catch (error) {
        try {
          conn.close();
        } catch {
          // already closed
        }
        throw new Error(
          `Cannot connect to the syslog server ${this.#where()} over TLS: ${describe(error)}`,
          { cause: error },
        );
      }
    }
    if (this.#mode === "unix") this.socktype = "tcp";
    this.#conn = conn;
    this.#watch(conn);
    return conn;
  }

  /**
   * A syslog server never writes back: a read that ends means the server closed the connection,
   * so the next delivery reconnects instead of writing into a dead socket.
   */
  #watch(conn: Deno.Conn): void {
    try {
      conn.unref();
    } catch {
      // a connection without unref: the read below may keep the program alive while it is open
    }
    const buf = new Uint8Array(512);
    const loop = async () => {
      try {
        while ((await conn.read(buf)) !== null) {
          // ignore what a server sends
        }
      } catch {
        // a reset or a closed connection
      }
      if (this.#conn === conn) this.#release();
    };
    loop();
  }

  #release(): void {
    const conn = this.#conn;
    this.#conn = null;
    try {
      conn?.close();
    } catch {
      // already closed
    }
    this.#udp?.close();
    this.#udp = null;
    this.#unixDgram?.close();
    this.#unixDgram = null;
  }

  /** After a failed delivery, closes the socket. */
  protected override resetDelivery(): void {
    this.#release();
  }

  /** At `close()`, closes the socket; a record handled later connects again. */
  protected override releaseDelivery(): void {
    this.#release();
    this.#wasClosed = true;
  }
}

async function sendEach(
  batch: Uint8Array[],
  send: (bytes: Uint8Array) => Promise<void>,
  offset = 0,
): Promise<void> {
  for (let i = 0; i < batch.length; i++) {
    try {
      await send(batch[i]);
    } catch (error) {
      const e = error instanceof Error ? error : new Error(String(error));
      (e as { delivered?: number }).delivered = offset + i;
      throw e;
    }
  }
}

/** The number of a facility given as a number or a name; `verb` says when, for the error. */
function facilityNumber(facility: unknown, verb: "create" | "set"): number {
  if (typeof facility === "string" && Object.hasOwn(FACILITY_NAMES, facility)) {
    return FACILITY_NAMES[facility];
  }
  if (Number.isInteger(facility) && (facility as number) >= 0 && (facility as number) < 128) {
    return facility as number;
  }
  throw new RangeError(
    `Cannot ${verb} SysLogHandler${verb === "set" ? ".facility" : ""} as ${
      verb === "set" ? "it" : "'facility'"
    } must be a number 0-127 or one of ${
      Object.keys(FACILITY_NAMES).join(", ")
    }: current value is ${Deno.inspect(facility)}`,
  );
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { Outbox, type OutboxOptions } from "../core/io/outbox.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { OutboxHandler } from "../core/outbox_handler.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
