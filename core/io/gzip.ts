/**
 * Gzip compression of rotated log files, off the logging call's path, and the recovery of
 * compressions that a process ended in the middle of.
 *
 * The protocol, shared by every writer: the rotated file is renamed to its `.gz` name plus
 * `.raw` (the only copy of its records until the end), compressed into the `.gz` name plus a
 * temporary suffix (`.<pid>-<n>.tmp`), the temporary is renamed to the `.gz` name once complete,
 * and only then is the `.raw` file removed. A process that dies at any step leaves either the
 * `.raw` file alone, or the `.raw` file and a partial temporary, or the `.raw` file and its
 * complete `.gz`: {@linkcode recoverGzipSync} finishes each of them without losing a record.
 *
 * @module
 */

import { constants, gunzipSync, gzipSync } from "node:zlib";

/** One file waiting to be compressed. */
interface Job {
  /** The uncompressed file (renamed there by the rotation). */
  raw: string;
  /** The `.gz` file to produce. */
  dest: string;
  /** Set when the job was completed synchronously, or abandoned, while its async work ran. */
  done: boolean;
  /** The temporary file the background work writes, once it has started. */
  tmp: string | null;
}

let counter = 0;

function tempName(dest: string): string {
  return `${dest}.${Deno.pid}-${++counter}.tmp`;
}

const TEMP = /^(.+)\.\d+-\d+\.tmp$/;

/**
 * The `.gz` file a compression's temporary file belongs to: `app.log.1.gz` for
 * `app.log.1.gz.4242-1.tmp`. A temporary is never the only copy of anything (its `.raw` file is
 * removed only after the temporary is renamed into place), so one left by a dead process can
 * be removed.
 *
 * @param path A file name or path.
 * @returns The `.gz` name or path, or `null` when `path` is not a compression's temporary.
 */
export function gzipTempTarget(path: string): string | null {
  return TEMP.exec(path)?.[1] ?? null;
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // already gone
  }
}

/** Removes the `.raw` file; one already gone was recovered by someone else meanwhile. */
function removeRaw(raw: string): void {
  try {
    Deno.removeSync(raw);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}

/** The `.gz` keeps the last modification time of its records (as a rename would), for `maxAge`. */
function keepMtime(path: string, mtime: Date | null): void {
  if (mtime === null) return;
  try {
    Deno.utimeSync(path, mtime, mtime);
  } catch {
    // The time is a nicety; the file is what matters.
  }
}

/** Writes `gzip(bytes)` to `dest` through a temporary file renamed into place. */
function writeGzipSync(dest: string, bytes: Uint8Array, mtime: Date | null): void {
  const tmp = tempName(dest);
  try {
    Deno.writeFileSync(tmp, gzipSync(bytes));
    keepMtime(tmp, mtime);
    Deno.renameSync(tmp, dest);
  } catch (error) {
    removeQuietly(tmp);
    throw error;
  }
}

/**
 * Compresses files with gzip, one after another in the background: `start(raw, dest)` returns
 * at once and a later `settle()` resolves when every file is written. `finishSync()` completes
 * what is still waiting on the spot: for a rotation that must see every `.gz` in place first,
 * and for the exit hooks (`Deno.exit()` runs no more asynchronous work). Each file is written
 * to `dest` plus a temporary suffix and renamed into place, so `dest` only ever appears
 * complete; `raw` is removed afterwards.
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
    const job: Job = { raw, dest, done: false, tmp: null };
    this.#tail = this.#tail.then(() => this.#run(job));
    this.#jobs.push(job);
  }

  /**
   * Compresses every waiting file now, synchronously; the temporary file of a compression
   * running in the background is removed (its work is abandoned).
   */
  finishSync(): void {
    if (this.#jobs.length === 0) return;
    for (const job of this.#jobs.splice(0)) {
      if (job.done) continue;
      job.done = true;
      if (job.tmp !== null) removeQuietly(job.tmp);
      try {
        gzipFileSync(job.raw, job.dest);
      } catch (error) {
        // A raw file deleted meanwhile (maxAge, backupCount) is no failure.
        if (!(error instanceof Deno.errors.NotFound)) this.#onError(error);
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
    const tmp = job.tmp = tempName(job.dest);
    try {
      let source: Deno.FsFile;
      try {
        source = await Deno.open(job.raw, { read: true });
      } catch (error) {
        // A raw file deleted meanwhile (maxAge, backupCount) is no failure.
        if (!(error instanceof Deno.errors.NotFound)) throw error;
        job.done = true;
        return;
      }
      const mtime = (await source.stat()).mtime;
      const target = await Deno.open(tmp, { write: true, create: true, truncate: true });
      await source.readable.pipeThrough(new CompressionStream("gzip")).pipeTo(target.writable);
      if (job.done) {
        removeQuietly(tmp);
        return;
      }
      job.done = true;
      keepMtime(tmp, mtime);
      Deno.renameSync(tmp, job.dest);
      removeRaw(job.raw);
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
 * place), then removes `raw`. `dest` gets the last modification time of `raw`.
 *
 * @param raw The uncompressed file.
 * @param dest The `.gz` file to write.
 * @throws {Error} When `raw` cannot be read or `dest` cannot be written; `raw` is then kept.
 */
export function gzipFileSync(raw: string, dest: string): void {
  const mtime = Deno.statSync(raw).mtime;
  writeGzipSync(dest, Deno.readFileSync(raw), mtime);
  removeRaw(raw);
}

/** What `gz` decompresses to (a truncated file: as far as it goes), or `null` for no gzip. */
function gunzipPartial(gz: Uint8Array): { data: Uint8Array; complete: boolean } | null {
  try {
    return { data: gunzipSync(gz), complete: true };
  } catch {
    try {
      return { data: gunzipSync(gz, { finishFlush: constants.Z_SYNC_FLUSH }), complete: false };
    } catch {
      return null;
    }
  }
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

function readOrNull(path: string): Uint8Array | null {
  try {
    return Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * Finishes what an interrupted compression into `dest` left behind, synchronously. Nothing to
 * do without `dest` plus `.raw`. Otherwise, when `dest` does not exist, `.raw` is compressed
 * into it; when `dest` holds the same records (a process died before removing `.raw`), `.raw`
 * is removed; when `dest` is a truncated copy of them, it is written again, complete. When
 * `dest` holds other records, both files are kept: `.raw` is renamed to a name no rotation
 * uses or overwrites, which is returned so that the caller can report it. Leftover temporaries
 * are not touched (see {@linkcode gzipTempTarget}).
 *
 * @param dest The `.gz` file a compression was writing.
 * @returns `null`, or the new name of a `.raw` file that could not be merged into `dest`.
 * @throws {Error} When a file cannot be read or written; `.raw` is then kept.
 */
export function recoverGzipSync(dest: string): string | null {
  const raw = `${dest}.raw`;
  const bytes = readOrNull(raw);
  if (bytes === null) return null;
  const mtime = Deno.statSync(raw).mtime;
  const existing = readOrNull(dest);
  const held = existing === null
    ? { data: new Uint8Array(0), complete: false }
    : gunzipPartial(existing);
  if (held === null || !startsWith(bytes, held.data)) {
    const kept = `${raw}.kept-${Date.now()}-${Deno.pid}-${++counter}`;
    Deno.renameSync(raw, kept);
    return kept;
  }
  if (!held.complete || held.data.length !== bytes.length) writeGzipSync(dest, bytes, mtime);
  removeRaw(raw);
  return null;
}
