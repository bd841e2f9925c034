import type { LevelName } from "../core/levels.ts";
import { KeyError } from "../core/text/errors.ts";
import {
  basicConfig,
  CRITICAL,
  DEBUG,
  disable,
  ERROR,
  Filter,
  Formatter,
  getLogger,
  getLogRecordFactory,
  INFO,
  kw,
  LoggerAdapter,
  LogKwargs,
  LogRecord,
  NOTSET,
  root,
  setLogRecordFactory,
  settings,
  WARNING,
} from "../mod.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./helpers/assert.ts";
import {
  CollectHandler,
  collectingLogger,
  MOD_URL,
  runScript,
  uniqueName,
} from "./helpers/collect.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

Deno.test("getLogger returns one logger per name and builds the dotted tree", () => {
  const base = uniqueName();
  const child = getLogger(`${base}.a.b`);
  assertEquals(child.parent, root, "no ancestor exists yet: the parent is root");
  const mid = getLogger(`${base}.a`);
  assertEquals(child.parent, mid, "the placeholder was replaced by the new logger");
  assertEquals(mid.parent, root);
  const top = getLogger(base);
  assertEquals(mid.parent, top);
  assertEquals(getLogger(`${base}.a.b`), child);
  assertEquals(getLogger(), root);
  assertEquals(getLogger("root"), root);
  assertEquals(top.getChild("a"), mid);
  assertEquals([...top.getChildren()], [mid]);
  assertEquals(String(child), `<Logger ${base}.a.b (WARNING)>`);
});

Deno.test("records propagate to ancestors' handlers unless propagate is false", () => {
  const base = uniqueName();
  const top = getLogger(base);
  const child = getLogger(`${base}.child`);
  const topH = new CollectHandler();
  const childH = new CollectHandler();
  top.addHandler(topH);
  child.addHandler(childH);
  child.warning("one");
  assertEquals(topH.lines, ["one"]);
  assertEquals(childH.lines, ["one"]);
  child.propagate = false;
  child.warning("two");
  assertEquals(topH.lines, ["one"]);
  assertEquals(childH.lines, ["one", "two"]);
});

Deno.test("effective level comes from the nearest ancestor with a level, names accepted", () => {
  const base = uniqueName();
  const top = getLogger(base);
  const child = getLogger(`${base}.x.y`);
  const h = new CollectHandler();
  child.addHandler(h);
  child.propagate = false;
  assertEquals(child.getEffectiveLevel(), WARNING);
  top.setLevel("DEBUG");
  assertEquals(child.getEffectiveLevel(), DEBUG);
  child.debug("shown");
  top.setLevel(ERROR);
  child.warning("hidden");
  child.error("shown too");
  assertEquals(h.lines, ["shown", "shown too"]);
  child.setLevel(INFO);
  assert(child.isEnabledFor(INFO) && !child.isEnabledFor(DEBUG));
  assertEquals(child.level, INFO);
});

Deno.test("an unknown level name is an error that lists the known names", () => {
  const log = getLogger(uniqueName());
  const e = assertThrows(() => log.setLevel("VERBOSE" as LevelName), RangeError, "'VERBOSE'");
  assertStringIncludes(e.message, "DEBUG");
  assertStringIncludes(e.message, "addLevelName");
  // log() raises CPython's TypeError ("level must be an integer"), also listing the names.
  const l = assertThrows(() => log.log("VERBOSE" as LevelName, "x"), TypeError, '"VERBOSE"');
  assertStringIncludes(l.message, "level must be an integer");
  assertStringIncludes(l.message, "DEBUG");
  assertStringIncludes(l.message, "addLevelName");
});

Deno.test("handler levels filter independently of logger levels", () => {
  const log = getLogger(uniqueName());
  log.setLevel(DEBUG);
  log.propagate = false;
  const all = new CollectHandler();
  const errors = new CollectHandler(ERROR);
  log.addHandler(all);
  log.addHandler(errors);
  log.info("i");
  log.error("e");
  log.critical("c");
  assertEquals(all.lines, ["i", "e", "c"]);
  assertEquals(errors.lines, ["e", "c"]);
});

