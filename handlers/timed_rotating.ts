/**
 * `TimedRotatingFileHandler`: log files rotated at times of day or at fixed intervals, with
 * Python's schedule, names and clean-up.
 *
 * This is the `@x/loghandlers/timed_rotating` entry point (also re-exported by `@x/loghandlers`).
 * Requires `--allow-read` and `--allow-write` for the log file's folder.
 *
 * @module
 */

import { removeFile, statOrNull } from "../core/io/files.ts";
import type { LogRecord } from "../core/record.ts";
import { setUnrefTimeout, type TimerId } from "../core/io/timer.ts";
import { compileStrftime, gmtime, localtime, type TimeStruct } from "../core/text/strftime.ts";
import { any, boolean, type OptionRules } from "../core/text/options.ts";
import { BASE_ROTATING_RULES, checkFileOptions } from "../core/file_options.ts";
import { BaseRotatingHandler, type BaseRotatingHandlerOptions } from "./rotating.ts";

/** A time of day for `atTime`. */
export interface AtTime {
  /** 0-23. */
  hour: number;
  /** 0-59. @default {0} */
  minute?: number;
  /** 0-59. @default {0} */
  second?: number;
}

/** The values of `when` as Python's documentation spells them; see {@linkcode When}. */
export type WhenUnit =
  | "S"
  | "M"
  | "H"
  | "D"
  | "MIDNIGHT"
  | "W0"
  | "W1"
  | "W2"
  | "W3"
  | "W4"
  | "W5"
  | "W6";

/**
 * When a {@linkcode TimedRotatingFileHandler} rolls over: seconds, minutes, hours, days,
 * midnight, or a weekday (`W0` is Monday), in upper, lower or capitalised case (Python accepts
 * any case, and so does the run-time check).
 *
 * @example
 * ```ts
 * import type { When } from "@x/loghandlers";
 * const daily: When = "midnight";
 * console.assert(daily.toUpperCase() === "MIDNIGHT");
 * ```
 */
export type When = WhenUnit | Lowercase<WhenUnit> | Capitalize<Lowercase<WhenUnit>>;

/** Options of {@linkcode TimedRotatingFileHandler}. */
export interface TimedRotatingFileHandlerOptions extends BaseRotatingHandlerOptions {
  /**
   * The unit of the schedule, in any case: `S` seconds, `M` minutes, `H` hours, `D` days,
   * `MIDNIGHT` at midnight (or at `atTime`), `W0`-`W6` weekly on that day (0 is Monday) at
   * midnight (or at `atTime`).
   *
   * @default {"h"}
   */
  when?: When;
  /**
   * How many units between rollovers; for `MIDNIGHT` and weekly rollover, how many days or
   * weeks.
   *
   * @default {1}
   */
  interval?: number;
  /**
   * How many rotated files to keep (the oldest beyond it are deleted at each rollover);
   * `0` keeps them all.
   *
   * @default {0}
   */
  backupCount?: number;
  /**
   * Use UTC instead of local time for the schedule and the file names.
   *
   * @default {false}
   */
  utc?: boolean;
  /**
   * The time of day of a `MIDNIGHT` or weekly rollover: `{ hour, minute, second }` or
   * `"HH:MM"` / `"HH:MM:SS"`. Ignored by the other units, as in Python.
   *
   * @default {null}
   */
  atTime?: AtTime | string | null;
  /**
   * Also roll over on a timer, so a quiet process still rotates at midnight. The timer does
   * not keep the process alive. A file that is empty when the timer fires is not rotated (the
   * schedule moves on).
   *
   * @default {false}
   */
  timer?: boolean;
}

