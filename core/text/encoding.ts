/**
 * Text encoders that write exactly the bytes CPython writes: Python's codec names and aliases,
 * its error policies (`errors=`) and its `UnicodeEncodeError` messages.
 *
 * JavaScript strings, like Python's, may hold lone surrogates; a valid surrogate pair is one
 * astral character here, just as Python sees one code point. Positions in errors count code
 * points, as Python does.
 *
 * @module
 */

import {
  CODE_PAGES,
  codePageAliases,
  codePageModules,
  type CodePageName,
  encodingTable,
} from "./codepages.ts";
import { escapeCodePoint } from "./pystr.ts";

export type { CodePageName };

/**
 * A canonical encoding name, as returned by {@linkcode normalizeEncoding}: Python's Unicode
 * codecs, Latin-1, ASCII and the single-byte code pages ({@linkcode CodePageName}).
 */
export type EncodingName =
  | "utf-8"
  | "utf-8-sig"
  | "utf-16"
  | "utf-16-le"
  | "utf-16-be"
  | "utf-32"
  | "utf-32-le"
  | "utf-32-be"
  | "latin-1"
  | "ascii"
  | CodePageName;

/**
 * The canonical names of the supported encodings: Python's Unicode codecs, Latin-1, ASCII and
 * the single-byte code pages.
 */
export const ENCODINGS: readonly EncodingName[] = [
  "utf-8",
  "utf-8-sig",
  "utf-16",
  "utf-16-le",
  "utf-16-be",
  "utf-32",
  "utf-32-le",
  "utf-32-be",
  "latin-1",
  "ascii",
  ...CODE_PAGES,
];

/**
 * The supported values of Python's `errors` option. `namereplace` is not among them: it needs
 * the Unicode character name database.
 */
export const ERROR_POLICIES: readonly ErrorPolicy[] = [
  "strict",
  "ignore",
  "replace",
  "backslashreplace",
  "xmlcharrefreplace",
  "surrogateescape",
  "surrogatepass",
];

/**
 * A value of Python's `errors` option: what to do with text the encoding cannot represent
 * (`"strict"` reports it, `"replace"` writes `?`, ...). Checked at run time too.
 */
export type ErrorPolicy =
  | "strict"
  | "ignore"
  | "replace"
  | "backslashreplace"
  | "xmlcharrefreplace"
  | "surrogateescape"
  | "surrogatepass";

/** Encodes text for one stream; see {@linkcode createEncoder}. */
export interface Encoder {
  /** The canonical encoding name. */
  readonly encoding: EncodingName;
  /** The error policy. */
  readonly errors: ErrorPolicy;
  /**
   * The byte order mark to write once at the start of a new (empty) file: `FF FE` for
   * `utf-16`, `FF FE 00 00` for `utf-32`, `EF BB BF` for `utf-8-sig` (on a little-endian
   * machine; Python uses the machine's byte order), and empty otherwise. CPython's
   * FileHandler writes it with the first record when the file is empty when opened (modes
   * `"w"`, `"x"`, or `"a"` on an empty or new file) and never when it appends to a non-empty file.
   */
  readonly bom: Uint8Array;
  /**
   * Encodes `text` like Python's `text.encode(encoding, errors)`, without the BOM.
   *
   * The result may be a view into a buffer the encoder reuses: it is valid until the next call
   * of `encode`; copy it to keep it.
   *
   * @param text The text.
   * @returns The encoded bytes.
   * @throws {UnicodeEncodeError} Under a policy that cannot handle a character.
   */
  encode(text: string): Uint8Array;
}

/**
 * Python's `UnicodeEncodeError`: a character the encoding cannot hold, under a policy that
 * cannot handle it. `start` and `end` count code points (a surrogate pair is one), as in Python.
 *
 * @example
 * ```ts
 * import { createEncoder, UnicodeEncodeError } from "@x/loghandlers/extend";
 * let caught: unknown;
 * try {
 *   createEncoder("ascii").encode("café");
 * } catch (error) {
 *   caught = error;
 * }
 * console.assert(caught instanceof UnicodeEncodeError && caught.start === 3);
 * console.assert(
 *   (caught as Error).message ===
 *     "'ascii' codec can't encode character '\\xe9' in position 3: ordinal not in range(128)",
 * );
 * ```
 */
