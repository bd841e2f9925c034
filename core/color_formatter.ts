/**
 * `ColorFormatter`: a {@linkcode Formatter} that colours the level name for a terminal, and only
 * for a terminal.
 *
 * @module
 */

import { type FormatStyle, Formatter, type FormatterOptions } from "./formatter.ts";
import type { LogRecord } from "./record.ts";
import { any, checkOptions, oneOf, type OptionRules, satisfies } from "./text/options.ts";

/** When a {@linkcode ColorFormatter} colours: `"auto"` (a terminal, and no `NO_COLOR`), always, never. */
export type ColorMode = "auto" | "always" | "never";

/** The level names whose colour {@linkcode ColorFormatterOptions.levelColors} may change. */
export type ColorLevel = "DEBUG" | "INFO" | "WARNING" | "ERROR" | "CRITICAL";

/** Options of {@linkcode ColorFormatter}: {@linkcode FormatterOptions} and the colour's own. */
export interface ColorFormatterOptions extends FormatterOptions {
  /**
   * `"auto"` colours when `stream` is a terminal and the `NO_COLOR` environment variable is not
   * set to a non-empty value (https://no-color.org); `"always"` and `"never"` decide alone.
   * Decided once, when the formatter is created.
   *
   * @default {"auto"}
   */
  color?: ColorMode;
  /**
   * The stream the formatted records go to, whose `isTerminal()` `"auto"` asks: the stream
   * of the handler this formatter is set on.
   *
   * @default {Deno.stderr}
   */
  stream?: { isTerminal(): boolean } | null;
  /**
   * ANSI SGR parameters for each level range (a custom level takes the colour of the standard
   * level at or below it), e.g. `{ INFO: "34" }` for blue, `{ ERROR: "1;31" }` for bold red.
   *
   * @default {{ DEBUG: "37", INFO: "32", WARNING: "33", ERROR: "31", CRITICAL: "1;31" }}
   */
  levelColors?: Partial<Record<ColorLevel, string>> | null;
}

const LEVELS: readonly ColorLevel[] = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"];
/** colorlog's default colours: white, green, yellow, red, bold red. */
const DEFAULT_COLORS: Readonly<Record<ColorLevel, string>> = {
  DEBUG: "37",
  INFO: "32",
  WARNING: "33",
  ERROR: "31",
  CRITICAL: "1;31",
};
const SGR = /^\d{1,3}(;\d{1,3}){0,7}$/;

function isLevelColors(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  for (const [key, sgr] of Object.entries(value)) {
    if (!(LEVELS as readonly string[]).includes(key)) return false;
    if (sgr !== undefined && (typeof sgr !== "string" || !SGR.test(sgr))) return false;
  }
  return true;
}

const COLOR_FORMATTER_RULES: OptionRules = {
  datefmt: any(), // Formatter checks its own options
  style: any(),
  validate: any(),
  defaults: any(),
  color: oneOf(["auto", "always", "never"]),
  stream: satisfies(
    "an object with isTerminal(), such as Deno.stderr, or null",
    (s) =>
      s === null ||
      (typeof s === "object" && typeof (s as { isTerminal?: unknown }).isTerminal === "function"),
  ),
  levelColors: satisfies(
    `an object of SGR parameters by level name (${LEVELS.join(", ")}), e.g. { ERROR: "1;31" }`,
    (v) => v === null || isLevelColors(v),
  ),
};

/**
 * Whether `NO_COLOR` is set to a non-empty value. Deno reads it at start-up for `Deno.noColor`,
 * which needs no permission; where that is missing (not Deno), the variable is read only if the
 * permission is already granted, and "cannot tell" counts as set: colours stay off.
 */
function noColor(): boolean {
  try {
    const d = (globalThis as { Deno?: typeof Deno }).Deno;
    if (d === undefined) return true;
    if (typeof d.noColor === "boolean") return d.noColor;
    if (d.permissions.querySync({ name: "env", variable: "NO_COLOR" }).state !== "granted") {
      return true;
    }
    return (d.env.get("NO_COLOR") ?? "") !== "";
  } catch {
    return true;
  }
}

function isTerminal(stream: { isTerminal(): boolean } | null | undefined): boolean {
  try {
    const s = stream === undefined ? (globalThis as { Deno?: typeof Deno }).Deno?.stderr : stream;
    return s !== null && s !== undefined && s.isTerminal() === true;
  } catch {
    return false;
  }
}

