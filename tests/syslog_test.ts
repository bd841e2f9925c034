/**
 * SysLogHandler: the bytes CPython's SysLogHandler sends, its tables, RFC 5424/3164 lines,
 * truncation, TCP framing and reconnection, Unix sockets.
 */

import type { SysLogFacility } from "../handlers/syslog.ts";
import { testCertificates } from "./helpers/tls.ts";
import { createSocket, type Socket } from "node:dgram";
import { Formatter } from "../core/formatter.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { SysLogHandler, type SysLogHandlerOptions } from "../handlers/syslog.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";
import { concat, hex } from "./helpers/bytes.ts";
import { acceptAll } from "./helpers/tcp_peer.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A SysLogHandler that keeps what it reports instead of printing it. */
class Quiet extends SysLogHandler {
  errors: string[] = [];
  constructor(options: SysLogHandlerOptions) {
    super(options);
  }
  override handleError(_record: LogRecord | null, error: unknown): void {
    this.errors.push(error instanceof Error ? error.message : String(error));
  }
}

/** A UDP listener on 127.0.0.1 that keeps the datagrams it receives. */
async function udpListener(): Promise<{
  port: number;
  received: Uint8Array[];
  next(n: number): Promise<Uint8Array[]>;
  close(): void;
}> {
  const socket: Socket = createSocket("udp4");
  const received: Uint8Array[] = [];
  let wake: (() => void) | null = null;
  socket.on("message", (msg) => {
    received.push(new Uint8Array(msg));
    wake?.();
  });
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  return {
    port: socket.address().port,
    received,
    async next(n: number): Promise<Uint8Array[]> {
      const deadline = Date.now() + 5000;
      while (received.length < n && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 100);
        });
      }
      return received.splice(0, n);
    },
    close: () => socket.close(),
  };
}

type UdpListener = Awaited<ReturnType<typeof udpListener>>;

/** Runs `fn` with a UDP listener and a Quiet handler that sends to it; both are closed after. */
async function withUdpHandler(
  options: SysLogHandlerOptions,
  fn: (h: Quiet, server: UdpListener) => Promise<void>,
): Promise<void> {
  const server = await udpListener();
  const h = new Quiet({ address: ["127.0.0.1", server.port], ...options });
  try {
    await fn(h, server);
  } finally {
    await h.close();
    server.close();
  }
}

function record(fields: Record<string, unknown>): LogRecord {
  return makeLogRecord({ name: "t", levelno: 20, levelname: "INFO", args: [], ...fields });
}

interface Case {
  levelno: number;
  levelname: string;
  msg: string;
  args: unknown[];
  facility: number | string;
  ident?: string;
  appendNul?: boolean;
  fmt?: string;
}

const CASES: Case[] = [
  { levelno: 10, levelname: "DEBUG", msg: "debug %s", args: ["x"], facility: 1 },
  { levelno: 20, levelname: "INFO", msg: "info", args: [], facility: "local0" },
  { levelno: 30, levelname: "WARNING", msg: "warn %d%%", args: [91], facility: "daemon" },
  { levelno: 40, levelname: "ERROR", msg: "error", args: [], facility: 23 },
  { levelno: 50, levelname: "CRITICAL", msg: "crit", args: [], facility: "solaris-cron" },
  { levelno: 5, levelname: "TRACE", msg: "custom level", args: [], facility: "kern" },
  { levelno: 25, levelname: "Level 25", msg: "no name", args: [], facility: "authpriv" },
  { levelno: 20, levelname: "INFO", msg: "with ident", args: [], facility: "user", ident: "app: " },
  {
    levelno: 30,
    levelname: "WARNING",
    msg: "no nul",
    args: [],
    facility: "local7",
    appendNul: false,
  },
  {
    levelno: 40,
    levelname: "ERROR",
    msg: "ünïcødé ✓ 日本語 🎉",
    args: [],
    facility: "mail",
    ident: "prög[1]: ",
  },
  {
    levelno: 20,
    levelname: "INFO",
    msg: "formatted",
    args: [],
    facility: "cron",
    fmt: "%(name)s %(levelname)s: %(message)s",
    ident: "x",
    appendNul: false,
  },
  { levelno: 20, levelname: "INFO", msg: "", args: [], facility: "ntp" },
  { levelno: 20, levelname: "INFO", msg: "line1\nline2\ttab", args: [], facility: "news" },
  {
    levelno: 30,
    levelname: "WARNING",
    msg: "cr\r\nlf\n<11>forged\0nul",
    args: [],
    facility: "user",
    ident: "id\n<11>x: ",
  },
];

