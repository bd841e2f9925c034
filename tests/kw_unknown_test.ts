/**
 * `kw(err)` where `err` is what a `catch` clause gives: `unknown` under strict TypeScript. This
 * file is type-checked by `deno test` and `deno check`: it does not compile where `kw()` refuses
 * `unknown`, and the `@ts-expect-error` lines keep `kw({ ... })` typed.
 */
import { kw, LogKwargs } from "../mod.ts";
import { assertEquals, assertMatch } from "./helpers/assert.ts";
import { collectingLogger } from "./helpers/collect.ts";

Deno.test("kw(err) compiles inside catch (err) and reports any thrown value, an Error or not", () => {
  const { log, h, reported } = collectingLogger("kw");
  const throwers: (() => never)[] = [
    () => {
      throw new TypeError("bad thing");
    },
    () => {
      throw "plain text";
    },
    () => {
      throw { code: 5 };
    },
    () => {
      throw 42;
    },
  ];
  for (const thrower of throwers) {
    try {
      thrower();
    } catch (err) {
      log.error("failed", kw(err));
      log.error("failed again", kw({ exc_info: err, extra: { user: "ada" } }));
    }
  }
  assertEquals(reported, []);
  assertEquals(h.records.map((r) => r.user), [
    undefined,
    "ada",
    undefined,
    "ada",
    undefined,
    "ada",
    undefined,
    "ada",
  ]);
  assertMatch(h.lines[0], /^failed\nTypeError: bad thing\n {4}at /);
  assertEquals(h.lines.slice(2), [
    "failed\nplain text",
    "failed again\nplain text",
    "failed\n{ code: 5 }",
    "failed again\n{ code: 5 }",
    "failed\n42",
    "failed again\n42",
  ]);
  assertEquals(h.records[4].exc_info, { code: 5 }, "a thrown plain object is exc_info");
});

Deno.test("kw() tells keyword arguments from a thrown value at run time, for JavaScript callers", () => {
  const thrown = [new Error("e"), "text", 0, null, undefined, { code: 5 }, { extra: {}, code: 5 }, [
    1,
  ]];
  for (const value of thrown) {
    assertEquals(kw(value).init, { exc_info: value }, `${Deno.inspect(value)} is a thrown value`);
  }
  const init = { extra: { user: "ada" }, stacklevel: 2, stack_info: false, exc_info: null };
  assertEquals(kw(init).init, init);
  assertEquals(kw(Object.assign(Object.create(null), { stacklevel: 3 })).init.stacklevel, 3);
  const made = kw({ stacklevel: 2 });
  assertEquals(kw(made as unknown), made, "kw(kw(...)) is the same keyword arguments");
  assertEquals(made instanceof LogKwargs, true);
});

/** Never called: the lines below are checked by the compiler only. */
export function typeChecksOnly(): void {
  // @ts-expect-error 'extar' is not a keyword argument
  kw({ extar: { user: "ada" } });
  // @ts-expect-error 'extra' must be an object
  kw({ extra: 5 });
  // @ts-expect-error 'stacklevel' must be a number
  kw({ stacklevel: "2" });
  // @ts-expect-error 'stack_info' must be a boolean
  kw({ stack_info: "yes" });
  kw({ extra: { user: "ada" }, stacklevel: 2, stack_info: true, exc_info: new Error("x") });
  kw(new RangeError("x"));
  kw("thrown text" as unknown);
}
