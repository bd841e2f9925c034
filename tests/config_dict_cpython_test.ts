/**
 * CPython 3.13's `ConfigDictTest` (Lib/test/test_logging.py), translated: the same configuration
 * dictionaries, the same records, the same expected output. Each test is named after the
 * CPython test it translates. `ext://sys.stdout` is captured the way CPython's
 * `support.captured_stdout()` does it, by replacing what the name resolves to
 * (`options.resolve`); the classes and functions the configurations name as
 * `test.test_logging.X` are resolved through the same option.
 */

import { type DictConfig, dictConfig } from "../config/dict.ts";
import { Filter } from "../core/filter.ts";
import { Formatter } from "../core/formatter.ts";
import { getHandlerByName, getHandlerNames, Handler } from "../core/handler.ts";
import { ERROR } from "../core/levels.ts";
import { getLogger, root } from "../core/logger.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { ValueError } from "../core/text/errors.ts";
import { AsyncQueue } from "../core/io/queues.ts";
import { FileHandler } from "../handlers/file.ts";
import { MemoryHandler } from "../handlers/memory.ts";
import { QueueHandler, QueueListener } from "../handlers/queue.ts";
import { NullHandler, StreamHandler } from "../handlers/stream.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "./helpers/assert.ts";
import { CollectHandler } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";
import { CapturedStream, openFilesUnder, resetLogging } from "./helpers/logging_state.ts";

// ---------------------------------------------------------------------------------------------
// The module-level classes and functions of test_logging.py that the configurations name.

class RuntimeError extends Error {
  override name = "RuntimeError";
}

/** `ExceptionFormatter(logging.Formatter)`: a special exception formatter. */
class ExceptionFormatter extends Formatter {
  override formatException(ei: unknown): string {
    return `Got a [${(ei as Error).name}]`;
  }
}

/** Python's `formatFunc(format, datefmt=None)`, refusing other keywords as Python does. */
function formatFunc(kwargs: Record<string, unknown>): Formatter {
  for (const key of Object.keys(kwargs)) {
    if (key !== "format" && key !== "datefmt") {
      throw new TypeError(`formatFunc() got an unexpected keyword argument '${key}'`);
    }
  }
  return new Formatter(kwargs.format as string, { datefmt: kwargs.datefmt as string | undefined });
}

/** `myCustomFormatter`: a class that is not a formatter. */
class myCustomFormatter {
  constructor(_fmt: unknown, _datefmt: unknown = null) {}
}

function handlerFunc(): StreamHandler {
  return new StreamHandler();
}

class CustomHandler extends StreamHandler {}

class CustomListener extends QueueListener {}

class CustomQueue extends AsyncQueue<LogRecord | null> {}

/** `CustomQueueProtocol`: not a queue.Queue, but with its methods (through another queue). */
class CustomQueueProtocol {
  #queue: AsyncQueue<LogRecord | null>;
  constructor(kwargs: { maxsize?: number } = {}) {
    this.#queue = new AsyncQueue(kwargs.maxsize ?? 0);
  }
  put_nowait(item: LogRecord | null): void {
    this.#queue.put_nowait(item);
  }
  get(): Promise<LogRecord | null> {
    return this.#queue.get();
  }
  task_done(): void {
    this.#queue.task_done();
  }
  qsize(): number {
    return this.#queue.qsize();
  }
  empty(): boolean {
    return this.#queue.empty();
  }
}

/** `CustomQueueFakeProtocol`: passes the checks (methods with the wrong signatures). */
class CustomQueueFakeProtocol extends CustomQueueProtocol {
  override empty(_x?: unknown): boolean {
    return false;
  }
}

/** `CustomQueueWrongProtocol`: a method of the protocol is not callable (`put_nowait` here). */
class CustomQueueWrongProtocol extends CustomQueueProtocol {
  declare put_nowait: never;
  constructor() {
    super();
    Object.defineProperty(this, "put_nowait", { value: null });
  }
}

function queueMaker(): AsyncQueue<LogRecord | null> {
  return new AsyncQueue();
}

/** `listenerMaker(arg1, arg2, respect_handler_level=False)`: returns a listener factory. */
function listenerMaker(kwargs: { respect_handler_level?: boolean }) {
  return (
    a: {
      queue: AsyncQueue<LogRecord | null>;
      handlers: Handler[];
      respect_handler_level?: boolean;
    },
  ) =>
    new CustomListener(a.queue, a.handlers, {
      respectHandlerLevel: a.respect_handler_level ?? kwargs.respect_handler_level ?? false,
    });
}

/** `__name__` in test_logging.py. */
const MOD = "test.test_logging";
const testModule = {
  ExceptionFormatter,
  formatFunc,
  myCustomFormatter,
  handlerFunc,
  CustomHandler,
  CustomListener,
  CustomQueue,
  CustomQueueProtocol,
  queueMaker,
  listenerMaker,
};

// ---------------------------------------------------------------------------------------------
// The configurations of ConfigDictTest.

type Config = Record<string, unknown>;

const config0: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  root: { level: "WARNING", handlers: ["hand1"] },
};

const config1: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  loggers: { "compiler.parser": { level: "DEBUG", handlers: ["hand1"] } },
  root: { level: "WARNING" },
};

const config1a: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  loggers: { "compiler.parser": { level: "DEBUG" } },
  root: { level: "WARNING", handlers: ["hand1"] },
};

