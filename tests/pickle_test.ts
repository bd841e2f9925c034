/**
 * The pickle codec against CPython 3.13: our pickleDumps writes the bytes CPython's
 * pickle.dumps writes; our pickleLoads reads what CPython writes at every protocol, reads
 * logging's SocketHandler.makePickle output, and refuses anything that would import or call.
 *
 * Values travel to Python as tagged JSON: `{"$big": "..."}` an int, `{"$float": "..."}` a float,
 * `{"$tuple": [...]}` a tuple, `{"$bytes": "hex"}` bytes, `{"$dict": [[k, v], ...]}` a dict (in
 * order), `{"$def": id, "v": ...}` / `{"$ref": id}` the same object met twice. Equal strings and
 * bytes are made the same Python object, which is what pickleDumps' memo-by-value stands for.
 */

import {
  pickleDumps,
  pickleLoads,
  type PickleValue,
  PyFloat,
  PyTuple,
  UnpicklingError,
} from "../core/wire/pickle.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { Formatter } from "../core/formatter.ts";
import { Handler } from "../core/handler.ts";
import { getLogger, kw } from "../core/logger.ts";
import { SocketHandler } from "../handlers/socket.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { fromHex, hex } from "./helpers/bytes.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

// ---------------------------------------------------------------------------------------------
// Helpers.

function latin1(text: string): Uint8Array {
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

function floatText(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (n === Infinity) return "inf";
  if (n === -Infinity) return "-inf";
  if (Object.is(n, -0)) return "-0.0";
  return String(n);
}

/** JS value -> tagged JSON for Python. */
function toPy(v: PickleValue, seen = new Map<object, number>()): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    return Number.isSafeInteger(v) && !Object.is(v, -0) ? v : { $float: floatText(v) };
  }
  if (typeof v === "bigint") return { $big: v.toString() };
  if (v instanceof PyFloat) return { $float: floatText(v.value) };
  const id = seen.get(v);
  if (id !== undefined) return { $ref: id };
  seen.set(v, seen.size);
  const def = (x: unknown) => ({ $def: seen.get(v), v: x });
  if (v instanceof PyTuple) return def({ $tuple: v.items.map((x) => toPy(x, seen)) });
  if (v instanceof Uint8Array) return def({ $bytes: hex(v) });
  if (Array.isArray(v)) return def(v.map((x) => toPy(x, seen)));
  return def({ $dict: Object.entries(v).map(([k, x]) => [k, toPy(x, seen)]) });
}

/** What pickleLoads gives back for a value: tuples as arrays, floats and small ints as numbers. */
function normalize(v: PickleValue): PickleValue {
  if (typeof v === "bigint") {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)
      ? Number(v)
      : v;
  }
  if (v instanceof PyFloat) return v.value;
  if (v instanceof PyTuple) return v.items.map(normalize);
  if (v === null || typeof v !== "object" || v instanceof Uint8Array) return v;
  if (Array.isArray(v)) return v.map(normalize);
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalize(x)]));
}

/** Tagged JSON from Python -> JS (floats to numbers, big ints to bigints, dicts in order). */
function fromPy(x: unknown): PickleValue {
  if (Array.isArray(x)) return x.map(fromPy);
  if (x !== null && typeof x === "object") {
    const o = x as Record<string, unknown>;
    if ("$float" in o) {
      const s = o.$float as string;
      return s === "nan" ? NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
    }
    if ("$big" in o) return BigInt(o.$big as string);
    if ("$bytes" in o) return fromHex(o.$bytes as string);
    if ("$dict" in o) {
      return Object.fromEntries((o.$dict as [string, unknown][]).map(([k, v]) => [k, fromPy(v)]));
    }
  }
  return x as PickleValue;
}

function hasBytes(v: PickleValue): boolean {
  if (v instanceof Uint8Array) return true;
  if (v instanceof PyTuple) return v.items.some(hasBytes);
  if (Array.isArray(v)) return v.some(hasBytes);
  if (v !== null && typeof v === "object" && !(v instanceof PyFloat)) {
    return Object.values(v).some(hasBytes);
  }
  return false;
}

const PY_DECODE = String.raw`
import json, sys, pickle
canon = {}
def dec(x, refs):
    if isinstance(x, str):
        return canon.setdefault(x, x)
    if isinstance(x, list):
        return [dec(i, refs) for i in x]
    if isinstance(x, dict):
        if '$big' in x: return int(x['$big'])
        if '$float' in x: return float(x['$float'])
        if '$ref' in x: return refs[x['$ref']]
        if '$def' in x:
            inner = x['v']
            if '$tuple' in inner:
                v = tuple(dec(i, refs) for i in inner['$tuple'])
            elif '$bytes' in inner:
                v = bytes.fromhex(inner['$bytes'])
                v = canon.setdefault(v, v)
            elif '$dict' in inner:
                v = {}
                refs[x['$def']] = v
                for k, i in inner['$dict']:
                    v[canon.setdefault(k, k)] = dec(i, refs)
            else:
                v = []
                refs[x['$def']] = v
                v.extend(dec(i, refs) for i in inner)
            refs[x['$def']] = v
            return v
    return x
`;

// ---------------------------------------------------------------------------------------------
// The corpus.

