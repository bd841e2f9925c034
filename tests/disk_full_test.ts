/**
 * A full disk, for real: a 64 KiB tmpfs is filled until a write is cut (the operating system
 * takes what fits, then answers ENOSPC), space is freed, and logging goes on. Every handler
 * that writes files must keep the file line by line: the cut record stays visibly cut, and the
 * next record starts on a line of its own instead of being glued to it.
 *
 * Mounting needs root. Outside CI a refused mount skips these tests loudly; under `CI=true` it
 * is a failure.
 */

import {
  FileHandler,
  getLogger,
  type Handler,
  RotatingFileHandler,
  StreamHandler,
  TimedRotatingFileHandler,
  WatchedFileHandler,
} from "../mod.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { uniqueName } from "./helpers/collect.ts";

const FILLER_BYTES = 40 * 1024;
/** Records of 98 bytes: pages of 4096 bytes end in the middle of one. */
const PAD = "x".repeat(80);

function record(tag: string, i: number): string {
  return `${tag} ${String(i).padStart(4, "0")} ${PAD} end`;
}
const COMPLETE = /^(before|after) \d{4} x{80} end$/;

async function run(command: string, args: string[]): Promise<{ ok: boolean; err: string }> {
  const out = await new Deno.Command(command, { args, stdout: "null", stderr: "piped" }).output();
  return { ok: out.success, err: new TextDecoder().decode(out.stderr) };
}

let mountWorks: boolean | undefined;

/** Mounts a 64 KiB tmpfs on a new folder; `null` (skip, loudly) where mounting is refused. */
async function mountSmallFs(): Promise<string | null> {
  const dir = await Deno.makeTempDir({ prefix: "loghandlers_full_" });
  let result: { ok: boolean; err: string };
  try {
    result = await run("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  } catch (error) {
    result = { ok: false, err: String(error) };
  }
  if (result.ok) return dir;
  await Deno.remove(dir);
  if (Deno.env.get("CI") === "true") {
    throw new Error(`mounting a tmpfs is required under CI=true (run as root): ${result.err}`);
  }
  if (mountWorks === undefined) {
    console.error(`!!! cannot mount a tmpfs (${result.err.trim()}): disk-full tests are SKIPPED`);
  }
  mountWorks = false;
  return null;
}

async function unmount(dir: string): Promise<void> {
  let result = await run("umount", [dir]);
  // "target is busy" can be transient while other test processes start programs: detach it
  // now, and the kernel frees it once nothing holds it.
  if (!result.ok && result.err.includes("busy")) result = await run("umount", ["-l", dir]);
  if (!result.ok) throw new Error(`umount ${dir} failed: ${result.err}`);
  await Deno.remove(dir);
}

/**
 * Checks the lines of a log file: each is a complete record, or a record cut short followed by
 * a complete record on the next line. No line holds the text of two records.
 *
 * @returns How many cut lines there are.
 */
function checkLines(text: string, where: string): number {
  assert(text.endsWith("\n"), `${where}: the file ends with a whole line`);
  const lines = text.slice(0, -1).split("\n");
  let cut = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (COMPLETE.test(line)) continue;
    const full = record(line.startsWith("after") ? "after" : "before", 0);
    const isPrefix = line.length < full.length && /^(before|after)( \d{0,4}( x*)?)?$/.test(line);
    assert(isPrefix, `${where}: line ${i + 1} is neither a record nor a cut one: ${line}`);
    assert(
      i + 1 < lines.length && COMPLETE.test(lines[i + 1]),
      `${where}: the cut line ${i + 1} is followed by a complete record on its own line`,
    );
    cut++;
  }
  return cut;
}

/**
 * Logs through `handler` until the disk is full, logs more into the full disk, frees space and
 * logs again; then checks the file and that the failure was reported through handleError.
 */
async function fillFreeAndCheck(
  name: string,
  make: (path: string) => Handler,
  read: (dir: string) => string = (dir) => Deno.readTextFileSync(`${dir}/app.log`),
  release: () => void = () => {},
): Promise<void> {
  const dir = await mountSmallFs();
  if (dir === null) return;
  let handler: Handler | undefined;
  try {
    Deno.writeFileSync(`${dir}/filler`, new Uint8Array(FILLER_BYTES));
    handler = make(`${dir}/app.log`);
    const errors: unknown[] = [];
    handler.handleError = (_record, error) => void errors.push(error);
    const log = getLogger(uniqueName("full"));
    log.propagate = false;
    log.addHandler(handler);
    let i = 0;
    while (errors.length === 0 && i < 2000) log.warning(record("before", i++));
    assert(errors.length > 0, `${name}: the disk never filled up`);
    for (let k = 0; k < 3; k++) log.warning(record("before", i++)); // into the full disk
    assert(
      errors.some((e) => e instanceof Error && /No space left on device/.test(e.message)),
      `${name}: ENOSPC reported through handleError: ${errors.map(String).join("; ")}`,
    );
    Deno.removeSync(`${dir}/filler`);
    for (let k = 0; k < 5; k++) log.warning(record("after", k));
    await handler.close();
    release();
    log.removeHandler(handler);
    const text = read(dir);
    const cut = checkLines(text, name);
    assert(cut >= 1, `${name}: a record was cut by the full disk (the fault happened)`);
    const lines = text.slice(0, -1).split("\n");
    assertEquals(
      lines.slice(-5),
      [0, 1, 2, 3, 4].map((k) => record("after", k)),
      `${name}: every record after space was freed is whole, on its own line`,
    );
  } finally {
    await handler?.close();
    release();
    await unmount(dir);
  }
}