const MIDNIGHT = 24 * 60 * 60;
const WHENS = "S, M, H, D, MIDNIGHT, W0-W6";
const UNITS: Record<string, { seconds: number; suffix: string; ext: string }> = {
  S: {
    seconds: 1,
    suffix: "%Y-%m-%d_%H-%M-%S",
    ext: String.raw`\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}`,
  },
  M: { seconds: 60, suffix: "%Y-%m-%d_%H-%M", ext: String.raw`\d{4}-\d{2}-\d{2}_\d{2}-\d{2}` },
  H: { seconds: 3600, suffix: "%Y-%m-%d_%H", ext: String.raw`\d{4}-\d{2}-\d{2}_\d{2}` },
  D: { seconds: MIDNIGHT, suffix: "%Y-%m-%d", ext: String.raw`\d{4}-\d{2}-\d{2}` },
  MIDNIGHT: { seconds: MIDNIGHT, suffix: "%Y-%m-%d", ext: String.raw`\d{4}-\d{2}-\d{2}` },
  W: { seconds: 7 * MIDNIGHT, suffix: "%Y-%m-%d", ext: String.raw`\d{4}-\d{2}-\d{2}` },
};

function fail(option: string, rule: string, value: unknown): never {
  const shown = typeof value === "string" ? `'${value}'` : JSON.stringify(value) ?? String(value);
  throw new RangeError(
    `Cannot create TimedRotatingFileHandler as '${option}' ${rule}: current value is ${shown}`,
  );
}

function parseAtTime(value: AtTime | string): Required<AtTime> {
  let parts: number[];
  if (typeof value === "string") {
    const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(value);
    if (m === null) fail("atTime", 'must be "HH:MM" or "HH:MM:SS"', value);
    parts = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  } else if (typeof value === "object" && value !== null) {
    parts = [value.hour, value.minute ?? 0, value.second ?? 0];
  } else {
    fail("atTime", 'must be { hour, minute?, second? } or "HH:MM[:SS]"', value);
  }
  const [hour, minute, second] = parts;
  if (
    !Number.isInteger(hour) || hour < 0 || hour > 23 || !Number.isInteger(minute) ||
    minute < 0 || minute > 59 || !Number.isInteger(second) || second < 0 || second > 59
  ) {
    fail("atTime", "must have hour 0-23, minute 0-59 and second 0-59", value);
  }
  return { hour, minute, second };
}

