/**
 * A small SMTP client (RFC 5321) over Deno's sockets, for {@linkcode SMTPHandler}: multi-line
 * replies, EHLO with a HELO fallback, STARTTLS or implicit TLS with certificate verification,
 * AUTH PLAIN and LOGIN, several messages per session, dot-stuffing and CRLF normalisation, and
 * a timeout on every step.
 *
 * @module
 */

import { base64 } from "../text/bytes.ts";
import { connectStream, writeAll } from "./transport.ts";

/** How {@linkcode SmtpClient.connect} reaches and greets the server. */
export interface SmtpConnectOptions {
  /** The server's host name or address. */
  hostname: string;
  /** The server's port. */
  port: number;
  /**
   * `"starttls"`: upgrade with STARTTLS after the first EHLO (refused if the server does not
   * offer it); `"implicit"`: TLS from the first byte (port 465); `"none"`: plain text.
   *
   * @default {"none"}
   */
  tls?: "none" | "starttls" | "implicit";
  /**
   * PEM certificates of the CAs to trust instead of the system's (for a private CA). The
   * server's certificate is always verified against `hostname`.
   *
   * @default {undefined}
   */
  caCerts?: string[];
  /**
   * `[user, password]` for AUTH (PLAIN when the server offers it, else LOGIN).
   *
   * @default {null}
   */
  credentials?: readonly [string, string] | null;
  /**
   * Milliseconds each step (connect, each reply, each write, the TLS handshake) may take.
   *
   * @default {5000}
   */
  timeoutMs?: number;
}

/**
 * A reply of the server, or the failure of a step, with the server's words. An address this
 * client refuses before sending it (see {@linkcode addressProblem}) is an `SmtpError` with
 * code 501, as the server would answer a syntax error in a parameter.
 *
 * @example
 * ```ts
 * import { SmtpError } from "@x/loghandlers/extend";
 * const e = new SmtpError("SMTP server mail:25 refused AUTH PLAIN: 535 bad", 535, "bad");
 * console.assert(e.code === 535 && e.name === "SmtpError");
 * ```
 */
export class SmtpError extends Error {
  /** The reply code (e.g. 535), or 0 when the server gave none (timeout, closed connection). */
  readonly code: number;
  /** The reply's text lines, without codes. */
  readonly reply: string;

  /**
   * Makes the error.
   *
   * @param message What failed.
   * @param code The reply code, or 0.
   * @param reply The reply text.
   */
  constructor(message: string, code = 0, reply = "") {
    super(message);
    this.name = "SmtpError";
    this.code = code;
    this.reply = reply;
  }
}

interface Reply {
  code: number;
  lines: string[];
}

const utf8 = new TextEncoder();
const latin1 = new TextDecoder("latin1");
const MAX_LINE = 65536;

function base64Text(text: string): string {
  return base64(utf8.encode(text));
}

function describeReply(reply: Reply): string {
  return reply.lines.map((line) => `${reply.code} ${line}`.trimEnd()).join(" / ");
}

/**
 * The DATA payload for `message`: every line ending made CRLF (lone CR or LF too), every line
 * that starts with "." given a second one, a final CRLF when missing, and the terminating
 * `.` line.
 *
 * @param message The RFC 5322 message.
 * @returns The bytes to send after `DATA`'s 354.
 */
export function dotStuff(message: Uint8Array): Uint8Array {
  let dots = 0;
  let breaks = 0;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === 10 || c === 13) breaks++;
    else if (c === 46) dots++;
  }
  const out = new Uint8Array(message.length + breaks + dots + 7);
  let o = 0;
  let lineStart = true;
  for (let i = 0; i < message.length; i++) {
    const c = message[i];
    if (c === 13 || c === 10) {
      if (c === 13 && message[i + 1] === 10) i++;
      out[o++] = 13;
      out[o++] = 10;
      lineStart = true;
      continue;
    }
    if (lineStart && c === 46) out[o++] = 46;
    out[o++] = c;
    lineStart = false;
  }
  if (!lineStart) {
    out[o++] = 13;
    out[o++] = 10;
  }
  out[o++] = 46;
  out[o++] = 13;
  out[o++] = 10;
  return out.subarray(0, o);
}

