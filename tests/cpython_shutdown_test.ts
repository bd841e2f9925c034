/**
 * CPython 3.13's test_logging.py, translated: ShutdownTest (which errors of a handler's
 * `flush()`/`close()` `shutdown()` ignores, reports or raises) and LastResortTest (records that
 * find no handler).
 */

import { Handler, type LogRecord, settings, shutdown } from "../mod.ts";
import { IndexError, ValueError } from "../core/text/errors.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { baseTest } from "./helpers/cpython_base.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

// ---------------------------------------------------------------------------------------------
// ShutdownTest

/**
 * CPython's FakeHandler: records the calls shutdown() makes. Python's also has `acquire` and
 * `release` (the handler's lock); handlers here have no lock. It also records `handleError`,
 * where shutdown() reports what it neither ignores nor raises.
 */
class FakeHandler extends Handler {
  readonly #identifier: number;
  readonly #called: string[];

  constructor(identifier: number, called: string[]) {
    super();
    this.#identifier = identifier;
    this.#called = called;
  }

  override emit(_record: LogRecord): void {}

  override flush(): Promise<void> {
    this.#called.push(`${this.#identifier} - flush`);
    return Promise.resolve();
  }

  override close(): Promise<void> {
    this.#called.push(`${this.#identifier} - close`);
    return super.close();
  }

  override handleError(_record: LogRecord | null, error: unknown): void {
    this.#called.push(`${this.#identifier} - handleError ${(error as Error).name}`);
  }
}

type Method = "flush" | "close";

/**
 * CPython's `_test_with_failure_in_method`: shutdown() while handler 0's `method` throws
 * `error()`. Handler 1, made before it, shows that shutdown() goes on to the next handler (what
 * CPython's last call, `'0 - release'`, shows for the lock). Returns the calls made and what
 * shutdown() threw (`null` for nothing).
 */
async function withFailureInMethod(
  method: Method,
  error: () => Error,
): Promise<{ called: string[]; raised: unknown }> {
  const called: string[] = [];
  const older = new FakeHandler(1, called);
  const handler = new FakeHandler(0, called);
  handler[method] = () => {
    throw error();
  };
  let raised: unknown = null;
  try {
    await shutdown();
  } catch (e) {
    raised = e;
  }
  const seen = [...called];
  // Close handler 0 for good, so that no later shutdown() meets it.
  delete (handler as Partial<Record<Method, unknown>>)[method];
  await handler.close();
  await older.close();
  return { called: seen, raised };
}

/** ShutdownTest's set-up: BaseTest's, and raiseExceptions put back afterwards. */
function shutdownTest(fn: Parameters<typeof baseTest>[0]): () => Promise<void> {
  return baseTest((t) => {
    const raiseExceptions = settings.raiseExceptions;
    t.addCleanup(() => settings.raiseExceptions = raiseExceptions);
    return fn(t);
  });
}

/** Python's OSError: what Deno's I/O throws on a closed resource. */
const osError = () => new Deno.errors.BadResource();

Deno.test(
  "ShutdownTest.test_no_failure: shutdown() flushes and closes every handler, newest first",
  shutdownTest(async () => {
    const called: string[] = [];
    const handler0 = new FakeHandler(0, called);
    const handler1 = new FakeHandler(1, called);
    const handler2 = new FakeHandler(2, called);

    await shutdown();

    const expected = [
      "2 - flush",
      "2 - close",
      "1 - flush",
      "1 - close",
      "0 - flush",
      "0 - close",
    ];
    assertEquals(called, expected);
    assert(handler0.closed && handler1.closed && handler2.closed);
  }),
);

// CPython's test_with_ioerror_in_acquire, test_with_valueerror_in_acquire and
// test_with_other_error_in_acquire_{with,without}_raise are not translated: handlers here have
// no lock to acquire (one thread runs the handlers).

