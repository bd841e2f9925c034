/**
 * `SocketHandler` and `DatagramHandler`: records sent to a log server as CPython does (a
 * length-prefixed pickle of the record's attributes), or as JSON, through an ordered bounded
 * outbox that survives a server that is down for a while.
 *
 * This is the `@x/loghandlers/socket` entry point (also re-exported by `@x/loghandlers`). Requires
 * `--allow-net` for the server (UDP also for the local end: `127.0.0.1:0` for a loopback peer,
 * else `0.0.0.0:0`); for a Unix socket, file access and `--allow-net=unix:<path>`.
 *
 * @module
 */

import {
  any,
  boolean,
  checkOptions,
  describeValue,
  either,
  nullable,
  number,
  oneOf,
  type OptionRules,
  satisfies,
  string,
} from "../core/text/options.ts";
import { OUTBOX_RULES, type OutboxOptions } from "../core/io/outbox.ts";
import { OutboxHandler } from "../core/outbox_handler.ts";
import { pickleRecord, type PickleValue, PyFloat } from "../core/wire/pickle.ts";
import { pyStr } from "../core/text/pystr.ts";
import type { LogRecord } from "../core/record.ts";
import {
  checkSendRate,
  connectStream,
  DATAGRAM_OUTBOX_DEFAULTS,
  readWithin,
  type StreamTarget,
  UdpSender,
  type UnixDatagramSender,
  unixDatagramSender,
  unixSocketFlags,
  writeAll,
} from "../core/io/transport.ts";
import { concatBytes } from "../core/text/bytes.ts";

/** The payload of the hello frame that asks this library's receiver for acknowledgements. */
export const ACK_HELLO = "LOGHANDLERS-ACK/1";

/** Options of {@linkcode SocketHandler} and {@linkcode DatagramHandler}. */
export interface SocketHandlerOptions extends OutboxOptions {
  /**
   * The payload: `"pickle"` is CPython's (`pickle.dumps(dict, 1)`, which CPython's receivers
   * read); `"json"` is the same dictionary as UTF-8 JSON, for peers that are not Python. Both
   * have the 4-byte big-endian length prefix.
   *
   * @default {"pickle"}
   */
  format?: "pickle" | "json";
  /**
   * A shared key: each frame's payload is followed by its HMAC-SHA256, and this library's
   * receiver, given the same key, rejects frames without a valid one.
   *
   * @default {null}
   */
  key?: string | Uint8Array | null;
  /**
   * (SocketHandler with this library's receiver only.) Ask the receiver to acknowledge the
   * records it handled; a record leaves the outbox only when acknowledged, so a connection
   * lost or a receiver stopped mid-stream (SIGTERM) loses nothing: the unacknowledged records
   * are sent again after reconnecting. Without it, records the operating system accepted just
   * before the peer went away are lost, as with CPython.
   *
   * @default {false}
   */
  ack?: boolean;
  /**
   * Whether the records this handler sends carry caller information (`pathname`, `lineno`,
   * `funcName`), as CPython's do. In Deno it costs a stack capture per record (about 8 µs,
   * most of a sender's time: the only way to the caller's location is a V8 stack trace whose
   * frames Deno source-maps). With `false` the handler stops asking for it, and records carry
   * Python's placeholders (`"(unknown file)"`, `0`, `"(unknown function)"`) unless another
   * handler on their way needs it: what Python's `logging._srcfile = None` does, for this
   * handler only.
   *
   * @default {true}
   */
  callerInfo?: boolean;
  /**
   * Seconds to wait for a connection (Python's `makeSocket(timeout=1)`), and, as Python's
   * socket timeout does for `sendall`, the longest a write (or, with `ack`, the wait for an
   * acknowledgement) may make no progress: a peer that stops reading has its connection
   * closed, and the records not yet written wait in the outbox for the retry. The stall limit
   * is never longer than `closeTimeout`, so a stuck peer cannot keep a finished program alive
   * for longer.
   *
   * @default {1}
   */
  timeout?: number;
}

