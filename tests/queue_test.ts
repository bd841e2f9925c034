import { Formatter } from "../core/formatter.ts";
import { Handler } from "../core/handler.ts";
import { CRITICAL, DEBUG, ERROR, WARNING } from "../core/levels.ts";
import { getLogger, kw, type Logger } from "../core/logger.ts";
import { LogRecord, makeLogRecord } from "../core/record.ts";
import { ValueError } from "../core/text/errors.ts";
import {
  AsyncQueue,
  QueueEmpty,
  QueueFull,
  QueueHandler,
  QueueListener,
  WorkerQueue,
} from "../handlers/queue.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { CollectHandler, runScript, uniqueName } from "./helpers/collect.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

type Q = AsyncQueue<LogRecord | null>;

/** CPython's QueueHandlerTest set-up: a logger at WARNING with only a QueueHandler. */
function setUp(maxsize = 0): { queue: Q; handler: QueueHandler; logger: Logger; name: string } {
  const name = uniqueName("que");
  const queue: Q = new AsyncQueue(maxsize);
  const handler = new QueueHandler(queue);
  const logger = getLogger(name);
  logger.propagate = false;
  logger.setLevel(WARNING);
  logger.addHandler(handler);
  return { queue, handler, logger, name };
}

function tearDown(logger: Logger, handler: Handler): Promise<void> {
  logger.removeHandler(handler);
  return handler.close();
}

/** A handler whose handleError calls are collected instead of printed. */
class ErrorCollectingQueueHandler extends QueueHandler {
  errors: unknown[] = [];
  override handleError(_record: LogRecord | null, error: unknown): void {
    this.errors.push(error);
  }
}

Deno.test("QueueHandler puts records at or above the logger's level, prepared", async () => {
  const { queue, handler, logger, name } = setUp();
  try {
    logger.debug("1");
    assertThrows(() => queue.get_nowait(), QueueEmpty);
    logger.info("2");
    assertThrows(() => queue.get_nowait(), QueueEmpty);
    logger.warning("3 %s", "x");
    const data = queue.get_nowait();
    assert(data instanceof LogRecord);
    assertEquals(data.name, name);
    assertEquals([data.msg, data.args], ["3 x", null]);
  } finally {
    await tearDown(logger, handler);
  }
});

Deno.test("QueueHandler sets msg and message to the formatted text", async () => {
  const { queue, handler, logger, name } = setUp();
  try {
    handler.setFormatter(new Formatter("{name} -> {levelname}: {message}", { style: "{" }));
    logger.warning("hello");
    const record = queue.get_nowait()!;
    assertEquals(record.msg, `${name} -> WARNING: hello`);
    assertEquals(record.message, `${name} -> WARNING: hello`);
  } finally {
    await tearDown(logger, handler);
  }
});

Deno.test("QueueHandler.prepare copies: other handlers still see the unformatted record", async () => {
  const { queue, handler, logger } = setUp();
  const other = new CollectHandler();
  logger.addHandler(other);
  try {
    handler.setFormatter(new Formatter("%(name)s -> %(levelname)s: %(message)s"));
    logger.error("error %d", 7);
    assertEquals(other.lines, ["error 7"]);
    assertEquals(other.records[0].msg, "error %d");
    assertEquals(other.records[0].args, [7]);
    const queued = queue.get_nowait()!;
    assert(queued !== other.records[0]);
    assertEquals(queued.args, null);
  } finally {
    logger.removeHandler(other);
    await tearDown(logger, handler);
  }
});

Deno.test("A traceback and a stack are formatted once through QueueHandler and QueueListener", async () => {
  const { queue, handler, logger } = setUp();
  const out: string[] = [];
  const stream = new StreamHandler({ write: (t: string) => out.push(t) });
  const listener = new QueueListener(queue, [stream]).start();
  try {
    try {
      throw new RangeError("division by zero");
    } catch (e) {
      logger.exception("failed", kw({ exc_info: e }));
    }
    logger.error("with stack", kw({ stack_info: true }));
    await listener.stop();
    const text = out.join("");
    assertEquals(text.split("RangeError: division by zero").length - 1, 1, text);
    assertEquals(text.split("Stack (most recent call last)").length - 1, 1, text);
  } finally {
    await listener.stop();
    await tearDown(logger, handler);
  }
});

