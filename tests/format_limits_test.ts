/**
 * Absurd precisions and widths, and integers past CPython's 4300-digit limit, against CPython
 * 3.13: `%`-format, format specs and str/repr give CPython's text or CPython's error, at a cost
 * bounded by the length of the text (never the arithmetic of a billion digits). The one place we
 * differ: a text longer than a JavaScript string can hold (536,870,888 characters) is a
 * RangeError at once, where CPython builds it.
 */

import { braceFormat, formatValue, templateSubstitute } from "../core/text/format_spec.ts";
import { formatFloat } from "../core/text/float_format.ts";
import { percentFormat } from "../core/text/percent.ts";
import { pyAscii, pyRepr, pyStr } from "../core/text/pystr.ts";
import { assert, assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { collectingLogger, MOD_URL, runScript } from "./helpers/collect.ts";
import { outcome } from "./helpers/differential.ts";
import { type PyOutcome as Outcome, pythonAvailable, runPython } from "./helpers/python.ts";

/**
 * A case: `["%", format, args]` is `format % tuple(args)`, `["f", value, spec]` is
 * `format(value, spec)`, `["ff", x, type, precision]` is formatFloat (CPython's
 * `"%.{precision}{type}" % x`), `["{", format, mapping]` is `format.format(**mapping)`, `["$", template,
 * mapping]` is `Template(template).substitute(mapping)`, `["str" | "repr" | "ascii", value]`.
 * Values: a JSON number that is a safe integer is an int, `{"$float": "1.5"}` a float,
 * `{"$int": "123"}` an int (a bigint here), `{"$pow10": [n, add, sign]}` the int
 * `sign * (10**n + add)`.
 */
type Case = [string, ...unknown[]];

const PY_DECODE = `
import json, sys
sys.set_int_max_str_digits(0)
def dec(x):
    if isinstance(x, dict):
        if "$float" in x: return float(x["$float"])
        if "$int" in x: return int(x["$int"])
        if "$pow10" in x:
            n, add, sign = x["$pow10"]
            return sign * (10**n + add)
        return {k: dec(v) for k, v in x.items()}
    if isinstance(x, list): return [dec(v) for v in x]
    return x
cases = [[c[0]] + dec(c[1:]) for c in json.load(sys.stdin)]
sys.set_int_max_str_digits(4300)
def run(c):
    kind = c[0]
    if kind == "%": return c[1] % tuple(c[2])
    if kind == "f": return format(c[1], c[2])
    if kind == "ff": return ("%%.%d%s" % (c[3], c[2])) % c[1]
    if kind == "{": return c[1].format(**c[2])
    if kind == "$":
        import string
        return string.Template(c[1]).substitute(c[2])
    return {"str": str, "repr": repr, "ascii": ascii}[kind](c[1])
`;

const PY_FULL = PY_DECODE + `
out = []
for c in cases:
    try: out.append({"ok": run(c)})
    except Exception as e: out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
`;

const PY_DIGEST = PY_DECODE + `
import hashlib
out = []
for c in cases:
    try:
        s = run(c)
        out.append({"ok": "%d:%s" % (len(s), hashlib.sha256(s.encode("utf-8", "surrogatepass")).hexdigest())})
    except Exception as e: out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
`;

function float(x: number): unknown {
  return Number.isSafeInteger(x) && !Object.is(x, -0) ? { $float: x.toFixed(1) } : {
    $float: Object.is(x, -0) ? "-0.0" : String(x),
  };
}

function pow10(n: number, add = 0, sign = 1): unknown {
  return { $pow10: [n, add, sign] };
}

function decode(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(decode);
  if (typeof x === "object" && x !== null) {
    const o = x as Record<string, unknown>;
    if ("$float" in o) return Number(o.$float);
    if ("$int" in o) return BigInt(o.$int as string);
    if ("$pow10" in o) {
      const [n, add, sign] = o.$pow10 as number[];
      return BigInt(sign) * (10n ** BigInt(n) + BigInt(add));
    }
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, decode(v)]));
  }
  return x;
}

/** Runs a case with our functions; the same source runs in the time-bounded subprocess. */
function runCase(c: Case): string {
  const [kind, a, b] = decode(c) as [string, unknown, unknown];
  switch (kind) {
    case "%":
      return percentFormat(a as string, b);
    case "f":
      return formatValue(a, b as string);
    case "ff":
      return formatFloat(a as number, b as string, c[3] as number, 0);
    case "{":
      return braceFormat(a as string, b as object);
    case "$":
      return templateSubstitute(a as string, b as object);
    case "str":
      return pyStr(a);
    case "repr":
      return pyRepr(a);
    default:
      return pyAscii(a);
  }
}

