/**
 * The `Handler` base class: level, filters, formatter, and the I/O contract every handler keeps.
 *
 * @module
 */

import { Filterer } from "./filter.ts";
import { CALLER_FIELDS, Formatter } from "./formatter.ts";
import { checkLevel, getLevelName, type Level, NOTSET } from "./levels.ts";
import type { LogRecord } from "./record.ts";
import { pyRepr, pyStr } from "./text/pystr.ts";
import { describeValue } from "./text/options.ts";
import { bumpConfigGeneration, settings } from "./settings.ts";
import { registerHandler, unregisterHandler } from "./shutdown.ts";

let defaultFormatter: Formatter | undefined;
let reporting = false;

/**
 * Python's `logging.Handler`: the base of every handler.
 *
 * The I/O contract: {@linkcode Handler.handle} and {@linkcode Handler.emit} are synchronous and
 * never throw into the caller; a failure goes to {@linkcode Handler.handleError}. Every handler
 * has `flush()` (resolves when everything handled before the call has been delivered or has
 * definitely failed), `close()` (flushes, releases, idempotent) and `[Symbol.asyncDispose]`, so
 * `await using handler = new ...` works. Subclasses implement `emit`.
 *
 * @example
 * ```ts
 * import { getLogger, Handler, type LogRecord } from "@x/loghandlers";
 *
 * class ListHandler extends Handler {
 *   lines: string[] = [];
 *   override emit(record: LogRecord): void {
 *     this.lines.push(this.format(record));
 *   }
 * }
 * const h = new ListHandler();
 * const log = getLogger("doc.handler");
 * log.addHandler(h);
 * log.warning("disk at %d%%", 91);
 * console.assert(h.lines[0] === "disk at 91%");
 * ```
 */
export abstract class Handler extends Filterer {
  #name: string | null = null;
  #level: number;
  #formatter: Formatter | null = null;
  #closed = false;

  /**
   * Sets up the level, filters and formatter state shared by every handler.
   *
   * @param level The handler's threshold: a number or a registered level name.
   * @throws {RangeError} For an unknown level name.
   */
  constructor(level: Level = NOTSET) {
    super();
    this.#level = checkLevel(level);
    registerHandler(this);
  }

