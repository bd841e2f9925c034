/**
 * Test helpers for the log receiver: frames, HMAC signatures, a record collector, timeouts,
 * and the CPython scripts that act as real senders.
 */

import { createSocket } from "node:dgram";
import type { LogRecord } from "../../core/record.ts";
import { concat } from "./bytes.ts";

/** Rejects when `promise` has not settled within `ms` milliseconds. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** A length-prefixed frame: 4-byte big-endian length, then the payload. */
export function frame(payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, 4);
  return out;
}

/** The UTF-8 JSON payload of a record dict. */
export function jsonPayload(dict: Record<string, unknown>): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify(dict));
}

/** `body || HMAC-SHA256(key, body)`, signed with WebCrypto. */
export async function sign(key: string, body: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const k = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", k, body));
  const out = new Uint8Array(body.length + mac.length);
  out.set(body);
  out.set(mac, body.length);
  return out;
}

/** A record's merged message, or `null` when its msg and args do not fit (fuzzed records). */
export function safeMessage(record: LogRecord): string | null {
  try {
    return record.getMessage();
  } catch {
    return null;
  }
}

/** Collects handled records and lets a test wait for the n-th one. */
export class Collector {
  readonly records: LogRecord[] = [];
  #waiters: { done: () => boolean; resolve: () => void }[] = [];

  /** The `handle` option. */
  handle = (record: LogRecord): void => {
    this.records.push(record);
    for (const w of this.#waiters) if (w.done()) w.resolve();
  };

  /** Resolves once `n` records have arrived. */
  until(n: number, ms = 10_000): Promise<void> {
    return this.#wait(() => this.records.length >= n, ms, `${n} records`);
  }

  /** Resolves once a record whose merged message is `message` has arrived. */
  untilMessage(message: string, ms = 10_000): Promise<void> {
    return this.#wait(
      () => this.records.some((r) => safeMessage(r) === message),
      ms,
      `a record saying ${JSON.stringify(message)}`,
    );
  }

  #wait(done: () => boolean, ms: number, what: string): Promise<void> {
    if (done()) return Promise.resolve();
    const d = Promise.withResolvers<void>();
    const waiter = { done, resolve: d.resolve };
    this.#waiters.push(waiter);
    return within(d.promise, ms, `waiting for ${what} (have ${this.records.length} records)`)
      .finally(() => this.#waiters.splice(this.#waiters.indexOf(waiter), 1));
  }
}

/**
 * Reads until the peer closes the connection (EOF or reset) and returns what was read.
 * Fails when the connection stays open longer than `ms`.
 */
export function readUntilClosed(conn: Deno.Conn, ms = 5000): Promise<Uint8Array> {
  return within(
    (async () => {
      const parts: Uint8Array[] = [];
      const buf = new Uint8Array(4096);
      while (true) {
        let n: number | null;
        try {
          n = await conn.read(buf);
        } catch (error) {
          if (error instanceof Deno.errors.ConnectionReset) break;
          throw error;
        }
        if (n === null) break;
        parts.push(buf.slice(0, n));
      }
      return concat(parts);
    })(),
    ms,
    "the receiver to close the connection",
  );
}

/** Writes, ignoring the errors of a peer that already closed the connection. */
export async function writeQuietly(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  try {
    let n = 0;
    while (n < bytes.length) n += await conn.write(bytes.subarray(n));
  } catch (error) {
    if (
      error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe ||
      error instanceof Deno.errors.NotConnected
    ) return;
    throw error;
  }
}

/** Sends datagrams from one UDP socket of the right family, then closes it. */
export async function sendDatagrams(
  hostname: string,
  port: number,
  datagrams: Uint8Array[],
): Promise<void> {
  const socket = createSocket(hostname.includes(":") ? "udp6" : "udp4");
  try {
    for (const d of datagrams) {
      await new Promise<void>((resolve, reject) =>
        socket.send(d, port, hostname, (error) => error ? reject(error) : resolve())
      );
    }
  } finally {
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }
}

/**
 * CPython sends records through its own `SocketHandler` (`kind` "tcp" or "unix") or
 * `DatagramHandler` ("udp", or "udp6" over an AF_INET6 socket, which CPython's class does not
 * make by itself), and prints what each record looked like on its side.
 */
export const CPYTHON_SENDER = String.raw`
import json, sys, socket, logging, logging.handlers
cfg = json.load(sys.stdin)
kind = cfg["kind"]
if kind == "tcp":
    h = logging.handlers.SocketHandler(cfg["host"], cfg["port"])
elif kind == "unix":
    h = logging.handlers.SocketHandler(cfg["path"], None)
elif kind == "udp":
    h = logging.handlers.DatagramHandler(cfg["host"], cfg["port"])
else:
    class DatagramHandler6(logging.handlers.DatagramHandler):
        def makeSocket(self):
            return socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    h = DatagramHandler6(cfg["host"], cfg["port"])
seen = []
class Capture(logging.Handler):
    def emit(self, r):
        seen.append({"name": r.name, "levelno": r.levelno, "levelname": r.levelname,
                     "msg": r.getMessage(), "exc_text": r.exc_text, "created": r.created,
                     "user": r.user, "req": r.req})
log = logging.getLogger(cfg["logger"])
log.propagate = False
log.setLevel(logging.DEBUG)
log.addHandler(h)
log.addHandler(Capture())
levels = [10, 20, 30, 40, 50]
for i in range(cfg["n"]):
    extra = {"user": "ada", "req": i}
    if cfg["exc"] and i % 7 == 3:
        try:
            1 / 0
        except ZeroDivisionError:
            log.exception("request %d failed for %s", i, "ada", extra=extra)
    else:
        log.log(levels[i % 5], "record %d: %s %r", i, "h\u00e9llo \u2713", {"k": [1, 2.5]}, extra=extra)
h.close()
print(json.dumps(seen))
`;

/** CPython pickles, as hex, of a dict holding an object whose `__reduce__` runs a shell command. */
export const CPYTHON_EVIL = String.raw`
import json, sys, os, pickle
cfg = json.load(sys.stdin)
class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + cfg["marker"],))
print(json.dumps([pickle.dumps({"name": "evil", "msg": Evil(), "levelno": 40}, p).hex()
                  for p in range(6)]))
`;

/** Valid payloads as hex: makePickle of a few records, and one record dict at protocols 0-5. */
export const CPYTHON_SEEDS = String.raw`
import json, sys, logging, logging.handlers, pickle
h = logging.handlers.SocketHandler("localhost", 1)
out = []
for i in range(3):
    r = logging.LogRecord("cpy.seed", 30, "/srv/x.py", i, "seed %d", (i,), None)
    out.append(h.makePickle(r)[4:].hex())
d = dict(r.__dict__)
d["msg"] = r.getMessage()
d["args"] = None
for p in range(6):
    out.append(pickle.dumps(d, p).hex())
print(json.dumps(out))
`;
