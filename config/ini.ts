/**
 * The INI reader `fileConfig` uses: Python's `configparser.ConfigParser` with its default
 * settings, as far as logging configurations use it. Sections (`[name]`, names case-sensitive),
 * `key = value` and `key: value` (keys case-insensitive), whole-line comments (`#`, `;`),
 * values continued on deeper-indented lines (blank lines inside a value kept), a `[DEFAULT]`
 * section and constructor defaults seen by every section, and `BasicInterpolation`
 * (`%(name)s`, `%%`), with CPython's error classes and messages (`ParsingError`,
 * `MissingSectionHeaderError`, `DuplicateSectionError`, ...).
 *
 * Not supported (logging configurations never need them): other delimiters or comment
 * prefixes, inline comments, valueless keys (`allow_no_value`), `ExtendedInterpolation`,
 * unnamed sections, and writing files back.
 *
 * @module
 */

import { ValueError } from "../core/text/errors.ts";
import { pyRepr } from "../core/text/pystr.ts";

/** The characters Python's `str.strip()` and `re`'s `\s` treat as whitespace. */
const PY_SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029" +
  "\\u202f\\u205f\\u3000";
const LEADING_SPACE = new RegExp(`^[${PY_SPACE}]+`);
const TRAILING_SPACE = new RegExp(`[${PY_SPACE}]+$`);
const NON_SPACE = new RegExp(`[^${PY_SPACE}]`);
/** `configparser.RawConfigParser.SECTCRE`: `\[(?P<header>.+)\]`, matched at the start. */
const SECTION_HEADER = /^\[([^\n]+)\]/;
/** configparser's `MAX_INTERPOLATION_DEPTH`. */
const MAX_INTERPOLATION_DEPTH = 10;
/**
 * The longest value interpolation may produce (characters). CPython has no bound, so ten
 * nested keys that each name the next ten times would expand to 10^10 characters; here that
 * is an `InterpolationError` instead.
 */
const MAX_INTERPOLATED_LENGTH = 1 << 20;
/** CPython's `sys.int_max_str_digits` default, which `int()` enforces. */
const INT_MAX_STR_DIGITS = 4300;

/**
 * Python's `str.strip()` with no argument: removes the whitespace Python knows (which differs
 * from JavaScript's `trim()`: `\x1c`-`\x1f` and `\x85` are whitespace, `\ufeff` is not).
 *
 * @param text The text.
 * @returns The text without leading and trailing whitespace.
 *
 * @example
 * ```ts
 * import { pyStrip } from "@x/loghandlers/extend";
 * console.assert(pyStrip("\x1c key \x85") === "key");
 * console.assert(pyStrip("\ufeffkey") === "\ufeffkey");
 * ```
 */
export function pyStrip(text: string): string {
  return text.replace(LEADING_SPACE, "").replace(TRAILING_SPACE, "");
}

function rstrip(text: string): string {
  return text.replace(TRAILING_SPACE, "");
}

function lstrip(text: string): string {
  return text.replace(LEADING_SPACE, "");
}

/** `'%2d' % n`: right-aligned in two columns. */
function pad2(n: number): string {
  return String(n).padStart(2);
}

/**
 * The base class of the INI reader's errors (Python's `configparser.Error`).
 *
 * @example
 * ```ts
 * import { ConfigParser, ConfigParserError } from "@x/loghandlers/extend";
 * let error: unknown;
 * try {
 *   new ConfigParser().get("nowhere", "key");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof ConfigParserError);
 * ```
 */
export class ConfigParserError extends Error {
  /** The class name Python prints: `Error` (of the `configparser` module). */
  override name = "Error";
}

/**
 * A section named by a lookup does not exist (Python's `configparser.NoSectionError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, NoSectionError } from "@x/loghandlers/extend";
 * let error: unknown;
 * try {
 *   new ConfigParser().get("handlers", "keys");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof NoSectionError && error.message === "No section: 'handlers'");
 * ```
 */