/** Gives `h` the case's ident, appendNul and format, sends the case's record and closes `h`. */
async function sendCase(h: Quiet, c: Case): Promise<void> {
  if (c.ident !== undefined) h.ident = c.ident;
  if (c.appendNul !== undefined) h.appendNul = c.appendNul;
  if (c.fmt !== undefined) h.setFormatter(new Formatter(c.fmt));
  h.handle(record({ levelno: c.levelno, levelname: c.levelname, msg: c.msg, args: c.args }));
  await h.close();
}

const PY_SEND = `
import json, sys, socket, logging, logging.handlers as H
cases = json.load(sys.stdin)
srv = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
srv.bind(("127.0.0.1", 0))
port = srv.getsockname()[1]
out = []
for c in cases:
    h = H.SysLogHandler(address=("127.0.0.1", port), facility=c["facility"])
    if "ident" in c: h.ident = c["ident"]
    if "appendNul" in c: h.append_nul = c["appendNul"]
    if "fmt" in c: h.setFormatter(logging.Formatter(c["fmt"]))
    r = logging.makeLogRecord({"name": "t", "levelno": c["levelno"], "levelname": c["levelname"],
                               "msg": c["msg"], "args": tuple(c["args"])})
    h.handle(r)
    out.append(srv.recv(70000).hex())
    h.close()
print(json.dumps(out))
`;

Deno.test("SysLogHandler sends the same bytes as CPython's SysLogHandler over UDP", async () => {
  if (!(await pythonAvailable())) return;
  const expected = await runPython<string[]>(PY_SEND, CASES);
  const server = await udpListener();
  try {
    for (const c of CASES) {
      const h = new Quiet({
        address: ["127.0.0.1", server.port],
        facility: c.facility as SysLogFacility,
      });
      await sendCase(h, c);
      assertEquals(h.errors, []);
    }
    const got = await server.next(CASES.length);
    assertEquals(got.map(hex), expected);
  } finally {
    server.close();
  }
});

const PY_SEND_TCP = `
import json, sys, socket, logging, logging.handlers as H
cases = json.load(sys.stdin)
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(("127.0.0.1", 0))
srv.listen(1)
port = srv.getsockname()[1]
out = []
for c in cases:
    h = H.SysLogHandler(address=("127.0.0.1", port), facility=c["facility"],
                        socktype=socket.SOCK_STREAM)
    if "ident" in c: h.ident = c["ident"]
    if "appendNul" in c: h.append_nul = c["appendNul"]
    if "fmt" in c: h.setFormatter(logging.Formatter(c["fmt"]))
    r = logging.makeLogRecord({"name": "t", "levelno": c["levelno"], "levelname": c["levelname"],
                               "msg": c["msg"], "args": tuple(c["args"])})
    h.handle(r)
    h.close()
    conn, _ = srv.accept()
    data = b""
    while chunk := conn.recv(65536):
        data += chunk
    conn.close()
    out.append(data.hex())
print(json.dumps(out))
`;

Deno.test("SysLogHandler sends the same bytes as CPython's SysLogHandler over TCP (its default framing)", async () => {
  if (!(await pythonAvailable())) return;
  const expected = await runPython<string[]>(PY_SEND_TCP, CASES);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = streamServer(listener);
  try {
    for (const [i, c] of CASES.entries()) {
      const h = new Quiet({
        address: ["127.0.0.1", listener.addr.port],
        facility: c.facility as SysLogFacility,
        socktype: "tcp",
      });
      assertEquals(h.framing, "none");
      await sendCase(h, c);
      assertEquals(h.errors, []);
      // One connection per case; wait until its bytes are in.
      const deadline = Date.now() + 5000;
      while (hex(server.bytes(i)).length < expected[i].length && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 5));
      }
    }
    assertEquals(CASES.map((_, i) => hex(server.bytes(i))), expected);
  } finally {
    await server.close();
  }
});

