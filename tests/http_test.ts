/**
 * HTTPHandler against real peers: `Deno.serve` over HTTP and HTTPS (a CA and server certificate
 * made with `openssl` at test time), and CPython's own HTTPHandler sending the same records to
 * the same server.
 */

import type { HTTPMethod } from "../handlers/http.ts";
import { testCertificates } from "./helpers/tls.ts";
import { HTTPHandler, type HTTPHandlerOptions } from "../handlers/http.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

/** What the server saw of one request. */
interface Seen {
  method: string;
  path: string;
  query: string;
  body: string;
  authorization: string | null;
  contentType: string | null;
  host: string | null;
}

interface TestServer {
  port: number;
  seen: Seen[];
  /** Resolves once `n` requests have been seen. */
  until(n: number): Promise<void>;
  close(): Promise<void>;
}

function startServer(
  options: {
    cert?: string;
    key?: string;
    answer?: (req: Request) => Response | Promise<Response>;
  } = {},
): TestServer {
  const seen: Seen[] = [];
  let waiters: { n: number; resolve: () => void }[] = [];
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen() {},
    ...(options.cert ? { cert: options.cert, key: options.key! } : {}),
  }, async (req) => {
    const url = new URL(req.url);
    seen.push({
      method: req.method,
      path: url.pathname,
      query: url.search.slice(1),
      body: await req.text(),
      authorization: req.headers.get("authorization"),
      contentType: req.headers.get("content-type"),
      host: req.headers.get("host") ?? url.host,
    });
    waiters = waiters.filter((w) => seen.length >= w.n ? (w.resolve(), false) : true);
    return options.answer ? options.answer(req) : new Response("ok");
  });
  return {
    port: server.addr.port,
    seen,
    until(n) {
      if (seen.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () => server.shutdown(),
  };
}

/** An HTTPHandler that keeps what it reports instead of printing it. */
class RecordingHTTPHandler extends HTTPHandler {
  errors: unknown[] = [];
  override handleError(_record: LogRecord | null, error: unknown): void {
    this.errors.push(error);
  }
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  let text = error.message;
  if (error.cause instanceof Error) text += " / " + error.cause.message;
  return text;
}

/** Runs `fn` with stderr captured; returns what was written. */
async function captureStderr(fn: () => unknown): Promise<string> {
  const stderr = Deno.stderr as { writeSync(p: Uint8Array): number };
  const chunks: string[] = [];
  const decoder = new TextDecoder();
  const original = Object.getOwnPropertyDescriptor(stderr, "writeSync");
  Object.defineProperty(stderr, "writeSync", {
    configurable: true,
    writable: true,
    value: (p: Uint8Array) => {
      chunks.push(decoder.decode(p));
      return p.length;
    },
  });
  try {
    await fn();
  } finally {
    if (original) Object.defineProperty(stderr, "writeSync", original);
    else delete (stderr as { writeSync?: unknown }).writeSync;
  }
  return chunks.join("");
}

/** Every attribute fixed, so that CPython and this library hold the same record. */
const RECORDS: Record<string, unknown>[] = [
  {
    name: "app.db",
    msg: "user %s paid %.2f € (ok=%s)",
    args: ["ada", 12.5, true],
    levelname: "INFO",
    levelno: 20,
    pathname: "/srv/app/db.py",
    filename: "db.py",
    module: "db",
    exc_info: null,
    exc_text: null,
    stack_info: null,
    lineno: 42,
    funcName: "pay",
    created: 1700000000.123456,
    msecs: 123.0,
    relativeCreated: 4567.891,
    thread: 140000000000001,
    threadName: "MainThread",
    processName: "MainProcess",
    process: 4242,
    taskName: null,
  },
  {
    name: "ünï.cödé",
    msg: '%(user)s has &=+%%?#/ ~*\'()! "quotes" and\nnewline',
    args: { user: "ann", n: 1, none: null, f: 0.1 },
    levelname: "WARNING",
    levelno: 30,
    pathname: "C:\\srv\\app.py",
    filename: "app.py",
    module: "app",
    exc_info: null,
    exc_text: "Traceback (most recent call last):\n  boom",
    stack_info: "Stack (most recent call last):\n  here",
    lineno: 7,
    funcName: null,
    created: 1700000000.0,
    msecs: 0.0,
    relativeCreated: 0.1 + 0.2,
    thread: 0,
    threadName: "worker-1",
    processName: "MainProcess",
    process: 1,
    taskName: "Task-1",
    user_id: 7,
  },
  {
    name: "x",
    msg: "args %s %s %s %s %s %s",
    args: ["it's", null, [1, "a"], false, 1e-7, 2.5],
    levelname: "ERROR",
    levelno: 40,
    pathname: "",
    filename: "",
    module: "",
    exc_info: null,
    exc_text: null,
    stack_info: null,
    lineno: 0,
    funcName: "",
    created: 1.5,
    msecs: 500.0,
    relativeCreated: 1e-7,
    thread: 3,
    threadName: "MainThread",
    processName: "MainProcess",
    process: null,
    taskName: null,
  },
  { ...{ name: "one", args: ["solo"], msg: "%s" }, ...fixedRest() },
  { ...{ name: "none", args: [], msg: "plain" }, ...fixedRest() },
];

function fixedRest(): Record<string, unknown> {
  return {
    levelname: "DEBUG",
    levelno: 10,
    pathname: "/a.py",
    filename: "a.py",
    module: "a",
    exc_info: null,
    exc_text: null,
    stack_info: null,
    lineno: 1,
    funcName: "f",
    created: 1700000001.999,
    msecs: 999.0,
    relativeCreated: 12.0,
    thread: 1,
    threadName: "MainThread",
    processName: "MainProcess",
    process: 2,
    taskName: null,
  };
}

const PY_SEND = `
import json, sys, logging, logging.handlers
cfg = json.load(sys.stdin)
creds = tuple(cfg["credentials"]) if cfg["credentials"] else None
h = logging.handlers.HTTPHandler(cfg["host"], cfg["url"], method=cfg["method"], credentials=creds)
def fail(record):
    raise
h.handleError = fail
for d in cfg["records"]:
    d = dict(d)
    if isinstance(d["args"], list):
        d["args"] = tuple(d["args"])
    for k in ("created", "msecs", "relativeCreated"):
        d[k] = float(d[k])
    h.emit(logging.makeLogRecord(d))
print(json.dumps("ok"))
`;

function fields(encoded: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(encoded)) {
    assert(!(k in out), `field ${k} sent twice`);
    out[k] = v;
  }
  return out;
}

