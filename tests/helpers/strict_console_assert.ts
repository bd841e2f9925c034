/**
 * Preloaded by `deno task test`: makes a failed `console.assert` in a JSDoc `@example` fail its
 * doc test instead of only printing, so every example's assertions are checked.
 *
 * @module
 */
console.assert = (condition?: unknown, ...data: unknown[]): void => {
  if (!condition) {
    throw new Error(["Assertion failed", ...data.map(String)].join(": "));
  }
};
