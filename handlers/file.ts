/**
 * `FileHandler`: records appended to a file, synchronously.
 *
 * This is the `@x/loghandlers/file` entry point (also re-exported by `@x/loghandlers`). Requires
 * `--allow-write` for the file (a relative name needs nothing more).
 *
 * @module
 */

import { createEncoder, type Encoder, type ErrorPolicy } from "../core/text/encoding.ts";

export type { ErrorPolicy };
import {
  checkFileAccess,
  explainFileError,
  type FileAccess,
  isPermissionDenial,
  LineGuard,
  toAbsolutePath,
  writeAllSync,
} from "../core/io/files.ts";
import { getLevelName } from "../core/levels.ts";
import type { OptionRules } from "../core/text/options.ts";
import {
  checkFileOptions,
  FILE_RULES,
  type OpenMode,
  parseOpenMode,
} from "../core/file_options.ts";
import { ValueError } from "../core/text/errors.ts";
import type { LogRecord } from "../core/record.ts";
import { endingReason, registerHandler } from "../core/shutdown.ts";
import { WriteBuffer } from "../core/io/write_buffer.ts";
import { StreamHandler } from "./stream.ts";

export type { FileAccess };

/**
 * How a {@linkcode FileHandler} opens its file: a mode of Python's `open()` that can write.
 * `"a"` appends, `"w"` truncates, `"x"` creates a new file, `"r+"` writes over an existing file
 * from its start; `"+"` (also for reading) changes nothing for a handler, and `"b"` opens a
 * binary file, which takes no text (as in CPython, every record is then a logging error).
 * Python's other spellings of the same modes (`"at"`, `"ab+"`, `"rb+"`, ...) are accepted too.
 */
export type FileMode = "a" | "w" | "x" | "r+" | "a+" | "w+" | "x+" | "ab" | "wb" | "xb";

/** Options of {@linkcode FileHandler}; the keys are Python's parameter names. */
export interface FileHandlerOptions {
  /**
   * `"a"` appends, `"w"` truncates the file when it is opened (and never reopens it after
   * `close()`), `"x"` fails if the file exists, `"r+"` writes over an existing file from its
   * start. With `"b"` (`"wb"`, ...) the file is binary, as in CPython: it takes no `encoding`
   * or `errors`, and every record is a logging error (`a bytes-like object is required, not
   * 'str'`). See {@linkcode FileMode}.
   *
   * @default {"a"}
   */
  mode?: FileMode;
  /**
   * The text encoding, by any of Python's names for it: `utf-8`, `utf-8-sig`, `utf-16` and
   * `utf-32` (with a BOM at the start of a new file), `utf-16-le`, `utf-16-be`, `utf-32-le`,
   * `utf-32-be`, `latin-1`, `ascii`, and the single-byte code pages `cp1250` ... `cp1258`,
   * `cp874`, `cp437`, `cp850`, `cp852`, `cp858`, `cp866`, `iso8859-2` ... `iso8859-16`,
   * `koi8-r`, `koi8-u`, `mac-roman`, `mac-cyrillic` and `tis-620` (`windows-1251`, `latin2`,
   * `ibm866`, ... work too). `null` is Python's `None`: the default.
   *
   * @default {"utf-8"}
   */
  encoding?: string | null;
  /**
   * What to do with a character the encoding cannot hold: `strict` (the record is reported
   * through `handleError` and not written), `ignore`, `replace`, `backslashreplace`,
   * `xmlcharrefreplace`, `surrogateescape` or `surrogatepass`. `null` is Python's `None`:
   * the default.
   *
   * @default {"strict"}
   */
  errors?: ErrorPolicy | null;
  /**
   * Open the file on the first record instead of in the constructor.
   *
   * @default {false}
   */
  delay?: boolean;
  /**
   * Opt-in write buffer size in bytes. `0` writes every record before `handle()` returns
   * (Python's guarantee). A positive size trades that for speed: records wait in memory for at
   * most `bufferSize` bytes and `flushInterval` ms, and are written on `flush()`, `close()` and
   * at exit (also on `Deno.exit()`). A crash of the process loses what is waiting. (With UTF-8,
   * records wait as text and are encoded when written out; the size then counts characters,
   * and a buffer of non-ASCII text is written out in several pieces.)
   *
   * @default {0}
   */
  bufferSize?: number;
  /**
   * With `bufferSize`, the longest time in ms a record waits in memory.
   *
   * @default {1000}
   */
  flushInterval?: number;
}