export class UnicodeEncodeError extends Error {
  /** Always `"UnicodeEncodeError"`, Python's class name. */
  override name = "UnicodeEncodeError";
  /** The codec's name as Python reports it, such as `'utf-8'` or `'utf-16-le'`. */
  readonly encoding: string;
  /** The text that was being encoded. */
  readonly object: string;
  /** The code point index of the first character that failed. */
  readonly start: number;
  /** The code point index after the last character that failed. */
  readonly end: number;
  /** Why, such as `"surrogates not allowed"`. */
  readonly reason: string;

  /**
   * Creates the error; its message is Python's `str(UnicodeEncodeError)`.
   *
   * @param encoding The codec's name.
   * @param object The text.
   * @param start The code point index of the first failing character.
   * @param end The code point index after the last failing character.
   * @param reason Why it failed.
   */
  constructor(encoding: string, object: string, start: number, end: number, reason: string) {
    super(describeFailure(encoding, object, start, end, reason));
    this.encoding = encoding;
    this.object = object;
    this.start = start;
    this.end = end;
    this.reason = reason;
  }
}

function describeFailure(
  encoding: string,
  text: string,
  start: number,
  end: number,
  reason: string,
): string {
  if (end !== start + 1) {
    return `'${encoding}' codec can't encode characters in position ${start}-${end - 1}: ${reason}`;
  }
  let cp = 0;
  let index = 0;
  for (const ch of text) {
    if (index++ === start) {
      cp = ch.codePointAt(0)!;
      break;
    }
  }
  const shown = escapeCodePoint(cp);
  return `'${encoding}' codec can't encode character '${shown}' in position ${start}: ${reason}`;
}

// Python's module names (encodings.<module>) for the supported codecs.
const MODULES: Readonly<Record<string, EncodingName>> = {
  utf_8: "utf-8",
  utf_8_sig: "utf-8-sig",
  utf_16: "utf-16",
  utf_16_le: "utf-16-le",
  utf_16_be: "utf-16-be",
  utf_32: "utf-32",
  utf_32_le: "utf-32-le",
  utf_32_be: "utf-32-be",
  latin_1: "latin-1",
  ascii: "ascii",
};

// The entries of CPython 3.13's encodings.aliases that name a supported codec.
const ALIASES: Readonly<Record<string, string>> = {
  "646": "ascii",
  "ansi_x3.4_1968": "ascii",
  "ansi_x3.4_1986": "ascii",
  ansi_x3_4_1968: "ascii",
  cp367: "ascii",
  csascii: "ascii",
  ibm367: "ascii",
  iso646_us: "ascii",
  "iso_646.irv_1991": "ascii",
  iso_ir_6: "ascii",
  us: "ascii",
  us_ascii: "ascii",
  "8859": "latin_1",
  cp819: "latin_1",
  csisolatin1: "latin_1",
  ibm819: "latin_1",
  iso8859: "latin_1",
  iso8859_1: "latin_1",
  iso_8859_1: "latin_1",
  iso_8859_1_1987: "latin_1",
  iso_ir_100: "latin_1",
  l1: "latin_1",
  latin: "latin_1",
  latin1: "latin_1",
  cp65001: "utf_8",
  u8: "utf_8",
  utf: "utf_8",
  utf8: "utf_8",
  utf8_ucs2: "utf_8",
  utf8_ucs4: "utf_8",
  u16: "utf_16",
  utf16: "utf_16",
  unicodebigunmarked: "utf_16_be",
  unicodelittleunmarked: "utf_16_le",
  utf_16be: "utf_16_be",
  utf_16le: "utf_16_le",
  u32: "utf_32",
  utf32: "utf_32",
  utf_32be: "utf_32_be",
  utf_32le: "utf_32_le",
};

const NON_ASCII_ALNUM = /^[\p{L}\p{N}]$/u;

