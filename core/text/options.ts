/**
 * Run-time checks of constructor options, for callers without a type checker: a non-object
 * where the options belong (Python's positional habit), an unknown key (with the closest known
 * name), a value of the wrong type or range. Each failure is a `TypeError` or `RangeError` that
 * names the class and the option.
 *
 * @module
 */

/** Why a value is refused: what it must be, and whether that is a type or a range problem. */
export interface OptionProblem {
  /** Completes "must be ...": `"an integer >= 0"`. */
  must: string;
  /** `RangeError` when the type is right but the value is not, else `TypeError`. */
  range?: boolean;
}

/** A check of one option's value; `undefined` (the default applies) never reaches it. */
export type OptionRule = (value: unknown) => OptionProblem | null;

/** The rules of a constructor's options, by key. */
export type OptionRules = Readonly<Record<string, OptionRule>>;

/**
 * A short, safe description of a value for an error message: strings quoted, numbers as they
 * are, objects by their kind. Never throws.
 *
 * @param value Anything.
 * @returns The description.
 *
 * @example
 * ```ts
 * import { describeValue } from "@x/loghandlers/extend";
 * console.assert(describeValue("a") === '"a"');
 * console.assert(describeValue([1, 2]) === "an array");
 * ```
 */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case "string":
        return JSON.stringify(value.length > 60 ? value.slice(0, 60) + "…" : value);
      case "number":
      case "boolean":
      case "undefined":
        return String(value);
      case "bigint":
        return `${value}n`;
      case "symbol":
        return "a symbol";
      case "function":
        return `a function${value.name ? ` (${value.name})` : ""}`;
    }
    if (value === null) return "null";
    if (Array.isArray(value)) return "an array";
    const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
    return typeof name === "string" && name !== "" && name !== "Object" ? `a ${name}` : "an object";
  } catch {
    return "a value that cannot be described";
  }
}

/** The edit distance between two names, ignoring case; adjacent swaps count as one. */
function distance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const d: number[][] = [];
  for (let i = 0; i <= a.length; i++) d.push([i]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.length][b.length];
}

/**
 * The known name closest to `name`, when one is close enough to be what was meant
 * (`maxbytes` → `maxBytes`, `backup_count` → `backupCount`), else `null`.
 *
 * @param name The unknown name.
 * @param known The known names.
 * @returns The suggestion, or `null`.
 *
 * @example
 * ```ts
 * import { closestName } from "@x/loghandlers/extend";
 * console.assert(closestName("backup_count", ["maxBytes", "backupCount"]) === "backupCount");
 * console.assert(closestName("colour", ["maxBytes"]) === null);
 * ```
 */
