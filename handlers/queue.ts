/**
 * `QueueHandler` and `QueueListener`: records handed over through a queue, to be handled
 * later, elsewhere in the program or in a Web Worker (Python's "separate thread"). Works on
 * Deno Deploy with {@linkcode AsyncQueue}.
 *
 * This is the `@x/loghandlers/queue` entry point (also re-exported by `@x/loghandlers`). Needs no
 * permission of its own (the listener's handlers need theirs; a Worker needs what its module
 * does).
 *
 * @module
 */

import { Handler } from "../core/handler.ts";
import {
  boolean,
  checkOptions,
  describeValue,
  object,
  type OptionRules,
} from "../core/text/options.ts";
import {
  AsyncQueue,
  type LogQueue,
  type LogQueueWriter,
  QueueEmpty,
  QueueFull,
} from "../core/io/queues.ts";
import { type MessageEndpoint, WorkerQueue, WorkerQueueReader } from "../core/worker_queue.ts";
import type { LogRecord } from "../core/record.ts";
import { endingReason, flushWithin, runExitHooksSync } from "../core/shutdown.ts";
import { bumpConfigGeneration } from "../core/settings.ts";

export { AsyncQueue, QueueEmpty, QueueFull, WorkerQueue, WorkerQueueReader };
export type { LogQueue, LogQueueWriter, MessageEndpoint };
export type { WorkerQueueOptions } from "../core/worker_queue.ts";

/**
 * Python's `logging.handlers.QueueHandler`: puts each record, prepared (a copy whose `msg` and
 * `message` are the formatted text, with `args`, `exc_info`, `exc_text` and `stack_info`
 * cleared), on a queue with `put_nowait`. A full queue ({@linkcode QueueFull}) or any other
 * failure is reported through `handleError`; `handle()` never throws.
 *
 * `flush()` waits for the `listener` (when set) and for the queue's own `flush()` (a
 * {@linkcode WorkerQueue} has one); `close()` flushes and stops nothing: the queue and the
 * listener belong to whoever made them.
 *
 * @example
 * ```ts
 * import { AsyncQueue, getLogger, type LogRecord, QueueHandler, QueueListener, StreamHandler } from "@x/loghandlers";
 * const lines: string[] = [];
 * const queue = new AsyncQueue<LogRecord | null>(1000);
 * const listener = new QueueListener(queue, [new StreamHandler({ write: (t: string) => lines.push(t) })]);
 * const handler = new QueueHandler(queue);
 * handler.listener = listener.start();
 * const log = getLogger("doc.queue");
 * log.addHandler(handler);
 * log.warning("disk at %d%%", 91);
 * await listener.stop();
 * log.removeHandler(handler);
 * console.assert(lines[0] === "disk at 91%\n");
 * ```
 */
export class QueueHandler extends Handler {
  /** The queue records are put on. */
  queue: LogQueueWriter<LogRecord | null>;
  #listener: QueueListener | null = null;

  /**
   * Creates a handler putting records on `queue`.
   *
   * @param queue Anything with `put_nowait(item)`: an {@linkcode AsyncQueue}, a
   * {@linkcode WorkerQueue}, or a queue of your own.
   * @throws {TypeError} When `queue` has no `put_nowait` method.
   */
  constructor(queue: LogQueueWriter<LogRecord | null>) {
    if (queue === null || typeof queue !== "object" || typeof queue.put_nowait !== "function") {
      throw new TypeError(
        `Cannot create QueueHandler as 'queue' must have a put_nowait method: current value is ${
          String(queue)
        }`,
      );
    }
    super();
    this.queue = queue;
  }

  /**
   * The listener reading the queue, when known (Python sets it from `dictConfig`). Setting it
   * lets `flush()` wait for the listener, and lets the logger skip collecting caller
   * information (`pathname`, `lineno`, ...) when none of the listener's handlers uses it.
   */
  get listener(): QueueListener | null {
    return this.#listener;
  }
  set listener(listener: QueueListener | null) {
    this.#listener = listener;
    bumpConfigGeneration();
  }

