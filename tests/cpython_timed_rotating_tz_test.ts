/**
 * CPython 3.13's `TimedRotatingFileHandlerTest` tests that run under the POSIX TZ rule string
 * `EST+05EDT,M3.2.0,M11.1.0` (`@support.run_with_tz`): `computeRollover` in local time for
 * `MIDNIGHT` and `W6`, with and without `atTime` and `interval`, across both daylight saving
 * changes of 2012 (DST begins at 2012-3-11T02:00:00 and ends at 2012-11-4T02:00:00).
 *
 * JavaScript engines read that string as UTC; the library follows the rule when it may read
 * `TZ`. Our side runs in a subprocess of this file started with that `TZ` and only the flags it
 * needs (`--allow-env=TZ` and the temporary folder). CPython's naive datetimes (`DT(...)`) become
 * timestamps as `datetime.timestamp()` computes them (CPython's `local_to_seconds`, with `fold`)
 * from our `localtime`; as a cross-check, the test also compares them with the timestamps CPython
 * computed for the same rows under the same `TZ` (`fixtures/compute_rollover_tables.json`, made by
 * `fixtures/make_compute_rollover_tables.py`).
 */

import { type AtTime, TimedRotatingFileHandler, type When } from "../handlers/timed_rotating.ts";
import { localtime } from "../core/text/strftime.ts";
import { runJson } from "./helpers/subprocess.ts";
import { withTempDir } from "./helpers/fs.ts";
import { assertEquals } from "./helpers/assert.ts";

const TZ = "EST+05EDT,M3.2.0,M11.1.0";

/** A naive `datetime.datetime`. */
interface DateTime {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
  fold: number;
}

/** `datetime.datetime(y, mo, d, h=0, mi=0, s=0, *, fold=0)`; the keyword is `{ fold }`. */
function DT(y: number, mo: number, d: number, ...rest: (number | { fold: number })[]): DateTime {
  const keywords = rest.find((x) => typeof x === "object") as { fold: number } | undefined;
  const [h = 0, mi = 0, s = 0] = rest.filter((x) => typeof x === "number") as number[];
  return { y, mo, d, h, mi, s, fold: keywords?.fold ?? 0 };
}

interface Handler {
  when: When;
  interval?: number;
  atTime?: AtTime;
}

/** One handler after another, each with its `test(current, expected)` calls. */
type Table = [Handler, [DateTime, DateTime][]][];

