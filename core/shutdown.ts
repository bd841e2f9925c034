/**
 * The registry of live handlers, `shutdown()`, and the exit hooks that run it.
 *
 * @module
 */

import { settings } from "./settings.ts";
import { ValueError } from "./text/errors.ts";

/**
 * What the registry needs of a handler (every `Handler` has it). Declared here so that this
 * module, which `handler.ts` imports, imports nothing back.
 */
export interface LiveHandler {
  /** Whether records still wait for asynchronous delivery. */
  readonly pending: boolean;
  /** Resolves when everything handled before has been delivered or dropped. */
  flush(): Promise<void>;
  /** Flushes and releases. */
  close(): Promise<void>;
  /** Writes out, synchronously, what is held in memory (the exit hooks' part). */
  flushSync(): void;
  /** Reports a failure. */
  handleError(record: null, error: unknown): void;
}

type Handler = LiveHandler;

const live: WeakRef<Handler>[] = [];
let hooksInstalled = false;

/** Adds `handler` to the handlers `shutdown()` will flush and close; installs the exit hooks. */
export function registerHandler(handler: Handler): void {
  if (live.length > 64 && live.length % 64 === 0) prune();
  live.push(new WeakRef(handler));
  if (!hooksInstalled) installExitHooks();
}

/** Removes `handler` from the registry (it was closed). */
export function unregisterHandler(handler: Handler): void {
  for (let i = live.length - 1; i >= 0; i--) {
    if (live[i].deref() === handler) {
      live.splice(i, 1);
      return;
    }
  }
}

function prune(): void {
  for (let i = live.length - 1; i >= 0; i--) if (live[i].deref() === undefined) live.splice(i, 1);
}

/** The live handlers, newest first. */
function liveHandlers(): Handler[] {
  const out: Handler[] = [];
  for (let i = live.length - 1; i >= 0; i--) {
    const h = live[i].deref();
    if (h !== undefined) out.push(h);
  }
  return out;
}

/** How long `shutdown()` gives a handler without a `closeTimeout` of its own, in ms. */
const DEFAULT_CLOSE_MS = 5000;
/** What `shutdown()` adds to a handler's `closeTimeout` before it moves on without it. */
const CLOSE_GRACE_MS = 1000;

/**
 * Flushes and closes every live handler, newest first, like Python's `logging.shutdown()`.
 *
 * Errors are Python's: an `OSError` (any of `Deno.errors`, or a `node:` system error with a
 * `code` such as `"EPIPE"`) or a `ValueError` thrown by a handler's `flush()` or `close()` is
 * ignored, as the handler may have been closed already; any other error is thrown by
 * `shutdown()` while `settings.raiseExceptions` is true (the first one, once every handler has
 * been closed; later ones go to their handler's `handleError`), and goes to the handler's
 * `handleError` (which stays silent) otherwise. A handler whose `flush()` fails is still closed,
 * and the handlers after it are too (CPython stops at the error it raises). The library's own
 * handlers report their failures through `handleError` and never throw here.
 *
 * The wait is bounded: a handler with a `closeTimeout` (the network handlers) delivers what it
 * can within it (its `close()` reports what it drops); any other handler gets 5 s, after which it
 * is reported and left behind. It runs by itself when the program's event loop drains; call it
 * yourself before `Deno.exit()` if network handlers still have records to deliver.
 *
 * @returns A promise that resolves when every handler is closed or has been given up on.
 * @throws {Error} The first error, other than an `OSError` or a `ValueError`, that a handler's
 * `flush()` or `close()` threw, while `settings.raiseExceptions` is true.
 *
 * @example
 * ```ts
 * import { FileHandler, shutdown } from "@x/loghandlers";
 * const dir = await Deno.makeTempDir();
 * const handler = new FileHandler(`${dir}/app.log`);
 * await shutdown();
 * console.assert(handler.closed);
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export async function shutdown(): Promise<void> {
  let raised: { error: unknown } | undefined;
  for (const h of liveHandlers()) {
    const own = closeTimeoutOf(h);
    const limit = (own ?? DEFAULT_CLOSE_MS) + CLOSE_GRACE_MS;
    const outcome = await within(closeHandler(h, own !== null), limit);
    if (outcome === TIMED_OUT) {
      reportTo(
        h,
        new Error(`${h} did not finish flushing and closing within ${limit} ms; shutdown went on`),
      );
    } else if (outcome !== null) {
      if (settings.raiseExceptions && raised === undefined) raised = outcome;
      else reportTo(h, outcome.error);
    }
  }
  if (raised !== undefined) throw raised.error;
}

/** What {@linkcode within} gives when the work did not settle in time. */
const TIMED_OUT: unique symbol = Symbol("timed out");

