/**
 * CPython 3.13's `LogRecordTest` (Lib/test/test_logging.py), translated, and the record's clock
 * and `stack_info` text compared with CPython's.
 */

import { warning } from "../config/basic.ts";
import { Formatter } from "../core/formatter.ts";
import { getLogger, root } from "../core/logger.ts";
import { LogRecord, makeLogRecord, setRecordClock } from "../core/record.ts";
import { settings } from "../core/settings.ts";
import { NullHandler, StreamHandler } from "../handlers/stream.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { CapturedStream, resetLogging } from "./helpers/logging_state.ts";
import { PYTHON_VERSION, pythonAvailable } from "./helpers/python.ts";

/** CPython's RecordingHandler: a NullHandler that keeps every record it is given. */
class RecordingHandler extends NullHandler {
  records: LogRecord[] = [];
  override handle(record: LogRecord): boolean {
    this.records.push(record);
    return true;
  }
}

/**
 * CPython's BaseTest.setUp puts a StreamHandler on the root logger (its formatter sets
 * `record.message`); runs `fn` with it and restores the logging state after.
 */
async function withBaseTest(fn: () => void | Promise<void>): Promise<void> {
  const stream = new CapturedStream();
  const rootHandler = new StreamHandler(stream);
  rootHandler.setFormatter(new Formatter("%(name)s -> %(levelname)s: %(message)s"));
  root.addHandler(rootHandler);
  root.setLevel("DEBUG");
  try {
    await fn();
  } finally {
    resetLogging();
  }
}

Deno.test("LogRecordTest.test_str_rep: a record's text reads <LogRecord: ...>", () => {
  const r = makeLogRecord({});
  const s = String(r);
  assert(s.startsWith("<LogRecord: "), s);
  assert(s.endsWith(">"), s);
});

Deno.test("LogRecordTest.test_dict_arg: a sole mapping argument is the record's args, used by %(key)s", async () => {
  await withBaseTest(() => {
    const h = new RecordingHandler();
    const r = getLogger();
    r.addHandler(h);
    const d = { less: "more" };
    warning("less is %(less)s", d);
    assert(h.records[0].args === d, "args is the mapping itself");
    assertEquals(h.records[0].message, "less is more");
    r.removeHandler(h);
    void h.close();
  });
});

Deno.test("LogRecordTest.test_multiprocessing: processName is MainProcess, in this process and in another", async () => {
  // logMultiprocessing is True by default
  assertEquals(settings.logMultiprocessing, true);
  // When logMultiprocessing == True: in the main process processName = 'MainProcess'
  const r = makeLogRecord({});
  assertEquals(r.processName, "MainProcess");
  // CPython then reads the name in a multiprocessing child (its own name there). Deno has no
  // multiprocessing module: another program is its own main process, as a CPython child that
  // has not imported multiprocessing is (bpo-38762's 'MainProcess'). It runs as a subprocess
  // here, and its records carry its own process id.
  const { code, stdout, stderr, dir } = await runScript(`
    import { makeLogRecord, settings } from "${MOD_URL}";
    const r1 = makeLogRecord({ msg: "msg1" });
    settings.logMultiprocessing = false;
    const r2 = makeLogRecord({ msg: "msg2" });
    console.log(JSON.stringify({ pid: Deno.pid, r1: [r1.processName, r1.process], r2: r2.processName }));
  `);
  await Deno.remove(dir, { recursive: true });
  assertEquals(code, 0, stderr);
  const results = JSON.parse(stdout);
  assertEquals(results.r1, ["MainProcess", results.pid]);
  assert(results.pid !== Deno.pid);
  assertEquals(results.r2, null);
});

Deno.test("LogRecordTest.test_optional: logThreads, logProcesses and logMultiprocessing set to false leave their fields null", () => {
  let r = makeLogRecord({});
  assert(r.thread !== null);
  assert(r.threadName !== null);
  assert(r.process !== null);
  assert(r.processName !== null);
  assertEquals(r.taskName, null);
  const saved = { ...settings };
  try {
    settings.logThreads = false;
    settings.logProcesses = false;
    settings.logMultiprocessing = false;
    settings.logAsyncioTasks = false;
    r = makeLogRecord({});
    assertEquals(r.thread, null);
    assertEquals(r.threadName, null);
    assertEquals(r.process, null);
    assertEquals(r.processName, null);
    assertEquals(r.taskName, null);
  } finally {
    settings.logThreads = saved.logThreads;
    settings.logProcesses = saved.logProcesses;
    settings.logMultiprocessing = saved.logMultiprocessing;
    settings.logAsyncioTasks = saved.logAsyncioTasks;
  }
});

