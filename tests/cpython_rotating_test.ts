/**
 * CPython 3.13's `RotatingFileHandlerTest` and `TimedRotatingFileHandlerTest`
 * (Lib/test/test_logging.py), test by test, on real files. Where CPython sleeps or reads the
 * wall clock to make time pass, the handler's injected clock (`now`) stands in.
 *
 * Not here: the four `TimedRotatingFileHandlerTest` tests that run under
 * `@support.run_with_tz('EST+05EDT,M3.2.0,M11.1.0')` (test_compute_rollover_MIDNIGHT_local,
 * test_compute_rollover_W6_local and their `_interval` forms) are in tests/cpython_tz_test.ts,
 * with the POSIX TZ rules they need.
 */

import { deflateSync, inflateSync } from "node:zlib";
import {
  DEBUG,
  Formatter,
  LogRecord,
  makeLogRecord,
  RotatingFileHandler,
  TimedRotatingFileHandler,
  type When,
} from "../mod.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "./helpers/assert.ts";
import { existsSync } from "./helpers/fs.ts";
import { resetLogging } from "./helpers/logging_state.ts";

// --- BaseFileTest ---------------------------------------------------------------------------

/**
 * CPython's `BaseFileTest`: each test gets a fresh, empty log file (`mkstemp(".log",
 * "test_logging-2-")`), here in a folder of its own so that the rotated files land beside it
 * and go with it. As in CPython's `tearDown`, every file registered with `assertLogFile` must
 * still exist at the end (removing it fails the test otherwise), and the logging state is
 * reset (`BaseTest.tearDown`).
 */
class BaseFileTest {
  /** The folder holding the log file. */
  readonly dir: string;
  /** The log file, created empty. */
  readonly fn: string;
  #rmfiles: string[] = [];
  #messageNum = 0;

  constructor(dir: string) {
    this.dir = dir;
    this.fn = Deno.makeTempFileSync({ dir, prefix: "test_logging-2-", suffix: ".log" });
  }

  /** Asserts that a log file is there and registers it for deletion. */
  assertLogFile(filename: string): void {
    assert(existsSync(filename), `Log file '${filename}' does not exist`);
    this.#rmfiles.push(filename);
  }

  /** Registers a file for deletion (CPython's `self.rmfiles.append(fn)`). */
  registerFile(filename: string): void {
    this.#rmfiles.push(filename);
  }

  /** `BaseTest.next_message`: a message made of an auto-incrementing integer. */
  nextMessage(): string {
    return String(++this.#messageNum);
  }

  /** `BaseFileTest.next_rec`: `LogRecord('n', DEBUG, 'p', 1, next_message(), None, None, None)`. */
  nextRec(): LogRecord {
    return new LogRecord("n", DEBUG, "p", 1, this.nextMessage(), null, null, null);
  }

  tearDown(): void {
    for (const f of this.#rmfiles) Deno.removeSync(f);
    if (existsSync(this.fn)) Deno.removeSync(this.fn);
  }
}

/** Runs one test with `BaseFileTest`'s set-up and tear-down. */
async function withBaseFile(test: (t: BaseFileTest) => Promise<void> | void): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "test_logging_" });
  try {
    const t = new BaseFileTest(dir);
    await test(t);
    t.tearDown();
  } finally {
    resetLogging();
    await Deno.remove(dir, { recursive: true });
  }
}

/** Two digits. */
function pad(n: number): string {
  return String(n).padStart(2, "0");
}

