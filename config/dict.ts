/**
 * `dictConfig`: Python's `logging.config.dictConfig`, the logging configuration as a dictionary
 * (from JSON, YAML, TOML or code), with CPython 3.13's schema and error messages, and one
 * difference: it is transactional.
 *
 * @module
 */

import { IndexError, KeyError, ValueError } from "../core/text/errors.ts";
import { pyRepr, pyStr, pyTypeName } from "../core/text/pystr.ts";
import { closestName, describeValue } from "../core/text/options.ts";
import { clearHandlerNames, getHandlerByName, getHandlerNames, Handler } from "../core/handler.ts";
import { Filter, type FilterLike } from "../core/filter.ts";
import { type FormatStyle, Formatter } from "../core/formatter.ts";
import { checkLevel, type Level } from "../core/levels.ts";
import { getLogger, lastResort, Logger, root } from "../core/logger.ts";
import { AsyncQueue } from "../core/io/queues.ts";
import { MemoryHandler } from "../handlers/memory.ts";
import { QueueHandler, QueueListener } from "../handlers/queue.ts";
import {
  type AnyConstructor,
  EXTERNAL_VALUES,
  KNOWN_CLASSES,
  KNOWN_CONSTRUCTORS,
  type KnownClass,
} from "./classes.ts";

/** A reference a configuration value may be instead of the value: `cfg://` or `ext://`. */
export type ConfigReference = `cfg://${string}` | `ext://${string}`;

/**
 * A class or a function a configuration may give as a value, in place of a dotted name: a
 * handler, formatter, filter, queue or listener class, or a factory function.
 */
export type ConfigCallable =
  | ((...args: never[]) => unknown)
  | (new (...args: never[]) => unknown);

/**
 * A formatter of {@linkcode DictConfig.formatters}. Without `()`, it is
 * `class(format, { datefmt, style, validate, defaults })`, `class` being `logging.Formatter` by
 * default; with `()`, the factory gets every other key as a keyword argument (a `format` key
 * becomes `fmt` when the factory refuses it, as in CPython).
 */
export interface FormatterConfig {
  /** The format string. */
  format?: string | null;
  /** The `strftime` format of `%(asctime)s`. */
  datefmt?: string | null;
  /** The format's style: `%`, `{` or `$`. */
  style?: FormatStyle;
  /** Whether to check the format when the formatter is made. */
  validate?: boolean;
  /** Values for fields a record lacks. */
  defaults?: Readonly<Record<string, unknown>> | null;
  /** The formatter class: a dotted name (`logging.Formatter`) or the class. */
  class?: string | ConfigCallable;
  /** A factory: a dotted name, a class or a function, called with the other keys. */
  "()"?: string | ConfigCallable;
  /** Properties set on the formatter once it is made. */
  "."?: Readonly<Record<string, unknown>>;
  /** A keyword argument of a `()` factory. */
  [keyword: string]: unknown;
}

/**
 * A filter of {@linkcode DictConfig.filters}: `logging.Filter(name)`, or what a `()` factory
 * makes of the other keys.
 */
export interface FilterConfig {
  /** The logger name the filter lets through, with its descendants. */
  name?: string;
  /** A factory: a dotted name, a class or a function, called with the other keys. */
  "()"?: string | ConfigCallable;
  /** Properties set on the filter once it is made. */
  "."?: Readonly<Record<string, unknown>>;
  /** A keyword argument of a `()` factory. */
  [keyword: string]: unknown;
}

/**
 * A handler of {@linkcode DictConfig.handlers}: `class` (or a `()` factory) called with every
 * key below that is not one of the five special ones, by Python's parameter names
 * (`filename`, `maxBytes`, `backupCount`, `when`, `mailhost`, ...).
 */
export interface HandlerConfig {
  /** The handler class: a dotted name (`logging.handlers.RotatingFileHandler`) or the class. */
  class?: string | ConfigCallable;
  /** A factory: a dotted name, a class or a function, called with the other keys. */
  "()"?: string | ConfigCallable;
  /** The handler's level. */
  level?: Level | null;
  /** The name of a formatter of {@linkcode DictConfig.formatters}. */
  formatter?: string | null;
  /** Names of filters of {@linkcode DictConfig.filters}, or filters themselves. */
  filters?: readonly (string | FilterLike)[] | null;
  /** Properties set on the handler once it is made. */
  "."?: Readonly<Record<string, unknown>>;
  /** A keyword argument of the class (`filename`, `maxBytes`, ...) or of the factory. */
  [keyword: string]: unknown;
}

/** The root logger's entry, {@linkcode DictConfig.root}. */
export interface RootConfig {
  /** The level. */
  level?: Level | null;
  /** Names of handlers of {@linkcode DictConfig.handlers}; they replace the logger's handlers. */
  handlers?: readonly string[] | null;
  /** Names of filters of {@linkcode DictConfig.filters}, or filters themselves. */
  filters?: readonly (string | FilterLike)[] | null;
}

/** A logger's entry in {@linkcode DictConfig.loggers}. */
export interface LoggerConfig extends RootConfig {
  /** Whether records go on to the parent's handlers. */
  propagate?: boolean | null;
}

/**
 * A configuration dictionary: Python's `dictConfig` schema (version 1). Other top-level keys
 * are allowed, as in Python, for `cfg://` references to point at.
 */
export interface DictConfig {
  /** The schema version: 1. */
  version: 1;
  /**
   * Only change the levels of existing handlers and the levels and `propagate` of loggers.
   *
   * @default {false}
   */
  incremental?: boolean;
  /**
   * Disable the loggers that exist and that the configuration does not name (nor any of
   * their ancestors).
   *
   * @default {true}
   */
  disable_existing_loggers?: boolean;
  /** The formatters, by id. */
  formatters?: Readonly<Record<string, FormatterConfig | ConfigReference>> | ConfigReference;
  /** The filters, by id. */
  filters?: Readonly<Record<string, FilterConfig | ConfigReference>> | ConfigReference;
  /** The handlers, by id; each handler's `name` becomes its id. */
  handlers?: Readonly<Record<string, HandlerConfig | ConfigReference>> | ConfigReference;
  /** The loggers, by logger name. */
  loggers?: Readonly<Record<string, LoggerConfig | ConfigReference>> | ConfigReference;
  /** The root logger. */
  root?: RootConfig | ConfigReference;
  /** Anything else, for `cfg://` references. */
  [key: string]: unknown;
}

/** Options of {@linkcode dictConfig}. */
export interface DictConfigOptions {
  /**
   * Values by dotted name, for the names a configuration gives as `class`, `()`, a queue or
   * listener, or `ext://...` that this library does not know (`"myapp.handlers.AuditHandler"`);
   * a name may also lead to an object whose properties the rest of the name reads
   * (`{ "myapp.handlers": handlersModule }` resolves `myapp.handlers.AuditHandler`). Looked up
   * before the library's own names, so it can also replace one (`"sys.stdout"`).
   *
   * @default {{}}
   */
  resolve?: Readonly<Record<string, unknown>>;
}