// Python's encodings.normalize_encoding after the codec registry's ASCII lower-casing: runs of
// characters other than letters, digits and '.' become one '_', leading and trailing ones
// vanish, and non-ASCII letters and digits are dropped.
function pythonNormalize(name: string): string {
  let out = "";
  let punct = false;
  for (const ch of name) {
    const c = ch.charCodeAt(0);
    const asciiAlnum = (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) ||
      (c >= 0x61 && c <= 0x7a) || c === 0x2e;
    if (asciiAlnum || (c > 0x7f && NON_ASCII_ALNUM.test(ch))) {
      if (punct && out !== "") out += "_";
      if (asciiAlnum) out += ch.toLowerCase();
      punct = false;
    } else {
      punct = true;
    }
  }
  return out;
}

/** Module name to canonical name, and alias to module name: the built-in codecs' and the code pages'. */
let registry: { modules: Map<string, EncodingName>; aliases: Map<string, string> } | undefined;

function codecRegistry(): NonNullable<typeof registry> {
  return registry ??= {
    modules: new Map<string, EncodingName>([
      ...Object.entries(MODULES),
      ...codePageModules(),
    ]),
    aliases: new Map([...Object.entries(ALIASES), ...codePageAliases()]),
  };
}

function lookup(name: string): EncodingName | undefined {
  // Python's open() takes "locale" (exactly) for the locale's encoding; Deno's text is UTF-8.
  if (name === "locale") return "utf-8";
  if (name.includes("\0")) return undefined;
  const { modules, aliases } = codecRegistry();
  const norm = pythonNormalize(name);
  const aliased = aliases.get(norm) ?? aliases.get(norm.replaceAll(".", "_"));
  for (const module of aliased === undefined ? [norm] : [aliased, norm]) {
    if (module !== "" && !module.includes(".") && modules.has(module)) {
      return modules.get(module);
    }
  }
  return undefined;
}

// CPython 3.13's multibyte (CJK) codecs and their aliases, refused with a word of their own
// (generated by tests/fixtures/make_codepages.py).
const MULTIBYTE_NAMES =
  "932 936 949 950 big5 big5_hkscs big5_tw big5hkscs chinese cp1361 cp932 cp936 cp949 cp950 " +
  "csbig5 csiso2022jp csiso2022kr csiso58gb231280 csshiftjis euc_cn euc_jis2004 euc_jis_2004 " +
  "euc_jisx0213 euc_jp euc_kr euccn eucgb2312_cn eucjis2004 eucjisx0213 eucjp euckr gb18030 " +
  "gb18030_2000 gb2312 gb2312_1980 gb2312_80 gbk hkscs hz hz_gb hz_gb_2312 hzgb iso2022_jp " +
  "iso2022_jp_1 iso2022_jp_2 iso2022_jp_2004 iso2022_jp_3 iso2022_jp_ext iso2022_kr " +
  "iso2022jp iso2022jp_1 iso2022jp_2 iso2022jp_2004 iso2022jp_3 iso2022jp_ext iso2022kr " +
  "iso_2022_jp iso_2022_jp_1 iso_2022_jp_2 iso_2022_jp_2004 iso_2022_jp_3 iso_2022_jp_ext " +
  "iso_2022_kr iso_ir_58 jisx0213 johab korean ks_c_5601 ks_c_5601_1987 ks_x_1001 ksc5601 " +
  "ksx1001 ms1361 ms932 ms936 ms949 ms950 ms_kanji mskanji s_jis s_jis_2004 s_jisx0213 " +
  "shift_jis shift_jis_2004 shift_jisx0213 shiftjis shiftjis2004 shiftjisx0213 sjis " +
  "sjis_2004 sjisx0213 u_jis uhc ujis windows_31j x_mac_japanese x_mac_korean " +
  "x_mac_simp_chinese x_mac_trad_chinese";
let multibyte: Set<string> | undefined;

/** Whether `name` is one of Python's multibyte codecs, by Python's lookup rules. */
function isMultibyte(name: string): boolean {
  multibyte ??= new Set(MULTIBYTE_NAMES.split(" "));
  const norm = pythonNormalize(name);
  return multibyte.has(norm) || multibyte.has(norm.replaceAll(".", "_"));
}

/** A known spelling that differs from `name` only in punctuation, such as `cp1251` for `cp-1251`. */
function spellingOf(name: string): string | null {
  const bare = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, "");
  const wanted = bare(name);
  if (wanted === "") return null;
  const { modules, aliases } = codecRegistry();
  for (const known of [...ENCODINGS, ...modules.keys(), ...aliases.keys()]) {
    if (bare(known) === wanted) return known;
  }
  return null;
}