Deno.test(
  "ShutdownTest.test_with_ioerror_in_flush: an OSError from flush() is ignored and the handler is still closed",
  shutdownTest(async () => {
    const { called, raised } = await withFailureInMethod("flush", osError);
    assertEquals(raised, null);
    assertEquals(called, ["0 - close", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "ShutdownTest.test_with_ioerror_in_close: an OSError from close() is ignored, also a node: system error",
  shutdownTest(async () => {
    const { called, raised } = await withFailureInMethod("close", osError);
    assertEquals(raised, null);
    assertEquals(called, ["0 - flush", "1 - flush", "1 - close"]);
    // What closing a closed descriptor throws through node:fs (code EBADF), Python's OSError too.
    const { closeSync } = await import("node:fs");
    const closed = await withFailureInMethod("close", () => {
      try {
        closeSync(2 ** 30);
      } catch (e) {
        return e as Error;
      }
      throw new Error("closing a descriptor that is not open did not fail");
    });
    assertEquals(closed, { called: ["0 - flush", "1 - flush", "1 - close"], raised: null });
  }),
);

Deno.test(
  "ShutdownTest.test_with_valueerror_in_flush: a ValueError from flush() is ignored",
  shutdownTest(async () => {
    const { called, raised } = await withFailureInMethod("flush", () => new ValueError());
    assertEquals(raised, null);
    assertEquals(called, ["0 - close", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "ShutdownTest.test_with_valueerror_in_close: a ValueError from close() is ignored",
  shutdownTest(async () => {
    const { called, raised } = await withFailureInMethod("close", () => new ValueError());
    assertEquals(raised, null);
    assertEquals(called, ["0 - flush", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "ShutdownTest.test_with_other_error_in_flush_without_raise: another error from flush() is swallowed when raiseExceptions is off",
  shutdownTest(async () => {
    settings.raiseExceptions = false;
    const { called, raised } = await withFailureInMethod("flush", () => new IndexError());
    assertEquals(raised, null);
    // It reaches the handler's handleError, which prints nothing while raiseExceptions is off.
    assertEquals(called, ["0 - close", "0 - handleError IndexError", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "ShutdownTest.test_with_other_error_in_close_without_raise: another error from close() is swallowed when raiseExceptions is off",
  shutdownTest(async () => {
    settings.raiseExceptions = false;
    const { called, raised } = await withFailureInMethod("close", () => new IndexError());
    assertEquals(raised, null);
    assertEquals(called, ["0 - flush", "0 - handleError IndexError", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "ShutdownTest.test_with_other_error_in_flush_with_raise: another error from flush() is thrown by shutdown(), after every handler is closed",
  shutdownTest(async () => {
    settings.raiseExceptions = true;
    const { called, raised } = await withFailureInMethod("flush", () => new IndexError());
    assert(raised instanceof IndexError, String(raised));
    // CPython raises at once; here the other handlers are closed first (see the README).
    assertEquals(called, ["0 - close", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "ShutdownTest.test_with_other_error_in_close_with_raise: another error from close() is thrown by shutdown(), after every handler is closed",
  shutdownTest(async () => {
    settings.raiseExceptions = true;
    const { called, raised } = await withFailureInMethod("close", () => new IndexError());
    assert(raised instanceof IndexError, String(raised));
    assertEquals(called, ["0 - flush", "1 - flush", "1 - close"]);
  }),
);

Deno.test(
  "shutdown() throws the first error it does not ignore and reports the later ones through their handler's handleError",
  shutdownTest(async () => {
    settings.raiseExceptions = true;
    const called: string[] = [];
    const older = new FakeHandler(1, called);
    const newer = new FakeHandler(0, called);
    const first = new IndexError("first");
    older.flush = () => Promise.reject(new TypeError("second"));
    newer.close = () => Promise.reject(first);
    let raised: unknown = null;
    try {
      await shutdown();
    } catch (e) {
      raised = e;
    }
    assert(raised === first, String(raised));
    assertEquals(called, ["0 - flush", "1 - close", "1 - handleError TypeError"]);
    delete (newer as Partial<Record<Method, unknown>>).close;
    await newer.close();
  }),
);

Deno.test(
  "shutdown() that will throw is still bounded by closeTimeout and still closes the older handlers",
  shutdownTest(async () => {
    settings.raiseExceptions = true;
    const called: string[] = [];
    const oldest = new FakeHandler(2, called);
    const thrower = new FakeHandler(1, called);
    thrower.close = () => {
      throw new IndexError("boom");
    };
    // A handler whose close() never settles, with a closeTimeout of 0: shutdown() waits for it
    // 1 s (its closeTimeout and the grace), reports it and goes on.
    const stuck = new FakeHandler(0, called);
    Object.defineProperty(stuck, "closeTimeout", { value: 0 });
    stuck.close = () => new Promise<void>(() => {});
    const start = performance.now();
    let raised: unknown = null;
    try {
      await shutdown();
    } catch (e) {
      raised = e;
    }
    const elapsed = performance.now() - start;
    assert(raised instanceof IndexError, String(raised));
    assert(elapsed >= 900 && elapsed < 4000, `shutdown() took ${elapsed} ms`);
    assertEquals(called, ["0 - handleError Error", "1 - flush", "2 - flush", "2 - close"]);
    assert(oldest.closed);
    for (const h of [thrower, stuck]) {
      delete (h as Partial<Record<Method, unknown>>).close;
      await h.close();
    }
  }),
);

// ---------------------------------------------------------------------------------------------
// LastResortTest

Deno.test(
  {
    name:
      "LastResortTest.test_last_resort: without handlers, WARNING and above go to stderr; with no last resort, a one-time notice",
    ignore: !hasPython,
  },
  async () => {
    // CPython captures sys.stderr; the real stderr of a process of its own is read here, with
    // marks between the steps, and compared with CPython's for the same steps.
    const { code, stderr, dir } = await runScript(`
import { getLogger, lastResort, setLastResort, settings } from ${JSON.stringify(MOD_URL)};
const mark = (n: number) => Deno.stderr.writeSync(new TextEncoder().encode(\`--\${n}--\\n\`));
const root = getLogger();
root.setLevel("DEBUG");
const old_lastresort = lastResort;
root.debug("This should not appear"); mark(1);
root.warning("Final chance!"); mark(2);
// No handlers and no last resort, so 'No handlers' message
setLastResort(null);
root.warning("Final chance!"); mark(3);
// 'No handlers' message only printed once
root.warning("Final chance!"); mark(4);
// If raiseExceptions is False, no message is printed
root.manager.emittedNoHandlerWarning = false;
settings.raiseExceptions = false;
root.warning("Final chance!"); mark(5);
setLastResort(old_lastresort);
settings.raiseExceptions = true;
`);
    await Deno.remove(dir, { recursive: true });
    assertEquals(code, 0, stderr);
    const expected = "--1--\nFinal chance!\n--2--\n" +
      'No handlers could be found for logger "root"\n--3--\n--4--\n--5--\n';
    assertEquals(stderr, expected);
    const cpython = await runPython<string>(`
import io, json, logging, sys
err = io.StringIO()
sys.stderr = err
def mark(n): err.write("--%d--\\n" % n)
root = logging.getLogger()
root.setLevel(logging.DEBUG)
old_lastresort = logging.lastResort
root.debug('This should not appear'); mark(1)
root.warning('Final chance!'); mark(2)
logging.lastResort = None
root.warning('Final chance!'); mark(3)
root.warning('Final chance!'); mark(4)
root.manager.emittedNoHandlerWarning = False
logging.raiseExceptions = False
root.warning('Final chance!'); mark(5)
logging.lastResort = old_lastresort
logging.raiseExceptions = True
sys.stderr = sys.__stderr__
print(json.dumps(err.getvalue()))`);
    assertEquals(stderr, cpython);
  },
);