export class NoSectionError extends ConfigParserError {
  /** The class name Python prints. */
  override name = "NoSectionError";
  /** The missing section. */
  readonly section: string;
  /**
   * Makes the error.
   *
   * @param section The missing section.
   */
  constructor(section: string) {
    super(`No section: ${pyRepr(section)}`);
    this.section = section;
  }
}

/**
 * A section has no such option (Python's `configparser.NoOptionError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, NoOptionError } from "@x/loghandlers/extend";
 * const cp = new ConfigParser();
 * cp.readString("[handlers]\n");
 * let error: unknown;
 * try {
 *   cp.get("handlers", "keys");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof NoOptionError);
 * console.assert((error as Error).message === "No option 'keys' in section: 'handlers'");
 * ```
 */
export class NoOptionError extends ConfigParserError {
  /** The class name Python prints. */
  override name = "NoOptionError";
  /** The missing option. */
  readonly option: string;
  /** The section it was looked up in. */
  readonly section: string;
  /**
   * Makes the error.
   *
   * @param option The missing option.
   * @param section The section.
   */
  constructor(option: string, section: string) {
    super(`No option ${pyRepr(option)} in section: ${pyRepr(section)}`);
    this.option = option;
    this.section = section;
  }
}

/**
 * A section appears twice in one source (Python's `configparser.DuplicateSectionError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, DuplicateSectionError } from "@x/loghandlers/extend";
 * let error: unknown;
 * try {
 *   new ConfigParser().readString("[a]\n[a]\n", "app.ini");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof DuplicateSectionError);
 * console.assert((error as Error).message === "While reading from 'app.ini' [line  2]: section 'a' already exists");
 * ```
 */
export class DuplicateSectionError extends ConfigParserError {
  /** The class name Python prints. */
  override name = "DuplicateSectionError";
  /** The repeated section. */
  readonly section: string;
  /** The source's name, or `null`. */
  readonly source: string | null;
  /** The line of the repetition, or `null`. */
  readonly lineno: number | null;
  /**
   * Makes the error.
   *
   * @param section The repeated section.
   * @param source The source's name.
   * @param lineno The line.
   */
  constructor(section: string, source: string | null = null, lineno: number | null = null) {
    const what = `${pyRepr(section)} already exists`;
    super(
      source === null
        ? `Section ${what}`
        : `While reading from ${pyRepr(source)}${
          lineno === null ? "" : ` [line ${pad2(lineno)}]`
        }: section ${what}`,
    );
    this.section = section;
    this.source = source;
    this.lineno = lineno;
  }
}

/**
 * An option appears twice in one section of one source (Python's
 * `configparser.DuplicateOptionError`); options are case-insensitive.
 *
 * @example
 * ```ts
 * import { ConfigParser, DuplicateOptionError } from "@x/loghandlers/extend";
 * let error: unknown;
 * try {
 *   new ConfigParser().readString("[a]\nkey=1\nKEY=2\n", "app.ini");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof DuplicateOptionError);
 * console.assert(
 *   (error as Error).message === "While reading from 'app.ini' [line  3]: option 'key' in section 'a' already exists",
 * );
 * ```
 */
export class DuplicateOptionError extends ConfigParserError {
  /** The class name Python prints. */
  override name = "DuplicateOptionError";
  /** The section. */
  readonly section: string;
  /** The repeated option. */
  readonly option: string;
  /** The source's name, or `null`. */
  readonly source: string | null;
  /** The line of the repetition, or `null`. */
  readonly lineno: number | null;
  /**
   * Makes the error.
   *
   * @param section The section.
   * @param option The repeated option.
   * @param source The source's name.
   * @param lineno The line.
   */
  constructor(
    section: string,
    option: string,
    source: string | null = null,
    lineno: number | null = null,
  ) {
    const what = `${pyRepr(option)} in section ${pyRepr(section)} already exists`;
    super(
      source === null
        ? `Option ${what}`
        : `While reading from ${pyRepr(source)}${
          lineno === null ? "" : ` [line ${pad2(lineno)}]`
        }: option ${what}`,
    );
    this.section = section;
    this.option = option;
    this.source = source;
    this.lineno = lineno;
  }
}