/**
 * Resolves an encoding name the way Python's codec registry does: case-insensitive, any run
 * of `-`, `_`, spaces or other punctuation counts as one separator, and Python's aliases work
 * (`utf8`, `u8`, `UTF_8`, `latin1`, `iso-8859-1`, `l1`, `us-ascii`, `646`, `utf16`,
 * `utf_16le`, `windows-1251`, `1251`, `latin2`, `koi8_r`, `macintosh`, ...). `"locale"` means
 * UTF-8, the encoding of Deno's text APIs. As in Python, a name its registry refuses is refused
 * (`cp-1251`: the error suggests `cp1251`).
 *
 * @param name The encoding name as a user wrote it.
 * @param subject What is being created, for the error message, such as `"FileHandler"`.
 * @returns The canonical name, one of {@linkcode ENCODINGS}.
 * @throws {RangeError} For an encoding that is unknown or not supported, listing the supported
 *   ones (and the spelling meant, for a name that differs from one only in punctuation).
 * @throws {TypeError} When `name` is not a string.
 */
export function normalizeEncoding(name: string, subject = "encoder"): EncodingName {
  if (typeof name !== "string") {
    throw new TypeError(
      `Cannot create ${subject} as 'encoding' must be a string: current value is ${String(name)}`,
    );
  }
  const found = lookup(name);
  if (found !== undefined) return found;
  const meant = name.includes("\0") ? null : spellingOf(name);
  throw new RangeError(
    `Cannot create ${subject} as 'encoding' is not supported: current value is '${name}'` +
      (meant !== null
        ? `. Did you mean '${meant}'?`
        : isMultibyte(name)
        ? ". Multibyte codecs (shift_jis, gbk, euc-kr, big5, ...) are not provided: use utf-8."
        : ".") +
      ` Use one of ${ENCODINGS.join(", ")} (Python's aliases such as utf8, latin1, ` +
      `windows-1251 and latin2 work too)`,
  );
}

/**
 * Checks a value of Python's `errors` option. Names are case-sensitive, as in Python.
 *
 * @param errors The policy; `undefined` means `"strict"`.
 * @param subject What is being created, for the error message, such as `"FileHandler"`.
 * @returns The policy, one of {@linkcode ERROR_POLICIES}.
 * @throws {RangeError} For an unknown or unsupported policy, listing the supported ones.
 */
export function checkErrorPolicy(errors: string | undefined, subject = "encoder"): ErrorPolicy {
  if (errors === undefined) return "strict";
  if ((ERROR_POLICIES as readonly unknown[]).includes(errors)) return errors as ErrorPolicy;
  const why = errors === "namereplace" ? " (it needs the Unicode character name database)" : "";
  throw new RangeError(
    `Cannot create ${subject} as 'errors' is not supported${why}: current value is '${
      String(errors)
    }'. Use one of ${ERROR_POLICIES.join(", ")}`,
  );
}

// ---------------------------------------------------------------------------------------------
// Codecs

const UTF8 = 0;
const UCS1 = 1;
const UTF16 = 2;
const UTF32 = 3;
const CHARMAP = 4;

interface Codec {
  /** The name in UnicodeEncodeError messages. */
  readonly pyName: string;
  readonly kind: number;
  /** UCS1: the first code point that cannot be encoded. */
  readonly limit: number;
  readonly littleEndian: boolean;
  readonly reason: string;
  readonly bom: readonly number[];
  /** CHARMAP: each code point's byte from U+0080 to U+FFFF, 0 for none (see encodingTable). */
  readonly table: Uint8Array | null;
}

const NATIVE_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function codec(
  pyName: string,
  kind: number,
  littleEndian: boolean,
  bom: number[] = [],
  limit = 0,
  reason = "surrogates not allowed",
): Codec {
  return { pyName, kind, littleEndian, bom, limit, reason, table: null };
}

const NATIVE_BOM16 = NATIVE_LE ? [0xff, 0xfe] : [0xfe, 0xff];
const NATIVE_BOM32 = NATIVE_LE ? [0xff, 0xfe, 0, 0] : [0, 0, 0xfe, 0xff];