/** config1 with a change to its handler. */
function config1With(hand1: Config, root: Config = { level: "WARNING" }): Config {
  return {
    version: 1,
    formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
    handlers: {
      hand1: {
        class: "logging.StreamHandler",
        formatter: "form1",
        level: "NOTSET",
        stream: "ext://sys.stdout",
        ...hand1,
      },
    },
    loggers: { "compiler.parser": { level: "DEBUG", handlers: ["hand1"] } },
    root,
  };
}

const config2 = config1With({ stream: "ext://sys.stdbout" });
const config2a = config1With({ level: "NTOSET" });
const config2b = config1With({}, { level: "WRANING" });
const config3 = config1With({ formatter: "misspelled_name" });

const config4: Config = {
  version: 1,
  formatters: {
    form1: { "()": `${MOD}.ExceptionFormatter`, format: "%(levelname)s:%(name)s:%(message)s" },
  },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  root: { level: "NOTSET", handlers: ["hand1"] },
};

const config4a: Config = {
  version: 1,
  formatters: {
    form1: { "()": ExceptionFormatter, format: "%(levelname)s:%(name)s:%(message)s" },
    form2: { "()": `${MOD}.formatFunc`, format: "%(levelname)s:%(name)s:%(message)s" },
    form3: { "()": formatFunc, format: "%(levelname)s:%(name)s:%(message)s" },
  },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
    hand2: { "()": handlerFunc },
  },
  root: { level: "NOTSET", handlers: ["hand1"] },
};

const config5 = config1With({ class: `${MOD}.CustomHandler` });
const config6 = config1With({ class: `${MOD}.CustomHandler`, "9": "invalid parameter name" });

const config7: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  loggers: { "compiler.lexer": { level: "DEBUG", handlers: ["hand1"] } },
  root: { level: "WARNING" },
};

function config8With(disable: boolean): Config {
  return {
    version: 1,
    disable_existing_loggers: disable,
    formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
    handlers: {
      hand1: {
        class: "logging.StreamHandler",
        formatter: "form1",
        level: "NOTSET",
        stream: "ext://sys.stdout",
      },
    },
    loggers: {
      compiler: { level: "DEBUG", handlers: ["hand1"] },
      "compiler.lexer": {},
    },
    root: { level: "WARNING" },
  };
}
const config8 = config8With(false);
const config8a = config8With(true);

const config9: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "WARNING",
      stream: "ext://sys.stdout",
    },
  },
  loggers: { "compiler.parser": { level: "WARNING", handlers: ["hand1"] } },
  root: { level: "NOTSET" },
};

const config9a: Config = {
  version: 1,
  incremental: true,
  handlers: { hand1: { level: "WARNING" } },
  loggers: { "compiler.parser": { level: "INFO" } },
};

const config9b: Config = {
  version: 1,
  incremental: true,
  handlers: { hand1: { level: "INFO" } },
  loggers: { "compiler.parser": { level: "INFO" } },
};

const config10: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  filters: { filt1: { name: "compiler.parser" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
      filters: ["filt1"],
    },
  },
  loggers: { "compiler.parser": { level: "DEBUG", filters: ["filt1"] } },
  root: { level: "WARNING", handlers: ["hand1"] },
};

function config11With(version: number | null): Config {
  const c: Config = {
    true_formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
    handler_configs: {
      hand1: {
        class: "logging.StreamHandler",
        formatter: "form1",
        level: "NOTSET",
        stream: "ext://sys.stdout",
      },
    },
    formatters: "cfg://true_formatters",
    handlers: { hand1: "cfg://handler_configs[hand1]" },
    loggers: { "compiler.parser": { level: "DEBUG", handlers: ["hand1"] } },
    root: { level: "WARNING" },
  };
  return version === null ? c : { version, ...c };
}
const config11 = config11With(1);
const config12 = config11With(null);
const config13 = config11With(2);

const config14: Config = {
  version: 1,
  formatters: { form1: { format: "%(levelname)s ++ %(message)s" } },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
      ".": { foo: "bar", terminator: "!\n" },
    },
  },
  root: { level: "WARNING", handlers: ["hand1"] },
};

const config16: Config = {
  version: 1,
  formatters: {
    form1: {
      format: "%(message)s ++ %(customfield)s",
      defaults: { customfield: "defaultvalue" },
    },
  },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "form1",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  root: { level: "WARNING", handlers: ["hand1"] },
};

class CustomFormatter extends Formatter {
  custom_property = ".";
  override format(record: LogRecord): string {
    return super.format(record);
  }
}

const config17: Config = {
  version: 1,
  formatters: {
    custom: {
      "()": CustomFormatter,
      style: "{",
      datefmt: "%Y-%m-%d %H:%M:%S",
      format: "{message}", // <-- to force an exception when configuring
      ".": { custom_property: "value" },
    },
  },
  handlers: {
    hand1: {
      class: "logging.StreamHandler",
      formatter: "custom",
      level: "NOTSET",
      stream: "ext://sys.stdout",
    },
  },
  root: { level: "WARNING", handlers: ["hand1"] },
};

