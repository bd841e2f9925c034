/**
 * JSONFormatter against python-json-logger 4.2.0 under CPython 3.13 (the differential table:
 * the same records and options through both, outputs equal byte for byte), then what Python
 * cannot show: hostile JavaScript values, the logging call idioms, and a file of JSON lines.
 *
 * Values on both sides are built from one JSON description with tags: `{"$float": "1"}` a
 * Python float, `{"$big": "..."}` an int beyond 2**53, `{"$date": ms}` a `Date` (an aware UTC
 * datetime in Python), `{"$error": [name, message]}` an `Error` (an exception), `{"$bytes":
 * [...]}` a `Uint8Array` (bytes), `{"$map": [[k, v]]}` a `Map` (a dict), `{"$tuple": [...]}`
 * an array (a tuple), `{"$money": cents}` a class instance that `jsonDefault` turns into JSON.
 */

import { JSONFormatter, JsonFormatter, type JSONFormatterOptions } from "../core/json_formatter.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { gmtime } from "../core/text/strftime.ts";
import { ValueError } from "../core/text/errors.ts";
import { FileHandler } from "../handlers/file.ts";
import { getLogger, kw } from "../core/logger.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { pythonPackages } from "./helpers/pip.ts";
import { PY_DEC, runPython } from "./helpers/python.ts";
import { collectingLogger } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";

class Money {
  constructor(readonly cents: number) {}
}

/** A JSON description to a JavaScript value (see the module comment). */
function js(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(js);
  if (typeof x !== "object" || x === null) return x;
  const o = x as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && keys[0].startsWith("$")) {
    const v = o[keys[0]];
    switch (keys[0]) {
      case "$float": {
        const s = v as string;
        return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
      }
      case "$big":
        return BigInt(v as string);
      case "$date":
        return new Date(v as number);
      case "$error": {
        const [name, message] = v as [string, string];
        const E = (globalThis as unknown as Record<string, ErrorConstructor>)[name] ?? Error;
        return new E(message);
      }
      case "$bytes":
        return new Uint8Array(v as number[]);
      case "$map":
        return new Map((v as [unknown, unknown][]).map(([k, val]) => [js(k), js(val)]));
      case "$tuple":
        return (v as unknown[]).map(js);
      case "$money":
        return new Money(v as number);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, js(o[k])]));
}

const PY_SCRIPT = `
import datetime, json, logging, sys, time
from pythonjsonlogger.json import JsonFormatter
${PY_DEC}
class Money:
    def __init__(self, cents): self.cents = cents
def val(x):
    if isinstance(x, list): return [val(v) for v in x]
    if not isinstance(x, dict): return x
    if len(x) == 1:
        (k, v), = x.items()
        if k == "$float": return float(v)
        if k == "$big": return int(v)
        if k == "$date": return datetime.datetime.fromtimestamp(v / 1000, tz=datetime.timezone.utc)
        if k == "$error": return getattr(__builtins__, v[0], Exception)(v[1])
        if k == "$bytes": return bytes(v)
        if k == "$map": return {val(a): val(b) for a, b in v}
        if k == "$tuple": return tuple(val(a) for a in v)
        if k == "$money": return Money(v)
    return {k: val(v) for k, v in x.items()}
DEFAULTS = {"money": lambda o: {"money": o.cents}}
out = []
for case in json.load(sys.stdin):
    try:
        opts = val(case["options"])
        if "json_default" in opts: opts["json_default"] = DEFAULTS[opts["json_default"]]
        f = JsonFormatter(val(case["fmt"]), **opts)
        f.converter = time.gmtime
        rec = logging.makeLogRecord(val(case["record"]))
        out.append({"ok": f.format(rec)})
    except Exception as e:
        out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
`;

