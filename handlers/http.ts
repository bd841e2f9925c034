/**
 * `HTTPHandler`: records sent to a web server with GET or POST, exactly as CPython's
 * `logging.handlers.HTTPHandler` sends them (the record's attributes, URL-encoded), or as JSON,
 * one request per record or in batches, through an ordered bounded outbox.
 *
 * This is the `@x/loghandlers/http` entry point (also re-exported by `@x/loghandlers`). Requires
 * `--allow-net` for the server (`fetch` only: works on Deno Deploy).
 *
 * @module
 */

import { Handler, writeStderr } from "../core/handler.ts";
import { floatRepr } from "../core/text/float_format.ts";
import {
  any,
  boolean,
  checkOption,
  checkOptions,
  nullable,
  type OptionRules,
  satisfies,
  string,
} from "../core/text/options.ts";
import { OUTBOX_RULES, type OutboxOptions } from "../core/io/outbox.ts";
import { OutboxHandler } from "../core/outbox_handler.ts";
import { isPermissionDenial } from "../core/io/files.ts";
import { explainNetError } from "../core/io/transport.ts";
import { pyRepr, pyStr } from "../core/text/pystr.ts";
import type { LogRecord } from "../core/record.ts";

/** TLS settings for {@linkcode HTTPHandler} (Python's `ssl.SSLContext`). */
export interface HTTPHandlerContext {
  /**
   * PEM certificates of the authorities to trust, in addition to the system's.
   *
   * @default {undefined}
   */
  caCerts?: string[];
}

/** Batching of {@linkcode HTTPHandler} records into one JSON request. */
export interface HTTPBatchOptions {
  /**
   * The most records in one request.
   *
   * @default {100}
   */
  maxRecords?: number;
  /**
   * The longest a record waits for others to join its request, in ms.
   *
   * @default {1000}
   */
  maxDelayMs?: number;
}

/**
 * The request method of an {@linkcode HTTPHandler}: GET or POST, in any case as in Python.
 *
 * @example
 * ```ts
 * import type { HTTPMethod } from "@x/loghandlers";
 * const method: HTTPMethod = "POST";
 * console.assert(method === "POST");
 * ```
 */
export type HTTPMethod = "GET" | "POST" | "get" | "post" | "Get" | "Post";

/** Options of {@linkcode HTTPHandler}. */
export interface HTTPHandlerOptions extends OutboxOptions {
  /**
   * `"GET"` (the record in the query string) or `"POST"` (the record in the body), in any case.
   *
   * @default {"GET"}
   */
  method?: HTTPMethod;
  /**
   * Whether to use HTTPS.
   *
   * @default {false}
   */
  secure?: boolean;
  /**
   * `[user, password]`, sent as `Authorization: Basic ...` as CPython builds it. Over plain HTTP
   * a warning says once that they travel in clear text.
   *
   * @default {null}
   */
  credentials?: readonly [string, string] | null;
  /**
   * TLS settings (only with `secure`): `{ caCerts }`, or a `Deno.HttpClient` used as given.
   *
   * @default {null}
   */
  context?: HTTPHandlerContext | Deno.HttpClient | null;
  /**
   * Seconds a request may take, from its start to the answer's status line, before it is
   * abandoned (reported, and sent again after the back-off). It bounds every request in flight.
   *
   * @default {5}
   */
  timeout?: number;
  /**
   * `"urlencoded"` is CPython's (`urllib.parse.urlencode` of the record's attributes);
   * `"json"` POSTs the same attributes as a JSON object (an array of them when batching), always
   * with the formatted `message`.
   *
   * @default {"urlencoded"}
   */
  format?: "urlencoded" | "json";
  /**
   * `1` sends one request per record; `{ maxRecords, maxDelayMs }` (JSON only) sends one request
   * per `maxRecords` records, or after `maxDelayMs`, whichever comes first, in order.
   *
   * @default {1}
   */
  batch?: 1 | HTTPBatchOptions;
  /**
   * The most requests in flight at once, on as many kept-alive connections. Requests start in
   * the order of the records, and a request starts only once the one `maxInFlight` places
   * before it has been answered, so a collector receives request `n` before request
   * `n + maxInFlight`; those in between may reach it in any order. `1` sends one request at a
   * time, strictly in order, as CPython does.
   *
   * @default {8}
   */
  maxInFlight?: number;
  /**
   * Whether the records this handler sends carry caller information (`pathname`, `lineno`,
   * `funcName`), as CPython's do. In Deno it costs a stack capture per record (most of a
   * sender's time). With `false` the handler stops asking for it, and records carry Python's
   * placeholders (`"(unknown file)"`, `0`, `"(unknown function)"`) unless another handler on
   * their way needs it: what Python's `logging._srcfile = None` does, for this handler only.
   *
   * @default {true}
   */
  callerInfo?: boolean;
  /**
   * The most records that may wait. Higher than the other network handlers' 10,000: a burst
   * of logging calls that never yields to the event loop (a tight loop, a long synchronous
   * task) cannot send anything until it ends, so the whole burst waits here.
   *
   * @default {50000}
   */
  maxRecords?: number;
  /**
   * The most bytes that may wait (a URL-encoded record is typically 300 to 600 bytes).
   *
   * @default {33554432}
   */
  maxBytes?: number;
  /**
   * The most bytes of records the outbox hands the handler at once; the handler keeps up to
   * `maxInFlight` requests going within them.
   *
   * @default {1048576}
   */
  batchBytes?: number;
}

