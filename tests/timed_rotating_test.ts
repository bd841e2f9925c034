/**
 * TimedRotatingFileHandler: rollovers with an injected clock (file names and contents equal to
 * CPython's across daylight saving changes), CPython's handler tests, the gh-130108 fix, and
 * the behaviour beyond Python (timer, shared schedule, gzip, retention by age).
 */

import type { When } from "../handlers/timed_rotating.ts";
import { runDenoJson } from "./helpers/subprocess.ts";
import { existsSync, withTempDir } from "./helpers/fs.ts";
import { makeLogRecord } from "../core/record.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const SEQUENCE_HELPER = new URL("./helpers/timed_sequence.ts", import.meta.url).pathname;

function names(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).sort();
}

const rec = (msg: string) => makeLogRecord({ msg });

// --- The same files as CPython, through daylight saving changes -------------------------------

/**
 * CPython 3.13 with one fix, the one this library makes (gh-130108): when the rotated name
 * already exists, CPython returns without moving its schedule on, so it never rotates again;
 * here the schedule moves on (and the live file is reopened, which changes no byte).
 */
const SEQUENCE_SCRIPT = `
import datetime, json, os, sys, time, logging, logging.handlers
now = [0]
time.time = lambda: now[0]
collisions = [0]

class Fixed(logging.handlers.TimedRotatingFileHandler):
    def handleError(self, record):
        raise  # an oracle that fails must not look like one that disagrees

    def doRollover(self):
        currentTime = int(time.time())
        t = self.rolloverAt - self.interval
        if self.utc:
            timeTuple = time.gmtime(t)
        else:
            timeTuple = time.localtime(t)
            dstNow = time.localtime(currentTime)[-1]
            if dstNow != timeTuple[-1]:
                timeTuple = time.localtime(t + (3600 if dstNow else -3600))
        dfn = self.rotation_filename(self.baseFilename + "." + time.strftime(self.suffix, timeTuple))
        if os.path.exists(dfn):
            collisions[0] += 1
            self.rolloverAt = self.computeRollover(currentTime)
            return
        super().doRollover()

out = []
for c in json.load(sys.stdin):
    now[0] = c["times"][0]
    at = datetime.time(*c["atTime"]) if c["atTime"] else None
    h = Fixed(os.path.join(c["dir"], "app.log"), when=c["when"], interval=c["interval"],
        utc=c["utc"], backupCount=c["backupCount"], delay=True, atTime=at, encoding="utf-8")
    for i, t in enumerate(c["times"]):
        now[0] = t
        h.handle(logging.makeLogRecord({"msg": "record %d at %d" % (i, t)}))
    h.close()
    files = {}
    for name in sorted(os.listdir(c["dir"])):
        with open(os.path.join(c["dir"], name), encoding="utf-8") as f:
            files[name] = f.read()
    out.append(files)
print(json.dumps({"folders": out, "collisions": collisions[0]}))
`;

function oursSequence(input: unknown, tz: string): Promise<Record<string, string>[]> {
  return runDenoJson<Record<string, string>[]>(SEQUENCE_HELPER, input, { TZ: tz });
}

/** Instants from `start` for `span` seconds, at irregular steps around `step`. */
function walk(start: number, span: number, step: number): number[] {
  const out: number[] = [];
  let seed = 12345;
  for (let t = start; t < start + span;) {
    out.push(t);
    seed = (seed * 1103515245 + 12345) % 2147483648;
    t += Math.max(1, Math.round(step * (0.2 + 1.6 * (seed / 2147483648))));
  }
  return out;
}

const DST_2024 = {
  "America/New_York": [Date.UTC(2024, 2, 10, 7) / 1000, Date.UTC(2024, 10, 3, 6) / 1000],
  "Europe/London": [Date.UTC(2024, 2, 31, 1) / 1000, Date.UTC(2024, 9, 27, 1) / 1000],
};