const utf8 = new TextEncoder();

function toPickleValue(value: unknown, depth = 0): PickleValue {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case "string":
    case "boolean":
    case "bigint":
      return value;
    case "number":
      return value;
  }
  if (depth < 32) {
    if (Array.isArray(value)) return value.map((v) => toPickleValue(v, depth + 1));
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, PickleValue> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        out[k] = toPickleValue(v, depth + 1);
      }
      return out;
    }
  }
  return pyStr(value);
}

function toJsonValue(value: PickleValue): unknown {
  if (typeof value === "bigint") {
    return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
  }
  if (value instanceof PyFloat) return value.value;
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v as PickleValue);
    return out;
  }
  return value;
}

function frame(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  writeLength(out, payload.length);
  out.set(payload, 4);
  return out;
}

/** Frames are cut from slabs of this size: one allocation per slab instead of one per record. */
const SLAB_BYTES = 65536;

/**
 * Hands out frames as views of a shared slab. Allocating a small `Uint8Array` costs far more
 * than a view (its own backing store); frames are written once and never changed, and a slab is
 * freed once no frame of it waits in the outbox.
 */
class FrameSlab {
  #slab = new Uint8Array(0);
  #pos = 0;

  /** Room for `size` bytes: a view of the current slab, or of a new one. */
  #take(size: number): Uint8Array {
    if (this.#pos + size > this.#slab.length) {
      if (size > SLAB_BYTES / 4) return new Uint8Array(size);
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#pos = 0;
    }
    const out = this.#slab.subarray(this.#pos, this.#pos + size);
    this.#pos += size;
    return out;
  }

  /** A frame for a payload of `n` bytes: its 4-byte big-endian length written, then room. */
  frameOf(n: number): Uint8Array {
    const out = this.#take(4 + n);
    writeLength(out, n);
    return out;
  }

  /** The 4-byte big-endian length and the payload. */
  frame(payload: Uint8Array): Uint8Array {
    const n = payload.length;
    const out = this.#take(4 + n);
    writeLength(out, n);
    out.set(payload, 4);
    return out;
  }

  /** The 4-byte big-endian length and the UTF-8 text. */
  frameText(text: string): Uint8Array {
    const most = 4 + text.length * 3;
    if (most > SLAB_BYTES / 4) return this.frame(utf8.encode(text));
    if (this.#pos + most > this.#slab.length) {
      this.#slab = new Uint8Array(SLAB_BYTES);
      this.#pos = 0;
    }
    const { written } = utf8.encodeInto(text, this.#slab.subarray(this.#pos + 4));
    const out = this.#slab.subarray(this.#pos, this.#pos + 4 + written);
    this.#pos += 4 + written;
    writeLength(out, written);
    return out;
  }
}

function writeLength(out: Uint8Array, n: number): void {
  out[0] = n >>> 24;
  out[1] = (n >>> 16) & 0xff;
  out[2] = (n >>> 8) & 0xff;
  out[3] = n & 0xff;
}

async function importKey(key: string | Uint8Array): Promise<CryptoKey> {
  const raw = typeof key === "string" ? utf8.encode(key) : key;
  return await crypto.subtle.importKey(
    "raw",
    raw as Uint8Array<ArrayBuffer>,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
}

/** Re-frames `framed` (length prefix + body) as length prefix + body + HMAC-SHA256(body). */
async function sign(key: CryptoKey, framed: Uint8Array): Promise<Uint8Array> {
  const body = framed.subarray(4);
  const mac = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, body as Uint8Array<ArrayBuffer>),
  );
  const out = new Uint8Array(4 + body.length + mac.length);
  new DataView(out.buffer).setUint32(0, body.length + mac.length);
  out.set(body, 4);
  out.set(mac, 4 + body.length);
  return out;
}

