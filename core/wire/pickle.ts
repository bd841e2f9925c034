/**
 * A Python pickle codec for the logging wire format, with no dependencies.
 *
 * {@linkcode pickleDumps} writes what CPython's `pickle.dumps(value, protocol)` writes for
 * protocols 1, 2 and 3, byte for byte (logging's `SocketHandler.makePickle` uses protocol 1).
 * {@linkcode pickleLoads} reads pickles of protocols 0 to 5 made by CPython, but only the data
 * subset: it never imports, looks up or calls anything, and refuses every opcode that would.
 *
 * @module
 */

import { latin1Text } from "../text/bytes.ts";

/**
 * Marks a number to be pickled as a Python float even when it is whole (e.g. `created =
 * 1700000000`).
 *
 * @example
 * ```ts
 * import { pickleDumps, pickleLoads, PyFloat } from "@x/loghandlers/extend";
 * const bytes = pickleDumps(new PyFloat(1700000000), 2);
 * console.assert(bytes[2] === 0x47); // BINFLOAT, not an int opcode
 * console.assert(pickleLoads(bytes) === 1700000000);
 * ```
 */
export class PyFloat {
  /** The float's value. */
  readonly value: number;
  /**
   * Wraps a number that must be pickled as a float.
   *
   * @param value The float's value.
   */
  constructor(value: number) {
    this.value = value;
  }
}

/**
 * A Python tuple (encodes as a tuple; the decoder returns tuples as plain arrays).
 *
 * @example
 * ```ts
 * import { pickleDumps, pickleLoads, PyTuple } from "@x/loghandlers/extend";
 * const bytes = pickleDumps(new PyTuple([1, "a"]), 2);
 * console.assert(bytes.includes(0x86)); // TUPLE2
 * const back = pickleLoads(bytes) as unknown[];
 * console.assert(Array.isArray(back) && back[0] === 1 && back[1] === "a");
 * ```
 */
export class PyTuple {
  /** The tuple's items. */
  readonly items: PickleValue[];
  /**
   * Wraps the items of a tuple.
   *
   * @param items The tuple's items.
   */
  constructor(items: PickleValue[]) {
    this.items = items;
  }
}

/**
 * A value the codec can encode or decode: Python's `None`, `bool`, `int` (a whole number or a
 * bigint), `float` (a number or {@linkcode PyFloat}), `str`, `bytes` (`Uint8Array`), `tuple`
 * ({@linkcode PyTuple}), `list` (array) and `dict` with string keys (plain object).
 */
export type PickleValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyFloat
  | PyTuple
  | PickleValue[]
  | { [key: string]: PickleValue };

/**
 * Python's `pickle.UnpicklingError`: every refusal and every malformed input that
 * {@linkcode pickleLoads} meets.
 *
 * @example
 * ```ts
 * import { pickleLoads, UnpicklingError } from "@x/loghandlers/extend";
 * try {
 *   pickleLoads(new TextEncoder().encode("cos\nsystem\n(S'echo hi'\ntR."));
 *   throw new Error("not refused");
 * } catch (e) {
 *   console.assert(e instanceof UnpicklingError && e.message.includes("GLOBAL"));
 * }
 * ```
 */
export class UnpicklingError extends Error {
  /** The class name Python prints before the message: `UnpicklingError`. */
  override name = "UnpicklingError";
  /**
   * The option of {@linkcode PickleLoadOptions} whose limit the input exceeded, or `undefined`
   * when the input is malformed or asks for something this decoder refuses to do.
   */
  limit: PickleLimit | undefined = undefined;
}

/**
 * The name of a limit of {@linkcode PickleLoadOptions}, as {@linkcode UnpicklingError.limit}
 * reports it.
 */
export type PickleLimit = "maxBytes" | "maxDepth" | "maxValues" | "maxIntDigits";

function limitError(limit: PickleLimit, message: string): UnpicklingError {
  const error = new UnpicklingError(message);
  error.limit = limit;
  return error;
}

/** Options for {@linkcode pickleLoads}. */
export interface PickleLoadOptions {
  /**
   * Refuse input longer than this many bytes.
   *
   * @default {67108864}
   */
  maxBytes?: number;
  /**
   * Refuse values that nest lists, tuples, sets and dicts deeper than this (a recursive value
   * counts as infinitely deep).
   *
   * @default {1000}
   */
  maxDepth?: number;
  /**
   * Refuse input that makes the decoder create more than this many values: every value an
   * opcode puts on the stack counts (containers, dict keys and values, items, each memo
   * reference once), so a plain dict of n keys counts 2n + 1. Decoding stops as soon as the
   * count is passed: a frame of a million tiny keys costs a fraction of a millisecond. A value
   * shared through the memo is counted once per reference here, not once per copy: a caller
   * that copies the result into a tree (or prints it) must bound that copy itself.
   *
   * @default {Infinity}
   */
  maxValues?: number;
  /**
   * Refuse ints of more than this many decimal digits, before converting them (CPython's
   * `sys.int_max_str_digits`: CPython itself cannot print such an int, and converting a wide
   * one takes seconds). An integer of at least 640, or `Infinity`.
   *
   * @default {4300}
   */
  maxIntDigits?: number;
}

// ---------------------------------------------------------------------------------------------
// Opcodes (CPython's Lib/pickle.py).

const MARK = 0x28; // (
const STOP = 0x2e; // .
const POP = 0x30; // 0
const POP_MARK = 0x31; // 1
const DUP = 0x32; // 2
const FLOAT = 0x46; // F
const INT = 0x49; // I
const BININT = 0x4a; // J
const BININT1 = 0x4b; // K
const LONG = 0x4c; // L
const BININT2 = 0x4d; // M
const NONE = 0x4e; // N
const PERSID = 0x50; // P
const BINPERSID = 0x51; // Q
const REDUCE = 0x52; // R
const STRING = 0x53; // S
const BINSTRING = 0x54; // T
const SHORT_BINSTRING = 0x55; // U
const UNICODE = 0x56; // V
const BINUNICODE = 0x58; // X
const APPEND = 0x61; // a
const BUILD = 0x62; // b
const GLOBAL = 0x63; // c
const DICT = 0x64; // d
const EMPTY_DICT = 0x7d; // }
const APPENDS = 0x65; // e
const GET = 0x67; // g
const BINGET = 0x68; // h
const INST = 0x69; // i
const LONG_BINGET = 0x6a; // j
const LIST = 0x6c; // l
const EMPTY_LIST = 0x5d; // ]
const OBJ = 0x6f; // o
const PUT = 0x70; // p
const BINPUT = 0x71; // q
const LONG_BINPUT = 0x72; // r
const SETITEM = 0x73; // s
const TUPLE = 0x74; // t
const EMPTY_TUPLE = 0x29; // )
const SETITEMS = 0x75; // u
const BINFLOAT = 0x47; // G
const PROTO = 0x80;
const NEWOBJ = 0x81;
const EXT1 = 0x82;
const EXT2 = 0x83;
const EXT4 = 0x84;
const TUPLE1 = 0x85;
const TUPLE2 = 0x86;
const TUPLE3 = 0x87;
const NEWTRUE = 0x88;
const NEWFALSE = 0x89;
const LONG1 = 0x8a;
const LONG4 = 0x8b;
const BINBYTES = 0x42; // B
const SHORT_BINBYTES = 0x43; // C
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE8 = 0x8d;
const BINBYTES8 = 0x8e;
const EMPTY_SET = 0x8f;
const ADDITEMS = 0x90;
const FROZENSET = 0x91;
const NEWOBJ_EX = 0x92;
const STACK_GLOBAL = 0x93;
const MEMOIZE = 0x94;
const FRAME = 0x95;
const BYTEARRAY8 = 0x96;
const NEXT_BUFFER = 0x97;
const READONLY_BUFFER = 0x98;

/** The opcodes that import, call or hand out objects: refused by name. */
const REFUSED: ReadonlyMap<number, string> = new Map([
  [GLOBAL, "GLOBAL"],
  [STACK_GLOBAL, "STACK_GLOBAL"],
  [REDUCE, "REDUCE"],
  [INST, "INST"],
  [OBJ, "OBJ"],
  [NEWOBJ, "NEWOBJ"],
  [NEWOBJ_EX, "NEWOBJ_EX"],
  [BUILD, "BUILD"],
  [EXT1, "EXT1"],
  [EXT2, "EXT2"],
  [EXT4, "EXT4"],
  [PERSID, "PERSID"],
  [BINPERSID, "BINPERSID"],
  [NEXT_BUFFER, "NEXT_BUFFER"],
  [READONLY_BUFFER, "READONLY_BUFFER"],
]);

const BATCHSIZE = 1000;
const MAX_ENCODE_DEPTH = 1000;
const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_DEPTH = 1000;
/** CPython's default `sys.get_int_max_str_digits()`, which also bounds INT and LONG lines. */
const DEFAULT_MAX_INT_DIGITS = 4300;
/** CPython's smallest `sys.int_max_str_digits` (other than 0, no limit). */
const MIN_INT_DIGITS = 640;

// ---------------------------------------------------------------------------------------------
// Encoder.

const textEncoder = new TextEncoder();

