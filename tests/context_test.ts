/**
 * withContext, getContext and ContextFilter: fields that follow async calls into every record,
 * checked through what formats and structured outputs see, and under 1,000 interleaved requests
 * on a real `Deno.serve` on loopback.
 */

import { ContextFilter, getContext, withContext } from "../core/context.ts";
import { Formatter } from "../core/formatter.ts";
import { getLogRecordFactory, kw, setLogRecordFactory } from "../core/logger.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { recordExtras } from "../core/record_fields.ts";
import { KeyError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { collectingLogger, MOD_URL, runScript } from "./helpers/collect.ts";

function field(record: LogRecord, key: string): unknown {
  return (record as unknown as Record<string, unknown>)[key];
}

Deno.test("records logged inside withContext carry its fields, for formats and structured output", () => {
  const { log, h } = collectingLogger("ctx", new Formatter("%(requestId)s %(user)s %(message)s"));
  withContext({ requestId: "r-1", user: "ann" }, () => log.warning("paid %d", 3));
  assertEquals(h.lines, ["r-1 ann paid 3"]);
  assertEquals(recordExtras(h.records[0]), [["requestId", "r-1"], ["user", "ann"]]);
});

Deno.test("the fields follow awaits, timers, promise chains, microtasks and intervals", async () => {
  const { log, h } = collectingLogger("ctx");
  const done = withContext({ requestId: "r-async" }, async () => {
    await Promise.resolve();
    log.warning("after await");
    await new Promise<void>((resolve) => setTimeout(() => (log.warning("in timer"), resolve()), 0));
    await Promise.resolve(1).then(() => log.warning("in then"));
    await new Promise<void>((resolve) =>
      queueMicrotask(() => (log.warning("in microtask"), resolve()))
    );
    await new Promise<void>((resolve) => {
      const id = setInterval(() => {
        clearInterval(id);
        log.warning("in interval");
        resolve();
      }, 0);
    });
    const target = new EventTarget();
    target.addEventListener("ping", () => log.warning("in listener"));
    target.dispatchEvent(new Event("ping"));
  });
  log.warning("outside, meanwhile");
  await done;
  const seen = h.records.map((r) => [r.getMessage(), field(r, "requestId")]);
  assertEquals(seen, [
    ["outside, meanwhile", undefined],
    ["after await", "r-async"],
    ["in timer", "r-async"],
    ["in then", "r-async"],
    ["in microtask", "r-async"],
    ["in interval", "r-async"],
    ["in listener", "r-async"],
  ]);
});

Deno.test("nested contexts merge, the inner one winning, and end with their function", async () => {
  const { log, h } = collectingLogger("ctx");
  await withContext({ requestId: "r-2", user: "ann" }, async () => {
    await withContext({ user: "bob", step: 1 }, async () => {
      await null;
      assertEquals(getContext(), { requestId: "r-2", user: "bob", step: 1 });
      log.warning("inner");
    });
    log.warning("outer again");
  });
  assertEquals(getContext(), {});
  assertEquals(recordExtras(h.records[0]), [["requestId", "r-2"], ["user", "bob"], ["step", 1]]);
  assertEquals(recordExtras(h.records[1]), [["requestId", "r-2"], ["user", "ann"]]);
  assert(Object.isFrozen(withContext({ a: 1 }, getContext)));
});

Deno.test("extra and a record factory's attributes win over the context", () => {
  const { log, h } = collectingLogger("ctx");
  const old = getLogRecordFactory();
  setLogRecordFactory((...args) => Object.assign(old(...args), { tenant: "from-factory" }));
  try {
    withContext({ user: "ctx", tenant: "ctx" }, () => {
      log.warning("x", kw({ extra: { user: "extra" } }));
    });
  } finally {
    setLogRecordFactory(old);
  }
  assertEquals(field(h.records[0], "user"), "extra");
  assertEquals(field(h.records[0], "tenant"), "from-factory");
});

Deno.test("withContext refuses a record attribute's name, like Python's extra, before running", () => {
  let ran = false;
  for (const key of ["msg", "levelname", "message", "asctime", "getMessage", "__proto__"]) {
    const fields = JSON.parse(`{"${key}": 1}`);
    const e = assertThrows(() => withContext(fields, () => (ran = true)), KeyError);
    assert(e.message.startsWith(`Attempt to overwrite '${key}' in LogRecord`), e.message);
  }
  assert(!ran);
});

Deno.test("withContext checks its arguments and reads each field once", () => {
  assertThrows(
    () => withContext(null as never, () => {}),
    TypeError,
    "'fields' must be a plain object",
  );
  assertThrows(() => withContext(new Map() as never, () => {}), TypeError, "current value is");
  assertThrows(() => withContext({ a: 1 }, "fn" as never), TypeError, "'fn' must be a function");
  assertThrows(() => withContext({ taskName: 3 }, () => {}), TypeError, "'taskName' must be");
  const hostile = {
    get boom(): never {
      throw new RangeError("no");
    },
  };
  assertThrows(
    () => withContext(hostile, () => {}),
    TypeError,
    "field 'boom' cannot be read: RangeError: no",
  );
  let reads = 0;
  const counted = {
    get user() {
      reads++;
      return "ann";
    },
  };
  const { log, h } = collectingLogger("ctx");
  withContext(counted, () => {
    log.warning("a");
    log.warning("b");
  });
  assertEquals(reads, 1);
  assertEquals(h.records.map((r) => field(r, "user")), ["ann", "ann"]);
});

Deno.test("a context's taskName names the records' task, as an asyncio task's name does", async () => {
  const { log, h } = collectingLogger("ctx", new Formatter("%(taskName)s %(message)s"));
  log.warning("no task");
  await withContext({ taskName: "req-42" }, async () => {
    await null;
    log.warning("in task");
  });
  assertEquals(h.lines, ["null no task", "req-42 in task"]);
  assertEquals(recordExtras(h.records[1]), []);
});

Deno.test("ContextFilter fills defaults and stamps records made outside a logger", () => {
  const { log, h } = collectingLogger("ctx", new Formatter("[%(requestId)s] %(message)s"));
  h.addFilter(new ContextFilter({ defaults: { requestId: "-" } }));
  log.warning("outside");
  withContext({ requestId: "r-9" }, () => {
    log.warning("inside");
    h.handle(makeLogRecord({ msg: "received", levelno: 30 }));
  });
  assertEquals(h.lines, ["[-] outside", "[r-9] inside", "[r-9] received"]);
  assertThrows(
    () => new ContextFilter({ default: {} } as never),
    TypeError,
    "did you mean 'defaults'?",
  );
  assertThrows(() => new ContextFilter({ defaults: { name: "x" } }), KeyError);
});

Deno.test("1,000 interleaved requests on Deno.serve each see only their own context", async () => {
  const { log, h } = collectingLogger("ctx");
  let next = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (req) => {
    const requestId = new URL(req.url).searchParams.get("id")!;
    const n = next++;
    return withContext({ requestId, n }, async () => {
      log.warning("start %s", requestId);
      // Interleave: each request yields a different number of times, some through timers.
      for (let i = 0; i < n % 7; i++) await Promise.resolve();
      if (n % 3 === 0) await new Promise((resolve) => setTimeout(resolve, 0));
      const body = await req.text();
      await withContext({ step: "inner" }, async () => {
        await null;
        log.warning("inner %s", requestId);
      });
      log.warning("end %s", requestId);
      return new Response(`${body}:${getContext().requestId}`);
    });
  });
  try {
    const ids = Array.from({ length: 1000 }, (_, i) => `req-${i}`);
    const answers: string[] = [];
    // 100 at a time: enough interleaving, without running out of sockets.
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100).map(async (id) => {
        const res = await fetch(`http://127.0.0.1:${server.addr.port}/?id=${id}`, {
          method: "POST",
          body: id,
        });
        return await res.text();
      });
      answers.push(...await Promise.all(batch));
    }
    assertEquals(answers, ids.map((id) => `${id}:${id}`));
    assertEquals(h.records.length, 3000);
    for (const r of h.records) {
      const [, id] = r.getMessage().split(" ");
      assertEquals(field(r, "requestId"), id);
      assertEquals(field(r, "step"), r.getMessage().startsWith("inner") ? "inner" : undefined);
    }
    // The records of different requests really were interleaved.
    const firstEnd = h.records.findIndex((r) => r.getMessage().startsWith("end"));
    assert(h.records.slice(0, firstEnd).filter((r) => r.msg === "start %s").length > 1);
  } finally {
    await server.shutdown();
  }
});

Deno.test("a program that never enters a context stops looking for one after its first record", async () => {
  const out = await runScript(`
    import { getLogger, StreamHandler } from "${MOD_URL}";
    import * as context from "${new URL("../core/context.ts", import.meta.url).href}";
    const lines = [];
    getLogger().addHandler(new StreamHandler({ write: (t) => lines.push(t) }));
    const before = context.stamping;
    getLogger().warning("first");
    const after = context.stamping;
    context.withContext({ requestId: "r" }, () => getLogger().warning("second %s", "x"));
    console.log(JSON.stringify([before, after, context.stamping, lines]));
  `);
  await Deno.remove(out.dir, { recursive: true });
  assertEquals(out.stderr, "");
  assertEquals(JSON.parse(out.stdout), [true, false, true, ["first\n", "second x\n"]]);
});