const shared = [1, "two"];
const sharedTuple = new PyTuple(["t"]);
const manyStrings = Array.from({ length: 300 }, (_, i) => `s${i}`);

function deepList(n: number): PickleValue {
  let v: PickleValue = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

const LOG_RECORD: PickleValue = {
  name: "app.db",
  msg: "disk at 91% on sda",
  args: null,
  levelname: "WARNING",
  levelno: 30,
  pathname: "/srv/app/db.py",
  filename: "db.py",
  module: "db",
  exc_info: null,
  exc_text: null,
  stack_info: null,
  lineno: 42,
  funcName: "check",
  created: new PyFloat(1700000000),
  msecs: new PyFloat(0),
  relativeCreated: 1234.5678,
  thread: 140245036537664,
  threadName: "MainThread",
  processName: "MainProcess",
  process: 4242,
  taskName: null,
};

const CORPUS: PickleValue[] = [
  // ints at every width boundary
  0,
  1,
  255,
  256,
  65535,
  65536,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32,
  2 ** 40,
  2 ** 53 - 1,
  -1,
  -128,
  -255,
  -256,
  -65536,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 53 - 1),
  // bigints
  5n,
  -(2n ** 31n),
  -(2n ** 31n) - 1n,
  2n ** 63n,
  -(2n ** 63n),
  2n ** 64n,
  -(2n ** 64n) + 1n,
  12345678901234567890123456789n,
  2n ** 2031n, // 255 bytes: LONG1
  2n ** 2040n, // 256 bytes: LONG4
  -(2n ** 2047n), // negative, redundant sign byte dropped
  // floats
  0.5,
  -0,
  1.5,
  -2.25,
  Math.PI,
  NaN,
  Infinity,
  -Infinity,
  1e308,
  5e-324,
  2 ** 53,
  1e21,
  1700000000.123456,
  new PyFloat(1700000000),
  new PyFloat(0),
  new PyFloat(-3),
  // strings
  "",
  "a",
  "hello",
  "héllo wörld",
  "€ and 日本語",
  "astral 😀 𝄞",
  "\u0000\n\r\\'\"\x1a",
  "x".repeat(255),
  "x".repeat(256),
  "é".repeat(40000), // 80000 bytes
  "lone \ud800 high",
  "lone \udc00 low",
  "\udbff",
  // singletons
  true,
  false,
  null,
  // containers
  [],
  [1],
  [1, 2, 3],
  ["a", "a", "b", "a"],
  Array.from({ length: 1000 }, (_, i) => i),
  Array.from({ length: 1001 }, (_, i) => i),
  Array.from({ length: 2001 }, (_, i) => i % 7),
  {},
  { a: 1 },
  { a: 1, b: [2, 3], c: { d: null } },
  { "日本": "語", "": "", "😀": [true, false] },
  Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])),
  Object.fromEntries(Array.from({ length: 1001 }, (_, i) => [`k${i}`, i])),
  Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`k${i}`, null])),
  new PyTuple([]),
  new PyTuple([1]),
  new PyTuple([1, "b"]),
  new PyTuple([1, "b", null]),
  new PyTuple([1, 2, 3, 4]),
  [new PyTuple([new PyTuple([])]), { t: new PyTuple(["x", 1.5]) }],
  deepList(50),
  [shared, shared, { again: shared }],
  [sharedTuple, sharedTuple],
  [...manyStrings, manyStrings[0], manyStrings[299]],
  LOG_RECORD,
  { ...LOG_RECORD, args: new PyTuple([91, "sda"]), exc_text: "Traceback...\nZeroDivisionError" },
  // bytes (protocol 3 only when encoding)
  new Uint8Array(0),
  new Uint8Array([0, 1, 2, 255]),
  new Uint8Array(300).fill(7),
  [new Uint8Array([1]), "s", new Uint8Array([1])],
];

const DUMPS_SCRIPT = PY_DECODE + String.raw`
out = []
for item in json.load(sys.stdin):
    canon.clear()
    v = dec(item, {})
    out.append({
        "dumps": {str(p): pickle.dumps(v, p).hex() for p in (1, 2, 3)},
        "loads": [pickle.dumps(v, p).hex() for p in range(6)],
    })
print(json.dumps(out))
`;

type DumpsOut = { dumps: Record<string, string>; loads: string[] };
let corpusOut: Promise<DumpsOut[]> | undefined;
function cpythonCorpus(): Promise<DumpsOut[]> {
  return corpusOut ??= runPython<DumpsOut[]>(DUMPS_SCRIPT, CORPUS.map((v) => toPy(v)));
}

Deno.test("pickle corpus has at least 60 values", () => {
  assert(CORPUS.length >= 60, `only ${CORPUS.length}`);
});

Deno.test({
  name: "pickleDumps writes the bytes CPython's pickle.dumps writes, at protocols 1, 2 and 3",
  ignore: !hasPython,
  async fn() {
    const out = await cpythonCorpus();
    const mismatches = [];
    let compared = 0;
    for (const [i, v] of CORPUS.entries()) {
      for (const p of [1, 2, 3] as const) {
        if (p < 3 && hasBytes(v)) continue;
        compared++;
        const ours = hex(pickleDumps(v, p));
        const theirs = out[i].dumps[String(p)];
        if (ours !== theirs) {
          mismatches.push({ index: i, p, ours: ours.slice(0, 200), theirs: theirs.slice(0, 200) });
        }
      }
    }
    assertEquals(mismatches, []);
    assert(compared >= 180, `compared only ${compared}`);
  },
});