/**
 * How Deno opens a file for `mode`: for writing only, since a handler never reads (so `"+"`
 * needs no `--allow-read`).
 */
function openOptions(mode: OpenMode): Deno.OpenOptions {
  switch (mode.kind) {
    case "w":
      return { write: true, create: true, truncate: true };
    case "x":
      return { write: true, createNew: true };
    case "r":
      return { write: true };
    default:
      return { write: true, append: true, create: true };
  }
}

/** What a binary file (mode `"wb"`, ...) does with a record's text: refuses it, as in CPython. */
function binaryFile(mode: string, path: string): Encoder {
  return {
    encoding: "utf-8",
    errors: "strict",
    bom: new Uint8Array(0),
    encode(): Uint8Array {
      throw new TypeError(
        `a bytes-like object is required, not 'str' (log file '${path}' was opened in binary ` +
          `mode '${mode}', which takes no text: use a text mode such as '${
            mode.replace(/[bt]/, "")
          }')`,
      );
    },
  };
}

/**
 * Python's `logging.FileHandler`: writes formatted records to a file. Writes are synchronous:
 * when `handle()` returns, the record's bytes are in the operating system (unless the opt-in
 * `bufferSize` is set). A failed open is reported through `handleError` with the path.
 *
 * Requires `--allow-write` for the file (a relative name needs nothing more). The constructor
 * checks it, with `delay` too, and refuses at once with the flag to add when Deno does not
 * grant it (a `"prompt"` state is not a grant: nothing prompts). A permission denied later
 * (revoked, say) is reported once through `handleError`, naming the flag; the records it then
 * keeps from the file are counted in {@linkcode FileHandler.dropped} and reported in one line at
 * the next `flush()`, `close()` or exit.
 *
 * @example
 * ```ts
 * import { FileHandler, getLogger } from "@x/loghandlers";
 * const dir = await Deno.makeTempDir();
 * {
 *   using h = new FileHandler(`${dir}/app.log`);
 *   const log = getLogger("doc.file");
 *   log.addHandler(h);
 *   log.warning("disk at %d%%", 91);
 *   log.removeHandler(h);
 * }
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "disk at 91%\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class FileHandler extends StreamHandler {
  /**
   * The options this class accepts, checked at run time by its constructor (a subclass that
   * declares its own refuses any other key).
   */
  static readonly optionRules: OptionRules = FILE_RULES;
  /** An example options object for the error a non-object gets. */
  static readonly optionExample: string = `{ mode: "w", encoding: "utf-8" }`;
  /** The absolute path of the file. */
  readonly baseFilename: string;
  /** The open mode, as given (Python's `mode`). */
  readonly mode: FileMode;
  #openMode: OpenMode;
  /** A binary mode: every record fails, as in CPython. */
  #binary: boolean;
  /** The canonical encoding name. */
  readonly encoding: string;
  /** The error policy. */
  readonly errors: string;
  /** Whether the file is opened on the first record. */
  readonly delay: boolean;
  #file: Deno.FsFile | null = null;
  #encoder: Encoder;
  #buffer: WriteBuffer | null = null;
  #bufferSize: number;
  #flushInterval: number;
  /** Buffered UTF-8: formatted text waits as a string and is encoded per buffer, not per record. */
  #textBuffered: boolean;
  #bomPending = false;
  #wasClosed = false;
  /** Every record goes through it, so that a write cut by a full disk never joins two lines. */
  #lines: LineGuard;
  /** The terminator whose encoding is the guard's separator. */
  #separatorOf: string;
  /** The denials reported so far (by message): each is reported once. */
  #deniedReported = new Set<string>();
  /** The last denial reported, named in the count of records it kept from the file. */
  #denied: Error | null = null;
  #dropped = 0;
  /** Records dropped by a denial since the count was last reported. */
  #droppedUnreported = 0;

  /**
   * The file access a handler of this class needs for `baseFilename` with `options`: what the
   * constructor checks, before it opens anything, with `Deno.permissions.querySync`. Subclasses
   * that touch more (a folder to rotate in, a lock file) override it.
   *
   * @param baseFilename The absolute path of the log file.
   * @param _options The constructor's options.
   * @returns For `FileHandler`: write access to the file.
   *
   * @example
   * ```ts
   * import { FileHandler } from "@x/loghandlers";
   * const access = FileHandler.accessNeeded("/srv/logs/app.log");
   * console.assert(access.read.length === 0 && access.write[0] === "/srv/logs/app.log");
   * ```
   */
  static accessNeeded(baseFilename: string, _options: FileHandlerOptions = {}): FileAccess {
    return { read: [], write: [baseFilename] };
  }

  /**
   * Opens (or, with `delay`, prepares to open) the log file.
   *
   * Requires `--allow-write` for the file (see {@linkcode FileHandler.accessNeeded}).
   *
   * @param filename The file's path or `file:` URL.
   * @param options See {@linkcode FileHandlerOptions}.
   * @throws {RangeError} For an unknown mode, encoding or error policy, or a negative buffer size.
   * @throws {ValueError} For an `encoding` or `errors` with a binary mode (`"wb"`, ...), as
   * Python's `open()` refuses them.
   * @throws {Deno.errors.NotCapable} When Deno does not grant the access the handler needs (with
   * `delay` too), naming the flag to add: `Cannot create FileHandler for 'app.log' as write
   * access is not granted: run Deno with --allow-write=/srv/app.log (or a folder above it)`.
   * @throws {Error} When the file cannot be opened (without `delay`), saying what to change.
   */
  constructor(filename: string | URL, options: FileHandlerOptions = {}) {
    checkFileOptions(new.target, options);
    const mode = options.mode ?? "a";
    const openMode = parseOpenMode(mode) as OpenMode; // checked by checkFileOptions
    const baseFilename = toAbsolutePath(filename);
    let encoder: Encoder;
    if (openMode.binary) {
      // Python's open() refuses both for a binary file, before it opens anything.
      for (const key of ["encoding", "errors"] as const) {
        if (options[key] !== undefined && options[key] !== null) {
          throw new ValueError(
            `Cannot create ${new.target.name} with mode '${mode}' as binary mode doesn't take ` +
              `an ${key} argument: leave '${key}' out, or use a text mode such as '${
                mode.replace(/[bt]/, "")
              }'`,
          );
        }
      }
      encoder = binaryFile(mode, baseFilename);
    } else {
      encoder = createEncoder(
        options.encoding ?? "utf-8",
        options.errors ?? "strict",
        "FileHandler",
      );
    }
    const bufferSize = options.bufferSize ?? 0;
    const flushInterval = options.flushInterval ?? 1000;
    checkFileAccess(
      new.target.name,
      typeof filename === "string" ? filename : baseFilename,
      new.target.accessNeeded(baseFilename, options),
    );
    // A FileHandler's stream is its file; until it is open, writes go nowhere.
    const nowhere = { writeSync: (p: Uint8Array) => p.length };
    super(nowhere);
    this.baseFilename = baseFilename;
    this.mode = mode;
    this.#openMode = openMode;
    this.#binary = openMode.binary;
    this.encoding = encoder.encoding;
    this.errors = encoder.errors;
    this.delay = options.delay ?? false;
    this.#encoder = encoder;
    this.#bufferSize = bufferSize;
    this.#flushInterval = flushInterval;
    this.#textBuffered = bufferSize > 0 && !openMode.binary &&
      encoder.encoding.startsWith("utf-8");
    this.#separatorOf = this.terminator;
    // The code unit is the size of an encoded newline: 1, 2 for UTF-16, 4 for UTF-32.
    this.#lines = new LineGuard(
      nowhere,
      this.#separator(),
      openMode.binary ? 1 : encoder.encode("\n").length,
    );
    if (!this.delay) this.#file = this._open();
  }

  /** The open file, or `null` before the first record (with `delay`) and after `close()`. */
  override get stream(): Deno.FsFile | null {
    return this.#file;
  }

  /**
   * Opens the file with the handler's mode, like Python's `_open`. Subclasses may override it.
   *
   * @returns The open file.
   * @throws {Error} When it cannot be opened, naming the path and what to change.
   */
  _open(): Deno.FsFile {
    let file: Deno.FsFile;
    try {
      file = Deno.openSync(this.baseFilename, openOptions(this.#openMode));
    } catch (error) {
      throw explainFileError(error, "open log file", this.baseFilename, "write");
    }
    if (this.#encoder.bom.length !== 0) {
      // Python writes the BOM when the file's position is 0 when opened: always but in
      // append mode, where the size tells (by seeking, which needs no --allow-read as an
      // fstat would).
      try {
        this.#bomPending = this.#openMode.kind !== "a" ||
          file.seekSync(0, Deno.SeekMode.End) === 0;
      } catch {
        this.#bomPending = true;
      }
    }
    if (this.#bufferSize > 0 && this.#buffer === null) {
      this.#buffer = new WriteBuffer(
        this.#lines,
        this.#bufferSize,
        this.#flushInterval,
        (error) => this.handleError(null, error),
      );
    }
    return file;
  }

  /**
   * Points the line guard at the file records now go to (checked before each write, so that an
   * overridden `_open` or `setStream` is followed). A line left cut by a failed write is ended
   * in it before the next record unless the file is new and empty.
   */
  #guard(file: Deno.FsFile): void {
    const lines = this.#lines;
    lines.target = file;
    if (!lines.torn) {
      lines.reset();
      return;
    }
    try {
      if (file.statSync().size === 0) lines.reset();
    } catch {
      // unknown: end the cut line to be safe
    }
  }

  /** The encoded terminator, or nothing (no guard) when the encoding cannot hold it. */
  #separator(): Uint8Array {
    try {
      return this.#encoder.encode(this.terminator).slice();
    } catch {
      return new Uint8Array(0);
    }
  }

  /**
   * Encodes the formatted record and terminator with the handler's encoding. The result is a
   * view that is valid until the next call. Used by `emit` and by rotating subclasses, which
   * need the encoded size before they write.
   *
   * @param record The record.
   * @returns The bytes to write.
   * @throws {Error} A `UnicodeEncodeError` under the `strict` policy.
   */
  encodeRecord(record: LogRecord): Uint8Array {
    return this.#encoder.encode(this.format(record) + this.terminator);
  }

  /**
   * Writes `bytes` to the file (opening it if needed), through the write buffer when one is set.
   *
   * @param bytes The bytes.
   * @returns How many bytes the file grew by: `bytes.length`, plus the byte order mark at the
   *   start of a new UTF-16 file; 0 when the handler is closed for good (mode `"w"`).
   */
  writeBytes(bytes: Uint8Array): number {
    const file = this.ensureStream();
    if (file === null) return 0;
    let written = bytes.length;
    if (this.#bomPending) {
      this.#bomPending = false;
      this.#writeBom(file);
      written += this.#encoder.bom.length;
    }
    if (this.#lines.target !== file) this.#guard(file);
    if (this.terminator !== this.#separatorOf) this.#newTerminator();
    if (this.#buffer !== null) this.#buffer.write(bytes);
    else writeAllSync(this.#lines, bytes);
    return written;
  }

  #writeText(text: string): void {
    const file = this.ensureStream();
    if (file === null) return;
    if (this.#bomPending) {
      this.#bomPending = false;
      this.#writeBom(file);
    }
    if (this.#lines.target !== file) this.#guard(file);
    if (this.terminator !== this.#separatorOf) this.#newTerminator();
    this.#buffer!.writeUtf8(text);
  }

  /** The byte order mark starts a new file: not a record, so it bypasses the line guard. */
  #writeBom(file: Deno.FsFile): void {
    if (this.#buffer !== null) this.#buffer.write(this.#encoder.bom);
    else writeAllSync(file, this.#encoder.bom);
  }

  #newTerminator(): void {
    this.#separatorOf = this.terminator;
    this.#lines.separator = this.#separator();
  }

  /**
   * Opens the file if it is not open (after `delay`, or after {@linkcode FileHandler.closeStream}).
   *
   * @returns The open file, or `null` after `close()` in a mode that truncates (`"w"`, `"w+"`,
   *   `"wb"`), which never reopens.
   * @throws {Error} When the file cannot be opened, naming the path and what to change.
   */
  ensureStream(): Deno.FsFile | null {
    if (this.#file === null) {
      // Python: a file opened with mode "w" is never reopened after close() (nor here with
      // "w+" or "wb", which truncate it too).
      if (this.#openMode.kind === "w" && this.#wasClosed) return null;
      this.#file = this._open();
      if (this.#wasClosed) registerHandler(this);
    }
    return this.#file;
  }

  /**
   * Formats the record, encodes it and writes it. Failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    if (this.#file === null) {
      if (this.#openMode.kind === "w" && this.#wasClosed) return;
      // A binary file: CPython opens it (after `delay`), then fails to write text to it.
      if (this.#binary) this.ensureStream();
    }
    if (this.#textBuffered) {
      // Well-formed text is valid UTF-8 under every error policy: it waits as text.
      const text = this.format(record) + this.terminator;
      if (text.isWellFormed()) this.#writeText(text);
      else this.writeBytes(this.#encoder.encode(text));
      return;
    }
    this.writeBytes(this.encodeRecord(record));
  }

  /**
   * Replaces the open file, like Python's `setStream` on a FileHandler.
   *
   * @param stream The new file.
   * @returns The old file, or `null` when `stream` is the current one.
   */
  override setStream(stream: Deno.FsFile): Deno.FsFile | null {
    if (stream === this.#file) return null;
    this.flushSync();
    const old = this.#file;
    this.#file = stream;
    return old;
  }

  /**
   * Opens the file by name again, then closes the old one: for a file that was moved or
   * deleted (log rotation by another program). Waiting buffered bytes go to the old file first.
   * The handler stays open. Does nothing after `close()` in mode `"w"`.
   *
   * @throws {Error} When the file cannot be opened; the old file is then kept.
   *
   * @example
   * ```ts
   * import { FileHandler, makeLogRecord } from "@x/loghandlers";
   * const dir = await Deno.makeTempDir();
   * using h = new FileHandler(`${dir}/app.log`);
   * h.handle(makeLogRecord({ msg: "one" }));
   * await Deno.rename(`${dir}/app.log`, `${dir}/app.log.1`);
   * h.reopen();
   * h.handle(makeLogRecord({ msg: "two" }));
   * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "two\n");
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  reopen(): void {
    if (this.#file === null) {
      this.ensureStream();
      return;
    }
    this.flushSync();
    this.#endCutLine();
    const old = this.#file;
    this.#file = this._open();
    try {
      old.close();
    } catch (error) {
      this.handleError(null, error);
    }
  }

  /**
   * Flushes and closes the file but keeps the handler usable: the next record opens it again
   * (Python's `self.stream.close(); self.stream = None`, used before a rollover renames the file).
   */
  closeStream(): void {
    const file = this.#file;
    if (file === null) return;
    try {
      this.flushSync();
    } finally {
      this.#file = null;
      this.#endCutLine();
      file.close();
    }
  }

  /** Before a close: ends a line a full disk left cut, if it can (else the next write will). */
  #endCutLine(): void {
    try {
      this.#lines.endLine();
    } catch {
      // still no room: the failure that cut the line was reported already
    }
  }

  /**
   * How many records a denied permission kept from the file (each denial is reported once
   * through `handleError`, the records it then keeps out are counted here and reported in one
   * line at the next `flush()`, `close()` or exit).
   */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Reports a failure to handle `record` like every handler, except a denied permission: it is
   * reported once, with the flag to add, and each record it keeps from the file afterwards is
   * only counted ({@linkcode FileHandler.dropped}), so that a denial never prints one report
   * per record.
   *
   * @param record The record being handled, or `null`.
   * @param error What went wrong.
   */
  override handleError(record: LogRecord | null, error: unknown): void {
    if (!isPermissionDenial(error)) {
      super.handleError(record, error);
      return;
    }
    const explained = explainFileError(error, "use log file", this.baseFilename, "read");
    if (this.#deniedReported.has(explained.message)) {
      if (record !== null) {
        this.#dropped++;
        this.#droppedUnreported++;
      }
      return;
    }
    this.#deniedReported.add(explained.message);
    this.#denied = explained;
    if (record !== null) this.#dropped++;
    super.handleError(record, explained);
  }

  /** Reports, in one line, the records denials kept from the file since the last report. */
  #reportDropped(): void {
    const n = this.#droppedUnreported;
    if (n === 0) return;
    this.#droppedUnreported = 0;
    const records = n === 1 ? "1 more record was" : `${n} more records were`;
    const when = endingReason() === null ? "" : ` ${endingReason()}`;
    super.handleError(
      null,
      new Error(
        `${records} dropped because log file '${this.baseFilename}' cannot be written for good ` +
          `(${this.#denied?.name ?? "Error"}, reported once before)${when}`,
      ),
    );
  }

  /** Writes out the write buffer, if any; reports records a denied permission dropped. */
  override flushSync(): void {
    this.#reportDropped();
    this.#buffer?.flush();
  }

  /**
   * Writes out the write buffer.
   *
   * @returns A promise that never rejects; failures go to `handleError`.
   */
  override flush(): Promise<void> {
    try {
      this.flushSync();
    } catch (error) {
      this.handleError(null, error);
    }
    return Promise.resolve();
  }

  /**
   * Flushes and closes the file, synchronously. Idempotent. With mode `"a"` a later record
   * reopens the file, as in Python; with `"w"` it is dropped.
   */
  closeSync(): void {
    try {
      this.flushSync();
    } catch (error) {
      this.handleError(null, error);
    } finally {
      this.#buffer?.dispose();
      const file = this.#file;
      this.#file = null;
      this.#wasClosed = true;
      if (file !== null) this.#endCutLine();
      try {
        file?.close();
      } catch (error) {
        this.handleError(null, error);
      }
      void super.close();
    }
  }

  /**
   * Flushes and closes the file. Idempotent.
   *
   * @returns A promise that resolves when the file is closed.
   */
  override close(): Promise<void> {
    this.closeSync();
    return Promise.resolve();
  }

  /** Closes the file: `using handler = new FileHandler(...)`. */
  override [Symbol.dispose](): void {
    this.closeSync();
  }

  /**
   * Python's repr: `<FileHandler /path/app.log (NOTSET)>`.
   *
   * @returns The description.
   */
  override toString(): string {
    return `<${this.constructor.name} ${this.baseFilename} (${getLevelName(this.level)})>`;
  }
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type SyncWriter } from "../core/io/files.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
export { type LogStream, StreamHandler, type TextWriter } from "./stream.ts";