type Dict = Record<string, unknown>;

/** Python's `BaseConfigurator` patterns (`\w` is Unicode-aware in Python). */
const CONVERT_PATTERN = /^([a-z]+):\/\/([^\n]*)\n?$/;
const WORD_PATTERN = /^\s*([\p{L}\p{N}_]+)\s*/u;
const DOT_PATTERN = /^\.\s*([\p{L}\p{N}_]+)\s*/u;
const INDEX_PATTERN = /^\[([^[\]]*)\]\s*/;
const DIGIT_PATTERN = /^\d+$/;
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/i;
/** How deep nested values and `cfg://` chains may go (a reference loop ends here). */
const MAX_DEPTH = 100;
/** Names that reach into JavaScript's object model rather than into a value. */
const UNSAFE_NAMES = new Set(["__proto__", "prototype", "constructor"]);

/**
 * Configures logging from a dictionary, like Python's `logging.config.dictConfig`: the same
 * schema (`version`, `formatters`, `filters`, `handlers`, `loggers`, `root`, `incremental`,
 * `disable_existing_loggers`), the same `cfg://` and `ext://` references, the same `()`
 * factories with `.` properties, and CPython's error messages (`Unable to configure handler
 * 'file'`, the reason as the error's `cause`). Python's class names resolve to this library's
 * classes (`logging.StreamHandler`, `logging.handlers.TimedRotatingFileHandler`, ...) with their
 * Python keyword arguments, so a Python configuration works unchanged; `ext://sys.stdout` and
 * `ext://sys.stderr` are `Deno.stdout` and `Deno.stderr`. Each handler's `name` becomes its id,
 * so {@linkcode getHandlerByName} finds it.
 *
 * Unlike CPython, it is transactional: it first makes every formatter, filter and handler and
 * checks every logger entry; if anything fails, it closes what it made (no file stays open, no
 * timer runs) and throws, and the previous configuration keeps working. Only then does it close
 * the handlers in use (as CPython does) and apply the new ones to the logger tree.
 *
 * A class or function given as a value (in code: `class: AuditHandler`, `"()": makeFormatter`)
 * or through `options.resolve` is called with the keyword arguments as one object
 * (`new AuditHandler({ dsn })`), Python's `**kwargs`, or with no argument when there are none.
 * A class that extends one of this library's classes without a constructor of its own takes
 * that class's Python arguments instead (`class Custom extends StreamHandler {}` is built as
 * `new Custom(stream)`). A `QueueHandler` entry makes its `QueueListener` (`handler.listener`)
 * but does not start it, as in CPython: call `getHandlerByName(id).listener.start()`.
 *
 * Requires the permissions of the handlers it makes (`--allow-read`/`--allow-write` for files).
 *
 * @param config The configuration.
 * @param options See {@linkcode DictConfigOptions}.
 * @throws {ValueError} With CPython's messages: `dictionary doesn't specify a version`,
 * `Unsupported version: 2`, `Unable to configure formatter 'x'` (and `filter`, `handler`,
 * `logger`, `root logger`), `No handler found with name 'x'` (incremental); the reason is the
 * error's `cause` (an unknown name, a missing formatter, `FileHandler.__init__() got an
 * unexpected keyword argument 'x'`, ...).
 * @throws {TypeError} When `config` is not a dictionary or `options` is not valid.
 *
 * @example A Python configuration, unchanged
 * ```ts
 * import { dictConfig, getHandlerByName, getLogger, shutdown } from "@x/loghandlers";
 *
 * const dir = await Deno.makeTempDir();
 * dictConfig({
 *   version: 1,
 *   formatters: { brief: { format: "%(levelname)s %(name)s: %(message)s" } },
 *   handlers: {
 *     file: {
 *       class: "logging.handlers.RotatingFileHandler",
 *       filename: `${dir}/app.log`,
 *       maxBytes: 1_000_000,
 *       backupCount: 3,
 *       formatter: "brief",
 *     },
 *   },
 *   loggers: { app: { level: "INFO", handlers: ["file"], propagate: false } },
 * });
 * getLogger("app.db").warning("disk at %d%%", 91);
 * console.assert(getHandlerByName("file") !== null);
 * await shutdown();
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "WARNING app.db: disk at 91%\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 *
 * @example A failed configuration changes nothing
 * ```ts
 * import { dictConfig, getLogger, StreamHandler } from "@x/loghandlers";
 *
 * const lines: string[] = [];
 * const out = { write: (text: string) => void lines.push(text) };
 * dictConfig({
 *   version: 1,
 *   handlers: { out: { class: "logging.StreamHandler", stream: "ext://test.out" } },
 *   loggers: { shop: { handlers: ["out"] } },
 * }, { resolve: { "test.out": out } });
 * try {
 *   dictConfig({ version: 1, handlers: { bad: { class: "logging.FileHandler", filname: "x" } } });
 * } catch (e) {
 *   console.assert((e as Error).message === "Unable to configure handler 'bad'");
 *   console.assert(((e as Error).cause as Error).message.includes("'filname'. Did you mean 'filename'?"));
 * }
 * getLogger("shop").warning("still logged");
 * console.assert(lines[0] === "still logged\n");
 * console.assert(getLogger("shop").handlers[0] instanceof StreamHandler);
 * ```
 */
