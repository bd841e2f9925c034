/**
 * `LogReceiver`: the receiving end of `SocketHandler` and `DatagramHandler`, ours and CPython's.
 * Python's logging cookbook builds it from `socketserver`, `pickle.loads` and
 * `logging.makeLogRecord`; this one never executes anything from the wire: pickles are read
 * with a safe subset that calls nothing, frames are bounded, and an optional shared key
 * (HMAC-SHA256) rejects records from anyone else. What a peer can make it spend is bounded too:
 * the values, depth, text and int width of each frame, the connections, the bytes buffered
 * across them, and the time a frame may take to arrive.
 *
 * This is the `@x/loghandlers/receiver` entry point. `LogReceiver` requires `--allow-net` for the
 * addresses it listens on (for a Unix socket, file access and `--allow-net=unix:<path>`).
 *
 * Run as a program, it writes every record it receives to a rotating file (which also needs
 * `--allow-read` and `--allow-write` for its folder):
 *
 * ```sh
 * deno run --allow-net=127.0.0.1:9020,127.0.0.1:9021 --allow-read=logs --allow-write=logs \
 *   jsr:@x/loghandlers/receiver --tcp 9020 --udp 9021 --file logs/central.log
 * ```
 *
 * @module
 */

import { createSocket, type RemoteInfo, type Socket as UdpSocket } from "node:dgram";
import { Formatter } from "./core/formatter.ts";
import { writeStderr } from "./core/handler.ts";
import {
  fileAccessGranted,
  isPermissionDenial,
  permissionDenied,
  permissionGranted,
  toAbsolutePath,
} from "./core/io/files.ts";
import { getLevelName } from "./core/levels.ts";
import { any, checkOptions, func, object, type OptionRules } from "./core/text/options.ts";
import { getLogger } from "./core/logger.ts";
import { pickleLoads, UnpicklingError } from "./core/wire/pickle.ts";
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
   * The most values one frame may produce: the record dict, each of its keys and values, and
   * every key, value and item nested in them. A value that a pickle shares through its memo
   * (a list holding the same list twice, say) counts once per reference, as the copy the
   * record gets holds it: a few hundred bytes of shared references that would expand to 2^60
   * values are refused after at most this many steps. Decoding stops at the same count, so
   * a frame of a million tiny keys is refused early too.
   *
   * @default {100000}
   */
  maxValues?: number;
  /**
   * How deep lists and dicts may nest in a frame, the record dict itself counting as 1.
   * An integer from 1 to 1000.
   *
   * @default {100}
   */
  maxDepth?: number;
  /**
   * The most text one frame may produce: the lengths of all its strings (dict keys included),
   * bytes values and the digits of its big ints added up, a value shared through the pickle
   * memo counted once per reference. A frame without shared references holds no more text
   * than its own size (give or take the digits of its ints), so the default refuses only
   * frames that would expand.
   *
   * @default {maxFrameBytes}
   */
  maxTextLength?: number;
  /**
   * The widest int a pickle may carry, in decimal digits: wider ones are refused before they
   * are converted (CPython's `sys.int_max_str_digits`: CPython itself cannot print them, and
   * converting a 4 MB int costs seconds). An integer of at least 640, or `Infinity`.
   *
   * @default {4300}
   */
  maxIntDigits?: number;
  /**
   * The most stream connections open at once. A connection over the limit is closed as soon
   * as it is accepted and counted; the connections already open are served on.
   *
   * @default {1024}
   */
  maxConnections?: number;
  /**
   * The most bytes held at once in the read buffers of all connections and in datagrams
   * waiting for their turn. A connection starts with 4 KiB and grows to 64 KiB while it
   * streams; a frame larger than that gets a buffer that grows with what arrives (doubling, up
   * to the frame's size, so a length prefix alone holds nothing), and such large buffers
   * together may take at most half of this, so that senders of ordinary records always find
   * room. A connection whose frame finds no room is closed, and a datagram that finds none is
   * dropped, both counted. At least twice `maxFrameBytes + 4`.
   *
   * @default {67108864, or 2 × (maxFrameBytes + 4) when that is more}
   */
  maxBufferedBytes?: number;
  /**
   * The longest a frame may take to arrive, in milliseconds: from its first byte (for a
   * connection's first frame, from the moment it connected) to its last. A connection that
   * takes longer (a slowloris sending a byte now and then, or one that connects and sends
   * nothing) is closed and counted. `0` never times out.
   *
   * @default {30000}
   */
  frameTimeout?: number;
  /**
   * The longest a connection may stay quiet between two frames, in milliseconds, before it is
   * closed and counted. `0` (the default) never closes a quiet connection: CPython's
   * `SocketHandler` loses the next record or two sent on a connection that the receiver closed.
   *
   * @default {0}
   */
  idleTimeout?: number;
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

/**
 * What {@linkcode LogReceiver} refused, by the check that refused it: each count is a frame,
 * a datagram or a connection. {@linkcode LogReceiver.rejected} is their sum.
 */
export interface LogReceiverRejections {
  /** Frames and datagrams that are not a record: a malformed or refused pickle, bad JSON, not a dict. */
  malformed: number;
  /** Frames and datagrams without a valid HMAC-SHA256 (only with `key`). */
  unsigned: number;
  /** Frames and datagrams whose length prefix claims more than `maxFrameBytes`. */
  maxFrameBytes: number;
  /** Frames that would produce more than `maxValues` values. */
  maxValues: number;
  /** Frames nested deeper than `maxDepth`. */
  maxDepth: number;
  /** Frames that would produce more than `maxTextLength` of text. */
  maxTextLength: number;
  /** Frames carrying an int wider than `maxIntDigits`. */
  maxIntDigits: number;
  /** Connections closed on arrival because `maxConnections` were open. */
  maxConnections: number;
  /** Connections closed and datagrams dropped because `maxBufferedBytes` were in use. */
  maxBufferedBytes: number;
  /** Datagrams dropped because 1024 were already waiting. */
  datagramQueue: number;
  /** Connections closed because a frame took longer than `frameTimeout`. */
  frameTimeout: number;
  /** Connections closed after `idleTimeout` without a frame. */
  idleTimeout: number;
}