Deno.test("QueueListener passes records to its handlers; stop() twice is harmless", async () => {
  const { queue, handler, logger } = setUp();
  try {
    const h = new CollectHandler();
    const listener = new QueueListener(queue, [h]).start();
    logger.warning("1");
    logger.error("2");
    logger.critical("3");
    await listener.stop();
    await listener.stop();
    assertEquals(h.records.map((r) => [r.levelno, r.message]), [
      [WARNING, "1"],
      [ERROR, "2"],
      [CRITICAL, "3"],
    ]);
    assertEquals(listener.running, false);
  } finally {
    await tearDown(logger, handler);
  }
});

Deno.test("QueueListener with respectHandlerLevel skips handlers above the record's level", async () => {
  const { queue, handler, logger } = setUp();
  try {
    const h = new CollectHandler();
    h.setLevel(CRITICAL);
    const listener = new QueueListener(queue, [h], { respectHandlerLevel: true }).start();
    logger.warning("4");
    logger.error("5");
    logger.critical("6");
    await listener.stop();
    assertEquals(h.lines, ["6"]);
  } finally {
    await tearDown(logger, handler);
  }
});

Deno.test("QueueListener.start() twice is an error, and it can start again after stop()", async () => {
  const queue: Q = new AsyncQueue();
  const h = new CollectHandler();
  const listener = new QueueListener(queue, [h]);
  {
    await using started = listener.start();
    assertThrows(() => started.start(), Error, "Listener already started");
  }
  assertEquals(listener.running, false);
  await listener.stop();
  listener.start();
  queue.put_nowait(new LogRecord("x", 20, "", 0, "again", null, null));
  await listener.stop();
  assertEquals(h.lines, ["again"]);
});

Deno.test("A handler or filter that throws does not stop the listener", async () => {
  const queue: Q = new AsyncQueue();
  const errors: unknown[] = [];
  class Throwing extends Handler {
    override emit(): void {
      throw new Error("emit failed");
    }
    override handleError(_r: LogRecord | null, e: unknown): void {
      errors.push(e);
    }
  }
  class ThrowingHandle extends Throwing {
    override handle(): boolean {
      throw new Error("handle failed");
    }
  }
  const filtered = new CollectHandler();
  filtered.handleError = (_r, e) => void errors.push(e);
  filtered.addFilter((r) => {
    if (r.msg === "a") throw new Error("filter failed");
    return true;
  });
  const after = new CollectHandler();
  const listener = new QueueListener(queue, [new Throwing(), new ThrowingHandle(), filtered, after])
    .start();
  for (const msg of ["a", "b", "c"]) {
    queue.put_nowait(new LogRecord("x", 40, "", 0, msg, null, null));
  }
  await listener.stop();
  assertEquals(after.lines, ["a", "b", "c"]);
  assertEquals(filtered.lines, ["b", "c"]);
  assertEquals(
    errors.map((e) => (e as Error).message).sort(),
    [
      "emit failed",
      "emit failed",
      "emit failed",
      "filter failed",
      "handle failed",
      "handle failed",
      "handle failed",
    ],
  );
});

Deno.test("A full AsyncQueue is reported through handleError and the record is dropped", async () => {
  const queue: Q = new AsyncQueue(2);
  const handler = new ErrorCollectingQueueHandler(queue);
  const logger = getLogger(uniqueName("full"));
  logger.propagate = false;
  logger.addHandler(handler);
  try {
    logger.warning("1");
    logger.warning("2");
    logger.warning("3");
    assertEquals(handler.errors.length, 1);
    assert(handler.errors[0] instanceof QueueFull);
    assertEquals(queue.qsize(), 2);
    // stop() waits for room for its sentinel instead of failing.
    const h = new CollectHandler();
    const listener = new QueueListener(queue, [h]).start();
    await listener.stop();
    assertEquals(h.lines, ["1", "2"]);
  } finally {
    await tearDown(logger, handler);
  }
});

