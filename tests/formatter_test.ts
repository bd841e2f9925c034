/**
 * Formatter and BufferingFormatter against CPython 3.13's logging.Formatter.
 *
 * The differential table runs on the JavaScript side in a `deno run` subprocess of this file
 * (the `import.meta.main` branch) started with `TZ=America/New_York`, because the test runner
 * shares its process environment between test files; CPython gets the same `TZ`.
 */

import { BufferingFormatter, Formatter, type FormatterOptions } from "../core/formatter.ts";
import { ValueError } from "../core/text/errors.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { gmtime, localtime } from "../core/text/strftime.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const TZ = "America/New_York";

/** The record every case starts from; Python's attribute names and types. */
const BASE: Record<string, unknown> = {
  name: "app",
  levelno: 20,
  levelname: "INFO",
  msg: "hello",
  args: [],
  pathname: "/srv/app/main.py",
  filename: "main.py",
  module: "main",
  lineno: 42,
  funcName: "handle",
  created: 1700000000.123,
  msecs: 123,
  relativeCreated: 1234.5,
  thread: 140000,
  threadName: "MainThread",
  process: 4242,
  processName: "MainProcess",
  taskName: null,
  exc_info: null,
  exc_text: null,
  stack_info: null,
};

interface Case {
  fmt?: string | null;
  datefmt?: string | null;
  style?: "%" | "{" | "$";
  defaults?: Record<string, unknown>;
  validate?: boolean;
  converter?: "gmtime" | "localtime";
  /** Sets Python's `default_msec_format`. */
  msecFormat?: string | null;
  /** Sets Python's `default_time_format`. */
  timeFormat?: string;
  record?: Record<string, unknown>;
}

const EXC_TEXT = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: bad';
const STACK = 'Stack (most recent call last):\n  File "x.py", line 9, in main';