Deno.test("SysLogHandler's constants, name tables, encodePriority and mapPriority equal CPython's", async () => {
  if (!(await pythonAvailable())) return;
  const py = await runPython<{
    consts: Record<string, number>;
    facility_names: Record<string, number>;
    priority_names: Record<string, number>;
    priority_map: Record<string, string>;
    encoded: Record<string, number>;
    mapped: Record<string, string>;
  }>(
    `
import json, sys, logging.handlers as H
S = H.SysLogHandler
h = S.__new__(S)
levels = ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL", "NOTSET", "TRACE", "warning", ""]
print(json.dumps({
  "consts": {k: getattr(S, k) for k in dir(S) if k.startswith("LOG_")},
  "facility_names": S.facility_names,
  "priority_names": S.priority_names,
  "priority_map": S.priority_map,
  "encoded": {f"{f}/{p}": h.encodePriority(f, p) for f in S.facility_names for p in S.priority_names}
    | {f"{f}/{p}": h.encodePriority(f, p) for f in range(24) for p in range(8)},
  "mapped": {l: h.mapPriority(l) for l in levels},
}))
`,
  );
  const h = new SysLogHandler({ address: ["127.0.0.1", 9] });
  try {
    const consts = Object.fromEntries(
      Object.keys(py.consts).map((
        k,
      ) => [k, (SysLogHandler as unknown as Record<string, number>)[k]]),
    );
    assertEquals(consts, py.consts);
    assertEquals({ ...SysLogHandler.facility_names }, py.facility_names);
    assertEquals({ ...SysLogHandler.priority_names }, py.priority_names);
    assertEquals({ ...SysLogHandler.priority_map }, py.priority_map);
    assertEquals({ ...h.priority_map }, py.priority_map);
    const encoded: Record<string, number> = {};
    for (const f of Object.keys(SysLogHandler.facility_names)) {
      for (const p of Object.keys(SysLogHandler.priority_names)) {
        encoded[`${f}/${p}`] = h.encodePriority(f, p);
      }
    }
    for (let f = 0; f < 24; f++) {
      for (let p = 0; p < 8; p++) encoded[`${f}/${p}`] = h.encodePriority(f, p);
    }
    assertEquals(encoded, py.encoded);
    const mapped = Object.fromEntries(Object.keys(py.mapped).map((l) => [l, h.mapPriority(l)]));
    assertEquals(mapped, py.mapped);
    assertThrows(() => h.encodePriority("nosuch", "info"), RangeError, "nosuch");
    assertThrows(() => h.encodePriority("user", "loud"), RangeError, "loud");
  } finally {
    await h.close();
  }
});

Deno.test("SysLogHandler.facility is the facility's number, as CPython's, whether given by number or by name", async () => {
  if (!(await pythonAvailable())) return;
  // What a Python user reads: h.facility compared with the LOG_* constants.
  const py = await runPython<Record<string, number>>(`
import json, logging.handlers as H
S = H.SysLogHandler
print(json.dumps({"default": S(("127.0.0.1", 9)).facility,
                  "local0": S(("127.0.0.1", 9), S.LOG_LOCAL0).facility,
                  "encoded": S(("127.0.0.1", 9), S.LOG_DAEMON).encodePriority(S.LOG_DAEMON, "err")}))
`);
  const h = new SysLogHandler({ address: ["127.0.0.1", 9] });
  const local0 = new SysLogHandler({ address: ["127.0.0.1", 9], facility: "local0" });
  try {
    assertEquals(h.facility, py.default);
    assertEquals(h.facility, SysLogHandler.LOG_USER);
    assertEquals(local0.facility, py.local0);
    assertEquals(local0.facility, SysLogHandler.LOG_LOCAL0);
    assertEquals(
      new SysLogHandler({ address: ["127.0.0.1", 9], facility: SysLogHandler.LOG_LOCAL0 })
        .facility,
      py.local0,
    );
    h.facility = "daemon";
    assertEquals(h.facility, SysLogHandler.LOG_DAEMON);
    assertEquals(h.encodePriority(h.facility, "err"), py.encoded);
    assertEquals(h.encodeRecord(makeLogRecord({ msg: "m", levelname: "ERROR" }))[1], 0x32); // "<27>"
    h.facility = SysLogHandler.LOG_LOCAL7;
    assertEquals(h.facility, 23);
    assertThrows(
      () => h.facility = "nosuch" as SysLogFacility,
      RangeError,
      "Cannot set SysLogHandler.facility as it must be a number 0-127 or one of",
    );
    assertThrows(() => h.facility = 128, RangeError, "current value is 128");
    assertEquals(h.facility, 23);
  } finally {
    await h.close();
    await local0.close();
  }
});

