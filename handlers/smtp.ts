/**
 * `SMTPHandler`: each record (or each batch of records) as an e-mail, sent by a real SMTP client
 * with STARTTLS or implicit TLS, certificate verification, AUTH and timeouts, through an ordered
 * bounded outbox so that `handle()` never waits for the mail server.
 *
 * This is the `@x/loghandlers/smtp` entry point (also re-exported by `@x/loghandlers`). Requires
 * `--allow-net=<mailhost>:<port>`.
 *
 * @module
 */

import {
  any,
  checkOptions,
  nullable,
  number,
  object,
  type OptionRules,
  satisfies,
} from "../core/text/options.ts";
import { OUTBOX_RULES, type OutboxOptions } from "../core/io/outbox.ts";
import { OutboxHandler } from "../core/outbox_handler.ts";
import type { LogRecord } from "../core/record.ts";
import { addressProblem, envelopeAddress, SmtpClient, SmtpError } from "../core/io/smtp_client.ts";

/** How {@linkcode SMTPHandler} uses TLS. */
export type SMTPSecure =
  | boolean
  | null
  | "implicit"
  | {
    /** PEM certificates of the CAs to trust instead of the system's (a private CA). */
    caCerts?: string[];
    /** TLS from the first byte (port 465) instead of STARTTLS. */
    implicit?: boolean;
  };

/** Grouping of several records into one mail (beyond Python). */
export interface SMTPBatchOptions {
  /**
   * A mail is sent as soon as this many records wait.
   *
   * @default {100}
   */
  maxRecords?: number;
  /**
   * A mail is sent at the latest this many milliseconds after the first record of the batch
   * (on a timer that keeps no program alive; `flush()`, `close()` and the exit hooks send it
   * too).
   *
   * @default {10000}
   */
  maxDelayMs?: number;
}

/** Options of {@linkcode SMTPHandler}; the outbox's bounds and back-off apply too. */
export interface SMTPHandlerOptions extends OutboxOptions {
  /**
   * The mail server: a host, or `[host, port]`.
   * The port defaults to 25, or 465 with `secure: "implicit"`.
   */
  mailhost: string | readonly [string, number];
  /**
   * The sender (`From:` and the envelope's MAIL FROM). `addr`, `Display Name <addr>` and
   * `"Name, Quoted" <addr>` are allowed. Refused when created (a `TypeError` naming the option
   * and the character), because it could add a header, a command or ESMTP parameters
   * (`MAIL FROM:<a@x> RET=HDRS>`): control characters (CR, LF, NUL, TAB, DEL, C1), `<` or `>`
   * anywhere but the one `<addr>` at the end (and inside `addr` even when quoted), a space in
   * `addr` outside a quoted local part, text after `<addr>`, and an unterminated quoted
   * string. A quoted local part may hold spaces (`"john doe"@example.com`); a bare local name
   * (`root`) and the null sender (`<>`) are allowed.
   */
  fromaddr: string;
  /**
   * The recipient, or recipients (`To:` and one RCPT TO each). Each is checked like
   * `fromaddr`.
   */
  toaddrs: string | readonly string[];
  /**
   * The subject line (see {@linkcode SMTPHandler.getSubject}). CR or LF is refused (header
   * injection); other text, control characters included, is sent RFC 2047 encoded when it is
   * not printable ASCII.
   */
  subject: string;
  /**
   * `[user, password]`: log in with AUTH PLAIN, or LOGIN when the server offers only that.
   *
   * @default {null}
   */
  credentials?: readonly [string, string] | null;
  /**
   * TLS. Python's `secure` tuple (use STARTTLS) becomes `true`; `{ caCerts }` is STARTTLS
   * trusting a private CA; `"implicit"` (or `{ implicit: true, caCerts? }`) is TLS from the
   * first byte, port 465 by default. The server's certificate is always verified. Unlike
   * Python, STARTTLS is used even without `credentials`, and a server that does not offer it
   * is an error rather than a clear-text fallback.
   *
   * @default {null}
   */
  secure?: SMTPSecure;
  /**
   * Seconds each step of the conversation may take (connect, each reply, TLS handshake).
   * CPython's default is 5.
   *
   * @default {5}
   */
  timeout?: number;
  /**
   * Send one mail per batch of records instead of one per record: the body holds the
   * records in order, the subject is the first record's plus " (N records)".
   *
   * @default {null}
   */
  batch?: SMTPBatchOptions | null;
}

