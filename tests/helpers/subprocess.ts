/**
 * Subprocesses for the tests: the oracles' transport (JSON on stdin, JSON on stdout), and Deno
 * scripts written into a folder and run or spawned there.
 */

/**
 * Runs `command args`, writes `input` as JSON to its stdin and parses what it prints.
 *
 * @throws {Error} When the process fails, with its stderr.
 */
export async function runJson<T = unknown>(
  command: string,
  args: string[],
  input: unknown,
  env: Record<string, string> = {},
): Promise<T> {
  const child = new Deno.Command(command, {
    args,
    env,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(input)));
  await writer.close();
  const out = await child.output();
  if (!out.success) {
    throw new Error(`${command} failed:\n${new TextDecoder().decode(out.stderr)}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout)) as T;
}

/** Runs a Deno script of the tests (with every permission) the same way, e.g. under another TZ. */
export function runDenoJson<T = unknown>(
  script: string,
  input: unknown,
  env: Record<string, string> = {},
): Promise<T> {
  return runJson<T>(Deno.execPath(), ["run", "--allow-all", "--no-config", script], input, env);
}

/**
 * Starts `source` as the script `main.ts` in `dir` with `flags` (every permission by default);
 * stdout and stderr are piped. A script still running after `limitMs` is killed with SIGKILL (a script may catch
 * SIGTERM), so that one kept alive fails its test instead of hanging it.
 */
export function spawnScript(
  dir: string,
  source: string,
  limitMs = 20_000,
  flags: readonly string[] = ["--allow-all"],
): Deno.ChildProcess {
  Deno.writeTextFileSync(`${dir}/main.ts`, source);
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", ...flags, "--no-config", `${dir}/main.ts`],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const timer = setTimeout(() => {
    try {
      child.kill("SIGKILL");
    } catch {
      // already ended
    }
  }, limitMs);
  child.status.finally(() => clearTimeout(timer));
  return child;
}

/** How a script run by {@linkcode runScriptIn} ended, and what it printed. */
export interface ScriptOutput {
  code: number;
  /** The signal that ended it (a script still running at `timeoutMs` is killed), or null. */
  signal: Deno.Signal | null;
  stdout: string;
  stderr: string;
}

/**
 * Writes `source` as `main.ts` into `dir` and runs it there (its cwd) with the given Deno flags
 * and no prompt; with `timeoutMs`, a script still running then is killed.
 */
export async function runScriptIn(
  dir: string,
  source: string,
  flags: string[] = ["--allow-all"],
  options: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<ScriptOutput> {
  await Deno.writeTextFile(`${dir}/main.ts`, source);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", ...flags, `${dir}/main.ts`],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1", ...options.env },
    signal: options.timeoutMs === undefined ? undefined : AbortSignal.timeout(options.timeoutMs),
  }).output();
  return {
    code: out.code,
    signal: out.signal,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
}

/** Reads `child`'s stdout until a line equal to `word` has been printed; returns what was read. */
export async function readUntil(child: Deno.ChildProcess, word: string): Promise<string> {
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  try {
    while (!text.split("\n").includes(word)) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
  } finally {
    reader.releaseLock();
  }
  return text;
}

/** The non-empty lines of a text file. */
export function fileLines(path: string): string[] {
  return Deno.readTextFileSync(path).split("\n").filter(Boolean);
}