const MIDNIGHT_LOCAL: Table = [
  [{ when: "MIDNIGHT" }, [
    [DT(2012, 3, 10, 23, 59, 59), DT(2012, 3, 11, 0, 0)],
    [DT(2012, 3, 11, 0, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 3, 11, 1, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 11, 3, 23, 59, 59), DT(2012, 11, 4, 0, 0)],
    [DT(2012, 11, 4, 0, 0), DT(2012, 11, 5, 0, 0)],
    [DT(2012, 11, 4, 1, 0), DT(2012, 11, 5, 0, 0)],
  ]],
  [{ when: "MIDNIGHT", atTime: { hour: 12, minute: 0, second: 0 } }, [
    [DT(2012, 3, 10, 11, 59, 59), DT(2012, 3, 10, 12, 0)],
    [DT(2012, 3, 10, 12, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 3, 10, 13, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 11, 3, 11, 59, 59), DT(2012, 11, 3, 12, 0)],
    [DT(2012, 11, 3, 12, 0), DT(2012, 11, 4, 12, 0)],
    [DT(2012, 11, 3, 13, 0), DT(2012, 11, 4, 12, 0)],
  ]],
  [{ when: "MIDNIGHT", atTime: { hour: 2, minute: 0, second: 0 } }, [
    [DT(2012, 3, 10, 1, 59, 59), DT(2012, 3, 10, 2, 0)],
    // 2:00:00 is the same as 3:00:00 at 2012-3-11.
    [DT(2012, 3, 10, 2, 0), DT(2012, 3, 11, 3, 0)],
    [DT(2012, 3, 10, 3, 0), DT(2012, 3, 11, 3, 0)],
    [DT(2012, 3, 11, 1, 59, 59), DT(2012, 3, 11, 3, 0)],
    // No time between 2:00:00 and 3:00:00 at 2012-3-11.
    [DT(2012, 3, 11, 3, 0), DT(2012, 3, 12, 2, 0)],
    [DT(2012, 3, 11, 4, 0), DT(2012, 3, 12, 2, 0)],
    [DT(2012, 11, 3, 1, 59, 59), DT(2012, 11, 3, 2, 0)],
    [DT(2012, 11, 3, 2, 0), DT(2012, 11, 4, 2, 0)],
    [DT(2012, 11, 3, 3, 0), DT(2012, 11, 4, 2, 0)],
    // 1:00:00-2:00:00 is repeated twice at 2012-11-4.
    [DT(2012, 11, 4, 1, 59, 59), DT(2012, 11, 4, 2, 0)],
    [DT(2012, 11, 4, 1, 59, 59, { fold: 1 }), DT(2012, 11, 4, 2, 0)],
    [DT(2012, 11, 4, 2, 0), DT(2012, 11, 5, 2, 0)],
    [DT(2012, 11, 4, 3, 0), DT(2012, 11, 5, 2, 0)],
  ]],
  [{ when: "MIDNIGHT", atTime: { hour: 2, minute: 30, second: 0 } }, [
    [DT(2012, 3, 10, 2, 29, 59), DT(2012, 3, 10, 2, 30)],
    // No time 2:30:00 at 2012-3-11.
    [DT(2012, 3, 10, 2, 30), DT(2012, 3, 11, 3, 30)],
    [DT(2012, 3, 10, 3, 0), DT(2012, 3, 11, 3, 30)],
    [DT(2012, 3, 11, 1, 59, 59), DT(2012, 3, 11, 3, 30)],
    // No time between 2:00:00 and 3:00:00 at 2012-3-11.
    [DT(2012, 3, 11, 3, 0), DT(2012, 3, 12, 2, 30)],
    [DT(2012, 3, 11, 3, 30), DT(2012, 3, 12, 2, 30)],
    [DT(2012, 11, 3, 2, 29, 59), DT(2012, 11, 3, 2, 30)],
    [DT(2012, 11, 3, 2, 30), DT(2012, 11, 4, 2, 30)],
    [DT(2012, 11, 3, 3, 0), DT(2012, 11, 4, 2, 30)],
  ]],
  [{ when: "MIDNIGHT", atTime: { hour: 1, minute: 30, second: 0 } }, [
    [DT(2012, 3, 11, 1, 29, 59), DT(2012, 3, 11, 1, 30)],
    [DT(2012, 3, 11, 1, 30), DT(2012, 3, 12, 1, 30)],
    [DT(2012, 3, 11, 1, 59, 59), DT(2012, 3, 12, 1, 30)],
    // No time between 2:00:00 and 3:00:00 at 2012-3-11.
    [DT(2012, 3, 11, 3, 0), DT(2012, 3, 12, 1, 30)],
    [DT(2012, 3, 11, 3, 30), DT(2012, 3, 12, 1, 30)],
    // 1:00:00-2:00:00 is repeated twice at 2012-11-4.
    [DT(2012, 11, 4, 1, 0), DT(2012, 11, 4, 1, 30)],
    [DT(2012, 11, 4, 1, 29, 59), DT(2012, 11, 4, 1, 30)],
    [DT(2012, 11, 4, 1, 30), DT(2012, 11, 5, 1, 30)],
    [DT(2012, 11, 4, 1, 59, 59), DT(2012, 11, 5, 1, 30)],
    // It is weird, but the rollover date jumps back from 2012-11-5
    // to 2012-11-4.
    [DT(2012, 11, 4, 1, 0, { fold: 1 }), DT(2012, 11, 4, 1, 30, { fold: 1 })],
    [DT(2012, 11, 4, 1, 29, 59, { fold: 1 }), DT(2012, 11, 4, 1, 30, { fold: 1 })],
    [DT(2012, 11, 4, 1, 30, { fold: 1 }), DT(2012, 11, 5, 1, 30)],
    [DT(2012, 11, 4, 1, 59, 59, { fold: 1 }), DT(2012, 11, 5, 1, 30)],
    [DT(2012, 11, 4, 2, 0), DT(2012, 11, 5, 1, 30)],
    [DT(2012, 11, 4, 2, 30), DT(2012, 11, 5, 1, 30)],
  ]],
];