const config18: Config = {
  version: 1,
  handlers: {
    console: { class: "logging.StreamHandler", level: "DEBUG" },
    buffering: {
      class: "logging.handlers.MemoryHandler",
      capacity: 5,
      target: "console",
      level: "DEBUG",
      flushLevel: "ERROR",
    },
  },
  loggers: { mymodule: { level: "DEBUG", handlers: ["buffering"], propagate: "true" } },
};

function badFormat(format: string): Config {
  return {
    version: 1,
    formatters: { mySimpleFormatter: { format, style: "$" } },
    handlers: {
      fileGlobal: {
        class: "logging.StreamHandler",
        level: "DEBUG",
        formatter: "mySimpleFormatter",
      },
      bufferGlobal: {
        class: "logging.handlers.MemoryHandler",
        capacity: 5,
        formatter: "mySimpleFormatter",
        target: "fileGlobal",
        level: "DEBUG",
      },
    },
    loggers: { mymodule: { level: "DEBUG", handlers: ["bufferGlobal"], propagate: "true" } },
  };
}

function customFormatterConfig(form1: Config): Config {
  return {
    version: 1,
    formatters: { form1 },
    handlers: {
      hand1: {
        class: "logging.StreamHandler",
        formatter: "form1",
        level: "NOTSET",
        stream: "ext://sys.stdout",
      },
    },
    loggers: {
      my_test_logger_custom_formatter: { level: "DEBUG", handlers: ["hand1"], propagate: "true" },
    },
  };
}
const customFormatterClassValidate = customFormatterConfig({
  "()": `${MOD}.ExceptionFormatter`,
  format: "%(levelname)s:%(name)s:%(message)s",
  validate: false,
});
const customFormatterClassValidate2 = customFormatterConfig({
  class: `${MOD}.ExceptionFormatter`,
  format: "%(levelname)s:%(name)s:%(message)s",
  validate: false,
});
const customFormatterClassValidate3 = customFormatterConfig({
  class: `${MOD}.myCustomFormatter`,
  format: "%(levelname)s:%(name)s:%(message)s",
  validate: false,
});
const customFormatterWithFunction = customFormatterConfig({
  "()": formatFunc,
  format: "%(levelname)s:%(name)s:%(message)s",
  validate: false,
});
const customFormatterWithDefaults = customFormatterConfig({
  "()": formatFunc,
  format: "%(levelname)s:%(name)s:%(message)s:%(customfield)s",
  defaults: { customfield: "myvalue" },
});

function configQueueHandler(filename: string, qspec: unknown, lspec: unknown): Config {
  const ah: Config = { class: "logging.handlers.QueueHandler", handlers: ["h1"] };
  if (qspec !== undefined) ah.queue = qspec;
  if (lspec !== undefined) ah.listener = lspec;
  return {
    version: 1,
    handlers: {
      h1: { class: "logging.FileHandler", filename },
      // key is before depended on handlers to test that deferred config works
      ah,
    },
    root: { level: "DEBUG", handlers: ["ah"] },
  };
}

// ---------------------------------------------------------------------------------------------
// BaseTest's machinery: a root handler that must see nothing, numbered messages, the stdout.

let stdout = new CapturedStream();
let messageNumber = 0;

function applyConfig(conf: Config): void {
  dictConfig(conf as unknown as DictConfig, {
    resolve: { "sys.stdout": stdout, [MOD]: testModule },
  });
}

function nextMessage(): string {
  return String(++messageNumber);
}

function checkHandler(name: string, cls: abstract new (...args: never[]) => unknown): void {
  assert(getHandlerByName(name) instanceof cls, `${name} is not a ${cls.name}`);
}

/** `assert_log_lines` on the captured stdout, lines matching `^(\w+) \+\+ (\w+)$`. */
function assertLogLines(expected: [string, string][]): void {
  const got = stdout.lines().map((line) => {
    const m = /^(\w+) \+\+ (\w+)$/.exec(line);
    assert(m !== null, `unexpected line ${JSON.stringify(line)}`);
    return [m[1], m[2]];
  });
  assertEquals(got, expected);
}

/** A test with CPython's set-up and tear-down: a fresh tree, and the original root handler. */
function configTest(name: string, fn: (original: CollectHandler) => void | Promise<void>): void {
  Deno.test(name, async () => {
    resetLogging();
    stdout = new CapturedStream();
    messageNumber = 0;
    const original = new CollectHandler();
    root.addHandler(original);
    try {
      await fn(original);
    } finally {
      resetLogging();
    }
  });
}

/** The error CPython's assertRaises(ValueError) sees, with the first line of its cause. */
function assertConfigError(conf: Config, message: string, cause?: string): Error {
  const error = assertThrows(() => applyConfig(conf), ValueError, message);
  if (cause !== undefined) {
    assert(error.cause instanceof Error, "the error has a cause");
    assertMatch(String((error.cause as Error).message), new RegExp(escape(cause)));
  }
  return error;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

// ---------------------------------------------------------------------------------------------

configTest(
  "test_config0_ok: a standard configuration overrides the default settings",
  (original) => {
    applyConfig(config0);
    checkHandler("hand1", StreamHandler);
    const logger = getLogger();
    logger.info(nextMessage()); // Won't output anything
    logger.error(nextMessage()); // Outputs a message
    assertLogLines([["ERROR", "2"]]);
    assertEquals(original.lines, []); // Original logger output is empty.
  },
);

configTest(
  "test_config1_ok: a configuration defining a sub-parser logs INFO and ERROR",
  (original) => {
    applyConfig(config1);
    const logger = getLogger("compiler.parser");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "1"], ["ERROR", "2"]]);
    assertEquals(original.lines, []);
  },
);

