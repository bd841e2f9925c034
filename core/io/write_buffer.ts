/**
 * A bounded synchronous write buffer: bytes wait in memory for at most `size` bytes and
 * `interval` milliseconds, then go to the destination in one write.
 *
 * @module
 */

import { type SyncWriter, writeAllSync } from "./files.ts";
import { setUnrefTimeout, type TimerId } from "./timer.ts";

const utf8 = new TextEncoder();

/**
 * Collects small writes into one buffer of a fixed size. It flushes when the next write would
 * not fit, when `interval` ms have passed since the first byte waiting (on a timer that never
 * keeps the program alive), and when {@linkcode WriteBuffer.flush} is called.
 *
 * Text bound for UTF-8 can be added with {@linkcode WriteBuffer.writeUtf8}: it waits as a string
 * (appending a string costs far less than encoding it) and is encoded in one call when written
 * out, in order with the bytes added by {@linkcode WriteBuffer.write}.
 *
 * @example
 * ```ts
 * import { WriteBuffer } from "@x/loghandlers/extend";
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
  #text = "";
  #units = 0;
  #interval: number;
  #timer: TimerId | undefined;
  #onError: (error: unknown) => void;

  /**
   * Creates an empty buffer in front of `target`.
   *
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

  /** How many bytes are waiting, counting waiting text one byte per UTF-16 unit (at least). */
  get length(): number {
    return this.#used + this.#units;
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
    if (this.#units !== 0) this.#encodeText();
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

  /**
   * Adds `text`, to be written encoded as UTF-8. The text must be well-formed
   * (`text.isWellFormed()`): a lone surrogate would be written as U+FFFD. Writes out first when
   * the waiting text and bytes would exceed the buffer's size; text longer than the buffer is
   * written directly.
   *
   * @param text Well-formed text.
   */
  writeUtf8(text: string): void {
    const units = this.#units + text.length;
    if (this.#used + units > this.#buf.length) {
      this.flush();
      if (text.length > this.#buf.length) {
        writeAllSync(this.#target, utf8.encode(text));
        return;
      }
      this.#text = text;
      this.#units = text.length;
    } else {
      this.#text += text;
      this.#units = units;
    }
    if (this.#timer === undefined) this.#arm();
  }

  /** Writes out every waiting byte now. */
  flush(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    if (this.#units !== 0) this.#encodeText();
    this.#writeOut();
  }

  #writeOut(): void {
    const used = this.#used;
    if (used === 0) return;
    this.#used = 0;
    writeAllSync(this.#target, this.#buf.subarray(0, used));
  }

  /** Moves the waiting text into the byte buffer, writing out whenever the buffer fills. */
  #encodeText(): void {
    let text = this.#text;
    this.#text = "";
    this.#units = 0;
    for (;;) {
      const buf = this.#buf;
      const room = this.#used === 0 ? buf : buf.subarray(this.#used);
      const { read, written } = utf8.encodeInto(text, room);
      this.#used += written;
      if (read === text.length) return;
      if (read === 0 && this.#used === 0) {
        // A buffer too small for even one character.
        writeAllSync(this.#target, utf8.encode(text));
        return;
      }
      this.#writeOut();
      text = text.slice(read);
    }
  }

  /** Stops the timer; waiting bytes are not written (call `flush()` first). */
  dispose(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#timer = setUnrefTimeout(() => {
      this.#timer = undefined;
      try {
        this.flush();
      } catch (error) {
        this.#onError(error);
      }
    }, this.#interval);
  }
}