Deno.test("SysLogHandler rejects a bad facility, socktype, format or address when created", () => {
  assertThrows(
    () => new SysLogHandler({ facility: "nosuch" as SysLogFacility }),
    RangeError,
    "Cannot create SysLogHandler as 'facility' must be",
  );
  assertThrows(() => new SysLogHandler({ socktype: "raw" as "udp" }), RangeError, "'socktype'");
  assertThrows(() => new SysLogHandler({ format: "json" as "rfc5424" }), RangeError, "'format'");
  assertThrows(
    () => new SysLogHandler({ address: ["h", 70000] }),
    RangeError,
    "'address' must be [host, port]",
  );
  assertThrows(
    () => new SysLogHandler({ address: "/dev/log", tls: {} }),
    RangeError,
    "'tls'",
  );
});

Deno.test("SysLogHandler truncates a datagram longer than maxDatagramBytes and reports it once", () =>
  withUdpHandler({ maxDatagramBytes: 64 }, async (h, server) => {
    const long = "é".repeat(100); // 2 bytes each: a cut must not split one
    h.handle(record({ msg: long }));
    h.handle(record({ msg: long }));
    h.handle(record({ msg: "short" }));
    await h.flush();
    const [a, b, c] = await server.next(3);
    for (const d of [a, b]) {
      assert(d.length <= 64, `datagram of ${d.length} bytes`);
      assertEquals(d[d.length - 1], 0, "the NUL stays at the end");
      const text = new TextDecoder("utf-8", { fatal: true }).decode(d.subarray(0, -1));
      assertMatch(text, /^<14>(é)+$/);
      assert(d.length >= 62, "cut at most one character short");
    }
    assertEquals(dec.decode(c), "<14>short\0");
    assertEquals(h.truncated, 2);
    assertEquals(h.errors.length, 1);
    assertStringIncludes(h.errors[0], "truncated a message of 205 bytes to maxDatagramBytes (64)");
  }));

const RFC5424 =
  /^<(\d{1,3})>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}(?:Z|[+-]\d\d:\d\d)) (\S+) (\S+) (\S+) (\S+) (-|(?:\[[^ =\]"]+(?: [^ =\]"]+="(?:[^"\\\]]|\\["\\\]])*")*\])+)(?: \uFEFF([\s\S]*))?$/;

Deno.test("SysLogHandler's RFC 5424 lines parse, with escaped structured data and a BOM", () =>
  withUdpHandler({
    format: "rfc5424",
    facility: "local3",
    ident: "myapp: ",
    hostname: "web 1",
  }, async (h, server) => {
    const created = 1_764_477_000.125;
    h.handle(
      record({
        msg: "payment ✓ done",
        levelno: 40,
        levelname: "ERROR",
        created,
        process: 4242,
        msgid: "PAY",
        structuredData: {
          "order@32473": { id: 17, note: 'say "hi" \\ [x]', tag: ["a", "b"] },
          "meta@32473": {},
        },
      }),
    );
    h.handle(record({ msg: "", process: null }));
    await h.flush();
    const [first, second] = (await server.next(2)).map((d) => dec.decode(d, { stream: false }));
    // TextDecoder drops a leading BOM only at the start of the input, so MSG keeps it.
    const m = RFC5424.exec(first);
    assert(m !== null, `not RFC 5424: ${JSON.stringify(first)}`);
    assertEquals(Number(m[1]), 19 * 8 + 3);
    assertEquals(new Date(m[2]).getTime(), 1_764_477_000_125);
    assertEquals(m.slice(3, 7), ["web_1", "myapp", "4242", "PAY"]);
    assertEquals(
      m[7],
      '[order@32473 id="17" note="say \\"hi\\" \\\\ [x\\]" tag="a" tag="b"][meta@32473]',
    );
    assertEquals(m[8], "payment ✓ done");
    const n = RFC5424.exec(second);
    assert(n !== null, `not RFC 5424: ${JSON.stringify(second)}`);
    assertEquals(n.slice(4, 8), ["myapp", "-", "-", "-"]);
    assertEquals(n[8], undefined);
    assertEquals(h.errors, []);
  }));

