/**
 * The source line of a stack frame, as Python's `linecache` gives it to its tracebacks and to a
 * record's `stack_info`: read from a local file once, then kept, and only where reading it needs
 * no prompt (`--allow-read` already grants it). Without the permission, or for a file that is
 * not local, there is no line, silently: no prompt, no error.
 *
 * @module
 */

import { fileAccessGranted } from "./files.ts";

/** The files read so far: their lines, or `null` for a file that cannot or may not be read. */
const files = new Map<string, readonly string[] | null>();
/** Files kept at once; the oldest is dropped past it (a program has few source files). */
const MAX_FILES = 512;
/** A larger file is not read: no source file of a program is this large. */
const MAX_BYTES = 8 * 1024 * 1024;

/**
 * The stripped text of line `lineno` of the local file `path` (Python's
 * `linecache.getline(path, lineno).strip()`), or `""` when it cannot be had: the file is not a
 * local path, reading it is not granted, it cannot be read, or it has no such line. Never
 * prompts, never throws.
 *
 * @param path A file path, as a stack frame shows it (a `file:` URL already made a path).
 * @param lineno The line number, from 1.
 * @returns The line without its leading and trailing white space, or `""`.
 */
export function sourceLine(path: string, lineno: number): string {
  let lines = files.get(path);
  if (lines === undefined) {
    lines = readLines(path);
    if (files.size >= MAX_FILES) files.delete(files.keys().next().value!);
    files.set(path, lines);
  }
  if (lines === null || !(lineno >= 1 && lineno <= lines.length)) return "";
  return lines[lineno - 1].trim();
}

function readLines(path: string): readonly string[] | null {
  // Only a local absolute path: not "<unknown>", "ext:...", "node:...", "https://...".
  if (!(path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path))) return null;
  if (fileAccessGranted("read", path) !== true) return null;
  try {
    const info = Deno.statSync(path);
    if (!info.isFile || info.size > MAX_BYTES) return null;
    return Deno.readTextFileSync(path).split(/\r\n|\r|\n/);
  } catch {
    return null;
  }
}
