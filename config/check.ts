/**
 * `--check`: validates a configuration file (JSON for `dictConfig`, INI for `fileConfig`)
 * without building anything: no file is opened, no socket, no timer. It checks what loading would
 * check before it starts: the schema's version and sections, that every class a handler, formatter
 * or filter names is known (or declared with `--known`), the keyword arguments against the class's
 * Python signature, the references between sections (`formatter`, `filters`, `handlers`,
 * `target`, `cfg://`), levels, and that each formatter's format is valid for its style.
 *
 * @module
 */

import { Formatter } from "../core/formatter.ts";
import { explainFileError } from "../core/io/files.ts";
import { checkLevel } from "../core/levels.ts";
import { closestName } from "../core/text/options.ts";
import { KNOWN_CLASSES } from "./classes.ts";
import { HANDLER_KEYS, QUEUE_KEYS } from "./dict.ts";
import { fileConfigToDict } from "./file.ts";
import { ConfigParser } from "./ini.ts";

const USAGE = `Usage: deno run --allow-read jsr:@x/loghandlers/config --check FILE [--known NAME]...

Checks a logging configuration without starting anything: a JSON file for dictConfig, or an INI
file for fileConfig (any name not ending in .json). Prints "ok" and exits 0, or prints the first
problem with its key path and exits 1. --known NAME declares a class or factory that the program
will give through options.resolve (repeat it for each).`;

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A problem with the configuration, at a key path. */
class ConfigProblem extends Error {
  override name = "ConfigProblem";
}

function fail(path: string, message: string): never {
  throw new ConfigProblem(`${path}: ${message}`);
}

function names(value: unknown, path: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    fail(path, "must be a list of names");
  }
  return value as string[];
}

function checkLevelAt(value: unknown, path: string): void {
  if (value === undefined || value === null) return;
  try {
    checkLevel(value as number);
  } catch (error) {
    fail(path, (error as Error).message);
  }
}

/** Follows a `cfg://` reference through the configuration (dotted and indexed). */
function checkReference(config: Dict, ref: string, path: string): void {
  let value: unknown = config;
  const parts = ref.slice("cfg://".length).match(/[^.[\]]+/g) ?? [];
  for (const part of parts) {
    if (Array.isArray(value) && /^\d+$/.test(part)) value = value[Number(part)];
    else if (isDict(value)) value = value[part];
    else value = undefined;
    if (value === undefined) fail(path, `${ref} refers to nothing in the configuration`);
  }
}

function checkReferences(config: Dict, value: unknown, path: string, depth = 0): void {
  if (depth > 100) fail(path, "nests deeper than 100");
  if (typeof value === "string" && value.startsWith("cfg://")) checkReference(config, value, path);
  else if (Array.isArray(value)) {
    value.forEach((v, i) => checkReferences(config, v, `${path}[${i}]`, depth + 1));
  } else if (isDict(value)) {
    for (const [k, v] of Object.entries(value)) {
      checkReferences(config, v, `${path}.${k}`, depth + 1);
    }
  }
}

/**
 * Checks a configuration dictionary (`dictConfig`'s schema) without building anything.
 *
 * @param config The configuration.
 * @param known Names of classes and factories the program gives through `options.resolve`.
 * @throws {ConfigProblem} The first problem, with its key path.
 */