export function closestName(name: string, known: Iterable<string>): string | null {
  const plain = (s: string) => s.replace(/[_-]/g, "").toLowerCase();
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = plain(k) === plain(name) ? 0 : distance(name, k);
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best !== null && bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/**
 * The error for an option key that is not known: it names the key, the closest known key when
 * one is close enough to be what was meant, and every known key.
 *
 * @param action What could not be done, after "Cannot" (`"create RotatingFileHandler"`).
 * @param key The unknown key.
 * @param known The known keys.
 * @returns The `TypeError` to throw.
 *
 * @example
 * ```ts
 * import { unknownOption } from "@x/loghandlers/extend";
 * const error = unknownOption("run fileConfig", "default", ["defaults", "encoding"]);
 * console.assert(error.message.startsWith(
 *   "Cannot run fileConfig as 'default' is not one of its options: did you mean 'defaults'?",
 * ));
 * ```
 */
export function unknownOption(action: string, key: string, known: readonly string[]): TypeError {
  const near = closestName(key, known);
  return new TypeError(
    `Cannot ${action} as '${key}' is not one of its options${
      near === null ? "" : `: did you mean '${near}'?`
    } (known: ${known.join(", ")})`,
  );
}

/**
 * Checks the options object of `owner`'s constructor against `rules` and returns it (`{}` for
 * `undefined`).
 *
 * @param owner The class name, for the errors (`"RotatingFileHandler"`).
 * @param options What the caller passed where the options belong.
 * @param rules The known keys and the rule of each.
 * @param example An example call for the non-object error (`new RotatingFileHandler("app.log",
 * { maxBytes: 1e6, backupCount: 5 })`).
 * @param unknownKeys `"allow"` lets keys without a rule through: for a base class constructed
 * by a subclass of the user's, whose own options it does not know.
 * @returns The options, as an object.
 * @throws {TypeError} When `options` is not a plain object, has an unknown key, or a value of the
 * wrong type.
 * @throws {RangeError} When a value has the right type but is out of range.
 *
 * @example
 * ```ts
 * import { checkOptions, integer } from "@x/loghandlers/extend";
 * const rules = { maxBytes: integer(0), backupCount: integer(0) };
 * checkOptions("RotatingFileHandler", { maxBytes: 10 }, rules, "");
 * try {
 *   checkOptions("RotatingFileHandler", { maxbytes: 10 }, rules, "");
 * } catch (e) {
 *   console.assert(e instanceof TypeError && e.message.includes("did you mean 'maxBytes'?"));
 * }
 * ```
 */
export function checkOptions<T extends object>(
  owner: string,
  options: T | undefined,
  rules: OptionRules,
  example: string,
  unknownKeys: "refuse" | "allow" = "refuse",
): T {
  if (options === undefined) return {} as T;
  if (
    options === null || typeof options !== "object" || Array.isArray(options) ||
    !isPlainObject(options)
  ) {
    throw new TypeError(
      `Cannot create ${owner} as its options must be an object with named keys: current value ` +
        `is ${describeValue(options)}. Python's optional arguments are passed by name here${
          example === "" ? "" : `, e.g. ${example}`
        }`,
    );
  }
  for (const key of Object.keys(options)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    if (rule === undefined && unknownKeys === "allow") continue;
    if (rule === undefined) throw unknownOption(`create ${owner}`, key, Object.keys(rules));
    checkOption(owner, key, (options as Record<string, unknown>)[key], rule);
  }
  return options;
}

/**
 * Checks one option's value (`undefined` passes: the default applies).
 *
 * @param owner The class name, for the error.
 * @param key The option's name.
 * @param value Its value.
 * @param rule Its rule.
 * @throws {TypeError} For a value of the wrong type.
 * @throws {RangeError} For a value of the right type out of range.
 *
 * @example
 * ```ts
 * import { checkOption, integer } from "@x/loghandlers/extend";
 * try {
 *   checkOption("MemoryHandler", "capacity", -1, integer(0));
 * } catch (e) {
 *   console.assert(e instanceof RangeError);
 * }
 * ```
 */
export function checkOption(owner: string, key: string, value: unknown, rule: OptionRule): void {
  if (value === undefined) return;
  const problem = rule(value);
  if (problem === null) return;
  const message = `Cannot create ${owner} as '${key}' must be ${problem.must}: current value ` +
    `is ${describeValue(value)}`;
  throw problem.range ? new RangeError(message) : new TypeError(message);
}

/** Whether `value` is a plain object (`{...}`, `Object.create(null)`), not a class instance. */
function isPlainObject(value: object): boolean {
  try {
    const proto = Object.getPrototypeOf(value);
    return proto === null || proto === Object.prototype ||
      Object.getPrototypeOf(proto) === null;
  } catch {
    return false;
  }
}

/**
 * Accepts anything (the owner checks it further).
 *
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { any } from "@x/loghandlers/extend";
 * console.assert(any()(42) === null);
 * ```
 */
export function any(): OptionRule {
  return () => null;
}

/**
 * An integer from `min` to `max`.
 *
 * @param min The smallest value.
 * @param max The largest value.
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { integer } from "@x/loghandlers/extend";
 * console.assert(integer(0)(1.5)?.range === true);
 * ```
 */
export function integer(min = -Infinity, max = Infinity): OptionRule {
  const must = max === Infinity
    ? min === -Infinity ? "an integer" : `an integer >= ${min}`
    : `an integer from ${min} to ${max}`;
  return (value) =>
    typeof value !== "number"
      ? { must }
      : Number.isInteger(value) && value >= min && value <= max
      ? null
      : { must, range: true };
}

/**
 * A number (not NaN) of at least `min`, or above it with `exclusive`.
 *
 * @param min The bound.
 * @param exclusive Whether `min` itself is refused.
 * @param unit What the number counts, for the message (`"seconds"`).
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { number } from "@x/loghandlers/extend";
 * console.assert(number(0, true)(0)?.must === "a number > 0");
 * ```
 */
export function number(min = -Infinity, exclusive = false, unit = ""): OptionRule {
  const must = `a number${unit === "" ? "" : ` of ${unit}`}${
    min === -Infinity ? "" : ` ${exclusive ? ">" : ">="} ${min}`
  }`;
  return (value) =>
    typeof value !== "number"
      ? { must }
      : !Number.isNaN(value) && (exclusive ? value > min : value >= min)
      ? null
      : { must, range: true };
}

/**
 * `true` or `false`.
 *
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { boolean } from "@x/loghandlers/extend";
 * console.assert(boolean()("yes") !== null);
 * ```
 */
export function boolean(): OptionRule {
  return (value) => typeof value === "boolean" ? null : { must: "true or false" };
}

/**
 * A string (non-empty with `nonEmpty`).
 *
 * @param nonEmpty Whether `""` is refused.
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { string } from "@x/loghandlers/extend";
 * console.assert(string()(1) !== null && string(true)("")?.range === true);
 * ```
 */
export function string(nonEmpty = false): OptionRule {
  const must = nonEmpty ? "a non-empty string" : "a string";
  return (value) =>
    typeof value !== "string" ? { must } : nonEmpty && value === "" ? { must, range: true } : null;
}

/**
 * A function.
 *
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { func } from "@x/loghandlers/extend";
 * console.assert(func()(() => 1) === null);
 * ```
 */
export function func(): OptionRule {
  return (value) => typeof value === "function" ? null : { must: "a function" };
}

/**
 * An object (not an array, not `null`).
 *
 * @param what What it is, for the message (`"an object { caCerts }"`).
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { object } from "@x/loghandlers/extend";
 * console.assert(object()([]) !== null);
 * ```
 */
export function object(what = "an object"): OptionRule {
  return (value) =>
    typeof value === "object" && value !== null && !Array.isArray(value) ? null : { must: what };
}

/**
 * One of a fixed set of values; strings may be matched without regard to case.
 *
 * @param values The accepted values.
 * @param ignoreCase Whether `"MIDNIGHT"` matches `"midnight"`.
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { oneOf } from "@x/loghandlers/extend";
 * console.assert(oneOf(["a", "w"])("r")?.must === '"a" or "w"');
 * ```
 */
export function oneOf(values: readonly unknown[], ignoreCase = false): OptionRule {
  const texts = values.map((v) => typeof v === "string" ? JSON.stringify(v) : String(v));
  const must = texts.length <= 2
    ? texts.join(" or ")
    : `one of ${texts.slice(0, -1).join(", ")} or ${texts[texts.length - 1]}`;
  const lower = new Set(values.map((v) => typeof v === "string" ? v.toLowerCase() : v));
  return (value) => {
    if (values.includes(value)) return null;
    if (ignoreCase && typeof value === "string" && lower.has(value.toLowerCase())) return null;
    const sameType = values.some((v) => typeof v === typeof value);
    return { must, range: sameType };
  };
}

/**
 * Any value the given rules accept (the first rule's problem is reported otherwise, with every
 * alternative named).
 *
 * @param rules The alternatives.
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { either, integer, string } from "@x/loghandlers/extend";
 * console.assert(either(integer(0), string())("x") === null);
 * ```
 */
export function either(...rules: OptionRule[]): OptionRule {
  return (value) => {
    const problems: OptionProblem[] = [];
    for (const rule of rules) {
      const problem = rule(value);
      if (problem === null) return null;
      problems.push(problem);
    }
    const ranged = problems.find((p) => p.range);
    return ranged ?? { must: problems.map((p) => p.must).join(", or ") };
  };
}

/**
 * `null`, or what `rule` accepts.
 *
 * @param rule The rule for non-null values.
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { integer, nullable } from "@x/loghandlers/extend";
 * console.assert(nullable(integer(0))(null) === null);
 * ```
 */
export function nullable(rule: OptionRule): OptionRule {
  return (value) => {
    if (value === null) return null;
    const problem = rule(value);
    return problem === null ? null : { must: `${problem.must}, or null`, range: problem.range };
  };
}

/**
 * A value `test` accepts, described by `must`.
 *
 * @param must Completes "must be ...".
 * @param test The test.
 * @returns The rule.
 *
 * @example
 * ```ts
 * import { satisfies } from "@x/loghandlers/extend";
 * const port = satisfies("a port from 1 to 65535", (v) => Number.isInteger(v));
 * console.assert(port("9020")?.must === "a port from 1 to 65535");
 * ```
 */
export function satisfies(must: string, test: (value: unknown) => boolean): OptionRule {
  return (value) => {
    try {
      return test(value) ? null : { must };
    } catch {
      return { must };
    }
  };
}