Deno.test("Filter passes a logger and its descendants only", () => {
  const base = uniqueName();
  const h = new CollectHandler();
  h.addFilter(new Filter(`${base}.db`));
  const top = getLogger(base);
  top.addHandler(h);
  getLogger(`${base}.db`).warning("db");
  getLogger(`${base}.db.pool`).warning("pool");
  getLogger(`${base}.dbx`).warning("dbx");
  top.warning("top");
  assertEquals(h.lines, ["db", "pool"]);
});

Deno.test("function filters drop records, and a filter may return a replacement record", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  log.addHandler(h);
  log.addFilter((r: LogRecord) => r.getMessage() !== "drop me");
  h.addFilter((r: LogRecord) => {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(r)), r) as LogRecord;
    copy.msg = `[redacted] ${r.msg}`;
    return copy;
  });
  log.warning("drop me");
  log.warning("keep");
  assertEquals(h.lines, ["[redacted] keep"]);
  assertEquals(h.records[0].msg, "[redacted] keep");
});

Deno.test("disable(level) silences that level and below everywhere until disable(NOTSET)", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  log.addHandler(h);
  disable(WARNING);
  try {
    log.warning("off");
    log.error("on");
    assert(!log.isEnabledFor(WARNING));
  } finally {
    disable(NOTSET);
  }
  log.warning("on again");
  assertEquals(h.lines, ["on", "on again"]);
  log.disabled = true;
  log.critical("disabled logger");
  log.disabled = false;
  assertEquals(h.lines.length, 2);
  assertEquals(CRITICAL, 50);
});

Deno.test("a trailing object is a %(key)s mapping, and kw() carries keyword arguments", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  h.setFormatter(new Formatter("%(user)s:%(message)s"));
  log.addHandler(h);
  log.warning("%(n)d items", { n: 3 }, kw({ extra: { user: "ada" } }));
  assertEquals(h.lines, ["ada:3 items"]);
  assertEquals(h.records[0].user, "ada");
});

Deno.test("extra may not overwrite a record attribute, message or asctime", () => {
  const log = getLogger(uniqueName());
  for (const key of ["msg", "levelno", "message", "asctime"]) {
    const e = assertThrows(
      () => log.warning("x", kw({ extra: { [key]: 1 } })),
      KeyError,
    );
    assertEquals(e.message, `Attempt to overwrite '${key}' in LogRecord`);
  }
});

function helperThatLogs(log: ReturnType<typeof getLogger>, level: number): void {
  log.warning("from helper", kw({ stacklevel: level }));
}

Deno.test("caller information points at the user's call site and honours stacklevel", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  h.setFormatter(new Formatter("%(filename)s:%(lineno)d:%(funcName)s:%(module)s"));
  log.addHandler(h);
  const here = new Error().stack!.split("\n")[1].match(/:(\d+):\d+\)?$/)![1];
  log.warning("direct"); // the line after `here`
  helperThatLogs(log, 1);
  helperThatLogs(log, 2); // reported at this line, in this test
  const [direct, inHelper, atCaller] = h.records;
  assertEquals(direct.filename, "logger_test.ts");
  assertEquals(direct.module, "logger_test");
  assertEquals(direct.lineno, Number(here) + 1);
  assertEquals(direct.pathname, new URL(import.meta.url).pathname);
  assertEquals(inHelper.funcName, "helperThatLogs");
  assertEquals(atCaller.lineno, Number(here) + 3);
  assertEquals(atCaller.funcName, direct.funcName);
});

Deno.test("caller information is skipped when no handler needs it, unless settings say always", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  log.addHandler(h);
  log.warning("cheap");
  assertEquals(h.records[0].pathname, "(unknown file)");
  assertEquals(h.records[0].lineno, 0);
  assertEquals(h.records[0].funcName, "(unknown function)");
  settings.callerInfo = "always";
  try {
    log.warning("full");
  } finally {
    settings.callerInfo = "auto";
  }
  assertEquals(h.records[1].filename, "logger_test.ts");
});

