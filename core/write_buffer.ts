/**
 * A bounded synchronous write buffer: bytes wait in memory for at most `size` bytes and
 * `interval` milliseconds, then go to the destination in one write.
 *
 * @module
 */

import { type SyncWriter, writeAllSync } from "./io.ts";

/**
 * Collects small writes into one buffer of a fixed size. It flushes when the next write would
 * not fit, when `interval` ms have passed since the first byte waiting (on a timer that never
 * keeps the program alive), and when {@linkcode WriteBuffer.flush} is called.
 *
 * @example
 * ```ts
 * import { WriteBuffer } from "./write_buffer.ts";
 * const chunks: number[] = [];
 * const buf = new WriteBuffer({ writeSync: (p) => (chunks.push(p.length), p.length) }, 8, 1000);
 * buf.write(new Uint8Array(5));
 * buf.write(new Uint8Array(5)); // does not fit: the first 5 bytes go out
 * buf.flush();
 * console.assert(chunks.join() === "5,5");
 * buf.dispose();
 * ```
 */
export class WriteBuffer {
  #target: SyncWriter;
  #buf: Uint8Array;
  #used = 0;
  #interval: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #onError: (error: unknown) => void;

  /**
   * @param target Where the bytes go.
   * @param size The buffer's size in bytes.
   * @param interval The longest time, in ms, a byte waits.
   * @param onError Called with an error from a timed flush (which has no caller to throw to).
   */
  constructor(
    target: SyncWriter,
    size: number,
    interval: number,
    onError: (error: unknown) => void = () => {},
  ) {
    this.#target = target;
    this.#buf = new Uint8Array(size);
    this.#interval = interval;
    this.#onError = onError;
  }

  /** How many bytes are waiting. */
  get length(): number {
    return this.#used;
  }

  /** Changes the destination (after a reopen); waiting bytes go to the new one. */
  set target(target: SyncWriter) {
    this.#target = target;
  }

  /**
   * Adds `bytes`; writes out first when they would not fit. Larger than the buffer, they are
   * written directly.
   *
   * @param bytes The bytes; copied, so the caller may reuse the array.
   */
  write(bytes: Uint8Array): void {
    const buf = this.#buf;
    if (this.#used + bytes.length > buf.length) {
      this.flush();
      if (bytes.length > buf.length) {
        writeAllSync(this.#target, bytes);
        return;
      }
    }
    buf.set(bytes, this.#used);
    if (this.#used === 0 && this.#timer === undefined) this.#arm();
    this.#used += bytes.length;
  }

  /** Writes out every waiting byte now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const used = this.#used;
    if (used === 0) return;
    this.#used = 0;
    writeAllSync(this.#target, this.#buf.subarray(0, used));
  }

  /** Stops the timer; waiting bytes are not written (call `flush()` first). */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    const timer = setTimeout(() => {
      this.#timer = undefined;
      try {
        this.flush();
      } catch (error) {
        this.#onError(error);
      }
    }, this.#interval);
    this.#timer = timer;
    if (typeof Deno === "object" && typeof Deno.unrefTimer === "function") {
      Deno.unrefTimer(timer as unknown as number);
    }
  }
}
