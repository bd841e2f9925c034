/**
 * RotatingFileHandler and BaseRotatingHandler: CPython's RotatingFileHandlerTest table, the
 * same files as CPython for the same records, and the behaviour beyond Python (encoded sizes,
 * gzip, retention by age).
 */

import { existsSync, withTempDir } from "./helpers/fs.ts";
import { Formatter } from "../core/formatter.ts";
import { makeLogRecord } from "../core/record.ts";
import { RotatingFileHandler } from "../handlers/rotating.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { fileLines, spawnScript } from "./helpers/subprocess.ts";

let counter = 0;
/** Python's BaseFileTest.next_rec: a record whose message is a fresh number. */
function nextRec() {
  return makeLogRecord({ msg: String(++counter), name: "n", levelno: 10 });
}

/** Every file of a folder with its text, by name. */
function listing(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of [...Deno.readDirSync(dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    out[e.name] = Deno.readTextFileSync(`${dir}/${e.name}`);
  }
  return out;
}

// --- CPython's RotatingFileHandlerTest ------------------------------------------------------

Deno.test("an empty file, or maxBytes 0, never rolls over", () =>
  withTempDir((dir) => {
    const fn = `${dir}/app.log`;
    let rh = new RotatingFileHandler(fn, { maxBytes: 1 });
    assertEquals(rh.shouldRollover(null), false);
    rh.closeSync();
    rh = new RotatingFileHandler(fn, { maxBytes: 0 });
    assertEquals(rh.shouldRollover(null), false);
    rh.closeSync();
    Deno.writeTextFileSync(fn, "\n");
    rh = new RotatingFileHandler(fn, { maxBytes: 0 });
    assertEquals(rh.shouldRollover(null), false);
    rh.closeSync();
  }));

Deno.test("a non-regular file never rolls over: /dev/null and a FIFO", async () => {
  const rh = new RotatingFileHandler("/dev/null", { maxBytes: 1, backupCount: 1 });
  rh.handle(nextRec());
  assertEquals(rh.shouldRollover(nextRec()), false);
  rh.closeSync();
  await withTempDir(async (dir) => {
    const fifo = `${dir}/pipe.log`;
    const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
    assert(made.success, "mkfifo failed");
    // A reader, so that opening the FIFO for writing does not block.
    const reader = new Deno.Command("cat", { args: [fifo], stdout: "piped" }).spawn();
    const h = new RotatingFileHandler(fifo, { maxBytes: 4, backupCount: 2 });
    for (let i = 0; i < 5; i++) h.handle(makeLogRecord({ msg: `record ${i}` }));
    assertEquals(h.shouldRollover(makeLogRecord({ msg: "x" })), false);
    h.closeSync();
    const out = new TextDecoder().decode((await reader.output()).stdout);
    assertEquals(out.split("\n").length - 1, 5);
    assertEquals(Deno.lstatSync(fifo).isFile, false);
    assertEquals(existsSync(`${fifo}.1`), false);
  });
});

Deno.test("a file of 1 byte and maxBytes 2 rolls over before the next record", () =>
  withTempDir((dir) => {
    Deno.writeTextFileSync(`${dir}/app.log`, "\n");
    const rh = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 2 });
    assertEquals(rh.shouldRollover(nextRec()), true);
    rh.closeSync();
  }));

Deno.test("RotatingFileHandler creates its file", () =>
  withTempDir((dir) => {
    const rh = new RotatingFileHandler(`${dir}/app.log`);
    rh.emit(nextRec());
    assert(existsSync(`${dir}/app.log`));
    rh.closeSync();
  }));

for (const delay of [false, true]) {
  Deno.test(`RotatingFileHandler rolls over before maxBytes is reached (delay ${delay})`, () =>
    withTempDir((dir) => {
      const fn = `${dir}/app.log`;
      const rh = new RotatingFileHandler(fn, { backupCount: 2, maxBytes: 100, delay });
      assertEquals(existsSync(fn), !delay);
      const small = makeLogRecord({ msg: "a" });
      const large = makeLogRecord({ msg: "b".repeat(100) });
      assertEquals(rh.shouldRollover(small), false);
      assertEquals(rh.shouldRollover(large), false);
      rh.emit(small);
      assert(existsSync(fn));
      assertEquals(existsSync(`${fn}.1`), false);
      assertEquals(rh.shouldRollover(small), false);
      assertEquals(rh.shouldRollover(large), true);
      rh.emit(large);
      assert(existsSync(fn));
      assertEquals(Deno.readTextFileSync(`${fn}.1`), "a\n");
      assertEquals(existsSync(`${fn}.2`), false);
      assertEquals(rh.shouldRollover(small), true);
      assertEquals(rh.shouldRollover(large), true);
      rh.closeSync();
    }));
}

