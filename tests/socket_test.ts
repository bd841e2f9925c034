/**
 * SocketHandler and DatagramHandler against real peers: CPython's own receiver code
 * (`pickle.loads` + `logging.makeLogRecord`) over TCP, a Unix socket, UDP v4 and v6; a server
 * that is down for a while; the outbox's bounds.
 */

import { jsonServer, until } from "./helpers/json_server.ts";
import { makeLogRecord } from "../core/record.ts";
import { settings } from "../core/settings.ts";
import { DatagramHandler, SocketHandler, type SocketHandlerOptions } from "../handlers/socket.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { Formatter } from "../core/formatter.ts";
import { getLogger } from "../core/logger.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { PYTHON_VERSION, pythonAvailable } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/** CPython's receiver: the logging cookbook's server, reduced to collecting N records. */
const PY_RECEIVER = String.raw`
import json, logging, os, pickle, socket, struct, sys
kind, n = sys.argv[1], int(sys.argv[2])
fields = ("name", "levelno", "levelname", "exc_text", "created", "lineno", "funcName")
def collect(payload):
    rec = logging.makeLogRecord(pickle.loads(payload))
    out = {f: getattr(rec, f) for f in fields}
    out["msg"] = rec.getMessage()
    out["created_type"] = type(rec.created).__name__
    out["args"] = rec.args
    return out
records = []
if kind in ("udp4", "udp6"):
    s = socket.socket(socket.AF_INET if kind == "udp4" else socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.settimeout(20)
    s.bind(("127.0.0.1" if kind == "udp4" else "::1", 0))
    print(s.getsockname()[1], flush=True)
    while len(records) < n:
        data, _ = s.recvfrom(65536)
        (size,) = struct.unpack(">L", data[:4])
        assert size == len(data) - 4
        records.append(collect(data[4:]))
else:
    if kind == "unix":
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(sys.argv[3])
        print(sys.argv[3], flush=True)
    else:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1], flush=True)
    s.settimeout(20)
    s.listen(1)
    conn, _ = s.accept()
    conn.settimeout(20)
    f = conn.makefile("rb")
    while len(records) < n:
        chunk = f.read(4)
        (size,) = struct.unpack(">L", chunk)
        records.append(collect(f.read(size)))
print(json.dumps(records), flush=True)
`;

/** Starts CPython's receiver; resolves its address line, then its records. */
function pythonReceiver(kind: string, n: number, path = "") {
  const child = new Deno.Command("python3", {
    args: ["-c", PY_RECEIVER, kind, String(n), path],
    env: { PYENV_VERSION: PYTHON_VERSION },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const nextLine = async (): Promise<string> => {
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`receiver ended: ${text}`);
      text += value;
    }
    const line = text.slice(0, text.indexOf("\n"));
    text = text.slice(text.indexOf("\n") + 1);
    return line;
  };
  const address = nextLine();
  return {
    address,
    records: address.then(nextLine).then((line) => JSON.parse(line) as Record<string, unknown>[]),
    async stop() {
      try {
        child.kill();
      } catch {
        // already ended
      }
      await child.status;
      await child.stderr.cancel();
      await lines.cancel().catch(() => {});
    },
  };
}

function records(n: number) {
  return Array.from({ length: n }, (_, i) => {
    const r = makeLogRecord({
      name: `app.part${i % 3}`,
      msg: "record %d of %s",
      args: [i, "the run"],
      levelno: 10 * (1 + (i % 5)),
      levelname: ["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"][i % 5],
      created: 1_700_000_000.25 + i,
      lineno: 42,
      funcName: "work",
    });
    if (i % 10 === 0) r.exc_info = new Error(`failure ${i}`);
    return r;
  });
}

function checkArrived(got: Record<string, unknown>[], n: number) {
  assertEquals(got.length, n);
  got.forEach((r, i) => {
    assertEquals(r.name, `app.part${i % 3}`);
    assertEquals(r.levelno, 10 * (1 + (i % 5)));
    assertEquals(r.msg, `record ${i} of the run`);
    assertEquals(r.args, null);
    assertEquals(r.created, 1_700_000_000.25 + i);
    assertEquals(r.created_type, "float");
    if (i % 10 === 0) assert(String(r.exc_text).includes(`failure ${i}`), String(r.exc_text));
    else assertEquals(r.exc_text, null);
  });
}