class Encoder {
  buf: Uint8Array = new Uint8Array(4096);
  view: DataView = new DataView(this.buf.buffer);
  pos = 0;
  proto = 2;
  depth = 0;
  busy = false;
  /** How many objects the memo holds: the next BINPUT index. */
  memoLen = 0;
  // Strings are memoized by value in an open-addressing table of memo indexes, stamped with a
  // generation so that starting a new pickle clears it in O(1).
  strSlots: Int32Array = new Int32Array(256);
  strStamps: Uint32Array = new Uint32Array(256);
  strHashes: Int32Array = new Int32Array(256);
  strCount = 0;
  gen = 1;
  /** Memo index -> the string stored there (undefined for other objects). */
  strings: (string | undefined)[] = [];
  // Arrays, plain objects, tuples and bytes by identity: a short list, then a Map.
  objs: object[] = [];
  objIdx: number[] = [];
  objMap: Map<object, number> | undefined;
  /** Bytes by value (keyed by their Latin-1 text), so equal bytes are written once. */
  bytesMemo: Map<string, number> | undefined;

  reset(proto: number): void {
    this.pos = 0;
    this.proto = proto;
    this.depth = 0;
    this.memoLen = 0;
    this.strCount = 0;
    this.strings.length = 0;
    this.objs.length = 0;
    this.objIdx.length = 0;
    this.objMap = undefined;
    this.bytesMemo = undefined;
    if (++this.gen === 0xffffffff) {
      this.gen = 1;
      this.strStamps.fill(0);
    }
    if (this.buf.length > 1 << 20) {
      this.buf = new Uint8Array(4096);
      this.view = new DataView(this.buf.buffer);
    }
    if (this.strSlots.length > 4096) this.growStrings(256);
  }

  /** Ends a pickle: the encoder may be reused, and holds no reference to the value. */
  release(): void {
    this.busy = false;
    this.strings.length = 0;
    this.objs.length = 0;
    this.objMap = undefined;
    this.bytesMemo = undefined;
  }

  ensure(n: number): void {
    const need = this.pos + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    if (this.pos >= this.buf.length) this.ensure(1);
    this.buf[this.pos++] = b;
  }

  ascii(s: string): void {
    this.ensure(s.length);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < s.length; i++) buf[pos++] = s.charCodeAt(i);
    this.pos = pos;
  }

  /** The memo index of an object met before (by identity), or -1. */
  objGet(obj: object): number {
    const objs = this.objs;
    for (let i = 0; i < objs.length; i++) if (objs[i] === obj) return this.objIdx[i];
    if (this.objMap !== undefined) return this.objMap.get(obj) ?? -1;
    return -1;
  }

  memoPut(obj: object): void {
    const idx = this.memoLen++;
    if (this.objs.length < 8) {
      this.objs.push(obj);
      this.objIdx.push(idx);
    } else (this.objMap ??= new Map()).set(obj, idx);
    this.writePut(idx);
  }

  /** The memo index of an equal string met before, or -1. */
  strGet(s: string, hash: number): number {
    const mask = this.strSlots.length - 1;
    const gen = this.gen;
    for (let slot = hash & mask;; slot = (slot + 1) & mask) {
      if (this.strStamps[slot] !== gen) return -1;
      if (this.strHashes[slot] === hash) {
        const idx = this.strSlots[slot];
        if (this.strings[idx] === s) return idx;
      }
    }
  }

  strPut(s: string, hash: number): void {
    const idx = this.memoLen++;
    this.strings[idx] = s;
    if (++this.strCount * 2 > this.strSlots.length) this.growStrings(this.strSlots.length * 2);
    this.strInsert(hash, idx);
    this.writePut(idx);
  }

  strInsert(hash: number, idx: number): void {
    const mask = this.strSlots.length - 1;
    let slot = hash & mask;
    while (this.strStamps[slot] === this.gen) slot = (slot + 1) & mask;
    this.strStamps[slot] = this.gen;
    this.strHashes[slot] = hash;
    this.strSlots[slot] = idx;
  }

  growStrings(size: number): void {
    const { strSlots, strStamps, strHashes, gen } = this;
    this.strSlots = new Int32Array(size);
    this.strStamps = new Uint32Array(size);
    this.strHashes = new Int32Array(size);
    for (let i = 0; i < strSlots.length; i++) {
      if (strStamps[i] === gen) this.strInsert(strHashes[i], strSlots[i]);
    }
  }

  writePut(idx: number): void {
    if (idx < 256) {
      this.ensure(2);
      this.buf[this.pos++] = BINPUT;
      this.buf[this.pos++] = idx;
    } else {
      this.ensure(5);
      this.buf[this.pos++] = LONG_BINPUT;
      this.view.setUint32(this.pos, idx, true);
      this.pos += 4;
    }
  }

  memoGet(idx: number): void {
    if (idx < 256) {
      this.ensure(2);
      this.buf[this.pos++] = BINGET;
      this.buf[this.pos++] = idx;
    } else {
      this.ensure(5);
      this.buf[this.pos++] = LONG_BINGET;
      this.view.setUint32(this.pos, idx, true);
      this.pos += 4;
    }
  }

  save(v: PickleValue): void {
    switch (typeof v) {
      case "string":
        return this.saveString(v);
      case "number":
        if (Number.isSafeInteger(v) && !Object.is(v, -0)) return this.saveInt(v);
        return this.saveFloat(v);
      case "boolean":
        if (this.proto >= 2) this.byte(v ? NEWTRUE : NEWFALSE);
        else this.ascii(v ? "I01\n" : "I00\n");
        return;
      case "bigint":
        if (v >= -0x80000000n && v <= 0x7fffffffn) return this.saveInt(Number(v));
        return this.saveLong(v);
      case "object": {
        if (v === null) return this.byte(NONE);
        if (v instanceof PyFloat) {
          if (typeof v.value !== "number") {
            throw new TypeError(
              `Cannot pickle PyFloat as 'value' must be a number: current value is ${
                String(v.value)
              }`,
            );
          }
          return this.saveFloat(v.value);
        }
        const idx = this.objGet(v);
        if (idx >= 0) return this.memoGet(idx);
        if (++this.depth > MAX_ENCODE_DEPTH) {
          throw new RangeError(
            `Cannot pickle the value as it nests deeper than ${MAX_ENCODE_DEPTH} levels`,
          );
        }
        if (Array.isArray(v)) this.saveList(v);
        else if (v instanceof PyTuple) this.saveTuple(v);
        else if (v instanceof Uint8Array) this.saveBytes(v);
        else {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) {
            throw new TypeError(
              `Cannot pickle an object of class ${
                (v as object).constructor?.name ?? "unknown"
              }: only plain objects, arrays, PyTuple, PyFloat and Uint8Array are supported`,
            );
          }
          this.saveDict(v as { [key: string]: PickleValue });
        }
        this.depth--;
        return;
      }
      default:
        throw new TypeError(`Cannot pickle a value of type ${typeof v}: ${String(v)}`);
    }
  }

  saveInt(v: number): void {
    if (v >= -0x80000000 && v <= 0x7fffffff) {
      this.ensure(5);
      const buf = this.buf;
      if (v >= 0 && v <= 0xff) {
        buf[this.pos++] = BININT1;
        buf[this.pos++] = v;
      } else if (v >= 0 && v <= 0xffff) {
        buf[this.pos++] = BININT2;
        buf[this.pos++] = v & 0xff;
        buf[this.pos++] = v >>> 8;
      } else {
        buf[this.pos++] = BININT;
        this.view.setInt32(this.pos, v, true);
        this.pos += 4;
      }
      return;
    }
    if (this.proto < 2) {
      this.byte(LONG);
      this.ascii(String(v));
      this.ascii("L\n");
      return;
    }
    // A safe integer wider than 32 bits: LONG1 in (bit_length(|v|) >> 3) + 1 bytes of two's
    // complement, computed without BigInt (-x is ~(x - 1), byte by byte).
    const neg = v < 0;
    const abs = neg ? -v : v;
    const hi = Math.floor(abs / 0x100000000);
    const nbits = hi ? 64 - Math.clz32(hi) : 32 - Math.clz32(abs >>> 0);
    let nbytes = (nbits >> 3) + 1;
    this.ensure(nbytes + 2);
    const buf = this.buf;
    const at = this.pos + 2;
    let m = neg ? abs - 1 : abs;
    for (let i = 0; i < nbytes; i++) {
      const b = m % 256;
      buf[at + i] = neg ? 255 - b : b;
      m = Math.floor(m / 256);
    }
    if (neg && nbytes > 1 && buf[at + nbytes - 1] === 0xff && (buf[at + nbytes - 2] & 0x80)) {
      nbytes--;
    }
    buf[this.pos] = LONG1;
    buf[this.pos + 1] = nbytes;
    this.pos = at + nbytes;
  }

  saveLong(v: bigint): void {
    if (this.proto < 2) {
      this.byte(LONG);
      this.ascii(v.toString());
      this.ascii("L\n");
      return;
    }
    // Two's complement, little-endian, in (bit_length(|v|) >> 3) + 1 bytes, then one redundant
    // sign byte dropped for negatives, as CPython's save_long does.
    const abs = v < 0n ? -v : v;
    let nbytes = (abs.toString(2).length >> 3) + 1;
    let u = v < 0n ? (1n << BigInt(nbytes * 8)) + v : v;
    const bytes = new Uint8Array(nbytes);
    for (let i = 0; i < nbytes; i++) {
      bytes[i] = Number(u & 0xffn);
      u >>= 8n;
    }
    if (v < 0n && nbytes > 1 && bytes[nbytes - 1] === 0xff && (bytes[nbytes - 2] & 0x80) !== 0) {
      nbytes--;
    }
    this.ensure(nbytes + 5);
    if (nbytes < 256) {
      this.buf[this.pos++] = LONG1;
      this.buf[this.pos++] = nbytes;
    } else {
      this.buf[this.pos++] = LONG4;
      this.view.setUint32(this.pos, nbytes, true);
      this.pos += 4;
    }
    this.buf.set(bytes.subarray(0, nbytes), this.pos);
    this.pos += nbytes;
  }

  saveFloat(v: number): void {
    this.ensure(9);
    this.buf[this.pos++] = BINFLOAT;
    // Python's float('nan') bits, whatever NaN JavaScript holds.
    this.view.setFloat64(this.pos, v === v ? v : NaN, false);
    this.pos += 8;
  }

  saveString(s: string): void {
    // The bytes are written first, hashing as we go; a string met before rolls them back.
    const n = s.length;
    this.ensure(5 + n);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = BINUNICODE;
    let pos = start + 5;
    let hash = 0x811c9dc5 ^ n;
    let i = 0;
    // ASCII fast path: most log fields are ASCII.
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[pos++] = c;
      hash = Math.imul(hash ^ c, 0x01000193);
    }
    if (i < n) {
      for (let k = i; k < n; k++) hash = Math.imul(hash ^ s.charCodeAt(k), 0x01000193);
      const seen = this.strGet(s, hash);
      if (seen >= 0) {
        this.pos = start;
        return this.memoGet(seen);
      }
      this.pos = pos;
      const rest = i === 0 ? s : s.slice(i);
      this.ensure(rest.length * 3);
      if (rest.isWellFormed()) {
        pos += textEncoder.encodeInto(rest, this.buf.subarray(pos)).written;
      } else {
        pos = encodeSurrogatePass(rest, this.buf, pos);
      }
    } else {
      const seen = this.strGet(s, hash);
      if (seen >= 0) {
        this.pos = start;
        return this.memoGet(seen);
      }
    }
    this.view.setUint32(start + 1, pos - start - 5, true);
    this.pos = pos;
    this.strPut(s, hash);
  }

  saveBytes(b: Uint8Array): void {
    if (this.proto < 3) {
      throw new TypeError(
        `Cannot pickle a Uint8Array as 'protocol' must be >= 3 for bytes: current value is ${this.proto} (CPython pickles bytes at protocols 1 and 2 as a call to _codecs.encode, which safe unpicklers refuse)`,
      );
    }
    const key = latin1Text(b);
    const seen = this.bytesMemo?.get(key);
    if (seen !== undefined) return this.memoGet(seen);
    const n = b.length;
    this.ensure(n + 5);
    if (n < 256) {
      this.buf[this.pos++] = SHORT_BINBYTES;
      this.buf[this.pos++] = n;
    } else {
      this.buf[this.pos++] = BINBYTES;
      this.view.setUint32(this.pos, n, true);
      this.pos += 4;
    }
    this.buf.set(b, this.pos);
    this.pos += n;
    (this.bytesMemo ??= new Map()).set(key, this.memoLen);
    this.memoPut(b);
  }

  saveList(v: PickleValue[]): void {
    this.byte(EMPTY_LIST);
    this.memoPut(v);
    const n = v.length;
    if (n === 0) return;
    if (n === 1) {
      this.save(v[0]);
      this.byte(APPEND);
      return;
    }
    let total = 0;
    do {
      this.byte(MARK);
      let batch = 0;
      while (total < n) {
        this.save(v[total++]);
        if (++batch === BATCHSIZE) break;
      }
      this.byte(APPENDS);
    } while (total < n);
  }

  saveDict(v: { [key: string]: PickleValue }): void {
    this.byte(EMPTY_DICT);
    this.memoPut(v);
    const keys = Object.keys(v);
    const n = keys.length;
    if (n === 0) return;
    if (n === 1) {
      this.saveString(keys[0]);
      this.save(v[keys[0]]);
      this.byte(SETITEM);
      return;
    }
    // CPython's batch_dict_exact: batches of 1000, and an empty batch after a full last one.
    let k = 0;
    let batch: number;
    do {
      this.byte(MARK);
      batch = 0;
      while (k < n) {
        const key = keys[k++];
        this.saveString(key);
        this.save(v[key]);
        if (++batch === BATCHSIZE) break;
      }
      this.byte(SETITEMS);
    } while (batch === BATCHSIZE);
  }

  /**
   * A record's dictionary as `saveDict` writes the one `makePickle` builds, read from the record
   * itself: `msg` replaced, `args` and `exc_info` None, `message` left out, the three times as
   * floats. Returns false (nothing written) for a record too big for one batch.
   */
  saveRecord(
    rec: Record<string, unknown>,
    msg: PickleValue,
    convert: (value: unknown) => PickleValue,
  ): boolean {
    const keys = Object.keys(rec);
    const n = keys.length;
    if (n >= BATCHSIZE) return false;
    this.byte(EMPTY_DICT);
    this.memoPut(rec);
    this.byte(MARK);
    let missing = 7; // msg, args, exc_info not met yet
    for (let k = 0; k < n; k++) {
      const key = keys[k];
      switch (key) {
        case "message":
          continue;
        case "msg":
          missing &= ~1;
          this.saveString(key);
          this.save(msg);
          continue;
        case "args":
        case "exc_info":
          missing &= key === "args" ? ~2 : ~4;
          this.saveString(key);
          this.byte(NONE);
          continue;
      }
      const value = rec[key];
      this.saveString(key);
      if (typeof value === "string") this.saveString(value);
      else if (typeof value === "number") {
        if (
          key === "created" || key === "msecs" || key === "relativeCreated" ||
          !Number.isSafeInteger(value) || Object.is(value, -0)
        ) {
          this.saveFloat(value);
        } else this.saveInt(value);
      } else if (value === null) this.byte(NONE);
      else this.save(convert(value));
    }
    if (missing & 1) {
      this.saveString("msg");
      this.save(msg);
    }
    if (missing & 2) {
      this.saveString("args");
      this.byte(NONE);
    }
    if (missing & 4) {
      this.saveString("exc_info");
      this.byte(NONE);
    }
    this.byte(SETITEMS);
    return true;
  }

  saveTuple(t: PyTuple): void {
    const items = t.items;
    const n = items.length;
    if (n === 0) {
      this.byte(EMPTY_TUPLE);
      return;
    }
    if (n <= 3 && this.proto >= 2) {
      for (let i = 0; i < n; i++) this.save(items[i]);
      const idx = this.objGet(t);
      if (idx >= 0) {
        // Recursive tuple: pop the items and fetch the tuple from the memo.
        for (let i = 0; i < n; i++) this.byte(POP);
        return this.memoGet(idx);
      }
      this.byte(n === 1 ? TUPLE1 : n === 2 ? TUPLE2 : TUPLE3);
    } else {
      this.byte(MARK);
      for (let i = 0; i < n; i++) this.save(items[i]);
      const idx = this.objGet(t);
      if (idx >= 0) {
        this.byte(POP_MARK);
        return this.memoGet(idx);
      }
      this.byte(TUPLE);
    }
    this.memoPut(t);
  }
}