/** Python's `datetime.strftime("%Y-%m-%d")` of a local time. */
function localDate(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** Python's `datetime.strftime("%Y-%m-%d_%H-%M-%S")` of a local time. */
function localStamp(d: Date): string {
  return `${localDate(d)}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

/** Python's `os.path.split`. */
function split(path: string): [string, string] {
  const cut = path.lastIndexOf("/");
  return [path.slice(0, Math.max(cut, 0)), path.slice(cut + 1)];
}

/** Python's `os.path.join` of two parts. */
function join(dir: string, name: string): string {
  return dir === "" ? name : `${dir}/${name}`;
}

// --- RotatingFileHandlerTest ----------------------------------------------------------------

Deno.test("RotatingFileHandlerTest.test_should_not_rollover: an empty file, or maxBytes 0, never rolls over", () =>
  withBaseFile(async (t) => {
    // If file is empty rollover never occurs
    let rh = new RotatingFileHandler(t.fn, { encoding: "utf-8", maxBytes: 1 });
    assertEquals(rh.shouldRollover(null), false);
    await rh.close();

    // If maxBytes is zero rollover never occurs
    rh = new RotatingFileHandler(t.fn, { encoding: "utf-8", maxBytes: 0 });
    assertEquals(rh.shouldRollover(null), false);
    await rh.close();

    Deno.writeFileSync(t.fn, new TextEncoder().encode("\n"));
    rh = new RotatingFileHandler(t.fn, { encoding: "utf-8", maxBytes: 0 });
    assertEquals(rh.shouldRollover(null), false);
    await rh.close();
  }));

Deno.test("RotatingFileHandlerTest.test_should_not_rollover_non_file: /dev/null never rolls over (bpo-45401)", () =>
  withBaseFile(async (t) => {
    // maxBytes 1, so that rollover would normally happen, except for the check for regular
    // files.
    const rh = new RotatingFileHandler("/dev/null", { encoding: "utf-8", maxBytes: 1 });
    assertEquals(rh.shouldRollover(t.nextRec()), false);
    // Beyond CPython's check: here the size is what the handler wrote, so after a record
    // the answer comes from the regular-file check itself.
    rh.emit(t.nextRec());
    assertEquals(rh.shouldRollover(t.nextRec()), false);
    await rh.close();
  }));

Deno.test("RotatingFileHandlerTest.test_should_rollover: a 1-byte file with maxBytes 2 rolls over before the next record", () =>
  withBaseFile(async (t) => {
    Deno.writeFileSync(t.fn, new TextEncoder().encode("\n"));
    const rh = new RotatingFileHandler(t.fn, { encoding: "utf-8", maxBytes: 2 });
    assertEquals(rh.shouldRollover(t.nextRec()), true);
    await rh.close();
  }));

Deno.test("RotatingFileHandlerTest.test_file_created: the handler creates its log file", () =>
  withBaseFile(async (t) => {
    // checks that the file is created and assumes it was created by us
    Deno.removeSync(t.fn);
    const rh = new RotatingFileHandler(t.fn, { encoding: "utf-8" });
    rh.emit(t.nextRec());
    t.assertLogFile(t.fn);
    await rh.close();
  }));

/** CPython's `test_max_bytes(delay)`. */
async function maxBytes(t: BaseFileTest, delay: boolean): Promise<void> {
  Deno.removeSync(t.fn);
  const rh = new RotatingFileHandler(t.fn, {
    encoding: "utf-8",
    backupCount: 2,
    maxBytes: 100,
    ...(delay ? { delay } : {}),
  });
  assertEquals(existsSync(t.fn), !delay);
  const small = makeLogRecord({ msg: "a" });
  const large = makeLogRecord({ msg: "b".repeat(100) });
  assertEquals(rh.shouldRollover(small), false);
  assertEquals(rh.shouldRollover(large), false);
  rh.emit(small);
  t.assertLogFile(t.fn);
  assertEquals(existsSync(`${t.fn}.1`), false);
  assertEquals(rh.shouldRollover(small), false);
  assertEquals(rh.shouldRollover(large), true);
  rh.emit(large);
  assert(existsSync(t.fn));
  t.assertLogFile(`${t.fn}.1`);
  assertEquals(existsSync(`${t.fn}.2`), false);
  assertEquals(rh.shouldRollover(small), true);
  assertEquals(rh.shouldRollover(large), true);
  await rh.close();
}

Deno.test("RotatingFileHandlerTest.test_max_bytes: a record that would reach maxBytes goes to a new file", () =>
  withBaseFile((t) => maxBytes(t, false)));

Deno.test("RotatingFileHandlerTest.test_max_bytes_delay: with delay, the file is created by the first record and rotates the same", () =>
  withBaseFile((t) => maxBytes(t, true)));

Deno.test("RotatingFileHandlerTest.test_rollover_filenames: a namer assigned to the handler names every backup", () =>
  withBaseFile(async (t) => {
    const namer = (name: string) => `${name}.test`;
    const rh = new RotatingFileHandler(t.fn, { encoding: "utf-8", backupCount: 2, maxBytes: 1 });
    rh.namer = namer;
    rh.emit(t.nextRec());
    t.assertLogFile(t.fn);
    assertEquals(existsSync(namer(`${t.fn}.1`)), false);
    rh.emit(t.nextRec());
    t.assertLogFile(namer(`${t.fn}.1`));
    assertEquals(existsSync(namer(`${t.fn}.2`)), false);
    rh.emit(t.nextRec());
    t.assertLogFile(namer(`${t.fn}.2`));
    assertEquals(existsSync(namer(`${t.fn}.3`)), false);
    rh.emit(t.nextRec());
    assertEquals(existsSync(namer(`${t.fn}.3`)), false);
    await rh.close();
  }));

Deno.test("RotatingFileHandlerTest.test_namer_rotator_inheritance: namer and rotator defined as methods of a subclass are used", () =>
  withBaseFile(async (t) => {
    class HandlerWithNamerAndRotator extends RotatingFileHandler {
      override namer(name: string): string {
        return `${name}.test`;
      }

      override rotator(source: string, dest: string): void {
        if (existsSync(source)) Deno.renameSync(source, `${dest}.rotated`);
      }
    }

    const rh = new HandlerWithNamerAndRotator(t.fn, {
      encoding: "utf-8",
      backupCount: 2,
      maxBytes: 1,
    });
    assertEquals(rh.namer(t.fn), `${t.fn}.test`);
    rh.emit(t.nextRec());
    t.assertLogFile(t.fn);
    rh.emit(t.nextRec());
    t.assertLogFile(`${rh.namer(`${t.fn}.1`)}.rotated`);
    assertEquals(existsSync(rh.namer(`${t.fn}.1`)), false);
    await rh.close();
  }));

Deno.test("RotatingFileHandlerTest.test_rotator: a rotator that zlib-compresses the live file; older backups are renamed", () =>
  withBaseFile(async (t) => {
    // Python's zlib.compress(data, 9) and zlib.decompress: node:zlib's deflate (zlib format).
    const namer = (name: string) => `${name}.gz`;
    const rotator = (source: string, dest: string) => {
      const data = Deno.readFileSync(source);
      const compressed = deflateSync(data, { level: 9 });
      Deno.writeFileSync(dest, compressed);
      Deno.removeSync(source);
    };
    const decompressed = (fn: string) =>
      new TextDecoder("ascii").decode(inflateSync(Deno.readFileSync(fn)));

    const rh = new RotatingFileHandler(t.fn, { encoding: "utf-8", backupCount: 2, maxBytes: 1 });
    rh.rotator = rotator;
    rh.namer = namer;
    const m1 = t.nextRec();
    rh.emit(m1);
    t.assertLogFile(t.fn);
    const m2 = t.nextRec();
    rh.emit(m2);
    let fn = namer(`${t.fn}.1`);
    t.assertLogFile(fn);
    const newline = "\n"; // os.linesep
    assertEquals(decompressed(fn), m1.msg + newline);
    rh.emit(t.nextRec());
    fn = namer(`${t.fn}.2`);
    t.assertLogFile(fn);
    assertEquals(decompressed(fn), m1.msg + newline);
    rh.emit(t.nextRec());
    fn = namer(`${t.fn}.2`);
    assertEquals(decompressed(fn), m2.msg + newline);
    assertEquals(existsSync(namer(`${t.fn}.3`)), false);
    await rh.close();
  }));

// --- TimedRotatingFileHandlerTest -----------------------------------------------------------

Deno.test("TimedRotatingFileHandlerTest.test_should_not_rollover: /dev/null never rolls over, even when its time has come (bpo-45401)", () =>
  withBaseFile(async () => {
    // CPython sleeps 1.1 s; the injected clock moves on 1.1 s instead.
    let now = Date.now() / 1000;
    const fh = new TimedRotatingFileHandler("/dev/null", {
      when: "S",
      encoding: "utf-8",
      backupCount: 1,
      now: () => now,
    });
    now += 1.1; // a little over a second ...
    // The schedule comes from /dev/null's modification time: the rollover time has come.
    const due = fh.rolloverAt;
    assert(Math.floor(now) >= due, `rolloverAt ${due} is after ${now}`);
    const r = makeLogRecord({ msg: "testing - device file" });
    assertEquals(fh.shouldRollover(r), false);
    assert(fh.rolloverAt > due, "the schedule moves on");
    await fh.close();
  }));

Deno.test("TimedRotatingFileHandlerTest.test_rollover: after a second, the next record rotates the file to its start time's name", () =>
  withBaseFile(async (t) => {
    // CPython sleeps 1.1 s between the records; the injected clock moves on 1.1 s instead.
    // The file exists (made by the set-up), so the first rollover comes from its mtime: the
    // clock starts at the real time.
    let now = Date.now() / 1000;
    const fh = new TimedRotatingFileHandler(t.fn, {
      when: "S",
      encoding: "utf-8",
      backupCount: 1,
      now: () => now,
    });
    const fmt = new Formatter("%(asctime)s %(message)s");
    fh.setFormatter(fmt);
    const r1 = makeLogRecord({ msg: "testing - initial" });
    fh.emit(r1);
    t.assertLogFile(t.fn);
    now += 1.1; // a little over a second ...
    const r2 = makeLogRecord({ msg: "testing - after delay" });
    fh.emit(r2);
    await fh.close();
    // CPython looks back up to five minutes from its clock for the rotated file's name.
    let found: string | null = null;
    const GO_BACK = 5 * 60; // seconds
    for (let secs = 0; secs < GO_BACK; secs++) {
      const fn = `${t.fn}.${localStamp(new Date((now - secs) * 1000))}`;
      if (existsSync(fn)) {
        found = fn;
        t.registerFile(fn);
        break;
      }
    }
    const files = [...Deno.readDirSync(t.dir)].map((e) => e.name).sort();
    assert(found !== null, `No rotated files found, went back ${GO_BACK} seconds: ${files}`);
    // Beyond CPython's check: each record is in its own file.
    assertMatch(Deno.readTextFileSync(found), /^\S+ \S+ testing - initial\n$/);
    assertMatch(Deno.readTextFileSync(t.fn), /^\S+ \S+ testing - after delay\n$/);
  }));

/** CPython's `test_rollover_at_midnight(weekly)`. */
async function rolloverAtMidnight(t: BaseFileTest, weekly: boolean): Promise<void> {
  Deno.removeSync(t.fn);
  // CPython waits until the wall clock is well inside a second, so that every record is
  // emitted within it; the injected clock stands still in the middle of the current second.
  const nowSeconds = Math.floor(Date.now() / 1000) + 0.5;
  const now = new Date(nowSeconds * 1000);
  const atTime = { hour: now.getHours(), minute: now.getMinutes(), second: now.getSeconds() };
  const fmt = new Formatter("%(asctime)s %(message)s");
  const when = (weekly ? `W${(now.getDay() + 6) % 7}` : "MIDNIGHT") as When;
  for (let i = 0; i < 3; i++) {
    const fh = new TimedRotatingFileHandler(t.fn, {
      encoding: "utf-8",
      when,
      atTime,
      now: () => nowSeconds,
    });
    fh.setFormatter(fmt);
    const r2 = makeLogRecord({ msg: `testing1 ${i}` });
    fh.emit(r2);
    await fh.close();
  }
  t.assertLogFile(t.fn);
  let lines = Deno.readTextFileSync(t.fn).split("\n").slice(0, -1);
  assertEquals(lines.length, 3);
  lines.forEach((line, i) => assert(line.includes(`testing1 ${i}`), line));

  Deno.utimeSync(t.fn, nowSeconds - 1, nowSeconds - 1);
  for (let i = 0; i < 2; i++) {
    const fh = new TimedRotatingFileHandler(t.fn, {
      encoding: "utf-8",
      when,
      atTime,
      now: () => nowSeconds,
    });
    fh.setFormatter(fmt);
    const r2 = makeLogRecord({ msg: `testing2 ${i}` });
    fh.emit(r2);
    await fh.close();
  }
  const rolloverDate = new Date(now);
  rolloverDate.setDate(now.getDate() - (weekly ? 7 : 1));
  const otherfn = `${t.fn}.${localDate(rolloverDate)}`;
  t.assertLogFile(otherfn);
  lines = Deno.readTextFileSync(t.fn).split("\n").slice(0, -1);
  assertEquals(lines.length, 2);
  lines.forEach((line, i) => assert(line.includes(`testing2 ${i}`), line));
  lines = Deno.readTextFileSync(otherfn).split("\n").slice(0, -1);
  assertEquals(lines.length, 3);
  lines.forEach((line, i) => assert(line.includes(`testing1 ${i}`), line));
}

Deno.test("TimedRotatingFileHandlerTest.test_rollover_at_midnight: the first rollover comes from the file's mtime; a day later it is rotated to yesterday's name", () =>
  withBaseFile((t) => rolloverAtMidnight(t, false)));

Deno.test("TimedRotatingFileHandlerTest.test_rollover_at_weekday: the same for weekly rollover, to last week's name", () =>
  withBaseFile((t) => rolloverAtMidnight(t, true)));

Deno.test("TimedRotatingFileHandlerTest.test_invalid: when 'X', 'W' and 'W7' are errors", () =>
  withBaseFile((t) => {
    // Python's ValueError is a RangeError here.
    for (const when of ["X", "W", "W7"]) {
      assertThrows(
        () =>
          new TimedRotatingFileHandler(t.fn, {
            when: when as When,
            encoding: "utf-8",
            delay: true,
          }),
        RangeError,
        "Cannot create TimedRotatingFileHandler as 'when' must be",
      );
    }
  }));

Deno.test("TimedRotatingFileHandlerTest.test_compute_rollover_daily_attime: MIDNIGHT in UTC, at midnight and at 12:00", () =>
  withBaseFile(async (t) => {
    const currentTime = 0;
    let rh = new TimedRotatingFileHandler(t.fn, {
      encoding: "utf-8",
      when: "MIDNIGHT",
      utc: true,
      atTime: null,
    });
    try {
      assertEquals(rh.computeRollover(currentTime), currentTime + 24 * 60 * 60);
      assertEquals(rh.computeRollover(currentTime + 24 * 60 * 60 - 1), currentTime + 24 * 60 * 60);
      assertEquals(rh.computeRollover(currentTime + 24 * 60 * 60), currentTime + 48 * 60 * 60);
      assertEquals(rh.computeRollover(currentTime + 25 * 60 * 60), currentTime + 48 * 60 * 60);
    } finally {
      await rh.close();
    }

    const atTime = { hour: 12, minute: 0, second: 0 };
    rh = new TimedRotatingFileHandler(t.fn, {
      encoding: "utf-8",
      when: "MIDNIGHT",
      utc: true,
      atTime,
    });
    try {
      assertEquals(rh.computeRollover(currentTime), currentTime + 12 * 60 * 60);
      assertEquals(rh.computeRollover(currentTime + 12 * 60 * 60 - 1), currentTime + 12 * 60 * 60);
      assertEquals(rh.computeRollover(currentTime + 12 * 60 * 60), currentTime + 36 * 60 * 60);
      assertEquals(rh.computeRollover(currentTime + 13 * 60 * 60), currentTime + 36 * 60 * 60);
    } finally {
      await rh.close();
    }
  }));

Deno.test("TimedRotatingFileHandlerTest.test_compute_rollover_weekly_attime: W0-W6 in UTC at 12:00, from today", () =>
  withBaseFile(async (t) => {
    const currentTime = Math.floor(Date.now() / 1000);
    const today = currentTime - (currentTime % 86400);
    const atTime = { hour: 12, minute: 0, second: 0 };
    const wday = (new Date(today * 1000).getUTCDay() + 6) % 7; // time.gmtime(today).tm_wday
    for (let day = 0; day < 7; day++) {
      const rh = new TimedRotatingFileHandler(t.fn, {
        encoding: "utf-8",
        when: `W${day}` as When,
        interval: 1,
        backupCount: 0,
        utc: true,
        atTime,
      });
      try {
        // The rollover day has already passed this week: it is next week's.
        let expected = wday > day ? 7 - wday + day : day - wday;
        expected *= 24 * 60 * 60; // days from now, in seconds
        expected += 12 * 60 * 60; // the rollover time
        expected += today;
        const where = `W${day}, today is day ${wday}`;
        assertEquals(rh.computeRollover(today), expected, where);
        assertEquals(rh.computeRollover(today + 12 * 60 * 60 - 1), expected, where);
        if (day === wday) expected += 7 * 24 * 60 * 60; // goes into the following week
        assertEquals(rh.computeRollover(today + 12 * 60 * 60), expected, where);
        assertEquals(rh.computeRollover(today + 13 * 60 * 60), expected, where);
      } finally {
        await rh.close();
      }
    }
  }));

Deno.test("TimedRotatingFileHandlerTest.test_compute_files_to_delete: only this handler's files are offered for deletion, namers and dotted names included (bpo-46063)", () =>
  withBaseFile(async () => {
    const wd = await Deno.makeTempDir({ prefix: "test_logging_" });
    const rotators: TimedRotatingFileHandler[] = [];
    try {
      const times: string[] = [];
      const dt = new Date();
      for (let i = 0; i < 10; i++) {
        times.push(localStamp(dt));
        dt.setSeconds(dt.getSeconds() + 5);
      }
      const prefixes = ["a.b", "a.b.c", "d.e", "d.e.f", "g"];
      const files: string[] = [];
      for (const prefix of prefixes) {
        const p = join(wd, `${prefix}.log`);
        const rotator = new TimedRotatingFileHandler(p, {
          when: "s",
          interval: 5,
          backupCount: 7,
          delay: true,
        });
        rotators.push(rotator);
        if (prefix.startsWith("a.b")) {
          for (const t of times) files.push(`${prefix}.log.${t}`);
        } else if (prefix.startsWith("d.e")) {
          rotator.namer = (filename) => {
            const [dirname, basename] = split(filename);
            return join(dirname, `${basename.replace(".log", "")}.log`);
          };
          for (const t of times) files.push(`${prefix}.${t}.log`);
        } else if (prefix === "g") {
          rotator.namer = (filename) => {
            const [dirname, basename] = split(filename);
            return join(dirname, `g${basename.slice(6)}.oldlog`);
          };
          for (const t of times) files.push(`g${t}.oldlog`);
        }
      }
      // Create empty files
      for (const fn of files) Deno.writeFileSync(join(wd, fn), new Uint8Array());
      // Now the checks that only the correct files are offered up for deletion
      prefixes.forEach((prefix, i) => {
        const candidates = rotators[i].getFilesToDelete();
        assertEquals(candidates.length, 3, `${prefix}: ${candidates}`);
        for (const c of candidates) {
          const fn = split(c)[1];
          if (prefix.startsWith("a.b")) {
            assert(fn.startsWith(`${prefix}.log.`), fn);
          } else if (prefix.startsWith("d.e")) {
            assert(fn.endsWith(".log"), fn);
            assert(fn.startsWith(`${prefix}.`) && /\d/.test(fn[prefix.length + 2]), fn);
          } else {
            assert(fn.endsWith(".oldlog"), fn);
            assert(fn.startsWith("g") && /\d/.test(fn[1]), fn);
          }
        }
      });
    } finally {
      for (const r of rotators) await r.close();
      await Deno.remove(wd, { recursive: true });
    }
  }));

Deno.test("TimedRotatingFileHandlerTest.test_compute_files_to_delete_same_filename_different_extensions: a.log's backups and a.log.b's are told apart (GH-93205)", () =>
  withBaseFile(async () => {
    const wd = await Deno.makeTempDir({ prefix: "test_logging_" });
    const rotators: TimedRotatingFileHandler[] = [];
    try {
      const times: string[] = [];
      const dt = new Date();
      const nFiles = 10;
      for (let i = 0; i < nFiles; i++) {
        times.push(localStamp(dt));
        dt.setSeconds(dt.getSeconds() + 5);
      }
      const prefixes = ["a.log", "a.log.b"];
      const files: string[] = [];
      prefixes.forEach((prefix, i) => {
        const backupCount = i + 1;
        rotators.push(
          new TimedRotatingFileHandler(`${wd}/${prefix}`, {
            when: "s",
            interval: 5,
            backupCount,
            delay: true,
          }),
        );
        for (const t of times) files.push(`${prefix}.${t}`);
      });
      for (const t of times) files.push(`a.log.${t}.c`);
      // Create empty files
      for (const f of files) Deno.writeFileSync(`${wd}/${f}`, new Uint8Array());
      // Now the checks that only the correct files are offered up for deletion
      prefixes.forEach((prefix, i) => {
        const backupCount = i + 1;
        const candidates = rotators[i].getFilesToDelete();
        assertEquals(candidates.length, nFiles - backupCount, `${candidates}`);
        const matcher = /^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/;
        for (const c of candidates) {
          const fn = split(c)[1];
          assert(fn.startsWith(`${prefix}.`), fn);
          assertMatch(fn.slice(prefix.length + 1), matcher);
        }
      });
    } finally {
      for (const r of rotators) await r.close();
      await Deno.remove(wd, { recursive: true });
    }
  }));

// test_compute_rollover_MIDNIGHT_local, test_compute_rollover_W6_local and their _interval
// forms run under a POSIX TZ rule: see tests/cpython_tz_test.ts.

// The generated test_compute_rollover_<when>[_interval] tests: computeRollover(0) in UTC.
for (
  const [when, exp0] of [
    ["S", 1],
    ["M", 60],
    ["H", 60 * 60],
    ["D", 60 * 60 * 24],
    ["MIDNIGHT", 60 * 60 * 24],
    // current time (epoch start) is a Thursday, W0 means Monday
    ["W0", 4 * 86400 + 24 * 3600],
  ] as const
) {
  for (const interval of [1, 3]) {
    const name = `test_compute_rollover_${when}${interval > 1 ? "_interval" : ""}`;
    Deno.test(`TimedRotatingFileHandlerTest.${name}: the first rollover after the epoch in UTC (when '${when}', interval ${interval})`, () =>
      withBaseFile(async (t) => {
        const rh = new TimedRotatingFileHandler(t.fn, {
          encoding: "utf-8",
          when,
          interval,
          backupCount: 0,
          utc: true,
        });
        const currentTime = 0.0;
        const actual = rh.computeRollover(currentTime);
        const exp = when.startsWith("W") ? exp0 + 7 * 86400 * (interval - 1) : exp0 * interval;
        assertEquals(actual, exp);
        await rh.close();
      }));
  }
}
