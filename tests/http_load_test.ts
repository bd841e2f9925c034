/**
 * HTTPHandler under load and under a misbehaving collector: a burst of 20,000 records to a
 * collector in another process, the in-flight bound and the order it keeps, a 503 storm, a
 * collector that answers late, a denied `--allow-net`, and what each request carries (caller
 * information, the formatted `message`, CPython's bytes for a formatted record). Every
 * collector is a real `Deno.serve` on loopback (tests/helpers/http_collector.ts).
 */

import { HTTPHandler, type HTTPHandlerOptions } from "../handlers/http.ts";
import { Formatter } from "../core/formatter.ts";
import { getLogger } from "../core/logger.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";
import { type Arrival, spawnCollector, startCollector } from "./helpers/http_collector.ts";

/** An HTTPHandler that keeps what it reports instead of printing it. */
class RecordingHTTPHandler extends HTTPHandler {
  errors: Error[] = [];
  override handleError(_record: LogRecord | null, error: unknown): void {
    this.errors.push(error instanceof Error ? error : new Error(String(error)));
  }
}

function texts(errors: Error[]): string[] {
  return errors.map((e) => e.message + (e.cause instanceof Error ? " / " + e.cause.message : ""));
}

/**
 * Waits `ms` (or until the test releases it), and with `arrival`, less if the sender gives the
 * request up (its connection closes).
 */
function hold(ms: number, releases: (() => void)[], arrival?: Arrival): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(done, ms);
    releases.push(done);
    arrival?.signal.addEventListener("abort", done, { once: true });
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Checks that each of `msgs` (`m0`, `m1`, ... by number) arrived exactly once. */
function assertEachOnce(arrived: string[], count: number, prefix = "m"): void {
  const seen = new Map<string, number>();
  for (const m of arrived) seen.set(m, (seen.get(m) ?? 0) + 1);
  const wrong: string[] = [];
  for (let i = 0; i < count; i++) {
    const n = seen.get(`${prefix}${i}`) ?? 0;
    if (n !== 1) wrong.push(`${prefix}${i} x${n}`);
  }
  assertEquals(wrong.slice(0, 10), [], `${wrong.length} records not received exactly once`);
  assertEquals(arrived.length, count);
}

/** Checks the documented order: request `n` reaches the collector before request `n + window`. */
function assertWindowOrder(arrived: string[], count: number, window: number, prefix = "m"): void {
  const at = new Map(arrived.map((m, i) => [m, i]));
  for (let n = 0; n + window < count; n++) {
    const a = at.get(`${prefix}${n}`)!;
    const b = at.get(`${prefix}${n + window}`)!;
    assert(a < b, `${prefix}${n} arrived at ${a}, after ${prefix}${n + window} (at ${b})`);
  }
}

Deno.test("HTTPHandler delivers 20,000 records logged in a tight loop to a collector process, none dropped, with its default options", async () => {
  const collector = await spawnCollector();
  const handler = new RecordingHTTPHandler(`127.0.0.1:${collector.port}`, "/log");
  const log = getLogger("http.load.burst");
  log.propagate = false;
  log.setLevel("INFO");
  log.addHandler(handler);
  try {
    const count = 20_000;
    // Nothing can be sent until the loop ends: the whole burst waits in the outbox.
    for (let i = 0; i < count; i++) log.info("m" + i);
    // However slow the machine, every record is delivered (close() alone gives up after
    // closeTimeout).
    await handler.flush();
    await handler.close();
    const stats = await collector.stats();
    assertEquals(texts(handler.errors), []);
    assertEquals(handler.dropped, 0);
    assertEachOnce(stats.msgs, count);
    assertEquals(stats.requests, count, "one request per record, as CPython");
    assertWindowOrder(stats.msgs, count, handler.maxInFlight);
    assert(stats.maxInProgress <= 8, `${stats.maxInProgress} requests in progress at once`);
    // Kept-alive connections: a handful for 20,000 requests (CPython opens one per record). A
    // pooled connection may still be replaced now and then on a loaded machine.
    assert(stats.connections <= 32, `${stats.connections} connections for ${count} requests`);
  } finally {
    log.removeHandler(handler);
    await handler.close();
    await collector.close();
  }
});