// Python's "utf-16" and "utf-32" use the machine's byte order, with a BOM.
const CODECS: Readonly<Record<Exclude<EncodingName, CodePageName>, Codec>> = {
  "utf-8": codec("utf-8", UTF8, true),
  "utf-8-sig": codec("utf-8", UTF8, true, [0xef, 0xbb, 0xbf]),
  "utf-16": codec("utf-16", UTF16, NATIVE_LE, NATIVE_BOM16),
  "utf-16-le": codec("utf-16-le", UTF16, true),
  "utf-16-be": codec("utf-16-be", UTF16, false),
  "utf-32": codec("utf-32", UTF32, NATIVE_LE, NATIVE_BOM32),
  "utf-32-le": codec("utf-32-le", UTF32, true),
  "utf-32-be": codec("utf-32-be", UTF32, false),
  "latin-1": codec("latin-1", UCS1, true, [], 0x100, "ordinal not in range(256)"),
  "ascii": codec("ascii", UCS1, true, [], 0x80, "ordinal not in range(128)"),
};

const codePageCodecs = new Map<EncodingName, Codec>();

/** The codec of `name`; a code page's encoding map is built the first time it is asked for. */
function codecOf(name: EncodingName): Codec {
  if (Object.hasOwn(CODECS, name)) return CODECS[name as keyof typeof CODECS];
  let found = codePageCodecs.get(name);
  if (found === undefined) {
    // Python's charmap codecs report themselves as 'charmap'.
    found = {
      ...codec("charmap", CHARMAP, true, [], 0, "character maps to <undefined>"),
      table: encodingTable(name as CodePageName),
    };
    codePageCodecs.set(name, found);
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// The general path: every policy, any text. Used when the fast path meets a character the
// encoding cannot hold (a lone surrogate, or a code point beyond Latin-1/ASCII).

class ByteList {
  #bytes: Uint8Array;
  #length = 0;

  constructor(capacity: number) {
    this.#bytes = new Uint8Array(Math.max(16, capacity));
  }

  push(byte: number): void {
    if (this.#length === this.#bytes.length) {
      const bigger = new Uint8Array(this.#bytes.length * 2);
      bigger.set(this.#bytes);
      this.#bytes = bigger;
    }
    this.#bytes[this.#length++] = byte;
  }

  bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }
}

function isSurrogate(cp: number): boolean {
  return cp >= 0xd800 && cp <= 0xdfff;
}

// Writes one code point in the codec's form, without checking that the codec can hold it
// (surrogatepass relies on that).
function writeCodePoint(out: ByteList, codec: Codec, cp: number): void {
  switch (codec.kind) {
    case UCS1:
      out.push(cp);
      return;
    case CHARMAP:
      out.push(cp < 0x80 ? cp : codec.table![cp]);
      return;
    case UTF8:
      if (cp < 0x80) {
        out.push(cp);
      } else if (cp < 0x800) {
        out.push(0xc0 | (cp >> 6));
        out.push(0x80 | (cp & 0x3f));
      } else if (cp < 0x10000) {
        out.push(0xe0 | (cp >> 12));
        out.push(0x80 | ((cp >> 6) & 0x3f));
        out.push(0x80 | (cp & 0x3f));
      } else {
        out.push(0xf0 | (cp >> 18));
        out.push(0x80 | ((cp >> 12) & 0x3f));
        out.push(0x80 | ((cp >> 6) & 0x3f));
        out.push(0x80 | (cp & 0x3f));
      }
      return;
    case UTF16:
      if (cp >= 0x10000) {
        writeUnit16(out, codec.littleEndian, 0xd800 | ((cp - 0x10000) >> 10));
        writeUnit16(out, codec.littleEndian, 0xdc00 | (cp & 0x3ff));
      } else {
        writeUnit16(out, codec.littleEndian, cp);
      }
      return;
    default:
      if (codec.littleEndian) {
        out.push(cp & 0xff);
        out.push((cp >> 8) & 0xff);
        out.push(cp >> 16);
        out.push(0);
      } else {
        out.push(0);
        out.push(cp >> 16);
        out.push((cp >> 8) & 0xff);
        out.push(cp & 0xff);
      }
  }
}

function writeUnit16(out: ByteList, littleEndian: boolean, unit: number): void {
  if (littleEndian) {
    out.push(unit & 0xff);
    out.push(unit >> 8);
  } else {
    out.push(unit >> 8);
    out.push(unit & 0xff);
  }
}

function writeAscii(out: ByteList, codec: Codec, ascii: string): void {
  for (let i = 0; i < ascii.length; i++) writeCodePoint(out, codec, ascii.charCodeAt(i));
}

/** Whether the codec can hold `cp` (a UTF codec holds all but lone surrogates). */
function holds(codec: Codec, cp: number): boolean {
  switch (codec.kind) {
    case UCS1:
      return cp < codec.limit;
    case CHARMAP:
      return cp < 0x80 || (cp < 0x10000 && codec.table![cp] !== 0);
    default:
      return !isSurrogate(cp);
  }
}

/**
 * Encodes any text under any policy, reproducing CPython's encoders: which characters form one
 * failing run (consecutive unencodable characters for Latin-1/ASCII and the code pages,
 * consecutive surrogates for UTF-8, one surrogate at a time for UTF-16/32) and what each
 * policy does with it.
 */
function encodeGeneral(text: string, codec: Codec, policy: ErrorPolicy): Uint8Array {
  const cps: number[] = [];
  for (const ch of text) cps.push(ch.codePointAt(0)!);
  const n = cps.length;
  const singleByte = codec.kind === UCS1 || codec.kind === CHARMAP;
  const out = new ByteList(text.length * (singleByte ? 1 : 4));
  const fail = (start: number, end: number) =>
    new UnicodeEncodeError(codec.pyName, text, start, end, codec.reason);
  let i = 0;
  while (i < n) {
    const cp = cps[i];
    if (holds(codec, cp)) {
      writeCodePoint(out, codec, cp);
      i++;
      continue;
    }
    let end = i + 1;
    if (singleByte) {
      while (end < n && !holds(codec, cps[end])) end++;
    } else if (codec.kind === UTF8) {
      while (end < n && isSurrogate(cps[end])) end++;
    }
    switch (policy) {
      case "strict":
        throw fail(i, end);
      case "ignore":
        break;
      case "replace":
        for (let k = i; k < end; k++) writeCodePoint(out, codec, 0x3f);
        break;
      case "backslashreplace":
        for (let k = i; k < end; k++) writeAscii(out, codec, escapeCodePoint(cps[k]));
        break;
      case "xmlcharrefreplace":
        for (let k = i; k < end; k++) writeAscii(out, codec, `&#${cps[k]};`);
        break;
      case "surrogateescape":
        // U+DC80..U+DCFF become the bytes 0x80..0xFF; the first other character fails with
        // the rest of the run. UTF-16/32 cannot take a single byte, so every surrogate fails.
        if (codec.kind === UTF16 || codec.kind === UTF32) throw fail(i, end);
        // Latin-1/ASCII escape a run's leading U+DC80..U+DCFF before they fail (CPython's fast
        // path); a code page (Python's generic handler) fails the whole run.
        for (let k = i; k < end; k++) {
          if (cps[k] < 0xdc80 || cps[k] > 0xdcff) throw fail(codec.kind === CHARMAP ? i : k, end);
          out.push(cps[k] - 0xdc00);
        }
        break;
      case "surrogatepass":
        // Only the UTF codecs can pass a surrogate through.
        if (singleByte) throw fail(i, end);
        for (let k = i; k < end; k++) writeCodePoint(out, codec, cps[k]);
        break;
    }
    i = end;
  }
  return out.bytes();
}

// ---------------------------------------------------------------------------------------------
// The fast paths: one class per codec family, chosen once in createEncoder.

const utf8 = new TextEncoder();
/** Texts whose worst-case size is above this get a buffer of their own instead of the reused one. */
const MAX_REUSED = 64 * 1024;

/** The first `length` bytes of `buffer` (cheaper than `subarray`, which looks up a species). */
function view(buffer: Uint8Array, length: number): Uint8Array {
  return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
}

/** Returns a reusable buffer of at least `size` bytes, growing `current` geometrically. */
function grown(current: Uint8Array, size: number): Uint8Array {
  return new Uint8Array(Math.min(MAX_REUSED, Math.max(size, current.length * 2)));
}

abstract class BaseEncoder implements Encoder {
  readonly encoding: EncodingName;
  readonly errors: ErrorPolicy;
  readonly bom: Uint8Array;
  protected readonly codec: Codec;
  protected buffer: Uint8Array = new Uint8Array(1024);

  constructor(encoding: EncodingName, errors: ErrorPolicy) {
    this.encoding = encoding;
    this.errors = errors;
    this.codec = codecOf(encoding);
    this.bom = Uint8Array.from(this.codec.bom);
  }

  abstract encode(text: string): Uint8Array;

  /** A buffer of `size` bytes or more: the reused one when that is not too big. */
  protected room(size: number): Uint8Array {
    if (size <= this.buffer.length) return this.buffer;
    if (size > MAX_REUSED) return new Uint8Array(size);
    return this.buffer = grown(this.buffer, size);
  }

  protected general(text: string): Uint8Array {
    return encodeGeneral(text, this.codec, this.errors);
  }
}

class Utf8Encoder extends BaseEncoder {
  encode(text: string): Uint8Array {
    if (!text.isWellFormed()) return this.general(text);
    const size = text.length * 3;
    if (size > MAX_REUSED) return utf8.encode(text);
    const buffer = this.room(size);
    return view(buffer, utf8.encodeInto(text, buffer).written);
  }
}

class Ucs1Encoder extends BaseEncoder {
  encode(text: string): Uint8Array {
    const n = text.length;
    const buffer = this.room(n);
    // ASCII text (the usual log line) is its own UTF-8: one native call.
    const { read, written } = utf8.encodeInto(text, buffer);
    if (read === n && written === n) return view(buffer, n);
    const limit = this.codec.limit;
    if (limit === 0x80) return this.general(text);
    // The ASCII prefix is already in place; Latin-1 takes over at the first other character.
    let i = 0;
    while (i < written && buffer[i] < 0x80) i++;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c >= limit) return this.general(text);
      buffer[i] = c;
    }
    return view(buffer, n);
  }
}

class CharmapEncoder extends BaseEncoder {
  encode(text: string): Uint8Array {
    const n = text.length;
    const buffer = this.room(n);
    // ASCII text (the usual log line) is the same in every code page: one native call.
    const { read, written } = utf8.encodeInto(text, buffer);
    if (read === n && written === n) return view(buffer, n);
    // The ASCII prefix is already in place; the encoding map takes over at the first other
    // character. A character it lacks (an astral one, a lone surrogate) takes the general path.
    const table = this.codec.table!;
    let i = 0;
    while (i < written && buffer[i] < 0x80) i++;
    for (; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x80) {
        buffer[i] = c;
        continue;
      }
      const b = table[c];
      if (b === 0) return this.general(text);
      buffer[i] = b;
    }
    return view(buffer, n);
  }
}

