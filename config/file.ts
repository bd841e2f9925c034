/**
 * `fileConfig`: Python's `logging.config.fileConfig` for INI files. The file is read as
 * Python's `configparser` reads it ({@linkcode ConfigParser}), translated into the dictionary
 * schema (`{ version: 1, formatters, handlers, loggers, root, disable_existing_loggers }`) the
 * way CPython 3.13's `_create_formatters`, `_install_handlers` and `_install_loggers` read it,
 * and installed by `dictConfig`.
 *
 * Where CPython calls `eval()` (`args=`, `kwargs=`, a formatter's `defaults=`), this module
 * reads Python literals only ({@linkcode literalEval}), plus the names CPython's configurations
 * take from the `logging` namespace: `sys.stdout`, `sys.stderr`, the level names, the default
 * ports and `handlers.SysLogHandler.LOG_*`. Nothing in a file is ever evaluated.
 *
 * Requires `--allow-read` for a file given by path or URL (not for INI text).
 *
 * @module
 */

import { KeyError, ValueError } from "../core/text/errors.ts";
import { pyRepr, pyTypeName } from "../core/text/pystr.ts";
import { closestName, describeValue, unknownOption } from "../core/text/options.ts";
import { normalizeEncoding } from "../core/text/encoding.ts";
import { CODE_PAGES, type CodePageName, decodeCodePage } from "../core/text/codepages.ts";
import { explainFileError, toAbsolutePath } from "../core/io/files.ts";
import { CRITICAL, DEBUG, ERROR, FATAL, INFO, NOTSET, WARN, WARNING } from "../core/levels.ts";
import { BASIC_FORMAT } from "../core/settings.ts";
import { SysLogHandler } from "../handlers/syslog.ts";
import { MemoryHandler } from "../handlers/memory.ts";
import {
  type AnyConstructor,
  EXTERNAL_VALUES,
  KNOWN_CLASSES,
  KNOWN_CONSTRUCTORS,
} from "./classes.ts";
import { dictConfig, HANDLER_KEYS } from "./dict.ts";
import { ConfigParser, ParsingError, pyStrip } from "./ini.ts";
import { literalEval } from "./pyliteral.ts";

/** Options of {@linkcode fileConfig}: Python's keyword arguments, and `resolve`. */
export interface FileConfigOptions {
  /**
   * Values every section sees, for `%(name)s` references (Python's `defaults`): the
   * `[DEFAULT]` section's options, overridden by the file's own `[DEFAULT]`.
   *
   * @default {{}}
   */
  defaults?: Readonly<Record<string, string>>;
  /**
   * Disable the loggers that exist now and that the file does not configure (nor are children
   * of one it configures), as Python's `disable_existing_loggers`.
   *
   * @default {true}
   */
  disableExistingLoggers?: boolean;
  /**
   * The file's encoding (Python's codec names and aliases; `"locale"` is UTF-8). A UTF-8 byte
   * order mark is kept, as Python keeps it, unless the encoding is `"utf-8-sig"`.
   *
   * @default {"utf-8"}
   */
  encoding?: string;
  /**
   * Classes (and other values) the file names that are not this library's, by the dotted name
   * the file uses (`{ "myapp.handlers.JsonHandler": JsonHandler }`): Python imports them,
   * Deno cannot. Passed on to `dictConfig`. A subclass of one of this library's handlers takes
   * that handler's positional `args`; other classes take `kwargs` only.
   *
   * @default {{}}
   */
  resolve?: Readonly<Record<string, unknown>>;
}

/** The dictionary `fileConfig` passes to `dictConfig`: Python's dictionary schema, version 1. */
export type FileConfigDict = {
  /** Always `1`. */
  version: 1;
  /** Python's `disable_existing_loggers`. */
  disable_existing_loggers: boolean;
  /** Formatters by name: `format`, `datefmt`, `style`, `class`, `defaults`, `validate`. */
  formatters: Record<string, Record<string, unknown>>;
  /** Handlers by name: `class`, `level`, `formatter`, `target` and the class's arguments. */
  handlers: Record<string, Record<string, unknown>>;
  /** Loggers by qualified name: `level`, `handlers`, `propagate`. */
  loggers: Record<string, Record<string, unknown>>;
  /** The root logger: `level`, `handlers`. */
  root: Record<string, unknown>;
};

