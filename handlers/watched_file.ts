/**
 * `WatchedFileHandler`: a {@linkcode FileHandler} that notices when its file has been moved,
 * deleted or replaced (by `logrotate`, `newsyslog` or a person) and reopens it by name.
 *
 * This is the `@x/loghandlers/watched_file` entry point (also re-exported by `@x/loghandlers`).
 * Requires `--allow-read` and `--allow-write` for the file (one `stat` per record).
 *
 * @module
 */

import {
  explainFileError,
  type FileAccess,
  isPermissionDenial,
  permissionDenied,
} from "../core/io/files.ts";
import type { LogRecord } from "../core/record.ts";
import type { OptionRules } from "../core/text/options.ts";
import { checkFileOptions, FILE_RULES } from "../core/file_options.ts";
import { FileHandler, type FileHandlerOptions } from "./file.ts";

/**
 * Options of {@linkcode WatchedFileHandler}: the same as {@linkcode FileHandlerOptions}
 * (`mode`, `encoding`, `errors`, `delay`, `bufferSize`, `flushInterval`), with the same
 * defaults. Python's `WatchedFileHandler` takes the same arguments as its `FileHandler`.
 */
export interface WatchedFileHandlerOptions extends FileHandlerOptions {}

/**
 * Python's `logging.handlers.WatchedFileHandler`: a file handler that, before each record,
 * checks whether the file at its path is still the file it has open (same device and inode
 * number). When the file was renamed away, deleted or replaced by another one, it opens the
 * path again (creating a new file) and closes the old one, so an external rotation tool such as
 * `logrotate` (in its default `create` mode, without `copytruncate`) needs no signal and no
 * restart. Records already written stay in the old file; with the opt-in `bufferSize`, the
 * records still waiting in memory are written to the old file before it is closed.
 *
 * The check is one `stat` of the path per record, as in Python. There is no file watcher
 * (`Deno.watchFs`) and no timer: the handler keeps no process alive and costs nothing while
 * nothing is logged. A rotation is therefore noticed on the next record, not when it happens.
 *
 * Where the platform reports no inode number (`Deno.FileInfo.ino` is `null`), the file cannot
 * be told apart from another one of the same name, and the handler never reopens: it behaves
 * as a plain {@linkcode FileHandler}. (Python's documentation says the same of Windows, where
 * an open log file cannot be moved anyway.)
 *
 * If the path cannot be opened again (its directory was removed, say), the record is reported
 * through `handleError`, the old file stays open, and the next record tries again.
 *
 * Requires `--allow-read` (Deno asks it even for a `stat` of the open file) and `--allow-write`
 * for the file. The constructor checks both, with `delay` too, and refuses at once with the
 * flags to add. Should read access be denied later (revoked), that is reported once, watching
 * stops, and the records go on into the open file.
 *
 * @example
 * ```ts
 * import { getLogger, WatchedFileHandler } from "@x/loghandlers";
 * const dir = await Deno.makeTempDir();
 * {
 *   using h = new WatchedFileHandler(`${dir}/app.log`);
 *   const log = getLogger("doc.watched");
 *   log.addHandler(h);
 *   log.warning("before rotation");
 *   await Deno.rename(`${dir}/app.log`, `${dir}/app.log.1`); // what logrotate does
 *   log.warning("after rotation");
 *   log.removeHandler(h);
 * }
 * console.assert(Deno.readTextFileSync(`${dir}/app.log.1`) === "before rotation\n");
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "after rotation\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class WatchedFileHandler extends FileHandler {
  /** The options this class accepts (those of {@linkcode FileHandler}). */
  static override readonly optionRules: OptionRules = FILE_RULES;
  /** The device number of the open file, or `-1` while no file is open or it is unknown. */
  dev: number = -1;
  /** The inode number of the open file, or `-1` while no file is open or it is unknown. */
  ino: number = -1;
  /** Whether the platform reports inode numbers, so that a replaced file can be noticed. */
  #watchable = true;

  /**
   * The file access a `WatchedFileHandler` needs: read (for the `stat` per record) and write
   * access to the file.
   *
   * @param baseFilename The absolute path of the log file.
   * @param _options The constructor's options.
   * @returns Read and write access to the file.
   *
   * @example
   * ```ts
   * import { WatchedFileHandler } from "@x/loghandlers";
   * const access = WatchedFileHandler.accessNeeded("/srv/logs/app.log");
   * console.assert(access.read[0] === "/srv/logs/app.log" && access.write[0] === "/srv/logs/app.log");
   * ```
   */
  static override accessNeeded(
    baseFilename: string,
    _options: WatchedFileHandlerOptions = {},
  ): FileAccess {
    return { read: [baseFilename], write: [baseFilename] };
  }

  /**
   * Opens (or, with `delay`, prepares to open) the log file and notes its device and inode.
   *
   * Requires `--allow-read` and `--allow-write` for the file.
   *
   * @param filename The file's path or `file:` URL.
   * @param options See {@linkcode WatchedFileHandlerOptions}.
   * @throws {RangeError} For an unknown mode, encoding or error policy, or a negative buffer size.
   * @throws {Deno.errors.NotCapable} When Deno does not grant read and write access to the
   * file (with `delay` too), naming the flags to add.
   * @throws {Error} When the file cannot be opened or checked (without `delay`), saying what
   * to change.
   */
  constructor(filename: string | URL, options: WatchedFileHandlerOptions = {}) {
    checkFileOptions(new.target, options);
    super(filename, options);
    try {
      this._statstream();
    } catch (error) {
      this.closeSync(); // no file left open behind a failed constructor
      throw error;
    }
  }

  /**
   * Notes the device and inode numbers of the open file (an `fstat` of the open file, not of
   * the path). Does nothing while no file is open.
   *
   * @throws {Error} When the open file cannot be checked (Deno asks `--allow-read` even for
   * this), naming the flag to add.
   */
  _statstream(): void {
    const stream = this.stream;
    if (stream === null) return;
    let info: Deno.FileInfo;
    try {
      info = stream.statSync();
    } catch (error) {
      throw explainFileError(error, "check log file", this.baseFilename, "read");
    }
    if (info.ino === null || info.dev === null) {
      this.#watchable = false;
      this.dev = -1;
      this.ino = -1;
      return;
    }
    this.dev = info.dev;
    this.ino = info.ino;
  }

  /**
   * Reopens the file if the path no longer leads to the open file: it was moved, deleted or
   * replaced by another file. Waiting buffered records go to the old file first. Does nothing
   * while no file is open, and never reopens where the platform reports no inode numbers.
   *
   * @throws {Error} When the path cannot be checked (other than it being missing, e.g. a
   * denied `--allow-read`) or the file cannot be opened again; the old file is then kept.
   */
  reopenIfNeeded(): void {
    if (this.stream === null || !this.#watchable) return;
    // One stat by path; after a reopen, an fstat of the new file (Python's issue #14632).
    let reopen: boolean;
    try {
      const info = Deno.statSync(this.baseFilename);
      reopen = info.dev !== this.dev || info.ino !== this.ino;
    } catch (error) {
      if (isPermissionDenial(error)) {
        // Final: watching stops (reported once), the records go on into the open file.
        this.#watchable = false;
        const why = explainFileError(error, "check log file", this.baseFilename, "read");
        this.handleError(
          null,
          permissionDenied(
            `${why.message} Watching is off: the records go on into the open file.`,
            why.cause ?? error,
          ),
        );
        return;
      }
      if (!(error instanceof Deno.errors.NotFound)) {
        throw explainFileError(error, "check log file", this.baseFilename, "read");
      }
      reopen = true;
    }
    if (!reopen) return;
    this.reopen();
    this._statstream();
  }

  /**
   * Reopens the file if it changed, then writes the record. Failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    this.reopenIfNeeded();
    const opening = this.stream === null;
    try {
      super.emit(record);
    } finally {
      // A file opened by this record (delay, or a record after close()) is noted at once,
      // where Python would reopen it once more on the next record.
      if (opening && this.stream !== null) this._statstream();
    }
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
