import {
  checkErrorPolicy,
  createEncoder,
  encodeText,
  ENCODINGS,
  ERROR_POLICIES,
  normalizeEncoding,
  UnicodeEncodeError,
} from "../core/text/encoding.ts";
import {
  CODE_PAGES,
  type CodePageName,
  decodeCodePage,
  decodingTable,
} from "../core/text/codepages.ts";
import { FileHandler } from "../handlers/file.ts";
import { makeLogRecord } from "../core/record.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { fromHex, hex } from "./helpers/bytes.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/** What `text.encode(encoding, errors)` gives: the bytes in hex, or the error's class and text. */
type Outcome = { hex: string } | { error: string; message: string; start: number; end: number };

function outcome(fn: () => Uint8Array): Outcome {
  try {
    return { hex: hex(fn()) };
  } catch (e) {
    if (!(e instanceof UnicodeEncodeError)) throw e;
    return { error: e.name, message: e.message, start: e.start, end: e.end };
  }
}

const TEXTS: string[] = [
  "",
  "hello, world: request handled in 12ms status=200",
  "café naïve façade ÿ Ä",
  "price 5€ — “quoted” ✓ ĀŁ",
  "日本語のログ 中文 한국어",
  "rocket 🚀 and 😀 and 𝄞",
  "\ud800",
  "\udc80",
  "\ud83dstart",
  "mid\udfffdle",
  "end\ud83d",
  "\udc80\udcff\ud800x",
  "x\udc80\udc81y\udcffz",
  "\ude00\ud83d",
  "\ud83d\ud83d\ude00",
  "é\udc80😀\ud800€ \udcc3\udca9",
  "nul\0ctl\x01\t\x1b\x7f\x80\x9f\xa0end\n",
  "\u00ff\u0100\uffff\u{10000}\u{10ffff}",
  "ascii then é then \udc80",
  "x".repeat(1500) + "é€😀\udc80",
  "é€😀 ".repeat(5600),
  "\udc80".repeat(3000),
];

const ENCODE_SCRIPT = `
import json, sys
out = []
for text, encoding, errors in json.load(sys.stdin):
    try:
        out.append({"hex": text.encode(encoding, errors).hex()})
    except UnicodeEncodeError as e:
        out.append({"error": type(e).__name__, "message": str(e), "start": e.start, "end": e.end})
print(json.dumps(out))
`;

Deno.test({
  name: "encoders write the bytes (or raise the UnicodeEncodeError) of CPython's str.encode",
  ignore: !hasPython,
  fn: async () => {
    const cases: [string, string, string][] = [];
    for (const encoding of ENCODINGS) {
      for (const errors of ERROR_POLICIES) {
        for (const text of TEXTS) cases.push([text, encoding, errors]);
      }
    }
    const expected = await runPython<Outcome[]>(ENCODE_SCRIPT, cases);
    assertEquals(expected.length, cases.length);
    let failures = 0;
    const report: string[] = [];
    let k = 0;
    for (const encoding of ENCODINGS) {
      for (const errors of ERROR_POLICIES) {
        // One encoder per stream, reused across texts, as a handler does.
        const encoder = createEncoder(encoding, errors);
        for (const text of TEXTS) {
          const want = expected[k++];
          const once = outcome(() => encodeText(text, encoding, errors));
          const streamed = outcome(() => {
            const body = encoder.encode(text);
            const all = new Uint8Array(encoder.bom.length + body.length);
            all.set(encoder.bom);
            all.set(body, encoder.bom.length);
            return all;
          });
          for (const got of [once, streamed]) {
            if (JSON.stringify(got) !== JSON.stringify(want)) {
              failures++;
              if (report.length < 10) {
                report.push(
                  `${encoding}/${errors} ${JSON.stringify(text).slice(0, 60)}:\n  got  ${
                    JSON.stringify(got).slice(0, 300)
                  }\n  want ${JSON.stringify(want).slice(0, 300)}`,
                );
              }
            }
          }
        }
      }
    }
    assertEquals(failures, 0, report.join("\n"));
  },
});

