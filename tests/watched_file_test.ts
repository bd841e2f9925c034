import { exists, withTempDir } from "./helpers/fs.ts";
import { Formatter, getLogger, type LogRecord, makeLogRecord } from "../mod.ts";
import { WatchedFileHandler, type WatchedFileHandlerOptions } from "../handlers/watched_file.ts";
import { assert, assertEquals, assertMatch, assertNotEquals } from "./helpers/assert.ts";
import { hex } from "./helpers/bytes.ts";
import { runScriptIn, type ScriptOutput } from "./helpers/subprocess.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();
const WATCHED_URL = new URL("../handlers/watched_file.ts", import.meta.url).href;

/** Runs `source` as `main.ts` in `dir` with exactly `flags` (and no prompt), for 10 s at most. */
function runWith(dir: string, source: string, flags: string[]): Promise<ScriptOutput> {
  return runScriptIn(dir, source, flags, { timeoutMs: 10_000 });
}

/** Runs `fn` with a WatchedFileHandler on `app.log` in a fresh folder; the handler is closed after. */
function withWatched(
  options: WatchedFileHandlerOptions,
  fn: (h: WatchedFileHandler, path: string, dir: string) => Promise<void>,
): Promise<void> {
  return withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const h = new WatchedFileHandler(path, options);
    try {
      await fn(h, path, dir);
    } finally {
      await h.close();
    }
  });
}

function record(msg: string, ...args: unknown[]): LogRecord {
  return makeLogRecord({ name: "t", msg, args, levelno: 30, levelname: "WARNING" });
}

Deno.test("WatchedFileHandler writes to a new file after the file is renamed away", () =>
  withWatched({}, async (h, path) => {
    h.handle(record("one"));
    h.handle(record("two"));
    await Deno.rename(path, `${path}.1`);
    h.handle(record("three"));
    assertEquals(
      await Deno.readTextFile(`${path}.1`),
      "one\ntwo\n",
      "old file keeps its records",
    );
    assertEquals(await Deno.readTextFile(path), "three\n", "next record goes to the name");
  }));

Deno.test("WatchedFileHandler recreates a deleted file on the next record", () =>
  withWatched({}, async (h, path) => {
    h.handle(record("lost with the file"));
    await Deno.remove(path);
    assert(!(await exists(path)));
    h.handle(record("after delete"));
    assertEquals(await Deno.readTextFile(path), "after delete\n");
  }));

Deno.test("WatchedFileHandler reopens a file replaced by another of the same name", () =>
  withWatched({}, async (h, path, dir) => {
    h.handle(record("old"));
    const before = { dev: h.dev, ino: h.ino };
    await Deno.writeTextFile(`${dir}/new.tmp`, "replacement\n");
    await Deno.rename(`${dir}/new.tmp`, path); // atomic replace: a different inode
    h.handle(record("appended to the replacement"));
    assertEquals(await Deno.readTextFile(path), "replacement\nappended to the replacement\n");
    assertNotEquals({ dev: h.dev, ino: h.ino }, before);
    const now = await Deno.stat(path);
    assertEquals({ dev: h.dev, ino: h.ino }, { dev: now.dev, ino: now.ino });
  }));

Deno.test("WatchedFileHandler keeps the same open file while the file is unchanged", () =>
  withWatched({}, async (h, path) => {
    const stream = h.stream;
    assert(stream !== null);
    const info = await Deno.stat(path);
    assertEquals({ dev: h.dev, ino: h.ino }, { dev: info.dev, ino: info.ino });
    for (let i = 0; i < 5; i++) h.handle(record("line %d", i));
    // Appending, truncating or chmod-ing keeps the inode: no reopen.
    await Deno.writeTextFile(path, "", { append: false });
    h.handle(record("after truncate"));
    assert(h.stream === stream, "the same Deno.FsFile is still in use");
    assertEquals(await Deno.readTextFile(path), "after truncate\n");
  }));

Deno.test("WatchedFileHandler with delay opens on the first record and watches from then on", () =>
  withWatched({ delay: true }, async (h, path) => {
    assertEquals(h.stream, null);
    assertEquals({ dev: h.dev, ino: h.ino }, { dev: -1, ino: -1 });
    h.reopenIfNeeded(); // nothing open: nothing to do, nothing created
    assert(!(await exists(path)), "no file before the first record");
    h.handle(record("first"));
    const first = h.stream;
    assert(first !== null);
    assertEquals(h.ino, (await Deno.stat(path)).ino, "noted as soon as it is opened");
    h.handle(record("second"));
    assert(h.stream === first, "no needless reopen after a delayed open");
    await Deno.rename(path, `${path}.1`);
    h.handle(record("third"));
    assert(h.stream !== first);
    assertEquals(await Deno.readTextFile(`${path}.1`), "first\nsecond\n");
    assertEquals(await Deno.readTextFile(path), "third\n");
  }));