const W6_LOCAL: Table = [
  [{ when: "W6" }, [
    [DT(2012, 3, 4, 23, 59, 59), DT(2012, 3, 5, 0, 0)],
    [DT(2012, 3, 5, 0, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 3, 5, 1, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 10, 28, 23, 59, 59), DT(2012, 10, 29, 0, 0)],
    [DT(2012, 10, 29, 0, 0), DT(2012, 11, 5, 0, 0)],
    [DT(2012, 10, 29, 1, 0), DT(2012, 11, 5, 0, 0)],
  ]],
  [{ when: "W6", atTime: { hour: 0, minute: 0, second: 0 } }, [
    [DT(2012, 3, 10, 23, 59, 59), DT(2012, 3, 11, 0, 0)],
    [DT(2012, 3, 11, 0, 0), DT(2012, 3, 18, 0, 0)],
    [DT(2012, 3, 11, 1, 0), DT(2012, 3, 18, 0, 0)],
    [DT(2012, 11, 3, 23, 59, 59), DT(2012, 11, 4, 0, 0)],
    [DT(2012, 11, 4, 0, 0), DT(2012, 11, 11, 0, 0)],
    [DT(2012, 11, 4, 1, 0), DT(2012, 11, 11, 0, 0)],
  ]],
  [{ when: "W6", atTime: { hour: 12, minute: 0, second: 0 } }, [
    [DT(2012, 3, 4, 11, 59, 59), DT(2012, 3, 4, 12, 0)],
    [DT(2012, 3, 4, 12, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 3, 4, 13, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 10, 28, 11, 59, 59), DT(2012, 10, 28, 12, 0)],
    [DT(2012, 10, 28, 12, 0), DT(2012, 11, 4, 12, 0)],
    [DT(2012, 10, 28, 13, 0), DT(2012, 11, 4, 12, 0)],
  ]],
  [{ when: "W6", atTime: { hour: 2, minute: 0, second: 0 } }, [
    [DT(2012, 3, 4, 1, 59, 59), DT(2012, 3, 4, 2, 0)],
    // 2:00:00 is the same as 3:00:00 at 2012-3-11.
    [DT(2012, 3, 4, 2, 0), DT(2012, 3, 11, 3, 0)],
    [DT(2012, 3, 4, 3, 0), DT(2012, 3, 11, 3, 0)],
    [DT(2012, 3, 11, 1, 59, 59), DT(2012, 3, 11, 3, 0)],
    // No time between 2:00:00 and 3:00:00 at 2012-3-11.
    [DT(2012, 3, 11, 3, 0), DT(2012, 3, 18, 2, 0)],
    [DT(2012, 3, 11, 4, 0), DT(2012, 3, 18, 2, 0)],
    [DT(2012, 10, 28, 1, 59, 59), DT(2012, 10, 28, 2, 0)],
    [DT(2012, 10, 28, 2, 0), DT(2012, 11, 4, 2, 0)],
    [DT(2012, 10, 28, 3, 0), DT(2012, 11, 4, 2, 0)],
    // 1:00:00-2:00:00 is repeated twice at 2012-11-4.
    [DT(2012, 11, 4, 1, 59, 59), DT(2012, 11, 4, 2, 0)],
    [DT(2012, 11, 4, 1, 59, 59, { fold: 1 }), DT(2012, 11, 4, 2, 0)],
    [DT(2012, 11, 4, 2, 0), DT(2012, 11, 11, 2, 0)],
    [DT(2012, 11, 4, 3, 0), DT(2012, 11, 11, 2, 0)],
  ]],
  [{ when: "W6", atTime: { hour: 2, minute: 30, second: 0 } }, [
    [DT(2012, 3, 4, 2, 29, 59), DT(2012, 3, 4, 2, 30)],
    // No time 2:30:00 at 2012-3-11.
    [DT(2012, 3, 4, 2, 30), DT(2012, 3, 11, 3, 30)],
    [DT(2012, 3, 4, 3, 0), DT(2012, 3, 11, 3, 30)],
    [DT(2012, 3, 11, 1, 59, 59), DT(2012, 3, 11, 3, 30)],
    // No time between 2:00:00 and 3:00:00 at 2012-3-11.
    [DT(2012, 3, 11, 3, 0), DT(2012, 3, 18, 2, 30)],
    [DT(2012, 3, 11, 3, 30), DT(2012, 3, 18, 2, 30)],
    [DT(2012, 10, 28, 2, 29, 59), DT(2012, 10, 28, 2, 30)],
    [DT(2012, 10, 28, 2, 30), DT(2012, 11, 4, 2, 30)],
    [DT(2012, 10, 28, 3, 0), DT(2012, 11, 4, 2, 30)],
  ]],
  [{ when: "W6", atTime: { hour: 1, minute: 30, second: 0 } }, [
    [DT(2012, 3, 11, 1, 29, 59), DT(2012, 3, 11, 1, 30)],
    [DT(2012, 3, 11, 1, 30), DT(2012, 3, 18, 1, 30)],
    [DT(2012, 3, 11, 1, 59, 59), DT(2012, 3, 18, 1, 30)],
    // No time between 2:00:00 and 3:00:00 at 2012-3-11.
    [DT(2012, 3, 11, 3, 0), DT(2012, 3, 18, 1, 30)],
    [DT(2012, 3, 11, 3, 30), DT(2012, 3, 18, 1, 30)],
    // 1:00:00-2:00:00 is repeated twice at 2012-11-4.
    [DT(2012, 11, 4, 1, 0), DT(2012, 11, 4, 1, 30)],
    [DT(2012, 11, 4, 1, 29, 59), DT(2012, 11, 4, 1, 30)],
    [DT(2012, 11, 4, 1, 30), DT(2012, 11, 11, 1, 30)],
    [DT(2012, 11, 4, 1, 59, 59), DT(2012, 11, 11, 1, 30)],
    // It is weird, but the rollover date jumps back from 2012-11-11
    // to 2012-11-4.
    [DT(2012, 11, 4, 1, 0, { fold: 1 }), DT(2012, 11, 4, 1, 30, { fold: 1 })],
    [DT(2012, 11, 4, 1, 29, 59, { fold: 1 }), DT(2012, 11, 4, 1, 30, { fold: 1 })],
    [DT(2012, 11, 4, 1, 30, { fold: 1 }), DT(2012, 11, 11, 1, 30)],
    [DT(2012, 11, 4, 1, 59, 59, { fold: 1 }), DT(2012, 11, 11, 1, 30)],
    [DT(2012, 11, 4, 2, 0), DT(2012, 11, 11, 1, 30)],
    [DT(2012, 11, 4, 2, 30), DT(2012, 11, 11, 1, 30)],
  ]],
];

