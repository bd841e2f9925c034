/**
 * `compress: "gzip"` loses nothing: rotated files are compressed or kept whatever way a run ends
 * (`Deno.exit(0)` right after a rollover, SIGKILL of the lock holder while it compresses, a
 * crash that leaves a `.raw`, a truncated temporary or a truncated `.gz`), and the next run
 * picks up what the last one left. Every check counts the records the files hold against the
 * records that were logged.
 */

import { gzipSync } from "node:zlib";
import { makeLogRecord } from "../core/record.ts";
import { RotatingFileHandler } from "../handlers/rotating.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";
import type { GzipJob } from "./helpers/gzip_writer.ts";

const WRITER = new URL("./helpers/gzip_writer.ts", import.meta.url).pathname;
const LINE = /^(\w+) (\d{7}) x*$/;

/** A run of gzip_writer.ts, read one reported line at a time. */
interface Run {
  child: Deno.ChildProcess;
  /** The next JSON line the run printed, or `null` at the end of its output. */
  next(): Promise<Record<string, unknown> | null>;
  /** Waits for the end: the status, what it printed after the lines read, and its stderr. */
  end(): Promise<{ status: Deno.CommandStatus; lines: Record<string, unknown>[]; stderr: string }>;
}

function spawnWriter(job: GzipJob): Run {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-config", WRITER, JSON.stringify(job)],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  async function next(): Promise<Record<string, unknown> | null> {
    for (;;) {
      const cut = buffered.indexOf("\n");
      if (cut >= 0) {
        const line = buffered.slice(0, cut);
        buffered = buffered.slice(cut + 1);
        return JSON.parse(line);
      }
      const { value, done } = await reader.read();
      if (done) return null;
      buffered += value;
    }
  }
  async function end() {
    const lines: Record<string, unknown>[] = [];
    for (let line = await next(); line !== null; line = await next()) lines.push(line);
    return { status: await child.status, lines, stderr: await stderr };
  }
  return { child, next, end };
}

/** Runs a job to its end; it must succeed and print nothing on stderr. */
async function runWriter(job: GzipJob): Promise<Record<string, unknown>[]> {
  const { status, lines, stderr } = await spawnWriter(job).end();
  assertEquals(status.code, 0, stderr);
  assertEquals(stderr, "");
  return lines;
}

async function gunzip(path: string): Promise<string> {
  const file = await Deno.open(path);
  return await new Response(file.readable.pipeThrough(new DecompressionStream("gzip"))).text();
}

/** The log's files: everything in the folder but the lock file. */
function fileNames(dir: string): string[] {
  return [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => !n.endsWith(".lock")).sort();
}

/**
 * Every record the files hold, by tag: the live file, the `.gz` files (decompressed) and every
 * other file (a `.raw` or a kept file). Temporaries (`.tmp`) are partial copies, not counted.
 */
async function recordsIn(dir: string): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  for (const name of fileNames(dir)) {
    if (name.endsWith(".tmp")) continue;
    const path = `${dir}/${name}`;
    const text = name.endsWith(".gz") ? await gunzip(path) : Deno.readTextFileSync(path);
    for (const line of text.split("\n")) {
      if (line === "") continue;
      const m = LINE.exec(line);
      assert(m !== null, `${name}: torn line ${JSON.stringify(line)}`);
      const seqs = found.get(m[1]) ?? [];
      seqs.push(Number(m[2]));
      found.set(m[1], seqs);
    }
  }
  return found;
}

/** How the records `from` to `to - 1` of `tag` are held: missing, held twice, unexpected. */
function tally(found: Map<string, number[]>, tag: string, from: number, to: number) {
  const counts = new Map<number, number>();
  for (const seq of found.get(tag) ?? []) counts.set(seq, (counts.get(seq) ?? 0) + 1);
  let missing = 0;
  let duplicated = 0;
  for (let seq = from; seq < to; seq++) {
    const n = counts.get(seq) ?? 0;
    if (n === 0) missing++;
    if (n > 1) duplicated += n - 1;
    counts.delete(seq);
  }
  return {
    logged: to - from,
    found: (found.get(tag) ?? []).length,
    missing,
    duplicated,
    extra: counts.size,
  };
}

function assertAllOnce(found: Map<string, number[]>, tag: string, from: number, to: number): void {
  const t = tally(found, tag, from, to);
  assertEquals(
    t,
    { logged: to - from, found: to - from, missing: 0, duplicated: 0, extra: 0 },
    `records of ${tag}`,
  );
}

// --- Deno.exit(0) right after a rollover --------------------------------------------------

const EXIT_JOB = { kind: "rotating", maxBytes: 100_000, tag: "a", end: "exit" } as const;
const PER_RUN = 8_000; // about 2.4 files of 100 kB

