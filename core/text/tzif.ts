/**
 * TZif zone files (RFC 8536, what `/usr/share/zoneinfo` holds), read and evaluated the way glibc
 * 2.36's `localtime` uses them: the transition in force, the first standard type before the first
 * transition, and the footer's POSIX TZ rule (a {@linkcode PosixTimeZone}) after the last one.
 * Leap second records are skipped (glibc applies them, for the `right/` zones only).
 *
 * @module
 */

import { PosixTimeZone, type ZoneRules, type ZoneType } from "./posix_tz.ts";

/**
 * A zone read from a TZif file.
 *
 * @example
 * ```ts
 * import { TzifZone } from "./tzif.ts";
 * // A version 1 file: no transitions, one type (UTC+1, standard time, named "ABC").
 * const counts = [0, 0, 0, 0, 1, 4]; // isut, isstd, leap, transitions, types, characters
 * const bytes = new Uint8Array([
 *   ...[84, 90, 105, 102], ...new Array(16).fill(0), // "TZif", version 1, reserved
 *   ...counts.flatMap((n) => [0, 0, 0, n]),
 *   0, 0, 14, 16, 0, 0, // 3600 seconds east, not DST, name at 0
 *   65, 66, 67, 0, // "ABC"
 * ]);
 * const zone = TzifZone.parse(bytes);
 * console.assert(zone !== null && zone.at(1700000000).abbr === "ABC");
 * console.assert(zone !== null && zone.at(1700000000).utoff === 3600);
 * ```
 */
export class TzifZone implements ZoneRules {
  /** Transition times, seconds since the epoch, ascending. */
  readonly transitions: readonly number[];
  /** The index into {@linkcode TzifZone.types} that each transition starts. */
  readonly typeIndex: readonly number[];
  /** The local time types. */
  readonly types: readonly ZoneType[];
  /** glibc's type before the first transition: the first standard type (else the first). */
  readonly initial: ZoneType;
  /** The footer's rule, for times after the last transition; `null` without one. */
  readonly footer: PosixTimeZone | null;
  /** C's `tzname`: the footer's names, else the last standard and DST types used. */
  readonly tzname: readonly [string, string];

  private constructor(
    transitions: number[],
    typeIndex: number[],
    types: ZoneType[],
    footer: PosixTimeZone | null,
  ) {
    this.transitions = transitions;
    this.typeIndex = typeIndex;
    this.types = types;
    this.footer = footer;
    this.initial = types.find((t) => t.isdst === 0) ?? types[0];
    if (footer !== null) {
      this.tzname = footer.tzname;
    } else {
      const used = typeIndex.map((k) => types[k]);
      const std = used.findLast((t) => t.isdst === 0) ?? this.initial;
      this.tzname = [std.abbr, (used.findLast((t) => t.isdst === 1) ?? std).abbr];
    }
  }

  /**
   * Reads a TZif file (version 1, or the 64-bit data and footer of version 2 and later).
   *
   * @param bytes The file's contents.
   * @returns The zone, or `null` when the bytes are not a usable TZif file.
   */
  static parse(bytes: Uint8Array): TzifZone | null {
    try {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const magic = String.fromCharCode(bytes[0], bytes[1], bytes[2], bytes[3]);
      if (magic !== "TZif") return null;
      const version = bytes[4];
      const counts = (at: number) => {
        const c: number[] = [];
        for (let k = 0; k < 6; k++) c.push(view.getUint32(at + 20 + 4 * k));
        return c; // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
      };
      let header = 0;
      let c = counts(0);
      let timeSize = 4;
      if (version !== 0) {
        header = 44 + c[3] * 4 + c[3] + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
        c = counts(header);
        timeSize = 8;
      }
      const [isut, isstd, leap, timecnt, typecnt, charcnt] = c;
      if (typecnt === 0 || isstd > typecnt || isut > typecnt) return null;
      let p = header + 44;
      if (p + timecnt * (timeSize + 1) + typecnt * 6 + charcnt > bytes.length) return null;
      const transitions: number[] = [];
      for (let k = 0; k < timecnt; k++, p += timeSize) {
        transitions.push(timeSize === 8 ? Number(view.getBigInt64(p)) : view.getInt32(p));
      }
      const typeIndex: number[] = [];
      for (let k = 0; k < timecnt; k++) {
        if (bytes[p] >= typecnt) return null;
        typeIndex.push(bytes[p++]);
      }
      const raw: [number, number, number][] = [];
      for (let k = 0; k < typecnt; k++, p += 6) {
        if (bytes[p + 4] > 1 || bytes[p + 5] > charcnt) return null;
        raw.push([view.getInt32(p), bytes[p + 4], bytes[p + 5]]);
      }
      const chars = bytes.subarray(p, p + charcnt);
      p += charcnt + leap * (timeSize + 4) + isstd + isut;
      const types = raw.map(([utoff, isdst, idx]): ZoneType => {
        let end = idx;
        while (end < chars.length && chars[end] !== 0) end++;
        return { utoff, isdst, abbr: String.fromCharCode(...chars.subarray(idx, end)) };
      });
      let footer: PosixTimeZone | null = null;
      if (timeSize === 8 && bytes[p] === 0x0a) {
        const end = bytes.indexOf(0x0a, p + 1);
        if (end > p + 1) {
          footer = new PosixTimeZone(String.fromCharCode(...bytes.subarray(p + 1, end)));
        }
      }
      return new TzifZone(transitions, typeIndex, types, footer);
    } catch {
      return null;
    }
  }

  /**
   * The type in force at `seconds` since the epoch, glibc's `__tzfile_compute`.
   *
   * @param seconds Whole seconds since the epoch.
   */
  at(seconds: number): ZoneType {
    const tr = this.transitions;
    const n = tr.length;
    if (n === 0 || seconds < tr[0]) return this.initial;
    if (seconds >= tr[n - 1]) {
      return this.footer !== null ? this.footer.at(seconds) : this.types[this.typeIndex[n - 1]];
    }
    let lo = 0;
    let hi = n - 1; // tr[lo] <= seconds < tr[hi]
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (tr[mid] <= seconds) lo = mid;
      else hi = mid;
    }
    return this.types[this.typeIndex[lo]];
  }
}
