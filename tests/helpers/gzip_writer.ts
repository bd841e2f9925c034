/**
 * One run of the gzip rotation tests (rotating_gzip_test.ts): logs numbered records through a
 * RotatingFileHandler or TimedRotatingFileHandler with `compress: "gzip"`, then ends the way the
 * test asks.
 *
 * `deno run -A gzip_writer.ts '<GzipJob as JSON>'`. Each record is the line
 * `<tag> <seq, 7 digits> <padding>`. What the run reports goes to stdout, one JSON object a line:
 * `{"started": true}` before the first record, `{"compressing": seq}` when the injected fault
 * fires, `{"pending": boolean}` just before `Deno.exit(0)`, `{"done": true}` after `close()`.
 *
 * @module
 */

import type { When } from "../../handlers/timed_rotating.ts";
import { makeLogRecord } from "../../core/record.ts";
import { RotatingFileHandler } from "../../handlers/rotating.ts";
import { TimedRotatingFileHandler } from "../../handlers/timed_rotating.ts";

/** What one run does. */
export interface GzipJob {
  kind: "rotating" | "timed";
  path: string;
  /** Starts every line this run writes. */
  tag: string;
  /** The sequence number of the first record. */
  first: number;
  count: number;
  maxBytes?: number;
  backupCount?: number;
  lock?: boolean;
  when?: string;
  /** A fake clock for the timed handler: `start` plus one second every `perSecond` records. */
  clock?: { start: number; perSecond: number };
  /**
   * `"exit"`: `Deno.exit(0)` right after the last record (the last rotated file waits for its
   * compression); `"exit-in-flight"`: `Deno.exit(0)` as soon as the background compression has
   * opened its temporary file, after the last record; `"close"`: `await close()`.
   */
  end: "exit" | "exit-in-flight" | "close";
  /**
   * The injected fault: inside the n-th synchronous gzip of a rotated file (1-based), write
   * half of the compressed bytes to the temporary file, report `{"compressing": seq}` and
   * block, so that the parent kills the process with SIGKILL while it compresses.
   */
  killInGzip?: number;
}

const encoder = new TextEncoder();

function report(value: unknown): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(value) + "\n"));
}

/**
 * Logs `job.count` numbered records, then ends as `job.end` says.
 *
 * @param job What to write where.
 */
export async function run(job: GzipJob): Promise<void> {
  let seq = job.first;
  if (job.killInGzip !== undefined) {
    // gzipFileSync writes the compressed bytes to a temporary name with Deno.writeFileSync.
    const writeFileSync = Deno.writeFileSync;
    let calls = 0;
    Deno.writeFileSync = (path, data, options) => {
      if (String(path).endsWith(".tmp") && ++calls === job.killInGzip) {
        writeFileSync(path, (data as Uint8Array).subarray(0, (data as Uint8Array).length >> 1));
        report({ compressing: seq });
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // until SIGKILL
      }
      return writeFileSync(path, data, options);
    };
  }
  let exitInFlight = false;
  if (job.end === "exit-in-flight") {
    // The background compression opens its temporary file with Deno.open.
    const open = Deno.open;
    Deno.open = async (path, options) => {
      const file = await open(path, options);
      if (exitInFlight && String(path).endsWith(".tmp")) {
        report({ pending: h.pending });
        Deno.exit(0);
      }
      return file;
    };
  }
  const clock = job.clock;
  let i = 0;
  const now = clock === undefined ? undefined : () => clock.start + Math.floor(i / clock.perSecond);
  const h = job.kind === "rotating"
    ? new RotatingFileHandler(job.path, {
      maxBytes: job.maxBytes,
      backupCount: job.backupCount,
      lock: job.lock,
      compress: "gzip",
    })
    : new TimedRotatingFileHandler(job.path, {
      when: job.when as When | undefined,
      backupCount: job.backupCount,
      lock: job.lock,
      utc: true,
      delay: true, // the schedule starts from the fake clock, not from the new file's mtime
      compress: "gzip",
      now,
    });
  report({ started: true });
  const pad = "x".repeat(40);
  for (; i < job.count; i++, seq++) {
    const msg = `${job.tag} ${String(seq).padStart(7, "0")} ${pad.slice(0, (seq * 7) % 41)}`;
    h.handle(makeLogRecord({ msg }));
  }
  if (job.killInGzip !== undefined) {
    report({ error: "the injected fault never fired: no gzip went through Deno.writeFileSync" });
    Deno.exit(3);
  }
  if (job.end === "exit") {
    report({ pending: h.pending });
    Deno.exit(0);
  }
  if (job.end === "exit-in-flight") {
    exitInFlight = true;
    await h.flush(); // never returns: Deno.exit(0) above, once the compression runs
    report({ error: "the compression never opened its temporary file with Deno.open" });
    Deno.exit(3);
  }
  await h.close();
  report({ done: true });
}

if (import.meta.main) await run(JSON.parse(Deno.args[0]));