Deno.test("Deno.exit(0) right after a gzip rollover, or while it compresses: the next run rotates again and every record is kept once", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const leftovers: string[] = [];
    for (let run = 0; run < 3; run++) {
      const lines = await runWriter({
        ...EXIT_JOB,
        // The second run exits while the compression runs, its temporary file open.
        end: run === 1 ? "exit-in-flight" : "exit",
        path,
        backupCount: 50,
        first: run * PER_RUN,
        count: PER_RUN,
      });
      // The run ended while the rotated file was waiting for its compression.
      assertEquals(lines.at(-1), { pending: true });
      leftovers.push(...fileNames(dir).filter((n) => !/^app\.log(\.\d+\.gz)?$/.test(n)));
    }
    assertAllOnce(await recordsIn(dir), "a", 0, 3 * PER_RUN);
    // Each exit finished the compression: nothing was left uncompressed, no temporary was left.
    assertEquals(leftovers, []);
  }));

Deno.test("Deno.exit(0) right after a gzip rollover with backupCount 2: only the oldest records are deleted", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    for (let run = 0; run < 3; run++) {
      await runWriter({ ...EXIT_JOB, path, backupCount: 2, first: run * PER_RUN, count: PER_RUN });
    }
    const found = await recordsIn(dir);
    const seqs = found.get("a")!;
    // What is kept is the newest records, every one of them once, from the oldest kept onwards.
    const oldest = Math.min(...seqs);
    assert(oldest > 0, "backupCount 2 deleted nothing");
    assertAllOnce(found, "a", oldest, 3 * PER_RUN);
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz", "app.log.2.gz"]);
    // Two full files of about 3,300 records each, and the live file.
    assert(seqs.length > 2 * 3000, `only ${seqs.length} records kept in 3 files`);
  }));

Deno.test("TimedRotatingFileHandler: Deno.exit(0) right after a rollover leaves the rotated files compressed", () =>
  withTempDir(async (dir) => {
    const lines = await runWriter({
      kind: "timed",
      path: `${dir}/app.log`,
      when: "S",
      clock: { start: Date.UTC(2024, 4, 1) / 1000, perSecond: 1000 },
      tag: "a",
      first: 0,
      count: 3001,
      end: "exit",
    });
    assertEquals(lines.at(-1), { pending: true });
    assertAllOnce(await recordsIn(dir), "a", 0, 3001);
    assertEquals(fileNames(dir), [
      "app.log",
      "app.log.2024-05-01_00-00-00.gz",
      "app.log.2024-05-01_00-00-01.gz",
      "app.log.2024-05-01_00-00-02.gz",
    ]);
  }));

// --- SIGKILL while compressing, under lock: true -------------------------------------------

Deno.test("SIGKILL of the lock holder while it gzips: two peers and the next run keep every record once", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const job = {
      kind: "rotating",
      path,
      maxBytes: 100_000,
      backupCount: 1000,
      lock: true,
    } as const;
    // The second compression, so that app.log.1.gz is shifted while the .raw is there.
    const victim = spawnWriter({
      ...job,
      tag: "f",
      first: 0,
      count: 20_000,
      end: "close",
      killInGzip: 2,
    });
    assertEquals(await victim.next(), { started: true });
    const fault = await victim.next();
    assert(fault !== null && typeof fault.compressing === "number", JSON.stringify(fault));
    const written = fault.compressing; // the record that called for the rollover was not written
    // It holds the lock: the peers start and wait for it.
    const peers = ["p", "q"].map((tag) =>
      spawnWriter({ ...job, tag, first: 0, count: 10_000, end: "close" })
    );
    for (const peer of peers) assertEquals(await peer.next(), { started: true });
    victim.child.kill("SIGKILL");
    const killed = await victim.end();
    assertEquals(killed.status.signal, "SIGKILL", killed.stderr);
    for (const peer of peers) {
      const { status, lines, stderr } = await peer.end();
      assertEquals([status.code, stderr, lines], [0, "", [{ done: true }]]);
    }
    await runWriter({ ...job, tag: "n", first: 0, count: 10_000, end: "close" });
    const found = await recordsIn(dir);
    assertAllOnce(found, "f", 0, written);
    for (const tag of ["p", "q", "n"]) assertAllOnce(found, tag, 0, 10_000);
    // The .raw and the half-written temporary were picked up, and the numbering has no gap.
    const names = fileNames(dir);
    const backups = names.filter((n) => n !== "app.log");
    assertEquals(backups, backups.map((_, i) => `app.log.${i + 1}.gz`).sort());
  }));