/** What `work` resolves to, or `TIMED_OUT` when it does not settle within `ms` (it goes on). */
async function within<T>(work: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<typeof TIMED_OUT>((resolve) => timer = setTimeout(() => resolve(TIMED_OUT), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `handler.flush()`, waited for at most the handler's `closeTimeout` (5 s for a handler without
 * one): a network handler whose peer is down waits for the retry, and a caller that must go on
 * (a Worker acknowledging what it handled) cannot wait as long as an outage lasts.
 *
 * @param handler The handler.
 * @returns Whether the flush finished in time (it goes on either way).
 */
export function flushWithin(handler: Handler): Promise<boolean> {
  let flushed: Promise<void>;
  try {
    flushed = handler.flush();
  } catch (error) {
    handler.handleError(null, error);
    return Promise.resolve(true);
  }
  return within(flushed.then(() => true, () => true), closeTimeoutOf(handler) ?? DEFAULT_CLOSE_MS)
    .then((outcome) => outcome !== TIMED_OUT);
}

/**
 * Flushes and closes `h`; never rejects. Returns the first error of its `flush()` and `close()`
 * that `shutdown()` does not ignore (Python ignores `OSError` and `ValueError`), or `null`.
 */
async function closeHandler(
  h: Handler,
  closeDelivers: boolean,
): Promise<{ error: unknown } | null> {
  let failure: { error: unknown } | null = null;
  try {
    // Python: a handler with `flushOnClose` false (MemoryHandler) is closed without a flush. A
    // handler with a `closeTimeout` delivers within it on close(): its flush(), which waits
    // for delivery without a bound, is not awaited first.
    if (flushesOnClose(h) && !closeDelivers) await h.flush();
  } catch (error) {
    if (!isIgnoredAtShutdown(error)) failure = { error };
  }
  // Closed even when its flush failed: shutdown() may run long before the program ends.
  try {
    await h.close();
  } catch (error) {
    if (!isIgnoredAtShutdown(error)) {
      if (failure === null) failure = { error };
      else reportTo(h, error);
    }
  }
  return failure;
}

/** The `code` of a `node:` system error: `EBADF`, `EPIPE`, `ECONNRESET`, ... */
const SYSTEM_ERROR_CODE = /^E[A-Z0-9]+$/;

/** `h.handleError(null, error)`, which must not throw; a handler whose does is ignored. */
function reportTo(h: Handler, error: unknown): void {
  try {
    h.handleError(null, error);
  } catch {
    // the report itself failed: nothing more can be done
  }
}

/**
 * Whether `shutdown()` ignores `error`, as Python's ignores `OSError` and `ValueError` ("the
 * handler was closed already"): one of `Deno.errors` (Python's `OSError` family), a `node:`
 * system error (a `code` such as `"EBADF"` or `"EPIPE"`), or a `ValueError`.
 */
function isIgnoredAtShutdown(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  try {
    if (error instanceof ValueError) return true;
    const errors = typeof Deno === "object" ? Deno.errors : undefined;
    if (errors !== undefined) {
      for (const cls of Object.values(errors)) {
        if (typeof cls === "function" && error instanceof cls) return true;
      }
    }
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && SYSTEM_ERROR_CODE.test(code);
  } catch {
    return false;
  }
}

/** A handler's own `closeTimeout` in ms (the network handlers have one), else `null`. */
function closeTimeoutOf(h: Handler): number | null {
  try {
    const value = (h as { closeTimeout?: unknown }).closeTimeout;
    return typeof value === "number" && value >= 0 ? value : null;
  } catch {
    return null;
  }
}

function flushesOnClose(h: Handler): boolean {
  return (h as { flushOnClose?: unknown }).flushOnClose !== false;
}

/** Whether `h` still delivers; a handler whose constructor failed half-way counts as idle. */
function isPending(h: Handler): boolean {
  try {
    return h.pending;
  } catch {
    return false;
  }
}

/** How the program is ending, while the exit hooks run; `null` otherwise. */
let ending: string | null = null;

/**
 * While the exit hooks run `flushSync()`, how the program is ending, for handlers that report
 * what they could not deliver: `"at exit"` or `"when the program ended on an uncaught error"`;
 * otherwise `null`.
 *
 * @returns The phrase, or `null`.
 */
export function endingReason(): string | null {
  return ending;
}

/**
 * The exit hooks' synchronous part: every live handler of this thread writes out what it holds
 * (`flushSync()`), and the network handlers report what they could not deliver. Run by the
 * `unload` and uncaught-error hooks, and in a Worker when the main thread's program ends.
 *
 * @param reason How the program is ending, for the reports: `"at exit"`, or `"when the program
 * ended on an uncaught error"`.
 */
export function runExitHooksSync(reason: string): void {
  ending = reason;
  try {
    for (const h of liveHandlers()) {
      try {
        if (flushesOnClose(h)) h.flushSync();
      } catch (error) {
        h.handleError(null, error);
      }
    }
  } finally {
    ending = null;
  }
}

function installExitHooks(): void {
  hooksInstalled = true;
  const g = globalThis as { addEventListener?: typeof addEventListener };
  if (typeof g.addEventListener !== "function") return;
  // The event loop drained: give handlers with pending deliveries the time to finish.
  g.addEventListener("beforeunload", (event) => {
    const pending = liveHandlers().filter(isPending);
    if (pending.length === 0) return;
    event.preventDefault();
    for (const h of pending) h.flush();
  });
  // The program is ending (also on Deno.exit()): write out what can be written synchronously.
  g.addEventListener("unload", () => runExitHooksSync("at exit"));
  // An uncaught error or unhandled rejection ends the program without `unload`: the same, unless
  // a listener before this one has kept the program alive.
  const onError = (event: Event) => {
    if (!event.defaultPrevented) runExitHooksSync("when the program ended on an uncaught error");
  };
  g.addEventListener("error", onError);
  g.addEventListener("unhandledrejection", onError);
}

const SIGNAL_NUMBERS: Record<string, number> = { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGBREAK: 21 };

/**
 * Opt-in: makes the given signals run {@linkcode shutdown} and then exit with the
 * conventional status (128 + the signal's number). Off by default, because a signal listener
 * changes how a program dies.
 *
 * @param signals The signals to handle.
 * @returns A function that removes the listeners again.
 *
 * @example
 * ```ts ignore
 * import { handleSignals } from "@x/loghandlers";
 * const undo = handleSignals(); // SIGINT and SIGTERM now flush the logs before exiting
 * undo();
 * ```
 */
export function handleSignals(
  signals: readonly Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"],
): () => void {
  let stopping = false;
  const listeners = signals.map((signal) => {
    const listener = () => {
      const code = 128 + (SIGNAL_NUMBERS[signal] ?? 0);
      // A second signal while the logs are flushed ends the program at once (the exit hook
      // still writes out the buffers and reports what was not delivered).
      if (stopping) Deno.exit(code);
      stopping = true;
      shutdown().catch((error) => console.error("shutdown() failed:", error))
        .finally(() => Deno.exit(code));
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  };
}