for (const kind of ["tcp", "unix", "udp4", "udp6"]) {
  Deno.test({
    name: `CPython's receiver reads every record our ${
      kind.startsWith("udp") ? "DatagramHandler" : "SocketHandler"
    } sends over ${kind}`,
    ignore: !hasPython,
    fn: () =>
      withTempDir(async (dir) => {
        // UDP may lose datagrams when the receiver falls behind: fewer of them.
        const n = kind.startsWith("udp") ? 40 : 200;
        const receiver = pythonReceiver(kind, n, `${dir}/log.sock`);
        try {
          const address = await receiver.address;
          const handler = kind === "tcp"
            ? new SocketHandler("127.0.0.1", Number(address))
            : kind === "unix"
            ? new SocketHandler(address, null)
            : new DatagramHandler(kind === "udp4" ? "127.0.0.1" : "::1", Number(address));
          for (const r of records(n)) handler.handle(r);
          await handler.flush();
          checkArrived(await receiver.records, n);
          await handler.close();
        } finally {
          await receiver.stop();
        }
      }),
  });
}

Deno.test("records wait while the server is down, arrive in order once it is up, and the first failure is reported", async () => {
  // A port that nothing listens on yet.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const errors: unknown[] = [];
  const handler = new SocketHandler("127.0.0.1", port, {
    format: "json",
    retryStart: 0.05,
    retryMax: 0.2,
  });
  handler.handleError = (_r, e) => void errors.push(e);
  for (let i = 0; i < 50; i++) handler.handle(makeLogRecord({ msg: `early ${i}` }));
  await until(() => errors.length === 1); // the first attempt failed
  assertEquals(errors.length, 1);
  assert(String(errors[0]).includes(`127.0.0.1:${port}`), String(errors[0]));
  assert(handler.retryTime !== null);
  const server = jsonServer(port);
  try {
    for (let i = 0; i < 50; i++) handler.handle(makeLogRecord({ msg: `late ${i}` }));
    await until(() => server.got.length === 100);
    assertEquals(
      server.got.map((r) => r.msg),
      [
        ...Array.from({ length: 50 }, (_, i) => `early ${i}`),
        ...Array.from({ length: 50 }, (_, i) => `late ${i}`),
      ],
    );
    assertEquals(handler.dropped, 0);
    assertEquals(errors.length, 1);
  } finally {
    await handler.close();
    await server.close();
  }
});

Deno.test("beyond the outbox's cap, records are dropped and their exact number is reported", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const errors: string[] = [];
  const handler = new SocketHandler("127.0.0.1", port, {
    format: "json",
    maxRecords: 100,
    retryStart: 0.05,
    retryMax: 0.1,
  });
  handler.handleError = (_r, e) => void errors.push(String(e));
  for (let i = 0; i < 137; i++) handler.handle(makeLogRecord({ msg: `r${i}` }));
  assertEquals(handler.dropped, 37);
  const server = jsonServer(port);
  try {
    await until(() => server.got.length === 100);
    // The next record ends the drop streak: its count is reported exactly.
    handler.handle(makeLogRecord({ msg: "after" }));
    await until(() => server.got.length === 101);
    assertEquals(
      server.got.slice(0, 100).map((r) => r.msg),
      Array.from({ length: 100 }, (_, i) => `r${i}`),
    );
    assert(
      errors.some((e) => e.includes("37 records were dropped because the outbox was full")),
      errors.join("\n"),
    );
  } finally {
    await handler.close();
    await server.close();
  }
});

