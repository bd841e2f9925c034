/**
 * POSIX TZ rule strings, the other form of the `TZ` environment variable:
 * `EST+05EDT,M3.2.0,M11.1.0`, `CET-1CEST,M3.5.0,M10.5.0/3`, `<+0330>-3:30`, `JST-9`. JavaScript
 * engines know only IANA zone names and read anything else as UTC (or as a fixed offset); glibc,
 * and so CPython on Linux, follows the rule. {@linkcode PosixTimeZone} reads a rule string the way
 * glibc 2.36's `tzset` does and says which zone type (abbreviation, UTC offset, DST flag) is in
 * force at any instant, the way its `localtime` does.
 *
 * glibc never rejects a string; what it cannot read it leaves at its defaults, and so does this
 * reader:
 * - no standard name (three letters, or `<...>` with three letters, digits, `+` or `-`) or no
 *   offset after it: UTC, named by what was read (`garbage` is UTC called `garbage`, `A` is UTC
 *   with an empty name);
 * - offsets count west of Greenwich (`EST5` and `EST+5` are UTC-5, `JST-9` is UTC+9); hours are
 *   capped at 24, minutes and seconds at 59; a DST name without an offset is one hour ahead;
 * - a DST name without rules (`AST4ADT`, `EST5EDT,`) changes on the US rules `M3.2.0,M11.1.0`
 *   (glibc first tries the system's `posixrules` file, see {@linkcode PosixTimeZone.defaultRules});
 * - rule dates `Jn` (1-365, February 29 never counted), `n` (0-365) and `Mm.w.d`; rule times
 *   (`/2`, `/-1`, `/26:30`) are not capped and may be negative (the default is 02:00);
 * - a rule that cannot be read keeps what was read of it and zeros for the rest, as glibc's does,
 *   and is evaluated the same way (a month outside 1-12 makes glibc read past its month table:
 *   that memory is taken as zeros here);
 * - each year's change times are counted from that year's January 1 (UTC), and from 1970-01-01
 *   for the years up to 1970, as glibc does;
 * - numbers are read like C's `sscanf("%hu")`: leading blanks and a sign are accepted and the
 *   value wraps at 65536.
 *
 * Reading costs time linear in the string's length, whatever it holds.
 *
 * @module
 */

import { daysFromCivil, floorDiv, isLeap, yearOfDays } from "./calendar.ts";

/** What local time is at some instant: C's `tm_zone`, `tm_gmtoff` and `tm_isdst`. */
export interface ZoneType {
  /** The abbreviation, e.g. `"EST"`; possibly empty. */
  readonly abbr: string;
  /** Seconds east of UTC. */
  readonly utoff: number;
  /** 1 in daylight saving time, else 0. */
  readonly isdst: number;
}

/** The rules of a zone: which {@linkcode ZoneType} is in force at each instant. */
export interface ZoneRules {
  /**
   * The zone type in force at `seconds` since the epoch.
   *
   * @param seconds Whole seconds since the epoch.
   */
  at(seconds: number): ZoneType;
  /** C's `tzname` after `tzset()`: the standard and the daylight saving abbreviations. */
  readonly tzname: readonly [string, string];
}

const J0 = 0; // n: zero-based day of the year, February 29 counted
const J1 = 1; // Jn: one-based day of the year, February 29 never counted
const M = 2; // Mm.w.d: day d of week w of month m

/** glibc's `tz_rule`: a zone type and the yearly rule that starts it. */
interface Rule {
  name: string;
  offset: number;
  type: number;
  m: number;
  n: number;
  d: number;
  secs: number;
}

function blankRule(): Rule {
  return { name: "", offset: 0, type: J0, m: 0, n: 0, d: 0, secs: 0 };
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** C's `isspace` in the C locale. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13);
}

const ULONG_MAX_DIGITS = "18446744073709551615";

/**
 * C's `sscanf("%hu")` at `i`: blanks, a sign, decimal digits; `strtoul`'s value (the largest
 * `unsigned long` on overflow, negated modulo 2^64 after a `-`) cut to 16 bits.
 *
 * @returns `[value, end]`, or `null` when there is no number.
 */
