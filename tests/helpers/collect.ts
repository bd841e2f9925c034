/**
 * What the tests collect log output with: a handler that keeps what it gets, loggers of their
 * own with unique names, and scripts run as subprocesses (with mod.ts's URL to import).
 */

import type { Formatter } from "../../core/formatter.ts";
import { Handler } from "../../core/handler.ts";
import { getLogger, type Logger } from "../../core/logger.ts";
import type { LogRecord } from "../../core/record.ts";
import { runScriptIn, type ScriptOutput } from "./subprocess.ts";

/** A handler that keeps the records it gets and their formatted text. */
export class CollectHandler extends Handler {
  records: LogRecord[] = [];
  lines: string[] = [];

  override emit(record: LogRecord): void {
    this.records.push(record);
    this.lines.push(this.format(record));
  }
}

let counter = 0;

/** A logger name no other test uses. */
export function uniqueName(prefix = "t"): string {
  return `${prefix}${++counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A logger of its own (named by {@linkcode uniqueName}, not propagating) with a CollectHandler,
 * formatted by `formatter` if given, that keeps in `reported` the errors it reports instead of
 * printing them.
 */
export function collectingLogger(
  prefix?: string,
  formatter?: Formatter,
): { log: Logger; h: CollectHandler; reported: unknown[] } {
  const log = getLogger(uniqueName(prefix));
  log.propagate = false;
  const h = new CollectHandler();
  if (formatter !== undefined) h.setFormatter(formatter);
  const reported: unknown[] = [];
  h.handleError = (_record, error) => void reported.push(error);
  log.addHandler(h);
  return { log, h, reported };
}

/**
 * Runs a TypeScript source as a subprocess in a new temporary folder (the caller removes `dir`)
 * with the given Deno flags; returns code/stdout/stderr.
 */
export async function runScript(
  source: string,
  flags: string[] = ["--allow-all"],
  env: Record<string, string> = {},
): Promise<ScriptOutput & { dir: string }> {
  const dir = await Deno.makeTempDir();
  return { ...await runScriptIn(dir, source, flags, { env }), dir };
}

/** The URL of mod.ts, for scripts run by {@linkcode runScript}. */
export const MOD_URL: string = new URL("../../mod.ts", import.meta.url).href;