/**
 * A value's `%(name)s` references cannot be expanded (Python's
 * `configparser.InterpolationError`); the subclasses say why.
 *
 * @example
 * ```ts
 * import { ConfigParser, InterpolationError } from "@x/loghandlers/extend";
 * const cp = new ConfigParser();
 * cp.readString("[a]\nkey = 50%\n");
 * let error: unknown;
 * try {
 *   cp.get("a", "key");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof InterpolationError);
 * console.assert(cp.get("a", "key", { raw: true }) === "50%");
 * ```
 */
export class InterpolationError extends ConfigParserError {
  /** The class name Python prints. */
  override name = "InterpolationError";
  /** The option whose value failed. */
  readonly option: string;
  /** Its section. */
  readonly section: string;
  /**
   * Makes the error.
   *
   * @param option The option.
   * @param section The section.
   * @param message What went wrong.
   */
  constructor(option: string, section: string, message: string) {
    super(message);
    this.option = option;
    this.section = section;
  }
}

/**
 * A `%(name)s` reference names no option of the section or of `[DEFAULT]` (Python's
 * `configparser.InterpolationMissingOptionError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, InterpolationMissingOptionError } from "@x/loghandlers/extend";
 * const cp = new ConfigParser();
 * cp.readString("[a]\nfile = %(dir)s/app.log\n");
 * let error: unknown;
 * try {
 *   cp.get("a", "file");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof InterpolationMissingOptionError && error.reference === "dir");
 * ```
 */
export class InterpolationMissingOptionError extends InterpolationError {
  /** The class name Python prints. */
  override name = "InterpolationMissingOptionError";
  /** The key that names no option. */
  readonly reference: string;
  /**
   * Makes the error.
   *
   * @param option The option.
   * @param section The section.
   * @param rawval The option's raw value.
   * @param reference The missing key.
   */
  constructor(option: string, section: string, rawval: string, reference: string) {
    super(
      option,
      section,
      `Bad value substitution: option ${pyRepr(option)} in section ${
        pyRepr(section)
      } contains an interpolation key ${
        pyRepr(reference)
      } which is not a valid option name. Raw value: ${pyRepr(rawval)}`,
    );
    this.reference = reference;
  }
}

/**
 * A `%` that is neither `%%` nor `%(name)s` (Python's `configparser.InterpolationSyntaxError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, InterpolationSyntaxError } from "@x/loghandlers/extend";
 * const cp = new ConfigParser();
 * cp.readString("[a]\nkey = 100%\n");
 * let error: unknown;
 * try {
 *   cp.get("a", "key");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof InterpolationSyntaxError);
 * console.assert((error as Error).message === "'%' must be followed by '%' or '(', found: '%'");
 * ```
 */
export class InterpolationSyntaxError extends InterpolationError {
  /** The class name Python prints. */
  override name = "InterpolationSyntaxError";
}

/**
 * References nest more than ten deep, as a key that names itself does (Python's
 * `configparser.InterpolationDepthError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, InterpolationDepthError } from "@x/loghandlers/extend";
 * const cp = new ConfigParser();
 * cp.readString("[a]\nkey = %(key)s\n");
 * let error: unknown;
 * try {
 *   cp.get("a", "key");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof InterpolationDepthError);
 * ```
 */
