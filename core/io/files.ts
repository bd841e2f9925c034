/**
 * Small synchronous I/O helpers shared by the stream and file handlers.
 *
 * @module
 */

/** Anything with Deno's synchronous write: `Deno.stdout`, `Deno.stderr`, a `Deno.FsFile`. */
export interface SyncWriter {
  /** Writes some of `p`, returning how many bytes were written. */
  writeSync(p: Uint8Array): number;
}

/**
 * Writes all of `bytes`, looping over partial writes.
 *
 * @param writer The destination.
 * @param bytes The bytes to write.
 */
export function writeAllSync(writer: SyncWriter, bytes: Uint8Array): void {
  let n = writer.writeSync(bytes);
  while (n < bytes.length) n += writer.writeSync(bytes.subarray(n));
}

const LF = new Uint8Array([0x0a]);

/**
 * Keeps a file of records line by line across failed writes. When a write fails part-way through
 * a record (a full disk: the operating system takes what fits, then refuses the rest), the rest
 * of that record is lost, and without care the next record would be appended to the cut one,
 * making one line of two records. A `LineGuard` stands between the writers and the file: it
 * notes whether the bytes written so far end with the line separator and, after a failure that
 * left a line cut, starts the next write with the separator, so the next record begins on a
 * line of its own. The cut line stays visibly cut.
 *
 * Every write path of the file handlers goes through it: direct writes, those of the write
 * buffer (`bufferSize`) and those of the rotating handlers. Its cost per write is a comparison
 * of the last bytes.
 */
export class LineGuard implements SyncWriter {
  /** Where the bytes go. */
  target: SyncWriter;
  #separator: Uint8Array = LF;
  #unit: number;
  /** Whether the bytes written so far end with the separator (or nothing was written). */
  #atLineStart = true;
  /** Whether a failed write left a line cut: the next write starts with the separator. */
  #torn = false;
  /** How many bytes past the last whole code unit have been written (UTF-16: 0 or 1). */
  #phase = 0;

  /**
   * Guards the records written to `target`.
   *
   * @param target Where the bytes go, such as an open `Deno.FsFile`.
   * @param separator The encoded line separator (the handler's terminator); empty turns the
   *   guard off.
   * @param unit The size in bytes of the encoding's code unit: 2 for UTF-16, so that a cut in
   *   the middle of a character is padded before the separator. Default 1.
   */
  constructor(target: SyncWriter, separator: Uint8Array = LF, unit = 1) {
    this.target = target;
    this.#separator = separator;
    this.#unit = unit;
  }

  /** The encoded line separator; empty turns the guard off. */
  get separator(): Uint8Array {
    return this.#separator;
  }
  set separator(separator: Uint8Array) {
    this.#separator = separator;
  }

  /** Whether a failed write left a line cut, to be ended before the next write. */
  get torn(): boolean {
    return this.#torn;
  }

