/**
 * `LogReceiver`: the receiving end of `SocketHandler` and `DatagramHandler`, ours and CPython's.
 * Python's logging cookbook builds it from `socketserver`, `pickle.loads` and
 * `logging.makeLogRecord`; this one never executes anything from the wire: pickles are read
 * with a safe subset that calls nothing, frames are bounded, and an optional shared key
 * (HMAC-SHA256) rejects records from anyone else.
 *
 * Run as a program, it writes every record it receives to a rotating file:
 *
 * ```sh
 * deno run --allow-net --allow-read --allow-write receiver.ts --tcp 9020 --udp 9021 --file logs/central.log
 * ```
 *
 * @module
 */

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { Formatter } from "./core/formatter.ts";
import { writeStderr } from "./core/handler.ts";
import { isPermissionDenial } from "./core/io.ts";
import { getLevelName } from "./core/levels.ts";
import { getLogger } from "./core/logger.ts";
import { pickleLoads } from "./core/pickle.ts";
import { type LogRecord, makeLogRecord } from "./core/record.ts";
import { RotatingFileHandler } from "./handlers/rotating.ts";

/** Options of {@linkcode LogReceiver}. At least one of `tcp` and `udp` must be given. */
export interface LogReceiverOptions {
  /**
   * Listen for stream connections (`SocketHandler`): a TCP address, or `{ path }` for a Unix
   * stream socket (the socket file is removed again by `close()`). Port `0` picks a free port;
   * read it from {@linkcode LogReceiver.tcpAddr}. Records arrive from anyone who can connect:
   * listen on loopback, or set `key`.
   *
   * @default {undefined}
   */
  tcp?: { hostname?: string; port: number } | { path: string };
  /**
   * Listen for datagrams (`DatagramHandler`), one length-prefixed frame per datagram, over
   * IPv4 or IPv6 as the hostname says. Port `0` picks a free port.
   *
   * @default {undefined}
   */
  udp?: { hostname?: string; port: number };
  /**
   * The shared HMAC-SHA256 key: every frame's payload must then end with the 32-byte
   * HMAC-SHA256 of the bytes before it. A connection that sends an unsigned or badly signed
   * frame is closed; such a datagram is dropped. Both are counted in `rejected`.
   *
   * @default {undefined}
   */
  key?: string | Uint8Array;
  /**
   * The largest payload accepted, in bytes. A length prefix claiming more closes the
   * connection at once (nothing of that size is allocated).
   *
   * @default {4194304}
   */
  maxFrameBytes?: number;
  /**
   * What to do with each record: by default, like the cookbook's server,
   * `getLogger(record.name).handle(record)`. An exception it throws goes to `onError`.
   *
   * @default {(record) => getLogger(record.name).handle(record)}
   */
  handle?: (record: LogRecord) => void;
  /**
   * Told about every rejected frame, connection or datagram and every other failure; the
   * receiver itself keeps serving.
   *
   * @default {a one-line warning on stderr}
   */
  onError?: (error: Error) => void;
}

/** The hello that asks for acknowledgements; the first frame of a connection. */
const HELLO = new TextEncoder().encode("LOGHANDLERS-ACK/1");
const MAC_BYTES = 32;
const READ_CHUNK = 64 * 1024;
const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
/** On close, how long a connection may stay quiet before it is closed. */
const CLOSE_GRACE_MS = 100;
/** On close, the longest a connection that keeps sending is still read. */
const CLOSE_LIMIT_MS = 2000;
/** Datagrams waiting for their turn (HMAC checks are asynchronous) before new ones are dropped. */
const MAX_QUEUED_DATAGRAMS = 1024;
/** Record attributes a frame may not set: they would replace the record's methods. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "getMessage", "toString"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A frame or datagram refused: counted in `rejected`. */
class RejectedFrame extends Error {
  override name = "RejectedFrame";
}

interface Connection {
  conn: Deno.Conn;
  peer: string;
  reading: boolean;
  draining: boolean;
  stop: boolean;
  closed: boolean;
  drainStarted: number;
  timer: ReturnType<typeof setTimeout> | undefined;
}

type State = "new" | "running" | "closing" | "closed";

