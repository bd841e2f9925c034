/**
 * Python's `logging.config` for Deno: {@linkcode dictConfig} for Python's dictionary schema
 * (Django's `LOGGING`, uvicorn's and gunicorn's log configs), {@linkcode fileConfig} for the INI
 * format, and {@linkcode basicConfig}. A configuration written for Python works unchanged: class
 * names such as `logging.handlers.RotatingFileHandler` resolve to this library's handlers.
 *
 * This is the `@x/loghandlers/config` entry point (also re-exported by `@x/loghandlers`).
 * Loading a configuration needs what its handlers need (`--allow-read`/`--allow-write` for
 * files, `--allow-net` for network handlers), and `fileConfig` of a path `--allow-read` for it.
 *
 * Run as a program, it validates a configuration file without starting anything:
 *
 * ```sh
 * deno run --allow-read jsr:@x/loghandlers/config --check logging.json
 * ```
 *
 * @example Configure from a JSON document
 * ```ts
 * import { dictConfig } from "@x/loghandlers/config";
 * import { getLogger } from "@x/loghandlers";
 *
 * const dir = await Deno.makeTempDir();
 * dictConfig({
 *   version: 1,
 *   formatters: { plain: { format: "%(levelname)s %(name)s %(message)s" } },
 *   handlers: {
 *     file: { class: "logging.FileHandler", filename: `${dir}/app.log`, formatter: "plain" },
 *   },
 *   root: { level: "INFO", handlers: ["file"] },
 * });
 * getLogger("shop").info("started");
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "INFO shop started\n");
 * dictConfig({ version: 1, incremental: false, root: { handlers: [] } }); // closes app.log
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @module
 */

export {
  basicConfig,
  type BasicConfigOptions,
  critical,
  debug,
  error,
  exception,
  fatal,
  info,
  log,
  warn,
  warning,
} from "./basic.ts";
export {
  type ConfigCallable,
  type ConfigReference,
  type DictConfig,
  dictConfig,
  type DictConfigOptions,
  type FilterConfig,
  type FormatterConfig,
  type HandlerConfig,
  type LoggerConfig,
  type RootConfig,
} from "./dict.ts";
export { fileConfig, type FileConfigOptions } from "./file.ts";
import { checkConfigFile } from "./check.ts";

// The types this entry point's API refers to, so that it documents itself alone.
export type { Handler } from "../core/handler.ts";
export type { Filterer, FilterLike, FilterResult } from "../core/filter.ts";
export type { FormatStyle, Formatter } from "../core/formatter.ts";
export type { SyncWriter } from "../core/io/files.ts";
export type { TimeStruct } from "../core/text/strftime.ts";
export type { Level, LevelName } from "../core/levels.ts";
export type { LogArgs, LogRecord } from "../core/record.ts";
export type { ErrorPolicy } from "../core/text/encoding.ts";
export type { FileMode } from "../handlers/file.ts";
export type { LogStream, TextWriter } from "../handlers/stream.ts";

if (import.meta.main) Deno.exit(await checkConfigFile(Deno.args));
