/**
 * `BufferingHandler` and `MemoryHandler`: records kept in memory and handed, in order, to a
 * target handler when the buffer is full or a severe record arrives. Both work on Deno Deploy.
 *
 * This is the `@x/loghandlers/memory` entry point (also re-exported by `@x/loghandlers`). Needs no
 * permission of its own (the target handler needs its own).
 *
 * @module
 */

import { Handler } from "../core/handler.ts";
import { checkLevel, ERROR, type Level } from "../core/levels.ts";
import {
  boolean,
  checkOptions,
  either,
  integer,
  nullable,
  type OptionRules,
  satisfies,
  string,
} from "../core/text/options.ts";
import type { LogRecord } from "../core/record.ts";

const MEMORY_RULES: OptionRules = {
  flushLevel: either(integer(0), string(true)),
  target: nullable(
    satisfies(
      "a handler, or anything with handle(record)",
      (v) =>
        typeof v === "object" && v !== null && typeof (v as MemoryTarget).handle === "function",
    ),
  ),
  flushOnClose: boolean(),
};

function checkCapacity(className: string, capacity: number): number {
  if (!Number.isInteger(capacity) || capacity < 0) {
    throw new RangeError(
      `Cannot create ${className} as 'capacity' must be an integer >= 0: current value is ${capacity}`,
    );
  }
  return capacity;
}

/**
 * Python's `logging.handlers.BufferingHandler`: appends each record to {@linkcode
 * BufferingHandler.buffer} and, when {@linkcode BufferingHandler.shouldFlush} says so,
 * processes the buffer synchronously with {@linkcode BufferingHandler.flushSync}.
 *
 * Python's `flush()` is the override point for custom flushing behaviour; here, because
 * `flush()` returns a promise (the I/O contract), the synchronous part lives in `flushSync()`:
 * `emit` calls it, `flush()` and `close()` call it. This base version just empties the buffer.
 *
 * @example
 * ```ts
 * import { BufferingHandler, getLogger } from "@x/loghandlers";
 *
 * class BatchHandler extends BufferingHandler {
 *   batches: string[][] = [];
 *   override flushSync(): void {
 *     if (this.buffer.length !== 0) this.batches.push(this.buffer.map((r) => this.format(r)));
 *     super.flushSync();
 *   }
 * }
 * const h = new BatchHandler(2);
 * const log = getLogger("doc.buffering");
 * log.propagate = false;
 * log.addHandler(h);
 * log.warning("a");
 * log.warning("b");
 * log.warning("c");
 * console.assert(h.batches.length === 1 && h.batches[0].join() === "a,b");
 * await h.close(); // processes the rest: ["c"]
 * console.assert(h.batches.length === 2 && h.buffer.length === 0);
 * log.removeHandler(h);
 * ```
 */
export class BufferingHandler extends Handler {
  /** How many records the buffer holds before {@linkcode BufferingHandler.shouldFlush} is true. */
  capacity: number;
  /** The records waiting, oldest first (Python's `buffer` list). */
  buffer: LogRecord[] = [];

  /**
   * Creates a handler that buffers up to `capacity` records.
   *
   * @param capacity The number of records that fills the buffer; an integer >= 0 (0, as in
   *   Python, processes the buffer after every record).
   * @throws {RangeError} When `capacity` is not an integer >= 0.
   */
  constructor(capacity: number) {
    // Checked before super(): a handler whose constructor throws is never registered.
    checkCapacity(new.target.name, capacity);
    super();
    this.capacity = capacity;
  }

  /**
   * Whether the buffer should be processed now. True when it holds `capacity` records or more
   * (Python's `len(self.buffer) >= self.capacity`, so always with a capacity of 0). Override it
   * for another flushing strategy.
   *
   * @param _record The record just appended.
   * @returns Whether `emit` should call {@linkcode BufferingHandler.flushSync}.
   */
  shouldFlush(_record: LogRecord): boolean {
    return this.buffer.length >= this.capacity;
  }