const OPTION_NAMES = ["defaults", "disableExistingLoggers", "encoding", "resolve"];

/**
 * The names `args=`, `kwargs=` and `defaults=` may use, by dotted name: those CPython's
 * `eval(args, vars(logging))` finds that exist here (`sys.stdout`, `sys.stderr`, `DEBUG`...,
 * `BASIC_FORMAT`, `handlers.DEFAULT_TCP_LOGGING_PORT` and the other default ports,
 * `handlers.SysLogHandler.LOG_*`, `handlers.socket.SOCK_STREAM`/`SOCK_DGRAM`), and each of them
 * but the streams with a `logging.` prefix as well.
 *
 * @example
 * ```ts
 * import { FILE_CONFIG_NAMES } from "@x/loghandlers/extend";
 * console.assert(FILE_CONFIG_NAMES["sys.stdout"] === Deno.stdout);
 * console.assert(FILE_CONFIG_NAMES["handlers.SysLogHandler.LOG_LOCAL0"] === 16);
 * console.assert(FILE_CONFIG_NAMES["logging.DEBUG"] === 10);
 * ```
 */
export const FILE_CONFIG_NAMES: Readonly<Record<string, unknown>> = (() => {
  const names: Record<string, unknown> = {
    "sys.stdout": Deno.stdout,
    "sys.stderr": Deno.stderr,
    CRITICAL,
    FATAL,
    ERROR,
    WARNING,
    WARN,
    INFO,
    DEBUG,
    NOTSET,
    BASIC_FORMAT,
    "handlers.socket.SOCK_STREAM": EXTERNAL_VALUES["socket.SOCK_STREAM"],
    "handlers.socket.SOCK_DGRAM": EXTERNAL_VALUES["socket.SOCK_DGRAM"],
  };
  for (const [name, value] of Object.entries(EXTERNAL_VALUES)) {
    if (name.startsWith("logging.handlers.") && typeof value === "number") {
      names[name.slice("logging.".length)] = value;
    }
  }
  for (const key of Object.getOwnPropertyNames(SysLogHandler)) {
    const value = (SysLogHandler as unknown as Record<string, unknown>)[key];
    if (key.startsWith("LOG_") && typeof value === "number") {
      names[`handlers.SysLogHandler.${key}`] = value;
    }
  }
  // `logging.DEBUG`, `logging.handlers.SYSLOG_UDP_PORT`: not names in CPython's namespace
  // (a NameError there), accepted here as ext:// spells them.
  for (const [name, value] of Object.entries(names)) {
    if (!name.startsWith("sys.")) names[`logging.${name}`] = value;
  }
  return Object.freeze(names);
})();

const NAMES_HINT = "The names known here are sys.stdout, sys.stderr, the level names (DEBUG, " +
  "INFO, ...), handlers.DEFAULT_TCP_LOGGING_PORT and the other default ports, " +
  "handlers.SysLogHandler.LOG_* and handlers.socket.SOCK_STREAM/SOCK_DGRAM; for anything " +
  "else, configure the handler with dictConfig";

/** A `RuntimeError`, as CPython raises for an empty or invalid file. */
function runtimeError(message: string, cause?: unknown): Error {
  const error = new Error(message, { cause });
  error.name = "RuntimeError";
  return error;
}

/** Defines `obj[key]` as an own property, even for `__proto__`. */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `str.split(",")` then `strip()` on each, as `_strip_spaces` does. */
function names(list: string): string[] {
  return list.split(",").map(pyStrip);
}

/** Reads the file (or takes the text) the way `fileConfig` is given it. */
function readSource(source: string | URL, encoding: string): { text: string; name: string } {
  if (typeof source === "string" && /[\r\n]/.test(source)) {
    return { text: source.replace(/\r\n?/g, "\n"), name: "<string>" };
  }
  if (!(source instanceof URL) && typeof source !== "string") {
    throw new TypeError(
      `Cannot run fileConfig as its source must be a path, a file: URL or INI text: current ` +
        `value is ${describeValue(source)}`,
    );
  }
  if (source instanceof URL && source.protocol !== "file:") {
    throw new TypeError(
      `Cannot run fileConfig as a URL source must be a file: URL: current value is ${source}`,
    );
  }
  if (source === "") throw new Deno.errors.NotFound(" doesn't exist");
  const codec = normalizeEncoding(encoding, "fileConfig");
  const path = toAbsolutePath(source);
  const name = source instanceof URL ? path : source;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Deno.errors.NotFound(`${name} doesn't exist`, { cause: error });
    }
    throw explainFileError(error, "read logging configuration file", name, "read");
  }
  if (bytes.length === 0) throw runtimeError(`${name} is an empty file`);
  return { text: decode(bytes, codec, name).replace(/\r\n?/g, "\n"), name };
}

