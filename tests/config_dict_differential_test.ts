/**
 * dictConfig against CPython 3.13: the same JSON configuration (file, rotating, timed rotating,
 * memory and queue handlers, filters, a child logger that does not propagate, loggers that
 * existed before) is loaded by CPython's `logging.config.dictConfig` and by ours, the same
 * records are logged at the same (fixed) times, and the files must be byte-identical and the
 * logger trees the same.
 */

import { type DictConfig, dictConfig } from "../config/dict.ts";
import { Filter } from "../core/filter.ts";
import { getHandlerByName, Handler } from "../core/handler.ts";
import {
  getLogger,
  getLogRecordFactory,
  Logger,
  PlaceHolder,
  root,
  setLogRecordFactory,
} from "../core/logger.ts";
import { shutdown } from "../core/shutdown.ts";
import { MemoryHandler } from "../handlers/memory.ts";
import { QueueHandler } from "../handlers/queue.ts";
import { assertEquals } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";
import { resetLogging } from "./helpers/logging_state.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

const PLAIN = "%(created).3f %(msecs)03d %(levelname)-8s %(name)s: %(message)s";

/** The configuration, with `{dir}` in its file names. */
const CONFIG = {
  version: 1,
  formatters: {
    plain: { format: PLAIN },
    brace: { format: "{levelname}|{name}|{message}", style: "{" },
    dollar: { format: "${levelname} ${name} ${message}", style: "$" },
  },
  filters: {
    onlyApp: { name: "app" },
    onlyAppWeb: { name: "app.web" },
  },
  handlers: {
    file: {
      class: "logging.FileHandler",
      filename: "{dir}/file.log",
      formatter: "plain",
      level: "INFO",
      encoding: "utf-8",
    },
    rot: {
      class: "logging.handlers.RotatingFileHandler",
      filename: "{dir}/rot.log",
      maxBytes: 200,
      backupCount: 3,
      formatter: "brace",
      encoding: "utf-8",
    },
    timed: {
      class: "logging.handlers.TimedRotatingFileHandler",
      filename: "{dir}/timed.log",
      when: "D",
      backupCount: 2,
      formatter: "dollar",
      filters: ["onlyApp"],
      encoding: "utf-8",
    },
    target: {
      class: "logging.FileHandler",
      filename: "{dir}/target.log",
      formatter: "plain",
      encoding: "utf-8",
    },
    mem: {
      class: "logging.handlers.MemoryHandler",
      capacity: 3,
      flushLevel: "ERROR",
      target: "target",
    },
    qfile: {
      class: "logging.FileHandler",
      filename: "{dir}/queue.log",
      formatter: "brace",
      level: "WARNING",
      encoding: "utf-8",
    },
    queue: {
      class: "logging.handlers.QueueHandler",
      handlers: ["qfile"],
      respect_handler_level: true,
    },
  },
  loggers: {
    app: { level: "DEBUG", handlers: ["file", "rot"] },
    "app.db": { level: "WARNING", handlers: ["timed", "mem"], propagate: false },
    "app.web": { handlers: ["queue"], filters: ["onlyAppWeb"] },
    other: { level: "ERROR", propagate: true },
  },
  root: { level: "WARNING", handlers: ["timed"] },
};

/** Loggers that exist before the configuration: [name, level, propagate]. */
const BEFORE: [string, number, boolean][] = [
  ["legacy", 10, true],
  ["app.web.child", 40, false],
  ["app.dbx", 0, true],
  ["ns.deep.leaf", 20, true],
  ["other.sub", 30, false],
];

/** The records: [logger, level, msg, args]. */
const RECORDS: [string, number, string, unknown][] = [];
{
  const names = ["app", "app.db", "app.web", "app.web.child", "app.dbx", "other", "other.sub"];
  const names2 = ["legacy", "ns.deep.leaf", "root"];
  const levels = [10, 20, 30, 40, 50];
  let i = 0;
  for (const name of [...names, ...names2]) {
    for (const level of levels) {
      i++;
      const n = RECORDS.length;
      if (n % 4 === 0) RECORDS.push([name, level, "user %s from %s", ["ann", `10.0.0.${i}`]]);
      else if (n % 4 === 1) RECORDS.push([name, level, "%d%% done (%(x)s)", null]);
      else if (n % 4 === 2) {
        RECORDS.push([name, level, "%(user)s paid %(amount).2f", { user: "bo", amount: i * 1.5 }]);
      } else {RECORDS.push([name, level, name === "app.db" ? "café ☕ %s" : "plain %s", [
          i,
        ]]);}
    }
  }
}