  /**
   * Appends `record` to the buffer, then processes the buffer if
   * {@linkcode BufferingHandler.shouldFlush} says so.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    this.buffer.push(record);
    if (this.shouldFlush(record)) this.flushSync();
  }

  /**
   * Processes the buffer synchronously (Python's `flush()`); override it to implement custom
   * flushing behaviour. This version just empties the buffer.
   */
  override flushSync(): void {
    this.buffer.length = 0;
  }

  /**
   * Processes the buffer, then releases the handler. Idempotent.
   *
   * @returns A promise that resolves when the handler is closed.
   */
  override async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      await super.close();
    }
  }

  /** Closes the handler synchronously: `using handler = new ...`. */
  [Symbol.dispose](): void {
    if (this.closed) return;
    try {
      this.flushSync();
    } catch (error) {
      this.handleError(null, error);
    }
    void super.close();
  }
}

/**
 * What a {@linkcode MemoryHandler} hands its records to: any {@linkcode Handler}, or anything
 * with a `handle(record)` method. `flushSync()` and `flush()` are called when present.
 */
export interface MemoryTarget {
  /** Takes one record (a handler applies its own level and filters). */
  handle(record: LogRecord): unknown;
  /** Optional: writes out synchronously what the target holds (called after a hand-over). */
  flushSync?(): void;
  /** Optional: resolves when what the target was given is delivered (awaited by `flush()`). */
  flush?(): unknown;
}

/** Options for {@linkcode MemoryHandler}. */
export interface MemoryHandlerOptions {
  /**
   * A record at this level or above makes the handler hand the whole buffer to the target at
   * once: a number or a registered level name.
   *
   * @default {ERROR}
   */
  flushLevel?: Level;
  /**
   * Where buffered records go. With no target, records stay in the buffer until one is set
   * with {@linkcode MemoryHandler.setTarget} (as in Python, the buffer is only emptied by a
   * hand-over to a target).
   *
   * @default {null}
   */
  target?: MemoryTarget | null;
  /**
   * Whether `close()` hands the buffer to the target. When `false`, `close()` drops the
   * buffered records silently, as in Python.
   *
   * @default {true}
   */
  flushOnClose?: boolean;
}

/**
 * Python's `logging.handlers.MemoryHandler`: buffers records and hands them, oldest first, to a
 * target handler when the buffer holds `capacity` records, when a record at `flushLevel` or
 * above arrives, on `flush()`, on `close()` (unless `flushOnClose` is `false`) and when the
 * program exits (the `unload` hook calls {@linkcode MemoryHandler.flushSync}).
 *
 * The hand-over is synchronous: when `handle()` of the record that triggered it returns, the
 * target's `handle()` has been called for every buffered record, each record formatted once,
 * by the target. `flush()` also awaits the target's own `flush()`.
 *
 * Unlike Python 3.13, {@linkcode MemoryHandler.setTarget} first hands the buffer to the old
 * target, so records are delivered where they were headed when they were logged.
 *
 * @example
 * ```ts
 * import { getLogger, MemoryHandler, StreamHandler } from "@x/loghandlers";
 *
 * const lines: string[] = [];
 * const target = new StreamHandler({ write: (text: string) => lines.push(text) });
 * const h = new MemoryHandler(100, { flushLevel: "ERROR", target });
 * const log = getLogger("doc.memory");
 * log.propagate = false;
 * log.addHandler(h);
 * log.warning("step 1");
 * log.warning("step 2");
 * console.assert(lines.length === 0); // waiting in h.buffer
 * log.error("failed");
 * console.assert(lines.join("") === "step 1\nstep 2\nfailed\n");
 * log.removeHandler(h);
 * await h.close();
 * await target.close();
 * ```
 */
