/**
 * Context that follows async calls: fields set by {@linkcode withContext} for a piece of work
 * (a request, a job) that every record logged inside it carries, across awaits, timers, promise
 * chains and callbacks, without passing them around. Python's `contextvars` + filter recipe,
 * built on `AsyncLocalStorage`; with Deno's built-in tracing on, the active span's ids too.
 *
 * @module
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { Filter } from "./filter.ts";
import { LogRecord } from "./record.ts";
import { RECORD_ATTRIBUTES } from "./record_fields.ts";
import { activeSpanIds, serviceName, telemetryEnabled } from "./telemetry.ts";
import { KeyError } from "./text/errors.ts";
import { checkOptions, describeValue, nullable, object } from "./text/options.ts";
import { pyRepr } from "./text/pystr.ts";

/** One context: the merged fields, and the same as arrays for stamping records quickly. */
interface Store {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly keys: readonly string[];
  readonly values: readonly unknown[];
  /** A string to set as the record's `taskName`, or `undefined`. */
  readonly taskName: string | undefined;
}

/** Made by the first {@linkcode withContext}: until then, records pay nothing for contexts. */
let storage: AsyncLocalStorage<Store> | null = null;
/** Whether the active span's ids are stamped (Deno's tracing is on); known after `probed`. */
let traced = false;
let probed = false;

/**
 * Whether records made by a logger must go through {@linkcode stampRecord}: `true` until the
 * first record has found out whether Deno's tracing is on, then only while it is or a context has
 * ever been entered. Read by the logger before each record, so that a program that uses neither
 * pays one comparison per record.
 */
export let stamping = true;

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/**
 * Runs `fn` in a context whose fields every record logged inside it carries as record
 * attributes, whatever `fn` awaits or schedules (timers, promise chains, `queueMicrotask`,
 * callbacks Deno runs in the caller's context): `%(requestId)s` in a format, and the extra
 * fields of JSON and OpenTelemetry output, see them. Contexts nest: the inner one's fields are
 * merged over the outer one's. Concurrent calls do not see each other's fields.
 *
 * A field never replaces what a record already has: a logging call's `extra` wins over the
 * context, and so does an attribute set by a record factory. A field named like one of the
 * record's own attributes (`msg`, `levelname`, `message`, ...) is refused here, as Python
 * refuses it in `extra`; the one exception is `taskName`, Python's name of the asyncio task a
 * record was logged in: a string given as `taskName` becomes the `taskName` of the records
 * logged inside (it is `null` otherwise).
 *
 * The fields are read once, when the context is entered; their values are kept as they are (a
 * mutable value's later changes show in later records).
 *
 * @typeParam T What `fn` returns (a promise for an async function).
 * @param fields The fields, as a plain object.
 * @param fn The work to run in the context.
 * @returns What `fn` returns.
 * @throws {TypeError} When `fields` is not a plain object, reading a field throws, or `fn` is not
 * a function.
 * @throws {KeyError} When a field is named like a record attribute: Python's `Attempt to
 * overwrite 'msg' in LogRecord`.
 *
 * @example
 * ```ts
 * import { Formatter, getLogger, StreamHandler, withContext } from "@x/loghandlers";
 * const lines: string[] = [];
 * const handler = new StreamHandler({ write: (line: string) => lines.push(line) });
 * handler.setFormatter(new Formatter("%(requestId)s %(message)s"));
 * const log = getLogger("doc.withContext");
 * log.addHandler(handler);
 * await withContext({ requestId: "r-1" }, async () => {
 *   await new Promise((resolve) => setTimeout(resolve, 1));
 *   log.warning("after a timer");
 * });
 * console.assert(lines[0] === "r-1 after a timer\n");
 * log.removeHandler(handler);
 * ```
 */
export function withContext<T>(fields: Readonly<Record<string, unknown>>, fn: () => T): T {
  if (typeof fn !== "function") {
    throw new TypeError(
      `Cannot call withContext as 'fn' must be a function to run in the context: current value ` +
        `is ${describeValue(fn)}`,
    );
  }
  const store = makeStore(storage?.getStore(), fields);
  if (storage === null) {
    storage = new AsyncLocalStorage<Store>();
    stamping = true;
  }
  return storage.run(store, fn);
}