Deno.test("namer renames every rotated file, and backupCount bounds them", () =>
  withTempDir((dir) => {
    const fn = `${dir}/app.log`;
    const namer = (name: string) => `${name}.test`;
    const rh = new RotatingFileHandler(fn, { backupCount: 2, maxBytes: 1 });
    rh.namer = namer;
    rh.emit(nextRec());
    assert(existsSync(fn));
    assertEquals(existsSync(namer(`${fn}.1`)), false);
    rh.emit(nextRec());
    assert(existsSync(namer(`${fn}.1`)));
    assertEquals(existsSync(namer(`${fn}.2`)), false);
    rh.emit(nextRec());
    assert(existsSync(namer(`${fn}.2`)));
    assertEquals(existsSync(namer(`${fn}.3`)), false);
    rh.emit(nextRec());
    assertEquals(existsSync(namer(`${fn}.3`)), false);
    rh.closeSync();
  }));

Deno.test("a subclass may define namer and rotator; the rotator moves only the live file", () =>
  withTempDir((dir) => {
    class HandlerWithNamerAndRotator extends RotatingFileHandler {
      override namer = (name: string) => `${name}.test`;
      override rotator = (source: string, dest: string) => {
        if (existsSync(source)) Deno.renameSync(source, `${dest}.rotated`);
      };
    }
    const fn = `${dir}/app.log`;
    const rh = new HandlerWithNamerAndRotator(fn, { backupCount: 2, maxBytes: 1 });
    assertEquals(rh.namer(fn), `${fn}.test`);
    rh.emit(nextRec());
    assert(existsSync(fn));
    rh.emit(nextRec());
    assert(existsSync(`${rh.namer(`${fn}.1`)}.rotated`));
    assertEquals(existsSync(rh.namer(`${fn}.1`)), false);
    rh.closeSync();
  }));

Deno.test("namer: a subclass's method, a function assigned over it, and undefined or null to unset it, as in Python", () =>
  withTempDir(async (dir) => {
    class Numbered extends RotatingFileHandler {
      override namer(name: string): string {
        return `${name}.sub`;
      }
    }
    const fn = `${dir}/app.log`;
    const h = new Numbered(fn, { maxBytes: 1, backupCount: 2 });
    assertEquals(h.rotationFilename(`${fn}.1`), `${fn}.1.sub`);
    h.namer = (name) => `${name}.own`; // the instance's function hides the method
    assertEquals(h.rotationFilename(`${fn}.1`), `${fn}.1.own`);
    (h as RotatingFileHandler).namer = undefined; // Python's `h.namer = None`: the default name
    assertEquals(h.rotationFilename(`${fn}.1`), `${fn}.1`);
    (h as { namer: unknown }).namer = null; // what JavaScript callers and configurations pass
    assertEquals(h.rotationFilename(`${fn}.1`), `${fn}.1`);
    delete (h as { namer?: unknown }).namer; // the subclass's method again
    h.handle(makeLogRecord({ msg: "one" }));
    h.handle(makeLogRecord({ msg: "two" }));
    await h.close();
    assertEquals(Deno.readTextFileSync(`${fn}.1.sub`), "one\n");
    assertEquals(Deno.readTextFileSync(fn), "two\n");
  }));