/** The check that refused something: a key of {@linkcode LogReceiverRejections}. */
type Reason = keyof LogReceiverRejections;

/** Keys and types; the values' ranges are checked in the constructor, with their words. */
const RECEIVER_RULES: OptionRules = {
  tcp: object("{ hostname?, port } or { path }"),
  udp: object("{ hostname?, port }"),
  key: any(),
  maxFrameBytes: any(),
  maxValues: any(),
  maxDepth: any(),
  maxTextLength: any(),
  maxIntDigits: any(),
  maxConnections: any(),
  maxBufferedBytes: any(),
  frameTimeout: any(),
  idleTimeout: any(),
  handle: func(),
  onError: func(),
};

/** The hello that asks for acknowledgements; the first frame of a connection. */
const HELLO = new TextEncoder().encode("LOGHANDLERS-ACK/1");
const MAC_BYTES = 32;
/** The most bytes one read asks for; also the buffer a streaming connection grows to. */
const READ_CHUNK = 64 * 1024;
/** The buffer a connection starts with: idle connections stay this small. */
const FIRST_BUFFER = 4 * 1024;
const DEFAULT_MAX_FRAME_BYTES = 4 * 1024 * 1024;
const DEFAULT_MAX_VALUES = 100_000;
const DEFAULT_MAX_DEPTH = 100;
const DEFAULT_MAX_INT_DIGITS = 4300;
const DEFAULT_MAX_CONNECTIONS = 1024;
const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const DEFAULT_FRAME_TIMEOUT = 30_000;
/** The largest timeout a timer can wait for (2^31 - 1 ms, about 24.8 days). */
const MAX_TIMEOUT = 2 ** 31 - 1;
/** On close, how long a connection may stay quiet before it is closed. */
const CLOSE_GRACE_MS = 100;
/** On close, the longest a connection that keeps sending is still read. */
const CLOSE_LIMIT_MS = 2000;
/** Datagrams waiting for their turn (HMAC checks are asynchronous) before new ones are dropped. */
const MAX_QUEUED_DATAGRAMS = 1024;
/** JSON payloads from this size on are checked for depth and values before they are parsed. */
const JSON_SCAN_FROM = 64 * 1024;
/** The longest a connection or the datagram queue works on before letting others run. */
const SLICE_MS = 5;
/** Record attributes a frame may not set: they would replace the record's methods. */
const FORBIDDEN_KEYS = new Set(["__proto__", "constructor", "getMessage", "toString"]);
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A frame, datagram or connection refused: counted in `rejected`, under its reason. */
class RejectedFrame extends Error {
  override name = "RejectedFrame";
  readonly reason: Reason;
  constructor(message: string, reason: Reason, options?: ErrorOptions) {
    super(message, options);
    this.reason = reason;
  }
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
  /** The bytes of its read buffer, counted in the receiver's buffered bytes. */
  capacity: number;
  /** When it last received bytes (performance.now()). */
  lastActivity: number;
  /** When the frame it is receiving began, or 0 between frames. */
  frameStart: number;
}

type State = "new" | "running" | "closing" | "closed";

/** The per-frame limits, as the decoding and the record rebuilding apply them. */
interface FrameLimits {
  maxFrameBytes: number;
  maxValues: number;
  maxDepth: number;
  maxTextLength: number;
  maxIntDigits: number;
}

/** What a frame may still produce while its record is rebuilt. */
interface Budget {
  values: number;
  text: number;
}

/** `host:port` as Deno's `--allow-net` writes it (`[::1]:9020` for IPv6). */
function netDescriptor(host: string, port: number): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

/** What listening on one address takes: each permission, its value and whether it is granted. */
interface ListenAccess {
  /** The address, as the messages name it: `tcp 127.0.0.1:9020`, `unix:/run/logs.sock`. */
  what: string;
  /** `[kind, value, granted]`: `["net", "127.0.0.1:9020", false]`. */
  needs: [kind: "read" | "write" | "net", value: string, granted: boolean | null][];
}

/**
 * What listening on `what` takes, asked now without a prompt (a `"prompt"` state is not a
 * grant). A Unix socket `path` needs file access to it as well as `--allow-net=unix:<path>`.
 */
function listenAccess(what: string, net: string, path?: string): ListenAccess {
  const needs: ListenAccess["needs"] = [];
  if (path !== undefined) {
    const abs = toAbsolutePath(path);
    needs.push(["read", abs, fileAccessGranted("read", abs)]);
    needs.push(["write", abs, fileAccessGranted("write", abs)]);
  }
  needs.push(["net", net, permissionGranted({ name: "net", host: net })]);
  return { what, needs };
}

/** Deno's flags for `needs`, values of one kind joined by commas. */
function accessFlags(needs: ListenAccess["needs"]): string {
  const byKind = new Map<string, string[]>();
  for (const [kind, value] of needs) {
    const values = byKind.get(kind) ?? [];
    if (!values.includes(value)) values.push(value);
    byKind.set(kind, values);
  }
  return [...byKind].map(([kind, values]) => `--allow-${kind}=${values.join(",")}`).join(" ");
}

/**
 * The refusal for what Deno does not grant among `accesses`, naming every flag it takes, or
 * `null` when everything is granted (or the runtime cannot tell).
 */
function listenRefusal(accesses: ListenAccess[]): Error | null {
  const refused = accesses.map((a) => ({
    what: a.what,
    missing: a.needs.filter(([, , granted]) => granted === false),
  })).filter((a) => a.missing.length > 0);
  if (refused.length === 0) return null;
  const parts = refused.map(({ what, missing }) => {
    const kinds = missing.map(([kind]) => kind);
    const listed = kinds.length === 1
      ? kinds[0]
      : `${kinds.slice(0, -1).join(", ")} and ${kinds[kinds.length - 1]}`;
    return `on ${what} as ${listed} access ${kinds.length === 1 ? "is" : "are"} not granted`;
  });
  return permissionDenied(
    `Cannot start LogReceiver ${parts.join(", nor ")}: run Deno with ${
      accessFlags(refused.flatMap((r) => r.missing))
    }`,
  );
}

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