/** UTF-8 with Python's 'surrogatepass': a lone surrogate becomes its 3-byte form. */
function encodeSurrogatePass(s: string, buf: Uint8Array, pos: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      }
    }
    if (c < 0x80) buf[pos++] = c;
    else if (c < 0x800) {
      buf[pos++] = 0xc0 | (c >> 6);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else if (c < 0x10000) {
      buf[pos++] = 0xe0 | (c >> 12);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    } else {
      buf[pos++] = 0xf0 | (c >> 18);
      buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
      buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
      buf[pos++] = 0x80 | (c & 0x3f);
    }
  }
  return pos;
}

let cachedEncoder: Encoder | undefined;

/** The shared encoder, reset for a new pickle (a private one when re-entered from a getter). */
function acquireEncoder(protocol: number): Encoder {
  let enc = cachedEncoder ??= new Encoder();
  if (enc.busy) enc = new Encoder();
  enc.reset(protocol);
  enc.busy = true;
  return enc;
}

/**
 * Encodes `value` exactly like CPython's `pickle.dumps(value, protocol)`, byte for byte.
 *
 * Whole numbers in the safe integer range become ints (BININT1, BININT2, BININT, or LONG1 /
 * protocol 1's text LONG when wider than 32 bits), as do bigints; other numbers (including
 * `-0`, `NaN` and the infinities) and {@linkcode PyFloat} become BINFLOAT. Strings become
 * BINUNICODE in UTF-8 (lone surrogates as with Python's 'surrogatepass', as CPython does).
 * Arrays become lists, {@linkcode PyTuple} tuples, plain objects dicts (keys in insertion order),
 * `null` None, booleans NEWTRUE/NEWFALSE (protocol 2+) or `I01`/`I00` (protocol 1). A
 * `Uint8Array` becomes bytes at protocol 3 (BINBYTES); protocols 1 and 2 refuse it, because
 * CPython writes bytes there as a call to `_codecs.encode`. Memoization follows CPython: every
 * string, list, dict, tuple and bytes is stored with BINPUT; an array, object or tuple met again
 * (the same object), or a string or bytes equal to one met before, is written as BINGET. So the
 * bytes are CPython's for a value whose equal strings and bytes are the same Python object.
 *
 * @param value The value to encode.
 * @param protocol The pickle protocol: 1 (the default, what logging's `makePickle` uses), 2 or
 *   3.
 * @returns A new `Uint8Array` holding the pickle.
 * @throws {RangeError} If `protocol` is not 1, 2 or 3, or the value nests deeper than 1000.
 * @throws {TypeError} If the value holds something Python cannot receive as data (undefined,
 * a function, a class instance) or a `Uint8Array` below protocol 3.
 *
 * @example
 * ```ts
 * import { pickleDumps } from "@x/loghandlers/extend";
 * const bytes = pickleDumps({ msg: "hi", levelno: 20 }, 1);
 * // }q\x00(X\x03\x00\x00\x00msgq\x01X\x02\x00\x00\x00hiq\x02X\x07\x00\x00\x00levelnoq\x03K\x14u.
 * console.assert(bytes[0] === 0x7d && bytes.at(-2) === 0x75 && bytes.at(-1) === 0x2e);
 * console.assert(bytes.length === 41);
 * ```
 */
