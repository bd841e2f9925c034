/**
 * CPython's `BaseTest` (test_logging.py), for the tests translated from it: a root handler that
 * captures into a stream with the format `%(name)s -> %(levelname)s: %(message)s`, the root at
 * DEBUG, `assertLogLines` against `expectedLogPat`, `nextMessage`, cleanups, and a tear-down that
 * puts back what CPython's puts back (the root's handlers and level, the level names, the loggers
 * created by the test, `disable`, the loggers' `disabled`).
 *
 * ```ts ignore
 * Deno.test("Family.test_x: what a user notices", baseTest((t) => {
 *   getLogger("ERR").error(t.nextMessage());
 *   t.assertLogLines([["ERR", "ERROR", "1"]]);
 * }));
 * ```
 */

import { Formatter } from "../../core/formatter.ts";
import { saveLevelNames } from "../../core/levels.ts";
import { getLogger, Logger, type PlaceHolder, root } from "../../core/logger.ts";
import { StreamHandler } from "../../handlers/stream.ts";
import { assert, assertEquals } from "./assert.ts";
import { CapturedStream } from "./logging_state.ts";

/** What a translated test class changes of `BaseTest`'s class attributes. */
export interface BaseTestOptions {
  /** The root handler's format (`log_format`). */
  logFormat?: string;
  /** What `assertLogLines` matches each line with (`expected_log_pat`). */
  expectedLogPat?: RegExp;
}

/** The state of one translated test: CPython's `self` of a `BaseTest`. */
export class BaseTest {
  /** The root handler's format. */
  readonly logFormat: string;
  /** The pattern each captured line must match; its groups are compared. */
  readonly expectedLogPat: RegExp;
  /** What the root handler wrote (CPython's `self.stream`, a `StringIO`). */
  readonly stream: CapturedStream = new CapturedStream();
  /** The root logger. */
  readonly rootLogger: Logger = root;
  /** The handler on the root logger, writing to {@linkcode BaseTest.stream}. */
  readonly rootHandler: StreamHandler;
  /** A logger with a non-ASCII name that the test does not use (`\xab\xd7\xbb`). */
  readonly logger1: Logger;
  /** Another (`\u013f\u00d6\u0047`). */
  readonly logger2: Logger;
  #messageNum = 0;
  #cleanups: (() => unknown)[] = [];
  #originalLevel: number;
  #restoreLevelNames: () => void;
  #savedLoggers: Map<string, Logger | PlaceHolder>;
  #loggerStates: Map<Logger, boolean>;

  /**
   * CPython's `setUp`.
   *
   * @param options The class attributes a test class overrides.
   */
  constructor(options: BaseTestOptions = {}) {
    this.logFormat = options.logFormat ?? "%(name)s -> %(levelname)s: %(message)s";
    this.expectedLogPat = options.expectedLogPat ?? /^([\w.]+) -> (\w+): (\d+)$/;
    const dict = root.manager.loggerDict;
    this.#savedLoggers = new Map(dict);
    this.#restoreLevelNames = saveLevelNames();
    this.#loggerStates = new Map();
    for (const item of dict.values()) {
      if (item instanceof Logger) this.#loggerStates.set(item, item.disabled);
    }
    this.logger1 = getLogger("\xab\xd7\xbb");
    this.logger2 = getLogger("\u013f\u00d6\u0047");
    this.#originalLevel = root.getEffectiveLevel();
    root.setLevel("DEBUG");
    this.rootHandler = new StreamHandler(this.stream);
    this.rootHandler.setFormatter(new Formatter(this.logFormat));
    assert(!this.logger1.hasHandlers(), `Unexpected handlers: ${root.handlers}`);
    assert(!this.logger2.hasHandlers(), `Unexpected handlers: ${root.handlers}`);
    root.addHandler(this.rootHandler);
    assert(this.logger1.hasHandlers() && this.logger2.hasHandlers());
  }

  /**
   * Matches the captured lines against `pat` (default {@linkcode BaseTest.expectedLogPat}) and
   * compares each line's groups with `expected` (CPython's `assert_log_lines`).
   *
   * @param expected One array of group values per line.
   * @param stream The stream to read (default {@linkcode BaseTest.stream}).
   * @param pat The pattern.
   */
  assertLogLines(
    expected: readonly (readonly string[])[],
    stream: CapturedStream = this.stream,
    pat: RegExp = this.expectedLogPat,
  ): void {
    const actual = stream.text.split("\n");
    if (actual.at(-1) === "") actual.pop();
    assertEquals(actual.length, expected.length, `lines: ${JSON.stringify(actual)}`);
    actual.forEach((line, i) => {
      const match = pat.exec(line);
      assert(match !== null, `Log line does not match expected pattern:\n${line}`);
      assertEquals(match.slice(1), [...expected[i]]);
    });
  }

  /**
   * A message made of an increasing integer, `"1"`, `"2"`, ... (CPython's `next_message`).
   *
   * @returns The message.
   */
  nextMessage(): string {
    return String(++this.#messageNum);
  }

  /**
   * Runs `fn` at tear-down, before the state is put back, newest first (`addCleanup`).
   *
   * @param fn The clean-up; awaited when it returns a promise.
   */
  addCleanup(fn: () => unknown): void {
    this.#cleanups.push(fn);
  }

  /** CPython's `tearDown`, then the clean-ups (`doCleanups`). */
  async tearDown(): Promise<void> {
    root.removeHandler(this.rootHandler);
    await this.rootHandler.close();
    while (root.handlers.length !== 0) {
      const h = root.handlers[0];
      root.removeHandler(h);
      await h.close();
    }
    root.setLevel(this.#originalLevel);
    this.#restoreLevelNames();
    root.manager.disable = 0;
    const dict = root.manager.loggerDict;
    dict.clear();
    for (const [name, item] of this.#savedLoggers) dict.set(name, item);
    for (const [logger, disabled] of this.#loggerStates) logger.disabled = disabled;
    while (this.#cleanups.length !== 0) await this.#cleanups.pop()!();
  }
}

/**
 * Wraps a translated test: `BaseTest`'s set-up, `fn`, then the tear-down even when `fn` fails.
 *
 * @param fn The test body; `t` is CPython's `self`.
 * @param options The class attributes the test class overrides.
 * @returns The function to give `Deno.test`.
 */
export function baseTest(
  fn: (t: BaseTest) => void | Promise<void>,
  options?: BaseTestOptions,
): () => Promise<void> {
  return async () => {
    const t = new BaseTest(options);
    try {
      await fn(t);
    } finally {
      await t.tearDown();
    }
  };
}
