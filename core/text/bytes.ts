/**
 * Byte arrays: the one helper the wire codecs and the transports share.
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
