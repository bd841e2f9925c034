/**
 * Python's `time` module slice that logging needs: `struct_time` ({@linkcode TimeStruct}),
 * {@linkcode localtime}, {@linkcode gmtime}, {@linkcode mktime}, {@linkcode timegm},
 * {@linkcode tzset}, {@linkcode timezoneInfo} and {@linkcode strftime}, printing exactly what
 * CPython prints on Linux (glibc, C/POSIX locale): every directive of Python's documentation, the
 * glibc extensions (`%e %k %l %s %P %G %V ...`), the flags `_ - 0 ^ #`, field widths, the `E`/`O`
 * modifiers, and unknown directives copied through as text (so `%f` prints `%f`, as
 * `time.strftime` does in 3.13).
 *
 * Local time follows the `TZ` environment variable as glibc reads it (and so as CPython does on
 * Linux), when the program may read it (`--allow-env=TZ`): an IANA name that the JavaScript
 * engine knows as it is (`Europe/Berlin`) goes through `Date`; a POSIX TZ rule string
 * (`EST+05EDT,M3.2.0,M11.1.0`, `<+0330>-3:30`, also malformed ones) is evaluated by its rules
 * ({@linkcode PosixTimeZone}), which `Date` would read as UTC; a zone file that `Date` does not
 * know by its name (`EST5EDT`, `posix/Europe/Berlin`, a path such as `:/etc/localtime`) is read
 * with `--allow-read` for it, as glibc reads it; `TZ` empty is UTC. Without `TZ` (or without the
 * permission to read it), `Date`'s zone is used. With `Date`, the zone abbreviation (`tm_zone`,
 * `%Z`) and `tm_isdst` come from the system's TZif file (`/usr/share/zoneinfo/<zone>`) when read
 * access to it is already granted; otherwise they are derived from `Intl` (`EST`, `CET`, `BST`,
 * or numeric ones such as `+03`, the tzdata style) and from the year's offsets, which can differ
 * from glibc for zones whose abbreviation `Intl` does not know and for zones with negative DST
 * such as Europe/Dublin; and the UTC offsets are the JavaScript engine's, whose time zone data
 * differs from the system's before 1970 for a few zones. After changing `TZ` at run time, call
 * {@linkcode tzset}, as in Python. {@linkcode mktime} is glibc's algorithm, step for step.
 *
 * A log formatter formats the same second many times: {@linkcode compileStrftime} parses a
 * format once, and {@linkcode cachedStrftime} formats each whole second once.
 *
 * @module
 */

import { civilFromSeconds, daysFromCivil, floorDiv, isLeap, mod } from "./calendar.ts";
import { OverflowError, ValueError } from "./errors.ts";
import { PosixTimeZone, type ZoneRules, type ZoneType } from "./posix_tz.ts";
import { TzifZone } from "./tzif.ts";

/**
 * Python's `time.struct_time`: a broken-down time, with Python's field names and conventions.
 */
export interface TimeStruct {
  /** The year, e.g. `2024`. */
  readonly tm_year: number;
  /** The month, 1-12. */
  readonly tm_mon: number;
  /** The day of the month, 1-31. */
  readonly tm_mday: number;
  /** The hour, 0-23. */
  readonly tm_hour: number;
  /** The minute, 0-59. */
  readonly tm_min: number;
  /** The second, 0-61. */
  readonly tm_sec: number;
  /** The day of the week, Monday is 0. */
  readonly tm_wday: number;
  /** The day of the year, 1-366. */
  readonly tm_yday: number;
  /** 1 when daylight saving time is in effect, 0 when not, -1 when unknown. */
  readonly tm_isdst: number;
  /** The zone's abbreviation, e.g. `"EST"`; `"GMT"` for {@linkcode gmtime}, as on glibc. */
  readonly tm_zone: string;
  /** The offset east of UTC, in seconds. */
  readonly tm_gmtoff: number;
}

// ---------------------------------------------------------------------------------------------
// Shared helpers

/** The largest |seconds| that `Date` (and so {@linkcode localtime}) can convert. */
const MAX_SECONDS = 8.64e12;

function checkFinite(seconds: number): number {
  if (Number.isNaN(seconds)) throw new ValueError("Invalid value NaN (not a number)");
  if (!Number.isFinite(seconds) || Math.abs(seconds) > 9e15) {
    throw new OverflowError("timestamp out of range for platform time_t");
  }
  return Math.floor(seconds);
}

function currentSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** The struct of whole `seconds` since the epoch in a zone `gmtoff` seconds east of UTC. */
function struct(seconds: number, gmtoff: number, isdst: number, zone: string): TimeStruct {
  const c = civilFromSeconds(seconds + gmtoff);
  return {
    tm_year: c.year,
    tm_mon: c.mon,
    tm_mday: c.mday,
    tm_hour: c.hour,
    tm_min: c.min,
    tm_sec: c.sec,
    tm_wday: c.wday,
    tm_yday: c.yday,
    tm_isdst: isdst,
    tm_zone: zone,
    tm_gmtoff: gmtoff,
  };
}

// ---------------------------------------------------------------------------------------------
// gmtime / timegm

/**
 * Converts seconds since the epoch to a UTC {@linkcode TimeStruct}, like Python's `time.gmtime`.
 * Fractions of a second are dropped (rounded down). `tm_zone` is `"GMT"`, as glibc sets it.
 *
 * @param seconds Seconds since the epoch; the current time when omitted.
 * @returns The broken-down UTC time.
 * @throws {ValueError} When `seconds` is NaN.
 * @throws {OverflowError} When `seconds` is infinite or too large (a `RangeError`).
 *
 * @example
 * ```ts
 * import { gmtime } from "@x/loghandlers";
 * const t = gmtime(1700000000.5);
 * console.assert(t.tm_year === 2023 && t.tm_mon === 11 && t.tm_hour === 22 && t.tm_wday === 1);
 * ```
 */
export function gmtime(seconds?: number): TimeStruct {
  return struct(seconds === undefined ? currentSeconds() : checkFinite(seconds), 0, 0, "GMT");
}

