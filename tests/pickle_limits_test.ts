/**
 * What hostile pickles can make pickleLoads spend: wide ints, many values, escape-heavy text,
 * shared values; each refusal names the limit that made it.
 */

import { pickleLoads, UnpicklingError } from "../core/wire/pickle.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { le32, PickleBuilder } from "./helpers/hostile_frames.ts";

/** Little-endian two's complement of `v` in `n` bytes (at least its own width). */
function twosComplement(v: bigint, n: number): Uint8Array {
  const hex = (v < 0n ? -v - 1n : v).toString(16);
  const out = new Uint8Array(n).fill(v < 0n ? 0xff : 0);
  for (let i = 0, end = hex.length; end > 0; i++, end -= 2) {
    const byte = parseInt(hex.slice(Math.max(0, end - 2), end), 16);
    out[i] = v < 0n ? 0xff - byte : byte;
  }
  return out;
}

/** `\x80\x02` LONG4 of the bytes, STOP. */
function long4(bytes: Uint8Array): Uint8Array {
  return new PickleBuilder().ops(0x80, 2, 0x8b, ...le32(bytes.length)).raw(bytes).ops(0x2e)
    .bytes();
}

function refusal(f: () => unknown): UnpicklingError {
  try {
    f();
  } catch (e) {
    assert(e instanceof UnpicklingError, String(e));
    return e;
  }
  throw new Error("not refused");
}

Deno.test("pickleLoads refuses a 4 MB int in milliseconds, and ints over 4300 digits, naming maxIntDigits", () => {
  const n = 4_000_000;
  const digits = new Uint8Array(n);
  for (let i = 0; i < n; i++) digits[i] = (i * 7 + 1) & 0x7f;
  const started = performance.now();
  const e = refusal(() => pickleLoads(long4(digits)));
  const ms = performance.now() - started;
  assert(ms < 200, `refused after ${ms.toFixed(0)} ms`);
  assertEquals(e.limit, "maxIntDigits");
  assertEquals(
    e.message,
    "Cannot unpickle LONG4 as its int has more than 4300 digits (maxIntDigits)",
  );

  // The boundary, as CPython's int_max_str_digits draws it: 4300 digits pass, 4301 do not,
  // whatever the sign and however many redundant sign bytes pad them.
  const widest = 10n ** 4300n - 1n;
  for (const v of [widest, -widest]) {
    assertEquals(pickleLoads(long4(twosComplement(v, 1786))), v);
    assertEquals(pickleLoads(long4(twosComplement(v, 100_000))), v);
    assertEquals(
      refusal(() => pickleLoads(long4(twosComplement(v * 10n, 1787)))).limit,
      "maxIntDigits",
    );
  }
  assertEquals(pickleLoads(long4(twosComplement(5n, 1_000_000))), 5);
  assertEquals(pickleLoads(long4(twosComplement(-1n, 1_000_000))), -1);
  assertEquals(
    pickleLoads(long4(twosComplement(widest * 10n, 1787)), { maxIntDigits: 4301 }),
    widest * 10n,
  );
  const wide = pickleLoads(long4(digits.subarray(0, 3000)), { maxIntDigits: Infinity });
  assert(typeof wide === "bigint" && wide.toString().length > 7000, "no limit with Infinity");
  // Text ints too: decimal by length (CPython's rule), other bases by value.
  const text = (s: string) => new TextEncoder().encode(`L${s}\n.`);
  assertEquals(refusal(() => pickleLoads(text("9".repeat(4301)))).limit, "maxIntDigits");
  assertEquals(refusal(() => pickleLoads(text("0x" + "f".repeat(4000)))).limit, "maxIntDigits");
  assertEquals(pickleLoads(text("0x" + "f".repeat(3000))), 16n ** 3000n - 1n);
});

