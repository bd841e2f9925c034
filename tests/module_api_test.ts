/**
 * The module-level names of Python's `logging.__all__` added in 0.3: handler names
 * (`getHandlerByName`, `getHandlerNames`), `setLoggerClass`/`getLoggerClass` and the manager's
 * own class and record factory, `BASIC_FORMAT`, `Logger.root`, the `log*` switches of
 * `settings`, and `captureWarnings`; each checked against CPython where it is observable.
 */

import {
  BASIC_FORMAT,
  captureWarnings,
  Formatter,
  getHandlerByName,
  getHandlerNames,
  getLogger,
  getLoggerClass,
  getLogRecordFactory,
  Logger,
  type LogRecord,
  makeLogRecord,
  NullHandler,
  root,
  setLoggerClass,
  settings,
} from "../mod.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { CollectHandler, MOD_URL, runScript, uniqueName } from "./helpers/collect.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/** The names of `getHandlerNames()` that start with `prefix`, sorted (as Python's `sorted()`). */
function namesWith(prefix: string): string[] {
  return [...getHandlerNames()].filter((n) => n.startsWith(prefix)).sort();
}

Deno.test("getHandlerNames and getHandlerByName follow naming, renaming and closing as in CPython", async () => {
  const p = uniqueName("hn") + ".";
  const seen: unknown[] = [];
  const h1 = new NullHandler();
  const h2 = new NullHandler();
  const h3 = new NullHandler();
  h1.name = `${p}a`;
  h2.name = `${p}b`;
  h3.name = ""; // an empty name names nothing
  seen.push(namesWith(p), h3.name);
  h1.name = `${p}c`; // renamed: the old name goes
  seen.push(namesWith(p), getHandlerByName(`${p}a`) === null, getHandlerByName(`${p}c`) === h1);
  await h2.close(); // closed: its name goes, the handler keeps it
  seen.push(namesWith(p), getHandlerByName(`${p}b`) === null, h2.name);
  h2.name = `${p}b`; // named again after close: known again, as in CPython
  seen.push(namesWith(p));
  h1.name = null;
  seen.push(namesWith(p), h1.name);
  await h2.close();
  await h3.close();
  await h1.close();
  seen.push(namesWith(p));
  assertEquals(seen, [
    [`${p}a`, `${p}b`],
    "",
    [`${p}b`, `${p}c`],
    true,
    true,
    [`${p}c`],
    true,
    `${p}b`,
    [`${p}b`, `${p}c`],
    [`${p}b`],
    null,
    [],
  ]);
  if (!hasPython) return;
  const python = await runPython(
    `
import json, logging, sys
p = json.load(sys.stdin)
def names():
    return sorted(n for n in logging.getHandlerNames() if n.startswith(p))
seen = []
h1, h2, h3 = logging.Handler(), logging.Handler(), logging.Handler()
h1.name = p + "a"; h2.name = p + "b"; h3.name = ""
seen += [names(), h3.name]
h1.name = p + "c"
seen += [names(), logging.getHandlerByName(p + "a") is None, logging.getHandlerByName(p + "c") is h1]
h2.close()
seen += [names(), logging.getHandlerByName(p + "b") is None, h2.name]
h2.name = p + "b"
seen += [names()]
h1.name = None
seen += [names(), h1.name]
h2.close(); h3.close(); h1.close()
seen += [names()]
print(json.dumps(seen))`,
    p,
  );
  assertEquals(seen, python);
});

Deno.test("getHandlerNames is a snapshot: changing the returned set changes nothing", async () => {
  const h = new NullHandler();
  h.name = uniqueName("snap");
  try {
    const names = getHandlerNames() as Set<string>;
    assert(names.has(h.name));
    names.delete(h.name);
    names.add("not-a-handler");
    assert(getHandlerNames().has(h.name), "the registry is not the set handed out");
    assertEquals(getHandlerByName("not-a-handler"), null);
  } finally {
    await h.close();
  }
});

