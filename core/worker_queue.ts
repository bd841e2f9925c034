/**
 * The queue that carries records into a Web Worker: {@linkcode WorkerQueue} on the sending side,
 * {@linkcode WorkerQueueReader} in the worker (rebuilding records, answering the exit hooks).
 *
 * @module
 */

import { AsyncQueue, Fifo, type LogQueue, type LogQueueWriter, QueueFull } from "./io/queues.ts";
import { LogRecord, makeLogRecord } from "./record.ts";
import { endingReason } from "./shutdown.ts";
import {
  boolean,
  checkOptions,
  describeValue,
  integer,
  number,
  type OptionRules,
} from "./text/options.ts";

/** The tag that marks this library's messages between a {@linkcode WorkerQueue} and its reader. */
const TAG = "@x/loghandlers:queue";
/** The reader acknowledges at least this often while busy. */
const ACK_EVERY = 512;
/**
 * The shared counters of a queue (an `Int32Array` over a `SharedArrayBuffer`): how many records
 * the reader has handled, whether a reader has said hello, and whether it has run its exit
 * hooks after the main thread said the program is ending.
 */
const SHARED_HANDLED = 0;
const SHARED_HELLO = 1;
const SHARED_EXITED = 2;
/** The ids of the queues whose reader runs on this thread: waiting for those would only stall. */
const localReaders = new Set<string>();

type QueueMessage =
  | { [TAG]: "hello"; id: string; shared: SharedArrayBuffer }
  | { [TAG]: "record"; record: Record<string, unknown> }
  | { [TAG]: "exit"; reason: string }
  | { [TAG]: "close" }
  | { [TAG]: "done"; count: number }
  | { [TAG]: "closed"; count: number };

/**
 * The message end a {@linkcode WorkerQueue} or {@linkcode WorkerQueueReader} talks through:
 * a `Worker` (seen from the main thread), a `MessagePort`, or the worker's own global scope.
 */
