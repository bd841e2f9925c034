/**
 * Rates and tables: a row's best and median rates, numbers as the report writes them, tables.
 *
 * @module
 */

import type { Measured, Target } from "./types.ts";

/**
 * Formats a rate (or a byte count) rounded, with thousands separators: `123456.7` as `123,457`.
 *
 * @param rate The number.
 * @returns The text.
 */
export function formatRate(rate: number): string {
  return Math.round(rate).toLocaleString("en-US");
}

/**
 * Formats `ours / peer` as `1.23×`, or `–` when either is missing.
 *
 * @param ours Our rate.
 * @param peer The peer's rate.
 * @returns The text.
 */
export function ratio(ours: number | undefined, peer: number | undefined): string {
  return ours === undefined || peer === undefined ? "–" : `${(ours / peer).toFixed(2)}×`;
}

/**
 * The best (highest) rate of a row.
 *
 * @param m The row's outcome.
 * @returns The rate, or `undefined` for a row with no run or a problem.
 */
export function best(m: Measured): number | undefined {
  return m.rates.length === 0 || m.problem ? undefined : Math.max(...m.rates);
}

/**
 * The median rate of a row.
 *
 * @param m The row's outcome.
 * @returns The rate, or `undefined` for a row with no run or a problem.
 */
export function median(m: Measured): number | undefined {
  if (m.rates.length === 0 || m.problem) return undefined;
  const sorted = [...m.rates].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * The highest best rate among the rows whose target matches, for a scenario's summary.
 *
 * @param rows The scenario's rows.
 * @param predicate Which rows count.
 * @returns The rate, or `undefined` when no matching row has one.
 */
export function bestOf(
  rows: Measured[],
  predicate: (t: Target) => boolean,
): number | undefined {
  const rates = rows.filter((m) => predicate(m.target)).map(best).filter((r) => r !== undefined);
  return rates.length ? Math.max(...rates) : undefined;
}

/**
 * A Markdown table with its columns padded so it also reads well as plain text.
 *
 * @param header The column names.
 * @param rows The cells, a row each.
 * @param right For each column, whether it is right-aligned.
 * @returns The table's lines, joined.
 */
export function table(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const pad = (cell: string, i: number) =>
    right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]);
  const line = (cells: string[]) => `| ${cells.map(pad).join(" | ")} |`;
  const rule = `|${
    widths.map((w, i) => right[i] ? `${"-".repeat(w + 1)}:` : "-".repeat(w + 2)).join("|")
  }|`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}