const MIDNIGHT_LOCAL_INTERVAL: Table = [
  [{ when: "MIDNIGHT", interval: 3 }, [
    [DT(2012, 3, 8, 23, 59, 59), DT(2012, 3, 11, 0, 0)],
    [DT(2012, 3, 9, 0, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 3, 9, 1, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 3, 10, 23, 59, 59), DT(2012, 3, 13, 0, 0)],
    [DT(2012, 3, 11, 0, 0), DT(2012, 3, 14, 0, 0)],
    [DT(2012, 3, 11, 1, 0), DT(2012, 3, 14, 0, 0)],
    [DT(2012, 11, 1, 23, 59, 59), DT(2012, 11, 4, 0, 0)],
    [DT(2012, 11, 2, 0, 0), DT(2012, 11, 5, 0, 0)],
    [DT(2012, 11, 2, 1, 0), DT(2012, 11, 5, 0, 0)],
    [DT(2012, 11, 3, 23, 59, 59), DT(2012, 11, 6, 0, 0)],
    [DT(2012, 11, 4, 0, 0), DT(2012, 11, 7, 0, 0)],
    [DT(2012, 11, 4, 1, 0), DT(2012, 11, 7, 0, 0)],
  ]],
  [{ when: "MIDNIGHT", interval: 3, atTime: { hour: 12, minute: 0, second: 0 } }, [
    [DT(2012, 3, 8, 11, 59, 59), DT(2012, 3, 10, 12, 0)],
    [DT(2012, 3, 8, 12, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 3, 8, 13, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 3, 10, 11, 59, 59), DT(2012, 3, 12, 12, 0)],
    [DT(2012, 3, 10, 12, 0), DT(2012, 3, 13, 12, 0)],
    [DT(2012, 3, 10, 13, 0), DT(2012, 3, 13, 12, 0)],
    [DT(2012, 11, 1, 11, 59, 59), DT(2012, 11, 3, 12, 0)],
    [DT(2012, 11, 1, 12, 0), DT(2012, 11, 4, 12, 0)],
    [DT(2012, 11, 1, 13, 0), DT(2012, 11, 4, 12, 0)],
    [DT(2012, 11, 3, 11, 59, 59), DT(2012, 11, 5, 12, 0)],
    [DT(2012, 11, 3, 12, 0), DT(2012, 11, 6, 12, 0)],
    [DT(2012, 11, 3, 13, 0), DT(2012, 11, 6, 12, 0)],
  ]],
];

