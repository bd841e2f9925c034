/**
 * The registry of live handlers, `shutdown()`, and the exit hooks that run it.
 *
 * @module
 */

import type { Handler } from "./handler.ts";

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

/**
 * Flushes and closes every live handler, newest first, like Python's `logging.shutdown()`.
 * A handler that fails to flush or close is reported through its `handleError` and the others
 * are still closed. It runs by itself when the program's event loop drains; call it yourself
 * before `Deno.exit()` if network handlers still have records to deliver.
 *
 * @returns A promise that resolves when every handler is closed.
 *
 * @example
 * ```ts
 * import { shutdown } from "./shutdown.ts";
 * await shutdown();
 * ```
 */
export async function shutdown(): Promise<void> {
  for (const h of liveHandlers()) {
    try {
      // Python: a handler with `flushOnClose` false (MemoryHandler) is closed without a flush.
      if (flushesOnClose(h)) await h.flush();
      await h.close();
    } catch (error) {
      h.handleError(null, error);
    }
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
  g.addEventListener("unload", () => {
    for (const h of liveHandlers()) {
      try {
        if (flushesOnClose(h)) h.flushSync();
      } catch (error) {
        h.handleError(null, error);
      }
    }
  });
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
 * import { handleSignals } from "./shutdown.ts";
 * const undo = handleSignals(); // SIGINT and SIGTERM now flush the logs before exiting
 * undo();
 * ```
 */
export function handleSignals(
  signals: readonly Deno.Signal[] = Deno.build.os === "windows"
    ? ["SIGINT", "SIGBREAK"]
    : ["SIGINT", "SIGTERM"],
): () => void {
  const listeners = signals.map((signal) => {
    const listener = () => {
      shutdown().finally(() => Deno.exit(128 + (SIGNAL_NUMBERS[signal] ?? 0)));
    };
    Deno.addSignalListener(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) Deno.removeSignalListener(signal, listener);
  };
}
