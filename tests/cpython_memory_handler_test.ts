/**
 * CPython 3.13's `MemoryHandlerTest` (Lib/test/test_logging.py), translated: the same capacity,
 * flush level, messages and expected lines. Each test is named after the CPython test it
 * translates. The target is CPython's `root_hdlr`: a StreamHandler on a captured stream, whose
 * lines `assertLogLines` checks as `BaseTest.assert_log_lines` does.
 */

import { Formatter } from "../core/formatter.ts";
import { DEBUG, WARNING } from "../core/levels.ts";
import { getLogger, root } from "../core/logger.ts";
import type { LogRecord } from "../core/record.ts";
import { shutdown } from "../core/shutdown.ts";
import { MemoryHandler } from "../handlers/memory.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { assertEquals } from "./helpers/assert.ts";
import { CapturedStream, resetLogging } from "./helpers/logging_state.ts";

/** CPython's `BaseTest.log_format`. */
const LOG_FORMAT = "%(name)s -> %(levelname)s: %(message)s";
/** `MemoryHandlerTest.expected_log_pat`: do not bother with a logger name group. */
const EXPECTED_LOG_PAT = /^[\w.]+ -> (\w+): (\d+)$/;

/**
 * CPython's `BaseTest.setUp` and `MemoryHandlerTest.setUp`: the root logger at DEBUG with
 * `root_hdlr` (a StreamHandler on a captured stream), and a MemoryHandler(10, WARNING,
 * root_hdlr) on the non-propagating logger `mem`.
 */
function setUp() {
  const stream = new CapturedStream();
  const rootHdlr = new StreamHandler(stream);
  rootHdlr.setFormatter(new Formatter(LOG_FORMAT));
  root.setLevel(DEBUG);
  root.addHandler(rootHdlr);
  const state = {
    stream,
    rootHdlr,
    memHdlr: new MemoryHandler(10, { flushLevel: WARNING, target: rootHdlr }),
    memLogger: getLogger("mem"),
    messageNum: 0,
    /** `next_message()`: an auto-incrementing integer, as text. */
    nextMessage(): string {
      return String(++state.messageNum);
    },
    /** `assert_log_lines(expected_values)`. */
    assertLogLines(expectedValues: [string, string][]): void {
      const actualLines = stream.text.split("\n").filter((line) => line !== "");
      assertEquals(actualLines.length, expectedValues.length, stream.text);
      actualLines.forEach((actual, i) => {
        const match = EXPECTED_LOG_PAT.exec(actual);
        if (match === null) throw new Error(`Log line does not match expected pattern:\n${actual}`);
        assertEquals([match[1], match[2]], expectedValues[i]);
      });
    },
    /** `tearDown`: closes the MemoryHandler, then resets logging. */
    async tearDown(): Promise<void> {
      await state.memHdlr.close();
      resetLogging();
    },
  };
  state.memLogger.propagate = false;
  state.memLogger.addHandler(state.memHdlr);
  return state;
}

Deno.test("MemoryHandlerTest.test_flush: records reach the target at the flush level or on the 10th record since the last hand-over, never before", async () => {
  const t = setUp();
  try {
    // The memory handler flushes to its target handler based on specific criteria (message
    // count and message level).
    t.memLogger.debug(t.nextMessage());
    t.assertLogLines([]);
    t.memLogger.info(t.nextMessage());
    t.assertLogLines([]);
    // This will flush because the level is >= logging.WARNING
    t.memLogger.warning(t.nextMessage());
    let lines: [string, string][] = [
      ["DEBUG", "1"],
      ["INFO", "2"],
      ["WARNING", "3"],
    ];
    t.assertLogLines(lines);
    for (const n of [4, 14]) {
      for (let i = 0; i < 9; i++) t.memLogger.debug(t.nextMessage());
      t.assertLogLines(lines);
      // This will flush because it's the 10th message since the last flush.
      t.memLogger.debug(t.nextMessage());
      lines = [
        ...lines,
        ...Array.from({ length: 10 }, (_, i) => ["DEBUG", String(n + i)] as [string, string]),
      ];
      t.assertLogLines(lines);
    }
    t.memLogger.debug(t.nextMessage());
    t.assertLogLines(lines);
  } finally {
    await t.tearDown();
  }
});