export class InterpolationDepthError extends InterpolationError {
  /** The class name Python prints. */
  override name = "InterpolationDepthError";
  /**
   * Makes the error.
   *
   * @param option The option.
   * @param section The section.
   * @param rawval The option's raw value.
   */
  constructor(option: string, section: string, rawval: string) {
    super(
      option,
      section,
      `Recursion limit exceeded in value substitution: option ${pyRepr(option)} in section ${
        pyRepr(section)
      } contains an interpolation key which cannot be substituted in ${MAX_INTERPOLATION_DEPTH} ` +
        `steps. Raw value: ${pyRepr(rawval)}`,
    );
  }
}

/**
 * Lines that are neither a section header, an option, a comment nor a continuation (Python's
 * `configparser.ParsingError`): reported together once the whole source is read, each with its
 * line number.
 *
 * @example
 * ```ts
 * import { ConfigParser, ParsingError } from "@x/loghandlers/extend";
 * let error: unknown;
 * try {
 *   new ConfigParser().readString("[a]\nkey = 1\nprince\n", "app.ini");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof ParsingError);
 * console.assert((error as Error).message === "Source contains parsing errors: 'app.ini'\n\t[line  3]: 'prince\\n'");
 * console.assert((error as ParsingError).errors[0][0] === 3);
 * ```
 */
export class ParsingError extends ConfigParserError {
  /** The class name Python prints. */
  override name = "ParsingError";
  /** The source's name. */
  readonly source: string;
  /** The bad lines: `[lineno, line]`, the line as read (with its line break). */
  readonly errors: [number, string][] = [];
  /**
   * Makes the error.
   *
   * @param source The source's name.
   * @param errors The bad lines, `[lineno, line]`.
   */
  constructor(source: string, errors: readonly (readonly [number, string])[] = []) {
    super(`Source contains parsing errors: ${pyRepr(source)}`);
    this.source = source;
    for (const [lineno, line] of errors) this.append(lineno, line);
  }

  /**
   * Adds a bad line to the report.
   *
   * @param lineno Its number.
   * @param line The line as read.
   */
  append(lineno: number, line: string): void {
    this.errors.push([lineno, line]);
    this.message += `\n\t[line ${pad2(lineno)}]: ${pyRepr(line)}`;
  }
}

/**
 * Something other than a comment or blank line comes before the first section header
 * (Python's `configparser.MissingSectionHeaderError`).
 *
 * @example
 * ```ts
 * import { ConfigParser, MissingSectionHeaderError } from "@x/loghandlers/extend";
 * let error: unknown;
 * try {
 *   new ConfigParser().readString("keys=root\n", "app.ini");
 * } catch (e) {
 *   error = e;
 * }
 * console.assert(error instanceof MissingSectionHeaderError && error.lineno === 1);
 * console.assert(
 *   (error as Error).message === "File contains no section headers.\nfile: 'app.ini', line: 1\n'keys=root\\n'",
 * );
 * ```
 */
export class MissingSectionHeaderError extends ParsingError {
  /** The class name Python prints. */
  override name = "MissingSectionHeaderError";
  /** The line's number. */
  readonly lineno: number;
  /** The line as read. */
  readonly line: string;
  /**
   * Makes the error.
   *
   * @param source The source's name.
   * @param lineno The line's number.
   * @param line The line as read.
   */
  constructor(source: string, lineno: number, line: string) {
    super(source);
    this.message = `File contains no section headers.\nfile: ${pyRepr(source)}, line: ${lineno}\n${
      pyRepr(line)
    }`;
    this.lineno = lineno;
    this.line = line;
    this.errors.push([lineno, line]);
  }
}

/** Options of {@linkcode ConfigParser.get}. */
export interface ConfigGetOptions<F> {
  /**
   * Return the value as written, without expanding `%(name)s` and `%%`.
   *
   * @default {false}
   */
  raw?: boolean;
  /**
   * What to return when the section or the option is missing (Python's `fallback=`; `null` is
   * Python's `None`). Without it a missing section or option throws.
   */
  fallback?: F;
}

/** A value while it is read: its lines. */
type Pending = string[];
type Options = Map<string, string | Pending>;