function describeAddr(addr: Deno.Addr): string {
  if (addr.transport === "tcp" || addr.transport === "udp") {
    return addr.hostname.includes(":")
      ? `[${addr.hostname}]:${addr.port}`
      : `${addr.hostname}:${addr.port}`;
  }
  if (addr.transport === "unix" || addr.transport === "unixpacket") {
    return `unix:${addr.path || "(unnamed)"}`;
  }
  return addr.transport;
}

function checkPort(port: unknown, what: string): void {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `Cannot create LogReceiver as '${what}.port' must be an integer from 0 to 65535: current value is ${
        String(port)
      }`,
    );
  }
}

function isDisconnect(error: unknown): boolean {
  const e = Deno.errors;
  return error instanceof e.ConnectionReset || error instanceof e.ConnectionAborted ||
    error instanceof e.BrokenPipe || error instanceof e.UnexpectedEof ||
    error instanceof e.BadResource || error instanceof e.Interrupted ||
    error instanceof e.NotConnected;
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function isDict(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) &&
    !ArrayBuffer.isView(value);
}

/** Python ints that fit a safe integer become numbers, in nested lists and dicts too. */
function normalize(value: unknown, depth: number): unknown {
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(value)
      : value;
  }
  if (depth > 64 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) return value.map((v) => normalize(v, depth + 1));
  if (ArrayBuffer.isView(value)) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key === "__proto__") continue;
    out[key] = normalize((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}

function optionalType(dict: Record<string, unknown>, key: string, type: "number" | "string"): void {
  const value = dict[key];
  if (value === undefined || value === null) return;
  if (
    type === "number"
      ? typeof value === "number" && Number.isFinite(value)
      : typeof value === "string"
  ) {
    return;
  }
  throw new RejectedFrame(
    `'${key}' must be a ${type}: current value is ${String(value).slice(0, 40)}`,
  );
}

/**
 * Rebuilds a record from a decoded frame: `makeLogRecord(dict)` with the wire's loose ends
 * tied (Python's `None` args, ints as bigints, attributes that would shadow methods).
 */
function toRecord(decoded: unknown): LogRecord {
  if (!isDict(decoded)) {
    throw new RejectedFrame(
      `the payload is not a dict of record attributes but ${
        Array.isArray(decoded) ? "a list" : decoded === null ? "None" : typeof decoded
      }`,
    );
  }
  // The decoded dict is ours alone (fresh from the decoder): tidied in place, not copied.
  const dict = decoded;
  for (const key of Object.keys(dict)) {
    if (FORBIDDEN_KEYS.has(key)) {
      delete dict[key];
      continue;
    }
    const value = dict[key];
    if (typeof value === "bigint" || (typeof value === "object" && value !== null)) {
      dict[key] = normalize(value, 0);
    }
  }
  optionalType(dict, "name", "string");
  optionalType(dict, "levelname", "string");
  optionalType(dict, "levelno", "number");
  optionalType(dict, "created", "number");
  optionalType(dict, "msecs", "number");
  if (dict.name === null) delete dict.name;
  if (typeof dict.levelno === "number" && typeof dict.levelname !== "string") {
    dict.levelname = getLevelName(dict.levelno);
  }
  const args = dict.args;
  if (args === null || args === undefined) dict.args = [];
  else if (typeof args !== "object" || ArrayBuffer.isView(args)) dict.args = [args];
  return makeLogRecord(dict);
}

function u32(n: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, n % 2 ** 32);
  return bytes;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let n = 0;
  while (n < bytes.length) n += await conn.write(bytes.subarray(n));
}

