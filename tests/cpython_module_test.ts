/**
 * CPython 3.13's tests of the `logging` module's own functions (Lib/test/test_logging.py),
 * translated: `ModuleLevelMiscTest`, `LogRecordFactoryTest`, `ExceptionTest`, `WarningsTest`
 * and `MiscTestCase`.
 *
 * Python's `warnings` module is `console.warn` here (`captureWarnings`); Python's interpreter
 * shutdown is the end of a real Deno subprocess (its `unload` event); Python's traceback text is
 * V8's stack text. Each test says where it adapts CPython's.
 */

import * as mod from "../mod.ts";
import {
  captureWarnings,
  CRITICAL,
  critical,
  DEBUG,
  debug,
  disable,
  ERROR,
  error,
  exception,
  fatal,
  Filter,
  Formatter,
  getLevelName,
  getLevelNamesMapping,
  getLogger,
  getLoggerClass,
  getLogRecordFactory,
  INFO,
  info,
  kw,
  type Level,
  log,
  Logger,
  LogRecord,
  NOTSET,
  NullHandler,
  root,
  setLoggerClass,
  setLogRecordFactory,
  StreamHandler,
  warn,
  WARNING,
  warning,
} from "../mod.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { MOD_URL } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";
import { CapturedStream, resetLogging } from "./helpers/logging_state.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";
import { runScriptIn } from "./helpers/subprocess.ts";

const hasPython = await pythonAvailable();

/** This file's path, as records name it. */
const THIS_FILE = decodeURIComponent(new URL(import.meta.url).pathname);

/**
 * CPython's `RecordingHandler`: a `NullHandler` that keeps every record it is handed. It asks
 * for the caller's fields, as a handler that keeps whole records must here (they are collected
 * only for handlers that need them).
 */
class RecordingHandler extends NullHandler {
  records: LogRecord[] = [];

  override get needsCallerInfo(): boolean {
    return true;
  }

  override handle(record: LogRecord): boolean {
    this.records.push(record);
    return true;
  }
}

/** What CPython's `BaseTest.setUp` gives a test: the root logger at DEBUG writing to a stream. */
interface Base {
  stream: CapturedStream;
  rootHandler: StreamHandler;
  /** CPython's `next_message()`: "1", "2", ... */
  nextMessage(): string;
}

/** CPython's `BaseTest.setUp`. */
function baseSetUp(): Base {
  const stream = new CapturedStream();
  const rootHandler = new StreamHandler(stream);
  rootHandler.setFormatter(new Formatter("%(name)s -> %(levelname)s: %(message)s"));
  root.setLevel(DEBUG);
  root.addHandler(rootHandler);
  let n = 0;
  return { stream, rootHandler, nextMessage: () => String(++n) };
}

/** CPython's `BaseTest.tearDown`: the root's handlers closed, levels and `disable` restored. */
async function baseTearDown(base: Base): Promise<void> {
  root.removeHandler(base.rootHandler);
  await base.rootHandler.close();
  for (const h of [...root.handlers]) {
    root.removeHandler(h);
    await h.close();
  }
  root.manager.disable = 0;
  resetLogging();
}

/** The line this function is called from (to compare with a record's `lineno`). */
function currentLine(): number {
  const frame = new Error().stack!.split("\n")[2];
  return Number(frame.match(/:(\d+):\d+\)?$/)![1]);
}

// ModuleLevelMiscTest

Deno.test("ModuleLevelMiscTest.test_disable: disable() sets the manager's level, checks it, and defaults to CRITICAL", async () => {
  const base = baseSetUp();
  try {
    const oldDisable = root.manager.disable;
    assertEquals(oldDisable, 0);
    try {
      disable(83);
      assertEquals(root.manager.disable, 83);
      // CPython raises ValueError("Unknown level: 'doesnotexists'"); an unknown level name is a
      // RangeError here, with CPython's words first.
      assertThrows(
        () => disable("doesnotexists" as Level),
        RangeError,
        "Unknown level: 'doesnotexists'",
      );
      assertEquals(root.manager.disable, 83);
      class NotAnIntOrString {}
      assertThrows(() => disable(new NotAnIntOrString() as never), TypeError);
      disable("WARN");
      assertEquals(root.manager.disable, WARNING);
      // the default value introduced in 3.7 (Issue #28524)
      disable();
      assertEquals(root.manager.disable, CRITICAL);
    } finally {
      disable(oldDisable);
    }
  } finally {
    await baseTearDown(base);
  }
});

