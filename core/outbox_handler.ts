/**
 * The `OutboxHandler` base class: the outbox lifecycle the network handlers share (pending,
 * dropped, flush, flushSync, close).
 *
 * @module
 */

import { Handler } from "./handler.ts";
import { checkOutboxOptions, Outbox, type OutboxOptions } from "./io/outbox.ts";
import { endingReason } from "./shutdown.ts";
import { setUnrefTimeout, type TimerId } from "./io/timer.ts";

/**
 * A handler that sends its records through an ordered, bounded {@linkcode Outbox}: `handle()`
 * never waits, one background pump calls {@linkcode OutboxHandler.deliver}. The base class
 * owns the outbox and its lifecycle: `pending` and `dropped`, `flush()` (waits for delivery),
 * `flushSync()` (reports at exit what could not be delivered) and `close()` (delivers what
 * waits for up to `closeTimeout` ms, then releases the connection). Subclasses implement
 * `deliver()` and may override `resetDelivery()` (after a failed delivery), `sendPending()`
 * (put a batch being gathered into the outbox; `scheduleSendPending()` calls it when the batch
 * is full or its delay is over) and `releaseDelivery()` (at close).
 *
 * @example
 * ```ts
 * import { type LogRecord, makeLogRecord, OutboxHandler } from "@x/loghandlers";
 * class Collect extends OutboxHandler {
 *   sent: string[] = [];
 *   override emit(record: LogRecord): void {
 *     this.outbox.push(new TextEncoder().encode(this.format(record)));
 *   }
 *   protected override deliver(batch: Uint8Array[]): Promise<void> {
 *     for (const bytes of batch) this.sent.push(new TextDecoder().decode(bytes));
 *     return Promise.resolve();
 *   }
 * }
 * const handler = new Collect({ maxRecords: 100 });
 * handler.handle(makeLogRecord({ name: "app", msg: "hello %s", args: ["world"] }));
 * await handler.close();
 * console.assert(handler.sent[0] === "hello world");
 * console.assert(handler.dropped === 0 && !handler.pending);
 * ```
 */
export abstract class OutboxHandler extends Handler {
  #outbox: Outbox;
  #batchTimer: TimerId | undefined;

  /**
   * Checks the outbox options and makes the outbox; subclasses check their own options before
   * calling `super()`, so that a refused configuration leaves no handler registered.
   *
   * @param options See {@linkcode OutboxOptions}.
   * @throws {RangeError} For a bound or back-off value that is not positive.
   */
  constructor(options: OutboxOptions = {}) {
    checkOutboxOptions(new.target.name, options);
    super();
    this.#outbox = new Outbox(
      { deliver: (b) => this.deliver(b), reset: (e) => this.resetDelivery(e) },
      options,
      (error) => this.handleError(null, error),
    );
  }

  /** The outbox the records wait in. */
  protected get outbox(): Outbox {
    return this.#outbox;
  }

  /** Records wait in the outbox for a delivery under way; the exit hooks wait for them. */
  override get pending(): boolean {
    return this.#outbox.pending;
  }

  /**
   * How long `close()` (and so `shutdown()` and the signal hooks) keeps trying to deliver, in
   * ms, before it drops what is left and reports how many.
   */
  get closeTimeout(): number {
    return this.#outbox.closeTimeout;
  }

  /** How many records the outbox has dropped in all (full, or undelivered at `close()`). */
  get dropped(): number {
    return this.#outbox.dropped;
  }

  /**
   * Delivers a batch (called by the outbox pump). Throws on failure; an error with a numeric
   * `delivered` property says that the first `delivered` records did go out.
   *
   * @param batch Prepared records, in order.
   * @returns A promise that resolves when the batch is delivered.
   */
  protected abstract deliver(batch: Uint8Array[]): Promise<void>;

  /**
   * Called after a failed delivery, before the back-off: drops the connection. Does nothing
   * by default.
   *
   * @param _error The failure.
   */
  protected resetDelivery(_error: unknown): void {}

  /**
   * Puts what the handler gathers for a batch into the outbox; called by `flush()`,
   * `flushSync()`, `close()` and {@linkcode OutboxHandler.scheduleSendPending}. Does nothing by
   * default.
   */
  protected sendPending(): void {}

  /**
   * For a batching handler, after a record joined the batch: sends the batch at once when it
   * is `full`, else within `delayMs` ms (on a timer that keeps no program alive).
   *
   * @param full Whether the batch holds as many records as it may.
   * @param delayMs How long the first record of a batch may wait.
   */
  protected scheduleSendPending(full: boolean, delayMs: number): void {
    if (full) {
      this.#sendPending();
    } else if (this.#batchTimer === undefined) {
      this.#batchTimer = setUnrefTimeout(() => {
        this.#batchTimer = undefined;
        this.sendPending();
      }, delayMs);
    }
  }

  #sendPending(): void {
    if (this.#batchTimer !== undefined) {
      clearTimeout(this.#batchTimer);
      this.#batchTimer = undefined;
    }
    this.sendPending();
  }

  /**
   * Releases the connection or client at `close()`, after the outbox is closed. By default,
   * what {@linkcode OutboxHandler.resetDelivery} does after a failure.
   *
   * @returns Nothing, or a promise that resolves when released.
   */
  protected releaseDelivery(): void | Promise<void> {
    this.resetDelivery(new Error("closed"));
  }

  /**
   * Sends what waits for a batch, then waits until every record handled before the call is
   * delivered or dropped (and the drops reported). While the peer is down that lasts as long as
   * the outage, retries included: to bound the wait, use `close()` (at most `closeTimeout`),
   * or race it with a timer.
   *
   * @returns A promise that never rejects.
   */
  override flush(): Promise<void> {
    this.#sendPending();
    return this.#outbox.flush();
  }

  /**
   * Puts a batch being gathered into the outbox. Called by the exit hooks (`Deno.exit()`, the
   * end of the program, an uncaught error), it also reports the records that could not be
   * delivered, as nothing can be sent any more.
   */
  override flushSync(): void {
    this.#sendPending();
    const ending = endingReason();
    if (ending !== null) this.#outbox.reportUndelivered(ending);
  }

  /**
   * Delivers what waits (for up to `closeTimeout` ms; what is left is dropped and reported),
   * then releases the connection. A record handled later connects again. Idempotent.
   *
   * @returns A promise that resolves when the handler is closed.
   */
  override async close(): Promise<void> {
    this.#sendPending();
    await this.#outbox.close();
    await this.releaseDelivery();
    await super.close();
  }
}