Deno.test("SysLogHandler's RFC 3164 lines carry the local time, host and tag", () =>
  withUdpHandler({
    format: "rfc3164",
    appName: "cron",
    hostname: "box",
    procid: 7,
  }, async (h, server) => {
    const created = new Date(2026, 10, 3, 4, 5, 6).getTime() / 1000;
    h.handle(record({ msg: "job ran", levelno: 30, levelname: "WARNING", created }));
    await h.flush();
    const [d] = await server.next(1);
    assertEquals(dec.decode(d), "<12>Nov  3 04:05:06 box cron[7]: job ran");
  }));

/** A TCP or Unix stream server that keeps all bytes of every connection. */
function streamServer(listener: Deno.Listener) {
  const chunks: Uint8Array[][] = [];
  const peer = acceptAll(listener, (conn) => {
    const mine: Uint8Array[] = [];
    chunks.push(mine);
    (async () => {
      const buf = new Uint8Array(65536);
      try {
        for (let n; (n = await conn.read(buf)) !== null;) mine.push(buf.slice(0, n));
      } catch {
        // closed by the test
      }
    })();
  });
  const bytes = (i: number) => concat(chunks[i] ?? []);
  const text = (i: number) => dec.decode(bytes(i));
  return {
    chunks,
    conns: peer.conns,
    bytes,
    text,
    async waitFor(i: number, part: string): Promise<string> {
      const deadline = Date.now() + 5000;
      while (!text(i).includes(part) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      return text(i);
    },
    close: peer.close,
  };
}

type StreamServer = ReturnType<typeof streamServer>;

/**
 * Runs `fn` with a stream server on a free TCP port of 127.0.0.1 and `tcp(options)`, which makes
 * a Quiet handler that sends to it over TCP; the handlers it made, then the server, are closed
 * after.
 */
async function withTcpServer(
  fn: (server: StreamServer, tcp: (options: SysLogHandlerOptions) => Quiet) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const server = streamServer(listener);
  const handlers: Quiet[] = [];
  const tcp = (options: SysLogHandlerOptions) => {
    const h = new Quiet({
      address: ["127.0.0.1", listener.addr.port],
      socktype: "tcp",
      ...options,
    });
    handlers.push(h);
    return h;
  };
  try {
    await fn(server, tcp);
  } finally {
    for (const h of handlers) await h.close();
    await server.close();
  }
}

Deno.test("SysLogHandler frames TCP per RFC 6587: octet counting, LF, or CPython's NUL bytes", () =>
  withTcpServer(async (server, tcp) => {
    const octet = tcp({ format: "rfc5424", hostname: "h", appName: "a" });
    const lf = tcp({ format: "rfc3164", framing: "lf", hostname: "h", appName: "a" });
    const raw = tcp({});
    octet.handle(record({ msg: "eins ✓", process: 1 }));
    octet.handle(record({ msg: "zwei", process: 1 }));
    await octet.flush();
    const t0 = await server.waitFor(0, "zwei");
    const frames: string[] = [];
    const bytes = enc.encode(t0);
    for (let at = 0; at < bytes.length;) {
      const sp = bytes.indexOf(0x20, at);
      const len = Number(dec.decode(bytes.subarray(at, sp)));
      frames.push(dec.decode(bytes.subarray(sp + 1, sp + 1 + len), { stream: false }));
      at = sp + 1 + len;
    }
    assertEquals(frames.length, 2);
    assertMatch(frames[0], /^<14>1 \S+ h a 1 - - \uFEFFeins ✓$/);
    assertMatch(frames[1], /^<14>1 \S+ h a 1 - - \uFEFFzwei$/);

    lf.handle(record({ msg: "drei", process: 2 }));
    await lf.flush();
    assertMatch(
      await server.waitFor(1, "\n"),
      /^<14>\w{3} [ \d]\d \d\d:\d\d:\d\d h a\[2\]: drei\n$/,
    );

    raw.handle(record({ msg: "vier", levelno: 40, levelname: "ERROR" }));
    await raw.flush();
    assertEquals(await server.waitFor(2, "\0"), "<11>vier\0");
    assertEquals([...octet.errors, ...lf.errors, ...raw.errors], []);
  }));

Deno.test("SysLogHandler under LF framing sends CR, LF and NUL in any field as #015, #012 and #000", () =>
  withTcpServer(async (server, tcp) => {
    const forged = "\r\n<11>1 2026-01-01T00:00:00Z evil forged 666 - - injected\0";
    const escaped = "#015#012<11>1 2026-01-01T00:00:00Z evil forged 666 - - injected#000";
    const python = tcp({ framing: "lf", ident: `id${forged}: ` });
    const rfc5424 = tcp({
      framing: "lf",
      format: "rfc5424",
      hostname: `h${forged}`,
      appName: `a${forged}`,
    });
    const rfc3164 = tcp({ framing: "lf", format: "rfc3164", hostname: "h", appName: "a" });
    // The NUL that appendNul adds (CPython's default) stays a NUL, before the framing LF.
    python.handle(record({ msg: `m${forged}` }));
    await python.flush();
    assertEquals(await server.waitFor(0, "\n"), `<14>id${escaped}: m${escaped}\0\n`);

    rfc5424.handle(record({
      msg: `m${forged}`,
      created: 0,
      process: `7${forged}`,
      msgid: `M${forged}`,
      structuredData: { [`x@1${forged}`]: { [`k${forged}`]: `v${forged}]` } },
    }));
    await rfc5424.flush();
    const line = await server.waitFor(1, "\n");
    assertEquals(line.split("\n").length, 2, JSON.stringify(line));
    const m = RFC5424.exec(line.slice(0, -1));
    assert(m !== null, `not RFC 5424: ${JSON.stringify(line)}`);
    // Header fields keep printable US-ASCII ("_" for anything else), cut to RFC 5424's lengths.
    assertEquals(m.slice(3, 7), [
      "h__<11>1_2026-01-01T00:00:00Z_evil_forged_666_-_-_injected_",
      "a__<11>1_2026-01-01T00:00:00Z_evil_forged_666_-_", // 48
      "7__<11>1_2026-01-01T00:00:00Z_evil_forged_666_-_-_injected_",
      "M__<11>1_2026-01-01T00:00:00Z_ev",
    ]);
    assertEquals(
      m[7],
      `[x@1__<11>1_2026-01-01T00:00:00Z_ k__<11>1_2026-01-01T00:00:00Z_ev="v${escaped}\\]"]`,
    );
    assertEquals(m[8], `m${escaped}`);

    rfc3164.handle(record({ msg: `m${forged}`, process: 3 }));
    await rfc3164.flush();
    assertMatch(
      await server.waitFor(2, "\n"),
      /^<14>\w{3} [ \d]\d \d\d:\d\d:\d\d h a\[3\]: m(.*)\n$/,
    );
    assertStringIncludes(server.text(2), `m${escaped}\n`);
    assertEquals([...python.errors, ...rfc5424.errors, ...rfc3164.errors], []);
  }));

Deno.test("SysLogHandler's octet counting counts bytes after encoding, so no text cuts a frame short", () =>
  withTcpServer(async (server, tcp) => {
    const h = tcp({ framing: "octet-counting" });
    // Line breaks and NUL are sent as they are; a lone surrogate becomes U+FFFD (3 bytes).
    const msgs = ["a\nb\r\n\0", "\uD800 9 <11>forged", "ü✓🎉", ""];
    for (const msg of msgs) h.handle(record({ msg }));
    await h.flush();
    const bytes = await (async () => {
      await server.waitFor(0, "🎉");
      await server.waitFor(0, "<14>\0");
      return server.bytes(0);
    })();
    const frames: string[] = [];
    for (let at = 0; at < bytes.length;) {
      const sp = bytes.indexOf(0x20, at);
      const len = Number(dec.decode(bytes.subarray(at, sp)));
      frames.push(dec.decode(bytes.subarray(sp + 1, sp + 1 + len)));
      at = sp + 1 + len;
    }
    assertEquals(frames, msgs.map((m) => `<14>${m.replace("\uD800", "\uFFFD")}\0`));
    assertEquals(h.errors, []);
  }));

Deno.test("SysLogHandler reconnects over TCP after the server drops the connection, and after close()", () =>
  withTcpServer(async (server, tcp) => {
    const h = tcp({ framing: "lf", appendNul: false, retryStart: 0.01 });
    h.handle(record({ msg: "before" }));
    await h.flush();
    assertEquals(await server.waitFor(0, "before"), "<14>before\n");
    server.conns[0].close(); // the server goes away
    // Give the FIN time to reach the handler, which watches its connection for the end.
    await new Promise((r) => setTimeout(r, 50));
    h.handle(record({ msg: "after" }));
    await h.flush();
    assertEquals(await server.waitFor(1, "after"), "<14>after\n");
    await h.close();
    h.handle(record({ msg: "reopened" }));
    await h.flush();
    assertEquals(await server.waitFor(2, "reopened"), "<14>reopened\n");
    assertEquals(h.errors, []);
  }));

Deno.test("SysLogHandler resends the record whose TCP send failed once the server is back", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = probe.addr.port;
  probe.close();
  const h = new Quiet({
    address: ["127.0.0.1", port],
    socktype: "tcp",
    framing: "lf",
    appendNul: false,
    retryStart: 0.05,
    retryMax: 0.1,
  });
  let server: ReturnType<typeof streamServer> | null = null;
  try {
    h.handle(record({ msg: "queued while down" }));
    while (!(h.errors.length > 0)) await new Promise((r) => setTimeout(r, 5)); // the first attempt failed: reported once
    assertEquals(h.errors.length, 1);
    assertStringIncludes(h.errors[0], `127.0.0.1:${port}`);
    server = streamServer(Deno.listen({ hostname: "127.0.0.1", port }));
    assertEquals(await server.waitFor(0, "down"), "<14>queued while down\n");
    assertEquals(h.dropped, 0);
  } finally {
    await h.close();
    await server?.close();
  }
});

