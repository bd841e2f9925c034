/**
 * Runs CPython as the test oracle: a script reads JSON on stdin and prints JSON on stdout.
 *
 * CPython 3.13 is used through pyenv when it is installed (`PYENV_VERSION=3.13.0`), else the
 * `python3` on the PATH. Outside CI a missing Python skips the differential tests loudly; under
 * `CI=true` it is a failure.
 */

import { runJson } from "./subprocess.ts";

/** The CPython version the oracle asks pyenv for. */
export const PYTHON_VERSION = "3.13.0";

let available: Promise<boolean> | undefined;

/** Whether `python3` can be run; logs a loud warning when it cannot (and fails under CI). */
export function pythonAvailable(): Promise<boolean> {
  return available ??= (async () => {
    try {
      const out = await new Deno.Command("python3", {
        args: ["-c", "import sys; print(sys.version_info[:2])"],
        env: { PYENV_VERSION: PYTHON_VERSION },
        stdout: "piped",
        stderr: "piped",
      }).output();
      if (out.success) return true;
    } catch {
      // fall through
    }
    if (Deno.env.get("CI") === "true") {
      throw new Error("python3 (CPython, the test oracle) is required under CI=true");
    }
    console.error("!!! python3 not found: CPython differential tests are SKIPPED");
    return false;
  })();
}

/**
 * Runs `script` under CPython with `input` as JSON on stdin and returns the JSON it prints.
 *
 * @param script Python source; it reads `json.load(sys.stdin)` and prints `json.dumps(...)`.
 * @param input Any JSON value.
 * @param env Extra environment variables, such as `TZ`.
 */
export function runPython<T = unknown>(
  script: string,
  input: unknown = null,
  env: Record<string, string> = {},
): Promise<T> {
  return runJson<T>(
    "python3",
    ["-c", script],
    input,
    { PYENV_VERSION: PYTHON_VERSION, PYTHONIOENCODING: "utf-8", ...env },
  );
}

/**
 * Turns JSON from the Python side back into JavaScript values: `{"$big": "123"}` is a bigint,
 * `{"$float": "nan"|"inf"|"-inf"|"1.5"}` a number (JSON has no NaN or infinities).
 */
export function decodePyJson(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decodePyJson);
  if (typeof x === "object" && x !== null) {
    const o = x as Record<string, unknown>;
    const keys = Object.keys(o);
    if (keys.length === 1 && keys[0] === "$big") return BigInt(o.$big as string);
    if (keys.length === 1 && keys[0] === "$float") {
      const s = o.$float as string;
      return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
    }
    return Object.fromEntries(keys.map((k) => [k, decodePyJson(o[k])]));
  }
  return x;
}

/**
 * Python source of `dec(x)`, the CPython side's way back from the tags {@linkcode decodePyJson}
 * reads: `{"$big": "123"}` is an int, `{"$float": "1.5"}` a float (also inside lists and dicts).
 */
export const PY_DEC = `def dec(x):
    if isinstance(x, dict):
        if len(x) == 1 and "$big" in x: return int(x["$big"])
        if len(x) == 1 and "$float" in x: return float(x["$float"])
        return {k: dec(v) for k, v in x.items()}
    if isinstance(x, list): return [dec(v) for v in x]
    return x`;

/** A Python outcome: the text, or the exception's class name and message. */
export type PyOutcome = { ok: string } | { err: [string, string] };