configTest("test_config2_failure: a misspelt ext://sys.stdbout is an error", () => {
  assertConfigError(config2, "Unable to configure handler 'hand1'", "Cannot resolve 'sys.stdbout'");
});

configTest("test_config2a_failure: a misspelt handler level is an error", () => {
  assertConfigError(config2a, "Unable to configure handler 'hand1'", "Unknown level: 'NTOSET'");
});

configTest("test_config2b_failure: a misspelt root level is an error", () => {
  assertConfigError(config2b, "Unable to configure root logger", "Unknown level: 'WRANING'");
});

configTest("test_config3_failure: a misspelt formatter name is an error", () => {
  const error = assertConfigError(
    config3,
    "Unable to configure handler 'hand1'",
    "Unable to set formatter 'misspelled_name'",
  );
  assertEquals(((error.cause as Error).cause as Error).name, "KeyError");
});

configTest("test_config4_ok: a custom formatter class named by a dotted name", (original) => {
  applyConfig(config4);
  checkHandler("hand1", StreamHandler);
  getLogger().exception("just testing", new RuntimeError());
  assertEquals(stdout.text, "ERROR:root:just testing\nGot a [RuntimeError]\n");
  assertEquals(original.lines, []);
});

configTest("test_config4a_ok: formatter and handler factories given as values", (original) => {
  applyConfig(config4a);
  getLogger().exception("just testing", new RuntimeError());
  assertEquals(stdout.text, "ERROR:root:just testing\nGot a [RuntimeError]\n");
  assertEquals(original.lines, []);
  assert(getHandlerByName("hand2") instanceof StreamHandler);
});

configTest(
  "test_config5_ok: a custom handler class takes its base class's arguments",
  (original) => {
    applyConfig(config5);
    const logger = getLogger("compiler.parser");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "1"], ["ERROR", "2"]]);
    assertEquals(original.lines, []);
    checkHandler("hand1", CustomHandler);
  },
);

configTest("test_config6_failure: a key that is not a Python identifier is an error", () => {
  assertConfigError(
    config6,
    "Unable to configure handler 'hand1'",
    "Not a valid Python identifier: '9'",
  );
});

configTest(
  "test_config7_ok: a logger the new configuration does not name is disabled",
  (original) => {
    applyConfig(config1);
    let logger = getLogger("compiler.parser");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "1"], ["ERROR", "2"]]);
    stdout = new CapturedStream();
    applyConfig(config7);
    checkHandler("hand1", StreamHandler);
    logger = getLogger("compiler.parser");
    assert(logger.disabled);
    logger = getLogger("compiler.lexer");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "3"], ["ERROR", "4"]]);
    assertEquals(original.lines, []);
  },
);

configTest(
  "test_config_8_ok: disable_existing_loggers false keeps old loggers enabled",
  (original) => {
    applyConfig(config1);
    let logger = getLogger("compiler.parser");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "1"], ["ERROR", "2"]]);
    stdout = new CapturedStream();
    applyConfig(config8);
    checkHandler("hand1", StreamHandler);
    logger = getLogger("compiler.parser");
    assert(!logger.disabled);
    logger.info(nextMessage());
    logger.error(nextMessage());
    logger = getLogger("compiler.lexer");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "3"], ["ERROR", "4"], ["INFO", "5"], ["ERROR", "6"]]);
    assertEquals(original.lines, []);
  },
);

configTest(
  "test_config_8a_ok: children of named loggers stay enabled, others are disabled",
  (original) => {
    applyConfig(config1a);
    checkHandler("hand1", StreamHandler);
    let logger = getLogger("compiler.parser");
    // See issue #11424. compiler-hyphenated sorts between compiler and compiler.xyz.
    const hyphenated = getLogger("compiler-hyphenated");
    logger.info(nextMessage());
    logger.error(nextMessage());
    hyphenated.critical(nextMessage());
    assertLogLines([["INFO", "1"], ["ERROR", "2"], ["CRITICAL", "3"]]);
    stdout = new CapturedStream();
    applyConfig(config8a);
    checkHandler("hand1", StreamHandler);
    logger = getLogger("compiler.parser");
    assert(!logger.disabled);
    logger.info(nextMessage());
    logger.error(nextMessage());
    logger = getLogger("compiler.lexer");
    logger.info(nextMessage());
    logger.error(nextMessage());
    hyphenated.critical(nextMessage()); // Will not appear
    assertLogLines([["INFO", "4"], ["ERROR", "5"], ["INFO", "6"], ["ERROR", "7"]]);
    assertEquals(original.lines, []);
  },
);

configTest("test_config_9_ok: incremental configurations change handler and logger levels", () => {
  applyConfig(config9);
  checkHandler("hand1", StreamHandler);
  const logger = getLogger("compiler.parser");
  logger.info(nextMessage()); // both handler and logger are set to WARNING
  assertLogLines([]);
  applyConfig(config9a);
  logger.info(nextMessage()); // the handler is still set to WARNING
  assertLogLines([]);
  applyConfig(config9b);
  logger.info(nextMessage());
  assertLogLines([["INFO", "3"]]);
});