class Utf16Encoder extends BaseEncoder {
  encode(text: string): Uint8Array {
    if (!text.isWellFormed()) return this.general(text);
    const n = text.length;
    const buffer = this.room(n * 2);
    if (this.codec.littleEndian) {
      for (let i = 0, j = 0; i < n; i++, j += 2) {
        const c = text.charCodeAt(i);
        buffer[j] = c;
        buffer[j + 1] = c >> 8;
      }
    } else {
      for (let i = 0, j = 0; i < n; i++, j += 2) {
        const c = text.charCodeAt(i);
        buffer[j] = c >> 8;
        buffer[j + 1] = c;
      }
    }
    return view(buffer, n * 2);
  }
}

class Utf32Encoder extends BaseEncoder {
  encode(text: string): Uint8Array {
    if (!text.isWellFormed()) return this.general(text);
    const n = text.length;
    const buffer = this.room(n * 4);
    const le = this.codec.littleEndian;
    let j = 0;
    for (let i = 0; i < n; i++) {
      const cp = text.codePointAt(i)!;
      if (cp > 0xffff) i++;
      if (le) {
        buffer[j] = cp;
        buffer[j + 1] = cp >> 8;
        buffer[j + 2] = cp >> 16;
        buffer[j + 3] = 0;
      } else {
        buffer[j] = 0;
        buffer[j + 1] = cp >> 16;
        buffer[j + 2] = cp >> 8;
        buffer[j + 3] = cp;
      }
      j += 4;
    }
    return view(buffer, j);
  }
}

