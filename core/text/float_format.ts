/**
 * Python's float-to-text conversions (`repr(float)`, `%e %f %g`, `format(x, ".3f")`), digit for
 * digit: correctly rounded, with round-half-even on exact binary ties. JavaScript's `toFixed`,
 * `toExponential` and `toPrecision` are exact except that they round ties up, so they serve as
 * the fast path and exact `BigInt` arithmetic takes over on ties and beyond their limits.
 *
 * @module
 */

/** Flag of {@linkcode formatFloat}: the alternate form (`#`), which keeps the decimal point. */
export const FLOAT_ALT = 1;
/** Flag of {@linkcode formatFloat}: add `.0` to a number printed without a fraction or exponent. */
export const FLOAT_ADD_DOT_0 = 2;
/** Flag of {@linkcode formatFloat}: print a negative zero (or one rounded to zero) unsigned. */
export const FLOAT_NO_NEG_0 = 4;

const view = new DataView(new ArrayBuffer(8));

/**
 * The longest string JavaScript can hold here, in UTF-16 code units: V8's limit of `2**29 - 24`.
 * CPython builds longer texts (`'%.999999999f' % 1.5` is a billion characters); the text helpers
 * refuse them at once with a `RangeError` instead of failing after the work.
 */
export const MAX_TEXT_LENGTH = 536_870_888;

/**
 * `fill.repeat(count)` for the padding of a width or a precision, which a format string can make
 * arbitrarily large: a negative count gives `""`, and a text longer than
 * {@linkcode MAX_TEXT_LENGTH} is refused before any work (CPython would build it).
 *
 * @param fill The text to repeat, usually one character.
 * @param count How many times.
 * @returns The repeated text.
 * @throws {RangeError} When the text would be longer than {@linkcode MAX_TEXT_LENGTH}.
 */
export function repeatText(fill: string, count: number): string {
  if (!(count > 0)) return "";
  const length = fill.length * count;
  if (length > MAX_TEXT_LENGTH) {
    throw new RangeError(
      `Cannot pad a text with ${length} more characters: a JavaScript string holds at most ` +
        `${MAX_TEXT_LENGTH}; use a smaller width or precision`,
    );
  }
  return fill.repeat(count);
}

/**
 * More significant digits than the exact decimal value of any double has (767 at most): the
 * digits past them are zeros, so a larger precision needs no more arithmetic.
 */
const MAX_SIGNIFICANT = 800;

/** The exponent of the lowest set bit of a finite `x > 0`: `x` is an odd multiple of 2**result. */
function lowBit(x: number): number {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  const exponent = biased === 0 ? -1074 : biased - 1075;
  if (lo !== 0) return exponent + 31 - Math.clz32(lo & -lo);
  const top = biased === 0 ? hi & 0xfffff : (hi & 0xfffff) | 0x100000;
  return exponent + 63 - Math.clz32(top & -top);
}

/** `x` (finite, > 0) as the exact fraction `num / den`. */
function fraction(x: number): [bigint, bigint] {
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) mantissa |= 1n << 52n;
  const exponent = biased === 0 ? -1074 : biased - 1075;
  return exponent >= 0 ? [mantissa << BigInt(exponent), 1n] : [mantissa, 1n << BigInt(-exponent)];
}

/** `num / den` rounded to an integer, ties to even. */
function roundDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  const twice = (num % den) * 2n;
  return twice > den || (twice === den && (q & 1n) === 1n) ? q + 1n : q;
}

function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** `ax` (finite, >= 0) with exactly `p` digits after the point, correctly rounded. */
function fixed(ax: number, p: number): string {
  if (ax < 1e21 && p <= 100 && (ax === 0 || lowBit(ax) !== -(p + 1))) return ax.toFixed(p);
  // The exact value ends `exact` digits after the point: beyond, the digits are zeros, so a huge
  // precision costs the padding only (CPython pads the same way).
  const exact = ax === 0 ? 0 : Math.max(0, -lowBit(ax));
  if (p > exact) {
    const zeros = repeatText("0", p - exact);
    const head = ax < 1e21 && exact <= 100 ? ax.toFixed(exact) : fixedExact(ax, exact);
    return (exact === 0 ? head + "." : head) + zeros;
  }
  return fixedExact(ax, p);
}

/** {@linkcode fixed} by exact arithmetic, for `p` at most 1074. */
function fixedExact(ax: number, p: number): string {
  const [num, den] = fraction(ax);
  const digits = roundDiv(num * pow10(p), den).toString();
  if (p === 0) return digits;
  const padded = digits.length <= p ? "0".repeat(p + 1 - digits.length) + digits : digits;
  return padded.slice(0, padded.length - p) + "." + padded.slice(padded.length - p);
}

