/**
 * JavaScript numbers are Python's `int` or `float` (an `int` when a safe integer other than
 * `-0`, a `float` otherwise): a generated table of `%` conversions and format specs applied to
 * such numbers, compared once with CPython 3.13 given the same values as ints and floats.
 */

import { formatValue } from "../core/text/format_spec.ts";
import { percentFormat } from "../core/text/percent.ts";
import { pyRepr, pyStr, pyTypeName } from "../core/text/pystr.ts";
import { assertEquals } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const VALUES: unknown[] = [
  // ints
  0,
  1,
  -1,
  7,
  42,
  255,
  -255,
  1000,
  65,
  0x10ffff,
  2 ** 31,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  // floats
  0.5,
  -0.5,
  1.5,
  2.5,
  3.14159,
  0.1 + 0.2,
  1 / 3,
  1e-5,
  1e-7,
  123.456,
  1e15 + 0.5,
  1e16,
  1e21,
  -1e21,
  1e22,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 60,
  1.7976931348623157e308,
  5e-324,
  -0,
  NaN,
  Infinity,
  -Infinity,
  // ints beyond 2**53, strings
  2n ** 64n,
  -(10n ** 30n),
  "abc",
  "é",
];

/** A small deterministic generator (mulberry32), so the table is the same on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

function percentSpec(next: () => number): string {
  let spec = "%";
  for (const flag of "-+ #0") if (next() < 0.2) spec += flag;
  if (next() < 0.5) spec += String(Math.floor(next() * 13));
  if (next() < 0.4) spec += "." + (next() < 0.2 ? "" : String(Math.floor(next() * 13)));
  return spec + pick(next, [..."diouxXeEfFgGcrsa"]);
}

function braceSpec(next: () => number): string {
  let spec = "";
  if (next() < 0.3) spec += pick(next, ["", "*"]) + pick(next, ["<", ">", "=", "^"]);
  if (next() < 0.3) spec += pick(next, ["+", "-", " "]);
  if (next() < 0.1) spec += "z";
  if (next() < 0.2) spec += "#";
  if (next() < 0.2) spec += "0";
  if (next() < 0.5) spec += String(Math.floor(next() * 13));
  if (next() < 0.2) spec += pick(next, [",", "_"]);
  if (next() < 0.4) spec += "." + String(Math.floor(next() * 13));
  if (next() < 0.8) spec += pick(next, [..."bcdeEfFgGnosxX%"]);
  return spec;
}

type Case = ["%", string, number] | ["{", string, number] | ["str" | "repr", "", number];

function makeCases(count: number): Case[] {
  const next = random(20241204);
  const cases: Case[] = [];
  for (let v = 0; v < VALUES.length; v++) cases.push(["str", "", v], ["repr", "", v]);
  while (cases.length < count) {
    const v = Math.floor(next() * VALUES.length);
    cases.push(next() < 0.5 ? ["%", percentSpec(next), v] : ["{", braceSpec(next), v]);
  }
  return cases;
}

/** The rule this table checks: a safe integer other than -0 is an int, any other number a float. */
function isInt(n: number): boolean {
  return Number.isSafeInteger(n) && !Object.is(n, -0);
}

/** A value as the Python side rebuilds it: an int, a float (by its repr) or a string. */
function encode(value: unknown): unknown {
  if (typeof value === "bigint") return { $int: String(value) };
  if (typeof value === "number") {
    if (isInt(value)) return { $int: String(value) };
    return { $float: Object.is(value, -0) ? "-0.0" : String(value) };
  }
  return value;
}

function outcome(fn: () => string): string {
  try {
    return "ok " + fn();
  } catch (e) {
    return `ERR ${(e as Error).name}: ${(e as Error).message}`;
  }
}

function run([kind, spec, v]: Case): string {
  const value = VALUES[v];
  switch (kind) {
    case "%":
      return outcome(() => percentFormat(spec, [value]));
    case "{":
      return outcome(() => formatValue(value, spec));
    case "str":
      return outcome(() => pyStr(value));
    case "repr":
      return outcome(() => pyRepr(value));
  }
}

const PYTHON = `
import json, sys
inp = json.load(sys.stdin)
def dec(x):
    if isinstance(x, dict):
        return int(x["$int"]) if "$int" in x else float(x["$float"])
    return x
values = [dec(v) for v in inp["values"]]
out = []
for kind, spec, v in inp["cases"]:
    x = values[v]
    try:
        if kind == "%": text = spec % (x,)
        elif kind == "{": text = format(x, spec)
        elif kind == "str": text = str(x)
        else: text = repr(x)
        out.append("ok " + text)
    except Exception as e:
        out.append("ERR %s: %s" % (type(e).__name__, e))
print(json.dumps(out))
`;

const CASES = makeCases(4000);

function intAsFloat([kind, spec, v]: Case): boolean {
  const value = VALUES[v];
  return kind === "{" && typeof value === "number" && isInt(value) && /\.\d+n?$/.test(spec);
}

Deno.test({
  name:
    `${CASES.length} generated %-conversions and format specs of ints and floats give CPython's text and errors`,
  ignore: !(await pythonAvailable()),
  async fn() {
    const theirs = await runPython<string[]>(PYTHON, {
      values: VALUES.map(encode),
      cases: CASES,
    });
    const mismatches: string[] = [];
    for (let i = 0; i < CASES.length; i++) {
      // A deliberate difference, documented by formatValue: an int with a precision and no
      // type (or "n") formats as the float it can be read as, where CPython refuses an int.
      if (intAsFloat(CASES[i])) continue;
      const ours = run(CASES[i]);
      if (ours !== theirs[i]) {
        const [kind, spec, v] = CASES[i];
        mismatches.push(
          `${kind} ${JSON.stringify(spec)} of ${pyRepr(VALUES[v])}: ours ${
            JSON.stringify(ours)
          }, CPython ${JSON.stringify(theirs[i])}`,
        );
      }
    }
    assertEquals(mismatches, []);
  },
});

Deno.test("a number is an int when it is a safe integer other than -0, else a float", () => {
  for (const n of [0, 1, -1, 2 ** 53 - 1, -(2 ** 53 - 1)]) assertEquals(pyTypeName(n), "int");
  for (const n of [-0, 0.5, 2 ** 53, 1e21, NaN, Infinity]) assertEquals(pyTypeName(n), "float");
  assertEquals(pyStr(1e21), "1e+21");
  assertEquals(pyStr(-0), "-0.0");
  assertEquals(
    percentFormat("%s %d %r", [-0, 1e21, 2 ** 53]),
    "-0.0 1000000000000000000000 9007199254740992.0",
  );
});