  /**
   * The handler's name, or `null` (Python's `Handler.name`). Setting a non-empty name makes
   * the handler known to {@linkcode getHandlerByName} under it, until the handler is renamed,
   * closed or garbage-collected; `dictConfig` names each handler after its key. A name set
   * again on another handler moves to that one.
   *
   * @throws {TypeError} When set to anything but a string or `null`.
   */
  get name(): string | null {
    return this.#name;
  }
  set name(name: string | null) {
    if (name === undefined) name = null;
    if (name !== null && typeof name !== "string") {
      throw new TypeError(
        `Cannot set ${this.constructor.name}.name as it must be a string or null: current ` +
          `value is ${describeValue(name)}`,
      );
    }
    unnameHandler(this, this.#name);
    this.#name = name;
    if (name) nameHandler(this, name);
  }

  /** The handler's threshold: records below it are not handled. */
  get level(): number {
    return this.#level;
  }
  set level(level: number) {
    this.setLevel(level);
  }

  /** The formatter, or `null` for the default one (`%(message)s`). */
  get formatter(): Formatter | null {
    return this.#formatter;
  }
  set formatter(formatter: Formatter | null) {
    this.setFormatter(formatter);
  }

  /** Whether {@linkcode Handler.close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Whether the records this handler receives need caller information (`pathname`, `lineno`,
   * ...). By default: whether the formatter uses one of those fields
   * ({@linkcode Formatter.usesCallerInfo}). Handlers that send
   * whole records elsewhere override it to return `true`.
   */
  get needsCallerInfo(): boolean {
    const f = this.#formatter;
    if (f === null) return false;
    // A formatter-like object that is not a Formatter: look at its format.
    return typeof f.usesCallerInfo === "function" ? f.usesCallerInfo() : CALLER_FIELDS.test(f.fmt);
  }

  /**
   * Whether records are still waiting for asynchronous delivery. Handlers with an outbox
   * override it; the exit hooks keep the program alive while it is true.
   */
  get pending(): boolean {
    return false;
  }

  /**
   * Sets the threshold.
   *
   * @param level A number or a registered level name.
   * @throws {RangeError} For an unknown level name, listing the known ones.
   */
  setLevel(level: Level): void {
    this.#level = checkLevel(level);
  }

  /**
   * Sets the formatter used by {@linkcode Handler.format}.
   *
   * @param formatter The formatter, or `null` for the default.
   */
  setFormatter(formatter: Formatter | null): void {
    this.#formatter = formatter;
    bumpConfigGeneration();
  }

  /**
   * Formats `record` with the handler's formatter, or with the default `%(message)s` one.
   *
   * @param record The record.
   * @returns The text.
   */
  format(record: LogRecord): string {
    return (this.#formatter ?? (defaultFormatter ??= new Formatter())).format(record);
  }

  /**
   * Runs the filters and, if the record passes, emits it. Never throws: an error in a filter
   * or in `emit` goes to {@linkcode Handler.handleError}.
   *
   * @param record The record.
   * @returns Whether the record was emitted.
   */
  handle(record: LogRecord): boolean {
    let r: LogRecord | false = record;
    try {
      if (this.filters.length !== 0) r = this.filter(record);
      if (r === false) return false;
      this.emit(r);
    } catch (error) {
      this.handleError(r || record, error);
    }
    return true;
  }

  /**
   * Does whatever it takes to log `record`. Subclasses implement it; it must be synchronous and
   * report failures through {@linkcode Handler.handleError}.
   *
   * @param record The record.
   */
  abstract emit(record: LogRecord): void;

  /**
   * Reports a failure to handle `record`: while `settings.raiseExceptions` is true, prints
   * Python's "--- Logging error ---" report to stderr; otherwise stays silent. Never throws, and
   * never logs through a logger (so it cannot recurse).
   *
   * @param record The record being handled.
   * @param error What went wrong.
   */
  handleError(record: LogRecord | null, error: unknown): void {
    if (!settings.raiseExceptions || reporting) return;
    reporting = true;
    try {
      let text = "--- Logging error ---\n";
      text += describeError(error) + "\n";
      text += "Call stack:\n" + callStack() + "\n";
      if (record !== null) {
        try {
          text += `Message: ${pyRepr(record.msg)}\nArguments: ${pyStr(record.args)}\n`;
        } catch {
          text += "Unable to print the message and arguments - possible formatting error.\n" +
            "Use the traceback above to help find the error.\n";
        }
      }
      writeStderr(text);
    } catch {
      // Nothing more can be done: stderr itself failed.
    } finally {
      reporting = false;
    }
  }

  /**
   * Writes out, synchronously, whatever this handler holds in memory (a write buffer). Called
   * by the exit hooks on `unload`, when nothing asynchronous can run any more.
   */
  flushSync(): void {}

  /**
   * Resolves when everything handled before the call has been delivered or has definitely
   * failed.
   *
   * @returns A promise that never rejects; failures go to `handleError`.
   */
  flush(): Promise<void> {
    try {
      this.flushSync();
    } catch (error) {
      this.handleError(null, error);
    }
    return Promise.resolve();
  }

  /**
   * Flushes and releases the handler's resources. Idempotent. Subclasses call `super.close()`.
   *
   * @returns A promise that resolves when the handler is closed.
   */
  close(): Promise<void> {
    this.#closed = true;
    unregisterHandler(this);
    unnameHandler(this, this.#name);
    return Promise.resolve();
  }

  /** Closes the handler: `await using handler = new ...`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /**
   * Python's repr: `<ClassName (LEVEL)>`.
   *
   * @returns The description.
   */
  override toString(): string {
    return `<${this.constructor.name} (${getLevelName(this.#level)})>`;
  }
}

// JavaScript callers get no check of the abstract method: a subclass without `emit` fails as
// Python's `Handler.emit` does, through handleError, with Python's NotImplementedError.
Object.defineProperty(Handler.prototype, "emit", {
  value: function emit(this: Handler): never {
    const error = new Error(
      `emit must be implemented by Handler subclasses: ${this.constructor.name} has no emit method`,
    );
    error.name = "NotImplementedError";
    throw error;
  },
  writable: true,
  configurable: true,
});

/**
 * The named handlers (Python's `logging._handlers`, a `WeakValueDictionary`): a name maps to a
 * weak reference, so a handler nobody else holds is still collected, and the finalizer then
 * drops its name.
 */
const named = new Map<string, WeakRef<Handler>>();
const collected = new FinalizationRegistry<string>((name) => {
  if (named.get(name)?.deref() === undefined) named.delete(name);
});

function nameHandler(handler: Handler, name: string): void {
  named.set(name, new WeakRef(handler));
  collected.register(handler, name, handler);
}

/** Drops `name` if it still names `handler` (a name that moved to another handler stays). */
function unnameHandler(handler: Handler, name: string | null): void {
  if (!name) return;
  collected.unregister(handler);
  const ref = named.get(name);
  if (ref !== undefined && (ref.deref() === handler || ref.deref() === undefined)) {
    named.delete(name);
  }
}

/**
 * Returns the live handler named `name` (Python 3.12's `logging.getHandlerByName`): a handler
 * gets a name by setting {@linkcode Handler.name} (`dictConfig` and `fileConfig` name each
 * handler after its key) and loses it when it is renamed, closed or garbage-collected.
 *
 * @param name The name.
 * @returns The handler, or `null` (Python's `None`) when no live handler has that name.
 * @throws {TypeError} When `name` is not a string.
 *
 * @example
 * ```ts
 * import { getHandlerByName, NullHandler } from "@x/loghandlers";
 * const h = new NullHandler();
 * h.name = "doc.audit";
 * console.assert(getHandlerByName("doc.audit") === h);
 * await h.close();
 * console.assert(getHandlerByName("doc.audit") === null);
 * ```
 */
export function getHandlerByName(name: string): Handler | null {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot look up a handler as its name must be a string: current value is ${
        describeValue(name)
      }`,
    );
  }
  return named.get(name)?.deref() ?? null;
}

/**
 * Returns the names of the live named handlers (Python 3.12's `logging.getHandlerNames`,
 * which returns a `frozenset`): a new set on each call, in the order the names were given, so
 * changing it changes nothing; its type is read-only.
 *
 * @returns The names.
 *
 * @example
 * ```ts
 * import { getHandlerNames, NullHandler } from "@x/loghandlers";
 * const h = new NullHandler();
 * h.name = "doc.names";
 * console.assert(getHandlerNames().has("doc.names"));
 * h.name = null;
 * console.assert(!getHandlerNames().has("doc.names"));
 * ```
 */
export function getHandlerNames(): ReadonlySet<string> {
  const names = new Set<string>();
  for (const [name, ref] of named) {
    if (ref.deref() === undefined) named.delete(name);
    else names.add(name);
  }
  return names;
}

/**
 * Forgets every handler name, as Python's `logging.config` does (`_handlers.clear()`) before a
 * configuration replaces the handlers. The handlers keep their `name`. Internal: for
 * `dictConfig` and `fileConfig`.
 */
export function clearHandlerNames(): void {
  for (const ref of named.values()) {
    const h = ref.deref();
    if (h !== undefined) collected.unregister(h);
  }
  named.clear();
}

function describeError(error: unknown): string {
  try {
    return describeErrorChain(error);
  } catch {
    // A revoked Proxy, a throwing getter: the report still goes out.
    return "Error: (a value that cannot be described)";
  }
}

function describeErrorChain(error: unknown): string {
  if (error instanceof Error) {
    let text = error.stack ?? `${error.name}: ${error.message}`;
    let cause = error.cause;
    for (let depth = 0; cause !== undefined && depth < 8; depth++) {
      text += "\nCaused by: " +
        (cause instanceof Error ? cause.stack ?? String(cause) : pyStr(cause));
      cause = cause instanceof Error ? cause.cause : undefined;
    }
    return text;
  }
  return `Error: ${pyStr(error)}`;
}

function callStack(): string {
  const stack = new Error().stack ?? "";
  return stack.split("\n").slice(3).join("\n");
}

const stderrEncoder = new TextEncoder();

/** Writes `text` to stderr synchronously, falling back to `console.error` where Deno has no stderr. */
export function writeStderr(text: string): void {
  const stderr = typeof Deno === "object" ? Deno.stderr : undefined;
  if (stderr && typeof stderr.writeSync === "function") {
    const bytes = stderrEncoder.encode(text);
    let n = 0;
    while (n < bytes.length) n += stderr.writeSync(bytes.subarray(n));
  } else {
    console.error(text.endsWith("\n") ? text.slice(0, -1) : text);
  }
}