Deno.test("pickleDumps refuses bytes below protocol 3, bad protocols and non-data values", () => {
  assertThrows(() => pickleDumps(new Uint8Array([1]), 1), TypeError, "'protocol' must be >= 3");
  assertThrows(() => pickleDumps([new Uint8Array([1])], 2), TypeError, "_codecs.encode");
  assertThrows(() => pickleDumps(1, 4 as 3), RangeError, "current value is 4");
  assertThrows(() => pickleDumps(undefined as unknown as null), TypeError, "undefined");
  assertThrows(() => pickleDumps({ f: (() => 1) as unknown as null }), TypeError, "function");
  assertThrows(() => pickleDumps(new Date() as unknown as null), TypeError, "Date");
  assertThrows(() => pickleDumps(deepList(2000)), RangeError, "deeper than 1000");
  // The encoder is still usable after a failure.
  assertEquals(pickleDumps(null, 1), latin1("N."));
});

Deno.test("pickleDumps defaults to protocol 1, the one logging's makePickle uses", () => {
  assertEquals(pickleDumps(LOG_RECORD), pickleDumps(LOG_RECORD, 1));
  assertEquals(pickleDumps(true), latin1("I01\n."));
});

Deno.test("pickleDumps encodes a recursive list and tuple as CPython does", async () => {
  const list: PickleValue[] = [1];
  list.push(list);
  const tupleInList: PickleValue[] = [];
  const t = new PyTuple([tupleInList]);
  tupleInList.push(t);
  const ours = [1, 2].map((p) => hex(pickleDumps(list, p as 1 | 2)))
    .concat([1, 2].map((p) => hex(pickleDumps(t, p as 1 | 2))));
  if (!hasPython) return;
  const theirs = await runPython<string[]>(
    String.raw`
import pickle, json
l = [1]; l.append(l)
inner = []; t = (inner,); inner.append(t)
print(json.dumps([pickle.dumps(l, 1).hex(), pickle.dumps(l, 2).hex(),
                  pickle.dumps(t, 1).hex(), pickle.dumps(t, 2).hex()]))`,
  );
  assertEquals(ours, theirs);
});

Deno.test({
  name: "pickleLoads reads what CPython's pickle.dumps writes at protocols 0 to 5",
  ignore: !hasPython,
  async fn() {
    const out = await cpythonCorpus();
    const mismatches = [];
    let compared = 0;
    for (const [i, v] of CORPUS.entries()) {
      for (let p = 0; p <= 5; p++) {
        const bytes = fromHex(out[i].loads[p]);
        if (p < 3 && hasBytes(v)) {
          // CPython writes bytes below protocol 3 as a call to _codecs.encode: refused.
          const e = assertThrows(() => pickleLoads(bytes), UnpicklingError);
          assertStringIncludes(e.message, "GLOBAL");
          continue;
        }
        compared++;
        let got: unknown;
        try {
          got = pickleLoads(bytes);
        } catch (e) {
          got = String(e);
        }
        const want = normalize(v);
        // A recursive value cannot occur in the corpus; shared ones come back shared.
        if (!sameValue(got, want)) mismatches.push({ index: i, p, got: String(got).slice(0, 100) });
      }
    }
    assertEquals(mismatches, []);
    assert(compared >= 400, `compared only ${compared}`);
  },
});

function sameValue(a: unknown, b: unknown): boolean {
  // assertEquals' structural equality, without its message formatting (the corpus is large).
  try {
    assertEquals(a, b);
    return true;
  } catch {
    return false;
  }
}

Deno.test({
  name: "pickleLoads keeps shared objects shared and decodes sets, bytearray and int keys",
  ignore: !hasPython,
  async fn() {
    const [sharedList, sets, keys, legacy] = await runPython<string[]>(String.raw`
import pickle, json
s = [1]
print(json.dumps([
  pickle.dumps([s, s], 2).hex(),
  pickle.dumps([{3, 1, 2}, frozenset({"a"}), bytearray(b"ab")], 5).hex(),
  pickle.dumps({1: "one", 2**70: "big", -5: "neg"}, 2).hex(),
  pickle.dumps("caf\u00e9 \u20ac", 0).hex(),
]))`);
    const got = pickleLoads(fromHex(sharedList)) as PickleValue[][];
    assert(got[0] === got[1], "the same list twice decodes to the same array");
    const [set, frozen, bytearray] = pickleLoads(fromHex(sets)) as [number[], string[], Uint8Array];
    assertEquals([...set].sort(), [1, 2, 3]);
    assertEquals(frozen, ["a"]);
    assertEquals(bytearray, new Uint8Array([0x61, 0x62]));
    assertEquals(pickleLoads(fromHex(keys)), {
      "1": "one",
      "1180591620717411303424": "big",
      "-5": "neg",
    });
    assertEquals(pickleLoads(fromHex(legacy)), "café €");
  },
});