// ---------------------------------------------------------------------------------------------
// Large (not absurd) precisions: every digit compared with CPython's.

const FLOATS = [1.5, 0.1, 2.5, 1 / 3, 123.456, -0, 1e300, 1e-300, 5e-324, 2 ** 60, 1e22, 0.5];
const PRECISION_CASES: Case[] = [];
for (const x of FLOATS) {
  for (
    const f of [
      "%.1073f",
      "%.1074f",
      "%.1075f",
      "%.1100f",
      "%.5000f",
      "%.766e",
      "%.767e",
      "%.800e",
      "%.5000E",
      "%.767g",
      "%.1000g",
      "%#.1000g",
      "%.5000G",
      "%+#60000.3000e",
      "%-5000.2f|",
      "%05000.1f",
    ]
  ) PRECISION_CASES.push(["%", f, [float(x)]]);
  for (
    const s of [
      ".1100f",
      ".1000e",
      ".1000",
      ".1000g",
      "#.1000g",
      ".1000%",
      ",.1100f",
      "=^3000.700e",
    ]
  ) {
    PRECISION_CASES.push(["f", float(x), s]);
  }
}
PRECISION_CASES.push(
  ["%", "%.5000d|%-3000s|%3000r", [-42, "a", "b"]],
  ["%", "%.2147483647s", ["abc"]],
  ["%", "%.2147483648f", [float(1.5)]],
  ["%", "%99999999999999999999d", [1]],
  ["f", float(1.5), ".2147483648f"],
  ["f", float(1.5), ".9999999999f"],
  ["f", float(1.5), ".99999999999999999999f"],
  ["f", "abc", ".2147483648"],
  ["f", 1, "99999999999999999999"],
);
// Zero padding with grouping: CPython's group-by-group algorithm, at every width.
for (const spec of [",", "_", "_x", "_b", "_o", ",.2f"]) {
  for (let w = 1; w <= 24; w++) {
    for (const v of [0, 1, 12, 1234, 123456789, -1234, 255]) {
      PRECISION_CASES.push(["f", spec === ",.2f" ? float(v + 0.5) : v, `0${w}${spec}`]);
    }
  }
}

// Integers around CPython's limit of 4300 decimal digits.
const INT_CASES: Case[] = [];
const INTS = [pow10(4300, -1), pow10(4300, -1, -1), pow10(4300), pow10(4300, 0, -1), pow10(5000)];
for (const n of INTS) {
  for (const f of ["%d", "%i", "%u", "%s", "%r", "%a", "%x", "%X", "%o", "%#x", "%c", "%f", "%e"]) {
    INT_CASES.push(["%", f, [n]]);
  }
  INT_CASES.push(["%", "%.5d", [n]], ["%", "%(a)s", [{ a: n }]]);
  for (const s of ["", "d", ",", "_", "n", "x", "b", "o", "_x", "#X", ">10", "f", "e", "c", "%"]) {
    INT_CASES.push(["f", n, s]);
  }
  INT_CASES.push(
    ["{", "{a}", { a: n }],
    ["{", "{a!r}", { a: n }],
    ["{", "{a!s:>5}", { a: n }],
    ["{", "{a:_x}", { a: n }],
    ["$", "$a", { a: n }],
    ["str", n],
    ["repr", n],
    ["ascii", n],
  );
}
// format(n, "c") beyond a C long: CPython's conversion error comes before the range check.
for (const v of [2n ** 62n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n]) {
  INT_CASES.push(["f", { $int: String(v) }, "c"], ["%", "%c", [{ $int: String(v) }]]);
}

const hasPython = await pythonAvailable();
const ALL = [...PRECISION_CASES, ...INT_CASES];
const expected = hasPython ? await runPython<Outcome[]>(PY_FULL, ALL) : [];

function compare(cases: Case[], offset: number): void {
  const mismatches = [];
  for (let i = 0; i < cases.length; i++) {
    const got = outcome(() => runCase(cases[i]));
    const want = expected[offset + i];
    if (JSON.stringify(got) !== JSON.stringify(want)) {
      const short = (o: Outcome) => "ok" in o ? { ok: `${o.ok.length}:${o.ok.slice(0, 60)}` } : o;
      mismatches.push({
        case: JSON.stringify(cases[i]).slice(0, 100),
        got: short(got),
        want: short(want),
      });
    }
  }
  assertEquals(mismatches, []);
}

Deno.test({
  name: "large precisions and widths give CPython's digits, and its errors for too large ones",
  ignore: !hasPython,
  fn() {
    assert(PRECISION_CASES.length > 1000);
    compare(PRECISION_CASES, 0);
  },
});