export function dictConfig(config: DictConfig, options: DictConfigOptions = {}): void {
  if (!isDict(options)) {
    throw new TypeError(
      `Cannot call dictConfig as 'options' must be an object like { resolve: { ... } }: ` +
        `current value is ${describeValue(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    if (key !== "resolve") {
      throw new TypeError(
        `Cannot call dictConfig as its options have no '${key}' (the only option is 'resolve')`,
      );
    }
  }
  const resolve = options.resolve ?? {};
  if (!isDict(resolve)) {
    throw new TypeError(
      `Cannot call dictConfig as 'resolve' must be an object of values by dotted name: ` +
        `current value is ${describeValue(resolve)}`,
    );
  }
  if (!isDict(config)) {
    throw new TypeError(
      `Cannot call dictConfig as 'config' must be a dictionary ({ version: 1, ... }): ` +
        `current value is ${describeValue(config)}`,
    );
  }
  new DictConfigurator(config, resolve).configure();
}

/** What a logger entry changes, checked before anything is applied. */
interface LoggerPlan {
  /** The entry's key (`""` and `"root"` are the root logger's names). */
  key: string;
  logger: Logger;
  level?: number;
  handlers: Handler[];
  filters: FilterLike[];
  propagate?: boolean;
}

/** The handlers earlier `dictConfig` calls made, to close when the next one replaces them. */
let configured: WeakRef<Handler>[] = [];

/** Python's `DictConfigurator`, for one call. */
class DictConfigurator {
  readonly #config: Dict;
  readonly #resolve: Readonly<Record<string, unknown>>;
  /** The sections, by identity, whose entries are built (what `cfg://handlers.x` then gives). */
  readonly #built = new Map<object, Map<string, unknown>>();
  readonly #formatters = new Map<string, unknown>();
  readonly #filters = new Map<string, unknown>();
  readonly #handlers = new Map<string, Handler>();
  /** Every handler made, in order, to close if the configuration fails. */
  readonly #created: Handler[] = [];

  constructor(config: Dict, resolve: Readonly<Record<string, unknown>>) {
    this.#config = config;
    this.#resolve = resolve;
  }

  configure(): void {
    const config = this.#config;
    if (!Object.hasOwn(config, "version")) {
      throw new ValueError("dictionary doesn't specify a version");
    }
    const version = this.#get(config, "version", "version");
    if (version !== 1) throw new ValueError(`Unsupported version: ${pyStr(version)}`);
    if (truthy(this.#get(config, "incremental", "incremental"))) this.#incremental();
    else this.#replace();
  }

  /** `incremental: true`: handler levels, logger levels and `propagate`, nothing else. */
  #incremental(): void {
    const changes: (() => void)[] = [];
    const handlers = this.#section("handlers");
    for (const name of Object.keys(handlers)) {
      const handler = getHandlerByName(name);
      if (handler === null) throw new ValueError(`No handler found with name ${pyRepr(name)}`);
      try {
        const entry = this.#entry(handlers, name, `handlers.${name}`);
        const level = this.#get(entry, "level", `handlers.${name}.level`);
        if (truthy(level)) {
          const n = checkLevel(level as Level);
          changes.push(() => handler.setLevel(n));
        }
      } catch (error) {
        throw new ValueError(`Unable to configure handler ${pyRepr(name)}`, { cause: error });
      }
    }
    const { plans, rootPlan } = this.#planLoggers(true);
    for (const change of changes) change();
    for (const plan of plans) applyLogger(plan, true, false);
    if (rootPlan !== null) applyLogger(rootPlan, true, true);
  }

  /** A full configuration: build everything, then replace the handlers and configure loggers. */
  #replace(): void {
    const config = this.#config;
    const disableExisting = Object.hasOwn(config, "disable_existing_loggers")
      ? truthy(this.#get(config, "disable_existing_loggers", "disable_existing_loggers"))
      : true;
    const before = new Set(handlersInUse());
    let plans: LoggerPlan[];
    let rootPlan: LoggerPlan | null;
    let existing: string[];
    try {
      this.#buildSection(
        "formatter",
        this.#formatters,
        (section, name, path) => this.#configureFormatter(section, name, path),
      );
      this.#buildSection(
        "filter",
        this.#filters,
        (section, name, path) => this.#configureFilter(section, name, path),
      );
      this.#buildHandlers();
      // Python: the loggers that exist once the handlers are made, sorted.
      existing = [...root.manager.loggerDict.keys()].sort(compareCodePoints);
      ({ plans, rootPlan } = this.#planLoggers(false));
    } catch (error) {
      for (const handler of this.#created.reverse()) {
        if (!before.has(handler)) closeQuietly(handler);
      }
      throw error;
    }
    // Nothing below can fail: the configuration is applied as a whole.
    const made = new Set(this.#handlers.values());
    for (const handler of new Set([...before, ...handlersInUse()])) {
      if (!made.has(handler) && handler !== lastResort) closeQuietly(handler);
    }
    clearHandlerNames();
    for (const [name, handler] of this.#handlers) handler.name = name;
    configured = [...made].map((h) => new WeakRef(h));
    // Python's rule: the loggers below a configured one are reset, not disabled.
    const children = new Set<string>();
    for (const plan of plans) {
      const name = plan.key;
      const i = existing.indexOf(name);
      if (i >= 0) {
        const prefix = name + ".";
        for (let j = i + 1; j < existing.length; j++) {
          if (existing[j].startsWith(prefix)) children.add(existing[j]);
        }
        existing.splice(i, 1);
      }
      applyLogger(plan, false, false);
    }
    handleExistingLoggers(existing, children, disableExisting);
    if (rootPlan !== null) applyLogger(rootPlan, false, true);
  }

  /** Every logger entry and the root's, checked and resolved, in the configuration's order. */
  #planLoggers(incremental: boolean): { plans: LoggerPlan[]; rootPlan: LoggerPlan | null } {
    const plans: LoggerPlan[] = [];
    const loggers = this.#section("loggers");
    for (const name of Object.keys(loggers)) {
      try {
        plans.push(this.#planLogger(loggers, name, `loggers.${name}`, incremental, false));
      } catch (error) {
        throw new ValueError(`Unable to configure logger ${pyRepr(name)}`, { cause: error });
      }
    }
    let rootPlan: LoggerPlan | null = null;
    if (truthy(this.#get(this.#config, "root", "root"))) {
      try {
        rootPlan = this.#planLogger(this.#config, "root", "root", incremental, true);
      } catch (error) {
        throw new ValueError("Unable to configure root logger", { cause: error });
      }
    }
    return { plans, rootPlan };
  }

  /** The `formatters` or `filters` section, each entry made into `made` by `configure`. */
  #buildSection(
    kind: "formatter" | "filter",
    made: Map<string, unknown>,
    configure: (section: Dict, name: string, path: string) => unknown,
  ): void {
    const section = this.#section(`${kind}s`);
    this.#built.set(section, made);
    for (const name of Object.keys(section)) {
      try {
        made.set(name, configure(section, name, `${kind}s.${name}`));
      } catch (error) {
        throw new ValueError(`Unable to configure ${kind} ${pyRepr(name)}`, { cause: error });
      }
    }
  }

  /**
   * Python's order: sorted ids; a handler that needs one not made yet (a `MemoryHandler`'s
   * `target`, a `QueueHandler`'s `handlers`) is deferred. Unlike CPython's single second pass,
   * the deferred ones are retried while any of them succeeds, so chains of any length work.
   */
  #buildHandlers(): void {
    const section = this.#section("handlers");
    this.#built.set(section, this.#handlers);
    let pending = Object.keys(section).sort(compareCodePoints);
    let final = false;
    while (pending.length > 0) {
      const deferred: string[] = [];
      for (const name of pending) {
        try {
          this.#handlers.set(name, this.#configureHandler(section, name, `handlers.${name}`));
        } catch (error) {
          const cause = error instanceof Error ? error.cause : undefined;
          if (!final && cause instanceof Error && cause.message.includes(" not configured yet")) {
            deferred.push(name);
          } else {
            throw new ValueError(`Unable to configure handler ${pyRepr(name)}`, { cause: error });
          }
        }
      }
      final = deferred.length === pending.length;
      pending = deferred;
    }
  }

  #configureFormatter(section: Dict, name: string, path: string): unknown {
    const entry = this.#entry(section, name, path);
    let result: unknown;
    if (Object.hasOwn(entry, "()")) {
      try {
        result = this.#configureCustom(entry, path);
      } catch (error) {
        if (!(error instanceof TypeError) || !error.message.includes("'format'")) throw error;
        if (!Object.hasOwn(entry, "format")) throw error;
        // Formatter and its subclasses take `fmt`, not `format`: CPython retries with it.
        const retry: Dict = {};
        for (const key of Object.keys(entry)) {
          setOwn(retry, key === "format" ? "fmt" : key, entry[key]);
        }
        result = this.#configureCustom(retry, path);
      }
    } else {
      const fmt = this.#get(entry, "format", `${path}.format`) ?? null;
      const datefmt = this.#get(entry, "datefmt", `${path}.datefmt`) ?? null;
      const style = this.#get(entry, "style", `${path}.style`) ?? "%";
      const cname = this.#get(entry, "class", `${path}.class`);
      const defaults = this.#get(entry, "defaults", `${path}.defaults`);
      const klass = truthy(cname) ? this.#callable(cname, `${path}.class`) : Formatter;
      const options: Dict = { datefmt, style };
      if (defaults !== undefined && defaults !== null) {
        options.defaults = this.#deep(defaults, `${path}.defaults`);
      }
      if (Object.hasOwn(entry, "validate")) {
        options.validate = this.#get(entry, "validate", `${path}.validate`);
      }
      result = call(klass, [fmt, options]);
      this.#setProperties(result, entry, path);
    }
    const format = isObject(result) ? (result as { format?: unknown }).format : undefined;
    if (typeof format !== "function") {
      throw new TypeError(
        `${path} made ${describeValue(result)}, which is not a formatter (it has no ` +
          `format(record) method)`,
      );
    }
    return result;
  }

  #configureFilter(section: Dict, name: string, path: string): unknown {
    const entry = this.#entry(section, name, path);
    let result: unknown;
    if (Object.hasOwn(entry, "()")) {
      result = this.#configureCustom(entry, path);
    } else {
      result = new Filter((this.#get(entry, "name", `${path}.name`) ?? "") as string);
      this.#setProperties(result, entry, path);
    }
    if (!isFilterLike(result)) {
      throw new TypeError(
        `${path} made ${describeValue(result)}, which is not a filter (neither a function ` +
          `nor an object with a filter(record) method)`,
      );
    }
    return result;
  }

  #configureHandler(section: Dict, name: string, path: string): Handler {
    const entry = this.#entry(section, name, path);
    const formatterName = this.#get(entry, "formatter", `${path}.formatter`);
    let formatter: unknown = null;
    if (truthy(formatterName)) {
      formatter = this.#builtEntry(formatterName, this.#formatters);
      if (formatter === undefined) {
        throw new ValueError(`Unable to set formatter ${reprOf(formatterName)}`, {
          cause: new KeyError(reprOf(formatterName)),
        });
      }
    }
    const level = this.#get(entry, "level", `${path}.level`);
    const filters = this.#get(entry, "filters", `${path}.filters`);
    const special: Dict = {};
    let factory: ConfigCallable;
    let queueClass = false;
    if (Object.hasOwn(entry, "()")) {
      factory = this.#callable(this.#get(entry, "()", `${path}.()`), `${path}.()`);
    } else {
      const cname = this.#get(entry, "class", `${path}.class`);
      if (cname === undefined || cname === null) {
        throw new KeyError(
          `'class' (${path} needs 'class', the handler's class, or '()', a factory)`,
        );
      }
      factory = this.#callable(cname, `${path}.class`);
      if (extendsClass(factory, MemoryHandler)) this.#memoryArguments(entry, path, special);
      else if (extendsClass(factory, QueueHandler)) {
        queueClass = true;
        this.#queueArguments(entry, path, special);
      }
    }
    const kwargs: Dict = {};
    for (const key of Object.keys(entry)) {
      if (HANDLER_KEYS.has(key)) continue;
      if (!IDENTIFIER.test(key)) {
        throw new ValueError(`Not a valid Python identifier: ${pyRepr(key)}`);
      }
      setOwn(
        kwargs,
        key,
        Object.hasOwn(special, key) ? special[key] : this.#deep(entry[key], `${path}.${key}`),
      );
    }
    const result = queueClass
      ? this.#makeQueueHandler(factory, kwargs, path)
      : construct(factory, kwargs);
    if (!(result instanceof Handler)) {
      throw new TypeError(
        `${path} made ${describeValue(result)}, which is not a Handler (a handler class ` +
          `extends Handler)`,
      );
    }
    this.#created.push(result);
    if (formatter !== null) result.setFormatter(formatter as Formatter);
    if (level !== undefined && level !== null) result.setLevel(checkLevel(level as Level));
    if (truthy(filters)) {
      for (const f of this.#filtersOf(filters, `${path}.filters`)) result.addFilter(f);
    }
    this.#setProperties(result, entry, path);
    return result;
  }

  /** A `MemoryHandler` class: `flushLevel` as a level, `target` as a handler id. */
  #memoryArguments(entry: Dict, path: string, special: Dict): void {
    if (Object.hasOwn(entry, "flushLevel")) {
      special.flushLevel = checkLevel(
        this.#get(entry, "flushLevel", `${path}.flushLevel`) as Level,
      );
    }
    if (Object.hasOwn(entry, "target")) {
      const target = this.#get(entry, "target", `${path}.target`);
      try {
        special.target = this.#requiredHandler(target, "target not configured yet");
      } catch (error) {
        throw new ValueError(`Unable to set target handler ${reprOf(target)}`, { cause: error });
      }
    }
  }

  /** A `QueueHandler` class: its `queue`, `listener` and `handlers` (Python 3.12). */
  #queueArguments(entry: Dict, path: string, special: Dict): void {
    if (Object.hasOwn(entry, "queue")) {
      const spec = this.#get(entry, "queue", `${path}.queue`);
      const invalid = () => new TypeError(`Invalid queue specifier ${reprOf(spec)}`);
      if (typeof spec === "string" || typeof spec === "function") {
        // A dotted name, or (unlike CPython, which takes a class for a queue) a class or
        // function from ext://: called without arguments.
        const q = typeof spec === "string" ? this.#resolveName(spec, `${path}.queue`) : spec;
        if (typeof q !== "function") throw invalid();
        const queue = construct(q as ConfigCallable, {});
        if (!isQueueLike(queue)) {
          throw new TypeError(
            `Invalid queue specifier ${reprOf(spec)}: it made ${describeValue(queue)}, which ` +
              `has no put_nowait method`,
          );
        }
        special.queue = queue;
      } else if (isQueueLike(spec)) {
        special.queue = spec;
      } else if (isDict(spec) && Object.hasOwn(spec, "()")) {
        special.queue = this.#configureCustom(spec, `${path}.queue`);
      } else {
        throw invalid();
      }
    }
    if (Object.hasOwn(entry, "listener")) {
      const spec = this.#get(entry, "listener", `${path}.listener`);
      const invalid = () => new TypeError(`Invalid listener specifier ${reprOf(spec)}`);
      let listener: unknown;
      if (typeof spec === "function") {
        if (isClass(spec) && !extendsClass(spec, QueueListener)) throw invalid();
        listener = spec;
      } else if (typeof spec === "string") {
        listener = this.#resolveName(spec, `${path}.listener`);
        if (typeof listener === "function" && isClass(listener)) {
          if (!extendsClass(listener, QueueListener)) throw invalid();
        }
      } else if (isDict(spec)) {
        if (!Object.hasOwn(spec, "()")) throw invalid();
        listener = this.#configureCustom(spec, `${path}.listener`);
      } else {
        throw invalid();
      }
      if (typeof listener !== "function") throw invalid();
      special.listener = listener;
    }
    if (Object.hasOwn(entry, "handlers")) {
      const names = this.#get(entry, "handlers", `${path}.handlers`);
      const list: Handler[] = [];
      for (const hn of iterable(names, `${path}.handlers`)) {
        try {
          list.push(
            this.#requiredHandler(hn, `Required handler ${reprOf(hn)} is not configured yet`),
          );
        } catch (error) {
          throw new ValueError(`Unable to set required handler ${reprOf(hn)}`, { cause: error });
        }
      }
      special.handlers = list;
    }
  }

  /** The handler with id `name`, made already: a `KeyError` if there is none, else `notYet`. */
  #requiredHandler(name: unknown, notYet: string): Handler {
    const section = this.#section("handlers");
    if (typeof name !== "string" || !Object.hasOwn(section, name)) {
      throw new KeyError(reprOf(name));
    }
    const handler = this.#handlers.get(name);
    if (handler === undefined) throw new TypeError(notYet);
    return handler;
  }

  /**
   * Python's `_configure_queue_handler`: the queue (an unbounded `AsyncQueue` by default), the
   * listener over it with the named handlers (not started), then the handler.
   */
  #makeQueueHandler(klass: ConfigCallable, kwargs: Dict, path: string): unknown {
    const rest: Dict = {};
    for (const key of Object.keys(kwargs)) {
      if (!QUEUE_KEYS.has(key)) setOwn(rest, key, kwargs[key]);
    }
    const queue = kwargs.queue !== undefined ? kwargs.queue : new AsyncQueue();
    let listener: unknown = null;
    // A queue that cannot be read here (a WorkerQueue: the worker reads it) needs no listener.
    const readable = typeof (queue as { get?: unknown }).get === "function";
    if (readable || kwargs.listener !== undefined || kwargs.handlers !== undefined) {
      listener = construct((kwargs.listener ?? QueueListener) as ConfigCallable, {
        queue,
        handlers: kwargs.handlers ?? [],
        respect_handler_level: kwargs.respect_handler_level ?? false,
      });
      if (!(listener instanceof QueueListener)) {
        throw new TypeError(
          `${path}.listener made ${describeValue(listener)}, which is not a QueueListener`,
        );
      }
    }
    setOwn(rest, "queue", queue);
    const handler = construct(klass, rest);
    if (handler instanceof QueueHandler) handler.listener = listener as QueueListener | null;
    return handler;
  }

  /** Python's `configure_custom`: the `()` factory called with the other keys, then `.`. */
  #configureCustom(entry: Dict, path: string): unknown {
    const factory = this.#callable(this.#get(entry, "()", `${path}.()`), `${path}.()`);
    const kwargs: Dict = {};
    for (const key of Object.keys(entry)) {
      if (key === "()" || key === ".") continue;
      if (!IDENTIFIER.test(key)) {
        throw new ValueError(`Not a valid Python identifier: ${pyRepr(key)}`);
      }
      setOwn(kwargs, key, this.#deep(entry[key], `${path}.${key}`));
    }
    const result = construct(factory, kwargs);
    this.#setProperties(result, entry, path);
    return result;
  }

  /** The `.` entry: properties set on the object made (Python's names or their camelCase). */
  #setProperties(target: unknown, entry: Dict, path: string): void {
    const props = this.#get(entry, ".", `${path}[.]`);
    if (!truthy(props)) return;
    if (!isDict(props) || !isObject(target)) {
      throw new TypeError(
        `${path}[.] must be a dictionary of properties: current value is ${describeValue(props)}`,
      );
    }
    const object = target as Dict;
    for (const key of Object.keys(props)) {
      if (key === "__proto__") {
        throw new TypeError(`${path}[.] cannot set '__proto__'`);
      }
      const camel = key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const name = !(key in object) && camel !== key && camel in object ? camel : key;
      object[name] = this.#deep(props[key], `${path}[.].${key}`);
    }
  }

  /** A logger entry checked and resolved, for {@linkcode applyLogger}. */
  #planLogger(
    section: Dict,
    name: string,
    path: string,
    incremental: boolean,
    isRoot: boolean,
  ): LoggerPlan {
    const entry = this.#entry(section, name, path);
    const plan: LoggerPlan = {
      key: name,
      logger: isRoot ? root : getLogger(name),
      handlers: [],
      filters: [],
    };
    const level = this.#get(entry, "level", `${path}.level`);
    if (level !== undefined && level !== null) plan.level = checkLevel(level as Level);
    if (!incremental) {
      const handlers = this.#get(entry, "handlers", `${path}.handlers`);
      if (truthy(handlers)) {
        for (const h of iterable(handlers, `${path}.handlers`)) {
          const handler = this.#builtEntry(h, this.#handlers);
          if (!(handler instanceof Handler)) {
            throw new ValueError(`Unable to add handler ${reprOf(h)}`, {
              cause: new KeyError(reprOf(h)),
            });
          }
          plan.handlers.push(handler);
        }
      }
      const filters = this.#get(entry, "filters", `${path}.filters`);
      if (truthy(filters)) plan.filters = this.#filtersOf(filters, `${path}.filters`);
    }
    if (!isRoot) {
      const propagate = this.#get(entry, "propagate", `${path}.propagate`);
      if (propagate !== undefined && propagate !== null) plan.propagate = truthy(propagate);
    }
    return plan;
  }

  /** Python's `add_filters`: a filter itself, or the id of one of `filters`. */
  #filtersOf(filters: unknown, path: string): FilterLike[] {
    const out: FilterLike[] = [];
    for (const f of iterable(filters, path)) {
      if (isFilterLike(f)) {
        out.push(f);
        continue;
      }
      const filter = this.#builtEntry(f, this.#filters);
      if (filter === undefined) {
        throw new ValueError(`Unable to add filter ${reprOf(f)}`, {
          cause: new KeyError(reprOf(f)),
        });
      }
      out.push(filter as FilterLike);
    }
    return out;
  }

  /** What `section[name]` was made into, when `name` is an id of it. */
  #builtEntry(name: unknown, built: Map<string, unknown>): unknown {
    if (typeof name !== "string") return undefined;
    return built.get(name);
  }

  /** A section: a dictionary of entries by id (empty when absent). */
  #section(name: string): Dict {
    const value = this.#get(this.#config, name, name);
    if (value === undefined || value === null) return {};
    if (!isDict(value)) {
      throw new TypeError(
        `'${name}' must be a dictionary of entries by id: current value is ${describeValue(value)}`,
      );
    }
    return value;
  }

  /** An entry of a section: a dictionary, after `cfg://`. */
  #entry(section: Dict, name: string, path: string): Dict {
    const value = this.#get(section, name, path);
    if (!isDict(value)) {
      throw new TypeError(`${path} must be a dictionary: current value is ${describeValue(value)}`);
    }
    return value;
  }

  /** `dict[key]` converted (`cfg://`, `ext://`), or `undefined` when absent. */
  #get(dict: Dict, key: string, path: string): unknown {
    if (!Object.hasOwn(dict, key)) return undefined;
    return this.#convert(dict[key], path, 0);
  }

  /** Python's `convert`: `ext://` and `cfg://` strings become what they name. */
  #convert(value: unknown, path: string, depth: number): unknown {
    if (typeof value !== "string") return value;
    const m = CONVERT_PATTERN.exec(value);
    if (m === null) return value;
    if (m[1] === "ext") return this.#resolveName(m[2], path);
    if (m[1] === "cfg") return this.#cfg(m[2], path, depth);
    return value;
  }

  /** A value converted, and its lists and dictionaries copied with their values converted. */
  #deep(value: unknown, path: string, depth = 0): unknown {
    if (depth > MAX_DEPTH) {
      throw new TypeError(`${path} is nested more than ${MAX_DEPTH} levels deep (a cycle?)`);
    }
    const v = this.#convert(value, path, 0);
    if (Array.isArray(v)) return v.map((x, i) => this.#deep(x, `${path}[${i}]`, depth + 1));
    if (isDict(v)) {
      const out: Dict = {};
      for (const key of Object.keys(v)) {
        setOwn(out, key, this.#deep(v[key], `${path}.${key}`, depth + 1));
      }
      return out;
    }
    return v;
  }

  /** Python's `cfg_convert`: `handlers.email[toaddrs][0]` looked up in the configuration. */
  #cfg(value: string, path: string, depth: number): unknown {
    if (depth > MAX_DEPTH) {
      throw new ValueError(`Unable to convert ${pyRepr(value)}: cfg:// references form a loop`);
    }
    let rest = value;
    let m: RegExpExecArray | null = WORD_PATTERN.exec(rest);
    if (m === null) throw new ValueError(`Unable to convert ${pyRepr(value)}`);
    rest = rest.slice(m[0].length);
    let d = this.#item(this.#config, m[1], path, depth);
    while (rest) {
      m = DOT_PATTERN.exec(rest);
      if (m !== null) {
        d = this.#item(d, m[1], path, depth);
      } else {
        m = INDEX_PATTERN.exec(rest);
        if (m !== null) {
          const index = m[1];
          d = DIGIT_PATTERN.test(index) && Array.isArray(d)
            ? this.#item(d, Number(index), path, depth)
            : this.#item(d, index, path, depth);
        }
      }
      if (m === null) {
        throw new ValueError(`Unable to convert ${pyRepr(value)} at ${pyRepr(rest)}`);
      }
      rest = rest.slice(m[0].length);
    }
    return d;
  }

  /** `container[key]` for `cfg://`, converted; a built section entry gives the object made. */
  #item(container: unknown, key: string | number, path: string, depth: number): unknown {
    if (Array.isArray(container)) {
      if (typeof key === "string") {
        throw new TypeError("list indices must be integers or slices, not str");
      }
      if (key >= container.length) throw new IndexError("list index out of range");
      return this.#convert(container[key], path, depth + 1);
    }
    if (isDict(container)) {
      const name = String(key);
      const built = this.#built.get(container)?.get(name);
      if (built !== undefined) return built;
      if (!Object.hasOwn(container, name)) throw new KeyError(pyRepr(name));
      return this.#convert(container[name], path, depth + 1);
    }
    throw new TypeError(`'${pyTypeName(container)}' object is not subscriptable`);
  }

  /** A class or function: given as one, or a dotted name that resolves to one. */
  #callable(spec: unknown, path: string): ConfigCallable {
    if (typeof spec === "function") return spec as ConfigCallable;
    if (typeof spec !== "string") {
      throw new TypeError(
        `${path} must be a class, a function or a dotted name: current value is ` +
          describeValue(spec),
      );
    }
    const value = this.#resolveName(spec, path);
    if (typeof value !== "function") {
      throw new TypeError(
        `${path}: ${pyRepr(spec)} is ${describeValue(value)}, not a class or a function`,
      );
    }
    return value as ConfigCallable;
  }

  /**
   * Python's `resolve` of a dotted name: `options.resolve`, then the library's values and
   * classes; a name not found whole is looked for as a known prefix followed by properties.
   */
  #resolveName(name: string, path: string): unknown {
    const whole = this.#lookup(name);
    if (whole.found) return whole.value;
    const parts = name.split(".");
    for (let i = parts.length - 1; i >= 1; i--) {
      const base = this.#lookup(parts.slice(0, i).join("."));
      if (!base.found) continue;
      let value = base.value;
      let ok = true;
      for (const part of parts.slice(i)) {
        const next = property(value, part);
        if (!next.found) {
          ok = false;
          break;
        }
        value = next.value;
      }
      if (ok) return value;
      break;
    }
    const known = [
      ...Object.keys(this.#resolve),
      ...Object.keys(KNOWN_CLASSES),
      ...Object.keys(EXTERNAL_VALUES),
    ];
    const hint = closestName(name, known);
    throw new ValueError(
      `Cannot resolve ${pyRepr(name)} at ${path}: not a name this library knows` +
        (hint !== null ? ` (did you mean '${hint}'?)` : "") +
        `. Give its value in dictConfig's options: { resolve: { ${
          JSON.stringify(name)
        }: ... } }. ` +
        `Known names: ${[...new Set(known)].sort().join(", ")}`,
    );
  }

  #lookup(name: string): { found: boolean; value?: unknown } {
    if (Object.hasOwn(this.#resolve, name)) return { found: true, value: this.#resolve[name] };
    if (Object.hasOwn(EXTERNAL_VALUES, name)) return { found: true, value: EXTERNAL_VALUES[name] };
    if (Object.hasOwn(KNOWN_CLASSES, name)) return { found: true, value: KNOWN_CLASSES[name].ctor };
    return { found: false };
  }
}