function scanUnsignedShort(s: string, i: number): [number, number] | null {
  let k = i;
  while (k < s.length && isSpace(s.charCodeAt(k))) k++;
  let negative = false;
  if (s[k] === "+" || s[k] === "-") negative = s[k++] === "-";
  const start = k;
  let value = 0;
  let significant = 0; // digits after leading zeros
  let firstSignificant = -1;
  for (; k < s.length && isDigit(s.charCodeAt(k)); k++) {
    const digit = s.charCodeAt(k) - 48;
    if (significant > 0 || digit !== 0) {
      if (significant++ === 0) firstSignificant = k;
    }
    value = (value * 10 + digit) % 65536;
  }
  if (k === start) return null;
  const overflow = significant > 20 ||
    (significant === 20 && s.slice(firstSignificant, k) > ULONG_MAX_DIGITS);
  if (overflow) return [65535, k];
  return [negative ? (65536 - value) % 65536 : value, k];
}

/**
 * `sscanf(s + i, "%hu%n:%hu%n:%hu%n", &hh, &n, &mm, &n, &ss, &n)`: the fields read replace the
 * defaults in `clock`; returns how many characters the last field read ended at (0 for none).
 */
function scanClock(s: string, i: number, clock: [number, number, number]): number {
  let consumed = 0;
  let at = i;
  for (let field = 0; field < 3; field++) {
    if (field > 0) {
      if (s[at] !== ":") break;
      at++;
    }
    const read = scanUnsignedShort(s, at);
    if (read === null) break;
    clock[field] = read[0];
    at = read[1];
    consumed = at - i;
  }
  return consumed;
}

/** glibc's `__mon_yday` as one array: a month outside 1-12 reads past a row, as glibc does. */
const MON_YDAY = [
  0,
  31,
  59,
  90,
  120,
  151,
  181,
  212,
  243,
  273,
  304,
  334,
  365,
  0,
  31,
  60,
  91,
  121,
  152,
  182,
  213,
  244,
  274,
  305,
  335,
  366,
];

function monYday(leap: number, month: number): number {
  const k = leap * 13 + month;
  return k >= 0 && k < MON_YDAY.length ? MON_YDAY[k] : 0;
}

/** glibc's `compute_change`: when `rule` takes effect in `year`, in seconds since the epoch. */
function changeTime(rule: Rule, year: number): number {
  let t = year > 1970 ? daysFromCivil(year, 1, 1) * 86400 : 0;
  const leap = isLeap(year) ? 1 : 0;
  if (rule.type === J1) {
    t += (rule.d - 1) * 86400;
    if (rule.d >= 60 && leap) t += 86400;
  } else if (rule.type === J0) {
    t += rule.d * 86400;
  } else {
    const before = monYday(leap, rule.m - 1);
    const length = monYday(leap, rule.m) - before;
    t += before * 86400;
    // Zeller's congruence for the weekday of the month's first day, in C's integer arithmetic.
    const m1 = (rule.m + 9) % 12 + 1;
    const yy0 = rule.m <= 2 ? year - 1 : year;
    const yy1 = Math.trunc(yy0 / 100);
    const yy2 = yy0 % 100;
    let dow = (Math.trunc((26 * m1 - 2) / 10) + 1 + yy2 + Math.trunc(yy2 / 4) +
      Math.trunc(yy1 / 4) - 2 * yy1) % 7;
    if (dow < 0) dow += 7;
    let day = rule.d - dow;
    if (day < 0) day += 7;
    for (let i = 1; i < rule.n; i++) {
      if (day + 7 >= length) break;
      day += 7;
    }
    t += day * 86400;
  }
  return t - rule.offset + rule.secs;
}

/** glibc's `__tzset_parse_tz` and its helpers, over one string. */
class Reader {
  readonly rules: [Rule, Rule] = [blankRule(), blankRule()];
  defaultRules = false;
  #s: string;
  #i = 0;