Deno.test("pickleLoads decodes a dict key named __proto__ as a plain key", () => {
  // A computed key makes an own property named __proto__ (a literal key would set the prototype).
  const bytes = pickleDumps({ ["__proto__"]: 1, b: 2 }, 2);
  const got = pickleLoads(bytes) as Record<string, unknown>;
  assertEquals(Object.getPrototypeOf(got), Object.prototype);
  assertEquals(Object.keys(got), ["__proto__", "b"]);
  assertEquals(got["__proto__"], 1);
});

// ---------------------------------------------------------------------------------------------
// logging.handlers.SocketHandler.makePickle

const MAKE_PICKLE = String.raw`
import json, logging, logging.handlers, sys, pickle
h = logging.handlers.SocketHandler("localhost", None)
out = []
def enc(v):
    if isinstance(v, bool) or v is None or isinstance(v, str): return v
    if isinstance(v, int): return v if abs(v) < 2**53 else {"$big": str(v)}
    if isinstance(v, float): return {"$float": repr(v)}
    if isinstance(v, (list, tuple)): return [enc(i) for i in v]
    if isinstance(v, dict): return {"$dict": [[str(k), enc(i)] for k, i in v.items()]}
    raise TypeError(type(v))
def add(record):
    data = h.makePickle(record)
    assert int.from_bytes(data[:4], "big") == len(data) - 4
    out.append({"pickle": data[4:].hex(), "dict": enc(pickle.loads(data[4:]))})
r = logging.LogRecord("app.db", logging.WARNING, "/srv/app/db.py", 42,
                      "disk at %d%% on %s", (91, "sda"), None, func="check")
add(r)
try:
    1 / 0
except ZeroDivisionError:
    r = logging.LogRecord("app", logging.ERROR, "/srv/app/main.py", 7, "failed: %s", ("job",),
                          sys.exc_info(), func="run")
add(r)
r = logging.LogRecord("app", logging.INFO, "x.py", 1, "with stack", None, None, func="f",
                      sinfo="Stack (most recent call last):\n  File \"x.py\", line 1, in f")
r.created = 1700000000.0
add(r)
r = logging.LogRecord("app.web", logging.DEBUG, "web.py", 9, "user %(user)s", ({"user": "ann"},), None)
r.__dict__.update({"user": "ann", "req_id": 7, "ratio": 0.5, "tags": ["a", "b"],
                   "ctx": {"k": (1, 2), 3: None}, "big": 2**80, "uni": "caf\u00e9 \U0001f600"})
add(r)
print(json.dumps(out))
`;

Deno.test({
  name: "pickleLoads reads records pickled by CPython's SocketHandler.makePickle",
  ignore: !hasPython,
  async fn() {
    const out = await runPython<{ pickle: string; dict: unknown }[]>(MAKE_PICKLE);
    assertEquals(out.length, 4);
    const records = out.map((o) => pickleLoads(fromHex(o.pickle)) as Record<string, PickleValue>);
    for (const [i, o] of out.entries()) assertEquals(records[i], fromPy(o.dict));
    const [withArgs, withExc, withStack, withExtra] = records;
    assertEquals(withArgs.msg, "disk at 91% on sda");
    assertEquals(withArgs.args, null);
    assertEquals(withArgs.levelname, "WARNING");
    assertEquals(typeof withArgs.created, "number");
    assertEquals(withExc.msg, "failed: job");
    assertEquals(withExc.exc_info, null);
    assertStringIncludes(withExc.exc_text as string, "ZeroDivisionError: division by zero");
    assertStringIncludes(withStack.stack_info as string, "Stack (most recent call last)");
    assertEquals(withStack.created, 1700000000);
    assertEquals(withExtra.msg, "user ann");
    assertEquals(withExtra.ctx, { k: [1, 2], "3": null });
    assertEquals(withExtra.big, 2n ** 80n);
    assertEquals(withExtra.uni, "café 😀");
    assert(!("message" in withExtra), "makePickle drops the formatted message");
  },
});

const REPICKLE = String.raw`
import json, logging, logging.handlers, pickle, sys
h = logging.handlers.SocketHandler("localhost", None)
out = []
for data in json.load(sys.stdin):
    record = logging.makeLogRecord(pickle.loads(bytes.fromhex(data)))
    out.append(h.makePickle(record)[4:].hex())
print(json.dumps(out))
`;

