import { Handler } from "../../core/handler.ts";
import type { LogRecord } from "../../core/record.ts";

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

/** Runs a TypeScript source as a subprocess with the given Deno flags; returns code/stdout/stderr. */
export async function runScript(
  source: string,
  flags: string[] = ["--allow-all"],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string; dir: string }> {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/main.ts`;
  await Deno.writeTextFile(file, source);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", ...flags, file],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...env },
  }).output();
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
    dir,
  };
}

/** The URL of mod.ts, for scripts run by {@linkcode runScript}. */
export const MOD_URL: string = new URL("../../mod.ts", import.meta.url).href;