Deno.test("stack_info adds Python's 'Stack (most recent call last):' block", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  log.addHandler(h);
  log.warning("with stack", kw({ stack_info: true }));
  const text = h.lines[0];
  assertMatch(text, /^with stack\nStack \(most recent call last\):\n {2}File "/);
  assertMatch(text, /logger_test\.ts", line \d+, in /);
});

Deno.test("exception() attaches the error and the formatted stack follows the message", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  log.addHandler(h);
  const err = new TypeError("bad thing");
  log.exception("failed: %s", err);
  log.error("explicit", kw(err));
  assertEquals(h.records[0].exc_info, err);
  assertEquals(h.records[0].levelno, ERROR);
  assertMatch(h.lines[0], /^failed: bad thing\nTypeError: bad thing\n {4}at /);
  assertMatch(h.lines[1], /^explicit\nTypeError: bad thing/);
});

Deno.test("LoggerAdapter adds its extra, merging with the call's when mergeExtra is set", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  h.setFormatter(new Formatter("%(request)s %(message)s"));
  log.addHandler(h);
  const plain = new LoggerAdapter(log, { request: "r1" });
  plain.warning("a %d", 1, kw({ extra: { request: "ignored" } }));
  const merging = new LoggerAdapter(log, { request: "r1", user: "u" }, { mergeExtra: true });
  merging.warning("b", kw({ extra: { request: "r2" } }));
  assertEquals(h.lines, ["r1 a 1", "r2 b"]);
  assertEquals(h.records[1].user, "u");
});

Deno.test("exception() without a placeholder for the error still logs the message", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  log.addHandler(h);
  const err = new RangeError("out of range");
  log.exception("save failed", err);
  log.exception("%d of %d saved", 1, 2, err);
  const adapter = new LoggerAdapter(log, null);
  adapter.exception("adapter save failed", err);
  assertEquals(h.records.map((r) => r.getMessage()), [
    "save failed",
    "1 of 2 saved",
    "adapter save failed",
  ]);
  for (const r of h.records) assertEquals(r.exc_info, err);
  assertMatch(h.lines[0], /^save failed\nRangeError: out of range\n {4}at /);
});

Deno.test("LoggerAdapter records point at the caller of the adapter, not at the library", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  h.setFormatter(new Formatter("%(filename)s %(funcName)s %(lineno)d"));
  log.addHandler(h);
  const adapter = new LoggerAdapter(log, { request: "r1" });
  function serve() {
    adapter.warning("slow"); // the line below is the expected lineno - 1
    const expected = new Error().stack!.match(/logger_test\.ts:(\d+):/)![1];
    return Number(expected) - 1;
  }
  const line = serve();
  assertEquals(h.lines, [`logger_test.ts serve ${line}`]);
});

Deno.test("basicConfig configures root once, and force replaces its handlers", () => {
  const saved = [...root.handlers];
  const savedLevel = root.level;
  for (const h of saved) root.removeHandler(h);
  try {
    const first: string[] = [];
    const second: string[] = [];
    basicConfig({ stream: { write: (t: string) => first.push(t) }, level: "INFO" });
    basicConfig({ stream: { write: (t: string) => second.push(t) } }); // ignored: root has one
    const log = getLogger(uniqueName());
    log.info("hello");
    basicConfig({
      force: true,
      stream: { write: (t: string) => second.push(t) },
      format: "{levelname}|{message}",
      style: "{",
    });
    log.warning("again");
    assertEquals(first, [`INFO:${log.name}:hello\n`]);
    assertEquals(second, ["WARNING|again\n"]);
    assertThrows(
      () => basicConfig({ force: true, stream: Deno.stderr, filename: "x.log" }),
      Error,
      "'stream' and 'filename' should not be specified together",
    );
    assertThrows(
      () => basicConfig({ force: true, bogus: 1 } as never),
      Error,
      "Unrecognised argument(s): bogus",
    );
  } finally {
    for (const h of [...root.handlers]) root.removeHandler(h);
    for (const h of saved) root.addHandler(h);
    root.setLevel(savedLevel);
  }
});