/**
 * Python's `configparser.ConfigParser()` with its default settings: the reader behind
 * `fileConfig`. Section names are case-sensitive, option names are lower-cased (Python's
 * `optionxform`), every section sees the `[DEFAULT]` section's options and the constructor's
 * defaults, and {@linkcode ConfigParser.get} expands `%(name)s` and `%%` as Python's
 * `BasicInterpolation` does. Reading is strict, as Python's default: a section or option that
 * appears twice in one source is an error.
 *
 * @example
 * ```ts
 * import { ConfigParser } from "@x/loghandlers/extend";
 * const cp = new ConfigParser({ logdir: "/var/log" });
 * cp.readString(
 *   "[handler_file]\n" +
 *     "Class = FileHandler\n" +
 *     "args = ('%(logdir)s/app.log',\n" +
 *     "        'a')\n" +
 *     "# a comment\n",
 * );
 * console.assert(cp.sections().join() === "handler_file");
 * console.assert(cp.get("handler_file", "class") === "FileHandler");
 * console.assert(cp.get("handler_file", "args") === "('/var/log/app.log',\n'a')");
 * console.assert(cp.get("handler_file", "level", { fallback: null }) === null);
 * ```
 */
export class ConfigParser {
  #sections = new Map<string, Options>();
  #defaults: Options = new Map();
  #lines = new Map<string, Map<string, number>>();
  #source: string | null = null;

  /**
   * Makes an empty parser.
   *
   * @param defaults Options every section sees (Python's `ConfigParser(defaults)`); names are
   *   lower-cased, values are not interpolated until read through a section.
   * @throws {DuplicateOptionError} When two names differ only in case.
   * @throws {TypeError} When a value is not a string.
   */
  constructor(defaults?: Readonly<Record<string, string>>) {
    if (defaults === undefined || defaults === null) return;
    if (typeof defaults !== "object") {
      throw new TypeError(
        `Cannot create ConfigParser as 'defaults' must be an object of strings: current value ` +
          `is ${typeof defaults}`,
      );
    }
    const seen = new Set<string>();
    for (const [key, value] of Object.entries(defaults)) {
      if (typeof value !== "string") {
        throw new TypeError(
          `Cannot create ConfigParser as default ${pyRepr(key)} must be a string: current ` +
            `value is ${typeof value} (write the text Python's str() would give)`,
        );
      }
      const name = optionxform(key);
      if (seen.has(name)) throw new DuplicateOptionError("DEFAULT", name, "<dict>");
      seen.add(name);
      this.#defaults.set(name, value);
    }
  }