Deno.test({
  name: "SocketHandler.makePickle writes the bytes CPython's makePickle writes for the same record",
  ignore: !hasPython,
  async fn() {
    const handler = new SocketHandler("127.0.0.1", 9);
    handler.setFormatter(new Formatter("%(asctime)s %(message)s"));
    const records: LogRecord[] = [];
    const log = getLogger("pickle.same");
    log.setLevel("DEBUG");
    log.propagate = false;
    const keep = new (class extends Handler {
      override emit(record: LogRecord) {
        records.push(record);
      }
    })();
    log.addHandler(keep);
    log.warning("disk at %d%% on %s", 91, "sda");
    log.info("user %(user)s", { user: "ann" });
    log.error("caf\u00e9 \u{1f600} %s", "msg", kw({ extra: { levelname2: "ERROR", n: -0 } }));
    log.info(
      "extras",
      kw({
        extra: {
          flag: true,
          off: false,
          big: 2n ** 80n,
          wide: 2 ** 40,
          neg: -5,
          ratio: 0.5,
          nan: NaN,
          // Equal strings are one object after CPython's loads, so they are memoized on both sides
          // (a value equal to a key is not: the record's keys are CPython's interned names).
          nested: { list: [1, "twice", { k: null }], t: "twice" },
          when: new Date(0),
          lone: "\ud800x",
        },
      }),
    );
    try {
      throw new RangeError("boom");
    } catch (error) {
      log.exception("failed %s", "job", error);
    }
    log.info("stack", kw({ stack_info: true }));
    log.removeHandler(keep);
    // A formatter sets `message` and `asctime`; makePickle leaves `message` out.
    handler.format(records[0]);
    const many = makeLogRecord({ name: "many", msg: "m" });
    for (let i = 0; i < 1200; i++) many[`k${i}`] = i % 3 === 0 ? `v${i % 7}` : i;
    records.push(many);
    const ours = records.map((r) => handler.makePickle(r).subarray(4));
    await handler.close();
    const theirs = await runPython<string[]>(REPICKLE, ours.map(hex));
    assertEquals(theirs.length, records.length);
    for (const [i, bytes] of ours.entries()) assertEquals(hex(bytes), theirs[i], `record ${i}`);
    assert("message" in records[0] && !hex(ours[0]).includes(hex(latin1("message"))));
    assert(hex(ours[6]).length > 20_000, "the 1,200-key record is written whole");
  },
});

Deno.test("makePickle appends msg, args and exc_info to a record that lost them, as CPython's dict does", () => {
  const handler = new SocketHandler("127.0.0.1", 9);
  const record = makeLogRecord({ name: "app", msg: "%s!", args: ["hi"], extra: 1 });
  delete (record as Record<string, unknown>).args;
  delete (record as Record<string, unknown>).exc_info;
  const got = pickleLoads(handler.makePickle(record).subarray(4)) as Record<string, unknown>;
  const keys = Object.keys(got);
  assertEquals(keys.slice(-3), ["extra", "args", "exc_info"]);
  assertEquals([got.msg, got.args, got.exc_info], ["%s!", null, null]);
});

// ---------------------------------------------------------------------------------------------
// Refusals

const EVIL = String.raw`
import os, pickle, json, sys
marker, proof = json.load(sys.stdin)
class Evil:
    def __reduce__(self):
        return (os.system, ("touch " + marker,))
class Proof:
    def __reduce__(self):
        return (os.system, ("touch " + proof,))
pickle.loads(pickle.dumps(Proof(), 2))
print(json.dumps({
    "bare": [pickle.dumps(Evil(), p).hex() for p in range(6)],
    "nested": [pickle.dumps({"msg": "hi", "args": (Evil(),)}, p).hex() for p in range(6)],
    "proof": os.path.exists(proof),
}))
`;