export function pickleDumps(value: PickleValue, protocol: 1 | 2 | 3 = 1): Uint8Array {
  if (protocol !== 1 && protocol !== 2 && protocol !== 3) {
    throw new RangeError(
      `Cannot pickle as 'protocol' must be 1, 2 or 3: current value is ${String(protocol)}`,
    );
  }
  const enc = acquireEncoder(protocol);
  try {
    if (protocol >= 2) {
      enc.byte(PROTO);
      enc.byte(protocol);
    }
    enc.save(value);
    enc.byte(STOP);
    return enc.buf.slice(0, enc.pos);
  } finally {
    enc.release();
  }
}

/**
 * Pickles a log record's attributes as CPython's `SocketHandler.makePickle` does (protocol 1),
 * without building the dictionary first: the record's own properties in order, with `msg`
 * replaced by the merged message, `args` and `exc_info` set to None, `message` left out,
 * `created`, `msecs` and `relativeCreated` as floats, and any other value that is not a string,
 * number or `null` passed through `convert`. The bytes equal
 * {@linkcode pickleDumps}`(dict, 1)` for that dictionary.
 *
 * The pickle is written at the end of the array `take(length)` returns, which must be at least
 * `length` bytes long (so a caller can leave room for a length prefix, and hand out views of a
 * larger buffer instead of one allocation per record).
 *
 * @param record The record's attributes.
 * @param msg The merged message.
 * @param convert Turns a value of another type into one pickle can hold.
 * @param take Returns the array to write into, given the pickle's length.
 * @returns The array `take` returned.
 * @throws {TypeError} As {@linkcode pickleDumps}, for a value `convert` leaves unpicklable.
 *
 * @example
 * ```ts
 * import { pickleDumps, pickleLoads, pickleRecord, PyFloat } from "@x/loghandlers/extend";
 * const record = { name: "app", msg: "%d done", args: [3], created: 1700000000, message: "x" };
 * const bytes = pickleRecord(record, "3 done", String, (n) => new Uint8Array(n));
 * const dict = { name: "app", msg: "3 done", args: null, created: new PyFloat(1700000000), exc_info: null };
 * console.assert(bytes.join() === pickleDumps(dict, 1).join());
 * console.assert((pickleLoads(bytes) as Record<string, unknown>).msg === "3 done");
 * ```
 */
export function pickleRecord(
  record: object,
  msg: string,
  convert: (value: unknown) => PickleValue,
  take: (length: number) => Uint8Array,
): Uint8Array {
  const enc = acquireEncoder(1);
  try {
    if (!enc.saveRecord(record as Record<string, unknown>, msg, convert)) {
      return takeCopy(pickleDumps(recordDict(record, msg, convert), 1), take);
    }
    enc.byte(STOP);
    const out = take(enc.pos);
    out.set(enc.buf.subarray(0, enc.pos), out.length - enc.pos);
    return out;
  } finally {
    enc.release();
  }
}

function takeCopy(bytes: Uint8Array, take: (length: number) => Uint8Array): Uint8Array {
  const out = take(bytes.length);
  out.set(bytes, out.length - bytes.length);
  return out;
}

/** The dictionary {@linkcode pickleRecord} encodes, built (for records of 1,000 keys or more). */
function recordDict(
  record: object,
  msg: string,
  convert: (value: unknown) => PickleValue,
): Record<string, PickleValue> {
  const rec = record as Record<string, unknown>;
  const d: Record<string, PickleValue> = {};
  for (const key of Object.keys(rec)) {
    const value = rec[key];
    if (key === "message") continue;
    if (key === "msg") d.msg = msg;
    else if (key === "args" || key === "exc_info") d[key] = null;
    else if (typeof value === "number") {
      d[key] = key === "created" || key === "msecs" || key === "relativeCreated"
        ? new PyFloat(value)
        : value;
    } else d[key] = typeof value === "string" || value === null ? value : convert(value);
  }
  d.msg = msg;
  d.args ??= null;
  d.exc_info ??= null;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Decoder.

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** UTF-8 with Python's 'surrogatepass' (encoded surrogates decode to lone surrogates). */
function decodeUtf8(bytes: Uint8Array, start: number, end: number, op: string): string {
  // ASCII fast path for short strings.
  if (end - start < 64) {
    let ascii = true;
    for (let i = start; i < end; i++) {
      if (bytes[i] >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      let s = "";
      for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
      return s;
    }
  }
  try {
    return utf8.decode(bytes.subarray(start, end));
  } catch {
    // Maybe surrogates encoded with 'surrogatepass': decode by hand.
  }
  let out = "";
  let i = start;
  while (i < end) {
    const b = bytes[i];
    let cp: number;
    let need: number;
    let min: number;
    if (b < 0x80) {
      out += String.fromCharCode(b);
      i++;
      continue;
    } else if (b >= 0xc2 && b <= 0xdf) {
      cp = b & 0x1f;
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      cp = b & 0x0f;
      need = 2;
      min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
      cp = b & 0x07;
      need = 3;
      min = 0x10000;
    } else {
      throw new UnpicklingError(
        `Cannot unpickle ${op} as its text is not valid UTF-8: byte 0x${
          b.toString(16)
        } at offset ${i}`,
      );
    }
    if (i + need >= end) {
      throw new UnpicklingError(`Cannot unpickle ${op} as its text ends inside a UTF-8 sequence`);
    }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      if ((c & 0xc0) !== 0x80) {
        throw new UnpicklingError(
          `Cannot unpickle ${op} as its text is not valid UTF-8 at offset ${i + k}`,
        );
      }
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff) {
      throw new UnpicklingError(`Cannot unpickle ${op} as its text is not valid UTF-8 at ${i}`);
    }
    out += String.fromCodePoint(cp);
    i += need + 1;
  }
  return out;
}

/** Python 2 `str` (STRING, BINSTRING, SHORT_BINSTRING): UTF-8 when valid, else Latin-1. */
function decodeLegacy(bytes: Uint8Array): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return latin1Text(bytes);
  }
}

/** What an array decoded from a tuple or set was (lists are not recorded). */
const TUPLE_KIND = 1;
const SET_KIND = 2;
const FROZENSET_KIND = 3;
type Kind = typeof TUPLE_KIND | typeof SET_KIND | typeof FROZENSET_KIND;

type Dict = { [key: string]: PickleValue };

function isDict(v: unknown): v is Dict {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
}

function opName(op: number): string {
  return `opcode 0x${op.toString(16).padStart(2, "0")}`;
}

/** A protocol 0 line as the C unpickler sees it: a C string, so it ends at the first NUL. */
function cString(bytes: Uint8Array, start: number, end: number): string {
  const nul = bytes.subarray(start, end).indexOf(0);
  return latin1Text(bytes, start, nul < 0 ? end : start + nul);
}

function toInt(v: bigint): number | bigint {
  return v >= -0x1fffffffffffffn && v <= 0x1fffffffffffffn ? Number(v) : v;
}

