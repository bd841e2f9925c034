/**
 * TimedRotatingFileHandler against CPython 3.13: `computeRollover` for every unit, interval,
 * UTC/local and `atTime` at hundreds of instants (half near a daylight saving change) under
 * two time zones; CPython's own compute_rollover tables; and `getFilesToDelete` on generated
 * folders.
 */

import type { When } from "../handlers/timed_rotating.ts";
import { runDenoJson } from "./helpers/subprocess.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { assertEquals } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const HELPER = new URL("./helpers/compute_rollover.ts", import.meta.url).pathname;
const WHENS = ["S", "M", "H", "D", "MIDNIGHT", "W0", "W1", "W2", "W3", "W4", "W5", "W6"];
const AT_TIMES: ([number, number, number] | null)[] = [
  null,
  [0, 0, 0],
  [1, 30, 0],
  [2, 0, 0],
  [2, 30, 0],
  [12, 0, 0],
];

interface Config {
  when: string;
  interval: number;
  utc: boolean;
  atTime: [number, number, number] | null;
}

const COMPUTE_SCRIPT = `
import datetime, json, os, sys, logging.handlers
inp = json.load(sys.stdin)
out = []
for c in inp["configs"]:
    at = datetime.time(*c["atTime"]) if c["atTime"] else None
    h = logging.handlers.TimedRotatingFileHandler(os.path.join(inp["dir"], "app.log"),
        when=c["when"], interval=c["interval"], utc=c["utc"], atTime=at, delay=True)
    out.append([h.computeRollover(t) for t in inp["instants"]])
    h.close()
print(json.dumps(out))
`;

/** A small deterministic generator (mulberry32), so failures can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The day of the month of the n-th (1-based; -1 for last) Sunday of a month. */
function sunday(year: number, month: number, n: number): number {
  if (n > 0) {
    const first = new Date(Date.UTC(year, month - 1, 1)).getUTCDay();
    return 1 + ((7 - first) % 7) + 7 * (n - 1);
  }
  const lastDay = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const dow = new Date(Date.UTC(year, month - 1, lastDay)).getUTCDay();
  return lastDay - dow;
}

/** Daylight saving changes, as UTC seconds, of a zone for 2021-2030. */
function transitions(zone: string): number[] {
  const out: number[] = [];
  for (let y = 2021; y <= 2030; y++) {
    if (zone === "America/New_York") {
      out.push(Date.UTC(y, 2, sunday(y, 3, 2), 7) / 1000); // 02:00 EST
      out.push(Date.UTC(y, 10, sunday(y, 11, 1), 6) / 1000); // 02:00 EDT
    } else {
      out.push(Date.UTC(y, 2, sunday(y, 3, -1), 1) / 1000); // 01:00 GMT
      out.push(Date.UTC(y, 9, sunday(y, 10, -1), 1) / 1000); // 01:00 UTC = 02:00 BST
    }
  }
  return out;
}

/** At least 240 whole-second instants: half within a day of a DST change of `zone`. */
function instants(zone: string): number[] {
  const rnd = random(zone.length * 7919);
  const near: number[] = [];
  for (const t of transitions(zone)) {
    // The change itself, a second either side, the local times of day the atTime values name
    // on the days around it (stepping by half hours), and random moments within a day.
    near.push(t - 1, t, t + 1);
    for (let k = -6; k <= 6; k += 3) near.push(t + k * 1800);
    near.push(t + Math.round((rnd() * 2 - 1) * 86400));
  }
  const far: number[] = [0, 86399, 86400, 3 * 86400 + 43200];
  while (far.length < near.length) {
    const t = Math.round(946684800 + rnd() * (2082758400 - 946684800));
    // Some on exact hour and half-hour boundaries, where `r <= 0` decides.
    far.push(far.length % 3 === 0 ? t - (t % 1800) : t);
  }
  return [...near, ...far];
}

function configs(): Config[] {
  const out: Config[] = [];
  for (const when of WHENS) {
    for (const interval of [1, 3]) {
      for (const utc of [true, false]) {
        for (const atTime of AT_TIMES) out.push({ when, interval, utc, atTime });
      }
    }
  }
  return out;
}

/** Runs our computeRollover in a Deno subprocess under `TZ`. */
function ours(input: unknown, tz: string): Promise<number[][]> {
  return runDenoJson<number[][]>(HELPER, input, { TZ: tz });
}

function compare(
  cs: Config[],
  ts: number[],
  actual: number[][],
  expected: number[][],
  tz: string,
): void {
  const mismatches: string[] = [];
  cs.forEach((c, i) => {
    ts.forEach((t, j) => {
      if (actual[i][j] !== expected[i][j]) {
        mismatches.push(
          `${tz} ${JSON.stringify(c)} t=${t}: ours ${actual[i][j]}, CPython ${expected[i][j]}`,
        );
      }
    });
  });
  assertEquals(mismatches.slice(0, 10), [], `${mismatches.length} mismatches`);
}