async function makeRecordAsync(): Promise<string | null> {
  await Promise.resolve();
  return makeLogRecord({}).taskName;
}

Deno.test("LogRecordTest.test_taskName_with_asyncio_imported: taskName stays null inside async code (Deno has no asyncio tasks)", async () => {
  // Adapted: CPython names the running asyncio Task; Deno has no tasks, so taskName is null
  // with logAsyncioTasks true as with false (see the README's "Differences you should know").
  const saved = settings.logAsyncioTasks;
  try {
    settings.logAsyncioTasks = true;
    assertEquals(await makeRecordAsync(), null);
    settings.logAsyncioTasks = false;
    assertEquals(await makeRecordAsync(), null);
  } finally {
    settings.logAsyncioTasks = saved;
  }
});

Deno.test("LogRecordTest.test_taskName_without_asyncio_imported: taskName is null whatever logAsyncioTasks says", async () => {
  // CPython removes asyncio from sys.modules; Deno never has it: the same records result.
  const saved = settings.logAsyncioTasks;
  try {
    settings.logAsyncioTasks = true;
    assertEquals(await makeRecordAsync(), null);
    settings.logAsyncioTasks = false;
    assertEquals(await makeRecordAsync(), null);
  } finally {
    settings.logAsyncioTasks = saved;
  }
});

// ---------------------------------------------------------------------------------------------
// The clock: CPython's created has sub-millisecond digits (time.time_ns() / 1e9)

Deno.test("a record's created and relativeCreated have sub-millisecond digits and follow the wall clock", () => {
  const records: LogRecord[] = [];
  const before = Date.now();
  for (let i = 0; i < 200; i++) {
    records.push(new LogRecord("clock", 20, "", 0, "m", null, null));
  }
  const after = Date.now();
  // With a millisecond clock every created * 1000 would be a whole number.
  assert(records.some((r) => Math.abs(r.created * 1000 - Math.round(r.created * 1000)) > 1e-3));
  assert(records.some((r) => !Number.isInteger(r.relativeCreated)));
  for (const r of records) {
    const ms = r.created * 1000;
    assert(ms >= before - 1 && ms < after + 1, `${ms} outside [${before}, ${after}]`);
    // msecs: the whole milliseconds of created's fraction, as CPython 3.13 computes them
    const msecs = Math.floor(ms % 1000);
    assert(r.msecs === msecs || (r.msecs === 0 && msecs === 999), `${r.msecs} vs ${ms}`);
  }
  for (let i = 1; i < records.length; i++) {
    const [a, b] = [records[i - 1], records[i]];
    assert(b.relativeCreated >= a.relativeCreated);
    // Both move together (to float precision at this magnitude).
    const drift = (b.created - a.created) * 1000 - (b.relativeCreated - a.relativeCreated);
    assert(Math.abs(drift) < 1e-3, `drift ${drift}`);
  }
});

Deno.test("a record's created follows the wall clock when it jumps away from the monotonic clock (a sleep, a clock step)", () => {
  let now = 5_000; // the monotonic clock, ms
  let wallMs = 1_700_000_000_000;
  setRecordClock({
    now: () => now,
    wallNow: () => wallMs,
    timeOrigin: wallMs - now + 0.25,
    loadTime: 0,
  });
  try {
    const first = makeLogRecord({});
    assertEquals(first.created, 1_700_000_000.00025);
    assertEquals(first.relativeCreated, 5_000);
    // The machine sleeps an hour: the wall clock moves on, the monotonic clock does not.
    now += 2;
    wallMs += 3_600_000 + 2;
    const second = makeLogRecord({});
    assert(
      Math.abs(second.created * 1000 - (wallMs + 0.5)) < 1e-3,
      `created ${second.created} does not follow the wall clock ${wallMs}`,
    );
    assertEquals(second.relativeCreated, 5_002);
    // Sub-millisecond steps of the monotonic clock still show.
    now += 0.125;
    const third = makeLogRecord({});
    assert(Math.abs(third.created * 1000 - (wallMs + 0.625)) < 1e-3, String(third.created));
  } finally {
    setRecordClock();
  }
});

// ---------------------------------------------------------------------------------------------
// stack_info: CPython prints the source line under each frame