/** The keys of a handler entry that are not keyword arguments. */
export const HANDLER_KEYS: ReadonlySet<string> = new Set([
  "formatter",
  "level",
  "filters",
  "()",
  "class",
  ".",
]);
/** The keys of a `QueueHandler` entry that configure its listener. */
export const QUEUE_KEYS: ReadonlySet<string> = new Set([
  "queue",
  "listener",
  "handlers",
  "respect_handler_level",
]);

/** A logger entry applied (Python's `configure_logger` and `configure_root`). */
function applyLogger(plan: LoggerPlan, incremental: boolean, isRoot: boolean): void {
  const logger = plan.logger;
  if (plan.level !== undefined) logger.setLevel(plan.level);
  if (!incremental) {
    for (const h of [...logger.handlers]) logger.removeHandler(h);
    for (const h of plan.handlers) logger.addHandler(h);
    for (const f of plan.filters) logger.addFilter(f);
  }
  if (!isRoot) {
    logger.disabled = false;
    if (plan.propagate !== undefined) logger.propagate = plan.propagate;
  }
}

/**
 * Python's `_handle_existing_loggers`: the loggers the configuration does not name are
 * disabled (or enabled again with `disable_existing_loggers: false`), except the children of
 * named ones, which are reset: level `NOTSET`, no handlers, `propagate` on.
 */