const CAMEL: Record<string, keyof JSONFormatterOptions> = {
  datefmt: "datefmt",
  style: "style",
  validate: "validate",
  prefix: "prefix",
  rename_fields: "renameFields",
  rename_fields_keep_missing: "renameFieldsKeepMissing",
  static_fields: "staticFields",
  reserved_attrs: "reservedAttrs",
  timestamp: "timestamp",
  defaults: "defaults",
  exc_info_as_array: "excInfoAsArray",
  stack_info_as_array: "stackInfoAsArray",
  json_default: "jsonDefault",
  json_indent: "jsonIndent",
  json_ensure_ascii: "jsonEnsureAscii",
};
const JS_DEFAULTS: Record<string, (o: unknown) => unknown> = {
  money: (o) => ({ money: (o as Money).cents }),
};

interface Case {
  fmt?: unknown;
  options?: Record<string, unknown>;
  record?: Record<string, unknown>;
}

/** The record of every case: Python's attribute types (floats tagged). */
const BASE: Record<string, unknown> = {
  name: "app.db",
  levelno: 20,
  levelname: "INFO",
  msg: "hello",
  args: { $tuple: [] },
  pathname: "/srv/app/main.py",
  filename: "main.py",
  module: "main",
  lineno: 42,
  funcName: "handle",
  created: { $float: "1700000000.123456" },
  msecs: { $float: "123" },
  relativeCreated: { $float: "1234.5" },
  thread: 140000,
  threadName: "MainThread",
  processName: "MainProcess",
  process: 4242,
};

const EXTRAS = {
  user: "ann",
  n: 3,
  neg: -17,
  big: { $big: "123456789012345678901234567890" },
  ratio: 0.1,
  tiny: { $float: "1e-07" },
  huge: { $float: "1e+22" },
  nan: { $float: "nan" },
  inf: { $float: "inf" },
  minf: { $float: "-inf" },
  ok: true,
  none: null,
  list: [1, "two", [3.5, null], { k: "v" }],
  tuple: { $tuple: [1, 2] },
  nested: { a: { b: { c: [true, false] } } },
  empty: {},
  emptyList: [],
};
const UNICODE = {
  text: 'naïve café ☕ 日本語 \u{1F600} \u2028 \u007f \u0000 \t\n\r\b\f "quoted" back\\slash',
  "clé": "vålue",
};
const OBJECTS = {
  when: { $date: 1700000000123 },
  whenWhole: { $date: 1700000000000 },
  epoch: { $date: 0 },
  err: { $error: ["TypeError", "bad input"] },
  bytes: { $bytes: [0, 1, 2, 250, 251, 252, 253, 254, 255] },
  map: { $map: [["a", 1], [2, "two"], [true, null]] },
};