/**
 * Receives log records sent by `SocketHandler` (TCP or a Unix stream socket) and
 * `DatagramHandler` (UDP), ours or CPython's, and hands each to `handle` — by default to the
 * logger of the same name, like the server in Python's logging cookbook.
 *
 * Wire format: each frame is a 4-byte big-endian length and that many bytes of payload, a
 * stream of frames over TCP and one frame per datagram. The payload is CPython's
 * `pickle.dumps(record.__dict__, 1)` as `makePickle` builds it, read by a decoder that refuses
 * every opcode that could import or call anything, or the same dict as UTF-8 JSON (a payload
 * starting with `{`). With `key`, each payload ends with its HMAC-SHA256.
 *
 * A malformed, unsigned or oversized frame never stops the receiver: it is reported through
 * `onError`, counted in {@linkcode LogReceiver.rejected}, and the connection that sent it is
 * closed (a datagram is just dropped). A sender that opens a connection with the hello
 * `LOGHANDLERS-ACK/1` gets, after each read, the number of records handled on that connection
 * so far (4 bytes, big-endian); nothing is ever written to other connections.
 *
 * Requires `--allow-net` (and `--allow-read --allow-write` for a Unix socket path).
 *
 * @example Receive a JSON frame over TCP
 * ```ts
 * import { LogReceiver } from "./receiver.ts";
 * import type { LogRecord } from "./core/record.ts";
 *
 * const got = Promise.withResolvers<LogRecord>();
 * await using receiver = new LogReceiver({ tcp: { port: 0 }, handle: (r) => got.resolve(r) });
 * await receiver.start();
 * const { port } = receiver.tcpAddr as Deno.NetAddr;
 *
 * const body = new TextEncoder().encode(
 *   JSON.stringify({ name: "remote", levelno: 30, msg: "disk %d%%", args: [91] }),
 * );
 * const frame = new Uint8Array(4 + body.length);
 * new DataView(frame.buffer).setUint32(0, body.length);
 * frame.set(body, 4);
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port });
 * await conn.write(frame);
 * const record = await got.promise;
 * conn.close();
 * console.assert(record.getMessage() === "disk 91%" && record.levelname === "WARNING");
 * console.assert(receiver.received === 1);
 * ```
 */