/**
 * The address for the envelope (MAIL FROM, RCPT TO): the one inside `Name <addr>`, or the
 * whole string, trimmed.
 *
 * @param address An address, possibly with a display name.
 * @returns The bare address.
 */
export function envelopeAddress(address: string): string {
  const m = /<([^<>]*)>\s*$/.exec(address);
  return (m ? m[1] : address).trim();
}

const CONTROL_NAMES: Readonly<Record<string, string>> = {
  "\0": "NUL",
  "\t": "TAB",
  "\x7f": "DEL",
};

function describeControl(ch: string): string {
  const code = `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`;
  return ch in CONTROL_NAMES ? `${CONTROL_NAMES[ch]} (${code})` : `the control character ${code}`;
}

/**
 * Why `address` cannot go into a `From:`/`To:` header and, as {@linkcode envelopeAddress}
 * reduces it, between the angle brackets of `MAIL FROM:<...>` / `RCPT TO:<...>`; `null` when it
 * can. The text completes "must not contain ...". Accepted: `addr` and `Display Name <addr>`,
 * a display name in double quotes (which may hold `<`, `>` and `,`), a quoted local part with
 * spaces (`"john doe"@example.com`), a bare local name (`root`), and the null sender `<>`.
 * Refused, because each could end the path early and add ESMTP parameters (`NOTIFY=`, `RET=`)
 * or start a header or a command of its own: control characters (CR, LF, NUL, TAB, DEL, C1),
 * `<` or `>` anywhere but the one `<addr>` at the end, `<` or `>` inside `addr` (even quoted,
 * which RFC 5321 allows but naive servers misread), a space in `addr` outside a quoted local
 * part, text after `<addr>`, and an unterminated quoted string.
 *
 * @param address An address, possibly with a display name.
 * @returns The reason it is refused, or `null`.
 */
export function addressProblem(address: string): string | null {
  const control = /\p{Cc}/u.exec(address);
  if (control !== null) {
    return control[0] === "\r" || control[0] === "\n"
      ? "CR or LF (header injection)"
      : `${
        describeControl(control[0])
      } or any other control character (header or command injection)`;
  }
  // Find the one <addr> outside double-quoted strings (a display name may quote "<" and ">").
  let open = -1;
  let close = -1;
  let quoted = false;
  for (let i = 0; i < address.length; i++) {
    const c = address[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === "<") {
      if (open >= 0) return "a second '<' (only one <address> may follow the display name)";
      open = i;
    } else if (c === ">") {
      if (open < 0 || close >= 0) {
        return "'>' outside the one <address> at its end (ESMTP parameter injection)";
      }
      close = i;
    }
  }
  if (quoted) return "an unterminated quoted string (a '\"' without its closing '\"')";
  let envelope = address;
  if (open >= 0) {
    if (close < 0) return "'<' without its closing '>'";
    if (address.slice(close + 1).trim() !== "") {
      return "text after the closing '>' of its <address> (ESMTP parameter injection)";
    }
    envelope = address.slice(open + 1, close);
  }
  envelope = envelope.trim();
  quoted = false;
  for (let i = 0; i < envelope.length; i++) {
    const c = envelope[i];
    if (c === "<" || c === ">") {
      return `'${c}' inside the address itself, even quoted (ESMTP parameter injection)`;
    }
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === " ") {
      return "a space in the address outside a quoted local part (ESMTP parameter injection)";
    }
  }
  return null;
}