Deno.test("a name given to a second handler stays with it when the first is renamed or closed (CPython loses it)", async () => {
  const name = uniqueName("moved");
  const first = new NullHandler();
  const second = new NullHandler();
  first.name = name;
  second.name = name;
  assertEquals(getHandlerByName(name), second, "the name moved, as in CPython");
  first.name = `${name}.other`;
  assertEquals(getHandlerByName(name), second);
  first.name = name;
  second.name = name;
  await first.close();
  assertEquals(getHandlerByName(name), second, "closing the first handler keeps the second's name");
  await second.close();
  assertEquals(getHandlerByName(name), null);
  if (!hasPython) return;
  // CPython deletes whatever the old name maps to: the second handler loses its name.
  const python = await runPython<boolean[]>(
    `
import json, logging
a, b = logging.Handler(), logging.Handler()
a.name = "n"; b.name = "n"
out = [logging.getHandlerByName("n") is b]
a.name = "other"
out.append(logging.getHandlerByName("n") is None)
print(json.dumps(out))`,
  );
  assertEquals(python, [true, true]);
});

Deno.test("a named handler that is garbage-collected loses its name, as in CPython", async () => {
  const { code, stdout, stderr, dir } = await runScript(
    `import { getHandlerNames, NullHandler } from "${MOD_URL}";
function make() {
  const h = new NullHandler();
  h.name = "gc.dropped";
}
make();
const kept = new NullHandler();
kept.name = "gc.kept";
const before = [...getHandlerNames()].sort();
await new Promise((r) => setTimeout(r, 0)); // WeakRefs live until the end of the current job
(globalThis as unknown as { gc(): void }).gc();
await new Promise((r) => setTimeout(r, 0));
console.log(JSON.stringify({ before, after: [...getHandlerNames()].sort(), kept: kept.name }));
`,
    ["--allow-all", "--v8-flags=--expose-gc"],
  );
  try {
    assertEquals(code, 0, stderr);
    assertEquals(JSON.parse(stdout), {
      before: ["gc.dropped", "gc.kept"],
      after: ["gc.kept"],
      kept: "gc.kept",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  if (!hasPython) return;
  const python = await runPython(
    `
import gc, json, logging
def make():
    h = logging.Handler(); h.name = "gc.dropped"
make()
kept = logging.Handler(); kept.name = "gc.kept"
gc.collect()
print(json.dumps(sorted(logging.getHandlerNames())))`,
  );
  assertEquals(python, ["gc.kept"]);
});

Deno.test("Handler.name and getHandlerByName refuse what is not a string, naming the fix", async () => {
  const h = new NullHandler();
  try {
    assertThrows(
      () => (h as unknown as { name: unknown }).name = 42,
      TypeError,
      "Cannot set NullHandler.name as it must be a string or null: current value is 42",
    );
    assertEquals(h.name, null);
    (h as unknown as { name: unknown }).name = undefined; // JavaScript's "no value": no name
    assertEquals(h.name, null);
    assertThrows(
      () => getHandlerByName(7 as unknown as string),
      TypeError,
      "Cannot look up a handler as its name must be a string: current value is 7",
    );
  } finally {
    await h.close();
  }
});

Deno.test("setLoggerClass refuses a class not derived from Logger with CPython's TypeError", async () => {
  class Foo {}
  const error = assertThrows(() => setLoggerClass(Foo as never), TypeError);
  assertEquals(getLoggerClass(), Logger, "nothing changed");
  for (const bad of [null, "Logger", {}, () => {}, Object.create(Logger)]) {
    assertThrows(() => setLoggerClass(bad as never), TypeError, "logger not derived from");
  }
  assertThrows(
    () => root.manager.setLoggerClass(Number as never),
    TypeError,
    "logger not derived from logging.Logger: Number (Manager.setLoggerClass needs Logger",
  );
  const revoked = Proxy.revocable(class {}, {});
  revoked.revoke();
  assertThrows(() => setLoggerClass(revoked.proxy as never), TypeError, "logger not derived");
  assertEquals(
    error.message,
    "logger not derived from logging.Logger: Foo (setLoggerClass needs Logger or a class that " +
      "extends it)",
  );
  if (!hasPython) return;
  const python = await runPython<string[]>(
    `
import json, logging
class Foo: pass
out = []
for f in (logging.setLoggerClass, logging.Logger.manager.setLoggerClass):
    try:
        f(Foo)
    except TypeError as e:
        out.append(str(e))
print(json.dumps(out))`,
  );
  assertEquals(python, Array(2).fill("logger not derived from logging.Logger: Foo"));
  assert(error.message.startsWith(python[0]), "CPython's words come first");
});

Deno.test("getLogger creates loggers of the set class, the manager's class first, as in CPython", async () => {
  const p = uniqueName("cls");
  class MyLogger extends Logger {}
  class ManagerLogger extends Logger {}
  const made: string[] = [];
  const className = (name: string) => getLogger(name).constructor.name;
  made.push(className(p)); // exists before: stays a Logger
  setLoggerClass(MyLogger);
  try {
    made.push(getLoggerClass().name, className(`${p}.a.b`), className(`${p}.a`), className(p));
    root.manager.setLoggerClass(ManagerLogger);
    try {
      made.push(className(`${p}.m`), getLoggerClass().name);
    } finally {
      root.manager.setLoggerClass(null);
    }
    made.push(className(`${p}.n`));
  } finally {
    setLoggerClass(Logger);
  }
  made.push(className(`${p}.o`), getLogger(`${p}.a`).parent === getLogger(p) ? "tree" : "broken");
  assertEquals(made, [
    "Logger",
    "MyLogger",
    "MyLogger",
    "MyLogger",
    "Logger",
    "ManagerLogger",
    "MyLogger",
    "MyLogger",
    "Logger",
    "tree",
  ]);
  if (!hasPython) return;
  const python = await runPython(
    `
import json, logging, sys
p = json.load(sys.stdin)
class MyLogger(logging.Logger): pass
class ManagerLogger(logging.Logger): pass
name = lambda n: type(logging.getLogger(n)).__name__
made = [name(p)]
logging.setLoggerClass(MyLogger)
made += [logging.getLoggerClass().__name__, name(p + ".a.b"), name(p + ".a"), name(p)]
logging.Logger.manager.setLoggerClass(ManagerLogger)
made += [name(p + ".m"), logging.getLoggerClass().__name__]
logging.Logger.manager.loggerClass = None
made += [name(p + ".n")]
logging.setLoggerClass(logging.Logger)
made += [name(p + ".o"), "tree" if logging.getLogger(p + ".a").parent is logging.getLogger(p) else "broken"]
print(json.dumps(made))`,
    p,
  );
  assertEquals(made, python);
});

Deno.test("a logger class's own methods work on loggers getLogger makes of it", () => {
  const p = uniqueName("audit");
  const calls: string[] = [];
  class AuditLogger extends Logger {
    constructor(name: string) {
      super(name);
      calls.push(`init ${name}`);
    }
    audit(msg: string): void {
      this.warning("AUDIT %s", msg);
    }
  }
  setLoggerClass(AuditLogger);
  let log: Logger;
  try {
    log = getLogger(p);
  } finally {
    setLoggerClass(Logger);
  }
  const h = new CollectHandler();
  log.addHandler(h);
  log.propagate = false;
  assert(log instanceof AuditLogger);
  log.audit("login");
  log.setLevel("ERROR");
  log.audit("hidden"); // the level cache still works for a subclass (bpo-37258)
  assertEquals(calls, [`init ${p}`]);
  assertEquals(h.lines, ["AUDIT login"]);
  assertEquals(getLogger(p), log, "created once");
});

Deno.test("Manager.setLogRecordFactory makes its loggers' records, over the module's (CPython ignores it)", () => {
  const manager = root.manager;
  const base = getLogRecordFactory();
  const h = new CollectHandler();
  const log = getLogger(uniqueName("mf"));
  log.propagate = false;
  log.addHandler(h);
  manager.setLogRecordFactory((...a) => Object.assign(base(...a), { origin: "manager" }));
  try {
    log.warning("one");
  } finally {
    manager.setLogRecordFactory(null);
  }
  log.warning("two");
  assertEquals(h.records.map((r) => r.origin), ["manager", undefined]);
  assertEquals(manager.logRecordFactory, null);
  assertThrows(
    () => manager.setLogRecordFactory("f" as never),
    TypeError,
    "Cannot call Manager.setLogRecordFactory as 'factory' must be a function",
  );
});

Deno.test("BASIC_FORMAT and Logger.root are CPython's", async () => {
  const log = getLogger(uniqueName("root"));
  const ours = {
    basic: BASIC_FORMAT,
    rootIsRoot: log.root === root && root.root === root && Logger.root === root,
    formatted: new Formatter(BASIC_FORMAT).format(
      makeLogRecord({ name: "app.db", msg: "slow", levelname: "WARNING" }),
    ),
  };
  assertEquals(ours.rootIsRoot, true);
  if (!hasPython) return;
  const python = await runPython(
    `
import json, logging
log = logging.getLogger("x")
print(json.dumps({
  "basic": logging.BASIC_FORMAT,
  "rootIsRoot": log.root is logging.root and logging.root.root is logging.root and logging.Logger.root is logging.root,
  "formatted": logging.Formatter(logging.BASIC_FORMAT).format(logging.makeLogRecord({"name": "app.db", "msg": "slow", "levelname": "WARNING"})),
}))`,
  );
  assertEquals(ours, python);
});

const SWITCHES = ["logThreads", "logProcesses", "logMultiprocessing", "logAsyncioTasks"] as const;

/** Which of a record's thread/process/task attributes are None, with `off` switched off. */
function noneAttributes(off: readonly string[]): string[] {
  const saved = { ...settings };
  try {
    for (const s of off) settings[s as (typeof SWITCHES)[number]] = false;
    const r: LogRecord = makeLogRecord({});
    return (["thread", "threadName", "process", "processName", "taskName"] as const)
      .filter((k) => r[k] === null);
  } finally {
    Object.assign(settings, saved);
  }
}

Deno.test("with the log* switches off, records carry None in the fields CPython empties", async () => {
  const ours = SWITCHES.map((s) => noneAttributes([s]));
  ours.push(noneAttributes([]));
  const saved = { ...settings };
  let formatted: string;
  try {
    for (const s of SWITCHES) settings[s] = false;
    formatted = new Formatter("%(thread)s|%(threadName)s|%(process)s|%(processName)s|%(taskName)s")
      .format(makeLogRecord({}));
  } finally {
    Object.assign(settings, saved);
  }
  // null is the library's None, and prints as "null" (pyStr); CPython prints "None".
  assertEquals(formatted, "null|null|null|null|null");
  assertEquals(ours, [
    ["thread", "threadName", "taskName"],
    ["process", "taskName"],
    ["processName", "taskName"],
    ["taskName"],
    ["taskName"], // Deno has no asyncio tasks: taskName is None either way
  ]);
  const on = makeLogRecord({});
  assertEquals([on.thread, on.threadName, on.processName], [0, "MainThread", "MainProcess"]);
  assertEquals(on.process, Deno.pid);
  if (!hasPython) return;
  const python = await runPython<string[][]>(
    `
import json, logging, sys
switches = json.load(sys.stdin)
def none(off):
    saved = {s: getattr(logging, s) for s in switches}
    try:
        for s in off: setattr(logging, s, False)
        r = logging.makeLogRecord({})
        return [k for k in ("thread", "threadName", "process", "processName", "taskName") if getattr(r, k) is None]
    finally:
        for s, v in saved.items(): setattr(logging, s, v)
print(json.dumps([none([s]) for s in switches] + [none([])]))`,
    SWITCHES,
  );
  assertEquals(ours, python);
});

/** Calls console.warn with every substitution, so that the record's funcName is "caller". */
function caller(): void {
  console.warn("%s left: %d%% (%i) %f %o%c", "disk", 9.7, 3n, "x", [1], "color: red", "tail");
}

Deno.test("captureWarnings routes console.warn to py.warnings and adds a dropping handler to a bare logger", () => {
  const name = uniqueName("warn");
  const log = getLogger(name);
  log.propagate = false;
  assertEquals(log.handlers.length, 0);
  captureWarnings(true, { logger: name });
  try {
    console.warn("dropped: %s", "no handler yet");
    assertEquals(log.handlers.length, 1, "CPython adds a NullHandler to a logger without one");
    const h = new CollectHandler();
    h.setFormatter(new Formatter("%(levelname)s %(name)s %(funcName)s: %(message)s"));
    log.addHandler(h);
    captureWarnings(true, { logger: name }); // again: still one wrapper, same options
    caller();
    console.warn({ a: 1 }, "b", 2);
    console.warn("100%"); // a lone string has no substitutions
    assertEquals(h.lines[0], `WARNING ${name} caller: disk left: 9% (3) NaN [ 1 ] tail`);
    assertEquals(h.records.map((r) => r.getMessage()).slice(1), ["{ a: 1 } b 2", "100%"]);
    assertEquals(h.records[0].args, []);
    assert(h.records[0].pathname.endsWith("module_api_test.ts"), h.records[0].pathname);
  } finally {
    captureWarnings(false);
  }
});

Deno.test("captureWarnings checks its arguments", () => {
  assertThrows(
    () => captureWarnings("yes" as never),
    TypeError,
    `Cannot call captureWarnings as 'capture' must be a boolean: current value is "yes"`,
  );
  assertThrows(
    () => captureWarnings(true, { loger: "x" } as never),
    TypeError,
    "'loger' is not one of its options: did you mean 'logger'?",
  );
  assertThrows(() => captureWarnings(true, "py.warnings" as never), TypeError, "options must be");
  assertThrows(
    () => captureWarnings(true, { logger: 3 } as never),
    TypeError,
    "'logger' must be a logger's name",
  );
  assertThrows(
    () => captureWarnings(true, { errors: "yes" } as never),
    TypeError,
    "'errors' must be a boolean",
  );
  captureWarnings(false); // not capturing: nothing to undo
});

Deno.test("captureWarnings sends console.warn to a FileHandler, cannot recurse, and captureWarnings(false) restores stderr", async () => {
  const { code, stdout, stderr, dir } = await runScript(
    `import { captureWarnings, FileHandler, Formatter, getLogger, Handler, type LogRecord } from "${MOD_URL}";
const h = new FileHandler("warn.log");
h.setFormatter(new Formatter("%(name)s|%(levelname)s|%(filename)s:%(lineno)d|%(message)s"));
const warnings = getLogger("py.warnings");
warnings.addHandler(h);
const cases: unknown[][] = [
  ["plain"], ["%s=%d%%", "cpu", 97.5], [{ a: [1, { b: "x" }] }, 5, "s", null, undefined],
  ["%o|%O|%c|%f|%i", { k: 1 }, [2], "css", "1.5", 7.9], ["%s %s", "one"], ["%x %s", 1, 2],
  [12n, Symbol("s"), true], ["%d", 10n], [new Map([[1, 2]])],
  ["%d|%d|%d|%d|%d|%d|%d|%d|%d", 9.7, "42abc", {}, null, 10n, -0, Infinity, "0x1f", "-0"],
  ["%i|%i|%i", -3.9, "7.5", Symbol("i")], ["%f|%f|%f|%f|%f|%f", "1.5x", 2n, null, -0, "abc", Symbol()],
  ["%s|%s|%s|%s|%s|%s|%s", -0, 10n, { a: 1 }, [1, "x"], Symbol("q"), null, undefined],
  ["%o|%O|%o", "str", -0, "multi\\nline"], ["%c|%c", "color:red", 5], ["a%", 1], ["%", 1], ["%%", 1],
  ["%%%s", 1], ["x", "%s", 3], [-0, 0, 1.5, NaN], ["%s", new Date(0)],
];
for (const c of cases) console.warn(...c); // Deno's own output, on stderr
console.log(cases.length);
captureWarnings(true);
console.warn("disk at %d%%", 91);
for (const c of cases) console.warn(...c);
class Echo extends Handler {
  override emit(r: LogRecord): void {
    console.warn("echo:", r.getMessage()); // inside a captured warning: printed, not captured
  }
}
const echo = new Echo();
warnings.addHandler(echo);
console.warn("second");
warnings.removeHandler(echo);
const saved = console.warn;
captureWarnings(false);
console.log(String(console.warn === saved));
console.warn("after restore");
h.close();
`,
  );
  try {
    assertEquals(code, 0, stderr);
    const lines = Deno.readTextFileSync(`${dir}/warn.log`).split("\n");
    const source = Deno.readTextFileSync(`${dir}/main.ts`).split("\n");
    const lineOf = (text: string) => source.findIndex((l) => l.includes(text)) + 1;
    assertEquals(lines[0], `py.warnings|WARNING|main.ts:${lineOf("disk at")}|disk at 91%`);
    const deno = stderr.split("\n");
    const cases = Number(stdout.split("\n")[0]);
    assert(cases > 20, stdout);
    // The captured text is what Deno's console.warn prints for the same arguments.
    const captured = lines.slice(1, 1 + cases).map((l) => l.split("|").slice(3).join("|"));
    assertEquals(captured, deno.slice(0, cases));
    assertEquals(lines.slice(1 + cases), [
      `py.warnings|WARNING|main.ts:${lineOf('"second"')}|second`,
      "",
    ]);
    assertEquals(deno.slice(cases), ["echo: second", "after restore", ""]);
    assertEquals(stdout, `${cases}\nfalse\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("captureWarnings with errors logs an unhandled rejection and the program still ends as Deno ends it", async () => {
  for (
    const [how, words] of [["reject", "Uncaught (in promise) Error: boom"], [
      "timer",
      "Uncaught Error: boom",
    ]]
  ) {
    const { code, stderr, dir } = await runScript(
      `import { captureWarnings, FileHandler, Formatter, getLogger } from "${MOD_URL}";
const h = new FileHandler("crash.log");
h.setFormatter(new Formatter("%(name)s|%(levelname)s|%(message)s"));
getLogger("app.crash").addHandler(h);
captureWarnings(true, { logger: "app.crash", errors: true });
if ("${how}" === "reject") Promise.reject(new Error("boom"));
else setTimeout(() => { throw new Error("boom"); }, 0);
`,
    );
    try {
      assertEquals(code, 1, "Deno still ends the program with status 1");
      assertStringIncludes(stderr, `error: ${words}`, "and still prints the error");
      const log = Deno.readTextFileSync(`${dir}/crash.log`);
      assert(log.startsWith(`app.crash|WARNING|${words}\nError: boom\n    at `), log);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("captureWarnings(false) leaves a later wrapper of console.warn in place, which then passes through", () => {
  const before = console.warn;
  const name = uniqueName("chain");
  const h = new CollectHandler();
  getLogger(name).addHandler(h);
  getLogger(name).propagate = false;
  const printed: unknown[][] = [];
  const wrapped: unknown[][] = [];
  console.warn = (...data: unknown[]) => void printed.push(data); // what was there before
  try {
    captureWarnings(true, { logger: name });
    const ours = console.warn;
    const later = (...data: unknown[]) => {
      wrapped.push(data);
      ours(...data);
    };
    console.warn = later; // another library wraps console.warn after the capture began
    console.warn("captured");
    captureWarnings(false);
    assertEquals(console.warn, later, "the later wrapper stays");
    console.warn("passed", 1);
    assertEquals(h.lines, ["captured"]);
    assertEquals(wrapped, [["captured"], ["passed", 1]]);
    assertEquals(printed, [["passed", 1]], "the capture's wrapper passes through once it ends");
  } finally {
    captureWarnings(false);
    console.warn = before;
  }
});

Deno.test("captureWarnings logs error events only with errors on, skips cancelled ones, and stops listening on false", () => {
  const name = uniqueName("errs");
  const h = new CollectHandler();
  getLogger(name).addHandler(h);
  getLogger(name).propagate = false;
  const cancel = (e: Event) => e.preventDefault();
  const fire = (message: string, cancelable = false) =>
    dispatchEvent(new ErrorEvent("error", { error: new Error(message), message, cancelable }));
  try {
    captureWarnings(true, { logger: name });
    fire("not captured: errors is off");
    captureWarnings(true, { logger: name, errors: true });
    fire("Uncaught Error: one");
    addEventListener("error", cancel); // after ours: ours still logs
    fire("Uncaught Error: two", true);
    captureWarnings(false);
    removeEventListener("error", cancel);
    addEventListener("error", cancel); // before ours: cancelled first, not logged
    captureWarnings(true, { logger: name, errors: true });
    fire("Uncaught Error: cancelled", true);
    captureWarnings(false);
    removeEventListener("error", cancel);
    fire("not captured: capture is off");
    assertEquals(h.records.map((r) => r.getMessage()), [
      "Uncaught Error: one",
      "Uncaught Error: two",
    ]);
    assert(h.records.every((r) => r.levelname === "WARNING" && r.exc_info instanceof Error));
  } finally {
    removeEventListener("error", cancel);
    captureWarnings(false);
  }
});