Deno.test("a record no handler takes goes to the last-resort handler on stderr", async () => {
  const out = await runScript(`
    import { getLogger } from ${JSON.stringify(MOD_URL)};
    getLogger("lonely").info("not shown");
    getLogger("lonely").warning("shown on stderr %d", 1);
  `);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stderr, "shown on stderr 1\n");
  await Deno.remove(out.dir, { recursive: true });
});

Deno.test("handleError prints Python's report to stderr and never throws into the caller", async () => {
  const out = await runScript(`
    import { getLogger, StreamHandler, settings } from ${JSON.stringify(MOD_URL)};
    const log = getLogger("broken");
    log.addHandler(new StreamHandler(Deno.stdout));
    log.warning("%d apples", "three");
    console.log("still running");
    settings.raiseExceptions = false;
    log.warning("%d pears", "four");
    console.log("silent");
  `);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "still running\nsilent\n");
  assertMatch(
    out.stderr,
    /^--- Logging error ---\nTypeError: %d format: a real number is required, not str\n/,
  );
  assertStringIncludes(out.stderr, "Call stack:\n");
  assertStringIncludes(out.stderr, "Message: '%d apples'\nArguments: ");
  assertEquals(out.stderr.split("--- Logging error ---").length, 2, "reported once");
  await Deno.remove(out.dir, { recursive: true });
});

/** Values that throw whenever anything looks at them. */
function hostileValues(): [string, unknown][] {
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  const throwingTraps = <T extends object>(target: T): T =>
    new Proxy(
      target,
      new Proxy({}, {
        get: () => () => {
          throw new Error("trap");
        },
      }),
    );
  const badError = Object.create(Error.prototype, {
    message: {
      get: () => {
        throw new Error("message getter");
      },
    },
    name: {
      get: () => {
        throw new Error("name getter");
      },
    },
  });
  // An enumerable throwing getter; methods not enumerable, so that as `extra` they are not
  // record attributes to overwrite (a KeyError, as in Python).
  const throwingObject = Object.defineProperties({}, {
    user: {
      enumerable: true,
      get: () => {
        throw new Error("getter");
      },
    },
    toString: {
      value: () => {
        throw new Error("toString");
      },
    },
    valueOf: {
      value: () => {
        throw new Error("valueOf");
      },
    },
    [Symbol.toPrimitive]: {
      value: () => {
        throw new Error("toPrimitive");
      },
    },
  });
  return [
    ["a revoked Proxy", revoked.proxy],
    ["a Proxy whose every trap throws", throwingTraps({})],
    ["an array Proxy whose every trap throws", throwingTraps([])],
    ["a function Proxy whose every trap throws", throwingTraps(function f() {})],
    ["an object whose getter, toString, valueOf and Symbol.toPrimitive throw", throwingObject],
    ["an Error whose name and message throw", badError],
  ];
}