function handleExistingLoggers(
  existing: readonly string[],
  children: ReadonlySet<string>,
  disable: boolean,
): void {
  const dict = root.manager.loggerDict;
  for (const name of existing) {
    const logger = dict.get(name);
    if (!(logger instanceof Logger)) continue;
    if (children.has(name)) {
      logger.setLevel(0);
      for (const h of [...logger.handlers]) logger.removeHandler(h);
      logger.propagate = true;
    } else {
      logger.disabled = disable;
    }
  }
}

/**
 * The handlers a new configuration replaces (Python closes every handler it knows): those of
 * the logger tree, the named ones, those earlier calls made, and the handlers they hand records
 * to; a handler comes before the ones it hands records to, so that closing it flushes into them.
 */
function handlersInUse(): Handler[] {
  const seen = new Set<Handler>();
  const order: Handler[] = [];
  const visit = (h: unknown): void => {
    if (!(h instanceof Handler) || seen.has(h) || h.closed) return;
    seen.add(h);
    if (h instanceof MemoryHandler) visit(h.target);
    if (h instanceof QueueHandler && h.listener !== null) {
      for (const x of h.listener.handlers) visit(x);
    }
    order.push(h);
  };
  for (const h of root.handlers) visit(h);
  for (const logger of root.manager.loggerDict.values()) {
    if (logger instanceof Logger) { for (const h of logger.handlers) visit(h); }
  }
  for (const name of getHandlerNames()) visit(getHandlerByName(name));
  for (const ref of configured) visit(ref.deref());
  return order.reverse();
}

