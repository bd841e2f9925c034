/**
 * CPython 3.13's `QueueHandlerTest` and `QueueListenerTest` (Lib/test/test_logging.py),
 * translated: the same loggers, levels, messages and expectations. Each test is named after the
 * CPython test it translates.
 *
 * CPython's `queue.Queue` is {@linkcode AsyncQueue}; its `QueueListener` thread is the
 * listener's asynchronous loop, so `listener.stop()` is awaited. CPython's
 * `multiprocessing.Queue` (records pickled through a pipe by a feeder thread) is a
 * {@linkcode WorkerQueue}: records cloned through a `MessagePort` to the `QueueListener` that
 * `listenInWorker` runs at the other end, in this thread (where the listener's `handle` can be
 * counted, as `mock.patch.object` counts CPython's) or in a Web Worker.
 */

import { Formatter } from "../core/formatter.ts";
import { CRITICAL, DEBUG, ERROR, WARNING } from "../core/levels.ts";
import { getLogger, kw, root } from "../core/logger.ts";
import { LogRecord } from "../core/record.ts";
import { ValueError } from "../core/text/errors.ts";
import { BufferingHandler } from "../handlers/memory.ts";
import {
  AsyncQueue,
  listenInWorker,
  QueueEmpty,
  QueueHandler,
  QueueListener,
  WorkerQueue,
} from "../handlers/queue.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";
import { CapturedStream, resetLogging } from "./helpers/logging_state.ts";

type Q = AsyncQueue<LogRecord | null>;

/** CPython's `BaseTest.log_format`. */
const LOG_FORMAT = "%(name)s -> %(levelname)s: %(message)s";

/**
 * CPython's `BaseTest.setUp`: the root logger at DEBUG with a StreamHandler on a captured
 * stream (`root_hdlr`, formatted by `root_formatter`), and `next_message()`.
 */
function baseSetUp() {
  const stream = new CapturedStream();
  const rootHdlr = new StreamHandler(stream);
  const rootFormatter = new Formatter(LOG_FORMAT);
  rootHdlr.setFormatter(rootFormatter);
  root.setLevel(DEBUG);
  root.addHandler(rootHdlr);
  let messageNum = 0;
  return { stream, rootHdlr, rootFormatter, nextMessage: () => String(++messageNum) };
}

/** `QueueHandlerTest.setUp`; the returned `tearDown` closes the handler and resets logging. */
function queueSetUp() {
  const base = baseSetUp();
  const queue: Q = new AsyncQueue(-1);
  const queHdlr = new QueueHandler(queue);
  const name = "que";
  const queLogger = getLogger("que");
  queLogger.propagate = false;
  queLogger.setLevel(WARNING);
  queLogger.addHandler(queHdlr);
  return {
    ...base,
    queue,
    queHdlr,
    name,
    queLogger,
    async tearDown() {
      await queHdlr.close();
      resetLogging();
    },
  };
}

/** `test.support.Matcher`: does a record's dict hold the given values (msg/message: a part)? */
class Matcher {
  static readonly partialMatches = ["msg", "message"];

  matches(d: Record<string, unknown>, kwargs: Record<string, unknown>): boolean {
    return Object.entries(kwargs).every(([k, v]) => this.matchValue(k, d[k], v));
  }

  matchValue(k: string, dv: unknown, v: unknown): boolean {
    if (typeof v !== typeof dv) return false;
    if (typeof dv !== "string" || !Matcher.partialMatches.includes(k)) return v === dv;
    return dv.includes(v as string);
  }
}

/** `test.support.logging_helper.TestHandler`: keeps every record (formatted) it is given. */
class TestHandler extends BufferingHandler {
  matcher: Matcher;

  constructor(matcher: Matcher) {
    // BufferingHandler takes a "capacity" argument so as to know when to flush. As we're
    // overriding shouldFlush anyway, we can set a capacity of zero.
    super(0);
    this.matcher = matcher;
  }

  override shouldFlush(): boolean {
    return false;
  }

  override emit(record: LogRecord): void {
    this.format(record);
    this.buffer.push(record);
  }

  /** Look for a saved record whose attributes match the supplied arguments. */
  matches(kwargs: Record<string, unknown>): boolean {
    return this.buffer.some((d) =>
      this.matcher.matches(d as unknown as Record<string, unknown>, kwargs)
    );
  }
}

class ZeroDivisionError extends Error {
  override name = "ZeroDivisionError";
}

// ---------------------------------------------------------------------------------------------
// QueueHandlerTest

Deno.test("QueueHandlerTest.test_queue_handler: records below the logger's level never reach the queue; a record that does has its msg and no args", async () => {
  const { queue, queLogger, nextMessage, tearDown } = queueSetUp();
  try {
    queLogger.debug(nextMessage());
    assertThrows(() => queue.get_nowait(), QueueEmpty);
    queLogger.info(nextMessage());
    assertThrows(() => queue.get_nowait(), QueueEmpty);
    const msg = nextMessage();
    queLogger.warning(msg);
    const data = queue.get_nowait()!;
    assert(data instanceof LogRecord);
    assertEquals(data.name, queLogger.name);
    assertEquals([data.msg, data.args], [msg, null]);
  } finally {
    await tearDown();
  }
});