Deno.test("a logging call never throws for a revoked Proxy, throwing traps or getters, wherever it is passed", () => {
  const { log, h, reported } = collectingLogger(
    undefined,
    new Formatter("%(message)s|%(user)s", { defaults: { user: "-" } }),
  );
  for (const [name, v] of hostileValues()) {
    const calls: [string, () => void][] = [
      ["as the message", () => log.warning(v)],
      ["as a %s argument", () => log.warning("value %s", v)],
      ["as a %r argument", () => log.warning("value %r", v)],
      ["as a %d argument", () => log.warning("value %d", v)],
      ["after another argument", () => log.warning("%s and %s", 1, v)],
      ["as the sole trailing mapping", () => log.warning("%(user)s", v)],
      ["to exception()", () => log.exception("failed", v)],
      ["to exception() with a placeholder", () => log.exception("failed: %s", v)],
      ["as kw()'s argument", () => log.warning("x", kw(v as never))],
      ["as kw({ extra })", () => log.warning("x", kw({ extra: v as never }))],
      ["inside kw({ extra })", () => log.warning("x", kw({ extra: { user: v } }))],
      ["as kw({ exc_info })", () => log.warning("x", kw({ exc_info: v }))],
      ["as kw({ stacklevel })", () => log.warning("x", kw({ stacklevel: v as never }))],
      ["to log() through a LoggerAdapter", () => new LoggerAdapter(log, {}).warning("%s", v)],
      [
        "as kw()'s argument through a LoggerAdapter",
        () => new LoggerAdapter(log, {}).warning("x", kw(v as never)),
      ],
      [
        "as kw()'s argument to a merging LoggerAdapter's exception()",
        () => new LoggerAdapter(log, {}, { mergeExtra: true }).exception("x", kw(v as never)),
      ],
    ];
    for (const [where, call] of calls) {
      h.lines = [];
      reported.length = 0;
      try {
        call();
      } catch (error) {
        throw new Error(`${name} ${where}: the logging call threw ${error}`);
      }
      assert(
        h.lines.length + reported.length >= 1,
        `${name} ${where}: the record was logged or its failure reported, not lost silently`,
      );
    }
    assert(!(v instanceof LogKwargs), `${name} is not a LogKwargs, and asking does not throw`);
  }
});

Deno.test("kw({ extra }) that cannot be read is reported and the record is logged with the rest", () => {
  const log = getLogger(uniqueName());
  log.propagate = false;
  const h = new CollectHandler();
  h.setFormatter(new Formatter("%(message)s %(ok)s", { defaults: { ok: "-" } }));
  const reported: string[] = [];
  h.handleError = (_record, error) => void reported.push(String(error));
  log.addHandler(h);
  const extra = {
    ok: "yes",
    get broken(): string {
      throw new Error("no such thing");
    },
  };
  log.warning("first", kw({ extra }));
  assertEquals(h.lines, ["first yes"], "readable attributes are kept");
  assertEquals(reported.length, 1);
  assertStringIncludes(reported[0], "Cannot read kw({ extra })'s 'broken' of a logging call");
  assertStringIncludes(reported[0], "no such thing");
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  log.warning("second", kw({ extra: revoked.proxy }));
  assertEquals(h.lines, ["first yes", "second -"]);
  assertEquals(reported.length, 2);
  assertStringIncludes(reported[1], "Cannot read kw({ extra }) of a logging call");
  log.warning("third", kw({ stacklevel: "2" as never }));
  assertEquals(h.lines.at(-1), "third -");
  assertStringIncludes(reported[2], "'stacklevel' must be a number: current value is 2");
});

Deno.test("a revoked Proxy argument gets Python's logging error report on stderr, and the program goes on", async () => {
  const out = await runScript(`
    import { getLogger, kw, StreamHandler } from ${JSON.stringify(MOD_URL)};
    const log = getLogger("hostile");
    log.addHandler(new StreamHandler(Deno.stdout));
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    log.warning("count %d", proxy);
    log.warning("sole %s", proxy);
    log.warning("with extra", kw({ extra: proxy }));
    log.warning(proxy);
    console.log("still running");
  `);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "sole <Object object>\nwith extra\n<Object object>\nstill running\n");
  const reports = out.stderr.split("--- Logging error ---\n").slice(1);
  assertEquals(reports.length, 2, out.stderr);
  assertMatch(reports[0], /^TypeError: %d format: a real number is required, not object\n/);
  assertStringIncludes(reports[0], "Message: 'count %d'\nArguments: <Array object>\n");
  assertMatch(
    reports[1],
    /^TypeError: Cannot read kw\(\{ extra \}\) of a logging call: TypeError: /,
  );
  assertStringIncludes(reports[1], "Message: 'with extra'\n");
  await Deno.remove(out.dir, { recursive: true });
});