Deno.test("compress gzip with a subclass's namer: the backups are the namer's names plus .gz; its rotator, when it has one, replaces the compression", () =>
  withTempDir(async (dir) => {
    class Named extends RotatingFileHandler {
      override namer(name: string): string {
        return name.replace(/\.log\.(\d+)$/, ".$1.log");
      }
    }
    const fn = `${dir}/app.log`;
    const h = new Named(fn, { maxBytes: 1, backupCount: 2, compress: "gzip" });
    for (const msg of ["one", "two", "three"]) h.handle(makeLogRecord({ msg }));
    await h.close();
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "app.1.log.gz",
      "app.2.log.gz",
      "app.log",
    ]);
    assertEquals(await gunzip(`${dir}/app.2.log.gz`), "one\n");
    assertEquals(await gunzip(`${dir}/app.1.log.gz`), "two\n");

    const moved: [string, string][] = [];
    class Moved extends Named {
      override rotator(source: string, dest: string): void {
        moved.push([source, dest]);
        Deno.renameSync(source, `${dest}.mine`);
      }
    }
    const m = new Moved(`${dir}/other.log`, { maxBytes: 1, backupCount: 1, compress: "gzip" });
    for (const msg of ["one", "two"]) m.handle(makeLogRecord({ msg }));
    assertEquals(m.pending, false); // nothing to compress: the rotator moved the file
    await m.close();
    assertEquals(moved, [[`${dir}/other.log`, `${dir}/other.1.log.gz`]]);
    assertEquals(Deno.readTextFileSync(`${dir}/other.1.log.gz.mine`), "one\n");
  }));

Deno.test("a rotator that compresses: older backups are renamed, not compressed again", () =>
  withTempDir(async (dir) => {
    const fn = `${dir}/app.log`;
    const rh = new RotatingFileHandler(fn, { backupCount: 2, maxBytes: 1 });
    rh.namer = (name) => `${name}.gz`;
    let calls = 0;
    rh.rotator = (source, dest) => {
      calls++;
      Deno.writeFileSync(dest, new TextEncoder().encode(`zipped:${Deno.readTextFileSync(source)}`));
      Deno.removeSync(source);
    };
    const m1 = nextRec();
    rh.emit(m1);
    const m2 = nextRec();
    rh.emit(m2);
    assertEquals(Deno.readTextFileSync(`${fn}.1.gz`), `zipped:${m1.msg}\n`);
    rh.emit(nextRec());
    assertEquals(Deno.readTextFileSync(`${fn}.2.gz`), `zipped:${m1.msg}\n`);
    rh.emit(nextRec());
    assertEquals(Deno.readTextFileSync(`${fn}.2.gz`), `zipped:${m2.msg}\n`);
    assertEquals(existsSync(`${fn}.3.gz`), false);
    assertEquals(calls, 3);
    await rh.close();
  }));

// --- The same files as CPython -------------------------------------------------------------

const CPYTHON_SCRIPT = `
import json, os, sys, logging, logging.handlers
out = []
for c in json.load(sys.stdin):
    h = logging.handlers.RotatingFileHandler(os.path.join(c["dir"], "app.log"), mode=c["mode"],
        maxBytes=c["maxBytes"], backupCount=c["backupCount"], delay=c["delay"], encoding="utf-8")
    if c["namer"]:
        h.namer = lambda name: name + ".test"
    for m in c["messages"]:
        h.handle(logging.makeLogRecord({"msg": m}))
    h.close()
print(json.dumps(None))
`;

