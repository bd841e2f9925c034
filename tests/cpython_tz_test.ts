/**
 * POSIX TZ rule strings (and the TZ values JavaScript engines do not read as glibc does) against
 * CPython 3.13 on this machine: `time.localtime` fields, `time.strftime('%Z %z')`, `%Z` of a
 * plain tuple (C's `tzname`), `time.mktime` in skipped and repeated hours with `tm_isdst` -1, 0
 * and 1, and `time.timezone`/`altzone`/`daylight`/`tzname`.
 *
 * Both sides run in a subprocess started with the zone's `TZ`, one per zone. CPython picks the
 * instants: every change of offset, flag or abbreviation in four spans of years (each found to
 * the second) with the seconds and hours around it, the hours around each UTC new year (glibc
 * computes a year's rules in the UTC year), and a reproducible spread over 1901-2100; and the
 * local times for `mktime`: the wall-clock times around each change read with the offsets before
 * and after it (so inside the skipped and repeated hours), each with the three flags.
 */

import { runJson } from "./helpers/subprocess.ts";
import {
  localtime,
  mktime,
  strftime,
  type TimeStruct,
  timezoneInfo,
  tzset,
} from "../core/text/strftime.ts";
import { PosixTimeZone } from "../core/text/posix_tz.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

/** The zones compared, with what each one exercises. */
const ZONES: [zone: string, why: string][] = [
  ["EST+05EDT,M3.2.0,M11.1.0", "CPython's own test zone (US rules, explicit sign)"],
  ["CET-1CEST,M3.5.0,M10.5.0/3", "east of Greenwich, a change at 03:00"],
  ["AEST-10AEDT,M10.1.0,M4.1.0/3", "southern hemisphere: DST across the new year"],
  ["NZST-12NZDT,M9.5.0,M4.1.0/3", "southern hemisphere, DST starting in the fifth week"],
  ["ACST-9:30ACDT,M10.1.0,M4.1.0/3", "a 30-minute offset with DST"],
  ["<+0545>-5:45", "a 45-minute offset, quoted numeric name"],
  ["<+0330>-3:30", "a 30-minute offset without DST"],
  ["<-03>3", "a quoted negative name west of Greenwich"],
  ["JST-9", "no DST"],
  ["UTC0", "UTC by rule"],
  ["XXX3YYY,J60/2,J300/2", "Julian days Jn (February 29 never counted)"],
  ["ABC-2DEF,59/-1,300/26", "zero-based days n, a negative time and one past 24 hours"],
  ["ABC5DEF4,M3.2.0/-25,M11.1.0/167", "rule times far outside the day (±167 h)"],
  ["XYZ7XYT6:30,J1/0,J365/24", "DST nearly all year, a DST offset with minutes"],
  ["AST4ADT,M3.2.0,M11.1.0", "the US rules spelled out (see the rule-less test below)"],
  ["EST5EDT", "a zone file and a POSIX string: glibc reads the file, V8 an alias"],
  [":/usr/share/zoneinfo/Europe/Berlin", "a zone file by path, which V8 does not read"],
  ["", "empty: UTC"],
  [":", "a colon alone: UTC"],
  ["garbage", "no offset: UTC named after the string"],
  ["A", "a name too short: unnamed UTC"],
  ["europe/berlin", "not a zone file (names are case-sensitive): UTC named europe"],
  ["EST5 x", "an unreadable DST part: DST unnamed at UTC most of the year, as glibc has it"],
  ["EST5,M3.2.0,M11.1.0", "rules without a DST name"],
  ["EST5EDT,garbage", "unreadable rules"],
  ["EST5EDT,M3.2.0", "one rule: the second is the US default"],
  ["EST5EDT4:", "a stray colon"],
  ["EST5EDT,M0.1.0,M11.1.0", "an invalid month, as far as glibc's result is defined"],
  ["EST5EDT,J0,J365", "J0 is invalid"],
  ["EST5EDT,366,0", "day 366 is invalid"],
  ["XYZ+25", "hours capped at 24"],
  ["XYZ+24:59:59", "the largest offset"],
  ["XYZ65536", "a number wrapping at 65536"],
  ["XYZ99999999999999999999999", "a number past 2^64"],
  ["XYZ+-3", "a sign read twice"],
  ["XYZ+ 5", "a blank before the number"],
  ["<ABCDEFGHIJKLMNOP>-1<QRSTUVWXYZ123>,M3.5.0,M10.5.0", "long names (tzname keeps 9)"],
  [" EST5", "a leading blank: unnamed UTC"],
];