/** {@linkcode HTTPHandlerOptions.maxRecords} by default. */
const DEFAULT_MAX_RECORDS = 50_000;
/** {@linkcode HTTPHandlerOptions.maxBytes} by default. */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;
/** {@linkcode HTTPHandlerOptions.batchBytes} by default. */
const DEFAULT_BATCH_BYTES = 1024 * 1024;
const HTTP_RULES: OptionRules = {
  ...OUTBOX_RULES,
  method: any(), // checked below, with Python's case-insensitivity
  secure: boolean(),
  credentials: nullable(
    satisfies(
      "[user, password]",
      (v) => Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === "string"),
    ),
  ),
  context: any(),
  timeout: any(),
  format: any(),
  batch: any(),
  maxInFlight: any(),
  callerInfo: any(),
};

/** {@linkcode HTTPHandlerOptions.maxInFlight} by default. */
const DEFAULT_MAX_IN_FLIGHT = 8;

const FLOAT_FIELDS = new Set(["created", "msecs", "relativeCreated"]);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

/** Python's `repr()` of a value as it appears inside a tuple, list or dict. */
function pyItemRepr(value: unknown, depth: number): string {
  if (typeof value === "string") return pyRepr(value);
  return pyWireStr(value, depth, false);
}

/**
 * Python's `str()` of an attribute value as CPython's `urlencode` sends it: `None`, `True`,
 * `False`, tuples for arrays (`args`) or lists, dicts as `{'k': v}`.
 */
function pyWireStr(value: unknown, depth = 0, tuple = false): string {
  switch (typeof value) {
    case "string":
      return value;
    case "number":
      return pyStr(value);
    case "boolean":
      return value ? "True" : "False";
    case "undefined":
      return "None";
  }
  if (value === null) return "None";
  if (depth < 16) {
    if (Array.isArray(value)) {
      const items = value.map((v) => pyItemRepr(v, depth + 1));
      if (!tuple) return `[${items.join(", ")}]`;
      return items.length === 1 ? `(${items[0]},)` : `(${items.join(", ")})`;
    }
    if (value instanceof Error) {
      // Python's exc_info: (type, value, traceback).
      return `(<class '${value.name}'>, ${pyRepr(value)}, None)`;
    }
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null || value instanceof Map) {
      const entries = value instanceof Map
        ? [...value.entries()]
        : Object.entries(value as Record<string, unknown>);
      return `{${
        entries.map(([k, v]) => `${pyItemRepr(k, depth + 1)}: ${pyItemRepr(v, depth + 1)}`)
          .join(", ")
      }}`;
    }
  }
  return pyStr(value);
}

/** Python's `urllib.parse.quote_plus` (UTF-8, nothing but `A-Za-z0-9_.-~` left as is). */
const PLAIN = /^[A-Za-z0-9_.~-]*$/;
const QUOTED = /[!'()*]/;

function quotePlus(text: string): string {
  if (PLAIN.test(text)) return text;
  const encoded = encodeURIComponent(text.isWellFormed() ? text : text.toWellFormed());
  if (!QUOTED.test(encoded) && !encoded.includes("%20")) return encoded;
  return encoded
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, "+");
}