const CASES: Case[] = [
  // '%' style
  { fmt: "%(message)s" },
  { fmt: null },
  { fmt: "" },
  { fmt: "%(levelname)s:%(name)s:%(message)s" },
  { fmt: "%(asctime)s %(levelname)s %(name)s %(message)s" },
  { fmt: "%(asctime)s %(levelname)s %(name)s %(message)s", converter: "gmtime" },
  { fmt: "%(asctime)s", datefmt: "%Y-%m-%dT%H:%M:%S%z" },
  { fmt: "%(asctime)s", datefmt: "%d/%b/%Y:%H:%M:%S %z", converter: "gmtime" },
  { fmt: "%(asctime)s", datefmt: "%a %b %d %H:%M:%S %Y" },
  { fmt: "%(asctime)s", datefmt: "%c | %x | %X" },
  { fmt: "%(asctime)s", datefmt: "%I:%M:%S %p %Z" },
  { fmt: "%(asctime)s", datefmt: "%j %U %W %w %u %G-W%V" },
  { fmt: "%(asctime)s", datefmt: "%e %k %l %P %-d %-H %_m" },
  { fmt: "%(asctime)s", datefmt: "%Y-%m-%d %H:%M:%S.%f" },
  { fmt: "%(asctime)s", datefmt: "%s" },
  { fmt: "%(asctime)s", datefmt: "%y%m%d %B %A %h %C %D %F %R %T %r %n%t%%" },
  { fmt: "%(asctime)s", datefmt: "" },
  { fmt: "%(asctime)s %(message)s", msecFormat: "%s.%03d" },
  { fmt: "%(asctime)s %(message)s", msecFormat: null },
  { fmt: "%(asctime)s %(message)s", timeFormat: "%H:%M:%S", converter: "gmtime" },
  {
    fmt: "%(asctime)s %(message)s",
    datefmt: "%H:%M:%S %Z %z",
    record: { created: 1699162200.5, msecs: 500 },
  },
  {
    fmt: "%(asctime)s %(message)s",
    datefmt: "%H:%M:%S %Z %z",
    record: { created: 1699165800.25, msecs: 250 },
  },
  { fmt: "%(asctime)s", record: { created: 0.999, msecs: 999 } },
  { fmt: "%(asctime)s", converter: "gmtime", record: { created: 1709164800.007, msecs: 7 } },
  { fmt: "%(asctime)s", record: { created: 1609459199.5, msecs: 500 } },
  { fmt: "%(levelname)-8s|%(name)10s|%(message)s" },
  { fmt: "%(levelname)-8s|%(message)s", record: { levelname: "CRITICAL", levelno: 50 } },
  { fmt: "[%(levelname)s] %(message)s", record: { levelname: "Level 25", levelno: 25 } },
  { fmt: "%(created)f %(msecs)d %(relativeCreated)d" },
  { fmt: "%(levelno)d %(lineno)d %(funcName)s %(module)s %(filename)s %(pathname)s" },
  {
    fmt: "%(thread)d %(threadName)s %(process)d %(processName)s %(taskName)s",
    record: { taskName: "Task-1" },
  },
  { fmt: "%(levelno)05d %(levelno)x %(levelno)o %(lineno)+d %(name).2s" },
  { fmt: "%(message)r" },
  { fmt: "100%% %(message)s" },
  { record: { msg: "request %d handled in %.2f ms", args: [42, 3.14159] } },
  { record: { msg: "%(user)s logged in from %(ip)s", args: { user: "ada", ip: "10.0.0.1" } } },
  { record: { msg: "100%", args: [] } },
  { record: { msg: 42 } },
  { fmt: "%(name)s %(message)s", record: { name: "app.db", msg: "héllo ✓ 😀" } },
  { fmt: "%(user)s %(message)s", record: { user: "ada" } },
  { fmt: "%(user)s %(message)s", defaults: { user: "-" } },
  { fmt: "%(user)s %(message)s", defaults: { user: "-" }, record: { user: "ada" } },
  { fmt: "%(user)s %(message)s" },
  { fmt: "%(message)s", record: { exc_text: EXC_TEXT } },
  { fmt: "%(message)s", record: { stack_info: STACK } },
  { fmt: "%(levelname)s %(message)s", record: { exc_text: EXC_TEXT, stack_info: STACK } },
  { fmt: "%(message)s", record: { msg: "ends with newline\n", exc_text: EXC_TEXT } },
  { fmt: "%(message)s", record: { msg: "two\nlines", stack_info: STACK } },
  // '{' style
  { fmt: "{message}", style: "{" },
  { fmt: null, style: "{" },
  { fmt: "{levelname:<8}|{name:>10}|{message}", style: "{" },
  { fmt: "{asctime} {levelname} {message}", style: "{", converter: "gmtime" },
  { fmt: "{asctime:.10} {message}", style: "{" },
  { fmt: "{levelno:03d} {levelno:x} {created:.3f} {lineno:>6,}", style: "{" },
  { fmt: "{message!r} {name!s:^12}|", style: "{" },
  { fmt: "{user} {message}", style: "{", defaults: { user: "-" } },
  { fmt: "{{literal}} {message}", style: "{" },
  { fmt: "{msecs:03.0f} {relativeCreated:.1f}", style: "{" },
  { fmt: "{message}", style: "{", record: { exc_text: EXC_TEXT, stack_info: STACK } },
  { fmt: "{args[0]}-{args[1]}", style: "{", record: { msg: "%s %s", args: ["a", "b"] } },
  { fmt: "{user}", style: "{" },
  { fmt: "{levelname:*^11}", style: "{" },
  // '$' style
  { fmt: "${message}", style: "$" },
  { fmt: null, style: "$" },
  { fmt: "$levelname $name $message", style: "$" },
  { fmt: "${asctime} ${message}", style: "$", datefmt: "%d.%m.%Y %H:%M" },
  { fmt: "$asctime $message", style: "$", converter: "gmtime" },
  { fmt: "$$ ${message}", style: "$" },
  { fmt: "${user}-$message", style: "$", defaults: { user: "-" } },
  { fmt: "${message}", style: "$", record: { exc_text: EXC_TEXT } },
  { fmt: "$user", style: "$" },
  // validate=false keeps a format CPython would reject
  { fmt: "no fields", validate: false },
  { fmt: "plain", style: "$", validate: false },
];

