/**
 * CPython 3.13's `LoggerAdapterTest` (Lib/test/test_logging.py), translated: an adapter over the
 * root logger, a handler that keeps every record, and the cookbook's adapters (`PrefixAdapter`,
 * `StyleAdapter`) as TypeScript subclasses.
 *
 * Python's keyword arguments are `kw(...)`; a record's `exc_info` is the error itself (Python's
 * `(type, value, traceback)` tuple has no JavaScript counterpart); "the current exception" of an
 * `except` block is the error passed as the last argument, JavaScript's idiom for it.
 */

import {
  type AdaptedLogger,
  CRITICAL,
  ERROR,
  kw,
  type Level,
  LoggerAdapter,
  LogKwargs,
  type LogKwargsInit,
  type LogRecord,
  NullHandler,
  root,
  settings,
  WARNING,
} from "../mod.ts";
import type { Manager } from "../core/logger.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { resetLogging } from "./helpers/logging_state.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/**
 * CPython's `RecordingHandler`: a `NullHandler` that keeps every record it is handed. It asks
 * for the caller's fields, as a handler that keeps whole records must here (they are collected
 * only for handlers that need them), so that `funcName` is filled in as in CPython.
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

/** CPython's `PrefixAdapter`: puts its `prefix` before the message; it may wrap adapters. */
class PrefixAdapter extends LoggerAdapter<AdaptedLogger> {
  prefix = "Adapter";

  override process(msg: unknown, kwargs: LogKwargsInit): [unknown, LogKwargsInit] {
    return [`${this.prefix} ${msg}`, kwargs];
  }
}

/** CPython's `Message`: a message whose `str()` applies `str.format` (only `{}` is needed). */
class Message {
  constructor(readonly fmt: string, readonly args: unknown[]) {}

  toString(): string {
    let i = 0;
    return this.fmt.replace(/\{\}/g, () => String(this.args[i++]));
  }
}

/**
 * CPython's `StyleAdapter` (the cookbook's): logs a `Message` that formats with `{}`, and adds 1
 * to `stacklevel` for its own frame, which is outside the library.
 */
class StyleAdapter extends LoggerAdapter<AdaptedLogger> {
  override log(level: Level, msg: unknown, ...args: unknown[]): void {
    const last = args.at(-1);
    let kwargs: LogKwargsInit = {};
    if (last instanceof LogKwargs) {
      args.pop();
      kwargs = last.init;
    }
    const { stacklevel = 1, ...rest } = kwargs;
    if (this.isEnabledFor(level as number)) {
      const [processed, init] = this.process(msg, rest);
      this.logger.log(
        level,
        new Message(String(processed), args),
        kw({ ...init, stacklevel: stacklevel + 1 }),
      );
    }
  }
}

/** CPython's `setUp`: an adapter over the root logger, which has a `RecordingHandler`. */
function setUp(): { recording: RecordingHandler; adapter: LoggerAdapter } {
  const recording = new RecordingHandler();
  root.addHandler(recording);
  return { recording, adapter: new LoggerAdapter(root, null) };
}

/** CPython's cleanups: the handler removed and closed, logging as it was. */
async function tearDown(recording: RecordingHandler): Promise<void> {
  root.removeHandler(recording);
  await recording.close();
  resetLogging();
}

