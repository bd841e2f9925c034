/**
 * `NullHandler`: the handler that does nothing. It lives in the model because the model itself
 * adds one (`captureWarnings`, to a warnings logger without handlers, as Python does); the
 * package root and `@x/loghandlers/stream` export it.
 *
 * @module
 */

import { Handler } from "./handler.ts";
import type { LogRecord } from "./record.ts";

/**
 * Python's `logging.NullHandler`: does nothing. A library adds one to its top logger so that
 * its records are not reported by the last-resort handler when the application configures none.
 *
 * @example
 * ```ts
 * import { getLogger, NullHandler } from "@x/loghandlers";
 * getLogger("mylib").addHandler(new NullHandler());
 * console.assert(getLogger("mylib").hasHandlers());
 * ```
 */
export class NullHandler extends Handler {
  /**
   * Does nothing.
   *
   * @param _record The record.
   * @returns `true`.
   */
  override handle(_record: LogRecord): boolean {
    return true;
  }

  /**
   * Does nothing.
   *
   * @param _record The record.
   */
  override emit(_record: LogRecord): void {}
}