Deno.test("HTTPHandler batch mode counts every record of a request its outbox could not hold", async () => {
  const collector = startCollector();
  try {
    const handler = new RecordingHTTPHandler(`127.0.0.1:${collector.port}`, "/log", {
      method: "POST",
      format: "json",
      batch: { maxRecords: 100, maxDelayMs: 60_000 },
      maxBytes: 100_000,
    });
    const count = 1000;
    for (let i = 0; i < count; i++) {
      handler.handle(makeLogRecord({ name: "batch", msg: `m${i}`, pathname: "/srv/app.ts" }));
    }
    await handler.close();
    const arrived = collector.arrivals.flatMap((a) => a.msgs);
    assert(arrived.length > 0 && handler.dropped > 0, `${arrived.length} / ${handler.dropped}`);
    assertEquals(arrived.length + handler.dropped, count, "every record delivered or counted");
    const reported = texts(handler.errors).map((t) => Number(/^(\d+) records? w/.exec(t)?.[1]));
    assertEquals(
      reported.reduce((a, b) => a + b, 0),
      handler.dropped,
      texts(handler.errors).join(),
    );
    for (const a of collector.arrivals) assert(a.msgs.length <= 100);
  } finally {
    await collector.close();
  }
});

Deno.test("HTTPHandler keeps at most maxInFlight requests in flight, and a collector receives request n before request n + maxInFlight", async () => {
  // Answers come back after 1 to 5 ms, so that later requests often overtake earlier ones.
  let k = 0;
  const collector = startCollector(async () => {
    await delay(1 + (k++ * 7) % 5);
    return 200;
  });
  try {
    for (const maxInFlight of [4, 1]) {
      const before = collector.arrivals.length;
      const handler = new RecordingHTTPHandler(`127.0.0.1:${collector.port}`, "/log", {
        maxInFlight,
      });
      assertEquals(handler.maxInFlight, maxInFlight);
      const count = 120;
      for (let i = 0; i < count; i++) handler.handle(makeLogRecord({ name: "w", msg: `m${i}` }));
      await handler.close();
      const arrivals = collector.arrivals.slice(before);
      const arrived = arrivals.flatMap((a) => a.msgs);
      assertEquals(texts(handler.errors), []);
      assertEachOnce(arrived, count);
      assertEquals(
        Math.max(...arrivals.map((a) => a.inProgress)),
        maxInFlight,
        "the bound is reached, never passed",
      );
      assertWindowOrder(arrived, count, maxInFlight);
      assert(new Set(arrivals.map((a) => a.port)).size <= maxInFlight, "connections are reused");
    }
  } finally {
    await collector.close();
  }
});

Deno.test("HTTPHandler meets a 503 storm with one request at a time, backing off, and every record arrives once", async () => {
  const releases: (() => void)[] = [];
  let n = 0;
  const wave: (() => void)[] = [];
  const collector = startCollector(async () => {
    const k = n++;
    if (k < 20) return 200;
    if (k < 28) {
      // The storm starts with a full window in flight: answered together once all 8 are here.
      await new Promise<void>((resolve) => {
        wave.push(resolve);
        if (wave.length === 8) { for (const r of wave) r(); }
        else void hold(300, releases).then(resolve);
      });
      return 503;
    }
    if (k < 31) {
      await hold(20, releases);
      return 503;
    }
    await hold(5, releases);
    return 200;
  });
  const handler = new RecordingHTTPHandler(`127.0.0.1:${collector.port}`, "/log", {
    retryStart: 0.05,
    retryFactor: 2,
    retryMax: 0.2,
  });
  try {
    const count = 60;
    for (let i = 0; i < count; i++) handler.handle(makeLogRecord({ name: "s", msg: `m${i}` }));
    await collector.until(count);
    await handler.close();
    const a = collector.arrivals;
    assertEachOnce(a.filter((x) => x.status === 200).flatMap((x) => x.msgs), count);
    // The wave: the 8 requests in flight when the storm began, none more.
    assertEquals(Math.max(...a.slice(20, 28).map((x) => x.inProgress)), 8);
    assert(a.every((x) => x.inProgress <= 8));
    // Then one request at a time, each after the back-off (50, 100, 200, 200 ms).
    const waveEnd = Math.max(...a.slice(20, 28).map((x) => x.answeredAt));
    const probes = a.slice(28, 32);
    assertEquals(probes.map((x) => [x.inProgress, x.status]), [[1, 503], [1, 503], [1, 503], [
      1,
      200,
    ]]);
    const waits = [
      probes[0].at - waveEnd,
      ...probes.slice(1).map((x, i) => x.at - probes[i].answeredAt),
    ];
    [50, 100, 200, 200].forEach((ms, i) =>
      assert(waits[i] >= ms * 0.9, `wait ${i}: ${waits[i]} ms`)
    );
    // Once the collector answers again, requests fly in parallel again.
    assert(a.slice(32).some((x) => x.inProgress > 1), "the window opens again");
    // One report for the outage, not one per failed request.
    assertEquals(handler.errors.length, 1, texts(handler.errors).join("\n"));
    assertStringIncludes(handler.errors[0].message, "answered 503");
  } finally {
    for (const release of releases) release();
    await handler.close();
    await collector.close();
  }
});

