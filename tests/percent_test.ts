/**
 * percentFormat against CPython 3.13's `format % args`, plus the JavaScript-specific printing of
 * values Python has no equivalent for.
 *
 * Arguments travel as JSON. An array is the tuple and an object the mapping; `{"$big": "..."}`
 * stands for an integer beyond 2**53 (a bigint here) and `{"$float": "nan"}` for a float JSON
 * cannot spell. JSON turns `2.0` into an integer, so `%s`/`%r` cases use integers and
 * non-integral floats only.
 */

import { compilePercent, getMappingItem, percentFormat } from "../core/text/percent.ts";
import { KeyError, ValueError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { differentialTests, outcome } from "./helpers/differential.ts";
import { decodePyJson as decode, PY_DEC } from "./helpers/python.ts";

type Case = [format: string, args: unknown];

const nan = { $float: "nan" };
const inf = { $float: "inf" };
const ninf = { $float: "-inf" };
const negZero = { $float: "-0.0" };
const big = (digits: string) => ({ $big: digits });

const STRINGS: Case[] = [
  ["%s", ["hello"]],
  ["%s", "solo"],
  ["%s", 42],
  ["%s", [-7]],
  ["%s", [2.5]],
  ["%s", [0.1]],
  ["%s", [1e-7]],
  ["%s", [0.0001]],
  ["%s", [1.5e300]],
  ["%s", [123456.789]],
  ["%s", [{ $float: "1e16" }]],
  ["%s", [{ $float: "1e22" }]],
  ["%s", [nan]],
  ["%s", [inf]],
  ["%s", [ninf]],
  ["%s", [big("123456789012345678901234567890")]],
  ["%s %s %s", ["a", 1, 2.5]],
  ["%10s|", ["abc"]],
  ["%-10s|", ["abc"]],
  ["%.2s", ["abcdef"]],
  ["%8.3s|", ["abcdef"]],
  ["%-8.3s|", ["abcdef"]],
  ["%.0s|", ["abc"]],
  ["%5s|", [""]],
  ["%+s", ["a"]],
  ["% s", ["a"]],
  ["%#s", [5]],
  ["%05s", ["ab"]],
  ["%s", ["😀"]],
  ["%3s|", ["😀"]],
  ["%.1s|", ["😀x"]],
  ["%r", ["it's"]],
  ["%r", ['say "hi"']],
  ["%r", ["both ' and \""]],
  ["%r", ["tab\there\n\r\\"]],
  ["%r", ["\u0000\u001b\u007f\u0085\u00a0\u00ad"]],
  ["%r", ["café ☕ 😀"]],
  ["%r", ["\u200b\u2028\ufeff"]],
  ["%a", ["café ☕ 😀"]],
  ["%a", ["\u0000é\u00a0"]],
  ["%10r|", ["x"]],
  ["%.3r", ["abcdef"]],
  ["%r", [42]],
  ["%r", [2.5]],
  ["%-6a|", ["é"]],
  ["%%", []],
  ["100%%", []],
  ["%s%%", [5]],
  ["%%%s%%", ["x"]],
  ["abc", []],
  ["", []],
];

const INTEGERS: Case[] = [
  ["%d", [42]],
  ["%d", [-42]],
  ["%i", [7]],
  ["%u", [7]],
  ["%5d|", [42]],
  ["%-5d|", [42]],
  ["%05d", [42]],
  ["%05d", [-42]],
  ["%+d", [42]],
  ["%+d", [-42]],
  ["% d", [42]],
  ["% d", [-42]],
  ["%+ d", [42]],
  ["%-+5d|", [3]],
  ["%-05d|", [3]],
  ["%+05d", [3]],
  ["% 05d", [3]],
  ["%.3d", [7]],
  ["%.3d", [-7]],
  ["%8.3d|", [-7]],
  ["%08.3d|", [-7]],
  ["%-8.3d|", [7]],
  ["%.0d", [0]],
  ["%d", [3.99]],
  ["%d", [-3.99]],
  ["%d", [1e20]],
  ["%d", [true]],
  ["%d", [false]],
  ["%d", [big("-98765432109876543210")]],
  ["%x", [255]],
  ["%X", [255]],
  ["%o", [8]],
  ["%#x", [255]],
  ["%#X", [255]],
  ["%#o", [8]],
  ["%#x", [0]],
  ["%#o", [0]],
  ["%x", [-255]],
  ["%#x", [-255]],
  ["%#08x", [-255]],
  ["%#-8x|", [255]],
  ["%#8x|", [255]],
  ["%+#x", [255]],
  ["% #o", [8]],
  ["%#.4x", [255]],
  ["%#010.4x", [-255]],
  ["%.5x", [-255]],
  ["%+05x", [-255]],
  ["%x", [big("340282366920938463463374607431768211455")]],
  ["%#X", [big("-1311768467463790320")]],
  ["%x", [true]],
  ["%#d", [5]],
  ["%ld %hd %Li", [1, 2, 3]],
  ["%lx", [255]],
];

const FLOATS: Case[] = [
  ["%f", [3.14159]],
  ["%f", [2]],
  ["%.2f", [2.675]],
  ["%.0f", [0.5]],
  ["%.0f", [1.5]],
  ["%.0f", [2.5]],
  ["%.0f", [4.5]],
  ["%.0f", [-4.5]],
  ["%.1f", [0.25]],
  ["%.1f", [-0.25]],
  ["%.1f", [0.35]],
  ["%.2f", [0.125]],
  ["%.2f", [0.375]],
  ["%.2f", [1.005]],
  ["%.3f", [1.0005]],
  ["%10.3f|", [-3.14159]],
  ["%-10.3f|", [3.14159]],
  ["%010.3f", [-3.14159]],
  ["%+.2f", [3]],
  ["% .2f", [3]],
  ["%#.0f", [3]],
  ["%.0f", [1e21]],
  ["%f", [1e22]],
  ["%.0f", [1e16 + 2]],
  ["%.3f", [1e-10]],
  ["%.20f", [0.1]],
  ["%.120f", [0.1]],
  ["%.3f", [1e300]],
  ["%f", [negZero]],
  ["%.0f", [{ $float: "-0.4" }]],
  ["%e", [12345.6789]],
  ["%E", [12345.6789]],
  ["%.2e", [1.125]],
  ["%.2e", [-1.125]],
  ["%.2e", [1.135]],
  ["%.0e", [25]],
  ["%.0e", [35]],
  ["%#.0e", [25]],
  ["%e", [0]],
  ["%e", [negZero]],
  ["%.3e", [1e-300]],
  ["%e", [5e-324]],
  ["%.30e", [1 / 3]],
  ["%.110e", [0.1]],
  ["%12.3e|", [-1234.5]],
  ["%-12.2E|", [1234.5]],
  ["%012.2e", [-1234.5]],
  ["%+e", [1]],
  ["%g", [1234567]],
  ["%g", [123456]],
  ["%g", [0.0001]],
  ["%g", [0.00001]],
  ["%g", [100000]],
  ["%g", [1e6]],
  ["%G", [1e-10]],
  ["%.3g", [3.14159]],
  ["%.0g", [0.5]],
  ["%.0g", [2.5]],
  ["%.1g", [0.25]],
  ["%.1g", [9.5]],
  ["%.1g", [8.5]],
  ["%.2g", [9.96]],
  ["%.2g", [99.5]],
  ["%#g", [1]],
  ["%#g", [0]],
  ["%#.3g", [1]],
  ["%#.3g", [100]],
  ["%#.3g", [1e6]],
  ["%g", [0]],
  ["%g", [negZero]],
  ["%.17g", [0.1]],
  ["%.20g", [0.1]],
  ["%10.4g|", [3.14159]],
  ["%-10.2g|", [1234]],
  ["%010.2g", [-1234]],
  ["%+g", [5]],
  ["%.3G", [1234567]],
  ["%f", [inf]],
  ["%f", [ninf]],
  ["%F", [inf]],
  ["%f", [nan]],
  ["%E", [nan]],
  ["%+f", [inf]],
  ["% f", [nan]],
  ["%05f", [inf]],
  ["%-6f|", [ninf]],
  ["%8.2g|", [nan]],
  ["%f", [true]],
  ["%.2f", [big("12345678901234567890")]],
  ["%e", [big("123")]],
];

const CHARS_AND_STARS: Case[] = [
  ["%c", [65]],
  ["%c", ["x"]],
  ["%c", ["😀"]],
  ["%c", [128512]],
  ["%c", [1114111]],
  ["%5c|", ["x"]],
  ["%-5c|", [65]],
  ["%05c|", [65]],
  ["%.0c", ["a"]],
  ["%c", [true]],
  ["%*d", [5, 42]],
  ["%-*d|", [5, 42]],
  ["%*d|", [-5, 42]],
  ["%.*f", [2, 3.14159]],
  ["%*.*f|", [10, 3, 3.14159]],
  ["%.*s", [3, "abcdef"]],
  ["%.*f", [-3, 1.5]],
  ["%*s|", [0, "x"]],
  ["%*s|", [true, "x"]],
  ["%*c", [3, "x"]],
  ["%-*.*s|", [6, 2, "abcdef"]],
  ["%0*d", [6, -42]],
];

const MAPPINGS: Case[] = [
  ["%(name)s", { name: "ann" }],
  ["%(name)s is %(age)d", { name: "bob", age: 30 }],
  ["%(x)5.1f|", { x: 3.14159 }],
  ["%(x)-6s|", { x: "ab" }],
  ["%(a)s %(a)r", { a: "q" }],
  ["%(a)s %%", { a: 1 }],
  ["abc", { a: 1 }],
  ["%(key with space)s", { "key with space": 1 }],
  ["%((nested))s", { "(nested)": "v" }],
  ["%(user)s/%(user)s", { user: "u" }],
  ["%(n)#x", { n: 255 }],
  ["%(n)+05d", { n: 7 }],
  ["%(n)c", { n: 97 }],
  ["%()s", { "": "empty" }],
  ["%(a).*f", { a: 2 }],
];

const ERRORS: Case[] = [
  ["%d", ["x"]],
  ["%d", [null]],
  ["%d", [[1]]],
  ["%i", [{ a: 1 }]],
  ["%x", [1.5]],
  ["%o", ["8"]],
  ["%X", [null]],
  ["%d", [nan]],
  ["%d", [inf]],
  ["%f", ["x"]],
  ["%e", [null]],
  ["%g", [[1]]],
  ["%f", [big("1" + "0".repeat(400))]],
  ["%c", ["ab"]],
  ["%c", [""]],
  ["%c", [1.5]],
  ["%c", [-1]],
  ["%c", [1114112]],
  ["%c", [null]],
  ["%s %s", [1]],
  ["%s", [1, 2]],
  ["abc", 5],
  ["abc", "x"],
  ["abc", [1]],
  ["%", []],
  ["%5", [1]],
  ["%.", [1]],
  ["%l", [1]],
  ["%-", [1]],
  ["%*", [1]],
  ["%(a", { a: 1 }],
  ["abc %(", {}],
  ["%(a)", { a: 1 }],
  ["%(a)s", [1]],
  ["%(a)s", 5],
  ["%(a)s", {}],
  ["%(b)s", { a: 1 }],
  ["%z", [1]],
  ["%z", []],
  ["%5%", [1]],
  ["%lz", [1]],
  ["ab%é", [1]],
  ["ab😀%😀", [1]],
  ["%\u001f", [1]],
  ["%~", [1]],
  ["%\u007f", [1]],
  ["%*d", ["x", 1]],
  ["%.*d", [1.5, 1]],
  ["%*d", [big("9223372036854775808"), 1]],
  ["%.*d", [big("2147483648"), 1]],
  ["%99999999999999999999d", [1]],
  ["%.99999999999d", [1]],
  ["%(a)*d", { a: 5 }],
  ["%(a)s %s", { a: 1 }],
  ["%d %z", ["x"]],
  ["%s %", []],
  ["%(a)s %(b)", { a: 1 }],
  ["%(a)%", { a: 1 }],
  ["%(a)(", { a: 1 }],
];

const GROUPS: Record<string, Case[]> = {
  "percentFormat matches CPython for %s, %r, %a and %%": STRINGS,
  "percentFormat matches CPython for %d %i %u %o %x %X with flags, width and precision": INTEGERS,
  "percentFormat matches CPython digit for digit for %e %f %g, rounding ties to even": FLOATS,
  "percentFormat matches CPython for %c and for * width and precision": CHARS_AND_STARS,
  "percentFormat looks %(key)s up in a mapping like CPython": MAPPINGS,
  "percentFormat raises CPython's error classes and messages": ERRORS,
};

const SCRIPT = `
import json, sys
${PY_DEC}
out = []
for fmt, args in json.load(sys.stdin):
    a = dec(args)
    if isinstance(a, list): a = tuple(a)
    try: out.append({"ok": fmt % a})
    except Exception as e: out.append({"err": [type(e).__name__, str(e)]})
print(json.dumps(out))
`;

const ALL = Object.values(GROUPS).flat();

await differentialTests(GROUPS, SCRIPT, (c) => outcome(() => percentFormat(c[0], decode(c[1]))));

Deno.test("percent differential table covers at least 170 cases and 25 errors", () => {
  assert(ALL.length >= 170, `only ${ALL.length} cases`);
  assert(ERRORS.length >= 25, `only ${ERRORS.length} error cases`);
});

Deno.test("percentFormat prints objects readably, never as [object Object]", () => {
  class Point {
    x = 1;
    y = 2;
  }
  assertEquals(percentFormat("%s", [{ user: "ann", n: 2 }]), '{ user: "ann", n: 2 }');
  assertEquals(percentFormat("got %s", [new Point()]), "got Point { x: 1, y: 2 }");
  assertEquals(percentFormat("%s", [[[1, 2], [3, [4]]]]), "[ [ 1, 2 ], [ 3, [ 4 ] ] ]");
  assertEquals(percentFormat("%s", [new Map([["k", 1]])]), 'Map(1) { "k" => 1 }');
  assertEquals(percentFormat("%s", [new Set([1, 2])]), "Set(2) { 1, 2 }");
  const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
  const text = percentFormat("%s", [deep]);
  assert(!text.includes("\n") && !text.includes("[object Object]"), text);
});

Deno.test("percentFormat prints an Error as its message, and %r as Name('message')", () => {
  assertEquals(percentFormat("failed: %s", [new Error("disk full")]), "failed: disk full");
  assertEquals(percentFormat("%r", [new TypeError("bad")]), "TypeError('bad')");
  assertEquals(percentFormat("%r", [new ValueError("")]), "ValueError()");
});

Deno.test("percentFormat prints JavaScript primitives the JavaScript way", () => {
  assertEquals(
    percentFormat("%s %s %s %s", [true, false, null, undefined]),
    "true false null undefined",
  );
  assertEquals(percentFormat("%d %d", [true, false]), "1 0");
  assertEquals(
    percentFormat("%s %d", [2n ** 70n, -(2n ** 70n)]),
    "1180591620717411303424 -1180591620717411303424",
  );
  assertEquals(percentFormat("%s", [Symbol("tag")]), "Symbol(tag)");
  assertEquals(percentFormat("%s", [function handler() {}]), "<function handler>");
  assertEquals(
    percentFormat("%s", [new Date(Date.UTC(2024, 0, 2, 3, 4, 5))]),
    "2024-01-02T03:04:05.000Z",
  );
  assertEquals(percentFormat("%s", [new URL("https://example.com/a")]), "https://example.com/a");
});

Deno.test("percentFormat raises what a toString throws for %s, as Python's % raises what __str__ raises", () => {
  class Hostile {
    toString(): string {
      throw new Error("no str");
    }
  }
  assertThrows(() => percentFormat("%s", [new Hostile()]), Error, "no str");
  assertThrows(() => percentFormat("%-10s|", [new Hostile()]), Error, "no str");
  assertThrows(() => percentFormat("%(h)s", { h: new Hostile() }), Error, "no str");
  // %r and %a do not call toString when it throws (Python's repr does not call __str__).
  assertEquals(percentFormat("%r|%a", [new Hostile(), new Hostile()]), "Hostile {}|Hostile {}");
  const messageless = new Error("x");
  Object.defineProperty(messageless, "message", {
    get() {
      throw new Error("no message");
    },
  });
  assertThrows(() => percentFormat("failed: %s", [messageless]), Error, "no message");
  // %d never calls valueOf or Symbol.toPrimitive: an object is Python's TypeError.
  const numberish = {
    valueOf(): number {
      throw new Error("valueOf");
    },
    [Symbol.toPrimitive](): number {
      throw new Error("toPrimitive");
    },
  };
  assertThrows(
    () => percentFormat("%d", [numberish]),
    TypeError,
    "%d format: a real number is required, not dict",
  );
  // Getters are never called.
  const getter = {
    get boom(): string {
      throw new Error("no");
    },
  };
  assertEquals(percentFormat("%s", [getter]), "{ boom: [Getter] }");
});

Deno.test("percentFormat takes a class instance, a Map or a plain object as the mapping", () => {
  class Record {
    levelname = "INFO";
    get message(): string {
      return "ready";
    }
  }
  const fmt = "%(levelname)s:%(message)s";
  assertEquals(percentFormat(fmt, new Record()), "INFO:ready");
  assertEquals(percentFormat(fmt, new Map([["levelname", "WARN"], ["message", "m"]])), "WARN:m");
  assertEquals(percentFormat("%(x)s", { x: undefined }), "undefined");
  assertThrows(() => percentFormat("%(toString)s", {}), KeyError, "'toString'");
  assertThrows(() => percentFormat("%(user)s", new Map()), KeyError, "'user'");
  assertEquals(getMappingItem({ a: 1 }, "a"), 1);
});

Deno.test("compilePercent returns a reusable function shared with percentFormat's cache", () => {
  const render = compilePercent("request %d handled in %.1f ms");
  assertEquals(render([7, 1.25]), "request 7 handled in 1.2 ms");
  assert(compilePercent("request %d handled in %.1f ms") === render);
  const faulty = compilePercent("%s %z");
  assertThrows(
    () => faulty([1, 2]),
    ValueError,
    "unsupported format character 'z' (0x7a) at index 4",
  );
  assertThrows(() => faulty([1]), TypeError, "not enough arguments for format string");
});

Deno.test("percentFormat keeps working when more formats than the cache holds are used", () => {
  for (let i = 0; i < 1200; i++) {
    assertEquals(percentFormat(`n${i}=%d`, [i]), `n${i}=${i}`);
  }
});
