/**
 * Level numbers and names, as in Python's `logging` module.
 *
 * @module
 */

import { describeValue } from "./text/options.ts";

/** Serious errors: the program may not be able to go on. Python's `CRITICAL` (50). */
export const CRITICAL = 50;
/** Alias of {@linkcode CRITICAL}, as in Python. */
export const FATAL: number = CRITICAL;
/** An error: something failed. Python's `ERROR` (40). */
export const ERROR = 40;
/** Something unexpected that the program survived. Python's `WARNING` (30). */
export const WARNING = 30;
/** Alias of {@linkcode WARNING}, as in Python. */
export const WARN: number = WARNING;
/** Confirmation that things work as expected. Python's `INFO` (20). */
export const INFO = 20;
/** Detail for diagnosing problems. Python's `DEBUG` (10). */
export const DEBUG = 10;
/** No level set: the logger defers to its parent. Python's `NOTSET` (0). */
export const NOTSET = 0;

/**
 * The names of the standard levels, as `setLevel` and the like accept them.
 *
 * @example
 * ```ts
 * import { getLevelName, type LevelName } from "@x/loghandlers";
 * const name: LevelName = "WARNING";
 * console.assert(getLevelName(name) === 30);
 * ```
 */
export type LevelName =
  | "CRITICAL"
  | "FATAL"
  | "ERROR"
  | "WARN"
  | "WARNING"
  | "INFO"
  | "DEBUG"
  | "NOTSET";

/**
 * A level as `setLevel` and the like accept it: a number, or a standard level name (a misspelt
 * name is a type error). A name registered with `addLevelName` is accepted at run time too; pass
 * it as its number, or write `name as LevelName`, to satisfy the type checker.
 */
export type Level = number | LevelName;

const levelToName = new Map<number, string>([
  [CRITICAL, "CRITICAL"],
  [ERROR, "ERROR"],
  [WARNING, "WARNING"],
  [INFO, "INFO"],
  [DEBUG, "DEBUG"],
  [NOTSET, "NOTSET"],
]);

const nameToLevel = new Map<string, number>([
  ["CRITICAL", CRITICAL],
  ["FATAL", FATAL],
  ["ERROR", ERROR],
  ["WARN", WARNING],
  ["WARNING", WARNING],
  ["INFO", INFO],
  ["DEBUG", DEBUG],
  ["NOTSET", NOTSET],
]);

/**
 * Returns the name of a level number, or the number of a level name, like Python's
 * `logging.getLevelName`. An unknown number gives `"Level N"`; an unknown name gives
 * `"Level NAME"`, as Python does.
 *
 * @param level A level number or a level name.
 * @returns The level's name for a number, the level's number for a registered name.
 *
 * @example
 * ```ts
 * import { getLevelName } from "@x/loghandlers";
 * console.assert(getLevelName(30) === "WARNING");
 * console.assert(getLevelName("ERROR") === 40);
 * console.assert(getLevelName(35) === "Level 35");
 * ```
 */
export function getLevelName(level: number): string;
/**
 * Returns the number of a registered level name, or `"Level NAME"` for an unknown one.
 *
 * @param level A level name.
 * @returns The level's number, or `"Level NAME"`.
 */
export function getLevelName(level: string): number | string;
/**
 * Returns the name of a level number or the number of a level name.
 *
 * @param level A level number or name.
 * @returns The name for a number, the number for a registered name.
 */
export function getLevelName(level: number | string): number | string;
export function getLevelName(level: number | string): number | string {
  if (typeof level === "number") {
    return levelToName.get(level) ?? `Level ${level}`;
  }
  return nameToLevel.get(level) ?? `Level ${level}`;
}

/**
 * Associates `name` with the level number `level`, in both directions, like Python's
 * `logging.addLevelName`. The name is used when records of that level are formatted, and may
 * be passed wherever a level is accepted. As in Python, the name may be empty: records of that
 * level then print an empty `%(levelname)s`. The level's previous name stays a name of the
 * level, as in Python.
 *
 * @param level The level number.
 * @param name The level's name.
 * @throws {TypeError} If `level` is not an integer or `name` is not a string.
 *
 * @example
 * ```ts
 * import { addLevelName, getLevelName } from "@x/loghandlers";
 * addLevelName(25, "NOTICE");
 * console.assert(getLevelName(25) === "NOTICE");
 * console.assert(getLevelName("NOTICE") === 25);
 * ```
 */
export function addLevelName(level: number, name: string): void {
  if (!Number.isInteger(level)) {
    throw new TypeError(
      `Cannot add level name as 'level' must be an integer: current value is ${
        describeValue(level)
      }`,
    );
  }
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot add level name as 'name' must be a string: current value is ${describeValue(name)}`,
    );
  }
  levelToName.set(level, name);
  nameToLevel.set(name, level);
}

/**
 * Saves both tables of level names and returns a function that puts them back as they are now,
 * dropping the names added since (what CPython's tests restore after each test).
 *
 * @returns The function that restores the tables.
 */
export function saveLevelNames(): () => void {
  const names = [...levelToName];
  const levels = [...nameToLevel];
  return () => {
    levelToName.clear();
    for (const [level, name] of names) levelToName.set(level, name);
    nameToLevel.clear();
    for (const [name, level] of levels) nameToLevel.set(name, level);
  };
}

/**
 * Returns a snapshot of the registered level names and numbers, like Python's
 * `logging.getLevelNamesMapping()`.
 *
 * @returns A new object mapping each registered name to its number.
 *
 * @example
 * ```ts
 * import { getLevelNamesMapping } from "@x/loghandlers";
 * console.assert(getLevelNamesMapping().INFO === 20);
 * ```
 */
export function getLevelNamesMapping(): Record<string, number> {
  return Object.fromEntries(nameToLevel);
}

/**
 * Turns a level given as a number or a registered name into its number, like Python's
 * private `_checkLevel`, used by every `setLevel`.
 *
 * @param level A level number or a registered level name.
 * @returns The level number.
 * @throws {RangeError} If `level` is a name that is not registered; the message lists the known names.
 * @throws {TypeError} If `level` is neither an integer nor a string: CPython's
 * `Level not an integer or a valid string: <value>`.
 *
 * @example
 * ```ts
 * import { checkLevel } from "@x/loghandlers/extend";
 * console.assert(checkLevel("INFO") === 20);
 * console.assert(checkLevel(15) === 15);
 * ```
 */
export function checkLevel(level: Level): number {
  if (typeof level === "number" && Number.isInteger(level)) return level;
  if (typeof level === "string") {
    const n = nameToLevel.get(level);
    if (n !== undefined) return n;
    throw new RangeError(
      `Unknown level: '${level}'. Use one of ${[...nameToLevel.keys()].join(", ")}, ` +
        "a number, or register the name first with addLevelName()",
    );
  }
  // CPython's words first, then what to pass instead.
  throw new TypeError(
    `Level not an integer or a valid string: ${describeValue(level)} (pass an integer or a ` +
      `level name such as "INFO")`,
  );
}