  /**
   * Whether records need caller information: always, unless `listener` is set and neither
   * this handler's formatter nor any of the listener's handlers uses it (records may go to a
   * worker whose handlers are not known here).
   */
  override get needsCallerInfo(): boolean {
    const listener = this.#listener;
    if (listener === null) return true;
    return super.needsCallerInfo || listener.handlers.some((h) => h.needsCallerInfo);
  }

  /** Whether the queue says records put on it are still waiting to be handled. */
  override get pending(): boolean {
    return this.queue.pending === true;
  }

  /**
   * Puts `record` on the queue with `put_nowait`. Override it to use another method.
   *
   * @param record The prepared record.
   */
  enqueue(record: LogRecord): void {
    this.queue.put_nowait(record);
  }

  /**
   * Prepares a record for the queue, as CPython 3.12+: formats it, and returns a copy whose
   * `msg` and `message` are the formatted text and whose `args`, `exc_info`, `exc_text` and
   * `stack_info` are `null`. The original record is left as it was for other handlers.
   *
   * @param record The record.
   * @returns The copy to enqueue.
   */
  prepare(record: LogRecord): LogRecord {
    const msg = this.format(record);
    const copy = Object.assign(
      Object.create(Object.getPrototypeOf(record)) as LogRecord,
      record,
    );
    copy.message = msg;
    copy.msg = msg;
    copy.args = null;
    copy.exc_info = null;
    copy.exc_text = null;
    copy.stack_info = null;
    return copy;
  }

  /**
   * Enqueues the prepared record; failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    try {
      this.enqueue(this.prepare(record));
    } catch (error) {
      this.handleError(record, error);
    }
  }

  /**
   * Resolves when the listener (when set) and the queue (when it has `flush()`) have handled
   * every record put before the call.
   *
   * @returns A promise that never rejects.
   */
  override async flush(): Promise<void> {
    try {
      if (this.listener !== null) await this.listener.flush();
      if (typeof this.queue.flush === "function") await this.queue.flush();
    } catch (error) {
      this.handleError(null, error);
    }
  }

  /**
   * Called by the exit hooks (`Deno.exit()`, the end of the program, an uncaught error): lets a
   * queue whose reader runs on another thread (a {@linkcode WorkerQueue}) finish, blocking for
   * at most its `closeTimeout`, and reports how many records it did not handle.
   */
  override flushSync(): void {
    const ending = endingReason();
    if (ending === null || typeof this.queue.flushSync !== "function") return;
    const left = this.queue.flushSync();
    if (left > 0) {
      this.handleError(
        null,
        new Error(
          `${left} record${left === 1 ? " was" : "s were"} put on the queue but not handled by ` +
            `its reader ${ending}`,
        ),
      );
    }
  }

  /**
   * Flushes, then closes the handler. The queue and the listener are not stopped.
   *
   * @returns A promise that resolves when the handler is closed.
   */
  override async close(): Promise<void> {
    if (!this.closed) await this.flush();
    await super.close();
  }
}

/** Options of {@linkcode QueueListener}; the key is Python's parameter name in camelCase. */
export interface QueueListenerOptions {
  /**
   * Pass a record to a handler only when its level is at least the handler's level.
   *
   * @default {false}
   */
  respectHandlerLevel?: boolean;
}

const LISTENER_RULES: OptionRules = { respectHandlerLevel: boolean() };

const IN_WORKER_RULES: OptionRules = {
  ...LISTENER_RULES,
  port: object("a MessagePort"),
  closeHandlers: boolean(),
};

/** Whether `value` can take records: a handler, or anything with `handle(record)`. */
function isHandler(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    typeof (value as { handle?: unknown }).handle === "function";
}

let reporter: Handler | undefined;

function reportError(record: LogRecord | null, error: unknown): void {
  if (reporter === undefined) {
    reporter = new (class extends Handler {
      override emit(): void {}
    })();
    void reporter.close();
  }
  reporter.handleError(record, error);
}