/**
 * `ax` (finite, >= 0) rounded to `n` significant digits: the value is `d.ddd × 10**exp`, where
 * `digits` holds the first digits (at least one, at most `n`) and the rest up to `n` are zeros.
 */
function significant(ax: number, n: number): { digits: string; exp: number } {
  if (ax === 0) return { digits: "0", exp: 0 };
  // A double's exact decimal value has at most 767 significant digits: more are zeros.
  if (n > MAX_SIGNIFICANT) n = MAX_SIGNIFICANT;
  if (n <= 101) {
    const s = ax.toExponential(n - 1);
    const e = s.indexOf("e");
    const exp = +s.slice(e + 1);
    // An exact tie needs ax * 10**(n-1-exp) to be an odd multiple of 1/2.
    if (lowBit(ax) !== exp - n) {
      return { digits: n === 1 ? s[0] : s[0] + s.slice(2, e), exp };
    }
  }
  const [num, den] = fraction(ax);
  let exp = Math.floor(Math.log10(ax));
  const atLeast = (e: number) => e >= 0 ? num >= den * pow10(e) : num * pow10(-e) >= den;
  while (!atLeast(exp)) exp--;
  while (atLeast(exp + 1)) exp++;
  const k = n - 1 - exp;
  let q = k >= 0 ? roundDiv(num * pow10(k), den) : roundDiv(num, den * pow10(-k));
  if (q === pow10(n)) {
    q = pow10(n - 1);
    exp++;
  }
  return { digits: q.toString(), exp };
}

/** The shortest digits that round-trip, as `0.digits × 10**decpt`. */
function shortest(ax: number): { digits: string; decpt: number } {
  const s = String(ax);
  const e = s.indexOf("e");
  const mantissa = e < 0 ? s : s.slice(0, e);
  const dot = mantissa.indexOf(".");
  const whole = dot < 0 ? mantissa : mantissa.slice(0, dot);
  let digits = dot < 0 ? whole : whole + mantissa.slice(dot + 1);
  let decpt = whole.length + (e < 0 ? 0 : +s.slice(e + 1));
  let start = 0;
  while (start < digits.length - 1 && digits[start] === "0") start++;
  decpt -= start;
  let end = digits.length;
  while (end > start + 1 && digits[end - 1] === "0") end--;
  digits = digits.slice(start, end);
  return { digits, decpt: digits === "0" ? 1 : decpt };
}

function exponent(exp: number, upper: boolean): string {
  const abs = exp < 0 ? -exp : exp;
  return (upper ? "E" : "e") + (exp < 0 ? "-" : "+") + (abs < 10 ? "0" + abs : abs);
}

/**
 * Lays out `0.digits × 10**decpt` the way CPython's `format_float_short` does: the digits,
 * padded with zeros up to position `end`, with a decimal point and, if asked, an exponent.
 */
function layout(
  digits: string,
  decpt: number,
  useExp: boolean,
  end: number,
  addDot0: boolean,
  alt: boolean,
  upper: boolean,
): string {
  let exp = 0;
  if (useExp) {
    exp = decpt - 1;
    decpt = 1;
  }
  end = Math.max(end, !useExp && addDot0 ? decpt + 1 : decpt);
  const n = digits.length;
  let whole: string;
  if (decpt <= 0) whole = "0";
  else whole = decpt <= n ? digits.slice(0, decpt) : digits + "0".repeat(decpt - n);
  let frac = "";
  if (decpt < 0) frac = "0".repeat(Math.min(end, 0) - decpt);
  const from = Math.max(decpt, 0);
  if (from < n && from < end) frac += digits.slice(from, Math.min(n, end));
  frac += repeatText("0", end - Math.max(n, decpt));
  let out = frac.length > 0 || alt ? whole + "." + frac : whole;
  if (useExp) out += exponent(exp, upper);
  return out;
}