configTest("test_config_10_ok: filters on a handler and a logger", () => {
  applyConfig(config10);
  checkHandler("hand1", StreamHandler);
  getLogger("compiler.parser").warning(nextMessage());
  getLogger("compiler").warning(nextMessage()); // Not output, because filtered
  getLogger("compiler.lexer").warning(nextMessage()); // Not output, because filtered
  getLogger("compiler.parser.codegen").error(nextMessage()); // Output, as not filtered
  assertLogLines([["WARNING", "1"], ["ERROR", "4"]]);
});

configTest(
  "test_config11_ok: cfg:// references to other parts of the configuration",
  (original) => {
    applyConfig(config11);
    const logger = getLogger("compiler.parser");
    logger.info(nextMessage());
    logger.error(nextMessage());
    assertLogLines([["INFO", "1"], ["ERROR", "2"]]);
    assertEquals(original.lines, []);
  },
);

configTest("test_config12_failure: a configuration without a version is an error", () => {
  assertThrows(() => applyConfig(config12), ValueError, "dictionary doesn't specify a version");
});

configTest("test_config13_failure: version 2 is an error", () => {
  assertThrows(() => applyConfig(config13), ValueError, "Unsupported version: 2");
});

configTest("test_config14_ok: '.' sets properties on the handler", () => {
  applyConfig(config14);
  const h = getHandlerByName("hand1") as Handler & { foo: string; terminator: string };
  assertEquals(h.foo, "bar");
  assertEquals(h.terminator, "!\n");
  getLogger().warning("Exclamation");
  assert(stdout.text.endsWith("Exclamation!\n"));
});

configTest(
  "test_config15_ok: applying a file configuration twice leaves no file open",
  async () => {
    await withTempDir((dir) => {
      const fn = `${dir}/test_logging-X.log`;
      const config = {
        version: 1,
        handlers: { file: { class: "logging.FileHandler", filename: fn, encoding: "utf-8" } },
        root: { handlers: ["file"] },
      };
      applyConfig(config);
      const first = root.handlers[0];
      applyConfig(config);
      const handler = root.handlers[0];
      assert(first instanceof FileHandler && first.closed, "the first FileHandler is closed");
      assert(handler instanceof FileHandler && !handler.closed && handler !== first);
      resetLogging(); // closeFileHandler
      assert(handler.closed);
    });
  },
);

configTest("test_config16_ok: formatter defaults fill fields a record lacks", () => {
  applyConfig(config16);
  const h = getHandlerByName("hand1")!;
  // Custom value
  assertEquals(
    h.formatter!.format(makeLogRecord({ msg: "Hello", customfield: "customvalue" })),
    "Hello ++ customvalue",
  );
  // Default value
  assertEquals(h.formatter!.format(makeLogRecord({ msg: "Hello" })), "Hello ++ defaultvalue");
});

configTest("test_config17_ok: a () formatter class gets fmt for format, and '.' properties", () => {
  applyConfig(config17);
  const h = getHandlerByName("hand1")!;
  assertEquals((h.formatter as CustomFormatter).custom_property, "value");
  assert(h.formatter instanceof CustomFormatter);
  assertEquals(h.formatter.style, "{");
});

configTest("test_config18_ok: a MemoryHandler's flushLevel given as a level name", () => {
  applyConfig(config18);
  const handler = getLogger("mymodule").handlers[0] as MemoryHandler;
  assertEquals(handler.flushLevel, ERROR);
  assert(handler.target === getHandlerByName("console"));
});

configTest("test_bad_format: a %-format with style $ is an error", () => {
  assertConfigError(
    badFormat("%(asctime)s (%(name)s) %(levelname)s: %(message)s"),
    "Unable to configure formatter 'mySimpleFormatter'",
  );
});

configTest("test_bad_format_with_dollar_style: a $-format with style $ configures", () => {
  applyConfig(badFormat("${asctime} (${name}) ${levelname}: ${message}"));
  const handler = getLogger("mymodule").handlers[0] as MemoryHandler;
  assert(handler.target instanceof Handler);
  assertEquals(handler.formatter!.style, "$");
  assertEquals([...getHandlerNames()].sort(), ["bufferGlobal", "fileGlobal"]);
});

configTest("test_custom_formatter_class_with_validate: () formatter with validate false", () => {
  applyConfig(customFormatterClassValidate);
  const handler = getLogger("my_test_logger_custom_formatter").handlers[0];
  assert(handler.formatter instanceof ExceptionFormatter);
});

configTest(
  "test_custom_formatter_class_with_validate2: class formatter with validate false",
  () => {
    applyConfig(customFormatterClassValidate2);
    const handler = getLogger("my_test_logger_custom_formatter").handlers[0];
    assert(handler.formatter instanceof ExceptionFormatter);
  },
);

configTest(
  "test_custom_formatter_class_with_validate2_with_wrong_fmt: validate false accepts a %-format with style $",
  () => {
    const config = structuredClone({ ...customFormatterClassValidate });
    (config.formatters as { form1: Config }).form1.style = "$";
    // No exception, as 'validate' is false
    applyConfig(config);
    const handler = getLogger("my_test_logger_custom_formatter").handlers[0];
    assert(handler.formatter instanceof ExceptionFormatter);
  },
);

