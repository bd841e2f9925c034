/**
 * Timers that never keep a program alive.
 *
 * @module
 */

/** What {@linkcode setUnrefTimeout} returns; pass it to `clearTimeout`. */
export type TimerId = ReturnType<typeof setTimeout>;

/**
 * `setTimeout` whose timer does not keep the process alive (`Deno.unrefTimer`): when nothing
 * else is pending, the program ends without waiting for it.
 *
 * @param fn What to run.
 * @param ms The delay in milliseconds, clamped to the largest delay timers allow.
 * @returns The timer, for `clearTimeout`.
 *
 * @example
 * ```ts
 * import { setUnrefTimeout } from "@x/loghandlers/extend";
 * let fired = false;
 * const id = setUnrefTimeout(() => fired = true, 60_000); // keeps no program alive
 * clearTimeout(id);
 * console.assert(!fired);
 * ```
 */
export function setUnrefTimeout(fn: () => void, ms: number): TimerId {
  const timer = setTimeout(fn, Math.min(Math.max(ms, 0), 2 ** 31 - 1));
  if (typeof Deno === "object" && typeof Deno.unrefTimer === "function") {
    Deno.unrefTimer(timer as unknown as number);
  }
  return timer;
}