/**
 * Wraps each field of `fmt` that names `levelname` between `before` and `after`, so that a
 * width such as `%(levelname)-8s` still pads the name, not the escape sequences.
 */
function wrapLevelname(style: FormatStyle, fmt: string, before: string, after: string): string {
  const pattern = style === "%"
    ? /%%|%\(levelname\)[#0+ -]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]/g
    : style === "{"
    ? /\{\{|\}\}|\{levelname(?:![rsa])?(?::[^{}]*)?\}/g
    : /\$\$|\$levelname(?![_a-zA-Z0-9])|\$\{levelname\}/g;
  return fmt.replace(
    pattern,
    (m) => m === "%%" || m === "{{" || m === "}}" || m === "$$" ? m : before + m + after,
  );
}

/**
 * A {@linkcode Formatter} that colours the level name (each field of the format that names
 * `levelname`, its padding included) by level, with ANSI escape sequences: for a terminal,
 * opt-in. By default (`color: "auto"`) it colours only when the stream it is told about
 * (`Deno.stderr` unless `stream` says otherwise) is a terminal and `NO_COLOR` is not set; a file,
 * a pipe, Deno Deploy's log viewer and OpenTelemetry get plain text. `NO_COLOR` is read through
 * `Deno.noColor`, which needs no `--allow-env`. Everything else is the `Formatter`'s.
 *
 * The colour is a formatter's business rather than a handler option, so that it works with any
 * handler (`StreamHandler`, `ConsoleHandler`, a file for `tail -f`) and costs the handlers that do
 * not use it nothing: the choice is made once, at construction.
 *
 * @example
 * ```ts
 * import { ColorFormatter, makeLogRecord } from "@x/loghandlers";
 * const f = new ColorFormatter("%(levelname)-8s %(message)s", { color: "always" });
 * const r = makeLogRecord({ msg: "disk full", levelno: 40, levelname: "ERROR" });
 * console.assert(f.format(r) === "\x1b[31mERROR   \x1b[0m disk full");
 * const plain = new ColorFormatter("%(levelname)s %(message)s", { stream: { isTerminal: () => false } });
 * console.assert(!plain.colored && plain.format(r) === "ERROR disk full");
 * ```
 */
export class ColorFormatter extends Formatter {
  /** Per level range (DEBUG, INFO, WARNING, ERROR, CRITICAL), the format that colours it. */
  #colored: Formatter[] | null = null;

  /**
   * Creates the formatter.
   *
   * @param fmt The format, as for {@linkcode Formatter}.
   * @param options The {@linkcode Formatter}'s options, `color`, `stream` and `levelColors`.
   * @throws {TypeError} For an unknown option or a value of the wrong type.
   * @throws {ValueError} For a malformed format, as {@linkcode Formatter}.
   */
  constructor(fmt?: string | null, options: ColorFormatterOptions = {}) {
    checkOptions(
      "ColorFormatter",
      options,
      COLOR_FORMATTER_RULES,
      `new ColorFormatter("%(levelname)s %(message)s", { color: "auto" })`,
      new.target === ColorFormatter ? "refuse" : "allow",
    );
    const { color = "auto", stream, levelColors, ...base } = options;
    super(fmt, base);
    const on = color === "always" || (color === "auto" && !noColor() && isTerminal(stream));
    if (!on) return;
    const colors = { ...DEFAULT_COLORS, ...(levelColors ?? {}) };
    this.#colored = LEVELS.map((level) =>
      new Formatter(wrapLevelname(this.style, this.fmt, `\x1b[${colors[level]}m`, "\x1b[0m"), {
        ...base,
        style: this.style,
        validate: false,
      })
    );
  }

  /** Whether this formatter colours (decided at construction). */
  get colored(): boolean {
    return this.#colored !== null;
  }

  /**
   * Applies the format with the level name coloured by the record's level.
   *
   * @param record The record.
   * @returns The formatted text.
   * @throws {ValueError} When a field is missing, as {@linkcode Formatter.formatMessage}.
   */
  override formatMessage(record: LogRecord): string {
    const colored = this.#colored;
    if (colored === null) return super.formatMessage(record);
    const n = record.levelno;
    const i = n >= 50 ? 4 : n >= 40 ? 3 : n >= 30 ? 2 : n >= 20 ? 1 : 0;
    return colored[i].formatMessage(record);
  }
}