const SOCKET_RULES: OptionRules = {
  ...OUTBOX_RULES,
  format: oneOf(["pickle", "json"]),
  key: nullable(either(string(true), satisfies("a Uint8Array", (v) => v instanceof Uint8Array))),
  ack: boolean(),
  callerInfo: boolean(),
  timeout: number(0, true, "seconds"),
};

const DATAGRAM_RULES: OptionRules = {
  ...SOCKET_RULES,
  ack: satisfies("false (acknowledgements need a stream: use SocketHandler)", (v) => v === false),
  sendRate: any(), // checkSendRate
};

/**
 * Checks the address and the options of `cls`. A subclass of the user's may have options of its
 * own: only the known ones are checked then.
 */
function checkArguments(
  cls: string,
  host: unknown,
  port: unknown,
  options: SocketHandlerOptions | undefined,
  rules: OptionRules,
  own: boolean,
): void {
  if (typeof host !== "string" || host === "") {
    throw new TypeError(
      `Cannot create ${cls} as 'host' must be a host name, an address or (with port null) a ` +
        `socket path: current value is ${describeValue(host)}`,
    );
  }
  if (
    port !== null &&
    !(typeof port === "number" && Number.isInteger(port) && port >= 0 && port <= 65535)
  ) {
    const split = /^(.+):(\d+)$/.exec(host);
    throw new (typeof port === "number" ? RangeError : TypeError)(
      `Cannot create ${cls} as 'port' must be a port from 0 to 65535, or null for a Unix socket ` +
        `path in 'host': current value is ${describeValue(port)}${
          split !== null && port === undefined
            ? `. The port is an argument of its own: new ${cls}(${JSON.stringify(split[1])}, ${
              split[2]
            })`
            : ""
        }`,
    );
  }
  checkOptions(
    cls,
    options,
    rules,
    `new ${cls}("logs.example.com", 9020, { format: "json" })`,
    own ? "refuse" : "allow",
  );
}

/**
 * Python's `logging.handlers.SocketHandler`: sends each record to a log server over TCP (or a
 * Unix stream socket when `port` is `null`) as a 4-byte big-endian length and a pickle of the
 * record's attributes, exactly what CPython's `makePickle` builds, so CPython's receivers (the
 * logging cookbook's server) read it; `format: "json"` sends the same dictionary as JSON.
 *
 * `handle()` never waits: the record goes into an ordered, bounded outbox and one background
 * pump sends it. While the server is unreachable, records wait (unlike CPython, which drops them
 * during its back-off) and the connection is retried after `retryStart` seconds, then
 * `retryFactor` times longer each time up to `retryMax`; the record whose send failed is sent
 * again. When the outbox is full, records are dropped by its `drop` policy and their number is
 * reported through `handleError`. `flush()` waits for delivery; `close()` tries for up to
 * `closeTimeout` ms.
 *
 * Requires `--allow-net` for the server; for a Unix socket, `--allow-read`, `--allow-write`
 * and `--allow-net=unix:<path>` for its path.
 *
 * @example
 * ```ts
 * import { makeLogRecord, SocketHandler } from "@x/loghandlers";
 * const server = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const handler = new SocketHandler("127.0.0.1", server.addr.port);
 * handler.handle(makeLogRecord({ name: "app", msg: "hello %s", args: ["world"] }));
 * const conn = await server.accept();
 * await handler.close();
 * const bytes = new Uint8Array(await new Response(conn.readable).arrayBuffer());
 * const length = new DataView(bytes.buffer).getUint32(0);
 * console.assert(length === bytes.length - 4);
 * server.close();
 * ```
 */