Deno.test("QueueHandlerTest.test_formatting: the queued record's msg and message are the text the handler's formatter made", async () => {
  const { queue, queHdlr, queLogger, name, nextMessage, tearDown } = queueSetUp();
  try {
    const msg = nextMessage();
    const levelname = "WARNING"; // logging.getLevelName(logging.WARNING)
    const formattedMsg = `${name} -> ${levelname}: ${msg}`;
    const formatter = new Formatter(LOG_FORMAT);
    queHdlr.setFormatter(formatter);
    queLogger.warning(msg);
    const logRecord = queue.get_nowait()!;
    assertEquals(formattedMsg, logRecord.msg);
    assertEquals(formattedMsg, logRecord.message);
  } finally {
    await tearDown();
  }
});

Deno.test("QueueHandlerTest.test_queue_listener: the listener passes every record to its handler, or with respectHandlerLevel only those at the handler's level; stop() twice is harmless", async () => {
  const { queue, queLogger, nextMessage, tearDown } = queueSetUp();
  try {
    let handler = new TestHandler(new Matcher());
    let listener = new QueueListener(queue, [handler]);
    listener.start();
    try {
      queLogger.warning(nextMessage());
      queLogger.error(nextMessage());
      queLogger.critical(nextMessage());
    } finally {
      await listener.stop();
      await listener.stop(); // gh-114706 - ensure no crash if called again
    }
    assert(handler.matches({ levelno: WARNING, message: "1" }));
    assert(handler.matches({ levelno: ERROR, message: "2" }));
    assert(handler.matches({ levelno: CRITICAL, message: "3" }));
    await handler.close();

    // Now test with respect_handler_level set

    handler = new TestHandler(new Matcher());
    handler.setLevel(CRITICAL);
    listener = new QueueListener(queue, [handler], { respectHandlerLevel: true });
    listener.start();
    try {
      queLogger.warning(nextMessage());
      queLogger.error(nextMessage());
      queLogger.critical(nextMessage());
    } finally {
      await listener.stop();
    }
    assert(!handler.matches({ levelno: WARNING, message: "4" }));
    assert(!handler.matches({ levelno: ERROR, message: "5" }));
    assert(handler.matches({ levelno: CRITICAL, message: "6" }));
    await handler.close();
  } finally {
    await tearDown();
  }
});

Deno.test("QueueHandlerTest.test_queue_listener_with_StreamHandler: a traceback and a stack appear once in the output, not twice", async () => {
  // Test that traceback and stack-info only appends once (bpo-34334, bpo-46755).
  const { queue, queLogger, rootHdlr, stream, nextMessage, tearDown } = queueSetUp();
  try {
    const listener = new QueueListener(queue, [rootHdlr]);
    listener.start();
    try {
      throw new ZeroDivisionError("division by zero");
    } catch (e) {
      const exc = e;
      queLogger.exception(nextMessage(), kw({ exc_info: exc }));
    }
    queLogger.error(nextMessage(), kw({ stack_info: true }));
    await listener.stop();
    const text = stream.text.trim();
    // CPython counts 'Traceback', the first line of its tracebacks; a JavaScript stack has no
    // such line, so this counts the exception's line, which both print once per traceback.
    assertEquals(text.split("ZeroDivisionError: division by zero").length - 1, 1, text);
    assertEquals(text.split("Stack").length - 1, 1, text);
  } finally {
    await tearDown();
  }
});

Deno.test("QueueHandlerTest.test_queue_listener_with_multiple_handlers: the QueueHandler's formatting does not change what the logger's other handlers print", async () => {
  // Test that queue handler format doesn't affect other handler formats (bpo-35726).
  const { queue, queHdlr, queLogger, rootHdlr, rootFormatter, stream, tearDown } = queueSetUp();
  try {
    queHdlr.setFormatter(rootFormatter);
    queLogger.addHandler(rootHdlr);

    const listener = new QueueListener(queue, [queHdlr]);
    listener.start();
    queLogger.error("error");
    await listener.stop();
    assertEquals(stream.text.trim(), "que -> ERROR: error");
  } finally {
    await tearDown();
  }
});

// ---------------------------------------------------------------------------------------------
// QueueListenerTest: tests based on the patch submitted for issue #27930. Ensure that
// QueueListener handles all log messages.

const REPEAT = 20;

/**
 * `QueueListenerTest.setup_and_log`: a logger with a QueueHandler to `logQueue`, read by a
 * QueueListener; starts the listener, logs five messages, and stops the listener.
 */