const utf8 = new TextEncoder();
const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function pad(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

/**
 * An RFC 5322 date in local time with its offset, like Python's `email.utils.localtime()`.
 *
 * @param ms Milliseconds since the epoch.
 * @returns E.g. `Mon, 30 Nov 2026 05:22:03 +0000`.
 *
 * @example
 * ```ts
 * import { formatMailDate } from "@x/loghandlers/extend";
 * const text = formatMailDate(1_700_000_000_000);
 * console.assert(new Date(text).getTime() === 1_700_000_000_000);
 * console.assert(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/.test(text));
 * ```
 */
export function formatMailDate(ms: number): string {
  const d = new Date(ms);
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${DAYS[d.getDay()]}, ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/**
 * A header value: as is when it is printable ASCII and short, otherwise RFC 2047 encoded-words
 * (`=?utf-8?b?...?=`, at most 75 characters each, folded), never splitting a character.
 *
 * @param value The text (no CR or LF).
 * @returns The header's value.
 *
 * @example
 * ```ts
 * import { encodeHeader } from "@x/loghandlers/extend";
 * console.assert(encodeHeader("Disk full") === "Disk full");
 * console.assert(encodeHeader("Plein à 91%") === "=?utf-8?b?UGxlaW4gw6AgOTEl?=");
 * ```
 */
export function encodeHeader(value: string): string {
  if (/^[\x20-\x7e]*$/.test(value) && value.length <= 900 && !value.includes("=?")) return value;
  const words: string[] = [];
  let chunk: number[] = [];
  const flush = () => {
    let s = "";
    for (const b of chunk) s += String.fromCharCode(b);
    words.push(`=?utf-8?b?${btoa(s)}?=`);
    chunk = [];
  };
  for (const ch of value) {
    const bytes = utf8.encode(ch);
    if (chunk.length + bytes.length > 45) flush();
    chunk.push(...bytes);
  }
  if (chunk.length > 0 || words.length === 0) flush();
  return words.join("\r\n ");
}

function base64Lines(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  const b = btoa(s);
  const lines: string[] = [];
  for (let i = 0; i < b.length; i += 76) lines.push(b.slice(i, i + 76));
  return lines.join("\r\n");
}

function checkHeaderValue(what: string, value: unknown, address = false): string {
  if (typeof value !== "string") {
    throw new TypeError(
      `Cannot create SMTPHandler as '${what}' must be a string: current value is ${String(value)}`,
    );
  }
  const problem = address
    ? addressProblem(value)
    : /[\r\n]/.test(value)
    ? "CR or LF (header injection)"
    : null;
  if (problem !== null) {
    throw new TypeError(
      `Cannot create SMTPHandler as '${what}' must not contain ${problem}: ` +
        `current value is ${JSON.stringify(value)}`,
    );
  }
  return value;
}

interface ParsedOptions {
  subject: string;
  fromaddr: string;
  toaddrs: readonly string[];
  secure: SMTPSecure;
  tls: "none" | "starttls" | "implicit";
  caCerts: string[] | undefined;
  host: string;
  port: number;
  timeout: number;
  batchMax: number;
  batchDelay: number;
}

const RULES: OptionRules = {
  ...OUTBOX_RULES,
  mailhost: any(),
  fromaddr: any(),
  toaddrs: any(),
  subject: any(),
  credentials: nullable(
    satisfies(
      "[user, password]",
      (v) => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "string"),
    ),
  ),
  secure: any(),
  timeout: number(0, true, "seconds"),
  batch: nullable(object("an object { maxRecords, maxDelayMs }")),
};

function parseOptions(given: SMTPHandlerOptions, own: boolean): ParsedOptions {
  const options = checkOptions(
    "SMTPHandler",
    given,
    RULES,
    `new SMTPHandler({ mailhost: ["mail.example.com", 587], fromaddr: "app@example.com", toaddrs: ["ops@example.com"], subject: "app" })`,
    own ? "refuse" : "allow",
  );
  const { mailhost, secure = null, timeout = 5, batch = null } = options;
  const subject = checkHeaderValue("subject", options.subject);
  const fromaddr = checkHeaderValue("fromaddr", options.fromaddr, true);
  const to = typeof options.toaddrs === "string" ? [options.toaddrs] : options.toaddrs;
  if (!Array.isArray(to) || to.length === 0) {
    throw new TypeError(
      `Cannot create SMTPHandler as 'toaddrs' must be an address or a non-empty array: ` +
        `current value is ${JSON.stringify(options.toaddrs)}`,
    );
  }
  const toaddrs = Object.freeze(to.map((a, i) => checkHeaderValue(`toaddrs[${i}]`, a, true)));
  const implicit = secure === "implicit" ||
    (typeof secure === "object" && secure !== null && secure.implicit === true);
  const tls = implicit ? "implicit" : secure ? "starttls" : "none";
  const caCerts = typeof secure === "object" && secure !== null ? secure.caCerts : undefined;
  const [host, port] = typeof mailhost === "string"
    ? [mailhost, implicit ? 465 : 25]
    : Array.isArray(mailhost)
    ? [mailhost[0], mailhost[1]]
    : [undefined, undefined];
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `Cannot create SMTPHandler as 'mailhost' must be a host or [host, port]: current value is ${
        JSON.stringify(mailhost)
      }`,
    );
  }
  if (typeof port !== "number" || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RangeError(
      `Cannot create SMTPHandler as the port of 'mailhost' must be 1..65535: current value is ${port}`,
    );
  }
  const batchMax = batch ? batch.maxRecords ?? 100 : 1;
  const batchDelay = batch ? batch.maxDelayMs ?? 10_000 : 0;
  if (!(Number.isInteger(batchMax) && batchMax >= 1)) {
    throw new RangeError(
      `Cannot create SMTPHandler as 'batch.maxRecords' must be an integer >= 1: current value is ${batchMax}`,
    );
  }
  if (!(typeof batchDelay === "number" && batchDelay >= 0)) {
    throw new RangeError(
      `Cannot create SMTPHandler as 'batch.maxDelayMs' must be >= 0: current value is ${batchDelay}`,
    );
  }
  return {
    subject,
    fromaddr,
    toaddrs,
    secure,
    tls,
    caCerts,
    host,
    port,
    timeout,
    batchMax,
    batchDelay,
  };
}