const PYTHON = `
import base64, json, logging, logging.config, os, sys
inp = json.load(sys.stdin)
d = inp["dir"]

def fix(x):
    if isinstance(x, dict): return {k: fix(v) for k, v in x.items()}
    if isinstance(x, list): return [fix(v) for v in x]
    if isinstance(x, str): return x.replace("{dir}", d)
    return x

for name, level, propagate in inp["before"]:
    l = logging.getLogger(name)
    l.setLevel(level)
    l.propagate = propagate

logging.config.dictConfig(fix(inp["config"]))
current = [0]
base = logging.getLogRecordFactory()
def factory(*a, **k):
    r = base(*a, **k)
    r.created = 1700000000 + current[0] * 0.25
    r.msecs = float((current[0] * 250) % 1000)
    return r
logging.setLogRecordFactory(factory)

qh = logging.getHandlerByName("queue")
qh.listener.start()
for i, (name, level, msg, args) in enumerate(inp["records"]):
    current[0] = i
    logger = logging.getLogger(name) if name != "root" else logging.getLogger()
    if args is None: logger.log(level, msg)
    elif isinstance(args, dict): logger.log(level, msg, args)
    else: logger.log(level, msg, *args)
qh.listener.stop()

def handler_info(h):
    info = {"class": type(h).__name__, "name": h.name, "level": h.level,
            "formatter": h.formatter._fmt if h.formatter else None,
            "filters": [f.name for f in h.filters]}
    if isinstance(h, logging.handlers.MemoryHandler):
        info["target"] = h.target.name if h.target else None
        info["capacity"] = h.capacity
        info["flushLevel"] = h.flushLevel
    if isinstance(h, logging.handlers.QueueHandler):
        info["listener"] = [x.name for x in h.listener.handlers]
        info["respect"] = h.listener.respect_handler_level
    return info

def logger_info(l):
    return {"level": l.level, "propagate": bool(l.propagate), "disabled": l.disabled,
            "handlers": [h.name for h in l.handlers], "filters": [f.name for f in l.filters]}

tree = {"root": logger_info(logging.root)}
for name in sorted(logging.root.manager.loggerDict):
    l = logging.root.manager.loggerDict[name]
    if name.split(".")[0] in inp["roots"]:
        tree[name] = "placeholder" if isinstance(l, logging.PlaceHolder) else logger_info(l)
handlers = {n: handler_info(logging.getHandlerByName(n)) for n in sorted(logging.getHandlerNames())}
logging.shutdown()
files = {}
for f in sorted(os.listdir(d)):
    with open(os.path.join(d, f), "rb") as fh:
        files[f] = base64.b64encode(fh.read()).decode()
print(json.dumps({"tree": tree, "handlers": handlers, "files": files}))
`;

interface Outcome {
  tree: Record<string, unknown>;
  handlers: Record<string, unknown>;
  files: Record<string, string>;
}

function fix(x: unknown, dir: string): unknown {
  if (Array.isArray(x)) return x.map((v) => fix(v, dir));
  if (typeof x === "object" && x !== null) {
    return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, fix(v, dir)]));
  }
  return typeof x === "string" ? x.replaceAll("{dir}", dir) : x;
}

function handlerInfo(h: Handler): Record<string, unknown> {
  const info: Record<string, unknown> = {
    class: h.constructor.name,
    name: h.name,
    level: h.level,
    formatter: h.formatter ? h.formatter.fmt : null,
    filters: h.filters.map((f) => (f as Filter).name),
  };
  if (h instanceof MemoryHandler) {
    info.target = (h.target as Handler | null)?.name ?? null;
    info.capacity = h.capacity;
    info.flushLevel = h.flushLevel;
  }
  if (h instanceof QueueHandler) {
    info.listener = h.listener!.handlers.map((x) => x.name);
    info.respect = h.listener!.respectHandlerLevel;
  }
  return info;
}

function loggerInfo(l: Logger): Record<string, unknown> {
  return {
    level: l.level,
    propagate: l.propagate,
    disabled: l.disabled,
    handlers: l.handlers.map((h) => h.name),
    filters: l.filters.map((f) => (f as Filter).name),
  };
}

