/**
 * Several processes writing one locked rotating log: every record exactly once, in each
 * process's order, no torn line, every file within maxBytes.
 */

import { assert, assertEquals } from "./helpers/assert.ts";

const WRITER = new URL("./helpers/mp_writer.ts", import.meta.url).pathname;
const PROCESSES = 4;
const RECORDS = 50_000;
const LINE = /^p(\d) (\d{6}) x*$/;

async function runWriters(job: Record<string, unknown>): Promise<void> {
  const children = Array.from({ length: PROCESSES }, (_, id) =>
    new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-all",
        "--no-config",
        WRITER,
        JSON.stringify({ ...job, id, count: RECORDS }),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output());
  for (const out of await Promise.all(children)) {
    assert(out.success, new TextDecoder().decode(out.stderr));
    assertEquals(new TextDecoder().decode(out.stderr), "");
  }
}

/** Reads the files oldest first and checks every record of every process, in order. */
function checkRecords(dir: string, ordered: string[], records = RECORDS): void {
  const next = new Array<number>(PROCESSES).fill(0);
  const problems: string[] = [];
  for (const name of ordered) {
    const text = Deno.readTextFileSync(`${dir}/${name}`);
    // An empty rotated file is no torn line: a timed rollover rotates an empty file, as
    // CPython's does, when a whole period passes without a record (a loaded machine).
    if (text === "") continue;
    assert(text.endsWith("\n"), `${name} ends inside a line`);
    for (const line of text.slice(0, -1).split("\n")) {
      const m = LINE.exec(line);
      if (m === null) {
        problems.push(`${name}: torn line ${JSON.stringify(line)}`);
        continue;
      }
      const p = Number(m[1]);
      const i = Number(m[2]);
      if (i !== next[p]) problems.push(`${name}: p${p} record ${i} where ${next[p]} was due`);
      next[p] = i + 1;
    }
    if (problems.length > 5) break;
  }
  assertEquals(problems, []);
  assertEquals(next, new Array<number>(PROCESSES).fill(records));
}

Deno.test(`${PROCESSES} processes x ${RECORDS} records into one locked RotatingFileHandler (64 KiB)`, async () => {
  const dir = await Deno.makeTempDir();
  try {
    const maxBytes = 64 * 1024;
    await runWriters({ kind: "rotating", path: `${dir}/app.log`, maxBytes, backupCount: 10_000 });
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n !== "app.log.lock");
    const backups = names.filter((n) => n !== "app.log").map((n) => Number(n.slice(8)));
    backups.sort((a, b) => b - a);
    // Backups are numbered 1..N without a gap: no rotation overwrote another.
    assertEquals(backups, Array.from({ length: backups.length }, (_, i) => backups.length - i));
    assert(backups.length > 50, `only ${backups.length} backups`);
    for (const name of names) {
      const size = Deno.statSync(`${dir}/${name}`).size;
      assert(size <= maxBytes, `${name} has ${size} bytes`);
    }
    checkRecords(dir, [...backups.map((n) => `app.log.${n}`), "app.log"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test(`${PROCESSES} processes x ${RECORDS} records into one locked TimedRotatingFileHandler (when S)`, async () => {
  const dir = await Deno.makeTempDir();
  try {
    await runWriters({ kind: "timed", path: `${dir}/app.log`, when: "S", backupCount: 0 });
    const rotated = [...Deno.readDirSync(dir)].map((e) => e.name)
      .filter((n) => /^app\.log\.\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/.test(n)).sort();
    assert(rotated.length >= 1, "no rollover happened");
    checkRecords(dir, [...rotated, "app.log"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("Workers of one process share a locked RotatingFileHandler file the same way", async () => {
  const dir = await Deno.makeTempDir();
  const workers: Worker[] = [];
  try {
    const maxBytes = 16 * 1024;
    const count = 10_000;
    const answers = await Promise.all(Array.from({ length: PROCESSES }, (_, id) => {
      const worker = new Worker(new URL("./helpers/mp_worker.ts", import.meta.url), {
        type: "module",
      });
      workers.push(worker);
      const job = {
        kind: "rotating",
        path: `${dir}/app.log`,
        id,
        count,
        maxBytes,
        backupCount: 10_000,
      };
      return new Promise<string>((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage(job);
      });
    }));
    assertEquals(answers, new Array(PROCESSES).fill("done"));
    const backups = [...Deno.readDirSync(dir)].map((e) => e.name)
      .filter((n) => n.startsWith("app.log.") && n !== "app.log.lock")
      .map((n) => Number(n.slice(8))).sort((a, b) => b - a);
    assertEquals(backups, Array.from({ length: backups.length }, (_, i) => backups.length - i));
    checkRecords(dir, [...backups.map((n) => `app.log.${n}`), "app.log"], count);
  } finally {
    for (const w of workers) w.terminate();
    await Deno.remove(dir, { recursive: true });
  }
});