/** Decodes a configuration file strictly, as Python's `open(..., encoding=...)` reads it. */
function decode(bytes: Uint8Array, codec: string, name: string): string {
  const fail = (why: string) =>
    new ValueError(
      `Cannot read logging configuration file '${name}' as it is not valid ${codec}: ${why}. ` +
        "Pass the file's encoding as the 'encoding' option",
    );
  const text = (label: string, ignoreBOM: boolean, data: Uint8Array) => {
    try {
      return new TextDecoder(label, { fatal: true, ignoreBOM }).decode(data);
    } catch {
      throw fail("it holds a byte sequence that cannot be decoded");
    }
  };
  switch (codec) {
    case "utf-8":
      return text("utf-8", true, bytes);
    case "utf-8-sig":
      return text("utf-8", false, bytes);
    case "utf-16-le":
      return text("utf-16le", true, bytes);
    case "utf-16-be":
      return text("utf-16be", true, bytes);
    case "utf-16":
      if (bytes[0] === 0xfe && bytes[1] === 0xff) return text("utf-16be", true, bytes.subarray(2));
      if (bytes[0] === 0xff && bytes[1] === 0xfe) return text("utf-16le", true, bytes.subarray(2));
      return text("utf-16le", true, bytes);
    case "latin-1":
    case "ascii": {
      let out = "";
      for (let i = 0; i < bytes.length; i += 8192) {
        const chunk = bytes.subarray(i, i + 8192);
        if (codec === "ascii") {
          const bad = chunk.findIndex((b) => b > 0x7f);
          if (bad >= 0) throw fail(`byte 0x${chunk[bad].toString(16)} at position ${i + bad}`);
        }
        out += String.fromCharCode(...chunk);
      }
      return out;
    }
    default: {
      if ((CODE_PAGES as readonly string[]).includes(codec)) {
        try {
          return decodeCodePage(bytes, codec as CodePageName);
        } catch (error) {
          throw fail((error as Error).message);
        }
      }
      // UTF-32: a byte order mark picks the order (little-endian without one, as on x86).
      let little = codec !== "utf-32-be";
      let start = 0;
      if (codec === "utf-32" && bytes.length >= 4) {
        if (bytes[0] === 0xff && bytes[1] === 0xfe && bytes[2] === 0 && bytes[3] === 0) start = 4;
        else if (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 0xfe && bytes[3] === 0xff) {
          start = 4;
          little = false;
        }
      }
      if ((bytes.length - start) % 4 !== 0) throw fail("truncated data");
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let out = "";
      for (let i = start; i < bytes.length; i += 4) {
        const cp = view.getUint32(i, little);
        if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
          throw fail(`code point 0x${cp.toString(16)} at position ${i}`);
        }
        out += String.fromCodePoint(cp);
      }
      return out;
    }
  }
}

/** Where a value came from, for error messages: `[handler_hand1] args (line 12 of app.ini)`. */
function at(cp: ConfigParser, section: string, option?: string): string {
  const line = option === undefined ? undefined : cp.lineOf(section, option);
  const where = line === undefined
    ? `of ${cp.source ?? "<string>"}`
    : `line ${line} of ${cp.source ?? "<string>"}`;
  return `[${section}]${option === undefined ? "" : ` ${option}`} (${where})`;
}

/** `cp[name]`: the section must exist (`DEFAULT` always does). */
function needSection(cp: ConfigParser, name: string, why: string): void {
  if (name !== "DEFAULT" && !cp.hasSection(name)) {
    throw new KeyError(`${pyRepr(name)}: ${why}, but ${cp.source ?? "<string>"} has no [${name}]`);
  }
}

/** `cp[section][option]`: the option must exist (in the section or the defaults). */
function needOption(cp: ConfigParser, section: string, option: string, why: string): string {
  if (!cp.hasOption(section, option)) {
    throw new KeyError(`${pyRepr(option)}: [${section}] has no '${option}' (${why})`);
  }
  return cp.get(section, option);
}