Deno.test("close() gives up after closeTimeout and reports the records it drops", async () => {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const errors: string[] = [];
  const handler = new SocketHandler("127.0.0.1", port, { closeTimeout: 300, retryStart: 0.05 });
  handler.handleError = (_r, e) => void errors.push(String(e));
  for (let i = 0; i < 5; i++) handler.handle(makeLogRecord({ msg: `r${i}` }));
  const started = Date.now();
  await handler.close();
  assert(Date.now() - started < 3000);
  assert(
    errors.some((e) => e.includes("5 records were not delivered within closeTimeout (300 ms)")),
    errors.join("\n"),
  );
  assertEquals(handler.dropped, 5);
});

Deno.test("a script that logs through a SocketHandler and returns delivers everything", async () => {
  const server = jsonServer();
  try {
    const { code, stderr, dir } = await runScript(
      `
      import { getLogger, SocketHandler } from "${MOD_URL}";
      const log = getLogger("app");
      log.addHandler(new SocketHandler("127.0.0.1", ${server.port}, { format: "json" }));
      for (let i = 0; i < 1000; i++) log.warning("record %d", i);
    `,
      ["--allow-net", "--allow-read"],
    );
    await Deno.remove(dir, { recursive: true });
    assertEquals(code, 0, stderr);
    await until(() => server.got.length === 1000);
    assertEquals(server.got[999].msg, "record 999");
  } finally {
    await server.close();
  }
});

Deno.test("DatagramHandler to a Unix datagram socket says what the runtime needs", async () => {
  const errors: string[] = [];
  const handler = new DatagramHandler("/tmp/no-such-dgram.sock", null, { closeTimeout: 100 });
  handler.handleError = (_r, e) => void errors.push(String(e));
  handler.handle(makeLogRecord({ msg: "x" }));
  await handler.close();
  assert(
    errors.some((e) => e.includes("--unstable-net")) ||
      errors.some((e) => e.includes("/tmp/no-such-dgram.sock")),
    errors.join("\n"),
  );
});

Deno.test("closeOnError closes the connection when an error is reported", async () => {
  const server = jsonServer();
  const handler = new SocketHandler("127.0.0.1", server.port, { format: "json" });
  try {
    handler.handle(makeLogRecord({ msg: "one" }));
    await handler.flush();
    assert(handler.sock !== null);
    handler.closeOnError = true;
    // handleError prints Python's report on stderr; the connection is what this test is about.
    const before = settings.raiseExceptions;
    settings.raiseExceptions = false;
    try {
      handler.handleError(null, new Error("boom"));
    } finally {
      settings.raiseExceptions = before;
    }
    assertEquals(handler.sock, null);
    handler.handle(makeLogRecord({ msg: "two" }));
    await until(() => server.got.length === 2);
  } finally {
    await handler.close();
    await server.close();
  }
});

Deno.test("callerInfo: false stops the stack capture for the handler's sake, and only for it", async () => {
  const server = jsonServer();
  const logger = getLogger("socket.caller");
  logger.propagate = false;
  logger.setLevel("INFO");
  const sent = (options: SocketHandlerOptions) =>
    new SocketHandler("127.0.0.1", server.port, { format: "json", ...options });
  try {
    const withCaller = sent({});
    logger.addHandler(withCaller);
    const withLine = Number(new Error().stack!.split("\n")[1].match(/:(\d+):\d+\)?$/)![1]) + 1;
    logger.info("with");
    await withCaller.close();
    logger.removeHandler(withCaller);

    const without = sent({ callerInfo: false });
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

    await until(() => server.got.length === 3);
    const [a, b, c] = server.got;
    assertEquals([a.msg, b.msg, c.msg], ["with", "without", "shared"]);
    assert(String(a.pathname).endsWith("socket_test.ts"), String(a.pathname));
    assertEquals(a.lineno, withLine);
    assertEquals([b.pathname, b.lineno, b.funcName], ["(unknown file)", 0, "(unknown function)"]);
    assert(String(c.pathname).endsWith("socket_test.ts") && Number(c.lineno) > withLine);
    assertThrows(
      () => sent({ callerInfo: "no" as unknown as boolean }),
      TypeError,
      "'callerInfo' must be true or false",
    );
  } finally {
    await server.close();
  }
});
