/**
 * pyRepr/pyAscii of strings and pyStr of numbers against CPython 3.13's `repr`, `ascii` and
 * `str`, plus the JavaScript-specific printing rules of pyStr, pyRepr and pyTypeName.
 */

import { pyAscii, pyRepr, pyStr, pyTypeName } from "../core/text/pystr.ts";
import { KeyError, ValueError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const STRINGS = [
  "",
  "plain",
  "it's",
  'say "hi"',
  "both ' and \"",
  "'\"",
  "\\'",
  "back\\slash",
  "\t\n\r",
  "\x00\x01\x1b\x1f\x7f",
  "\x80\x85\x9f\xa0\xad\xff",
  "café",
  "naïve ☕",
  "日本語",
  "Ω≈ç√∫ ⅷ",
  "e\u0301",
  "😀",
  "a\u{1F600}b",
  "🇫🇷\u{1F3FB}",
  "\u{1D400}",
  "\u200b\u200e\u2028\u2029\ufeff",
  "\u061c",
  "\u3000",
  "\u0378",
  "\ue000",
  "\u{F0000}",
  "\u{10FFFF}",
  "\u{E0001}",
  "\ud800",
  "\udc00x",
  "x\ud83d",
  "mixed 'quote' \"and\" \\ \u00e9 \u{1F600} \x07",
];

const NUMBERS = [
  0.1,
  1 / 3,
  -2.5,
  1e-5,
  1e-4,
  0.00012,
  1.5e-7,
  123456789.123,
  1e15 + 0.5,
  2 ** 53,
  1e16,
  1e22,
  1.5e300,
  5e-324,
  1.7976931348623157e308,
  42,
  -7,
  0,
];

const hasPython = await pythonAvailable();

Deno.test({
  name: "pyRepr and pyAscii quote and escape strings exactly like CPython's repr and ascii",
  ignore: !hasPython,
  async fn() {
    const want = await runPython<[string, string][]>(
      `import json, sys
print(json.dumps([[repr(s), ascii(s)] for s in json.load(sys.stdin)]))`,
      STRINGS,
    );
    const got = STRINGS.map((s) => [pyRepr(s), pyAscii(s)]);
    assertEquals(got, want);
  },
});

Deno.test({
  name: "pyStr prints numbers exactly like CPython's str of int and float",
  ignore: !hasPython,
  async fn() {
    // Integral floats beyond 2**53 would reach Python as ints through JSON: send text instead.
    const want = await runPython<string[]>(
      `import json, sys
print(json.dumps([str(int(t) if i else float(t)) for t, i in json.load(sys.stdin)]))`,
      NUMBERS.map((x) => [String(x), Number.isSafeInteger(x)]),
    );
    assertEquals(NUMBERS.map(pyStr), want);
    assertEquals([NaN, Infinity, -Infinity].map(pyStr), ["nan", "inf", "-inf"]);
    assertEquals(pyStr(12345678901234567890123n), "12345678901234567890123");
  },
});

Deno.test("pyStr prints JavaScript values readably on one line", () => {
  assertEquals(pyStr("text"), "text");
  assertEquals(pyStr(true), "true");
  assertEquals(pyStr(null), "null");
  assertEquals(pyStr(undefined), "undefined");
  assertEquals(pyStr(Symbol("s")), "Symbol(s)");
  assertEquals(pyStr(function named() {}), "<function named>");
  assertEquals(pyStr(() => 1), "<function <anonymous>>");
  assertEquals(pyStr(class Thing {}), "<class Thing>");
  assertEquals(pyStr(new Date(0)), "1970-01-01T00:00:00.000Z");
  assertEquals(pyStr(new Date(NaN)), "Invalid Date");
  assertEquals(pyStr(new Error("boom")), "boom");
  assertEquals(pyStr(new KeyError("'k'")), "'k'");
  assertEquals(pyStr([1, "a", [2, [3]]]), '[ 1, "a", [ 2, [ 3 ] ] ]');
  assertEquals(pyStr({ a: "x\ny" }), '{ a: "x\\ny" }');
  assertEquals(pyStr(new Map([[1, { b: 2 }]])), "Map(1) { 1 => { b: 2 } }");
  assertEquals(pyStr(/a+/g), "/a+/g");
  const many = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, i]));
  const text = pyStr({ many, error: new Error("nested") });
  assert(!text.includes("\n"), text);
  assert(!text.includes("[object Object]"), text);
});

Deno.test("pyStr throws what toString or an Error's message getter throws, like Python's str(); pyRepr still shows the value", () => {
  class Broken {
    toString(): string {
      throw new Error("broken");
    }
  }
  // Python: str(x) raises what __str__ raises; repr(x) does not call __str__.
  assertThrows(() => pyStr(new Broken()), Error, "broken");
  assertEquals(pyRepr(new Broken()), "Broken {}");
  assertEquals(pyAscii(new Broken()), "Broken {}");
  const weird = { toString: () => 42 };
  assertEquals(pyStr(weird), "{ toString: [Function: toString] }");
  const error = new Error("x");
  Object.defineProperty(error, "message", {
    get() {
      throw new Error("no message");
    },
  });
  assertThrows(() => pyStr(error), Error, "no message");
  assertEquals(typeof pyRepr(error), "string");
  // Getters of other objects are never called, and what cannot be looked at prints generically.
  const getter = {
    get boom(): string {
      throw new Error("no");
    },
  };
  assertEquals(pyStr(getter), "{ boom: [Getter] }");
  const revoked = Proxy.revocable({}, {});
  revoked.revoke();
  assertEquals(pyStr(revoked.proxy), "<Object object>");
  assertEquals(pyRepr(revoked.proxy), "<Object object>");
  // The 4300-digit limit still holds for pyRepr's fallback.
  class Huge {
    n = 10n ** 5000n;
    toString(): string {
      throw new Error("no");
    }
  }
  assertThrows(() => pyRepr(new Huge()), ValueError, "Exceeds the limit (4300 digits)");
});

Deno.test("pyRepr prints an Error as Name('message') and other values like pyStr", () => {
  assertEquals(pyRepr(new TypeError("bad 'x'")), `TypeError("bad 'x'")`);
  assertEquals(pyRepr(new RangeError("")), "RangeError()");
  assertEquals(pyRepr(42), "42");
  assertEquals(pyRepr([1]), "[ 1 ]");
  assertEquals(pyAscii(["é"]), '[ "\\xe9" ]');
});

Deno.test("pyTypeName names values the way Python's error messages do", () => {
  class Custom {}
  const names = [
    "s",
    1,
    1.5,
    NaN,
    5n,
    true,
    null,
    undefined,
    [1],
    {},
    Object.create(null),
    new Map(),
    new Custom(),
    new Set(),
    () => 0,
  ].map(pyTypeName);
  assertEquals(names, [
    "str",
    "int",
    "float",
    "float",
    "int",
    "bool",
    "NoneType",
    "NoneType",
    "list",
    "dict",
    "dict",
    "dict",
    "Custom",
    "Set",
    "function",
  ]);
});