/**
 * CPython's `_test_log`: the module-level function logs through the root logger's handler.
 * CPython patches `basicConfig` to see that it is not called when the root has a handler; an ES
 * module's export cannot be patched, so the test checks what calling it would change: the
 * root's handlers are still exactly the one the test added.
 */
async function testLog(method: string, level?: number): Promise<void> {
  const base = baseSetUp();
  try {
    const recording = new RecordingHandler();
    root.addHandler(recording);
    const before = [...root.handlers];
    const functions: Record<string, (msg: unknown, ...args: unknown[]) => void> = {
      debug,
      info,
      warning,
      error,
      critical,
    };
    if (level !== undefined) log(level, "test me: %r", recording);
    else functions[method]("test me: %r", recording);
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    // CPython: "test me: %r" % recording
    assertEquals(record.getMessage(), "test me: <RecordingHandler (NOTSET)>");
    const expectedLevel = level ?? (mod as Record<string, unknown>)[method.toUpperCase()];
    assertEquals(record.levelno, expectedLevel);
    // basicConfig was not called!
    assertEquals(root.handlers, before);
    assertEquals(base.stream.lines(), [
      `root -> ${getLevelName(record.levelno)}: test me: <RecordingHandler (NOTSET)>`,
    ]);
  } finally {
    await baseTearDown(base);
  }
}

Deno.test("ModuleLevelMiscTest.test_log: log() logs at the given level through the root's handlers", async () => {
  await testLog("log", ERROR);
});

Deno.test("ModuleLevelMiscTest.test_debug: debug() logs at DEBUG through the root's handlers", async () => {
  await testLog("debug");
});

Deno.test("ModuleLevelMiscTest.test_info: info() logs at INFO through the root's handlers", async () => {
  await testLog("info");
});

Deno.test("ModuleLevelMiscTest.test_warning: warning() logs at WARNING through the root's handlers", async () => {
  await testLog("warning");
});

Deno.test("ModuleLevelMiscTest.test_error: error() logs at ERROR through the root's handlers", async () => {
  await testLog("error");
});

Deno.test("ModuleLevelMiscTest.test_critical: critical() logs at CRITICAL through the root's handlers", async () => {
  await testLog("critical");
});

Deno.test("ModuleLevelMiscTest.test_set_logger_class: setLoggerClass takes Logger classes only, getLoggerClass returns it", async () => {
  const base = baseSetUp();
  try {
    const e = assertThrows(() => setLoggerClass(Object as never), TypeError);
    // CPython: TypeError: logger not derived from logging.Logger: object
    assertStringIncludes(e.message, "logger not derived from logging.Logger: Object");
    class MyLogger extends Logger {}
    setLoggerClass(MyLogger);
    assert(getLoggerClass() === MyLogger);
    setLoggerClass(Logger);
    assert(getLoggerClass() === Logger);
  } finally {
    setLoggerClass(Logger);
    await baseTearDown(base);
  }
});

Deno.test("ModuleLevelMiscTest.test_subclass_logger_cache: a logger of a set class sees its level changes at once", async () => {
  const base = baseSetUp();
  const message: string[] = [];
  const Base = getLoggerClass();
  class MyLogger extends Base {
    constructor(name = "MyLogger", level: Level = NOTSET) {
      // getLoggerClass() is typed as constructible with the name alone (what getLogger passes).
      super(name);
      this.setLevel(level);
      message.push("initialized");
    }
  }
  setLoggerClass(MyLogger);
  const logger = getLogger("just_some_logger");
  assertEquals(message, ["initialized"]);
  const stream = new CapturedStream();
  const h = new StreamHandler(stream);
  logger.addHandler(h);
  try {
    logger.setLevel(DEBUG);
    logger.debug("hello");
    assertEquals(stream.text.trim(), "hello");
    stream.text = "";
    logger.setLevel(INFO);
    logger.debug("hello");
    assertEquals(stream.text, "");
  } finally {
    logger.removeHandler(h);
    await h.close();
    setLoggerClass(Logger);
    await baseTearDown(base);
  }
});