type CivilFields = Pick<
  TimeStruct,
  "tm_year" | "tm_mon" | "tm_mday" | "tm_hour" | "tm_min" | "tm_sec"
>;

/** Seconds of the broken-down time read as UTC; months, days and times may be out of range. */
function linearSeconds(tm: CivilFields): number {
  const month0 = tm.tm_mon - 1;
  const year = tm.tm_year + floorDiv(month0, 12);
  const days = daysFromCivil(year, mod(month0, 12) + 1, 1) + tm.tm_mday - 1;
  return days * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
}

/**
 * The inverse of {@linkcode gmtime}, like Python's `calendar.timegm`: reads the fields as UTC and
 * ignores `tm_wday`, `tm_yday` and `tm_isdst`. Days, hours, minutes and seconds may be out of
 * range (they carry over).
 *
 * @param tm The broken-down UTC time (only the first six fields are read).
 * @returns Seconds since the epoch.
 * @throws {ValueError} When the month is not 1-12 or the year is not 1-9999, as in Python.
 *
 * @example
 * ```ts
 * import { gmtime } from "@x/loghandlers";
 * import { timegm } from "@x/loghandlers/extend";
 * console.assert(timegm(gmtime(1700000000)) === 1700000000);
 * ```
 */
export function timegm(
  tm: Pick<TimeStruct, "tm_year" | "tm_mon" | "tm_mday" | "tm_hour" | "tm_min" | "tm_sec">,
): number {
  if (!(tm.tm_mon >= 1 && tm.tm_mon <= 12)) throw new ValueError("month must be in 1..12");
  if (!(tm.tm_year >= 1 && tm.tm_year <= 9999)) {
    throw new ValueError(`year ${tm.tm_year} is out of range`);
  }
  return linearSeconds(tm);
}

// ---------------------------------------------------------------------------------------------
// The local zone

/**
 * Where local time comes from. With `rules`, from them (a POSIX TZ rule string, or a zone file
 * that V8 does not know by its name), as glibc computes it; otherwise from `Date` (V8's zone),
 * with abbreviations and DST flags from the zone's TZif file (`tzif`) when it can be read, else
 * from `Intl`.
 */
interface ZoneState {
  /** V8's name of its zone, for `Intl`. */
  readonly name: string | undefined;
  readonly rules: ZoneRules | null;
  readonly tzif: TzifZone | null;
  /** Whether a lookup has agreed with Date since the data was loaded. */
  matched: boolean;
  /** Intl formatters for the abbreviation fallback, created on first use. */
  intl: Intl.DateTimeFormat[] | undefined;
  readonly abbrCache: Map<number, string>;
  readonly stdOffsetCache: Map<number, number>;
  /** C's `tzname`: the standard and daylight-saving abbreviations. */
  names: readonly [string, string] | undefined;
  /** Python's `time.timezone`, `altzone`, `daylight` and `tzname`. */
  info: TimezoneInfo | undefined;
}

let zoneState: ZoneState | undefined;