function checkDict(config: unknown, known: ReadonlySet<string>): void {
  if (!isDict(config)) fail("(top)", "a configuration must be a dictionary");
  if (config.version === undefined) fail("version", "dictionary doesn't specify a version");
  if (config.version !== 1) fail("version", `Unsupported version: ${String(config.version)}`);
  for (const section of ["formatters", "filters", "handlers", "loggers"]) {
    if (config[section] !== undefined && !isDict(config[section])) {
      fail(section, "must be a dictionary");
    }
  }
  const formatters = (config.formatters ?? {}) as Dict;
  const filters = (config.filters ?? {}) as Dict;
  const handlers = (config.handlers ?? {}) as Dict;
  const loggers = (config.loggers ?? {}) as Dict;
  const known_ = (name: unknown, path: string) => {
    if (typeof name !== "string") return; // a class given in code
    if (Object.hasOwn(KNOWN_CLASSES, name) || known.has(name)) return;
    fail(
      path,
      `'${name}' is not a class this library knows; give it with --known ${name} if the program passes it in options.resolve`,
    );
  };
  for (const [name, entry] of Object.entries(formatters)) {
    const path = `formatters.${name}`;
    if (!isDict(entry)) fail(path, "must be a dictionary");
    if (entry["()"] !== undefined) {
      known_(entry["()"], `${path}.()`);
      continue;
    }
    if (entry.class !== undefined) known_(entry.class, `${path}.class`);
    const style = entry.style ?? "%";
    if (style !== "%" && style !== "{" && style !== "$") {
      fail(`${path}.style`, `Style must be one of: %,{,$`);
    }
    try {
      new Formatter((entry.format ?? null) as string | null, {
        style,
        validate: entry.validate === undefined ? true : Boolean(entry.validate),
      });
    } catch (error) {
      fail(`${path}.format`, (error as Error).message);
    }
  }
  for (const [name, entry] of Object.entries(filters)) {
    const path = `filters.${name}`;
    if (typeof entry === "function") continue;
    if (!isDict(entry)) fail(path, "must be a dictionary");
    if (entry["()"] !== undefined) known_(entry["()"], `${path}.()`);
  }
  for (const [name, entry] of Object.entries(handlers)) {
    const path = `handlers.${name}`;
    if (!isDict(entry)) fail(path, "must be a dictionary");
    checkLevelAt(entry.level, `${path}.level`);
    if (entry.formatter !== undefined && !Object.hasOwn(formatters, String(entry.formatter))) {
      fail(`${path}.formatter`, `no formatter named '${String(entry.formatter)}'`);
    }
    for (const f of names(entry.filters, `${path}.filters`)) {
      if (!Object.hasOwn(filters, f)) fail(`${path}.filters`, `no filter named '${f}'`);
    }
    if (entry["()"] !== undefined) {
      known_(entry["()"], `${path}.()`);
      continue;
    }
    if (entry.class === undefined) fail(`${path}.class`, "a handler needs a class or '()'");
    known_(entry.class, `${path}.class`);
    const klass = typeof entry.class === "string" ? KNOWN_CLASSES[entry.class] : undefined;
    if (klass === undefined) continue;
    const params = new Set(klass.params.map((p) => p.replace(/^\*/, "")));
    const rules = (klass.ctor as { optionRules?: object }).optionRules;
    for (const key of Object.keys(rules ?? {})) params.add(key); // the library's own options
    const queue = String(entry.class).endsWith("QueueHandler");
    for (const key of Object.keys(entry)) {
      if (HANDLER_KEYS.has(key) || params.has(key) || (queue && QUEUE_KEYS.has(key))) continue;
      const hint = closestName(key, params);
      fail(
        `${path}.${key}`,
        `${entry.class}() got an unexpected keyword argument '${key}'` +
          (hint !== null ? `. Did you mean '${hint}'?` : ""),
      );
    }
    for (const required of klass.required) {
      if (entry[required] === undefined && !(queue && required === "queue")) {
        fail(path, `${entry.class}() missing required argument '${required}'`);
      }
    }
    if (entry.target !== undefined && typeof entry.target === "string") {
      if (!entry.target.startsWith("cfg://") && !Object.hasOwn(handlers, entry.target)) {
        fail(`${path}.target`, `no handler named '${entry.target}'`);
      }
    }
    if (queue) {
      for (const h of names(entry.handlers, `${path}.handlers`)) {
        if (!Object.hasOwn(handlers, h)) fail(`${path}.handlers`, `no handler named '${h}'`);
      }
    }
  }
  const checkLogger = (entry: unknown, path: string) => {
    if (!isDict(entry)) fail(path, "must be a dictionary");
    checkLevelAt(entry.level, `${path}.level`);
    for (const h of names(entry.handlers, `${path}.handlers`)) {
      if (!Object.hasOwn(handlers, h)) fail(`${path}.handlers`, `no handler named '${h}'`);
    }
    for (const f of names(entry.filters, `${path}.filters`)) {
      if (!Object.hasOwn(filters, f)) fail(`${path}.filters`, `no filter named '${f}'`);
    }
  };
  for (const [name, entry] of Object.entries(loggers)) checkLogger(entry, `loggers.${name}`);
  if (config.root !== undefined) checkLogger(config.root, "root");
  checkReferences(config, config, "");
}

/**
 * The `--check` command line: reads the file, checks it, prints "ok" or the first problem.
 *
 * @param args The command-line arguments.
 * @returns The exit status: 0 valid, 1 a problem, 2 a usage error.
 *
 * @example
 * ```ts ignore
 * // deno run --allow-read jsr:@x/loghandlers/config --check logging.json
 * ```
 */
export async function checkConfigFile(args: readonly string[]): Promise<number> {
  const known = new Set<string>();
  let file: string | undefined;
  let check = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--help" || a === "-h") {
      console.log(USAGE);
      return 0;
    }
    if (a === "--check") check = true;
    else if (a === "--known" && i + 1 < args.length) known.add(args[++i]);
    else if (a.startsWith("--known=")) known.add(a.slice("--known=".length));
    else if (!a.startsWith("-") && file === undefined) file = a;
    else {
      console.error(`config: unknown argument '${a}'\n\n${USAGE}`);
      return 2;
    }
  }
  if (!check || file === undefined) {
    console.error(USAGE);
    return 2;
  }
  let text: string;
  try {
    text = await Deno.readTextFile(file);
  } catch (error) {
    const explained = explainFileError(error, "read logging configuration file", file, "read");
    console.error(`config: ${explained.name}: ${explained.message}`);
    return 1;
  }
  try {
    if (file.toLowerCase().endsWith(".json")) {
      let config: unknown;
      try {
        config = JSON.parse(text);
      } catch (error) {
        fail("(file)", `not valid JSON: ${(error as Error).message}`);
      }
      checkDict(config, known);
    } else {
      const parser = new ConfigParser();
      parser.readString(text, file);
      const resolve: Record<string, unknown> = {};
      for (const name of known) resolve[name] = class {};
      checkDict(fileConfigToDict(parser, { resolve }), known);
    }
  } catch (error) {
    console.error(`${file}: ${(error as Error).message}`);
    return 1;
  }
  console.log(`${file}: ok`);
  return 0;
}
