/**
 * Connections for the network handlers: TCP, TLS and Unix stream sockets through Deno's API,
 * UDP through `node:dgram` (Deno's own datagram API still needs `--unstable-net`).
 *
 * @module
 */

import { createSocket, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { isIP } from "node:net";
import { isPermissionDenial } from "./io.ts";
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

/**
 * Rewrites a failed connection as an error that says what to do: for a denied permission, the
 * flag to add.
 *
 * @param error The error from `Deno.connect` and the like.
 * @param where The address, `host:port` or a socket path.
 * @returns An error of the same name whose `cause` is the original.
 */
export function explainNetError(error: unknown, where: string): Error {
  const reason = error instanceof Error ? error.message : String(error);
  const flags = where.startsWith("/") || where.startsWith(".")
    ? `--allow-read=${where} --allow-write=${where}`
    : `--allow-net=${where}`;
  const e = isPermissionDenial(error)
    ? new Error(
      `Cannot connect to ${where}: access is not granted. Run Deno with ${flags} to allow it.`,
      { cause: error },
    )
    : new Error(`Cannot connect to ${where}: ${reason}`, { cause: error });
  if (error instanceof Error) e.name = error.name;
  return e;
}

/**
 * Opens a TCP, TLS or Unix stream connection, failing after `timeoutMs`.
 *
 * Requires `--allow-net` for the host (or `--allow-read`/`--allow-write` for a Unix socket).
 *
 * @param target The address.
 * @param timeoutMs How long to wait for the connection.
 * @returns The connection.
 * @throws {Error} When it cannot connect in time, naming the address (and the flag to add).
 *
 * @example
 * ```ts
 * import { connectStream } from "./transport.ts";
 * const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
 * const conn = await connectStream({ hostname: "127.0.0.1", port: listener.addr.port });
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
 * import { writeAll } from "./transport.ts";
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
 * import { readWithin } from "./transport.ts";
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

/**
 * Sends UDP datagrams to one address through `node:dgram`, as an IPv4 or IPv6 socket by the
 * address's family (a host name is looked up once). The socket keeps no program alive.
 *
 * Requires `--allow-net` for the host.
 *
 * @example
 * ```ts
 * import { UdpSender } from "./transport.ts";
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
  #socket: Promise<{ socket: Socket; address: string }> | null = null;

  /**
   * Prepares the sender; the socket is made on the first `send`.
   *
   * @param hostname A host name, IPv4 or IPv6 address.
   * @param port The UDP port.
   */
  constructor(hostname: string, port: number) {
    this.hostname = hostname;
    this.port = port;
  }

  async #open(): Promise<{ socket: Socket; address: string }> {
    let address = this.hostname;
    let family = isIP(address);
    if (family === 0) {
      try {
        const found = await lookup(address);
        address = found.address;
        family = found.family;
      } catch (error) {
        throw explainNetError(error, `${this.hostname}:${this.port}`);
      }
    }
    const socket = createSocket(family === 6 ? "udp6" : "udp4");
    socket.unref(); // before binding: Deno's receive loop starts with the bind
    socket.on("error", () => {}); // errors surface through send's callback
    // Bind the local end explicitly, so that a refusal is an error here and not an uncaught
    // one inside node:dgram's implicit bind on the first send.
    const local = family === 6 ? "::" : "0.0.0.0";
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once("error", reject);
        socket.bind({ port: 0, address: local }, () => {
          socket.off("error", reject);
          resolve();
        });
      });
    } catch (error) {
      try {
        socket.close();
      } catch {
        // not open
      }
      const e = explainNetError(error, `${this.hostname}:${this.port}`);
      if (isPermissionDenial(error)) {
        e.message = `Cannot send UDP to ${this.hostname}:${this.port}: a UDP socket binds a ` +
          `local address first. Run Deno with --allow-net=${
            family === 6 ? "[::]" : "0.0.0.0"
          },${this.hostname}:${this.port} to allow it.`;
      }
      throw e;
    }
    return { socket, address };
  }

  /**
   * Sends one datagram.
   *
   * @param bytes The datagram's bytes.
   * @returns A promise that resolves when the datagram is handed to the operating system.
   * @throws {Error} When it cannot be sent, naming the address (and the flag to add).
   */
  async send(bytes: Uint8Array): Promise<void> {
    this.#socket ??= this.#open();
    let opened;
    try {
      opened = await this.#socket;
    } catch (error) {
      this.#socket = null;
      throw error;
    }
    const { socket, address } = opened;
    await new Promise<void>((resolve, reject) => {
      socket.send(bytes, this.port, address, (error) => {
        if (error) reject(explainNetError(error, `${this.hostname}:${this.port}`));
        else resolve();
      });
    });
  }

  /** Closes the socket; a later `send` opens a new one. */
  close(): void {
    const socket = this.#socket;
    this.#socket = null;
    socket?.then(({ socket }) => socket.close(), () => {});
  }
}

/** A sender of Unix datagrams, where the runtime has them. */
export interface UnixDatagramSender {
  /** Sends one datagram to the socket path. */
  send(bytes: Uint8Array): Promise<void>;
  /** Closes the sending socket. */
  close(): void;
}

/**
 * A sender of datagrams to a Unix datagram socket (such as `/dev/log`), when the runtime
 * allows it: Deno's `listenDatagram` with `transport: "unixpacket"` exists only under
 * `--unstable-net`.
 *
 * @param path The socket path.
 * @returns The sender, or `null` when the runtime cannot send Unix datagrams.
 *
 * @example
 * ```ts
 * import { unixDatagramSender } from "./transport.ts";
 * // null unless Deno runs with --unstable-net
 * const sender = unixDatagramSender("/dev/log");
 * sender?.close();
 * ```
 */
export function unixDatagramSender(path: string): UnixDatagramSender | null {
  const listen = (Deno as unknown as {
    listenDatagram?: (o: { transport: "unixpacket"; path: string }) => {
      send(p: Uint8Array, a: { transport: "unixpacket"; path: string }): Promise<number>;
      close(): void;
    };
  }).listenDatagram;
  if (typeof listen !== "function") return null;
  const local = `${Deno.makeTempDirSync()}/send.sock`;
  let conn;
  try {
    conn = listen({ transport: "unixpacket", path: local });
  } catch {
    return null;
  }
  return {
    async send(bytes: Uint8Array): Promise<void> {
      await conn.send(bytes, { transport: "unixpacket", path });
    },
    close(): void {
      conn.close();
      try {
        Deno.removeSync(local.slice(0, local.lastIndexOf("/")), { recursive: true });
      } catch {
        // already gone
      }
    },
  };
}

/**
 * Joins byte arrays into one (the array itself when there is one).
 *
 * @param parts The arrays, in order.
 * @returns Their bytes, one after another.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./transport.ts";
 * console.assert(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]).join() === "1,2,3");
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