const CASES: Case[] = [
  {},
  { fmt: "%(message)s" },
  { fmt: "%(levelname)s %(name)s %(message)s" },
  { fmt: "%(asctime)s %(levelname)-8s %(name)s:%(lineno)d %(message)s" },
  { fmt: "%(asctime)s %(message)s", options: { datefmt: "%Y-%m-%dT%H:%M:%S" } },
  { fmt: "%(created)f %(msecs)d %(relativeCreated)d %(message)s" },
  {
    fmt: "%(name)s %(levelno)s %(pathname)s %(filename)s %(module)s %(funcName)s " +
      "%(thread)d %(threadName)s %(processName)s %(process)d %(message)s",
  },
  { fmt: "{asctime} {levelname} {message}", options: { style: "{" } },
  { fmt: "{levelname:<8} {message!r}", options: { style: "{" } },
  { fmt: "${levelname} $name ${message} $$", options: { style: "$" } },
  { fmt: "levelname, name , message,,", options: { style: "," } },
  { fmt: ["name", "levelname", "message", "nosuch"] },
  { fmt: "%(nosuch)s %(message)s" },
  { fmt: "%(message)s", record: { user: "ann", amount: 3 } },
  { fmt: "%(levelname)s %(message)s", record: EXTRAS },
  { fmt: "%(message)s", record: UNICODE },
  { fmt: "%(message)s", record: UNICODE, options: { json_ensure_ascii: false } },
  { fmt: "%(message)s", record: { msg: UNICODE.text } },
  { fmt: "%(message)s", record: OBJECTS },
  { fmt: "%(message)s", record: { pay: { $money: 150 } }, options: { json_default: "money" } },
  { fmt: "%(levelname)s %(message)s", record: EXTRAS, options: { json_indent: 2 } },
  { fmt: "%(message)s", record: { a: [1, { b: [] }], c: {} }, options: { json_indent: "\t" } },
  { fmt: "%(message)s", record: { a: [1, 2] }, options: { json_indent: 0 } },
  {
    fmt: "%(levelname)s %(name)s %(message)s",
    options: { rename_fields: { levelname: "level", name: "logger", user: "who" } },
    record: { user: "ann" },
  },
  {
    fmt: "%(levelname)s %(message)s",
    options: {
      rename_fields: { levelname: "level", exc_info: "error", missing: "gone" },
      rename_fields_keep_missing: true,
    },
  },
  {
    fmt: "%(message)s",
    options: { static_fields: { service: "api", version: 2 } },
    record: { user: "ann" },
  },
  {
    fmt: "%(message)s",
    options: { static_fields: { user: "static" } },
    record: { user: "extra wins" },
  },
  { fmt: "%(message)s", options: { reserved_attrs: [] } },
  { fmt: "%(message)s", options: { reserved_attrs: ["user", "msg"] }, record: { user: "x", z: 1 } },
  { fmt: "%(message)s", options: { timestamp: true } },
  { fmt: "%(message)s", options: { timestamp: "@timestamp" } },
  {
    fmt: "%(message)s",
    options: { timestamp: true },
    record: { created: { $float: "1700000000" } },
  },
  {
    fmt: "%(message)s",
    options: { timestamp: "ts", rename_fields: { ts: "time" } },
    record: { created: { $float: "1700000000.9999996" } },
  },
  { fmt: "%(message)s", options: { prefix: "@cee: " } },
  {
    fmt: "%(levelname)s %(message)s",
    options: { defaults: { env: "prod", levelname: "overridden", message: "also" } },
  },
  { fmt: "%(message)s", record: { msg: "%s paid %d (%.2f)", args: { $tuple: ["ann", 3, 1.5] } } },
  { fmt: "%(message)s", record: { msg: "%(user)s paid", args: { user: "ann" } } },
  { fmt: "%(message)s", record: { msg: { event: "login", ok: true, n: 2 } } },
  {
    fmt: "%(levelname)s %(message)s",
    record: { msg: { event: "login", levelname: "dict wins", user: "d" }, user: "extra" },
  },
  { fmt: "%(message)s", record: { msg: {} } },
  { fmt: "%(message)s", record: { exc_text: "Traceback (most recent call last):\nValueError: x" } },
  {
    fmt: "%(message)s",
    options: { exc_info_as_array: true, stack_info_as_array: true },
    record: {
      exc_text: "Traceback (most recent call last):\r\n  line\rValueError: x\n",
      stack_info: 'Stack (most recent call last):\n  File "a.py"\n',
    },
  },
  { fmt: "%(message)s", record: { stack_info: "Stack (most recent call last):\n  here" } },
  {
    fmt: "%(message)s",
    record: { msg: { exc_info: "from the dict" }, exc_text: "from the record" },
  },
  { fmt: "%(exc_info)s %(message)s", record: { exc_text: "E" } },
  { fmt: "%(message)s", record: { _private: 1, visible: 2 } },
  { fmt: "%(message)s %(", options: { validate: false } },
  { fmt: "no fields" },
  { fmt: "%(message)s", options: { style: "x" } },
  { fmt: "{message", options: { style: "{" } },
];

function jsOptions(options: Record<string, unknown> = {}): JSONFormatterOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    out[CAMEL[key]] = key === "json_default" ? JS_DEFAULTS[value as string] : js(value);
  }
  return out as JSONFormatterOptions;
}

function ours(c: Case): { ok: string } | { err: [string, string] } {
  try {
    const f = new JSONFormatter(js(c.fmt ?? null) as string | null, jsOptions(c.options));
    f.converter = gmtime;
    const record = makeLogRecord(js({ ...BASE, ...c.record }) as Record<string, unknown>);
    return { ok: f.format(record) };
  } catch (e) {
    return { err: [(e as Error).name, (e as Error).message] };
  }
}

