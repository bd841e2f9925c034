/**
 * JavaScript's error idioms in logging calls: `log.error("failed", err)`, `log.error(err)`, and
 * `exc_info: true`, compared with what CPython does for the calls it can express.
 */
import {
  Formatter,
  getLogger,
  kw,
  LoggerAdapter,
  type LogRecord,
  QueueHandler,
  SocketHandler,
} from "../mod.ts";
import { assert, assertEquals, assertMatch, assertStringIncludes } from "./helpers/assert.ts";
import { CollectHandler, collectingLogger, MOD_URL, runScript } from "./helpers/collect.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/** What one logging call gave: the message or the reported error, and the record's exc_info. */
interface Outcome {
  message: string | null;
  error: string | null;
  exc: string | null;
}

function outcome(h: CollectHandler, reported: unknown[]): Outcome {
  const record: LogRecord | undefined = h.records.at(-1);
  const error = reported.length === 0 ? null : String((reported[0] as Error).message);
  return {
    message: error === null && record !== undefined ? record.getMessage() : null,
    error,
    exc: record?.exc_info instanceof Error ? record.exc_info.message : null,
  };
}

Deno.test("log.error('failed', err) logs the message followed by the error's stack", () => {
  const { log, h, reported } = collectingLogger("idiom");
  const err = new TypeError("bad thing");
  log.error("failed", err);
  assertEquals(reported, [], "no logging error");
  assertEquals(h.lines.length, 1);
  assertMatch(h.lines[0], /^failed\nTypeError: bad thing\n {4}at /);
  const record = h.records[0];
  assertEquals(record.exc_info, err);
  assertEquals(record.args, [], "the error is exc_info, not a format argument");
  assertEquals(record.msg, "failed");
  assertEquals(record.getMessage(), "failed");
});

Deno.test("an Error left over by the placeholders is exc_info; one they consume stays an argument", () => {
  const err = new RangeError("out of range");
  const other = new Error("other");
  const cases: [string, (log: ReturnType<typeof getLogger>) => void, Outcome][] = [
    ["a consumed error", (l) => l.error("failed: %s", err), {
      message: "failed: out of range",
      error: null,
      exc: null,
    }],
    ["an error after the consumed arguments", (l) => l.error("%d of %d saved", 1, 2, err), {
      message: "1 of 2 saved",
      error: null,
      exc: "out of range",
    }],
    ["an error after a %(key)s mapping", (l) => l.error("%(user)s failed", { user: "ada" }, err), {
      message: "ada failed",
      error: null,
      exc: "out of range",
    }],
    ["an error before kw({ extra })", (l) => l.error("failed", err, kw({ extra: { u: 1 } })), {
      message: "failed",
      error: null,
      exc: "out of range",
    }],
    ["the same error as kw(err)", (l) => l.error("failed", err, kw(err)), {
      message: "failed",
      error: null,
      exc: "out of range",
    }],
    ["the error as the whole message", (l) => l.error(err), {
      message: "out of range",
      error: null,
      exc: "out of range",
    }],
    [
      "the error as the message, with kw({ exc_info: null })",
      (l) => l.error(err, kw({ exc_info: null })),
      {
        message: "out of range",
        error: null,
        exc: null,
      },
    ],
    [
      "another kw({ exc_info }): it wins, and the left-over error is Python's error",
      (l) => l.error("failed", err, kw({ exc_info: other })),
      {
        message: null,
        error: "not all arguments converted during string formatting",
        exc: "other",
      },
    ],
    ["a left-over string: Python's error", (l) => l.error("failed", "why"), {
      message: null,
      error: "not all arguments converted during string formatting",
      exc: null,
    }],
    ["a left-over number before the error: Python's error", (l) => l.error("failed", 5, err), {
      message: null,
      error: "not all arguments converted during string formatting",
      exc: null,
    }],
    ["two left-over errors: Python's error", (l) => l.error("failed", other, err), {
      message: null,
      error: "not all arguments converted during string formatting",
      exc: null,
    }],
    ["exception() with a left-over error", (l) => l.exception("failed", err), {
      message: "failed",
      error: null,
      exc: "out of range",
    }],
    ["exception() with a consumed error", (l) => l.exception("failed: %s", err), {
      message: "failed: out of range",
      error: null,
      exc: "out of range",
    }],
    ["exception() with the error as the message", (l) => l.exception(err), {
      message: "out of range",
      error: null,
      exc: "out of range",
    }],
    [
      "a LoggerAdapter's error()",
      (l) => new LoggerAdapter(l, { request: "r1" }).error("failed", err),
      {
        message: "failed",
        error: null,
        exc: "out of range",
      },
    ],
    ["a LoggerAdapter's exception()", (l) => new LoggerAdapter(l, null).exception("failed", err), {
      message: "failed",
      error: null,
      exc: "out of range",
    }],
    [
      "a LoggerAdapter's exception() with a consumed error",
      (l) => new LoggerAdapter(l, null).exception("failed: %s", err),
      {
        message: "failed: out of range",
        error: null,
        exc: "out of range",
      },
    ],
  ];
  for (const [name, call, expected] of cases) {
    const { log, h, reported } = collectingLogger("idiom");
    call(log);
    assertEquals(outcome(h, reported), expected, name);
    if (expected.error === null) assertEquals(h.lines.length, 1, `${name}: the record is emitted`);
    else assertEquals(h.lines, [], `${name}: the record is not emitted`);
  }
});

