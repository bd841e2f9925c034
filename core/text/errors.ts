/**
 * Python's built-in exception classes that have no JavaScript counterpart, so that errors read
 * like Python's (`KeyError: 'user'`, `ValueError: incomplete format`). Python's `TypeError` is
 * JavaScript's {@linkcode TypeError}.
 *
 * @module
 */

/**
 * A value has the right type but is not acceptable (Python's `ValueError`), such as a malformed
 * format string.
 *
 * @example
 * ```ts
 * import { ValueError } from "@x/loghandlers/extend";
 * const error = new ValueError("incomplete format");
 * console.assert(String(error) === "ValueError: incomplete format");
 * ```
 */
export class ValueError extends Error {
  /** The class name Python prints before the message: `ValueError`. */
  override name = "ValueError";
}

/**
 * A mapping has no such key (Python's `KeyError`). As in Python, the message is the key's repr,
 * so a missing `user` reads `KeyError: 'user'`.
 *
 * @example
 * ```ts
 * import { KeyError } from "@x/loghandlers/extend";
 * const error = new KeyError("'user'");
 * console.assert(String(error) === "KeyError: 'user'");
 * ```
 */
export class KeyError extends Error {
  /** The class name Python prints before the message: `KeyError`. */
  override name = "KeyError";
}

/**
 * A sequence index is out of range (Python's `IndexError`).
 *
 * @example
 * ```ts
 * import { IndexError } from "@x/loghandlers/extend";
 * const error = new IndexError("list index out of range");
 * console.assert(String(error) === "IndexError: list index out of range");
 * ```
 */
export class IndexError extends Error {
  /** The class name Python prints before the message: `IndexError`. */
  override name = "IndexError";
}

/**
 * An object has no such attribute (Python's `AttributeError`), as in `"{a.size}"` when `a` has
 * no `size` property.
 *
 * @example
 * ```ts
 * import { AttributeError } from "@x/loghandlers/extend";
 * const error = new AttributeError("'dict' object has no attribute 'size'");
 * console.assert(error.name === "AttributeError");
 * ```
 */
export class AttributeError extends Error {
  /** The class name Python prints before the message: `AttributeError`. */
  override name = "AttributeError";
}

/**
 * A number is too large for the operation (Python's `OverflowError`), such as `%c` with a code
 * point above `0x10FFFF`. It extends {@linkcode RangeError}, its JavaScript counterpart.
 *
 * @example
 * ```ts
 * import { OverflowError } from "@x/loghandlers/extend";
 * const error = new OverflowError("%c arg not in range(0x110000)");
 * console.assert(error instanceof RangeError && error.name === "OverflowError");
 * ```
 */
export class OverflowError extends RangeError {
  /** The class name Python prints before the message: `OverflowError`. */
  override name = "OverflowError";
}