const STRTOL = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/;
const PY_INT =
  /^[ \t\n\v\f\r]*([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0+(?:_?0)*|[1-9](?:_?[0-9])*)[ \t\n\v\f\r]*$/;

/** C's `strtol(text, &end, 0)` accepting the whole text within 64 bits, as INT tries first. */
function strtol(text: string): number | bigint | undefined {
  const m = STRTOL.exec(text);
  if (!m || m[2].length > 64) return undefined;
  const body = m[2];
  const mag = body.length > 1 && body[0] === "0" && body[1] !== "x" && body[1] !== "X"
    ? BigInt("0o" + body.slice(1))
    : BigInt(body);
  const v = m[1] === "-" ? -mag : mag;
  if (v > 0x7fffffffffffffffn || v < -0x8000000000000000n) return undefined;
  return toInt(v);
}

function tooManyDigits(op: string, maxIntDigits: number): UnpicklingError {
  return limitError(
    "maxIntDigits",
    `Cannot unpickle ${op} as its int has more than ${maxIntDigits} digits (maxIntDigits)`,
  );
}

const LOG10_2 = Math.log10(2);

/** 10 ** n by n: the smallest int of n + 1 digits. */
const powersOfTen = new Map<number, bigint>();

/** Fails when `v` has more than `maxIntDigits` decimal digits. */
function checkDigits(v: bigint, maxIntDigits: number, op: string): void {
  if (maxIntDigits === Infinity) return;
  let bound = powersOfTen.get(maxIntDigits);
  if (bound === undefined) {
    bound = 10n ** BigInt(maxIntDigits);
    if (powersOfTen.size > 8) powersOfTen.clear();
    powersOfTen.set(maxIntDigits, bound);
  }
  if (v >= bound || v <= -bound) throw tooManyDigits(op, maxIntDigits);
}

/**
 * Python's `int(text, 0)`, as INT (when strtol fails) and LONG use it. Decimal text longer than
 * `maxIntDigits` is refused before it is converted, as CPython does; other bases are converted
 * (in linear time) and then checked.
 */
function pyInt(text: string, op: string, maxIntDigits: number): number | bigint {
  const m = PY_INT.exec(text);
  if (!m) {
    throw new UnpicklingError(`Cannot unpickle ${op} as ${JSON.stringify(text)} is not an int`);
  }
  const body = m[2].replaceAll("_", "");
  const decimal = !/^0[xXoObB]/.test(body);
  if (decimal && body.length > maxIntDigits) throw tooManyDigits(op, maxIntDigits);
  const mag = BigInt(decimal ? body.replace(/^0+(?=.)/, "") : body);
  if (!decimal) checkDigits(mag, maxIntDigits, op);
  return toInt(m[1] === "-" ? -mag : mag);
}

const PY_FLOAT = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const PY_FLOAT_SPECIAL = /^([+-]?)(inf|infinity|nan)$/i;

/** CPython's `PyOS_string_to_double` of a FLOAT line: no spaces, no underscores, no overflow. */
function parseFloatText(text: string): number {
  const m = PY_FLOAT_SPECIAL.exec(text);
  if (m) {
    if (m[2].toLowerCase() === "nan") return NaN;
    return m[1] === "-" ? -Infinity : Infinity;
  }
  if (!PY_FLOAT.test(text)) {
    throw new UnpicklingError(`Cannot unpickle FLOAT as ${JSON.stringify(text)} is not a float`);
  }
  const v = Number(text);
  if (!Number.isFinite(v)) {
    throw new UnpicklingError(`Cannot unpickle FLOAT as ${JSON.stringify(text)} is out of range`);
  }
  return v;
}

/** Python's `codecs.escape_decode` of a quoted STRING body. */
function escapeDecode(bytes: Uint8Array): Uint8Array {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (b !== 0x5c) {
      out.push(b);
      continue;
    }
    if (++i >= bytes.length) throw new UnpicklingError("Cannot unpickle STRING: trailing \\");
    const c = bytes[i];
    switch (c) {
      case 0x0a: // backslash-newline: nothing
        break;
      case 0x5c:
      case 0x27:
      case 0x22:
        out.push(c);
        break;
      case 0x62: // b
        out.push(8);
        break;
      case 0x66: // f
        out.push(12);
        break;
      case 0x74: // t
        out.push(9);
        break;
      case 0x6e: // n
        out.push(10);
        break;
      case 0x72: // r
        out.push(13);
        break;
      case 0x76: // v
        out.push(11);
        break;
      case 0x61: // a
        out.push(7);
        break;
      case 0x78: { // x
        const hex = String.fromCharCode(bytes[i + 1] ?? 0, bytes[i + 2] ?? 0);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) {
          throw new UnpicklingError("Cannot unpickle STRING: invalid \\x escape");
        }
        out.push(parseInt(hex, 16));
        i += 2;
        break;
      }
      default:
        if (c >= 0x30 && c <= 0x37) {
          let v = c - 0x30;
          for (let k = 0; k < 2 && i + 1 < bytes.length; k++) {
            const d = bytes[i + 1];
            if (d < 0x30 || d > 0x37) break;
            v = v * 8 + d - 0x30;
            i++;
          }
          out.push(v & 0xff);
        } else {
          out.push(0x5c, c);
        }
    }
  }
  return Uint8Array.from(out);
}

/** Python's 'raw-unicode-escape' decoding of a UNICODE line (latin-1 plus \uXXXX, \UXXXXXXXX). */
function rawUnicodeEscapeDecode(bytes: Uint8Array, start: number, end: number): string {
  // Literal runs are copied whole, between the escapes: linear in the line's length.
  let out = "";
  let from = start;
  let i = start;
  while (i < end) {
    if (bytes[i] !== 0x5c) {
      i++;
      continue;
    }
    const bs = i;
    while (i < end && bytes[i] === 0x5c) i++;
    if (((i - bs) & 1) === 0 || i >= end || (bytes[i] !== 0x75 && bytes[i] !== 0x55)) continue;
    // An odd run of backslashes before u or U: the last one starts an escape.
    out += latin1Text(bytes, from, i - 1);
    const count = bytes[i] === 0x75 ? 4 : 8;
    i++;
    if (i + count > end) {
      throw new UnpicklingError("Cannot unpickle UNICODE: truncated \\uXXXX escape");
    }
    let cp = 0;
    for (let k = 0; k < count; k++) {
      const h = bytes[i + k];
      const d = h >= 0x30 && h <= 0x39
        ? h - 0x30
        : h >= 0x61 && h <= 0x66
        ? h - 0x57
        : h >= 0x41 && h <= 0x46
        ? h - 0x37
        : -1;
      if (d < 0) throw new UnpicklingError("Cannot unpickle UNICODE: truncated \\uXXXX escape");
      cp = cp * 16 + d;
    }
    if (cp > 0x10ffff) {
      throw new UnpicklingError("Cannot unpickle UNICODE: \\Uxxxxxxxx out of range");
    }
    out += String.fromCodePoint(cp);
    i += count;
    from = i;
  }
  return out + latin1Text(bytes, from, end);
}

/**
 * Little-endian two's complement, as LONG1 and LONG4 carry it. An int of more than
 * `maxIntDigits` digits is refused without converting more than twice the bytes such an int
 * can need.
 */
function decodeLong(
  bytes: Uint8Array,
  start: number,
  n: number,
  maxIntDigits: number,
  op: string,
): number | bigint {
  if (n === 0) return 0;
  // n bytes hold at most floor(8n * log10(2)) + 1 digits: only wider inputs need a look.
  if (maxIntDigits !== Infinity && Math.floor(8 * n * LOG10_2) + 1 > maxIntDigits) {
    // Leading sign-extension bytes (0x00 above a clear high bit, 0xff above a set one) add
    // nothing: an int whose significant bytes are over twice the safe count is far too wide.
    const fill = bytes[start + n - 1] & 0x80 ? 0xff : 0x00;
    let m = n;
    while (
      m > 1 && bytes[start + m - 1] === fill && (bytes[start + m - 2] & 0x80) === (fill & 0x80)
    ) {
      m--;
    }
    const safe = Math.floor(maxIntDigits / (8 * LOG10_2));
    if (m > 2 * safe + 2) throw tooManyDigits(op, maxIntDigits);
    const v = decodeLong(bytes, start, m, Infinity, op);
    if (typeof v === "bigint") checkDigits(v, maxIntDigits, op);
    return v;
  }
  if (n <= 6) {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + bytes[start + i];
    if (bytes[start + n - 1] & 0x80) v -= 2 ** (8 * n);
    return v;
  }
  let hex = "";
  for (let i = n - 1; i >= 0; i--) hex += bytes[start + i].toString(16).padStart(2, "0");
  let v = BigInt("0x" + hex);
  if (bytes[start + n - 1] & 0x80) v -= 1n << BigInt(8 * n);
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    return Number(v);
  }
  return v;
}

/**
 * Decodes a pickle made by CPython (protocols 0 to 5) without importing or calling anything.
 *
 * Returns `null`, booleans, numbers (ints and floats), bigints (only for ints outside the safe
 * integer range), strings, `Uint8Array` (bytes, bytearray), arrays (list, tuple, set,
 * frozenset) and plain objects (dicts; int, float, bool and None keys become their decimal or
 * Python text). Python 2 `str` values (STRING opcodes) decode as UTF-8, or Latin-1 when not
 * valid UTF-8.
 *
 * Refuses, with an {@linkcode UnpicklingError} naming the opcode and before touching its
 * argument: GLOBAL, STACK_GLOBAL, REDUCE, INST, OBJ, NEWOBJ, NEWOBJ_EX, BUILD, EXT1, EXT2, EXT4,
 * PERSID, BINPERSID, NEXT_BUFFER and READONLY_BUFFER. Every length is checked against the
 * remaining input before anything is allocated. Malformed input (truncated, stack underflow,
 * missing MARK, bad memo index, unknown opcode, no STOP) also throws UnpicklingError; bytes
 * after STOP are ignored, as CPython does.
 *
 * Its cost is bounded by the options: the input's size (`maxBytes`), the values it creates
 * (`maxValues`, checked as they are made), the nesting depth (`maxDepth`, a value shared
 * through the memo measured as the same value unshared) and the width of its ints
 * (`maxIntDigits`, checked before they are converted); the time is linear in the input's size.
 * An input over a limit throws an UnpicklingError whose {@linkcode UnpicklingError.limit}
 * names it.
 *
 * @param bytes The pickle.
 * @param options Limits on the input size, the values, the nesting depth and the ints.
 * @returns The decoded value.
 * @throws {UnpicklingError} On every refusal and malformed input.
 * @throws {TypeError} If `bytes` is not a Uint8Array.
 * @throws {RangeError} If `maxBytes` is negative, `maxDepth` or `maxValues` below 1, or
 * `maxIntDigits` neither an integer of at least 640 nor `Infinity`.
 *
 * @example
 * ```ts
 * import { pickleLoads } from "@x/loghandlers/extend";
 * // pickle.dumps({"msg": "hi", "args": None, "created": 1.5}, 1)
 * const bytes = new Uint8Array([
 *   0x7d, 0x71, 0x00, 0x28, 0x58, 0x03, 0x00, 0x00, 0x00, 0x6d, 0x73, 0x67, 0x71, 0x01, 0x58,
 *   0x02, 0x00, 0x00, 0x00, 0x68, 0x69, 0x71, 0x02, 0x58, 0x04, 0x00, 0x00, 0x00, 0x61, 0x72,
 *   0x67, 0x73, 0x71, 0x03, 0x4e, 0x58, 0x07, 0x00, 0x00, 0x00, 0x63, 0x72, 0x65, 0x61, 0x74,
 *   0x65, 0x64, 0x71, 0x04, 0x47, 0x3f, 0xf8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x75, 0x2e,
 * ]);
 * const record = pickleLoads(bytes) as Record<string, unknown>;
 * console.assert(record.msg === "hi" && record.args === null && record.created === 1.5);
 * ```
 *
 * @example Refuse a pickle that makes too many values
 * ```ts
 * import { pickleLoads, UnpicklingError } from "@x/loghandlers/extend";
 * // pickle.dumps([None] * 5, 2)
 * const bytes = new Uint8Array([
 *   0x80, 0x02, 0x5d, 0x71, 0x00, 0x28, 0x4e, 0x4e, 0x4e, 0x4e, 0x4e, 0x65, 0x2e,
 * ]);
 * console.assert((pickleLoads(bytes, { maxValues: 6 }) as unknown[]).length === 5);
 * try {
 *   pickleLoads(bytes, { maxValues: 5 });
 *   throw new Error("not refused");
 * } catch (e) {
 *   console.assert(e instanceof UnpicklingError && e.limit === "maxValues");
 * }
 * ```
 */