Deno.test("a handler that throws a revoked Proxy still gets its logging error report", async () => {
  const out = await runScript(`
    import { getLogger, Handler } from ${JSON.stringify(MOD_URL)};
    class Throws extends Handler {
      emit() {
        const { proxy, revoke } = Proxy.revocable({}, {});
        revoke();
        throw proxy;
      }
    }
    getLogger("hostile").addHandler(new Throws());
    getLogger("hostile").warning("hello");
    console.log("still running");
  `);
  assertEquals(out.code, 0, out.stderr);
  assertEquals(out.stdout, "still running\n");
  const reports = out.stderr.split("--- Logging error ---\n").slice(1);
  assertEquals(reports.length, 1, out.stderr);
  assertStringIncludes(reports[0], "a value that cannot be described");
  assertStringIncludes(reports[0], "Message: 'hello'\n");
  await Deno.remove(out.dir, { recursive: true });
});

Deno.test("a value whose toString throws gets Python's logging error report, and the handler does not emit the record", async () => {
  const out = await runScript(`
    import { getLogger, StreamHandler } from ${JSON.stringify(MOD_URL)};
    class Bad {
      toString() {
        throw new Error("no str");
      }
    }
    const log = getLogger("bad");
    log.addHandler(new StreamHandler(Deno.stdout));
    log.warning(new Bad());
    log.warning("value %s", new Bad());
    log.warning("value %r", new Bad());
    console.log("still running");
  `);
  assertEquals(out.code, 0, out.stderr);
  // Python: %r does not call __str__, so that record is emitted.
  assertEquals(out.stdout, "value Bad {}\nstill running\n");
  const reports = out.stderr.split("--- Logging error ---\n").slice(1);
  assertEquals(reports.length, 2, out.stderr);
  for (const report of reports) {
    assertMatch(report, /^Error: no str\n {4}at /);
    assertStringIncludes(report, "Call stack:\n");
  }
  assertStringIncludes(reports[0], "Message: Bad {}\nArguments: []\n");
  assertStringIncludes(reports[1], "Message: 'value %s'\nArguments: [ Bad {} ]\n");
  await Deno.remove(out.dir, { recursive: true });
});

Deno.test("every conversion that runs a throwing toString or message getter is reported with that error, never thrown", () => {
  class Bad {
    toString(): string {
      throw new Error("no str");
    }
  }
  const messageless = new Error("x");
  Object.defineProperty(messageless, "message", {
    get() {
      throw new Error("no str");
    },
  });
  const numberish = {
    valueOf(): number {
      throw new Error("valueOf");
    },
    [Symbol.toPrimitive](): number {
      throw new Error("toPrimitive");
    },
  };
  const styles: [string, Formatter][] = [
    ["%", new Formatter("%(message)s|%(user)s", { defaults: { user: "-" } })],
    ["{", new Formatter("{message}|{user}", { style: "{", defaults: { user: "-" } })],
    ["$", new Formatter("${message}|${user}", { style: "$", defaults: { user: "-" } })],
  ];
  for (const [style, formatter] of styles) {
    const { log, h, reported } = collectingLogger(undefined, formatter);
    const calls: [string, () => void, string][] = [
      ["the message", () => log.warning(new Bad()), "no str"],
      ["a %s argument", () => log.warning("value %s", new Bad()), "no str"],
      ["a %(key)s value", () => log.warning("%(b)s", { b: new Bad() }), "no str"],
      ["an Error message whose getter throws", () => log.warning(messageless), "no str"],
      ["a %s Error whose message getter throws", () => log.warning("%s", messageless), "no str"],
      ["an extra attribute", () => log.warning("x", kw({ extra: { user: new Bad() } })), "no str"],
      [
        "a %d argument with throwing valueOf and Symbol.toPrimitive",
        () => log.warning("%d", numberish),
        "%d format: a real number is required, not dict",
      ],
      [
        "a LoggerAdapter's argument",
        () => new LoggerAdapter(log, null).warning("value %s", new Bad()),
        "no str",
      ],
    ];
    for (const [where, call, message] of calls) {
      h.lines = [];
      reported.length = 0;
      call();
      assertEquals(h.lines, [], `style ${style}, ${where}: not emitted`);
      assertEquals(reported.length, 1, `style ${style}, ${where}: reported once`);
      assertEquals((reported[0] as Error).message, message, `style ${style}, ${where}`);
    }
  }
});