for (const tz of ["America/New_York", "Europe/London"]) {
  Deno.test({
    name: `computeRollover equals CPython 3.13 under TZ=${tz} (288 configurations x 240 instants)`,
    ignore: !(await pythonAvailable()),
    async fn() {
      const dir = await Deno.makeTempDir();
      try {
        const input = { dir, configs: configs(), instants: instants(tz) };
        assertEquals(input.instants.length >= 200, true);
        const [actual, expected] = await Promise.all([
          ours(input, tz),
          runPython<number[][]>(COMPUTE_SCRIPT, input, { TZ: tz }),
        ]);
        compare(input.configs, input.instants, actual, expected, tz);
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  });
}

interface TableCase {
  test: string;
  when: string;
  interval: number;
  atTime: [number, number, number] | null;
  current: string;
  expected: string;
  currentTs: number;
  expectedTs: number;
}

Deno.test("CPython's compute_rollover tables for MIDNIGHT and W6 in local time (DST 2012)", async () => {
  // Ported from test_logging.py (test_compute_rollover_{MIDNIGHT,W6}_local[_interval]); the
  // fixture holds each table row with its local datetimes as timestamps, made by
  // fixtures/make_compute_rollover_tables.py. CPython runs them under the POSIX rule
  // EST+05EDT,M3.2.0,M11.1.0, which is America/New_York's rule for 2012.
  const cases: TableCase[] = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/compute_rollover_tables.json", import.meta.url)),
  );
  assertEquals(cases.length, 164);
  const dir = await Deno.makeTempDir();
  try {
    const cs = cases.map((c) => ({
      when: c.when,
      interval: c.interval,
      utc: false,
      atTime: c.atTime,
    }));
    // One configuration per row, each row read at its own instant.
    const index = [...new Set(cases.map((c) => c.currentTs))];
    const actual = await ours({ dir, configs: cs, instants: index }, "America/New_York");
    const wrong: string[] = [];
    cases.forEach((c, i) => {
      const got = actual[i][index.indexOf(c.currentTs)];
      if (got !== c.expectedTs) {
        wrong.push(`${c.test} atTime=${c.atTime} ${c.current}: got ${got}, want ${c.expected}`);
      }
    });
    assertEquals(wrong, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CPython's compute_rollover table in UTC from the epoch (every unit, interval 1 and 3)", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const expected: Record<string, number> = {
      S: 1,
      M: 60,
      H: 3600,
      D: 86400,
      MIDNIGHT: 86400,
      W0: 4 * 86400 + 86400, // the epoch is a Thursday; W0 is Monday
    };
    for (const [when, exp] of Object.entries(expected)) {
      for (const interval of [1, 3]) {
        const h = new TimedRotatingFileHandler(`${dir}/app.log`, {
          when: when as When,
          interval,
          utc: true,
          delay: true,
        });
        const want = when.startsWith("W") ? exp + 7 * 86400 * (interval - 1) : exp * interval;
        assertEquals(h.computeRollover(0), want, `${when} interval ${interval}`);
        h.closeSync();
      }
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("CPython's daily and weekly atTime tables in UTC", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const day = 86400;
    let h = new TimedRotatingFileHandler(`${dir}/app.log`, {
      when: "MIDNIGHT",
      utc: true,
      delay: true,
    });
    assertEquals(h.computeRollover(0), day);
    assertEquals(h.computeRollover(day - 1), day);
    assertEquals(h.computeRollover(day), 2 * day);
    assertEquals(h.computeRollover(25 * 3600), 2 * day);
    h.closeSync();
    h = new TimedRotatingFileHandler(`${dir}/app.log`, {
      when: "MIDNIGHT",
      utc: true,
      delay: true,
      atTime: { hour: 12 },
    });
    assertEquals(h.computeRollover(0), 12 * 3600);
    assertEquals(h.computeRollover(12 * 3600 - 1), 12 * 3600);
    assertEquals(h.computeRollover(12 * 3600), 36 * 3600);
    assertEquals(h.computeRollover(13 * 3600), 36 * 3600);
    h.closeSync();
    // test_compute_rollover_weekly_attime, from a fixed day instead of today.
    const today = 1700006400 - (1700006400 % day);
    const wday = (Math.floor(today / day) + 3) % 7;
    for (let d = 0; d < 7; d++) {
      h = new TimedRotatingFileHandler(`${dir}/app.log`, {
        when: `W${d}` as When,
        utc: true,
        delay: true,
        atTime: "12:00:00",
      });
      let expected = (wday > d ? 7 - wday + d : d - wday) * day + 12 * 3600 + today;
      assertEquals(h.computeRollover(today), expected);
      assertEquals(h.computeRollover(today + 12 * 3600 - 1), expected);
      if (d === wday) expected += 7 * day;
      assertEquals(h.computeRollover(today + 12 * 3600), expected);
      assertEquals(h.computeRollover(today + 13 * 3600), expected);
      h.closeSync();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// ---------------------------------------------------------------------------------------------
// getFilesToDelete

/** Namers both sides know by name. */
const NAMERS: Record<string, ((name: string) => string) | undefined> = {
  none: undefined,
  // test_compute_files_to_delete's "d.e" namer: a.log.<suffix> -> a.<suffix>.log
  ext: (name) => {
    const cut = name.lastIndexOf("/");
    return `${name.slice(0, cut + 1)}${name.slice(cut + 1).replace(".log", "")}.log`;
  },
  // its "g" namer: g.log.<suffix> -> g<suffix>.oldlog
  g: (name) => {
    const cut = name.lastIndexOf("/");
    return `${name.slice(0, cut + 1)}g${name.slice(cut + 1).slice(6)}.oldlog`;
  },
  gz: (name) => `${name}.gz`,
};

const NAMERS_PY = `
def namer_ext(filename):
    dirname, basename = os.path.split(filename)
    return os.path.join(dirname, basename.replace('.log', '') + '.log')
def namer_g(filename):
    dirname, basename = os.path.split(filename)
    return os.path.join(dirname, 'g' + basename[6:] + '.oldlog')
NAMERS = {"none": None, "ext": namer_ext, "g": namer_g, "gz": lambda n: n + ".gz"}
`;

const DELETE_SCRIPT = `
import json, os, sys, logging.handlers
${NAMERS_PY}
out = []
for c in json.load(sys.stdin):
    h = logging.handlers.TimedRotatingFileHandler(os.path.join(c["dir"], c["base"]),
        when=c["when"], backupCount=c["backupCount"], delay=True)
    if NAMERS[c["namer"]] is not None:
        h.namer = NAMERS[c["namer"]]
    out.append(h.getFilesToDelete())
    h.close()
print(json.dumps(out))
`;

interface DeleteCase {
  dir: string;
  base: string;
  when: string;
  backupCount: number;
  namer: string;
}

const SUFFIX_SAMPLES: Record<string, (i: number) => string> = {
  S: (i) => `2024-05-0${1 + (i % 9)}_1${i % 10}-0${i % 6}-${10 + i}`,
  M: (i) => `2024-05-0${1 + (i % 9)}_1${i % 10}-${10 + i}`,
  H: (i) => `2024-05-${10 + i}_0${i % 10}`,
  D: (i) => `2024-0${1 + (i % 9)}-${10 + i}`,
  MIDNIGHT: (i) => `2023-12-${10 + i}`,
  W3: (i) => `2024-1${i % 3}-${10 + i}`,
};

Deno.test({
  name: "getFilesToDelete equals CPython 3.13's list on generated folders (namers, decoys)",
  ignore: !(await pythonAvailable()),
  async fn() {
    const root = await Deno.makeTempDir();
    try {
      const cases: DeleteCase[] = [];
      let n = 0;
      for (const [when, suffix] of Object.entries(SUFFIX_SAMPLES)) {
        for (const namer of Object.keys(NAMERS)) {
          for (const backupCount of [0, 1, 3, 12, 20]) {
            const dir = `${root}/${++n}`;
            await Deno.mkdir(dir);
            const base = namer === "g" ? "g.log" : namer === "ext" ? "d.e.log" : "a.b.log";
            const names = new Set<string>();
            const produce = (s: string) => {
              const full = `${dir}/${base}.${s}`;
              const f = NAMERS[namer];
              return (f === undefined ? full : f(full)).slice(dir.length + 1);
            };
            for (let i = 0; i < 15; i++) names.add(produce(suffix(i)));
            // Decoys: digits glued to the suffix, other bases, other units' suffixes, extra
            // extensions, and the names another namer would produce.
            for (let i = 0; i < 4; i++) {
              names.add(`${produce(suffix(i))}.c`);
              names.add(produce(`${suffix(i)}1`));
              names.add(produce(`1${suffix(i)}`));
              names.add(`x${base}.${suffix(i)}`);
              names.add(`${base}.${SUFFIX_SAMPLES.S(i)}`);
              names.add(`${base}.${SUFFIX_SAMPLES.D(i)}`);
              names.add(`${base}.${suffix(i)}.gz`);
              names.add(`${base.replace(".log", "")}.${suffix(i)}.log`);
            }
            names.add(base);
            for (const name of names) await Deno.writeTextFile(`${dir}/${name}`, "");
            cases.push({ dir, base, when, backupCount, namer });
          }
        }
      }
      const expected = await runPython<string[][]>(DELETE_SCRIPT, cases);
      const actual = cases.map((c) => {
        const h = new TimedRotatingFileHandler(`${c.dir}/${c.base}`, {
          when: c.when as When,
          backupCount: c.backupCount,
          delay: true,
        });
        h.namer = NAMERS[c.namer];
        const files = h.getFilesToDelete();
        h.closeSync();
        return files;
      });
      assertEquals(actual.length, cases.length);
      for (let i = 0; i < cases.length; i++) {
        assertEquals(actual[i], expected[i], JSON.stringify(cases[i]));
      }
      // The folders were not trivial: some lists are long, some empty.
      assertEquals(expected.some((l) => l.length >= 10), true);
      assertEquals(expected.some((l) => l.length === 0), true);
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
});