function resolveZoneName(): string | undefined {
  try {
    return new Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

function canQuery(): boolean {
  return typeof Deno === "object" && typeof Deno.permissions?.querySync === "function";
}

/** The `TZ` environment variable, when it may be read without a prompt. */
function readTz(): string | undefined {
  try {
    if (!canQuery()) return undefined;
    if (Deno.permissions.querySync({ name: "env", variable: "TZ" }).state !== "granted") {
      return undefined;
    }
    return Deno.env.get("TZ");
  } catch {
    return undefined;
  }
}

/** Zone files are a few kilobytes; a larger file is not read. */
const ZONE_FILE_MAX = 1 << 20;

/**
 * The file glibc reads for the zone `name` (a path, or a name under `/usr/share/zoneinfo`): its
 * bytes, `null` when there is no such regular file, `undefined` when that cannot be known
 * because reading it is not granted (a formatter never stops a program to ask).
 */
function zoneFile(name: string): Uint8Array | null | undefined {
  const path = name.startsWith("/") ? name : `/usr/share/zoneinfo/${name}`;
  try {
    if (!canQuery()) return undefined;
    if (Deno.permissions.querySync({ name: "read", path }).state !== "granted") return undefined;
  } catch {
    return undefined;
  }
  try {
    const info = Deno.statSync(path);
    return info.isFile && info.size <= ZONE_FILE_MAX ? Deno.readFileSync(path) : null;
  } catch {
    return null;
  }
}

function readTzif(name: string | undefined): TzifZone | null {
  const bytes = name === undefined ? null : zoneFile(name);
  return bytes ? TzifZone.parse(bytes) : null;
}

/** Whether `name` is an IANA zone name that `Intl` (and so V8) knows, perhaps as an alias. */
function knownToIntl(name: string): boolean {
  if (name.length > 255 || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) {
    return false;
  }
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * Reads the local zone as glibc does from `TZ`: empty (or `:`) is UTC; a leading `:` is dropped;
 * a name V8 knows as it is stays with V8; a zone file is read; anything else is a POSIX TZ rule
 * string. When `TZ` cannot be read (no `--allow-env=TZ`), or is unset, V8's zone is used.
 */
function loadZone(): ZoneState {
  const tz = readTz();
  const v8 = resolveZoneName();
  let rules: ZoneRules | null = null;
  let tzif: TzifZone | null = null;
  if (tz === undefined) {
    tzif = readTzif(v8);
  } else {
    const spec = tz.startsWith(":") ? tz.slice(1) : tz;
    if (spec === "") {
      rules = new PosixTimeZone("UTC0"); // glibc: the "Universal" zone file, else UTC
    } else if (spec === v8) {
      tzif = readTzif(spec);
    } else {
      const bytes = zoneFile(spec);
      const file = bytes ? TzifZone.parse(bytes) : null;
      if (file !== null) rules = file;
      else if (!(bytes === undefined && knownToIntl(spec))) rules = new PosixTimeZone(spec);
    }
  }
  return zoneState = {
    name: v8,
    rules,
    tzif,
    matched: false,
    intl: undefined,
    abbrCache: new Map(),
    stdOffsetCache: new Map(),
    names: undefined,
    info: undefined,
  };
}

/** C's `tzname[isdst]` for the local zone, which glibc's `%Z` prints when `tm_zone` is empty. */
function localZoneName(isdst: number): string {
  const state = zoneState ?? loadZone();
  if (state.names === undefined) {
    const source = state.rules ?? state.tzif;
    if (source !== null) {
      state.names = source.tzname;
    } else {
      const year = new Date().getFullYear();
      const jan = localtime(Date.UTC(year, 0, 1) / 1000);
      const jul = localtime(Date.UTC(year, 6, 1) / 1000);
      const [std, dst] = jan.tm_isdst > 0 ? [jul, jan] : [jan, jul];
      state.names = [std.tm_zone, dst.tm_isdst > 0 ? dst.tm_zone : std.tm_zone];
    }
  }
  return state.names[isdst > 0 ? 1 : 0];
}

function zoneText(t: CTime): string {
  return t.zone !== "" ? t.zone : t.isdst >= 0 ? localZoneName(t.isdst) : "";
}

/**
 * Reads the local time zone again, so that {@linkcode localtime}, {@linkcode mktime},
 * {@linkcode strftime}'s `%Z` and {@linkcode timezoneInfo} follow a changed `TZ` environment
 * variable: call it after `Deno.env.set("TZ", ...)`, as Python's `time.tzset()` after setting
 * `os.environ["TZ"]`. (A change to another IANA zone is also noticed by itself, when the new
 * zone's UTC offset differs from the old one's.)
 *
 * @example
 * ```ts
 * import { localtime } from "@x/loghandlers";
 * import { tzset } from "@x/loghandlers/extend";
 * tzset();
 * console.assert(typeof localtime().tm_zone === "string");
 * ```
 */
export function tzset(): void {
  zoneState = undefined;
}

/** The TZif type in force at `s`, if it agrees with the offset Date reports. */
function lookupType(zone: TzifZone, s: number, gmtoff: number): ZoneType | undefined {
  const type = zone.at(s);
  return type.utoff === gmtoff ? type : undefined;
}

/** The UTC offset, in seconds, that Date applies at `s` seconds since the epoch. */
function dateOffset(s: number): number {
  const d = new Date(s * 1000);
  const days = daysFromCivil(d.getFullYear(), d.getMonth() + 1, d.getDate());
  return days * 86400 + d.getHours() * 3600 + d.getMinutes() * 60 + d.getSeconds() - s;
}

function fallbackIsdst(state: ZoneState, year: number, gmtoff: number): number {
  let std = state.stdOffsetCache.get(year);
  if (std === undefined) {
    const jan = daysFromCivil(year, 1, 1) * 86400;
    std = Math.min(dateOffset(jan), dateOffset(jan + 181 * 86400));
    if (state.stdOffsetCache.size > 256) state.stdOffsetCache.clear();
    state.stdOffsetCache.set(year, std);
  }
  return gmtoff > std ? 1 : 0;
}

function numericAbbr(gmtoff: number): string {
  const a = Math.abs(gmtoff);
  const hh = String(Math.floor(a / 3600)).padStart(2, "0");
  const mm = Math.floor(a % 3600 / 60);
  return (gmtoff < 0 ? "-" : "+") + hh + (mm ? String(mm).padStart(2, "0") : "");
}

/**
 * tzdata's abbreviations for zones whose short name `Intl` (en-US, en-GB) does not give, by
 * their long English name; "" marks the zones tzdata names numerically (`+04`).
 */
const TZDATA_ABBREVIATIONS: Record<string, string> = {
  "American Samoa Standard Time": "SST",
  "Australian Central Daylight Time": "ACDT",
  "Australian Central Standard Time": "ACST",
  "Australian Eastern Daylight Time": "AEDT",
  "Australian Eastern Standard Time": "AEST",
  "Australian Western Standard Time": "AWST",
  "Azores Summer Time": "",
  "Central Africa Time": "CAT",
  "Central Indonesia Time": "WITA",
  "Chamorro Standard Time": "ChST",
  "China Standard Time": "CST",
  "Cuba Daylight Time": "CDT",
  "Cuba Standard Time": "CST",
  "East Africa Time": "EAT",
  "East Greenland Summer Time": "",
  "Eastern Indonesia Time": "WIT",
  "Gulf Standard Time": "",
  "Hawaii-Aleutian Daylight Time": "HDT",
  "Hawaii-Aleutian Standard Time": "HST",
  "Hong Kong Standard Time": "HKT",
  "India Standard Time": "IST",
  "Irish Standard Time": "IST",
  "Israel Daylight Time": "IDT",
  "Israel Standard Time": "IST",
  "Japan Standard Time": "JST",
  "Korean Standard Time": "KST",
  "Mexican Pacific Standard Time": "MST",
  "Moscow Standard Time": "MSK",
  "New Zealand Daylight Time": "NZDT",
  "New Zealand Standard Time": "NZST",
  "Newfoundland Daylight Time": "NDT",
  "Newfoundland Standard Time": "NST",
  "Pakistan Standard Time": "PKT",
  "Philippine Standard Time": "PST",
  "South Africa Standard Time": "SAST",
  "Taiwan Standard Time": "CST",
  "Volgograd Standard Time": "MSK",
  "West Africa Standard Time": "WAT",
  "Western European Standard Time": "WET",
  "Western European Summer Time": "WEST",
  "Western Indonesia Time": "WIB",
  "Yukon Time": "MST",
};

function zoneNamePart(format: Intl.DateTimeFormat, ms: number): string | undefined {
  return format.formatToParts(ms).find((p) => p.type === "timeZoneName")?.value;
}

function fallbackAbbr(state: ZoneState, ms: number, gmtoff: number, isdst: number): string {
  const key = gmtoff * 2 + isdst;
  let abbr = state.abbrCache.get(key);
  if (abbr !== undefined) return abbr;
  abbr = numericAbbr(gmtoff);
  try {
    const timeZone = state.name;
    state.intl ??= [
      new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "long" }),
      new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "short" }),
      new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "short" }),
    ];
    const [long, ...short] = state.intl;
    const known = TZDATA_ABBREVIATIONS[zoneNamePart(long, ms) ?? ""];
    if (known !== undefined) {
      if (known !== "") abbr = known;
    } else {
      for (const f of short) {
        const name = zoneNamePart(f, ms);
        if (name !== undefined && !/^GMT[+\-\u2212]/.test(name)) {
          abbr = name;
          break;
        }
      }
    }
  } catch {
    // keep the numeric form
  }
  if (state.abbrCache.size > 64) state.abbrCache.clear();
  state.abbrCache.set(key, abbr);
  return abbr;
}

