/**
 * Logs record `i` at `times[i]` (an injected clock) through a TimedRotatingFileHandler and
 * prints the resulting folders as JSON: the Deno half of a CPython
 * differential test, run as a subprocess so that `TZ` applies.
 *
 * stdin: an array of `{ dir, when, interval, utc, atTime: [h, m, s] | null, backupCount, times }`;
 * stdout: one `{ name: text }` per element.
 *
 * @module
 */

import type { When } from "../../handlers/timed_rotating.ts";
import { makeLogRecord } from "../../core/record.ts";
import { TimedRotatingFileHandler } from "../../handlers/timed_rotating.ts";

interface Sequence {
  dir: string;
  when: string;
  interval: number;
  utc: boolean;
  atTime: [number, number, number] | null;
  backupCount: number;
  times: number[];
}

const out: Record<string, string>[] = [];
for (const c of JSON.parse(await new Response(Deno.stdin.readable).text()) as Sequence[]) {
  let now = c.times[0];
  const h = new TimedRotatingFileHandler(`${c.dir}/app.log`, {
    when: c.when as When,
    interval: c.interval,
    utc: c.utc,
    backupCount: c.backupCount,
    delay: true,
    atTime: c.atTime && { hour: c.atTime[0], minute: c.atTime[1], second: c.atTime[2] },
    now: () => now,
  });
  c.times.forEach((t, i) => {
    now = t;
    h.handle(makeLogRecord({ msg: `record ${i} at ${t}` }));
  });
  h.closeSync();
  const files: Record<string, string> = {};
  for (const e of [...Deno.readDirSync(c.dir)].sort((a, b) => a.name < b.name ? -1 : 1)) {
    files[e.name] = Deno.readTextFileSync(`${c.dir}/${e.name}`);
  }
  out.push(files);
}
console.log(JSON.stringify(out));