export interface MessageEndpoint {
  /** Sends a structured-cloneable message. */
  postMessage(message: unknown): void;
  /** Listens for messages. */
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  /** Stops listening. */
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

function tagOf(data: unknown): string | undefined {
  if (data === null || typeof data !== "object") return undefined;
  const tag = (data as Record<string, unknown>)[TAG];
  return typeof tag === "string" ? tag : undefined;
}

/**
 * A record as a plain object that structured clone can carry: its own attributes, with
 * functions and symbols left out.
 *
 * @param record The record (normally prepared by `QueueHandler.prepare`).
 * @returns A plain object for `makeLogRecord`.
 */
export function recordToDict(record: LogRecord | Record<string, unknown>): Record<string, unknown> {
  const dict: Record<string, unknown> = {};
  for (const key of Object.keys(record)) {
    const value = (record as Record<string, unknown>)[key];
    const type = typeof value;
    if (type === "function" || type === "symbol") continue;
    dict[key] = value;
  }
  return dict;
}

/**
 * Finds Deno's internal reference switch of a Web `Worker` (what `node:worker_threads` calls
 * `ref()`/`unref()`), so an idle log worker does not keep the program alive.
 */
function refSwitch(target: object): ((on: boolean) => void) | null {
  const t = target as { ref?: unknown; unref?: unknown };
  if (typeof t.ref === "function" && typeof t.unref === "function") {
    return (on) => on ? (t.ref as () => void).call(target) : (t.unref as () => void).call(target);
  }
  const WorkerClass = (globalThis as { Worker?: { prototype: object } }).Worker;
  if (WorkerClass === undefined || !(target instanceof (WorkerClass as unknown as typeof Worker))) {
    return null;
  }
  for (const symbol of Object.getOwnPropertySymbols(WorkerClass.prototype)) {
    if (symbol.description !== undefined) continue;
    const fn = (WorkerClass.prototype as Record<symbol, unknown>)[symbol];
    if (typeof fn === "function" && fn.length === 1) {
      return (on) => (fn as (on: boolean) => void).call(target, on);
    }
  }
  return null;
}

const WORKER_QUEUE_RULES: OptionRules = {
  maxsize: integer(0),
  terminate: boolean(),
  closeTimeout: number(0, false, "ms"),
};

/** Options of {@linkcode WorkerQueue}. */
export interface WorkerQueueOptions {
  /**
   * The most records sent and not yet handled by the worker; `put_nowait` throws
   * {@linkcode QueueFull} past it. `0` means unbounded, as in Python.
   *
   * @default {0}
   */
  maxsize?: number;
  /**
   * Whether `close()` terminates the worker (when the target is a `Worker`) once it has
   * handled everything: set it when the worker exists only to log.
   *
   * @default {false}
   */
  terminate?: boolean;
  /**
   * When the program ends while records are on their way (`Deno.exit()`, an uncaught error),
   * the longest the exit hook blocks the main thread, in ms, while the worker handles them; what
   * the worker has not handled by then is reported with its number.
   *
   * @default {5000}
   */
  closeTimeout?: number;
}

/**
 * The main-thread end of a queue into a Web Worker: `put_nowait` posts the prepared record as a
 * plain object, and the worker's {@linkcode WorkerQueueReader} rebuilds it with
 * `makeLogRecord` for a `QueueListener` there (start one with `listenInWorker` from
 * `handlers/queue.ts`). Records arrive in order. `flush()` resolves when the worker has handled
 * (and its handlers flushed) every record put before the call; `close()` also stops the
 * worker's listener. While records are on their way the worker keeps the program alive; when
 * it is idle it does not (for a `Worker` target, through Deno's internal reference switch; a
 * `MessagePort` is unref'd, and the `Worker` behind it stays the caller's to end).
 *
 * @example
 * ```ts
 * import { LogRecord, WorkerQueue } from "@x/loghandlers";
 * const dir = await Deno.makeTempDir();
 * const script = `${dir}/log_worker.ts`;
 * const library = import.meta.resolve("@x/loghandlers");
 * await Deno.writeTextFile(script, `
 *   import { FileHandler, listenInWorker } from "${library}";
 *   listenInWorker([new FileHandler(${JSON.stringify(`${dir}/app.log`)})]);
 * `);
 * const worker = new Worker(new URL(`file://${script}`).href, { type: "module" });
 * const queue = new WorkerQueue(worker, { terminate: true });
 * queue.put_nowait(new LogRecord("app", 30, "", 0, "handled in a worker", null, null));
 * await queue.close();
 * console.assert(Deno.readTextFileSync(`${dir}/app.log`) === "handled in a worker\n");
 * await Deno.remove(dir, { recursive: true });
 * ```
 */
export class WorkerQueue implements LogQueueWriter<LogRecord | Record<string, unknown> | null> {
  /** The capacity in records; `0` is unbounded. */
  readonly maxsize: number;
  #target: MessageEndpoint;
  #terminate: boolean;
  #closeTimeout: number;
  #id = crypto.randomUUID();
  #shared = new Int32Array(new SharedArrayBuffer(12));
  #ref: ((on: boolean) => void) | null;
  #refed = true;
  #sent = 0;
  #done = 0;
  #waiters: { count: number; resolve: () => void }[] = [];
  #closing: Promise<void> | null = null;
  #closedResolve: (() => void) | null = null;
  #failed: unknown = null;
  #onMessage = (event: MessageEvent) => this.#receive(event.data);
  #onError: EventListener = (event) => this.#fail((event as ErrorEvent).error ?? event);