export class SocketHandler extends OutboxHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static readonly optionRules: OptionRules = SOCKET_RULES;
  /** The host, or the Unix socket path when `port` is `null`. */
  readonly host: string;
  /** The port, or `null` for a Unix socket. */
  readonly port: number | null;
  /** Python's `address`: `[host, port]`, or the socket path. */
  readonly address: [string, number] | string;
  /** Close the connection when `handleError` is called (Python's `closeOnError`). */
  closeOnError = false;
  /** The payload format (the `format` option). */
  readonly wireFormat: "pickle" | "json";
  /** Whether records wait for the receiver's acknowledgement. */
  readonly ack: boolean;
  /** Whether records sent carry caller information (the `callerInfo` option). */
  readonly callerInfo: boolean;
  /** Connection and stall timeout in seconds. */
  readonly timeout: number;
  #conn: Deno.Conn | null = null;
  #key: Promise<CryptoKey> | null;
  /** Ack mode: frames written on this connection, and acknowledged. */
  #sent = 0;
  #acked = 0;
  #ackBuf = new Uint8Array(4096);
  #ackHave = 0;
  #slab = new FrameSlab();
  /** Room for a pickle of `length` bytes after its 4-byte length. */
  #take = (length: number): Uint8Array => this.#slab.frameOf(length);

  /**
   * Prepares the handler; the connection is made when the first record is sent.
   *
   * @param host The server's host, or a Unix socket path when `port` is `null`.
   * @param port The TCP port, or `null`.
   * @param options See {@linkcode SocketHandlerOptions}.
   * @throws {RangeError} For an invalid option.
   */
  constructor(host: string, port: number | null, options: SocketHandlerOptions = {}) {
    // A DatagramHandler has checked them, with its own rules, before calling super().
    if (!(new.target === DatagramHandler || new.target.prototype instanceof DatagramHandler)) {
      checkArguments(
        new.target.name,
        host,
        port,
        options,
        SOCKET_RULES,
        new.target === SocketHandler,
      );
    }
    super(options);
    this.host = host;
    this.port = port;
    this.address = port === null ? host : [host, port];
    this.wireFormat = options.format ?? "pickle";
    this.ack = options.ack ?? false;
    this.callerInfo = options.callerInfo ?? true;
    this.timeout = options.timeout ?? 1;
    this.#key = options.key == null ? null : importKey(options.key);
  }

  /** The open connection, or `null` (Python's `sock`). */
  get sock(): Deno.Conn | null {
    return this.#conn;
  }

  /**
   * When the next connection attempt is due, in seconds since the epoch, after a failure: the
   * time of the failure plus the back-off (Python's `retryTime`). `null` while delivery works.
   *
   * @example
   * ```ts
   * import { makeLogRecord, SocketHandler } from "@x/loghandlers";
   * const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
   * probe.close(); // a port nothing listens on
   * const handler = new SocketHandler("127.0.0.1", probe.addr.port, { closeTimeout: 100 });
   * const failed = Promise.withResolvers<number>();
   * handler.handleError = () => failed.resolve(Date.now() / 1000);
   * console.assert(handler.retryTime === null);
   * handler.handle(makeLogRecord({ msg: "waits in the outbox" }));
   * const at = await failed.promise;
   * console.assert(Math.abs(handler.retryTime! - (at + handler.retryStart)) < 0.1);
   * await handler.close();
   * ```
   */
  get retryTime(): number | null {
    return this.outbox.retryTime;
  }

  /**
   * Seconds to wait after the failure that starts an outage (Python's `retryStart`; the
   * `retryStart` option). May be changed, as in Python: it applies from the next outage.
   *
   * @throws {RangeError} When set to anything but a number > 0.
   *
   * @example
   * ```ts
   * import { SocketHandler } from "@x/loghandlers";
   * await using handler = new SocketHandler("127.0.0.1", 9020);
   * console.assert(handler.retryStart === 1);
   * handler.retryStart = 2.5;
   * console.assert(handler.retryStart === 2.5);
   * ```
   */
  get retryStart(): number {
    return this.outbox.retryStart;
  }
  set retryStart(seconds: number) {
    this.outbox.retryStart = seconds;
  }

  /**
   * What each further failure multiplies the wait by (Python's `retryFactor`). May be changed.
   *
   * @throws {RangeError} When set to anything but a number > 0.
   */
  get retryFactor(): number {
    return this.outbox.retryFactor;
  }
  set retryFactor(factor: number) {
    this.outbox.retryFactor = factor;
  }

  /**
   * The longest wait between attempts, in seconds (Python's `retryMax`). May be changed.
   *
   * @throws {RangeError} When set to anything but a number > 0.
   */
  get retryMax(): number {
    return this.outbox.retryMax;
  }
  set retryMax(seconds: number) {
    this.outbox.retryMax = seconds;
  }

  /**
   * Records are sent whole: caller information is filled in for them, unless the `callerInfo`
   * option is `false`.
   */
  override get needsCallerInfo(): boolean {
    return this.callerInfo || super.needsCallerInfo;
  }

  /**
   * Opens a connection to the server (Python's `makeSocket`).
   *
   * @param timeout Seconds to wait.
   * @returns The connection.
   */
  makeSocket(timeout: number = this.timeout): Promise<Deno.Conn> {
    const target: StreamTarget = this.port === null
      ? { path: this.host }
      : { hostname: this.host, port: this.port };
    return connectStream(target, timeout * 1000);
  }

  /**
   * Connects when there is no connection (Python's `createSocket`).
   *
   * @returns A promise that resolves when connected.
   */
  async createSocket(): Promise<void> {
    if (this.#conn !== null) return;
    const conn = await this.makeSocket();
    this.#conn = conn;
    this.#sent = 0;
    this.#acked = 0;
    this.#ackHave = 0;
    if (this.ack) {
      try {
        await writeAll(conn, frame(utf8.encode(ACK_HELLO)), this.#stallMs());
      } catch (error) {
        this.#drop();
        throw error;
      }
    }
  }

  /**
   * The record's bytes on the wire, as CPython's `makePickle`: the record's attributes with
   * `msg` merged with its arguments, `args` and `exc_info` set to None, `message` removed and
   * `exc_text` filled in, pickled with protocol 1 (or JSON), after a 4-byte big-endian length.
   *
   * @param record The record.
   * @returns The frame.
   */
  makePickle(record: LogRecord): Uint8Array {
    if (record.exc_info && !record.exc_text) this.format(record); // fills exc_text
    const msg = record.getMessage();
    if (this.wireFormat === "pickle") return pickleRecord(record, msg, toPickleValue, this.#take);
    // JSON: the same dictionary with plain numbers for floats and ints, built key by key
    // (`message`, set by a formatter, left out).
    const rec = record as unknown as Record<string, unknown>;
    const d: Record<string, unknown> = {};
    for (const key of Object.keys(rec)) {
      const value = rec[key];
      if (key === "message") continue;
      d[key] = typeof value === "string" || typeof value === "number" || value === null
        ? value
        : toJsonValue(toPickleValue(value));
    }
    d.msg = msg;
    d.args = null;
    d.exc_info = null;
    return this.#slab.frameText(JSON.stringify(d));
  }

  /**
   * Queues the frame for delivery (Python's `send`, which would block instead).
   *
   * @param s The frame.
   * @returns `false` when the outbox was full and the frame was dropped.
   */
  send(s: Uint8Array): boolean {
    return this.outbox.push(s);
  }

  /**
   * Prepares the record and queues it. Failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    this.send(this.makePickle(record));
  }

  /**
   * Delivers a batch of frames (called by the outbox pump): connects when needed, signs with
   * the key, writes, and with `ack` waits for the receiver's acknowledgement.
   *
   * @param batch Frames, in order.
   * @returns A promise that resolves when the batch is delivered.
   */
  override async deliver(batch: Uint8Array[]): Promise<void> {
    await this.createSocket();
    const frames = await this.signFrames(batch);
    const before = this.#acked;
    const data = concatBytes(frames);
    try {
      await writeAll(this.#conn!, data, this.#stallMs());
      this.#sent += frames.length;
      if (this.ack) await this.#awaitAcks();
    } catch (error) {
      const written = (error as { written?: unknown }).written;
      // Without acknowledgements, the frames the OS took count as delivered; with them, only
      // the acknowledged ones.
      let delivered = 0;
      if (this.ack) {
        delivered = this.#acked - before;
      } else {
        const took = typeof written === "number" ? written : data.length;
        for (let at = 0; delivered < frames.length; delivered++) {
          at += frames[delivered].length;
          if (at > took) break;
        }
      }
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
        delivered,
      });
    }
  }

  /**
   * With a `key`, the frames with their HMAC-SHA256 appended (and the length adjusted).
   *
   * @param batch Frames.
   * @returns The frames to send.
   */
  async signFrames(batch: Uint8Array[]): Promise<Uint8Array[]> {
    if (this.#key === null) return batch;
    const key = await this.#key;
    return await Promise.all(batch.map((f) => sign(key, f)));
  }

  /** How long a write or an acknowledgement may make no progress, in ms. */
  #stallMs(): number {
    return Math.min(this.timeout * 1000, this.closeTimeout);
  }

  async #awaitAcks(): Promise<void> {
    const conn = this.#conn!;
    while (this.#acked < this.#sent) {
      const n = await readWithin(conn, this.#ackBuf.subarray(this.#ackHave), this.#stallMs());
      if (n === null) throw new Error("The receiver closed the connection before acknowledging");
      this.#ackHave += n;
      const view = new DataView(this.#ackBuf.buffer);
      let at = 0;
      while (this.#ackHave - at >= 4) {
        this.#acked = view.getUint32(at);
        at += 4;
      }
      this.#ackBuf.copyWithin(0, at, this.#ackHave);
      this.#ackHave -= at;
    }
  }

  #drop(): void {
    const conn = this.#conn;
    this.#conn = null;
    try {
      conn?.close();
    } catch {
      // already closed
    }
  }

  /**
   * Reports the error (Python's `handleError`), closing the connection first when
   * `closeOnError` is set.
   *
   * @param record The record, or `null`.
   * @param error The error.
   */
  override handleError(record: LogRecord | null, error: unknown): void {
    if (this.closeOnError) this.#drop();
    super.handleError(record, error);
  }

  /** After a failed delivery and at `close()`, closes the connection. */
  protected override resetDelivery(): void {
    this.#drop();
  }
}

/** Options of {@linkcode DatagramHandler}: those of {@linkcode SocketHandlerOptions}, and the pacing. */
export interface DatagramHandlerOptions extends SocketHandlerOptions {
  /**
   * Pacing of the UDP datagrams: at most this many per second (a datagram longer than 1 KiB
   * counts once per KiB begun), at most 32 back to back. UDP has no flow control, so a
   * receiver that falls behind loses what its socket buffer cannot hold; CPython sends each
   * record as it is logged, and the default keeps below the pace of CPython's tight logging
   * loop, so a receiver that keeps up with CPython keeps up with this. A burst waits in the
   * outbox meanwhile. `Infinity` sends back to back. Unix datagram sockets have flow control
   * and are not paced.
   *
   * @default {20000}
   */
  sendRate?: number;
}

/**
 * Python's `logging.handlers.DatagramHandler`: sends each record as one UDP datagram holding
 * the same length-prefixed pickle (or JSON) as {@linkcode SocketHandler}, over IPv4 or IPv6 by
 * the address. With `port` `null`, `host` is a Unix datagram socket path, which Deno can reach
 * only under `--unstable-net` (otherwise an error says so, once, and the records are dropped).
 *
 * Datagrams are sent in order, paced by `sendRate` so that a burst does not overrun the
 * receiver (UDP loses what a receiver's buffer cannot hold); they may still be lost on the way,
 * as UDP goes. A burst waits in the outbox meanwhile: its default bounds for datagrams are
 * 100,000 records and 64 MiB.
 *
 * Requires `--allow-net` for the host and port and for the local end of the socket:
 * `--allow-net=<host>:<port>,127.0.0.1:0` for a host on the loopback (`[::1]:0` for IPv6),
 * else `--allow-net=<host>:<port>,0.0.0.0:0` (`[::]:0`). A host name is looked up once (that
 * needs `<name>:<port>`); datagrams then go to its address when `--allow-net` allows that
 * address too, else to the name, which Deno resolves again at each send. A denied permission
 * is reported once through `handleError`, naming the flags, and the records are dropped and
 * counted. A Unix datagram socket needs `--unstable-net --allow-write=<path>
 * --allow-net=unix:<path>`.
 *
 * @example
 * ```ts
 * import { DatagramHandler, makeLogRecord } from "@x/loghandlers";
 * import { createSocket } from "node:dgram";
 * const server = createSocket("udp4");
 * await new Promise<void>((r) => server.bind(0, "127.0.0.1", r));
 * const got = new Promise<Uint8Array>((r) => server.once("message", (m) => r(m)));
 * const handler = new DatagramHandler("127.0.0.1", server.address().port);
 * handler.handle(makeLogRecord({ name: "app", msg: "hello" }));
 * const datagram = await got;
 * console.assert(new DataView(datagram.buffer, datagram.byteOffset).getUint32(0) === datagram.length - 4);
 * await handler.close();
 * server.close();
 * ```
 */
export class DatagramHandler extends SocketHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static override readonly optionRules: OptionRules = DATAGRAM_RULES;
  /** The most datagrams sent per second (the `sendRate` option). */
  readonly sendRate: number;
  #udp: UdpSender | null = null;
  #unix: UnixDatagramSender | null = null;

  /**
   * Prepares the handler; the socket is made when the first record is sent.
   *
   * @param host The host (name, IPv4 or IPv6 address), or a Unix datagram socket path.
   * @param port The UDP port, or `null`.
   * @param options See {@linkcode DatagramHandlerOptions} (`ack` does not apply).
   * @throws {RangeError} For an invalid option.
   */
  constructor(host: string, port: number | null, options: DatagramHandlerOptions = {}) {
    checkArguments(
      new.target.name,
      host,
      port,
      options,
      DATAGRAM_RULES,
      new.target === DatagramHandler,
    );
    const sendRate = checkSendRate(new.target.name, options.sendRate);
    // A burst waits in the outbox while the pacing sends it: larger bounds by default.
    super(host, port, {
      ...options,
      maxRecords: options.maxRecords ?? DATAGRAM_OUTBOX_DEFAULTS.maxRecords,
      maxBytes: options.maxBytes ?? DATAGRAM_OUTBOX_DEFAULTS.maxBytes,
      ack: false,
    });
    this.sendRate = sendRate;
  }

  /**
   * Sends each frame of the batch as a datagram, in order, at the pace of `sendRate`.
   *
   * @param batch Frames.
   * @returns A promise that resolves when every datagram is handed to the operating system.
   */
  override async deliver(batch: Uint8Array[]): Promise<void> {
    if (this.port === null) {
      this.#unix ??= unixDatagramSender(this.host);
      if (this.#unix === null) {
        throw Object.assign(
          new Error(
            `Cannot send to the Unix datagram socket '${this.host}': Deno sends Unix ` +
              `datagrams only with --unstable-net. Run Deno with --unstable-net ` +
              `${unixSocketFlags(this.host, true)} to allow it, or use a UDP port or a ` +
              `SocketHandler to a stream socket.`,
          ),
          { permanent: true },
        );
      }
    }
    const sender = this.#unix ??
      (this.#udp ??= new UdpSender(this.host, this.port!, { sendRate: this.sendRate }));
    const frames = await this.signFrames(batch);
    let delivered = 0;
    try {
      for (const f of frames) {
        await sender.send(f);
        delivered++;
      }
    } catch (error) {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
        delivered,
      });
    }
  }

  /**
   * Closes the datagram socket after delivering what waits.
   *
   * @returns A promise that resolves when closed.
   */
  override async close(): Promise<void> {
    await super.close();
    this.#udp?.close();
    this.#udp = null;
    this.#unix?.close();
    this.#unix = null;
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