export class MemoryHandler extends BufferingHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static readonly optionRules: OptionRules = MEMORY_RULES;
  /** Whether `close()` hands the buffer to the target (else the buffer is dropped). */
  flushOnClose: boolean;
  #flushLevel: number;
  #target: MemoryTarget | null;
  #handingOver = false;

  /**
   * Creates a handler that buffers up to `capacity` records for `options.target`.
   *
   * @param capacity The number of records that makes the handler hand its buffer over; an
   *   integer >= 0 (0, as in Python, hands every record over as it arrives).
   * @param options The flush level, the target and whether `close()` flushes.
   * @throws {RangeError} When `capacity` is not an integer >= 0, or `flushLevel` is an unknown
   *   level name.
   */
  constructor(capacity: number, options: MemoryHandlerOptions = {}) {
    checkOptions(
      "MemoryHandler",
      options,
      MEMORY_RULES,
      `new MemoryHandler(100, { flushLevel: ERROR, target, flushOnClose: true })`,
      new.target === MemoryHandler ? "refuse" : "allow",
    );
    const flushLevel = checkLevel(options.flushLevel ?? ERROR);
    super(capacity);
    this.#flushLevel = flushLevel;
    this.#target = options.target ?? null;
    this.flushOnClose = options.flushOnClose ?? true;
  }

  /** A record at this level or above triggers a hand-over. Set it with a number or a name. */
  get flushLevel(): number {
    return this.#flushLevel;
  }
  set flushLevel(level: Level) {
    this.#flushLevel = checkLevel(level);
  }

  /** The handler records are handed to, or `null`. Setting it calls `setTarget`. */
  get target(): MemoryTarget | null {
    return this.#target;
  }
  set target(target: MemoryTarget | null) {
    this.setTarget(target);
  }

  /**
   * Whether the buffer holds `capacity` records or `record` is at `flushLevel` or above.
   *
   * @param record The record just appended.
   * @returns Whether to hand the buffer over now.
   */
  override shouldFlush(record: LogRecord): boolean {
    return this.buffer.length >= this.capacity || record.levelno >= this.#flushLevel;
  }

  /**
   * Replaces the target. Records already buffered are first handed to the old target (when
   * there is one), so each record goes where it was headed when it was logged; with no old
   * target they stay buffered for the new one.
   *
   * @param target The new target, or `null`.
   */
  setTarget(target: MemoryTarget | null): void {
    if (target === this.#target) return;
    if (this.#target !== null) this.flushSync();
    this.#target = target;
  }

  /**
   * Hands every buffered record, oldest first, to the target's `handle()`, empties the buffer,
   * then calls the target's `flushSync()` if it has one. Does nothing without a target (the
   * records stay buffered). A record the target throws on goes to `handleError`; the others are
   * still handed over. Records logged into this handler by the target during the hand-over
   * wait for the next one.
   */
  override flushSync(): void {
    const target = this.#target;
    if (target === null || this.#handingOver || this.buffer.length === 0) return;
    this.#handingOver = true;
    const records = this.buffer;
    this.buffer = [];
    try {
      for (const record of records) {
        try {
          target.handle(record);
        } catch (error) {
          this.handleError(record, error);
        }
      }
      if (typeof target.flushSync === "function") {
        try {
          target.flushSync();
        } catch (error) {
          this.handleError(null, error);
        }
      }
    } finally {
      this.#handingOver = false;
    }
  }

  /**
   * Hands the buffer to the target, then waits for the target's own `flush()`.
   *
   * @returns A promise that never rejects; failures go to `handleError`.
   */
  override async flush(): Promise<void> {
    const target = this.#target;
    this.flushSync();
    if (target === null || typeof target.flush !== "function") return;
    try {
      await target.flush();
    } catch (error) {
      this.handleError(null, error);
    }
  }

  /**
   * Hands the buffer to the target (unless `flushOnClose` is `false`, which drops it), forgets
   * the target and releases the handler, then waits for the target's `flush()`. It does not
   * close the target. Idempotent.
   *
   * @returns A promise that resolves when the handler is closed.
   */
  override async close(): Promise<void> {
    if (this.closed) return;
    const target = this.#closeSync();
    if (target !== null && this.flushOnClose && typeof target.flush === "function") {
      try {
        await target.flush();
      } catch (error) {
        this.handleError(null, error);
      }
    }
  }

  /** Closes the handler synchronously (the buffer is handed over unless `flushOnClose` is false). */
  override [Symbol.dispose](): void {
    if (this.closed) return;
    this.#closeSync();
  }

  #closeSync(): MemoryTarget | null {
    const target = this.#target;
    try {
      if (this.flushOnClose) this.flushSync();
    } catch (error) {
      this.handleError(null, error);
    } finally {
      this.#target = null;
      this.buffer.length = 0;
      void Handler.prototype.close.call(this);
    }
    return target;
  }
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