const CODE_PAGE_SCRIPT = `
import json, sys
out = {}
bmp = "".join(chr(c) for c in range(0x80, 0x10000) if not 0xd800 <= c <= 0xdfff)
for name in json.load(sys.stdin):
    decoded = bytes(range(256)).decode(name, "replace")
    encoded = bmp.encode(name, "replace")
    out[name] = {
        "decoded": [ord(c) for c in decoded],
        # The encoding map over the whole BMP: each character the code page holds, and its byte.
        "map": [[ord(c), b] for c, b in zip(bmp, encoded) if b != 0x3f or c == "?"],
    }
print(json.dumps(out))
`;

Deno.test({
  name: "every code page decodes all 256 bytes and encodes the whole BMP as CPython's codec does",
  ignore: !hasPython,
  fn: async () => {
    const expected = await runPython<Record<string, { decoded: number[]; map: number[][] }>>(
      CODE_PAGE_SCRIPT,
      CODE_PAGES,
    );
    let bmp = "";
    for (let c = 0x80; c < 0x10000; c++) {
      if (c < 0xd800 || c > 0xdfff) bmp += String.fromCharCode(c);
    }
    for (const name of CODE_PAGES) {
      const decoded = Array.from(decodingTable(name), (cp) => cp < 0 ? 0xfffd : cp);
      assertEquals(decoded, expected[name].decoded, `${name}: bytes(range(256)).decode()`);
      const encoded = createEncoder(name, "replace").encode(bmp);
      const map: number[][] = [];
      for (let i = 0; i < bmp.length; i++) {
        if (encoded[i] !== 0x3f) map.push([bmp.charCodeAt(i), encoded[i]]);
      }
      assertEquals(map, expected[name].map, `${name}: the encoding map`);
    }
  },
});

Deno.test({
  name: "a code page's text encodes (and decodes strictly) to CPython's bytes and errors",
  ignore: !hasPython,
  fn: async () => {
    const cases: [CodePageName, string, string][] = [
      ["cp1251", "\u0434\u043e \u0441\u0432\u0438\u0434\u0430\u043d\u0438\u044f", ""],
      ["cp1251", "", "6162988a"],
      ["cp1252", "price 5€, naïve", "81"],
      ["koi8-r", "Привет, мир", "ff"],
      ["koi8-u", "Ґанок ╝╬", "ae"],
      ["iso8859-9", "İstanbul ığdır", "80"],
      ["cp437", "╔═╗ 25°C ±1", "ff"],
      ["mac-roman", "Café ƒ ∂", "7f"],
      ["tis-620", "ภาษาไทย", "a0"],
      ["cp1255", "שלום", "ca"],
    ];
    const expected = await runPython<[string, string][]>(
      `
import json, sys
out = []
for name, text, data in json.load(sys.stdin):
    try:
        decoded = bytes.fromhex(data).decode(name)
    except UnicodeDecodeError as e:
        decoded = str(e)
    out.append([text.encode(name).hex(), decoded])
print(json.dumps(out))
`,
      cases,
    );
    const got = cases.map(([name, text, data]) => {
      let decoded: string;
      try {
        decoded = decodeCodePage(fromHex(data), name);
      } catch (e) {
        decoded = (e as Error).message;
      }
      return [hex(createEncoder(name).encode(text)), decoded];
    });
    assertEquals(got, expected);
  },
});

Deno.test("UnicodeEncodeError carries Python's attributes and message forms", () => {
  const one = assertThrows(() => createEncoder("ascii").encode("abcé"), UnicodeEncodeError);
  assertEquals(
    one.message,
    "'ascii' codec can't encode character '\\xe9' in position 3: ordinal not in range(128)",
  );
  assertEquals(one.name, "UnicodeEncodeError");
  const run = assertThrows(() => createEncoder("utf-8").encode("😀\ud800\udbff!"));
  assert(run instanceof UnicodeEncodeError);
  assertEquals(
    run.message,
    "'utf-8' codec can't encode characters in position 1-2: surrogates not allowed",
  );
  assertEquals([run.encoding, run.start, run.end, run.reason], [
    "utf-8",
    1,
    3,
    "surrogates not allowed",
  ]);
  assertEquals(run.object, "😀\ud800\udbff!");
  const astral = assertThrows(() => createEncoder("latin-1").encode("ab😀"), UnicodeEncodeError);
  assertEquals(
    astral.message,
    "'latin-1' codec can't encode character '\\U0001f600' in position 2: ordinal not in range(256)",
  );
});

