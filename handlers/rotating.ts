/**
 * `BaseRotatingHandler` and `RotatingFileHandler`: log files that are renamed away ("rotated")
 * when they reach a size, with Python's file names, plus opt-in multi-process locking, gzip of
 * rotated files and retention by age.
 *
 * This is the `@x/loghandlers/rotating` entry point (also re-exported by `@x/loghandlers`).
 * Requires `--allow-read` and `--allow-write` for the log file's folder (renames, listing for
 * clean-up, the lock file).
 *
 * @module
 */

import { FileLock } from "../core/io/file_lock.ts";
import { gzipFileSync, GzipQueue, gzipTempTarget, recoverGzipSync } from "../core/io/gzip.ts";
import {
  explainFileError,
  type FileAccess,
  fileAccessFlags,
  folderOf,
  isPermissionDenial,
  missingFileAccess,
  permissionDenied,
  removeFile,
  renameFile,
  statOrNull,
} from "../core/io/files.ts";
import type { LogRecord } from "../core/record.ts";
import { endingReason } from "../core/shutdown.ts";
import { integer, number, type OptionRules } from "../core/text/options.ts";
import { BASE_ROTATING_RULES, checkFileOptions } from "../core/file_options.ts";
import { FileHandler, type FileHandlerOptions } from "./file.ts";

/** Options shared by the rotating handlers; the keys beyond {@linkcode FileHandlerOptions}. */
export interface BaseRotatingHandlerOptions extends FileHandlerOptions {
  /**
   * Let several processes (and Workers) write the same log file: each record is written, and
   * each rollover done, while holding an exclusive lock on `<file>.lock` (`Deno.FsFile.lock`).
   * A process notices that another one rotated the file (device/inode) and reopens it; the timed
   * handler also shares its rollover schedule through the lock file. Cannot be combined with
   * `bufferSize`, since buffered records would be written after the lock is let go.
   *
   * @default {false}
   */
  lock?: boolean;
  /**
   * Compress each rotated file with gzip: the file is renamed to its backup name plus `.gz.raw`
   * at once, compressed in the background into a temporary file that is renamed to the backup
   * name plus `.gz` when complete, and the `.raw` file is removed. `backupCount` and
   * `getFilesToDelete()` count the `.gz` files (and a `.raw` file with them). `flush()`,
   * `close()` and the `beforeunload` hook wait for the compression; `closeSync()`,
   * `flushSync()` and so the `unload` hook (`Deno.exit()` included) finish it synchronously; a
   * later rollover finishes a compression still running. With `lock: true` the process that
   * rotates compresses while it holds the lock. What a process killed while compressing leaves
   * (a `.raw` file, a partial temporary, a `.raw` next to its finished `.gz`) is completed by the
   * next rollover, before any backup is renamed; a rollover never renames onto a `.raw` file.
   *
   * @default {null}
   */
  compress?: "gzip" | null;
  /**
   * Retention by age, in seconds: at each rollover, rotated files whose last modification is
   * older than this are deleted, whatever `backupCount` allows. `0` keeps files of any age.
   *
   * @default {0}
   */
  maxAge?: number;
  /**
   * The clock, in seconds since the epoch (like Python's `time.time()`), for the timed
   * schedule and `maxAge`. Tests inject a fake clock here.
   *
   * @default {() => Date.now() / 1000}
   */
  now?: () => number;
}

function systemNow(): number {
  return Date.now() / 1000;
}

/** Options of {@linkcode RotatingFileHandler}. */
export interface RotatingFileHandlerOptions extends BaseRotatingHandlerOptions {
  /**
   * Roll over before a record would make the file reach this many bytes (encoded bytes, as
   * written). `0` never rolls over. A positive value forces mode `"a"`, as in Python.
   *
   * @default {0}
   */
  maxBytes?: number;
  /**
   * How many rotated files to keep: `app.log.1` (newest) to `app.log.<backupCount>`. With `0`
   * the file is never rotated (and, unlike Python, not reopened on every record either).
   *
   * @default {0}
   */
  backupCount?: number;
}

const ROTATING_RULES: OptionRules = Object.freeze({
  ...BASE_ROTATING_RULES,
  maxBytes: number(0),
  backupCount: integer(0),
});