Deno.test({
  name: "ints past 4300 digits give CPython's ValueError in decimal, and convert in other bases",
  ignore: !hasPython,
  fn() {
    compare(INT_CASES, PRECISION_CASES.length);
    const refused = INT_CASES.filter((_case, i) => {
      const want = expected[PRECISION_CASES.length + i];
      return "err" in want && want.err[1].startsWith("Exceeds the limit (4300 digits)");
    });
    assert(refused.length >= 40, `CPython refused ${refused.length} conversions`);
  },
});

// ---------------------------------------------------------------------------------------------
// Absurd precisions and widths, in a subprocess that must finish within a few seconds.

const TOO_LONG = "too long";
/** V8's longest string (2**29 - 24 code units). */
const MAX_TEXT_LENGTH = 536_870_888;
/** Cases whose CPython result is longer than a JavaScript string: a RangeError here. */
const ABSURD_TOO_LONG: Case[] = [
  ["%", "%.999999999f", [float(1.5)]],
  ["%", "%.999999999e", [float(1.5)]],
  ["%", "%#.999999999g", [float(1.5)]],
  ["%", "%.999999999f", [float(1e300)]],
  ["%", "%.999999999d", [1]],
  ["%", "%999999999d", [1]],
  ["%", "%999999999s", ["a"]],
  ["%", "%-999999999.3f", [float(2.5)]],
  ["%", "%*d", [999999999, 1]],
  ["f", float(1.5), ".999999999f"],
  ["f", float(1.5), ".999999999e"],
  ["f", float(1.5), ".999999999%"],
  ["f", 1, "999999999"],
  ["f", "a", "999999999"],
  ["f", 1, "0999999999,"],
  ["f", 1, "0999999999_x"],
  ["ff", float(1.5), "f", 999_999_999],
  ["ff", float(1.5), "e", 999_999_999],
];
/** Cases CPython computes quickly: compared by length and SHA-256 of the text. */
const ABSURD_COMPARED: Case[] = [
  ["%", "%.999999999g", [float(1.5)]],
  ["%", "%.999999999g", [float(1e300)]],
  ["%", "%.999999999g", [float(5e-324)]],
  ["%", "%.999999999G", [float(0.1)]],
  ["%", "%.999999999s", ["abc"]],
  ["%", "%.2147483647g", [float(2.5)]],
  ["f", float(1.5), ".999999999"],
  ["f", float(1e-300), ".999999999g"],
  ["%", "%.99999999f", [float(1.5)]],
  ["%", "%.9999999e", [float(5e-324)]],
  ["%", "%#.9999999g", [float(1 / 3)]],
  ["%", "%9999999d", [-7]],
  ["%", "%.9999999d", [-7]],
  ["%", "%*.*f", [9999999, 3, float(2.5)]],
  ["f", 1, "09999999,"],
  ["f", float(0.5), "09999999_.3f"],
  ["f", "abc", "^9999999"],
  ["%", "%d", [pow10(1_000_000)]],
  ["%", "%s", [pow10(1_000_000)]],
  ["%", "%x", [pow10(1_000_000)]],
  ["f", pow10(1_000_000), "_b"],
  ["f", pow10(1_000_000), ","],
  ["str", pow10(1_000_000, 0, -1)],
  ["ff", float(1.5), "g", 999_999_999],
  ["ff", float(2 ** -1074), "e", 9_999_999],
  ["ff", float(1e300), "f", 9_999_999],
];

/** A module of this repository, as a quoted URL for the worker's imports. */
function moduleUrl(path: string): string {
  return JSON.stringify(new URL(path, import.meta.url).href);
}

const WORKER = `
import { braceFormat, formatValue, templateSubstitute } from ${
  moduleUrl("../core/text/format_spec.ts")
};
import { formatFloat } from ${moduleUrl("../core/text/float_format.ts")};
import { percentFormat } from ${moduleUrl("../core/text/percent.ts")};
import { pyAscii, pyRepr, pyStr } from ${moduleUrl("../core/text/pystr.ts")};
${decode.toString()}
${runCase.toString()}
const cases = JSON.parse(await new Response(Deno.stdin.readable).text());
const out = [];
let slowest = 0;
for (const c of cases) {
  const t0 = performance.now();
  try {
    const s = runCase(c);
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(s)));
    out.push({ ok: s.length + ":" + Array.from(hash, (b) => b.toString(16).padStart(2, "0")).join("") });
  } catch (e) {
    out.push({ err: [e.name, e.message] });
  }
  slowest = Math.max(slowest, performance.now() - t0);
}
console.log(JSON.stringify({ out, slowest }));
`;

