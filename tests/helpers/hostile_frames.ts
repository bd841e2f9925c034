/**
 * Hostile frames for the receiver's tests, built byte by byte: memo bombs, huge ints, shared
 * strings, wide dicts and deep JSON.
 */

import { concat } from "./bytes.ts";

const encoder = new TextEncoder();

/** Bytes of a pickle under construction. */
export class PickleBuilder {
  #parts: Uint8Array[] = [];
  #small: number[] = [];

  /** Appends opcodes and their small arguments. */
  ops(...bytes: number[]): this {
    for (const b of bytes) this.#small.push(b);
    return this;
  }

  /** Appends a str: SHORT_BINUNICODE, or BINUNICODE when long. */
  str(s: string): this {
    const b = encoder.encode(s);
    if (b.length < 256) return this.ops(0x8c, b.length, ...b);
    this.ops(0x58, ...le32(b.length));
    return this.raw(b);
  }

  /** Appends bytes as they are. */
  raw(bytes: Uint8Array): this {
    this.#flush();
    this.#parts.push(bytes);
    return this;
  }

  /** The pickle. */
  bytes(): Uint8Array<ArrayBuffer> {
    this.#flush();
    return concat(this.#parts);
  }

  #flush(): void {
    if (this.#small.length > 0) this.#parts.push(new Uint8Array(this.#small));
    this.#small = [];
  }
}

export function le32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, (n >>> 24) & 0xff];
}

/** `\x80\x02 } (` then the items, then `u .`: a protocol 2 record dict. */
export function recordPickle(items: (p: PickleBuilder) => void): Uint8Array<ArrayBuffer> {
  const p = new PickleBuilder().ops(0x80, 2, 0x7d, 0x28);
  p.str("name").str("attack").str("levelno").ops(0x4b, 40);
  items(p);
  return p.ops(0x75, 0x2e).bytes();
}

/**
 * The memo bomb: `extra1` is `levels` nested lists, each holding the one before it `fanout`
 * times through the memo (`] ( h k-1 h k-1 e q k` for two): about 10 bytes a level, fanout^levels
 * values once copied into a tree.
 */
export function memoBomb(levels = 60, fanout = 2): Uint8Array<ArrayBuffer> {
  return recordPickle((p) => {
    p.str("msg").str("bomb").str("extra1").ops(0x5d, 0x71, 1, 0x30); // [] put 1, pop
    for (let k = 2; k <= levels; k++) {
      p.ops(0x5d, 0x28);
      for (let i = 0; i < fanout; i++) p.ops(0x68, k - 1);
      p.ops(0x65, 0x71, k, 0x30);
    }
    p.ops(0x68, levels);
  });
}

/** `msg` is a LONG4 int of `n` bytes (about 2.4 n decimal digits). */
export function hugeInt(n = 4_000_000): Uint8Array<ArrayBuffer> {
  const digits = new Uint8Array(n);
  for (let i = 0; i < n; i++) digits[i] = (i * 7 + 1) & 0x7f;
  return recordPickle((p) => p.str("msg").ops(0x8b, ...le32(n)).raw(digits));
}

/**
 * A string of `chars` characters in `blob` (1 MiB by default), and `args` a tuple of `refs`
 * references to it through the memo, for a `msg` of as many `%s`.
 */
export function sharedString(refs = 20_000, chars = 1024 * 1024): Uint8Array<ArrayBuffer> {
  return recordPickle((p) => {
    p.str("blob").str("x".repeat(chars)).ops(0x71, 1);
    p.str("msg").str("%s".repeat(refs)).str("args").ops(0x28);
    for (let i = 0; i < refs; i++) p.ops(0x68, 1);
    p.ops(0x74);
  });
}

/** A record dict with `n` more keys: `k0: 0, k1: 0, ...` (about 11 bytes a key). */
export function manyKeys(n = 350_000): Uint8Array<ArrayBuffer> {
  return recordPickle((p) => {
    p.str("msg").str("wide");
    for (let i = 0; i < n; i++) p.str(`k${i}`).ops(0x4b, 0);
  });
}

/** A JSON record whose `extra` nests `depth` lists deep. */
export function deepJson(depth = 1_000_000): Uint8Array<ArrayBuffer> {
  return encoder.encode(
    `{"name":"attack","msg":"deep","extra":${"[".repeat(depth)}${"]".repeat(depth)}}`,
  );
}

/** A JSON record with `n` more keys: `"k0":0, "k1":0, ...` (about 10 bytes a key). */
export function wideJson(n = 300_000): Uint8Array<ArrayBuffer> {
  const keys = Array.from({ length: n }, (_, i) => `"k${i}":0`).join(",");
  return encoder.encode(`{"name":"attack","msg":"wide",${keys}}`);
}