configTest(
  "test_custom_formatter_class_with_validate3: a formatter class that is not a formatter is an error",
  () => {
    assertConfigError(
      customFormatterClassValidate3,
      "Unable to configure formatter 'form1'",
      "which is not a formatter",
    );
  },
);

configTest(
  "test_custom_formatter_function_with_validate: a factory refusing validate is an error",
  () => {
    assertConfigError(
      customFormatterWithFunction,
      "Unable to configure formatter 'form1'",
      "formatFunc() got an unexpected keyword argument 'validate'",
    );
  },
);

configTest(
  "test_custom_formatter_function_with_defaults: a factory refusing defaults is an error",
  () => {
    assertConfigError(
      customFormatterWithDefaults,
      "Unable to configure formatter 'form1'",
      "formatFunc() got an unexpected keyword argument 'defaults'",
    );
  },
);

configTest("test_baseconfig: cfg:// references by dot and by index, and their errors", () => {
  const d: Config = {
    atuple: [1, 2, 3],
    alist: ["a", "b", "c"],
    adict: {
      d: "e",
      f: 3,
      "alpha numeric 1 with spaces": 5,
      "aplha numeric 1 %( - © ©ß¯": 9,
      "alpha numeric ] 1 with spaces": 15,
      "aplha ]] numeric 1 %( - © ©ß¯]": 19,
      " aplha [ numeric 1 %( - © ©ß¯] ": 11,
      " aplha ": 32,
      "": 10,
      nest4: {
        d: "e",
        f: 3,
        "alpha numeric 1 with spaces": 5,
        "aplha numeric 1 %( - © ©ß¯": 9,
        "": 10,
        somelist: ["g", ["h", "i"], "j"],
        somedict: { a: 1, "a with 1 and space": 3, "a with ( and space": 4 },
      },
    },
    nest1: ["g", ["h", "i"], "j"],
    nest2: ["k", ["l", "m"], "n"],
    nest3: ["o", "cfg://alist", "p"],
  };
  // BaseConfigurator(d).convert(ref), through a handler factory's keyword argument.
  const convert = (ref: string): unknown => {
    let got: unknown;
    applyConfig({
      version: 1,
      ...d,
      handlers: {
        h: {
          "()": (kwargs: { v: unknown }) => {
            got = kwargs.v;
            return new NullHandler();
          },
          v: ref,
        },
      },
    });
    return got;
  };
  assertEquals(convert("cfg://atuple[1]"), 2);
  assertEquals(convert("cfg://alist[1]"), "b");
  assertEquals(convert("cfg://nest1[1][0]"), "h");
  assertEquals(convert("cfg://nest2[1][1]"), "m");
  assertEquals(convert("cfg://adict.d"), "e");
  assertEquals(convert("cfg://adict[f]"), 3);
  assertEquals(convert("cfg://adict[alpha numeric 1 with spaces]"), 5);
  assertEquals(convert("cfg://adict[aplha numeric 1 %( - © ©ß¯]"), 9);
  assertEquals(convert("cfg://adict[]"), 10);
  assertEquals(convert("cfg://adict.nest4.d"), "e");
  assertEquals(convert("cfg://adict.nest4[d]"), "e");
  assertEquals(convert("cfg://adict[nest4].d"), "e");
  assertEquals(convert("cfg://adict[nest4][f]"), 3);
  assertEquals(convert("cfg://adict[nest4][alpha numeric 1 with spaces]"), 5);
  assertEquals(convert("cfg://adict[nest4][aplha numeric 1 %( - © ©ß¯]"), 9);
  assertEquals(convert("cfg://adict[nest4][]"), 10);
  assertEquals(convert("cfg://adict[nest4][somelist][0]"), "g");
  assertEquals(convert("cfg://adict[nest4][somelist][1][0]"), "h");
  assertEquals(convert("cfg://adict[nest4][somelist][1][1]"), "i");
  assertEquals(convert("cfg://adict[nest4][somelist][2]"), "j");
  assertEquals(convert("cfg://adict[nest4].somedict.a"), 1);
  assertEquals(convert("cfg://adict[nest4].somedict[a]"), 1);
  assertEquals(convert("cfg://adict[nest4].somedict[a with 1 and space]"), 3);
  assertEquals(convert("cfg://adict[nest4].somedict[a with ( and space]"), 4);
  assertEquals(convert("cfg://adict.nest4.somelist[1][1]"), "i");
  assertEquals(convert("cfg://adict.nest4.somelist[2]"), "j");
  assertEquals(convert("cfg://adict.nest4.somedict.a"), 1);
  assertEquals(convert("cfg://adict.nest4.somedict[a]"), 1);
  // The list's cfg:// item is converted too (CPython: v.pop(1) == ['a', 'b', 'c']).
  assertEquals((convert("cfg://nest3") as unknown[])[1], ["a", "b", "c"]);
  const causeOf = (ref: string) => {
    const e = assertThrows(() => convert(ref), ValueError, "Unable to configure handler 'h'");
    return (e.cause as Error).name;
  };
  assertEquals(causeOf("cfg://nosuch"), "KeyError");
  assertEquals(causeOf("cfg://!"), "ValueError");
  assertEquals(causeOf("cfg://adict[2]"), "KeyError");
  assertEquals(causeOf("cfg://adict[alpha numeric ] 1 with spaces]"), "KeyError");
  assertEquals(causeOf("cfg://adict[ aplha ]] numeric 1 %( - © ©ß¯] ]"), "ValueError");
  assertEquals(causeOf("cfg://adict[ aplha [ numeric 1 %( - © ©ß¯] ]"), "ValueError");
});

