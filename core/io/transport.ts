/**
 * Connections for the network handlers: TCP, TLS and Unix stream sockets through Deno's API,
 * UDP through `node:dgram` (Deno's own datagram API still needs `--unstable-net`), paced so that
 * a burst does not overrun the receiver, and Unix datagrams where the runtime has them.
 *
 * @module
 */

import { createSocket, type Socket } from "node:dgram";
import { lookup, type LookupOneOptions } from "node:dns";
import { isIP } from "node:net";
import { deniedAccess, isPermissionDenial, permissionDenied, permissionGranted } from "./files.ts";
import { checkOption, number } from "../text/options.ts";
import { setUnrefTimeout, type TimerId } from "./timer.ts";

/** A timer this late (ms) means the event loop was blocked while it ran. */
const LATE_TIMER_MS = 50;

/** Where a stream connection goes: a host and port (optionally over TLS), or a Unix socket. */
export type StreamTarget =
  | { hostname: string; port: number; tls?: { caCerts?: string[]; serverName?: string } }
  | { path: string };

function describe(target: StreamTarget): string {
  return "path" in target ? target.path : `${target.hostname}:${target.port}`;
}

/** `path` made absolute, as `--allow-net=unix:<path>` wants it (as given when the cwd is unknown). */
function absolutePath(path: string): string {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  try {
    return `${Deno.cwd().replace(/[\\/]$/, "")}/${path.replace(/^\.\//, "")}`;
  } catch {
    return path;
  }
}

/**
 * The flags that let Deno use a Unix socket: Deno 2.9 checks `--allow-net=unix:<path>` as well
 * as file access to the path (read and write to connect a stream, write to send a datagram).
 *
 * @param path The socket path.
 * @param datagram Whether datagrams are sent to it (rather than a stream connected).
 * @returns The flags, e.g. `--allow-read=/dev/log --allow-write=/dev/log --allow-net=unix:/dev/log`.
 */
export function unixSocketFlags(path: string, datagram = false): string {
  const p = absolutePath(path);
  return `${datagram ? "" : `--allow-read=${p} `}--allow-write=${p} --allow-net=unix:${p}`;
}

/**
 * Rewrites a failed connection as an error that says what to do: for a denied permission, the
 * flags to add (for a Unix socket path, file access and `--allow-net=unix:<path>`).
 *
 * @param error The error from `Deno.connect` and the like.
 * @param where The address, `host:port` or a socket path.
 * @returns An error whose `cause` is the original: for a denial, one from
 * `permissionDenied` (`io.ts`); otherwise one of the same name.
 *
 * @example
 * ```ts
 * import { explainNetError } from "@x/loghandlers/extend";
 * const e = explainNetError(new Deno.errors.NotCapable('Requires net access to "unix:/run/app.sock"'), "/run/app.sock");
 * console.assert(e.message.endsWith(
 *   "Run Deno with --allow-read=/run/app.sock --allow-write=/run/app.sock --allow-net=unix:/run/app.sock to allow it.",
 * ));
 * ```
 */
export function explainNetError(error: unknown, where: string): Error {
  const reason = error instanceof Error ? error.message : String(error);
  if (isPermissionDenial(error)) {
    const path = where.startsWith("/") || where.startsWith(".");
    const flags = path ? unixSocketFlags(where) : `--allow-net=${where}`;
    return permissionDenied(
      `Cannot connect to ${where}: ${(deniedAccess(error)?.access ??
        "net")} access is not granted. ` +
        `Run Deno with ${flags} to allow it.`,
      error,
    );
  }
  const e = new Error(`Cannot connect to ${where}: ${reason}`, { cause: error });
  if (error instanceof Error) e.name = error.name;
  return e;
}

