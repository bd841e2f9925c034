/**
 * `HTTPHandler`: records sent to a web server with GET or POST, exactly as CPython's
 * `logging.handlers.HTTPHandler` sends them (the record's attributes, URL-encoded), or as JSON,
 * one request per record or in batches, through an ordered bounded outbox.
 *
 * @module
 */

import { Handler, writeStderr } from "../core/handler.ts";
import { floatRepr } from "../core/float_format.ts";
import { checkOutboxOptions, type OutboxOptions } from "../core/outbox.ts";
import { OutboxHandler } from "../core/outbox_handler.ts";
import { pyRepr, pyStr } from "../core/pystr.ts";
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

/** Options of {@linkcode HTTPHandler}. */
export interface HTTPHandlerOptions extends OutboxOptions {
  /**
   * `"GET"` (the record in the query string) or `"POST"` (the record in the body), in any case.
   *
   * @default {"GET"}
   */
  method?: string;
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
   * Seconds a request may take before it is abandoned (reported, and retried with back-off).
   *
   * @default {5}
   */
  timeout?: number;
  /**
   * `"urlencoded"` is CPython's (`urllib.parse.urlencode` of the record's attributes);
   * `"json"` POSTs the same attributes as a JSON object (an array of them when batching).
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
}

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
 * import { urlencode } from "./http.ts";
 * console.assert(urlencode({ msg: "a b&c", args: ["x", 1], exc_info: null, created: 5 }) ===
 *   "msg=a+b%26c&args=%28%27x%27%2C+1%29&exc_info=None&created=5.0");
 * ```
 */
export function urlencode(dict: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const key of Object.keys(dict)) {
    const value = dict[key];
    if (value === undefined) continue;
    const text = typeof value === "number" && FLOAT_FIELDS.has(key)
      ? floatRepr(value)
      : pyWireStr(value, 0, key === "args");
    parts.push(quotePlus(key) + "=" + quotePlus(text));
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

/**
 * Python's `logging.handlers.HTTPHandler`: sends each record to a web server, as the
 * URL-encoded attributes of the record (`mapLogRecord`), in the query string (GET) or the body
 * (POST), exactly as CPython does, with Basic authentication from `credentials`, HTTPS with
 * `secure` (certificates verified; extra authorities through `context`), and a `timeout`.
 *
 * `handle()` never waits: the request goes into an ordered, bounded outbox and one background
 * pump sends it with `fetch` (so it works on Deno Deploy). A failure to connect, a timeout and
 * a 5xx, 408 or 429 answer are reported once through `handleError` and the request is sent
 * again after a back-off (`retryStart`, `retryFactor`, `retryMax`); any other non-2xx answer is
 * reported through `handleError` with its status and not sent again. Beyond Python: `format:
 * "json"` and batching of several records into one request.
 *
 * Requires `--allow-net` for the host.
 *
 * @example
 * ```ts
 * import { HTTPHandler } from "./http.ts";
 * import { makeLogRecord } from "../core/record.ts";
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
  /** `host` or `host:port`. */
  readonly host: string;
  /** The path (and query) of the requests. */
  readonly url: string;
  /** `"GET"` or `"POST"`. */
  readonly method: "GET" | "POST";
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
  #base: string;
  #shownUrl: string;
  #headers: Record<string, string>;
  #client: Deno.HttpClient | undefined;
  #caCerts: string[] | undefined;
  #batchMax: number;
  #batchDelay: number;
  #batching: boolean;
  #waiting: string[] = [];

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
    checkOutboxOptions("HTTPHandler", options);
    super(options);
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
      const credentials = options.credentials ?? null;
      if (credentials !== null && !(Array.isArray(credentials) && credentials.length === 2)) {
        throw new TypeError(
          `Cannot create HTTPHandler as 'credentials' must be [user, password] or null: current value is ${
            pyStr(credentials)
          }`,
        );
      }
      this.host = host;
      this.url = url;
      this.method = method;
      this.secure = secure;
      this.credentials = credentials;
      this.context = context;
      this.timeout = timeout;
      this.wireFormat = format;
      this.#batching = batch !== 1;
      this.#batchMax = batchMax;
      this.#batchDelay = batchDelay;
      this.#base = `${secure ? "https" : "http"}://${host}`;
      this.#shownUrl = this.#base + url;
      this.#headers = {};
      if (method === "POST") {
        this.#headers["Content-Type"] = format === "json"
          ? "application/json"
          : "application/x-www-form-urlencoded";
      }
      if (credentials !== null) {
        this.#headers["Authorization"] = basicAuth(credentials);
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

  /** Records wait for delivery; the exit hooks wait for them. */
  override get pending(): boolean {
    return this.#waiting.length > 0 || super.pending;
  }

  /** Records are sent whole: caller information is filled in for them. */
  override get needsCallerInfo(): boolean {
    return true;
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
      this.outbox.push(utf8.encode(urlencode(dict)));
      return;
    }
    const json = JSON.stringify(toJson({ ...dict }));
    if (!this.#batching) {
      this.outbox.push(utf8.encode(json));
      return;
    }
    this.#waiting.push(json);
    this.scheduleSendPending(this.#waiting.length >= this.#batchMax, this.#batchDelay);
  }

  /** Puts the records gathered for a batch into the outbox as one request. */
  protected override sendPending(): void {
    if (this.#waiting.length === 0) return;
    const body = "[" + this.#waiting.join(",") + "]";
    this.#waiting = [];
    this.outbox.push(utf8.encode(body));
  }

  /**
   * Sends the requests of a batch in order (called by the outbox pump).
   *
   * @param items Request bodies, in order.
   * @returns A promise that resolves when they are delivered.
   */
  protected override async deliver(items: Uint8Array[]): Promise<void> {
    let delivered = 0;
    try {
      for (const item of items) {
        await this.#request(item);
        delivered++;
      }
    } catch (error) {
      throw Object.assign(error instanceof Error ? error : new Error(String(error)), {
        delivered,
      });
    }
  }

  async #request(item: Uint8Array): Promise<void> {
    let target: string;
    let body: Uint8Array | undefined;
    if (this.method === "GET") {
      const sep = this.url.includes("?") ? "&" : "?";
      target = this.#base + this.url + sep + utf8Decoder.decode(item);
    } else {
      target = this.#base + this.url;
      body = item;
    }
    const init: RequestInit & { client?: Deno.HttpClient } = {
      method: this.method,
      headers: this.#headers,
      signal: AbortSignal.timeout(this.timeout * 1000),
    };
    if (body !== undefined) init.body = body as Uint8Array<ArrayBuffer>;
    if (this.#caCerts !== undefined) {
      this.#client ??= Deno.createHttpClient({ caCerts: this.#caCerts });
    }
    if (this.#client !== undefined) init.client = this.#client;
    let response: Response;
    try {
      response = await fetch(target, init);
    } catch (error) {
      const name = (error as { name?: unknown } | null)?.name;
      if (name === "TimeoutError") {
        throw new Error(
          `${this.method} ${this.#shownUrl} timed out after ${this.timeout} s`,
          { cause: error },
        );
      }
      throw new Error(`${this.method} ${this.#shownUrl} failed`, { cause: error });
    }
    try {
      await response.body?.cancel();
    } catch {
      // the body is not needed
    }
    if (response.ok) return;
    const error = new HTTPStatusError(
      this.method,
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

  /** At `close()`, releases the HTTP client the handler made. */
  protected override releaseDelivery(): void {
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
