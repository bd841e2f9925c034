/**
 * Resets the logging tree between configuration tests (what CPython's `BaseTest.tearDown`
 * restores): every handler in use closed, every logger back to its defaults.
 */

import { dictConfig } from "../../config/dict.ts";
import { Logger, root } from "../../core/logger.ts";
import { NOTSET, WARNING } from "../../core/levels.ts";

/** Closes the handlers in use (through an empty configuration) and resets every logger. */
export function resetLogging(): void {
  dictConfig({ version: 1, disable_existing_loggers: false });
  const loggers = [...root.manager.loggerDict.values()].filter((l) => l instanceof Logger);
  for (const logger of [root, ...loggers]) {
    logger.setLevel(NOTSET);
    for (const h of [...logger.handlers]) logger.removeHandler(h);
    logger.filters = [];
    logger.propagate = true;
    logger.disabled = false;
  }
  root.setLevel(WARNING);
}

/** The files under `dir` this process has open (Linux's /proc/self/fd). */
export function openFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of Deno.readDirSync("/proc/self/fd")) {
    try {
      const target = Deno.readLinkSync(`/proc/self/fd/${entry.name}`);
      if (target.startsWith(dir + "/")) out.push(target.slice(dir.length + 1));
    } catch {
      // closed meanwhile (the directory's own descriptor)
    }
  }
  return out.sort();
}

/** A stream that keeps what is written to it, for `ext://sys.stdout` in a test. */
export class CapturedStream {
  /** Everything written. */
  text = "";
  /**
   * Keeps `text`.
   *
   * @param text What the handler wrote.
   */
  write(text: string): void {
    this.text += text;
  }
  /** The lines written, without their ends. */
  lines(): string[] {
    return this.text.split("\n").filter((line) => line !== "");
  }
}
