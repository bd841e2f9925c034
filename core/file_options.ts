/**
 * The rules of the file handlers' options, shared by `FileHandler`, `WatchedFileHandler` and
 * the rotating handlers, and the check their constructors run with them.
 *
 * @module
 */

import {
  boolean,
  checkOptions,
  func,
  integer,
  nullable,
  number,
  oneOf,
  type OptionRule,
  type OptionRules,
  string,
} from "./text/options.ts";

/** A mode of Python's `open()`, read: what the file handlers need to know of it. */
export interface OpenMode {
  /** `"a"` appends, `"w"` truncates, `"x"` creates a new file, `"r"` opens an existing one. */
  kind: "a" | "w" | "x" | "r";
  /** `"+"`: also for reading (which a handler never does; `"r+"` is how `"r"` writes). */
  plus: boolean;
  /** `"b"`: a binary stream, which takes no text (every record fails, as in CPython). */
  binary: boolean;
}

/**
 * Reads a mode the way Python's `open()` does: each of `r w x a b t +` at most once, in any
 * order, exactly one of `r w x a`, not both `b` and `t`.
 *
 * @param mode The mode, such as `"a"`, `"wb"` or `"r+"`.
 * @returns The mode read, or the text of the `ValueError` Python's `open()` raises for it.
 *
 * @example
 * ```ts
 * import { parseOpenMode } from "./file_options.ts";
 * console.assert((parseOpenMode("ab+") as { binary: boolean }).binary);
 * console.assert(parseOpenMode("rw") === "must have exactly one of create/read/write/append mode");
 * ```
 */
export function parseOpenMode(mode: string): OpenMode | string {
  if (mode.includes("\0")) return "embedded null character";
  const seen = new Set<string>();
  for (const c of mode) {
    if (!"rwxabt+".includes(c) || seen.has(c)) return `invalid mode: '${mode}'`;
    seen.add(c);
  }
  if (seen.has("b") && seen.has("t")) return "can't have text and binary mode at once";
  const kinds = ["a", "w", "x", "r"].filter((k) => seen.has(k)) as OpenMode["kind"][];
  if (kinds.length > 1) return "must have exactly one of create/read/write/append mode";
  if (kinds.length === 0) {
    return "Must have exactly one of create/read/write/append mode and at most one plus";
  }
  return { kind: kinds[0], plus: seen.has("+"), binary: seen.has("b") };
}

/** The `mode` rule: a mode of Python's `open()` that can write. */
function openMode(): OptionRule {
  const must = `a mode of Python's open() that can write: "a" (append), "w" (truncate), ` +
    `"x" (create a new file) or "r+" (write over the file from its start), with "b" for a ` +
    `binary file if wanted`;
  return (value) => {
    if (typeof value !== "string") return { must };
    const mode = parseOpenMode(value);
    if (typeof mode === "string") return { must: `${must} (here: ${mode})`, range: true };
    if (mode.kind === "r" && !mode.plus) {
      return {
        must: `${must} (here: "r" opens the file read-only, so no record could be written; ` +
          `CPython accepts it and reports each record as not writable)`,
        range: true,
      };
    }
    return null;
  };
}

/** The rules of `FileHandlerOptions`, which every file handler's options extend. */
export const FILE_RULES: OptionRules = Object.freeze({
  mode: openMode(),
  // null is Python's None: the default.
  encoding: nullable(string(true)),
  errors: nullable(string(true)),
  delay: boolean(),
  bufferSize: integer(0),
  flushInterval: number(0, true, "ms"),
});

/**
 * Checks the options of a file handler's constructor against the rules of the class being
 * built (`new.target`). A class that declares its own `optionRules` refuses unknown keys; a
 * subclass of the user's that does not may carry options of its own.
 *
 * @param target The class being built (`new.target`).
 * @param options The options as passed.
 * @throws {TypeError} For options that are not an object, an unknown key, a wrong type.
 * @throws {RangeError} For a value out of range.
 */
export function checkFileOptions(
  target: { name: string; optionRules: OptionRules; optionExample: string },
  options: object | undefined,
): void {
  checkOptions(
    target.name,
    options,
    target.optionRules,
    `new ${target.name}("app.log", ${target.optionExample})`,
    Object.hasOwn(target, "optionRules") ? "refuse" : "allow",
  );
}

/** The rules of `BaseRotatingHandlerOptions`. */
export const BASE_ROTATING_RULES: OptionRules = Object.freeze({
  ...FILE_RULES,
  lock: boolean(),
  compress: nullable(oneOf(["gzip"])),
  maxAge: number(0, false, "seconds"),
  now: func(),
});
