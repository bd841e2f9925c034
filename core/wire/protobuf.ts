/**
 * A small Protocol Buffers writer and reader: the wire types the OTLP messages use (varint,
 * 64-bit, length-delimited, 32-bit), written straight into one growing buffer, with no
 * message objects and no schema compiler.
 *
 * @module
 */

/** Wire type 0: varint (int32, int64, uint32, uint64, bool, enum). */
export const VARINT = 0;
/** Wire type 1: 64-bit (fixed64, sfixed64, double). */
export const I64 = 1;
/** Wire type 2: length-delimited (string, bytes, embedded messages, packed repeated fields). */
export const LEN = 2;
/** Wire type 5: 32-bit (fixed32, sfixed32, float). */
export const I32 = 5;

const TWO_32 = 4294967296;

/**
 * Writes protobuf fields into one buffer that grows as needed. An embedded message is written
 * in place between {@linkcode ProtoWriter.begin} and {@linkcode ProtoWriter.end}: `end` puts
 * its length in front (shifting the bytes when the length needs more than one byte), so the
 * output is the canonical encoding, byte for byte what other encoders produce.
 *
 * @example
 * ```ts
 * import { ProtoWriter } from "@x/loghandlers/extend";
 * const w = new ProtoWriter();
 * w.uint(1, 150);
 * const at = w.begin(2);
 * w.string(1, "hi");
 * w.end(at);
 * console.assert(w.finish().join() === "8,150,1,18,4,10,2,104,105");
 * ```
 */
export class ProtoWriter {
  #buf: Uint8Array;
  #view: DataView;
  #pos = 0;
  #utf8 = new TextEncoder();

  /**
   * Makes an empty writer.
   *
   * @param size The initial capacity in bytes.
   */
  constructor(size = 1024) {
    this.#buf = new Uint8Array(size);
    this.#view = new DataView(this.#buf.buffer);
  }

  /** How many bytes have been written. */
  get length(): number {
    return this.#pos;
  }

  #ensure(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const buf = new Uint8Array(size);
    buf.set(this.#buf.subarray(0, this.#pos));
    this.#buf = buf;
    this.#view = new DataView(buf.buffer);
  }

  /** Forgets what was written, keeping the buffer. */
  reset(): void {
    this.#pos = 0;
  }

  /**
   * A copy of what was written.
   *
   * @returns The bytes.
   */
  finish(): Uint8Array<ArrayBuffer> {
    return this.#buf.slice(0, this.#pos);
  }

  /**
   * Writes a varint of a non-negative integer up to 2^53.
   *
   * @param n The value.
   */
  varint(n: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let pos = this.#pos;
    if (n < 0x80) {
      buf[pos++] = n;
    } else {
      while (n >= 0x80) {
        buf[pos++] = (n % 0x80) | 0x80;
        n = Math.floor(n / 0x80);
      }
      buf[pos++] = n;
    }
    this.#pos = pos;
  }

  /**
   * Writes a field's tag.
   *
   * @param field The field number.
   * @param wireType The wire type.
   */
  tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /**
   * Writes an unsigned varint field (uint32, uint64 up to 2^53, bool, non-negative enum).
   *
   * @param field The field number.
   * @param n The value.
   */
  uint(field: number, n: number): void {
    this.tag(field, VARINT);
    this.varint(n);
  }

  /**
   * Writes an int64 field from a safe integer: negative numbers as their 64-bit two's
   * complement (ten bytes), as protobuf encodes int64.
   *
   * @param field The field number.
   * @param n The value, a safe integer.
   */
  int64(field: number, n: number): void {
    this.tag(field, VARINT);
    if (n >= 0) return this.varint(n);
    // Two's complement: hi:lo = 2^64 + n.
    const lo = (n % TWO_32 + TWO_32) % TWO_32;
    const hi = Math.floor(n / TWO_32) + TWO_32;
    this.#varint64(lo, hi);
  }

  /**
   * Writes an int64 field from a bigint in int64's range.
   *
   * @param field The field number.
   * @param n The value.
   */
  int64Big(field: number, n: bigint): void {
    this.tag(field, VARINT);
    const u = BigInt.asUintN(64, n);
    this.#varint64(Number(u & 0xffffffffn), Number(u >> 32n));
  }