  /**
   * Ends now a line that a failed write left cut (before the file is closed or rotated), so
   * that the file ends with a whole line. Does nothing when no line is cut.
   *
   * @throws {Error} The target's error; the line then stays cut, to be ended by the next write.
   */
  endLine(): void {
    if (this.#torn) this.#endCutLine();
  }

  /** Forgets what was written: the target is now a new, empty file. */
  reset(): void {
    this.#atLineStart = true;
    this.#torn = false;
    this.#phase = 0;
  }

  /**
   * Writes some of `p` to the target, after ending a line that a failed write left cut.
   *
   * @param p The bytes.
   * @returns How many bytes of `p` were written.
   * @throws {Error} The target's error; the guard notes whether it left a line cut.
   */
  writeSync(p: Uint8Array): number {
    if (this.#torn) this.#endCutLine();
    let n: number;
    try {
      n = this.target.writeSync(p);
    } catch (error) {
      this.#torn = this.#separator.length !== 0 && (!this.#atLineStart || this.#phase !== 0);
      throw error;
    }
    this.#note(p, n);
    return n;
  }

  #endCutLine(): void {
    const unit = this.#unit;
    const pad = (unit - this.#phase) % unit;
    const fix = new Uint8Array(pad + this.#separator.length);
    fix.set(this.#separator, pad);
    let done = 0;
    while (done < fix.length) {
      const rest = fix.subarray(done);
      const n = this.target.writeSync(rest); // a failure keeps the line cut, to try again
      this.#note(rest, n);
      done += n;
    }
    this.#torn = false;
  }

  #note(p: Uint8Array, n: number): void {
    if (n <= 0) return;
    if (this.#unit !== 1) this.#phase = (this.#phase + n) % this.#unit;
    const sep = this.#separator;
    const s = sep.length;
    if (s === 0) return;
    if (n < s) {
      this.#atLineStart = false;
      return;
    }
    let at = p[n - 1] === sep[s - 1];
    for (let i = 2; at && i <= s; i++) at = p[n - i] === sep[s - i];
    this.#atLineStart = at;
  }
}

/**
 * Turns a `string | URL` file name into a path, resolved against the current directory when
 * that can be read (Python's `os.path.abspath`); otherwise the path as given.
 *
 * @param filename A path or a `file:` URL.
 * @returns The path.
 * @throws {TypeError} For a URL that is not a `file:` URL.
 */
export function toAbsolutePath(filename: string | URL): string {
  let path: string;
  if (filename instanceof URL) {
    if (filename.protocol !== "file:") {
      throw new TypeError(`Log file URL must use the file: protocol: current value is ${filename}`);
    }
    path = decodeURIComponent(filename.pathname);
    if (/^\/[A-Za-z]:\//.test(path)) path = path.slice(1);
  } else {
    path = filename;
  }
  if (isAbsolute(path)) return normalize(path);
  let cwd: string;
  try {
    cwd = Deno.cwd();
  } catch {
    return path;
  }
  return normalize(`${cwd}/${path}`);
}

function isAbsolute(path: string): boolean {
  return path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path) || path.startsWith("\\\\");
}

function normalize(path: string): string {
  const win = /^[A-Za-z]:[\\/]/.test(path);
  const sep = win ? "\\" : "/";
  const parts = path.split(/[\\/]+/);
  const out: string[] = [];
  for (const part of parts.slice(1)) {
    if (part === "" || part === ".") continue;
    if (part === "..") out.pop();
    else out.push(part);
  }
  return (win ? parts[0] + sep : "/") + out.join(sep);
}

/**
 * An error for a permission Deno refuses: a `Deno.errors.NotCapable` (the class Deno itself
 * throws for a missing `--allow-*` flag, so `instanceof` checks and
 * {@linkcode isPermissionDenial} recognise it) marked `permanent: true`, since retrying cannot
 * cure it. Where Deno has no `NotCapable` (an older or embedded runtime) it is a
 * `Deno.errors.PermissionDenied`, or an `Error` named `NotCapable`.
 *
 * @param message What was refused and the flag that allows it.
 * @param cause The error Deno threw, if there was one.
 * @returns The error.
 *
 * @example
 * ```ts
 * import { isPermissionDenial, permissionDenied } from "@x/loghandlers/extend";
 * const e = permissionDenied("Cannot open log file '/var/log/app.log': write access is not granted.");
 * console.assert(e instanceof Deno.errors.NotCapable && isPermissionDenial(e));
 * console.assert(String(e).startsWith("NotCapable: Cannot open log file"));
 * ```
 */
export function permissionDenied(message: string, cause?: unknown): Error {
  const errors = typeof Deno === "object" ? Deno.errors : undefined;
  const cls = (errors as { NotCapable?: ErrorConstructor } | undefined)?.NotCapable ??
    errors?.PermissionDenied;
  let error: Error;
  if (cls === undefined) {
    error = new Error(message, { cause });
    error.name = "NotCapable";
  } else {
    error = new cls(message, { cause });
  }
  return Object.assign(error, { permanent: true });
}

/**
 * The access (`read`, `write`, `net`, ...) and the path or address Deno's denial names, from its
 * message (`Requires write access to "/var/log/app.log"`).
 *
 * @param error What Deno threw.
 * @returns The access and what it is to, or `null` when the message names none.
 */
export function deniedAccess(error: unknown): { access: string; path: string | null } | null {
  const text = error instanceof Error ? error.message : "";
  const found = /Requires (\w+) access(?: to "([^"]*)")?/.exec(text);
  return found === null ? null : { access: found[1], path: found[2] ?? null };
}

/**
 * Rewrites a failed file operation as an error that says what to do: for a denied Deno
 * permission, which flag to add (the access and the path Deno names, which may differ from
 * `flag` and `path`: a rename needs read access to its source); otherwise the path and the
 * operating system's reason.
 *
 * @param error The error thrown by `Deno.openSync` or the like.
 * @param action What was being done, e.g. `"open log file"`.
 * @param path The file's path.
 * @param flag The permission the action needs when Deno's error does not say: `"write"` or
 *   `"read"`.
 * @returns For a denial, an error from {@linkcode permissionDenied} (one made by it already is
 *   returned as it is); otherwise an error of the same name. Its `cause` is the original.
 */
export function explainFileError(
  error: unknown,
  action: string,
  path: string,
  flag: "read" | "write",
): Error {
  const reason = error instanceof Error ? error.message : String(error);
  if (isPermissionDenial(error)) {
    // Explained already (made by permissionDenied): kept as it is.
    if ((error as { permanent?: unknown }).permanent === true) return error as Error;
    const denied = deniedAccess(error);
    const access = denied?.access ?? flag;
    const target = denied?.path ? toAbsolutePath(denied.path) : path;
    return permissionDenied(
      `Cannot ${action} '${path}': ${access} access ${
        target === path ? "" : `to '${target}' `
      }is not granted. Run Deno with --allow-${access}=${target} (or a folder above it) to allow it.`,
      error,
    );
  }
  const e = new Error(`Cannot ${action} '${path}': ${reason}`, { cause: error });
  if (error instanceof Error) e.name = error.name;
  return e;
}

/** Whether `error` is Deno refusing a permission (not the operating system's EACCES). */
export function isPermissionDenial(error: unknown): boolean {
  const errors = typeof Deno === "object" ? Deno.errors : undefined;
  if (!errors) return false;
  const notCapable = (errors as { NotCapable?: new () => Error }).NotCapable;
  return (notCapable !== undefined && error instanceof notCapable) ||
    (error instanceof errors.PermissionDenied &&
      /--allow-|Requires .* access/.test((error as Error).message));
}

/** Paths by the file access they need: absolute paths, files or folders. */
export interface FileAccess {
  /** Paths that need `--allow-read`. */
  read: readonly string[];
  /** Paths that need `--allow-write`. */
  write: readonly string[];
}

/**
 * Whether Deno grants a permission now, asked without a prompt (`Deno.permissions.querySync`).
 * A `"prompt"` state is not a grant.
 *
 * @param descriptor What to ask about, e.g. `{ name: "net", host: "127.0.0.1:9020" }`.
 * @returns `true` or `false`; `null` when the runtime cannot tell (no
 *   `Deno.permissions.querySync`, as where Deno is embedded differently): the operation itself
 *   will then say.
 */
export function permissionGranted(descriptor: Deno.PermissionDescriptor): boolean | null {
  const permissions = typeof Deno === "object" ? Deno.permissions : undefined;
  if (typeof permissions?.querySync !== "function") return null;
  try {
    return permissions.querySync(descriptor).state === "granted";
  } catch {
    return null;
  }
}

/**
 * Whether Deno grants `name` access to `path` now, asked without a prompt (see
 * {@linkcode permissionGranted}).
 *
 * @param name `"read"` or `"write"`.
 * @param path The path.
 * @returns `true` or `false`; `null` when the runtime cannot tell.
 */
export function fileAccessGranted(name: "read" | "write", path: string): boolean | null {
  return permissionGranted({ name, path });
}

/**
 * The part of `needs` that Deno does not grant now (see {@linkcode fileAccessGranted}). A path
 * inside a folder that is itself missing is left out: the folder's flag covers it.
 *
 * @param needs The access needed.
 * @returns What is missing; both lists are empty when everything is granted (or the runtime
 *   cannot tell).
 */
export function missingFileAccess(needs: FileAccess): FileAccess {
  const pick = (name: "read" | "write", paths: readonly string[]): string[] => {
    const missing = [...new Set(paths)].filter((p) => fileAccessGranted(name, p) === false);
    return missing.filter((p) => !missing.some((q) => q !== p && isInside(p, q)));
  };
  return { read: pick("read", needs.read), write: pick("write", needs.write) };
}

function isInside(path: string, folder: string): boolean {
  const f = folder.endsWith("/") || folder.endsWith("\\") ? folder : `${folder}/`;
  return path.replaceAll("\\", "/").startsWith(f.replaceAll("\\", "/"));
}

/**
 * Deno's flags that grant `access`: `--allow-read=<paths> --allow-write=<paths>`, the paths
 * joined by commas.
 *
 * @param access The access to grant.
 * @returns The flags, e.g. `--allow-read=/srv/logs --allow-write=/srv/logs`.
 */
export function fileAccessFlags(access: FileAccess): string {
  const flags: string[] = [];
  if (access.read.length > 0) flags.push(`--allow-read=${access.read.join(",")}`);
  if (access.write.length > 0) flags.push(`--allow-write=${access.write.join(",")}`);
  return flags.join(" ");
}

/**
 * Refuses at once what could only fail later: throws when Deno does not grant (now, without a
 * prompt) the file access `needs` lists, naming the flags to add. A `"prompt"` state counts as
 * not granted: a library that prompts at construction, or worse at a rollover hours later,
 * would surprise, and the same program must behave the same in a terminal and under a service
 * manager (where a prompt is a denial). Nothing is checked where the runtime cannot tell (no
 * `Deno.permissions.querySync`).
 *
 * @param owner The class being created, e.g. `"RotatingFileHandler"`.
 * @param file The log file as the caller named it.
 * @param needs The access needed: absolute paths.
 * @throws {Deno.errors.NotCapable} From {@linkcode permissionDenied}, e.g. `Cannot create
 *   RotatingFileHandler for 'logs/app.log' as read access is not granted: run Deno with
 *   --allow-read=/srv/app/logs (or a folder above it)`.
 */
export function checkFileAccess(owner: string, file: string, needs: FileAccess): void {
  const missing = missingFileAccess(needs);
  const kinds = [missing.read.length > 0 ? "read" : "", missing.write.length > 0 ? "write" : ""]
    .filter(Boolean);
  if (kinds.length === 0) return;
  const paths = new Set([...missing.read, ...missing.write]).size;
  throw permissionDenied(
    `Cannot create ${owner} for '${file}' as ${kinds.join(" and ")} access ${
      kinds.length === 1 ? "is" : "are"
    } not granted: run Deno with ${fileAccessFlags(missing)} (${
      paths === 1 ? "or a folder above it" : "or folders above them"
    })`,
  );
}

/**
 * The folder of an absolute file path (`/srv/logs` for `/srv/logs/app.log`).
 *
 * @param path An absolute path.
 * @returns Its folder.
 */
export function folderOf(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  if (cut <= 0) return path.slice(0, 1) || ".";
  if (cut === 2 && /^[A-Za-z]:/.test(path)) return path.slice(0, 3);
  return path.slice(0, cut);
}

/**
 * `Deno.statSync(path)`, or `null` when nothing is there (Python's `os.path.exists` test).
 *
 * @param path The path.
 * @returns The file's information, or `null` when it does not exist.
 * @throws {Error} For any other failure (a denied permission, say).
 */
export function statOrNull(path: string): Deno.FileInfo | null {
  try {
    return Deno.statSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/**
 * `Deno.renameSync`, with an error that names both paths and the permission to add.
 *
 * @param from The current name.
 * @param to The new name.
 */
export function renameFile(from: string, to: string): void {
  try {
    Deno.renameSync(from, to);
  } catch (error) {
    throw explainFileError(error, `rename '${from}' to`, to, "write");
  }
}

/**
 * `Deno.removeSync`, with an error that names the path and the permission to add; a file
 * already gone is not an error.
 *
 * @param path The file.
 */
export function removeFile(path: string): void {
  try {
    Deno.removeSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw explainFileError(error, "remove rotated log file", path, "write");
  }
}