Deno.test("utf-8 encode returns a view of a reused buffer, valid until the next call", () => {
  const encoder = createEncoder("utf-8");
  const first = encoder.encode("first line");
  const copy = first.slice();
  const second = encoder.encode("other text");
  assertEquals(new TextDecoder().decode(second), "other text");
  assertEquals(new TextDecoder().decode(copy), "first line");
  const big = "é".repeat(100_000);
  assertEquals(new TextDecoder().decode(encoder.encode(big)), big, "larger than the reused buffer");
  assertEquals(new TextDecoder().decode(encoder.encode("small again")), "small again");
});

Deno.test("replace writes '?' (not U+FFFD) in every encoding, like Python", () => {
  assertEquals(hex(createEncoder("utf-16-le", "replace").encode("\ud800")), "3f00");
  assertEquals(hex(createEncoder("utf-32-be", "replace").encode("\udc00")), "0000003f");
  assertEquals(hex(createEncoder("utf-8", "replace").encode("a\ud800b")), "613f62");
});

Deno.test("the BOM belongs to utf-16, utf-32 and utf-8-sig only", () => {
  const boms = Object.fromEntries(
    ENCODINGS.map((e) => [e, hex(createEncoder(e).bom)]).filter(([, bom]) => bom !== ""),
  );
  assertEquals(boms, {
    "utf-8-sig": "efbbbf",
    "utf-16": "fffe",
    "utf-32": "fffe0000",
  });
  // Each encoder owns its BOM array.
  createEncoder("utf-16").bom[0] = 0;
  assertEquals(hex(createEncoder("utf-16").bom), "fffe");
});

const SPELLINGS = [
  "UTF-8",
  "utf 8",
  "Utf_8",
  "-utf-8-",
  "utf--8",
  "utf.8",
  "utf-8é",
  "U8",
  " utf8 ",
  "utf..8",
  "utf\t8",
  "utf\u00a08",
  "ｕｔｆ８",
  "utf-8.",
  ".utf-8",
  "iso8859.1",
  "iso-8859-1",
  "ISO8859-1",
  "iso_8859_1:1987",
  "ansi_x3.4-1968",
  "ANSI_X3.4-1968",
  "ansi x3 4 1968",
  "iso-646.irv:1991",
  "UTF-16LE",
  "utf 16 be",
  "utf-8-sig",
  "utf8-sig",
  "Latin-1",
  "latin",
  "us-ascii",
  "646",
  "cp65001",
  "cp1252",
  "utf-7",
  "mbcs",
  "klingon",
  "",
  "unicode-1-1-utf-8",
  "cp-1251",
  "CP_1251",
  "win1251",
  "Windows-1251",
  "windows 1252",
  "latin_2",
  "Latin-9",
  "ISO-8859-16",
  "iso8859-12",
  "KOI8-U",
  "koi8 r",
  "MacRoman",
  "mac_roman",
  "Macintosh",
  "windows-874",
  "ibm-437",
  "IBM437",
  "cp858",
  "TIS-620",
  "shift_jis",
  "gbk",
  "cp037",
  "koi8-t",
];

const LOOKUP_SCRIPT = `
import codecs, json, sys
from encodings.aliases import aliases
# Python's codec names for the codecs we support (our names are Python's, but for latin-1);
# the others (utf-7, shift_jis, cp037, ...) we reject.
spellings, supported = json.load(sys.stdin)
names = {name: name for name in supported if name != "latin-1"}
names["iso8859-1"] = "latin-1"
ours = {name.replace("-", "_") for name in supported}
for alias, module in aliases.items():
    if module in ours:
        spellings += [alias, alias.upper(), alias.replace("_", "-"), alias.replace("_", " ")]
out = []
for name in spellings:
    try:
        found = codecs.lookup(name).name
        out.append([name, names.get(found)])
    except LookupError:
        out.append([name, None])
print(json.dumps(out))
`;