Deno.test("SysLogHandler falls back to a Unix stream socket and says why when neither kind works", async () => {
  const dir = await Deno.makeTempDir();
  const path = `${dir}/log.sock`;
  const server = streamServer(Deno.listen({ transport: "unix", path }));
  const h = new Quiet({ address: path, ident: "u: " });
  const missing = new Quiet({ address: `${dir}/nothing.sock`, closeTimeout: 200 });
  try {
    h.handle(record({ msg: "über unix" }));
    await h.flush();
    assertEquals(await server.waitFor(0, "\0"), "<14>u: über unix\0");
    assertEquals(h.socktype, "tcp");
    missing.handle(record({ msg: "lost" }));
    while (!(missing.errors.length > 0)) await new Promise((r) => setTimeout(r, 5));
    assertEquals(missing.errors.length, 1);
    assertStringIncludes(missing.errors[0], `${dir}/nothing.sock`);
    assertStringIncludes(missing.errors[0], "stream");
  } finally {
    await h.close();
    await missing.close();
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SysLogHandler speaks RFC 5425: TLS with octet counting, verifying the server", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const pem = await testCertificates("the TLS syslog test");
    if (pem === null) return;
    const listener = Deno.listenTls({
      hostname: "127.0.0.1",
      port: 0,
      cert: pem.cert,
      key: pem.key,
    });
    const server = streamServer(listener);
    const port = listener.addr.port;
    const h = new Quiet({
      address: ["localhost", port],
      tls: { caCerts: [pem.ca] },
      hostname: "h",
      appName: "a",
    });
    const untrusted = new Quiet({ address: ["localhost", port], tls: {}, closeTimeout: 100 });
    try {
      assertEquals([h.socktype, h.framing], ["tcp", "octet-counting"]);
      h.handle(record({ msg: "über tls", process: 9 }));
      await h.flush();
      const text = await server.waitFor(0, "tls");
      assertMatch(text, /^\d+ <14>über tls\0$/);
      assertEquals(Number(text.split(" ")[0]), enc.encode("<14>über tls\0").length);
      untrusted.handle(record({ msg: "refused" }));
      while (!(untrusted.errors.length > 0)) await new Promise((r) => setTimeout(r, 5)); // the handshake failed
      assertEquals(untrusted.errors.length, 1);
      assertStringIncludes(untrusted.errors[0], `localhost:${port}`);
      assertMatch(untrusted.errors[0], /certificate|UnknownIssuer/i);
      assertEquals(h.errors, []);
    } finally {
      await h.close();
      await untrusted.close();
      await server.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
