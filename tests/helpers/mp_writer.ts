/**
 * One writer of the multi-process tests: logs `count` numbered records through a locked
 * RotatingFileHandler or TimedRotatingFileHandler shared with other processes.
 *
 * `deno run -A mp_writer.ts '{"kind": "rotating"|"timed", "path", "id", "count", ...options}'`,
 * or `write(job)` from a Worker (mp_worker.ts).
 *
 * @module
 */

import type { When } from "../../handlers/timed_rotating.ts";
import { makeLogRecord } from "../../core/record.ts";
import { RotatingFileHandler } from "../../handlers/rotating.ts";
import { TimedRotatingFileHandler } from "../../handlers/timed_rotating.ts";

/** What one writer does. */
export interface WriterJob {
  kind: "rotating" | "timed";
  path: string;
  id: number;
  count: number;
  maxBytes?: number;
  backupCount?: number;
  when?: string;
}

/**
 * Logs `job.count` numbered records of writer `job.id` through its own locked handler.
 *
 * @param job What to write where.
 */
export async function write(job: WriterJob): Promise<void> {
  const h = job.kind === "rotating"
    ? new RotatingFileHandler(job.path, {
      maxBytes: job.maxBytes,
      backupCount: job.backupCount,
      lock: true,
    })
    : new TimedRotatingFileHandler(job.path, {
      when: job.when as When | undefined,
      backupCount: job.backupCount,
      lock: true,
    });
  // Lines of different lengths, so that rollovers fall at every kind of boundary.
  const pad = "x".repeat(64);
  for (let i = 0; i < job.count; i++) {
    const n = String(i).padStart(6, "0");
    h.handle(makeLogRecord({ msg: `p${job.id} ${n} ${pad.slice(0, (i * 7 + job.id) % 41)}` }));
  }
  await h.close();
}

if (import.meta.main) await write(JSON.parse(Deno.args[0]));