Deno.test("JSONFormatter writes what python-json-logger 4.2.0 writes, byte for byte", async () => {
  const path = await pythonPackages("pjl-4.2.0", ["python-json-logger==4.2.0"]);
  if (path === null) return;
  const input = CASES.map((c) => ({
    fmt: c.fmt ?? null,
    options: c.options ?? {},
    record: { ...BASE, ...c.record },
  }));
  const expected = await runPython<unknown[]>(PY_SCRIPT, input, { PYTHONPATH: path });
  assertEquals(expected.length, CASES.length);
  let compared = 0;
  CASES.forEach((c, i) => {
    assertEquals(ours(c), expected[i], `case ${i}: ${JSON.stringify(c)}`);
    compared++;
  });
  assertEquals(compared, CASES.length);
});

Deno.test("JSONFormatter formats a thrown Error with python-json-logger's field layout", async () => {
  const path = await pythonPackages("pjl-4.2.0", ["python-json-logger==4.2.0"]);
  if (path === null) return;
  // The traceback text differs (V8's stack, Python's traceback): everything else is equal.
  const script = `
import json, logging, sys, time
from pythonjsonlogger.json import JsonFormatter
out = []
for as_array in (False, True):
    f = JsonFormatter("%(levelname)s %(message)s", exc_info_as_array=as_array)
    try:
        raise ValueError("boom")
    except ValueError:
        rec = logging.makeLogRecord({"levelname": "ERROR", "msg": "failed", "user": "ann",
                                     "exc_info": sys.exc_info()})
    out.append(f.format(rec))
print(json.dumps(out))
`;
  const expected = await runPython<string[]>(script, null, { PYTHONPATH: path });
  for (const [i, asArray] of [false, true].entries()) {
    const f = new JSONFormatter("%(levelname)s %(message)s", { excInfoAsArray: asArray });
    const record = makeLogRecord({
      levelname: "ERROR",
      msg: "failed",
      user: "ann",
      exc_info: new RangeError("boom"),
    });
    const mine = JSON.parse(f.format(record));
    const theirs = JSON.parse(expected[i]);
    assertEquals(Object.keys(mine), Object.keys(theirs));
    assertEquals(Object.keys(mine), ["levelname", "message", "exc_info", "user"]);
    assertEquals(mine.user, theirs.user);
    if (asArray) {
      assert(Array.isArray(mine.exc_info) && Array.isArray(theirs.exc_info));
      assertEquals(mine.exc_info[0], "RangeError: boom");
      assertEquals(theirs.exc_info.at(-1), "ValueError: boom");
      assert(mine.exc_info.slice(1).every((l: string) => l.startsWith("    at ")));
    } else {
      assert(mine.exc_info.startsWith("RangeError: boom\n    at "));
      assert(theirs.exc_info.endsWith("ValueError: boom"));
    }
  }
});