interface Inputs {
  instants: number[];
  /** [year, mon, mday, hour, min, sec, isdst] */
  tuples: number[][];
  changes: number;
}

interface Results {
  local: unknown[][];
  text: string[];
  mktime: unknown[];
  plain: string[];
  info: [number, number, number, [string, string]];
}

type Side = Inputs & Results;

const PYTHON = `
import calendar, json, os, random, sys, time
inp = json.load(sys.stdin)

def attempt(fn):
    try:
        return fn()
    except Exception as e:
        return "ERR " + str(e)

def state(t):
    lt = time.localtime(t)
    return (lt.tm_isdst, lt.tm_gmtoff, lt.tm_zone)

def inputs():
    utc = lambda y: calendar.timegm((y, 1, 1, 0, 0, 0))
    changes = []
    for a, b in ((1968, 1972), (2010, 2013), (2023, 2027), (2037, 2040)):
        t, end = utc(a) - 86400, utc(b) + 86400
        prev = state(t)
        while t < end:
            n = t + 3600
            s = state(n)
            if s != prev:
                lo, hi = t, n
                while hi - lo > 1:
                    mid = (lo + hi) // 2
                    if state(mid) == prev:
                        lo = mid
                    else:
                        hi = mid
                changes.append(hi)
            prev, t = s, n
    instants = set()
    for c in changes:
        for d in (-3601, -3600, -1801, -1800, -1, 0, 1, 1799, 1800, 3599, 3600):
            instants.add(c + d)
    for a, b in ((1968, 1972), (2010, 2013), (2023, 2027), (2037, 2040)):
        for y in range(a, b + 1):
            for h in range(-26, 27, 2):
                instants.add(utc(y) + h * 3600)
    instants.update([0, -1, 1, 86399, 2**31 - 1, 2**31, -2**31, utc(1900), utc(1901) - 1,
                     utc(2100) + 12345, -2208988800, 4102444800, 253402300799, -62135596800])
    rnd = random.Random(20240611)
    while len(instants) < len(changes) * 11 + 2000:
        instants.add(rnd.randrange(utc(1901), utc(2100)))
    tuples = []
    for c in changes:
        before, after = time.localtime(c - 1).tm_gmtoff, time.localtime(c).tm_gmtoff
        for off in sorted({before, after}):
            for d in (-5400, -3600, -1800, -1, 0, 1, 1800, 3599, 3600, 5400):
                g = time.gmtime(c + d + off)
                for dst in (-1, 0, 1):
                    tuples.append([g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec, dst])
    for _ in range(300):
        g = time.gmtime(rnd.randrange(utc(1901), utc(2100)))
        for dst in (-1, 0, 1):
            tuples.append([g.tm_year, g.tm_mon, g.tm_mday, g.tm_hour, g.tm_min, g.tm_sec, dst])
    tuples += [[2024, 14, -5, 25, 61, 61, 0], [2024, 3, 10, 2, 30, 60, -1], [2024, 11, 3, 1, 30, -1, 1],
               [1969, 12, 31, 23, 59, 59, 1], [2024, 1, 1, 0, 0, 0, 5], [2024, 7, 1, 0, 0, 0, -7]]
    return {"instants": sorted(instants), "tuples": tuples, "changes": len(changes)}

def results(inp):
    local, text = [], []
    for t in inp["instants"]:
        lt = time.localtime(t)
        local.append(list(lt) + [lt.tm_zone, lt.tm_gmtoff])
        text.append(time.strftime("%Z %z", lt))
    mk = [attempt(lambda: int(time.mktime((y, mo, d, h, mi, s, 0, 0, dst))))
          for y, mo, d, h, mi, s, dst in inp["tuples"]]
    time.localtime(1700000000)  # glibc's tzname follows the last conversion for zone files
    plain = [time.strftime("%Z|%z", (2024, 1, 1, 0, 0, 0, 0, 1, dst)) for dst in (-1, 0, 1)]
    info = [time.timezone, time.altzone, time.daylight, list(time.tzname)]
    return {"local": local, "text": text, "mktime": mk, "plain": plain, "info": info}

out = []
for zone in inp["zones"]:
    if zone is not None:
        os.environ["TZ"] = zone
        time.tzset()
    i = inputs()
    out.append({**i, **results(i)})
print(json.dumps(out))
`;

