import type { LevelName } from "../core/levels.ts";
import { BufferingHandler, MemoryHandler, type MemoryTarget } from "../handlers/memory.ts";
import { Formatter, getLogger, type LogRecord, makeLogRecord } from "../mod.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { CollectHandler, runScript, uniqueName } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();
const MEMORY_URL = new URL("../handlers/memory.ts", import.meta.url).href;
const FILE_URL = new URL("../handlers/file.ts", import.meta.url).href;
const LOGGER_URL = new URL("../core/logger.ts", import.meta.url).href;

/** A logger of its own, not propagating, with `handler` attached; cleaned by `done()`. */
function setup(capacity: number, options: ConstructorParameters<typeof MemoryHandler>[1] = {}) {
  const target = new CollectHandler();
  target.setFormatter(new Formatter("%(levelname)s: %(message)s"));
  const mem = new MemoryHandler(capacity, { target, ...options });
  const log = getLogger(uniqueName("mem"));
  log.propagate = false;
  log.setLevel("DEBUG");
  log.addHandler(mem);
  const done = async () => {
    log.removeHandler(mem);
    await mem.close();
    await target.close();
  };
  return { target, mem, log, done };
}

function record(msg: string, levelno = 10): LogRecord {
  return makeLogRecord({ name: "t", msg, levelno, levelname: "DEBUG" });
}

Deno.test("MemoryHandler holds records below flushLevel and hands them all over, in order, at flushLevel", async () => {
  // CPython's MemoryHandlerTest.test_flush: capacity 10, flushLevel WARNING.
  const { target, mem, log, done } = setup(10, { flushLevel: "WARNING" });
  try {
    let n = 0;
    const next = () => String(++n);
    log.debug(next());
    assertEquals(target.lines, []);
    log.info(next());
    assertEquals(target.lines, []);
    log.warning(next());
    let lines = ["DEBUG: 1", "INFO: 2", "WARNING: 3"];
    assertEquals(target.lines, lines);
    for (const start of [4, 14]) {
      for (let i = 0; i < 9; i++) log.debug(next());
      assertEquals(target.lines, lines, "nine records wait");
      log.debug(next()); // the 10th since the last hand-over fills the buffer
      lines = lines.concat(Array.from({ length: 10 }, (_, i) => `DEBUG: ${start + i}`));
      assertEquals(target.lines, lines);
    }
    log.debug(next());
    assertEquals(target.lines, lines);
    assertEquals(mem.buffer.length, 1);
  } finally {
    await done();
  }
});

Deno.test("MemoryHandler hands over at the same moments as CPython's", async () => {
  if (!hasPython) return;
  const levels = [10, 20, 30, 10, 10, 10, 40, 10, 10, 10, 10, 50, 20, 20, 20, 20, 20, 10];
  const script = `
import json, logging, logging.handlers, sys
levels = json.load(sys.stdin)
seen = []
class T(logging.Handler):
    def emit(self, r): seen.append(r.getMessage())
mem = logging.handlers.MemoryHandler(4, logging.ERROR, T())
log = logging.getLogger("m"); log.propagate = False; log.setLevel(1); log.addHandler(mem)
out = []
for i, lv in enumerate(levels):
    log.log(lv, str(i)); out.append(len(seen))
print(json.dumps(out))`;
  const expected = await runPython<number[]>(script, levels);
  const target = new CollectHandler();
  const mem = new MemoryHandler(4, { target });
  const log = getLogger(uniqueName("cmp"));
  log.propagate = false;
  log.setLevel(1);
  log.addHandler(mem);
  try {
    const actual = levels.map((level, i) => {
      log.log(level, String(i));
      return target.lines.length;
    });
    assertEquals(actual, expected);
    assertEquals(target.lines, levels.slice(0, actual.at(-1)).map((_, i) => String(i)));
  } finally {
    log.removeHandler(mem);
    await mem.close();
  }
});

Deno.test("MemoryHandler close() hands the buffer over by default and drops it with flushOnClose false", async () => {
  // CPython's MemoryHandlerTest.test_flush_on_close.
  const { target, mem, log, done } = setup(10, { flushLevel: "WARNING" });
  try {
    log.debug("1");
    log.info("2");
    assertEquals(target.lines, []);
    log.removeHandler(mem);
    await mem.close();
    const lines = ["DEBUG: 1", "INFO: 2"];
    assertEquals(target.lines, lines);
    assertEquals(mem.target, null, "close() forgets the target");

    const quiet = new MemoryHandler(10, { flushLevel: "WARNING", target, flushOnClose: false });
    log.addHandler(quiet);
    log.debug("3");
    log.info("4");
    assertEquals(target.lines, lines);
    log.removeHandler(quiet);
    await quiet.close();
    assertEquals(target.lines, lines, "nothing handed over");
    assertEquals(quiet.buffer, [], "the buffer is dropped");
    assert(!target.closed, "the target is not closed");
  } finally {
    await done();
  }
});

