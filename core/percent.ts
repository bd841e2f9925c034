// Temporary stub; replaced by the full implementation.
import { pyStr } from "./pystr.ts";
export function percentFormat(format: string, args: unknown): string {
  const list = Array.isArray(args) ? args : [args];
  let i = 0;
  return format.replace(/%[sd%]/g, (m) => m === "%%" ? "%" : pyStr(list[i++]));
}