Deno.test({
  name: "pickleLoads refuses CPython pickles that would call os.system, and runs nothing",
  ignore: !hasPython,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const marker = `${dir}/MARKER`;
      const proof = `${dir}/PROOF`;
      const out = await runPython<{ bare: string[]; nested: string[]; proof: boolean }>(EVIL, [
        marker,
        proof,
      ]);
      assert(out.proof, "CPython's own pickle.loads runs the payload (the pickles are live)");
      for (const kind of ["bare", "nested"] as const) {
        for (let p = 0; p <= 5; p++) {
          const e = assertThrows(() => pickleLoads(fromHex(out[kind][p])), UnpicklingError);
          assertStringIncludes(e.message, p >= 4 ? "STACK_GLOBAL" : "GLOBAL");
        }
      }
      let exists = true;
      try {
        await Deno.stat(marker);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
        exists = false;
      }
      assert(!exists, "MARKER must never be created");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

const REFUSED: [string, string][] = [
  ["GLOBAL", "cos\nsystem\n."],
  ["STACK_GLOBAL", "\x80\x04\x8c\x02os\x8c\x06system\x93."],
  ["REDUCE", "N)R."],
  ["INST", "(ios\nsystem\n."],
  ["OBJ", "(No."],
  ["NEWOBJ", "\x80\x02N)\x81."],
  ["NEWOBJ_EX", "\x80\x04N)}\x92."],
  ["BUILD", "\x80\x02]}b."],
  ["EXT1", "\x80\x02\x82\x01."],
  ["EXT2", "\x80\x02\x83\x01\x00."],
  ["EXT4", "\x80\x02\x84\x01\x00\x00\x00."],
  ["PERSID", "Pfoo\n."],
  ["BINPERSID", "X\x03\x00\x00\x00fooQ."],
  ["NEXT_BUFFER", "\x80\x05\x97."],
  ["READONLY_BUFFER", "\x80\x05C\x01x\x98."],
];

Deno.test("pickleLoads refuses each opcode that imports or calls, naming it", () => {
  for (const [name, text] of REFUSED) {
    const e = assertThrows(() => pickleLoads(latin1(text)), UnpicklingError);
    assertStringIncludes(e.message, `opcode ${name} `);
  }
});

function le32(n: number): string {
  return String.fromCharCode(n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24);
}

Deno.test("pickleLoads refuses lengths beyond the input at once (a 4 GiB claim)", () => {
  const fourGiB = "\x00\x00\x00\x00\x01\x00\x00\x00"; // 2**32, little-endian 64-bit
  const cases: [string, string][] = [
    ["BINBYTES8", `\x80\x04\x8e${fourGiB}xx.`],
    ["BINUNICODE8", `\x80\x04\x8d${fourGiB}xx.`],
    ["BYTEARRAY8", `\x80\x05\x96${fourGiB}xx.`],
    ["FRAME", `\x80\x04\x95${fourGiB}N.`],
    ["LONG4", `\x80\x02\x8b${le32(0x7fffffff)}xx.`],
    ["LONG4", `\x80\x02\x8b${le32(0xffffffff)}xx.`],
    ["BINUNICODE", `X${le32(0xffffffff)}xx.`],
    ["BINBYTES", `\x80\x03B${le32(0xffffffff)}xx.`],
    ["BINSTRING", `T${le32(0x7fffffff)}xx.`],
  ];
  for (const [name, text] of cases) {
    const start = performance.now();
    const e = assertThrows(() => pickleLoads(latin1(text)), UnpicklingError);
    assertStringIncludes(e.message, name);
    assert(performance.now() - start < 100, `${name} took too long`);
  }
});

const MALFORMED: [string, string, string][] = [
  ["truncated", "\x80\x02]q\x00(K\x01K", "truncated"],
  ["stack underflow", "a.", "underflow"],
  ["missing MARK", "]Ne.", "MARK"],
  ["bad memo index", "h\x05.", "memo"],
  ["unknown opcode", "\xff.", "unknown opcode 0xff"],
  ["no STOP", "N", "no STOP"],
  ["empty input", "", "no STOP"],
  ["unsupported protocol", "\x80\x06N.", "protocol"],
  ["odd SETITEMS", "}(K\x01u.", "odd"],
  ["APPEND to a dict", "}Na.", "not a list"],
  ["SETITEM on a list", "]NNs.", "not a dict"],
  ["list as a key", "}]Ns.", "key"],
  ["bad UTF-8", "X\x02\x00\x00\x00\xff\xfe.", "UTF-8"],
  ["bad INT", "Iabc\n.", "not an int"],
  ["bad FLOAT", "F1.2.3\n.", "not a float"],
  ["unquoted STRING", "Sabc\n.", "quoted"],
  ["STOP on an empty stack", ".", "underflow"],
];

Deno.test("pickleLoads rejects malformed input with UnpicklingError, where CPython fails too", async () => {
  for (const [what, text, part] of MALFORMED) {
    const e = assertThrows(() => pickleLoads(latin1(text)), UnpicklingError);
    assertStringIncludes(e.message, part, what);
  }
  // Bytes after STOP are ignored, as CPython does.
  assertEquals(pickleLoads(latin1("N.garbage")), null);
  if (!hasPython) return;
  const verdicts = await runPython<string[]>(
    String.raw`
import pickle, json, sys
out = []
for h in json.load(sys.stdin):
    try:
        pickle.loads(bytes.fromhex(h)); out.append("loaded")
    except Exception as e:
        out.append(type(e).__name__)
print(json.dumps(out))`,
    MALFORMED.map(([, text]) => hex(latin1(text))),
  );
  const loaded = MALFORMED.filter((_, i) => verdicts[i] === "loaded").map(([what]) => what);
  // A list used as a key is a TypeError in CPython; everything else must fail there as well.
  assertEquals(loaded, []);
});

Deno.test("pickleLoads enforces maxBytes and maxDepth, and refuses recursive values", () => {
  const big = pickleDumps("x".repeat(100), 2);
  assertThrows(() => pickleLoads(big, { maxBytes: 50 }), UnpicklingError, "maxBytes");
  assertEquals(pickleLoads(big, { maxBytes: big.length }), "x".repeat(100));

  const nested = (n: number) => latin1("]".repeat(n) + "a".repeat(n - 1) + ".");
  assertEquals(Array.isArray(pickleLoads(nested(1000))), true);
  assertThrows(() => pickleLoads(nested(1001)), UnpicklingError, "deeper than 1000");
  assertThrows(() => pickleLoads(nested(11), { maxDepth: 10 }), UnpicklingError, "deeper than 10");
  assertThrows(() => pickleLoads(latin1("]q\x00h\x00a.")), UnpicklingError, "recursive");
  assertThrows(() => pickleLoads(big, { maxDepth: 0 }), RangeError, "'maxDepth' must be >= 1");
  assertThrows(() => pickleLoads(big, { maxBytes: -1 }), RangeError, "current value is -1");

  // 200 levels of [x, x]: 2**200 paths, one walk per distinct list.
  let text = "]q\x00";
  for (let k = 0; k < 200; k++) {
    text += `](h${String.fromCharCode(k)}h${String.fromCharCode(k)}eq${String.fromCharCode(k + 1)}`;
  }
  const start = performance.now();
  const dag = pickleLoads(latin1(text + ".")) as PickleValue[];
  assert(performance.now() - start < 1000, "shared structure checked in linear time");
  assert(dag[0] === dag[1]);
  assertThrows(() => pickleLoads(latin1(text + "."), { maxDepth: 150 }), UnpicklingError);
});

// ---------------------------------------------------------------------------------------------
// Fuzz

function mulberry32(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

Deno.test({
  name: "pickleLoads survives 20,000 mutated pickles: a value or UnpicklingError, in under 5 s",
  ignore: !hasPython,
  async fn() {
    const out = await cpythonCorpus();
    const loads: Uint8Array[] = out.flatMap((o) => o.loads.map(fromHex));
    const seeds = loads.filter((b) => b.length < 4096);
    seeds.push(...CORPUS.filter((v) => !hasBytes(v)).map((v) => pickleDumps(v, 1)));
    const rand = mulberry32(20261130);
    const pick = (n: number) => Math.floor(rand() * n);
    const start = performance.now();
    let returned = 0;
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const seed = seeds[pick(seeds.length)];
      let m = seed.slice();
      const mutations = 1 + pick(3);
      for (let k = 0; k < mutations; k++) {
        const at = pick(m.length + 1);
        switch (pick(5)) {
          case 0: // bit flip
            if (m.length) m[Math.min(at, m.length - 1)] ^= 1 << pick(8);
            break;
          case 1: // truncation
            m = m.slice(0, at);
            break;
          case 2: { // inserted bytes
            const ins = Uint8Array.from({ length: 1 + pick(4) }, () => pick(256));
            const next = new Uint8Array(m.length + ins.length);
            next.set(m.subarray(0, at));
            next.set(ins, at);
            next.set(m.subarray(at), at + ins.length);
            m = next;
            break;
          }
          case 3: // a random opcode-range byte
            if (m.length) m[Math.min(at, m.length - 1)] = 0x28 + pick(0x98 - 0x28 + 1);
            break;
          default: // a length field blown up
            if (m.length) m[Math.min(at, m.length - 1)] = 0xff;
        }
      }
      try {
        pickleLoads(m);
        returned++;
      } catch (e) {
        if (!(e instanceof UnpicklingError)) {
          throw new Error(`mutation ${i} (${hex(m).slice(0, 200)}) threw ${e}`);
        }
        refused++;
      }
    }
    const ms = performance.now() - start;
    assertEquals(returned + refused, 20_000);
    assert(returned > 100 && refused > 100, `returned ${returned}, refused ${refused}`);
    assert(ms < 5000, `fuzzing took ${ms} ms`);
  },
});

// Python 2 senders (and protocol 0 by hand) use the STRING family for `str`.
const LEGACY: [pickle: string, encoding: string][] = [
  ["S'plain'\n.", "ascii"],
  ["S'tab\\there \\'q\\' \\\\ \\x41\\101\\0'\n.", "ascii"],
  ['S"double \\"quoted\\""\n.', "ascii"],
  ["S'caf\\xc3\\xa9'\n.", "utf-8"],
  ["S'caf\\xe9'\n.", "latin1"],
  ["U\x05caf\xc3\xa9.", "utf-8"],
  ["U\x04caf\xe9.", "latin1"],
  ["T\x03\x00\x00\x00abc.", "ascii"],
  ["Vback\\\\u0041slash \\u20ac \\U0001f600\n.", "ascii"],
  ["(dp0\nS'msg'\np1\nS'hi'\np2\nsS'n'\np3\nI7\nsS'big'\np4\nL12345678901234567890L\ns.", "ascii"],
];

Deno.test({
  name: "pickleLoads reads Python 2 style strings as UTF-8, else Latin-1, like CPython's encoding=",
  ignore: !hasPython,
  async fn() {
    const theirs = await runPython<unknown[]>(
      String.raw`
import pickle, json, sys
def enc(v):
    if isinstance(v, int) and abs(v) >= 2**53: return {"$big": str(v)}
    if isinstance(v, dict): return {"$dict": [[k, enc(i)] for k, i in v.items()]}
    return v
print(json.dumps([enc(pickle.loads(bytes.fromhex(h), encoding=e)) for h, e in json.load(sys.stdin)]))`,
      LEGACY.map(([text, encoding]) => [hex(latin1(text)), encoding]),
    );
    const ours = LEGACY.map(([text]) => pickleLoads(latin1(text)));
    assertEquals(ours, theirs.map(fromPy));
  },
});

const PY_LOADS_VERDICTS = String.raw`
import json, sys, pickle, pickletools, resource
# CPython grows its memo to twice a LONG_BINPUT index at once: cap memory so such input fails
# fast (MemoryError, skipped) instead of taking seconds.
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
REFUSED = {"GLOBAL", "STACK_GLOBAL", "REDUCE", "INST", "OBJ", "NEWOBJ", "NEWOBJ_EX", "BUILD",
           "EXT1", "EXT2", "EXT4", "PERSID", "BINPERSID", "NEXT_BUFFER", "READONLY_BUFFER"}
class Skip(Exception): pass
def enc(v):
    if v is None or isinstance(v, (bool, str)): return v
    if isinstance(v, int): return v if abs(v) < 2**53 else {"$big": str(v)}
    if isinstance(v, float): return {"$float": repr(v)}
    if isinstance(v, (bytes, bytearray)): return {"$bytes": bytes(v).hex()}
    if isinstance(v, (list, tuple)): return [enc(i) for i in v]
    if isinstance(v, dict):
        items = []
        for k, i in v.items():
            if isinstance(k, bool) or k is None: k = str(k)
            elif isinstance(k, int): k = str(k)
            elif not isinstance(k, str): raise Skip()
            items.append([k, enc(i)])
        return {"$dict": items}
    raise Skip()  # sets (our arrays keep no set semantics), anything else
out = []
for h in json.load(sys.stdin):
    data = bytes.fromhex(h)
    refused = False
    try:
        for op, arg, at in pickletools.genops(data):
            if op.name in REFUSED: refused = True; break
    except Exception:
        pass
    if refused:
        out.append({"refused": True}); continue
    try:
        try:
            value = pickle.loads(data, encoding="utf-8")
        except UnicodeDecodeError:
            # Python 2 strings: UTF-8 when valid, else Latin-1, as pickleLoads reads them.
            value = pickle.loads(data, encoding="latin1")
        out.append({"ok": enc(value)})
    except Skip:
        out.append({"skip": True})
    except (RecursionError, MemoryError):
        out.append({"skip": True})
    except Exception as e:
        out.append({"err": type(e).__name__})
print(json.dumps(out))
`;

/**
 * Loads every pickle of `cases` here and with CPython's pickle.loads (skipping those CPython
 * cannot finish); a value must equal CPython's, an error must be an UnpicklingError where
 * CPython raises too (any other error is thrown).
 */
async function compareLoads(cases: Uint8Array[]): Promise<{
  disagreements: { pickle: string; python: unknown; ours: unknown }[];
  agreedValues: number;
  agreedErrors: number;
}> {
  type Verdict = { ok?: unknown; err?: string; refused?: true; skip?: true };
  const verdicts = await runPython<Verdict[]>(PY_LOADS_VERDICTS, cases.map(hex));
  const disagreements = [];
  let agreedValues = 0;
  let agreedErrors = 0;
  for (const [i, v] of verdicts.entries()) {
    if (v.skip) continue;
    let ours: unknown;
    let error: unknown;
    try {
      ours = pickleLoads(cases[i]);
    } catch (e) {
      error = e;
    }
    if (error !== undefined && !(error instanceof UnpicklingError)) throw error;
    if ("ok" in v) {
      if (error === undefined && sameValue(ours, fromPy(v.ok as PickleValue))) agreedValues++;
      else disagreements.push({ pickle: hex(cases[i]), python: v.ok, ours: String(error) });
    } else if (error !== undefined) agreedErrors++;
    else disagreements.push({ pickle: hex(cases[i]), python: v, ours });
  }
  return { disagreements, agreedValues, agreedErrors };
}

Deno.test({
  name: "pickleLoads agrees with CPython's pickle.loads on 5,000 one-byte mutations",
  ignore: !hasPython,
  async fn() {
    const out = await cpythonCorpus();
    // Seeds without bytes: their CPython pickles hold no GLOBAL, so a one-byte mutation cannot
    // name a callable that pickle.loads would run (and genops screens refused opcodes anyway).
    const seeds = out.filter((_, i) => !hasBytes(CORPUS[i])).flatMap((o) => o.loads.map(fromHex))
      .filter((b) => b.length < 512);
    const rand = mulberry32(5000);
    const pick = (n: number) => Math.floor(rand() * n);
    const cases = Array.from({ length: 5000 }, () => {
      const m = seeds[pick(seeds.length)].slice();
      const at = pick(m.length);
      if (pick(2)) m[at] ^= 1 << pick(8);
      else m[at] = pick(256);
      return m;
    });
    const { disagreements, agreedValues, agreedErrors } = await compareLoads(cases);
    assertEquals(disagreements.slice(0, 5), []);
    assert(
      agreedValues > 500 && agreedErrors > 500,
      `${agreedValues} values, ${agreedErrors} errors`,
    );
  },
});

Deno.test({
  name: "record pickles (the receiver's fast path) and 3,000 mutations of them decode as CPython's",
  ignore: !hasPython,
  async fn() {
    const handler = new SocketHandler("127.0.0.1", 9);
    const seeds = [
      makeLogRecord({ name: "app", msg: "plain" }),
      makeLogRecord({ name: "app.db", msg: "q %d took %.1f ms", args: [7, 1.5], levelno: 30 }),
      makeLogRecord({ name: "é", msg: "x", exc_text: "Traceback\n  boom", user: { id: 1 } }),
    ].map((r) => handler.makePickle(r).subarray(4));
    await handler.close();
    const rand = mulberry32(3000);
    const pick = (n: number) => Math.floor(rand() * n);
    const cases = [...seeds];
    for (let i = 0; i < 3000; i++) {
      const m = seeds[pick(seeds.length)].slice();
      const at = pick(m.length);
      if (pick(3) === 0) cases.push(m.subarray(0, at)); // truncated
      else {
        m[at] = pick(2) ? m[at] ^ (1 << pick(8)) : pick(256);
        cases.push(m);
      }
    }
    const { disagreements, agreedValues: values } = await compareLoads(cases);
    assertEquals(disagreements.slice(0, 5), []);
    assert(values > 300, `${values} values`);
  },
});
