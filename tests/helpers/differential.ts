/**
 * Differential tables against CPython: each case's outcome here must equal what a CPython
 * script gives for the same case.
 */

import { assertEquals } from "./assert.ts";
import { type PyOutcome, pythonAvailable, runPython } from "./python.ts";

/** Runs `fn` and gives what it returned, or the name and message of what it threw. */
export function outcome(fn: () => string): PyOutcome {
  try {
    return { ok: fn() };
  } catch (error) {
    const e = error as Error;
    return { err: [e.name, e.message] };
  }
}

/**
 * Registers one test per group of `groups`, named by its key, in which `run(c)` must give for
 * each case what CPython's `script` gives (`script` reads every group's cases as one JSON list
 * and prints one outcome per case); the tests are ignored when CPython is missing.
 */
export async function differentialTests<C>(
  groups: Record<string, C[]>,
  script: string,
  run: (c: C) => PyOutcome,
): Promise<void> {
  const hasPython = await pythonAvailable();
  const all = Object.values(groups).flat();
  const expected = hasPython ? await runPython<PyOutcome[]>(script, all) : [];
  const byCase = new Map(all.map((c, i) => [c, expected[i]]));
  for (const [name, cases] of Object.entries(groups)) {
    Deno.test({
      name,
      ignore: !hasPython,
      fn() {
        const mismatches = [];
        for (const c of cases) {
          const got = run(c);
          const want = byCase.get(c)!;
          if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push({ case: c, got, want });
        }
        assertEquals(mismatches, []);
      },
    });
  }
}