/**
 * The fields of the current context: what records logged here carry (the inner context's
 * fields merged over the outer ones'), or an empty object outside any
 * {@linkcode withContext}. The object is frozen.
 *
 * @returns The fields.
 *
 * @example
 * ```ts
 * import { getContext, withContext } from "@x/loghandlers";
 * withContext({ requestId: "r-1", user: "ann" }, () => {
 *   withContext({ user: "bob" }, () => {
 *     console.assert(JSON.stringify(getContext()) === '{"requestId":"r-1","user":"bob"}');
 *   });
 * });
 * console.assert(Object.keys(getContext()).length === 0);
 * ```
 */
export function getContext(): Readonly<Record<string, unknown>> {
  return storage?.getStore()?.fields ?? EMPTY;
}

/** Whether a context may use `key` as a field name. */
function refusedKey(key: string): boolean {
  return key !== "taskName" && (RECORD_ATTRIBUTES.has(key) || key in LogRecord.prototype);
}

function makeStore(parent: Store | undefined, fields: unknown): Store {
  if (!isPlainObject(fields)) {
    throw new TypeError(
      `Cannot call withContext as 'fields' must be a plain object of field names and values, ` +
        `e.g. withContext({ requestId }, fn): current value is ${describeValue(fields)}`,
    );
  }
  const merged: Record<string, unknown> = parent === undefined
    ? {}
    : { ...parent.fields } as Record<string, unknown>;
  for (const [key, value] of readFields("withContext", fields)) {
    if (key === "taskName" && value !== null && typeof value !== "string") {
      throw new TypeError(
        `Cannot call withContext as 'taskName' must be a string or null: current value is ${
          describeValue(value)
        }`,
      );
    }
    merged[key] = value;
  }
  const keys: string[] = [];
  const values: unknown[] = [];
  for (const key in merged) {
    if (key === "taskName") continue;
    keys.push(key);
    values.push(merged[key]);
  }
  const task = merged.taskName;
  return {
    fields: Object.freeze(merged),
    keys,
    values,
    taskName: typeof task === "string" ? task : undefined,
  };
}

/** Reads each own enumerable field once, refusing record attributes' names. */
function readFields(owner: string, fields: object): Array<[string, unknown]> {
  const out: Array<[string, unknown]> = [];
  let keys: string[];
  try {
    keys = Object.keys(fields);
  } catch (error) {
    throw new TypeError(`Cannot call ${owner} as its fields cannot be listed: ${String(error)}`);
  }
  for (const key of keys) {
    if (refusedKey(key)) {
      throw new KeyError(
        `Attempt to overwrite ${pyRepr(key)} in LogRecord: ${owner}'s fields may not use the ` +
          `name of a record attribute; rename the field`,
      );
    }
    let value: unknown;
    try {
      value = (fields as Record<string, unknown>)[key];
    } catch (error) {
      throw new TypeError(
        `Cannot call ${owner} as its field '${key}' cannot be read: ${describeError(error)}`,
      );
    }
    out.push([key, value]);
  }
  return out;
}

function describeError(error: unknown): string {
  try {
    return error instanceof Error ? `${error.name}: ${error.message}` : describeValue(error);
  } catch {
    return "an unreadable error";
  }
}

function isPlainObject(value: unknown): value is object {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === Object.prototype || proto === null;
  } catch {
    return false;
  }
}

/** Sets the store's fields that `record` lacks. */
function applyStore(record: LogRecord, store: Store): void {
  const target = record as unknown as Record<string, unknown>;
  const keys = store.keys;
  const values = store.values;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!(key in target)) target[key] = values[i];
  }
  if (store.taskName !== undefined && record.taskName === null) record.taskName = store.taskName;
}

