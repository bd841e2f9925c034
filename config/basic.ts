/**
 * `basicConfig` and the module-level logging functions (`info()`, `warning()`, ...) that log
 * to the root logger.
 *
 * @module
 */

import { ValueError } from "../core/text/errors.ts";
import type { ErrorPolicy } from "../core/text/encoding.ts";
import { Formatter } from "../core/formatter.ts";
import type { Handler } from "../core/handler.ts";
import { CRITICAL, DEBUG, ERROR, INFO, type Level, WARNING } from "../core/levels.ts";
import { getLogger, root } from "../core/logger.ts";
import { FileHandler, type FileMode } from "../handlers/file.ts";
import { type LogStream, StreamHandler } from "../handlers/stream.ts";

/** Options of {@linkcode basicConfig}: Python's keyword arguments. */
export interface BasicConfigOptions {
  /** Log to this file through a `FileHandler` (`null` or `""`: to `stream`, as in Python). */
  filename?: string | URL | null;
  /**
   * The file's mode, passed to `FileHandler` (a binary mode such as `"wb"` takes no
   * `encoding`, and its file takes no record, as in CPython). Only with `filename`.
   *
   * @default {"a"}
   */
  filemode?: FileMode;
  /**
   * The format of the default formatter.
   *
   * @default {"%(levelname)s:%(name)s:%(message)s"}
   */
  format?: string;
  /** The date format of the default formatter. */
  datefmt?: string;
  /**
   * The style of `format`: `"%"`, `"{"` or `"$"`.
   *
   * @default {"%"}
   */
  style?: "%" | "{" | "$";
  /** The root logger's level. */
  level?: Level;
  /** Log to this stream through a `StreamHandler` (not with `filename`; `null`: stderr). */
  stream?: LogStream | null;
  /** Attach these handlers (not with `filename` or `stream`); those without a formatter get the default one. */
  handlers?: Handler[];
  /**
   * Remove and close the root logger's handlers first.
   *
   * @default {false}
   */
  force?: boolean;
  /** The file's encoding (`null` is Python's `None`: UTF-8). */
  encoding?: string | null;
  /**
   * The file's error policy (`null` is Python's `None`: `"strict"`). Not used with a binary
   * `filemode`.
   *
   * @default {"backslashreplace"}
   */
  errors?: ErrorPolicy | null;
}

const DEFAULT_FORMATS = {
  "%": "%(levelname)s:%(name)s:%(message)s",
  "{": "{levelname}:{name}:{message}",
  "$": "${levelname}:${name}:${message}",
} as const;

const KNOWN_KEYS = new Set([
  "filename",
  "filemode",
  "format",
  "datefmt",
  "style",
  "level",
  "stream",
  "handlers",
  "force",
  "encoding",
  "errors",
]);

/**
 * Python's `logging.basicConfig`: gives the root logger a handler (stderr, a file, a stream,
 * or the given handlers) with a formatter, unless it has handlers already (or `force` is set).
 *
 * @param options See {@linkcode BasicConfigOptions}.
 * @throws {ValueError} For conflicting or unknown options, with Python's messages.
 *
 * @example
 * ```ts
 * import { basicConfig, getLogger } from "@x/loghandlers";
 * const lines: string[] = [];
 * basicConfig({ level: "INFO", stream: { write: (t: string) => lines.push(t) }, force: true });
 * getLogger("app").info("started");
 * console.assert(lines[0] === "INFO:app:started\n");
 * basicConfig({ force: true, handlers: [] });
 * ```
 */
export function basicConfig(options: BasicConfigOptions = {}): void {
  const unknown = Object.keys(options).filter((k) => !KNOWN_KEYS.has(k));
  // Python takes filemode only where it opens a file: given with handlers, it is unknown.
  if (options.handlers != null && options.filemode !== undefined) {
    unknown.push("filemode");
  }
  if (options.force) {
    for (const h of [...root.handlers]) {
      root.removeHandler(h);
      void h.close();
    }
  }
  if (root.handlers.length !== 0) return;
  let handlers = options.handlers ?? undefined;
  if (handlers === undefined) {
    if (options.stream !== undefined && options.filename !== undefined) {
      throw new ValueError("'stream' and 'filename' should not be specified together");
    }
  } else if (options.stream !== undefined || options.filename !== undefined) {
    throw new ValueError("'stream' or 'filename' should not be specified together with 'handlers'");
  }
  const style = options.style ?? "%";
  if (!(style in DEFAULT_FORMATS)) {
    throw new ValueError(`Style must be one of: ${Object.keys(DEFAULT_FORMATS).join(",")}`);
  }
  if (unknown.length !== 0) {
    throw new ValueError(`Unrecognised argument(s): ${unknown.join(", ")}`);
  }
  const formatter = new Formatter(options.format ?? DEFAULT_FORMATS[style], {
    datefmt: options.datefmt ?? null,
    style,
  });
  if (handlers === undefined) {
    const mode = options.filemode ?? "a";
    handlers = [
      options.filename
        ? new FileHandler(options.filename, {
          mode,
          encoding: options.encoding,
          // Python: a binary file takes no errors (and refuses an encoding).
          errors: mode.includes("b")
            ? undefined
            : options.errors === undefined
            ? "backslashreplace"
            : options.errors,
        })
        : new StreamHandler(options.stream ?? undefined),
    ];
  }
  for (const h of handlers) {
    if (h.formatter === null) h.setFormatter(formatter);
    root.addHandler(h);
  }
  if (options.level != null) root.setLevel(options.level);
}