Deno.test("the idioms give what CPython gives for the same call with exc_info=, and its errors otherwise", async () => {
  if (!hasPython) return;
  // Each case: our call, and the CPython call it means (Python has no left-over-error rule).
  const script = `
import json, logging, sys
class H(logging.Handler):
    def __init__(self):
        super().__init__(); self.out = None
    def emit(self, r):
        try:
            self.out = {"message": r.getMessage(), "error": None,
                        "exc": str(r.exc_info[1]) if r.exc_info else None}
        except Exception:
            self.handleError(r)
    def handleError(self, r):
        self.out = {"message": None, "error": str(sys.exc_info()[1]),
                    "exc": str(r.exc_info[1]) if r.exc_info else None}
h = H()
log = logging.getLogger("py"); log.propagate = False; log.addHandler(h)
err = ValueError("out of range")
other = ValueError("other")
calls = [
    lambda: log.error("failed", exc_info=err),
    lambda: log.error("%d of %d saved", 1, 2, exc_info=err),
    lambda: log.error("%(user)s failed", {"user": "ada"}, exc_info=err),
    lambda: log.error("failed: %s", err),
    lambda: log.error(err, exc_info=err),
    lambda: log.error("failed", err, exc_info=other),
    lambda: log.error("failed", "why"),
    lambda: log.error("failed", 5, err),
]
out = []
for call in calls:
    h.out = None
    call()
    out.append(h.out)
print(json.dumps(out))`;
  const expected = await runPython<Outcome[]>(script);
  const err = new RangeError("out of range");
  const other = new Error("other");
  const ours: ((log: ReturnType<typeof getLogger>) => void)[] = [
    (l) => l.error("failed", err),
    (l) => l.error("%d of %d saved", 1, 2, err),
    (l) => l.error("%(user)s failed", { user: "ada" }, err),
    (l) => l.error("failed: %s", err),
    (l) => l.error(err),
    (l) => l.error("failed", err, kw({ exc_info: other })),
    (l) => l.error("failed", "why"),
    (l) => l.error("failed", 5, err),
  ];
  const actual = ours.map((call) => {
    const { log, h, reported } = collectingLogger("idiom");
    call(log);
    return outcome(h, reported);
  });
  assertEquals(actual, expected);
});

