/**
 * strftime, localtime, gmtime, mktime and timegm against CPython 3.13's `time` module.
 *
 * The JavaScript side runs in `deno run` subprocesses of this very file (see `worker()` at the
 * bottom), each started with its own `TZ`, because the test runner shares one process (and its
 * environment) between test files running in parallel. CPython switches zones with
 * `os.environ["TZ"]` + `time.tzset()` in one process.
 */

import { runJson } from "./helpers/subprocess.ts";
import {
  cachedStrftime,
  compileStrftime,
  gmtime,
  localtime,
  mktime,
  strftime,
  timegm,
  type TimeStruct,
  tzset,
} from "../core/text/strftime.ts";
import { OverflowError, ValueError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const ZONES = ["UTC", "America/New_York", "Europe/London"];

function utc(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): number {
  return Date.UTC(y, mo - 1, d, h, mi, s) / 1000;
}

/** Instants: DST changes, leap days, year ends, ISO week 53, old and far times, and a spread. */
const INSTANTS: number[] = [
  0,
  -1,
  -0.5,
  1700000000,
  1700000000.999,
  // New York DST: spring forward, fall back (the repeated hour on both sides)
  utc(2023, 3, 12, 6, 59, 59),
  utc(2023, 3, 12, 7),
  utc(2023, 11, 5, 5, 59, 59),
  utc(2023, 11, 5, 6),
  utc(2023, 11, 5, 6, 59, 59),
  utc(2023, 11, 5, 7),
  utc(2007, 3, 11, 7),
  utc(2006, 4, 2, 7),
  // London DST
  utc(2023, 3, 26, 0, 59, 59),
  utc(2023, 3, 26, 1),
  utc(2023, 10, 29, 0, 59, 59),
  utc(2023, 10, 29, 1),
  utc(2023, 10, 29, 1, 59, 59),
  utc(1968, 10, 27, 12), // British Standard Time (+1 all year, isdst 0)
  // leap days and century years
  utc(2024, 2, 29, 12),
  utc(2000, 2, 29, 23, 59, 59),
  utc(2000, 3, 1),
  utc(1900, 2, 28, 12),
  utc(1900, 3, 1, 12),
  utc(2100, 2, 28, 12),
  utc(2100, 3, 1, 12),
  // year boundaries
  utc(2020, 12, 31, 23, 59, 59),
  utc(2021, 1, 1),
  utc(1999, 12, 31, 23, 59, 59),
  utc(2000, 1, 1),
  utc(1969, 12, 31, 23, 59, 59),
  // ISO weeks: week 53, week 1 in the previous year, Sunday/Monday starts for %U/%W
  utc(2020, 12, 31, 12),
  utc(2021, 1, 3, 12),
  utc(2021, 1, 4, 12),
  utc(2015, 12, 31, 12),
  utc(2016, 1, 3, 12),
  utc(2018, 12, 31, 12),
  utc(2019, 12, 30, 12),
  utc(2026, 12, 31, 12),
  utc(2027, 1, 1, 12),
  utc(2027, 1, 3, 12),
  utc(2008, 12, 29, 12),
  utc(2010, 1, 3, 12),
  utc(2004, 12, 31, 12),
  utc(2005, 1, 1, 12),
  utc(2023, 1, 1, 12),
  utc(2024, 1, 1, 12),
  utc(2017, 1, 1, 12),
  // 32-bit edges, far future (the TZif footer rule), the past (LMT)
  2147483647,
  2147483648,
  -2147483648,
  utc(2200, 7, 1, 12),
  utc(9999, 12, 31, 23, 59, 59),
  utc(1960, 6, 1, 12),
  utc(1918, 3, 31, 7),
  utc(1883, 11, 18, 17),
  utc(1847, 12, 1, 0, 1, 15),
  utc(1843, 3, 31, 16, 52, 5),
];
// A reproducible spread over 1950-2050 (a small LCG).
for (let i = 0, x = 12345; i < 30; i++) {
  x = (x * 1103515245 + 12345) % 2147483648;
  INSTANTS.push(utc(1950, 1, 1) + Math.floor((x / 2147483648) * 100 * 365.25 * 86400));
}

const DIRECTIVES = "aAbBcCdDeFgGhHIjklmMnpPrRsStTuUVwWxXyYzZ%f";

const FORMATS: string[] = [
  ...[...DIRECTIVES].map((d) => "%" + d),
  "%Y-%m-%d %H:%M:%S",
  "%Y-%m-%dT%H:%M:%S%z",
  "%a, %d %b %Y %H:%M:%S %Z",
  "%G-W%V-%u %g",
  "%U %W %j %w",
  "%I:%M %p %P %l %k",
  "%-d %-m %-H %-j %-y %-I",
  "%_d %_m %_H %_j %_S",
  "%0e %0k %0l",
  "%^a %^A %^b %^B %^p %^Z %^P",
  "%#a %#A %#b %#h %#B %#p %#Z %#c",
  "%10A|%-10A|%_10A|%010A",
  "%8z|%_8z|%-z|%08z|%_z",
  "%12s|%012s|%-12s",
  "%30c|%^c|%030x|%^r",
  "%5%|%05%|%3n|%4t",
  "%5y %05y %_5y %-5y %5C %5G %5j",
  "%Ec %EC %Ex %EX %Ey %EY %E%",
  "%Od %Oe %OH %OI %Om %OM %OS %Ou %OU %OV %Ow %OW %Oy %Ob %OB %Oh",
  "%Ea %OA %Ed %OY %OF %ED %Oc %EV",
  "%q %i %J %K %L %N %Q %v %1 %! %+d %:z %E5d %10_d",
  "%",
  "100%",
  "%E",
  "%-",
  "%5",
  "%^q %é",
  "日本 %Y年%m月 😀",
  "%1024Y",
  "%5000Y",
  "",
];

/** [year, mon, mday, hour, min, sec, wday, yday, isdst, zone, gmtoff] */
type StructRow = [
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
  string,
  number,
];

const STRUCTS: StructRow[] = [
  [2023, 7, 22, 12, 0, 0, 5, 203, -1, "XYZ", 3600],
  [2023, 7, 22, 12, 0, 0, 5, 203, 2, "XYZ", 3600],
  [2023, 7, 22, 12, 0, 0, 5, 203, 0, "", -18000],
  [2023, 7, 22, 12, 0, 0, 5, 203, 1, "", -14400],
  [12, 1, 1, 0, 0, 0, 0, 1, 0, "Z", 0],
  [0, 1, 1, 0, 0, 0, 0, 1, 0, "Z", 0],
  [-1, 12, 31, 23, 59, 59, 6, 366, 0, "Z", 0],
  [-101, 1, 1, 0, 0, 0, 0, 1, 0, "Z", 0],
  [10000, 1, 1, 0, 0, 0, 0, 1, 0, "Z", 0],
  [2023, 0, 0, 0, 0, 60, -1, 0, 0, "Z", 0],
  [2023, 1, 1, 0, 0, 61, 7, 366, 0, "Z", 0],
  [2023, 13, 1, 0, 0, 0, 0, 1, 0, "Z", 0],
  [2023, 1, 32, 0, 0, 0, 0, 1, 0, "Z", 0],
  [2023, 1, 1, 24, 0, 0, 0, 1, 0, "Z", 0],
  [2023, 1, 1, 0, 60, 0, 0, 1, 0, "Z", 0],
  [2023, 1, 1, 0, 0, 62, 0, 1, 0, "Z", 0],
  [2023, 1, 1, 0, 0, 0, -2, 1, 0, "Z", 0],
  [2023, 1, 1, 0, 0, 0, 0, 367, 0, "Z", 0],
];

/** [year, mon, mday, hour, min, sec, isdst] for mktime: gaps, repeated hours, carries. */
type MktimeRow = [number, number, number, number, number, number, number];

const MKTIME: MktimeRow[] = [
  [2023, 7, 22, 12, 0, 0, -1],
  [2023, 7, 22, 12, 0, 0, 0],
  [2023, 7, 22, 12, 0, 0, 1],
  [2023, 1, 22, 12, 0, 0, 0],
  [2023, 1, 22, 12, 0, 0, 1],
  [2023, 11, 5, 1, 30, 0, 0],
  [2023, 11, 5, 1, 30, 0, 1],
  [2023, 10, 29, 1, 30, 0, 0],
  [2023, 10, 29, 1, 30, 0, 1],
  [2023, 3, 12, 2, 30, 0, -1],
  [2023, 3, 12, 2, 30, 0, 0],
  [2023, 3, 12, 2, 30, 0, 1],
  [2023, 3, 26, 1, 30, 0, -1],
  [2023, 3, 26, 1, 30, 0, 1],
  [2023, 14, -5, 25, 61, 61, 0],
  [1843, 3, 31, 12, 0, 0, 0],
  [1843, 3, 31, 12, 0, 0, 1],
];

const TIMEGM: number[][] = [
  [2023, 11, 14, 22, 13, 20],
  [1970, 1, 1, 0, 0, 0],
  [1969, 12, 31, 23, 59, 59],
  [2024, 2, 29, 0, 0, 0],
  [2023, 1, 40, 30, -5, 70],
  [1, 1, 1, 0, 0, 0],
  [9999, 12, 31, 23, 59, 59],
  [2023, 13, 1, 0, 0, 0],
  [0, 1, 1, 0, 0, 0],
];

interface ZoneResult {
  local: unknown[][];
  gm: unknown[][];
  mktime: unknown[];
  text: unknown[][][];
  structText: unknown[][];
  mktimeRows: unknown[];
}

interface WorkerInput {
  zones: string[];
  instants: number[];
  formats: string[];
}

function fieldsOf(t: TimeStruct): unknown[] {
  return [
    t.tm_year,
    t.tm_mon,
    t.tm_mday,
    t.tm_hour,
    t.tm_min,
    t.tm_sec,
    t.tm_wday,
    t.tm_yday,
    t.tm_isdst,
    t.tm_zone,
    t.tm_gmtoff,
  ];
}

function attempt(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (e) {
    return `ERR ${(e as Error).message}`;
  }
}

function structOf(row: StructRow): TimeStruct {
  const [tm_year, tm_mon, tm_mday, tm_hour, tm_min, tm_sec, tm_wday, tm_yday, tm_isdst] = row;
  return {
    tm_year,
    tm_mon,
    tm_mday,
    tm_hour,
    tm_min,
    tm_sec,
    tm_wday,
    tm_yday,
    tm_isdst,
    tm_zone: row[9],
    tm_gmtoff: row[10],
  };
}

/** What one zone gives on the JavaScript side. */
function computeZone(input: WorkerInput): ZoneResult {
  const result: ZoneResult = {
    local: [],
    gm: [],
    mktime: [],
    text: [],
    structText: [],
    mktimeRows: [],
  };
  for (const t of input.instants) {
    const lt = localtime(t);
    const gt = gmtime(t);
    result.local.push(fieldsOf(lt));
    result.gm.push(fieldsOf(gt));
    result.mktime.push(attempt(() => mktime(lt)));
    result.text.push(
      input.formats.map((f) => [attempt(() => strftime(f, lt)), attempt(() => strftime(f, gt))]),
    );
  }
  for (const row of STRUCTS) {
    result.structText.push(input.formats.map((f) => attempt(() => strftime(f, structOf(row)))));
  }
  for (const [y, mo, d, h, mi, s, isdst] of MKTIME) {
    result.mktimeRows.push(attempt(() =>
      mktime({
        tm_year: y,
        tm_mon: mo,
        tm_mday: d,
        tm_hour: h,
        tm_min: mi,
        tm_sec: s,
        tm_isdst: isdst,
      })
    ));
  }
  return result;
}

/** The subprocess: the first zone comes from `TZ` at start; later ones are set at run time. */
async function worker(): Promise<void> {
  const input: WorkerInput = JSON.parse(await new Response(Deno.stdin.readable).text());
  const out: Record<string, ZoneResult> = {};
  for (const [i, zone] of input.zones.entries()) {
    if (i > 0) {
      Deno.env.set("TZ", zone);
      tzset();
    }
    out[zone] = computeZone(input);
  }
  console.log(JSON.stringify(out));
}

const PYTHON = `
import calendar, json, os, sys, time
inp = json.load(sys.stdin)

def attempt(fn):
    try:
        return fn()
    except Exception as e:
        return "ERR " + str(e)

out = {}
for zone in inp["zones"]:
    os.environ["TZ"] = zone
    time.tzset()
    res = {"local": [], "gm": [], "mktime": [], "text": [], "structText": [], "mktimeRows": []}
    for t in inp["instants"]:
        lt, gt = time.localtime(t), time.gmtime(t)
        res["local"].append(list(lt) + [lt.tm_zone, lt.tm_gmtoff])
        res["gm"].append(list(gt) + [gt.tm_zone, gt.tm_gmtoff])
        res["mktime"].append(attempt(lambda: time.mktime(lt)))
        res["text"].append([[attempt(lambda: time.strftime(f, lt)),
                             attempt(lambda: time.strftime(f, gt))] for f in inp["formats"]])
    for row in inp["structs"]:
        tm = time.struct_time(row)
        res["structText"].append([attempt(lambda: time.strftime(f, tm)) for f in inp["formats"]])
    for y, mo, d, h, mi, s, dst in inp["mktime"]:
        res["mktimeRows"].append(attempt(lambda: time.mktime((y, mo, d, h, mi, s, 0, 0, dst))))
    out[zone] = res
out["timegm"] = [attempt(lambda: calendar.timegm(tuple(row) + (0, 0, 0))) for row in inp["timegm"]]
print(json.dumps(out))
`;

type Oracle = Record<string, ZoneResult> & { timegm: unknown[] };

if (import.meta.main) {
  await worker();
} else {
  const hasPython = await pythonAvailable();
  let oracle: Promise<Oracle> | undefined;
  const python = () =>
    oracle ??= runPython<Oracle>(PYTHON, {
      zones: ZONES,
      instants: INSTANTS,
      formats: FORMATS,
      structs: STRUCTS,
      mktime: MKTIME,
      timegm: TIMEGM,
    });

  const javascript = async (
    tz: string,
    zones: string[],
    permissions: string[],
    instants = INSTANTS,
  ): Promise<Record<string, ZoneResult>> => {
    return await runJson<Record<string, ZoneResult>>(
      Deno.execPath(),
      ["run", "--no-prompt", ...permissions, import.meta.filename!],
      { zones, instants, formats: FORMATS },
      { TZ: tz },
    );
  };

  /** Every difference, as readable lines (empty when the two sides agree). */
  const differences = (
    zone: string,
    mine: ZoneResult,
    theirs: ZoneResult,
    instantIndexes: number[],
  ): string[] => {
    const diffs: string[] = [];
    const note = (what: string, a: unknown, b: unknown) => {
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        diffs.push(`${zone} ${what}: ours ${JSON.stringify(a)}, CPython ${JSON.stringify(b)}`);
      }
    };
    for (const i of instantIndexes) {
      const t = INSTANTS[i];
      note(`localtime(${t})`, mine.local[i], theirs.local[i]);
      note(`gmtime(${t})`, mine.gm[i], theirs.gm[i]);
      note(`mktime(localtime(${t}))`, mine.mktime[i], theirs.mktime[i]);
      FORMATS.forEach((f, k) => {
        note(
          `strftime(${JSON.stringify(f)}, localtime(${t}))`,
          mine.text[i][k][0],
          theirs.text[i][k][0],
        );
        note(
          `strftime(${JSON.stringify(f)}, gmtime(${t}))`,
          mine.text[i][k][1],
          theirs.text[i][k][1],
        );
      });
    }
    return diffs;
  };

  const allInstants = INSTANTS.map((_, i) => i);

  for (const zone of ZONES) {
    Deno.test({
      name: `strftime prints every directive like CPython under TZ=${zone}`,
      ignore: !hasPython,
      async fn() {
        const [ours, theirs] = await Promise.all([
          javascript(zone, [zone], ["--allow-read=/usr/share/zoneinfo"]),
          python(),
        ]);
        const diffs = differences(zone, ours[zone], theirs[zone], allInstants);
        assertEquals(diffs.slice(0, 20), [], `${diffs.length} differences`);
        assertEquals(ours[zone].structText, theirs[zone].structText);
        assertEquals(ours[zone].mktimeRows, theirs[zone].mktimeRows);
      },
    });
  }

  Deno.test({
    name: "localtime follows TZ changed at run time once tzset() is called",
    ignore: !hasPython,
    async fn() {
      const [ours, theirs] = await Promise.all([
        javascript("UTC", ZONES, ["--allow-read=/usr/share/zoneinfo", "--allow-env=TZ"]),
        python(),
      ]);
      for (const zone of ZONES) {
        const diffs = differences(zone, ours[zone], theirs[zone], allInstants);
        assertEquals(diffs.slice(0, 20), [], `${diffs.length} differences`);
      }
    },
  });

  Deno.test({
    name: "without read access to zoneinfo, %Z and tm_isdst still match CPython for recent times",
    ignore: !hasPython,
    async fn() {
      const [ours, theirs] = await Promise.all([
        javascript("UTC", ZONES, ["--allow-env=TZ"]),
        python(),
      ]);
      const recent = allInstants.filter((i) =>
        INSTANTS[i] >= utc(1997, 1, 1) && INSTANTS[i] < utc(2038, 1, 1)
      );
      assert(recent.length >= 40);
      for (const zone of ZONES) {
        const diffs = differences(zone, ours[zone], theirs[zone], recent);
        assertEquals(diffs.slice(0, 20), [], `${diffs.length} differences`);
      }
    },
  });

  Deno.test({
    name: "timegm agrees with calendar.timegm, including its month error",
    ignore: !hasPython,
    async fn() {
      const theirs = await python();
      const ours = TIMEGM.map(([y, mo, d, h, mi, s]) =>
        attempt(() =>
          timegm({ tm_year: y, tm_mon: mo, tm_mday: d, tm_hour: h, tm_min: mi, tm_sec: s })
        )
      );
      assertEquals(ours, theirs.timegm);
    },
  });
}

