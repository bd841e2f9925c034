/**
 * Queues for `QueueHandler` and `QueueListener`: the shape they expect (Python's `queue`
 * names) and a bounded in-process {@linkcode AsyncQueue}.
 *
 * @module
 */

import { ValueError } from "../text/errors.ts";

/**
 * What `QueueHandler` needs from a queue: Python's `put_nowait`. `flush` and `pending` are
 * optional extensions that let the handler keep the I/O contract (`flush()` resolves when the
 * records put before it have been handled at the other end).
 */
export interface LogQueueWriter<T> {
  /** Adds `item` without waiting; throws {@linkcode QueueFull} when there is no room. */
  put_nowait(item: T): void;
  /** Optional: resolves when every item put before the call has been handled by the consumer. */
  flush?(): Promise<void>;
  /** Optional: whether items put here are still waiting to be handled by the consumer. */
  readonly pending?: boolean;
  /**
   * Optional, for the exit hooks: blocks (for a bounded time) until the consumer has handled
   * every item put, where the consumer runs on another thread, and returns how many it has not.
   */
  flushSync?(): number;
}

/**
 * A queue with Python's `queue.Queue` shape, as `QueueListener` reads it: `put_nowait`, an
 * asynchronous `get` (Python's blocking `get()`), and optionally `task_done`, called once for
 * every item taken (the sentinel included).
 *
 * @example
 * ```ts
 * import { AsyncQueue, type LogQueue } from "@x/loghandlers";
 * const q: LogQueue<string> = new AsyncQueue<string>(10);
 * q.put_nowait("a");
 * console.assert(await q.get() === "a");
 * ```
 */
export interface LogQueue<T> extends LogQueueWriter<T> {
  /** Resolves with the oldest item, waiting for one when the queue is empty. */
  get(): Promise<T>;
  /** Optional: marks one item taken by `get()` as processed (Python's `task_done`). */
  task_done?(): void;
}

/**
 * Python's `queue.Full`: `put_nowait` on a queue that has no room.
 *
 * @example
 * ```ts
 * import { AsyncQueue, QueueFull } from "@x/loghandlers";
 * const q = new AsyncQueue<number>(1);
 * q.put_nowait(1);
 * try {
 *   q.put_nowait(2);
 * } catch (e) {
 *   console.assert(e instanceof QueueFull);
 * }
 * ```
 */
export class QueueFull extends Error {
  /** `QueueFull`. */
  override name = "QueueFull";
}

/**
 * Python's `queue.Empty`: `get_nowait` on an empty queue.
 *
 * @example
 * ```ts
 * import { AsyncQueue, QueueEmpty } from "@x/loghandlers";
 * try {
 *   new AsyncQueue<number>().get_nowait();
 * } catch (e) {
 *   console.assert(e instanceof QueueEmpty);
 * }
 * ```
 */
export class QueueEmpty extends Error {
  /** `QueueEmpty`. */
  override name = "QueueEmpty";
}

/** A first-in first-out list with O(1) shift. */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T {
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/**
 * A bounded in-process queue with Python's `queue.Queue` interface, asynchronous where Python
 * blocks: `put_nowait`/`get_nowait` (throwing {@linkcode QueueFull}/{@linkcode QueueEmpty}),
 * `put`/`get` (waiting for room or for an item), `task_done`, `join`, `qsize`, `empty`, `full`.
 * A waiting `get()` does not keep the program alive.
 *
 * @typeParam T The items.
 *
 * @example
 * ```ts
 * import { AsyncQueue } from "@x/loghandlers";
 * const q = new AsyncQueue<string>(2);
 * q.put_nowait("a");
 * q.put_nowait("b");
 * console.assert(q.full() && q.qsize() === 2);
 * console.assert(await q.get() === "a");
 * q.task_done();
 * ```
 */
export class AsyncQueue<T> implements LogQueue<T> {
  /** The capacity; `0` (or less) means unbounded, as in Python. */
  readonly maxsize: number;
  #items = new Fifo<T>();
  #getters = new Fifo<(item: T) => void>();
  #putters = new Fifo<() => void>();
  #unfinished = 0;
  #joiners: (() => void)[] = [];

  /**
   * Creates a queue.
   *
   * @param maxsize The capacity; `0` or less is unbounded.
   * @throws {TypeError} When `maxsize` is not an integer.
   */
  constructor(maxsize = 0) {
    if (!Number.isInteger(maxsize)) {
      throw new TypeError(
        `Cannot create AsyncQueue as 'maxsize' must be an integer: current value is ${maxsize}`,
      );
    }
    this.maxsize = maxsize;
  }

  /**
   * The number of items waiting (Python's `qsize`).
   *
   * @returns The count.
   */
  qsize(): number {
    return this.#items.length;
  }

  /**
   * Whether no item is waiting (Python's `empty`).
   *
   * @returns `true` when empty.
   */
  empty(): boolean {
    return this.#items.length === 0;
  }

  /**
   * Whether the queue is at its capacity (Python's `full`).
   *
   * @returns `true` when full.
   */
  full(): boolean {
    return this.maxsize > 0 && this.#items.length >= this.maxsize;
  }

  /**
   * Adds `item` without waiting.
   *
   * @param item The item.
   * @throws {QueueFull} When the queue is at its capacity.
   */
  put_nowait(item: T): void {
    if (this.full()) throw new QueueFull(`AsyncQueue is full (maxsize ${this.maxsize})`);
    this.#unfinished++;
    if (this.#getters.length !== 0) this.#getters.shift()(item);
    else this.#items.push(item);
  }

  /**
   * Adds `item`, waiting for room first.
   *
   * @param item The item.
   * @returns A promise that resolves once the item is in the queue.
   */
  async put(item: T): Promise<void> {
    while (this.full()) await new Promise<void>((resolve) => this.#putters.push(resolve));
    this.put_nowait(item);
  }

  /**
   * Takes the oldest item without waiting.
   *
   * @returns The item.
   * @throws {QueueEmpty} When the queue is empty.
   */
  get_nowait(): T {
    if (this.#items.length === 0) throw new QueueEmpty("AsyncQueue is empty");
    const item = this.#items.shift();
    if (this.#putters.length !== 0) this.#putters.shift()();
    return item;
  }

  /**
   * Takes the oldest item, waiting for one when the queue is empty.
   *
   * @returns A promise of the item.
   */
  get(): Promise<T> {
    if (this.#items.length !== 0) return Promise.resolve(this.get_nowait());
    return new Promise<T>((resolve) => this.#getters.push(resolve));
  }

  /**
   * Marks one item taken with `get` as processed.
   *
   * @throws {ValueError} When called more times than there were items, as in Python.
   */
  task_done(): void {
    if (this.#unfinished <= 0) throw new ValueError("task_done() called too many times");
    if (--this.#unfinished === 0) {
      const joiners = this.#joiners;
      this.#joiners = [];
      for (const resolve of joiners) resolve();
    }
  }

  /**
   * Resolves when every item put has been marked done with `task_done` (Python's `join`).
   *
   * @returns A promise.
   */
  join(): Promise<void> {
    if (this.#unfinished === 0) return Promise.resolve();
    return new Promise<void>((resolve) => this.#joiners.push(resolve));
  }
}