  /**
   * Reads INI text (Python's `read_string`). Lines end at `\n` only, as in Python's
   * `read_string`; `fileConfig` turns `\r\n` and `\r` into `\n` first, as reading a file does.
   *
   * @param text The text.
   * @param source The source's name for error messages.
   * @throws {MissingSectionHeaderError} When an option comes before any section header.
   * @throws {DuplicateSectionError} For a section that appears twice.
   * @throws {DuplicateOptionError} For an option that appears twice in a section.
   * @throws {ParsingError} Listing every line that is not a header, an option, a comment or a
   *   continuation (what could be read is kept).
   */
  readString(text: string, source = "<string>"): void {
    this.#source = source;
    const added = new Set<string>();
    const errors: [number, string][] = [];
    let cursect: Options | null = null;
    let sectname: string | null = null;
    let optname: string | null = null;
    let indentLevel = 0;
    let lineno = 0;
    let start = 0;
    try {
      while (start < text.length) {
        const end = text.indexOf("\n", start);
        const line = end < 0 ? text.slice(start) : text.slice(start, end + 1);
        start = end < 0 ? text.length : end + 1;
        lineno++;
        const stripped = pyStrip(line);
        const clean = stripped.startsWith("#") || stripped.startsWith(";") ? "" : stripped;
        if (clean === "") {
          // A blank line (not a comment) belongs to the value being read.
          if (stripped === "" && cursect !== null && optname) {
            const value = cursect.get(optname);
            if (Array.isArray(value)) value.push("");
          }
          continue;
        }
        const first = NON_SPACE.exec(line);
        const curIndent = first === null ? 0 : first.index;
        if (cursect !== null && optname && curIndent > indentLevel) {
          (cursect.get(optname) as Pending).push(clean);
          continue;
        }
        indentLevel = curIndent;
        const header = SECTION_HEADER.exec(clean);
        if (header === null && cursect === null) {
          throw new MissingSectionHeaderError(source, lineno, line);
        }
        if (header !== null) {
          sectname = header[1];
          const existing = this.#sections.get(sectname);
          if (existing !== undefined) {
            if (added.has(`s:${sectname}`)) {
              throw new DuplicateSectionError(sectname, source, lineno);
            }
            cursect = existing;
            added.add(`s:${sectname}`);
          } else if (sectname === "DEFAULT") {
            cursect = this.#defaults;
          } else {
            cursect = new Map();
            this.#sections.set(sectname, cursect);
            added.add(`s:${sectname}`);
          }
          optname = null;
          continue;
        }
        // An option line: the first '=' or ':' ends the name.
        const eq = clean.indexOf("="), colon = clean.indexOf(":");
        const at = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
        if (at < 0) {
          errors.push([lineno, line]);
          continue;
        }
        const rawName = rstrip(clean.slice(0, at));
        if (rawName === "") errors.push([lineno, line]);
        optname = optionxform(rawName);
        const key = `o:${sectname}\u0000${optname}`;
        if (added.has(key)) {
          throw new DuplicateOptionError(sectname!, optname, source, lineno);
        }
        added.add(key);
        cursect!.set(optname, [pyStrip(lstrip(clean.slice(at + 1)))]);
        let lines = this.#lines.get(sectname!);
        if (lines === undefined) this.#lines.set(sectname!, lines = new Map());
        lines.set(optname, lineno);
      }
    } finally {
      for (const options of [this.#defaults, ...this.#sections.values()]) {
        for (const [name, value] of options) {
          if (Array.isArray(value)) options.set(name, rstrip(value.join("\n")));
        }
      }
    }
    if (errors.length > 0) throw new ParsingError(source, errors);
  }

  /**
   * The section names, in the order read, without `DEFAULT` (Python's `sections()`).
   *
   * @returns The names.
   */
  sections(): string[] {
    return [...this.#sections.keys()];
  }

  /**
   * Whether a section exists (`DEFAULT` does not count), as Python's `has_section`.
   *
   * @param section The section's name.
   * @returns Whether it exists.
   */
  hasSection(section: string): boolean {
    return this.#sections.has(section);
  }

  /**
   * Whether a section has an option, its own or from `[DEFAULT]` (Python's `has_option`; for
   * `DEFAULT` or `""`, whether the defaults have it; a missing section has none).
   *
   * @param section The section's name.
   * @param option The option's name (any case).
   * @returns Whether it is there.
   */
  hasOption(section: string, option: string): boolean {
    const name = optionxform(option);
    if (section === "" || section === "DEFAULT") return this.#defaults.has(name);
    const options = this.#sections.get(section);
    return options !== undefined && (options.has(name) || this.#defaults.has(name));
  }

  /**
   * A section's option names: its own, then those of `[DEFAULT]` (Python's `options()`).
   *
   * @param section The section's name.
   * @returns The names, lower-cased.
   * @throws {NoSectionError} For a missing section.
   */
  options(section: string): string[] {
    const options = this.#sections.get(section);
    if (options === undefined) throw new NoSectionError(section);
    return [...new Set([...options.keys(), ...this.#defaults.keys()])];
  }

  /**
   * The `[DEFAULT]` options and the constructor's defaults, raw (Python's `defaults()`).
   *
   * @returns Name to value.
   */
  defaults(): Record<string, string> {
    return toRecord(this.#defaults);
  }

  /**
   * The line an option's value starts on in the source read (not in Python: for error
   * messages), or `undefined` when it came from the constructor's defaults.
   *
   * @param section The section's name (or `DEFAULT`).
   * @param option The option's name.
   * @returns The line number.
   */
  lineOf(section: string, option: string): number | undefined {
    const name = optionxform(option);
    if (this.#sections.get(section)?.has(name)) return this.#lines.get(section)?.get(name);
    return this.#lines.get("DEFAULT")?.get(name);
  }

  /** The name of the source read last, for error messages (`<string>` by default). */
  get source(): string | null {
    return this.#source;
  }

  /**
   * An option's value, looked up in the section, then in the defaults (Python's `get`). Unless
   * `raw`, `%(name)s` is replaced by the value of option `name` (of the same section or the
   * defaults, itself expanded, ten levels deep at most) and `%%` by `%`.
   *
   * @param section The section's name (`DEFAULT` reads the defaults).
   * @param option The option's name (any case).
   * @param options `raw` and `fallback`.
   * @returns The value, or the fallback.
   * @throws {NoSectionError} For a missing section, without a fallback.
   * @throws {NoOptionError} For a missing option, without a fallback.
   * @throws {InterpolationError} For a value that cannot be expanded.
   */
  get(section: string, option: string, options?: { raw?: boolean }): string;
  /**
   * An option's value, or `fallback` when the section or the option is missing.
   *
   * @param section The section's name (`DEFAULT` reads the defaults).
   * @param option The option's name (any case).
   * @param options `raw` and `fallback`.
   * @returns The value, or the fallback.
   * @throws {InterpolationError} For a value that cannot be expanded.
   */
  get<F>(section: string, option: string, options: ConfigGetOptions<F>): string | F;
  get<F>(section: string, option: string, options: ConfigGetOptions<F> = {}): string | F {
    const hasFallback = "fallback" in options;
    const own = this.#sections.get(section);
    if (own === undefined && section !== "DEFAULT") {
      if (hasFallback) return options.fallback as F;
      throw new NoSectionError(section);
    }
    const name = optionxform(option);
    const value = this.#lookup(own, name);
    if (value === undefined) {
      if (hasFallback) return options.fallback as F;
      throw new NoOptionError(name, section);
    }
    if (options.raw) return value;
    const out: string[] = [];
    this.#interpolate(section, own, name, out, { length: 0 }, value, 1);
    return out.join("");
  }

  /**
   * An option's value as an integer, as Python's `getint` reads it with `int()`: surrounding
   * whitespace, a sign and `_` between digits are allowed.
   *
   * @param section The section's name.
   * @param option The option's name.
   * @param options `raw` and `fallback` (used for a missing section or option only).
   * @returns The integer (a bigint beyond `Number.MAX_SAFE_INTEGER`), or the fallback.
   * @throws {ValueError} For a value `int()` refuses: `invalid literal for int() with base 10: 'yes'`.
   */
  getint<F>(
    section: string,
    option: string,
    options: ConfigGetOptions<F> = {},
  ): number | bigint | F {
    let text: string | F;
    try {
      text = this.get(section, option, { raw: options.raw });
    } catch (error) {
      if (
        "fallback" in options && (error instanceof NoSectionError || error instanceof NoOptionError)
      ) {
        return options.fallback as F;
      }
      throw error;
    }
    return pyInt(text);
  }

  /**
   * A section's options and values: the defaults first, then the section's own (Python's
   * `items(section)`), expanded unless `raw`.
   *
   * @param section The section's name (or `DEFAULT`).
   * @param raw Return the values as written.
   * @returns `[name, value]` pairs.
   * @throws {NoSectionError} For a missing section.
   * @throws {InterpolationError} For a value that cannot be expanded.
   */
  items(section: string, raw = false): [string, string][] {
    const own = this.#sections.get(section);
    if (own === undefined && section !== "DEFAULT") throw new NoSectionError(section);
    const names = [...new Set([...this.#defaults.keys(), ...(own?.keys() ?? [])])];
    return names.map((name) => [name, this.get(section, name, { raw })]);
  }

  #lookup(own: Options | undefined, name: string): string | undefined {
    const value = own?.get(name) ?? this.#defaults.get(name);
    return value as string | undefined;
  }

  /** configparser's `BasicInterpolation._interpolate_some`. */
  #interpolate(
    section: string,
    own: Options | undefined,
    option: string,
    out: string[],
    size: { length: number },
    rest: string,
    depth: number,
  ): void {
    const rawval = this.#lookup(own, option) ?? rest;
    if (depth > MAX_INTERPOLATION_DEPTH) throw new InterpolationDepthError(option, section, rawval);
    const emit = (text: string) => {
      size.length += text.length;
      if (size.length > MAX_INTERPOLATED_LENGTH) {
        throw new InterpolationError(
          option,
          section,
          `Cannot expand option ${pyRepr(option)} in section ${pyRepr(section)} as its value ` +
            `would be longer than ${MAX_INTERPOLATED_LENGTH} characters`,
        );
      }
      out.push(text);
    };
    while (rest !== "") {
      const p = rest.indexOf("%");
      if (p < 0) {
        emit(rest);
        return;
      }
      if (p > 0) {
        emit(rest.slice(0, p));
        rest = rest.slice(p);
      }
      const c = rest.slice(1, 2);
      if (c === "%") {
        emit("%");
        rest = rest.slice(2);
      } else if (c === "(") {
        const m = /^%\(([^)]+)\)s/.exec(rest);
        if (m === null) {
          throw new InterpolationSyntaxError(
            option,
            section,
            `bad interpolation variable reference ${pyRepr(rest)}`,
          );
        }
        const name = optionxform(m[1]);
        rest = rest.slice(m[0].length);
        const value = this.#lookup(own, name);
        if (value === undefined) {
          throw new InterpolationMissingOptionError(option, section, rawval, name);
        }
        if (value.includes("%")) {
          this.#interpolate(section, own, option, out, size, value, depth + 1);
        } else {
          emit(value);
        }
      } else {
        throw new InterpolationSyntaxError(
          option,
          section,
          `'%' must be followed by '%' or '(', found: ${pyRepr(rest)}`,
        );
      }
    }
  }
}

/** configparser's `optionxform`: `str.lower()`. */
function optionxform(name: string): string {
  return name.toLowerCase();
}

function toRecord(options: Options): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of options) {
    Object.defineProperty(out, name, {
      value: Array.isArray(value) ? value.join("\n") : value,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/**
 * Python's `int(text)` for a string: whitespace around, an optional sign, ASCII digits with
 * single `_` between them; at most 4300 digits, as CPython allows.
 *
 * @param text The text.
 * @returns The integer, a bigint beyond `Number.MAX_SAFE_INTEGER`.
 * @throws {ValueError} With CPython's message.
 */
function pyInt(text: string): number | bigint {
  const body = pyStrip(text);
  if (!/^[+-]?[0-9]+(?:_[0-9]+)*$/.test(body)) {
    throw new ValueError(`invalid literal for int() with base 10: ${pyRepr(text)}`);
  }
  const digits = body.replace(/[+_-]/g, "");
  if (digits.length > INT_MAX_STR_DIGITS) {
    throw new ValueError(
      `Exceeds the limit (${INT_MAX_STR_DIGITS} digits) for integer string conversion: value ` +
        `has ${digits.length} digits; use sys.set_int_max_str_digits() to increase the limit`,
    );
  }
  const value = BigInt(digits) * (body.startsWith("-") ? -1n : 1n);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
    ? Number(value)
    : value;
}