Deno.test("stop() drains exactly what was queued, leaving nothing behind (20 rounds)", async () => {
  let handled = 0;
  class Counting extends QueueListener {
    override handle(_record: LogRecord): void {
      handled++;
    }
  }
  for (let i = 0; i < 20; i++) {
    const queue: Q = new AsyncQueue();
    const logger = getLogger(uniqueName("rounds"));
    logger.setLevel(DEBUG);
    logger.propagate = false;
    const handler = new QueueHandler(queue);
    logger.addHandler(handler);
    const listener = new Counting(queue).start();
    for (const m of ["one", "two", "three", "four", "five"]) logger.info(m);
    await listener.stop();
    await tearDown(logger, handler);
    assertEquals(queue.qsize(), 0);
  }
  assertEquals(handled, 5 * 20);
});

Deno.test("QueueListener calls task_done for every item, the sentinel included", async () => {
  const queue: Q = new AsyncQueue();
  const listener = new QueueListener(queue).start();
  queue.put_nowait(new LogRecord("x", 20, "", 0, "m", null, null));
  await listener.stop();
  await queue.join();
  assertThrows(() => queue.task_done(), ValueError, "task_done() called too many times");
});

Deno.test("QueueHandler.flush() waits for its listener's handlers; close() stops nothing", async () => {
  const queue: Q = new AsyncQueue();
  let flushed = 0;
  class Slow extends CollectHandler {
    override async flush(): Promise<void> {
      await new Promise((r) => setTimeout(r, 20));
      flushed++;
    }
  }
  const slow = new Slow();
  const listener = new QueueListener(queue, [slow]).start();
  const handler = new QueueHandler(queue);
  handler.listener = listener;
  handler.handle(new LogRecord("x", 20, "", 0, "m", null, null));
  await handler.flush();
  assertEquals([slow.lines, flushed], [["m"], 1]);
  await handler.close();
  assertEquals(listener.running, true);
  await listener.stop();
});

Deno.test("AsyncQueue: put waits for room, get waits for an item, join waits for task_done", async () => {
  const q = new AsyncQueue<number>(1);
  q.put_nowait(1);
  let put = false;
  const putting = q.put(2).then(() => put = true);
  await Promise.resolve();
  assertEquals(put, false);
  assertEquals(await q.get(), 1);
  await putting;
  assertEquals([put, q.qsize()], [true, 1]);
  assertEquals(q.get_nowait(), 2);
  const later = q.get();
  q.put_nowait(3);
  assertEquals(await later, 3);
  let joined = false;
  const joining = q.join().then(() => joined = true);
  q.task_done();
  q.task_done();
  await Promise.resolve();
  assertEquals(joined, false);
  q.task_done();
  await joining;
  assertThrows(() => new AsyncQueue(1.5), TypeError, "'maxsize' must be an integer");
});