/**
 * Converts seconds since the epoch to local time, like Python's `time.localtime` on Linux. The
 * zone is the `TZ` environment variable's, read as glibc reads it: an IANA name (`Europe/Berlin`)
 * through the JavaScript `Date`; a POSIX TZ rule string (`EST+05EDT,M3.2.0,M11.1.0`,
 * `<+0330>-3:30`) by its rules, which JavaScript engines do not know (they read it as UTC);
 * without `TZ`, the system's zone. Reading `TZ` needs `--allow-env=TZ` (without it, `Date`'s
 * zone is used); a zone file that `Date` does not know by its name (`EST5EDT`, `posix/...`, a
 * path such as `:/etc/localtime`) is read with `--allow-read` for it, as glibc reads it.
 * Fractions of a second are dropped (rounded down).
 *
 * @param seconds Seconds since the epoch; the current time when omitted.
 * @returns The broken-down local time, with `tm_isdst`, `tm_zone` and `tm_gmtoff`.
 * @throws {ValueError} When `seconds` is NaN.
 * @throws {OverflowError} When `seconds` is outside the range of `Date` (a `RangeError`).
 *
 * @example
 * ```ts
 * import { localtime } from "@x/loghandlers";
 * const t = localtime(0);
 * console.assert(t.tm_year === 1970 || t.tm_year === 1969);
 * const seconds = t.tm_hour * 3600 + t.tm_min * 60 + t.tm_sec;
 * console.assert(seconds - (t.tm_year === 1969 ? 86400 : 0) === t.tm_gmtoff);
 * ```
 */
export function localtime(seconds?: number): TimeStruct {
  const s = seconds === undefined ? currentSeconds() : checkFinite(seconds);
  if (Math.abs(s) > MAX_SECONDS) {
    throw new OverflowError("timestamp out of range for platform time_t");
  }
  let state = zoneState ?? loadZone();
  if (state.rules !== null) {
    const type = state.rules.at(s);
    return struct(s, type.utoff, type.isdst, type.abbr);
  }
  const ms = s * 1000;
  const date = new Date(ms);
  const year = date.getFullYear();
  const mon = date.getMonth() + 1;
  const mday = date.getDate();
  const hour = date.getHours();
  const min = date.getMinutes();
  const sec = date.getSeconds();
  const days = daysFromCivil(year, mon, mday);
  const gmtoff = days * 86400 + hour * 3600 + min * 60 + sec - s;
  let isdst: number;
  let zone: string;
  let type = state.tzif === null ? undefined : lookupType(state.tzif, s, gmtoff);
  if (type === undefined && state.tzif !== null && state.matched) {
    // The zone may have changed under us (TZ set at run time): look again, once.
    state = loadZone();
    if (state.rules !== null) return localtime(s);
    type = state.tzif === null ? undefined : lookupType(state.tzif, s, gmtoff);
  }
  if (type !== undefined) {
    state.matched = true;
    isdst = type.isdst;
    zone = type.abbr;
  } else {
    isdst = fallbackIsdst(state, year, gmtoff);
    zone = fallbackAbbr(state, ms, gmtoff, isdst);
  }
  return {
    tm_year: year,
    tm_mon: mon,
    tm_mday: mday,
    tm_hour: hour,
    tm_min: min,
    tm_sec: sec,
    tm_wday: mod(days + 3, 7),
    tm_yday: days - daysFromCivil(year, 1, 1) + 1,
    tm_isdst: isdst,
    tm_zone: zone,
    tm_gmtoff: gmtoff,
  };
}

/** Python's `time.timezone`, `time.altzone`, `time.daylight` and `time.tzname`. */
export interface TimezoneInfo {
  /** The offset of standard time, in seconds west of UTC (`18000` for `EST5EDT`). */
  readonly timezone: number;
  /** The offset of daylight saving time, in seconds west of UTC; `timezone` without it. */
  readonly altzone: number;
  /** 1 when the two offsets differ, else 0. */
  readonly daylight: number;
  /** The standard and daylight saving abbreviations, each cut to 9 characters. */
  readonly tzname: readonly [string, string];
}

/**
 * The local zone's constants as CPython on Linux computes them (when the `time` module is
 * imported and at each `time.tzset()`): from the local time at the start of the current year
 * and half a year later (by CPython's year of 365.25 days), so a zone whose offset does not
 * change reports `daylight` 0 even if it has a DST abbreviation, and a southern zone reports its
 * winter as standard time. Computed once after each {@linkcode tzset}.
 *
 * @returns `{ timezone, altzone, daylight, tzname }`.
 *
 * @example
 * ```ts
 * import { timezoneInfo } from "@x/loghandlers/extend";
 * const { timezone, altzone, daylight, tzname } = timezoneInfo();
 * console.assert(daylight === (timezone === altzone ? 0 : 1));
 * console.assert(tzname.length === 2 && timezone >= altzone);
 * ```
 */
export function timezoneInfo(): TimezoneInfo {
  const state = zoneState ?? loadZone();
  if (state.info === undefined) {
    const YEAR = (365 * 24 + 6) * 3600;
    const t = Math.trunc(currentSeconds() / YEAR) * YEAR;
    const jan = localtime(t);
    const jul = localtime(t + YEAR / 2);
    const janzone = -jan.tm_gmtoff;
    const julyzone = -jul.tm_gmtoff;
    const janname = jan.tm_zone.slice(0, 9);
    const julyname = jul.tm_zone.slice(0, 9);
    const daylight = janzone !== julyzone ? 1 : 0;
    state.info = janzone < julyzone
      ? { timezone: julyzone, altzone: janzone, daylight, tzname: [julyname, janname] }
      : { timezone: janzone, altzone: julyzone, daylight, tzname: [janname, julyname] };
  }
  return state.info;
}