Deno.test("a record after close() reopens the file and is watched like the first one", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const h = new WatchedFileHandler(path);
    h.handle(record("one"));
    await h.close();
    h.handle(record("two")); // mode "a": reopened, as in Python
    const reopened = h.stream;
    assert(reopened !== null);
    h.handle(record("three"));
    assert(h.stream === reopened);
    await Deno.remove(path);
    h.handle(record("four"));
    await h.close();
    assertEquals(await Deno.readTextFile(path), "four\n");
  });
});

Deno.test("with a write buffer, waiting records land in the old file before the reopen", () =>
  withWatched({ bufferSize: 4096, flushInterval: 60_000 }, async (h, path) => {
    h.handle(record("a"));
    h.handle(record("b"));
    assertEquals(await Deno.readTextFile(path), "", "still in memory");
    await Deno.rename(path, `${path}.1`);
    h.handle(record("c"));
    assertEquals(await Deno.readTextFile(`${path}.1`), "a\nb\n", "flushed into the old file");
    await h.flush();
    assertEquals(await Deno.readTextFile(path), "c\n");
  }));

Deno.test("utf-16: the reopened new file starts with its own BOM", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/app.log`;
    const h = new WatchedFileHandler(path, { encoding: "utf-16" });
    try {
      h.handle(record("é1"));
      await Deno.rename(path, `${path}.1`);
      h.handle(record("é2"));
      h.handle(record("é3"));
    } finally {
      await h.close();
    }
    const bom = [0xff, 0xfe];
    const le = (s: string) => [...s].flatMap((c) => [c.charCodeAt(0), 0]);
    assertEquals([...await Deno.readFile(`${path}.1`)], [...bom, ...le("é1\n")]);
    assertEquals([...await Deno.readFile(path)], [...bom, ...le("é2\n"), ...le("é3\n")]);
  });
});

Deno.test("a file that cannot be reopened is reported and the next record tries again", async () => {
  await withTempDir(async (dir) => {
    const logs = `${dir}/logs`;
    await Deno.mkdir(logs);
    const h = new WatchedFileHandler(`${logs}/app.log`);
    const errors: unknown[] = [];
    h.handleError = (_record, error) => errors.push(error);
    try {
      h.handle(record("one"));
      await Deno.remove(logs, { recursive: true });
      assertEquals(h.handle(record("lost")), true);
      assertEquals(errors.length, 1);
      assertMatch(String(errors[0]), /Cannot open log file '.*\/logs\/app\.log'/);
      await Deno.mkdir(logs);
      h.handle(record("back"));
      assertEquals(errors.length, 1);
      assertEquals(await Deno.readTextFile(`${logs}/app.log`), "back\n");
    } finally {
      await h.close();
    }
  });
});

Deno.test("WatchedFileHandler keeps no process alive: a script that logs and returns exits", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const started = performance.now();
    const out = await runWith(
      dir,
      `
      import { getLogger } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
      import { WatchedFileHandler } from ${JSON.stringify(WATCHED_URL)};
      const log = getLogger("alive");
      log.addHandler(new WatchedFileHandler("app.log"));
      for (let i = 0; i < 10; i++) log.warning("record %d", i);
      await Deno.rename("app.log", "app.log.1");
      log.warning("after rename");
      console.log("done");
    `,
      ["--allow-read", "--allow-write"],
    );
    assertEquals(out.signal, null, `killed after ${Math.round(performance.now() - started)} ms`);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "done\n");
    assertEquals((await Deno.readTextFile(`${dir}/app.log.1`)).split("\n").length, 11);
    assertEquals(await Deno.readTextFile(`${dir}/app.log`), "after rename\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

type Step = "write" | "rename" | "delete" | "replace";
const STEPS: Step[] = ["write", "rename", "write", "delete", "write", "replace", "write"];
const PARITY_CASES = [
  { encoding: "utf-8", delay: false },
  { encoding: "utf-8", delay: true },
  { encoding: "utf-16", delay: false },
  { encoding: "latin-1", delay: true },
];

Deno.test({
  name: "write, rename, write, delete, write, replace, write: the same files as CPython's",
  ignore: !hasPython,
  fn: async () => {
    await withTempDir(async (dir) => {
      const ours: Record<string, string>[] = [];
      for (const [i, c] of PARITY_CASES.entries()) {
        const base = `${dir}/ours${i}`;
        await Deno.mkdir(base);
        const path = `${base}/app.log`;
        const h = new WatchedFileHandler(path, { encoding: c.encoding, delay: c.delay });
        h.setFormatter(new Formatter("%(levelname)s:%(name)s:%(message)s"));
        const log = getLogger(`watched_parity_${i}`);
        log.propagate = false;
        log.addHandler(h);
        let n = 0;
        for (const step of STEPS) {
          if (step === "write") log.warning("café %d", ++n);
          else if (step === "rename") await Deno.rename(path, `${path}.1`);
          else if (step === "delete") await Deno.remove(path);
          else {
            await Deno.writeFile(`${base}/tmp`, new Uint8Array([0x78, 0x0a]));
            await Deno.rename(`${base}/tmp`, path);
          }
        }
        await h.close();
        const files: Record<string, string> = {};
        for (const name of ["app.log", "app.log.1"]) {
          files[name] = hex(await Deno.readFile(`${base}/${name}`));
        }
        ours.push(files);
      }
      const theirs = await runPython<Record<string, string>[]>(
        `
import json, logging, logging.handlers, os, sys
inp = json.load(sys.stdin)
out = []
for i, c in enumerate(inp["cases"]):
    base = os.path.join(inp["dir"], "py%d" % i)
    os.mkdir(base)
    path = os.path.join(base, "app.log")
    h = logging.handlers.WatchedFileHandler(path, encoding=c["encoding"], delay=c["delay"])
    h.setFormatter(logging.Formatter("%(levelname)s:%(name)s:%(message)s"))
    log = logging.getLogger("watched_parity_%d" % i)
    log.propagate = False
    log.addHandler(h)
    n = 0
    for step in inp["steps"]:
        if step == "write":
            n += 1
            log.warning("café %d", n)
        elif step == "rename":
            os.rename(path, path + ".1")
        elif step == "delete":
            os.remove(path)
        else:
            with open(os.path.join(base, "tmp"), "wb") as f:
                f.write(b"x\\n")
            os.rename(os.path.join(base, "tmp"), path)
    h.close()
    files = {}
    for name in ["app.log", "app.log.1"]:
        with open(os.path.join(base, name), "rb") as f:
            files[name] = f.read().hex()
    out.append(files)
print(json.dumps(out))
`,
        { dir, cases: PARITY_CASES, steps: STEPS },
      );
      assertEquals(theirs.length, PARITY_CASES.length);
      for (const [i, c] of PARITY_CASES.entries()) {
        assertEquals(ours[i], theirs[i], JSON.stringify(c));
      }
    });
  },
});

Deno.test("WatchedFileHandler without --allow-read for its file refuses at construction, delay or not, naming the flag", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const out = await runWith(
      dir,
      `
      import { WatchedFileHandler } from ${JSON.stringify(WATCHED_URL)};
      for (const delay of [false, true]) {
        try {
          new WatchedFileHandler("app.log", { delay });
          console.log("constructed");
        } catch (error) {
          console.log(String(error));
        }
      }
    `,
      ["--allow-write"],
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr, "");
    const refusal = `NotCapable: Cannot create WatchedFileHandler for 'app.log' as read access ` +
      `is not granted: run Deno with --allow-read=${dir}/app.log (or a folder above it)`;
    assertEquals(out.stdout, `${refusal}\n${refusal}\n`);
    assert(!(await exists(`${dir}/app.log`)), "no file was created");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a read permission revoked later is reported once with the flag, and the records go on into the open file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const logs = `${dir}/logs`;
    await Deno.mkdir(logs);
    const out = await runWith(
      dir,
      `
      import { WatchedFileHandler } from ${JSON.stringify(WATCHED_URL)};
      import { getLogger } from ${JSON.stringify(new URL("../mod.ts", import.meta.url).href)};
      const h = new WatchedFileHandler("logs/app.log");
      const log = getLogger("revoked");
      log.addHandler(h);
      log.warning("before");
      Deno.permissions.revokeSync({ name: "read", path: "logs" });
      for (let i = 0; i < 20; i++) log.warning("after %d", i);
      await h.close();
      console.log("caller unharmed");
    `,
      [`--allow-read=${logs}`, `--allow-write=${logs}`],
    );
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "caller unharmed\n");
    const reports = out.stderr.split("--- Logging error ---").slice(1);
    assertEquals(reports.length, 1, out.stderr);
    assertMatch(
      reports[0],
      new RegExp(
        `Cannot check log file '${logs}/app\\.log': read access is not granted\\. Run Deno with ` +
          `--allow-read=${logs}/app\\.log \\(or a folder above it\\) to allow it\\. Watching is off`,
      ),
    );
    const lines = (await Deno.readTextFile(`${logs}/app.log`)).split("\n");
    assertEquals(lines.length, 22, "every record is in the file");
    assertEquals(lines[20], "after 19");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