/** Closes `handler` without waiting; a failure goes to its `handleError`. */
function closeQuietly(handler: Handler): void {
  try {
    const closing: unknown = handler.close();
    if (closing instanceof Promise) closing.catch((error) => handler.handleError(null, error));
  } catch (error) {
    handler.handleError(null, error);
  }
}

/**
 * Calls a class or function with Python's keyword arguments: a library class (or a subclass
 * without a constructor of its own) through its Python signature, anything else with the
 * arguments as one object (or none when there are none).
 */
function construct(factory: ConfigCallable, kwargs: Dict): unknown {
  const known = signatureOf(factory);
  if (known !== null) return buildKnown(known.name, known.known, factory, kwargs);
  return call(factory, Object.keys(kwargs).length === 0 ? [] : [kwargs]);
}

/** `new factory(...args)` for a class, `factory(...args)` for a function. */
function call(factory: ConfigCallable, args: unknown[]): unknown {
  return isClass(factory)
    ? Reflect.construct(factory, args)
    : Reflect.apply(factory, undefined, args);
}

/** A library class through its Python signature, with CPython's `TypeError`s. */
function buildKnown(
  dotted: string,
  known: KnownClass,
  ctor: ConfigCallable,
  kwargs: Dict,
): unknown {
  const python = dotted.slice(dotted.lastIndexOf(".") + 1);
  const params = known.params.filter((p) => p !== "*").map((p) => p.replace(/^\*/, ""));
  // Beyond Python's signature, the library's own options of the class (`compress`,
  // `bufferSize`, `sendRate`, ...) go to its options object.
  const rules = (ctor as { optionRules?: unknown }).optionRules;
  const ownOptions = typeof rules === "object" && rules !== null ? Object.keys(rules) : [];
  const extra: Dict = {};
  for (const key of Object.keys(kwargs)) {
    if (params.includes(key)) continue;
    if (ownOptions.includes(key)) {
      extra[key] = kwargs[key];
      continue;
    }
    const hint = closestName(key, [...params, ...ownOptions]);
    const own = ctor !== known.ctor
      ? ` (${ctor.name} extends ${python} without a constructor of its own, so it takes ` +
        `${python}'s arguments; a constructor of its own gets the arguments as one object)`
      : "";
    throw new TypeError(
      `${python}.__init__() got an unexpected keyword argument '${key}'` +
        (hint !== null ? `. Did you mean '${hint}'?` : "") + own,
    );
  }
  const missing = known.required.filter((p) => !Object.hasOwn(kwargs, p));
  if (missing.length > 0) {
    const names = missing.map((p) => `'${p}'`);
    const list = names.length === 1
      ? names[0]
      : names.length === 2
      ? `${names[0]} and ${names[1]}`
      : `${names.slice(0, -1).join(", ")}, and ${names[names.length - 1]}`;
    throw new TypeError(
      `${python}.__init__() missing ${missing.length} required positional ` +
        `argument${missing.length === 1 ? "" : "s"}: ${list}`,
    );
  }
  const pythonArgs: Dict = {};
  for (const key of Object.keys(kwargs)) {
    if (!Object.hasOwn(extra, key)) pythonArgs[key] = kwargs[key];
  }
  return known.build(pythonArgs, ctor as AnyConstructor, extra);
}