// ---------------------------------------------------------------------------------------------
// mktime: glibc 2.36's __mktime_internal

/** glibc's `localtime_offset`: the last result's offset, where the next search starts. */
let mktimeOffset = 0;

/** glibc's probe stride and the half-span it searches for a time with the requested DST flag. */
const DST_PROBE_STRIDE = 601200;
const DST_PROBE_BOUND = Math.trunc(457243209 / 2) + DST_PROBE_STRIDE;

/** glibc's `isdst_differ`: one flag says DST, the other not, and neither is unknown. */
function isdstDiffer(a: number, b: number): boolean {
  return !a !== !b && a >= 0 && b >= 0;
}

/** glibc's `ranged_convert` moves a probe into the range it can convert. */
function clampToRange(t: number): number {
  return Math.min(Math.max(t, -MAX_SECONDS), MAX_SECONDS);
}

/**
 * The inverse of {@linkcode localtime}, like Python's `time.mktime` on Linux (glibc 2.36's
 * algorithm, step for step): reads the fields as local time and returns seconds since the
 * epoch. Out-of-range fields carry over. `tm_isdst` 1 or 0 picks the daylight saving or the
 * standard reading of a repeated hour, and a time in a skipped hour or with the other flag is
 * shifted by the zone's DST difference (an hour when no change is found within about seven
 * years); with -1 the zone decides, and in a repeated hour the answer depends on the previous
 * call, as in glibc. `tm_wday`, `tm_yday`, `tm_zone` and `tm_gmtoff` are ignored.
 *
 * @param tm The broken-down local time.
 * @returns Seconds since the epoch.
 * @throws {OverflowError} When the time is outside the range of `Date` (a `RangeError`).
 *
 * @example
 * ```ts
 * import { localtime } from "@x/loghandlers";
 * import { mktime } from "@x/loghandlers/extend";
 * console.assert(mktime(localtime(1700000000)) === 1700000000);
 * ```
 */
export function mktime(
  tm: Pick<
    TimeStruct,
    "tm_year" | "tm_mon" | "tm_mday" | "tm_hour" | "tm_min" | "tm_sec" | "tm_isdst"
  >,
): number {
  const secRequested = tm.tm_sec;
  const sec = secRequested < 0 ? 0 : secRequested > 59 ? 59 : secRequested;
  const local = linearSeconds({ ...tm, tm_sec: sec });
  if (!Number.isFinite(local) || Math.abs(local) > MAX_SECONDS - 2 * 86400) {
    throw new OverflowError("mktime argument out of range");
  }
  const isdst = tm.tm_isdst;
  const t0 = local + mktimeOffset;
  let t = t0;
  let t1 = t0;
  let t2 = t0;
  let dst2 = 0;
  let remaining = 6;
  t = clampToRange(t);
  let z = localtime(t);
  found: {
    for (;;) {
      const dt = local - (t + z.tm_gmtoff);
      if (dt === 0) break;
      if (
        t === t1 && t !== t2 &&
        (z.tm_isdst < 0 ||
          (isdst < 0 ? dst2 <= (z.tm_isdst !== 0 ? 1 : 0) : (isdst !== 0) !== (z.tm_isdst !== 0)))
      ) {
        // Oscillating around a skipped hour: keep this probe.
        break found;
      }
      if (--remaining === 0) throw new OverflowError("mktime argument out of range");
      t1 = t2;
      t2 = t;
      t = clampToRange(t + dt);
      dst2 = z.tm_isdst !== 0 ? 1 : 0;
      z = localtime(t);
    }
    if (isdstDiffer(isdst, z.tm_isdst)) {
      // The flag is wrong: borrow the offset of the nearest time with the requested flag.
      const dstDifference = (isdst === 0 ? 1 : 0) - (z.tm_isdst === 0 ? 1 : 0);
      for (let delta = DST_PROBE_STRIDE; delta < DST_PROBE_BOUND; delta += DST_PROBE_STRIDE) {
        for (let direction = -1; direction <= 1; direction += 2) {
          const ot = clampToRange(t + delta * direction);
          const other = localtime(ot);
          if (!isdstDiffer(isdst, other.tm_isdst)) {
            const gt = ot + (local - (ot + other.tm_gmtoff));
            if (Math.abs(gt) <= MAX_SECONDS) {
              t = gt;
              z = localtime(t);
              break found;
            }
          }
        }
      }
      t += 3600 * dstDifference;
      if (Math.abs(t) > MAX_SECONDS) throw new OverflowError("mktime argument out of range");
      z = localtime(t);
    }
  }
  mktimeOffset = t - local;
  if (secRequested !== z.tm_sec) {
    t += secRequested - sec;
    if (Math.abs(t) > MAX_SECONDS) throw new OverflowError("mktime argument out of range");
  }
  return t;
}
// ---------------------------------------------------------------------------------------------
// strftime

/** The struct tm that glibc's strftime sees, after Python's checks and conversions. */
interface CTime {
  readonly year: number;
  readonly mon: number; // 0-11
  readonly mday: number;
  readonly hour: number;
  readonly min: number;
  readonly sec: number;
  readonly wday: number; // Sunday = 0
  readonly yday: number; // 0-365
  readonly isdst: number; // -1, 0, 1
  readonly zone: string;
  readonly gmtoff: number;
}

function intField(tm: TimeStruct, key: keyof TimeStruct): number {
  const v = tm[key];
  if (typeof v !== "number" || !Number.isInteger(v)) {
    throw new TypeError(
      `strftime(): ${key} must be an integer, not ${v === null ? "null" : typeof v}`,
    );
  }
  return v;
}