/** [style, fmt] pairs for CPython's construction-time validation. */
const VALIDATION: ["%" | "{" | "$" | string, string][] = [
  ["%", "%(message)s"],
  ["%", "no fields"],
  ["%", "%(asctime)"],
  ["%", "%(asctime)x"],
  ["%", "%(a)-#0+ 5.*s"],
  ["%", "%(é)s"],
  ["%", "%(a b)s"],
  ["%", "%s"],
  ["%", "%(a)5"],
  ["%", "%(a)5.s"],
  ["%", "it's %d"],
  ["{", "{message}"],
  ["{", "no fields"],
  ["{", "{}"],
  ["{", "{0}"],
  ["{", "{a.b}"],
  ["{", "{a[0]}"],
  ["{", "{a-b}"],
  ["{", "{a!r}"],
  ["{", "{a!x}"],
  ["{", "{a!}"],
  ["{", "{a!rr}"],
  ["{", "{a:<8}"],
  ["{", "{a:xx}"],
  ["{", "{a:{b}}"],
  ["{", "{a"],
  ["{", "a}"],
  ["{", "{"],
  ["{", "{{}}"],
  ["{", "{a[]}"],
  ["{", "{ a}"],
  ["{", "{a:{b!r}}"],
  ["{", "{a:{{}}"],
  ["{", "{a[}"],
  ["{", "{a{b}"],
  ["{", "{a:\n}"],
  ["{", "{it's}"],
  ["{", "{a:=+#010,.3%}"],
  ["{", "{a-b} {"],
  ["{", "{a!x} }"],
  ["{", "{a:xx} {b!}"],
  ["{", "{a} {"],
  ["$", "${message}"],
  ["$", "no fields"],
  ["$", "$a"],
  ["$", "$$"],
  ["$", "$"],
  ["$", "${a"],
  ["$", "$1"],
  ["$", "$é"],
  ["$", "$_a1 $$"],
  ["x", "%(message)s"],
  ["", "%(message)s"],
];

function describe(e: unknown): string {
  return e instanceof Error ? `ERR ${e.name}: ${e.message}` : `ERR ${String(e)}`;
}

function buildFormatter(c: Case): Formatter {
  const options: FormatterOptions = { datefmt: c.datefmt ?? null, style: c.style ?? "%" };
  if (c.validate !== undefined) options.validate = c.validate;
  if (c.defaults !== undefined) options.defaults = c.defaults;
  const f = new Formatter(c.fmt ?? null, options);
  if (c.converter === "gmtime") f.converter = gmtime;
  if (c.converter === "localtime") f.converter = localtime;
  if (c.msecFormat !== undefined) f.defaultMsecFormat = c.msecFormat;
  if (c.timeFormat !== undefined) f.defaultTimeFormat = c.timeFormat;
  return f;
}

function runCases(): string[] {
  return CASES.map((c) => {
    try {
      return buildFormatter(c).format(makeLogRecord({ ...BASE, ...c.record }));
    } catch (e) {
      return describe(e);
    }
  });
}

function runValidation(): string[] {
  return VALIDATION.map(([style, fmt]) => {
    try {
      new Formatter(fmt, { style: style as "%" });
      return "OK";
    } catch (e) {
      return describe(e);
    }
  });
}