Deno.test("TimedRotatingFileHandler: SIGKILL of the lock holder while it gzips, then a run in the same period keeps every record once", () =>
  withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const start = Date.UTC(2024, 4, 1) / 1000;
    const job = { kind: "timed", path, when: "S", lock: true, end: "close" } as const;
    // Rollovers at records 1000 (names second 0) and 2000 (names second 1): killed in the second.
    const victim = spawnWriter({
      ...job,
      tag: "a",
      first: 0,
      count: 5000,
      clock: { start, perSecond: 1000 },
      killInGzip: 2,
    });
    assertEquals(await victim.next(), { started: true });
    assertEquals(await victim.next(), { compressing: 2000 });
    victim.child.kill("SIGKILL");
    assertEquals((await victim.end()).status.signal, "SIGKILL");
    // A peer whose clock is still in second 1 rotates that second's name again.
    await runWriter({
      ...job,
      tag: "b",
      first: 0,
      count: 3000,
      clock: { start: start + 1, perSecond: 1000 },
    });
    const found = await recordsIn(dir);
    assertAllOnce(found, "a", 0, 2000);
    assertAllOnce(found, "b", 0, 3000);
    assertEquals(fileNames(dir), [
      "app.log",
      "app.log.2024-05-01_00-00-00.gz",
      "app.log.2024-05-01_00-00-01.gz",
      "app.log.2024-05-01_00-00-02.gz",
    ]);
  }));

// --- what a crash leaves behind, picked up by the next rollover ----------------------------

const encoder = new TextEncoder();

function lines(from: number, to: number): string {
  let text = "";
  for (let seq = from; seq < to; seq++) text += `a ${String(seq).padStart(7, "0")} \n`;
  return text;
}

function gz(text: string): Uint8Array {
  return new Uint8Array(gzipSync(encoder.encode(text)));
}

/** Rolls over once: app.log holds records 20-29 and record 30 no longer fits. */
async function rollOverOnce(dir: string, errors: unknown[] = []): Promise<void> {
  Deno.writeTextFileSync(`${dir}/app.log`, lines(20, 30));
  const h = new RotatingFileHandler(`${dir}/app.log`, {
    maxBytes: 120,
    backupCount: 5,
    compress: "gzip",
  });
  h.handleError = (_record, error) => errors.push(error);
  h.handle(makeLogRecord({ msg: `a ${String(30).padStart(7, "0")} ` }));
  await h.close();
}

Deno.test("a .raw and a half-written temporary left by a killed compression are compressed at the next rollover", () =>
  withTempDir(async (dir) => {
    Deno.writeFileSync(`${dir}/app.log.2.gz`, gz(lines(0, 10)));
    Deno.writeTextFileSync(`${dir}/app.log.1.gz.raw`, lines(10, 20));
    Deno.writeFileSync(`${dir}/app.log.1.gz.4242-1.tmp`, gz(lines(10, 20)).subarray(0, 20));
    const errors: unknown[] = [];
    await rollOverOnce(dir, errors);
    assertEquals(errors, []);
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz", "app.log.2.gz", "app.log.3.gz"]);
    assertEquals(await gunzip(`${dir}/app.log.3.gz`), lines(0, 10));
    assertEquals(await gunzip(`${dir}/app.log.2.gz`), lines(10, 20));
    assertEquals(await gunzip(`${dir}/app.log.1.gz`), lines(20, 30));
    assertAllOnce(await recordsIn(dir), "a", 0, 31);
  }));

Deno.test("a truncated app.log.1.gz next to its .raw is replaced by a complete one at the next rollover", () =>
  withTempDir(async (dir) => {
    const whole = gz(lines(10, 20));
    Deno.writeFileSync(`${dir}/app.log.1.gz`, whole.subarray(0, whole.length - 12));
    Deno.writeTextFileSync(`${dir}/app.log.1.gz.raw`, lines(10, 20));
    await rollOverOnce(dir);
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz", "app.log.2.gz"]);
    assertEquals(await gunzip(`${dir}/app.log.2.gz`), lines(10, 20));
    assertAllOnce(await recordsIn(dir), "a", 10, 31);
  }));

Deno.test("a complete app.log.1.gz next to its .raw (a crash before the .raw was removed) keeps each record once", () =>
  withTempDir(async (dir) => {
    Deno.writeFileSync(`${dir}/app.log.1.gz`, gz(lines(10, 20)));
    Deno.writeTextFileSync(`${dir}/app.log.1.gz.raw`, lines(10, 20));
    Deno.writeFileSync(`${dir}/app.log.2.gz`, gz(lines(0, 10)));
    await rollOverOnce(dir);
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz", "app.log.2.gz", "app.log.3.gz"]);
    assertAllOnce(await recordsIn(dir), "a", 0, 31);
  }));