Deno.test("MemoryHandler target that clears the target while being handed records gets each record once", async () => {
  // Analog of CPython's test_race_between_set_target_and_flush: the target's handle() calls
  // setTarget(null) on the MemoryHandler in the middle of a hand-over.
  const { mem, log, done } = setup(10, { flushLevel: "WARNING" });
  try {
    const got: string[] = [];
    const racer: MemoryTarget = {
      handle(r: LogRecord) {
        got.push(r.getMessage());
        mem.setTarget(null);
      },
    };
    for (let i = 0; i < 10; i++) {
      mem.setTarget(racer);
      log.info(`not flushed ${i}`);
      log.warning(`flushed ${i}`);
      assertEquals(mem.target, null);
    }
    const expected = Array.from({ length: 10 }, (_, i) => [`not flushed ${i}`, `flushed ${i}`])
      .flat();
    assertEquals(got, expected);
    assertEquals(mem.buffer, []);
  } finally {
    await done();
  }
});

Deno.test("MemoryHandler leaves formatting to the target: each record is formatted once", async () => {
  let calls = 0;
  class CountingFormatter extends Formatter {
    override format(r: LogRecord): string {
      calls++;
      return super.format(r);
    }
  }
  const { target, log, done } = setup(3);
  target.setFormatter(new CountingFormatter("%(message)s"));
  try {
    for (let i = 0; i < 7; i++) log.info("m%d", i);
    assertEquals(calls, 6);
    assertEquals(target.lines, ["m0", "m1", "m2", "m3", "m4", "m5"]);
  } finally {
    await done();
  }
  assertEquals(calls, 7, "close() hands over the last one");
});

Deno.test("MemoryHandler hands over when the buffer reaches capacity", async () => {
  const { target, mem, log, done } = setup(3);
  try {
    log.info("a");
    log.info("b");
    assertEquals(target.lines, []);
    assertEquals(mem.buffer.map((r) => r.msg), ["a", "b"]);
    log.info("c");
    assertEquals(target.lines, ["INFO: a", "INFO: b", "INFO: c"]);
    assertEquals(mem.buffer, []);
  } finally {
    await done();
  }
});

Deno.test("MemoryHandler flushLevel defaults to ERROR and takes numbers or names", async () => {
  const mem = new MemoryHandler(5);
  try {
    assertEquals(mem.flushLevel, 40);
    assertEquals(mem.target, null);
    assertEquals(mem.flushOnClose, true);
    mem.flushLevel = "CRITICAL";
    assertEquals(mem.flushLevel, 50);
    mem.flushLevel = 25;
    assertEquals(mem.flushLevel, 25);
    assertThrows(
      () => new MemoryHandler(5, { flushLevel: "LOUD" as LevelName }),
      RangeError,
      "LOUD",
    );
    assert(mem.shouldFlush(makeLogRecord({ levelno: 25 })));
    assert(!mem.shouldFlush(makeLogRecord({ levelno: 24 })));
  } finally {
    await mem.close();
  }
});

Deno.test("MemoryHandler and BufferingHandler reject a capacity that is not an integer >= 0", () => {
  assertThrows(
    () => new MemoryHandler(-1),
    RangeError,
    "Cannot create MemoryHandler as 'capacity' must be an integer >= 0: current value is -1",
  );
  assertThrows(() => new MemoryHandler(2.5), RangeError, "current value is 2.5");
  assertThrows(() => new MemoryHandler(NaN), RangeError, "current value is NaN");
  assertThrows(
    () => new BufferingHandler(-1),
    RangeError,
    "Cannot create BufferingHandler as 'capacity' must be an integer >= 0: current value is -1",
  );
});