/** Python's `gettmarg` + `checktm` for `time.strftime`, with their error messages. */
function toCTime(tm: TimeStruct): CTime {
  const year = intField(tm, "tm_year");
  let mon = intField(tm, "tm_mon") - 1;
  let mday = intField(tm, "tm_mday");
  const hour = intField(tm, "tm_hour");
  const min = intField(tm, "tm_min");
  const sec = intField(tm, "tm_sec");
  const wday = (intField(tm, "tm_wday") + 1) % 7;
  let yday = intField(tm, "tm_yday") - 1;
  let isdst = intField(tm, "tm_isdst");
  if (mon === -1) mon = 0;
  else if (mon < 0 || mon > 11) throw new ValueError("month out of range");
  if (mday === 0) mday = 1;
  else if (mday < 0 || mday > 31) throw new ValueError("day of month out of range");
  if (hour < 0 || hour > 23) throw new ValueError("hour out of range");
  if (min < 0 || min > 59) throw new ValueError("minute out of range");
  if (sec < 0 || sec > 61) throw new ValueError("seconds out of range");
  if (wday < 0) throw new ValueError("day of week out of range");
  if (yday === -1) yday = 0;
  else if (yday < 0 || yday > 365) throw new ValueError("day of year out of range");
  if (isdst < -1) isdst = -1;
  else if (isdst > 1) isdst = 1;
  const zone = typeof tm.tm_zone === "string" ? tm.tm_zone : "";
  const gmtoff = typeof tm.tm_gmtoff === "number" ? Math.trunc(tm.tm_gmtoff) : 0;
  return { year, mon, mday, hour, min, sec, wday, yday, isdst, zone, gmtoff };
}

type Piece = (t: CTime) => string;

interface Spec {
  /** `_`, `-`, `0` or `""`. */
  pad: string;
  /** -1 when no width was given. */
  width: number;
  upper: boolean;
  lower: boolean;
  /** The `#` flag. */
  swapCase: boolean;
  /** `E`, `O` or `""`. */
  modifier: string;
}

const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
const ABBR_DAYS = DAYS.map((d) => d.slice(0, 3));
const ABBR_MONTHS = MONTHS.map((m) => m.slice(0, 3));

