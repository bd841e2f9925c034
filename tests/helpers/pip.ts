/**
 * Test-only Python packages (python-json-logger, opentelemetry-proto, ...) for CPython oracles:
 * installed from PyPI into `.tools/pylib/<name>` on first use, like tools/deno installs Deno.
 *
 * Use the returned folder as `PYTHONPATH` with {@linkcode runPython}. Outside CI a package that
 * cannot be installed skips its tests loudly; under `CI=true` it is a failure.
 */

import { PYTHON_VERSION, pythonAvailable } from "./python.ts";

const ROOT = new URL("../../.tools/pylib/", import.meta.url).pathname;
const pending = new Map<string, Promise<string | null>>();

/**
 * The `PYTHONPATH` folder holding `requirements` (pip requirement specifiers, pinned), or `null`
 * when they cannot be installed outside CI.
 *
 * @param name The folder's name under `.tools/pylib/`; change it when the pins change.
 * @param requirements What `pip install` gets, e.g. `["python-json-logger==4.2.0"]`.
 */
export function pythonPackages(name: string, requirements: string[]): Promise<string | null> {
  let p = pending.get(name);
  if (p === undefined) pending.set(name, p = install(name, requirements));
  return p;
}

async function install(name: string, requirements: string[]): Promise<string | null> {
  const dir = `${ROOT}${name}`;
  try {
    await Deno.stat(`${dir}/.complete`);
    return dir;
  } catch {
    // not installed yet
  }
  if (!await pythonAvailable()) return null;
  await Deno.mkdir(ROOT, { recursive: true });
  const tmp = await Deno.makeTempDir({ dir: ROOT, prefix: `.${name}-` });
  const out = await new Deno.Command("python3", {
    args: [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--no-input",
      "--target",
      tmp,
      ...requirements,
    ],
    env: { PYENV_VERSION: PYTHON_VERSION },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    await Deno.remove(tmp, { recursive: true });
    const why = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join("\n");
    if (Deno.env.get("CI") === "true") {
      throw new Error(`pip could not install ${requirements.join(" ")} under CI=true:\n${why}`);
    }
    console.error(
      `!!! pip could not install ${requirements.join(" ")}: its tests are SKIPPED\n${why}`,
    );
    return null;
  }
  await Deno.writeTextFile(`${tmp}/.complete`, requirements.join("\n") + "\n");
  try {
    await Deno.rename(tmp, dir);
  } catch {
    // Another test process installed it first: use theirs.
    await Deno.remove(tmp, { recursive: true });
  }
  return dir;
}