const W6_LOCAL_INTERVAL: Table = [
  [{ when: "W6", interval: 3 }, [
    [DT(2012, 2, 19, 23, 59, 59), DT(2012, 3, 5, 0, 0)],
    [DT(2012, 2, 20, 0, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 2, 20, 1, 0), DT(2012, 3, 12, 0, 0)],
    [DT(2012, 3, 4, 23, 59, 59), DT(2012, 3, 19, 0, 0)],
    [DT(2012, 3, 5, 0, 0), DT(2012, 3, 26, 0, 0)],
    [DT(2012, 3, 5, 1, 0), DT(2012, 3, 26, 0, 0)],
    [DT(2012, 10, 14, 23, 59, 59), DT(2012, 10, 29, 0, 0)],
    [DT(2012, 10, 15, 0, 0), DT(2012, 11, 5, 0, 0)],
    [DT(2012, 10, 15, 1, 0), DT(2012, 11, 5, 0, 0)],
    [DT(2012, 10, 28, 23, 59, 59), DT(2012, 11, 12, 0, 0)],
    [DT(2012, 10, 29, 0, 0), DT(2012, 11, 19, 0, 0)],
    [DT(2012, 10, 29, 1, 0), DT(2012, 11, 19, 0, 0)],
  ]],
  [{ when: "W6", interval: 3, atTime: { hour: 0, minute: 0, second: 0 } }, [
    [DT(2012, 2, 25, 23, 59, 59), DT(2012, 3, 11, 0, 0)],
    [DT(2012, 2, 26, 0, 0), DT(2012, 3, 18, 0, 0)],
    [DT(2012, 2, 26, 1, 0), DT(2012, 3, 18, 0, 0)],
    [DT(2012, 3, 10, 23, 59, 59), DT(2012, 3, 25, 0, 0)],
    [DT(2012, 3, 11, 0, 0), DT(2012, 4, 1, 0, 0)],
    [DT(2012, 3, 11, 1, 0), DT(2012, 4, 1, 0, 0)],
    [DT(2012, 10, 20, 23, 59, 59), DT(2012, 11, 4, 0, 0)],
    [DT(2012, 10, 21, 0, 0), DT(2012, 11, 11, 0, 0)],
    [DT(2012, 10, 21, 1, 0), DT(2012, 11, 11, 0, 0)],
    [DT(2012, 11, 3, 23, 59, 59), DT(2012, 11, 18, 0, 0)],
    [DT(2012, 11, 4, 0, 0), DT(2012, 11, 25, 0, 0)],
    [DT(2012, 11, 4, 1, 0), DT(2012, 11, 25, 0, 0)],
  ]],
  [{ when: "W6", interval: 3, atTime: { hour: 12, minute: 0, second: 0 } }, [
    [DT(2012, 2, 18, 11, 59, 59), DT(2012, 3, 4, 12, 0)],
    [DT(2012, 2, 19, 12, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 2, 19, 13, 0), DT(2012, 3, 11, 12, 0)],
    [DT(2012, 3, 4, 11, 59, 59), DT(2012, 3, 18, 12, 0)],
    [DT(2012, 3, 4, 12, 0), DT(2012, 3, 25, 12, 0)],
    [DT(2012, 3, 4, 13, 0), DT(2012, 3, 25, 12, 0)],
    [DT(2012, 10, 14, 11, 59, 59), DT(2012, 10, 28, 12, 0)],
    [DT(2012, 10, 14, 12, 0), DT(2012, 11, 4, 12, 0)],
    [DT(2012, 10, 14, 13, 0), DT(2012, 11, 4, 12, 0)],
    [DT(2012, 10, 28, 11, 59, 59), DT(2012, 11, 11, 12, 0)],
    [DT(2012, 10, 28, 12, 0), DT(2012, 11, 18, 12, 0)],
    [DT(2012, 10, 28, 13, 0), DT(2012, 11, 18, 12, 0)],
  ]],
];

