/**
 * The outbox of the network handlers: prepared records wait here, in order and within bounds,
 * while one asynchronous pump delivers them, reconnecting with back-off after a failure.
 *
 * @module
 */

import { isPermissionDenial } from "./files.ts";
import {
  checkOption,
  describeValue,
  integer,
  number,
  oneOf,
  type OptionRules,
} from "../text/options.ts";
import { setUnrefTimeout, type TimerId } from "./timer.ts";

/** Bounds, back-off and batching of an {@linkcode Outbox}. */
export interface OutboxOptions {
  /**
   * The most records that may wait.
   *
   * @default {10000}
   */
  maxRecords?: number;
  /**
   * The most bytes that may wait.
   *
   * @default {8388608}
   */
  maxBytes?: number;
  /**
   * Which record to drop when the outbox is full: `"newest"` (the one being added) or
   * `"oldest"` (the longest-waiting one not being sent). Drops are counted in `dropped` and
   * reported through the handler's `handleError` with their number.
   *
   * @default {"newest"}
   */
  drop?: "newest" | "oldest";
  /**
   * Seconds to wait after the first failed delivery (Python's `retryStart`).
   *
   * @default {1}
   */
  retryStart?: number;
  /**
   * What each further failure multiplies the wait by (Python's `retryFactor`).
   *
   * @default {2}
   */
  retryFactor?: number;
  /**
   * The longest wait in seconds (Python's `retryMax`).
   *
   * @default {30}
   */
  retryMax?: number;
  /**
   * How long `close()` keeps trying to deliver, in ms, before it drops what is left (reported).
   *
   * @default {5000}
   */
  closeTimeout?: number;
  /**
   * The most bytes handed to one delivery (records are never split).
   *
   * @default {65536}
   */
  batchBytes?: number;
}

/** How an {@linkcode Outbox} sends: supplied by the handler that owns it. */
export interface Delivery {
  /**
   * Delivers `batch` in order. Throws on failure; an error with a numeric `delivered` property
   * says that the first `delivered` records did go out (they are not sent again); one with a
   * numeric `retryAfter` (seconds) asks for that wait before the retry instead of the back-off
   * (at most `retryMax`). A failure
   * that retrying cannot cure (a denied permission, or an error with `permanent: true`, found
   * also among its causes) is final: it is reported once and the records are dropped.
   */
  deliver(batch: Uint8Array[]): Promise<void>;
  /** Called after a failed delivery, before the back-off: drop the connection. */
  reset(error: unknown): void;
}

/** Drops are reported at most this often, with their number. */
const DROP_REPORT_INTERVAL_MS = 1000;
/** While `close()` runs, a failed delivery is tried again after this pause, not the back-off. */
const CLOSE_RETRY_MS = 50;

/**
 * Whether `error` (or one of its causes) is a failure that retrying cannot cure: a denied
 * permission, or an error marked `permanent: true`.
 */
