/**
 * Gzip compression of rotated log files, off the logging call's path.
 *
 * @module
 */

import { gzipSync } from "node:zlib";

/** One file waiting to be compressed. */
interface Job {
  /** The uncompressed file (renamed there by the rotation). */
  raw: string;
  /** The `.gz` file to produce. */
  dest: string;
  /** Set when the job was completed synchronously, or abandoned, while its async work ran. */
  done: boolean;
  promise: Promise<void>;
}

let jobIds = 0;

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone
  }
}

/**
 * Compresses files with gzip, one after another in the background: `start(raw, dest)` returns
 * at once and a later `settle()` resolves when every file is written. `finishSync()` completes
 * what is still waiting on the spot, for a rotation that must see every `.gz` in place first.
 * Each file is written to `dest` plus a temporary suffix and renamed into place, so `dest`
 * only ever appears complete; `raw` is removed afterwards.
 *
 * @example
 * ```ts
 * import { GzipQueue } from "./gzip.ts";
 * const dir = await Deno.makeTempDir();
 * await Deno.writeTextFile(`${dir}/app.log.1.raw`, "hello\n");
 * const queue = new GzipQueue((error) => console.error(error));
 * queue.start(`${dir}/app.log.1.raw`, `${dir}/app.log.1.gz`);
 * await queue.settle();
 * const text = await new Response(
 *   (await Deno.open(`${dir}/app.log.1.gz`)).readable.pipeThrough(new DecompressionStream("gzip")),
 * ).text();
 * console.assert(text === "hello\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class GzipQueue {
  #jobs: Job[] = [];
  #tail: Promise<void> = Promise.resolve();
  #onError: (error: unknown) => void;

  /**
   * Creates an empty queue.
   *
   * @param onError Receives every failure (the raw file is then left in place).
   */
  constructor(onError: (error: unknown) => void) {
    this.#onError = onError;
  }

  /** Whether files are still waiting to be compressed. */
  get pending(): boolean {
    return this.#jobs.length > 0;
  }

  /**
   * Queues `raw` to be compressed into `dest` in the background.
   *
   * @param raw The uncompressed file.
   * @param dest The `.gz` file to write.
   */
  start(raw: string, dest: string): void {
    const job: Job = { raw, dest, done: false, promise: Promise.resolve() };
    job.promise = this.#tail = this.#tail.then(() => this.#run(job));
    this.#jobs.push(job);
  }

  /** Compresses every waiting file now, synchronously. */
  finishSync(): void {
    for (const job of this.#jobs.splice(0)) {
      if (job.done) continue;
      job.done = true;
      try {
        gzipFileSync(job.raw, job.dest);
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  /**
   * Waits until every queued file is compressed (or has failed).
   *
   * @returns A promise that never rejects.
   */
  settle(): Promise<void> {
    return this.#tail;
  }

  async #run(job: Job): Promise<void> {
    if (job.done) return;
    const tmp = `${job.dest}.${Deno.pid}-${++jobIds}.tmp`;
    try {
      const source = await Deno.open(job.raw, { read: true });
      const target = await Deno.open(tmp, { write: true, create: true, truncate: true });
      await source.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(target.writable);
      if (job.done) {
        removeQuietly(tmp);
        return;
      }
      job.done = true;
      Deno.renameSync(tmp, job.dest);
      Deno.removeSync(job.raw);
    } catch (error) {
      removeQuietly(tmp);
      if (!job.done) {
        job.done = true;
        this.#onError(error);
      }
    } finally {
      const i = this.#jobs.indexOf(job);
      if (i >= 0) this.#jobs.splice(i, 1);
    }
  }
}

/**
 * Compresses `raw` into `dest` with gzip, synchronously (through a temporary file renamed into
 * place), then removes `raw`.
 *
 * @param raw The uncompressed file.
 * @param dest The `.gz` file to write.
 *
 * @example
 * ```ts
 * import { gzipFileSync } from "./gzip.ts";
 * const dir = await Deno.makeTempDir();
 * Deno.writeTextFileSync(`${dir}/a.raw`, "hello\n");
 * gzipFileSync(`${dir}/a.raw`, `${dir}/a.gz`);
 * console.assert(Deno.readFileSync(`${dir}/a.gz`)[0] === 0x1f);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export function gzipFileSync(raw: string, dest: string): void {
  const tmp = `${dest}.${Deno.pid}-${++jobIds}.tmp`;
  try {
    Deno.writeFileSync(tmp, gzipSync(Deno.readFileSync(raw)));
    Deno.renameSync(tmp, dest);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
  Deno.removeSync(raw);
}