export function pickleLoads(bytes: Uint8Array, options: PickleLoadOptions = {}): PickleValue {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxValues = options.maxValues ?? Infinity;
  const maxIntDigits = options.maxIntDigits ?? DEFAULT_MAX_INT_DIGITS;
  if (!(maxValues >= 1)) {
    throw new RangeError(
      `Cannot unpickle as 'maxValues' must be >= 1: current value is ${String(maxValues)}`,
    );
  }
  if (
    !(maxIntDigits === Infinity ||
      (Number.isInteger(maxIntDigits) && maxIntDigits >= MIN_INT_DIGITS))
  ) {
    throw new RangeError(
      `Cannot unpickle as 'maxIntDigits' must be an integer >= ${MIN_INT_DIGITS} or Infinity: current value is ${
        String(maxIntDigits)
      }`,
    );
  }
  if (!(maxBytes >= 0)) {
    throw new RangeError(
      `Cannot unpickle as 'maxBytes' must be >= 0: current value is ${String(maxBytes)}`,
    );
  }
  if (!(maxDepth >= 1)) {
    throw new RangeError(
      `Cannot unpickle as 'maxDepth' must be >= 1: current value is ${String(maxDepth)}`,
    );
  }
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(
      `Cannot unpickle as 'bytes' must be a Uint8Array: current value is ${String(bytes)}`,
    );
  }
  if (bytes.length > maxBytes) {
    throw limitError(
      "maxBytes",
      `Cannot unpickle ${bytes.length} bytes as 'maxBytes' is ${maxBytes}`,
    );
  }
  try {
    return loadFlatDict(bytes, maxValues, maxIntDigits) ??
      load(bytes, maxDepth, maxValues, maxIntDigits);
  } catch (e) {
    if (e instanceof UnpicklingError) throw e;
    // Anything else (a RangeError from a huge BigInt, say) is still malformed input.
    throw new UnpicklingError(
      `Cannot unpickle: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}

/** Short strings decoded recently, by a hash of their bytes (record keys and values repeat). */
const STR_CACHE_SIZE = 512;
const STR_CACHE_MAX = 48;
const strCache: (string | undefined)[] = new Array(STR_CACHE_SIZE).fill(undefined);

/**
 * The string of `bytes[start..end)` when it is short ASCII (from the cache when seen before),
 * else undefined.
 */
function shortAscii(bytes: Uint8Array, start: number, end: number): string | undefined {
  const n = end - start;
  if (n > STR_CACHE_MAX) return undefined;
  let h = n;
  for (let i = start; i < end; i++) {
    const b = bytes[i];
    if (b >= 0x80) return undefined;
    h = (Math.imul(h, 31) + b) | 0;
  }
  const slot = (h ^ (h >>> 9)) & (STR_CACHE_SIZE - 1);
  const hit = strCache[slot];
  if (hit !== undefined && hit.length === n) {
    let i = 0;
    while (i < n && hit.charCodeAt(i) === bytes[start + i]) i++;
    if (i === n) return hit;
  }
  let s: string;
  if (n <= 16) {
    s = "";
    for (let i = start; i < end; i++) s += String.fromCharCode(bytes[i]);
  } else s = String.fromCharCode.apply(null, bytes.subarray(start, end) as unknown as number[]);
  strCache[slot] = s;
  return s;
}

/** `[-]digits` (no leading zero, at most 15 digits) as a number, else undefined. */
function decimal(bytes: Uint8Array, start: number, end: number): number | undefined {
  const neg = bytes[start] === 0x2d;
  const from = neg ? start + 1 : start;
  const n = end - from;
  if (n < 1 || n > 15 || (bytes[from] === 0x30 && n > 1)) return undefined;
  let v = 0;
  for (let i = from; i < end; i++) {
    const d = bytes[i] - 0x30;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return neg ? 0 - v : v; // -0 is the int 0
}

/** Room for one BINFLOAT's bytes, read without a DataView per float. */
const floatBytes = new Uint8Array(8);
const floatView = new DataView(floatBytes.buffer);

/** What the fast path's memo holds for the dict: an object, so BINGET of it gives up. */
const DICT_PLACEHOLDER: PickleValue = [];
/** The keys of the last dict the fast path built (in order, repeats kept), and a copy of it. */
let lastKeys: PickleValue[] = [];
let lastTemplate: Dict | undefined;

/**
 * The dict of `pairs` (key, value, key, value... with str keys), as setting them one by one on
 * `{}` makes it. When the keys are those of the last dict built, in the same order (each
 * record's are), a copy of that dict's template gets the values: the same properties in the same
 * order, without growing a fresh object key by key.
 */
function buildDict(pairs: PickleValue[]): Dict {
  const n = pairs.length;
  let same = lastTemplate !== undefined && lastKeys.length === n >> 1;
  for (let i = 0; same && i < n; i += 2) same = lastKeys[i >> 1] === pairs[i];
  if (same) {
    const dict: Dict = { ...lastTemplate };
    for (let i = 0; i < n; i += 2) dict[pairs[i] as string] = pairs[i + 1];
    return dict;
  }
  const dict: Dict = {};
  const keys: PickleValue[] = new Array(n >> 1);
  for (let i = 0; i < n; i += 2) {
    dict[pairs[i] as string] = pairs[i + 1];
    keys[i >> 1] = pairs[i];
  }
  lastKeys = keys;
  lastTemplate = { ...dict };
  return dict;
}

/**
 * The fast path for what logging's `makePickle` sends: one dict of str keys and scalar values
 * (str, int, float, bool, None), memoized with BINPUT / MEMOIZE. Returns undefined on anything
 * else (or any doubt, such as more than `maxValues` values), and the general decoder then reads
 * the whole input again, so results and errors are the general decoder's.
 */
function loadFlatDict(
  bytes: Uint8Array,
  maxValues: number,
  maxIntDigits: number,
): Dict | undefined {
  const end = bytes.length;
  let pos = 0;
  if (end < 3) return undefined;
  if (bytes[0] === PROTO) {
    if (bytes[1] > 5) return undefined;
    pos = 2;
  }
  if (bytes[pos++] !== EMPTY_DICT) return undefined;
  // The keys and values of the dict (checked: str keys, not "__proto__"), then the values
  // pushed since, and whether a MARK sits right above the dict.
  const vals: PickleValue[] = [];
  let settled = 0;
  let marked = false;
  let memo: PickleValue[] | undefined;
  let memoCount = 0;
  while (pos < end) {
    const op = bytes[pos++];
    let v: PickleValue;
    switch (op) {
      case BINUNICODE: {
        if (end - pos < 4) return undefined;
        const n = (bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) |
          (bytes[pos + 3] << 24)) >>> 0;
        pos += 4;
        if (n > end - pos) return undefined;
        const s = shortAscii(bytes, pos, pos + n);
        v = s ?? decodeUtf8(bytes, pos, pos + n, "BINUNICODE");
        pos += n;
        break;
      }
      case SHORT_BINUNICODE: {
        if (end - pos < 1) return undefined;
        const n = bytes[pos++];
        if (n > end - pos) return undefined;
        const s = shortAscii(bytes, pos, pos + n);
        v = s ?? decodeUtf8(bytes, pos, pos + n, "SHORT_BINUNICODE");
        pos += n;
        break;
      }
      case BININT1:
        if (end - pos < 1) return undefined;
        v = bytes[pos++];
        break;
      case BININT2:
        if (end - pos < 2) return undefined;
        v = bytes[pos] | (bytes[pos + 1] << 8);
        pos += 2;
        break;
      case BININT:
        if (end - pos < 4) return undefined;
        v = bytes[pos] | (bytes[pos + 1] << 8) | (bytes[pos + 2] << 16) | (bytes[pos + 3] << 24);
        pos += 4;
        break;
      case BINFLOAT: {
        if (end - pos < 8) return undefined;
        for (let i = 0; i < 8; i++) floatBytes[i] = bytes[pos + i];
        v = floatView.getFloat64(0, false);
        pos += 8;
        break;
      }
      case LONG: {
        // Protocol 1's int wider than 32 bits (a thread id): as the general decoder reads it.
        const nl = bytes.indexOf(0x0a, pos);
        if (nl < 0) return undefined;
        const last = nl > pos && bytes[nl - 1] === 0x4c ? nl - 1 : nl;
        v = decimal(bytes, pos, last) ?? pyInt(cString(bytes, pos, last), "LONG", maxIntDigits);
        pos = nl + 1;
        break;
      }
      case NONE:
        v = null;
        break;
      case NEWTRUE:
        v = true;
        break;
      case NEWFALSE:
        v = false;
        break;
      case BINGET: {
        if (end - pos < 1 || memo === undefined) return undefined;
        const m = memo[bytes[pos++]];
        if (m === undefined || (typeof m === "object" && m !== null)) return undefined;
        v = m;
        break;
      }
      case BINPUT:
      case MEMOIZE: {
        let idx: number;
        if (op === BINPUT) {
          if (end - pos < 1) return undefined;
          idx = bytes[pos++];
        } else idx = memoCount;
        memo ??= [];
        if (memo[idx] === undefined) memoCount++;
        memo[idx] = vals.length > settled ? vals[vals.length - 1] : DICT_PLACEHOLDER;
        continue;
      }
      case MARK:
        if (marked || vals.length > settled) return undefined;
        marked = true;
        continue;
      case SETITEMS:
      case SETITEM: {
        const n = vals.length - settled;
        if ((op === SETITEMS) !== marked || n & 1 || (op === SETITEM && n !== 2)) return undefined;
        for (let i = settled; i < vals.length; i += 2) {
          const key = vals[i];
          if (typeof key !== "string" || key === "__proto__") return undefined;
        }
        settled = vals.length;
        marked = false;
        continue;
      }
      case STOP:
        return marked || vals.length > settled ? undefined : buildDict(vals);
      default:
        return undefined;
    }
    // The dict and its keys and values: past maxValues, the general decoder says so.
    if (vals.push(v) >= maxValues) return undefined;
  }
  return undefined;
}

function load(
  bytes: Uint8Array,
  maxDepth: number,
  maxValues: number,
  maxIntDigits: number,
): PickleValue {
  const end = bytes.length;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  const stack: PickleValue[] = [];
  const marks: number[] = [];
  let fence = 0; // values below the latest MARK cannot be popped
  const memo: PickleValue[] = [];
  let memoCount = 0;
  let kinds: Map<PickleValue[], Kind> | undefined;
  let containers = 0;
  let sharedContainer = false;
  let values = 0;

  /** Every value goes on the stack through here, counted against maxValues. */
  const push = (v: PickleValue): void => {
    if (++values > maxValues) {
      throw limitError(
        "maxValues",
        `Cannot unpickle at offset ${
          pos - 1
        } as the pickle makes more than ${maxValues} values (maxValues)`,
      );
    }
    stack.push(v);
  };
  const need = (n: number, op: string): void => {
    if (n > end - pos) {
      throw new UnpicklingError(
        `Cannot unpickle ${op} at offset ${pos - 1}: it needs ${n} more bytes but only ${
          end - pos
        } remain (pickle data was truncated)`,
      );
    }
  };
  const pop = (op: string): PickleValue => {
    if (stack.length <= fence) {
      throw new UnpicklingError(`Cannot unpickle ${op} at offset ${pos - 1}: stack underflow`);
    }
    return stack.pop() as PickleValue;
  };
  const top = (op: string): PickleValue => {
    if (stack.length <= fence) {
      throw new UnpicklingError(`Cannot unpickle ${op} at offset ${pos - 1}: stack underflow`);
    }
    return stack[stack.length - 1];
  };
  const popMark = (op: string): PickleValue[] => {
    if (marks.length === 0) {
      throw new UnpicklingError(
        `Cannot unpickle ${op} at offset ${pos - 1}: could not find MARK`,
      );
    }
    const m = marks.pop() as number;
    const items = stack.slice(m);
    stack.length = m;
    fence = marks.length ? marks[marks.length - 1] : 0;
    return items;
  };
  const line = (op: string): [number, number] => {
    const nl = bytes.indexOf(0x0a, pos);
    if (nl < 0) {
      throw new UnpicklingError(
        `Cannot unpickle ${op} at offset ${pos - 1}: no newline (pickle data was truncated)`,
      );
    }
    const r: [number, number] = [pos, nl];
    pos = nl + 1;
    return r;
  };
  const len8 = (op: string): number => {
    need(8, op);
    const lo = view.getUint32(pos, true);
    const hi = view.getUint32(pos + 4, true);
    pos += 8;
    const n = hi * 0x100000000 + lo;
    need(n, op);
    return n;
  };
  const memoGet = (idx: number, op: string): void => {
    const v = memo[idx];
    if (v === undefined) {
      throw new UnpicklingError(
        `Cannot unpickle ${op} at offset ${pos - 1}: memo value not found at index ${idx}`,
      );
    }
    if (typeof v === "object" && v !== null && !(v instanceof Uint8Array)) sharedContainer = true;
    push(v);
  };
  const memoPut = (idx: number, op: string): void => {
    const v = top(op);
    if (memo[idx] === undefined) memoCount++;
    memo[idx] = v;
  };
  const setItems = (dict: PickleValue, items: PickleValue[], op: string): void => {
    if (!isDict(dict)) {
      throw new UnpicklingError(`Cannot unpickle ${op} at offset ${pos - 1}: target is not a dict`);
    }
    for (let i = 0; i + 1 < items.length; i += 2) {
      const k = items[i];
      let key: string;
      if (typeof k === "string") key = k;
      else if (typeof k === "number" || typeof k === "bigint") key = String(k);
      else if (typeof k === "boolean") key = k ? "True" : "False";
      else if (k === null) key = "None";
      else {
        throw new UnpicklingError(
          `Cannot unpickle ${op} at offset ${pos - 1}: unsupported dict key type`,
        );
      }
      if (key === "__proto__") {
        Object.defineProperty(dict, key, {
          value: items[i + 1],
          writable: true,
          enumerable: true,
          configurable: true,
        });
      } else dict[key] = items[i + 1];
    }
    if (items.length & 1) {
      throw new UnpicklingError(
        `Cannot unpickle ${op} at offset ${pos - 1}: odd number of items for SETITEMS`,
      );
    }
  };
  const isList = (v: PickleValue): v is PickleValue[] =>
    Array.isArray(v) && (kinds === undefined || !kinds.has(v));
  const makeKind = (arr: PickleValue[], kind: Kind): PickleValue[] => {
    (kinds ??= new Map()).set(arr, kind);
    containers++;
    return arr;
  };

  while (true) {
    if (pos >= end) {
      throw new UnpicklingError("Cannot unpickle: pickle data was truncated (no STOP opcode)");
    }
    const op = bytes[pos++];
    switch (op) {
      case STOP: {
        if (stack.length <= fence) {
          throw new UnpicklingError(`Cannot unpickle STOP at offset ${pos - 1}: stack underflow`);
        }
        const result = stack[stack.length - 1];
        if (containers > maxDepth || sharedContainer) checkDepth(result, maxDepth);
        return result;
      }
      case PROTO: {
        need(1, "PROTO");
        const p = bytes[pos++];
        if (p > 5) throw new UnpicklingError(`Cannot unpickle unsupported protocol: ${p}`);
        break;
      }
      case FRAME:
        // As CPython's pickle.loads: the length must be present in the input; frames only
        // group opcodes, so nothing is read ahead or allocated.
        len8("FRAME");
        break;
      case MARK:
        marks.push(stack.length);
        fence = stack.length;
        break;
      case POP:
        if (stack.length > fence) stack.pop();
        else if (marks.length) popMark("POP");
        else throw new UnpicklingError(`Cannot unpickle POP at offset ${pos - 1}: stack underflow`);
        break;
      case POP_MARK:
        popMark("POP_MARK");
        break;
      case DUP:
        push(top("DUP"));
        if (typeof stack[stack.length - 1] === "object") sharedContainer = true;
        break;
      case NONE:
        push(null);
        break;
      case NEWTRUE:
        push(true);
        break;
      case NEWFALSE:
        push(false);
        break;
      case INT: {
        const [s, e] = line("INT");
        // As CPython's load_int: strtol first, where a 3-byte line holding 0 or 1 is a bool
        // (protocol 0 and 1 write True as I01), then int(text, 0).
        if (e === s) {
          throw new UnpicklingError(`Cannot unpickle INT at offset ${s - 1}: empty line`);
        }
        const text = cString(bytes, s, e);
        const v = text === "" ? 0 : strtol(text); // strtol of "" is 0 and ends at the NUL
        if (v === undefined) push(pyInt(text, "INT", maxIntDigits));
        else if (e - s === 2 && (v === 0 || v === 1)) push(v === 1);
        else push(v);
        break;
      }
      case LONG: {
        const [s, e] = line("LONG");
        // Python 2 wrote a trailing L; CPython drops it when it is the last character.
        const last = e > s && bytes[e - 1] === 0x4c ? e - 1 : e;
        push(pyInt(cString(bytes, s, last), "LONG", maxIntDigits));
        break;
      }
      case BININT:
        need(4, "BININT");
        push(view.getInt32(pos, true));
        pos += 4;
        break;
      case BININT1:
        need(1, "BININT1");
        push(bytes[pos++]);
        break;
      case BININT2:
        need(2, "BININT2");
        push(view.getUint16(pos, true));
        pos += 2;
        break;
      case LONG1: {
        need(1, "LONG1");
        const n = bytes[pos++];
        need(n, "LONG1");
        push(decodeLong(bytes, pos, n, maxIntDigits, "LONG1"));
        pos += n;
        break;
      }
      case LONG4: {
        need(4, "LONG4");
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) {
          throw new UnpicklingError(`Cannot unpickle LONG4 as its byte count is negative: ${n}`);
        }
        need(n, "LONG4");
        push(decodeLong(bytes, pos, n, maxIntDigits, "LONG4"));
        pos += n;
        break;
      }
      case FLOAT: {
        const [s, e] = line("FLOAT");
        push(parseFloatText(cString(bytes, s, e)));
        break;
      }
      case BINFLOAT:
        need(8, "BINFLOAT");
        push(view.getFloat64(pos, false));
        pos += 8;
        break;
      case STRING: {
        const [s, e] = line("STRING");
        let a = s;
        let b = e;
        // CPython strips trailing whitespace, then requires matching quotes.
        while (b > a && (bytes[b - 1] === 0x20 || bytes[b - 1] === 0x0d || bytes[b - 1] === 0x09)) {
          b--;
        }
        if (b - a < 2 || bytes[a] !== bytes[b - 1] || (bytes[a] !== 0x27 && bytes[a] !== 0x22)) {
          throw new UnpicklingError(
            `Cannot unpickle STRING at offset ${s - 1}: the STRING opcode argument must be quoted`,
          );
        }
        a++;
        b--;
        push(decodeLegacy(escapeDecode(bytes.subarray(a, b))));
        break;
      }
      case BINSTRING: {
        need(4, "BINSTRING");
        const n = view.getInt32(pos, true);
        pos += 4;
        if (n < 0) {
          throw new UnpicklingError(`Cannot unpickle BINSTRING as its length is negative: ${n}`);
        }
        need(n, "BINSTRING");
        push(decodeLegacy(bytes.subarray(pos, pos + n)));
        pos += n;
        break;
      }
      case SHORT_BINSTRING: {
        need(1, "SHORT_BINSTRING");
        const n = bytes[pos++];
        need(n, "SHORT_BINSTRING");
        push(decodeLegacy(bytes.subarray(pos, pos + n)));
        pos += n;
        break;
      }
      case UNICODE: {
        const [s, e] = line("UNICODE");
        push(rawUnicodeEscapeDecode(bytes, s, e));
        break;
      }
      case BINUNICODE: {
        need(4, "BINUNICODE");
        const n = view.getUint32(pos, true);
        pos += 4;
        need(n, "BINUNICODE");
        push(decodeUtf8(bytes, pos, pos + n, "BINUNICODE"));
        pos += n;
        break;
      }
      case SHORT_BINUNICODE: {
        need(1, "SHORT_BINUNICODE");
        const n = bytes[pos++];
        need(n, "SHORT_BINUNICODE");
        push(decodeUtf8(bytes, pos, pos + n, "SHORT_BINUNICODE"));
        pos += n;
        break;
      }
      case BINUNICODE8: {
        const n = len8("BINUNICODE8");
        push(decodeUtf8(bytes, pos, pos + n, "BINUNICODE8"));
        pos += n;
        break;
      }
      case BINBYTES: {
        need(4, "BINBYTES");
        const n = view.getUint32(pos, true);
        pos += 4;
        need(n, "BINBYTES");
        push(bytes.slice(pos, pos + n));
        pos += n;
        break;
      }
      case SHORT_BINBYTES: {
        need(1, "SHORT_BINBYTES");
        const n = bytes[pos++];
        need(n, "SHORT_BINBYTES");
        push(bytes.slice(pos, pos + n));
        pos += n;
        break;
      }
      case BINBYTES8:
      case BYTEARRAY8: {
        const n = len8(op === BINBYTES8 ? "BINBYTES8" : "BYTEARRAY8");
        push(bytes.slice(pos, pos + n));
        pos += n;
        break;
      }
      case EMPTY_LIST:
        push([]);
        containers++;
        break;
      case EMPTY_DICT:
        push({});
        containers++;
        break;
      case EMPTY_TUPLE:
        push(makeKind([], TUPLE_KIND));
        break;
      case EMPTY_SET:
        push(makeKind([], SET_KIND));
        break;
      case LIST:
        push(popMark("LIST"));
        containers++;
        break;
      case TUPLE:
        push(makeKind(popMark("TUPLE"), TUPLE_KIND));
        break;
      case FROZENSET:
        push(makeKind(popMark("FROZENSET"), FROZENSET_KIND));
        break;
      case TUPLE1: {
        const a = pop("TUPLE1");
        push(makeKind([a], TUPLE_KIND));
        break;
      }
      case TUPLE2: {
        const b = pop("TUPLE2");
        const a = pop("TUPLE2");
        push(makeKind([a, b], TUPLE_KIND));
        break;
      }
      case TUPLE3: {
        const c = pop("TUPLE3");
        const b = pop("TUPLE3");
        const a = pop("TUPLE3");
        push(makeKind([a, b, c], TUPLE_KIND));
        break;
      }
      case DICT: {
        const items = popMark("DICT");
        const d: Dict = {};
        containers++;
        setItems(d, items, "DICT");
        push(d);
        break;
      }
      case APPEND: {
        const v = pop("APPEND");
        const list = top("APPEND");
        if (!isList(list)) {
          throw new UnpicklingError(`Cannot unpickle APPEND at offset ${pos - 1}: not a list`);
        }
        list.push(v);
        break;
      }
      case APPENDS: {
        const items = popMark("APPENDS");
        const list = top("APPENDS");
        if (!isList(list)) {
          throw new UnpicklingError(`Cannot unpickle APPENDS at offset ${pos - 1}: not a list`);
        }
        for (let i = 0; i < items.length; i++) list.push(items[i]);
        break;
      }
      case ADDITEMS: {
        const items = popMark("ADDITEMS");
        const set = top("ADDITEMS");
        if (!Array.isArray(set) || kinds?.get(set) !== SET_KIND) {
          throw new UnpicklingError(`Cannot unpickle ADDITEMS at offset ${pos - 1}: not a set`);
        }
        for (let i = 0; i < items.length; i++) set.push(items[i]);
        break;
      }
      case SETITEM: {
        const v = pop("SETITEM");
        const k = pop("SETITEM");
        setItems(top("SETITEM"), [k, v], "SETITEM");
        break;
      }
      case SETITEMS: {
        const items = popMark("SETITEMS");
        setItems(top("SETITEMS"), items, "SETITEMS");
        break;
      }
      case GET: {
        const [s, e] = line("GET");
        const t = latin1Text(bytes, s, e);
        if (!/^\s*[0-9]+\s*$/.test(t)) {
          throw new UnpicklingError(`Cannot unpickle GET: bad memo key ${JSON.stringify(t)}`);
        }
        memoGet(Number(t), "GET");
        break;
      }
      case BINGET:
        need(1, "BINGET");
        memoGet(bytes[pos++], "BINGET");
        break;
      case LONG_BINGET:
        need(4, "LONG_BINGET");
        memoGet(view.getUint32(pos, true), "LONG_BINGET");
        pos += 4;
        break;
      case PUT: {
        const [s, e] = line("PUT");
        const t = latin1Text(bytes, s, e);
        if (!/^\s*[0-9]+\s*$/.test(t)) {
          throw new UnpicklingError(`Cannot unpickle PUT: bad memo key ${JSON.stringify(t)}`);
        }
        const idx = Number(t);
        if (!Number.isSafeInteger(idx)) {
          throw new UnpicklingError(`Cannot unpickle PUT: memo key out of range`);
        }
        memoPut(idx, "PUT");
        break;
      }
      case BINPUT:
        need(1, "BINPUT");
        memoPut(bytes[pos++], "BINPUT");
        break;
      case LONG_BINPUT:
        need(4, "LONG_BINPUT");
        memoPut(view.getUint32(pos, true), "LONG_BINPUT");
        pos += 4;
        break;
      case MEMOIZE:
        memoPut(memoCount, "MEMOIZE");
        break;
      default: {
        const name = REFUSED.get(op);
        if (name !== undefined) {
          throw new UnpicklingError(
            `Cannot unpickle opcode ${name} at offset ${
              pos - 1
            }: it would import or call code, which this decoder never does`,
          );
        }
        throw new UnpicklingError(
          `Cannot unpickle unknown ${opName(op)} (${
            JSON.stringify(String.fromCharCode(op))
          }) at offset ${pos - 1}`,
        );
      }
    }
  }
}

/** Fails when `root` nests containers deeper than `maxDepth` (a cycle is infinitely deep). */
function checkDepth(root: PickleValue, maxDepth: number): void {
  const depthOf = new Map<object, number>(); // finished containers
  const onPath = new Set<object>();
  type Frame = { node: PickleValue[] | Dict; children: PickleValue[]; i: number; max: number };
  const children = (v: PickleValue[] | Dict): PickleValue[] =>
    Array.isArray(v) ? v : Object.values(v);
  const isContainer = (v: PickleValue): v is PickleValue[] | Dict =>
    typeof v === "object" && v !== null && !(v instanceof Uint8Array);
  if (!isContainer(root)) return;
  const path: Frame[] = [{ node: root, children: children(root), i: 0, max: 0 }];
  onPath.add(root);
  while (path.length) {
    if (path.length > maxDepth) {
      throw limitError("maxDepth", `Cannot unpickle as the value nests deeper than ${maxDepth}`);
    }
    const f = path[path.length - 1];
    if (f.i < f.children.length) {
      const c = f.children[f.i++];
      if (!isContainer(c)) continue;
      if (onPath.has(c)) {
        throw limitError(
          "maxDepth",
          `Cannot unpickle as the value is recursive, so it nests deeper than ${maxDepth}`,
        );
      }
      const d = depthOf.get(c);
      if (d !== undefined) {
        if (d > f.max) f.max = d;
        if (path.length + d > maxDepth) {
          throw limitError(
            "maxDepth",
            `Cannot unpickle as the value nests deeper than ${maxDepth}`,
          );
        }
        continue;
      }
      onPath.add(c);
      path.push({ node: c, children: children(c), i: 0, max: 0 });
      continue;
    }
    path.pop();
    onPath.delete(f.node);
    const d = f.max + 1;
    depthOf.set(f.node, d);
    const parent = path[path.length - 1];
    if (parent && d > parent.max) parent.max = d;
  }
}