/**
 * Python's `logging.handlers.QueueListener`: takes records from a queue and passes them to
 * its handlers, on an asynchronous loop instead of a thread. A handler or filter that throws
 * is reported through that handler's `handleError` and never stops the listener. While waiting
 * for records the listener does not keep the program alive.
 *
 * `start()` twice is an error (Python 3.14); `stop()` is idempotent, lets the listener handle
 * everything queued before it, and waits for the deliveries the network handlers still have
 * under way (it flushes no handler, as in CPython). `await using` stops it:
 * `await using listener = new QueueListener(queue, handlers).start()`.
 *
 * @example
 * ```ts
 * import { AsyncQueue, LogRecord, QueueListener, StreamHandler } from "@x/loghandlers";
 * const lines: string[] = [];
 * const queue = new AsyncQueue<LogRecord | null>();
 * {
 *   await using _listener = new QueueListener(queue, [
 *     new StreamHandler({ write: (t: string) => lines.push(t) }),
 *   ]).start();
 *   queue.put_nowait(new LogRecord("app", 20, "", 0, "hello", null, null));
 * }
 * console.assert(lines.join("") === "hello\n");
 * ```
 */
export class QueueListener {
  /** The queue records are taken from. */
  readonly queue: LogQueue<LogRecord | null>;
  /** The handlers each record is passed to. */
  readonly handlers: readonly Handler[];
  /** Whether a handler's level is respected. */
  respectHandlerLevel: boolean;
  #loop: Promise<void> | null = null;
  #stopping: Promise<void> | null = null;
  #taken = 0;
  #handled = 0;
  #waiters: { count: number; resolve: () => void }[] = [];

  /**
   * Creates a listener; call {@linkcode QueueListener.start} to run it.
   *
   * @param queue A queue with `get()` and `put_nowait()` (and maybe `task_done()`).
   * @param handlers The handlers records are passed to.
   * @param options See {@linkcode QueueListenerOptions}.
   * @throws {TypeError} When `queue` has no `get` or `put_nowait` method.
   */
  constructor(
    queue: LogQueue<LogRecord | null>,
    handlers: readonly Handler[] = [],
    options: QueueListenerOptions = {},
  ) {
    if (
      queue === null || typeof queue !== "object" || typeof queue.get !== "function" ||
      typeof queue.put_nowait !== "function"
    ) {
      throw new TypeError(
        `Cannot create QueueListener as 'queue' must have get and put_nowait methods: current value is ${
          String(queue)
        }`,
      );
    }
    if (!Array.isArray(handlers) || !handlers.every(isHandler)) {
      throw new TypeError(
        `Cannot create QueueListener as 'handlers' must be an array of handlers: current value ` +
          `is ${describeValue(handlers)}. Python's *handlers become one array here, e.g. ` +
          `new QueueListener(queue, [console, file], { respectHandlerLevel: true })`,
      );
    }
    checkOptions("QueueListener", options, LISTENER_RULES, "");
    this.queue = queue;
    this.handlers = [...handlers];
    this.respectHandlerLevel = options.respectHandlerLevel ?? false;
  }

  /** Whether the listener is running. */
  get running(): boolean {
    return this.#loop !== null;
  }