Deno.test("an app.log.1.gz and a .raw that hold different records are both kept, and the handler says where", () =>
  withTempDir(async (dir) => {
    Deno.writeFileSync(`${dir}/app.log.1.gz`, gz(lines(0, 10)));
    Deno.writeTextFileSync(`${dir}/app.log.1.gz.raw`, lines(10, 20));
    const errors: unknown[] = [];
    await rollOverOnce(dir, errors);
    assertEquals(errors.length, 1);
    const kept = fileNames(dir).filter((n) => !/^app\.log(\.\d\.gz)?$/.test(n));
    assertEquals(kept.length, 1);
    assert(String(errors[0]).includes(kept[0]), String(errors[0]));
    assertEquals(Deno.readTextFileSync(`${dir}/${kept[0]}`), lines(10, 20));
    assertEquals(await gunzip(`${dir}/app.log.2.gz`), lines(0, 10));
    assertAllOnce(await recordsIn(dir), "a", 0, 31);
  }));

Deno.test("closing with `using` (closeSync) leaves the rotated file compressed", () =>
  withTempDir(async (dir) => {
    {
      using h = new RotatingFileHandler(`${dir}/app.log`, {
        maxBytes: 10,
        backupCount: 2,
        compress: "gzip",
      });
      h.handle(makeLogRecord({ msg: "a 0000000 " }));
      h.handle(makeLogRecord({ msg: "a 0000001 " }));
      assertEquals(h.pending, true);
    }
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz"]);
    assertAllOnce(await recordsIn(dir), "a", 0, 2);
  }));

Deno.test("TimedRotatingFileHandler: a .raw left for the name a rollover is about to use is compressed, not overwritten", () =>
  withTempDir(async (dir) => {
    let now = Date.UTC(2024, 4, 1) / 1000;
    Deno.writeTextFileSync(`${dir}/app.log.2024-05-01.gz.raw`, lines(0, 10));
    const h = new TimedRotatingFileHandler(`${dir}/app.log`, {
      when: "D",
      utc: true,
      delay: true,
      compress: "gzip",
      now: () => now,
    });
    h.handle(makeLogRecord({ msg: `a ${String(10).padStart(7, "0")} ` }));
    now += 86400;
    h.handle(makeLogRecord({ msg: `a ${String(11).padStart(7, "0")} ` }));
    await h.close();
    // The name was taken: the live file keeps its records, as for any existing rotated name.
    assertEquals(fileNames(dir), ["app.log", "app.log.2024-05-01.gz"]);
    assertEquals(await gunzip(`${dir}/app.log.2024-05-01.gz`), lines(0, 10));
    assertAllOnce(await recordsIn(dir), "a", 0, 12);
  }));

Deno.test("a disk full while compressing: the .raw files move up with their backup numbers and are compressed once there is room", () =>
  withTempDir(async (dir) => {
    const fn = `${dir}/app.log`;
    const h = new RotatingFileHandler(fn, {
      maxBytes: 120,
      backupCount: 5,
      compress: "gzip",
      lock: true,
    });
    const failures: [string | null, unknown][] = [];
    h.handleError = (record, error) => failures.push([record?.getMessage() ?? null, error]);
    const log = (from: number, to: number) => {
      for (let seq = from; seq < to; seq++) {
        h.handle(makeLogRecord({ msg: `a ${String(seq).padStart(7, "0")} ` }));
      }
    };
    log(0, 10);
    // The injected fault: the compressed bytes cannot be written (the rename of the live file
    // and the writes to it need no new space here, as on a nearly full disk).
    const writeFileSync = Deno.writeFileSync;
    Deno.writeFileSync = (path, data, options) => {
      if (String(path).endsWith(".tmp")) throw new Error("No space left on device (os error 28)");
      return writeFileSync(path, data, options);
    };
    try {
      log(10, 30); // two rollovers, neither can compress
    } finally {
      Deno.writeFileSync = writeFileSync;
    }
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz.raw", "app.log.2.gz.raw"]);
    log(30, 31); // there is room again
    await h.close();
    assertEquals(fileNames(dir), ["app.log", "app.log.1.gz", "app.log.2.gz", "app.log.3.gz"]);
    assertEquals(await gunzip(`${dir}/app.log.3.gz`), lines(0, 10));
    assertEquals(await gunzip(`${dir}/app.log.2.gz`), lines(10, 20));
    assertEquals(await gunzip(`${dir}/app.log.1.gz`), lines(20, 30));
    assertAllOnce(await recordsIn(dir), "a", 0, 31);
    // Each failed compression was reported (the first rollover's, then the second one's retry
    // and its own); no record failed.
    assertEquals(failures.map(([record]) => record), [null, null, null]);
  }));