Deno.test("pickleLoads stops at maxValues: a million tiny keys are refused in milliseconds", () => {
  // `\x80\x02 } (` then `k0000000: 0`... (12 bytes a key), `u .`.
  const dict = (keys: number) => {
    const out = new Uint8Array(4 + 12 * keys + 2);
    out.set([0x80, 2, 0x7d, 0x28]);
    for (let i = 0, at = 4; i < keys; i++, at += 12) {
      out[at] = 0x8c;
      out[at + 1] = 8;
      out[at + 2] = 0x6b; // k
      for (let d = 6, x = i; d >= 0; d--, x = Math.floor(x / 10)) out[at + 3 + d] = 0x30 + x % 10;
      out[at + 10] = 0x4b;
      out[at + 11] = i & 0xff;
    }
    out.set([0x75, 0x2e], out.length - 2);
    return out;
  };
  const million = dict(1_000_000);
  const started = performance.now();
  const e = refusal(() => pickleLoads(million, { maxValues: 100_000 }));
  const ms = performance.now() - started;
  assert(ms < 300, `refused after ${ms.toFixed(0)} ms`);
  assertEquals(e.limit, "maxValues");
  // A dict of n keys is 2n + 1 values, on the fast path for records and off it.
  assertEquals(Object.keys(pickleLoads(dict(10), { maxValues: 21 }) as object).length, 10);
  assertEquals(refusal(() => pickleLoads(dict(10), { maxValues: 20 })).limit, "maxValues");
  const list = (n: number) =>
    new PickleBuilder().ops(0x80, 2, 0x5d, 0x28, ...new Array(n).fill(0x4e), 0x65, 0x2e).bytes();
  assertEquals((pickleLoads(list(9), { maxValues: 10 }) as unknown[]).length, 9);
  assertEquals(refusal(() => pickleLoads(list(10), { maxValues: 10 })).limit, "maxValues");
  assertThrows(
    () => pickleLoads(list(1), { maxValues: 0 }),
    RangeError,
    "'maxValues' must be >= 1",
  );
  assertThrows(
    () => pickleLoads(list(1), { maxIntDigits: 639 }),
    RangeError,
    "'maxIntDigits' must be an integer >= 640 or Infinity: current value is 639",
  );
  assertEquals(refusal(() => pickleLoads(list(1), { maxBytes: 2 })).limit, "maxBytes");
  assertEquals(refusal(() => pickleLoads(new Uint8Array([0x63]))).limit, undefined);
});

Deno.test("pickleLoads reads a UNICODE line of 150,000 escapes in linear time, as CPython does", () => {
  const line = (s: string) => new TextEncoder().encode(`V${s}\n.`);
  const started = performance.now();
  const s = pickleLoads(line("a".repeat(100_000) + "\\u00e9".repeat(150_000))) as string;
  const ms = performance.now() - started;
  assert(ms < 500, `decoded after ${ms.toFixed(0)} ms`);
  assertEquals(s.length, 250_000);
  assertEquals(s.slice(99_998, 100_002), "aaéé");
  // Escapes only after an odd run of backslashes; \U for astral code points.
  assertEquals(
    pickleLoads(line("x\\u0041y\\\\u0041\\\\\\u0042\\U0001f600")),
    "xAy\\\\u0041\\\\B😀",
  );
});

Deno.test("pickleLoads measures the depth of a value shared through the memo as that of the same value unshared", () => {
  // [b, b] where b = [a, a] and a = [[[1]]]: five lists deep, as is [[[[[1]]]]].
  const shared = new PickleBuilder().ops(
    0x80,
    2,
    0x5d,
    0x71,
    0,
    0x28, // c = [
    0x5d,
    0x71,
    1,
    0x28, //   b = [
    0x5d,
    0x71,
    2,
    0x5d,
    0x71,
    3,
    0x5d,
    0x71,
    4,
    0x4b,
    1,
    0x61,
    0x61,
    0x61, // a = [[[1]]]
    0x68,
    2,
    0x65, //   a ]
    0x68,
    1,
    0x65, // b ]
    0x2e,
  ).bytes();
  assertEquals(pickleLoads(shared), [[[[[1]]], [[[1]]]], [[[[1]]], [[[1]]]]]);
  assertEquals(pickleLoads(shared, { maxDepth: 5 }), pickleLoads(shared));
  const e = refusal(() => pickleLoads(shared, { maxDepth: 4 }));
  assertEquals([e.limit, e.message], [
    "maxDepth",
    "Cannot unpickle as the value nests deeper than 4",
  ]);
});
