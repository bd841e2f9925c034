/**
 * Proleptic Gregorian calendar arithmetic on whole days and seconds, for any integer year: the
 * common ground of `gmtime`/`localtime` and the time zone rules.
 *
 * @module
 */

/**
 * Python's `//` on numbers: the quotient rounded down.
 *
 * @example
 * ```ts
 * import { floorDiv } from "./calendar.ts";
 * console.assert(floorDiv(-7, 2) === -4);
 * ```
 */
export function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * Python's `%` on numbers: the remainder with the sign of `b`.
 *
 * @example
 * ```ts
 * import { mod } from "./calendar.ts";
 * console.assert(mod(-1, 7) === 6);
 * ```
 */
export function mod(a: number, b: number): number {
  const r = a % b;
  return r < 0 ? r + b : r;
}

/**
 * Whether `year` is a leap year in the proleptic Gregorian calendar.
 *
 * @example
 * ```ts
 * import { isLeap } from "./calendar.ts";
 * console.assert(isLeap(2000) && !isLeap(1900) && isLeap(2024));
 * ```
 */
export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

/**
 * Days before each month (0-11) in a common year.
 *
 * @example
 * ```ts
 * import { MONTH_START } from "./calendar.ts";
 * console.assert(MONTH_START[2] === 59);
 * ```
 */
export const MONTH_START: readonly number[] = [
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
];

/**
 * Days from 1970-01-01 to the given date.
 *
 * @param year Any integer year.
 * @param month 1-12.
 * @param day The day of the month; out-of-range days count on from the month's first day.
 * @returns The day number, negative before 1970.
 *
 * @example
 * ```ts
 * import { daysFromCivil } from "./calendar.ts";
 * console.assert(daysFromCivil(1970, 1, 1) === 0 && daysFromCivil(2000, 3, 1) === 11017);
 * ```
 */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = floorDiv(y, 400);
  const yearOfEra = y - era * 400;
  const shifted = month > 2 ? month - 3 : month + 9;
  const dayOfYear = floorDiv(153 * shifted + 2, 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100) +
    dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/**
 * The year of a day number (days since 1970-01-01), the inverse of {@linkcode daysFromCivil}
 * for the year alone.
 *
 * @example
 * ```ts
 * import { yearOfDays } from "./calendar.ts";
 * console.assert(yearOfDays(-1) === 1969 && yearOfDays(0) === 1970 && yearOfDays(11017) === 2000);
 * ```
 */
export function yearOfDays(days: number): number {
  splitDays(days);
  return splitYear;
}

// The civil date of the last splitDays call: module scratch, so that neither caller allocates.
let splitYear = 0;
let splitMon = 0;
let splitMday = 0;

/** Sets splitYear, splitMon and splitMday from a day number (Howard Hinnant's civil_from_days). */
function splitDays(days: number): void {
  const z = days + 719468;
  const era = floorDiv(z, 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = floorDiv(
    dayOfEra - floorDiv(dayOfEra, 1460) + floorDiv(dayOfEra, 36524) - floorDiv(dayOfEra, 146096),
    365,
  );
  const dayOfYear = dayOfEra -
    (365 * yearOfEra + floorDiv(yearOfEra, 4) - floorDiv(yearOfEra, 100));
  const mp = floorDiv(5 * dayOfYear + 2, 153);
  splitMday = dayOfYear - floorDiv(153 * mp + 2, 5) + 1;
  splitMon = mp < 10 ? mp + 3 : mp - 9;
  splitYear = yearOfEra + era * 400 + (splitMon <= 2 ? 1 : 0);
}

/** A broken-down date and time of day, with Python's `struct_time` conventions. */
export interface Civil {
  /** The year. */
  year: number;
  /** 1-12. */
  mon: number;
  /** 1-31. */
  mday: number;
  /** 0-23. */
  hour: number;
  /** 0-59. */
  min: number;
  /** 0-59. */
  sec: number;
  /** Monday is 0. */
  wday: number;
  /** 1-366. */
  yday: number;
}

/**
 * Breaks whole seconds since 1970-01-01 00:00 down into a date and time, reading them as UTC
 * (pass `t + offset` for a local time).
 *
 * @example
 * ```ts
 * import { civilFromSeconds } from "./calendar.ts";
 * const c = civilFromSeconds(1700000000);
 * console.assert(c.year === 2023 && c.mon === 11 && c.mday === 14 && c.hour === 22 && c.wday === 1);
 * ```
 */
export function civilFromSeconds(s: number): Civil {
  const days = floorDiv(s, 86400);
  const rest = s - days * 86400;
  splitDays(days);
  const year = splitYear;
  const mon = splitMon;
  const mday = splitMday;
  return {
    year,
    mon,
    mday,
    hour: floorDiv(rest, 3600),
    min: floorDiv(rest % 3600, 60),
    sec: rest % 60,
    wday: mod(days + 3, 7),
    yday: MONTH_START[mon - 1] + (mon > 2 && isLeap(year) ? 1 : 0) + mday,
  };
}