  /**
   * Starts taking records from the queue.
   *
   * @returns The listener, so that `await using l = new QueueListener(...).start()` works.
   * @throws {Error} When the listener is already started ("Listener already started").
   */
  start(): this {
    if (this.#loop !== null) throw new Error("Listener already started");
    this.#loop = this.#monitor();
    return this;
  }

  /**
   * Takes the next record from the queue: `queue.get()`. Override it for other queues.
   *
   * @param _block Python's argument; always `true` here.
   * @returns A promise of the record, or `null` for the sentinel.
   */
  dequeue(_block = true): Promise<LogRecord | null> {
    return this.queue.get();
  }

  /**
   * Prepares a record for the handlers: returns it as it is. Override it to change records.
   *
   * @param record The record.
   * @returns The record to handle.
   */
  prepare(record: LogRecord): LogRecord {
    return record;
  }

  /**
   * Passes `record` (after `prepare`) to each handler, skipping those whose level is above the
   * record's when `respectHandlerLevel` is set. A handler that throws is reported through its
   * `handleError`, and the other handlers still get the record.
   *
   * @param record The record.
   */
  handle(record: LogRecord): void {
    record = this.prepare(record);
    for (const handler of this.handlers) {
      if (this.respectHandlerLevel && record.levelno < handler.level) continue;
      try {
        handler.handle(record);
      } catch (error) {
        try {
          handler.handleError(record, error);
        } catch {
          // A broken handleError cannot stop the listener.
        }
      }
    }
  }

  /** Puts the sentinel (`null`) on the queue with `put_nowait`. Override for other queues. */
  enqueueSentinel(): void {
    this.queue.put_nowait(null);
  }

  async #monitor(): Promise<void> {
    const q = this.queue;
    const hasTaskDone = typeof q.task_done === "function";
    while (true) {
      let record: LogRecord | null;
      try {
        record = await this.dequeue(true);
      } catch (error) {
        if (!(error instanceof QueueEmpty)) reportError(null, error);
        break;
      }
      if (record === null) {
        if (hasTaskDone) this.#taskDone();
        break;
      }
      this.#taken++;
      try {
        this.handle(record);
      } catch (error) {
        reportError(record, error);
      }
      this.#handled++;
      if (hasTaskDone) this.#taskDone();
      if (this.#waiters.length !== 0) this.#wake();
    }
  }

  #taskDone(): void {
    try {
      this.queue.task_done!();
    } catch (error) {
      reportError(null, error);
    }
  }

  #wake(): void {
    const left = [];
    for (const w of this.#waiters) {
      if (this.#handled >= w.count) w.resolve();
      else left.push(w);
    }
    this.#waiters = left;
  }

  /**
   * Resolves when the records waiting in the queue at the time of the call (as far as the
   * queue's `qsize()` tells) have been handled, and the handlers have flushed. With a queue
   * without `qsize()`, only the handlers are flushed.
   *
   * @returns A promise that never rejects.
   */
  async flush(): Promise<void> {
    const size = (this.queue as { qsize?: () => number }).qsize;
    if (this.#loop !== null && typeof size === "function") {
      const count = this.#taken + size.call(this.queue);
      if (this.#handled < count) {
        await new Promise<void>((resolve) => this.#waiters.push({ count, resolve }));
      }
    }
    await this.#flushHandlers();
  }

  /**
   * Flushes the handlers, each failure reported through its handler's `handleError`. With
   * `pendingOnly`, only those that deliver in the background and have deliveries still under
   * way (`pending`: the network handlers' outboxes): no other handler is flushed.
   */
  async #flushHandlers(pendingOnly = false): Promise<void> {
    await Promise.all(this.handlers.map(async (h) => {
      try {
        if (!pendingOnly || h.pending) await h.flush();
      } catch (error) {
        h.handleError(null, error);
      }
    }));
  }