Deno.test("JSONFormatter writes any JavaScript value without throwing, bounded", () => {
  const f = new JSONFormatter("%(message)s", { maxLength: 4096, maxDepth: 8 });
  const circular: Record<string, unknown> = { name: "loop" };
  circular.self = circular;
  circular.list = [circular];
  let deep: unknown = "bottom";
  for (let i = 0; i < 10_000; i++) deep = { d: deep };
  const throwing = {
    get bad() {
      throw new TypeError("getter failed");
    },
    fine: 1,
  };
  const proxy = new Proxy({}, {
    ownKeys() {
      throw new Error("trap");
    },
  });
  const revocable = Proxy.revocable({}, {});
  revocable.revoke();
  class Point {
    constructor(readonly x: number, readonly y: number) {}
  }
  const values: Record<string, unknown> = {
    circular,
    deep,
    throwing,
    proxy,
    revoked: revocable.proxy,
    point: new Point(1, 2),
    set: new Set([1, "a"]),
    floats: new Float64Array([0.5, 2]),
    ints: new Int32Array([1, -2]),
    bigs: new BigUint64Array([2n ** 64n - 1n]),
    buffer: new Uint8Array([255, 254]).buffer,
    fn: function named() {},
    sym: Symbol("s"),
    undef: undefined,
    hugeInt: 10n ** 5000n,
    boxed: [new Number(1.5), new String("s"), new Boolean(false)],
    url: new URL("https://example.com/a?b=1"),
    promise: Promise.resolve(1),
    invalidDate: new Date(NaN),
    negZero: -0,
    huge: "x".repeat(100_000),
    many: Array.from({ length: 100_000 }, (_, i) => i),
  };
  const r = makeLogRecord({ msg: "m", ...values });
  const t0 = performance.now();
  const text = f.format(r);
  const ms = performance.now() - t0;
  assert(ms < 500, `took ${ms} ms`);
  assert(!text.includes("\n"), "one line");
  assert(text.length < 12_000, `bounded: ${text.length} chars`);
  const out = JSON.parse(text.replace(/\bNaN\b|-?Infinity/g, "null"));
  assertEquals(out.circular, { name: "loop", self: "[Circular]", list: ["[Circular]"] });
  assert(JSON.stringify(out.deep).includes('"[Depth limit: Object]"'));
  assertEquals(out.throwing, { bad: "[Unreadable: TypeError: getter failed]", fine: 1 });
  assertEquals(out.proxy, "[Unreadable: Error: trap]");
  assert(String(out.revoked).startsWith("[Unreadable: TypeError"), out.revoked);
  assertEquals(out.point, { x: 1, y: 2 });
  assertEquals(out.set, [1, "a"]);
  assertEquals(out.floats, [0.5, 2]);
  assertEquals(out.ints, [1, -2]);
  assertEquals(out.buffer, "__4=");
  assertEquals(out.fn, "<function named>");
  assertEquals(out.sym, "Symbol(s)");
  assert(String(out.hugeInt).includes("too long"), out.hugeInt);
  assertEquals(out.boxed, [1.5, "s", false]);
  assertEquals(out.url, "https://example.com/a?b=1");
  assertEquals(out.invalidDate, "Invalid Date");
  assert(text.includes('"negZero": -0.0'));
  assert(String(out.huge).includes("…[cut "), "a huge string is cut and says so");
  const lastItem = out.many?.at?.(-1) ?? out["…"];
  assert(
    typeof lastItem === "string" && lastItem.includes("cut"),
    `the cut is visible: ${JSON.stringify(lastItem)}`,
  );
  assert(text.includes('"bigs": [18446744073709551615]'));
});

Deno.test("JSONFormatter keeps a logging call's extra fields and merges a plain-object message", () => {
  const { log, h, reported } = collectingLogger(
    "json",
    new JSONFormatter("%(levelname)s %(message)s"),
  );
  const message = { event: "login", ok: true };
  log.warning(message);
  log.warning("paid %d", 3, kw({ extra: { user: "ann", at: new Date(0) } }));
  log.warning("%(user)s paid", { user: "bob" });
  assertEquals(reported, []);
  assertEquals(h.lines, [
    '{"levelname": "WARNING", "message": "", "event": "login", "ok": true}',
    '{"levelname": "WARNING", "message": "paid 3", "user": "ann", "at": "1970-01-01T00:00:00+00:00"}',
    '{"levelname": "WARNING", "message": "bob paid"}',
  ]);
  assertEquals(message, { event: "login", ok: true }, "the caller's object is not changed");
});