const STACK_SCRIPT = (mod: string) =>
  `import { getLogger, kw, StreamHandler } from "${mod}";
const log = getLogger("stack");
log.addHandler(new StreamHandler({ write: (t: string) => console.log(t) }));
function inner() {
  log.warning("here", kw({ stack_info: true }));
}
function outer() {
    inner();  // indented, with a comment
}
outer();
`;

const STACK_PYTHON = `import logging
log = logging.getLogger("stack")
log.addHandler(logging.StreamHandler())
def inner():
  log.warning("here", stack_info=True)
def outer():
    inner()  # indented, with a comment

outer()
`;

/**
 * Checks a `stack_info` text against the rule CPython's traceback module follows: after the
 * header, each `  File "path", line N, in name` line is followed by line N of that file,
 * stripped and indented by four spaces, unless that line is empty. Returns the frame names.
 */
function checkStackLayout(text: string, path: string, source: string): string[] {
  const fileLines = source.split("\n");
  const lines = text.trimEnd().split("\n");
  assertEquals(lines.slice(0, 2), ["here", "Stack (most recent call last):"]);
  const names: string[] = [];
  for (let i = 2; i < lines.length; i++) {
    const m = lines[i].match(/^ {2}File "(.*)", line (\d+), in (.*)$/);
    assert(m !== null, `not a frame line: ${lines[i]}`);
    assertEquals(m[1], path);
    names.push(m[3]);
    const code = fileLines[Number(m[2]) - 1].trim();
    if (code !== "") assertEquals(lines[++i], "    " + code);
  }
  return names;
}

Deno.test("stack_info shows each frame's source line, as CPython's does, when the file may be read", async () => {
  const source = STACK_SCRIPT(MOD_URL);
  const { code, stdout, stderr, dir } = await runScript(source);
  try {
    assertEquals(code, 0, stderr);
    assertEquals(
      stdout.trimEnd(),
      [
        "here",
        "Stack (most recent call last):",
        `  File "${dir}/main.ts", line 10, in <module>`,
        "    outer();",
        `  File "${dir}/main.ts", line 8, in outer`,
        "    inner();  // indented, with a comment",
        `  File "${dir}/main.ts", line 5, in inner`,
        `    log.warning("here", kw({ stack_info: true }));`,
      ].join("\n"),
    );
    const ours = checkStackLayout(stdout, `${dir}/main.ts`, source);
    if (await pythonAvailable()) {
      // CPython's text for the same program, run from a file: the same layout and frames.
      await Deno.writeTextFile(`${dir}/main.py`, STACK_PYTHON);
      const py = await new Deno.Command("python3", {
        args: [`${dir}/main.py`],
        env: { PYENV_VERSION: PYTHON_VERSION },
        stderr: "piped",
      }).output();
      const text = new TextDecoder().decode(py.stderr);
      assertEquals(checkStackLayout(text, `${dir}/main.py`, STACK_PYTHON), ours);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("stack_info leaves the source lines out, silently, without read permission", async () => {
  for (const flags of [[], ["--allow-read=/nonexistent"]]) {
    const { code, stdout, stderr, dir } = await runScript(STACK_SCRIPT(MOD_URL), flags);
    try {
      assertEquals(code, 0, stderr);
      assertEquals(stderr, "");
      const lines = stdout.trimEnd().split("\n");
      assertEquals(lines.slice(0, 2), ["here", "Stack (most recent call last):"]);
      assertEquals(lines.length, 5, stdout);
      assert(lines.slice(2).every((l) => l.startsWith("  File ")), stdout);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  }
});

Deno.test("LogRecord with a null pathname keeps it as the filename, module 'Unknown module', as CPython", () => {
  // CPython: LogRecord("n", 20, None, 1, "m", (), None) -> filename None, module "Unknown module"
  // (os.path.basename(None) raises TypeError, which LogRecord catches).
  const record = new LogRecord("n", 20, null as unknown as string, 1, "m", [], null);
  assertEquals(record.filename, null);
  assertEquals(record.module, "Unknown module");
  assertEquals(
    new Formatter("%(filename)s|%(module)s|%(message)s").format(record),
    "null|Unknown module|m",
  );
  // The next record with a real path is split as before.
  const next = new LogRecord("n", 20, "/srv/app/main.ts", 1, "m", [], null);
  assertEquals([next.filename, next.module], ["main.ts", "main"]);
});