for (const [tz, changes] of Object.entries(DST_2024)) {
  Deno.test({
    name: `rotated file names and contents equal CPython's across DST changes (TZ=${tz})`,
    ignore: !(await pythonAvailable()),
    fn: () =>
      withTempDir(async (root) => {
        const scenarios = [];
        // [when, interval, atTime, seconds before the change, span, typical step]
        const plans: [string, number, [number, number, number] | null, number, number][] = [
          ["H", 1, null, 6 * 3600, 900],
          ["M", 30, null, 3 * 3600, 300],
          ["D", 1, null, 3 * 86400, 7200],
          ["MIDNIGHT", 1, null, 4 * 86400, 5400],
          ["MIDNIGHT", 1, [2, 30, 0], 4 * 86400, 5400],
          ["midnight", 3, [1, 30, 0], 8 * 86400, 9000],
          ["W6", 1, [2, 0, 0], 21 * 86400, 30000],
        ];
        for (const change of changes) {
          for (const [when, interval, atTime, before, step] of plans) {
            scenarios.push({
              when,
              interval,
              atTime,
              times: walk(change - before, 2 * before, step),
            });
          }
        }
        const configs = [];
        for (const s of scenarios) {
          for (const utc of [false, true]) {
            for (const backupCount of [0, 3]) configs.push({ ...s, utc, backupCount });
          }
        }
        const dirs = await Promise.all(configs.map(async (_, i) => {
          await Deno.mkdir(`${root}/py${i}`);
          await Deno.mkdir(`${root}/ts${i}`);
          return i;
        }));
        const [py, actual] = await Promise.all([
          runPython<{ folders: Record<string, string>[]; collisions: number }>(
            SEQUENCE_SCRIPT,
            configs.map((c, i) => ({ ...c, dir: `${root}/py${dirs[i]}` })),
            { TZ: tz },
          ),
          oursSequence(configs.map((c, i) => ({ ...c, dir: `${root}/ts${dirs[i]}` })), tz),
        ]);
        let rotations = 0;
        configs.forEach((c, i) => {
          assertEquals(
            actual[i],
            py.folders[i],
            `${tz} ${JSON.stringify({ ...c, times: undefined })}`,
          );
          rotations += Object.keys(py.folders[i]).length - 1;
        });
        const collisions = py.collisions;
        assert(rotations > 100, `only ${rotations} rotated files`);
        // Hourly rotation at a DST change does reach an existing name (gh-130108's case).
        assert(collisions > 0, "no rollover met an existing name");
      }),
  });
}

// --- CPython's TimedRotatingFileHandlerTest -------------------------------------------------

Deno.test("invalid when, W without a day, W7 and a bad atTime are errors naming valid values", () =>
  withTempDir((dir) => {
    const fn = `${dir}/app.log`;
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { when: "X" as When, delay: true }),
      RangeError,
      "Cannot create TimedRotatingFileHandler as 'when' must be one of S, M, H, D, MIDNIGHT, W0-W6 (in any case): current value is 'X'",
    );
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { when: "W" as When, delay: true }),
      RangeError,
      "'when' must be W0 to W6 for weekly rollover (W0 is Monday): current value is 'W'",
    );
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { when: "W7" as When, delay: true }),
      RangeError,
      "W0 to W6",
    );
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { when: "midnight", atTime: "25:00" }),
      RangeError,
      "'atTime' must have hour 0-23, minute 0-59 and second 0-59",
    );
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { atTime: "noon" }),
      RangeError,
      `'atTime' must be "HH:MM" or "HH:MM:SS": current value is 'noon'`,
    );
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { interval: 0 }),
      RangeError,
      "'interval' must be an integer >= 1",
    );
    assertThrows(
      () => new TimedRotatingFileHandler(fn, { backupCount: -2 }),
      RangeError,
      "'backupCount' must be an integer >= 0",
    );
    assertEquals(existsSync(fn), false);
  }));

Deno.test("when is accepted in any case, and interval multiplies the unit", () =>
  withTempDir((dir) => {
    for (
      const [when, interval, seconds] of [
        ["s", 1, 1],
        ["m", 5, 300],
        ["h", 2, 7200],
        ["d", 1, 86400],
        ["Midnight", 2, 172800],
        ["w3", 2, 1209600],
      ] as const
    ) {
      const h = new TimedRotatingFileHandler(`${dir}/app.log`, { when, interval, delay: true });
      assertEquals(h.when, when.toUpperCase());
      assertEquals(h.interval, seconds);
      h.closeSync();
    }
  }));