  /**
   * Wraps `target`, the worker (or a port to it) that runs `listenInWorker`.
   *
   * @param target A `Worker`, or a `MessagePort` whose other end the worker reads.
   * @param options See {@linkcode WorkerQueueOptions}.
   * @throws {TypeError} When `maxsize` is not an integer >= 0.
   */
  constructor(target: MessageEndpoint, options: WorkerQueueOptions = {}) {
    if (
      target === null || typeof target !== "object" ||
      typeof (target as { postMessage?: unknown }).postMessage !== "function"
    ) {
      throw new TypeError(
        `Cannot create WorkerQueue as 'target' must be a Worker or a MessagePort: current value ` +
          `is ${describeValue(target)}`,
      );
    }
    checkOptions(
      "WorkerQueue",
      options,
      WORKER_QUEUE_RULES,
      "new WorkerQueue(worker, { terminate: true })",
    );
    const maxsize = options.maxsize ?? 0;
    const closeTimeout = options.closeTimeout ?? 5000;
    this.maxsize = maxsize;
    this.#target = target;
    this.#terminate = options.terminate ?? false;
    this.#closeTimeout = closeTimeout;
    target.addEventListener("message", this.#onMessage);
    (target as { start?: () => void }).start?.();
    target.postMessage(
      { [TAG]: "hello", id: this.#id, shared: this.#shared.buffer } satisfies QueueMessage,
    );
    if (typeof (target as { addEventListener?: unknown }).addEventListener === "function") {
      (target as unknown as EventTarget).addEventListener("error", this.#onError);
    }
    this.#ref = refSwitch(target);
    this.#setRef(false);
  }

  /** Whether records sent have not all been handled by the worker. */
  get pending(): boolean {
    return this.#failed === null && this.#sent !== this.#done;
  }

  /** The number of records sent and not yet handled by the worker. */
  qsize(): number {
    return this.#sent - this.#done;
  }

  #setRef(on: boolean): void {
    if (this.#refed === on || this.#ref === null) return;
    this.#refed = on;
    try {
      this.#ref(on);
    } catch {
      this.#ref = null;
    }
  }

  #fail(error: unknown): void {
    this.#failed = error ?? new Error("the worker failed");
    for (const w of this.#waiters) w.resolve();
    this.#waiters = [];
    this.#closedResolve?.();
    this.#setRef(false);
  }

  #receive(data: unknown): void {
    const tag = tagOf(data);
    if (tag !== "done" && tag !== "closed") return;
    const count = (data as { count: number }).count;
    if (count > this.#done) this.#done = count;
    if (this.#waiters.length !== 0) {
      const left = [];
      for (const w of this.#waiters) {
        if (this.#done >= w.count) w.resolve();
        else left.push(w);
      }
      this.#waiters = left;
    }
    if (tag === "closed") this.#closedResolve?.();
    if (this.#sent === this.#done && this.#waiters.length === 0 && this.#closedResolve === null) {
      this.#setRef(false);
    }
  }

  /**
   * Posts `item` to the worker: a record (or a plain object of record attributes) as a plain
   * object, or `null` (the sentinel), which starts {@linkcode WorkerQueue.close}.
   *
   * @param item The prepared record, or `null`.
   * @throws {QueueFull} When `maxsize` records are already on their way.
   * @throws {Error} After `close()`, or when the worker has failed.
   * @throws {DOMException} When an attribute cannot be cloned (`DataCloneError`).
   */
  put_nowait(item: LogRecord | Record<string, unknown> | null): void {
    if (this.#closing !== null) throw new Error("Cannot put a record on a closed WorkerQueue");
    if (this.#failed !== null) {
      throw new Error("Cannot put a record on a WorkerQueue whose worker failed", {
        cause: this.#failed,
      });
    }
    if (item === null) {
      // The sentinel: the worker's listener stops after what was sent before.
      void this.close();
      return;
    }
    if (this.maxsize > 0 && this.#sent - this.#done >= this.maxsize) {
      throw new QueueFull(`WorkerQueue is full (maxsize ${this.maxsize})`);
    }
    this.#target.postMessage(
      { [TAG]: "record", record: recordToDict(item) } satisfies QueueMessage,
    );
    this.#sent++;
    this.#setRef(true);
  }

  /**
   * For the exit hooks, when nothing asynchronous can run any more: tells the worker that the
   * program is ending and blocks the calling thread (for at most `closeTimeout` ms) while the
   * worker, on its own thread, handles the records sent and runs its own exit hooks (its
   * handlers write out their buffers and report what they could not deliver). Returns at once
   * when the reader runs on this thread (it could not progress) or the worker has failed.
   *
   * @returns How many records sent the worker has not handled.
   */
  flushSync(): number {
    const shared = this.#shared;
    const left = () =>
      Math.max(0, this.#sent - Math.max(this.#done, Atomics.load(shared, SHARED_HANDLED)));
    if (this.#failed !== null || this.#closing !== null || localReaders.has(this.#id)) {
      return left();
    }
    // A reader elsewhere, or a Worker still starting, can progress while this thread waits.
    const WorkerClass = (globalThis as { Worker?: unknown }).Worker;
    const isWorker = typeof WorkerClass === "function" &&
      this.#target instanceof (WorkerClass as typeof Worker);
    if (!isWorker && Atomics.load(shared, SHARED_HELLO) === 0) return left();
    if (this.#sent === 0 && Atomics.load(shared, SHARED_HELLO) === 0) return 0;
    this.#target.postMessage(
      { [TAG]: "exit", reason: endingReason() ?? "at exit" } satisfies QueueMessage,
    );
    const deadline = performance.now() + this.#closeTimeout;
    while (Atomics.load(shared, SHARED_EXITED) === 0) {
      const wait = deadline - performance.now();
      if (wait <= 0) break;
      Atomics.wait(shared, SHARED_EXITED, 0, wait);
    }
    return left();
  }

  /**
   * Resolves when the worker has handled every record put before the call, and its handlers
   * have flushed them (or at once when the worker has failed).
   *
   * @returns A promise that never rejects.
   */
  flush(): Promise<void> {
    if (this.#failed !== null || this.#done >= this.#sent) return Promise.resolve();
    this.#setRef(true);
    return new Promise<void>((resolve) => this.#waiters.push({ count: this.#sent, resolve }));
  }

  /**
   * Stops the worker's listener once it has handled everything put before, then lets the
   * worker go (terminating it with the `terminate` option). Idempotent.
   *
   * @returns A promise that resolves when the worker has finished.
   */
  close(): Promise<void> {
    return this.#closing ??= (async () => {
      if (this.#failed === null) {
        const closed = new Promise<void>((resolve) => this.#closedResolve = resolve);
        this.#setRef(true);
        this.#target.postMessage({ [TAG]: "close" } satisfies QueueMessage);
        await closed;
      }
      this.#target.removeEventListener("message", this.#onMessage);
      (this.#target as unknown as EventTarget).removeEventListener?.("error", this.#onError);
      this.#setRef(false);
      if (this.#terminate) (this.#target as { terminate?: () => void }).terminate?.();
    })();
  }

  /** Closes the queue: `await using queue = new WorkerQueue(worker)`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

/**
 * The worker end of a {@linkcode WorkerQueue}: a {@linkcode LogQueue} whose `get()` yields the
 * records posted from the main thread, rebuilt with `makeLogRecord`, in order. Use it through
 * `listenInWorker` (in `handlers/queue.ts`), which starts a `QueueListener` on it and answers
 * the main thread's `flush()` and `close()`.
 *
 * @example
 * ```ts
 * import { WorkerQueueReader } from "@x/loghandlers";
 * const { port1, port2 } = new MessageChannel();
 * const reader = new WorkerQueueReader(port2);
 * port1.postMessage({ "@x/loghandlers:queue": "record", record: { name: "app", msg: "hi" } });
 * const record = await reader.get();
 * console.assert(record !== null && record.getMessage() === "hi");
 * reader.task_done();
 * reader.dispose();
 * port1.close();
 * ```
 */
export class WorkerQueueReader implements LogQueue<LogRecord | null> {
  /**
   * Called when all records handled so far are to be acknowledged; the acknowledgement waits
   * for the promise it returns (the listener's handlers' flush). `listenInWorker` sets it.
   */
  beforeAck: (() => Promise<void>) | null = null;
  /**
   * Called when the main thread closes the queue; the `closed` answer waits for it.
   * `listenInWorker` sets it to stop its listener. Without it, a sentinel is queued.
   */
  onclose: (() => Promise<void>) | null = null;
  /**
   * Called, once every record received has been handled, when the main thread says the
   * program is ending (it then waits, blocked, for this thread): `listenInWorker` sets it to
   * run this thread's exit hooks, with the reason (`"at exit"`, ...).
   */
  onexit: ((reason: string) => void) | null = null;
  #exiting: string | null = null;
  #port: MessageEndpoint;
  #queue = new AsyncQueue<LogRecord | null>();
  #takenRemote = new Fifo<boolean>();
  #received = 0;
  #handled = 0;
  #acked = 0;
  #shared: Int32Array | null = null;
  #onMessage = (event: MessageEvent) => this.#receive(event.data);

  /**
   * Listens on `port` for records.
   *
   * @param port The worker's global scope (the default) or a `MessagePort`.
   */
  constructor(port: MessageEndpoint = globalThis as unknown as MessageEndpoint) {
    this.#port = port;
    port.addEventListener("message", this.#onMessage);
    (port as { start?: () => void }).start?.();
  }

  #receive(data: unknown): void {
    const tag = tagOf(data);
    if (tag === "hello") {
      const { id, shared } = data as { id: unknown; shared: unknown };
      if (typeof id === "string" && shared instanceof SharedArrayBuffer) {
        localReaders.add(id);
        this.#shared = new Int32Array(shared);
        Atomics.store(this.#shared, SHARED_HELLO, 1);
        // The set is this thread's: the main thread's WorkerQueue sees it only when the reader
        // is on the same thread, which is what it needs to know.
      }
    } else if (tag === "exit") {
      const reason = (data as { reason?: unknown }).reason;
      this.#exiting = typeof reason === "string" ? reason : "at exit";
      this.#exitWhenHandled();
    } else if (tag === "record") {
      this.#received++;
      this.#queue.put_nowait(makeLogRecord((data as { record: Record<string, unknown> }).record));
    } else if (tag === "close") {
      const received = this.#received;
      (async () => {
        if (this.onclose !== null) await this.onclose();
        else this.#queue.put_nowait(null);
        this.#port.postMessage({ [TAG]: "closed", count: received } satisfies QueueMessage);
      })();
    }
  }

  /**
   * The number of records received and not yet taken.
   *
   * @returns The count.
   */
  qsize(): number {
    return this.#queue.qsize();
  }

  /**
   * Queues `item` locally (used for the listener's sentinel, `null`).
   *
   * @param item A record or `null`.
   */
  put_nowait(item: LogRecord | null): void {
    this.#queue.put_nowait(item);
  }

  /**
   * Takes the oldest record (or the sentinel), waiting for one.
   *
   * @returns A promise of the record, or `null` for the sentinel.
   */
  async get(): Promise<LogRecord | null> {
    const item = await this.#queue.get();
    this.#takenRemote.push(item !== null);
    return item;
  }

  /** Marks the item last taken as handled; acknowledges to the main thread when idle. */
  task_done(): void {
    this.#queue.task_done();
    const remote = this.#takenRemote.length !== 0 ? this.#takenRemote.shift() : false;
    if (!remote) return;
    this.#handled++;
    if (this.#shared !== null) Atomics.store(this.#shared, SHARED_HANDLED, this.#handled);
    if (this.#exiting !== null) this.#exitWhenHandled();
    if (this.#handled === this.#received || this.#handled - this.#acked >= ACK_EVERY) {
      this.#ack(this.#handled);
    }
  }

  #ack(count: number): void {
    this.#acked = count;
    const before = this.beforeAck;
    const post = () => this.#port.postMessage({ [TAG]: "done", count } satisfies QueueMessage);
    if (before === null) post();
    else before().then(post, post);
  }

  /** Once every record received is handled, runs `onexit` and tells the waiting main thread. */
  #exitWhenHandled(): void {
    const reason = this.#exiting;
    if (reason === null || this.#handled < this.#received) return;
    this.#exiting = null;
    try {
      this.onexit?.(reason);
    } finally {
      const shared = this.#shared;
      if (shared !== null) {
        Atomics.store(shared, SHARED_EXITED, 1);
        Atomics.notify(shared, SHARED_EXITED);
      }
    }
  }

  /** Stops listening on the port. */
  dispose(): void {
    this.#port.removeEventListener("message", this.#onMessage);
  }
}