async function setupAndLog(logQueue: Q, ident: string): Promise<void> {
  const logger = getLogger(`test_logger_with_id_${ident}`);
  logger.setLevel(DEBUG);
  const handler = new QueueHandler(logQueue);
  logger.addHandler(handler);
  const listener = new QueueListener(logQueue);
  listener.start();

  logger.info("one");
  logger.info("two");
  logger.info("three");
  logger.info("four");
  logger.info("five");

  await listener.stop();
  logger.removeHandler(handler);
  await handler.close();
}

/**
 * `setup_and_log` over a `multiprocessing.Queue`: a WorkerQueue whose reader and QueueListener
 * (`listenInWorker`) are at the other end of `port`; stopping the listener is putting the
 * sentinel (CPython's `enqueue_sentinel`) and waiting for the listener to finish (its `join`).
 */
async function setupAndLogMp(logQueue: WorkerQueue, ident: string): Promise<void> {
  const logger = getLogger(`test_logger_with_id_${ident}`);
  logger.setLevel(DEBUG);
  const handler = new QueueHandler(logQueue);
  logger.addHandler(handler);

  logger.info("one");
  logger.info("two");
  logger.info("three");
  logger.info("four");
  logger.info("five");

  logQueue.put_nowait(null);
  await logQueue.close();
  logger.removeHandler(handler);
  await handler.close();
}

/** `@patch.object(logging.handlers.QueueListener, 'handle')`: counts the calls, does nothing. */
async function withPatchedHandle(fn: (calls: () => number) => Promise<void>): Promise<void> {
  const original = QueueListener.prototype.handle;
  let count = 0;
  QueueListener.prototype.handle = function (_record: LogRecord): void {
    count++;
  };
  try {
    await fn(() => count);
  } finally {
    QueueListener.prototype.handle = original;
  }
}

Deno.test("QueueListenerTest.test_handle_called_with_queue_queue: the listener handles all five records of each of 20 rounds", async () => {
  baseSetUp();
  try {
    await withPatchedHandle(async (calls) => {
      for (let i = 0; i < REPEAT; i++) {
        const logQueue: Q = new AsyncQueue();
        await setupAndLog(logQueue, `test_handle_called_with_queue_queue_${i}`);
      }
      assertEquals(calls(), 5 * REPEAT, "correct number of handled log messages");
    });
  } finally {
    resetLogging();
  }
});

Deno.test("QueueListenerTest.test_handle_called_with_mp_queue: over a WorkerQueue, the listener at its other end handles all five records of each of 20 rounds", async () => {
  baseSetUp();
  try {
    await withPatchedHandle(async (calls) => {
      for (let i = 0; i < REPEAT; i++) {
        const { port1, port2 } = new MessageChannel();
        listenInWorker([], { port: port2 });
        const logQueue = new WorkerQueue(port1);
        try {
          await setupAndLogMp(logQueue, `test_handle_called_with_mp_queue_${i}`);
        } finally {
          port1.close();
          port2.close();
        }
      }
      assertEquals(calls(), 5 * REPEAT, "correct number of handled log messages");
    });
  } finally {
    resetLogging();
  }
});

Deno.test("QueueListenerTest.test_no_messages_in_queue_after_stop: records handed to a Web Worker's listener are all handled before it stops, none left in the queue (20 rounds)", async () => {
  // Five messages are logged then the listener is stopped; then nothing may be left in the
  // queue: a failure means that messages reached the queue only after the listener stopped.
  // CPython drains a multiprocessing.Queue; here the queue crosses to a Web Worker whose
  // listener writes each record to a file, and what the queue still holds is its qsize().
  baseSetUp();
  try {
    await withTempDir(async (dir) => {
      for (let i = 0; i < REPEAT; i++) {
        const file = `${dir}/worker${i}.log`;
        const worker = new Worker(new URL("./helpers/queue_worker.ts", import.meta.url).href, {
          type: "module",
          name: file,
        });
        const queue = new WorkerQueue(worker, { terminate: true });
        try {
          await setupAndLogMp(queue, `test_no_messages_in_queue_after_stop_${i}`);
          assertEquals(queue.qsize(), 0, "Found unexpected messages in queue");
          assertEquals(queue.pending, false);
          assertEquals(
            Deno.readTextFileSync(file),
            ["one", "two", "three", "four", "five"].map((m) => `MainThread|INFO|${m}\n`).join(""),
          );
        } finally {
          worker.terminate();
        }
      }
    });
  } finally {
    resetLogging();
  }
});

Deno.test("QueueListenerTest.test_calls_task_done_after_stop: after stop(), task_done was called for every item, the sentinel included", async () => {
  // Issue 36813: Make sure queue.join does not deadlock.
  const logQueue: Q = new AsyncQueue();
  const listener = new QueueListener(logQueue);
  listener.start();
  await listener.stop();
  // Make sure all tasks are done and .join won't block.
  assertThrows(() => logQueue.task_done(), ValueError);
  await logQueue.join();
});