Deno.test("a non-regular file never rolls over, and the schedule still moves on", () => {
  // Later than /dev/null's mtime, from which the first rollover time is computed.
  const now = Date.now() / 1000 + 100;
  const h = new TimedRotatingFileHandler("/dev/null", {
    when: "S",
    backupCount: 1,
    now: () => now,
  });
  const first = h.rolloverAt;
  assert(now >= first);
  assertEquals(h.shouldRollover(rec("testing - device file")), false);
  assert(h.rolloverAt > first, "rolloverAt moved on");
  h.closeSync();
});

Deno.test("a rollover renames the file after the start of its period", () =>
  withTempDir((dir) => {
    let now = Date.UTC(2024, 4, 1, 10, 20, 30) / 1000;
    const h = new TimedRotatingFileHandler(`${dir}/app.log`, {
      when: "S",
      backupCount: 1,
      utc: true,
      delay: true,
      now: () => now,
    });
    h.emit(rec("testing - initial"));
    now += 1.1;
    h.emit(rec("testing - after delay"));
    h.closeSync();
    assertEquals(
      Deno.readTextFileSync(`${dir}/app.log.2024-05-01_10-20-30`),
      "testing - initial\n",
    );
    assertEquals(Deno.readTextFileSync(`${dir}/app.log`), "testing - after delay\n");
  }));

for (const weekly of [false, true]) {
  Deno.test(`the first rollover comes from the file's mtime (${weekly ? "weekly" : "midnight"})`, () =>
    withTempDir((dir) => {
      // test_rollover_at_midnight: handlers made and closed at the same time of day append to
      // one file; once the file's mtime is a second before that time, the next handler
      // rotates it to the previous day's (week's) name.
      const fn = `${dir}/app.log`;
      const now = Date.UTC(2024, 4, 8, 14, 15, 16) / 1000; // a Wednesday
      const when = weekly ? "W2" : "MIDNIGHT";
      const atTime = "14:15:16";
      for (let i = 0; i < 3; i++) {
        const fh = new TimedRotatingFileHandler(fn, { when, atTime, utc: true, now: () => now });
        fh.emit(rec(`testing1 ${i}`));
        fh.closeSync();
      }
      assertEquals(Deno.readTextFileSync(fn), "testing1 0\ntesting1 1\ntesting1 2\n");
      Deno.utimeSync(fn, now - 1, now - 1);
      for (let i = 0; i < 2; i++) {
        const fh = new TimedRotatingFileHandler(fn, { when, atTime, utc: true, now: () => now });
        fh.emit(rec(`testing2 ${i}`));
        fh.closeSync();
      }
      const other = `${fn}.${weekly ? "2024-05-01" : "2024-05-07"}`;
      assertEquals(Deno.readTextFileSync(other), "testing1 0\ntesting1 1\ntesting1 2\n");
      assertEquals(Deno.readTextFileSync(fn), "testing2 0\ntesting2 1\n");
    }));
}

Deno.test("CPython's files-to-delete cases: dotted names, namers, other extensions", () =>
  withTempDir((wd) => {
    // test_compute_files_to_delete and ..._same_filename_different_extensions.
    const times: string[] = [];
    for (let i = 0; i < 10; i++) times.push(`2024-05-01_10-20-${String(10 + 5 * i)}`);
    const files: string[] = [];
    for (const prefix of ["a.b", "a.b.c"]) for (const t of times) files.push(`${prefix}.log.${t}`);
    for (const prefix of ["d.e", "d.e.f"]) for (const t of times) files.push(`${prefix}.${t}.log`);
    for (const t of times) files.push(`g${t}.oldlog`, `a.log.${t}`, `a.log.b.${t}`, `a.log.${t}.c`);
    for (const f of files) Deno.writeTextFileSync(`${wd}/${f}`, "");
    const make = (base: string, backupCount: number) =>
      new TimedRotatingFileHandler(`${wd}/${base}`, {
        when: "s",
        interval: 5,
        backupCount,
        delay: true,
      });
    for (const prefix of ["a.b", "a.b.c"]) {
      const h = make(`${prefix}.log`, 7);
      const c = h.getFilesToDelete();
      assertEquals(c.length, 3);
      for (const f of c) assert(f.slice(wd.length + 1).startsWith(`${prefix}.log.`), f);
      h.closeSync();
    }
    for (const prefix of ["d.e", "d.e.f"]) {
      const h = make(`${prefix}.log`, 7);
      h.namer = (name) => {
        const cut = name.lastIndexOf("/") + 1;
        return name.slice(0, cut) + name.slice(cut).replace(".log", "") + ".log";
      };
      const c = h.getFilesToDelete();
      assertEquals(c.length, 3);
      for (const f of c) {
        const fn = f.slice(wd.length + 1);
        assert(
          fn.endsWith(".log") && fn.startsWith(`${prefix}.`) && /\d/.test(fn[prefix.length + 2]),
        );
      }
      h.closeSync();
    }
    const g = make("g.log", 7);
    g.namer = (name) => {
      const cut = name.lastIndexOf("/") + 1;
      return `${name.slice(0, cut)}g${name.slice(cut).slice(6)}.oldlog`;
    };
    assertEquals(g.getFilesToDelete().length, 3);
    g.closeSync();
    for (const [i, prefix] of ["a.log", "a.log.b"].entries()) {
      const h = make(prefix, i + 1);
      const c = h.getFilesToDelete();
      assertEquals(c.length, 10 - (i + 1));
      for (const f of c) {
        assert(
          /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.test(f.slice(wd.length + prefix.length + 2)),
        );
      }
      h.closeSync();
    }
  }));