Deno.test("ModuleLevelMiscTest.test_logging_at_shutdown: logging an error as the program ends still prints it", async () => {
  // bpo-20037: CPython logs from __del__ late at interpreter shutdown, after logging.shutdown()
  // ran at exit. Here: from the `unload` event, the program's last moment, after shutdown().
  await withTempDir(async (dir) => {
    const out = await runScriptIn(
      dir,
      `import { exception, shutdown } from ${JSON.stringify(MOD_URL)};
class ValueError extends Error {
  override name = "ValueError";
}
globalThis.addEventListener("unload", () => {
  try {
    throw new ValueError("some error");
  } catch (err) {
    exception("exception in __del__", err);
  }
});
await shutdown(); // what CPython's atexit does before finalization
`,
      ["--allow-all"],
      { timeoutMs: 20_000 },
    );
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stderr, "exception in __del__");
    assertStringIncludes(out.stderr, "ValueError: some error");
  });
});

Deno.test("ModuleLevelMiscTest.test_logging_at_shutdown_open: a FileHandler closed at exit reopens its file for a late record", async () => {
  // bpo-26789: basicConfig() opens the file, logging.shutdown() closes it at exit, and a record
  // logged later must reopen it. CPython also deletes builtins.open to simulate finalization;
  // nothing removes Deno's file API at exit, so that part has no counterpart.
  await withTempDir(async (dir) => {
    const filename = `${dir}/test.log`;
    const out = await runScriptIn(
      dir,
      `import { basicConfig, error, shutdown } from ${JSON.stringify(MOD_URL)};
globalThis.addEventListener("unload", () => {
  error("log in __del__");
});
basicConfig({ filename: ${JSON.stringify(filename)}, encoding: "utf-8" });
await shutdown(); // closes the file, as CPython's atexit does
`,
      ["--allow-all"],
      { timeoutMs: 20_000 },
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals((await Deno.readTextFile(filename)).trimEnd(), "ERROR:root:log in __del__");
  });
});

Deno.test("ModuleLevelMiscTest.test_recursion_error: logging in an endless recursion ends with the stack overflow, exit status 1", async () => {
  // Issue 36272: CPython must end with the RecursionError, not "Fatal Python error: Cannot
  // recover from stack overflow". V8's stack overflow is a RangeError; it must end the program
  // as an uncaught error (status 1), not kill it with a signal or hang it.
  await withTempDir(async (dir) => {
    const out = await runScriptIn(
      dir,
      `import { error } from ${JSON.stringify(MOD_URL)};
function rec(): void {
  error("foo");
  rec();
}
rec();
`,
      ["--allow-all"],
      { timeoutMs: 30_000 },
    );
    assertEquals(out.signal, null);
    assertEquals(out.code, 1);
    assertStringIncludes(out.stderr, "RangeError: Maximum call stack size exceeded");
    assertStringIncludes(out.stderr, "ERROR:root:foo\n");
    assertEquals(out.stderr.includes("Fatal"), false, "V8 must not abort");
  });
});

Deno.test("ModuleLevelMiscTest.test_get_level_names_mapping: getLevelNamesMapping() is a fresh copy of CPython's mapping", async () => {
  const base = baseSetUp();
  try {
    const mapping = getLevelNamesMapping();
    const expected = {
      CRITICAL: 50,
      FATAL: 50,
      ERROR: 40,
      WARN: 30,
      WARNING: 30,
      INFO: 20,
      DEBUG: 10,
      NOTSET: 0,
    };
    // CPython compares with its private _nameToLevel: here, with what CPython returns, in order.
    assertEquals(Object.entries(mapping), Object.entries(expected));
    if (hasPython) {
      const cpython = await runPython<[string, number][]>(
        "import json, logging; print(json.dumps(list(logging.getLevelNamesMapping().items())))",
      );
      assertEquals(Object.entries(mapping), cpython);
    }
    const newMapping = getLevelNamesMapping(); // another call -> another copy
    assert(mapping !== newMapping);
    assertEquals(mapping, newMapping);
    // not the internal data: changing the copy changes nothing
    mapping.INFO = 99;
    delete (mapping as Record<string, number>).DEBUG;
    assertEquals(getLevelNamesMapping(), expected);
    assertEquals(getLevelName("INFO"), 20);
  } finally {
    await baseTearDown(base);
  }
});

// Beyond CPython's tests: what the module-level functions share with CPython's.

Deno.test("the module-level functions report their caller's file, line and function, as CPython's do", async () => {
  const base = baseSetUp();
  try {
    const recording = new RecordingHandler();
    root.addHandler(recording);
    const lines: number[] = [];
    // Each call and currentLine() share a line: the record's lineno is the call's.
    (function caller() {
      debug("d"), lines.push(currentLine());
      info("i"), lines.push(currentLine());
      warning("w"), lines.push(currentLine());
      warn("w2"), lines.push(currentLine());
      error("e"), lines.push(currentLine());
      exception("x"), lines.push(currentLine());
      critical("c"), lines.push(currentLine());
      fatal("f"), lines.push(currentLine());
      log(25, "l"), lines.push(currentLine());
    })();
    const ours = recording.records.map((r) => [r.levelno, r.funcName, r.pathname === THIS_FILE]);
    assertEquals(recording.records.map((r) => r.lineno), lines);
    assertEquals(ours, [
      [DEBUG, "caller", true],
      [INFO, "caller", true],
      [WARNING, "caller", true],
      [WARNING, "caller", true],
      [ERROR, "caller", true],
      [ERROR, "caller", true],
      [CRITICAL, "caller", true],
      [CRITICAL, "caller", true],
      [25, "caller", true],
    ]);
    if (hasPython) {
      const cpython = await runPython<unknown[]>(
        `import json, logging, warnings
warnings.simplefilter("ignore")
class R(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []
    def emit(self, record):
        self.records.append(record)
h = R()
logging.root.addHandler(h)
logging.root.setLevel(logging.DEBUG)
def caller():
    logging.debug("d")
    logging.info("i")
    logging.warning("w")
    logging.warn("w2")
    logging.error("e")
    logging.exception("x")
    logging.critical("c")
    logging.fatal("f")
    logging.log(25, "l")
caller()
print(json.dumps([[r.levelno, r.funcName, r.pathname == "<string>"] for r in h.records]))`,
      );
      assertEquals(ours, cpython);
    }
  } finally {
    await baseTearDown(base);
  }
});

Deno.test("module-level fatal() and warn() are critical() and warning(), and configure the root first, as CPython's", async () => {
  const source = `fatal("cannot open %s", "db");
warn("disk at %d%%", 91);
`;
  await withTempDir(async (dir) => {
    const out = await runScriptIn(
      dir,
      `import { fatal, warn } from ${JSON.stringify(MOD_URL)};\n${source}`,
      ["--allow-all"],
      { timeoutMs: 20_000 },
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr, "CRITICAL:root:cannot open db\nWARNING:root:disk at 91%\n");
    if (hasPython) {
      const cpython = await new Deno.Command("python3", {
        args: [
          "-W",
          "ignore",
          "-c",
          "from logging import fatal, warn\n" + source.replaceAll(";", ""),
        ],
        env: { PYENV_VERSION: "3.13.0" },
        stdout: "piped",
        stderr: "piped",
      }).output();
      assertEquals(out.stderr, new TextDecoder().decode(cpython.stderr));
    }
  });
});

// LogRecordFactoryTest

/** CPython's `DerivedLogRecord`. */
class DerivedLogRecord extends LogRecord {}

/** CPython's `CheckingFilter`: a record of another class is a TypeError. */
class CheckingFilter extends Filter {
  constructor(readonly cls: typeof LogRecord) {
    super();
  }

  override filter(record: LogRecord): boolean {
    const t = Object.getPrototypeOf(record).constructor;
    if (t !== this.cls) {
      throw new TypeError(`Unexpected LogRecord type ${t.name}, expected ${this.cls.name}`);
    }
    return true;
  }
}

Deno.test("LogRecordFactoryTest.test_logrecord_class: setLogRecordFactory takes a LogRecord subclass, as in CPython", async () => {
  const base = baseSetUp();
  const filter = new CheckingFilter(DerivedLogRecord);
  root.addFilter(filter);
  const origFactory = getLogRecordFactory();
  try {
    assertThrows(() => root.warning(base.nextMessage()), TypeError, "Unexpected LogRecord type");
    setLogRecordFactory(DerivedLogRecord);
    root.error(base.nextMessage());
    assertEquals(base.stream.lines(), ["root -> ERROR: 2"]);
  } finally {
    root.removeFilter(filter);
    setLogRecordFactory(origFactory);
    await baseTearDown(base);
  }
});

Deno.test("a record class given to setLogRecordFactory or Manager.setLogRecordFactory makes the records; LogRecord restores the default", async () => {
  const base = baseSetUp();
  const origFactory = getLogRecordFactory();
  try {
    const recording = new RecordingHandler();
    root.addHandler(recording);
    class AuditRecord extends LogRecord {}
    root.manager.setLogRecordFactory(AuditRecord);
    root.info("from the manager's class");
    root.manager.setLogRecordFactory(null);
    setLogRecordFactory(DerivedLogRecord);
    const made = getLogRecordFactory()("x", INFO, "", 0, "made", null, null, null, null);
    setLogRecordFactory(LogRecord);
    assert(getLogRecordFactory() === origFactory, "LogRecord is the default factory");
    root.info("plain again");
    assert(recording.records[0] instanceof AuditRecord);
    assert(made instanceof DerivedLogRecord);
    assertEquals(made.getMessage(), "made");
    assertEquals(Object.getPrototypeOf(recording.records[1]), LogRecord.prototype);
    assertThrows(() => setLogRecordFactory("LogRecord" as never), TypeError, "must be a function");
  } finally {
    root.manager.setLogRecordFactory(null);
    setLogRecordFactory(origFactory);
    await baseTearDown(base);
  }
});

// ExceptionTest

/** Python's `RuntimeError`. */
class RuntimeError extends Error {
  override name = "RuntimeError";
}

Deno.test("ExceptionTest.test_formatting: exception() with stack_info gives the error's text and the caller's stack", async () => {
  const base = baseSetUp();
  try {
    let callLine = 0;
    const h = new RecordingHandler();
    root.addHandler(h);
    (function test_formatting() {
      try {
        throw new RuntimeError("deliberate mistake");
      } catch (err) {
        // Python's "current exception" is the error given as the last argument here.
        exception("failed", err, kw({ stack_info: true })), callLine = currentLine();
      }
    })();
    root.removeHandler(h);
    await h.close();
    const r = h.records[0];
    // CPython's exc_text is Python's traceback, "Traceback (most recent call last):\n" ... and
    // the error's line last; here it is V8's stack text: the error's line first, then frames.
    assert(r.exc_text!.startsWith("RuntimeError: deliberate mistake\n"), r.exc_text!);
    assertStringIncludes(r.exc_text!, "\n    at test_formatting (");
    // As CPython's, stack_info ends with the call's location and its source line.
    assert(r.stack_info!.startsWith("Stack (most recent call last):\n"), r.stack_info!);
    assert(
      r.stack_info!.endsWith(
        `\n  File "${THIS_FILE}", line ${callLine}, in test_formatting\n` +
          `    exception("failed", err, kw({ stack_info: true })), callLine = currentLine();`,
      ),
      r.stack_info!,
    );
    assertEquals([r.pathname, r.lineno, r.funcName], [THIS_FILE, callLine, "test_formatting"]);
  } finally {
    await baseTearDown(base);
  }
});

// WarningsTest

Deno.test("WarningsTest.test_warnings: a captured console.warn goes to py.warnings' handler; one made through the saved original does not", async () => {
  const base = baseSetUp();
  // The console.warn in force before the capture: what a warning aimed elsewhere goes through.
  const seen: unknown[][] = [];
  const realWarn = console.warn;
  console.warn = (...data: unknown[]) => void seen.push(data);
  const original = console.warn;
  try {
    captureWarnings(true);
    try {
      const stream = new CapturedStream();
      const h = new StreamHandler(stream);
      const logger = getLogger("py.warnings");
      logger.addHandler(h);
      console.warn("I'm warning you...");
      logger.removeHandler(h);
      const s = stream.text;
      await h.close();
      // CPython: "<file>:<line>: UserWarning: I'm warning you...\n"; the text alone here.
      assertEquals(s, "I'm warning you...\n");
      assertEquals(seen, []);
      // CPython: warnings.showwarning(..., file=a_file) uses the original implementation. The
      // counterpart: a warning made through the console.warn saved before the capture.
      original("Explicit", "dummy.py:42");
      assertEquals(seen, [["Explicit", "dummy.py:42"]]);
    } finally {
      captureWarnings(false);
    }
    assert(console.warn === original, "captureWarnings(false) puts the original back");
  } finally {
    console.warn = realWarn;
    await baseTearDown(base);
  }
});

Deno.test("WarningsTest.test_warnings_no_handlers: a warning gives py.warnings a NullHandler when it has none", async () => {
  const base = baseSetUp();
  captureWarnings(true);
  try {
    // confirm our assumption: no loggers are set
    const logger = getLogger("py.warnings");
    assertEquals(logger.handlers, []);
    console.warn("Explicit");
    assertEquals(logger.handlers.length, 1);
    assert(logger.handlers[0] instanceof NullHandler, String(logger.handlers[0]));
    assertEquals(String(logger.handlers[0]), "<NullHandler (NOTSET)>");
  } finally {
    captureWarnings(false);
    await baseTearDown(base);
  }
});

// MiscTestCase

/** CPython 3.13's `logging.__all__`, in its order. */
const LOGGING_ALL = [
  "BASIC_FORMAT",
  "BufferingFormatter",
  "CRITICAL",
  "DEBUG",
  "ERROR",
  "FATAL",
  "FileHandler",
  "Filter",
  "Formatter",
  "Handler",
  "INFO",
  "LogRecord",
  "Logger",
  "LoggerAdapter",
  "NOTSET",
  "NullHandler",
  "StreamHandler",
  "WARN",
  "WARNING",
  "addLevelName",
  "basicConfig",
  "captureWarnings",
  "critical",
  "debug",
  "disable",
  "error",
  "exception",
  "fatal",
  "getLevelName",
  "getLogger",
  "getLoggerClass",
  "info",
  "log",
  "makeLogRecord",
  "setLoggerClass",
  "shutdown",
  "warn",
  "warning",
  "getLogRecordFactory",
  "setLogRecordFactory",
  "lastResort",
  "raiseExceptions",
  "getLevelNamesMapping",
  "getHandlerByName",
  "getHandlerNames",
];

/** CPython 3.13's public names of `logging.handlers` (its modules left out), sorted. */
const HANDLERS_PUBLIC = [
  "BaseRotatingHandler",
  "BufferingHandler",
  "DEFAULT_HTTP_LOGGING_PORT",
  "DEFAULT_SOAP_LOGGING_PORT",
  "DEFAULT_TCP_LOGGING_PORT",
  "DEFAULT_UDP_LOGGING_PORT",
  "DatagramHandler",
  "HTTPHandler",
  "MemoryHandler",
  "NTEventLogHandler",
  "QueueHandler",
  "QueueListener",
  "RotatingFileHandler",
  "SMTPHandler",
  "SYSLOG_TCP_PORT",
  "SYSLOG_UDP_PORT",
  "SocketHandler",
  "SysLogHandler",
  "TimedRotatingFileHandler",
  "WatchedFileHandler",
];

/** Where a name is exported from mod.ts when not under its Python name. */
const OUR_NAME: Record<string, string> = {
  raiseExceptions: "settings.raiseExceptions",
};

/** Names deliberately not exported, and why. */
const ABSENT: Record<string, string> = {
  DEFAULT_SOAP_LOGGING_PORT:
    "no handler speaks SOAP, in CPython or here: a leftover constant (9023) nothing uses",
};

Deno.test("MiscTestCase.test__all__: every name of CPython's logging.__all__ and logging.handlers has its counterpart in mod.ts", async () => {
  const ours = mod as unknown as Record<string, unknown>;
  const resolve = (name: string): unknown =>
    (OUR_NAME[name] ?? name).split(".").reduce<unknown>(
      (o, part) => (o as Record<string, unknown> | undefined)?.[part],
      ours,
    );
  const missing = [...LOGGING_ALL, ...HANDLERS_PUBLIC].filter((name) =>
    !(name in ABSENT) && resolve(name) === undefined
  );
  assertEquals(missing, []);
  for (const name of Object.keys(ABSENT)) {
    assert(!(name in ours), `${name} is exported: take it off the list of absent names`);
  }
  if (hasPython) {
    const cpython = await runPython<
      { all: string[]; handlers: string[]; values: Record<string, unknown> }
    >(
      `import json, logging, logging.handlers, types
handlers = sorted(n for n in dir(logging.handlers)
                  if not n.startswith("_")
                  and not isinstance(getattr(logging.handlers, n), types.ModuleType))
values = {}
for module, names in ((logging, logging.__all__), (logging.handlers, handlers)):
    for n in names:
        v = getattr(module, n)
        if isinstance(v, (bool, int, str)):
            values[n] = v
print(json.dumps({"all": logging.__all__, "handlers": handlers, "values": values}))`,
    );
    assertEquals(LOGGING_ALL, cpython.all);
    assertEquals(HANDLERS_PUBLIC, cpython.handlers);
    const values = Object.keys(cpython.values).filter((n) => !(n in ABSENT));
    assertEquals(
      Object.fromEntries(values.map((n) => [n, resolve(n)])),
      Object.fromEntries(values.map((n) => [n, cpython.values[n]])),
    );
  }
});