/**
 * Python's `logging.handlers.TimedRotatingFileHandler`: rotates `app.log` to
 * `app.log.2024-05-01` (the suffix names the start of the period) on a schedule given by
 * `when` and `interval`, and keeps `backupCount` rotated files. The first rollover is computed
 * from the file's modification time when it exists. Daylight saving changes are corrected for
 * as in CPython.
 *
 * Unlike CPython, when the rotated name already exists the file is not overwritten but the
 * schedule still moves on and the live file is reopened (CPython gh-130108 keeps writing into
 * the rotated file). Beyond Python, each opt-in: `timer`, `lock` (several processes share the
 * file and its schedule), `compress: "gzip"`, `maxAge`; `now` injects the clock.
 *
 * Requires `--allow-read` and `--allow-write` for the log file's folder (with `lock`,
 * `<file>.lock` is in it too). The constructor checks them, with `delay` too, and refuses at
 * once with the flags to add. A rollover refused later is reported once, rotation (and the
 * `timer`) stops, and the records go on into the live file.
 *
 * @example
 * ```ts
 * import { makeLogRecord, TimedRotatingFileHandler } from "@x/loghandlers";
 * const dir = await Deno.makeTempDir();
 * let clock = Date.UTC(2024, 4, 1, 23, 59, 0) / 1000;
 * {
 *   using h = new TimedRotatingFileHandler(`${dir}/app.log`, {
 *     when: "midnight",
 *     utc: true,
 *     delay: true, // no file yet: the schedule starts from the clock, not from the file's mtime
 *     now: () => clock,
 *   });
 *   h.handle(makeLogRecord({ msg: "last of May 1st" }));
 *   clock += 120;
 *   h.handle(makeLogRecord({ msg: "first of May 2nd" }));
 * }
 * console.assert(Deno.readTextFileSync(`${dir}/app.log.2024-05-01`) === "last of May 1st\n");
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "first of May 2nd\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class TimedRotatingFileHandler extends BaseRotatingHandler {
  /** The options this class accepts: {@linkcode TimedRotatingFileHandlerOptions}. */
  static override readonly optionRules: OptionRules = Object.freeze({
    ...BASE_ROTATING_RULES,
    when: any(), // checked below, case-insensitive, with Python's words
    interval: any(),
    backupCount: any(),
    utc: boolean(),
    atTime: any(),
    timer: boolean(),
  });
  /** An example options object for the error a non-object gets. */
  static override readonly optionExample: string = `{ when: "midnight", backupCount: 7 }`;
  /** The unit, upper case: `S`, `M`, `H`, `D`, `MIDNIGHT` or `W0`-`W6`. */
  readonly when: string;
  /** Seconds between rollovers (the unit times the `interval` option), as in Python. */
  readonly interval: number;
  /** How many rotated files are kept; `0` keeps all. */
  backupCount: number;
  /** Whether the schedule and names use UTC. */
  readonly utc: boolean;
  /** The time of day of `MIDNIGHT` and weekly rollovers, or `null` for midnight. */
  readonly atTime: Required<AtTime> | null;
  /** For weekly rollover, the day (0 is Monday). */
  readonly dayOfWeek: number | null;
  /** The strftime format appended to rotated names; set `extMatch` to match when changing it. */
  suffix: string;
  /** Finds a `suffix` in a file name; `getFilesToDelete` uses it. */
  extMatch: RegExp;
  /** The next rollover time, in seconds since the epoch. */
  rolloverAt: number;
  #timerWanted: boolean;
  #timerId: TimerId | undefined;
  #suffixFn: ((tm: TimeStruct) => string) | null = null;
  #suffixFormat = "";

  /**
   * Opens (or, with `delay`, prepares to open) the log file and computes the first rollover.
   *
   * @param filename The file's path or `file:` URL.
   * @param options See {@linkcode TimedRotatingFileHandlerOptions}.
   * @throws {RangeError} For an invalid `when` (naming the valid ones), `W7`, a bad `atTime`,
   *   `interval` or `backupCount`, or another invalid option.
   * @throws {Deno.errors.NotCapable} When Deno does not grant the access the handler needs
   *   (with `delay` too), naming the flags to add.
   * @throws {Error} When the file cannot be opened (without `delay`), saying what to change.
   */
  constructor(filename: string | URL, options: TimedRotatingFileHandlerOptions = {}) {
    checkFileOptions(new.target, options);
    const whenOption = options.when ?? "h";
    if (typeof whenOption !== "string") fail("when", `must be one of ${WHENS}`, whenOption);
    const when = whenOption.toUpperCase();
    let unit = when.startsWith("W") || !Object.hasOwn(UNITS, when) ? undefined : UNITS[when];
    let dayOfWeek: number | null = null;
    if (when.startsWith("W")) {
      if (when.length !== 2 || when[1] < "0" || when[1] > "6") {
        fail("when", "must be W0 to W6 for weekly rollover (W0 is Monday)", whenOption);
      }
      dayOfWeek = Number(when[1]);
      unit = UNITS.W;
    }
    if (unit === undefined) fail("when", `must be one of ${WHENS} (in any case)`, whenOption);
    const interval = options.interval ?? 1;
    if (!Number.isInteger(interval) || interval < 1) {
      fail("interval", "must be an integer >= 1", interval);
    }
    const backupCount = options.backupCount ?? 0;
    if (!Number.isInteger(backupCount) || backupCount < 0) {
      fail("backupCount", "must be an integer >= 0", backupCount);
    }
    const atTime = options.atTime == null ? null : parseAtTime(options.atTime);
    super(filename, { ...options, mode: "a" });
    this.when = when;
    this.dayOfWeek = dayOfWeek;
    this.interval = unit.seconds * interval;
    this.backupCount = backupCount;
    this.utc = options.utc ?? false;
    this.atTime = atTime;
    this.suffix = unit.suffix;
    this.extMatch = new RegExp(String.raw`(?<!\d)${unit.ext}(?!\d)`);
    this.#timerWanted = options.timer ?? false;
    const info = statOrNull(this.baseFilename);
    const start = info?.mtime ? Math.floor(info.mtime.getTime() / 1000) : Math.floor(this.now());
    this.rolloverAt = this.computeRollover(start);
    if (this.lock) {
      // Join the schedule of the processes already writing this file.
      this.withLock(() => this.#adoptSharedSchedule(Math.floor(this.now())));
    }
    if (this.#timerWanted) this.#schedule();
  }

  /**
   * Python's `computeRollover`: the first rollover time after `currentTime`, with CPython's
   * rules for `MIDNIGHT`, weekly rollover, `atTime`, `interval` and daylight saving changes.
   *
   * @param currentTime Seconds since the epoch (Python passes whole seconds).
   * @returns The rollover time, in seconds since the epoch.
   *
   * @example
   * ```ts
   * import { TimedRotatingFileHandler } from "@x/loghandlers";
   * const dir = await Deno.makeTempDir();
   * using h = new TimedRotatingFileHandler(`${dir}/app.log`, {
   *   when: "midnight",
   *   utc: true,
   *   delay: true,
   * });
   * const noon = Date.UTC(2024, 0, 1, 12) / 1000;
   * console.assert(h.computeRollover(noon) === Date.UTC(2024, 0, 2) / 1000);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  computeRollover(currentTime: number): number {
    let result = currentTime + this.interval;
    if (this.when !== "MIDNIGHT" && this.dayOfWeek === null) return result;
    const t = this.utc ? gmtime(currentTime) : localtime(currentTime);
    let currentDay = t.tm_wday;
    const rotateAt = this.atTime === null
      ? MIDNIGHT
      : (this.atTime.hour * 60 + this.atTime.minute) * 60 + this.atTime.second;
    let r = rotateAt - ((t.tm_hour * 60 + t.tm_min) * 60 + t.tm_sec);
    if (r <= 0) {
      // The time of day has passed: the rollover is tomorrow.
      r += MIDNIGHT;
      currentDay = (currentDay + 1) % 7;
    }
    result = currentTime + r;
    if (this.dayOfWeek !== null) {
      const day = currentDay;
      if (day !== this.dayOfWeek) {
        const daysToWait = day < this.dayOfWeek
          ? this.dayOfWeek - day
          : 6 - day + this.dayOfWeek + 1;
        result += daysToWait * MIDNIGHT;
      }
      result += this.interval - MIDNIGHT * 7;
    } else {
      result += this.interval - MIDNIGHT;
    }
    if (!this.utc) {
      const dstNow = t.tm_isdst;
      const dstAtRollover = localtime(result).tm_isdst;
      if (dstNow !== dstAtRollover) {
        let addend: number;
        if (!(dstNow > 0)) {
          // Daylight saving time starts before the rollover: deduct an hour.
          addend = localtime(result - 3600).tm_isdst > 0 ? -3600 : 0;
        } else {
          // Daylight saving time ends before the rollover: add an hour.
          addend = 3600;
        }
        result += addend;
      }
    }
    return result;
  }

  /**
   * Whether the rollover time has come (by the handler's clock). When it has but the file is
   * not a regular file, the schedule moves on and the answer is `false`, as in CPython.
   *
   * @param _record Not used; the check is by time.
   * @returns `true` when the file should be rotated first.
   */
  override shouldRollover(_record: LogRecord | null, _size?: number): boolean {
    const t = Math.floor(this.now());
    if (t < this.rolloverAt) return false;
    const info = statOrNull(this.baseFilename);
    if (info !== null && !info.isFile) {
      this.rolloverAt = this.computeRollover(t);
      return false;
    }
    return true;
  }

  /**
   * With `lock`: reopens the file when another process rotated it and, when a rollover looks
   * due, takes the later schedule another process has written.
   */
  override syncWithOthers(): void {
    super.syncWithOthers();
    const t = Math.floor(this.now());
    if (t >= this.rolloverAt) this.#adoptSharedSchedule(t);
  }

  #adoptSharedSchedule(t: number): void {
    const shared = Number(this.readSharedState());
    if (Number.isFinite(shared) && shared > this.rolloverAt && shared > t - this.interval) {
      this.rolloverAt = shared;
    }
  }

  /**
   * The rotated files `getFilesToDelete` considers: every file in the folder whose name this
   * handler could have produced (CPython 3.13's matching, `namer` round trip included).
   *
   * @returns Full paths, in directory order.
   */
  rotatedFiles(): string[] {
    const base = this.baseFilename;
    const cut = Math.max(base.lastIndexOf("/"), base.lastIndexOf("\\"));
    const dirName = base.slice(0, cut);
    const baseName = base.slice(cut + 1);
    const sep = base[cut];
    const result: string[] = [];
    const fullMatch = new RegExp(`^(?:${this.extMatch.source})$`, this.extMatch.flags);
    const search = new RegExp(this.extMatch.source, this.extMatch.flags.replace("g", "") + "g");
    const gz = this.compress === "gzip";
    const prefix = `${baseName}.`;
    for (const entry of Deno.readDirSync(dirName || sep)) {
      // A file still being compressed counts under the name it will have.
      const fileName = gz && entry.name.endsWith(".gz.raw") ? entry.name.slice(0, -4) : entry.name;
      if (typeof this.namer !== "function") {
        if (!fileName.startsWith(prefix)) continue;
        let suffix = fileName.slice(prefix.length);
        if (gz) {
          if (!suffix.endsWith(".gz")) continue;
          suffix = suffix.slice(0, -3);
        }
        if (fullMatch.test(suffix)) result.push(`${dirName}${sep}${entry.name}`);
        continue;
      }
      // After custom naming the suffix may be anywhere: find it, and check that this handler
      // would produce exactly this name from it.
      search.lastIndex = 0;
      let m = search.exec(fileName);
      while (m !== null) {
        const dfn = this.rotationFilename(`${base}.${m[0]}`);
        const dcut = Math.max(dfn.lastIndexOf("/"), dfn.lastIndexOf("\\"));
        if (dfn.slice(dcut + 1) === fileName) {
          result.push(`${dirName}${sep}${entry.name}`);
          break;
        }
        search.lastIndex = m.index + 1;
        m = search.exec(fileName);
      }
    }
    return result;
  }

  /**
   * Python's `getFilesToDelete` (CPython 3.13): the oldest rotated files beyond `backupCount`,
   * sorted by name.
   *
   * @returns Full paths of the files to delete; empty when there are `backupCount` or fewer.
   *
   * @example
   * ```ts
   * import { TimedRotatingFileHandler } from "@x/loghandlers";
   * const dir = await Deno.makeTempDir();
   * for (const day of ["01", "02", "03"]) Deno.writeTextFileSync(`${dir}/app.log.2024-05-${day}`, "");
   * Deno.writeTextFileSync(`${dir}/app.log.notes`, "");
   * using h = new TimedRotatingFileHandler(`${dir}/app.log`, { when: "D", backupCount: 2 });
   * console.assert(h.getFilesToDelete().join() === `${dir}/app.log.2024-05-01`);
   * await Deno.remove(dir, { recursive: true });
   * ```
   */
  getFilesToDelete(): string[] {
    const result = this.rotatedFiles();
    if (result.length < this.backupCount) return [];
    result.sort((a, b) => a < b ? -1 : a > b ? 1 : 0);
    return result.slice(0, result.length - this.backupCount);
  }

  /**
   * Rotates `app.log` to `app.log.<suffix>` (the suffix names the start of the period that
   * ends), deletes files beyond `backupCount` (and older than `maxAge`), reopens the file unless
   * `delay` is set, and computes the next rollover time. When the rotated name already exists,
   * nothing is overwritten: the schedule moves on and the live file is reopened.
   */
  override doRollover(): void {
    const currentTime = Math.floor(this.now());
    const t = this.rolloverAt - this.interval;
    let timeTuple: TimeStruct;
    if (this.utc) {
      timeTuple = gmtime(t);
    } else {
      timeTuple = localtime(t);
      const dstNow = localtime(currentTime).tm_isdst;
      if (dstNow !== timeTuple.tm_isdst) {
        timeTuple = localtime(t + (dstNow > 0 ? 3600 : -3600));
      }
    }
    const dfn = this.rotationFilename(`${this.baseFilename}.${this.#formatSuffix(timeTuple)}`);
    if (this.compress === "gzip") {
      // Complete what a compression that never finished left (a .raw file under dfn's name
      // included), so that dfn is never renamed onto and every rotated file is counted.
      const rotated = this.rotatedFiles().map((f) => f.endsWith(".raw") ? f.slice(0, -4) : f);
      this.finishCompressionSync([dfn, ...rotated]);
    }
    if (statOrNull(dfn) !== null) {
      // Already rotated (by another process, or by an earlier run): keep that file, move on.
      this.rolloverAt = this.computeRollover(currentTime);
      this.writeSharedState(String(this.rolloverAt));
      if (this.stream !== null) this.reopen();
      return;
    }
    this.closeStream();
    this.rotate(this.baseFilename, dfn);
    if (this.backupCount > 0) {
      for (const s of this.getFilesToDelete()) removeFile(s);
    }
    if (this.maxAge > 0) this.deleteExpired(this.rotatedFiles());
    if (!this.delay) this.ensureStream();
    this.rolloverAt = this.computeRollover(currentTime);
    this.writeSharedState(String(this.rolloverAt));
  }

  #formatSuffix(tm: TimeStruct): string {
    if (this.#suffixFn === null || this.#suffixFormat !== this.suffix) {
      this.#suffixFormat = this.suffix;
      this.#suffixFn = compileStrftime(this.suffix);
    }
    return this.#suffixFn(tm);
  }

  /**
   * Formats and writes the record, rolling over first when the time has come; restarts the
   * `timer` after a close.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    if (this.#timerWanted && this.#timerId === undefined && this.rotationDenied === null) {
      this.#schedule();
    }
    super.emit(record);
  }

  #schedule(): void {
    const ms = Math.max((this.rolloverAt - this.now()) * 1000, 0) + 5;
    this.#timerId = setUnrefTimeout(() => this.#onTimer(), ms);
  }

  #onTimer(): void {
    this.#timerId = undefined;
    try {
      this.withLock(() => {
        if (this.lock) this.syncWithOthers();
        if (!this.shouldRollover(null)) return;
        if ((statOrNull(this.baseFilename)?.size ?? 0) > 0) {
          this.tryRollover();
        } else {
          this.rolloverAt = this.computeRollover(Math.floor(this.now()));
          this.writeSharedState(String(this.rolloverAt));
        }
      });
    } catch (error) {
      this.handleError(null, error);
    }
    // Rotation refused for good: no timer that would fire again at once.
    if (this.rotationDenied === null) this.#schedule();
  }

  /** Stops the timer and closes the file (and the lock file), synchronously. Idempotent. */
  override closeSync(): void {
    if (this.#timerId !== undefined) {
      clearTimeout(this.#timerId);
      this.#timerId = undefined;
    }
    super.closeSync();
  }
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type SyncWriter } from "../core/io/files.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type ErrorPolicy } from "../core/text/encoding.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
export { FileHandler, type FileHandlerOptions, type FileMode } from "./file.ts";
export { BaseRotatingHandler, type BaseRotatingHandlerOptions } from "./rotating.ts";
export { type LogStream, StreamHandler, type TextWriter } from "./stream.ts";