Deno.test({
  name: "normalizeEncoding accepts the spellings and aliases CPython's registry accepts for them",
  ignore: !hasPython,
  fn: async () => {
    const expected = await runPython<[string, string | null][]>(LOOKUP_SCRIPT, [
      SPELLINGS,
      ENCODINGS,
    ]);
    assert(expected.length > SPELLINGS.length + 500, "Python listed its aliases");
    const got = expected.map(([name]) => {
      try {
        return [name, normalizeEncoding(name)];
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        return [name, null];
      }
    });
    assertEquals(got, expected);
  },
});

Deno.test("normalizeEncoding maps common spellings to canonical names", () => {
  const table: [string, string][] = [
    ["utf-8", "utf-8"],
    ["utf8", "utf-8"],
    ["UTF_8", "utf-8"],
    ["u8", "utf-8"],
    ["locale", "utf-8"],
    ["latin-1", "latin-1"],
    ["latin1", "latin-1"],
    ["iso-8859-1", "latin-1"],
    ["iso8859_1", "latin-1"],
    ["l1", "latin-1"],
    ["ascii", "ascii"],
    ["us-ascii", "ascii"],
    ["646", "ascii"],
    ["utf-16", "utf-16"],
    ["utf-16le", "utf-16-le"],
    ["utf_16_le", "utf-16-le"],
    ["utf-16be", "utf-16-be"],
    ["UTF-32", "utf-32"],
    ["utf_8_sig", "utf-8-sig"],
  ];
  assertEquals(table.map(([name]) => [name, normalizeEncoding(name)]), table);
});

Deno.test("an unknown encoding is a RangeError naming the subject and the supported encodings", () => {
  const e = assertThrows(() => normalizeEncoding("klingon", "FileHandler"), RangeError);
  assertEquals(
    e.message,
    "Cannot create FileHandler as 'encoding' is not supported: current value is 'klingon'. " +
      "Use one of utf-8, utf-8-sig, utf-16, utf-16-le, utf-16-be, utf-32, utf-32-le, " +
      "utf-32-be, latin-1, ascii, cp1250, cp1251, cp1252, cp1253, cp1254, cp1255, cp1256, " +
      "cp1257, cp1258, cp874, cp437, cp850, cp852, cp858, cp866, iso8859-2, iso8859-3, " +
      "iso8859-4, iso8859-5, iso8859-6, iso8859-7, iso8859-8, iso8859-9, iso8859-10, " +
      "iso8859-11, iso8859-13, iso8859-14, iso8859-15, iso8859-16, koi8-r, koi8-u, " +
      "mac-roman, mac-cyrillic, tis-620 (Python's aliases such as utf8, latin1, windows-1251 " +
      "and latin2 work too)",
  );
  assertThrows(
    () => createEncoder("utf-7", "strict", "RotatingFileHandler"),
    RangeError,
    "Cannot create RotatingFileHandler as 'encoding' is not supported: current value is " +
      "'utf-7'. Use one of utf-8,",
  );
  // A spelling CPython's registry refuses too, but one that names a supported code page.
  assertThrows(
    () => normalizeEncoding("cp-1251", "FileHandler"),
    RangeError,
    "current value is 'cp-1251'. Did you mean 'cp1251'? Use one of",
  );
  assertThrows(() => normalizeEncoding("latin_2"), RangeError, "Did you mean 'latin2'?");
  for (const name of ["shift_jis", "Shift-JIS", "gbk", "EUC-KR", "big5", "cp932", "iso2022_jp"]) {
    assertThrows(
      () => normalizeEncoding(name, "FileHandler"),
      RangeError,
      `current value is '${name}'. Multibyte codecs (shift_jis, gbk, euc-kr, big5, ...) are ` +
        "not provided: use utf-8. Use one of",
    );
  }
  assertThrows(() => normalizeEncoding("utf-8\0"), RangeError, "Cannot create encoder as");
  assertThrows(() => normalizeEncoding(8 as unknown as string), TypeError, "must be a string");
});

