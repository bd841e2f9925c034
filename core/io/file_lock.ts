/**
 * A lock file shared by every process (and Worker) writing one log file, with a small shared
 * state (the timed rollover schedule) kept inside it.
 *
 * @module
 */

import { explainFileError, writeAllSync } from "./files.ts";

const decoder = new TextDecoder();
const encoder = new TextEncoder();

/**
 * An exclusive lock on `path` through `Deno.FsFile.lock`: processes that open the same lock file
 * exclude each other while one holds it. Locks are advisory, so only cooperating writers (every
 * handler created with `lock: true` for the same log file) are held off. The file also holds a
 * short text state that the lock holder may read and replace.
 *
 * Requires `--allow-read` and `--allow-write` for the lock file.
 *
 * @example
 * ```ts
 * import { FileLock } from "@x/loghandlers/extend";
 * const dir = await Deno.makeTempDir();
 * const lock = new FileLock(`${dir}/app.log.lock`);
 * lock.acquire();
 * lock.writeState("1700000000");
 * console.assert(lock.readState() === "1700000000");
 * lock.release();
 * lock.close();
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FileLock {
  /** The lock file's path. */
  readonly path: string;
  #file: Deno.FsFile | null = null;
  #held = false;
  #buf = new Uint8Array(64);

  /**
   * Prepares the lock; the lock file is opened (and created) on the first `acquire()`.
   *
   * @param path The lock file's path, usually the log file's name plus `.lock`.
   */
  constructor(path: string) {
    this.path = path;
  }

  /** Whether this object holds the lock now. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Waits (blocking the thread) until the lock is free, then takes it.
   *
   * @throws {Error} When the lock file cannot be opened, naming the path and the flag to add.
   */
  acquire(): void {
    if (this.#held) return;
    if (this.#file === null) {
      try {
        this.#file = Deno.openSync(this.path, { read: true, write: true, create: true });
      } catch (error) {
        throw explainFileError(error, "open lock file", this.path, "write");
      }
    }
    this.#file.lockSync(true);
    this.#held = true;
  }

  /** Lets the lock go. Does nothing when it is not held. */
  release(): void {
    if (!this.#held) return;
    this.#held = false;
    this.#file!.unlockSync();
  }

  /**
   * Reads the shared state; call it while holding the lock.
   *
   * @returns The text last written by {@linkcode FileLock.writeState}, or `""`.
   */
  readState(): string {
    const file = this.#file;
    if (file === null) return "";
    file.seekSync(0, Deno.SeekMode.Start);
    let length = 0;
    for (;;) {
      if (length === this.#buf.length) {
        const bigger = new Uint8Array(this.#buf.length * 2);
        bigger.set(this.#buf);
        this.#buf = bigger;
      }
      const n = file.readSync(this.#buf.subarray(length));
      if (n === null || n === 0) break;
      length += n;
    }
    return decoder.decode(this.#buf.subarray(0, length));
  }

  /**
   * Replaces the shared state; call it while holding the lock.
   *
   * @param state The new text.
   */
  writeState(state: string): void {
    const file = this.#file;
    if (file === null) return;
    file.truncateSync(0);
    file.seekSync(0, Deno.SeekMode.Start);
    writeAllSync(file, encoder.encode(state));
  }

  /** Releases the lock and closes the lock file. Idempotent. The lock file stays on disk. */
  close(): void {
    this.release();
    this.#file?.close();
    this.#file = null;
  }
}