Deno.test("HTTPHandler bounds a collector that answers after 1 s: maxInFlight requests at most, each abandoned at its timeout, and close() within closeTimeout", async () => {
  const releases: (() => void)[] = [];
  let first = true;
  const collector = startCollector(async (arrival) => {
    if (first) {
      first = false;
      return 200;
    }
    await hold(1000, releases, arrival);
    return 200;
  });
  const handler = new RecordingHTTPHandler(`127.0.0.1:${collector.port}`, "/log", {
    maxInFlight: 3,
    timeout: 0.3,
    retryStart: 60,
    closeTimeout: 200,
  });
  try {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) handler.handle(makeLogRecord({ name: "slow", msg: `m${i}` }));
    while (handler.errors.length === 0) await delay(10);
    const reportedAfter = performance.now() - t0;
    assert(reportedAfter >= 290 && reportedAfter < 2000, `reported after ${reportedAfter} ms`);
    assertEquals(handler.errors.map((e) => e.message), [
      `GET http://127.0.0.1:${collector.port}/log timed out after 0.3 s`,
    ]);
    // The three requests given up have closed their connections.
    while (collector.arrivals.some((a) => a.answeredAt === 0)) await delay(5);
    assertEquals(collector.arrivals.length, 4);
    assertEquals(collector.maxInProgress, 3);
    const t1 = performance.now();
    await handler.close();
    const closing = performance.now() - t1;
    assert(closing < 600, `close() took ${closing} ms with closeTimeout 200`);
    assertEquals(handler.dropped, 9);
    assertStringIncludes(texts(handler.errors).join("\n"), "9 records were not delivered");
    assert(collector.maxInProgress <= 3, `${collector.maxInProgress} in progress`);
  } finally {
    for (const release of releases) release();
    await handler.close();
    await collector.close();
  }
});