/** An integer option from `min` to `max` (or `Infinity` where allowed), else its default. */
function intOption(
  options: LogReceiverOptions,
  name: keyof LogReceiverOptions,
  fallback: number,
  min: number,
  max: number,
  infinity = false,
): number {
  const value = options[name] ?? fallback;
  if (infinity && value === Infinity) return value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(
      `Cannot create LogReceiver as '${name}' must be an integer from ${min} to ${max}${
        infinity ? " or Infinity" : ""
      }: current value is ${String(value)}`,
    );
  }
  return value;
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

const MIN_SAFE = BigInt(Number.MIN_SAFE_INTEGER);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Lets the event loop run other work (other connections, timers) before going on. */
function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Fails once a frame has spent more than its budget of values or text. */
function checkBudget(budget: Budget, limits: FrameLimits): void {
  if (budget.values < 0) {
    throw new RejectedFrame(
      `the frame would produce more than ${limits.maxValues} values (maxValues)`,
      "maxValues",
    );
  }
  if (budget.text < 0) {
    throw new RejectedFrame(
      `the frame would produce more than ${limits.maxTextLength} characters of text (maxTextLength)`,
      "maxTextLength",
    );
  }
}

/** What a container cost when it was first copied: charged again for every other reference. */
interface Cost {
  values: number;
  text: number;
  /** Its levels of containers, itself included. */
  height: number;
}

function tooDeep(limits: FrameLimits): RejectedFrame {
  return new RejectedFrame(`the frame nests deeper than ${limits.maxDepth} (maxDepth)`, "maxDepth");
}

/** The text of a bigint, as printing it would produce: its decimal digits (1.2 per hex digit). */
function bigintText(value: bigint): number {
  return Math.ceil(value.toString(16).length * 1.21);
}

/**
 * Spends `budget` on every value and every character that `value` would hold written out as a
 * tree: a container the pickle memo shares is paid for once per reference, so nothing later
 * on the receiving path (the record's copy, formatting with `%s`, handlers) can meet an
 * expanding graph. What a shared container costs is known from its first visit (`seen`), so
 * a graph that would expand past the budget is refused in time linear in its own size: a memo
 * bomb of 2^60 values costs microseconds.
 *
 * @throws {RejectedFrame} As soon as the budget or `maxDepth` is exceeded.
 */
function measure(
  value: unknown,
  depth: number,
  budget: Budget,
  limits: FrameLimits,
  seen: Map<object, Cost>,
): number {
  if (typeof value === "string") {
    budget.text -= value.length;
    return 0;
  }
  if (typeof value === "bigint") {
    if (value < MIN_SAFE || value > MAX_SAFE) budget.text -= bigintText(value);
    return 0;
  }
  if (typeof value !== "object" || value === null) return 0;
  if (ArrayBuffer.isView(value)) {
    budget.text -= value.byteLength;
    return 0;
  }
  if (depth > limits.maxDepth) throw tooDeep(limits);
  const known = seen.get(value);
  if (known !== undefined) {
    if (depth + known.height - 1 > limits.maxDepth) throw tooDeep(limits);
    budget.values -= known.values;
    budget.text -= known.text;
    checkBudget(budget, limits);
    return known.height;
  }
  const values = budget.values;
  const text = budget.text;
  let below = 0;
  if (Array.isArray(value)) {
    budget.values -= value.length;
    checkBudget(budget, limits);
    for (let i = 0; i < value.length; i++) {
      const h = measure(value[i], depth + 1, budget, limits, seen);
      checkBudget(budget, limits);
      if (h > below) below = h;
    }
  } else {
    for (const key of Object.keys(value)) {
      if (key === "__proto__") continue;
      budget.values -= 2;
      budget.text -= key.length;
      const h = measure((value as Record<string, unknown>)[key], depth + 1, budget, limits, seen);
      checkBudget(budget, limits);
      if (h > below) below = h;
    }
  }
  seen.set(value, { values: values - budget.values, text: text - budget.text, height: below + 1 });
  return below + 1;
}

/**
 * A copy of a decoded value as a tree, once {@linkcode measure} has paid for it: a value the
 * pickle memo shares is copied once per reference. Python ints that fit a safe integer become
 * numbers.
 */
function copyTree(value: unknown): unknown {
  if (typeof value === "bigint") {
    return value >= MIN_SAFE && value <= MAX_SAFE ? Number(value) : value;
  }
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) return value.map(copyTree);
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    if (key !== "__proto__") out[key] = copyTree((value as Record<string, unknown>)[key]);
  }
  return out;
}

/**
 * Fails fast when a JSON payload nests deeper than `maxDepth` or holds more than `maxValues`
 * values (counted as {@linkcode measure} counts them), before `JSON.parse` spends time and
 * memory on it: one pass over the bytes, strings skipped.
 */
function scanJson(bytes: Uint8Array, limits: FrameLimits): void {
  const { maxDepth, maxValues } = limits;
  const n = bytes.length;
  let depth = 0;
  let values = 1;
  let fresh = false; // just after [ or {: the next token is a first element, or the close
  for (let i = 0; i < n; i++) {
    const c = bytes[i];
    if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
    if (fresh) {
      fresh = false;
      if (c !== 0x5d && c !== 0x7d) values++;
    }
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped by an odd run of backslashes.
      let j = i;
      while (true) {
        j = bytes.indexOf(0x22, j + 1);
        if (j < 0) return; // unterminated: JSON.parse says so
        let k = j - 1;
        while (bytes[k] === 0x5c) k--;
        if (((j - 1 - k) & 1) === 0) break;
      }
      i = j;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) {
        throw new RejectedFrame(`the frame nests deeper than ${maxDepth} (maxDepth)`, "maxDepth");
      }
      fresh = true;
    } else if (c === 0x5d || c === 0x7d) depth--;
    else if (c === 0x2c || c === 0x3a) values++;
    if (values > maxValues) {
      throw new RejectedFrame(
        `the frame would produce more than ${maxValues} values (maxValues)`,
        "maxValues",
      );
    }
  }
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
    "malformed",
  );
}

