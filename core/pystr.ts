// Temporary stub; replaced by the full implementation.
export function pyStr(value: unknown): string {
  return typeof value === "string" ? value : String(value);
}
export function pyRepr(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : String(value);
}
