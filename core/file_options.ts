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
  type OptionRules,
  string,
} from "./text/options.ts";

/** The rules of `FileHandlerOptions`, which every file handler's options extend. */
export const FILE_RULES: OptionRules = Object.freeze({
  mode: oneOf(["a", "w", "x"]),
  encoding: string(true),
  errors: string(true),
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