Deno.test({
  name: "the same records give the same file names and bytes as CPython's RotatingFileHandler",
  ignore: !(await pythonAvailable()),
  fn: () =>
    withTempDir(async (root) => {
      let seed = 7;
      const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
      const cases: {
        n: number;
        maxBytes: number;
        backupCount: number;
        namer: boolean;
        delay: boolean;
        messages: string[];
        mode: "w";
      }[] = [];
      for (const maxBytes of [0, 1, 50, 100, 1000]) {
        for (const backupCount of [0, 1, 3]) {
          for (const namer of [false, true]) {
            for (const delay of [false, true]) {
              const messages = Array.from(
                { length: 60 },
                (_, i) => `m${i} ${"x".repeat(Math.floor(rnd() * 40))}`,
              );
              const n: number = cases.length;
              await Deno.mkdir(`${root}/py${n}`);
              await Deno.mkdir(`${root}/ts${n}`);
              // An earlier run's file, and mode "w", which maxBytes > 0 turns into "a".
              const earlier = "from an earlier run\n";
              await Deno.writeTextFile(`${root}/py${n}/app.log`, earlier);
              await Deno.writeTextFile(`${root}/ts${n}/app.log`, earlier);
              cases.push({ n, maxBytes, backupCount, namer, delay, messages, mode: "w" as const });
            }
          }
        }
      }
      await runPython(CPYTHON_SCRIPT, cases.map((c) => ({ ...c, dir: `${root}/py${c.n}` })));
      for (const c of cases) {
        const { maxBytes, backupCount, delay, mode } = c;
        const h = new RotatingFileHandler(`${root}/ts${c.n}/app.log`, {
          maxBytes,
          backupCount,
          delay,
          mode,
        });
        if (c.namer) h.namer = (name) => `${name}.test`;
        for (const msg of c.messages) h.handle(makeLogRecord({ msg }));
        await h.close();
        assertEquals(listing(`${root}/ts${c.n}`), listing(`${root}/py${c.n}`), JSON.stringify(c));
      }
      // Rotation did happen in these folders.
      assert(cases.some((c) => existsSync(`${root}/py${c.n}/app.log.3.test`)));
      assert(cases.some((c) => existsSync(`${root}/py${c.n}/app.log.3`)));
    }),
});

// --- Beyond Python ---------------------------------------------------------------------------

Deno.test("the size check counts encoded bytes: no file exceeds maxBytes with UTF-8 text", () =>
  withTempDir(async (dir) => {
    const fn = `${dir}/app.log`;
    const h = new RotatingFileHandler(fn, { maxBytes: 20, backupCount: 10 });
    // 6 characters, 11 bytes with the newline: Python would put two in one 22-byte file.
    for (let i = 0; i < 6; i++) h.handle(makeLogRecord({ msg: "ééééé" }));
    await h.close();
    for (const name of Deno.readDirSync(dir)) {
      const size = Deno.statSync(`${dir}/${name.name}`).size;
      assertEquals(size, 11, name.name);
    }
    assertEquals(existsSync(`${fn}.5`), true);
  }));

Deno.test("UTF-16: the byte order mark counts, and each new file gets its own", () =>
  withTempDir(async (dir) => {
    const fn = `${dir}/app.log`;
    const h = new RotatingFileHandler(fn, { maxBytes: 16, backupCount: 3, encoding: "utf-16" });
    for (const msg of ["abc", "def", "ghi"]) h.handle(makeLogRecord({ msg }));
    await h.close();
    // BOM (2) + "abc\n" (8) = 10; adding 8 would reach 18 >= 16.
    for (const name of ["app.log", "app.log.1", "app.log.2"]) {
      const bytes = Deno.readFileSync(`${dir}/${name}`);
      assertEquals(bytes.length, 10, name);
      assertEquals([bytes[0], bytes[1]], [0xff, 0xfe]);
    }
  }));

Deno.test("each record is formatted once, with or without a rollover", () =>
  withTempDir(async (dir) => {
    let calls = 0;
    class Counting extends Formatter {
      override format(record: Parameters<Formatter["format"]>[0]): string {
        calls++;
        return super.format(record);
      }
    }
    const h = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 10, backupCount: 2 });
    h.setFormatter(new Counting());
    for (let i = 0; i < 20; i++) h.handle(makeLogRecord({ msg: `record ${i}` }));
    await h.close();
    assertEquals(calls, 20);
  }));

Deno.test("backupCount 0: the file grows past maxBytes and is not reopened per record", () =>
  withTempDir(async (dir) => {
    const h = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 10 });
    h.handle(makeLogRecord({ msg: "first record" }));
    const file = h.stream;
    for (let i = 0; i < 10; i++) h.handle(makeLogRecord({ msg: `record ${i}` }));
    assert(h.stream === file, "the file was reopened");
    await h.close();
    assertEquals(Deno.readTextFileSync(`${dir}/app.log`).split("\n").length, 12);
    assertEquals([...Deno.readDirSync(dir)].length, 1);
  }));