Deno.test("MemoryHandler(0) and BufferingHandler(0) hand over every record as it arrives, as CPython's do", async () => {
  // CPython accepts capacity 0: shouldFlush is len(buffer) >= capacity, true after every append.
  const levels = [10, 20, 30, 10, 40, 10, 50, 10];
  const script = `
import json, logging, logging.handlers, sys
levels = json.load(sys.stdin)
seen = []
class T(logging.Handler):
    def emit(self, r): seen.append(r.getMessage())
class B(logging.handlers.BufferingHandler):
    def __init__(self):
        super().__init__(0); self.batches = []
    def flush(self):
        self.batches.append([r.getMessage() for r in self.buffer]); super().flush()
mem = logging.handlers.MemoryHandler(0, logging.ERROR, T())
buf = B()
log = logging.getLogger("m0"); log.propagate = False; log.setLevel(1)
log.addHandler(mem); log.addHandler(buf)
out = []
for i, lv in enumerate(levels):
    log.log(lv, str(i))
    out.append([len(seen), len(mem.buffer), len(buf.batches), len(buf.buffer),
                mem.shouldFlush(logging.makeLogRecord({"levelno": 10})),
                buf.shouldFlush(logging.makeLogRecord({"levelno": 10}))])
print(json.dumps({"steps": out, "seen": seen, "batches": buf.batches}))`;
  class Batches extends BufferingHandler {
    batches: string[][] = [];
    override flushSync(): void {
      this.batches.push(this.buffer.map((r) => r.getMessage()));
      super.flushSync();
    }
  }
  const target = new CollectHandler();
  const mem = new MemoryHandler(0, { target });
  const buf = new Batches(0);
  const log = getLogger(uniqueName("zero"));
  log.propagate = false;
  log.setLevel(1);
  log.addHandler(mem);
  log.addHandler(buf);
  try {
    const steps = levels.map((level, i) => {
      log.log(level, String(i));
      return [
        target.lines.length,
        mem.buffer.length,
        buf.batches.length,
        buf.buffer.length,
        mem.shouldFlush(record("probe")),
        buf.shouldFlush(record("probe")),
      ];
    });
    const actual = { steps, seen: target.lines, batches: buf.batches };
    assertEquals(actual.seen, levels.map((_, i) => String(i)), "every record at once");
    assertEquals(actual.batches, levels.map((_, i) => [String(i)]), "one batch per record");
    if (hasPython) assertEquals(actual, await runPython(script, levels));
  } finally {
    log.removeHandler(mem);
    log.removeHandler(buf);
    await mem.close();
    await buf.close();
    await target.close();
  }
});

Deno.test("MemoryHandler setTarget hands the buffer to the old target before switching", async () => {
  const { target: oldTarget, mem, log, done } = setup(10);
  const newTarget = new CollectHandler();
  try {
    log.info("for old 1");
    log.info("for old 2");
    mem.setTarget(newTarget);
    assertEquals(oldTarget.lines, ["INFO: for old 1", "INFO: for old 2"]);
    assertEquals(newTarget.lines, []);
    log.info("for new");
    log.error("now");
    assertEquals(newTarget.lines, ["for new", "now"]);
    assertEquals(oldTarget.lines.length, 2);
  } finally {
    await done();
    await newTarget.close();
  }
});

Deno.test("MemoryHandler without a target keeps its records for the target set later", async () => {
  const mem = new MemoryHandler(2);
  const log = getLogger(uniqueName("notarget"));
  log.propagate = false;
  log.addHandler(mem);
  const target = new CollectHandler();
  try {
    log.warning("1");
    log.warning("2");
    log.error("3");
    assertEquals(mem.buffer.length, 3, "nothing to hand over to: nothing is lost");
    mem.setTarget(target);
    assertEquals(target.lines, []);
    await mem.flush();
    assertEquals(target.lines, ["1", "2", "3"]);
  } finally {
    log.removeHandler(mem);
    await mem.close();
    await target.close();
  }
});

Deno.test("MemoryHandler target's filters apply but, as in CPython, not its level", async () => {
  // Python's Handler.handle() runs the filters only; the level is checked by the logger, so
  // a MemoryHandler's target gets records below its own level (CPython 3.13 does the same).
  const { target, log, done } = setup(10);
  target.setLevel("WARNING");
  target.addFilter((r: LogRecord) => r.msg !== "filtered");
  try {
    log.info("below the target's level");
    log.info("filtered");
    log.error("kept");
    assertEquals(target.lines, ["INFO: below the target's level", "ERROR: kept"]);
  } finally {
    await done();
  }
});

Deno.test("MemoryHandler flush() waits for the target's own flush", async () => {
  const written: string[] = [];
  let pending: string[] = [];
  const target: MemoryTarget = {
    handle: (r: LogRecord) => pending.push(r.getMessage()),
    flush: async () => {
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      written.push(...pending);
      pending = [];
    },
  };
  const mem = new MemoryHandler(10, { target });
  try {
    mem.handle(record("x"));
    mem.handle(record("y"));
    await mem.flush();
    assertEquals(written, ["x", "y"]);
  } finally {
    await mem.close();
  }
});