const TESTS: Record<string, Table> = {
  test_compute_rollover_MIDNIGHT_local: MIDNIGHT_LOCAL,
  test_compute_rollover_W6_local: W6_LOCAL,
  test_compute_rollover_MIDNIGHT_local_interval: MIDNIGHT_LOCAL_INTERVAL,
  test_compute_rollover_W6_local_interval: W6_LOCAL_INTERVAL,
};

/**
 * `datetime(...).timestamp()` of a naive datetime: CPython's `local_to_seconds`, which solves
 * `local(u) == t` with `localtime` and settles the repeated hour by `fold` and the skipped hour
 * by moving forward (fold 0) or back (fold 1).
 */
function timestamp(dt: DateTime): number {
  const local = (u: number) => u + localtime(u).tm_gmtoff;
  const t = Date.UTC(dt.y, dt.mo - 1, dt.d, dt.h, dt.mi, dt.s) / 1000;
  const a = local(t) - t;
  const u1 = t - a;
  const t1 = local(u1);
  let b: number;
  if (t1 === t) {
    // One solution; look for an earlier one (fold 0) or a later one (fold 1).
    const probe = dt.fold ? u1 + 24 * 3600 : u1 - 24 * 3600;
    b = local(probe) - probe;
    if (a === b) return u1;
  } else {
    b = t1 - u1;
  }
  const u2 = t - b;
  const t2 = local(u2);
  if (t2 === t) return u2;
  if (t1 === t) return u1;
  // Neither offset solves it: t is in the gap.
  return dt.fold ? Math.min(u1, u2) : Math.max(u1, u2);
}

interface Row {
  current: number;
  expected: number;
  actual: number;
}