/**
 * Python's `urllib.parse.urlencode(d)` with `str()` of every value, as CPython's HTTPHandler
 * sends `record.__dict__`. Keys whose value is `undefined` are left out (Python has no such
 * attribute).
 *
 * @param dict The attributes.
 * @returns The encoded text.
 *
 * @example
 * ```ts
 * import { urlencode } from "@x/loghandlers/extend";
 * console.assert(urlencode({ msg: "a b&c", args: ["x", 1], exc_info: null, created: 5 }) ===
 *   "msg=a+b%26c&args=%28%27x%27%2C+1%29&exc_info=None&created=5.0");
 * ```
 */
export function urlencode(dict: Readonly<Record<string, unknown>>): string {
  return encodeFields(dict, false);
}

/** The attributes a formatter adds to a record, in the order CPython's `Formatter.format` does. */
const FORMATTER_FIELDS = ["message", "asctime"] as const;

/**
 * `urlencode(dict)`; with `record`, `message` and `asctime` come last, as in CPython's
 * `record.__dict__`, where a formatter adds them after every other attribute (`extra` ones
 * included).
 */
function encodeFields(dict: Readonly<Record<string, unknown>>, record: boolean): string {
  const parts: string[] = [];
  const add = (key: string, value: unknown): void => {
    const text = typeof value === "number" && FLOAT_FIELDS.has(key)
      ? floatRepr(value)
      : pyWireStr(value, 0, key === "args");
    parts.push(quotePlus(key) + "=" + quotePlus(text));
  };
  for (const key of Object.keys(dict)) {
    const value = dict[key];
    if (value === undefined || (record && (key === "message" || key === "asctime"))) continue;
    add(key, value);
  }
  if (record) {
    for (const key of FORMATTER_FIELDS) if (dict[key] !== undefined) add(key, dict[key]);
  }
  return parts.join("&");
}

function toJson(value: unknown, depth = 0): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isFinite(value) ? value : pyStr(value);
    case "bigint":
      return Number.isSafeInteger(Number(value)) ? Number(value) : String(value);
    case "undefined":
      return null;
  }
  if (value === null) return null;
  if (depth < 16) {
    if (Array.isArray(value)) return value.map((v) => toJson(v, depth + 1));
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v !== undefined) out[k] = toJson(v, depth + 1);
      }
      return out;
    }
  }
  return pyStr(value);
}

function basicAuth(credentials: readonly [string, string]): string {
  const bytes = utf8.encode(`${pyStr(credentials[0])}:${pyStr(credentials[1])}`);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return "Basic " + btoa(binary);
}

function isHttpClient(value: unknown): value is Deno.HttpClient {
  return typeof Deno === "object" && typeof Deno.HttpClient === "function" &&
    value instanceof Deno.HttpClient;
}

/** An HTTP answer that is not 2xx. */
class HTTPStatusError extends Error {
  override name = "HTTPStatusError";
  status: number;
  constructor(method: string, url: string, status: number, statusText: string) {
    super(`${method} ${url} was answered ${status}${statusText ? " " + statusText : ""}`);
    this.status = status;
  }
}

/** One request of a delivery: where the records it carries sit in the delivery. */
interface Unit {
  /** Indices, in the delivery, of the records the request carries that it has reached. */
  indices: number[];
  /** Whether the collector accepted the request. */
  ok: boolean;
  /** Batching: the records the request carries besides the one that started it. */
  others: Uint8Array[] | null;
}

