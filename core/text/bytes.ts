/**
 * Byte arrays: the helpers the wire codecs, the JSON writer and the transports share.
 *
 * @module
 */

/**
 * Joins byte arrays into one (the array itself when there is one).
 *
 * @param parts The arrays, in order.
 * @returns Their bytes, one after another.
 *
 * @example
 * ```ts
 * import { concatBytes } from "@x/loghandlers/extend";
 * console.assert(concatBytes([new Uint8Array([1]), new Uint8Array([2, 3])]).join() === "1,2,3");
 * ```
 */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  let size = 0;
  for (const p of parts) size += p.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Bytes as Latin-1 text: one character per byte (`TextDecoder`'s `"latin1"` is windows-1252).
 *
 * @param bytes The bytes.
 * @param start The first byte to read.
 * @param end The byte to stop before.
 * @returns The text.
 *
 * @example
 * ```ts
 * import { latin1Text } from "./bytes.ts";
 * console.assert(latin1Text(new Uint8Array([0x61, 0xe9, 0x80])) === "a\u00e9\u0080");
 * ```
 */
export function latin1Text(bytes: Uint8Array, start = 0, end: number = bytes.length): string {
  let out = "";
  for (let i = start; i < end; i += 8192) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(end, i + 8192)) as unknown as number[],
    );
  }
  return out;
}

/**
 * Bytes in standard base64, with padding.
 *
 * @param bytes The bytes.
 * @returns The base64 text.
 *
 * @example
 * ```ts
 * import { base64 } from "./bytes.ts";
 * console.assert(base64(new Uint8Array([0xfb, 0xff])) === "+/8=");
 * ```
 */
export function base64(bytes: Uint8Array): string {
  return btoa(latin1Text(bytes));
}