Deno.test("QueueHandler and SocketHandler send log.error('failed', err) as CPython reads it: message, traceback text, no args", async () => {
  const { log, h, reported } = collectingLogger("idiom");
  const queue: LogRecord[] = [];
  const qh = new QueueHandler({ put_nowait: (r: LogRecord | null) => void queue.push(r!) });
  qh.handleError = (_record, error) => void reported.push(error);
  log.addHandler(qh);
  const err = new TypeError("bad thing");
  log.error("failed", err);
  assertEquals(reported, []);
  assertEquals(queue.length, 1);
  assertMatch(String(queue[0].msg), /^failed\nTypeError: bad thing\n {4}at /);
  assertEquals(queue[0].args, null);
  assertEquals(queue[0].exc_info, null);
  const sock = new SocketHandler("127.0.0.1", 9);
  try {
    const frame = sock.makePickle(h.records[0]);
    assertEquals(reported, []);
    if (!hasPython) return;
    // CPython's own receiver code: pickle.loads, then makeLogRecord.
    const script = `
import base64, json, logging, pickle, sys
frame = base64.b64decode(json.load(sys.stdin))
r = logging.makeLogRecord(pickle.loads(frame[4:]))
print(json.dumps({"message": r.getMessage(), "args": r.args, "exc_text": r.exc_text}))`;
    const got = await runPython<{ message: string; args: unknown; exc_text: string }>(
      script,
      btoa(String.fromCharCode(...frame)),
    );
    assertEquals(got.message, "failed");
    assertEquals(got.args, null);
    assertMatch(got.exc_text, /^TypeError: bad thing\n {4}at /);
  } finally {
    await sock.close();
    await qh.close();
  }
});

Deno.test("kw({ exc_info: true }) warns once per process to pass the error, and the records are logged", async () => {
  const out = await runScript(`
    import { getLogger, kw, LoggerAdapter, StreamHandler } from ${JSON.stringify(MOD_URL)};
    const log = getLogger("idioms");
    log.addHandler(new StreamHandler(Deno.stdout));
    const err = new TypeError("bad thing");
    log.error("first", kw({ exc_info: true }));
    getLogger("other").error("second", kw({ exc_info: true }));
    log.error("third", err, kw({ exc_info: true }));
    new LoggerAdapter(log, null).exception("fourth: %s", err, kw({ exc_info: true }));
    console.log("done");
  `);
  assertEquals(out.code, 0, out.stderr);
  const lines = out.stdout.split("\n");
  assertEquals(lines[0], "first");
  assertEquals(lines[1], "third");
  assertEquals(lines[2], "TypeError: bad thing");
  assert(out.stdout.includes("\nfourth: bad thing\nTypeError: bad thing\n"), out.stdout);
  assert(out.stdout.endsWith("done\n"), out.stdout);
  const warnings = out.stderr.split("exc_info: true").length - 1;
  assertEquals(warnings, 1, `warned once: ${out.stderr}`);
  assertStringIncludes(out.stderr, "JavaScript has no current exception");
  assertStringIncludes(out.stderr, "Pass the error instead: kw(err)");
  assert(!out.stderr.includes("Logging error"), out.stderr);
  // "second" went to the last-resort handler (stderr), also without exc_info.
  assertStringIncludes(out.stderr, "second\n");
  await Deno.remove(out.dir, { recursive: true });
});

Deno.test("log.error(err) and log.error('failed', err) print the stack through every formatter style", () => {
  const err = new Error("disk full");
  for (
    const f of [
      new Formatter("%(levelname)s %(message)s"),
      new Formatter("{levelname} {message}", { style: "{" }),
      new Formatter("${levelname} ${message}", { style: "$" }),
    ]
  ) {
    const { log, h, reported } = collectingLogger("idiom");
    h.setFormatter(f);
    log.error(err);
    log.error("failed", err);
    assertEquals(reported, []);
    assertMatch(h.lines[0], /^ERROR disk full\nError: disk full\n {4}at /);
    assertMatch(h.lines[1], /^ERROR failed\nError: disk full\n {4}at /);
  }
});