/** Runs the worker on `cases` and kills it after `timeoutMs`. */
async function runBounded(
  cases: Case[],
  timeoutMs: number,
): Promise<{ out: Outcome[]; slowest: number; ms: number }> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/worker.ts`, WORKER);
    const t0 = performance.now();
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--no-config",
        "--v8-flags=--max-old-space-size=4096",
        `${dir}/worker.ts`,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(timeoutMs),
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(JSON.stringify(cases)));
    await writer.close();
    const result = await child.output();
    const ms = performance.now() - t0;
    const stderr = new TextDecoder().decode(result.stderr);
    assert(
      result.success,
      `the formatting subprocess did not finish within ${timeoutMs} ms (${Math.round(ms)} ms, ` +
        `signal ${result.signal}): ${stderr.slice(0, 500)}`,
    );
    return { ...JSON.parse(new TextDecoder().decode(result.stdout)), ms };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name:
    "absurd precisions and widths ('%.999999999f') finish in milliseconds, with CPython's text or a RangeError",
  ignore: !hasPython,
  async fn() {
    const cases = [...ABSURD_TOO_LONG, ...ABSURD_COMPARED];
    const want = await runPython<Outcome[]>(PY_DIGEST, ABSURD_COMPARED);
    const { out, slowest, ms } = await runBounded(cases, 8000);
    const mismatches = [];
    for (let i = 0; i < cases.length; i++) {
      const got = out[i];
      const expect: Outcome | string = i < ABSURD_TOO_LONG.length
        ? TOO_LONG
        : want[i - ABSURD_TOO_LONG.length];
      const ok = expect === TOO_LONG
        ? "err" in got && got.err[0] === "RangeError" &&
          got.err[1].includes(`a JavaScript string holds at most ${MAX_TEXT_LENGTH}`)
        : JSON.stringify(got) === JSON.stringify(expect);
      if (!ok) mismatches.push({ case: JSON.stringify(cases[i]).slice(0, 80), got, want: expect });
    }
    assertEquals(mismatches, []);
    assert(slowest < 2000, `the slowest case took ${Math.round(slowest)} ms`);
    console.log(
      `    ${cases.length} absurd cases in ${Math.round(ms)} ms; slowest ${Math.round(slowest)} ms`,
    );
  },
});

// ---------------------------------------------------------------------------------------------
// A huge int in a logging call.

Deno.test("a 4-million-digit bigint in a logging call costs little and is a logging error, as in CPython", () => {
  const big = 10n ** 4_000_000n;
  const { log, h, reported } = collectingLogger();
  const t0 = performance.now();
  for (const f of ["%d", "%s", "%r", "%i", "%.3d", "%(n)s"]) {
    log.warning(f, f === "%(n)s" ? { n: big } : big);
  }
  log.warning("%s", [big]);
  const ms = performance.now() - t0;
  assertEquals(h.lines, []);
  assertEquals(reported.length, 7);
  for (const e of reported) {
    assertEquals(
      String(e),
      "ValueError: Exceeds the limit (4300 digits) for integer string conversion; " +
        "use sys.set_int_max_str_digits() to increase the limit",
    );
  }
  assert(ms < 500, `7 calls took ${Math.round(ms)} ms (a decimal conversion takes over 1 s each)`);
  log.warning("%x", 2n ** 4000n);
  assertEquals(h.lines.length, 1, "hexadecimal is not limited");
});

Deno.test({
  name:
    "the logging error report for a huge int matches CPython's: the error, then 'Unable to print'",
  ignore: !hasPython,
  async fn() {
    const ours = await runScript(`
      import { getLogger, StreamHandler } from ${JSON.stringify(MOD_URL)};
      const log = getLogger("big");
      log.addHandler(new StreamHandler(Deno.stdout));
      log.warning("%d", 10n ** 5000n);
      log.warning("after");
    `);
    await Deno.remove(ours.dir, { recursive: true });
    const theirs = await runPython<{ stderr: string; stdout: string }>(`
import io, json, logging, sys
err = io.StringIO()
sys.stderr = err
out = io.StringIO()
log = logging.getLogger("big")
log.addHandler(logging.StreamHandler(out))
log.warning("%d", 10**5000)
log.warning("after")
sys.stderr = sys.__stderr__
print(json.dumps({"stderr": err.getvalue(), "stdout": out.getvalue()}))
`);
    assertEquals(ours.code, 0, ours.stderr);
    assertEquals(ours.stdout, theirs.stdout);
    const reason = "ValueError: Exceeds the limit (4300 digits) for integer string conversion; " +
      "use sys.set_int_max_str_digits() to increase the limit\n";
    const tail = "Unable to print the message and arguments - possible formatting error.\n" +
      "Use the traceback above to help find the error.\n";
    for (const stderr of [ours.stderr, theirs.stderr]) {
      assertStringIncludes(stderr, "--- Logging error ---\n");
      assertStringIncludes(stderr, reason);
      assert(stderr.endsWith(tail), stderr.slice(-300));
    }
  },
});