const PYTHON = `
import json, logging, sys, time
inp = json.load(sys.stdin)

def describe(e):
    return "ERR %s: %s" % (type(e).__name__, e)

out = []
for c in inp["cases"]:
    try:
        f = logging.Formatter(c.get("fmt"), c.get("datefmt"), c.get("style", "%"),
                              c.get("validate", True), defaults=c.get("defaults"))
        if c.get("converter") == "gmtime":
            f.converter = time.gmtime
        if "msecFormat" in c:
            f.default_msec_format = c["msecFormat"]
        if "timeFormat" in c:
            f.default_time_format = c["timeFormat"]
        attrs = dict(inp["base"])
        attrs.update(c.get("record", {}))
        if isinstance(attrs["args"], list):
            attrs["args"] = tuple(attrs["args"])
        for key in ("created", "msecs", "relativeCreated"):
            attrs[key] = float(attrs[key])
        out.append(f.format(logging.makeLogRecord(attrs)))
    except Exception as e:
        out.append(describe(e))

validation = []
for style, fmt in inp["validation"]:
    try:
        logging.Formatter(fmt, style=style)
        validation.append("OK")
    except Exception as e:
        validation.append(describe(e))
print(json.dumps({"cases": out, "validation": validation}))
`;

if (import.meta.main) {
  // The subprocess side of the differential table.
  console.log(JSON.stringify({ cases: runCases() }));
} else {
  const hasPython = await pythonAvailable();
  let oracle: Promise<{ cases: string[]; validation: string[] }> | undefined;
  const python = () =>
    oracle ??= runPython(PYTHON, { base: BASE, cases: CASES, validation: VALIDATION }, { TZ });

  Deno.test({
    name: `Formatter output equals CPython's for ${CASES.length} fmt/datefmt/style/defaults cases`,
    ignore: !hasPython,
    async fn() {
      assert(CASES.length >= 50);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "--no-prompt", "--allow-read=/usr/share/zoneinfo", import.meta.filename!],
        env: { TZ },
        stdout: "piped",
        stderr: "piped",
      }).output();
      const [out, theirs] = await Promise.all([child, python()]);
      if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
      const ours: string[] = JSON.parse(new TextDecoder().decode(out.stdout)).cases;
      const diffs = CASES.flatMap((c, i) =>
        ours[i] === theirs.cases[i] ? [] : [
          `${JSON.stringify(c)}\n  ours:    ${JSON.stringify(ours[i])}\n  CPython: ${
            JSON.stringify(theirs.cases[i])
          }`,
        ]
      );
      assertEquals(diffs, []);
    },
  });

  Deno.test({
    name: "Formatter validation accepts and rejects formats with CPython's messages",
    ignore: !hasPython,
    async fn() {
      const theirs = await python();
      const ours = runValidation();
      const diffs = VALIDATION.flatMap(([style, fmt], i) =>
        ours[i] === theirs.validation[i]
          ? []
          : [`${style} ${JSON.stringify(fmt)}: ours ${ours[i]}, CPython ${theirs.validation[i]}`]
      );
      assertEquals(diffs, []);
    },
  });
}

// ---------------------------------------------------------------------------------------------

function record(attrs: Record<string, unknown> = {}): LogRecord {
  return makeLogRecord({ ...BASE, ...attrs });
}

Deno.test("Formatter rejects an unknown style, naming the valid ones", () => {
  assertThrows(
    () => new Formatter("%(message)s", { style: "x" as "%" }),
    ValueError,
    "Style must be one of: %,{,$",
  );
});

Deno.test("Formatter exposes fmt, style, datefmt and Python's time defaults", () => {
  const f = new Formatter(null, { style: "{", datefmt: "%H:%M" });
  assertEquals(f.fmt, "{message}");
  assertEquals(f.style, "{");
  assertEquals(f.datefmt, "%H:%M");
  assertEquals(f.defaultTimeFormat, "%Y-%m-%d %H:%M:%S");
  assertEquals(f.defaultMsecFormat, "%s,%03d");
  assert(f.converter === localtime);
});

Deno.test("Formatter.prototype.converter switches every formatter to UTC, like Python", () => {
  const a = new Formatter("%(asctime)s");
  const b = new Formatter("%(asctime)s");
  const saved = Formatter.prototype.converter;
  try {
    Formatter.prototype.converter = gmtime;
    assertEquals(a.format(record()), "2023-11-14 22:13:20,123");
    assertEquals(b.format(record()), "2023-11-14 22:13:20,123");
  } finally {
    Formatter.prototype.converter = saved;
  }
});