/** The subprocess: runs one test's tables with the handler, in the `TZ` it was started with. */
async function worker(): Promise<void> {
  const { fn, name } = JSON.parse(await new Response(Deno.stdin.readable).text()) as {
    fn: string;
    name: string;
  };
  const rows: Row[] = [];
  for (const [options, cases] of TESTS[name]) {
    const fh = new TimedRotatingFileHandler(fn, { encoding: "utf-8", utc: false, ...options });
    for (const [current, expected] of cases) {
      const now = timestamp(current);
      rows.push({ current: now, expected: timestamp(expected), actual: fh.computeRollover(now) });
    }
    await fh.close();
  }
  console.log(JSON.stringify(rows));
}

interface FixtureRow {
  test: string;
  currentTs: number;
  expectedTs: number;
}

/** `datetime.timedelta`'s text, as CPython's failure message shows the difference. */
function timedelta(seconds: number): string {
  const days = Math.floor(seconds / 86400);
  const rest = seconds - days * 86400;
  const hms = `${Math.floor(rest / 3600)}:${
    String(Math.floor(rest % 3600 / 60)).padStart(2, "0")
  }:${String(rest % 60).padStart(2, "0")}`;
  return days === 0 ? hms : `${days} day${Math.abs(days) === 1 ? "" : "s"}, ${hms}`;
}

if (import.meta.main) {
  await worker();
} else {
  const fixture: FixtureRow[] = JSON.parse(
    await Deno.readTextFile(new URL("./fixtures/compute_rollover_tables.json", import.meta.url)),
  );

  /** Runs CPython's test `name` in a subprocess under `TZ`, as `run_with_tz` does. */
  const check = (name: string) =>
    withTempDir(async (dir) => {
      const rows = await runJson<Row[]>(
        Deno.execPath(),
        [
          "run",
          "--no-prompt",
          "--no-config",
          "--allow-env=TZ",
          `--allow-read=${dir}`,
          `--allow-write=${dir}`,
          import.meta.filename!,
        ],
        { fn: `${dir}/test_logging-2-tz.log`, name },
        { TZ },
      );
      assertEquals(rows.length, TESTS[name].reduce((n, [, cases]) => n + cases.length, 0));
      // self.assertEqual(diff, 0, datetime.timedelta(seconds=diff)) for every row.
      const wrong = rows.flatMap((r, i) => {
        const diff = r.actual - r.expected;
        return diff === 0 ? [] : [`row ${i}: off by ${timedelta(diff)}`];
      });
      assertEquals(wrong, []);
      // The timestamps are CPython's own for these datetimes under this TZ.
      const theirs = fixture.filter((f) => f.test === name);
      assertEquals(
        rows.map((r) => [r.current, r.expected]),
        theirs.map((f) => [f.currentTs, f.expectedTs]),
      );
    });

  Deno.test(
    "TimedRotatingFileHandlerTest.test_compute_rollover_MIDNIGHT_local: under a POSIX TZ rule, daily rollover (at midnight or atTime) lands on the right local time across both DST changes",
    () => check("test_compute_rollover_MIDNIGHT_local"),
  );
  Deno.test(
    "TimedRotatingFileHandlerTest.test_compute_rollover_W6_local: under a POSIX TZ rule, weekly rollover on Sundays lands on the right local time across both DST changes",
    () => check("test_compute_rollover_W6_local"),
  );
  Deno.test(
    "TimedRotatingFileHandlerTest.test_compute_rollover_MIDNIGHT_local_interval: under a POSIX TZ rule, every-third-day rollover stays on local midnight or atTime across DST changes",
    () => check("test_compute_rollover_MIDNIGHT_local_interval"),
  );
  Deno.test(
    "TimedRotatingFileHandlerTest.test_compute_rollover_W6_local_interval: under a POSIX TZ rule, every-third-Sunday rollover stays on local midnight or atTime across DST changes",
    () => check("test_compute_rollover_W6_local_interval"),
  );
}