configTest(
  "test_namedtuple: a value that is an object of a class reaches the factory as it is",
  () => {
    const stderr = new CapturedStream();
    class Resource {
      constructor(readonly type: string, readonly labels: string[]) {}
    }
    class MyHandler extends StreamHandler {
      resource: Resource;
      constructor(kwargs: { resource: Resource; stream?: CapturedStream }) {
        super(kwargs.stream);
        this.resource = kwargs.resource;
      }
      override emit(record: LogRecord): void {
        record.msg += ` ${this.resource.type}`;
        super.emit(record);
      }
    }
    const resource = new Resource("my_type", ["a"]);
    applyConfig({
      version: 1,
      handlers: { myhandler: { "()": MyHandler, resource, stream: stderr } },
      root: { level: "INFO", handlers: ["myhandler"] },
    });
    getLogger().info("some log");
    assertEquals(stderr.text, "some log my_type\n");
    assert((getHandlerByName("myhandler") as MyHandler).resource === resource);
  },
);

configTest("test_config_callable_filter_works: a function as a root filter", () => {
  const filter_ = () => 1;
  applyConfig({ version: 1, root: { level: "DEBUG", filters: [filter_] } });
  assert(getLogger().filters[0] === filter_);
  getLogger().filters = [];
});

configTest("test_config_filter_works: a Filter as a root filter", () => {
  const filter_ = new Filter("spam.eggs");
  applyConfig({ version: 1, root: { level: "DEBUG", filters: [filter_] } });
  assert(getLogger().filters[0] === filter_);
  getLogger().filters = [];
});

configTest("test_config_filter_method_works: an object with filter() as a root filter", () => {
  class FakeFilter {
    filter(_: LogRecord) {
      return 1;
    }
  }
  const filter_ = new FakeFilter();
  applyConfig({ version: 1, root: { level: "DEBUG", filters: [filter_] } });
  assert(getLogger().filters[0] === filter_);
  getLogger().filters = [];
});

configTest(
  "test_invalid_type_raises: null, a number or an object without filter() is not a filter",
  () => {
    class NotAFilter {}
    for (const filter_ of [null, 1, new NotAFilter()]) {
      assertConfigError(
        { version: 1, root: { level: "DEBUG", filters: [filter_] } },
        "Unable to configure root logger",
        "Unable to add filter",
      );
    }
  },
);

/** `do_queuehandler_configuration`: the QueueHandler's listener writes foo, bar, baz to h1. */
async function doQueueHandlerConfiguration(dir: string, qspec: unknown, lspec: unknown) {
  const fn = `${dir}/test_logging-cqh.log`;
  await Deno.writeTextFile(fn, "");
  applyConfig(configQueueHandler(fn, qspec, lspec));
  const qh = getHandlerByName("ah") as QueueHandler;
  try {
    assertEquals([...getHandlerNames()].sort(), ["ah", "h1"]);
    assert(qh.listener !== null);
    qh.listener.start();
    const log = getLogger();
    log.debug("foo");
    log.info("bar");
    log.warning("baz");
  } finally {
    await qh.listener?.stop();
  }
  assertEquals(Deno.readTextFileSync(fn).split("\n").slice(0, -1), ["foo", "bar", "baz"]);
  resetLogging(); // closeFileHandler
}

configTest(
  "test_config_queue_handler: queues and listeners by name, factory, dict and value",
  async () => {
    await withTempDir(async (dir) => {
      const qs = [new CustomQueue(), new CustomQueueProtocol()];
      const dqs = ["CustomQueue", "CustomQueueProtocol"].map((cls) => ({
        "()": `${MOD}.${cls}`,
        maxsize: 10,
      }));
      const dl = {
        "()": `${MOD}.listenerMaker`,
        arg1: null,
        arg2: null,
        respect_handler_level: true,
      };
      const qvalues = [undefined, `${MOD}.queueMaker`, `${MOD}.CustomQueue`, ...dqs, ...qs];
      const lvalues = [undefined, `${MOD}.CustomListener`, dl, CustomListener];
      for (const qspec of qvalues) {
        for (const lspec of lvalues) {
          await doQueueHandlerConfiguration(dir, qspec, lspec);
        }
      }
      // Some failure cases (Python's int is Number here)
      const badQ = [undefined, 4, Number, "", "foo"];
      const badL = [undefined, 4, Number, "", "bar"];
      for (const qspec of badQ) {
        for (const lspec of badL) {
          if (qspec === undefined && lspec === undefined) continue;
          const e = assertThrows(
            () => applyConfig(configQueueHandler(`${dir}/never.log`, qspec, lspec)),
            ValueError,
          );
          assertEquals(e.message, "Unable to configure handler 'ah'");
        }
      }
    });
  },
);