/**
 * Python's `logging.handlers.HTTPHandler`: sends each record to a web server, as the
 * URL-encoded attributes of the record (`mapLogRecord`), in the query string (GET) or the body
 * (POST), exactly as CPython does, with Basic authentication from `credentials`, HTTPS with
 * `secure` (certificates verified; extra authorities through `context`), and a `timeout`.
 * As in CPython, `message` is among the URL-encoded attributes only when a formatter has
 * already run on the record (another handler's, say): `mapLogRecord` is `record.__dict__`.
 *
 * `handle()` never waits: the record goes into an ordered, bounded outbox, and a background
 * pump sends it with `fetch` (so it works on Deno Deploy) over kept-alive connections, with up
 * to `maxInFlight` requests (8 by default) in flight at once, each bounded by `timeout`.
 * Ordering: requests (one per record, or per batch) start in the order the records were
 * handled, and a request starts only once the one `maxInFlight` places before it has been
 * answered; so a collector receives request `n` before request `n + maxInFlight`, while those
 * in between may reach it in any order (records carry `created` and `relativeCreated` to sort
 * by). With `maxInFlight: 1` the collector sees them strictly in order, as with CPython.
 *
 * A failure to connect, a timeout and a 5xx, 408 or 429 answer are reported once through
 * `handleError`; the failed request is sent again after a back-off (`retryStart`,
 * `retryFactor`, `retryMax`), and until a request succeeds again only one is in flight at a
 * time, so a struggling collector is not hammered. Requests that were already in flight
 * behind the failed one are not sent again: the collector then receives the retried record
 * after those (at most `maxInFlight - 1` of them), and the records behind them wait for it. A
 * request abandoned by its `timeout` may have reached the collector, which then receives it
 * twice. Any other non-2xx answer is reported through `handleError` with its status and not
 * sent again. A denied `--allow-net` is reported once, with the flag to add, and is final: the
 * records waiting and those handled later are dropped, counted in `dropped` and reported,
 * never retried. So are records the outbox cannot hold: no record is lost silently.
 *
 * Beyond Python: `format: "json"` (the record's attributes and its formatted `message` as a
 * JSON object) and batching of several records into one request.
 *
 * Requires `--allow-net` for the host.
 *
 * @example
 * ```ts
 * import { HTTPHandler, makeLogRecord } from "@x/loghandlers";
 * const seen: string[] = [];
 * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
 *   seen.push(new URL(req.url).searchParams.get("msg") ?? "");
 *   return new Response("ok");
 * });
 * const handler = new HTTPHandler(`127.0.0.1:${server.addr.port}`, "/log");
 * handler.handle(makeLogRecord({ name: "app", msg: "hello" }));
 * await handler.close();
 * await server.shutdown();
 * console.assert(seen[0] === "hello");
 * ```
 */