/** `towupper` on each character (Python runs glibc's wide-character strftime). */
function upperEach(s: string): string {
  return s.replace(/[^\0-@[-`{-\x7f]/gu, (c) => {
    const u = c.toUpperCase();
    return u.length === c.length ? u : c;
  });
}

/** `towlower` on each character. */
function lowerEach(s: string): string {
  return s.replace(/[^\0-@[-`{-\x7f]/gu, (c) => {
    const l = c.toLowerCase();
    return l.length === c.length ? l : c;
  });
}

/** glibc's `add`: pad on the left to `width` with zeros (flag `0`) or spaces. */
function widen(text: string, width: number, pad: string): string {
  return width > text.length ? (pad === "0" ? "0" : " ").repeat(width - text.length) + text : text;
}

/** glibc's `cpy`: `add` plus the case conversion. */
function copy(text: string, spec: Spec, upper: boolean, lower: boolean): string {
  const s = widen(text, spec.width, spec.pad);
  return lower ? lowerEach(s) : upper ? upperEach(s) : s;
}

/** glibc's `DO_NUMBER` / `DO_NUMBER_SPACEPAD` and the sign-and-padding step. */
function number(spec: Spec, minDigits: number, value: number, spacePad = false): string {
  let pad = spec.pad;
  if (spacePad && pad !== "0" && pad !== "-") pad = "_";
  const digits = Math.max(minDigits, spec.width);
  const negative = value < 0;
  const body = String(negative ? -value : value);
  let width = spec.width;
  let text = negative ? "-" + body : body;
  if (pad !== "-") {
    const padding = digits - text.length;
    if (padding > 0) {
      if (pad === "_") {
        text = " ".repeat(padding) + text;
        width = width > padding ? width - padding : 0;
      } else {
        text = (negative ? "-" : "") + "0".repeat(padding) + body;
        width = 0;
      }
    }
  }
  return widen(text, width, pad);
}

function isoWeekDays(yday: number, wday: number): number {
  return yday - (yday - wday + 382) % 7 + 3;
}

/** [ISO year, 0-based days since the start of its week 1]. */
function isoWeek(t: CTime): [number, number] {
  let year = t.year;
  let days = isoWeekDays(t.yday, t.wday);
  if (days < 0) {
    year--;
    days = isoWeekDays(t.yday + (365 + (isLeap(year) ? 1 : 0)), t.wday);
  } else {
    const d = isoWeekDays(t.yday - (365 + (isLeap(year) ? 1 : 0)), t.wday);
    if (d >= 0) {
      year++;
      days = d;
    }
  }
  return [year, days];
}

function hour12(t: CTime): number {
  return t.hour > 12 ? t.hour - 12 : t.hour === 0 ? 12 : t.hour;
}

function seconds(t: CTime): number {
  return mktime({
    tm_year: t.year,
    tm_mon: t.mon + 1,
    tm_mday: t.mday,
    tm_hour: t.hour,
    tm_min: t.min,
    tm_sec: t.sec,
    tm_isdst: t.isdst,
  });
}

function pad2(n: number): string {
  return n < 10 ? "0" + n : String(n);
}

function pad3(n: number): string {
  return n < 10 ? "00" + n : n < 100 ? "0" + n : String(n);
}

/** Flagless directives of the hot formats, straight to text. */
const FAST: Record<string, Piece> = {
  Y: (t) => String(t.year),
  m: (t) => pad2(t.mon + 1),
  d: (t) => pad2(t.mday),
  H: (t) => pad2(t.hour),
  M: (t) => pad2(t.min),
  S: (t) => pad2(t.sec),
  y: (t) => pad2(((t.year - 1900) % 100 + 100) % 100),
  j: (t) => pad3(t.yday + 1),
  I: (t) => pad2(hour12(t)),
  a: (t) => ABBR_DAYS[t.wday],
  A: (t) => DAYS[t.wday],
  b: (t) => ABBR_MONTHS[t.mon],
  h: (t) => ABBR_MONTHS[t.mon],
  B: (t) => MONTHS[t.mon],
  p: (t) => t.hour > 11 ? "PM" : "AM",
  Z: zoneText,
};

const SUBFORMATS: Record<string, string> = {
  c: "%a %b %e %H:%M:%S %Y",
  x: "%m/%d/%y",
  X: "%H:%M:%S",
  D: "%m/%d/%y",
  F: "%Y-%m-%d",
  r: "%I:%M:%S %p",
  R: "%H:%M",
  T: "%H:%M:%S",
};

/** Conversions that glibc rejects with a modifier: `E` (E), `O` (O) or any modifier (EO). */
const BAD_MODIFIER: Record<string, string> = {
  a: "EO",
  A: "EO",
  b: "E",
  h: "E",
  B: "E",
  c: "O",
  x: "O",
  X: "O",
  D: "EO",
  F: "EO",
  d: "E",
  e: "E",
  H: "E",
  I: "E",
  k: "E",
  l: "E",
  j: "E",
  M: "E",
  m: "E",
  S: "E",
  U: "E",
  W: "E",
  w: "E",
  V: "E",
  g: "E",
  G: "E",
  Y: "O",
};

/** Builds the piece for one conversion, or `null` when glibc prints it as text. */
function conversion(ch: string, spec: Spec): Piece | null {
  const bad = BAD_MODIFIER[ch];
  if (bad !== undefined && spec.modifier !== "" && bad.includes(spec.modifier)) return null;
  let upper = spec.upper;
  let lower = false;
  switch (ch) {
    case "a":
    case "A":
    case "b":
    case "h":
    case "B": {
      if (spec.swapCase) upper = true;
      const names = ch === "a" ? ABBR_DAYS : ch === "A" ? DAYS : ch === "B" ? MONTHS : ABBR_MONTHS;
      const byDay = ch === "a" || ch === "A";
      return (t) => copy(names[byDay ? t.wday : t.mon], spec, upper, lower);
    }
    case "p":
    case "P":
      if (ch === "P") lower = true;
      if (spec.swapCase) {
        upper = false;
        lower = true;
      }
      return (t) => copy(t.hour > 11 ? "PM" : "AM", spec, upper, lower);
    case "Z":
      if (spec.swapCase) {
        upper = false;
        lower = true;
      }
      return (t) => copy(zoneText(t), spec, upper, lower);
    case "%":
      return () => widen("%", spec.width, spec.pad);
    case "n":
      return () => widen("\n", spec.width, spec.pad);
    case "t":
      return () => widen("\t", spec.width, spec.pad);
    case "C":
      return (t) => number(spec, 1, Math.trunc(t.year / 100) - (t.year % 100 < 0 ? 1 : 0));
    case "y":
      return (t) => number(spec, 2, ((t.year - 1900) % 100 + 100) % 100);
    case "Y":
      return (t) => number(spec, 1, t.year);
    case "d":
      return (t) => number(spec, 2, t.mday);
    case "e":
      return (t) => number(spec, 2, t.mday, true);
    case "H":
      return (t) => number(spec, 2, t.hour);
    case "I":
      return (t) => number(spec, 2, hour12(t));
    case "k":
      return (t) => number(spec, 2, t.hour, true);
    case "l":
      return (t) => number(spec, 2, hour12(t), true);
    case "j":
      return (t) => number(spec, 3, t.yday + 1);
    case "M":
      return (t) => number(spec, 2, t.min);
    case "m":
      return (t) => number(spec, 2, t.mon + 1);
    case "S":
      return (t) => number(spec, 2, t.sec);
    case "u":
      return (t) => number(spec, 1, (t.wday + 6) % 7 + 1);
    case "w":
      return (t) => number(spec, 1, t.wday);
    case "U":
      return (t) => number(spec, 2, Math.trunc((t.yday - t.wday + 7) / 7));
    case "W":
      return (t) => number(spec, 2, Math.trunc((t.yday - (t.wday + 6) % 7 + 7) / 7));
    case "V":
      return (t) => number(spec, 2, Math.trunc(isoWeek(t)[1] / 7) + 1);
    case "G":
      return (t) => number(spec, 1, isoWeek(t)[0]);
    case "g":
      return (t) => number(spec, 2, (isoWeek(t)[0] % 100 + 100) % 100);
    case "s":
      return (t) => widen(String(seconds(t)), spec.width, spec.pad);
    case "z":
      return (t) => {
        if (t.isdst < 0) return "";
        const sign = widen(t.gmtoff < 0 ? "-" : "+", spec.width, spec.pad);
        const minutes = Math.trunc(Math.abs(t.gmtoff) / 60);
        return sign + number(spec, 4, Math.trunc(minutes / 60) * 100 + minutes % 60);
      };
    default: {
      const sub = SUBFORMATS[ch];
      if (sub === undefined) return null;
      const inner = compile(sub);
      return (t) => {
        const s = widen(inner(t), spec.width, spec.pad);
        return upper ? upperEach(s) : s;
      };
    }
  }
}

/**
 * Parses `format` into a function of a checked struct tm, following glibc's parser; the
 * largest field width seen goes into `widest[0]`.
 */
function compile(format: string, widest: number[] = [0]): Piece {
  const pieces: (string | Piece)[] = [];
  let literal = "";
  const n = format.length;
  let i = 0;
  while (i < n) {
    const pct = format.indexOf("%", i);
    if (pct < 0) {
      literal += format.slice(i);
      break;
    }
    literal += format.slice(i, pct);
    let f = pct + 1;
    const spec: Spec = {
      pad: "",
      width: -1,
      upper: false,
      lower: false,
      swapCase: false,
      modifier: "",
    };
    for (;; f++) {
      const c = format[f];
      if (c === "_" || c === "-" || c === "0") spec.pad = c;
      else if (c === "^") spec.upper = true;
      else if (c === "#") spec.swapCase = true;
      else break;
    }
    if (f < n && format.charCodeAt(f) >= 48 && format.charCodeAt(f) <= 57) {
      let width = 0;
      while (f < n && format.charCodeAt(f) >= 48 && format.charCodeAt(f) <= 57) {
        width = Math.min(width * 10 + format.charCodeAt(f) - 48, 2147483647);
        f++;
      }
      spec.width = width;
      if (width > widest[0]) widest[0] = width;
    }
    if (format[f] === "E" || format[f] === "O") spec.modifier = format[f++];
    const ch = f < n ? format[f] : "";
    const plain = spec.pad === "" && spec.width < 0 && !spec.upper && !spec.swapCase;
    const piece = ch === ""
      ? null
      : plain && spec.modifier === "" && FAST[ch] !== undefined
      ? FAST[ch]
      : conversion(ch, spec);
    if (piece === null) {
      // Unknown: glibc copies the directive as text (a '%' at the very end included).
      const end = ch === "" ? n : f + 1;
      const text = copy(format.slice(pct, end), spec, spec.upper, false);
      literal += text;
      i = end;
      continue;
    }
    if (literal !== "") pieces.push(literal);
    literal = "";
    pieces.push(piece);
    i = f + 1;
  }
  if (literal !== "") pieces.push(literal);
  if (pieces.length === 0) return () => "";
  if (pieces.length === 1) {
    const only = pieces[0];
    return typeof only === "string" ? () => only : only;
  }
  return (t) => {
    let out = "";
    for (let k = 0; k < pieces.length; k++) {
      const p = pieces[k];
      out += typeof p === "string" ? p : p(t);
    }
    return out;
  };
}

/** The largest widths glibc gets a buffer for from Python, which gives up at 256 × the format. */
function outputLimit(format: string): number {
  const target = 256 * [...format].length;
  let size = 1024;
  while (size < target) size *= 2;
  return size;
}

const compiled = new Map<string, (tm: TimeStruct) => string>();
const COMPILED_MAX = 256;

/**
 * Compiles `format` once and returns the function that formats a {@linkcode TimeStruct} with it,
 * exactly like `time.strftime(format, tm)`. Compiled formats are cached (a bounded cache), so
 * calling this again with the same format is cheap.
 *
 * @param format A `strftime` format.
 * @returns The formatting function; it throws like {@linkcode strftime}.
 * @throws {ValueError} When `format` contains a NUL character.
 *
 * @example
 * ```ts
 * import { compileStrftime } from "@x/loghandlers/extend";
 * import { gmtime } from "@x/loghandlers";
 * const iso = compileStrftime("%Y-%m-%dT%H:%M:%SZ");
 * console.assert(iso(gmtime(0)) === "1970-01-01T00:00:00Z");
 * ```
 */
export function compileStrftime(format: string): (tm: TimeStruct) => string {
  let fn = compiled.get(format);
  if (fn !== undefined) return fn;
  if (format.includes("\0")) throw new ValueError("embedded null character");
  const limit = outputLimit(format);
  const widest = [0];
  const piece = compile(format, widest);
  if (widest[0] >= limit) {
    // Python gives up growing its buffer and returns "" (after checking the fields).
    fn = (tm) => (toCTime(tm), "");
  } else {
    fn = (tm) => {
      const out = piece(toCTime(tm));
      // Python counts code points.
      return out.length < limit || [...out].length < limit ? out : "";
    };
  }
  if (compiled.size >= COMPILED_MAX) compiled.delete(compiled.keys().next().value as string);
  compiled.set(format, fn);
  return fn;
}

/**
 * Formats a broken-down time, exactly like Python's `time.strftime(format, tm)` on Linux: the
 * C/POSIX locale (`%c` is `Tue Nov 14 22:13:20 2023`), glibc's extensions, flags (`%-d`, `%_H`,
 * `%^a`, `%#Z`), widths (`%10A`) and modifiers (`%Ey`, `%Od`); unknown directives, such as `%f`
 * or `%q`, are printed as they are.
 *
 * @param format The format.
 * @param tm The time, e.g. from {@linkcode localtime} or {@linkcode gmtime}.
 * @returns The formatted text.
 * @throws {ValueError} When a field is out of range (`"month out of range"`, ...) or the
 * format contains a NUL character, with Python's messages.
 * @throws {TypeError} When a field is not an integer.
 *
 * @example
 * ```ts
 * import { gmtime } from "@x/loghandlers";
 * import { strftime } from "@x/loghandlers/extend";
 * const t = gmtime(1700000000);
 * console.assert(strftime("%a, %d %b %Y %H:%M:%S %z", t) === "Tue, 14 Nov 2023 22:13:20 +0000");
 * console.assert(strftime("%-d/%-m %l%P %f", t) === "14/11 10pm %f");
 * ```
 */
export function strftime(format: string, tm: TimeStruct): string {
  return compileStrftime(format)(tm);
}

/**
 * Returns a function that formats seconds since the epoch with `format` after converting them
 * with `converter`, and that formats each whole second only once: the text of the last second
 * is reused until the second changes. This is what a log formatter wants, since the default
 * `asctime` format changes once per second. The converter must depend only on the whole second
 * (true of {@linkcode localtime} and {@linkcode gmtime}).
 *
 * @param format A `strftime` format.
 * @param converter Seconds to {@linkcode TimeStruct}; {@linkcode localtime} by default.
 * @returns `(seconds) => text`.
 * @throws {ValueError} When `format` contains a NUL character.
 *
 * @example
 * ```ts
 * import { cachedStrftime } from "@x/loghandlers/extend";
 * import { gmtime } from "@x/loghandlers";
 * const stamp = cachedStrftime("%H:%M:%S", gmtime);
 * console.assert(stamp(1700000000.1) === "22:13:20");
 * console.assert(stamp(1700000000.9) === "22:13:20");
 * console.assert(stamp(1700000001) === "22:13:21");
 * ```
 */
export function cachedStrftime(
  format: string,
  converter: (seconds: number) => TimeStruct = localtime,
): (seconds: number) => string {
  const fn = compileStrftime(format);
  let second = NaN;
  let text = "";
  return (seconds: number): string => {
    const whole = Math.floor(seconds);
    if (whole !== second) {
      text = fn(converter(seconds));
      second = whole;
    }
    return text;
  };
}