/** `cp.get(section, option, fallback)`, through `cp[section].get(...)`. */
function optional<F>(cp: ConfigParser, section: string, option: string, fallback: F): string | F {
  return cp.get(section, option, { fallback });
}

/** A Python literal of the file (`args`, `kwargs`, `defaults`): read, never evaluated. */
function literal(cp: ConfigParser, section: string, option: string, text: string): unknown {
  return literalEval(text, {
    names: FILE_CONFIG_NAMES,
    subject: `'${option}' of ${at(cp, section, option)}`,
    hint: NAMES_HINT,
  });
}

/** configparser's `getboolean` (`1`/`yes`/`true`/`on`, `0`/`no`/`false`/`off`). */
function boolean(cp: ConfigParser, section: string, option: string): boolean {
  const text = cp.get(section, option, { raw: true }).toLowerCase();
  if (["1", "yes", "true", "on"].includes(text)) return true;
  if (["0", "no", "false", "off"].includes(text)) return false;
  throw new ValueError(
    `Not a boolean: ${cp.get(section, option, { raw: true })} (${at(cp, section, option)}: ` +
      "write True or False)",
  );
}

/** The class a handler's `class=` names, as `eval(klass, vars(logging))` then `_resolve` find it. */
function handlerClass(
  cp: ConfigParser,
  section: string,
  text: string,
  resolve: Readonly<Record<string, unknown>>,
): { name: string; params: readonly string[] | null; ctor: unknown } {
  if (!/^[\p{L}_][\p{L}\p{N}_]*(?:\.[\p{L}_][\p{L}\p{N}_]*)*$/u.test(text)) {
    throw new ValueError(
      `Cannot read 'class' of ${at(cp, section, "class")} as it needs evaluation: ${
        pyRepr(text)
      } is not a dotted class name such as StreamHandler or handlers.RotatingFileHandler`,
    );
  }
  // `StreamHandler` and `handlers.X` are names of the logging package's namespace; other
  // dotted names are imported by CPython, and must be given in `resolve` here.
  const candidates = !text.includes(".")
    ? [`logging.${text}`, text]
    : text.startsWith("handlers.")
    ? [`logging.${text}`]
    : [text];
  for (const name of candidates) {
    const found = resolved(name, resolve);
    if (found.found) return { name, params: paramsOf(found.value), ctor: found.value };
    if (Object.hasOwn(KNOWN_CLASSES, name)) {
      const known = KNOWN_CLASSES[name];
      return { name, params: known.params, ctor: known.ctor };
    }
  }
  const near = closestName(candidates[0], [...Object.keys(KNOWN_CLASSES), ...Object.keys(resolve)]);
  throw new ValueError(
    `Cannot configure ${at(cp, section, "class")} as class ${pyRepr(text)} is not known${
      near === null ? "" : ` (did you mean '${near}'?)`
    }: name one of this library's handlers (StreamHandler, handlers.RotatingFileHandler, ...) ` +
      `or pass your class in fileConfig's options: { resolve: { ${
        JSON.stringify(text)
      }: MyHandler } }`,
  );
}

/**
 * A dotted name in `resolve`, whole or as a prefix followed by own properties
 * (`{ "myapp.handlers": module }` gives `myapp.handlers.JsonHandler`), as `dictConfig` finds it.
 */
function resolved(
  name: string,
  resolve: Readonly<Record<string, unknown>>,
): { found: boolean; value?: unknown } {
  if (Object.hasOwn(resolve, name)) return { found: true, value: resolve[name] };
  const parts = name.split(".");
  for (let i = parts.length - 1; i >= 1; i--) {
    const prefix = parts.slice(0, i).join(".");
    if (!Object.hasOwn(resolve, prefix)) continue;
    let value: unknown = resolve[prefix];
    for (const part of parts.slice(i)) {
      if (
        (typeof value !== "object" && typeof value !== "function") || value === null ||
        ["__proto__", "prototype", "constructor"].includes(part) || !(part in value)
      ) {
        return { found: false };
      }
      value = (value as Record<string, unknown>)[part];
    }
    return { found: true, value };
  }
  return { found: false };
}

