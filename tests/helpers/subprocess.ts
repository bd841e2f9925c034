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