for (const method of ["GET", "POST"] as const) {
  Deno.test(`HTTPHandler ${method} sends field for field what CPython's HTTPHandler sends`, async () => {
    if (!(await pythonAvailable())) return;
    const server = startServer();
    try {
      const records = RECORDS;
      const credentials: [string, string] = ["ada", "s3cret:é"];
      await runPython(PY_SEND, {
        host: `127.0.0.1:${server.port}`,
        url: "/log?app=x",
        method,
        credentials,
        records,
      });
      const fromPython = server.seen.splice(0);
      assertEquals(fromPython.length, records.length);
      let handler: HTTPHandler | undefined;
      await captureStderr(() => {
        handler = new RecordingHTTPHandler(`127.0.0.1:${server.port}`, "/log?app=x", {
          method,
          credentials,
        });
      });
      for (const r of records) handler!.handle(makeLogRecord(r));
      await handler!.flush();
      await server.until(records.length);
      assertEquals((handler as RecordingHTTPHandler).errors, []);
      await handler!.close();
      // Up to maxInFlight requests travel at once, so they may arrive in another order:
      // each is compared with CPython's request for the same record (names are unique).
      const nameOf = (s: Seen) => fields(method === "GET" ? s.query : s.body).name;
      const fromDeno = fromPython.map((py) => server.seen.find((s) => nameOf(s) === nameOf(py))!);
      assertEquals(fromDeno.length, server.seen.length);
      for (let i = 0; i < records.length; i++) {
        const py = fromPython[i];
        const js = fromDeno[i];
        assertEquals(js.method, method);
        assertEquals(js.path, "/log");
        assertEquals(js.authorization, py.authorization);
        assertEquals(js.host, py.host);
        if (method === "GET") {
          assert(py.query.startsWith("app=x&"), py.query);
          assertEquals(fields(js.query), fields(py.query), `record ${i}`);
          assertEquals(js.query, py.query, `record ${i}: the same bytes, in the same order`);
          assertEquals(js.body, "");
        } else {
          assertEquals(js.query, "app=x");
          assertEquals(js.contentType, py.contentType);
          assertEquals(fields(js.body), fields(py.body), `record ${i}`);
          assertEquals(js.body, py.body, `record ${i}: the same bytes, in the same order`);
        }
      }
      // Spot checks of Python's str(): None, tuples, dicts, float reprs.
      const first = fields(method === "GET" ? fromDeno[0].query : fromDeno[0].body);
      assertEquals(first.args, "('ada', 12.5, True)");
      assertEquals(first.exc_info, "None");
      assertEquals(first.msecs, "123.0");
      assertEquals(first.created, "1700000000.123456");
      const second = fields(method === "GET" ? fromDeno[1].query : fromDeno[1].body);
      assertEquals(second.args, "{'user': 'ann', 'n': 1, 'none': None, 'f': 0.1}");
      assertEquals(second.relativeCreated, "0.30000000000000004");
      assertEquals(second.user_id, "7");
      const fourth = fields(method === "GET" ? fromDeno[3].query : fromDeno[3].body);
      assertEquals(fourth.args, "('solo',)");
    } finally {
      await server.close();
    }
  });
}

