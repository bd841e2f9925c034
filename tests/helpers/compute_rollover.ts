/**
 * Prints our `computeRollover` results for many handler configurations and instants, as JSON:
 * the Deno half of the CPython differential test, run as a subprocess so that `TZ` applies.
 *
 * stdin: `{ dir, configs: [{ when, interval, utc, atTime: [h, m, s] | null }], instants }`;
 * stdout: one array of results per configuration.
 *
 * @module
 */

import type { When } from "../../handlers/timed_rotating.ts";
import { TimedRotatingFileHandler } from "../../handlers/timed_rotating.ts";

interface Config {
  when: string;
  interval: number;
  utc: boolean;
  atTime: [number, number, number] | null;
}

const input = JSON.parse(await new Response(Deno.stdin.readable).text()) as {
  dir: string;
  configs: Config[];
  instants: number[];
};
const out: number[][] = [];
for (const c of input.configs) {
  const h = new TimedRotatingFileHandler(`${input.dir}/app.log`, {
    when: c.when as When,
    interval: c.interval,
    utc: c.utc,
    delay: true,
    atTime: c.atTime && { hour: c.atTime[0], minute: c.atTime[1], second: c.atTime[2] },
  });
  out.push(input.instants.map((t) => h.computeRollover(t)));
  h.closeSync();
}
console.log(JSON.stringify(out));