export class HTTPHandler extends OutboxHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static readonly optionRules: OptionRules = HTTP_RULES;
  /** `host` or `host:port`. */
  readonly host: string;
  /** The path (and query) of the requests. */
  readonly url: string;
  /** Whether HTTPS is used. */
  readonly secure: boolean;
  /** `[user, password]` or `null`. */
  readonly credentials: readonly [string, string] | null;
  /** The TLS settings given, or `null`. */
  readonly context: HTTPHandlerContext | Deno.HttpClient | null;
  /** Seconds a request may take. */
  readonly timeout: number;
  /** The body format (the `format` option; `format` is the formatter's method). */
  readonly wireFormat: "urlencoded" | "json";
  /** The most requests in flight at once (the `maxInFlight` option). */
  readonly maxInFlight: number;
  /** Whether records sent carry caller information (the `callerInfo` option). */
  readonly callerInfo: boolean;
  #target: string;
  #getPrefix: string;
  #shownUrl: string;
  /** What `--allow-net` needs: the host, with the port when it is not the default. */
  #netHost: string;
  /** The method, and the method records were prepared for when the handler was made. */
  #method: "GET" | "POST";
  #firstMethod: "GET" | "POST";
  /** The method of each record prepared after `method` was changed from the first one. */
  #methodOf: WeakMap<Uint8Array, "GET" | "POST"> | null = null;
  #getHeaders: Record<string, string>;
  #postHeaders: Record<string, string>;
  #client: Deno.HttpClient | undefined;
  #caCerts: string[] | undefined;
  #batchMax: number;
  #batchDelay: number;
  #batching: boolean;
  #waiting: Uint8Array[] = [];
  /** Batching: the records of each request, by record (each record is its own outbox entry). */
  #groups = new WeakMap<Uint8Array, Uint8Array[]>();
  /** Records already delivered that the outbox will hand over again (after a failure). */
  #sent = new WeakSet<Uint8Array>();
  /** How many requests may be in flight now: `maxInFlight`, or 1 after a failure. */
  #window: number;
  /** Aborts the requests in flight when `close()` gives up on them. */
  #abort = new AbortController();

  /**
   * Prepares the handler; nothing is sent until a record is handled.
   *
   * @param host `host` or `host:port` (an IPv6 address in brackets).
   * @param url The request path, such as `"/log"` or `"/log?app=x"`.
   * @param options See {@linkcode HTTPHandlerOptions}.
   * @throws {RangeError} For a method other than GET or POST, or another invalid option.
   * @throws {TypeError} For a `context` without `secure`, or `caCerts` where Deno cannot make
   * an HTTP client.
   */
  constructor(host: string, url: string, options: HTTPHandlerOptions = {}) {
    checkOption("HTTPHandler", "host", host, string(true));
    checkOption("HTTPHandler", "url", url, string());
    checkOptions(
      "HTTPHandler",
      options,
      HTTP_RULES,
      `new HTTPHandler("logs.example.com", "/log", { method: "POST" })`,
      new.target === HTTPHandler ? "refuse" : "allow",
    );
    super({
      ...options,
      maxRecords: options.maxRecords ?? DEFAULT_MAX_RECORDS,
      maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
      batchBytes: options.batchBytes ?? DEFAULT_BATCH_BYTES,
    });
    try {
      const method = String(options.method ?? "GET").toUpperCase();
      if (method !== "GET" && method !== "POST") {
        throw new RangeError(
          `Cannot create HTTPHandler as 'method' must be "GET" or "POST": current value is '${
            pyStr(options.method)
          }'`,
        );
      }
      const secure = options.secure ?? false;
      const context = options.context ?? null;
      if (!secure && context !== null) {
        throw new TypeError(
          `Cannot create HTTPHandler as 'context' only makes sense with 'secure' true: current value of 'secure' is ${secure}`,
        );
      }
      const timeout = options.timeout ?? 5;
      if (!(typeof timeout === "number" && timeout > 0)) {
        throw new RangeError(
          `Cannot create HTTPHandler as 'timeout' must be > 0: current value is ${timeout}`,
        );
      }
      const format = options.format ?? "urlencoded";
      if (format !== "urlencoded" && format !== "json") {
        throw new RangeError(
          `Cannot create HTTPHandler as 'format' must be "urlencoded" or "json": current value is '${
            pyStr(format)
          }'`,
        );
      }
      if (format === "json" && method !== "POST") {
        throw new RangeError(
          `Cannot create HTTPHandler as 'format' "json" needs 'method' "POST": current value is '${method}'`,
        );
      }
      const batch = options.batch ?? 1;
      if (batch !== 1) {
        if (typeof batch !== "object" || batch === null) {
          throw new RangeError(
            `Cannot create HTTPHandler as 'batch' must be 1 or { maxRecords, maxDelayMs }: current value is ${
              pyStr(batch)
            }`,
          );
        }
        if (format !== "json") {
          throw new RangeError(
            `Cannot create HTTPHandler as 'batch' needs 'format' "json": current value is '${format}'`,
          );
        }
      }
      const batchMax = batch === 1 ? 1 : batch.maxRecords ?? 100;
      const batchDelay = batch === 1 ? 0 : batch.maxDelayMs ?? 1000;
      if (!(Number.isInteger(batchMax) && batchMax >= 1)) {
        throw new RangeError(
          `Cannot create HTTPHandler as 'batch.maxRecords' must be an integer >= 1: current value is ${batchMax}`,
        );
      }
      if (!(typeof batchDelay === "number" && batchDelay >= 0)) {
        throw new RangeError(
          `Cannot create HTTPHandler as 'batch.maxDelayMs' must be >= 0: current value is ${batchDelay}`,
        );
      }
      const maxInFlight = options.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT;
      if (!(Number.isInteger(maxInFlight) && maxInFlight >= 1)) {
        throw new RangeError(
          `Cannot create HTTPHandler as 'maxInFlight' must be an integer >= 1: current value is ${
            pyStr(maxInFlight)
          }`,
        );
      }
      const callerInfo = options.callerInfo ?? true;
      if (callerInfo !== true && callerInfo !== false) {
        throw new RangeError(
          `Cannot create HTTPHandler as 'callerInfo' must be true or false: current value is ${
            pyStr(callerInfo)
          }`,
        );
      }
      // Checked by HTTP_RULES: a [user, password] pair of strings, or null.
      const credentials = options.credentials ?? null;
      this.host = host;
      this.url = url;
      this.#method = this.#firstMethod = method;
      this.secure = secure;
      this.credentials = credentials;
      this.context = context;
      this.timeout = timeout;
      this.wireFormat = format;
      this.maxInFlight = maxInFlight;
      this.callerInfo = callerInfo;
      this.#window = maxInFlight;
      this.#batching = batch !== 1;
      this.#batchMax = batchMax;
      this.#batchDelay = batchDelay;
      const base = `${secure ? "https" : "http"}://${host}`;
      this.#target = base + url;
      this.#getPrefix = base + url + (url.includes("?") ? "&" : "?");
      this.#shownUrl = base + url;
      this.#netHost = host;
      try {
        this.#netHost = new URL(base).host;
      } catch {
        // fetch reports the bad host
      }
      this.#getHeaders = {};
      this.#postHeaders = {
        "Content-Type": format === "json"
          ? "application/json"
          : "application/x-www-form-urlencoded",
      };
      if (credentials !== null) {
        this.#getHeaders["Authorization"] = this.#postHeaders["Authorization"] = basicAuth(
          credentials,
        );
      }
      if (context !== null) {
        if (isHttpClient(context)) {
          this.#client = context;
        } else if (context.caCerts !== undefined) {
          if (typeof Deno !== "object" || typeof Deno.createHttpClient !== "function") {
            throw new TypeError(
              `Cannot create HTTPHandler as 'context.caCerts' needs Deno.createHttpClient, ` +
                `which this runtime lacks: current value is ${context.caCerts.length} certificate(s)`,
            );
          }
          this.#caCerts = [...context.caCerts];
        }
      }
      if (credentials !== null && !secure) {
        // Once, when the handler is made (never the password itself).
        writeStderr(
          `HTTPHandler: credentials for ${this.#shownUrl} are sent in clear text over plain ` +
            `HTTP; use secure: true\n`,
        );
      }
    } catch (error) {
      // A handler that could not be made is not left registered for shutdown (at once: its
      // outbox holds nothing to deliver).
      void Handler.prototype.close.call(this);
      throw error;
    }
  }

  /**
   * `"GET"` (the record in the query string) or `"POST"` (in the body, as
   * `application/x-www-form-urlencoded`). It may be changed, as in Python: records handled
   * afterwards are sent with the new method, those handled before with theirs.
   *
   * @throws {RangeError} When set to another method, or to `"GET"` with `format: "json"`.
   *
   * @example
   * ```ts
   * import { HTTPHandler, makeLogRecord } from "@x/loghandlers";
   * const seen: string[] = [];
   * const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
   *   seen.push(`${req.method} ${req.headers.get("content-type")}`);
   *   return new Response("ok");
   * });
   * const handler = new HTTPHandler(`127.0.0.1:${server.addr.port}`, "/log");
   * handler.handle(makeLogRecord({ msg: "sent with GET" }));
   * handler.method = "POST";
   * handler.handle(makeLogRecord({ msg: "sent with POST" }));
   * await handler.close();
   * await server.shutdown();
   * console.assert(seen.join() === "GET null,POST application/x-www-form-urlencoded");
   * ```
   */
  get method(): "GET" | "POST" {
    return this.#method;
  }
  set method(method: HTTPMethod) {
    const upper = typeof method === "string" ? method.toUpperCase() : method;
    if (upper !== "GET" && upper !== "POST") {
      throw new RangeError(
        `Cannot set HTTPHandler.method as it must be "GET" or "POST": current value is '${
          pyStr(method)
        }'`,
      );
    }
    if (upper === "GET" && this.wireFormat === "json") {
      throw new RangeError(
        `Cannot set HTTPHandler.method as 'format' "json" needs "POST": current value is 'GET'`,
      );
    }
    this.#method = upper;
  }

  /** Records wait for delivery; the exit hooks wait for them. */
  override get pending(): boolean {
    return this.#waiting.length > 0 || super.pending;
  }

  /**
   * Records are sent whole: caller information is filled in for them, unless the `callerInfo`
   * option is `false`.
   */
  override get needsCallerInfo(): boolean {
    return this.callerInfo || super.needsCallerInfo;
  }

  /**
   * The attributes sent for `record` (Python's `mapLogRecord`, which returns
   * `record.__dict__`). Override it to send something else.
   *
   * @param record The record.
   * @returns The attributes.
   */
  mapLogRecord(record: LogRecord): Record<string, unknown> {
    return record as unknown as Record<string, unknown>;
  }

  /**
   * Prepares the request for `record` and queues it. Failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    const dict = this.mapLogRecord(record);
    if (this.wireFormat === "urlencoded") {
      const bytes = utf8.encode(encodeFields(dict, dict === record as unknown));
      if (this.#method !== this.#firstMethod) {
        (this.#methodOf ??= new WeakMap()).set(bytes, this.#method);
      }
      this.outbox.push(bytes);
      return;
    }
    const fields: Record<string, unknown> = { ...dict };
    // The formatted message, which a formatter would have set (CPython's `record.message`).
    if (fields.message === undefined) fields.message = record.getMessage();
    const json = utf8.encode(JSON.stringify(toJson(fields)));
    if (!this.#batching) {
      this.outbox.push(json);
      return;
    }
    this.#waiting.push(json);
    this.scheduleSendPending(this.#waiting.length >= this.#batchMax, this.#batchDelay);
  }

  /**
   * Puts the records gathered for a batch into the outbox, each as its own entry (so that the
   * outbox's bounds and drop counts are in records), remembering that they go in one request.
   */
  protected override sendPending(): void {
    if (this.#waiting.length === 0) return;
    const waiting = this.#waiting;
    this.#waiting = [];
    const group: Uint8Array[] = [];
    for (const item of waiting) {
      if (this.outbox.push(item)) {
        group.push(item);
        this.#groups.set(item, group);
      }
    }
  }

  /**
   * Sends the records handed over by the outbox pump, in order, with up to `maxInFlight`
   * requests in flight; resolves when all are delivered. When a request fails, no further one
   * starts; the error thrown carries `delivered`, the number of leading records that went out,
   * and the records delivered behind the failed one are remembered so that the retry skips
   * them.
   *
   * @param items Prepared records, in order.
   * @returns A promise that resolves when they are delivered.
   */
  protected override async deliver(items: Uint8Array[]): Promise<void> {
    // A batch being put into the outbox is complete once the current task has run.
    if (this.#batching) await undefined;
    await this.#sendAll(items);
  }

  #sendAll(items: Uint8Array[]): Promise<void> {
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const n = items.length;
    const done = new Uint8Array(n);
    const units: Unit[] = [];
    const claimed = this.#batching ? new Map<Uint8Array, Unit>() : null;
    /** The oldest request not answered yet, the next record to look at, requests running. */
    let head = 0;
    let next = 0;
    let running = 0;
    let failure: unknown = null;
    let settled = false;
    const settle = (): void => {
      settled = true;
      let prefix = 0;
      while (prefix < n && done[prefix] === 1) prefix++;
      if (failure === null) return resolve();
      for (let j = prefix; j < n; j++) if (done[j] === 1) this.#sent.add(items[j]);
      const error = failure instanceof Error ? failure : new Error(String(failure));
      reject(Object.assign(error, { delivered: prefix }));
    };
    const answered = (unit: Unit, error: unknown): void => {
      running--;
      if (unit.ok) {
        for (const j of unit.indices) done[j] = 1;
        // The records it carries that the outbox has not handed over yet: skipped when it does.
        if (unit.others !== null) { for (const other of unit.others) this.#sent.add(other); }
        this.#window = this.maxInFlight;
      } else {
        failure ??= error;
        // Until a request succeeds again, one at a time.
        this.#window = 1;
      }
      while (head < units.length && units[head].ok) head++;
      step();
    };
    const step = (): void => {
      while (failure === null && next < n && units.length - head < this.#window) {
        const i = next++;
        const item = items[i];
        if (this.#sent.delete(item)) {
          done[i] = 1;
          continue;
        }
        let body = item;
        const unit: Unit = { indices: [i], ok: false, others: null };
        if (claimed !== null) {
          const owner = claimed.get(item);
          if (owner !== undefined) {
            // Carried by a request already started.
            if (owner.ok) done[i] = 1;
            else owner.indices.push(i);
            continue;
          }
          body = this.#batchBody(item, unit, claimed);
        }
        units.push(unit);
        running++;
        this.#request(body, this.#methodOf?.get(item) ?? this.#firstMethod).then(
          () => {
            unit.ok = true;
            answered(unit, null);
          },
          (error) => answered(unit, error),
        );
      }
      if (!settled && running === 0 && (failure !== null || next >= n)) settle();
    };
    step();
    return promise;
  }

  /**
   * The JSON array of the request that carries `item` and the records batched after it;
   * claims those for `unit`, and marks them delivered once it is.
   */
  #batchBody(item: Uint8Array, unit: Unit, claimed: Map<Uint8Array, Unit>): Uint8Array {
    const group = this.#groups.get(item) ?? [item];
    const from = group[0] === item ? 0 : Math.max(group.indexOf(item), 0);
    let size = 1;
    for (let k = from; k < group.length; k++) size += group[k].length + 1;
    const body = new Uint8Array(size);
    body[0] = 0x5b; // [
    let at = 1;
    for (let k = from; k < group.length; k++) {
      if (k > from) body[at++] = 0x2c; // ,
      body.set(group[k], at);
      at += group[k].length;
      if (k > from) claimed.set(group[k], unit);
    }
    body[at] = 0x5d; // ]
    if (group.length - from > 1) unit.others = group.slice(from + 1);
    return body;
  }

  async #request(body: Uint8Array, method: "GET" | "POST"): Promise<void> {
    const init: RequestInit & { client?: Deno.HttpClient } = {
      method,
      headers: method === "GET" ? this.#getHeaders : this.#postHeaders,
      signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.timeout * 1000)]),
    };
    let target = this.#target;
    if (method === "GET") target = this.#getPrefix + utf8Decoder.decode(body);
    else init.body = body as Uint8Array<ArrayBuffer>;
    if (this.#caCerts !== undefined) {
      this.#client ??= Deno.createHttpClient({ caCerts: this.#caCerts });
    }
    if (this.#client !== undefined) init.client = this.#client;
    let response: Response;
    try {
      response = await fetch(target, init);
    } catch (error) {
      // A denied --allow-net: final (the outbox reports it once and drops what waits).
      if (isPermissionDenial(error)) throw explainNetError(error, this.#netHost);
      const name = (error as { name?: unknown } | null)?.name;
      if (name === "TimeoutError") {
        throw new Error(
          `${method} ${this.#shownUrl} timed out after ${this.timeout} s`,
          { cause: error },
        );
      }
      if (name === "AbortError") {
        throw new Error(`${method} ${this.#shownUrl} was abandoned by close()`, {
          cause: error,
        });
      }
      throw new Error(`${method} ${this.#shownUrl} failed`, { cause: error });
    }
    try {
      await response.body?.cancel();
    } catch {
      // the body is not needed
    }
    if (response.ok) return;
    const error = new HTTPStatusError(
      method,
      this.#shownUrl,
      response.status,
      response.statusText,
    );
    const s = response.status;
    // Worth another try: server errors, request timeout, too many requests.
    if (s >= 500 || s === 408 || s === 429) throw error;
    // The server refused the record: report it, do not send it again.
    this.handleError(null, error);
  }

  /**
   * After a failed delivery (nothing is in flight then) and when `close()` gives up: aborts
   * the requests in flight.
   *
   * @param _error The failure.
   */
  protected override resetDelivery(_error: unknown): void {
    this.#abort.abort();
    this.#abort = new AbortController();
  }

  /** At `close()`: aborts what is still in flight and releases the HTTP client it made. */
  protected override releaseDelivery(): void {
    this.resetDelivery(null);
    if (this.#caCerts !== undefined && this.#client !== undefined) {
      // The client this handler made; a later record makes a new one.
      const client = this.#client;
      this.#client = undefined;
      try {
        client.close();
      } catch {
        // already closed
      }
    }
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
