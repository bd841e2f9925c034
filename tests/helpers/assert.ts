/**
 * The few assertions the tests need (JSR's @std/assert cannot be reached from here).
 */

/** Thrown when an assertion fails. */
export class AssertionError extends Error {
  override name = "AssertionError";
}

function show(value: unknown): string {
  return Deno.inspect(value, { depth: 10, iterableLimit: 500, strAbbreviateSize: 10_000 });
}

/** Structural equality of JSON-like values, arrays, typed arrays, Maps, Sets and Dates. */
export function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (ArrayBuffer.isView(a)) {
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(
      (b as ArrayBufferView).buffer,
      (b as ArrayBufferView).byteOffset,
      (b as ArrayBufferView).byteLength,
    );
    return x.length === y.length && x.every((v, i) => v === y[i]);
  }
  if (a instanceof Map) {
    const m = b as Map<unknown, unknown>;
    if (a.size !== m.size) return false;
    for (const [k, v] of a) if (!m.has(k) || !equal(v, m.get(k))) return false;
    return true;
  }
  if (a instanceof Set) {
    const s = b as Set<unknown>;
    return a.size === s.size && [...a].every((v) => s.has(v));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  return ka.every((k) =>
    Object.hasOwn(b, k) &&
    equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])
  );
}

/** Fails unless `actual` equals `expected` structurally. */
export function assertEquals<T>(actual: T, expected: T, msg?: string): void {
  if (equal(actual, expected)) return;
  throw new AssertionError(
    `${msg ? msg + "\n" : ""}Values are not equal.\n  actual:   ${show(actual)}\n  expected: ${
      show(expected)
    }`,
  );
}

/** Fails if `actual` equals `expected`. */
export function assertNotEquals<T>(actual: T, expected: T, msg?: string): void {
  if (!equal(actual, expected)) return;
  throw new AssertionError(`${msg ? msg + "\n" : ""}Expected a value other than ${show(actual)}`);
}

/** Fails unless `cond` is truthy. */
export function assert(cond: unknown, msg = "Assertion failed"): asserts cond {
  if (!cond) throw new AssertionError(msg);
}

/** Fails unless `text` contains `part`. */
export function assertStringIncludes(text: string, part: string, msg?: string): void {
  if (text.includes(part)) return;
  throw new AssertionError(
    `${msg ? msg + "\n" : ""}Expected ${show(text)} to include ${show(part)}`,
  );
}

/** Fails unless `text` matches `re`. */
export function assertMatch(text: string, re: RegExp, msg?: string): void {
  if (re.test(text)) return;
  throw new AssertionError(`${msg ? msg + "\n" : ""}Expected ${show(text)} to match ${re}`);
}

type ErrorClass = abstract new (...args: never[]) => Error;

function checkError(e: unknown, cls?: ErrorClass, includes?: string): Error {
  if (!(e instanceof Error)) throw new AssertionError(`Expected an Error, got ${show(e)}`);
  const err: Error = e;
  if (cls && !(e instanceof cls)) {
    throw new AssertionError(`Expected ${cls.name}, got ${err.name}: ${err.message}`);
  }
  if (includes !== undefined && !e.message.includes(includes)) {
    throw new AssertionError(`Expected the message to include ${show(includes)}: ${e.message}`);
  }
  return e;
}

/** Fails unless `fn` throws (an instance of `cls` whose message includes `includes`). */
export function assertThrows(fn: () => unknown, cls?: ErrorClass, includes?: string): Error {
  try {
    fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  throw new AssertionError("Expected the function to throw");
}

/** Fails unless `fn` rejects (with an instance of `cls` whose message includes `includes`). */
export async function assertRejects(
  fn: () => Promise<unknown>,
  cls?: ErrorClass,
  includes?: string,
): Promise<Error> {
  try {
    await fn();
  } catch (e) {
    return checkError(e, cls, includes);
  }
  throw new AssertionError("Expected the promise to reject");
}
