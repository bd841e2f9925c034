/**
 * `StreamHandler` and `NullHandler`: records to a stream such as `Deno.stderr`, or nowhere.
 * Both work on Deno Deploy.
 *
 * This is the `@x/loghandlers/stream` entry point (also re-exported by `@x/loghandlers`). Needs no
 * permission (writing to `Deno.stderr`/`Deno.stdout` needs no flag).
 *
 * @module
 */

import { Handler } from "../core/handler.ts";
import { describeValue } from "../core/text/options.ts";
import { pyStr } from "../core/text/pystr.ts";
import { getLevelName } from "../core/levels.ts";
import { LineGuard, type SyncWriter, writeAllSync } from "../core/io/files.ts";

export type { SyncWriter };
import { createEncoder, type Encoder } from "../core/text/encoding.ts";
import type { LogRecord } from "../core/record.ts";

/**
 * A stream that takes text: anything with `write(text)`, such as a `WritableStreamDefaultWriter`
 * of strings or an array-backed collector. `write` may return a promise; `flush()` waits for it.
 */
export interface TextWriter {
  /** Writes one formatted record, terminator included. */
  write(text: string): unknown;
  /** Optional: flushes what the stream holds. */
  flush?(): unknown;
}

/** What a {@linkcode StreamHandler} writes to: `{ writeSync }` (bytes, UTF-8) or `{ write }` (text). */
export type LogStream = SyncWriter | TextWriter;

function streamName(stream: LogStream): string {
  if (typeof Deno === "object") {
    if (stream === Deno.stderr) return "<stderr>";
    if (stream === Deno.stdout) return "<stdout>";
  }
  // Python's str(getattr(stream, 'name', '')): a stream named 2 shows as "2" (bpo-36015).
  try {
    const name = (stream as { name?: unknown }).name;
    return typeof name === "string" ? name : name === undefined || name === null ? "" : pyStr(name);
  } catch {
    return "";
  }
}

function isSyncWriter(stream: LogStream): stream is SyncWriter {
  return typeof (stream as SyncWriter).writeSync === "function";
}

/**
 * Python's `logging.StreamHandler`: writes each formatted record and `terminator` to a stream.
 * With a `{ writeSync }` stream (the default `Deno.stderr`, `Deno.stdout`, a `Deno.FsFile`) the
 * UTF-8 bytes are written synchronously: they are in the operating system when `handle()`
 * returns. With a `{ write }` stream the text is passed to `write`; a promise it returns is
 * awaited by `flush()`, and a rejection goes to `handleError`.
 *
 * @example
 * ```ts
 * import { getLogger, StreamHandler } from "@x/loghandlers";
 * const lines: string[] = [];
 * const h = new StreamHandler({ write: (text: string) => lines.push(text) });
 * const log = getLogger("doc.stream");
 * log.addHandler(h);
 * log.error("boom %d", 1);
 * console.assert(lines[0] === "boom 1\n");
 * ```
 */
export class StreamHandler extends Handler {
  /** Written after each record. */
  terminator = "\n";
  #stream: LogStream;
  #sync: boolean;
  #encoder: Encoder | null = null;
  /** For a `{ writeSync }` stream: keeps a write cut by a full disk from joining two lines. */
  #lines: LineGuard | null = null;
  /** The terminator whose encoding is the guard's separator. */
  #separatorOf = "";
  #inFlight: Promise<unknown> | null = null;
  #inFlightCount = 0;

  /**
   * Creates a handler writing to `stream`.
   *
   * @param stream Where records go; `Deno.stderr` when omitted.
   * @throws {TypeError} When `stream` has neither `writeSync` nor `write`.
   */
  constructor(stream?: LogStream) {
    if (
      stream !== undefined && stream !== null &&
      (typeof stream !== "object" ||
        (typeof (stream as { writeSync?: unknown }).writeSync !== "function" &&
          typeof (stream as { write?: unknown }).write !== "function"))
    ) {
      throw new TypeError(
        `Cannot create StreamHandler as 'stream' must have a writeSync or a write method, like ` +
          `Deno.stderr: current value is ${describeValue(stream)}`,
      );
    }
    super();
    this.#stream = stream ?? Deno.stderr;
    this.#sync = isSyncWriter(this.#stream);
  }

  /** The stream records are written to (`null` for a closed or not yet opened file). */
  get stream(): LogStream | null {
    return this.#stream;
  }

  /** Whether writes returned by a `{ write }` stream are still pending. */
  override get pending(): boolean {
    return this.#inFlightCount !== 0;
  }

  /**
   * Replaces the stream, like Python's `setStream`.
   *
   * @param stream The new stream.
   * @returns The old stream, or `null` when `stream` is already the current one.
   */
  setStream(stream: LogStream): LogStream | null {
    if (stream === this.#stream) return null;
    const old = this.#stream;
    try {
      (old as TextWriter).flush?.();
    } catch (error) {
      this.handleError(null, error);
    }
    this.#stream = stream;
    this.#sync = isSyncWriter(stream);
    this.#lines = null;
    return old;
  }

  /**
   * Writes the formatted record and the terminator.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    const text = this.format(record) + this.terminator;
    if (this.#sync) {
      const encoder = this.#encoder ??= createEncoder("utf-8", "backslashreplace");
      let lines = this.#lines;
      if (lines === null || this.terminator !== this.#separatorOf) {
        this.#separatorOf = this.terminator;
        const separator = encoder.encode(this.terminator).slice();
        if (lines === null) lines = this.#lines = new LineGuard(this.#stream as SyncWriter);
        lines.separator = separator;
      }
      writeAllSync(lines, encoder.encode(text));
      return;
    }
    const result = (this.#stream as TextWriter).write(text);
    if (result instanceof Promise) this.#track(result, record);
  }

  #track(promise: Promise<unknown>, record: LogRecord): void {
    this.#inFlightCount++;
    const done = promise.then(
      () => {
        this.#inFlightCount--;
      },
      (error) => {
        this.#inFlightCount--;
        this.handleError(record, error);
      },
    );
    this.#inFlight = done;
  }

  /**
   * Waits for pending writes, then calls the stream's `flush()` if it has one.
   *
   * @returns A promise that never rejects.
   */
  override async flush(): Promise<void> {
    if (this.#inFlight !== null) await this.#inFlight;
    try {
      await (this.#stream as TextWriter).flush?.();
    } catch (error) {
      this.handleError(null, error);
    }
  }

  /** Closes the handler (the stream itself stays open, as in Python): `using h = ...`. */
  [Symbol.dispose](): void {
    void this.close();
  }

  /**
   * Python's repr: `<StreamHandler <stderr> (NOTSET)>`.
   *
   * @returns The description.
   */
  override toString(): string {
    const name = streamName(this.#stream);
    return `<${this.constructor.name} ${name ? name + " " : ""}(${getLevelName(this.level)})>`;
  }
}

export { NullHandler } from "../core/null_handler.ts";

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