/**
 * Opens a TCP, TLS or Unix stream connection, failing after `timeoutMs`.
 *
 * Requires `--allow-net` for the host; for a Unix socket, `--allow-read`, `--allow-write` and
 * `--allow-net=unix:<path>` for its path.
 *
 * @param target The address.
 * @param timeoutMs How long to wait for the connection.
 * @returns The connection.
 * @throws {Error} When it cannot connect in time, naming the address (and the flag to add).
 *
 * @example
 * ```ts
 * import { connectStream } from "@x/loghandlers/extend";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await connectStream({ hostname: "127.0.0.1", port: listener.addr.port });
 * console.assert((conn.remoteAddr as Deno.NetAddr).port === listener.addr.port);
 * (await listener.accept()).close();
 * conn.close();
 * listener.close();
 * ```
 */
export async function connectStream(target: StreamTarget, timeoutMs = 5000): Promise<Deno.Conn> {
  const where = describe(target);
  const attempt: Promise<Deno.Conn> = "path" in target
    ? Deno.connect({ transport: "unix", path: target.path })
    : target.tls
    ? Deno.connectTls({
      hostname: target.tls.serverName ?? target.hostname,
      port: target.port,
      caCerts: target.tls.caCerts,
    })
    : Deno.connect({ hostname: target.hostname, port: target.port });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    let due = Date.now() + timeoutMs;
    let extended = false;
    const expire = () => {
      // A timer that fires late means the program was busy (a burst of logging calls, say),
      // and the connection had no chance to progress meanwhile: it gets its time once more.
      if (!extended && Date.now() - due > LATE_TIMER_MS) {
        extended = true;
        due = Date.now() + timeoutMs;
        timer = setTimeout(expire, timeoutMs);
        return;
      }
      reject(new Error(`Cannot connect to ${where}: no answer within ${timeoutMs} ms`));
    };
    timer = setTimeout(expire, timeoutMs);
  });
  try {
    return await Promise.race([attempt, timeout]);
  } catch (error) {
    // A connection that arrives after the timeout is closed at once.
    attempt.then((conn) => conn.close(), () => {});
    if (error instanceof Error && error.message.includes("no answer within")) throw error;
    throw explainNetError(error, where);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Writes all of `bytes` to `conn`, looping over partial writes. With `stallMs`, a peer that
 * takes nothing for that long (it accepted the connection but does not read, so the socket's
 * buffers are full) fails the write: the connection is closed and the error says so. Without
 * it such a write would wait forever, and keep a finished program alive.
 *
 * @param conn The connection.
 * @param bytes The bytes.
 * @param stallMs The longest a single write may take nothing, in ms; `0` waits forever.
 * @returns A promise that resolves when every byte was written.
 * @throws {Error} When the write fails; its `written` property says how many bytes went out
 * before.
 *
 * @example
 * ```ts
 * import { writeAll } from "@x/loghandlers/extend";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const peer = await listener.accept(); // it never reads
 * const started = Date.now();
 * const error = await writeAll(conn, new Uint8Array(64 << 20), 200).catch((e) => e);
 * console.assert(error.message.includes("took no data for 200 ms") && error.written > 0);
 * console.assert(Date.now() - started < 5000);
 * peer.close();
 * listener.close();
 * ```
 */
export async function writeAll(conn: Deno.Conn, bytes: Uint8Array, stallMs = 0): Promise<void> {
  let n = 0;
  let timer: TimerId | undefined;
  let stalled = false;
  try {
    while (n < bytes.length) {
      if (stallMs > 0) {
        timer = setUnrefTimeout(() => {
          stalled = true;
          try {
            conn.close();
          } catch {
            // already closed
          }
        }, stallMs);
      }
      n += await conn.write(bytes.subarray(n));
      clearTimeout(timer);
    }
  } catch (error) {
    clearTimeout(timer);
    const e = stalled
      ? new Error(
        `The peer took no data for ${stallMs} ms (it does not read what is sent): the ` +
          `connection was closed`,
        { cause: error },
      )
      : error instanceof Error
      ? error
      : new Error(String(error));
    throw Object.assign(e, { written: n });
  }
}

/**
 * Reads from `conn` into `buffer`, failing when nothing arrives within `stallMs` (the
 * connection is then closed).
 *
 * @param conn The connection.
 * @param buffer Where the bytes go.
 * @param stallMs How long to wait for data, in ms; `0` waits forever.
 * @returns The number of bytes read, or `null` at the end of the stream.
 * @throws {Error} When nothing arrived in time, or the read fails.
 *
 * @example
 * ```ts
 * import { readWithin } from "@x/loghandlers/extend";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
 * const peer = await listener.accept(); // it never writes
 * const error = await readWithin(conn, new Uint8Array(4), 100).catch((e) => e);
 * console.assert(error.message.includes("sent nothing for 100 ms"));
 * peer.close();
 * listener.close();
 * ```
 */
export async function readWithin(
  conn: Deno.Conn,
  buffer: Uint8Array,
  stallMs: number,
): Promise<number | null> {
  let stalled = false;
  const timer = stallMs > 0
    ? setUnrefTimeout(() => {
      stalled = true;
      try {
        conn.close();
      } catch {
        // already closed
      }
    }, stallMs)
    : undefined;
  try {
    return await conn.read(buffer);
  } catch (error) {
    if (!stalled) throw error;
    throw new Error(
      `The peer sent nothing for ${stallMs} ms (it does not answer): the connection was closed`,
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

/** The default of {@linkcode UdpSenderOptions.sendRate}: datagrams per second. */
const DEFAULT_SEND_RATE = 20_000;

/**
 * The most datagrams (counted in KiB, as for the rate) sent back to back before the pacing waits
 * for the rate to allow more: well within a receiver's socket buffer (Linux's default holds
 * about 150 small datagrams).
 */
const SEND_BURST = 32;

/**
 * The outbox bounds of the UDP handlers by default, larger than other handlers': a burst waits
 * in the outbox while the pacing sends it (100,000 records take 5 s at the default rate).
 */
export const DATAGRAM_OUTBOX_DEFAULTS: Readonly<{ maxRecords: number; maxBytes: number }> = Object
  .freeze({ maxRecords: 100_000, maxBytes: 64 * 1024 * 1024 });

/** Options of {@linkcode UdpSender}. */
export interface UdpSenderOptions {
  /**
   * Pacing: the most datagrams sent per second, a datagram longer than 1 KiB counting once per
   * KiB begun, at most 32 of them back to back. UDP has no flow control: a receiver that reads
   * slower than datagrams arrive loses those its socket buffer cannot hold, and a burst sent
   * back to back loses more than one sent as it was logged. The default keeps below the rate
   * at which CPython's `DatagramHandler` sends from a tight logging loop, so a receiver that
   * keeps up with CPython keeps up with this. `Infinity` sends back to back.
   *
   * @default {20000}
   */
  sendRate?: number;
}

const SEND_RATE_RULE = number(0, true, "datagrams per second");

/**
 * Checks a `sendRate` option.
 *
 * @param owner The class name, for the error.
 * @param sendRate The value.
 * @returns The rate (the default when `undefined`).
 * @throws {TypeError} When it is not a number.
 * @throws {RangeError} When it is not > 0.
 */
export function checkSendRate(owner: string, sendRate: number | undefined): number {
  checkOption(owner, "sendRate", sendRate, SEND_RATE_RULE);
  return sendRate ?? DEFAULT_SEND_RATE;
}

/** `host:port` as Deno's `--allow-net` writes it (`[::1]:514` for IPv6). */
function netDescriptor(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** Whether `--allow-net` covers `host:port` (no prompt is shown). */
function netGranted(descriptor: string): boolean {
  return permissionGranted({ name: "net", host: descriptor }) === true;
}

/** An address of the loopback interface, which a socket bound to the loopback can reach. */
function isLoopback(address: string): boolean {
  return address.startsWith("127.") || address === "::1";
}

/**
 * Looks a host name up once. Given the port, Deno checks `--allow-net=<name>:<port>` (without
 * it, the name on every port).
 */
function lookupName(hostname: string, port: number): Promise<{ address: string; family: number }> {
  return new Promise((resolve, reject) => {
    try {
      lookup(hostname, { port } as LookupOneOptions, (error, address, family) => {
        if (error) reject(error);
        else resolve({ address, family });
      });
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * `node:dgram`'s address lookup, made synchronous: the address is resolved already (or it is a
 * name that Deno resolves when sending). With node:dgram's own lookup, a bind runs on a later
 * tick, where a denied permission is an uncaught error; with this one `bind()` throws it to its
 * caller, and `send()` starts the system call at once.
 */
function resolvedAs(family: number) {
  return (
    address: string,
    _options: unknown,
    callback: (error: Error | null, address: string, family: number) => void,
  ): void => callback(null, address, family);
}

interface OpenSocket {
  socket: Socket;
  /** What each datagram is sent to: the address, or the name when only the name is allowed. */
  target: string;
  /** The `--allow-net` value that allows both ends. */
  allow: string;
}

function closeQuietly(socket: Socket): void {
  try {
    socket.close();
  } catch {
    // not open
  }
}

/**
 * Sends UDP datagrams to one address through `node:dgram`, as an IPv4 or IPv6 socket by the
 * address's family (a host name is looked up once), paced by `sendRate`. The socket keeps no
 * program alive.
 *
 * Requires `--allow-net` for the host and port, and for the local end of the socket: the
 * loopback address with port 0 (`127.0.0.1:0`, `[::1]:0`) when the host is on the loopback,
 * else the wildcard address (`0.0.0.0:0`, `[::]:0`). A host name is looked up with
 * `--allow-net=<name>:<port>`; each datagram then goes to the address it resolved to when
 * `--allow-net` allows that address, else to the name (Deno resolves it again at each send).
 * A denial is an error from `permissionDenied` (`io.ts`) that names the flags to add.
 *
 * @example
 * ```ts
 * import { UdpSender } from "@x/loghandlers/extend";
 * import { createSocket } from "node:dgram";
 * const server = createSocket("udp4");
 * await new Promise<void>((r) => server.bind(0, "127.0.0.1", r));
 * const got = new Promise<string>((r) => server.once("message", (m) => r(String(m))));
 * const sender = new UdpSender("127.0.0.1", server.address().port);
 * await sender.send(new TextEncoder().encode("hello"));
 * console.assert(await got === "hello");
 * sender.close();
 * server.close();
 * ```
 */
export class UdpSender {
  /** The host as given. */
  readonly hostname: string;
  /** The port. */
  readonly port: number;
  /** The most datagrams per second (see {@linkcode UdpSenderOptions.sendRate}). */
  readonly sendRate: number;
  #opening: Promise<OpenSocket> | null = null;
  #open: OpenSocket | null = null;
  #inFlight = 0;
  #idle: (() => void)[] = [];
  /** The token bucket of the pacing: tokens (KiB-datagrams) and when it was last refilled. */
  #tokens = SEND_BURST;
  #refilledAt = 0;
  #perMs: number;

  /**
   * Prepares the sender; the socket is made on the first `send`.
   *
   * @param hostname A host name, IPv4 or IPv6 address.
   * @param port The UDP port.
   * @param options See {@linkcode UdpSenderOptions}.
   * @throws {RangeError} For a `sendRate` that is not a number > 0.
   */
  constructor(hostname: string, port: number, options: UdpSenderOptions = {}) {
    this.hostname = hostname;
    this.port = port;
    this.sendRate = checkSendRate("UdpSender", options.sendRate);
    this.#perMs = this.sendRate / 1000;
  }

  /**
   * Sends one datagram, opening the socket first if needed and waiting as long as the pacing
   * asks.
   *
   * @param bytes The datagram's bytes.
   * @returns A promise that resolves when the datagram is handed to the operating system.
   * @throws {Error} When it cannot be sent, naming the address (and the flags to add).
   */
  async send(bytes: Uint8Array): Promise<void> {
    const open = this.#open ?? await this.#openSocket();
    while (!this.#take(bytes.length)) {
      await new Promise((resolve) => setTimeout(resolve, this.#shortfallMs(bytes.length)));
    }
    this.#inFlight++;
    try {
      await new Promise<void>((resolve, reject) => {
        open.socket.send(
          bytes,
          this.port,
          open.target,
          (error) => error ? reject(error) : resolve(),
        );
      });
    } catch (error) {
      throw this.#explainSend(error, open);
    } finally {
      if (--this.#inFlight === 0) {
        const waiting = this.#idle;
        this.#idle = [];
        for (const wake of waiting) wake();
      }
    }
  }

  /** Waits until no datagram is in flight. */
  #whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Closes the socket once the datagram in flight is sent; a later `send` opens a new one. */
  close(): void {
    const opening = this.#opening;
    this.#opening = null;
    this.#open = null;
    opening?.then(({ socket }) => this.#whenIdle().then(() => closeQuietly(socket)), () => {});
  }

  /** KiB-datagrams of a datagram of `length` bytes. */
  #cost(length: number): number {
    return length <= 1024 ? 1 : Math.ceil(length / 1024);
  }

  /** Takes the tokens for a datagram, or says that it must wait. */
  #take(length: number): boolean {
    if (this.#perMs === Infinity) return true;
    const cost = this.#cost(length);
    const now = performance.now();
    const tokens = Math.min(SEND_BURST, this.#tokens + (now - this.#refilledAt) * this.#perMs);
    this.#refilledAt = now;
    // A datagram dearer than the whole bucket goes when the bucket is full, and empties it for
    // longer.
    if (tokens < Math.min(cost, SEND_BURST)) {
      this.#tokens = tokens;
      return false;
    }
    this.#tokens = tokens - cost;
    return true;
  }

  /** How long until the bucket holds what a datagram of `length` bytes needs, in ms. */
  #shortfallMs(length: number): number {
    const missing = Math.min(this.#cost(length), SEND_BURST) - this.#tokens;
    return Math.max(1, Math.ceil(missing / this.#perMs));
  }

  /**
   * A failed send as an error that says what to do. Deno reports a denied send as `send
   * UNKNOWN`: when the destination is not granted, that is what it was.
   */
  #explainSend(error: unknown, open: OpenSocket): Error {
    const where = netDescriptor(this.hostname, this.port);
    const target = netDescriptor(open.target, this.port);
    if (isPermissionDenial(error) || !netGranted(target)) {
      return permissionDenied(
        `Cannot send UDP to ${where}: net access to ${target} is not granted. ` +
          `Run Deno with --allow-net=${open.allow} to allow it.`,
        error,
      );
    }
    const reason = error instanceof Error ? error.message : String(error);
    return new Error(`Cannot send UDP to ${where}: ${reason}`, { cause: error });
  }

  #openSocket(): Promise<OpenSocket> {
    const opening = this.#opening ??= this.#makeSocket();
    opening.then((open) => {
      if (this.#opening === opening) this.#open = open;
    }, () => {
      if (this.#opening === opening) this.#opening = null;
    });
    return opening;
  }

  async #makeSocket(): Promise<OpenSocket> {
    const port = this.port;
    const where = netDescriptor(this.hostname, port);
    let address = this.hostname;
    let family = isIP(address);
    let target = address;
    if (family === 0) {
      try {
        ({ address, family } = await lookupName(this.hostname, port));
      } catch (error) {
        if (isPermissionDenial(error) || (error as { code?: unknown }).code === "EPERM") {
          const local = this.hostname === "localhost" ? "127.0.0.1:0" : "0.0.0.0:0";
          throw permissionDenied(
            `Cannot send UDP to ${where}: net access to ${where} is not granted (to look the ` +
              `name up). Run Deno with --allow-net=${where},${local} to allow it.`,
            error,
          );
        }
        const reason = error instanceof Error ? error.message : String(error);
        throw new Error(`Cannot send UDP to ${where}: ${reason}`, { cause: error });
      }
      // To the address when Deno allows it; else to the name, which Deno resolves at each send.
      target = netGranted(netDescriptor(address, port)) ? address : this.hostname;
    }
    // The local end: the loopback when the destination is there (narrower than the wildcard),
    // else the wildcard; whichever --allow-net grants, the narrower first.
    const any = family === 6 ? "::" : "0.0.0.0";
    const candidates = isLoopback(address) ? [family === 6 ? "::1" : "127.0.0.1", any] : [any];
    const local = candidates.find((a) => netGranted(netDescriptor(a, 0))) ?? candidates[0];
    const allow = `${netDescriptor(target, port)},${netDescriptor(local, 0)}`;
    const socket = createSocket({
      type: family === 6 ? "udp6" : "udp4",
      lookup: resolvedAs(family),
      // Nothing is read here, yet Deno reads what arrives (a socketserver receiver answers each
      // datagram with an empty one) into a new buffer of this size each time: keep it tiny.
      recvBufferSize: 1,
    });
    socket.unref(); // before binding: Deno's receive loop starts with the bind
    socket.on("error", () => {}); // errors surface through send's callback
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        // With the synchronous lookup, a refused bind throws here, into this promise.
        socket.bind({ port: 0, address: local }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      closeQuietly(socket);
      if (isPermissionDenial(error)) {
        throw permissionDenied(
          `Cannot send UDP to ${where}: net access to ${netDescriptor(local, 0)} is not granted ` +
            `(a UDP socket binds a local address before it sends). Run Deno with ` +
            `--allow-net=${allow} to allow it.`,
          error,
        );
      }
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`Cannot send UDP to ${where}: ${reason}`, { cause: error });
    }
    return { socket, target, allow };
  }
}

/** A sender of Unix datagrams, where the runtime has them. */
export interface UnixDatagramSender {
  /** Sends one datagram to the socket path. */
  send(bytes: Uint8Array): Promise<void>;
  /** Closes the sending socket. */
  close(): void;
}

type UnixPacketAddr = { transport: "unixpacket"; path?: string };

/**
 * A sender of datagrams to a Unix datagram socket (such as `/dev/log`), when the runtime
 * allows it: Deno's `listenDatagram` exists only under `--unstable-net`. Its socket is unbound
 * (it makes no file), so sending needs only `--allow-write=<path> --allow-net=unix:<path>`; a
 * denial is an error from `permissionDenied` (`io.ts`) that names them.
 *
 * @param path The socket path.
 * @returns The sender, or `null` when the runtime cannot send Unix datagrams.
 */
export function unixDatagramSender(path: string): UnixDatagramSender | null {
  const listen = (Deno as unknown as {
    listenDatagram?: (o: UnixPacketAddr) => {
      send(p: Uint8Array, a: UnixPacketAddr): Promise<number>;
      close(): void;
    };
  }).listenDatagram;
  if (typeof listen !== "function") return null;
  const conn = listen({ transport: "unixpacket" });
  return {
    async send(bytes: Uint8Array): Promise<void> {
      try {
        await conn.send(bytes, { transport: "unixpacket", path });
      } catch (error) {
        if (isPermissionDenial(error)) {
          throw permissionDenied(
            `Cannot send to the Unix datagram socket '${path}': ${(deniedAccess(error)?.access ??
              "net")} access ` +
              `is not granted. Run Deno with ${unixSocketFlags(path, true)} to allow it.`,
            error,
          );
        }
        const reason = error instanceof Error ? error.message : String(error);
        const e = new Error(`Cannot send to the Unix datagram socket '${path}': ${reason}`, {
          cause: error,
        });
        if (error instanceof Error) e.name = error.name;
        throw e;
      }
    },
    close(): void {
      try {
        conn.close();
      } catch {
        // already closed
      }
    },
  };
}