function checkOptions(
  cls: string,
  options: BaseRotatingHandlerOptions,
): { lock: boolean; compress: "gzip" | null; maxAge: number; now: () => number } {
  const compress = options.compress ?? null;
  const maxAge = options.maxAge ?? 0;
  const lock = options.lock ?? false;
  if (lock && (options.bufferSize ?? 0) > 0) {
    throw new RangeError(
      `Cannot create ${cls} as 'bufferSize' must be 0 with 'lock: true' (records must be written while the lock is held): current value is ${options.bufferSize}`,
    );
  }
  return { lock, compress, maxAge, now: options.now ?? systemNow };
}

/**
 * Python's `logging.handlers.BaseRotatingHandler`: a {@linkcode FileHandler} that asks
 * `shouldRollover(record)` before each record and calls `doRollover()` when it says so. Set
 * `namer` to change the names of rotated files and `rotator` to change how the live file is
 * moved (Python's rules: the rotator moves only the live file; older backups are renamed).
 * Each record is formatted and encoded once: `shouldRollover` receives its encoded size.
 *
 * Requires `--allow-read` and `--allow-write` for the log file's folder (renames, listing for
 * clean-up; with `lock`, `<file>.lock` is in it too). The constructor checks them (see
 * {@linkcode BaseRotatingHandler.accessNeeded}), with `delay` too, and refuses at once with the
 * flags to add. A rollover refused later (a permission revoked, a `namer` or `rotator` that
 * moves files to a folder Deno does not grant) is reported once with the flag to add, rotation
 * is turned off, and the records go on into the live file: none is lost.
 *
 * @example
 * ```ts
 * import { BaseRotatingHandler, type LogRecord, makeLogRecord } from "@x/loghandlers";
 *
 * // Rotates before every record that starts with "new day".
 * class DayHandler extends BaseRotatingHandler {
 *   override shouldRollover(record: LogRecord | null): boolean {
 *     return record !== null && record.getMessage().startsWith("new day");
 *   }
 *   override doRollover(): void {
 *     this.closeStream();
 *     this.rotate(this.baseFilename, this.rotationFilename(`${this.baseFilename}.old`));
 *   }
 * }
 * const dir = await Deno.makeTempDir();
 * using h = new DayHandler(`${dir}/app.log`);
 * h.handle(makeLogRecord({ msg: "one" }));
 * h.handle(makeLogRecord({ msg: "new day" }));
 * console.assert(Deno.readTextFileSync(`${dir}/app.log.old`) === "one\n");
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "new day\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export abstract class BaseRotatingHandler extends FileHandler {
  /** The options this class accepts: {@linkcode BaseRotatingHandlerOptions}. */
  static override readonly optionRules: OptionRules = BASE_ROTATING_RULES;
  /**
   * Python's `namer`: turns a default rotated-file name (`/logs/app.log.1`) into the one to
   * use. Unset by default, which keeps the default name. As in Python, define it as a method
   * of a subclass or assign a function to a handler; assigning `undefined` (or `null`, Python's
   * `None`) unsets it again.
   *
   * @param defaultName The default name, e.g. `/logs/app.log.1`.
   * @returns The name to use.
   *
   * @example
   * ```ts
   * import { RotatingFileHandler } from "@x/loghandlers";
   * class DatedNames extends RotatingFileHandler {
   *   override namer(defaultName: string): string {
   *     return defaultName.replace(/\.log\.(\d+)$/, ".$1.log");
   *   }
   * }
   * const dir = await Deno.makeTempDir();
   * using h = new DatedNames(`${dir}/app.log`, { maxBytes: 100, backupCount: 2, delay: true });
   * console.assert(h.rotationFilename(`${dir}/app.log.1`) === `${dir}/app.1.log`);
   * h.namer = (name) => `${name}.old`; // on one handler, as in Python
   * console.assert(h.rotationFilename(`${dir}/app.log.1`) === `${dir}/app.log.1.old`);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  namer?(defaultName: string): string;
  /**
   * Python's `rotator`: moves the live file `source` to its rotated name `dest`. Unset by
   * default, which renames it (and compresses it with `compress: "gzip"`; with a rotator,
   * `dest` still ends in `.gz` and the rotator does the compressing). Older backups are
   * renamed, not passed to it (Python's rule). Define it as a method of a subclass or assign a
   * function; assigning `undefined` (or `null`) unsets it again.
   *
   * @param source The live file's name.
   * @param dest The rotated name, from {@linkcode BaseRotatingHandler.rotationFilename}.
   *
   * @example
   * ```ts
   * import { makeLogRecord, RotatingFileHandler } from "@x/loghandlers";
   * const dir = await Deno.makeTempDir();
   * using h = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 1, backupCount: 1 });
   * h.rotator = (source, dest) => Deno.renameSync(source, `${dest}.done`);
   * h.handle(makeLogRecord({ msg: "one" }));
   * h.handle(makeLogRecord({ msg: "two" }));
   * console.assert(Deno.readTextFileSync(`${dir}/app.log.1.done`) === "one\n");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  rotator?(source: string, dest: string): void;
  /** Whether writes and rollovers hold the shared lock (`lock` option). */
  readonly lock: boolean;
  /** The compression of rotated files (`compress` option). */
  readonly compress: "gzip" | null;
  /** Retention by age in seconds, `0` for none (`maxAge` option). */
  readonly maxAge: number;
  #now: () => number;
  #lock: FileLock | null;
  #gzip: GzipQueue | null;
  /** The file whose size `#size` is, so a reopen anywhere is noticed. */
  #sizeOf: Deno.FsFile | null = null;
  #size = 0;
  #ino: number | null = null;
  #dev = -1;
  /** Set while `close()` closes the file: compressions then finish in the background. */
  #deferCompression = false;
  #rotationDenied: Error | null = null;

  /**
   * The file access a rotating handler needs: read and write access to the log file's folder
   * (the live file, renames, listing for clean-up, `compress`, `maxAge`) and, with `lock`, to
   * `<file>.lock`.
   *
   * @param baseFilename The absolute path of the log file.
   * @param options The constructor's options (`lock`).
   * @returns The access needed.
   *
   * @example
   * ```ts
   * import { RotatingFileHandler } from "@x/loghandlers";
   * const access = RotatingFileHandler.accessNeeded("/srv/logs/app.log", {
   *   maxBytes: 1_000_000,
   *   backupCount: 5,
   *   lock: true,
   * });
   * console.assert(access.read.includes("/srv/logs") && access.write.includes("/srv/logs"));
   * console.assert(access.write.includes("/srv/logs/app.log.lock"));
   * ```
   */
  static override accessNeeded(
    baseFilename: string,
    options: BaseRotatingHandlerOptions = {},
  ): FileAccess {
    const paths = [baseFilename, folderOf(baseFilename)];
    if (options.lock === true) paths.push(`${baseFilename}.lock`);
    return { read: paths, write: paths };
  }

  /**
   * Opens (or, with `delay`, prepares to open) the log file.
   *
   * @param filename The file's path or `file:` URL.
   * @param options See {@linkcode BaseRotatingHandlerOptions}.
   * @throws {RangeError} For an invalid option.
   * @throws {Deno.errors.NotCapable} When Deno does not grant the access the handler needs
   * (with `delay` too), naming the flags to add.
   * @throws {Error} When the file cannot be opened (without `delay`), saying what to change.
   */
  constructor(filename: string | URL, options: BaseRotatingHandlerOptions = {}) {
    checkFileOptions(new.target, options);
    const checked = checkOptions(new.target.name, options);
    super(filename, options);
    this.lock = checked.lock;
    this.compress = checked.compress;
    this.maxAge = checked.maxAge;
    this.#now = checked.now;
    this.#lock = checked.lock ? new FileLock(`${this.baseFilename}.lock`) : null;
    this.#gzip = checked.compress === "gzip"
      ? new GzipQueue((error) => this.handleError(null, error))
      : null;
  }

  /**
   * The handler's clock (the `now` option): seconds since the epoch.
   *
   * @returns The current time.
   */
  now(): number {
    return this.#now();
  }

  /**
   * Whether rotated files are still being compressed; the exit hooks wait for them.
   */
  override get pending(): boolean {
    return this.#gzip?.pending ?? false;
  }

  /**
   * Whether the record should trigger a rollover before it is written.
   *
   * @param record The record, or `null` for a check without one (Python's tests pass `None`).
   * @param size The record's encoded size in bytes, when the caller knows it.
   * @returns `true` to call {@linkcode BaseRotatingHandler.doRollover} first.
   */
  abstract shouldRollover(record: LogRecord | null, size?: number): boolean;

  /** Rotates the files. Called by `emit` when `shouldRollover` says so. */
  abstract doRollover(): void;

  /**
   * The denied permission that turned rotation off (reported once through `handleError`), or
   * `null` while rotation works.
   */
  get rotationDenied(): Error | null {
    return this.#rotationDenied;
  }

  /**
   * Calls {@linkcode BaseRotatingHandler.doRollover} unless Deno refuses what it needs: it
   * first checks, without a prompt, read and write access to the log file's folder. When that
   * is not granted, or the rollover is refused anyway (a permission revoked, a `namer` or
   * `rotator` that moves files to a folder Deno does not grant), the denial is reported once
   * with the flag to add, rotation is turned off for good ({@linkcode BaseRotatingHandler.rotationDenied}),
   * and the records go on into the live file (reopened if the rollover had closed it). Other
   * failures are thrown, as from `doRollover`. `emit` and the timed handler's timer call it.
   *
   * @returns Whether the rollover ran.
   * @throws {Error} What `doRollover` throws, other than a denied permission.
   */
  tryRollover(): boolean {
    if (this.#rotationDenied !== null) return false;
    const base = this.baseFilename;
    const folder = folderOf(base);
    const missing = missingFileAccess({ read: [folder], write: [folder] });
    const kinds = [missing.read.length > 0 ? "read" : "", missing.write.length > 0 ? "write" : ""]
      .filter(Boolean);
    if (kinds.length > 0) {
      this.#turnRotationOff(
        permissionDenied(
          `Cannot rotate '${base}' as ${kinds.join(" and ")} access to '${folder}' ${
            kinds.length === 1 ? "is" : "are"
          } not granted: run Deno with ${
            fileAccessFlags(missing)
          } (or a folder above it). Rotation is off: the records go on into '${base}'.`,
        ),
      );
      return false;
    }
    try {
      this.doRollover();
      return true;
    } catch (error) {
      if (!isPermissionDenial(error)) throw error;
      const why = explainFileError(error, "rotate", base, "write");
      this.#turnRotationOff(
        permissionDenied(
          `${why.message} Rotation is off: the records go on into '${base}'.`,
          why.cause ?? error,
        ),
      );
      this.ensureStream(); // the rollover may have closed the live file
      return false;
    }
  }

  #turnRotationOff(error: Error): void {
    this.#rotationDenied = error;
    this.handleError(null, error);
  }

  /**
   * Python's `rotation_filename`: the name a rotated file gets, from `namer` (when set), plus
   * `.gz` with `compress: "gzip"`.
   *
   * @param defaultName The default name, e.g. `/logs/app.log.1`.
   * @returns The name to use.
   */
  rotationFilename(defaultName: string): string {
    // Python calls `namer` only when it is callable: unset, `None` and `null` keep the name.
    const name = typeof this.namer === "function" ? this.namer(defaultName) : defaultName;
    return this.compress === "gzip" ? `${name}.gz` : name;
  }

  /**
   * Python's `rotate`: moves the live file `source` to `dest` with `rotator` when set;
   * otherwise renames it when it exists (with `delay` it may never have been created), then
   * compresses it when `compress` is set.
   *
   * @param source The live file's name.
   * @param dest The rotated name, from {@linkcode BaseRotatingHandler.rotationFilename}.
   */
  rotate(source: string, dest: string): void {
    if (typeof this.rotator === "function") {
      this.rotator(source, dest);
      return;
    }
    if (statOrNull(source) === null) return;
    if (this.#gzip === null) {
      renameFile(source, dest);
      return;
    }
    const raw = `${dest}.raw`;
    if (statOrNull(raw) !== null) {
      // Left by a compression that never finished: never rename onto it.
      this.#recover(dest);
      if (statOrNull(raw) !== null) {
        this.handleError(
          null,
          new Error(
            `Cannot rotate '${source}' as '${raw}' still holds a rotated file that could not be compressed: the log goes on in '${source}'`,
          ),
        );
        return;
      }
    }
    renameFile(source, raw);
    if (this.#lock === null) {
      this.#gzip.start(raw, dest);
      return;
    }
    try {
      gzipFileSync(raw, dest);
    } catch (error) {
      // The records stay in the .raw file; the next rollover tries again.
      this.handleError(null, error);
    }
  }

  /**
   * Finishes, synchronously, every compression still running, then completes those that a
   * process ended in the middle of (killed, or ended before its compressions ran) among the
   * rotated files named in `names`: a `.raw` file is compressed into its `.gz` name (or removed
   * when that `.gz` already holds the same records, or kept under a new name, reported through
   * `handleError`, when it holds others), and partial temporaries are removed. A rollover then
   * sees every rotated file under its final name. Subclasses call it first in `doRollover`,
   * with `lock` while holding the lock. Does nothing without `compress`.
   *
   * @param names The final (`.gz`) names of the rotated files the rollover may rename or delete.
   */
  finishCompressionSync(names: Iterable<string> = []): void {
    const gzip = this.#gzip;
    if (gzip === null) return;
    gzip.finishSync();
    const byFolder = new Map<string, Set<string>>();
    for (const name of names) {
      const cut = Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1;
      const folder = name.slice(0, cut);
      let set = byFolder.get(folder);
      if (set === undefined) byFolder.set(folder, set = new Set());
      set.add(name.slice(cut));
    }
    // A failure here is reported and the rollover goes on: a .raw file left in place moves
    // with its backup, and `rotate` never renames onto one.
    for (const [folder, wanted] of byFolder) {
      try {
        for (const entry of Deno.readDirSync(folder || ".")) {
          const name = entry.name;
          if (name.endsWith(".raw")) {
            if (wanted.has(name.slice(0, -4))) this.#recover(folder + name.slice(0, -4));
          } else if (name.endsWith(".tmp")) {
            const target = gzipTempTarget(name);
            if (target !== null && wanted.has(target)) removeFile(folder + name);
          }
        }
      } catch (error) {
        this.handleError(null, error);
      }
    }
  }

  /** Completes one interrupted compression into `dest`; failures go to `handleError`. */
  #recover(dest: string): void {
    try {
      const kept = recoverGzipSync(dest);
      if (kept !== null) {
        throw new Error(
          `Cannot compress '${dest}.raw' into '${dest}' as '${dest}' already holds other records: both are kept, the first one as '${kept}' (merge or remove it by hand)`,
        );
      }
    } catch (error) {
      this.handleError(null, error);
    }
  }

  /**
   * Formats and encodes the record once, rolls over when `shouldRollover` says so, and writes
   * it; with `lock`, all of it while holding the lock. Failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    const bytes = this.encodeRecord(record);
    const lock = this.#lock;
    if (lock === null) {
      if (this.shouldRollover(record, bytes.length)) this.tryRollover();
      this.streamSize(); // after a rollover: the size of the new file, before the write
      this.#size += this.writeBytes(bytes);
      return;
    }
    lock.acquire();
    try {
      this.syncWithOthers();
      if (this.shouldRollover(record, bytes.length)) this.tryRollover();
      this.streamSize();
      this.#size += this.writeBytes(bytes);
    } finally {
      lock.release();
    }
  }

  /**
   * The size in bytes of the open file, including what waits in the write buffer; opens the
   * file when it is not open (as Python's `shouldRollover` does).
   *
   * @returns The size, or 0 when the handler is closed for good.
   */
  streamSize(): number {
    const file = this.ensureStream();
    if (file === null) return 0;
    if (file !== this.#sizeOf) this.#noteSize(file, file.statSync());
    return this.#size;
  }

  /**
   * With `lock`, called while holding the lock before each record: reopens the file when
   * another process rotated or removed it, and reads its current size. Subclasses extend it to
   * read shared state.
   */
  syncWithOthers(): void {
    let file = this.ensureStream();
    if (file === null) return;
    const atPath = statOrNull(this.baseFilename);
    // The common case costs one stat: the path still leads to the open file, and gives its size.
    if (
      atPath !== null && file === this.#sizeOf && atPath.ino === this.#ino &&
      atPath.dev === this.#dev
    ) {
      this.#size = atPath.size;
      return;
    }
    let info = file.statSync();
    if (atPath === null || atPath.ino !== info.ino || atPath.dev !== info.dev) {
      this.reopen();
      file = this.stream!;
      info = file.statSync();
    }
    this.#noteSize(file, info);
  }

  #noteSize(file: Deno.FsFile, info: Deno.FileInfo): void {
    this.#sizeOf = file;
    this.#size = info.size;
    this.#ino = info.ino;
    this.#dev = info.dev;
  }

  /**
   * With `lock`, reads the state shared through the lock file (call it while holding the lock).
   *
   * @returns The text, or `""` without `lock` or when nothing was written yet.
   */
  readSharedState(): string {
    return this.#lock?.readState() ?? "";
  }

  /**
   * With `lock`, replaces the state shared through the lock file (while holding the lock).
   * Does nothing without `lock`.
   *
   * @param state The text.
   */
  writeSharedState(state: string): void {
    this.#lock?.writeState(state);
  }

  /**
   * Runs `fn` while holding the lock (directly without `lock`). For work outside `emit`, such
   * as the timed handler's timer.
   *
   * @param fn The work.
   * @returns What `fn` returns.
   */
  withLock<T>(fn: () => T): T {
    const lock = this.#lock;
    if (lock === null || lock.held) return fn();
    lock.acquire();
    try {
      return fn();
    } finally {
      lock.release();
    }
  }

  /**
   * Deletes, among `files`, those last modified more than `maxAge` seconds ago (by the
   * handler's clock). Does nothing when `maxAge` is 0.
   *
   * @param files Rotated files.
   * @returns The files deleted.
   */
  deleteExpired(files: readonly string[]): string[] {
    if (this.maxAge <= 0) return [];
    const limit = this.now() - this.maxAge;
    const deleted: string[] = [];
    for (const file of files) {
      const mtime = statOrNull(file)?.mtime;
      if (mtime && mtime.getTime() / 1000 < limit) {
        removeFile(file);
        deleted.push(file);
      }
    }
    return deleted;
  }

  /**
   * Writes out the write buffer. Called by the exit hooks when the program ends (`Deno.exit()`,
   * an uncaught error), when no asynchronous work can run any more, it also finishes every
   * compression still running, synchronously.
   */
  override flushSync(): void {
    super.flushSync();
    if (endingReason() !== null) this.#gzip?.finishSync();
  }

  /**
   * Closes the file and the lock file, synchronously, after finishing every compression still
   * running (so `using` leaves every rotated file compressed). Idempotent.
   */
  override closeSync(): void {
    try {
      super.closeSync();
      if (!this.#deferCompression) this.#gzip?.finishSync();
    } finally {
      this.#lock?.close();
    }
  }

  /**
   * Writes out the write buffer and waits for running compressions.
   *
   * @returns A promise that never rejects.
   */
  override async flush(): Promise<void> {
    try {
      super.flushSync();
    } catch (error) {
      this.handleError(null, error);
    }
    await this.#gzip?.settle();
  }

  /**
   * Closes the file and the lock file, then waits for running compressions (which go on in the
   * background meanwhile). Idempotent.
   *
   * @returns A promise that resolves when everything is written.
   */
  override async close(): Promise<void> {
    this.#deferCompression = true;
    try {
      this.closeSync();
    } finally {
      this.#deferCompression = false;
    }
    await this.#gzip?.settle();
  }

  /** Waits for compressions and closes: `await using handler = new ...`. */
  override [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * Python's `logging.handlers.RotatingFileHandler`: writes to `app.log` until the next record
 * would make it reach `maxBytes`, then renames `app.log.1` to `app.log.2` (and so on up to
 * `backupCount`), `app.log` to `app.log.1`, and starts a new `app.log`. Unlike Python, the size
 * counts the record's encoded bytes, not its characters, and each record is formatted once.
 * An empty file, or anything that is not a regular file (`/dev/null`, a FIFO), never rolls over.
 *
 * Beyond Python, each opt-in: `lock` (several processes share the file), `compress: "gzip"`,
 * `maxAge` (see {@linkcode BaseRotatingHandlerOptions}).
 *
 * Requires `--allow-read` and `--allow-write` for the log file's folder; for the file alone
 * when it never rolls over (`maxBytes` or `backupCount` 0). The constructor checks them, with
 * `delay` too, and refuses at once with the flags to add.
 *
 * @example
 * ```ts
 * import { getLogger, RotatingFileHandler } from "@x/loghandlers";
 * const dir = await Deno.makeTempDir();
 * {
 *   await using h = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 20, backupCount: 2 });
 *   const log = getLogger("doc.rotating");
 *   log.addHandler(h);
 *   for (let i = 1; i <= 4; i++) log.warning("record %d", i); // 9 bytes each
 *   log.removeHandler(h);
 * }
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "record 3\nrecord 4\n");
 * console.assert(Deno.readTextFileSync(`${dir}/app.log.1`) === "record 1\nrecord 2\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class RotatingFileHandler extends BaseRotatingHandler {
  /** The options this class accepts: {@linkcode RotatingFileHandlerOptions}. */
  static override readonly optionRules: OptionRules = ROTATING_RULES;
  /** An example options object for the error a non-object gets. */
  static override readonly optionExample: string = `{ maxBytes: 1_000_000, backupCount: 5 }`;
  /** The size limit in bytes; `0` never rolls over. */
  maxBytes: number;
  /** How many rotated files are kept. */
  backupCount: number;

  /**
   * The file access a `RotatingFileHandler` needs: that of every rotating handler (the log
   * file's folder, and `<file>.lock` with `lock`) when it can roll over; when it never does
   * (`maxBytes` or `backupCount` 0), read and write access to the file (and the lock file).
   *
   * @param baseFilename The absolute path of the log file.
   * @param options The constructor's options.
   * @returns The access needed.
   *
   * @example
   * ```ts
   * import { RotatingFileHandler } from "@x/loghandlers";
   * const access = RotatingFileHandler.accessNeeded("/srv/logs/app.log"); // never rolls over
   * console.assert(access.read.join() === "/srv/logs/app.log");
   * ```
   */
  static override accessNeeded(
    baseFilename: string,
    options: RotatingFileHandlerOptions = {},
  ): FileAccess {
    if ((options.maxBytes ?? 0) > 0 && (options.backupCount ?? 0) > 0) {
      return super.accessNeeded(baseFilename, options);
    }
    const paths = [baseFilename];
    if (options.lock === true) paths.push(`${baseFilename}.lock`);
    return { read: paths, write: paths };
  }

  /**
   * Opens (or, with `delay`, prepares to open) the log file.
   *
   * @param filename The file's path or `file:` URL.
   * @param options See {@linkcode RotatingFileHandlerOptions}.
   * @throws {RangeError} For a negative `maxBytes` or `backupCount`, or another invalid option.
   * @throws {Deno.errors.NotCapable} When Deno does not grant the access the handler needs
   * (with `delay` too), naming the flags to add.
   * @throws {Error} When the file cannot be opened (without `delay`), saying what to change.
   */
  constructor(filename: string | URL, options: RotatingFileHandlerOptions = {}) {
    checkFileOptions(new.target, options);
    const maxBytes = options.maxBytes ?? 0;
    const backupCount = options.backupCount ?? 0;
    // Python: with rollover wanted, another mode would lose earlier runs' logs.
    super(filename, maxBytes > 0 ? { ...options, mode: "a" } : options);
    this.maxBytes = maxBytes;
    this.backupCount = backupCount;
  }

  /**
   * Whether writing `size` more bytes would make the file reach `maxBytes`. Never for an empty
   * file, never with `maxBytes` 0, never when the file is not a regular file.
   *
   * @param record The record (encoded to learn its size when `size` is not given), or `null`.
   * @param size The record's encoded size in bytes.
   * @returns `true` when the file should be rotated first.
   *
   * @example
   * ```ts
   * import { makeLogRecord, RotatingFileHandler } from "@x/loghandlers";
   * const dir = await Deno.makeTempDir();
   * using h = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 10, backupCount: 1 });
   * console.assert(!h.shouldRollover(makeLogRecord({ msg: "x".repeat(20) }))); // empty file
   * h.handle(makeLogRecord({ msg: "abc" }));
   * console.assert(h.shouldRollover(makeLogRecord({ msg: "héllo" }))); // 4 + 7 bytes >= 10
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  override shouldRollover(record: LogRecord | null, size?: number): boolean {
    const pos = this.streamSize();
    if (this.maxBytes <= 0 || pos === 0) return false;
    const n = size ?? (record === null ? 0 : this.encodeRecord(record).length);
    if (pos + n < this.maxBytes) return false;
    // bpo-45401: never roll over anything but a regular file.
    const info = statOrNull(this.baseFilename);
    return info === null || info.isFile;
  }

  /**
   * Rotates: `app.log.<i>` becomes `app.log.<i+1>` for the existing backups (the oldest is
   * replaced), the live file becomes `app.log.1` (through `rotate`), and a new file is opened
   * unless `delay` is set. Names go through `rotationFilename`. With `backupCount` 0 there is
   * nothing to do and the file stays open.
   */
  override doRollover(): void {
    if (this.backupCount <= 0) return;
    const base = this.baseFilename;
    const gzip = this.compress === "gzip";
    // Backup i is its name, and with gzip a .raw file that could not be compressed: they move
    // together, so that a rename never lands on a file that was not compressed.
    const slot = (i: number): string[] => {
      const name = this.rotationFilename(`${base}.${i}`);
      return gzip ? [name, `${name}.raw`] : [name];
    };
    if (gzip) {
      const names: string[] = [];
      for (let i = 1; i <= this.backupCount; i++) names.push(this.rotationFilename(`${base}.${i}`));
      this.finishCompressionSync(names);
    }
    this.closeStream();
    // Python's loop checks every backup name with a stat; one listing of the folder answers
    // the same questions for the names inside it, however large backupCount is.
    const present = new FolderNames(base);
    for (let i = this.backupCount - 1; i > 0; i--) {
      const from = slot(i);
      if (!from.some((sfn) => present.has(sfn))) continue;
      const to = slot(i + 1);
      for (const dfn of to) {
        if (present.has(dfn)) {
          removeFile(dfn); // only the last backup is still there: the oldest goes
          present.moved(dfn, null);
        }
      }
      for (let k = 0; k < from.length; k++) {
        if (!present.has(from[k])) continue;
        renameFile(from[k], to[k]);
        present.moved(from[k], to[k]);
      }
    }
    const first = slot(1);
    for (const dfn of first) if (present.has(dfn)) removeFile(dfn);
    this.rotate(base, first[0]);
    if (this.maxAge > 0) {
      const backups: string[] = [];
      for (let i = 2; i <= this.backupCount; i++) backups.push(...slot(i));
      this.deleteExpired(backups);
    }
    if (!this.delay) this.ensureStream();
  }
}

