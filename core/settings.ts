/**
 * Module-wide switches, Python's module-level `logging.raiseExceptions` and friends.
 *
 * @module
 */

/** The shape of {@linkcode settings}. */
export interface LoggingSettings {
  /**
   * Whether `handleError` prints Python's "--- Logging error ---" report to stderr. Set it to
   * `false` in production to stay silent, as in Python.
   *
   * @default {true}
   */
  raiseExceptions: boolean;
  /**
   * When caller information (`pathname`, `filename`, `module`, `lineno`, `funcName`) is collected.
   * Collecting it costs a stack capture per record, so by default (`"auto"`) a logger collects it
   * only when a handler on the record's way needs it: its formatter's format uses one of those
   * fields, or the handler says so (`needsCallerInfo`). `"always"` collects it for every record
   * (for filters that read it), `"never"` never does (Python's `logging._srcfile = None`). When it
   * is not collected, the fields hold Python's placeholders: `"(unknown file)"`, `0`,
   * `"(unknown function)"`.
   *
   * @default {"auto"}
   */
  callerInfo: "auto" | "always" | "never";
}

/**
 * Module-wide switches. Assign to the fields to change them.
 *
 * @example
 * ```ts
 * import { settings } from "@x/loghandlers";
 * settings.raiseExceptions = false; // no "--- Logging error ---" reports
 * console.assert(settings.raiseExceptions === false);
 * settings.raiseExceptions = true;
 * ```
 */
export const settings: LoggingSettings = {
  raiseExceptions: true,
  callerInfo: "auto",
};

let generation = 0;

/** A counter bumped whenever the logger tree or a handler's formatter changes; caches compare it. */
export function configGeneration(): number {
  return generation;
}

/** Invalidates every cache keyed on {@linkcode configGeneration}. */
export function bumpConfigGeneration(): void {
  generation++;
}