Deno.test("strftime raises ValueError with Python's messages for out-of-range fields", () => {
  const good = gmtime(1700000000);
  assertThrows(() => strftime("%Y", { ...good, tm_mon: 13 }), ValueError, "month out of range");
  assertThrows(() => strftime("%Y", { ...good, tm_sec: 62 }), ValueError, "seconds out of range");
  assertThrows(() => strftime("a\0b", good), ValueError, "embedded null character");
  assertThrows(() => strftime("%Y", { ...good, tm_hour: 1.5 }), TypeError, "tm_hour");
  assertThrows(() => localtime(NaN), ValueError, "Invalid value NaN");
  assertThrows(() => gmtime(Infinity), OverflowError, "timestamp out of range for platform time_t");
});

Deno.test("gmtime and timegm round-trip any second, including before 1970", () => {
  for (const t of [-62135596800, -86401, -1, 0, 951782400, 1700000000, 253402300799]) {
    assertEquals(timegm(gmtime(t)), t);
  }
  assertEquals(gmtime(1e13).tm_year, 318857);
});

Deno.test("compileStrftime compiles a format once", () => {
  assert(compileStrftime("%H:%M:%S") === compileStrftime("%H:%M:%S"));
  assertEquals(compileStrftime("%d/%m/%Y")(gmtime(0)), "01/01/1970");
});