export class LogReceiver {
  #tcpOption: LogReceiverOptions["tcp"];
  #udpOption: LogReceiverOptions["udp"];
  #keyBytes: Uint8Array<ArrayBuffer> | null;
  #maxFrameBytes: number;
  #handle: (record: LogRecord) => void;
  #onError: (error: Error) => void;
  #state: State = "new";
  #listener: Deno.Listener | null = null;
  #udp: UdpSocket | null = null;
  #tcpAddr: Deno.Addr | null = null;
  #udpAddr: { hostname: string; port: number } | null = null;
  #key: CryptoKey | null = null;
  #received = 0;
  #rejected = 0;
  #connections = new Set<Connection>();
  #tasks = new Set<Promise<void>>();
  #acceptLoop: Promise<void> | null = null;
  #udpChain: Promise<void> = Promise.resolve();
  #udpQueued = 0;
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  /**
   * Checks the options; nothing is bound until {@linkcode LogReceiver.start}.
   *
   * @param options See {@linkcode LogReceiverOptions}.
   * @throws {TypeError} When neither `tcp` nor `udp` is given, or `key` is neither a string nor
   * bytes.
   * @throws {RangeError} For a bad port, an empty key or a `maxFrameBytes` that is not an
   * integer from 1 to 2^32 - 1.
   */
  constructor(options: LogReceiverOptions) {
    const { tcp, udp } = options;
    if (tcp === undefined && udp === undefined) {
      throw new TypeError(
        "Cannot create LogReceiver as 'tcp' or 'udp' must be given: current value is neither",
      );
    }
    if (tcp !== undefined && !("path" in tcp)) checkPort(tcp.port, "tcp");
    if (tcp !== undefined && "path" in tcp && (typeof tcp.path !== "string" || tcp.path === "")) {
      throw new TypeError(
        `Cannot create LogReceiver as 'tcp.path' must be a non-empty string: current value is ${
          String(tcp.path)
        }`,
      );
    }
    if (udp !== undefined) checkPort(udp.port, "udp");
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > 2 ** 32 - 1) {
      throw new RangeError(
        `Cannot create LogReceiver as 'maxFrameBytes' must be an integer from 1 to 4294967295: current value is ${maxFrameBytes}`,
      );
    }
    const key = options.key;
    let keyBytes: Uint8Array<ArrayBuffer> | null = null;
    if (key !== undefined) {
      if (typeof key === "string") keyBytes = new TextEncoder().encode(key);
      else if (key instanceof Uint8Array) keyBytes = key.slice();
      else {
        throw new TypeError(
          `Cannot create LogReceiver as 'key' must be a string or a Uint8Array: current value is ${typeof key}`,
        );
      }
      if (keyBytes.length === 0) {
        throw new RangeError(
          "Cannot create LogReceiver as 'key' must not be empty: current value is ''",
        );
      }
    }
    this.#tcpOption = tcp;
    this.#udpOption = udp;
    this.#keyBytes = keyBytes;
    this.#maxFrameBytes = maxFrameBytes;
    this.#handle = options.handle ?? ((record) => getLogger(record.name).handle(record));
    this.#onError = options.onError ??
      ((error) => writeStderr(`LogReceiver: ${error.message.replaceAll("\n", " ")}\n`));
  }

  /** The bound TCP or Unix socket address after {@linkcode LogReceiver.start}, else `null`. */
  get tcpAddr(): Deno.Addr | null {
    return this.#tcpAddr;
  }

  /** The bound UDP address after {@linkcode LogReceiver.start}, else `null`. */
  get udpAddr(): { hostname: string; port: number } | null {
    return this.#udpAddr;
  }

  /** How many records have been handed to `handle`. */
  get received(): number {
    return this.#received;
  }

  /** How many frames, connections and datagrams have been refused. */
  get rejected(): number {
    return this.#rejected;
  }

  /**
   * Binds the listeners. When it resolves, {@linkcode LogReceiver.tcpAddr} and
   * {@linkcode LogReceiver.udpAddr} hold the bound addresses.
   *
   * @returns A promise that resolves once every listener is bound.
   * @throws {Error} When the receiver was already started or closed, when an address cannot be
   * bound (in use, say), or when Deno refuses the permission (the message names the flag).
   */
  start(): Promise<void> {
    if (this.#state !== "new") {
      return Promise.reject(
        new Error(
          `Cannot start LogReceiver: it has already been ${
            this.#state === "running" ? "started" : "closed"
          }`,
        ),
      );
    }
    this.#state = "running";
    return this.#starting = this.#start();
  }

  async #start(): Promise<void> {
    try {
      if (this.#keyBytes !== null) {
        this.#key = await crypto.subtle.importKey(
          "raw",
          this.#keyBytes,
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["verify"],
        );
      }
      const tcp = this.#tcpOption;
      if (tcp !== undefined) {
        const listener = "path" in tcp
          ? this.#bind(
            () => Deno.listen({ transport: "unix", path: tcp.path }),
            `unix:${tcp.path}`,
            "--allow-read --allow-write",
          )
          : this.#bind(
            () => Deno.listen({ hostname: tcp.hostname ?? "127.0.0.1", port: tcp.port }),
            `tcp ${tcp.hostname ?? "127.0.0.1"}:${tcp.port}`,
            "--allow-net",
          );
        this.#listener = listener;
        this.#tcpAddr = listener.addr;
      }
      const udp = this.#udpOption;
      if (udp !== undefined) await this.#bindUdp(udp.hostname ?? "127.0.0.1", udp.port);
    } catch (error) {
      this.#state = "closed";
      this.#closing ??= Promise.resolve();
      this.#releaseListeners();
      await this.#closeUdp();
      throw error;
    }
    // close() called meanwhile waits for this start and then releases what it bound.
    if (this.#state === "running" && this.#listener !== null) {
      this.#acceptLoop = this.#accept(this.#listener);
    }
  }

  /**
   * Closes gracefully: stops accepting, handles every complete frame already read (and what
   * connections send within a short grace period), sends the final acknowledgement where one was
   * asked for, and closes the connections. Idempotent.
   *
   * @returns A promise that resolves once everything is closed.
   */
  close(): Promise<void> {
    return this.#closing ??= this.#close();
  }

  /** Closes the receiver: `await using receiver = new LogReceiver(...)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  async #close(): Promise<void> {
    this.#state = "closing";
    await this.#starting?.catch(() => {});
    this.#releaseListeners();
    await this.#closeUdp();
    for (const c of this.#connections) this.#drain(c);
    await this.#acceptLoop;
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    await this.#udpChain;
    const tcp = this.#tcpOption;
    if (tcp !== undefined && "path" in tcp && this.#tcpAddr !== null) {
      try {
        await Deno.remove(tcp.path);
      } catch {
        // Already gone, or not ours to remove.
      }
    }
    this.#state = "closed";
  }

  #bind(listen: () => Deno.Listener, what: string, flags: string): Deno.Listener {
    try {
      return listen();
    } catch (error) {
      if (isPermissionDenial(error)) {
        throw new Error(
          `Cannot start LogReceiver on ${what}: access is not granted. Run Deno with ${flags} to allow it.`,
          { cause: error },
        );
      }
      throw new Error(`Cannot start LogReceiver on ${what}: ${message(error)}`, { cause: error });
    }
  }

  async #bindUdp(hostname: string, port: number): Promise<void> {
    const what = `udp ${hostname}:${port}`;
    let socket: UdpSocket;
    try {
      socket = createSocket({ type: hostname.includes(":") ? "udp6" : "udp4" });
    } catch (error) {
      throw new Error(`Cannot start LogReceiver on ${what}: ${message(error)}`, { cause: error });
    }
    this.#udp = socket;
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind(port, hostname, () => {
          socket.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      if (isPermissionDenial(error)) {
        throw new Error(
          `Cannot start LogReceiver on ${what}: access is not granted. Run Deno with --allow-net to allow it.`,
          { cause: error },
        );
      }
      throw new Error(`Cannot start LogReceiver on ${what}: ${message(error)}`, { cause: error });
    }
    socket.on("error", (error: Error) => this.#report(new Error(`UDP socket: ${error.message}`)));
    socket.on("message", (msg: Uint8Array, rinfo: RemoteInfo) => this.#queueDatagram(msg, rinfo));
    const addr = socket.address();
    this.#udpAddr = { hostname: addr.address, port: addr.port };
  }

  #releaseListeners(): void {
    try {
      this.#listener?.close();
    } catch {
      // Already closed.
    }
  }

  async #closeUdp(): Promise<void> {
    const socket = this.#udp;
    if (socket === null) return;
    this.#udp = null;
    await new Promise<void>((resolve) => {
      try {
        socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }

  #report(error: Error): void {
    try {
      this.#onError(error);
    } catch {
      // The error reporter failed: nothing more can be done.
    }
  }

  #reject(error: Error): void {
    this.#rejected++;
    this.#report(error);
  }

  async #accept(listener: Deno.Listener): Promise<void> {
    while (this.#state === "running") {
      let conn: Deno.Conn;
      try {
        conn = await listener.accept();
      } catch (error) {
        if (this.#state !== "running" || error instanceof Deno.errors.BadResource) break;
        this.#report(new Error(`Cannot accept a connection: ${message(error)}`, { cause: error }));
        // Out of file descriptors, say: give the system a moment instead of spinning.
        await new Promise((resolve) => setTimeout(resolve, 100));
        continue;
      }
      const task = this.#serve(conn);
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
    }
  }

  /** After close(): keep reading while the peer keeps sending, then close the connection. */
  #drain(c: Connection): void {
    if (c.draining) return;
    c.draining = true;
    c.drainStarted = Date.now();
    this.#armDrainTimer(c);
  }

  #armDrainTimer(c: Connection): void {
    clearTimeout(c.timer);
    const left = CLOSE_LIMIT_MS - (Date.now() - c.drainStarted);
    c.timer = setTimeout(() => {
      c.stop = true;
      if (c.reading) this.#closeConn(c);
    }, Math.max(0, Math.min(CLOSE_GRACE_MS, left)));
  }

  #closeConn(c: Connection): void {
    clearTimeout(c.timer);
    if (c.closed) return;
    c.closed = true;
    try {
      c.conn.close();
    } catch {
      // Already closed.
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const c: Connection = {
      conn,
      peer: describeAddr(conn.remoteAddr),
      reading: false,
      draining: false,
      stop: false,
      closed: false,
      drainStarted: 0,
      timer: undefined,
    };
    this.#connections.add(c);
    if (this.#state !== "running") this.#drain(c);
    const max = this.#maxFrameBytes;
    let buf = new Uint8Array(READ_CHUNK);
    let start = 0;
    let end = 0;
    let first = true;
    let acked = false;
    let count = 0;
    try {
      while (!c.stop) {
        // Room for one more read; what is buffered never exceeds one frame of at most `max`.
        if (buf.length - end < READ_CHUNK) {
          if (start > 0) {
            buf.copyWithin(0, start, end);
            end -= start;
            start = 0;
          }
          if (buf.length - end < READ_CHUNK) {
            const grown = new Uint8Array(
              Math.min(Math.max(buf.length * 2, end + READ_CHUNK), max + 4 + READ_CHUNK),
            );
            grown.set(buf.subarray(0, end));
            buf = grown;
          }
        }
        let n: number | null;
        c.reading = true;
        try {
          n = await conn.read(buf.subarray(end, end + READ_CHUNK));
        } catch (error) {
          if (c.closed || isDisconnect(error)) break;
          throw error;
        } finally {
          c.reading = false;
        }
        if (n === null) break;
        end += n;
        if (c.draining) this.#armDrainTimer(c);
        // The complete frames of this read; their signatures are checked together.
        const payloads: Uint8Array<ArrayBuffer>[] = [];
        let oversized: RejectedFrame | null = null;
        while (end - start >= 4) {
          const size = ((buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) |
            buf[start + 3]) >>> 0;
          if (size > max) {
            oversized = new RejectedFrame(
              `a frame from ${c.peer} claims ${size} bytes, more than maxFrameBytes (${max}): connection closed`,
            );
            break;
          }
          if (end - start - 4 < size) break;
          const payload = buf.subarray(start + 4, start + 4 + size);
          start += 4 + size;
          if (first) {
            first = false;
            if (sameBytes(payload, HELLO)) {
              acked = true;
              // Acks are small: send them at once.
              if (conn.remoteAddr.transport === "tcp") {
                try {
                  (conn as Deno.TcpConn).setNoDelay(true);
                } catch {
                  // Not essential.
                }
              }
              continue;
            }
          }
          payloads.push(payload);
        }
        const bodies = this.#key === null
          ? payloads
          : await Promise.all(payloads.map((p) => this.#verify(p).catch((e: Error) => e)));
        let handled = 0;
        for (const body of bodies) {
          let record: LogRecord;
          try {
            if (body instanceof Error) throw body;
            record = this.#decode(body);
          } catch (error) {
            throw new RejectedFrame(`${message(error)} (from ${c.peer}): connection closed`, {
              cause: error,
            });
          }
          count++;
          handled++;
          this.#deliver(record, c.peer);
        }
        if (start === end) {
          start = end = 0;
          // Let go of the room a large frame needed.
          if (buf.length > 4 * READ_CHUNK) buf = new Uint8Array(READ_CHUNK);
        }
        if (acked && handled > 0) {
          try {
            await writeAll(conn, u32(count));
          } catch (error) {
            if (c.closed || isDisconnect(error)) break;
            throw error;
          }
        }
        if (oversized !== null) throw oversized;
      }
    } catch (error) {
      if (error instanceof RejectedFrame) this.#reject(error);
      else {
        this.#report(
          new Error(`Connection from ${c.peer} failed: ${message(error)}`, { cause: error }),
        );
      }
    } finally {
      this.#connections.delete(c);
      this.#closeConn(c);
    }
  }

  #deliver(record: LogRecord, peer: string): void {
    this.#received++;
    try {
      this.#handle(record);
    } catch (error) {
      this.#report(
        new Error(`handle() failed for a record from ${peer}: ${message(error)}`, { cause: error }),
      );
    }
  }

  /** Checks a payload's HMAC-SHA256 and returns the body before it. */
  async #verify(payload: Uint8Array<ArrayBuffer>): Promise<Uint8Array<ArrayBuffer>> {
    if (payload.length <= MAC_BYTES) {
      throw new RejectedFrame("unsigned frame: too short to hold an HMAC-SHA256");
    }
    const body = payload.subarray(0, payload.length - MAC_BYTES);
    const mac = payload.subarray(payload.length - MAC_BYTES);
    if (!await crypto.subtle.verify("HMAC", this.#key!, mac, body)) {
      throw new RejectedFrame("unsigned or badly signed frame: HMAC-SHA256 mismatch");
    }
    return body;
  }

  /** Decodes a JSON or pickle payload (its signature already checked) and rebuilds the record. */
  #decode(body: Uint8Array): LogRecord {
    if (body.length === 0) throw new RejectedFrame("empty payload");
    let decoded: unknown;
    if (body[0] === 0x7b) {
      try {
        decoded = JSON.parse(utf8.decode(body));
      } catch (error) {
        throw new RejectedFrame(`malformed JSON payload: ${message(error)}`);
      }
    } else {
      try {
        decoded = pickleLoads(body, { maxBytes: this.#maxFrameBytes });
      } catch (error) {
        throw new RejectedFrame(`refused pickle payload: ${message(error)}`);
      }
    }
    try {
      return toRecord(decoded);
    } catch (error) {
      if (error instanceof RejectedFrame) throw error;
      throw new RejectedFrame(`cannot rebuild the record: ${message(error)}`);
    }
  }

  #queueDatagram(msg: Uint8Array, rinfo: RemoteInfo): void {
    const peer = rinfo.family === "IPv6"
      ? `[${rinfo.address}]:${rinfo.port}`
      : `${rinfo.address}:${rinfo.port}`;
    if (this.#udpQueued >= MAX_QUEUED_DATAGRAMS) {
      this.#reject(
        new RejectedFrame(`datagram from ${peer} dropped: ${MAX_QUEUED_DATAGRAMS} are waiting`),
      );
      return;
    }
    this.#udpQueued++;
    // A copy: the decoding may wait for the HMAC check.
    const bytes = new Uint8Array(msg);
    this.#udpChain = this.#udpChain.then(async () => {
      this.#udpQueued--;
      try {
        if (bytes.length < 4) {
          throw new RejectedFrame(`a datagram of ${bytes.length} bytes has no 4-byte length`);
        }
        const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
        if (size > this.#maxFrameBytes) {
          throw new RejectedFrame(
            `a datagram claims ${size} bytes, more than maxFrameBytes (${this.#maxFrameBytes})`,
          );
        }
        if (size !== bytes.length - 4) {
          throw new RejectedFrame(
            `a datagram's length says ${size} bytes but it holds ${bytes.length - 4}`,
          );
        }
        const payload = bytes.subarray(4);
        this.#deliver(
          this.#decode(this.#key === null ? payload : await this.#verify(payload)),
          peer,
        );
      } catch (error) {
        this.#reject(
          new RejectedFrame(`${message(error)} (datagram from ${peer}): dropped`, { cause: error }),
        );
      }
    });
  }
}