Deno.test("Formatter's per-second asctime cache follows the second, the format and the converter", () => {
  const f = new Formatter("%(asctime)s");
  f.converter = gmtime;
  assertEquals(
    f.format(record({ created: 1700000000.998, msecs: 998 })),
    "2023-11-14 22:13:20,998",
  );
  assertEquals(
    f.format(record({ created: 1700000000.999, msecs: 999 })),
    "2023-11-14 22:13:20,999",
  );
  assertEquals(f.format(record({ created: 1700000001, msecs: 0 })), "2023-11-14 22:13:21,000");
  f.defaultTimeFormat = "%H:%M:%S";
  assertEquals(f.format(record({ created: 1700000001, msecs: 0 })), "22:13:21,000");
  f.converter = (s) => gmtime(s + 3600);
  assertEquals(f.format(record({ created: 1700000001, msecs: 0 })), "23:13:21,000");
  assertEquals(f.formatTime(record(), "%Y"), "2023");
});

Deno.test("Formatter honours a subclass's usesTime and formatTime", () => {
  class Always extends Formatter {
    override usesTime(): boolean {
      return true;
    }
    override formatTime(): string {
      return "NOW";
    }
  }
  const r = record();
  new Always("%(message)s").format(r);
  assertEquals(r.asctime, "NOW");
  assertEquals(new Always("%(asctime)s|%(message)s").format(record()), "NOW|hello");
});

Deno.test("Formatter.format caches the formatted error in exc_text", () => {
  let calls = 0;
  class Counting extends Formatter {
    override formatException(error: unknown): string {
      calls++;
      return super.formatException(error);
    }
  }
  const error = new Error("boom");
  const r = record({ msg: "failed", exc_info: error });
  const f = new Counting("%(levelname)s %(message)s");
  const first = f.format(r);
  assertEquals(first, `INFO failed\n${error.stack}`);
  assertEquals(r.exc_text, error.stack);
  assertEquals(f.format(r), first);
  assertEquals(calls, 1);
});

Deno.test("Formatter.format reports a missing field as Python's ValueError", () => {
  assertThrows(
    () => new Formatter("%(user)s").format(record()),
    ValueError,
    "Formatting field not found in record: 'user'",
  );
});

Deno.test("Formatter.format raises what a value's toString throws, in every style, as Python's str() does", () => {
  class Bad {
    toString(): string {
      throw new Error("no str");
    }
  }
  const messageless = new Error("x");
  Object.defineProperty(messageless, "message", {
    get() {
      throw new Error("no message");
    },
  });
  const cases: [string, Formatter, Record<string, unknown>][] = [
    ["the message is the object", new Formatter(), { msg: new Bad() }],
    ["a %s argument", new Formatter(), { msg: "x %s", args: [new Bad()] }],
    ["a %(key)s of the message's mapping", new Formatter(), {
      msg: "%(b)s",
      args: { b: new Bad() },
    }],
    ["the message is an Error whose message throws", new Formatter(), { msg: messageless }],
    ["a %(user)s field", new Formatter("%(user)s %(message)s"), { user: new Bad() }],
    ["a {user} field", new Formatter("{user} {message}", { style: "{" }), { user: new Bad() }],
    ["a ${user} field", new Formatter("${user} ${message}", { style: "$" }), { user: new Bad() }],
  ];
  for (const [name, f, fields] of cases) {
    const r = record(fields);
    let thrown: unknown;
    try {
      f.format(r);
    } catch (error) {
      thrown = error;
    }
    assert(thrown instanceof Error, `${name}: format() raised`);
    assertMatch(thrown.message, /^no (str|message)$/, name);
  }
  // repr conversions do not call a throwing toString (Python's repr does not call __str__).
  assertEquals(
    new Formatter("{user!r} {message}", { style: "{" })
      .format(record({ user: new Bad() })),
    "Bad {} hello",
  );
  assertEquals(
    new Formatter("%(user)r %(message)s").format(record({ user: new Bad() })),
    "Bad {} hello",
  );
});