/**
 * Python's `logging.handlers.SMTPHandler`: sends each record as an e-mail. The message is
 * RFC 5322 text/plain in UTF-8 (`8bit`, or `base64` when a line is longer than SMTP's 998
 * bytes), with From, To, Subject (RFC 2047 encoded when not ASCII), Date (the record's time),
 * Message-ID and MIME headers; the body is the formatted record.
 *
 * `handle()` never waits: the message is built at once and queued in an ordered, bounded
 * outbox; one background pump delivers the waiting messages in one SMTP session (EHLO,
 * STARTTLS/TLS, AUTH, then MAIL/RCPT/DATA for each, QUIT). A failure to reach or log in to the
 * server is reported through `handleError` and the messages are sent again after the
 * outbox's back-off; a message the server refuses for good (a 5xx reply) is reported and
 * dropped. With `batch`, records are gathered into one mail per `maxRecords` records or per
 * `maxDelayMs`.
 *
 * Requires `--allow-net` for the mail server.
 *
 * @example
 * ```ts
 * import { makeLogRecord, SMTPHandler } from "@x/loghandlers";
 * // A minimal server that collects the DATA of one message.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const received = (async () => {
 *   const conn = await listener.accept();
 *   const enc = new TextEncoder();
 *   const reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
 *   await conn.write(enc.encode("220 ready\r\n"));
 *   let text = "";
 *   let data = "";
 *   let inData = false;
 *   for (;;) {
 *     const { value, done } = await reader.read();
 *     if (done) return data;
 *     text += value;
 *     while (text.includes("\r\n")) {
 *       const line = text.slice(0, text.indexOf("\r\n"));
 *       text = text.slice(line.length + 2);
 *       if (inData) {
 *         if (line === ".") { inData = false; await conn.write(enc.encode("250 queued\r\n")); }
 *         else data += line + "\n";
 *       } else if (line === "DATA") { inData = true; await conn.write(enc.encode("354 go\r\n")); }
 *       else if (line === "QUIT") { await conn.write(enc.encode("221 bye\r\n")); conn.close(); return data; }
 *       else await conn.write(enc.encode("250 ok\r\n"));
 *     }
 *   }
 * })();
 * const handler = new SMTPHandler({
 *   mailhost: ["127.0.0.1", listener.addr.port],
 *   fromaddr: "app@example.com",
 *   toaddrs: ["ops@example.com"],
 *   subject: "Application error",
 * });
 * handler.handle(makeLogRecord({ msg: "disk full" }));
 * await handler.close();
 * const mail = await received;
 * console.assert(mail.includes("Subject: Application error\n"));
 * console.assert(mail.endsWith("\ndisk full\n"));
 * listener.close();
 * ```
 */