Deno.test("maxBytes > 0 forces append: an earlier run's records survive mode 'w'", () =>
  withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/app.log`, "earlier\n");
    const h = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 1000, mode: "w" });
    assertEquals(h.mode, "a");
    h.handle(makeLogRecord({ msg: "now" }));
    await h.close();
    assertEquals(Deno.readTextFileSync(`${dir}/app.log`), "earlier\nnow\n");
  }));

Deno.test("with a write buffer, waiting records count toward maxBytes and land in their file", () =>
  withTempDir(async (dir) => {
    const h = new RotatingFileHandler(`${dir}/app.log`, {
      maxBytes: 30,
      backupCount: 5,
      bufferSize: 4096,
    });
    for (let i = 0; i < 9; i++) h.handle(makeLogRecord({ msg: `record ${i}` })); // 9 bytes
    await h.close();
    assertEquals(Deno.readTextFileSync(`${dir}/app.log.2`), "record 0\nrecord 1\nrecord 2\n");
    assertEquals(Deno.readTextFileSync(`${dir}/app.log.1`), "record 3\nrecord 4\nrecord 5\n");
    assertEquals(Deno.readTextFileSync(`${dir}/app.log`), "record 6\nrecord 7\nrecord 8\n");
  }));

async function gunzip(path: string): Promise<string> {
  const file = await Deno.open(path);
  return await new Response(file.readable.pipeThrough(new DecompressionStream("gzip"))).text();
}

async function gzipTest(path: string): Promise<boolean> {
  return (await new Deno.Command("gzip", { args: ["-t", path] }).output()).success;
}

for (const lock of [false, true]) {
  Deno.test(`compress "gzip" (lock ${lock}): gzip -t accepts every backup, backupCount counts them`, () =>
    withTempDir(async (dir) => {
      const fn = `${dir}/app.log`;
      const h = new RotatingFileHandler(fn, {
        maxBytes: 40,
        backupCount: 3,
        compress: "gzip",
        lock,
      });
      const lines = Array.from({ length: 50 }, (_, i) => `record ${String(i).padStart(3, "0")}`);
      for (const msg of lines) h.handle(makeLogRecord({ msg }));
      await h.close();
      const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assertEquals(names, [
        "app.log",
        "app.log.1.gz",
        "app.log.2.gz",
        "app.log.3.gz",
        ...(lock ? ["app.log.lock"] : []),
      ]);
      let text = "";
      for (const name of ["app.log.3.gz", "app.log.2.gz", "app.log.1.gz"]) {
        assert(await gzipTest(`${dir}/${name}`), `gzip -t ${name}`);
        text += await gunzip(`${dir}/${name}`);
      }
      text += Deno.readTextFileSync(fn);
      // The newest records, in order, with nothing missing between the oldest kept and the last.
      const kept = text.trimEnd().split("\n");
      assertEquals(kept, lines.slice(lines.length - kept.length));
      assertEquals(kept.length, 3 * 3 + 2); // 3 records (33 bytes) per file; 50 = 16 x 3 + 2
    }));
}

Deno.test("compression runs after the logging call returns; flush() waits for it", () =>
  withTempDir(async (dir) => {
    const fn = `${dir}/app.log`;
    const h = new RotatingFileHandler(fn, { maxBytes: 10, backupCount: 2, compress: "gzip" });
    h.handle(makeLogRecord({ msg: "first one" }));
    h.handle(makeLogRecord({ msg: "second one" }));
    // The rotated file was renamed at once; it is compressed in the background.
    assertEquals(existsSync(`${fn}.1.gz.raw`), true);
    assertEquals(h.pending, true);
    await h.flush();
    assertEquals(h.pending, false);
    assertEquals(existsSync(`${fn}.1.gz.raw`), false);
    assertEquals(await gunzip(`${fn}.1.gz`), "first one\n");
    await h.close();
  }));

Deno.test("maxAge deletes backups older than it at a rollover (injected clock)", () =>
  withTempDir(async (dir) => {
    const fn = `${dir}/app.log`;
    const now = Date.now() / 1000;
    const h = new RotatingFileHandler(fn, {
      maxBytes: 10,
      backupCount: 5,
      maxAge: 3600,
      now: () => now,
    });
    for (let i = 0; i < 4; i++) h.handle(makeLogRecord({ msg: `record ${i}` }));
    // app.log.1 .. app.log.3 exist; make app.log.3 two hours old and app.log.2 half an hour.
    Deno.utimeSync(`${fn}.3`, now - 7200, now - 7200);
    Deno.utimeSync(`${fn}.2`, now - 1800, now - 1800);
    h.handle(makeLogRecord({ msg: "record 4" }));
    await h.close();
    // After this rollover: .3 (was .2) is kept, .4 (was .3, two hours old) is gone.
    assertEquals(Deno.readTextFileSync(`${fn}.3`), "record 1\n");
    assertEquals(existsSync(`${fn}.4`), false);
    assertEquals(Deno.readTextFileSync(`${fn}.1`), "record 3\n");
  }));

Deno.test("invalid options are errors that name the option and the value", () =>
  withTempDir((dir) => {
    const fn = `${dir}/app.log`;
    assertThrows(
      () => new RotatingFileHandler(fn, { backupCount: -1 }),
      RangeError,
      "Cannot create RotatingFileHandler as 'backupCount' must be an integer >= 0: current value is -1",
    );
    assertThrows(() => new RotatingFileHandler(fn, { maxBytes: -5 }), RangeError, "'maxBytes'");
    assertThrows(
      () => new RotatingFileHandler(fn, { compress: "zip" as "gzip" }),
      RangeError,
      `'compress' must be "gzip", or null`,
    );
    assertThrows(() => new RotatingFileHandler(fn, { maxAge: -1 }), RangeError, "'maxAge'");
    assertThrows(
      () => new RotatingFileHandler(fn, { lock: true, bufferSize: 1024 }),
      RangeError,
      "'bufferSize' must be 0 with 'lock: true'",
    );
    assertEquals(existsSync(fn), false);
  }));

Deno.test("a script that logs and returns leaves every rotated file compressed", async () => {
  const { code, stderr, dir } = await runScript(`
    import { getLogger, RotatingFileHandler } from "${MOD_URL}";
    const log = getLogger("app");
    log.addHandler(new RotatingFileHandler("app.log", {
      maxBytes: 4096,
      backupCount: 50,
      compress: "gzip",
    }));
    for (let i = 0; i < 2000; i++) log.warning("record %d", i);
  `);
  try {
    assertEquals(code, 0, stderr);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "main.ts");
    assertEquals(names.filter((n) => !/^app\.log(\.\d+\.gz)?$/.test(n)), []);
    let lines = Deno.readTextFileSync(`${dir}/app.log`).split("\n").length - 1;
    for (const name of names.filter((n) => n.endsWith(".gz"))) {
      lines += (await gunzip(`${dir}/${name}`)).split("\n").length - 1;
    }
    assertEquals(lines, 2000);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

// --- Permissions denied after construction --------------------------------------------------

/** Runs `source` as `main.ts` in `dir` with exactly `flags`; the reports it printed. */
async function runDenied(dir: string, source: string, flags: string[]) {
  const out = await spawnScript(dir, source, 10_000, flags).output();
  const stderr = new TextDecoder().decode(out.stderr);
  return {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr,
    reports: stderr.split("--- Logging error ---").slice(1),
  };
}

Deno.test("a rollover refused later (write access to the folder revoked) is reported once with the flag, and every record stays in the live file", () =>
  withTempDir(async (dir) => {
    const logs = `${dir}/logs`;
    await Deno.mkdir(logs);
    const out = await runDenied(
      dir,
      `
      import { getLogger, RotatingFileHandler } from "${MOD_URL}";
      const h = new RotatingFileHandler("logs/app.log", { maxBytes: 20, backupCount: 2 });
      const log = getLogger("revoked");
      log.addHandler(h);
      for (let i = 0; i < 4; i++) log.warning("record %d", i);
      Deno.permissions.revokeSync({ name: "write", path: "logs" });
      for (let i = 4; i < 30; i++) log.warning("record %d", i);
      await h.close();
      console.log("dropped", h.dropped);
    `,
      [`--allow-read=${logs}`, `--allow-write=${logs}`],
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.reports.length, 1, out.stderr);
    assertStringIncludes(
      out.reports[0],
      `NotCapable: Cannot rotate '${logs}/app.log' as write access to '${logs}' is not granted: ` +
        `run Deno with --allow-write=${logs} (or a folder above it). Rotation is off: the records go on into '${logs}/app.log'.`,
    );
    const kept = [...fileLines(`${logs}/app.log.1`), ...fileLines(`${logs}/app.log`)];
    assertEquals(kept, Array.from({ length: 30 }, (_, i) => `record ${i}`), "no record lost");
    assertEquals(out.stdout, "dropped 0\n");
  }));

Deno.test("a namer that moves backups into a folder Deno does not grant: reported once with the flag, the records go on in the live file", () =>
  withTempDir(async (dir) => {
    const logs = `${dir}/logs`;
    const other = `${dir}/other`;
    await Deno.mkdir(logs);
    await Deno.mkdir(other);
    const out = await runDenied(
      dir,
      `
      import { getLogger, RotatingFileHandler } from "${MOD_URL}";
      const h = new RotatingFileHandler("logs/app.log", { maxBytes: 40, backupCount: 2 });
      h.namer = (name) => name.replace("/logs/", "/other/");
      const log = getLogger("namer");
      log.addHandler(h);
      for (let i = 0; i < 30; i++) log.warning("record %d", i);
      await h.close();
      console.log("dropped", h.dropped);
    `,
      [`--allow-read=${dir}`, `--allow-write=${logs}`],
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.reports.length, 1, out.stderr);
    assertStringIncludes(
      out.reports[0],
      `NotCapable: Cannot rename '${logs}/app.log' to '${other}/app.log.1': write access is not granted. ` +
        `Run Deno with --allow-write=${other}/app.log.1 (or a folder above it) to allow it. ` +
        `Rotation is off: the records go on into '${logs}/app.log'.`,
    );
    assertEquals(
      fileLines(`${logs}/app.log`),
      Array.from({ length: 30 }, (_, i) => `record ${i}`),
      "no record lost",
    );
    assertEquals([...Deno.readDirSync(other)].length, 0);
    assertEquals(out.stdout, "dropped 0\n");
  }));

Deno.test("a timed rollover refused later is reported once, and the timer stops instead of firing again at once", () =>
  withTempDir(async (dir) => {
    const logs = `${dir}/logs`;
    await Deno.mkdir(logs);
    const out = await runDenied(
      dir,
      `
      import { getLogger, TimedRotatingFileHandler } from "${MOD_URL}";
      // The first rollover is due 1 ms after the construction (the clock is injected), so the
      // timer fires at once.
      let clock = Math.floor(Date.now() / 1000) + 0.999;
      const h = new TimedRotatingFileHandler("logs/app.log", {
        when: "S", timer: true, delay: true, now: () => clock,
      });
      const log = getLogger("timed");
      log.addHandler(h);
      log.warning("before");
      Deno.permissions.revokeSync({ name: "write", path: "logs" });
      clock += 10;
      // Long enough for a timer that fires again after every refusal (every 5 ms) to show.
      await new Promise((resolve) => setTimeout(resolve, 150));
      log.warning("after");
      await h.close();
      console.log("dropped", h.dropped, h.rotationDenied?.name);
    `,
      [`--allow-read=${logs}`, `--allow-write=${logs}`],
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.reports.length, 1, out.stderr);
    assertStringIncludes(
      out.reports[0],
      `Cannot rotate '${logs}/app.log' as write access to '${logs}' is not granted: run Deno with --allow-write=${logs}`,
    );
    assertEquals(fileLines(`${logs}/app.log`), ["before", "after"]);
    assertEquals(out.stdout, "dropped 0 NotCapable\n");
  }));

Deno.test("a lock file that cannot be read is reported with --allow-read, not --allow-write", () =>
  withTempDir(async (dir) => {
    const out = await runDenied(
      dir,
      `
      import { FileLock } from "${new URL("../core/io/file_lock.ts", import.meta.url).href}";
      try {
        new FileLock(${JSON.stringify(`${dir}/app.log.lock`)}).acquire();
      } catch (error) {
        console.log(String(error));
      }
    `,
      [`--allow-write=${dir}`],
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(
      out.stdout,
      `NotCapable: Cannot open lock file '${dir}/app.log.lock': read access is not granted. ` +
        `Run Deno with --allow-read=${dir}/app.log.lock (or a folder above it) to allow it.\n`,
    );
  }));