/** The Python parameters of a class: those of the library class it is, or extends. */
function paramsOf(ctor: unknown): readonly string[] | null {
  let c = ctor;
  for (let depth = 0; typeof c === "function" && depth < 64; depth++) {
    const found = KNOWN_CONSTRUCTORS.get(c as AnyConstructor);
    if (found !== undefined) return found.known.params;
    c = Object.getPrototypeOf(c);
  }
  return null;
}

/**
 * Python's binding of `klass(*args, **kwargs)` to parameter names, with its `TypeError`s for
 * what only positional arguments can get wrong; `dictConfig` checks the names and the missing
 * arguments.
 */
function bindArguments(
  className: string,
  params: readonly string[] | null,
  args: unknown,
  kwargs: unknown,
  where: (option: string) => string,
): Record<string, unknown> {
  const short = className.slice(className.lastIndexOf(".") + 1);
  const fn = `${short}.__init__()`;
  if (typeof args === "string") {
    throw new TypeError(
      `Cannot read 'args' of ${where("args")} as it must be a tuple: current value is the ` +
        `string ${pyRepr(args)}. A one-element tuple needs a trailing comma: (${pyRepr(args)},)`,
    );
  }
  if (!Array.isArray(args)) {
    throw new TypeError(
      `Cannot read 'args' of ${where("args")}: ${short}() argument after * must be an ` +
        `iterable, not ${pyTypeName(args)}`,
    );
  }
  if (kwargs === null || typeof kwargs !== "object" || Array.isArray(kwargs)) {
    throw new TypeError(
      `Cannot read 'kwargs' of ${where("kwargs")}: ${short}() argument after ** must be a ` +
        `mapping, not ${Array.isArray(kwargs) ? "tuple" : pyTypeName(kwargs)}`,
    );
  }
  const bound: Record<string, unknown> = {};
  if (args.length > 0) {
    if (params === null) {
      throw new TypeError(
        `Cannot read 'args' of ${where("args")} as class '${className}' does not extend a ` +
          "class of this library, so its Python parameter names are unknown and positional " +
          "arguments cannot be matched to them: write them by name, as kwargs={'name': value}",
      );
    }
    const star = params.findIndex((p) => p.startsWith("*"));
    const positional = star < 0 ? params : params.slice(0, star);
    const varargs = star >= 0 && params[star].length > 1 ? params[star].slice(1) : null;
    if (args.length > positional.length && varargs === null) {
      throw new TypeError(
        `Cannot read 'args' of ${where("args")}: ${fn} takes at most ${
          positional.length + 1
        } positional arguments (${["self", ...positional].join(", ")}) but ${
          args.length + 1
        } were given`,
      );
    }
    positional.forEach((p, i) => {
      if (i < args.length) put(bound, p, args[i]);
    });
    if (varargs !== null && args.length > positional.length) {
      put(bound, varargs, args.slice(positional.length));
    }
  }
  for (const [key, value] of Object.entries(kwargs)) {
    if (Object.hasOwn(bound, key)) {
      throw new TypeError(
        `Cannot read 'kwargs' of ${where("kwargs")}: ${fn} got multiple values for argument ` +
          `'${key}'`,
      );
    }
    put(bound, key, value);
  }
  return bound;
}

/**
 * Translates a parsed INI configuration into the dictionary `dictConfig` takes, as CPython's
 * `fileConfig` reads it (`_create_formatters`, `_install_handlers`, `_install_loggers`), and
 * with its errors: a section or option it needs and does not find is a `KeyError` naming it,
 * `[loggers]` without `root` a `ValueError`. Every name, class and argument is checked here,
 * before anything is changed.
 *
 * @param cp The parsed file.
 * @param options `disableExistingLoggers` and `resolve`, as {@linkcode fileConfig} takes them.
 * @returns The dictionary configuration.
 * @throws {KeyError} For a missing section, option, formatter or handler, naming it.
 * @throws {ValueError} For `args`/`kwargs`/`defaults` that need evaluation, an unknown class,
 *   or a `[loggers]` list without `root`.
 * @throws {SyntaxError} For `args`/`kwargs`/`defaults` that are not valid Python.
 * @throws {TypeError} For arguments that do not fit the class, with Python's messages.
 *
 * @example
 * ```ts
 * import { ConfigParser, fileConfigToDict } from "@x/loghandlers/extend";
 * const cp = new ConfigParser();
 * cp.readString(`
 * [loggers]
 * keys=root
 * [handlers]
 * keys=file
 * [formatters]
 * keys=
 * [logger_root]
 * level=INFO
 * handlers=file
 * [handler_file]
 * class=handlers.RotatingFileHandler
 * args=('app.log', 'a', 1000000, 5)
 * `);
 * const dict = fileConfigToDict(cp);
 * console.assert(dict.handlers.file.class === "logging.handlers.RotatingFileHandler");
 * console.assert(dict.handlers.file.maxBytes === 1000000 && dict.handlers.file.backupCount === 5);
 * console.assert(dict.root.level === "INFO");
 * ```
 */