async function withWorker(
  name: string,
  fn: (queue: WorkerQueue, file: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/worker.log`;
  const worker = new Worker(new URL("./helpers/queue_worker.ts", import.meta.url).href, {
    type: "module",
    name: `${file}${name}`,
  });
  const queue = new WorkerQueue(worker, { terminate: true });
  try {
    await fn(queue, file);
  } finally {
    await queue.close();
    worker.terminate();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("Records logged on the main thread are handled in a Worker, in order; close() drains", async () => {
  await withWorker("", async (queue, file) => {
    const logger = getLogger(uniqueName("worker"));
    logger.propagate = false;
    const handler = new QueueHandler(queue);
    logger.addHandler(handler);
    const n = 2000;
    for (let i = 0; i < n; i++) logger.warning("record %d", i);
    logger.removeHandler(handler);
    await handler.close();
    assertEquals(queue.pending, false);
    await queue.close();
    const lines = Deno.readTextFileSync(file).trimEnd().split("\n");
    assertEquals(lines.length, n);
    for (let i = 0; i < n; i++) assertEquals(lines[i], `MainThread|WARNING|record ${i}`);
  });
});

Deno.test("WorkerQueue.flush() resolves only after the worker's handlers have flushed", async () => {
  await withWorker("#slow", async (queue, file) => {
    const handler = new QueueHandler(queue);
    handler.handle(new LogRecord("w", 30, "", 0, "first", null, null));
    assertEquals(queue.pending, true);
    const t0 = performance.now();
    await handler.flush();
    const waited = performance.now() - t0;
    assert(waited >= 90, `flush() returned after ${waited} ms, before the 100 ms flush`);
    assertEquals(Deno.readTextFileSync(file), "MainThread|WARNING|first\n");
    assertEquals(queue.pending, false);
    await handler.close();
  });
});

Deno.test("WorkerQueue with maxsize reports a full queue and refuses records after close()", async () => {
  await withWorker("#slow", async (queue) => {
    const channel = new MessageChannel();
    const bounded = new WorkerQueue(channel.port1, { maxsize: 1 });
    bounded.put_nowait(new LogRecord("w", 30, "", 0, "1", null, null));
    assertThrows(() => bounded.put_nowait({ msg: "2" }), QueueFull);
    channel.port1.close();
    channel.port2.close();
    const handler = new ErrorCollectingQueueHandler(queue);
    handler.handle(makeLogRecord({ msg: "uncloneable", extra: { f: () => 1 } }));
    assertEquals(handler.errors.length, 1);
    assertEquals((handler.errors[0] as Error).name, "DataCloneError");
    await handler.close();
    await queue.close();
    assertThrows(() => queue.put_nowait({ msg: "late" }), Error, "closed WorkerQueue");
    const { port1, port2 } = new MessageChannel();
    assertThrows(
      () => new WorkerQueue(port1, { maxsize: -1 }),
      RangeError,
      "'maxsize' must be an integer >= 0",
    );
    assertThrows(() => new WorkerQueue(queue as never), TypeError, "a Worker or a MessagePort");
    port1.close();
    port2.close();
  });
});

const LAST_LOG = "last log at ";

function exitScript(n: number, file: string, useWorker: boolean): string {
  const queueUrl = new URL("../handlers/queue.ts", import.meta.url).href;
  const fileUrl = new URL("../handlers/file.ts", import.meta.url).href;
  const loggerUrl = new URL("../core/logger.ts", import.meta.url).href;
  const workerUrl = new URL("./helpers/queue_worker.ts", import.meta.url).href;
  const setup = useWorker
    ? `const worker = new Worker(${JSON.stringify(workerUrl)}, { type: "module", name: ${
      JSON.stringify(file)
    } });
       const queue = new WorkerQueue(worker);`
    : `const queue = new AsyncQueue(0);
       new QueueListener(queue, [new FileHandler(${JSON.stringify(file)})]).start();`;
  return `
    import { AsyncQueue, QueueHandler, QueueListener, WorkerQueue } from ${
    JSON.stringify(queueUrl)
  };
    import { FileHandler } from ${JSON.stringify(fileUrl)};
    import { getLogger } from ${JSON.stringify(loggerUrl)};
    ${setup}
    const log = getLogger("exit");
    log.addHandler(new QueueHandler(queue));
    for (let i = 0; i < ${n}; i++) log.warning("record %d", i);
    console.log(${JSON.stringify(LAST_LOG)} + Date.now());
  `;
}

for (const useWorker of [false, true]) {
  const kind = useWorker ? "a WorkerQueue" : "an AsyncQueue";
  Deno.test(`A script logging through ${kind} and returning delivers all records and exits promptly`, async () => {
    const dir = await Deno.makeTempDir();
    try {
      const n = 5000;
      const file = `${dir}/out.log`;
      const { code, stdout, stderr, dir: scriptDir } = await runScript(
        exitScript(n, file, useWorker),
      );
      const ended = Date.now();
      await Deno.remove(scriptDir, { recursive: true });
      assertEquals(code, 0, stderr);
      const last = Number(stdout.slice(stdout.indexOf(LAST_LOG) + LAST_LOG.length).trim());
      const lines = Deno.readTextFileSync(file).trimEnd().split("\n");
      assertEquals(lines.length, n);
      assert(lines[n - 1].endsWith(`record ${n - 1}`), lines[n - 1]);
      assert(ended - last < 1000, `the script exited ${ended - last} ms after its last log call`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("QueueHandler collects caller information unless its listener's handlers need none", async () => {
  const { queue, handler, logger } = setUp();
  try {
    const plain = new CollectHandler();
    const listener = new QueueListener(queue, [plain]).start();
    logger.warning("without listener");
    handler.listener = listener;
    logger.warning("with listener");
    plain.setFormatter(new Formatter("%(filename)s:%(message)s"));
    logger.warning("with a caller field");
    await listener.stop();
    assertEquals(plain.lines, [
      "queue_test.ts:without listener",
      "(unknown file):with listener",
      "queue_test.ts:with a caller field",
    ]);
  } finally {
    await tearDown(logger, handler);
  }
});

const PREPARE_CASES: [fmt: string | null, style: "%" | "{" | "$", msg: string, args: unknown[]][] =
  [
    [null, "%", "plain", []],
    [null, "%", "user %s has %d items (%.1f%%)", ["ada", 3, 12.5]],
    ["%(levelname)s:%(name)s:%(message)s", "%", "disk at %d%%", [91]],
    ["{levelname} -> {name}: {message}", "{", "x=%r", ["quote'd"]],
    ["$levelname $name $message", "$", "%(a)s and %(b)s", [{ a: 1, b: "two" }]],
  ];

Deno.test({
  name: "QueueHandler.prepare matches CPython's for the same formats and arguments",
  ignore: !hasPython,
  fn: async () => {
    const py = await runPython<unknown[]>(
      String.raw`
import json, sys, logging, logging.handlers, queue
out = []
for fmt, style, msg, args in json.load(sys.stdin):
    h = logging.handlers.QueueHandler(queue.Queue())
    h.setFormatter(logging.Formatter(fmt, style=style))
    if len(args) == 1 and isinstance(args[0], dict):
        args = args[0]
    else:
        args = tuple(args)
    r = logging.LogRecord("que", logging.WARNING, "/a.py", 1, msg, args, None)
    p = h.prepare(r)
    out.append([p.msg, p.message, p.args, p.exc_info, p.exc_text, p.stack_info, p is r, r.msg == msg])
print(json.dumps(out))
`,
      PREPARE_CASES,
    );
    const ours = PREPARE_CASES.map(([fmt, style, msg, args]) => {
      const h = new QueueHandler(new AsyncQueue());
      h.setFormatter(new Formatter(fmt ?? undefined, { style }));
      const r = new LogRecord("que", WARNING, "/a.py", 1, msg, args, null);
      const p = h.prepare(r);
      void h.close();
      return [
        p.msg,
        p.message,
        p.args,
        p.exc_info,
        p.exc_text,
        p.stack_info,
        p === r,
        r.msg === msg,
      ];
    });
    assertEquals(ours, py);
  },
});

Deno.test("QueueHandler and QueueListener refuse an object that is not a queue", () => {
  assertThrows(
    () => new QueueHandler({} as never),
    TypeError,
    "Cannot create QueueHandler as 'queue' must have a put_nowait method",
  );
  assertThrows(
    () => new QueueListener({ put_nowait() {} } as never),
    TypeError,
    "Cannot create QueueListener as 'queue' must have get and put_nowait methods",
  );
});