  constructor(spec: string) {
    this.#s = spec;
    const rules = this.rules;
    if (this.#name(0) && this.#offset(0)) {
      if (this.#i < spec.length) {
        if (this.#name(1)) {
          this.#offset(1);
          const i = this.#i;
          // glibc reads the rules from the posixrules file here when there is one; without it,
          // it goes on with the rules below, whose defaults are the US ones.
          this.defaultRules = i === spec.length || (spec[i] === "," && i + 1 === spec.length);
        }
        if (this.#rule(0)) this.#rule(1);
      } else {
        rules[1].name = rules[0].name;
        rules[1].offset = rules[0].offset;
      }
    }
  }

  /** `parse_tzname`. */
  #name(which: number): boolean {
    const s = this.#s;
    let p = this.#i;
    let start = p;
    while (p < s.length && isAlpha(s.charCodeAt(p))) p++;
    let length = p - start;
    if (length < 3) {
      p = this.#i;
      if (s[p++] !== "<") return false;
      start = p;
      for (; p < s.length; p++) {
        const c = s.charCodeAt(p);
        if (!isAlpha(c) && !isDigit(c) && c !== 43 && c !== 45) break;
      }
      length = p - start;
      if (s[p++] !== ">" || length < 3) return false;
    }
    this.rules[which].name = s.slice(start, start + length);
    this.#i = p;
    return true;
  }

  /** `parse_offset`. */
  #offset(which: number): boolean {
    const s = this.#s;
    let p = this.#i;
    const c = s[p];
    if (which === 0 && (c === undefined || (c !== "+" && c !== "-" && !isDigit(s.charCodeAt(p))))) {
      return false;
    }
    let sign = -1;
    if (c === "-" || c === "+") {
      sign = c === "-" ? 1 : -1;
      p++;
    }
    this.#i = p;
    const clock: [number, number, number] = [-1, 0, 0];
    const consumed = scanClock(s, p, clock);
    const [hh, mm, ss] = clock;
    if (hh >= 0) {
      const offset = Math.min(ss, 59) + Math.min(mm, 59) * 60 + Math.min(hh, 24) * 3600;
      this.rules[which].offset = offset === 0 ? 0 : sign * offset;
    } else if (which === 0) {
      this.rules[0].offset = 0;
      return false;
    } else {
      this.rules[1].offset = this.rules[0].offset + 3600;
    }
    this.#i = p + consumed;
    return true;
  }

  /** `parse_rule`: the date and time at which `rules[which]` takes effect. */
  #rule(which: number): boolean {
    const s = this.#s;
    const rule = this.rules[which];
    let p = this.#i;
    if (s[p] === ",") p++;
    const c = s[p];
    if (c === "J" || isDigit(s.charCodeAt(p))) {
      rule.type = c === "J" ? J1 : J0;
      if (rule.type === J1 && !isDigit(s.charCodeAt(++p))) return false;
      let end = p;
      let d = 0;
      for (; end < s.length && isDigit(s.charCodeAt(end)); end++) {
        if (d <= 365) d = d * 10 + s.charCodeAt(end) - 48;
      }
      if (end === p || d > 365) return false;
      if (rule.type === J1 && d === 0) return false;
      rule.d = d;
      p = end;
    } else if (c === "M") {
      rule.type = M;
      // sscanf("M%hu.%hu.%hu%n"): each field is stored as it is read.
      let at = p + 1;
      for (const field of ["m", "n", "d"] as const) {
        if (field !== "m") {
          if (s[at] !== ".") return false;
          at++;
        }
        const read = scanUnsignedShort(s, at);
        if (read === null) return false;
        rule[field] = read[0];
        at = read[1];
      }
      if (rule.m < 1 || rule.m > 12 || rule.n < 1 || rule.n > 5 || rule.d > 6) return false;
      p = at;
    } else if (c === undefined) {
      rule.type = M;
      rule.m = which === 0 ? 3 : 11;
      rule.n = which === 0 ? 2 : 1;
      rule.d = 0;
    } else {
      return false;
    }
    const next = s[p];
    if (next !== undefined && next !== "/" && next !== ",") return false;
    if (next === "/") {
      p++;
      if (p >= s.length) return false;
      const negative = s[p] === "-";
      if (negative) p++;
      const clock: [number, number, number] = [2, 0, 0];
      p += scanClock(s, p, clock);
      rule.secs = (negative ? -1 : 1) * (clock[0] * 3600 + clock[1] * 60 + clock[2]);
    } else {
      rule.secs = 7200;
    }
    this.#i = p;
    return true;
  }
}