Deno.test({
  name: "every name of CPython's multibyte codecs is refused with the advice to use utf-8",
  ignore: !hasPython,
  fn: async () => {
    const names = await runPython<string[]>(`
import importlib, json, pkgutil, encodings
from encodings.aliases import aliases
# The codec modules built on _multibytecodec (import _multibytecodec as mbc).
multibyte = set()
for module in pkgutil.iter_modules(encodings.__path__):
    try:
        if hasattr(importlib.import_module("encodings." + module.name), "mbc"):
            multibyte.add(module.name)
    except ImportError:
        pass
names = sorted(multibyte | {a for a, m in aliases.items() if m in multibyte})
print(json.dumps(names + [n.upper().replace("_", "-") for n in names]))
`);
    assert(names.length > 150, `Python listed its multibyte codecs: ${names.length}`);
    const missed = names.filter((name) => {
      try {
        normalizeEncoding(name);
        return true;
      } catch (e) {
        return !(e as Error).message.includes("Multibyte codecs (shift_jis, gbk, euc-kr, big5");
      }
    });
    assertEquals(missed, []);
  },
});

Deno.test("an unknown error policy is a RangeError listing the supported ones", () => {
  const e = assertThrows(() => createEncoder("utf-8", "bogus", "FileHandler"), RangeError);
  assertEquals(
    e.message,
    "Cannot create FileHandler as 'errors' is not supported: current value is 'bogus'. " +
      "Use one of strict, ignore, replace, backslashreplace, xmlcharrefreplace, " +
      "surrogateescape, surrogatepass",
  );
  assertStringIncludes(
    assertThrows(() => checkErrorPolicy("namereplace"), RangeError).message,
    "'errors' is not supported (it needs the Unicode character name database): " +
      "current value is 'namereplace'",
  );
  assertThrows(() => checkErrorPolicy("Strict"), RangeError, "current value is 'Strict'");
  assertEquals(checkErrorPolicy(undefined), "strict");
  assertEquals(createEncoder("utf-8", undefined).errors, "strict");
  assertEquals(createEncoder("utf8").errors, "strict");
});

// Each scenario: the file's bytes before (null: absent), mode, encoding, delay, messages.
type Scenario = [string | null, "a" | "w" | "x", string, boolean, string[]];

const FILE_SCRIPT = `
import json, logging, os, sys, tempfile
out = []
with tempfile.TemporaryDirectory() as d:
    for i, (before, mode, encoding, delay, messages) in enumerate(json.load(sys.stdin)):
        path = os.path.join(d, f"{i}.log")
        if before is not None:
            with open(path, "wb") as f:
                f.write(bytes.fromhex(before))
        h = logging.FileHandler(path, mode=mode, encoding=encoding, delay=delay)
        for m in messages:
            h.handle(logging.makeLogRecord({"msg": m}))
        h.close()
        with open(path, "rb") as f:
            out.append(f.read().hex())
print(json.dumps(out))
`;

Deno.test({
  name: "FileHandler writes the BOM only when the file is empty when opened, like CPython",
  ignore: !hasPython,
  fn: async () => {
    const scenarios: Scenario[] = [];
    for (const encoding of ["utf-16", "utf-32", "utf-8-sig", "utf-16-be", "latin-1"]) {
      scenarios.push(
        [null, "a", encoding, false, ["first", "second é"]],
        [null, "x", encoding, false, ["exclusive"]],
        ["", "a", encoding, false, ["into an empty file"]],
        ["78", "a", encoding, false, ["after one byte"]],
        ["78", "a", encoding, true, ["after one byte, delayed"]],
        [null, "a", encoding, true, ["new, delayed"]],
        ["78", "w", encoding, false, ["truncated"]],
      );
    }
    const expected = await runPython<string[]>(FILE_SCRIPT, scenarios);
    const dir = await Deno.makeTempDir();
    try {
      const got: string[] = [];
      for (const [i, [before, mode, encoding, delay, messages]] of scenarios.entries()) {
        const path = `${dir}/${i}.log`;
        if (before !== null) {
          await Deno.writeFile(
            path,
            Uint8Array.from(before.match(/../g) ?? [], (b) => parseInt(b, 16)),
          );
        }
        const h = new FileHandler(path, { mode, encoding, delay });
        for (const msg of messages) h.handle(makeLogRecord({ msg }));
        await h.close();
        got.push(hex(await Deno.readFile(path)));
      }
      assertEquals(got, expected);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