Deno.test("MemoryHandler reports a target that throws and still hands over the other records", async () => {
  const got: string[] = [];
  const errors: unknown[] = [];
  const target: MemoryTarget = {
    handle(r: LogRecord) {
      if (r.msg === "bad") throw new Error("target failed");
      got.push(String(r.msg));
    },
  };
  const mem = new MemoryHandler(3, { target });
  mem.handleError = (_r, error) => void errors.push(error);
  try {
    mem.handle(record("a"));
    mem.handle(record("bad"));
    assert(mem.handle(record("c")), "handle() does not throw");
    assertEquals(got, ["a", "c"]);
    assertEquals(errors.length, 1);
    assertEquals((errors[0] as Error).message, "target failed");
  } finally {
    await mem.close();
  }
});

Deno.test("MemoryHandler closed by `using` hands its buffer over", async () => {
  const target = new CollectHandler();
  {
    using mem = new MemoryHandler(10, { target });
    mem.handle(record("kept"));
    assertEquals(target.lines, []);
  }
  assertEquals(target.lines, ["kept"]);
  await target.close();
});

Deno.test("BufferingHandler empties its buffer at capacity, and a subclass decides what flushing means", async () => {
  const plain = new BufferingHandler(2);
  plain.handle(record("1"));
  assertEquals(plain.buffer.length, 1);
  plain.handle(record("2"));
  assertEquals(plain.buffer.length, 0);
  plain.handle(record("3"));
  await plain.close();
  assertEquals(plain.buffer.length, 0);
  assert(plain.closed);

  const batches: string[][] = [];
  class Batcher extends BufferingHandler {
    override shouldFlush(r: LogRecord): boolean {
      return r.msg === "end" || super.shouldFlush(r);
    }
    override flushSync(): void {
      if (this.buffer.length !== 0) batches.push(this.buffer.map((r) => this.format(r)));
      super.flushSync();
    }
  }
  const b = new Batcher(3);
  for (const m of ["a", "end", "b", "c", "d", "e"]) b.handle(record(m));
  assertEquals(batches, [["a", "end"], ["b", "c", "d"]]);
  await b.close();
  assertEquals(batches, [["a", "end"], ["b", "c", "d"], ["e"]]);
});

for (const ending of ["returns", "calls Deno.exit(0)"]) {
  Deno.test(`MemoryHandler -> FileHandler: a script that ${ending} loses no buffered record`, async () => {
    await withTempDir(async (dir) => {
      const path = `${dir}/app.log`;
      const source = `
import { MemoryHandler } from ${JSON.stringify(MEMORY_URL)};
import { FileHandler } from ${JSON.stringify(FILE_URL)};
import { getLogger } from ${JSON.stringify(LOGGER_URL)};
const file = new FileHandler(${JSON.stringify(path)});
const mem = new MemoryHandler(1000, { target: file });
const log = getLogger("app");
log.addHandler(mem);
for (let i = 0; i < 25; i++) log.warning("line %d", i);
${ending === "returns" ? "" : "Deno.exit(0);"}
`;
      const out = await runScript(source);
      try {
        assertEquals(out.code, 0, out.stderr);
        assertEquals(out.stderr, "");
        const text = await Deno.readTextFile(path);
        assertEquals(text, Array.from({ length: 25 }, (_, i) => `line ${i}\n`).join(""));
      } finally {
        await Deno.remove(out.dir, { recursive: true });
      }
    });
  });
}

Deno.test("MemoryHandler -> FileHandler with a write buffer: records handed over are written at exit", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const source = `
import { MemoryHandler } from ${JSON.stringify(MEMORY_URL)};
import { FileHandler } from ${JSON.stringify(FILE_URL)};
import { getLogger } from ${JSON.stringify(LOGGER_URL)};
const mem = new MemoryHandler(1000);
const log = getLogger("app");
log.addHandler(mem);
for (let i = 0; i < 5; i++) log.warning("line %d", i);
// the target is newer than the MemoryHandler, so the exit hook reaches it first
mem.setTarget(new FileHandler(${
      JSON.stringify(path)
    }, { bufferSize: 65536, flushInterval: 60000 }));
Deno.exit(0);
`;
    const out = await runScript(source);
    try {
      assertEquals(out.code, 0, out.stderr);
      const text = await Deno.readTextFile(path);
      assertEquals(text, Array.from({ length: 5 }, (_, i) => `line ${i}\n`).join(""));
    } finally {
      await Deno.remove(out.dir, { recursive: true });
    }
  });
});
