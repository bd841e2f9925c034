/**
 * Child processes: running a command, timing a row's script and reading its result line, checking
 * that Node.js and CPython run.
 *
 * @module
 */

import type { Checked, RunResult, Target } from "./types.ts";
import { formatRate } from "./table.ts";

/** The repository root, where every command runs. */
export const ROOT: string = new URL("../", import.meta.url).pathname;
/** Where the JavaScript peers' npm packages are installed for Node.js, a folder per peer script. */
export const NODE_ROOT = `${ROOT}bench/node_modules_root`;
/** The CPython every Python row runs under. */
export const PYENV_VERSION = "3.13.0";

/** A finished command's exit status and output. */
export interface Captured {
  success: boolean;
  stdout: string;
  stderr: string;
}

/** The result line a row's script prints last: `{"seconds", "runtime", "peer"}`, and extras. */
export interface ResultLine {
  seconds: number;
  runtime: string;
  peer: string;
}

/**
 * Runs a command in the repository root and returns its exit status and output as text.
 *
 * @param cmd The program.
 * @param args Its arguments.
 * @param env Variables added to the environment.
 * @param signal Aborts (kills) the command.
 * @returns The outcome; a command that cannot start fails with the reason as its stderr.
 */
export async function capture(
  cmd: string,
  args: string[],
  env: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Captured> {
  try {
    const out = await new Deno.Command(cmd, {
      args,
      env,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal,
    }).output();
    const decoder = new TextDecoder();
    return {
      success: out.success,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
    };
  } catch (err) {
    return { success: false, stdout: "", stderr: err instanceof Error ? err.message : String(err) };
  }
}

/**
 * The error line of a process's output (else its last few lines), for a one-line message.
 *
 * @param text The output.
 * @param lines How many last lines when there is no error line.
 * @returns The lines, joined with ` | `.
 */
export function tail(text: string, lines = 4): string {
  // deno-lint-ignore no-control-regex
  const plain = text.replace(/\x1b\[[0-9;]*m/g, "");
  const all = plain.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const error = all.findIndex((l) => /^(error\b|\w*Error\b)/i.test(l));
  return (error === -1 ? all.slice(-lines) : all.slice(error, error + 2)).join(" | ");
}

/**
 * The command line for one run of a row.
 *
 * @param target The row.
 * @param args The arguments before the row's own.
 * @returns The program, its arguments and the variables its environment needs.
 */
function commandFor(target: Target, args: string[]): [string, string[], Record<string, string>] {
  switch (target.runtime) {
    case "deno":
      return [
        Deno.execPath(),
        ["run", "--allow-all", "--no-lock", target.script, ...args, ...target.extra],
        {},
      ];
    case "node":
      return ["node", [target.script, ...args, ...target.extra], {
        BENCH_NODE_ROOT: `${NODE_ROOT}/${target.peer}`,
      }];
    case "python":
      return ["python3", [target.script, ...args, ...target.extra], { PYENV_VERSION }];
  }
}

/**
 * Runs one timed run of a row's script, reads the result line it prints last, and checks the run.
 *
 * @param target The row.
 * @param args The arguments before the row's own.
 * @param records Timed records, for the run's rate and the hang guard.
 * @param warmup Warm-up records, for the hang guard.
 * @param check Checks what the run did, from its result line and its files.
 * @returns The run's result, or why it does not count.
 */
export async function runTimed<T extends ResultLine>(
  target: Target,
  args: string[],
  records: number,
  warmup: number,
  check: (line: T) => Checked | Promise<Checked>,
): Promise<RunResult | string> {
  const [cmd, cmdArgs, env] = commandFor(target, args);
  // A hang guard only: generous enough for the fsync-per-record LogTape row.
  const limit = 60_000 + (records + warmup) * 0.5;
  const result = await capture(cmd, cmdArgs, env, AbortSignal.timeout(limit));
  if (!result.success) return `exited with an error: ${tail(result.stderr) || "(no stderr)"}`;
  const text = result.stdout.trim().split("\n").at(-1) ?? "";
  let line: T;
  try {
    line = JSON.parse(text);
  } catch {
    return `printed no result line: ${tail(result.stdout + result.stderr)}`;
  }
  const checked = await check(line);
  if (checked.problem) {
    // The rate is kept in the message only: a run that lost records is not in the table.
    return `${checked.problem} (this run: ${formatRate(records / line.seconds)} records/s)`;
  }
  return { seconds: line.seconds, runtime: line.runtime, peer: line.peer, checked };
}

/**
 * Checks that Node.js runs.
 *
 * @returns `undefined` when it does, else why not.
 */
export async function prepareNode(): Promise<string | undefined> {
  const node = await capture("node", ["--version"]);
  return node.success ? undefined : `node is not runnable: ${tail(node.stderr, 1) || "not found"}`;
}

/**
 * Checks that CPython 3.13 runs.
 *
 * @returns `undefined` when it does, else why not.
 */
export async function preparePython(): Promise<string | undefined> {
  const py = await capture("python3", ["-c", "import logging"], { PYENV_VERSION });
  return py.success
    ? undefined
    : `python3 (PYENV_VERSION=${PYENV_VERSION}) failed: ${tail(py.stderr, 2) || "not found"}`;
}