// --- Beyond Python -----------------------------------------------------------------------------

Deno.test("when the rotated name exists, it is kept, the schedule moves on, records go to the live file (gh-130108)", () =>
  withTempDir((dir) => {
    let now = Date.UTC(2024, 4, 1, 23, 59, 0) / 1000;
    const fn = `${dir}/app.log`;
    Deno.writeTextFileSync(`${fn}.2024-05-01`, "rotated earlier\n");
    const h = new TimedRotatingFileHandler(fn, {
      when: "midnight",
      utc: true,
      delay: true,
      now: () => now,
    });
    h.emit(rec("before midnight"));
    now += 120;
    const before = h.rolloverAt;
    h.emit(rec("after midnight"));
    assertEquals(h.rolloverAt, before + 86400);
    now += 60;
    h.emit(rec("a minute later"));
    h.closeSync();
    assertEquals(Deno.readTextFileSync(`${fn}.2024-05-01`), "rotated earlier\n");
    assertEquals(
      Deno.readTextFileSync(fn),
      "before midnight\nafter midnight\na minute later\n",
    );
  }));

Deno.test("backupCount deletes the oldest rotated files at each rollover", () =>
  withTempDir((dir) => {
    let now = Date.UTC(2024, 4, 1) / 1000;
    const h = new TimedRotatingFileHandler(`${dir}/app.log`, {
      when: "H",
      backupCount: 2,
      utc: true,
      delay: true,
      now: () => now,
    });
    for (let i = 0; i < 6; i++) {
      h.emit(rec(`hour ${i}`));
      now += 3600;
    }
    h.closeSync();
    assertEquals(names(dir), ["app.log", "app.log.2024-05-01_03", "app.log.2024-05-01_04"]);
  }));

Deno.test("a subclass's namer method names the rotated files, and getFilesToDelete finds them by it", () =>
  withTempDir((dir) => {
    // CPython's getFilesToDelete takes the namer's path when `namer` is not None, a method too.
    class Dotted extends TimedRotatingFileHandler {
      override namer(name: string): string {
        const cut = name.lastIndexOf("/") + 1;
        return name.slice(0, cut) + name.slice(cut).replace(".log", "") + ".log";
      }
    }
    let now = Date.UTC(2024, 4, 1) / 1000;
    const h = new Dotted(`${dir}/app.log`, {
      when: "H",
      backupCount: 2,
      utc: true,
      delay: true,
      now: () => now,
    });
    for (let i = 0; i < 4; i++) {
      h.emit(rec(`hour ${i}`));
      now += 3600;
    }
    h.closeSync();
    assertEquals(names(dir), ["app.2024-05-01_01.log", "app.2024-05-01_02.log", "app.log"]);
    assertEquals(Deno.readTextFileSync(`${dir}/app.2024-05-01_02.log`), "hour 2\n");
  }));