configTest(
  "test_config_queue_handler_does_not_create_multiprocessing_manager: the queue forms a configuration may give",
  () => {
    // The multiprocessing side (Manager not created) has no counterpart; the queue forms do:
    // a dict with (), a queue.Queue, an object with the queue's methods (even wrong signatures).
    const q3 = new AsyncQueue<LogRecord | null>();
    const q4 = new CustomQueueFakeProtocol();
    for (const qspec of [{ "()": "queue.Queue", maxsize: -1 }, q3, q4]) {
      applyConfig({
        version: 1,
        handlers: { queue_listener: { class: "logging.handlers.QueueHandler", queue: qspec } },
      });
      const h = getHandlerByName("queue_listener") as QueueHandler;
      assert(h instanceof QueueHandler && h.listener instanceof QueueListener);
      if (qspec !== q3 && qspec !== q4) assert(h.queue instanceof AsyncQueue);
      else assert(h.queue === qspec && h.listener.queue === qspec);
    }
  },
);

configTest(
  "test_config_queue_handler_invalid_config_does_not_create_multiprocessing_manager: objects that are not queues are refused",
  () => {
    for (const qspec of [{}, new CustomQueueWrongProtocol()]) {
      assertConfigError(
        {
          version: 1,
          handlers: { queue_listener: { class: "logging.handlers.QueueHandler", queue: qspec } },
        },
        "Unable to configure handler 'queue_listener'",
        "Invalid queue specifier",
      );
    }
  },
);

configTest("test_90195: a logger disabled by a configuration is enabled again when named", () => {
  const config: Config = {
    version: 1,
    disable_existing_loggers: false,
    handlers: { console: { level: "DEBUG", class: "logging.StreamHandler" } },
    loggers: { a: { level: "DEBUG", handlers: ["console"] } },
  };
  const logger = getLogger("a");
  assert(!logger.disabled);
  applyConfig(config);
  assert(!logger.disabled);
  // Should disable all loggers ...
  applyConfig({ version: 1 });
  assert(logger.disabled);
  delete config.disable_existing_loggers;
  applyConfig(config);
  // Logger should be enabled, since explicitly mentioned
  assert(!logger.disabled);
});

configTest("test_111615: a QueueHandler over a queue that cannot be read here configures", () => {
  // CPython: a multiprocessing spawn-context queue. Here: a queue only written to, as a
  // WorkerQueue is (its worker reads it): no listener is made for it.
  const sink = {
    items: [] as unknown[],
    put_nowait(item: unknown) {
      this.items.push(item);
    },
  };
  applyConfig({
    version: 1,
    handlers: { sink: { class: "logging.handlers.QueueHandler", queue: sink } },
    root: { handlers: ["sink"], level: "DEBUG" },
  });
  getLogger().info("to the worker");
  assertEquals((sink.items[0] as LogRecord).msg, "to the worker");
  assertEquals((getHandlerByName("sink") as QueueHandler).listener, null);
});

configTest("test_kwargs_passing: a QueueHandler subclass gets the other keys (gh-118868)", () => {
  class CustomQueueHandler extends QueueHandler {
    custom_kwargs: Record<string, unknown>;
    constructor({ queue: _queue, ...kwargs }: { queue: unknown; [key: string]: unknown }) {
      super(new AsyncQueue());
      this.custom_kwargs = kwargs;
    }
  }
  const customKwargs = { foo: "bar" };
  applyConfig({
    version: 1,
    handlers: { custom: { class: CustomQueueHandler, ...customKwargs } },
    root: { level: "DEBUG", handlers: ["custom"] },
  });
  const handler = getHandlerByName("custom") as CustomQueueHandler;
  assertEquals(handler.custom_kwargs, customKwargs);
});

configTest(
  "Every malformed configuration of ConfigDictTest leaves no file open and no timer running",
  async () => {
    await withTempDir((dir) => {
      const malformed: [string, Config][] = [
        ["config2", config2],
        ["config2a", config2a],
        ["config2b", config2b],
        ["config3", config3],
        ["config6", config6],
        ["config12", config12],
        ["config13", config13],
        ["bad_format", badFormat("%(asctime)s (%(name)s) %(levelname)s: %(message)s")],
        ["custom_formatter_class_validate3", customFormatterClassValidate3],
        ["custom_formatter_with_function", customFormatterWithFunction],
        ["custom_formatter_with_defaults", customFormatterWithDefaults],
        ["invalid filter", { version: 1, root: { level: "DEBUG", filters: [null] } }],
        ["invalid queue", configQueueHandler(`${dir}/h1.log`, "foo", undefined)],
        ["invalid listener", configQueueHandler(`${dir}/h1.log`, undefined, 4)],
        ["wrong queue protocol", {
          version: 1,
          handlers: {
            q: { class: "logging.handlers.QueueHandler", queue: new CustomQueueWrongProtocol() },
          },
        }],
      ];
      for (const [name, bad] of malformed) {
        // Two handlers made first (their ids sort first): a file, and a timed rotation on a timer.
        let timed: TimedRotatingFileHandler | undefined;
        const config = {
          ...bad,
          handlers: {
            ...(bad.handlers as Config | undefined),
            aaa_file: { class: "logging.FileHandler", filename: `${dir}/aaa.log` },
            aaa_timed: {
              "()": (kw: { filename: string }) =>
                timed = new TimedRotatingFileHandler(kw.filename, { when: "S", timer: true }),
              filename: `${dir}/timed.log`,
            },
          },
        };
        assertThrows(() => applyConfig(config), ValueError);
        assertEquals(openFilesUnder(dir), [], `${name} left files open`);
        assert(timed === undefined || timed.closed, `${name} left a timer running`);
      }
    });
  },
);