Deno.test("FileHandler on a full disk: the cut record is followed by the next one on its own line", async () => {
  await fillFreeAndCheck("FileHandler", (path) => new FileHandler(path));
});

Deno.test("FileHandler with a write buffer (UTF-8 text) on a full disk keeps one record per line", async () => {
  await fillFreeAndCheck(
    "FileHandler bufferSize",
    (path) => new FileHandler(path, { bufferSize: 1000 }),
  );
});

Deno.test("FileHandler with a write buffer (bytes) on a full disk keeps one record per line", async () => {
  await fillFreeAndCheck(
    "FileHandler bufferSize latin-1",
    (path) => new FileHandler(path, { bufferSize: 700, encoding: "latin-1" }),
  );
});

Deno.test("FileHandler in UTF-16 on a full disk keeps whole characters and one record per line", async () => {
  await fillFreeAndCheck(
    "FileHandler utf-16",
    (path) => new FileHandler(path, { encoding: "utf-16" }),
    (dir) => new TextDecoder("utf-16le").decode(Deno.readFileSync(`${dir}/app.log`)),
  );
});

Deno.test("RotatingFileHandler on a full disk keeps one record per line", async () => {
  await fillFreeAndCheck(
    "RotatingFileHandler",
    (path) => new RotatingFileHandler(path, { maxBytes: 1 << 20, backupCount: 1 }),
  );
});

Deno.test("TimedRotatingFileHandler on a full disk keeps one record per line", async () => {
  await fillFreeAndCheck(
    "TimedRotatingFileHandler",
    (path) => new TimedRotatingFileHandler(path, { when: "D", backupCount: 1 }),
  );
});

Deno.test("WatchedFileHandler on a full disk keeps one record per line", async () => {
  await fillFreeAndCheck("WatchedFileHandler", (path) => new WatchedFileHandler(path));
});

Deno.test("a StreamHandler writing to a file on a full disk keeps one record per line", async () => {
  let file: Deno.FsFile | undefined;
  await fillFreeAndCheck(
    "StreamHandler",
    (path) => {
      file = Deno.openSync(path, { write: true, append: true, create: true });
      return new StreamHandler(file);
    },
    undefined,
    () => {
      file?.close(); // a StreamHandler leaves its stream open, as in Python
      file = undefined;
    },
  );
});

Deno.test("a rollover after a full disk ends the cut line in the backup and starts the new file cleanly", async () => {
  const dir = await mountSmallFs();
  if (dir === null) return;
  let handler: RotatingFileHandler | undefined;
  try {
    Deno.writeFileSync(`${dir}/filler`, new Uint8Array(FILLER_BYTES));
    handler = new RotatingFileHandler(`${dir}/app.log`, { maxBytes: 1 << 20, backupCount: 2 });
    const errors: unknown[] = [];
    handler.handleError = (_record, error) => void errors.push(error);
    const log = getLogger(uniqueName("full"));
    log.propagate = false;
    log.addHandler(handler);
    for (let i = 0; errors.length === 0 && i < 2000; i++) log.warning(record("before", i));
    assert(errors.length > 0, "the disk filled up");
    Deno.removeSync(`${dir}/filler`);
    handler.doRollover();
    for (let k = 0; k < 5; k++) log.warning(record("after", k));
    await handler.close();
    log.removeHandler(handler);
    const backup = Deno.readTextFileSync(`${dir}/app.log.1`);
    assert(backup.endsWith("\n"), "the cut line of the backup was ended before it was rotated");
    const lines = backup.slice(0, -1).split("\n");
    const last = lines.pop()!;
    assert(lines.every((line) => COMPLETE.test(line)), "the backup's other lines are whole");
    assert(!COMPLETE.test(last) && last.startsWith("before "), "the backup ends with the cut one");
    assertEquals(
      Deno.readTextFileSync(`${dir}/app.log`),
      [0, 1, 2, 3, 4].map((k) => record("after", k) + "\n").join(""),
      "the new file holds whole records only, from its first byte",
    );
  } finally {
    await handler?.close();
    await unmount(dir);
  }
});