function fields(t: TimeStruct): unknown[] {
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

/** Our side of {@linkcode PYTHON}'s `results`, for the inputs CPython chose. */
function results(inputs: Inputs): Results {
  const local: unknown[][] = [];
  const text: string[] = [];
  for (const t of inputs.instants) {
    const lt = localtime(t);
    local.push(fields(lt));
    text.push(strftime("%Z %z", lt));
  }
  const mk = inputs.tuples.map(([y, mo, d, h, mi, s, dst]) =>
    attempt(() =>
      mktime({
        tm_year: y,
        tm_mon: mo,
        tm_mday: d,
        tm_hour: h,
        tm_min: mi,
        tm_sec: s,
        tm_isdst: dst,
      })
    )
  );
  // A plain tuple has no tm_zone or tm_gmtoff: %Z prints C's tzname.
  const plain = [-1, 0, 1].map((dst) =>
    strftime("%Z|%z", {
      tm_year: 2024,
      tm_mon: 1,
      tm_mday: 1,
      tm_hour: 0,
      tm_min: 0,
      tm_sec: 0,
      tm_wday: 0,
      tm_yday: 1,
      tm_isdst: dst,
    } as TimeStruct)
  );
  const i = timezoneInfo();
  return {
    local,
    text,
    mktime: mk,
    plain,
    info: [i.timezone, i.altzone, i.daylight, [...i.tzname] as [string, string]],
  };
}

/** The subprocess: `{ zones: (string | null)[], inputs: Inputs[] }`; null keeps the start TZ. */
async function worker(): Promise<void> {
  const input: { zones: (string | null)[]; inputs: Inputs[] } = JSON.parse(
    await new Response(Deno.stdin.readable).text(),
  );
  const out = input.zones.map((zone, k) => {
    if (zone !== null) {
      Deno.env.set("TZ", zone);
      tzset();
    }
    return results(input.inputs[k]);
  });
  console.log(JSON.stringify(out));
}

const FLAGS = ["--allow-env=TZ", "--allow-read=/usr/share/zoneinfo"];

function ours(
  zones: (string | null)[],
  inputs: Inputs[],
  env: Record<string, string>,
  flags = FLAGS,
): Promise<Results[]> {
  return runJson<Results[]>(
    Deno.execPath(),
    ["run", "--no-prompt", "--no-config", ...flags, import.meta.filename!],
    { zones, inputs },
    env,
  );
}

function cpython(zones: (string | null)[], env: Record<string, string>): Promise<Side[]> {
  return runPython<Side[]>(PYTHON, { zones }, env);
}

/** Every difference between the two sides, as readable lines. */
function differences(zone: string, theirs: Side, mine: Results): string[] {
  const diffs: string[] = [];
  const note = (what: string, a: unknown, b: unknown) => {
    if (JSON.stringify(a) !== JSON.stringify(b)) {
      diffs.push(
        `TZ=${JSON.stringify(zone)} ${what}: ours ${JSON.stringify(a)}, CPython ${
          JSON.stringify(b)
        }`,
      );
    }
  };
  theirs.instants.forEach((t, i) => {
    note(`localtime(${t})`, mine.local[i], theirs.local[i]);
    note(`strftime('%Z %z', localtime(${t}))`, mine.text[i], theirs.text[i]);
  });
  theirs.tuples.forEach((tuple, i) => note(`mktime(${tuple})`, mine.mktime[i], theirs.mktime[i]));
  note("strftime('%Z|%z', plain tuple) for isdst -1, 0, 1", mine.plain, theirs.plain);
  note("timezone, altzone, daylight, tzname", mine.info, theirs.info);
  return diffs;
}

/** Runs both sides under `TZ=zone` (CPython first: it picks the inputs). */
async function compareZone(zone: string): Promise<{ theirs: Side; diffs: string[] }> {
  const [theirs] = await cpython([null], { TZ: zone });
  const [mine] = await ours([null], [theirs], { TZ: zone });
  return { theirs, diffs: differences(zone, theirs, mine) };
}

/** Runs `fn` over `items`, `limit` at a time; a failure is seen by whoever awaits it. */
function pooled<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R>[] {
  const out = items.map(() => Promise.withResolvers<R>());
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const i = next++;
      try {
        out[i].resolve(await fn(items[i]));
      } catch (e) {
        out[i].reject(e);
      }
    }
  };
  for (let k = 0; k < limit; k++) lane();
  return out.map((d) => {
    d.promise.catch(() => {});
    return d.promise;
  });
}