/**
 * Creates an encoder for one stream, choosing its code path once. UTF-8 (the default) encodes
 * well-formed text with one native `TextEncoder.encodeInto` call into a reused buffer; Latin-1,
 * ASCII and the code pages (`cp1251`, `iso8859-2`, `koi8-r`, ...) take the same call for ASCII
 * text and a tight loop otherwise (a code page's encoding map is built the first time an
 * encoder for it is created); only text that the encoding cannot hold takes the general path
 * that applies the error policy.
 *
 * The bytes equal Python's `text.encode(encoding, errors)` without the BOM, which
 * {@linkcode Encoder.bom} holds for the caller to write at the start of a new file. Error
 * messages use the codec name `text.encode` reports (`'utf-16'` for `utf-16`; CPython's file
 * objects report `'utf-16-le'` after their first write).
 *
 * @param encoding The encoding, any spelling {@linkcode normalizeEncoding} accepts.
 * @param errors The policy for characters the encoding cannot hold: `strict` throws a
 *   {@linkcode UnicodeEncodeError}, `ignore` drops them, `replace` writes `?`,
 *   `backslashreplace` writes `\xhh`, `\uhhhh` or `\Uhhhhhhhh`, `xmlcharrefreplace` writes
 *   `&#N;`, `surrogateescape` writes U+DC80..U+DCFF as the bytes 0x80..0xFF, `surrogatepass`
 *   writes lone surrogates as UTF-8/16/32 code units.
 * @param subject What is being created, for error messages, such as `"FileHandler"`.
 * @returns The encoder.
 * @throws {RangeError} For an unknown encoding or error policy, listing the supported ones.
 *
 * @example
 * ```ts
 * import { createEncoder } from "@x/loghandlers/extend";
 * const latin1 = createEncoder("latin1", "replace");
 * console.assert(latin1.encoding === "latin-1");
 * console.assert(latin1.encode("é€").join() === "233,63");
 * const utf16 = createEncoder("utf-16");
 * console.assert(utf16.bom.join() === "255,254");
 * console.assert(utf16.encode("a").join() === "97,0");
 * const cyrillic = createEncoder("windows-1251");
 * console.assert(cyrillic.encoding === "cp1251");
 * console.assert(cyrillic.encode("до").join() === "228,238");
 * ```
 */