/**
 * A zone given by a POSIX TZ rule string, read and evaluated as glibc 2.36 does (see the
 * module's documentation for what that means for strings it cannot fully read).
 *
 * @example
 * ```ts
 * import { PosixTimeZone } from "./posix_tz.ts";
 * const zone = new PosixTimeZone("EST+05EDT,M3.2.0,M11.1.0");
 * const summer = zone.at(Date.UTC(2024, 6, 1) / 1000);
 * console.assert(summer.abbr === "EDT" && summer.utoff === -4 * 3600 && summer.isdst === 1);
 * console.assert(zone.at(Date.UTC(2024, 0, 1) / 1000).abbr === "EST");
 * console.assert(new PosixTimeZone("garbage").at(0).abbr === "garbage");
 * ```
 */
export class PosixTimeZone implements ZoneRules {
  /** The standard time type (glibc's first rule). */
  readonly std: ZoneType;
  /** The daylight saving time type (glibc's second rule); the standard one when there is none. */
  readonly dst: ZoneType;
  /** C's `tzname` after `tzset()`: the two types' abbreviations (empty when unread). */
  readonly tzname: readonly [string, string];
  /**
   * Whether the string names daylight saving time without its rules (`AST4ADT`): glibc then
   * takes the change times from the system's `posixrules` file, shifting them by the difference
   * between that file's offsets and the string's (in glibc 2.36 with the wrong sign, and until
   * its next `tzset` from a stale offset); this class, like glibc without that file, uses the US
   * rules `M3.2.0,M11.1.0`.
   */
  readonly defaultRules: boolean;
  #rules: readonly [Rule, Rule];
  #from = 0;
  #to = 0;
  #start = 0;
  #end = 0;

  /**
   * Reads `spec` as glibc reads `TZ` (without a leading `:` and when no zone file has that
   * name). Never throws.
   *
   * @param spec The rule string.
   */
  constructor(spec: string) {
    const reader = new Reader(String(spec));
    const [std, dst] = reader.rules;
    this.#rules = reader.rules;
    this.defaultRules = reader.defaultRules;
    this.std = { abbr: std.name, utoff: std.offset, isdst: 0 };
    this.dst = { abbr: dst.name, utoff: dst.offset, isdst: 1 };
    this.tzname = [std.name, dst.name];
    this.#yearOf(0);
  }

  /**
   * The zone type in force at `seconds` since the epoch, glibc's `__tz_compute`: daylight saving
   * time runs from the first rule's change to the second's within the UTC year of `seconds`
   * (outside that span when the second comes first, as in the southern hemisphere).
   *
   * @param seconds Whole seconds since the epoch.
   * @returns {@linkcode PosixTimeZone.std} or {@linkcode PosixTimeZone.dst}.
   */
  at(seconds: number): ZoneType {
    if (!(seconds >= this.#from && seconds < this.#to)) this.#yearOf(seconds);
    const start = this.#start;
    const end = this.#end;
    const dst = start > end ? seconds < end || seconds >= start : seconds >= start && seconds < end;
    return dst ? this.dst : this.std;
  }

  /** Caches the change times of the UTC year holding `seconds`. */
  #yearOf(seconds: number): void {
    const year = yearOfDays(floorDiv(seconds, 86400));
    this.#from = daysFromCivil(year, 1, 1) * 86400;
    this.#to = daysFromCivil(year + 1, 1, 1) * 86400;
    this.#start = changeTime(this.#rules[0], year);
    this.#end = changeTime(this.#rules[1], year);
  }
}