if (import.meta.main) {
  await worker();
} else {
  const hasPython = await pythonAvailable();
  let all: Map<string, Promise<{ theirs: Side; diffs: string[] }>> | undefined;
  const compared = (zone: string) => {
    if (all === undefined) {
      const zones = ZONES.map(([z]) => z);
      const runs = pooled(zones, 4, compareZone);
      all = new Map(zones.map((z, i) => [z, runs[i]]));
    }
    return all.get(zone)!;
  };

  for (const [zone, why] of ZONES) {
    Deno.test({
      name: `TZ=${
        JSON.stringify(zone)
      } (${why}): localtime, mktime, %Z %z and timezoneInfo equal CPython's`,
      ignore: !hasPython,
      async fn() {
        const { theirs, diffs } = await compared(zone);
        assert(theirs.instants.length >= 2000, "thousands of instants");
        assertEquals(diffs.slice(0, 12), [], `${diffs.length} differences`);
      },
    });
  }

  Deno.test({
    name:
      "the rule strings have the changes they name, ± 1 s included (the inputs are not trivial)",
    ignore: !hasPython,
    async fn() {
      const { theirs } = await compared("EST+05EDT,M3.2.0,M11.1.0");
      // Two changes a year in 1970-1971, 2010-2012, 2023-2026 and 2037-2039; none in 1968 and
      // 1969, because glibc counts the rules of the years up to 1970 from 1970-01-01, so that
      // every instant of 1968 and 1969 falls before both changes.
      assertEquals(theirs.changes, 2 * (2 + 3 + 4 + 3));
      const around = theirs.instants.filter((t) => t === 1710054000 - 1 || t === 1710054000);
      assertEquals(around.length, 2); // 2024-03-10 07:00 UTC, 02:00 EST -> 03:00 EDT
      const southern = (await compared("AEST-10AEDT,M10.1.0,M4.1.0/3")).theirs;
      assertEquals(southern.changes, 2 * (2 + 3 + 4 + 3));
      assert(southern.tuples.length > 1000);
    },
  });

  Deno.test({
    name: "tzset() re-reads TZ at run time, as time.tzset() does, from zone to zone",
    ignore: !hasPython,
    async fn() {
      // A rule, a southern rule, a zone file, an IANA name, empty, malformed rules.
      const zones = [
        "EST+05EDT,M3.2.0,M11.1.0",
        "AEST-10AEDT,M10.1.0,M4.1.0/3",
        "EST5EDT",
        "Europe/Berlin",
        "",
        "EST5EDT,garbage",
      ];
      const theirs = await cpython(zones, { TZ: "UTC" });
      const mine = await ours(zones, theirs, { TZ: "UTC" });
      const diffs = zones.flatMap((zone, k) => differences(zone, theirs[k], mine[k]));
      assertEquals(diffs.slice(0, 12), [], `${diffs.length} differences`);
    },
  });

  Deno.test({
    name:
      "hostile TZ strings (names and numbers of up to 120,000 characters, near the kernel's 128 KiB limit) read in linear time, as glibc reads them",
    ignore: !hasPython,
    async fn() {
      const zones = [
        `<${"A".repeat(100_000)}>-1<${"B".repeat(50)}>,M3.5.0,M10.5.0/3`,
        `XYZ${"9".repeat(60_000)}ABC,M3.2.0/${"7".repeat(60_000)},M11.1.0`,
        `EST5EDT,M3.2.0/-${"0".repeat(60_000)}1,J${"0".repeat(60_000)}365`,
        `${"EST5EDT,".repeat(15_000)}`,
      ];
      const script = `
import json, sys, time
out = []
for t in (0, 1700000000, 1719835200, 1735689599):
    lt = time.localtime(t)
    out.append([list(lt), len(lt.tm_zone), lt.tm_zone[:3], lt.tm_gmtoff, time.strftime("%Z %z", lt)])
out.append([int(time.mktime((2024, 7, 1, 12, 0, 0, 0, 0, -1))), time.timezone, time.altzone,
            time.daylight, list(time.tzname)])
print(json.dumps(out))
`;
      for (const zone of zones) {
        const started = performance.now();
        const zoneRules = new PosixTimeZone(zone);
        zoneRules.at(1700000000);
        assert(performance.now() - started < 200, "reading is linear");
        const theirs = await runPython<unknown[]>(script, null, { TZ: zone });
        const mine = await runJson<unknown[]>(
          Deno.execPath(),
          [
            "eval",
            "--no-config",
            "--ext=ts",
            `
import { localtime, mktime, strftime, timezoneInfo } from ${
              JSON.stringify(new URL("../core/text/strftime.ts", import.meta.url).href)
            };
const out: unknown[] = [];
for (const t of [0, 1700000000, 1719835200, 1735689599]) {
  const lt = localtime(t);
  out.push([[lt.tm_year, lt.tm_mon, lt.tm_mday, lt.tm_hour, lt.tm_min, lt.tm_sec, lt.tm_wday, lt.tm_yday, lt.tm_isdst], lt.tm_zone.length, lt.tm_zone.slice(0, 3), lt.tm_gmtoff, strftime("%Z %z", lt)]);
}
const i = timezoneInfo();
out.push([mktime({ tm_year: 2024, tm_mon: 7, tm_mday: 1, tm_hour: 12, tm_min: 0, tm_sec: 0, tm_isdst: -1 }), i.timezone, i.altzone, i.daylight, [...i.tzname]]);
console.log(JSON.stringify(out));
`,
          ],
          null,
          { TZ: zone },
        );
        assertEquals(mine, theirs, zone.slice(0, 40));
      }
    },
  });

  Deno.test({
    name: "a DST name without rules (AST4ADT) changes on the US rules M3.2.0,M11.1.0",
    ignore: !hasPython,
    async fn() {
      // glibc takes these changes from the system's posixrules file instead (New York's
      // history), shifted wrongly by glibc 2.36 (README: "Differences you should know"); the
      // rule spelled out is compared with CPython above.
      const { theirs } = await compared("AST4ADT,M3.2.0,M11.1.0");
      const [bare, comma] = await Promise.all([
        ours([null], [theirs], { TZ: "AST4ADT" }),
        ours([null], [theirs], { TZ: "AST4ADT," }),
      ]);
      const spelled = await ours([null], [theirs], { TZ: "AST4ADT,M3.2.0,M11.1.0" });
      assertEquals(bare[0].local, spelled[0].local);
      assertEquals(comma[0].local, spelled[0].local);
      assertEquals(new PosixTimeZone("AST4ADT").defaultRules, true);
      assertEquals(new PosixTimeZone("AST4ADT,M3.2.0,M11.1.0").defaultRules, false);
    },
  });

  Deno.test({
    name: "without --allow-env=TZ the rule string cannot be read: local time is the engine's (UTC)",
    ignore: !hasPython,
    async fn() {
      const { theirs } = await compared("EST+05EDT,M3.2.0,M11.1.0");
      const [mine] = await ours([null], [theirs], { TZ: "EST+05EDT,M3.2.0,M11.1.0" }, [
        "--allow-read=/usr/share/zoneinfo",
      ]);
      assert(mine.local.every((f) => f[10] === 0), "every offset is 0");
      assertEquals(mine.info, [0, 0, 0, ["UTC", "UTC"]]);
    },
  });
}