/**
 * The library class whose Python signature `factory` takes: itself when it is one, else that
 * of the nearest ancestor with a constructor, when the ancestor is a library class.
 */
function signatureOf(
  factory: ConfigCallable,
): { name: string; known: KnownClass } | null {
  // deno-lint-ignore ban-types -- walking the constructors of a class chain
  let c: Function | null = factory;
  for (let depth = 0; c !== null && depth < 64; depth++) {
    const known = KNOWN_CONSTRUCTORS.get(c as AnyConstructor);
    if (known !== undefined) return known;
    if (!isClass(c) || declaresConstructor(c)) return null;
    const parent: unknown = Object.getPrototypeOf(c);
    c = typeof parent === "function" && parent !== Function.prototype ? parent : null;
  }
  return null;
}

/** Whether `f` is a class: `class` syntax, a library class, or a native constructor. */
// deno-lint-ignore ban-types -- any function
function isClass(f: Function): boolean {
  if (KNOWN_CONSTRUCTORS.has(f as AnyConstructor)) return true;
  let source: string;
  try {
    source = Function.prototype.toString.call(f);
  } catch {
    return false;
  }
  if (/^class\b/.test(source)) return true;
  return /\{\s*\[native code\]\s*\}$/.test(source) && typeof f.prototype === "object" &&
    f.prototype !== null;
}