function isPermanent(error: unknown): boolean {
  let e = error;
  for (let depth = 0; depth < 8 && e !== null && typeof e === "object"; depth++) {
    if (isPermissionDenial(e) || (e as { permanent?: unknown }).permanent === true) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** `value` when it is a number > 0; else a RangeError that names the setting. */
function positive(name: string, value: unknown, unit: string): number {
  if (typeof value === "number" && value > 0) return value;
  throw new RangeError(
    `Cannot set '${name}' as it must be a number > 0${unit}: current value is ${
      describeValue(value)
    }`,
  );
}

/** `"1 record was"`, `"3 records were"`: the start of the drop reports. */
function recordsWere(n: number): string {
  return n === 1 ? "1 record was" : `${n} records were`;
}

/** A `flush()` caller: resolved once `upTo` records are finished (or an attempt fails). */
interface Waiter {
  upTo: number;
  resolve: () => void;
}

/**
 * The rules of the {@linkcode OutboxOptions}, for a handler's own option check
 * (`checkOptions(owner, options, { ...OUTBOX_RULES, ...its own })` from `options.ts`).
 */
export const OUTBOX_RULES: OptionRules = Object.freeze({
  maxRecords: integer(1),
  maxBytes: integer(1),
  drop: oneOf(["newest", "oldest"]),
  retryStart: number(0, true, "seconds"),
  retryFactor: number(0, true),
  retryMax: number(0, true, "seconds"),
  closeTimeout: number(0, true, "ms"),
  batchBytes: integer(1),
});

/**
 * Checks outbox options, so that a handler can refuse bad ones before it is built (and
 * registered for the exit hooks). Other keys are not looked at: the handler checks its own.
 *
 * @param owner The handler's class name, for the error.
 * @param options The options.
 * @throws {TypeError} For a value of the wrong type, naming the option.
 * @throws {RangeError} For a value out of range, naming the option and its value.
 *
 * @example
 * ```ts
 * import { checkOutboxOptions } from "@x/loghandlers/extend";
 * checkOutboxOptions("MyHandler", { maxRecords: 100 });
 * try {
 *   checkOutboxOptions("MyHandler", { maxRecords: 0 });
 * } catch (e) {
 *   console.assert(e instanceof RangeError && e.message.includes("'maxRecords'"));
 * }
 * ```
 */
export function checkOutboxOptions(owner: string, options: OutboxOptions): void {
  if (typeof options !== "object" || options === null) return; // the handler says what is wrong
  for (const [key, rule] of Object.entries(OUTBOX_RULES)) {
    checkOption(owner, key, (options as Record<string, unknown>)[key], rule);
  }
}

/**
 * An ordered, bounded queue of prepared records with one delivery pump. `push` is synchronous
 * and never throws; delivery happens in the background, one batch at a time, in order. After a
 * failed delivery the outbox waits (`retryStart`, times `retryFactor` per further failure, at
 * most `retryMax` seconds, on a timer that keeps no program alive) and sends the failed records
 * again. While full, records are dropped by the `drop` policy, counted and reported.
 *
 * @example
 * ```ts
 * import { Outbox } from "@x/loghandlers";
 * const sent: string[] = [];
 * const outbox = new Outbox({
 *   deliver: async (batch) => {
 *     for (const bytes of batch) sent.push(new TextDecoder().decode(bytes));
 *   },
 *   reset: () => {},
 * }, {}, (error) => console.error(error));
 * outbox.push(new TextEncoder().encode("one"));
 * outbox.push(new TextEncoder().encode("two"));
 * await outbox.flush();
 * console.assert(sent.join() === "one,two");
 * ```
 */
export class Outbox {
  #delivery: Delivery;
  #report: (error: Error) => void;
  #maxRecords: number;
  #maxBytes: number;
  #dropOldest: boolean;
  #retryStart: number;
  #retryFactor: number;
  #retryMax: number;
  #closeTimeout: number;
  #batchBytes: number;
  /** Waiting records: `#queue[#head..]`; the first `#inFlight` of them are being delivered. */
  #queue: Uint8Array[] = [];
  #head = 0;
  #inFlight = 0;
  #bytes = 0;
  /** Records ever accepted, and records finished (delivered or given up). */
  #accepted = 0;
  #finished = 0;
  #dropped = 0;
  /** Drops not reported yet, when the last report was made, and the timer of the next one. */
  #dropStreak = 0;
  /** The final failure (a denied permission) after which every record is dropped, if any. */
  #denied: Error | null = null;
  #deniedStreak = 0;
  /** While `close()` runs: failed deliveries are tried again at once. */
  #closing = false;
  #dropReportedAt = -Infinity;
  #dropTimer: TimerId | undefined;
  #pump: Promise<void> | null = null;
  /** Back-off: the current wait in seconds (0 when the last delivery worked). */
  #retryDelay = 0;
  /** Back-off: when the next attempt is due, in ms since the epoch. */
  #retryAt = 0;
  #stalled = false;
  #timer: TimerId | undefined;
  #wake: (() => void) | null = null;
  #abandon = false;
  #waiters: Waiter[] = [];

  /**
   * Creates an empty outbox.
   *
   * @param delivery How to send.
   * @param options See {@linkcode OutboxOptions}.
   * @param report Receives failures and drop counts (the handler's `handleError`).
   * @throws {RangeError} For a bound or back-off value that is not positive.
   */
  constructor(delivery: Delivery, options: OutboxOptions, report: (error: Error) => void) {
    this.#delivery = delivery;
    this.#report = report;
    checkOutboxOptions("the outbox", options);
    this.#maxRecords = options.maxRecords ?? 10_000;
    this.#maxBytes = options.maxBytes ?? 8 * 1024 * 1024;
    this.#dropOldest = options.drop === "oldest";
    this.#retryStart = options.retryStart ?? 1;
    this.#retryFactor = options.retryFactor ?? 2;
    this.#retryMax = options.retryMax ?? 30;
    this.#closeTimeout = options.closeTimeout ?? 5000;
    this.#batchBytes = options.batchBytes ?? 65536;
  }

  /** How many records are waiting (including those being sent). */
  get length(): number {
    return this.#queue.length - this.#head;
  }

  /**
   * Whether records wait for a delivery that is under way or about to be; `false` while the
   * outbox backs off after a failure (so that a program whose peer is down can still end).
   */
  get pending(): boolean {
    return this.length > 0 && !this.#stalled;
  }

  /** How many records were dropped in all (full outbox, or given up at `close()`). */
  get dropped(): number {
    return this.#dropped;
  }

  /** How long `close()` keeps trying to deliver, in ms. */
  get closeTimeout(): number {
    return this.#closeTimeout;
  }

  /** The current back-off in seconds after failed deliveries, `0` when delivery works. */
  get retryDelay(): number {
    return this.#retryDelay;
  }

  /**
   * When the next delivery attempt is due after a failed one, in seconds since the epoch, or
   * `null` when the last delivery worked (Python's `retryTime`). It is set once per failure:
   * the time of the failure plus the back-off.
   */
  get retryTime(): number | null {
    return this.#retryDelay === 0 ? null : this.#retryAt / 1000;
  }

  /**
   * Seconds to wait after the failure that starts an outage (Python's `retryStart`). May be
   * changed: it applies from the next outage.
   *
   * @throws {RangeError} When set to anything but a number > 0.
   */
  get retryStart(): number {
    return this.#retryStart;
  }
  set retryStart(seconds: number) {
    this.#retryStart = positive("retryStart", seconds, " seconds");
  }

  /**
   * What each further failure multiplies the wait by (Python's `retryFactor`). May be changed:
   * it applies from the next failure.
   *
   * @throws {RangeError} When set to anything but a number > 0.
   */
  get retryFactor(): number {
    return this.#retryFactor;
  }
  set retryFactor(factor: number) {
    this.#retryFactor = positive("retryFactor", factor, "");
  }

  /**
   * The longest wait in seconds (Python's `retryMax`). May be changed: it applies from the
   * next failure.
   *
   * @throws {RangeError} When set to anything but a number > 0.
   */
  get retryMax(): number {
    return this.#retryMax;
  }
  set retryMax(seconds: number) {
    this.#retryMax = positive("retryMax", seconds, " seconds");
  }

  /**
   * Adds a record at the end. Synchronous; never throws.
   *
   * @param bytes The prepared record.
   * @returns `false` when the record was dropped because the outbox is full.
   */
  push(bytes: Uint8Array): boolean {
    if (this.#denied !== null) {
      // Delivery is not allowed: counted, and reported at flush(), close() and exit.
      this.#dropped++;
      this.#deniedStreak++;
      return false;
    }
    if (this.length + 1 > this.#maxRecords || this.#bytes + bytes.length > this.#maxBytes) {
      if (!this.#dropOldest || !this.#dropOldestFor(bytes.length)) {
        this.#noteDrops(1);
        return false;
      }
    } else if (this.#dropStreak > 0) {
      this.#streakEnded();
    }
    this.#queue.push(bytes);
    this.#bytes += bytes.length;
    this.#accepted++;
    // Started in a microtask: the records pushed by the same run of the program (a burst of
    // logging calls) go out together in the first batch.
    this.#pump ??= Promise.resolve().then(() => this.#run());
    return true;
  }

  /** Drops the oldest records not being sent until `size` more bytes fit; false if they can't. */
  #dropOldestFor(size: number): boolean {
    const first = this.#head + this.#inFlight;
    let n = 0;
    let freed = 0;
    while (
      first + n < this.#queue.length &&
      (this.length - n + 1 > this.#maxRecords || this.#bytes - freed + size > this.#maxBytes)
    ) {
      freed += this.#queue[first + n].length;
      n++;
    }
    if (this.length - n + 1 > this.#maxRecords || this.#bytes - freed + size > this.#maxBytes) {
      return false;
    }
    this.#queue.splice(first, n);
    this.#bytes -= freed;
    this.#finished += n;
    this.#noteDrops(n);
    return true;
  }

  /**
   * Counts `n` records dropped because the outbox is full. They are reported in aggregate: when
   * the streak of drops ends, but at most once a second (a timer that keeps no program alive
   * reports the rest), and at `flush()`, `close()` and exit.
   */
  #noteDrops(n: number): void {
    this.#dropped += n;
    this.#dropStreak += n;
    this.#dropTimer ??= setUnrefTimeout(() => {
      this.#dropTimer = undefined;
      if (this.#dropStreak > 0) this.#reportDrops();
    }, DROP_REPORT_INTERVAL_MS);
  }

  /** A record was accepted without a drop: report the streak now, unless one was just reported. */
  #streakEnded(): void {
    if (Date.now() - this.#dropReportedAt >= DROP_REPORT_INTERVAL_MS) this.#reportDrops();
  }

  #reportDrops(): void {
    const denied = this.#deniedStreak;
    if (denied > 0) {
      this.#deniedStreak = 0;
      this.#report(
        new Error(
          `${recordsWere(denied)} dropped because delivery is ` +
            `refused for good (${this.#denied?.name ?? "Error"}, reported once before)`,
        ),
      );
    }
    const n = this.#dropStreak;
    if (n === 0) return;
    this.#dropStreak = 0;
    this.#dropReportedAt = Date.now();
    if (this.#dropTimer !== undefined) {
      clearTimeout(this.#dropTimer);
      this.#dropTimer = undefined;
    }
    this.#report(
      new Error(
        `${recordsWere(n)} dropped because the outbox was full ` +
          `(at most ${this.#maxRecords} records and ${this.#maxBytes} bytes wait); ` +
          `raise maxRecords/maxBytes or check why delivery is slow`,
      ),
    );
  }

  /** Removes the first `n` records, which are done (delivered or given up). */
  #finish(n: number): void {
    for (let i = 0; i < n; i++) this.#bytes -= this.#queue[this.#head + i].length;
    this.#head += n;
    this.#finished += n;
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#head);
      this.#head = 0;
    }
    this.#settleWaiters(false);
  }

  #settleWaiters(all: boolean): void {
    if (this.#waiters.length === 0) return;
    const keep: Waiter[] = [];
    for (const w of this.#waiters) {
      if (all || this.#finished >= w.upTo) w.resolve();
      else keep.push(w);
    }
    this.#waiters = keep;
  }

  #takeBatch(): Uint8Array[] {
    const batch: Uint8Array[] = [];
    let size = 0;
    for (let i = this.#head; i < this.#queue.length; i++) {
      const item = this.#queue[i];
      if (batch.length > 0 && size + item.length > this.#batchBytes) break;
      batch.push(item);
      size += item.length;
    }
    return batch;
  }

  async #run(): Promise<void> {
    try {
      while (this.length > 0 && !this.#abandon) {
        const batch = this.#takeBatch();
        this.#inFlight = batch.length;
        try {
          await this.#delivery.deliver(batch);
          this.#inFlight = 0;
          this.#finish(batch.length);
          if (this.#retryDelay !== 0) this.#retryDelay = 0;
          this.#stalled = false;
        } catch (error) {
          const delivered = (error as { delivered?: unknown } | null)?.delivered;
          this.#inFlight = 0;
          if (typeof delivered === "number" && delivered > 0) {
            this.#finish(Math.min(delivered, batch.length));
          }
          try {
            this.#delivery.reset(error);
          } catch {
            // nothing more to release
          }
          if (this.#abandon) break;
          if (isPermanent(error)) {
            // Final: reported once; what waits, and every record pushed from now on, is dropped
            // and counted.
            this.#denied = error instanceof Error ? error : new Error(String(error));
            this.#report(this.#denied);
            const n = this.length;
            this.#dropped += n;
            this.#deniedStreak += n;
            this.#finish(n);
            this.#reportDrops();
            break;
          }
          // The first failure of an outage is reported; the retries are not, until it ends.
          if (this.#retryDelay === 0) {
            this.#report(error instanceof Error ? error : new Error(String(error)));
          }
          this.#retryDelay = this.#retryDelay === 0
            ? this.#retryStart
            : Math.min(this.#retryDelay * this.#retryFactor, this.#retryMax);
          this.#stalled = true;
          const wait = this.#closing ? CLOSE_RETRY_MS : this.#waitAfter(error);
          this.#retryAt = Date.now() + wait;
          await this.#sleep(wait);
          this.#stalled = false;
        }
      }
    } finally {
      this.#pump = null;
      this.#settleWaiters(true);
    }
  }

  /**
   * How long to wait after a failed delivery, in ms: the back-off, or what the peer asked for
   * (an error's `retryAfter`, in seconds, such as an HTTP `Retry-After`), at most `retryMax`.
   */
  #waitAfter(error: unknown): number {
    const after = (error as { retryAfter?: unknown } | null)?.retryAfter;
    if (typeof after === "number" && after >= 0) {
      return Math.max(Math.min(after, this.#retryMax) * 1000, CLOSE_RETRY_MS);
    }
    return this.#retryDelay * 1000;
  }

  /**
   * The back-off. Its timer keeps no program alive, unless someone awaits `flush()`: then the
   * program waits for the retry, as the caller asked.
   */
  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        clearTimeout(this.#timer);
        this.#timer = undefined;
        this.#wake = null;
        resolve();
      };
      this.#timer = this.#waiters.length > 0
        ? setTimeout(() => this.#wake?.(), ms)
        : setUnrefTimeout(() => this.#wake?.(), ms);
    });
  }

  /**
   * Waits until every record pushed before the call is delivered or dropped (and the drops
   * reported). While the peer is down that is as long as the outage lasts, retries included;
   * `close()` bounds the wait by `closeTimeout`.
   *
   * @returns A promise that never rejects.
   */
  flush(): Promise<void> {
    this.#reportDrops();
    if (this.length === 0 && this.#pump === null) return Promise.resolve();
    if (this.#timer !== undefined && typeof Deno === "object") {
      Deno.refTimer(this.#timer as unknown as number); // backing off: the caller waits for it
    }
    return new Promise((resolve) => this.#waiters.push({ upTo: this.#accepted, resolve }));
  }

  /**
   * Tries to deliver everything for up to `closeTimeout` ms (retrying at once rather than after
   * the back-off), then drops what is left and reports how many. Records pushed afterwards are
   * delivered again as usual. Idempotent.
   *
   * @returns A promise that resolves when the outbox is empty.
   */
  async close(): Promise<void> {
    if (this.length > 0) {
      this.#closing = true;
      this.#wake?.();
      this.#pump ??= this.#run();
      let timer: TimerId | undefined;
      await Promise.race([
        this.flush(),
        new Promise<void>((resolve) => timer = setTimeout(resolve, this.#closeTimeout)),
      ]);
      clearTimeout(timer);
      this.#closing = false;
    }
    if (this.length > 0) {
      this.#abandon = true;
      this.#wake?.();
      try {
        this.#delivery.reset(new Error("closed"));
      } catch {
        // nothing more to release
      }
      await this.#pump;
      this.#abandon = false;
      // Counted after the pump has stopped: a batch in flight may still have gone out.
      const lost = this.length;
      this.#dropped += lost;
      this.#finish(lost);
      this.#reportDrops();
      if (lost > 0) {
        this.#report(
          new Error(
            `${recordsWere(lost)} not delivered within closeTimeout ` +
              `(${this.#closeTimeout} ms) and ${lost === 1 ? "was" : "were"} dropped`,
          ),
        );
      }
    }
    this.#reportDrops();
    this.#retryDelay = 0;
    this.#stalled = false;
  }

  /**
   * Reports, synchronously, the drops not reported yet and how many records are still waiting:
   * the exit hooks' last word, when nothing can be sent any more.
   *
   * @param when How the program is ending, for the message: `"at exit"` by default.
   */
  reportUndelivered(when = "at exit"): void {
    this.#reportDrops();
    const n = this.length;
    if (n === 0) return;
    this.#report(
      new Error(`${recordsWere(n)} still waiting for delivery ${when}`),
    );
  }
}