Deno.test("JSONFormatter writes one JSON line per record into a FileHandler", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/app.jsonl`;
    const h = new FileHandler(path);
    h.setFormatter(new JSONFormatter("%(levelname)s %(name)s %(message)s", { timestamp: true }));
    const log = getLogger(`json.file.${crypto.randomUUID()}`);
    log.propagate = false;
    log.setLevel("INFO");
    log.addHandler(h);
    try {
      log.error("multi\nline", kw({ extra: { user: "ann" } }));
      log.info({ event: "deploy", version: "1.2" });
      log.info("x", kw({ exc_info: new Error("boom") }));
    } finally {
      log.removeHandler(h);
      await h.close();
    }
    const lines = (await Deno.readTextFile(path)).split("\n");
    assertEquals(lines.length, 4);
    assertEquals(lines[3], "");
    const [a, b, c] = lines.slice(0, 3).map((l) => JSON.parse(l));
    assertEquals(a.message, "multi\nline");
    assertEquals(a.user, "ann");
    assertEquals(b.event, "deploy");
    assertEquals(Object.keys(b), ["levelname", "name", "message", "event", "version", "timestamp"]);
    assert(String(c.exc_info).startsWith("Error: boom\n"));
  });
});

Deno.test("JSONFormatter checks its options like every constructor", () => {
  assertThrows(
    () => new JSONFormatter(null, { renameField: {} } as never),
    TypeError,
    "renameFields",
  );
  assertThrows(() => new JSONFormatter(null, { jsonIndent: -1 }), RangeError, "jsonIndent");
  assertThrows(() => new JSONFormatter(42 as never), TypeError, "'fmt'");
  assertThrows(() => new JSONFormatter(null, { style: "x" as never }), ValueError, "'%{$,'");
  assertEquals(JsonFormatter, JSONFormatter);
  class Custom extends JSONFormatter {
    override processLogRecord(data: Record<string, unknown>) {
      delete data.secret;
      return data;
    }
  }
  const r: LogRecord = makeLogRecord({ msg: "m", secret: "s", kept: 1 });
  assertEquals(new Custom().format(r), '{"message": "m", "kept": 1}');
});

const CONFIG_SCRIPT = `
import json, logging, logging.config, sys, tempfile, os
cfg, ini, record = json.load(sys.stdin)
out = []
logging.config.dictConfig(cfg)
record["args"] = tuple(record["args"])
rec = logging.makeLogRecord(record)
for name in ("new", "old", "by_class"):
    out.append(logging.getHandlerByName(name).formatter.format(rec))
with tempfile.NamedTemporaryFile("w", suffix=".ini", delete=False) as f:
    f.write(ini)
logging.config.fileConfig(f.name)
os.unlink(f.name)
out.append(logging.getHandlerByName("ini").formatter.format(rec))
print(json.dumps(out))
`;

Deno.test("dictConfig and fileConfig build python-json-logger's JsonFormatter by its Python names", async () => {
  const path = await pythonPackages("pjl-4.2.0", ["python-json-logger==4.2.0"]);
  if (path === null) return;
  const { dictConfig } = await import("../config/dict.ts");
  const { fileConfig } = await import("../config/file.ts");
  const { getHandlerByName } = await import("../core/handler.ts");
  const { resetLogging } = await import("./helpers/logging_state.ts");
  const cfg = {
    version: 1,
    formatters: {
      new: {
        "()": "pythonjsonlogger.json.JsonFormatter",
        format: "%(levelname)s %(name)s %(message)s",
        rename_fields: { levelname: "level" },
        static_fields: { service: "api" },
        reserved_attrs: ["msg", "args", "created", "msecs", "relativeCreated", "levelno"],
        timestamp: "ts",
        json_indent: 1,
        json_ensure_ascii: false,
        prefix: ">",
      },
      old: {
        "()": "pythonjsonlogger.jsonlogger.JsonFormatter",
        fmt: "{levelname}{message}",
        style: "{",
        exc_info_as_array: true,
      },
      by_class: { class: "pythonjsonlogger.json.JsonFormatter", format: "%(message)s" },
    },
    handlers: {
      new: { class: "logging.NullHandler", formatter: "new" },
      old: { class: "logging.NullHandler", formatter: "old" },
      by_class: { class: "logging.NullHandler", formatter: "by_class" },
    },
  };
  const ini = `[loggers]
keys=root
[handlers]
keys=ini
[formatters]
keys=json
[logger_root]
handlers=ini
[handler_ini]
class=NullHandler
formatter=json
args=()
[formatter_json]
class=pythonjsonlogger.jsonlogger.JsonFormatter
format=%(name)s %(message)s
`;
  const record = {
    name: "app",
    levelname: "INFO",
    levelno: 20,
    msg: "café %s",
    args: ["ok"],
    created: 1700000000.5,
    user: "ann",
    exc_text: "E1\nE2",
  };
  const expected = await runPython<string[]>(CONFIG_SCRIPT, [cfg, ini, record], {
    PYTHONPATH: path,
  });
  try {
    dictConfig(cfg as never);
    const r = () => makeLogRecord({ ...record, msecs: 500, relativeCreated: 1 });
    const mine = ["new", "old", "by_class"].map((n) => getHandlerByName(n)!.formatter!.format(r()));
    await withTempDir((dir) => {
      Deno.writeTextFileSync(`${dir}/log.ini`, ini);
      fileConfig(`${dir}/log.ini`);
      mine.push(getHandlerByName("ini")!.formatter!.format(r()));
    });
    // Python's process, thread and relativeCreated differ: compare without the extra fields
    // the reserved list lets through only in the first formatter (which reserves none of them).
    assertEquals(mine.slice(1), expected.slice(1));
    const strip = (s: string) =>
      JSON.parse(
        s.slice(1),
        (k, v) =>
          ["thread", "process", "processName", "threadName", "taskName"].includes(k)
            ? undefined
            : v,
      );
    assertEquals(strip(mine[0]), strip(expected[0]));
    assert(mine[0].startsWith('>{\n "level": "INFO",\n "name": "app",\n "message": "café ok",'));
    assertEquals(
      Object.keys(JSON.parse(mine[0].slice(1))),
      Object.keys(JSON.parse(expected[0].slice(1))),
    );
  } finally {
    resetLogging();
  }
});

Deno.test("JSONFormatter's hot path writes what its general path (addFields, processLogRecord) writes", () => {
  class General extends JSONFormatter {
    override processLogRecord(logData: Record<string, unknown>) {
      return logData; // any override takes the general path
    }
  }
  const configs: [string | string[] | null, JSONFormatterOptions][] = [
    [null, {}],
    ["%(asctime)s %(levelname)s %(name)s %(message)s", {}],
    [["name", "message", "missing"], { timestamp: true }],
    ["%(message)s", { staticFields: { service: "api", user: "static" }, timestamp: "ts" }],
    ["%(message)s", { reservedAttrs: ["msg", "args"], jsonIndent: 2 }],
    ["%(message)s %(created)f %(msecs)d", { prefix: "> ", jsonEnsureAscii: false }],
  ];
  const records = [
    { msg: "plain %s", args: ["x"] },
    { msg: "extras", user: "ann", n: 3, f: 0.5, when: new Date(0), _hidden: 1, u: undefined },
    { msg: "collides with a static field", service: "extra", ts: "extra ts", timestamp: "x" },
    { msg: "café ☕", "__proto__": "odd key" },
    { msg: { event: "dict" }, user: "d" },
    { msg: "err", exc_text: "E" },
    // The hot path checks its strings together: one that needs escaping among plain ones.
    { msg: 'say "hi"', user: "ann", n: 1 },
    { msg: "plain", user: "tab\there", n: 1 },
    { msg: "back\\slash", user: "del \u007f", n: 1 },
    { msg: "x".repeat(64), user: "y".repeat(65), n: 1 },
    // The same keys in another order, and keys that need escaping, at the cached positions.
    { msg: "order", n: 2, user: "bob" },
    { msg: "odd keys", 'a"b': 1, "é": "x", "\u007f": true, "n\nl": null },
    { msg: "numbers", nan: NaN, inf: -Infinity, negZero: -0, big: 2 ** 53, tiny: 1e-7 },
  ];
  let compared = 0;
  for (const [fmt, options] of configs) {
    const fast = new JSONFormatter(fmt, options);
    const general = new General(fmt, options);
    fast.converter = general.converter = gmtime;
    for (const fields of records) {
      const a = makeLogRecord({
        created: 1700000000.25,
        msecs: 250,
        relativeCreated: 5,
        ...fields,
      });
      const b = makeLogRecord({
        created: 1700000000.25,
        msecs: 250,
        relativeCreated: 5,
        ...fields,
      });
      assertEquals(fast.format(a), general.format(b), JSON.stringify([fmt, options, fields.msg]));
      compared++;
    }
  }
  assertEquals(compared, configs.length * records.length);
});

Deno.test("JSONFormatter's hot path writes the same text through runs of plain and escaped records", () => {
  // The hot path checks a record's strings together while they are plain, one by one after a
  // record where they are not, and together again after a run of plain records.
  class General extends JSONFormatter {
    override processLogRecord(logData: Record<string, unknown>) {
      return logData;
    }
  }
  const fmt = "%(levelname)s %(name)s %(message)s";
  const fast = new JSONFormatter(fmt);
  const general = new General(fmt);
  const messages: string[] = [];
  for (let i = 0; i < 100; i++) {
    messages.push(
      i % 37 === 5
        ? `say "${i}"`
        : i % 41 === 7
        ? `café ${i}`
        : i % 3 === 0 && i > 60
        ? `a\tb`
        : `n ${i}`,
    );
  }
  let escaped = 0;
  for (const [i, msg] of messages.entries()) {
    const fields = {
      name: "app",
      levelname: "INFO",
      msg,
      user: i % 29 === 3 ? 'b"ob' : "ann",
      n: i,
    };
    const text = fast.format(makeLogRecord(fields));
    assertEquals(text, general.format(makeLogRecord(fields)), msg);
    if (text.includes("\\")) escaped++;
  }
  assert(escaped >= 10, `escaped ${escaped} of ${messages.length}`);
});

Deno.test("JSONFormatter formats inside its own jsonDefault (a default that logs) without mixing records", () => {
  let inner = "";
  const f: JSONFormatter = new JSONFormatter(null, {
    jsonDefault: (value) => {
      inner = f.format(makeLogRecord({ msg: "inner", n: 1 }));
      return `money:${(value as Money).cents}`;
    },
  });
  const outer = f.format(makeLogRecord({ msg: "outer", pay: new Money(5), after: true }));
  assertEquals(outer, '{"message": "outer", "pay": "money:5", "after": true}');
  assertEquals(inner, '{"message": "inner", "n": 1}');
});

Deno.test("JSONFormatter cuts a record of many small fields at maxLength and says so", () => {
  const fields: Record<string, unknown> = {};
  for (let i = 0; i < 2000; i++) fields[`k${i}`] = i % 2 ? i : `v${i}`;
  const f = new JSONFormatter(null, { maxLength: 1024 });
  const text = f.format(makeLogRecord({ msg: "many", ...fields }));
  assert(text.length < 1200, `${text.length}`);
  const out = JSON.parse(text);
  assertEquals(out.message, "many");
  assertEquals(out.k1, 1);
  assertEquals(out["…"], "[more keys cut]");
  assertEquals(Object.keys(out).at(-1), "…");
});

Deno.test("JSONFormatter keeps extra fields of a record whose own attributes were deleted and set again", () => {
  const f = new JSONFormatter();
  const r = makeLogRecord({ msg: "m", early: 1 });
  const fields = r as unknown as Record<string, unknown>;
  delete fields.taskName;
  fields.middle = 2;
  fields.taskName = null;
  delete fields.process;
  fields.process = 7;
  fields.late = 3;
  assertEquals(f.format(r), '{"message": "m", "early": 1, "middle": 2, "late": 3}');
});

Deno.test("a JSONFormatter given its fields as an array gets the caller's lineno and funcName, with no other formatter asking", () => {
  const { log, h } = collectingLogger(
    "json.caller",
    new JSONFormatter(["funcName", "module", "message"]),
  );
  function checkout() {
    log.warning("paid");
  }
  checkout();
  assertEquals(h.lines, [
    '{"funcName": "checkout", "module": "json_formatter_test", "message": "paid"}',
  ]);
});