/**
 * Python's `PyOS_double_to_string`: formats `x` with a float presentation type and precision.
 * The result carries a `-` for negative numbers (and `-0.0`) but never a `+`: signs requested by
 * a format are the caller's business. Infinities and NaN print as `inf`, `-inf`, `nan` (upper
 * case for `E F G`).
 *
 * @param x The number.
 * @param type `e E f F g G`, or `r` for `repr()` (which ignores `precision`).
 * @param precision Digits after the point (`e f`) or significant digits (`g`, where 0 means 1).
 * @param flags A sum of {@linkcode FLOAT_ALT}, {@linkcode FLOAT_ADD_DOT_0},
 *   {@linkcode FLOAT_NO_NEG_0}.
 * @returns The text, exactly as CPython prints it. A huge precision costs the length of the
 *   text, not more: the digits past those of the exact value are zeros.
 * @throws {RangeError} When the text would be longer than {@linkcode MAX_TEXT_LENGTH} (CPython
 *   builds it: `'%.999999999f' % 1.5` is a billion characters).
 *
 * @example
 * ```ts
 * import { formatFloat } from "@x/loghandlers/extend";
 * console.assert(formatFloat(2.5, "f", 0, 0) === "2");
 * console.assert(formatFloat(0.125, "e", 1, 0) === "1.2e-01");
 * console.assert(formatFloat(1e16, "r", 0, 0) === "1e+16");
 * console.assert(formatFloat(1.5, "g", 999_999_999, 0) === "1.5");
 * console.assert(formatFloat(0.5, "f", 5000, 0).length === 5002);
 * ```
 */
export function formatFloat(x: number, type: string, precision: number, flags: number): string {
  const upper = type === "E" || type === "F" || type === "G";
  if (x !== x) return upper ? "NAN" : "nan";
  const negative = x < 0 || Object.is(x, -0);
  if (x === Infinity || x === -Infinity) return (negative ? "-" : "") + (upper ? "INF" : "inf");
  const ax = negative ? -x : x;
  const alt = (flags & FLOAT_ALT) !== 0;
  let body: string;
  let zero = ax === 0;
  switch (type) {
    case "f":
    case "F": {
      body = fixed(ax, precision);
      if (alt && precision === 0) body += ".";
      if (!zero && (flags & FLOAT_NO_NEG_0) !== 0) zero = /^[0.]*$/.test(body);
      break;
    }
    case "e":
    case "E": {
      const { digits, exp } = significant(ax, precision + 1);
      body = digits[0];
      if (precision > 0 || alt) {
        body += "." + digits.slice(1) + repeatText("0", precision + 1 - digits.length);
      }
      body += exponent(exp, upper);
      break;
    }
    case "g":
    case "G": {
      const p = precision === 0 ? 1 : precision;
      const { digits, exp } = significant(ax, p);
      let end = digits.length;
      while (end > 1 && digits[end - 1] === "0") end--;
      const trimmed = ax === 0 ? "0" : digits.slice(0, end);
      const decpt = ax === 0 ? 1 : exp + 1;
      const addDot0 = (flags & FLOAT_ADD_DOT_0) !== 0;
      const useExp = decpt <= -4 || decpt > (addDot0 ? p - 1 : p);
      body = layout(trimmed, decpt, useExp, alt ? p : trimmed.length, addDot0, alt, upper);
      break;
    }
    case "r": {
      const { digits, decpt } = shortest(ax);
      const useExp = decpt <= -4 || decpt > 16;
      body = layout(
        digits,
        decpt,
        useExp,
        digits.length,
        (flags & FLOAT_ADD_DOT_0) !== 0,
        alt,
        false,
      );
      break;
    }
    default:
      throw new TypeError(`formatFloat: unknown presentation type '${type}'`);
  }
  return negative && !(zero && (flags & FLOAT_NO_NEG_0) !== 0) ? "-" + body : body;
}

/**
 * Python's `repr()` (and `str()`) of a float: the shortest digits that read back as the same
 * number, in exponent form when the decimal exponent is below -4 or at least 16, always with a
 * `.0` or an exponent.
 *
 * @param x The number.
 * @returns The text, such as `0.1`, `2.0`, `1e-05`, `1e+16`, `nan`, `-inf`.
 *
 * @example
 * ```ts
 * import { floatRepr } from "@x/loghandlers/extend";
 * console.assert(floatRepr(0.1) === "0.1");
 * console.assert(floatRepr(2) === "2.0");
 * console.assert(floatRepr(0.00001) === "1e-05");
 * ```
 */
export function floatRepr(x: number): string {
  const ax = x < 0 ? -x : x;
  if (ax >= 1e-4 && ax < 1e16) {
    const s = String(x);
    return Number.isInteger(x) ? s + ".0" : s;
  }
  if (x !== x) return "nan";
  if (ax === Infinity) return x < 0 ? "-inf" : "inf";
  return formatFloat(x, "r", 0, FLOAT_ADD_DOT_0);
}