/** Our side of the comparison, in this process. */
async function ours(dir: string, roots: string[]): Promise<Outcome> {
  for (const [name, level, propagate] of BEFORE) {
    const l = getLogger(name);
    l.setLevel(level);
    l.propagate = propagate;
  }
  dictConfig(fix(CONFIG, dir) as DictConfig);
  let current = 0;
  const base = getLogRecordFactory();
  setLogRecordFactory((...a) => {
    const r = base(...a);
    r.created = 1700000000 + current * 0.25;
    r.msecs = (current * 250) % 1000;
    return r;
  });
  const qh = getHandlerByName("queue") as QueueHandler;
  try {
    qh.listener!.start();
    RECORDS.forEach(([name, level, msg, args], i) => {
      current = i;
      const logger = getLogger(name === "root" ? undefined : name);
      if (args === null) logger.log(level, msg);
      else if (Array.isArray(args)) logger.log(level, msg, ...args);
      else logger.log(level, msg, args);
    });
    await qh.listener!.stop();
  } finally {
    setLogRecordFactory(base);
  }
  const tree: Record<string, unknown> = { root: loggerInfo(root) };
  const names = [...root.manager.loggerDict.keys()].sort();
  for (const name of names) {
    const l = root.manager.loggerDict.get(name)!;
    if (roots.includes(name.split(".")[0])) {
      tree[name] = l instanceof PlaceHolder ? "placeholder" : loggerInfo(l);
    }
  }
  const handlers: Record<string, unknown> = {};
  for (const n of ["file", "mem", "qfile", "queue", "rot", "target", "timed"]) {
    handlers[n] = handlerInfo(getHandlerByName(n)!);
  }
  await shutdown();
  const files: Record<string, string> = {};
  for (const f of [...Deno.readDirSync(dir)].map((e) => e.name).sort()) {
    const bytes = Deno.readFileSync(`${dir}/${f}`);
    files[f] = btoa(String.fromCharCode(...bytes));
  }
  return { tree, handlers, files };
}

Deno.test({
  name: "The same JSON configuration gives CPython's files byte for byte and its logger tree",
  ignore: !hasPython,
  async fn() {
    await withTempDir(async (dir) => {
      await Deno.mkdir(`${dir}/py`);
      await Deno.mkdir(`${dir}/ts`);
      const roots = ["app", "other", "legacy", "ns"];
      const want = await runPython<Outcome>(PYTHON, {
        dir: `${dir}/py`,
        config: CONFIG,
        records: RECORDS,
        before: BEFORE,
        roots,
      });
      const got = await ours(`${dir}/ts`, roots);
      // The files first, as text for a readable difference, then as bytes.
      const text = (files: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(files).map((
            [k, v],
          ) => [k, new TextDecoder().decode(Uint8Array.from(atob(v), (c) => c.charCodeAt(0)))]),
        );
      assertEquals(text(got.files), text(want.files));
      assertEquals(got.files, want.files);
      assertEquals(Object.keys(got.files), [
        "file.log",
        "queue.log",
        "rot.log",
        "rot.log.1",
        "rot.log.2",
        "rot.log.3",
        "target.log",
        "timed.log",
      ]);
      assertEquals(got.tree, want.tree);
      assertEquals(got.handlers, want.handlers);
      // What the configuration does to the tree, spelled out.
      assertEquals(got.tree["legacy"], {
        level: 10,
        propagate: true,
        disabled: true,
        handlers: [],
        filters: [],
      });
      assertEquals(got.tree["app.web.child"], {
        level: 0,
        propagate: true,
        disabled: false,
        handlers: [],
        filters: [],
      });
      assertEquals(got.tree["ns"], "placeholder");
    });
  },
});

/**
 * Malformed configurations: [description, configuration, whether the cause's message is
 * CPython's too]. The outer error is always CPython's, class and message.
 */