// ---------------------------------------------------------------------------------------------
// The command-line receiver.

const USAGE = `Usage: deno run --allow-net --allow-read --allow-write receiver.ts [options]

Receives log records from SocketHandler/DatagramHandler (ours or CPython's: pickle or JSON
frames) and writes them to a rotating log file.

Options:
  --tcp PORT          listen for TCP connections on PORT (0 picks a free port)
  --unix PATH         listen on a Unix stream socket at PATH instead of TCP
  --udp PORT          listen for datagrams on PORT (0 picks a free port)
  --host HOST         the address to listen on (default 127.0.0.1; :: or ::1 for IPv6)
  --file PATH         the log file (required)
  --max-bytes N       rotate the file when it would reach N bytes (default 0: never)
  --backups N         how many rotated files to keep (default 0)
  --key-file PATH     the shared HMAC-SHA256 key; a trailing newline is ignored
  --format FORMAT     the record format (default "%(asctime)s %(name)s %(levelname)s %(message)s")
  --max-frame-bytes N the largest frame accepted (default 4194304)
  --help              print this help

Prints "listening on ..." once bound; SIGINT and SIGTERM close gracefully and exit 0.`;

class UsageError extends Error {
  override name = "UsageError";
}

interface CliOptions {
  tcp?: number;
  unix?: string;
  udp?: number;
  host: string;
  file: string;
  maxBytes: number;
  backups: number;
  keyFile?: string;
  format: string;
  maxFrameBytes: number;
  help: boolean;
}