export function fileConfigToDict(
  cp: ConfigParser,
  options: Pick<FileConfigOptions, "disableExistingLoggers" | "resolve"> = {},
): FileConfigDict {
  const resolve = options.resolve ?? {};
  const formatters = createFormatters(cp);
  const handlers = installHandlers(cp, formatters, resolve);
  const { root, loggers } = installLoggers(cp, handlers);
  return {
    version: 1,
    disable_existing_loggers: options.disableExistingLoggers ?? true,
    formatters,
    handlers,
    loggers,
    root,
  };
}

/** CPython's `_create_formatters`. */
function createFormatters(cp: ConfigParser): Record<string, Record<string, unknown>> {
  needSection(cp, "formatters", "fileConfig needs a [formatters] section (keys= may be empty)");
  const list = needOption(cp, "formatters", "keys", "the formatters' names, comma-separated");
  const formatters: Record<string, Record<string, unknown>> = {};
  if (list.length === 0) return formatters;
  for (const form of names(list)) {
    const section = `formatter_${form}`;
    const fmt = cp.get(section, "format", { raw: true, fallback: null });
    const datefmt = cp.get(section, "datefmt", { raw: true, fallback: null });
    const style = cp.get(section, "style", { raw: true, fallback: "%" });
    const defaults = cp.get(section, "defaults", { raw: true, fallback: null });
    needSection(cp, section, `[formatters] keys names ${pyRepr(form)}`);
    const className = optional(cp, section, "class", null);
    const entry: Record<string, unknown> = {};
    if (fmt !== null) entry.format = fmt;
    if (datefmt !== null) entry.datefmt = datefmt;
    entry.style = style;
    if (className) entry.class = className;
    if (defaults !== null) {
      const value = literal(cp, section, "defaults", defaults);
      if (value === null || typeof value !== "object" || Array.isArray(value)) {
        throw new TypeError(
          `Cannot read 'defaults' of ${at(cp, section, "defaults")} as it must be a dict such ` +
            `as {'customfield': 'value'}: current value is ${describeValue(value)}`,
        );
      }
      entry.defaults = value;
    }
    // CPython 3.13 ignores `validate` here although its documentation shows it; it is honoured.
    if (cp.hasOption(section, "validate")) entry.validate = boolean(cp, section, "validate");
    put(formatters, form, entry);
  }
  return formatters;
}