Deno.test("MemoryHandlerTest.test_flush_on_close: close() hands the buffer over by default, and drops it with flushOnClose false", async () => {
  const t = setUp();
  try {
    t.memLogger.debug(t.nextMessage());
    t.assertLogLines([]);
    t.memLogger.info(t.nextMessage());
    t.assertLogLines([]);
    t.memLogger.removeHandler(t.memHdlr);
    // Default behaviour is to flush on close. Check that it happens.
    await t.memHdlr.close();
    const lines: [string, string][] = [
      ["DEBUG", "1"],
      ["INFO", "2"],
    ];
    t.assertLogLines(lines);
    // Now configure for flushing not to be done on close.
    t.memHdlr = new MemoryHandler(10, {
      flushLevel: WARNING,
      target: t.rootHdlr,
      flushOnClose: false,
    });
    t.memLogger.addHandler(t.memHdlr);
    t.memLogger.debug(t.nextMessage());
    t.assertLogLines(lines); // no change
    t.memLogger.info(t.nextMessage());
    t.assertLogLines(lines); // no change
    t.memLogger.removeHandler(t.memHdlr);
    await t.memHdlr.close();
    // assert that no new lines have been added
    t.assertLogLines(lines); // no change
  } finally {
    await t.tearDown();
  }
});

Deno.test("MemoryHandlerTest.test_shutdown_flush_on_close: shutdown() hands the buffer over by default, and not with flushOnClose false", async () => {
  // CPython passes `handlerList=[weakref.ref(self.mem_hdlr)]` to shutdown(), which takes no
  // list here: shutdown() closes every live handler, newest first (the MemoryHandler, then
  // its target), as logging.shutdown() at exit does.
  const t = setUp();
  try {
    t.memLogger.debug(t.nextMessage());
    t.assertLogLines([]);
    t.memLogger.info(t.nextMessage());
    t.assertLogLines([]);
    // Default behaviour is to flush on close. Check that it happens.
    await shutdown();
    const lines: [string, string][] = [
      ["DEBUG", "1"],
      ["INFO", "2"],
    ];
    t.assertLogLines(lines);
    // Now configure for flushing not to be done on close.
    t.memHdlr = new MemoryHandler(10, {
      flushLevel: WARNING,
      target: t.rootHdlr,
      flushOnClose: false,
    });
    t.memLogger.addHandler(t.memHdlr);
    t.memLogger.debug(t.nextMessage());
    t.assertLogLines(lines); // no change
    t.memLogger.info(t.nextMessage());
    t.assertLogLines(lines); // no change
    // assert that no new lines have been added after shutdown
    await shutdown();
    t.assertLogLines(lines); // no change
  } finally {
    await t.tearDown();
  }
});

Deno.test("MemoryHandlerTest.test_race_between_set_target_and_flush: a target removed while records are handed to it gets each of them once, and nothing fails", async () => {
  // CPython's target starts a thread per record that sets the MemoryHandler's target to None;
  // the race its lock guards against is that thread running in the middle of the hand-over.
  // Nothing runs in the middle of a synchronous hand-over here but the target itself, so the
  // target removes itself at once, inside handle(): the interleaving the lock makes safe. (The
  // 5 ms sleeps that let CPython's threads run have nothing to wait for.)
  const t = setUp();
  const errors: unknown[] = [];
  t.memHdlr.handleError = (_record, error) => void errors.push(error);
  /** `MockRaceConditionHandler`. */
  class MockRaceConditionHandler {
    memHdlr: MemoryHandler;
    handled: string[] = [];
    constructor(memHdlr: MemoryHandler) {
      this.memHdlr = memHdlr;
    }
    removeTarget(): void {
      this.memHdlr.setTarget(null);
    }
    handle(msg: LogRecord): void {
      this.handled.push(msg.getMessage());
      this.removeTarget();
    }
  }
  const target = new MockRaceConditionHandler(t.memHdlr);
  try {
    t.memHdlr.setTarget(target);

    for (let i = 0; i < 10; i++) {
      t.memLogger.info("not flushed");
      t.memLogger.warning("flushed");
    }
    // The first hand-over reached the target whole; the target was gone for the others, whose
    // records stay buffered (CPython: `if self.target:` in flush()).
    assertEquals(target.handled, ["not flushed", "flushed"]);
    assertEquals(t.memHdlr.target, null);
    assertEquals(t.memHdlr.buffer.length, 18);
    assertEquals(errors, []);
  } finally {
    await t.tearDown();
  }
});
