/**
 * formatValue, braceFormat and templateSubstitute against CPython 3.13's `format(value, spec)`,
 * `fmt.format(**mapping)` and `string.Template(fmt).substitute(mapping)`.
 *
 * Values travel as JSON, with `{"$big": "..."}` for integers beyond 2**53 and `{"$float": "..."}`
 * for floats JSON cannot spell. JSON turns `2.0` into an integer, so float cases use
 * non-integral values or float presentation types.
 */

import {
  braceFieldNames,
  braceFormat,
  braceParse,
  compileBrace,
  formatValue,
  templateFieldNames,
  templateSubstitute,
} from "../core/text/format_spec.ts";
import { KeyError, ValueError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { differentialTests, outcome } from "./helpers/differential.ts";
import {
  decodePyJson as decode,
  PY_DEC,
  type PyOutcome as Outcome,
  pythonAvailable,
  runPython,
} from "./helpers/python.ts";

type Case = ["format", unknown, string] | ["brace" | "template", string, unknown];

const big = (digits: string) => ({ $big: digits });
const float = (text: string) => ({ $float: text });

const FORMAT: Case[] = [
  ["format", "abc", "<8"],
  ["format", "abc", ">8"],
  ["format", "abc", "^8"],
  ["format", "abc", "*^9"],
  ["format", "abc", ".2"],
  ["format", "abcdef", "8.2"],
  ["format", "abc", "s"],
  ["format", "abc", "05"],
  ["format", "abc", "x<5"],
  ["format", "😀", "*>4"],
  ["format", "abc", "😀^7"],
  ["format", "INFO", "<8"],
  ["format", 1234567, ","],
  ["format", 1234567, "_"],
  ["format", 255, "x"],
  ["format", 255, "#x"],
  ["format", 255, "#X"],
  ["format", 255, "#b"],
  ["format", 255, "o"],
  ["format", 255, "#o"],
  ["format", -255, "#010x"],
  ["format", 65535, "_x"],
  ["format", 65535, "#_b"],
  ["format", 1234, "010,"],
  ["format", -1234, "010,"],
  ["format", 1234, "+"],
  ["format", 1234, " "],
  ["format", 1234, "=+10"],
  ["format", 1234, "*^11,"],
  ["format", 1234, "<6d"],
  ["format", 65, "c"],
  ["format", 65, "05c"],
  ["format", 65, "=5c"],
  ["format", 128512, "c"],
  ["format", 1234, "n"],
  ["format", 1234, "e"],
  ["format", 1234, ".2f"],
  ["format", 1234, "%"],
  ["format", true, "d"],
  ["format", true, ">5"],
  ["format", big("123456789012345678901234567890"), ","],
  ["format", big("-123456789012345678901234567890"), "x"],
  ["format", 3.14159, ".2f"],
  ["format", 3.14159, "08.3f"],
  ["format", -3.14159, "08.3f"],
  ["format", 3.14159, "+.1f"],
  ["format", 1234567.891, ",.2f"],
  ["format", 1234567.891, "_.1f"],
  ["format", 1234567.891, "020,.2f"],
  ["format", 0.25, "%"],
  ["format", 0.25, ".1%"],
  ["format", 0.125, ".2f"],
  ["format", 2.5, ".0f"],
  ["format", 1.5, "e"],
  ["format", 1.5, "E"],
  ["format", 12345.678, "g"],
  ["format", 0.1, ".3"],
  ["format", 123456.5, ".3"],
  ["format", 2.5, "10"],
  ["format", 2.5, "<10"],
  ["format", 2.5, "^+10"],
  ["format", 2.5, "010"],
  ["format", 1e-7, ""],
  ["format", 1e-7, "n"],
  ["format", float("1e20"), ","],
  ["format", float("1e20"), ".3e"],
  ["format", float("nan"), "+"],
  ["format", float("inf"), "010"],
  ["format", float("-inf"), "<8"],
  ["format", float("inf"), "E"],
  ["format", float("nan"), "F"],
  ["format", float("-0.0"), "z.1f"],
  ["format", float("-0.0"), ".1f"],
  ["format", -0.0001, "z.2f"],
  ["format", -0.0001, ".2f"],
  ["format", 1.5, "#.0f"],
  ["format", 1.5, "#g"],
  ["format", 0.5, "z"],
  // errors
  ["format", "abc", "=5"],
  ["format", "abc", "+"],
  ["format", "abc", " "],
  ["format", "abc", "#"],
  ["format", "abc", "z"],
  ["format", "abc", "d"],
  ["format", "abc", ","],
  ["format", "abc", "<<<"],
  ["format", "abc", "10.3xx"],
  ["format", 5, "xx"],
  ["format", 5, "s"],
  ["format", 5, "z"],
  ["format", 5, "+c"],
  ["format", 5, "#c"],
  ["format", -1, "c"],
  ["format", 1114112, "c"],
  ["format", 5, ",c"],
  ["format", 5, ",x"],
  ["format", 5, ",_"],
  ["format", 5, "_,"],
  ["format", 5, "."],
  ["format", 5, "\u0001"],
  ["format", 5, "é"],
  ["format", 5, "99999999999999999999"],
  ["format", 1.5, ".99999999999"],
  ["format", 1.5, "d"],
  ["format", 1.5, "x"],
  ["format", 1.5, ",n"],
  ["format", true, "s"],
  ["format", big("12"), ".2"],
  ["format", big("1" + "0".repeat(400)), "f"],
  ["format", null, ">3"],
  ["format", [1], "x"],
];

const BRACE: Case[] = [
  ["brace", "{a} {b}", { a: 1, b: "x" }],
  ["brace", "{a!r}", { a: "it's" }],
  ["brace", "{a!s:>5}", { a: "x" }],
  ["brace", "{a!a}", { a: "é" }],
  ["brace", "{a:{w}}|", { a: "x", w: 5 }],
  ["brace", "{a:{f}{w}.{p}f}", { a: 3.14159, f: "0", w: 8, p: 2 }],
  ["brace", "{a[0]} {a[1]}", { a: [1, 2] }],
  ["brace", "{a[k]}", { a: { k: "v" } }],
  ["brace", "{a[k][0]}", { a: { k: [9] } }],
  ["brace", "{a[-1]}", { a: { "-1": "neg" } }],
  ["brace", "{a[ x ]}", { a: { " x ": 1 } }],
  ["brace", "{ a }", { " a ": 1 }],
  ["brace", "{{literal}} {a}", { a: 1 }],
  ["brace", "}}{{", {}],
  ["brace", "{a:}", { a: 5 }],
  ["brace", "{a!r:}", { a: "q" }],
  ["brace", "{a:%}", { a: 0.5 }],
  ["brace", "{asctime} {levelname:<8} {message}", {
    asctime: "2024-01-02 03:04:05,006",
    levelname: "INFO",
    message: "ready",
  }],
  ["brace", "{a[0]:>4}{a[1]!r:^7}", { a: [7, "x"] }],
  ["brace", "", {}],
  ["brace", "{", {}],
  ["brace", "}", {}],
  ["brace", "a } b", {}],
  ["brace", "{a", { a: 1 }],
  ["brace", "{a!}", { a: 1 }],
  ["brace", "{a!", { a: 1 }],
  ["brace", "{a:", { a: 1 }],
  ["brace", "{a!rx}", { a: 1 }],
  ["brace", "{a!x}", { a: 1 }],
  ["brace", "{b!x}", { a: 1 }],
  ["brace", "{a{b}}", { a: 1 }],
  ["brace", "{}", {}],
  ["brace", "{0}", {}],
  ["brace", "{99999999999999999999}", {}],
  ["brace", "{a.b}", { a: {} }],
  ["brace", "{a[0]}", { a: {} }],
  ["brace", "{a[0]x}", { a: [1] }],
  ["brace", "{a[0}", { a: [1] }],
  ["brace", "{a.}", { a: 1 }],
  ["brace", "{a[]}", { a: 1 }],
  ["brace", "{a[5]}", { a: [1] }],
  ["brace", "{a[5]}", { a: "x" }],
  ["brace", "{a[-1]}", { a: [1] }],
  ["brace", "{a[k]}", { a: "str" }],
  ["brace", "{a[0]}", { a: 5 }],
  ["brace", "{a:{b:{c}}}", { a: 1, b: 2, c: 3 }],
  ["brace", "{x} }", {}],
  ["brace", "{b}", { a: 1 }],
  ["brace", "{a:d}", { a: "x" }],
  ["brace", "{a:{b}}", { a: 1, b: "q" }],
  ["brace", "{a!r:d}", { a: 1 }],
  ["brace", "{a:x}", { a: 1.5 }],
  ["brace", "{a:>5}", { a: null }],
  ["brace", "{a:{b}}", { a: 1 }],
  ["brace", "{a!r}{", { a: 1 }],
];

const TEMPLATE: Case[] = [
  ["template", "$a and ${b}", { a: 1, b: "x" }],
  ["template", "$$a", {}],
  ["template", "$a$b", { a: 1, b: 2 }],
  ["template", "${a}b", { a: 1 }],
  ["template", "$a_b1 $a", { a_b1: "x", a: 2 }],
  ["template", "$A", { A: 1 }],
  ["template", "cost: $$5", {}],
  ["template", "$a", { a: 2.5 }],
  ["template", "${a}${b}", { a: "p", b: "q" }],
  ["template", "no placeholders", {}],
  ["template", "$é", {}],
  ["template", "ab\ncd $ x", {}],
  ["template", "x\r\n$", {}],
  ["template", "a\rb\u2028c $", {}],
  ["template", "😀 $", {}],
  ["template", "$", {}],
  ["template", "$1", {}],
  ["template", "${a", { a: 1 }],
  ["template", "${}", {}],
  ["template", "$missing", {}],
  ["template", "$a $", { a: 1 }],
];

const GROUPS: Record<string, Case[]> = {
  "formatValue matches CPython's format(value, spec) for str, int and float": FORMAT,
  "braceFormat matches CPython's str.format(**mapping), errors included": BRACE,
  "templateSubstitute matches CPython's Template.substitute, errors included": TEMPLATE,
};

const SCRIPT = `
import json, string, sys
${PY_DEC}
out = []
for kind, a, b in json.load(sys.stdin):
    try:
        if kind == "format": r = format(dec(a), b)
        elif kind == "brace": r = a.format(**dec(b))
        else: r = string.Template(a).substitute(dec(b))
        out.append({"ok": r})
    except Exception as e:
        out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
`;

function run(c: Case): Outcome {
  return outcome(() => {
    if (c[0] === "format") return formatValue(decode(c[1]), c[2]);
    const mapping = decode(c[2]) as object;
    return c[0] === "brace" ? braceFormat(c[1], mapping) : templateSubstitute(c[1], mapping);
  });
}

const hasPython = await pythonAvailable();
const ALL = Object.values(GROUPS).flat();

await differentialTests(GROUPS, SCRIPT, run);

Deno.test("format-spec differential table covers at least 80 cases, errors included", () => {
  assert(ALL.length >= 80, `only ${ALL.length} cases`);
  assert(ALL.filter((c) => c[0] !== "template").length > 100);
});

Deno.test({
  name: "braceParse and braceFieldNames match CPython's string.Formatter().parse",
  ignore: !hasPython,
  async fn() {
    const formats = [
      "{asctime} {levelname:<8} {message}",
      "a{{b}}c{x!r:>{w}}",
      "{}{0}{a.b[c]}",
      "plain",
      "",
    ];
    const want = await runPython<unknown[]>(
      `import json, string, sys
print(json.dumps([list(map(list, string.Formatter().parse(f))) for f in json.load(sys.stdin)]))`,
      formats,
    );
    const got = formats.map((f) =>
      braceParse(f).map((c) => [c.literal, c.fieldName, c.formatSpec, c.conversion])
    );
    assertEquals(got, want);
    assertEquals(braceFieldNames("{a.b[0]} {} {a.b[0]}"), ["a.b[0]", "", "a.b[0]"]);
    assertThrows(() => braceFieldNames("{a"), ValueError, "expected '}' before end of string");
    assertThrows(() => braceFieldNames("x}"), ValueError, "Single '}' encountered");
  },
});

Deno.test("templateFieldNames lists each identifier once, in order, skipping invalid ones", () => {
  assertEquals(templateFieldNames("$a ${b} $a $$c $ ${d}"), ["a", "b", "d"]);
  assertEquals(templateFieldNames("no fields"), []);
});

Deno.test("formatValue treats an integral number as a float when the spec needs one", () => {
  assertEquals(formatValue(2, ".3"), "2.0");
  assertEquals(formatValue(2, ".2f"), "2.00");
  assertEquals(formatValue(2, ""), "2");
  assertEquals(formatValue(2, ">4"), "   2");
  assertEquals(formatValue(2n, "x"), "2");
  assertThrows(() => formatValue(2n, ".3"), ValueError, "Precision not allowed");
  // Beyond 2**53 a number is a float, as the same value computed in Python is: a bigint is the int.
  assertThrows(
    () => formatValue(1e20, "d"),
    ValueError,
    "Unknown format code 'd' for object of type 'float'",
  );
  assertEquals(formatValue(10n ** 20n, "d"), "100000000000000000000");
});

Deno.test("formatValue prints other values with an empty spec and rejects a non-empty one", () => {
  assertEquals(formatValue({ a: 1 }, ""), "{ a: 1 }");
  assertEquals(formatValue(null, ""), "null");
  assertEquals(formatValue(true, ""), "true");
  assertThrows(() => formatValue(new Date(0), ">30"), TypeError, "Date.__format__");
});

Deno.test("braceFormat and templateSubstitute take Maps and class instances as mappings", () => {
  class Record {
    name = "db";
    get message(): string {
      return "slow";
    }
  }
  assertEquals(braceFormat("{name}: {message!r}", new Record()), "db: 'slow'");
  assertEquals(templateSubstitute("$name: $message", new Record()), "db: slow");
  const map = new Map<string, unknown>([["user", { id: 7 }], ["n", 3]]);
  assertEquals(braceFormat("{user.id}/{n:03d}", map), "7/003");
  assertEquals(braceFormat("{m[k]}", { m: new Map([["k", "v"]]) }), "v");
  assertThrows(() => braceFormat("{user}", {}), KeyError, "'user'");
  assertThrows(() => templateSubstitute("$user", new Map()), KeyError, "'user'");
  assertThrows(() => braceFormat("{constructor}", {}), KeyError, "'constructor'");
});

Deno.test("compileBrace returns a cached function that formats each mapping", () => {
  const line = compileBrace("{levelname:>7}|{message}");
  assert(compileBrace("{levelname:>7}|{message}") === line);
  assertEquals(line({ levelname: "INFO", message: "a" }), "   INFO|a");
  assertEquals(line({ levelname: "WARNING", message: "b" }), "WARNING|b");
  assertEquals(braceFormat("{x!r}", { x: [1, "a"] }), '[ 1, "a" ]');
});
