/** Subprocesses that read JSON on stdin and print JSON on stdout: the oracles' transport. */

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