function ensureConfigured(): void {
  if (root.handlers.length === 0) basicConfig();
}

/**
 * Logs at DEBUG on the root logger, calling {@linkcode basicConfig} first if it has no handler.
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts
 * import { debug, root } from "@x/loghandlers";
 * debug("not shown: the root logger's level is WARNING");
 * console.assert(!root.isEnabledFor(10)); // DEBUG is below the root's level
 * ```
 */
export function debug(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(DEBUG, msg, ...args);
}

/**
 * Logs at INFO on the root logger, calling {@linkcode basicConfig} first if it has no handler.
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts
 * import { info, root } from "@x/loghandlers";
 * info("not shown: the root logger's level is WARNING");
 * console.assert(!root.isEnabledFor(20)); // INFO is below the root's level
 * ```
 */
export function info(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(INFO, msg, ...args);
}

/**
 * Logs at WARNING on the root logger, calling {@linkcode basicConfig} first if it has no handler.
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts ignore
 * import { warning } from "@x/loghandlers";
 * warning("low disk: %d%%", 7); // WARNING:root:low disk: 7% on stderr
 * ```
 */
export function warning(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(WARNING, msg, ...args);
}

/**
 * Logs at WARNING on the root logger (Python's deprecated alias of {@linkcode warning}).
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts
 * import { basicConfig, warn } from "@x/loghandlers";
 * const lines: string[] = [];
 * basicConfig({ stream: { write: (t: string) => lines.push(t) }, force: true });
 * warn("disk at %d%%", 91);
 * console.assert(lines[0] === "WARNING:root:disk at 91%\n");
 * basicConfig({ force: true, handlers: [] });
 * ```
 */
export function warn(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(WARNING, msg, ...args);
}

/**
 * Logs at ERROR on the root logger, calling {@linkcode basicConfig} first if it has no handler.
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts ignore
 * import { error } from "@x/loghandlers";
 * error("cannot reach %s", "db1");
 * ```
 */
export function error(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(ERROR, msg, ...args);
}

/**
 * Logs at ERROR with an error attached on the root logger (see `Logger.exception`).
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts ignore
 * import { exception } from "@x/loghandlers";
 * try { JSON.parse("{"); } catch (err) { exception("bad input: %s", err); }
 * ```
 */
export function exception(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().exception(msg, ...args);
}

/**
 * Logs at CRITICAL on the root logger, calling {@linkcode basicConfig} first if it has no handler.
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts ignore
 * import { critical } from "@x/loghandlers";
 * critical("out of memory");
 * ```
 */
export function critical(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(CRITICAL, msg, ...args);
}

/**
 * Logs at CRITICAL on the root logger (Python's alias `fatal` of {@linkcode critical}).
 *
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts
 * import { basicConfig, fatal } from "@x/loghandlers";
 * const lines: string[] = [];
 * basicConfig({ stream: { write: (t: string) => lines.push(t) }, force: true });
 * fatal("cannot open %s", "db");
 * console.assert(lines[0] === "CRITICAL:root:cannot open db\n");
 * basicConfig({ force: true, handlers: [] });
 * ```
 */
export function fatal(msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(CRITICAL, msg, ...args);
}

/**
 * Logs at `level` on the root logger, calling {@linkcode basicConfig} first if it has no handler.
 *
 * @param level A level number or a registered name.
 * @param msg The message.
 * @param args The arguments, optionally followed by `kw(...)`.
 *
 * @example
 * ```ts ignore
 * import { log } from "@x/loghandlers";
 * log("WARNING", "retrying in %ds", 5);
 * ```
 */
export function log(level: Level, msg: unknown, ...args: unknown[]): void {
  ensureConfigured();
  getLogger().log(level, msg, ...args);
}
