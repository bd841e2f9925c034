/**
 * Filters, and the `Filterer` base that loggers and handlers share.
 *
 * @module
 */

import type { LogRecord } from "./record.ts";
import { describeValue } from "./text/options.ts";

/**
 * What a filter may answer: `false`/falsy drops the record, `true`/truthy keeps it, and a
 * `LogRecord` keeps it and replaces it for everything after this filter (Python 3.12).
 */
export type FilterResult = boolean | LogRecord | null | undefined | number;

/** A filter: an object with a `filter(record)` method, or a plain function of the record. */
export type FilterLike =
  | { filter(record: LogRecord): FilterResult }
  | ((record: LogRecord) => FilterResult);

/**
 * Python's `logging.Filter`: lets through records from the logger named `name` and its
 * descendants (`"a.b"` passes `"a.b"` and `"a.b.c"` but not `"a.bb"`); an empty name passes all.
 *
 * @example
 * ```ts
 * import { Filter, LogRecord } from "@x/loghandlers";
 * const f = new Filter("app.db");
 * console.assert(f.filter(new LogRecord("app.db.pool", 20, "", 0, "", null, null)) === true);
 * console.assert(f.filter(new LogRecord("app.dbx", 20, "", 0, "", null, null)) === false);
 * ```
 */
export class Filter {
  /** The logger name this filter lets through, with its descendants. */
  readonly name: string;
  #nlen: number;

  /**
   * Creates a filter for the logger `name` and its descendants.
   *
   * @param name The logger name to let through; `""` lets every record through.
   * @throws {TypeError} When `name` is not a string.
   */
  constructor(name = "") {
    if (typeof name !== "string") {
      throw new TypeError(
        `Cannot create Filter as 'name' must be a logger name (a string): current value is ${
          describeValue(name)
        }`,
      );
    }
    this.name = name;
    this.#nlen = name.length;
  }

  /**
   * Decides whether `record` passes.
   *
   * @param record The record.
   * @returns `true` when the record's logger is `name` or below it.
   */
  filter(record: LogRecord): FilterResult {
    const n = this.#nlen;
    if (n === 0 || record.name === this.name) return true;
    if (!record.name.startsWith(this.name)) return false;
    return record.name[n] === ".";
  }
}

/**
 * Python's `Filterer`: the list of filters shared by loggers and handlers.
 *
 * @example
 * ```ts
 * import { Filterer, LogRecord } from "@x/loghandlers";
 * const f = new Filterer();
 * f.addFilter((r) => r.levelno >= 30);
 * console.assert(f.filter(new LogRecord("x", 20, "", 0, "", null, null)) === false);
 * ```
 */
export class Filterer {
  /** The filters, in the order they run. */
  filters: FilterLike[] = [];

  /**
   * Adds `filter` unless it is already there.
   *
   * @param filter An object with `filter(record)`, or a function of the record.
   */
  addFilter(filter: FilterLike): void {
    if (!this.filters.includes(filter)) this.filters.push(filter);
  }

  /**
   * Removes `filter` if it is there.
   *
   * @param filter The filter to remove.
   */
  removeFilter(filter: FilterLike): void {
    const i = this.filters.indexOf(filter);
    if (i >= 0) this.filters.splice(i, 1);
  }

  /**
   * Runs the filters in order. The first falsy answer drops the record; a filter that returns a
   * `LogRecord` replaces the record for the filters after it.
   *
   * @param record The record.
   * @returns `false` when dropped, else the (possibly replaced) record.
   */
  filter(record: LogRecord): LogRecord | false {
    const filters = this.filters;
    for (let i = 0; i < filters.length; i++) {
      const f = filters[i];
      const result = typeof f === "function" ? f(record) : f.filter(record);
      if (!result) return false;
      if (typeof result === "object") record = result;
    }
    return record;
  }
}