  /**
   * Stops the listener: puts the sentinel on the queue, waits until everything queued before
   * it has been handled, then waits for the deliveries that handlers such as `SocketHandler`
   * still have under way (those whose `pending` is true; one backing off after a failure is
   * not waited for). Like CPython's `stop()`, it flushes no handler: a `BufferingHandler` or
   * `MemoryHandler` keeps its buffer. Calling it again (or on a listener never started) does
   * nothing. A full queue is waited on, not reported.
   *
   * @returns A promise that resolves when the listener has stopped.
   *
   * @example
   * ```ts
   * import { AsyncQueue, BufferingHandler, LogRecord, QueueListener } from "@x/loghandlers";
   * const queue = new AsyncQueue<LogRecord | null>();
   * const buffering = new BufferingHandler(100);
   * const listener = new QueueListener(queue, [buffering]).start();
   * queue.put_nowait(new LogRecord("app", 20, "", 0, "kept", null, null));
   * await listener.stop();
   * console.assert(buffering.buffer.length === 1); // still buffered, as in CPython
   * await buffering.close();
   * ```
   */
  stop(): Promise<void> {
    if (this.#loop === null) return this.#stopping ?? Promise.resolve();
    const loop = this.#loop;
    return this.#stopping ??= (async () => {
      while (true) {
        try {
          this.enqueueSentinel();
          break;
        } catch (error) {
          if (!(error instanceof QueueFull)) throw error;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      }
      await loop;
      await this.#flushHandlers(true);
      this.#loop = null;
      this.#stopping = null;
      for (const w of this.#waiters) w.resolve();
      this.#waiters = [];
    })();
  }

  /** Stops the listener without waiting: `using listener = ...`. */
  [Symbol.dispose](): void {
    void this.stop();
  }

  /** Stops the listener: `await using listener = ...`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.stop();
  }
}

/** Options of {@linkcode listenInWorker}. */
export interface ListenInWorkerOptions extends QueueListenerOptions {
  /**
   * Where records arrive: the worker's global scope, or a `MessagePort` sent by the main thread.
   *
   * @default {globalThis}
   */
  port?: MessageEndpoint;
  /**
   * Close the handlers when the main thread closes the {@linkcode WorkerQueue}.
   *
   * @default {true}
   */
  closeHandlers?: boolean;
}

/**
 * The worker side of a {@linkcode WorkerQueue}: call it in the Web Worker's module. It starts a
 * {@linkcode QueueListener} over a {@linkcode WorkerQueueReader} that passes the records posted
 * by the main thread to `handlers`, in order; it acknowledges handled records once the handlers
 * have flushed (so the main thread's `flush()` means delivered), and when the main thread calls
 * `close()` it stops the listener, drains, and closes the handlers.
 *
 * ```ts ignore
 * // log_worker.ts
 * import { listenInWorker, SMTPHandler } from "@x/loghandlers";
 * listenInWorker([new SMTPHandler({ mailhost: "mail.example.com", fromaddr: "app@example.com", toaddrs: ["ops@example.com"], subject: "app" })]);
 *
 * // main.ts
 * import { getLogger, QueueHandler, WorkerQueue } from "@x/loghandlers";
 * const worker = new Worker(new URL("./log_worker.ts", import.meta.url), { type: "module" });
 * getLogger().addHandler(new QueueHandler(new WorkerQueue(worker)));
 * ```
 *
 * @param handlers The handlers, living in the worker.
 * @param options See {@linkcode ListenInWorkerOptions}.
 * @returns The running listener.
 *
 * @example
 * ```ts
 * import { listenInWorker, LogRecord, StreamHandler, WorkerQueue } from "@x/loghandlers";
 * // A MessageChannel stands in for a Worker here.
 * const { port1, port2 } = new MessageChannel();
 * const lines: string[] = [];
 * listenInWorker([new StreamHandler({ write: (t: string) => lines.push(t) })], { port: port2 });
 * const queue = new WorkerQueue(port1);
 * queue.put_nowait(new LogRecord("app", 20, "", 0, "across", null, null));
 * await queue.close();
 * console.assert(lines[0] === "across\n");
 * port1.close();
 * port2.close();
 * ```
 */
export function listenInWorker(
  handlers: readonly Handler[],
  options: ListenInWorkerOptions = {},
): QueueListener {
  checkOptions("listenInWorker", options, IN_WORKER_RULES, "");
  const reader = new WorkerQueueReader(options.port);
  const listener = new QueueListener(reader, handlers, {
    respectHandlerLevel: options.respectHandlerLevel,
  });
  const closeHandlers = options.closeHandlers ?? true;
  // Acknowledged once the handlers have flushed, or tried for their closeTimeout: a network
  // handler whose peer is down keeps its records for the retry, and the main thread's program
  // may end meanwhile (the exit hooks below then report them).
  reader.beforeAck = async () => {
    await Promise.all(listener.handlers.map(flushWithin));
  };
  reader.onexit = runExitHooksSync;
  reader.onclose = async () => {
    await listener.stop();
    if (closeHandlers) {
      for (const h of listener.handlers) {
        try {
          await h.close();
        } catch (error) {
          h.handleError(null, error);
        }
      }
    }
    reader.dispose();
  };
  return listener.start();
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