/**
 * One SMTP session. Made by {@linkcode SmtpClient.connect}; send messages with
 * {@linkcode SmtpClient.send}, end with {@linkcode SmtpClient.quit} (or `close()` on failure).
 *
 * Requires `--allow-net` for the server.
 *
 * @example
 * ```ts
 * import { SmtpClient } from "@x/loghandlers/extend";
 * // A minimal server that accepts one message.
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const server = (async () => {
 *   const conn = await listener.accept();
 *   const enc = new TextEncoder();
 *   const reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
 *   await conn.write(enc.encode("220 ready\r\n"));
 *   let text = "";
 *   let inData = false;
 *   for (;;) {
 *     const { value, done } = await reader.read();
 *     if (done) break;
 *     text += value;
 *     while (text.includes("\r\n")) {
 *       const line = text.slice(0, text.indexOf("\r\n"));
 *       text = text.slice(line.length + 2);
 *       if (inData) {
 *         if (line === ".") { inData = false; await conn.write(enc.encode("250 queued\r\n")); }
 *       } else if (line === "DATA") { inData = true; await conn.write(enc.encode("354 go\r\n")); }
 *       else if (line === "QUIT") { await conn.write(enc.encode("221 bye\r\n")); conn.close(); return; }
 *       else await conn.write(enc.encode("250 ok\r\n"));
 *     }
 *   }
 * })();
 * const client = await SmtpClient.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const refused = await client.send("me@example.com", ["you@example.com"], new TextEncoder().encode("Subject: hi\r\n\r\nhello\r\n"));
 * console.assert(refused.length === 0); // every recipient accepted
 * await client.quit();
 * await server;
 * listener.close();
 * ```
 */
export class SmtpClient {
  #conn: Deno.Conn;
  #where: string;
  #timeoutMs: number;
  #buf = new Uint8Array(4096);
  #len = 0;
  #extensions = new Map<string, string>();
  #closed = false;

  private constructor(conn: Deno.Conn, where: string, timeoutMs: number) {
    this.#conn = conn;
    this.#where = where;
    this.#timeoutMs = timeoutMs;
  }

  /** The EHLO keywords the server offered (upper case), with their parameters. */
  get extensions(): ReadonlyMap<string, string> {
    return this.#extensions;
  }

  /**
   * Connects, reads the greeting, says EHLO (HELO when EHLO is refused), upgrades to TLS when
   * asked and authenticates when given credentials.
   *
   * @param options See {@linkcode SmtpConnectOptions}.
   * @returns The ready session.
   * @throws {SmtpError} When a step fails or times out, with the server's reply.
   */
  static async connect(options: SmtpConnectOptions): Promise<SmtpClient> {
    const timeoutMs = options.timeoutMs ?? 5000;
    const tls = options.tls ?? "none";
    const where = `${options.hostname}:${options.port}`;
    const conn = await connectStream(
      tls === "implicit"
        ? { hostname: options.hostname, port: options.port, tls: { caCerts: options.caCerts } }
        : { hostname: options.hostname, port: options.port },
      timeoutMs,
    );
    const client = new SmtpClient(conn, where, timeoutMs);
    try {
      if (tls === "implicit") {
        await client.#timed((conn as Deno.TlsConn).handshake(), "the TLS handshake");
      }
      await client.#expect(await client.#read("the greeting"), 220, "greet");
      await client.#hello();
      if (tls === "starttls") {
        if (!client.#extensions.has("STARTTLS")) {
          throw new SmtpError(
            `SMTP server ${where} does not offer STARTTLS (it offers: ${
              [...client.#extensions.keys()].join(" ") || "no extensions"
            }); refusing to send in clear text`,
          );
        }
        await client.#command("STARTTLS", 220);
        client.#len = 0;
        const secured = await client.#timed(
          Deno.startTls(conn as Deno.TcpConn, {
            hostname: options.hostname,
            caCerts: options.caCerts,
          }),
          "STARTTLS",
        );
        client.#conn = secured;
        await client.#timed(secured.handshake(), "the TLS handshake");
        await client.#hello();
      }
      if (options.credentials) await client.#auth(options.credentials);
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }

  #local(): string {
    const addr = this.#conn.localAddr as Deno.NetAddr;
    const host = addr?.hostname ?? "127.0.0.1";
    return host.includes(":") ? `[IPv6:${host}]` : `[${host}]`;
  }

  async #hello(): Promise<void> {
    await this.#write(`EHLO ${this.#local()}\r\n`, "EHLO");
    const reply = await this.#read("EHLO");
    this.#extensions.clear();
    if (reply.code >= 500 && reply.code < 600) {
      await this.#command(`HELO ${this.#local()}`, 250);
      return;
    }
    this.#expect(reply, 250, "EHLO");
    for (const line of reply.lines.slice(1)) {
      const m = /^([A-Za-z0-9][A-Za-z0-9-]*)(?:[ =](.*))?$/.exec(line.trim());
      if (m) this.#extensions.set(m[1].toUpperCase(), (m[2] ?? "").trim());
    }
  }

  async #auth(credentials: readonly [string, string]): Promise<void> {
    const offered = (this.#extensions.get("AUTH") ?? "").toUpperCase().split(/\s+/);
    const [user, password] = credentials;
    if (offered.includes("PLAIN")) {
      await this.#command(`AUTH PLAIN ${base64Text(`\0${user}\0${password}`)}`, 235, "AUTH PLAIN");
    } else if (offered.includes("LOGIN")) {
      await this.#command("AUTH LOGIN", 334, "AUTH LOGIN");
      await this.#command(base64Text(user), 334, "AUTH LOGIN (user name)");
      await this.#command(base64Text(password), 235, "AUTH LOGIN (password)");
    } else {
      throw new SmtpError(
        `SMTP server ${this.#where} offers no AUTH mechanism this client speaks (PLAIN, ` +
          `LOGIN): ${
            this.#extensions.has("AUTH") ? `AUTH ${this.#extensions.get("AUTH")}` : "no AUTH"
          }` +
          (this.#extensions.has("STARTTLS") ? "; it offers STARTTLS: set 'secure'" : ""),
      );
    }
  }

  /**
   * Sends one message: MAIL FROM, RCPT TO for each recipient, DATA (dot-stuffed, CRLF line
   * endings). Recipients the server refuses are skipped while at least one is accepted; the
   * refusals are returned.
   *
   * @param from The envelope sender (`Name <addr>` is reduced to `addr`).
   * @param to The envelope recipients.
   * @param message The RFC 5322 message.
   * @returns The refused recipients with the server's replies (empty when all were accepted).
   * @throws {SmtpError} When the sender, every recipient or the message is refused; with code
   *   501, before any command is sent, for an address that {@linkcode addressProblem} refuses.
   */
  async send(from: string, to: readonly string[], message: Uint8Array): Promise<string[]> {
    for (const [role, address] of [["sender", from], ...to.map((a) => ["recipient", a])]) {
      const problem = typeof address === "string"
        ? addressProblem(address)
        : "anything but text (it must be a string)";
      if (problem !== null) {
        throw new SmtpError(
          `Cannot send the mail to SMTP server ${this.#where} as the ${role} address must not ` +
            `contain ${problem}: current value is ${
              typeof address === "string" ? JSON.stringify(address) : Deno.inspect(address)
            }`,
          501,
        );
      }
    }
    let eightBit = false;
    for (let i = 0; i < message.length; i++) {
      if (message[i] > 127) {
        eightBit = true;
        break;
      }
    }
    const body = eightBit && this.#extensions.has("8BITMIME") ? " BODY=8BITMIME" : "";
    await this.#command(`MAIL FROM:<${envelopeAddress(from)}>${body}`, 250);
    const refused: string[] = [];
    for (const rcpt of to) {
      const address = envelopeAddress(rcpt);
      await this.#write(`RCPT TO:<${address}>\r\n`, "RCPT TO");
      const reply = await this.#read("RCPT TO");
      if (reply.code !== 250 && reply.code !== 251) {
        refused.push(`${address}: ${describeReply(reply)}`);
      }
    }
    if (refused.length === to.length) {
      await this.#reset();
      throw new SmtpError(
        `SMTP server ${this.#where} refused every recipient: ${refused.join("; ")}`,
        550,
      );
    }
    await this.#command("DATA", 354);
    await this.#write(dotStuff(message), "the message");
    this.#expect(await this.#read("the end of DATA"), 250, "the message");
    return refused;
  }

  async #reset(): Promise<void> {
    try {
      await this.#command("RSET", 250);
    } catch {
      // the next transaction will tell
    }
  }

  /**
   * Says QUIT, waits for the answer, and closes the connection.
   *
   * @returns A promise that resolves when closed.
   */
  async quit(): Promise<void> {
    try {
      await this.#write("QUIT\r\n", "QUIT");
      await this.#read("QUIT");
    } catch {
      // the mail is sent: a rude goodbye does not matter
    } finally {
      this.close();
    }
  }

  /** Closes the connection at once. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }

  async #command(line: string, expected: number, what = line.split(" ")[0]): Promise<Reply> {
    await this.#write(`${line}\r\n`, what);
    return this.#expect(await this.#read(what), expected, what);
  }

  #expect(reply: Reply, expected: number, what: string): Reply {
    if (reply.code !== expected) {
      throw new SmtpError(
        `SMTP server ${this.#where} refused ${what}: ${describeReply(reply)}`,
        reply.code,
        reply.lines.join("\n"),
      );
    }
    return reply;
  }

  async #timed<T>(promise: Promise<T>, what: string): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close();
        reject(
          new SmtpError(
            `SMTP server ${this.#where} did not complete ${what} within ${
              this.#timeoutMs / 1000
            } s (timeout)`,
          ),
        );
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([promise, timeout]);
    } catch (error) {
      if (error instanceof SmtpError) throw error;
      const reason = error instanceof Error ? error.message : String(error);
      const e = new SmtpError(`SMTP with ${this.#where} failed during ${what}: ${reason}`);
      (e as { cause?: unknown }).cause = error;
      throw e;
    } finally {
      clearTimeout(timer);
      promise.catch(() => {});
    }
  }

  async #write(data: string | Uint8Array, what: string): Promise<void> {
    const bytes = typeof data === "string" ? utf8.encode(data) : data;
    await this.#timed(writeAll(this.#conn, bytes), `sending ${what}`);
  }

  async #readLine(what: string): Promise<string> {
    for (;;) {
      const nl = this.#buf.subarray(0, this.#len).indexOf(10);
      if (nl >= 0) {
        const end = nl > 0 && this.#buf[nl - 1] === 13 ? nl - 1 : nl;
        const line = latin1.decode(this.#buf.subarray(0, end));
        this.#buf.copyWithin(0, nl + 1, this.#len);
        this.#len -= nl + 1;
        return line;
      }
      if (this.#len === this.#buf.length) {
        if (this.#len >= MAX_LINE) {
          throw new SmtpError(
            `SMTP server ${this.#where} sent a reply line over ${MAX_LINE} bytes`,
          );
        }
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
      const n = await this.#timed(
        this.#conn.read(this.#buf.subarray(this.#len)),
        `the reply to ${what}`,
      );
      if (n === null) {
        throw new SmtpError(
          `SMTP server ${this.#where} closed the connection while we waited for the reply to ${what}`,
        );
      }
      this.#len += n;
    }
  }

  async #read(what: string): Promise<Reply> {
    const lines: string[] = [];
    for (;;) {
      const line = await this.#readLine(what);
      const m = /^(\d{3})([ -]?)(.*)$/.exec(line);
      if (!m) {
        throw new SmtpError(
          `SMTP server ${this.#where} sent a malformed reply to ${what}: ${line}`,
        );
      }
      lines.push(m[3]);
      if (m[2] !== "-") return { code: Number(m[1]), lines };
      if (lines.length > 1000) {
        throw new SmtpError(`SMTP server ${this.#where} sent an endless reply to ${what}`);
      }
    }
  }
}