const AUTH_ADA = "Basic " + btoa("ada:pw"); // CPython: base64 of 'ada:pw'.encode('utf-8')

for (const secure of [false, true]) {
  Deno.test(`HTTPHandler over ${secure ? "HTTPS (own CA)" : "HTTP"} sends GET and POST, with and without credentials`, async () => {
    const certs = secure ? await testCertificates("the HTTPS tests of HTTPHandler") : null;
    if (secure && certs === null) return;
    const dir = await Deno.makeTempDir();
    try {
      const server = startServer(certs ? { cert: certs.cert, key: certs.key } : {});
      try {
        const host = `127.0.0.1:${server.port}`;
        let expected = 0;
        for (const method of ["GET", "POST"]) {
          for (const credentials of [null, ["ada", "pw"] as [string, string]]) {
            const options: HTTPHandlerOptions = {
              method: method as HTTPMethod,
              credentials,
              secure,
            };
            if (certs) options.context = { caCerts: [certs.ca] };
            let handler: RecordingHTTPHandler | undefined;
            await captureStderr(() => {
              handler = new RecordingHTTPHandler(host, "/ingest", options);
            });
            handler!.handle(makeLogRecord({ name: "web", msg: "hi there", levelno: 20 }));
            await handler!.flush();
            expected++;
            await server.until(expected);
            await handler!.close();
            assertEquals(handler!.errors, []);
            const s = server.seen[expected - 1];
            assertEquals(s.method, method);
            assertEquals(s.path, "/ingest");
            assertEquals(s.authorization, credentials ? AUTH_ADA : null);
            assertEquals(s.host, host);
            const data = method === "GET" ? s.query : s.body;
            assertEquals(fields(data).msg, "hi there");
            assertEquals(fields(data).name, "web");
            if (method === "POST") {
              assertEquals(s.contentType, "application/x-www-form-urlencoded");
            }
          }
        }
        if (certs) {
          // Without the CA, the server's certificate is refused: reported, nothing delivered.
          const handler = new RecordingHTTPHandler(host, "/ingest", {
            secure: true,
            closeTimeout: 100,
            retryStart: 60,
          });
          handler.handle(makeLogRecord({ name: "web", msg: "unverified" }));
          while (handler.errors.length === 0) await new Promise((r) => setTimeout(r, 5));
          await handler.close();
          assertEquals(server.seen.length, expected);
          assert(handler.errors.length >= 1);
          assertStringIncludes(errorText(handler.errors[0]), "failed");
        }
      } finally {
        await server.close();
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("HTTPHandler reports a 500 answer through handleError with the status, and retries", async () => {
  let fail = true;
  const server = startServer({
    answer: () => new Response("boom", { status: fail ? 500 : 200 }),
  });
  try {
    const handler = new RecordingHTTPHandler(`127.0.0.1:${server.port}`, "/log", {
      retryStart: 0.01,
    });
    handler.handle(makeLogRecord({ name: "a", msg: "first" }));
    // The attempt failed (flush() would wait for the retry).
    while (!(handler.errors.length > 0)) await new Promise((r) => setTimeout(r, 5));
    assertEquals(handler.errors.length, 1);
    assertStringIncludes(errorText(handler.errors[0]), "answered 500");
    assertEquals((handler.errors[0] as { status?: number }).status, 500);
    fail = false;
    await server.until(2); // the same record, sent again after the back-off
    await handler.close();
    assertEquals(server.seen.map((s) => fields(s.query).msg), ["first", "first"]);
    assertEquals(handler.errors.length, 1);
  } finally {
    await server.close();
  }
});

Deno.test("HTTPHandler reports a 4xx answer and goes on with the next record", async () => {
  const server = startServer({
    answer: (req) =>
      new Response("no", {
        status: new URL(req.url).searchParams.get("msg") === "bad" ? 400 : 200,
      }),
  });
  try {
    const handler = new RecordingHTTPHandler(`127.0.0.1:${server.port}`, "/log", {
      retryStart: 60,
    });
    handler.handle(makeLogRecord({ name: "a", msg: "bad" }));
    handler.handle(makeLogRecord({ name: "a", msg: "good" }));
    await handler.flush();
    await handler.close();
    assertEquals(server.seen.map((s) => fields(s.query).msg), ["bad", "good"]);
    assertEquals(handler.errors.length, 1);
    assertStringIncludes(errorText(handler.errors[0]), "answered 400");
  } finally {
    await server.close();
  }
});

Deno.test("HTTPHandler reports an unreachable server without blocking the caller", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const handler = new RecordingHTTPHandler(`127.0.0.1:${port}`, "/log", {
    retryStart: 60,
    closeTimeout: 100,
  });
  const t0 = performance.now();
  for (let i = 0; i < 100; i++) handler.handle(makeLogRecord({ name: "a", msg: `m${i}` }));
  const spent = performance.now() - t0;
  assert(spent < 100, `handle() took ${spent} ms for 100 records`);
  while (!(handler.errors.length > 0)) await new Promise((r) => setTimeout(r, 5)); // the first attempt failed
  assertEquals(handler.errors.length, 1, "one report per outage, not per record");
  assertStringIncludes(errorText(handler.errors[0]), `GET http://127.0.0.1:${port}/log failed`);
  await handler.close();
  // close() gives up after closeTimeout and says how many records were lost.
  assertStringIncludes(errorText(handler.errors.at(-1)), "100 records were not delivered");
});

Deno.test("HTTPHandler reports a timeout without blocking the caller", async () => {
  let release!: () => void;
  const released = new Promise<void>((r) => release = r);
  const server = startServer({
    answer: async () => {
      await released;
      return new Response("late");
    },
  });
  try {
    const handler = new RecordingHTTPHandler(`127.0.0.1:${server.port}`, "/log", {
      timeout: 0.2,
      retryStart: 60,
      closeTimeout: 100,
    });
    const t0 = performance.now();
    handler.handle(makeLogRecord({ name: "a", msg: "slow" }));
    assert(performance.now() - t0 < 50);
    while (!(handler.errors.length > 0)) await new Promise((r) => setTimeout(r, 5)); // the attempt timed out
    assertEquals(handler.errors.length, 1);
    assertStringIncludes(errorText(handler.errors[0]), "timed out after 0.2 s");
    await handler.close();
  } finally {
    release();
    await server.close();
  }
});

Deno.test("HTTPHandler warns once that credentials go in clear text over plain HTTP", async () => {
  const server = startServer();
  try {
    const text = await captureStderr(async () => {
      const handler = new RecordingHTTPHandler(`127.0.0.1:${server.port}`, "/log", {
        credentials: ["ada", "pw"],
      });
      for (let i = 0; i < 3; i++) handler.handle(makeLogRecord({ name: "a", msg: `m${i}` }));
      await handler.flush();
      await handler.close();
    });
    assertEquals(text.split("clear text").length - 1, 1, text);
    assertStringIncludes(text, `http://127.0.0.1:${server.port}/log`);
    assert(!text.includes("pw"), "the password is not printed");
    assertEquals(server.seen.length, 3);
  } finally {
    await server.close();
  }
});

Deno.test("HTTPHandler.method may be changed, as in Python: each record goes with the method it was handled with", async () => {
  // CPython sends from the logging call, so setting `method` affects the records handled
  // afterwards only. Here the requests go out later: each record still goes with its method.
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const body = req.method === "POST" ? await req.text() : new URL(req.url).search.slice(1);
    const msg = new URLSearchParams(body).get("msg");
    seen.push(`${req.method} ${req.headers.get("content-type")} ${msg}`);
    return new Response(null);
  });
  const h = new HTTPHandler(`127.0.0.1:${server.addr.port}`, "/frob", { maxInFlight: 1 });
  try {
    h.handle(makeLogRecord({ msg: "one" }));
    h.method = "POST";
    h.handle(makeLogRecord({ msg: "two" }));
    h.method = "get";
    assertEquals(h.method, "GET");
    h.handle(makeLogRecord({ msg: "three" }));
    await h.flush();
    assertEquals(seen, [
      "GET null one",
      "POST application/x-www-form-urlencoded two",
      "GET null three",
    ]);
  } finally {
    await h.close();
    await server.shutdown();
  }
});

Deno.test("HTTPHandler.method refuses another method, and GET with format json", async () => {
  const h = new HTTPHandler("127.0.0.1:9", "/log");
  const json = new HTTPHandler("127.0.0.1:9", "/log", { method: "POST", format: "json" });
  try {
    assertThrows(
      () => h.method = "PUT" as HTTPMethod,
      RangeError,
      `Cannot set HTTPHandler.method as it must be "GET" or "POST": current value is 'PUT'`,
    );
    assertEquals(h.method, "GET");
    assertThrows(() => json.method = "GET", RangeError, `'format' "json" needs "POST"`);
    assertEquals(json.method, "POST");
  } finally {
    await h.close();
    await json.close();
  }
});

Deno.test("HTTPHandler refuses an invalid method or option at construction", () => {
  assertThrows(
    () => new HTTPHandler("localhost", "/log", { method: "PUT" as HTTPMethod }),
    RangeError,
    `Cannot create HTTPHandler as 'method' must be "GET" or "POST": current value is 'PUT'`,
  );
  const h = new HTTPHandler("localhost", "/log", { method: "post" });
  assertEquals(h.method, "POST");
  void h.close();
  assertThrows(
    () => new HTTPHandler("localhost", "/log", { context: { caCerts: [] } }),
    TypeError,
    "'context' only makes sense with 'secure' true",
  );
  assertThrows(
    () => new HTTPHandler("localhost", "/log", { format: "json" }),
    RangeError,
    `'format' "json" needs 'method' "POST"`,
  );
  assertThrows(
    () => new HTTPHandler("localhost", "/log", { method: "POST", batch: { maxRecords: 5 } }),
    RangeError,
    `'batch' needs 'format' "json"`,
  );
  assertThrows(
    () => new HTTPHandler("localhost", "/log", { timeout: 0 }),
    RangeError,
    "'timeout' must be > 0: current value is 0",
  );
});

Deno.test("HTTPHandler format json POSTs the record, and batches records in order", async () => {
  const server = startServer();
  try {
    const host = `127.0.0.1:${server.port}`;
    const single = new RecordingHTTPHandler(host, "/j", { method: "POST", format: "json" });
    single.handle(makeLogRecord({ name: "j", msg: "x %s", args: ["y"], created: 1.5 }));
    await single.flush();
    await single.close();
    assertEquals(server.seen[0].contentType, "application/json");
    const one = JSON.parse(server.seen[0].body);
    assertEquals([one.name, one.msg, one.args, one.created, one.exc_info], [
      "j",
      "x %s",
      ["y"],
      1.5,
      null,
    ]);

    const batched = new RecordingHTTPHandler(host, "/j", {
      method: "POST",
      format: "json",
      batch: { maxRecords: 3, maxDelayMs: 60_000 },
    });
    for (let i = 0; i < 7; i++) batched.handle(makeLogRecord({ name: "b", msg: `m${i}` }));
    await server.until(3); // two full batches go out without waiting
    await batched.flush(); // sends the last, partial one
    await batched.close();
    const bodies = server.seen.slice(1).map((s) =>
      (JSON.parse(s.body) as { msg: string }[]).map((r) => r.msg)
    );
    assertEquals(bodies, [["m0", "m1", "m2"], ["m3", "m4", "m5"], ["m6"]]);

    const timed = new RecordingHTTPHandler(host, "/j", {
      method: "POST",
      format: "json",
      batch: { maxRecords: 100, maxDelayMs: 10 },
    });
    timed.handle(makeLogRecord({ name: "t", msg: "a" }));
    timed.handle(makeLogRecord({ name: "t", msg: "b" }));
    await server.until(5); // sent by the maxDelayMs timer, not by flush()
    assertEquals((JSON.parse(server.seen[4].body) as { msg: string }[]).map((r) => r.msg), [
      "a",
      "b",
    ]);
    await timed.close();
    assertEquals([...single.errors, ...batched.errors, ...timed.errors], []);
  } finally {
    await server.close();
  }
});
