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
 * Rewrites a failed file operation as an error that says what to do: for a denied Deno
 * permission, which flag to add; otherwise the path and the operating system's reason.
 *
 * @param error The error thrown by `Deno.openSync` or the like.
 * @param action What was being done, e.g. `"open log file"`.
 * @param path The file's path.
 * @param flag The permission the action needs: `"write"` or `"read"`.
 * @returns An error of the same class whose `cause` is the original.
 */
export function explainFileError(
  error: unknown,
  action: string,
  path: string,
  flag: "read" | "write",
): Error {
  const reason = error instanceof Error ? error.message : String(error);
  if (isPermissionDenial(error)) {
    const e = new Error(
      `Cannot ${action} '${path}': ${flag} access is not granted. ` +
        `Run Deno with --allow-${flag}=${path} (or a folder above it) to allow it.`,
      { cause: error },
    );
    e.name = (error as Error).name;
    return e;
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