Deno.test("extra may overwrite no record attribute, message or asctime, with CPython's KeyError, and that is the only throw", async () => {
  const { log, h, reported } = collectingLogger();
  const sample = new LogRecord("x", 20, "", 0, "m", null, null);
  const attributes = [...new Set([...Object.keys(sample), "message", "asctime"])];
  // Python's LogRecord __dict__, plus message and asctime.
  for (
    const key of [
      "name",
      "msg",
      "args",
      "levelname",
      "levelno",
      "pathname",
      "filename",
      "module",
      "exc_info",
      "exc_text",
      "stack_info",
      "lineno",
      "funcName",
      "created",
      "msecs",
      "relativeCreated",
      "thread",
      "threadName",
      "processName",
      "process",
      "taskName",
      "message",
      "asctime",
    ]
  ) assert(attributes.includes(key), key);
  const messages: Record<string, string | null> = {};
  const names = [
    ...attributes,
    "getMessage",
    "toString",
    "constructor",
    "__proto__",
    "user",
    "it's",
  ];
  for (const key of names) {
    try {
      log.warning("x", kw({ extra: JSON.parse(`{${JSON.stringify(key)}: 1}`) }));
      messages[key] = null;
    } catch (error) {
      assert(error instanceof KeyError, `${key}: ${error}`);
      messages[key] = error.message;
    }
  }
  for (const key of attributes) {
    assertEquals(messages[key], `Attempt to overwrite '${key}' in LogRecord`);
  }
  // Python checks the record's own attributes only: a method name is a new attribute.
  for (const key of ["getMessage", "toString", "constructor", "__proto__", "user", "it's"]) {
    assertEquals(messages[key], null, key);
  }
  const [getMessage, toString, constructor, proto] = h.records;
  assertEquals(Object.getOwnPropertyDescriptor(getMessage, "getMessage")?.value, 1);
  assertEquals(Object.getOwnPropertyDescriptor(toString, "toString")?.value, 1);
  assertEquals(Object.getOwnPropertyDescriptor(constructor, "constructor")?.value, 1);
  assertEquals(Object.getOwnPropertyDescriptor(proto, "__proto__")?.value, 1);
  assert(proto instanceof LogRecord, "__proto__ in extra does not change the record's prototype");
  // As in Python (TypeError: 'int' object is not callable), a record whose getMessage was
  // overwritten cannot be formatted: a logging error, not a throw.
  assertEquals(reported.length, 1);
  assertStringIncludes(String(reported[0]), "getMessage is not a function");
  // The message is CPython's `"Attempt to overwrite %r in LogRecord" % key`.
  const saved = getLogRecordFactory();
  setLogRecordFactory((...a) => Object.assign(saved(...a), { "it's": 0 }));
  try {
    assertThrows(
      () => log.warning("x", kw({ extra: { "it's": 1 } })),
      KeyError,
      `Attempt to overwrite "it's" in LogRecord`,
    );
  } finally {
    setLogRecordFactory(saved);
  }
  if (!hasPython) return;
  const python = await runPython<Record<string, string | null>>(
    `
import json, logging, sys
names = json.load(sys.stdin)
out = {}
for key in names:
    try:
        logging.getLogger("x").makeRecord("x", 30, "", 0, "x", (), None, extra={key: 1})
        out[key] = None
    except KeyError as e:
        out[key] = e.args[0]
old = logging.getLogRecordFactory()
def factory(*a, **k):
    r = old(*a, **k); setattr(r, "it's", 0); return r
logging.setLogRecordFactory(factory)
try:
    logging.getLogger("x").makeRecord("x", 30, "", 0, "x", (), None, extra={"it's": 1})
except KeyError as e:
    out["factory it's"] = e.args[0]
print(json.dumps(out))`,
    names,
  );
  assertEquals(python["factory it's"], `Attempt to overwrite "it's" in LogRecord`);
  delete python["factory it's"];
  assertEquals(messages, python);
});