/** CPython's `_install_handlers`. */
function installHandlers(
  cp: ConfigParser,
  formatters: Record<string, unknown>,
  resolve: Readonly<Record<string, unknown>>,
): Record<string, Record<string, unknown>> {
  needSection(cp, "handlers", "fileConfig needs a [handlers] section (keys= may be empty)");
  const list = needOption(cp, "handlers", "keys", "the handlers' names, comma-separated");
  const handlers: Record<string, Record<string, unknown>> = {};
  if (list.length === 0) return handlers;
  const fixups: [string, string, string][] = [];
  for (const hand of names(list)) {
    const section = `handler_${hand}`;
    needSection(cp, section, `[handlers] keys names ${pyRepr(hand)}`);
    const klass = needOption(cp, section, "class", "the handler's class, e.g. StreamHandler");
    const fmt = optional(cp, section, "formatter", "");
    const cls = handlerClass(cp, section, klass, resolve);
    const where = (option: string) => at(cp, section, option);
    const args = literal(cp, section, "args", optional(cp, section, "args", "()"));
    const kwargs = literal(cp, section, "kwargs", optional(cp, section, "kwargs", "{}"));
    const bound = bindArguments(cls.name, cls.params, args, kwargs, where);
    const entry: Record<string, unknown> = { class: cls.name };
    if (cp.hasOption(section, "level")) entry.level = cp.get(section, "level");
    if (fmt.length > 0) {
      if (!Object.hasOwn(formatters, fmt)) {
        throw new KeyError(
          `${pyRepr(fmt)}: ${where("formatter")} names a formatter that [formatters] keys ` +
            "does not list",
        );
      }
      entry.formatter = fmt;
    }
    const memory = typeof cls.ctor === "function" &&
      (cls.ctor === MemoryHandler || cls.ctor.prototype instanceof MemoryHandler);
    for (const [key, value] of Object.entries(bound)) {
      if (memory && key === "target" && value === null) continue; // set below, as setTarget
      if (HANDLER_KEYS.has(key) || (memory && key === "target")) {
        throw new TypeError(
          `Cannot configure ${where("kwargs")} as argument '${key}' cannot be passed through ` +
            "dictConfig, whose schema uses that key: configure this handler with dictConfig",
        );
      }
      put(entry, key, value);
    }
    if (memory) {
      const target = optional(cp, section, "target", "");
      if (target.length > 0) fixups.push([hand, target, section]);
    }
    put(handlers, hand, entry);
  }
  for (const [hand, target, section] of fixups) {
    if (!Object.hasOwn(handlers, target)) {
      throw new KeyError(
        `${pyRepr(target)}: ${at(cp, section, "target")} names a handler that [handlers] keys ` +
          "does not list",
      );
    }
    handlers[hand].target = target;
  }
  return handlers;
}

/** CPython's `_install_loggers`. */
function installLoggers(
  cp: ConfigParser,
  handlers: Record<string, unknown>,
): { root: Record<string, unknown>; loggers: Record<string, Record<string, unknown>> } {
  needSection(cp, "loggers", "fileConfig needs a [loggers] section (keys= must list root)");
  const list = names(needOption(cp, "loggers", "keys", "the loggers' names, comma-separated"));
  const index = list.indexOf("root");
  if (index < 0) {
    throw new ValueError(
      `list.remove(x): x not in list: [loggers] keys must list root (${at(cp, "loggers", "keys")})`,
    );
  }
  list.splice(index, 1);
  const handlerList = (section: string): string[] => {
    const text = needOption(cp, section, "handlers", "a comma-separated list, which may be empty");
    if (text.length === 0) return [];
    const out = names(text);
    for (const hand of out) {
      if (!Object.hasOwn(handlers, hand)) {
        throw new KeyError(
          `${pyRepr(hand)}: ${at(cp, section, "handlers")} names a handler that [handlers] ` +
            "keys does not list",
        );
      }
    }
    return out;
  };
  needSection(cp, "logger_root", "[loggers] keys names 'root'");
  const root: Record<string, unknown> = {};
  if (cp.hasOption("logger_root", "level")) root.level = cp.get("logger_root", "level");
  root.handlers = handlerList("logger_root");
  const loggers: Record<string, Record<string, unknown>> = {};
  for (const log of list) {
    const section = `logger_${log}`;
    needSection(cp, section, `[loggers] keys names ${pyRepr(log)}`);
    const qualname = needOption(cp, section, "qualname", "the logger's name, e.g. app.db");
    let propagate: number | bigint;
    try {
      propagate = cp.getint(section, "propagate", { fallback: 1 });
    } catch (error) {
      throw new ValueError(
        `${(error as Error).message} (${at(cp, section, "propagate")}: write 1 or 0)`,
        { cause: error },
      );
    }
    const entry: Record<string, unknown> = {};
    if (cp.hasOption(section, "level")) entry.level = cp.get(section, "level");
    entry.handlers = handlerList(section);
    entry.propagate = propagate !== 0 && propagate !== 0n;
    put(loggers, qualname, entry);
  }
  return { root, loggers };
}