const MALFORMED: [string, unknown, boolean][] = [
  ["no version", {}, false],
  ["version 2", { version: 2 }, false],
  ["version as a string", { version: "1" }, false],
  [
    "a key that is not an identifier",
    { version: 1, handlers: { h: { class: "logging.StreamHandler", "9": 1 } } },
    true,
  ],
  ["an unknown module", { version: 1, handlers: { h: { class: "nosuch.Mod" } } }, false],
  ["an unknown class", { version: 1, handlers: { h: { class: "logging.NoSuch" } } }, false],
  ["no class", { version: 1, handlers: { h: { level: "DEBUG" } } }, false],
  [
    "an unknown ext:// name",
    {
      version: 1,
      handlers: { h: { class: "logging.StreamHandler", stream: "ext://sys.stdbout" } },
    },
    false,
  ],
  [
    "an unknown handler level",
    { version: 1, handlers: { h: { class: "logging.StreamHandler", level: "NTOSET" } } },
    false,
  ],
  [
    "an unknown formatter",
    { version: 1, handlers: { h: { class: "logging.StreamHandler", formatter: "nope" } } },
    true,
  ],
  [
    "an unexpected keyword argument",
    {
      version: 1,
      handlers: { h: { class: "logging.FileHandler", filename: "{dir}/x.log", foo: 1 } },
    },
    true,
  ],
  [
    "missing required arguments",
    {
      version: 1,
      handlers: { h: { class: "logging.handlers.SMTPHandler", mailhost: "localhost" } },
    },
    true,
  ],
  [
    "an unknown MemoryHandler target",
    {
      version: 1,
      handlers: { h: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "nope" } },
    },
    true,
  ],
  [
    "MemoryHandlers targeting each other",
    {
      version: 1,
      handlers: {
        h: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "z" },
        z: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "h" },
      },
    },
    true,
  ],
  [
    "QueueHandlers needing each other",
    {
      version: 1,
      handlers: {
        h: { class: "logging.handlers.QueueHandler", handlers: ["z"] },
        z: { class: "logging.handlers.QueueHandler", handlers: ["h"] },
      },
    },
    true,
  ],
  [
    "a QueueHandler's unknown handler",
    { version: 1, handlers: { h: { class: "logging.handlers.QueueHandler", handlers: ["nope"] } } },
    true,
  ],
  [
    "a queue that is a number",
    { version: 1, handlers: { h: { class: "logging.handlers.QueueHandler", queue: 4 } } },
    true,
  ],
  [
    "a listener that is a number",
    { version: 1, handlers: { h: { class: "logging.handlers.QueueHandler", listener: 4 } } },
    true,
  ],
  ["an unknown root handler", { version: 1, root: { handlers: ["nope"] } }, true],
  ["an unknown root filter", { version: 1, root: { filters: ["nope"] } }, true],
  ["an unknown logger level", { version: 1, loggers: { a: { level: "NOPE" } } }, false],
  ["an unknown logger handler", { version: 1, loggers: { a: { handlers: ["x"] } } }, true],
  ["an unknown root level", { version: 1, root: { level: "NOPE" } }, false],
  [
    "an incremental unknown handler",
    { version: 1, incremental: true, handlers: { nope: {} } },
    false,
  ],
  ["an unknown style", { version: 1, formatters: { f: { style: "x" } } }, true],
  ["a format without fields", { version: 1, formatters: { f: { format: "x" } } }, true],
  ["an unknown filter factory", { version: 1, filters: { f: { "()": "nosuch" } } }, false],
];

const PYTHON_ERRORS = `
import json, logging, logging.config, sys
inp = json.load(sys.stdin)
out = []
for config in inp["configs"]:
    logging.config.dictConfig({"version": 1})
    config = json.loads(json.dumps(config).replace("{dir}", inp["dir"]))
    try:
        logging.config.dictConfig(config)
        out.append(None)
    except Exception as e:
        c = e.__cause__
        out.append([type(e).__name__, str(e), None if c is None else [type(c).__name__, str(c)]])
print(json.dumps(out))
`;

Deno.test({
  name: "Malformed configurations give CPython's errors",
  ignore: !hasPython,
  async fn() {
    await withTempDir(async (dir) => {
      const want = await runPython<([string, string, [string, string] | null] | null)[]>(
        PYTHON_ERRORS,
        { configs: MALFORMED.map(([, config]) => config), dir },
      );
      const mismatches = [];
      for (const [i, [what, config, sameCause]] of MALFORMED.entries()) {
        resetLogging();
        let got: unknown = null;
        try {
          dictConfig(fix(config, dir) as DictConfig);
        } catch (error) {
          const e = error as Error;
          const c = e.cause as Error | undefined;
          got = [e.name, e.message, c === undefined ? null : [c.name, c.message]];
        }
        const expected = want[i];
        const outer = (x: unknown) => Array.isArray(x) ? x.slice(0, 2) : x;
        if (JSON.stringify(outer(got)) !== JSON.stringify(outer(expected))) {
          mismatches.push({ what, got, expected });
        } else if (sameCause && JSON.stringify(got) !== JSON.stringify(expected)) {
          mismatches.push({ what, got, expected });
        }
      }
      resetLogging();
      assertEquals(mismatches, []);
    });
  },
});