/**
 * Rebuilds a record from a decoded frame: `makeLogRecord(dict)` with the wire's loose ends
 * tied (Python's `None` args, ints as bigints, attributes that would shadow methods), every
 * nested value copied within the frame's budget of values, text and depth.
 */
function toRecord(decoded: unknown, limits: FrameLimits): LogRecord {
  if (!isDict(decoded)) {
    throw new RejectedFrame(
      `the payload is not a dict of record attributes but ${
        Array.isArray(decoded) ? "a list" : decoded === null ? "None" : typeof decoded
      }`,
      "malformed",
    );
  }
  // The decoded dict is ours alone (fresh from the decoder): tidied in place, not copied.
  const dict = decoded;
  const budget: Budget = { values: limits.maxValues - 1, text: limits.maxTextLength };
  let nested: string[] | undefined;
  let seen: Map<object, Cost> | undefined;
  for (const key of Object.keys(dict)) {
    if (FORBIDDEN_KEYS.has(key)) {
      delete dict[key];
      continue;
    }
    budget.values -= 2;
    budget.text -= key.length;
    const value = dict[key];
    if (typeof value === "string") budget.text -= value.length;
    else if (typeof value === "bigint" || (typeof value === "object" && value !== null)) {
      measure(value, 2, budget, limits, seen ??= new Map());
      (nested ??= []).push(key);
    }
    checkBudget(budget, limits);
  }
  // Paid for: copied as trees (within the budget, however the pickle shared them).
  if (nested !== undefined) { for (const key of nested) dict[key] = copyTree(dict[key]); }
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

/** The big-endian length prefix of the frame at `at`. */
function frameLength(buf: Uint8Array, at: number): number {
  return ((buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3]) >>> 0;
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
 * Hostile input has a bounded cost: each frame may produce at most `maxValues` values and
 * `maxTextLength` characters nested `maxDepth` deep, a value shared through the pickle memo
 * paying once per reference (a 600-byte "memo bomb" that expands to 2^60 values is refused in
 * microseconds); ints wider than `maxIntDigits` digits are refused unread; at most
 * `maxConnections` connections are served and `maxBufferedBytes` buffered across them; a
 * frame must arrive within `frameTimeout`. Work is done in slices of a few milliseconds, so
 * one busy sender cannot hold up the others. Every refusal is counted, by the check that made
 * it, in {@linkcode LogReceiver.rejections}.
 *
 * Requires `--allow-net` (and `--allow-read --allow-write` for a Unix socket path).
 *
 * @example Receive a JSON frame over TCP
 * ```ts
 * import { LogReceiver, type LogRecord } from "@x/loghandlers";
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
 *
 * @example Refuse a frame that nests too deep, and tell which limit refused it
 * ```ts
 * import { LogReceiver } from "@x/loghandlers";
 *
 * const refused = Promise.withResolvers<Error>();
 * await using receiver = new LogReceiver({
 *   tcp: { port: 0 },
 *   maxDepth: 3,
 *   onError: (e) => refused.resolve(e),
 * });
 * await receiver.start();
 * const { port } = receiver.tcpAddr as Deno.NetAddr;
 *
 * const body = new TextEncoder().encode(JSON.stringify({ msg: "deep", extra: [[[[1]]]] }));
 * const frame = new Uint8Array(4 + body.length);
 * new DataView(frame.buffer).setUint32(0, body.length);
 * frame.set(body, 4);
 * const conn = await Deno.connect({ hostname: "127.0.0.1", port });
 * await conn.write(frame);
 * const error = await refused.promise;
 * conn.close();
 * console.assert(error.message.includes("maxDepth"));
 * console.assert(receiver.rejected === 1 && receiver.rejections.maxDepth === 1);
 * ```
 */
export class LogReceiver {
  #tcpOption: LogReceiverOptions["tcp"];
  #udpOption: LogReceiverOptions["udp"];
  #keyBytes: Uint8Array<ArrayBuffer> | null;
  #limits: FrameLimits;
  #maxConnections: number;
  #maxBufferedBytes: number;
  #frameTimeout: number;
  #idleTimeout: number;
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
  #rejections: LogReceiverRejections = {
    malformed: 0,
    unsigned: 0,
    maxFrameBytes: 0,
    maxValues: 0,
    maxDepth: 0,
    maxTextLength: 0,
    maxIntDigits: 0,
    maxConnections: 0,
    maxBufferedBytes: 0,
    datagramQueue: 0,
    frameTimeout: 0,
    idleTimeout: 0,
  };
  /** Bytes held by connection buffers and waiting datagrams; and by buffers over READ_CHUNK. */
  #buffered = 0;
  #largeBuffered = 0;
  #connections = new Set<Connection>();
  #tasks = new Set<Promise<void>>();
  #acceptLoop: Promise<void> | null = null;
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #datagrams: { bytes: Uint8Array; peer: string }[] = [];
  #datagramPump: Promise<void> | null = null;
  #starting: Promise<void> | null = null;
  #closing: Promise<void> | null = null;

  /**
   * Checks the options; nothing is bound until {@linkcode LogReceiver.start}.
   *
   * @param options See {@linkcode LogReceiverOptions}.
   * @throws {TypeError} When neither `tcp` nor `udp` is given, or `key` is neither a string nor
   * bytes.
   * @throws {RangeError} For a bad port, an empty key, or a limit out of its range (the message
   * names the option and its range).
   */
  constructor(options: LogReceiverOptions) {
    checkOptions(
      "LogReceiver",
      options,
      RECEIVER_RULES,
      `new LogReceiver({ tcp: { port: 9020 }, udp: { port: 9021 } })`,
    );
    const { tcp, udp } = options ?? {};
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
    const maxFrameBytes = intOption(
      options,
      "maxFrameBytes",
      DEFAULT_MAX_FRAME_BYTES,
      1,
      2 ** 32 - 1,
    );
    this.#limits = {
      maxFrameBytes,
      maxValues: intOption(options, "maxValues", DEFAULT_MAX_VALUES, 1, 2 ** 32 - 1),
      maxDepth: intOption(options, "maxDepth", DEFAULT_MAX_DEPTH, 1, 1000),
      maxTextLength: intOption(options, "maxTextLength", maxFrameBytes, 1, 2 ** 32 - 1),
      maxIntDigits: intOption(
        options,
        "maxIntDigits",
        DEFAULT_MAX_INT_DIGITS,
        640,
        2 ** 32 - 1,
        true,
      ),
    };
    this.#maxConnections = intOption(
      options,
      "maxConnections",
      DEFAULT_MAX_CONNECTIONS,
      1,
      2 ** 31 - 1,
    );
    const leastBuffered = 2 * (maxFrameBytes + 4);
    this.#maxBufferedBytes = intOption(
      options,
      "maxBufferedBytes",
      Math.max(DEFAULT_MAX_BUFFERED_BYTES, leastBuffered),
      leastBuffered,
      Number.MAX_SAFE_INTEGER,
    );
    this.#frameTimeout = intOption(options, "frameTimeout", DEFAULT_FRAME_TIMEOUT, 0, MAX_TIMEOUT);
    this.#idleTimeout = intOption(options, "idleTimeout", 0, 0, MAX_TIMEOUT);
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

  /** How many frames, connections and datagrams have been refused, all checks together. */
  get rejected(): number {
    return this.#rejected;
  }

  /**
   * What has been refused so far, by the check that refused it (a copy: it does not change
   * afterwards).
   */
  get rejections(): LogReceiverRejections {
    return { ...this.#rejections };
  }

  /** How many stream connections are open now. */
  get connections(): number {
    return this.#connections.size;
  }

  /** How many bytes the read buffers of all connections and the waiting datagrams hold now. */
  get bufferedBytes(): number {
    return this.#buffered;
  }
  /**
   * Binds the listeners. When it resolves, {@linkcode LogReceiver.tcpAddr} and
   * {@linkcode LogReceiver.udpAddr} hold the bound addresses.
   *
   * @returns A promise that resolves once every listener is bound.
   * @throws {Deno.errors.NotCapable} Before anything is bound, when Deno does not grant (now,
   * without a prompt) what listening takes: `--allow-net=<host>:<port>` for each address, and
   * for a Unix socket path `--allow-read`, `--allow-write` and `--allow-net=unix:<path>`. The
   * message names every flag to add.
   * @throws {Error} When the receiver was already started or closed, or when an address cannot
   * be bound (in use, say).
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
      const udp = this.#udpOption;
      // Every permission is checked before anything is bound, so that a refusal names every
      // flag it takes and leaves nothing half started.
      const tcpAccess = tcp === undefined
        ? null
        : "path" in tcp
        ? listenAccess(`unix:${tcp.path}`, `unix:${toAbsolutePath(tcp.path)}`, tcp.path)
        : listenAccess(
          `tcp ${tcp.hostname ?? "127.0.0.1"}:${tcp.port}`,
          netDescriptor(tcp.hostname ?? "127.0.0.1", tcp.port),
        );
      const udpAccess = udp === undefined ? null : listenAccess(
        `udp ${udp.hostname ?? "127.0.0.1"}:${udp.port}`,
        netDescriptor(udp.hostname ?? "127.0.0.1", udp.port),
      );
      const refusal = listenRefusal([tcpAccess, udpAccess].filter((a) => a !== null));
      if (refusal !== null) throw refusal;
      if (tcp !== undefined) {
        const listener = "path" in tcp
          ? this.#bind(
            () => Deno.listen({ transport: "unix", path: tcp.path }),
            `unix:${tcp.path}`,
            accessFlags(tcpAccess!.needs),
          )
          : this.#bind(
            () => Deno.listen({ hostname: tcp.hostname ?? "127.0.0.1", port: tcp.port }),
            `tcp ${tcp.hostname ?? "127.0.0.1"}:${tcp.port}`,
            accessFlags(tcpAccess!.needs),
          );
        this.#listener = listener;
        this.#tcpAddr = listener.addr;
      }
      if (udp !== undefined) {
        await this.#bindUdp(udp.hostname ?? "127.0.0.1", udp.port, accessFlags(udpAccess!.needs));
      }
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
      const timeouts = [this.#frameTimeout, this.#idleTimeout].filter((t) => t > 0);
      if (timeouts.length > 0) {
        // One sweep for all connections: a quarter of the shortest timeout, 10 ms to 1 s.
        const every = Math.min(1000, Math.max(10, Math.floor(Math.min(...timeouts) / 4)));
        this.#sweepTimer = setInterval(() => this.#sweep(), every);
        Deno.unrefTimer(this.#sweepTimer);
      }
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
    clearInterval(this.#sweepTimer);
    this.#releaseListeners();
    await this.#closeUdp();
    for (const c of this.#connections) this.#drain(c);
    await this.#acceptLoop;
    while (this.#tasks.size > 0) await Promise.all(this.#tasks);
    while (this.#datagramPump !== null) await this.#datagramPump;
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
        throw permissionDenied(
          `Cannot start LogReceiver on ${what}: access is not granted. Run Deno with ${flags} to allow it.`,
          error,
        );
      }
      throw new Error(`Cannot start LogReceiver on ${what}: ${message(error)}`, { cause: error });
    }
  }

  async #bindUdp(hostname: string, port: number, flags: string): Promise<void> {
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
        throw permissionDenied(
          `Cannot start LogReceiver on ${what}: access is not granted. Run Deno with ${flags} to allow it.`,
          error,
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
    this.#rejections[error instanceof RejectedFrame ? error.reason : "malformed"]++;
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
      // Over a limit: closed at once, before anything is read or allocated for it.
      let refused: RejectedFrame | null = null;
      if (this.#connections.size >= this.#maxConnections) {
        refused = new RejectedFrame(
          `connection from ${
            describeAddr(conn.remoteAddr)
          } refused: ${this.#maxConnections} connections are open (maxConnections)`,
          "maxConnections",
        );
      } else if (this.#buffered + FIRST_BUFFER > this.#maxBufferedBytes) {
        refused = new RejectedFrame(
          `connection from ${
            describeAddr(conn.remoteAddr)
          } refused: the receiver's buffers are full (maxBufferedBytes ${this.#maxBufferedBytes})`,
          "maxBufferedBytes",
        );
      }
      if (refused !== null) {
        try {
          conn.close();
        } catch {
          // Already gone.
        }
        this.#reject(refused);
        continue;
      }
      const task = this.#serve(conn);
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
    }
  }

  /** Closes the connections whose frame is overdue or that have been quiet too long. */
  #sweep(): void {
    const now = performance.now();
    for (const c of this.#connections) {
      // Only a connection waiting for its peer is timed: one at work is not the peer's fault.
      if (c.closed || c.draining || !c.reading) continue;
      let expired: RejectedFrame | null = null;
      if (this.#frameTimeout > 0 && c.frameStart > 0 && now - c.frameStart > this.#frameTimeout) {
        expired = new RejectedFrame(
          `a frame from ${c.peer} did not arrive within ${this.#frameTimeout} ms (frameTimeout): connection closed`,
          "frameTimeout",
        );
      } else if (
        this.#idleTimeout > 0 && c.frameStart === 0 && now - c.lastActivity > this.#idleTimeout
      ) {
        expired = new RejectedFrame(
          `the connection from ${c.peer} was quiet for ${this.#idleTimeout} ms (idleTimeout): closed`,
          "idleTimeout",
        );
      }
      if (expired === null) continue;
      c.stop = true;
      this.#closeConn(c);
      this.#reject(expired);
    }
  }

  /**
   * Resizes the buffer accounted to `c` to `size` bytes when the receiver's budget allows it:
   * all buffers together within maxBufferedBytes, those over READ_CHUNK within half of it.
   */
  #resize(c: Connection, size: number): boolean {
    const old = c.capacity;
    const oldLarge = old > READ_CHUNK ? old : 0;
    const newLarge = size > READ_CHUNK ? size : 0;
    if (size > old) {
      if (this.#buffered + size - old > this.#maxBufferedBytes) return false;
      if (newLarge > 0 && this.#largeBuffered - oldLarge + newLarge > this.#maxBufferedBytes / 2) {
        return false;
      }
    }
    this.#buffered += size - old;
    this.#largeBuffered += newLarge - oldLarge;
    c.capacity = size;
    return true;
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
    const now = performance.now();
    const c: Connection = {
      conn,
      peer: describeAddr(conn.remoteAddr),
      reading: false,
      draining: false,
      stop: false,
      closed: false,
      drainStarted: 0,
      timer: undefined,
      capacity: 0,
      lastActivity: now,
      // The first frame is due from the moment the peer connects: every sender sends at once.
      frameStart: now,
    };
    this.#connections.add(c);
    this.#resize(c, FIRST_BUFFER); // checked by #accept
    if (this.#state !== "running") this.#drain(c);
    if (conn.remoteAddr.transport === "tcp") {
      try {
        // A peer that vanished (no FIN) is found out by the system, not kept forever.
        (conn as Deno.TcpConn).setKeepAlive(true);
      } catch {
        // Not essential.
      }
    }
    const max = this.#limits.maxFrameBytes;
    let buf = new Uint8Array(FIRST_BUFFER);
    let start = 0;
    let end = 0;
    let filled = false;
    let first = true;
    let acked = false;
    let count = 0;
    try {
      while (!c.stop) {
        if (start === end) {
          start = end = 0;
          // Let go of the room a large frame needed.
          if (buf.length > READ_CHUNK) {
            this.#resize(c, READ_CHUNK);
            buf = new Uint8Array(READ_CHUNK);
          }
        }
        // The bytes the frame being received needs from `start`, once its length is in (the
        // frame loop below has refused a length over maxFrameBytes).
        const want = end - start >= 4 ? 4 + frameLength(buf, start) : 0;
        if (start > 0 && (start + want > buf.length || buf.length - end < buf.length / 4)) {
          buf.copyWithin(0, start, end);
          end -= start;
          start = 0;
        }
        if (end === buf.length) {
          // Full, with a frame in progress: room for more of it. A frame over READ_CHUNK
          // gets a buffer that grows with what arrives (doubling, up to exactly its size), so
          // a length prefix alone holds no memory.
          const need = Math.max(want, end + 1);
          const doubled = Math.max(2 * buf.length, 2 * READ_CHUNK);
          const size = need <= READ_CHUNK
            ? READ_CHUNK
            : doubled + READ_CHUNK >= need
            ? need
            : doubled;
          if (!this.#resize(c, size)) {
            throw new RejectedFrame(
              `a frame of ${want} bytes from ${c.peer} needs a buffer of ${size} bytes but the receiver's buffers are full (maxBufferedBytes ${this.#maxBufferedBytes}): connection closed`,
              "maxBufferedBytes",
            );
          }
          const grown = new Uint8Array(size);
          grown.set(buf.subarray(0, end));
          buf = grown;
        } else if (filled && buf.length < READ_CHUNK && this.#resize(c, READ_CHUNK)) {
          // A streaming sender: read in larger pieces (when the budget allows).
          const grown = new Uint8Array(READ_CHUNK);
          grown.set(buf.subarray(0, end));
          buf = grown;
        }
        const room = Math.min(buf.length - end, READ_CHUNK);
        let n: number | null;
        c.reading = true;
        try {
          n = await conn.read(buf.subarray(end, end + room));
        } catch (error) {
          if (c.closed || isDisconnect(error)) break;
          throw error;
        } finally {
          c.reading = false;
        }
        if (n === null) break;
        end += n;
        filled = n === room;
        const readAt = performance.now();
        c.lastActivity = readAt;
        if (c.frameStart === 0) c.frameStart = readAt;
        if (c.draining) this.#armDrainTimer(c);
        // The complete frames of this read; their signatures are checked together.
        const payloads: Uint8Array<ArrayBuffer>[] = [];
        let oversized: RejectedFrame | null = null;
        let frames = 0;
        while (end - start >= 4) {
          const size = frameLength(buf, start);
          if (size > max) {
            oversized = new RejectedFrame(
              `a frame from ${c.peer} claims ${size} bytes, more than maxFrameBytes (${max}): connection closed`,
              "maxFrameBytes",
            );
            break;
          }
          if (end - start - 4 < size) break;
          const payload = buf.subarray(start + 4, start + 4 + size);
          start += 4 + size;
          frames++;
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
        // A frame that completed ends the wait; what is left over starts the next one.
        if (frames > 0) c.frameStart = start === end ? 0 : readAt;
        const bodies = this.#key === null
          ? payloads
          : await Promise.all(payloads.map((p) => this.#verify(p).catch((e: Error) => e)));
        let handled = 0;
        let slice = performance.now();
        for (const body of bodies) {
          let record: LogRecord;
          try {
            if (body instanceof Error) throw body;
            record = this.#decode(body);
          } catch (error) {
            const reason = error instanceof RejectedFrame ? error.reason : "malformed";
            const text = `${message(error)} (from ${c.peer}): connection closed`;
            throw new RejectedFrame(text, reason, { cause: error });
          }
          count++;
          handled++;
          this.#deliver(record, c.peer);
          if (performance.now() - slice > SLICE_MS) {
            // A long run of frames (or a few costly ones): let the other connections in.
            await yieldToLoop();
            slice = performance.now();
          }
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
      this.#resize(c, 0);
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
      throw new RejectedFrame("unsigned frame: too short to hold an HMAC-SHA256", "unsigned");
    }
    const body = payload.subarray(0, payload.length - MAC_BYTES);
    const mac = payload.subarray(payload.length - MAC_BYTES);
    if (!await crypto.subtle.verify("HMAC", this.#key!, mac, body)) {
      throw new RejectedFrame("unsigned or badly signed frame: HMAC-SHA256 mismatch", "unsigned");
    }
    return body;
  }

  /** Decodes a JSON or pickle payload (its signature already checked) and rebuilds the record. */
  #decode(body: Uint8Array): LogRecord {
    if (body.length === 0) throw new RejectedFrame("empty payload", "malformed");
    const limits = this.#limits;
    let decoded: unknown;
    if (body[0] === 0x7b) {
      // Small payloads parse in well under a millisecond whatever they hold; the record's
      // rebuilding then applies the limits exactly.
      if (body.length > JSON_SCAN_FROM) scanJson(body, limits);
      try {
        decoded = JSON.parse(utf8.decode(body));
      } catch (error) {
        throw new RejectedFrame(`malformed JSON payload: ${message(error)}`, "malformed");
      }
    } else {
      try {
        decoded = pickleLoads(body, {
          maxBytes: limits.maxFrameBytes,
          maxDepth: limits.maxDepth,
          maxValues: limits.maxValues,
          maxIntDigits: limits.maxIntDigits,
        });
      } catch (error) {
        const limit = error instanceof UnpicklingError ? error.limit : undefined;
        throw new RejectedFrame(
          `refused pickle payload: ${message(error)}`,
          limit === undefined || limit === "maxBytes" ? "malformed" : limit,
        );
      }
    }
    try {
      return toRecord(decoded, limits);
    } catch (error) {
      if (error instanceof RejectedFrame) throw error;
      throw new RejectedFrame(`cannot rebuild the record: ${message(error)}`, "malformed");
    }
  }

  #queueDatagram(msg: Uint8Array, rinfo: RemoteInfo): void {
    const peer = rinfo.family === "IPv6"
      ? `[${rinfo.address}]:${rinfo.port}`
      : `${rinfo.address}:${rinfo.port}`;
    if (this.#datagrams.length >= MAX_QUEUED_DATAGRAMS) {
      this.#reject(
        new RejectedFrame(
          `datagram from ${peer} dropped: ${MAX_QUEUED_DATAGRAMS} are waiting`,
          "datagramQueue",
        ),
      );
      return;
    }
    if (this.#buffered + msg.length > this.#maxBufferedBytes) {
      this.#reject(
        new RejectedFrame(
          `datagram from ${peer} dropped: the receiver's buffers are full (maxBufferedBytes ${this.#maxBufferedBytes})`,
          "maxBufferedBytes",
        ),
      );
      return;
    }
    this.#buffered += msg.length;
    // A copy: the decoding may wait for the HMAC check.
    this.#datagrams.push({ bytes: new Uint8Array(msg), peer });
    this.#datagramPump ??= this.#pumpDatagrams();
  }

  /** Handles the waiting datagrams in order, in slices that let other work in. */
  async #pumpDatagrams(): Promise<void> {
    let slice = performance.now();
    try {
      while (this.#datagrams.length > 0) {
        const { bytes, peer } = this.#datagrams[0];
        try {
          await this.#datagram(bytes, peer);
        } finally {
          this.#datagrams.shift();
          this.#buffered -= bytes.length;
        }
        if (performance.now() - slice > SLICE_MS) {
          await yieldToLoop();
          slice = performance.now();
        }
      }
    } finally {
      this.#datagramPump = null;
    }
  }

  async #datagram(bytes: Uint8Array, peer: string): Promise<void> {
    try {
      if (bytes.length < 4) {
        throw new RejectedFrame(
          `a datagram of ${bytes.length} bytes has no 4-byte length`,
          "malformed",
        );
      }
      const size = new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0);
      const max = this.#limits.maxFrameBytes;
      if (size > max) {
        throw new RejectedFrame(
          `a datagram claims ${size} bytes, more than maxFrameBytes (${max})`,
          "maxFrameBytes",
        );
      }
      if (size !== bytes.length - 4) {
        throw new RejectedFrame(
          `a datagram's length says ${size} bytes but it holds ${bytes.length - 4}`,
          "malformed",
        );
      }
      const payload = bytes.subarray(4) as Uint8Array<ArrayBuffer>;
      this.#deliver(
        this.#decode(this.#key === null ? payload : await this.#verify(payload)),
        peer,
      );
    } catch (error) {
      this.#reject(
        new RejectedFrame(
          `${message(error)} (datagram from ${peer}): dropped`,
          error instanceof RejectedFrame ? error.reason : "malformed",
          { cause: error },
        ),
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The command-line receiver.

/** The most error lines the command line prints in a second; the rest are counted. */
const MAX_ERROR_LINES = 20;

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
  --max-values N      the most values one frame may produce, a value shared through the
                      pickle memo counted once per reference (default 100000)
  --max-depth N       how deep lists and dicts may nest in a frame (default 100)
  --max-text-length N the most characters of text one frame may produce (default: the
                      largest frame)
  --max-int-digits N  the widest int accepted, in decimal digits (default 4300)
  --max-connections N the most connections served at once; more are closed on arrival
                      (default 1024)
  --max-buffered-bytes N
                      the most bytes buffered across all connections and waiting
                      datagrams (default 67108864)
  --frame-timeout MS  close a connection whose frame takes longer to arrive (default 30000;
                      0: never)
  --idle-timeout MS   close a connection quiet for this long between frames (default 0:
                      never)
  --help              print this help

Prints "listening on ..." once bound, and each refused frame, connection or datagram on
stderr (at most ${MAX_ERROR_LINES} lines a second, then a count of those not shown).
SIGINT and SIGTERM close gracefully, print what was received and refused, and exit 0.`;

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
  limits: Partial<Record<LimitOption, number>>;
  help: boolean;
}

/** The limits that the command line passes on to LogReceiver as they are. */
type LimitOption =
  | "maxValues"
  | "maxDepth"
  | "maxTextLength"
  | "maxIntDigits"
  | "maxConnections"
  | "maxBufferedBytes"
  | "frameTimeout"
  | "idleTimeout";

const LIMIT_FLAGS: Record<string, LimitOption> = {
  "--max-values": "maxValues",
  "--max-depth": "maxDepth",
  "--max-text-length": "maxTextLength",
  "--max-int-digits": "maxIntDigits",
  "--max-connections": "maxConnections",
  "--max-buffered-bytes": "maxBufferedBytes",
  "--frame-timeout": "frameTimeout",
  "--idle-timeout": "idleTimeout",
};

function parseCli(args: string[]): CliOptions {
  const out: CliOptions = {
    host: "127.0.0.1",
    file: "",
    maxBytes: 0,
    backups: 0,
    format: "%(asctime)s %(name)s %(levelname)s %(message)s",
    maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
    limits: {},
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
      ...Object.keys(LIMIT_FLAGS),
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
      default:
        // The ranges are LogReceiver's: it names the option when a value is out of range.
        out.limits[LIMIT_FLAGS[flag]] = int(flag, value, 0, Number.MAX_SAFE_INTEGER);
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
    // A denied permission names the flags to add; other failures name the option at fault.
    writeStderr(
      `receiver: ${isPermissionDenial(error) ? "" : "--file/--format: "}${message(error)}\n`,
    );
    return 2;
  }
  const errors = errorPrinter();
  let receiver: LogReceiver;
  try {
    receiver = new LogReceiver({
      tcp: cli.unix !== undefined
        ? { path: cli.unix }
        : cli.tcp !== undefined
        ? { hostname: cli.host, port: cli.tcp }
        : undefined,
      udp: cli.udp !== undefined ? { hostname: cli.host, port: cli.udp } : undefined,
      key,
      maxFrameBytes: cli.maxFrameBytes,
      ...cli.limits,
      handle: (record) => handler.handle(record),
      onError: errors.print,
    });
  } catch (error) {
    writeStderr(`receiver: ${message(error)}\n`);
    await handler.close();
    return 2;
  }
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
  errors.flush();
  console.log(summary(receiver));
  return 0;
}

/** "received 10 records, rejected 3 (maxConnections 2, malformed 1)": the counts at exit. */
function summary(receiver: LogReceiver): string {
  const counts = Object.entries(receiver.rejections).filter(([, n]) => n > 0);
  return `received ${receiver.received} records, rejected ${receiver.rejected}${
    counts.length > 0 ? ` (${counts.map(([k, n]) => `${k} ${n}`).join(", ")})` : ""
  }`;
}

/**
 * The command line's onError: one line on stderr per error, at most MAX_ERROR_LINES a second,
 * so that a flood of refused connections or datagrams cannot keep the receiver busy writing;
 * the lines left out are counted in a line of their own.
 */
function errorPrinter(): { print: (error: Error) => void; flush: () => void } {
  let windowStart = 0;
  let shown = 0;
  let hidden = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const flush = () => {
    clearTimeout(timer);
    timer = undefined;
    if (hidden > 0) {
      writeStderr(
        `LogReceiver: ${hidden} more ${
          hidden === 1 ? "error" : "errors"
        } not shown (the counts are printed at exit)\n`,
      );
    }
    hidden = 0;
  };
  const print = (error: Error) => {
    const now = performance.now();
    if (now - windowStart >= 1000) {
      flush();
      windowStart = now;
      shown = 0;
    }
    if (shown < MAX_ERROR_LINES) {
      shown++;
      writeStderr(`LogReceiver: ${error.message.replaceAll("\n", " ")}\n`);
      return;
    }
    hidden++;
    if (timer === undefined) {
      timer = setTimeout(flush, 1000 - (now - windowStart));
      Deno.unrefTimer(timer);
    }
  };
  return { print, flush };
}

if (import.meta.main) Deno.exit(await main(Deno.args));

// The types this entry point's API refers to, so that it documents itself alone.
export { type LogArgs, LogRecord } from "./core/record.ts";
