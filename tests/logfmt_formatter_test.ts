/**
 * LogfmtFormatter: its lines read back by an independent logfmt parser (npm `logfmt`, Heroku's),
 * hostile values included, and its field order, quoting and escaping as go-logfmt writes them.
 */

import logfmt from "npm:logfmt@1.4.0";
import { LogfmtFormatter } from "../core/logfmt_formatter.ts";
import { makeLogRecord } from "../core/record.ts";
import { kw } from "../core/logger.ts";
import { ValueError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { collectingLogger } from "./helpers/collect.ts";

const parse = (line: string) => logfmt.parse(line) as Record<string, unknown>;

/** Values that a careless writer lets break the line or forge fields. */
const HOSTILE: Record<string, string> = {
  plain: "ann",
  spaced: "two words",
  leading: " lead and trail ",
  equals: "a=b",
  forged: 'x" admin=true y="',
  injection: "ok level=CRITICAL user=root",
  quote: '"',
  quotes: 'say "hi"',
  backslash: "C:\\temp\\new",
  trailingBackslash: "ends with \\",
  backslashQuote: '\\"',
  unicode: "naïve café ☕ 日本語 \u{1F600}",
  empty: "",
  json: '{"a": [1, 2]}',
  hash: "#!/bin/sh",
};

Deno.test("LogfmtFormatter's lines read back as the same fields through npm logfmt", () => {
  const f = new LogfmtFormatter(["level", "msg"]);
  for (const [key, value] of Object.entries(HOSTILE)) {
    const line = f.format(makeLogRecord({ levelname: "INFO", msg: value, [key]: value }));
    assert(!line.includes("\n"), line);
    assertEquals(parse(line), { level: "INFO", msg: value, [key]: value }, line);
  }
  // All at once: no value leaks into another field.
  const line = f.format(makeLogRecord({ levelname: "INFO", msg: "all", ...HOSTILE }));
  assertEquals(parse(line), { level: "INFO", msg: "all", ...HOSTILE });
});

Deno.test("LogfmtFormatter escapes control characters so a record stays one line of its own fields", () => {
  const f = new LogfmtFormatter(["msg"]);
  const values = [
    "multi\nline level=CRITICAL",
    "cr\rlf\r\n",
    "tab\there",
    "nul\u0000bell\u0007",
    "ls\u2028ps\u2029nel\u0085",
  ];
  for (const value of values) {
    const line = f.format(makeLogRecord({ msg: value, after: "x" }));
    for (const ch of ["\n", "\r", "\u2028", "\u2029", "\u0085", "\u0000"]) {
      assert(!line.includes(ch), JSON.stringify(line));
    }
    const parsed = parse(line);
    assertEquals(Object.keys(parsed), ["msg", "after"], line);
    assertEquals(parsed.after, "x");
  }
  // go-logfmt's escapes, which go-logfmt, Loki and strconv.Unquote read back exactly.
  assertEquals(
    f.format(makeLogRecord({ msg: "a\nb\tc\rd\u0001\u2028" })),
    'msg="a\\nb\\tc\\rd\\u0001\\u2028"',
  );
  assertEquals(
    f.format(makeLogRecord({ msg: "lone \ud800 surrogate" })),
    'msg="lone \\ufffd surrogate"',
  );
});

Deno.test("LogfmtFormatter writes time, level, logger, msg, then extra fields, exc_info and stack_info", () => {
  const f = new LogfmtFormatter();
  const r = makeLogRecord({
    name: "app.db",
    levelname: "ERROR",
    msg: "query failed after %.1f s",
    args: [2.5],
    created: 1700000000.123,
    rows: 3,
    ratio: 0.1,
    tiny: 1e-7,
    big: 10n ** 20n,
    ok: false,
    none: null,
    when: new Date(0),
    err: new TypeError("bad"),
    tags: new Set(["a"]),
    _private: "hidden",
    exc_text: "Error: boom\n    at main",
    stack_info: "Stack:\n  here",
  });
  assertEquals(
    f.format(r),
    'time=2023-11-14T22:13:20.123Z level=ERROR logger=app.db msg="query failed after 2.5 s" ' +
      "rows=3 ratio=0.1 tiny=1e-07 big=100000000000000000000 ok=false none=null " +
      'when=1970-01-01T00:00:00.000Z err="TypeError: bad" tags="[\\"a\\"]" ' +
      'exc_info="Error: boom\\n    at main" stack_info="Stack:\\n  here"',
  );
  const parsed = parse(f.format(r));
  assertEquals(parsed.logger, "app.db");
  assertEquals(parsed.big, "100000000000000000000");
});

Deno.test("LogfmtFormatter takes fields from a format, renames them and merges a plain-object message", () => {
  const { log, h, reported } = collectingLogger(
    "logfmt",
    new LogfmtFormatter("{levelname} {name} {message}", {
      style: "{",
      renameFields: { levelname: "lvl", message: "msg" },
      staticFields: { service: "api" },
    }),
  );
  log.warning({ event: "login", user: "ann" });
  log.warning("paid %d", 3, kw({ extra: { 'bad key="x"': "v", service: "override" } }));
  assertEquals(reported, []);
  const name = log.name;
  assertEquals(h.lines, [
    `lvl=WARNING name=${name} msg="" service=api event=login user=ann`,
    `lvl=WARNING name=${name} msg="paid 3" service=override badkeyx=v`,
  ]);
  // A dict message's "msg" replaces the empty message in place.
  const g = new LogfmtFormatter();
  const line = g.format(
    makeLogRecord({ levelname: "INFO", name: "a", msg: { msg: "login", ok: 1 }, created: 0 }),
  );
  assertEquals(line, "time=1970-01-01T00:00:00.000Z level=INFO logger=a msg=login ok=1");
  // So does an extra field named like a computed one: nothing is dropped.
  const extra = g.format(
    makeLogRecord({ levelname: "INFO", name: "a", msg: "m", time: "t0", created: 0 }),
  );
  assertEquals(extra, "time=t0 level=INFO logger=a msg=m");
});

Deno.test("LogfmtFormatter never throws and bounds what it writes", () => {
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const f = new LogfmtFormatter(["msg"], { maxValueLength: 100 });
  const line = f.format(
    makeLogRecord({
      msg: "x".repeat(1000),
      circular,
      getter: {
        get bad() {
          throw new Error("no");
        },
      },
      proxy: new Proxy({}, {
        ownKeys() {
          throw new Error("trap");
        },
      }),
      fn: () => 1,
      sym: Symbol("s"),
    }),
  );
  const parsed = parse(line);
  assert(String(parsed.msg).endsWith("…[cut 900 chars]"), String(parsed.msg));
  assertEquals(parsed.circular, '{"self": "[Circular]"}');
  assertEquals(parsed.getter, '{"bad": "[Unreadable: Error: no]"}');
  assertEquals(parsed.proxy, "[Unreadable: Error: trap]");
  assertEquals(parsed.sym, "Symbol(s)");
  assertThrows(() => new LogfmtFormatter(null, { style: "?" as never }), ValueError);
  assertThrows(
    () => new LogfmtFormatter(null, { renamefields: {} } as never),
    TypeError,
    "renameFields",
  );
});

Deno.test("a LogfmtFormatter that writes lineno and funcName gets the caller's, with no other formatter asking", () => {
  const { log, h, reported } = collectingLogger(
    "logfmt.caller",
    new LogfmtFormatter(["lineno", "funcName", "msg"]),
  );
  function checkout() {
    log.warning("paid"); // the caller's line
  }
  const source = Deno.readTextFileSync(new URL(import.meta.url)).split("\n");
  const line = source.findIndex((l) => l.endsWith("// the caller's line")) + 1;
  checkout();
  assertEquals(reported, []);
  assertEquals(h.lines, [`lineno=${line} funcName=checkout msg=paid`]);
  const fmt = collectingLogger("logfmt.caller", new LogfmtFormatter("%(filename)s %(msg)s"));
  fmt.log.warning("here");
  assertEquals(fmt.h.lines, ["filename=logfmt_formatter_test.ts msg=here"]);
});