Deno.test("cachedStrftime converts and formats each whole second only once", () => {
  let conversions = 0;
  const stamp = cachedStrftime("%Y-%m-%d %H:%M:%S", (s) => {
    conversions++;
    return gmtime(s);
  });
  assertEquals(stamp(1700000000.001), "2023-11-14 22:13:20");
  assertEquals(stamp(1700000000.5), "2023-11-14 22:13:20");
  assertEquals(stamp(1700000000.999), "2023-11-14 22:13:20");
  assertEquals(conversions, 1);
  assertEquals(stamp(1700000001), "2023-11-14 22:13:21");
  assertEquals(conversions, 2);
});

Deno.test("localtime agrees with Date in this process's zone", () => {
  const t = 1700000000;
  const lt = localtime(t);
  const d = new Date(t * 1000);
  assertEquals(
    [lt.tm_year, lt.tm_mon, lt.tm_mday, lt.tm_hour, lt.tm_min, lt.tm_sec],
    [
      d.getFullYear(),
      d.getMonth() + 1,
      d.getDate(),
      d.getHours(),
      d.getMinutes(),
      d.getSeconds(),
    ],
  );
  assertEquals(lt.tm_gmtoff, -d.getTimezoneOffset() * 60 || 0);
  assertEquals(mktime(lt), t);
});