Deno.test("HTTPHandler without --allow-net reports it once with the flag to add, and drops and counts instead of retrying", async () => {
  const collector = startCollector();
  const dir = await Deno.makeTempDir();
  try {
    const script = `${dir}/send.ts`;
    await Deno.writeTextFile(
      script,
      `import { getLogger, HTTPHandler } from ${JSON.stringify(import.meta.resolve("../mod.ts"))};
const handler = new HTTPHandler("127.0.0.1:${collector.port}", "/log", { retryStart: 0.05 });
const log = getLogger("perm");
log.propagate = false;
log.addHandler(handler);
log.setLevel("INFO");
for (let i = 0; i < 3; i++) log.info("m%d", i);
await handler.flush();
for (let i = 3; i < 5; i++) log.info("m%d", i);
const t0 = performance.now();
await handler.close();
console.log(JSON.stringify({ dropped: handler.dropped, closeMs: performance.now() - t0 }));
`,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", `--allow-read=${dir}`, "--no-config", script],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    const stdout = new TextDecoder().decode(out.stdout);
    assert(out.success, stderr);
    const result = JSON.parse(stdout) as { dropped: number; closeMs: number };
    assertEquals(result.dropped, 5, stderr);
    assert(result.closeMs < 1000, `close() took ${result.closeMs} ms: retried?`);
    assertEquals(collector.arrivals.length, 0);
    const flag = `--allow-net=127.0.0.1:${collector.port}`;
    assertStringIncludes(stderr, flag);
    const reports = stderr.split("--- Logging error ---").slice(1);
    assert(reports.length >= 1, stderr);
    // The denial itself, once; the rest only count what was dropped for it.
    assertEquals(reports.filter((r) => !/records? w(as|ere) dropped/.test(r)).length, 1, stderr);
    const counted = reports.map((r) =>
      Number(/(\d+) records? w(?:as|ere) dropped/.exec(r)?.[1] ?? 0)
    );
    assertEquals(counted.reduce((x, y) => x + y, 0), 5, stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
    await collector.close();
  }
});

Deno.test("callerInfo: false stops HTTPHandler's stack capture, and only for its sake", async () => {
  const collector = startCollector();
  const logger = getLogger("http.caller");
  logger.propagate = false;
  logger.setLevel("INFO");
  const make = (options: HTTPHandlerOptions) =>
    new RecordingHTTPHandler(`127.0.0.1:${collector.port}`, "/log", {
      method: "POST",
      format: "json",
      ...options,
    });
  try {
    const withCaller = make({});
    assertEquals([withCaller.callerInfo, withCaller.needsCallerInfo], [true, true]);
    logger.addHandler(withCaller);
    const withLine = Number(new Error().stack!.split("\n")[1].match(/:(\d+):\d+\)?$/)![1]) + 1;
    logger.info("with");
    await withCaller.close();
    logger.removeHandler(withCaller);

    const without = make({ callerInfo: false });
    assertEquals([without.callerInfo, without.needsCallerInfo], [false, false]);
    logger.addHandler(without);
    logger.info("without");
    // Another handler on the way that formats %(lineno)d: the record carries it again.
    const lines = new StreamHandler({ writeSync: (b: Uint8Array) => b.length });
    lines.setFormatter(new Formatter("%(lineno)d %(message)s"));
    logger.addHandler(lines);
    logger.info("shared");
    await without.close();
    logger.removeHandler(without);
    logger.removeHandler(lines);

    await collector.until(3);
    const [a, b, c] = collector.arrivals.map((x) => x.records[0]);
    assertEquals([a.msg, b.msg, c.msg], ["with", "without", "shared"]);
    assert(String(a.pathname).endsWith("http_load_test.ts"), String(a.pathname));
    assertEquals(a.lineno, withLine);
    assertEquals([b.pathname, b.lineno, b.funcName], ["(unknown file)", 0, "(unknown function)"]);
    assert(String(c.pathname).endsWith("http_load_test.ts") && Number(c.lineno) > withLine);
    assertEquals([...withCaller.errors, ...without.errors], []);
  } finally {
    await collector.close();
  }
});

Deno.test("HTTPHandler format json carries the formatted message, alone or batched, formatted elsewhere or not", async () => {
  const collector = startCollector();
  try {
    const host = `127.0.0.1:${collector.port}`;
    const single = new RecordingHTTPHandler(host, "/j", { method: "POST", format: "json" });
    single.handle(makeLogRecord({ name: "j", msg: "user %s paid %d", args: ["ada", 12] }));
    const formatted = makeLogRecord({ name: "j", msg: "%s formatted", args: ["already"] });
    new Formatter("%(message)s").format(formatted);
    single.handle(formatted);
    await single.close();
    const batched = new RecordingHTTPHandler(host, "/j", {
      method: "POST",
      format: "json",
      batch: { maxRecords: 10, maxDelayMs: 60_000 },
    });
    for (let i = 0; i < 3; i++) {
      batched.handle(makeLogRecord({ name: "b", msg: "n=%d", args: [i] }));
    }
    await batched.close();
    await collector.until(5);
    const records = collector.arrivals.flatMap((a) => a.records);
    assertEquals(records.map((r) => r.message), [
      "user ada paid 12",
      "already formatted",
      "n=0",
      "n=1",
      "n=2",
    ]);
    assertEquals(records[0].msg, "user %s paid %d");
    assertEquals(collector.arrivals.length, 3, "the three batched records in one request");
    assertEquals([...single.errors, ...batched.errors], []);
  } finally {
    await collector.close();
  }
});

const PY_FORMATTED = `
import json, sys, logging, logging.handlers
cfg = json.load(sys.stdin)
h = logging.handlers.HTTPHandler(cfg["host"], cfg["url"], method="GET")
def fail(record):
    raise
h.handleError = fail
for d in cfg["records"]:
    d = dict(d)
    d["args"] = tuple(d["args"])
    for k in ("created", "msecs", "relativeCreated"):
        d[k] = float(d[k])
    r = logging.makeLogRecord(d)
    if cfg["fmt"]:
        logging.Formatter(cfg["fmt"]).format(r)
    h.emit(r)
print(json.dumps("ok"))
`;

Deno.test("HTTPHandler URL-encodes a record another handler formatted byte for byte as CPython: message and asctime last", async () => {
  if (!(await pythonAvailable())) return;
  const collector = startCollector();
  try {
    const base = {
      name: "app",
      msg: "paid %s",
      args: ["ada"],
      levelname: "INFO",
      levelno: 20,
      pathname: "/srv/app.py",
      filename: "app.py",
      module: "app",
      exc_info: null,
      exc_text: null,
      stack_info: null,
      lineno: 3,
      funcName: "pay",
      created: 1700000000.25,
      msecs: 250.0,
      relativeCreated: 10.5,
      thread: 1,
      threadName: "MainThread",
      processName: "MainProcess",
      process: 7,
      taskName: null,
    };
    const records = [{ ...base, user_id: 7, region: "eu" }, base];
    const host = `127.0.0.1:${collector.port}`;
    for (const fmt of ["%(asctime)s %(message)s", "%(message)s", null]) {
      const from = collector.arrivals.length;
      await runPython(PY_FORMATTED, { host, url: "/log", records, fmt });
      const handler = new RecordingHTTPHandler(host, "/log", { maxInFlight: 1 });
      for (const r of records) {
        const record = makeLogRecord(r);
        if (fmt !== null) new Formatter(fmt).format(record);
        handler.handle(record);
      }
      await handler.close();
      assertEquals(handler.errors, []);
      const raw = collector.arrivals.slice(from).map((a) => a.raw);
      assertEquals(raw.length, 4);
      assertEquals(raw[2], raw[0], `fmt ${fmt}: the same bytes as CPython`);
      assertEquals(raw[3], raw[1], `fmt ${fmt}: the same bytes as CPython`);
      const keys = [...new URLSearchParams(raw[2]).keys()].slice(-4);
      if (fmt === "%(asctime)s %(message)s") {
        assertEquals(keys, ["user_id", "region", "message", "asctime"]);
      }
      if (fmt === null) assert(!raw[2].includes("message="), "no formatter ran: no message");
    }
  } finally {
    await collector.close();
  }
});

Deno.test("HTTPHandler refuses a maxInFlight or callerInfo it cannot use", () => {
  for (const value of [0, 1.5, -1, "8"]) {
    assertThrows(
      () => new HTTPHandler("localhost", "/log", { maxInFlight: value as number }),
      RangeError,
      `Cannot create HTTPHandler as 'maxInFlight' must be an integer >= 1: current value is ${value}`,
    );
  }
  assertThrows(
    () => new HTTPHandler("localhost", "/log", { callerInfo: "no" as unknown as boolean }),
    RangeError,
    "'callerInfo' must be true or false",
  );
  const h = new HTTPHandler("localhost", "/log", { maxInFlight: 2, callerInfo: false });
  assertEquals([h.maxInFlight, h.callerInfo, h.needsCallerInfo], [2, false, false]);
  void h.close();
});