function parseCli(args: string[]): CliOptions {
  const out: CliOptions = {
    host: "127.0.0.1",
    file: "",
    maxBytes: 0,
    backups: 0,
    format: "%(asctime)s %(name)s %(levelname)s %(message)s",
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    help: false,
  };
  const int = (flag: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || n < min || n > max) {
      throw new UsageError(
        `${flag} must be an integer from ${min} to ${max}: current value is '${text}'`,
      );
    }
    return n;
  };
  for (let i = 0; i < args.length; i++) {
    let flag = args[i];
    let value: string | undefined;
    const eq = flag.indexOf("=");
    if (flag.startsWith("--") && eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (flag === "--help" || flag === "-h") {
      out.help = true;
      continue;
    }
    const known = [
      "--tcp",
      "--unix",
      "--udp",
      "--host",
      "--file",
      "--max-bytes",
      "--backups",
      "--key-file",
      "--format",
      "--max-frame-bytes",
    ];
    if (!known.includes(flag)) throw new UsageError(`unknown option '${flag}'`);
    if (value === undefined) {
      value = args[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
    }
    switch (flag) {
      case "--tcp":
        out.tcp = int(flag, value, 0, 65535);
        break;
      case "--udp":
        out.udp = int(flag, value, 0, 65535);
        break;
      case "--unix":
        if (value === "") throw new UsageError("--unix needs a path");
        out.unix = value;
        break;
      case "--host":
        if (value === "") throw new UsageError("--host needs an address");
        out.host = value;
        break;
      case "--file":
        out.file = value;
        break;
      case "--max-bytes":
        out.maxBytes = int(flag, value, 0, Number.MAX_SAFE_INTEGER);
        break;
      case "--backups":
        out.backups = int(flag, value, 0, 1_000_000);
        break;
      case "--key-file":
        out.keyFile = value;
        break;
      case "--format":
        out.format = value;
        break;
      case "--max-frame-bytes":
        out.maxFrameBytes = int(flag, value, 1, 2 ** 32 - 1);
        break;
    }
  }
  if (out.help) return out;
  if (out.tcp !== undefined && out.unix !== undefined) {
    throw new UsageError("--tcp and --unix cannot be used together");
  }
  if (out.tcp === undefined && out.unix === undefined && out.udp === undefined) {
    throw new UsageError("give at least one of --tcp, --unix and --udp");
  }
  if (out.file === "") throw new UsageError("--file is required");
  return out;
}

async function main(args: string[]): Promise<number> {
  let cli: CliOptions;
  try {
    cli = parseCli(args);
  } catch (error) {
    writeStderr(`receiver: ${message(error)}\nRun with --help for the options.\n`);
    return 2;
  }
  if (cli.help) {
    console.log(USAGE);
    return 0;
  }
  let key: Uint8Array | undefined;
  if (cli.keyFile !== undefined) {
    try {
      key = await Deno.readFile(cli.keyFile);
    } catch (error) {
      writeStderr(`receiver: --key-file: cannot read '${cli.keyFile}': ${message(error)}\n`);
      return 2;
    }
    let n = key.length;
    if (n > 0 && key[n - 1] === 0x0a) n--;
    if (n > 0 && key[n - 1] === 0x0d) n--;
    key = key.subarray(0, n);
    if (key.length === 0) {
      writeStderr(`receiver: --key-file: '${cli.keyFile}' is empty\n`);
      return 2;
    }
  }
  let handler: RotatingFileHandler;
  try {
    handler = new RotatingFileHandler(cli.file, {
      maxBytes: cli.maxBytes,
      backupCount: cli.backups,
    });
    handler.setFormatter(new Formatter(cli.format));
  } catch (error) {
    writeStderr(`receiver: --file/--format: ${message(error)}\n`);
    return 2;
  }
  const receiver = new LogReceiver({
    tcp: cli.unix !== undefined
      ? { path: cli.unix }
      : cli.tcp !== undefined
      ? { hostname: cli.host, port: cli.tcp }
      : undefined,
    udp: cli.udp !== undefined ? { hostname: cli.host, port: cli.udp } : undefined,
    key,
    maxFrameBytes: cli.maxFrameBytes,
    handle: (record) => handler.handle(record),
  });
  try {
    await receiver.start();
  } catch (error) {
    writeStderr(`receiver: ${message(error)}\n`);
    await handler.close();
    return 1;
  }
  const parts: string[] = [];
  const t = receiver.tcpAddr;
  if (t !== null) parts.push(t.transport === "tcp" ? `tcp ${describeAddr(t)}` : describeAddr(t));
  const u = receiver.udpAddr;
  if (u !== null) {
    parts.push(`udp ${u.hostname.includes(":") ? `[${u.hostname}]` : u.hostname}:${u.port}`);
  }
  console.log(`listening on ${parts.join(", ")}`);
  const stopped = Promise.withResolvers<void>();
  const signals: Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"];
  const stop = () => stopped.resolve();
  for (const signal of signals) Deno.addSignalListener(signal, stop);
  await stopped.promise;
  for (const signal of signals) Deno.removeSignalListener(signal, stop);
  await receiver.close();
  await handler.close();
  return 0;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