  #varint64(lo: number, hi: number): void {
    this.#ensure(10);
    const buf = this.#buf;
    let pos = this.#pos;
    while (hi > 0 || lo >= 0x80) {
      buf[pos++] = (lo & 0x7f) | 0x80;
      lo = (lo >>> 7) | ((hi & 0x7f) << 25);
      hi = hi >>> 7;
    }
    buf[pos++] = lo;
    this.#pos = pos;
  }

  /**
   * Writes a fixed64 field from its two 32-bit halves.
   *
   * @param field The field number.
   * @param lo The low 32 bits.
   * @param hi The high 32 bits.
   */
  fixed64(field: number, lo: number, hi: number): void {
    this.tag(field, I64);
    this.#ensure(8);
    this.#view.setUint32(this.#pos, lo, true);
    this.#view.setUint32(this.#pos + 4, hi, true);
    this.#pos += 8;
  }

  /**
   * Writes a fixed32 field.
   *
   * @param field The field number.
   * @param n The value.
   */
  fixed32(field: number, n: number): void {
    this.tag(field, I32);
    this.#ensure(4);
    this.#view.setUint32(this.#pos, n >>> 0, true);
    this.#pos += 4;
  }

  /**
   * Writes a double field.
   *
   * @param field The field number.
   * @param x The value.
   */
  double(field: number, x: number): void {
    this.tag(field, I64);
    this.#ensure(8);
    this.#view.setFloat64(this.#pos, x, true);
    this.#pos += 8;
  }

  /**
   * Writes a string field (UTF-8; a lone surrogate becomes U+FFFD).
   *
   * @param field The field number.
   * @param text The value.
   */
  string(field: number, text: string): void {
    this.tag(field, LEN);
    if (text.length < 0x80) {
      // At most 3 bytes per UTF-16 unit: the length fits one byte when the text is ASCII.
      this.#ensure(1 + text.length * 3);
      const start = this.#pos + 1;
      const { written } = this.#utf8.encodeInto(text, this.#buf.subarray(start));
      if (written < 0x80) {
        this.#buf[this.#pos] = written;
        this.#pos = start + written;
        return;
      }
      this.#pos = start - 1;
    }
    this.bytes(0, this.#utf8.encode(text), false);
  }

  /**
   * Writes a bytes field (or, with `tagged` false, a length and the bytes).
   *
   * @param field The field number.
   * @param bytes The value.
   * @param tagged Whether to write the tag first.
   */
  bytes(field: number, bytes: Uint8Array, tagged = true): void {
    if (tagged) this.tag(field, LEN);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /**
   * Writes bytes as they are (an embedded message encoded earlier, with its tag and length).
   *
   * @param bytes The bytes.
   */
  raw(bytes: Uint8Array): void {
    this.#ensure(bytes.length);
    this.#buf.set(bytes, this.#pos);
    this.#pos += bytes.length;
  }

  /**
   * Starts an embedded message (or any length-delimited field written piece by piece).
   *
   * @param field The field number.
   * @returns The position to give to {@linkcode ProtoWriter.end}.
   */
  begin(field: number): number {
    this.tag(field, LEN);
    this.#ensure(1);
    return this.#pos++;
  }

  /**
   * Ends the embedded message started at `at`: writes its length in front of it.
   *
   * @param at What {@linkcode ProtoWriter.begin} returned.
   */
  end(at: number): void {
    const len = this.#pos - at - 1;
    if (len < 0x80) {
      this.#buf[at] = len;
      return;
    }
    let size = 1;
    for (let n = len; n >= 0x80; n = Math.floor(n / 0x80)) size++;
    this.#ensure(size - 1);
    this.#buf.copyWithin(at + size, at + 1, this.#pos);
    const end = this.#pos + size - 1;
    this.#pos = at;
    this.varint(len);
    this.#pos = end;
  }
}

/** One field read by {@linkcode readFields}. */
export interface ProtoField {
  /** The field number. */
  field: number;
  /** The wire type. */
  wireType: number;
  /** A varint's value (exact up to 2^53), or a 32- or 64-bit field's low bits. */
  value: number;
  /** A length-delimited field's bytes, or an empty array. */
  bytes: Uint8Array;
}

/**
 * Reads the top-level fields of a protobuf message (a minimal decoder, for small messages
 * such as an OTLP export response). Stops at the first malformed field.
 *
 * @param data The message's bytes.
 * @returns The fields, in order.
 *
 * @example
 * ```ts
 * import { readFields } from "@x/loghandlers/extend";
 * const fields = readFields(new Uint8Array([8, 150, 1, 18, 2, 104, 105]));
 * console.assert(fields[0].value === 150 && fields[1].bytes.length === 2);
 * ```
 */
export function readFields(data: Uint8Array): ProtoField[] {
  const out: ProtoField[] = [];
  let pos = 0;
  const varint = (): number | null => {
    let n = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (pos >= data.length) return null;
      const b = data[pos++];
      n += (b & 0x7f) * scale;
      scale *= 0x80;
      if (b < 0x80) return n;
    }
    return null;
  };
  const empty = new Uint8Array(0);
  while (pos < data.length) {
    const key = varint();
    if (key === null) break;
    const field = Math.floor(key / 8);
    const wireType = key % 8;
    if (wireType === VARINT) {
      const value = varint();
      if (value === null) break;
      out.push({ field, wireType, value, bytes: empty });
    } else if (wireType === LEN) {
      const len = varint();
      if (len === null || pos + len > data.length) break;
      out.push({ field, wireType, value: len, bytes: data.subarray(pos, pos + len) });
      pos += len;
    } else if (wireType === I64 || wireType === I32) {
      const size = wireType === I64 ? 8 : 4;
      if (pos + size > data.length) break;
      const value = new DataView(data.buffer, data.byteOffset + pos, size).getUint32(0, true);
      out.push({ field, wireType, value, bytes: empty });
      pos += size;
    } else {
      break;
    }
  }
  return out;
}