/**
 * Whether a class declares a constructor of its own (else it inherits its parent's): any
 * required parameter says so; otherwise its source is scanned for a `constructor(` member.
 */
// deno-lint-ignore ban-types -- any class
function declaresConstructor(c: Function): boolean {
  if (c.length > 0) return true;
  let source: string;
  try {
    source = Function.prototype.toString.call(c);
  } catch {
    return true;
  }
  if (!/^class\b/.test(source)) return true;
  return hasConstructorMember(source);
}

/**
 * A constructor that only passes its arguments on, `constructor(...args) { super(...args); ...`:
 * what compilers write for a class with fields (TypeScript without `useDefineForClassFields`).
 */
const FORWARDING_CONSTRUCTOR = /^\(\s*\.\.\.([\w$]+)\s*\)\s*\{\s*super\(\s*\.\.\.\1\s*\)/;

/**
 * Scans a class's source for a `constructor(` at the top level of its body, skipping strings,
 * template literals and comments; one that only forwards its arguments to `super` does not count.
 */
function hasConstructorMember(source: string): boolean {
  let depth = 0;
  let i = 0;
  const n = source.length;
  while (i < n) {
    const c = source[i];
    if (c === "/" && source[i + 1] === "/") {
      const end = source.indexOf("\n", i);
      i = end < 0 ? n : end;
      continue;
    }
    if (c === "/" && source[i + 1] === "*") {
      const end = source.indexOf("*/", i + 2);
      i = end < 0 ? n : end + 2;
      continue;
    }
    if (c === '"' || c === "'" || c === "`") {
      i = skipString(source, i);
      continue;
    }
    if (c === "{") depth++;
    else if (c === "}") depth--;
    else if (
      depth === 1 && c === "c" && source.startsWith("constructor", i) &&
      !/[\w$.#]/.test(source[i - 1] ?? "") && !/^static\s+$/.test(source.slice(i - 7, i))
    ) {
      let j = i + "constructor".length;
      while (j < n && /\s/.test(source[j])) j++;
      if (source[j] === "(") return !FORWARDING_CONSTRUCTOR.test(source.slice(j, j + 200));
    }
    i++;
  }
  return false;
}

/** The index after the string or template literal that starts at `i`. */
function skipString(source: string, i: number): number {
  const quote = source[i];
  let j = i + 1;
  while (j < source.length) {
    const c = source[j];
    if (c === "\\") {
      j += 2;
      continue;
    }
    if (c === quote) return j + 1;
    if (quote === "`" && c === "$" && source[j + 1] === "{") {
      let depth = 1;
      j += 2;
      while (j < source.length && depth > 0) {
        const d = source[j];
        if (d === "'" || d === '"' || d === "`") {
          j = skipString(source, j);
          continue;
        }
        if (d === "{") depth++;
        else if (d === "}") depth--;
        j++;
      }
      continue;
    }
    j++;
  }
  return j;
}

/** Whether `c` is `base` or a class that extends it. */
// deno-lint-ignore ban-types -- any class
function extendsClass(c: unknown, base: Function): boolean {
  try {
    return c === base ||
      (typeof c === "function" && (c as { prototype?: unknown }).prototype instanceof base);
  } catch {
    return false;
  }
}

/** `value.name` for a dotted name, own properties of it or of its ancestors only. */
function property(value: unknown, name: string): { found: boolean; value?: unknown } {
  if (UNSAFE_NAMES.has(name)) return { found: false };
  for (
    let o: unknown = value;
    (typeof o === "object" || typeof o === "function") && o !== null &&
    o !== Object.prototype && o !== Function.prototype;
    o = Object.getPrototypeOf(o)
  ) {
    if (Object.hasOwn(o, name)) return { found: true, value: (value as Dict)[name] };
  }
  return { found: false };
}

/** Python's truth value: empty lists and dictionaries, `0`, `""` and `None` are false. */
function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0) return false;
  if (value === "" || value === 0n) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isDict(value)) return Object.keys(value).length > 0;
  return true;
}

/** A plain object (a JSON object, an object literal): Python's `dict`. */
function isDict(value: unknown): value is Dict {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isObject(value: unknown): boolean {
  return (typeof value === "object" && value !== null) || typeof value === "function";
}

/** A filter: a function of the record, or an object with a `filter` method. */
function isFilterLike(value: unknown): value is FilterLike {
  return typeof value === "function" ||
    (isObject(value) && typeof (value as { filter?: unknown }).filter === "function");
}

/** What a `QueueHandler` can put records on. */
function isQueueLike(value: unknown): boolean {
  return isObject(value) && typeof (value as { put_nowait?: unknown }).put_nowait === "function";
}

/** A list of names: an array (Python would iterate a string's characters). */
function iterable(value: unknown, path: string): readonly unknown[] {
  if (Array.isArray(value)) return value;
  throw new TypeError(`${path} must be a list: current value is ${describeValue(value)}`);
}

/** Python's `%r` of a name, or a description of anything else. */
function reprOf(value: unknown): string {
  return typeof value === "string" || typeof value === "number"
    ? pyRepr(value)
    : describeValue(value);
}

/** Sets an own property, even one called `__proto__`. */
function setOwn(object: Dict, key: string, value: unknown): void {
  Object.defineProperty(object, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** Python's string order: by code point (JavaScript's default sorts UTF-16 code units). */
function compareCodePoints(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  for (let i = 0; i < x.length && i < y.length; i++) {
    if (x[i] !== y[i]) return x[i].codePointAt(0)! - y[i].codePointAt(0)!;
  }
  return x.length - y.length;
}

// The types this module's API refers to, so that it documents itself alone.
export type { FilterLike, FilterResult } from "../core/filter.ts";
export type { FormatStyle } from "../core/formatter.ts";
export type { Level, LevelName } from "../core/levels.ts";
export type { LogArgs, LogRecord } from "../core/record.ts";