export function createEncoder(
  encoding: string,
  errors: string | undefined = "strict",
  subject = "encoder",
): Encoder {
  const name = normalizeEncoding(encoding, subject);
  const policy = checkErrorPolicy(errors, subject);
  switch (codecOf(name).kind) {
    case UTF8:
      return new Utf8Encoder(name, policy);
    case UCS1:
      return new Ucs1Encoder(name, policy);
    case CHARMAP:
      return new CharmapEncoder(name, policy);
    case UTF16:
      return new Utf16Encoder(name, policy);
    default:
      return new Utf32Encoder(name, policy);
  }
}

/**
 * Python's `text.encode(encoding, errors)` in one call: the BOM (for `utf-16`, `utf-32`,
 * `utf-8-sig`) followed by the encoded text, in a new array.
 *
 * @param text The text.
 * @param encoding The encoding, any spelling {@linkcode normalizeEncoding} accepts.
 * @param errors The error policy, as for {@linkcode createEncoder}.
 * @returns The bytes, owned by the caller.
 * @throws {UnicodeEncodeError} Under a policy that cannot handle a character.
 * @throws {RangeError} For an unknown encoding or error policy.
 *
 * @example
 * ```ts
 * import { encodeText } from "@x/loghandlers/extend";
 * console.assert(encodeText("\ud800", "utf-8", "backslashreplace").join() ===
 *   [..."\\ud800"].map((c) => c.charCodeAt(0)).join());
 * ```
 */
export function encodeText(
  text: string,
  encoding: string,
  errors: string | undefined = "strict",
): Uint8Array {
  const encoder = createEncoder(encoding, errors);
  const body = encoder.encode(text);
  const out = new Uint8Array(encoder.bom.length + body.length);
  out.set(encoder.bom);
  out.set(body, encoder.bom.length);
  return out;
}