Deno.test("LoggerAdapterTest.test_exception: exception() logs at ERROR with the error and keeps the arguments", async () => {
  const { recording, adapter } = setUp();
  try {
    const msg = "testing exception: %r";
    let exc: Error | null = null;
    try {
      throw new RangeError("division by zero"); // CPython: 1 / 0
    } catch (e) {
      exc = e as Error;
      // Python's "current exception" is the error given as the last argument here.
      adapter.exception(msg, recording, e);
    }
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    assertEquals(record.levelno, ERROR);
    assertEquals(record.msg, msg);
    assertEquals(record.args, [recording]);
    assert(record.exc_info === exc);
    assertEquals(record.getMessage(), "testing exception: <RecordingHandler (NOTSET)>");
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_exception_excinfo: exception() with kw({ exc_info }) attaches that error", async () => {
  const { recording, adapter } = setUp();
  try {
    let exc: unknown;
    try {
      throw new RangeError("division by zero");
    } catch (e) {
      exc = e;
    }
    adapter.exception("exc_info test", kw({ exc_info: exc }));
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    assert(record.exc_info === exc);
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_critical: critical() logs at CRITICAL for the adapter's caller", async () => {
  const { recording, adapter } = setUp();
  try {
    (function test_critical() {
      const msg = "critical test! %r";
      adapter.critical(msg, recording);
      assertEquals(recording.records.length, 1);
      const record = recording.records[0];
      assertEquals(record.levelno, CRITICAL);
      assertEquals(record.msg, msg);
      assertEquals(record.args, [recording]);
      assertEquals(record.funcName, "test_critical");
    })();
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_is_enabled_for: the adapter honours the manager's disable level", async () => {
  const { recording, adapter } = setUp();
  const oldDisable = adapter.logger.manager.disable;
  try {
    adapter.logger.manager.disable = 33;
    assertEquals(adapter.isEnabledFor(32), false);
    assertEquals(adapter.isEnabledFor(34), true);
  } finally {
    adapter.logger.manager.disable = oldDisable;
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_has_handlers: hasHandlers() follows the wrapped logger's", async () => {
  const { recording, adapter } = setUp();
  try {
    assert(adapter.hasHandlers());
    for (const handler of [...root.handlers]) root.removeHandler(handler);
    assertEquals(root.hasHandlers(), false);
    assertEquals(adapter.hasHandlers(), false);
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_nested: adapters nest, each process() applies, and manager reaches the logger", async () => {
  const { recording } = setUp();
  try {
    await (async function test_nested() {
      const msg = "Adapters can be nested, yo.";
      const adapter = new PrefixAdapter(root, null);
      const adapterAdapter = new PrefixAdapter(adapter, null);
      adapterAdapter.prefix = "AdapterAdapter";
      assertEquals(String(adapter), String(adapterAdapter));
      assertEquals(String(adapterAdapter), "<PrefixAdapter root (WARNING)>");
      if (hasPython) {
        const repr = await runPython<string[]>(
          `import json, logging
class PrefixAdapter(logging.LoggerAdapter):
    pass
a = PrefixAdapter(logging.root, None)
print(json.dumps([repr(a), repr(PrefixAdapter(a, None))]))`,
        );
        assertEquals([String(adapter), String(adapterAdapter)], repr);
      }
      adapterAdapter.log(CRITICAL, msg, recording);
      assertEquals(recording.records.length, 1);
      const record = recording.records[0];
      assertEquals(record.levelno, CRITICAL);
      assertEquals(record.msg, `Adapter AdapterAdapter ${msg}`);
      assertEquals(record.args, [recording]);
      assertEquals(record.funcName, "test_nested");
      const origManager = adapterAdapter.manager;
      assert(adapter.manager === origManager);
      assert(root.manager === origManager);
      const tempManager = {} as Manager; // CPython: object()
      try {
        adapterAdapter.manager = tempManager;
        assert(adapterAdapter.manager === tempManager);
        assert(adapter.manager === tempManager);
        assert(root.manager === tempManager);
      } finally {
        adapterAdapter.manager = origManager;
      }
      assert(adapterAdapter.manager === origManager);
      assert(adapter.manager === origManager);
      assert(root.manager === origManager);
    })();
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_styled_adapter: the cookbook's StyleAdapter formats with {} and reports its caller", async () => {
  const { recording } = setUp();
  try {
    (function test_styled_adapter() {
      const records = recording.records;
      const adapter = new StyleAdapter(root);
      adapter.warning("Hello, {}!", "world");
      assertEquals(String(records.at(-1)!.msg), "Hello, world!");
      assertEquals(records.at(-1)!.funcName, "test_styled_adapter");
      adapter.log(WARNING, "Goodbye {}.", "world");
      assertEquals(String(records.at(-1)!.msg), "Goodbye world.");
      assertEquals(records.at(-1)!.funcName, "test_styled_adapter");
    })();
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_nested_styled_adapter: a StyleAdapter over a PrefixAdapter applies both", async () => {
  const { recording } = setUp();
  try {
    (function test_nested_styled_adapter() {
      const records = recording.records;
      const adapter = new PrefixAdapter(root);
      adapter.prefix = "{}";
      const adapter2 = new StyleAdapter(adapter);
      adapter2.warning("Hello, {}!", "world");
      assertEquals(String(records.at(-1)!.msg), "{} Hello, world!");
      assertEquals(records.at(-1)!.funcName, "test_nested_styled_adapter");
      adapter2.log(WARNING, "Goodbye {}.", "world");
      assertEquals(String(records.at(-1)!.msg), "{} Goodbye world.");
      assertEquals(records.at(-1)!.funcName, "test_nested_styled_adapter");
    })();
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_find_caller_with_stacklevel: stacklevel counts the adapter's callers", async () => {
  const { recording, adapter } = setUp();
  try {
    (function test_find_caller_with_stacklevel() {
      let theLevel = 1;
      // A bound method adds no frame, as Python's bound method adds none.
      const trigger = adapter.warning.bind(adapter);

      function innermost() {
        trigger("test", kw({ stacklevel: theLevel }));
      }

      function inner() {
        innermost();
      }

      function outer() {
        inner();
      }

      const records = recording.records;
      outer();
      assertEquals(records.at(-1)!.funcName, "innermost");
      let lineno = records.at(-1)!.lineno;
      theLevel += 1;
      outer();
      assertEquals(records.at(-1)!.funcName, "inner");
      assert(records.at(-1)!.lineno > lineno);
      lineno = records.at(-1)!.lineno;
      theLevel += 1;
      outer();
      assertEquals(records.at(-1)!.funcName, "outer");
      assert(records.at(-1)!.lineno > lineno);
      lineno = records.at(-1)!.lineno;
      theLevel += 1;
      outer();
      assertEquals(records.at(-1)!.funcName, "test_find_caller_with_stacklevel");
      assert(records.at(-1)!.lineno > lineno);
    })();
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_extra_in_records: the adapter's extra is on every record", async () => {
  const { recording } = setUp();
  try {
    const adapter = new LoggerAdapter(root, { foo: "1" });
    adapter.critical("foo should be here");
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    assert("foo" in record);
    assertEquals(record.foo, "1");
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_extra_not_merged_by_default: a call's extra is dropped without mergeExtra", async () => {
  const { recording, adapter } = setUp();
  try {
    adapter.critical("foo should NOT be here", kw({ extra: { foo: "nope" } }));
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    assertEquals("foo" in record, false);
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_extra_merged: with mergeExtra the call's extra joins the adapter's", async () => {
  const { recording } = setUp();
  try {
    const adapter = new LoggerAdapter(root, { foo: "1" }, { mergeExtra: true });
    adapter.critical("foo and bar should be here", kw({ extra: { bar: "2" } }));
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    assert("foo" in record);
    assert("bar" in record);
    assertEquals(record.foo, "1");
    assertEquals(record.bar, "2");
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapterTest.test_extra_merged_log_call_has_precedence: the call's extra wins over the adapter's", async () => {
  const { recording } = setUp();
  try {
    const adapter = new LoggerAdapter(root, { foo: "1" }, { mergeExtra: true });
    adapter.critical("foo shall be min", kw({ extra: { foo: "2" } }));
    assertEquals(recording.records.length, 1);
    const record = recording.records[0];
    assert("foo" in record);
    assertEquals(record.foo, "2");
  } finally {
    await tearDown(recording);
  }
});

// Beyond CPython's tests: the rest of CPython's LoggerAdapter API.

Deno.test("LoggerAdapter's repr and warn() are CPython's", async () => {
  const { recording, adapter } = setUp();
  try {
    root.setLevel("ERROR");
    const named = new LoggerAdapter(root.manager.getLogger("adapter.repr"), { a: 1 });
    const texts = [String(adapter), String(named), `${new PrefixAdapter(named)}`];
    root.setLevel(WARNING);
    adapter.warn("deprecated alias %s", "warn");
    assertEquals(recording.records.map((r) => [r.levelno, r.getMessage()]), [
      [WARNING, "deprecated alias warn"],
    ]);
    if (hasPython) {
      const expected = await runPython<string[]>(
        `import json, logging
class PrefixAdapter(logging.LoggerAdapter):
    pass
logging.root.setLevel(logging.ERROR)
named = logging.LoggerAdapter(logging.getLogger("adapter.repr"), {"a": 1})
print(json.dumps([repr(logging.LoggerAdapter(logging.root, None)), repr(named), repr(PrefixAdapter(named))]))`,
      );
      assertEquals(texts, expected);
    }
    assertEquals(texts, [
      "<LoggerAdapter root (ERROR)>",
      "<LoggerAdapter adapter.repr (ERROR)>",
      "<PrefixAdapter adapter.repr (ERROR)>",
    ]);
    // With the default type parameter, `logger` is a Logger (its handlers are there to read);
    // a subclass over a Logger only refuses an adapter at compile time.
    class LoggerOnly extends LoggerAdapter {}
    assertEquals(new LoggerOnly(root).logger.handlers, [recording]);
    // @ts-expect-error LoggerOnly wraps a Logger, not an adapter
    assertEquals(new LoggerOnly(named).name, "adapter.repr");
  } finally {
    await tearDown(recording);
  }
});

Deno.test("LoggerAdapter.log with a level that is not one fails as Logger.log does (CPython: TypeError)", () => {
  const adapter = new LoggerAdapter(root, {});
  for (const bad of ["10", "NOPE", {}]) {
    const fromLogger = assertThrows(() => root.log(bad as never, "m"), TypeError);
    const fromAdapter = assertThrows(() => adapter.log(bad as never, "m"), TypeError);
    assertEquals(fromAdapter.message, fromLogger.message);
    assert(fromAdapter.message.startsWith("level must be an integer"), fromAdapter.message);
  }
  settings.raiseExceptions = false;
  try {
    adapter.log("NOPE" as never, "m"); // nothing logged, nothing thrown, as Logger.log
  } finally {
    settings.raiseExceptions = true;
  }
});