/** The names in a file's folder, listed once; paths elsewhere are checked one by one. */
class FolderNames {
  #dir: string;
  #names = new Set<string>();

  constructor(file: string) {
    const cut = Math.max(file.lastIndexOf("/"), file.lastIndexOf("\\"));
    this.#dir = file.slice(0, cut + 1);
    for (const entry of Deno.readDirSync(this.#dir || ".")) this.#names.add(entry.name);
  }

  #local(path: string): string | null {
    if (!path.startsWith(this.#dir)) return null;
    const name = path.slice(this.#dir.length);
    return /[\\/]/.test(name) ? null : name;
  }

  has(path: string): boolean {
    const name = this.#local(path);
    return name === null ? statOrNull(path) !== null : this.#names.has(name);
  }

  /** `from` was renamed to `to`, or removed when `to` is `null`. */
  moved(from: string, to: string | null): void {
    const a = this.#local(from);
    if (a !== null) this.#names.delete(a);
    const b = to === null ? null : this.#local(to);
    if (b !== null) this.#names.add(b);
  }
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type SyncWriter } from "../core/io/files.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type ErrorPolicy } from "../core/text/encoding.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
export { FileHandler, type FileHandlerOptions, type FileMode } from "./file.ts";
export { type LogStream, StreamHandler, type TextWriter } from "./stream.ts";