Deno.test("formatException prints a JS error's stack, which starts with Name: message", () => {
  const error = new RangeError("out of range");
  const text = new Formatter().formatException(error);
  assertEquals(text, error.stack);
  assertMatch(text, /^RangeError: out of range\n {4}at /);
});

Deno.test("formatException chains causes the way Python chains exceptions", () => {
  const root = new TypeError("root cause");
  const middle = new Error("middle", { cause: root });
  const top = new Error("top", { cause: middle });
  const sep = "\n\nThe above exception was the direct cause of the following exception:\n\n";
  assertEquals(
    new Formatter().formatException(top),
    root.stack + sep + middle.stack + sep + top.stack,
  );
});

Deno.test("formatException survives a cause cycle", () => {
  const a = new Error("a");
  const b = new Error("b", { cause: a });
  (a as { cause?: unknown }).cause = b;
  const text = new Formatter().formatException(a);
  assertEquals(text.split("The above exception").length, 2);
});

Deno.test("formatException lays out an AggregateError like Python's ExceptionGroup", () => {
  const withStack = <E extends Error>(e: E, stack: string): E => {
    e.stack = stack;
    return e;
  };
  const inner = withStack(
    new AggregateError([withStack(new Error("k"), "Error: k")], "sub"),
    "AggregateError: sub",
  );
  const group = withStack(
    new AggregateError([
      withStack(new TypeError("t"), "TypeError: t\n    at f (a.ts:1:1)"),
      inner,
    ], "eg"),
    "AggregateError: eg\n    at main (a.ts:9:9)",
  );
  assertEquals(
    new Formatter().formatException(group),
    [
      "  + AggregateError: eg",
      "  |     at main (a.ts:9:9)",
      "  +-+---------------- 1 ----------------",
      "    | TypeError: t",
      "    |     at f (a.ts:1:1)",
      "    +---------------- 2 ----------------",
      "    | AggregateError: sub",
      "    +-+---------------- 1 ----------------",
      "      | Error: k",
      "      +------------------------------------",
    ].join("\n"),
  );
});

Deno.test("formatException shows at most 15 errors of an AggregateError", () => {
  const errors = Array.from({ length: 17 }, (_, i) => {
    const e = new Error(String(i));
    e.stack = `Error: ${i}`;
    return e;
  });
  const text = new Formatter().formatException(new AggregateError(errors, "many"));
  assertStringIncludes(text, "    | Error: 14\n    +---------------- ... ----------------\n");
  assertStringIncludes(
    text,
    "    | and 2 more exceptions\n    +------------------------------------",
  );
  assert(!text.includes("Error: 15"));
});

Deno.test("formatException prints thrown non-errors with Python's str() and never throws", () => {
  const f = new Formatter();
  assertEquals(f.formatException("disk full"), "disk full");
  assertEquals(f.formatException(42), "42");
  const noStack = new Error("no stack");
  Object.defineProperty(noStack, "stack", { value: undefined });
  assertEquals(f.formatException(noStack), "Error: no stack");
  const hostile = new Proxy({}, {
    get() {
      throw new Error("trap");
    },
    getPrototypeOf() {
      throw new Error("trap");
    },
  });
  assertEquals(typeof f.formatException(hostile), "string");
});

Deno.test("BufferingFormatter joins a batch between header and footer", () => {
  class Report extends BufferingFormatter {
    override formatHeader(records: readonly LogRecord[]): string {
      return `<${records.length}>`;
    }
    override formatFooter(): string {
      return "</>";
    }
  }
  const report = new Report(new Formatter("[%(message)s]"));
  assertEquals(report.format([record({ msg: "a" }), record({ msg: "b" })]), "<2>[a][b]</>");
  assertEquals(report.format([]), "");
  assertEquals(new BufferingFormatter().format([record({ msg: "x" })]), "x");
  assertEquals(new BufferingFormatter().formatHeader([]), "");
});