/** Sets the active span's ids, under opentelemetry-python's names, unless already set. */
function applySpan(record: LogRecord): void {
  const ids = activeSpanIds();
  if (ids === null) return;
  const target = record as unknown as Record<string, unknown>;
  if (!("otelSpanID" in target)) target.otelSpanID = ids.spanId;
  if (!("otelTraceID" in target)) target.otelTraceID = ids.traceId;
  if (!("otelTraceSampled" in target)) target.otelTraceSampled = ids.sampled;
  const service = serviceName();
  if (service !== null && !("otelServiceName" in target)) target.otelServiceName = service;
}

/**
 * Adds the current context's fields, and the active span's ids while Deno's tracing is on, to a
 * record that a logger has just made (before its filters and handlers see it). Never throws.
 * Internal: the logger calls it while {@linkcode stamping} is true.
 *
 * @param record The new record.
 */
export function stampRecord(record: LogRecord): void {
  if (!probed) {
    probed = true;
    traced = telemetryEnabled();
    stamping = traced || storage !== null;
  }
  try {
    if (storage !== null) {
      const store = storage.getStore();
      if (store !== undefined) applyStore(record, store);
    }
    if (traced) applySpan(record);
  } catch {
    // a record from a factory of the user's that refuses attributes: logged without them
  }
}

/** Options of {@linkcode ContextFilter}. */
export interface ContextFilterOptions {
  /**
   * Values for fields a record lacks once the context's are set, e.g. `{ requestId: "-" }`, so
   * that a format naming `%(requestId)s` also formats records logged outside any context.
   *
   * @default {null}
   */
  defaults?: Readonly<Record<string, unknown>> | null;
}

const CONTEXT_FILTER_RULES = { defaults: nullable(object()) };

/**
 * A filter that adds the current context's fields (see {@linkcode withContext}) to the records
 * it sees, and `defaults` for fields they still lack; it lets every record through. Python's
 * `contextvars` recipe, where a filter on a handler copies the context into each record.
 *
 * Records made by a logger already carry their context (the logger adds it when it makes them),
 * so this filter is needed only for `defaults`, and for records made elsewhere and handled in a
 * context (`makeLogRecord`, records received from the network): put it on the handler (or the
 * logger) whose format names the fields. Like a context, it never replaces what a record has.
 *
 * @example
 * ```ts
 * import { ContextFilter, Formatter, getLogger, StreamHandler, withContext } from "@x/loghandlers";
 * const lines: string[] = [];
 * const handler = new StreamHandler({ write: (line: string) => lines.push(line) });
 * handler.setFormatter(new Formatter("[%(requestId)s] %(message)s"));
 * handler.addFilter(new ContextFilter({ defaults: { requestId: "-" } }));
 * const log = getLogger("doc.ContextFilter");
 * log.addHandler(handler);
 * log.warning("starting");
 * withContext({ requestId: "r-7" }, () => log.warning("handling"));
 * console.assert(lines.join("") === "[-] starting\n[r-7] handling\n");
 * log.removeHandler(handler);
 * ```
 */
export class ContextFilter extends Filter {
  #keys: string[] = [];
  #values: unknown[] = [];

  /**
   * Creates the filter.
   *
   * @param options `defaults`.
   * @throws {TypeError} For an unknown option, a `defaults` that is not an object, or a default
   * whose value cannot be read.
   * @throws {KeyError} When a default is named like a record attribute.
   */
  constructor(options: ContextFilterOptions = {}) {
    checkOptions(
      "ContextFilter",
      options,
      CONTEXT_FILTER_RULES,
      `new ContextFilter({ defaults: { requestId: "-" } })`,
    );
    super();
    const defaults = options.defaults;
    if (defaults !== undefined && defaults !== null) {
      for (const [key, value] of readFields("ContextFilter", defaults)) {
        if (key === "taskName") continue;
        this.#keys.push(key);
        this.#values.push(value);
      }
    }
  }

  /**
   * Adds the context's fields and the defaults that `record` lacks.
   *
   * @param record The record.
   * @returns `true`: every record passes.
   */
  override filter(record: LogRecord): true {
    const store = storage?.getStore();
    if (store !== undefined) applyStore(record, store);
    const target = record as unknown as Record<string, unknown>;
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      if (!(keys[i] in target)) target[keys[i]] = this.#values[i];
    }
    return true;
  }
}