export class SMTPHandler extends OutboxHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static readonly optionRules: OptionRules = RULES;
  /** The mail server's host (Python's `mailhost`). */
  readonly mailhost: string;
  /** The port (Python's `mailport`, here always a number). */
  readonly mailport: number;
  /** The user name from `credentials`, or `null`. */
  readonly username: string | null;
  /** The password from `credentials`, or `null`. */
  readonly password: string | null;
  #fromaddr: string;
  #toaddrs: readonly string[];
  /** The default subject. */
  readonly subject: string;
  /** The TLS setting, as given. */
  readonly secure: SMTPSecure;
  /** Seconds per step. */
  readonly timeout: number;
  #tls: "none" | "starttls" | "implicit";
  #caCerts: string[] | undefined;
  #batchMax: number;
  #batchDelay: number;
  #batched: { subject: string; text: string; created: number }[] = [];
  #client: SmtpClient | null = null;
  #domain: string;
  /** The To header's value, folded when long. */
  #to: string;

  /**
   * Checks the options; nothing is sent before the first record.
   *
   * @param options See {@linkcode SMTPHandlerOptions}.
   * @throws {TypeError} For a subject holding CR or LF, an address that could inject a header
   *   or ESMTP parameters (control characters, a `>` or `<` outside its `<addr>`, a space in
   *   the address; see {@linkcode SMTPHandlerOptions.fromaddr}), or no recipient.
   * @throws {RangeError} For a bad port, timeout or batch setting.
   */
  constructor(options: SMTPHandlerOptions) {
    // Everything is checked before the handler registers itself (super), so that a refused
    // configuration leaves nothing behind.
    const c = parseOptions(options, new.target === SMTPHandler);
    super(options);
    this.subject = c.subject;
    this.#fromaddr = c.fromaddr;
    this.#toaddrs = c.toaddrs;
    this.secure = c.secure;
    this.#tls = c.tls;
    this.#caCerts = c.caCerts;
    this.mailhost = c.host;
    this.mailport = c.port;
    this.timeout = c.timeout;
    this.username = options.credentials?.[0] ?? null;
    this.password = options.credentials?.[1] ?? null;
    this.#batchMax = c.batchMax;
    this.#batchDelay = c.batchDelay;
    const from = envelopeAddress(this.fromaddr);
    const to = this.toaddrs.join(", ");
    this.#to = to.length > 900 ? this.toaddrs.join(",\r\n ") : to;
    this.#domain = from.includes("@") ? from.slice(from.lastIndexOf("@") + 1) : "localhost";
  }

  /** The sender, as checked when created (read-only: it goes into every mail's headers). */
  get fromaddr(): string {
    return this.#fromaddr;
  }

  /** The recipients, as checked when created (a frozen array). */
  get toaddrs(): readonly string[] {
    return this.#toaddrs;
  }

  /** Messages wait for delivery (or records for their batch); the exit hooks wait for them. */
  override get pending(): boolean {
    return this.#batched.length > 0 || super.pending;
  }

  /**
   * The subject of the mail for `record`. Override it for a record-dependent subject; a result
   * holding CR or LF is refused (reported through `handleError`, nothing sent).
   *
   * @param _record The record.
   * @returns The subject.
   */
  getSubject(_record: LogRecord): string {
    return this.subject;
  }

  /**
   * The RFC 5322 message for a subject and body, as UTF-8 bytes.
   *
   * @param subject The subject (no CR or LF).
   * @param body The text (any line endings).
   * @param created The time for the Date header, in seconds since the epoch.
   * @returns The message.
   */
  buildMessage(subject: string, body: string, created: number = Date.now() / 1000): Uint8Array {
    const text = body.replace(/\r\n|\r|\n/g, "\r\n");
    const bytes = utf8.encode(text);
    let longLine = false;
    for (let i = 0, start = 0; i <= bytes.length; i++) {
      if (i === bytes.length || bytes[i] === 13) {
        if (i - start > 998) {
          longLine = true;
          break;
        }
        start = i + 2;
      }
    }
    const id = `${Date.now().toString(36)}.${crypto.randomUUID().replaceAll("-", "")}`;
    const head = `From: ${this.fromaddr}\r\n` +
      `To: ${this.#to}\r\n` +
      `Subject: ${encodeHeader(subject)}\r\n` +
      `Date: ${formatMailDate(created * 1000)}\r\n` +
      `Message-ID: <${id}@${this.#domain}>\r\n` +
      `MIME-Version: 1.0\r\n` +
      `Content-Type: text/plain; charset="utf-8"\r\n` +
      `Content-Transfer-Encoding: ${longLine ? "base64" : "8bit"}\r\n\r\n`;
    const tail = longLine ? base64Lines(bytes) : text;
    return utf8.encode(head + tail + (tail.endsWith("\r\n") ? "" : "\r\n"));
  }

  /**
   * Formats the record and queues its mail (or adds it to the batch). Failures go to
   * `handleError`; nothing here waits for the server.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    const subject = this.getSubject(record);
    if (typeof subject !== "string" || /[\r\n]/.test(subject)) {
      throw new TypeError(
        `Cannot send the mail as the subject from getSubject() must be a string without CR or LF ` +
          `(header injection): current value is ${JSON.stringify(subject)}`,
      );
    }
    const text = this.format(record);
    if (this.#batchMax === 1) {
      this.outbox.push(this.buildMessage(subject, text, record.created));
      return;
    }
    this.#batched.push({ subject, text, created: record.created });
    this.scheduleSendPending(this.#batched.length >= this.#batchMax, this.#batchDelay);
  }

  /** Puts the records gathered for a batch into the outbox as one mail. */
  protected override sendPending(): void {
    const records = this.#batched;
    if (records.length === 0) return;
    this.#batched = [];
    const n = records.length;
    const subject = n === 1 ? records[0].subject : `${records[0].subject} (${n} records)`;
    const body = records.map((r) => r.text).join("\n");
    this.outbox.push(this.buildMessage(subject, body, records[0].created));
  }

  /**
   * Delivers waiting messages in one SMTP session (called by the outbox pump). A message the
   * server refuses for good (5xx) is reported and counted as done; other failures throw, and
   * the messages not yet delivered are sent again after the back-off.
   *
   * @param batch Messages, in order.
   * @returns A promise that resolves when they are delivered.
   */
  override async deliver(batch: Uint8Array[]): Promise<void> {
    let delivered = 0;
    try {
      const client = await SmtpClient.connect({
        hostname: this.mailhost,
        port: this.mailport,
        tls: this.#tls,
        caCerts: this.#caCerts,
        credentials: this.username !== null ? [this.username, this.password ?? ""] : null,
        timeoutMs: this.timeout * 1000,
      });
      this.#client = client;
      for (const message of batch) {
        try {
          const refused = await client.send(this.fromaddr, this.toaddrs, message);
          if (refused.length > 0) {
            this.handleError(
              null,
              new SmtpError(
                `The mail was not sent to these refused recipients: ${refused.join("; ")}`,
              ),
            );
          }
        } catch (error) {
          if (!(error instanceof SmtpError && error.code >= 500 && error.code < 600)) throw error;
          this.handleError(
            null,
            new SmtpError(
              `The mail was refused and dropped: ${error.message}`,
              error.code,
              error.reply,
            ),
          );
        }
        delivered++;
      }
      await client.quit();
    } catch (error) {
      this.#dropClient();
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
        delivered,
      });
    } finally {
      this.#client = null;
    }
  }

  #dropClient(): void {
    this.#client?.close();
    this.#client = null;
  }

  /** After a failed delivery and at `close()`, closes the connection to the mail server. */
  protected override resetDelivery(): void {
    this.#dropClient();
  }
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