/**
 * Python's `logging.config.fileConfig`: configures logging from an INI file in Python's format
 * (`[loggers]`, `[handlers]`, `[formatters]`, `[logger_root]`, `[logger_NAME]`,
 * `[handler_NAME]`, `[formatter_NAME]`), through `dictConfig`. Existing handlers are flushed,
 * closed and removed; existing loggers the file does not configure are disabled unless
 * `disableExistingLoggers` is `false`.
 *
 * `source` is read as follows: a `URL` is a `file:` URL; a string that contains a line break
 * is the INI text itself; any other string is a path (relative to the current directory). No
 * valid configuration fits on one line, so this is unambiguous; a path that contains a line
 * break can be given as a `URL`. Lines may end with `\n`, `\r\n` or `\r`.
 *
 * `args=`, `kwargs=` and a formatter's `defaults=` are Python literals, read and never
 * evaluated: strings, numbers, tuples, lists, dicts, `True`, `False`, `None`, and the names
 * `sys.stdout`, `sys.stderr`, `DEBUG`...`CRITICAL`, `handlers.SYSLOG_UDP_PORT` (and the other
 * default ports), `handlers.SysLogHandler.LOG_*`. Anything that would need `eval()` is refused
 * with an error that says what to write instead.
 *
 * Requires `--allow-read` for a file given by path or URL, and what the configured handlers
 * need (`--allow-write` for file handlers, `--allow-net` for network handlers).
 *
 * @param source A path, a `file:` URL, or the INI text.
 * @param options `defaults`, `disableExistingLoggers`, `encoding`, `resolve`.
 * @throws {Deno.errors.NotFound} `<path> doesn't exist` (Python's `FileNotFoundError`).
 * @throws {Error} Named `RuntimeError`: `<path> is an empty file`, or `<path> is invalid:
 *   Source contains parsing errors: ...` naming each bad line (Python's `RuntimeError`).
 * @throws {DuplicateSectionError} For a section that appears twice.
 * @throws {DuplicateOptionError} For an option that appears twice in a section.
 * @throws {KeyError} For a missing section, option, formatter or handler, naming it.
 * @throws {ValueError} For values that need evaluation, unknown classes or levels.
 * @throws {SyntaxError} For `args`/`kwargs`/`defaults` that are not valid Python.
 * @throws {TypeError} For arguments that do not fit the handler's class.
 * @throws {Deno.errors.NotCapable} When read access to the file is not granted.
 *
 * @example
 * ```ts
 * import { fileConfig, getLogger } from "@x/loghandlers";
 * fileConfig(`
 * [loggers]
 * keys=root,db
 *
 * [handlers]
 * keys=null
 *
 * [formatters]
 * keys=
 *
 * [logger_root]
 * level=WARNING
 * handlers=null
 *
 * [logger_db]
 * level=DEBUG
 * handlers=
 * qualname=app.db
 *
 * [handler_null]
 * class=NullHandler
 * `);
 * console.assert(getLogger("app.db").level === 10);
 * console.assert(getLogger().handlers[0].name === "null");
 * ```
 */
export function fileConfig(source: string | URL, options: FileConfigOptions = {}): void {
  checkFileConfigOptions(options);
  const { text, name } = readSource(source, options.encoding ?? "utf-8");
  const cp = new ConfigParser(options.defaults);
  try {
    cp.readString(text, name);
  } catch (error) {
    if (error instanceof ParsingError) {
      throw runtimeError(`${name} is invalid: ${error.message}`, error);
    }
    throw error;
  }
  const dict = fileConfigToDict(cp, options);
  dictConfig(dict, { resolve: options.resolve ?? {} });
}

function checkFileConfigOptions(options: FileConfigOptions): void {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new TypeError(
      `Cannot run fileConfig as its options must be an object: current value is ${
        describeValue(options)
      }`,
    );
  }
  for (const key of Object.keys(options)) {
    if (!OPTION_NAMES.includes(key)) throw unknownOption("run fileConfig", key, OPTION_NAMES);
  }
  const o = options as Record<string, unknown>;
  const must = (key: string, ok: boolean, what: string) => {
    if (o[key] !== undefined && !ok) {
      throw new TypeError(
        `Cannot run fileConfig as '${key}' must be ${what}: current value is ${
          describeValue(o[key])
        }`,
      );
    }
  };
  const isRecord = (v: unknown) => v !== null && typeof v === "object" && !Array.isArray(v);
  must("defaults", isRecord(o.defaults), "an object of strings");
  must("disableExistingLoggers", typeof o.disableExistingLoggers === "boolean", "a boolean");
  must("encoding", typeof o.encoding === "string", "a string such as 'utf-8'");
  must("resolve", isRecord(o.resolve), "an object of dotted names to values");
}