Deno.test("compress gzip: rotated files end in .gz, pass gzip -t, and backupCount counts them", () =>
  withTempDir(async (dir) => {
    let now = Date.UTC(2024, 4, 1) / 1000;
    const h = new TimedRotatingFileHandler(`${dir}/app.log`, {
      when: "D",
      backupCount: 2,
      utc: true,
      delay: true,
      compress: "gzip",
      now: () => now,
    });
    for (let i = 0; i < 5; i++) {
      h.emit(rec(`day ${i}`));
      now += 86400;
    }
    await h.close();
    assertEquals(names(dir), ["app.log", "app.log.2024-05-03.gz", "app.log.2024-05-04.gz"]);
    const ok = await new Deno.Command("gzip", {
      args: ["-t", `${dir}/app.log.2024-05-03.gz`, `${dir}/app.log.2024-05-04.gz`],
    }).output();
    assert(ok.success, "gzip -t failed");
    const file = await Deno.open(`${dir}/app.log.2024-05-04.gz`);
    const text = await new Response(file.readable.pipeThrough(new DecompressionStream("gzip")))
      .text();
    assertEquals(text, "day 3\n");
  }));

Deno.test("maxAge deletes rotated files older than it, whatever backupCount allows", () =>
  withTempDir((dir) => {
    const start = Date.now() / 1000;
    let now = start;
    const fn = `${dir}/app.log`;
    const h = new TimedRotatingFileHandler(fn, {
      when: "H",
      maxAge: 2.5 * 3600,
      delay: true,
      now: () => now,
    });
    h.emit(rec("first"));
    for (const name of ["app.log.2020-01-01_00", "app.log.2020-01-01_01"]) {
      Deno.writeTextFileSync(`${dir}/${name}`, "old\n");
    }
    Deno.utimeSync(`${dir}/app.log.2020-01-01_00`, start - 3 * 3600, start - 3 * 3600);
    Deno.utimeSync(`${dir}/app.log.2020-01-01_01`, start - 3600, start - 3600);
    now += 3601; // _00 is now 4 hours old, _01 2 hours
    h.emit(rec("second"));
    h.closeSync();
    assertEquals(existsSync(`${dir}/app.log.2020-01-01_00`), false);
    assertEquals(existsSync(`${dir}/app.log.2020-01-01_01`), true);
    assertEquals(names(dir).length, 3);
  }));

Deno.test("processes sharing a locked file share the schedule: one rotation, no lost record", () =>
  withTempDir((dir) => {
    let now = Date.UTC(2024, 4, 1, 23, 59, 0) / 1000;
    const fn = `${dir}/app.log`;
    const options = {
      when: "midnight",
      utc: true,
      lock: true,
      delay: true,
      now: () => now,
    } as const;
    const a = new TimedRotatingFileHandler(fn, options);
    const b = new TimedRotatingFileHandler(fn, options);
    a.emit(rec("a before"));
    b.emit(rec("b before"));
    now += 120;
    a.emit(rec("a after"));
    b.emit(rec("b after"));
    assertEquals(b.rolloverAt, a.rolloverAt);
    a.closeSync();
    b.closeSync();
    assertEquals(names(dir), ["app.log", "app.log.2024-05-01", "app.log.lock"]);
    assertEquals(Deno.readTextFileSync(`${fn}.2024-05-01`), "a before\nb before\n");
    assertEquals(Deno.readTextFileSync(fn), "a after\nb after\n");
  }));

Deno.test("with timer, a quiet handler rotates on time without another record", () =>
  withTempDir(async (dir) => {
    const h = new TimedRotatingFileHandler(`${dir}/app.log`, { when: "S", timer: true });
    h.emit(rec("the only record"));
    // The rollover is at most 1 s away: wait for it without logging anything else.
    const deadline = Date.now() + 5000;
    while (names(dir).length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    h.closeSync();
    const rotated = names(dir).filter((n) => n !== "app.log");
    assertEquals(rotated.length, 1, `files: ${names(dir)}`);
    assertEquals(Deno.readTextFileSync(`${dir}/${rotated[0]}`), "the only record\n");
  }));

Deno.test("the timer keeps no process alive: a script with a midnight timer exits by itself", async () => {
  const started = Date.now();
  const { code, stderr, dir } = await runScript(`
    import { getLogger, TimedRotatingFileHandler } from "${MOD_URL}";
    const log = getLogger("app");
    log.addHandler(new TimedRotatingFileHandler("app.log", { when: "midnight", timer: true }));
    log.warning("logged, then the script ends");
  `);
  try {
    assertEquals(code, 0, stderr);
    assert(Date.now() - started < 20_000);
    assertEquals(Deno.readTextFileSync(`${dir}/app.log`), "logged, then the script ends\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
