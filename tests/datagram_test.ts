/**
 * DatagramHandler against CPython: the same burst of records, sent by CPython's own
 * `DatagramHandler` and by ours, to the same receiver (the logging cookbook's socketserver
 * receiver, for UDP). UDP has no flow control: a receiver loses the datagrams its socket buffer
 * cannot hold, so a handler that sends a burst back to back loses more than one that sends as
 * it logs. Ours paces its datagrams (`sendRate`) and must lose no more than CPython.
 */

import { createSocket } from "node:dgram";
import { makeLogRecord } from "../core/record.ts";
import { DatagramHandler } from "../handlers/socket.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { until } from "./helpers/json_server.ts";
import { PYTHON_VERSION, pythonAvailable } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/**
 * The logging cookbook's network receiver, for UDP: a socketserver.UDPServer whose
 * DatagramRequestHandler unpickles each datagram and calls logging.makeLogRecord. Instead of
 * logger.handle(record), handleLogRecord counts. After each sender, a line on stdin asks for
 * the count (printed once no datagram has come for 200 ms), which then starts again at 0.
 */
const RECEIVER = String.raw`
import logging, pickle, socketserver, struct, sys, threading, time

class Count:
    n = 0
    last = 0.0

class LogRecordDatagramHandler(socketserver.DatagramRequestHandler):
    def handle(self):
        chunk = self.packet
        slen = struct.unpack(">L", chunk[:4])[0]
        record = logging.makeLogRecord(pickle.loads(chunk[4:4 + slen]))
        self.handleLogRecord(record)

    def handleLogRecord(self, record):
        Count.n += 1
        Count.last = time.monotonic()

class LogRecordDatagramReceiver(socketserver.UDPServer):
    allow_reuse_address = True

server = LogRecordDatagramReceiver(("127.0.0.1", 0), LogRecordDatagramHandler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_address[1], flush=True)
for _ in sys.stdin:
    while time.monotonic() - Count.last < 0.2:
        time.sleep(0.05)
    print(Count.n, flush=True)
    Count.n = 0
`;

/** CPython's DatagramHandler logging a burst in a tight loop. */
const PY_SENDER = String.raw`
import logging, logging.handlers, sys, time
port, n = int(sys.argv[1]), int(sys.argv[2])
log = logging.getLogger("burst")
log.propagate = False
handler = logging.handlers.DatagramHandler("127.0.0.1", port)
log.addHandler(handler)
time.sleep(0.3)  # settle after start-up, as the Deno sender does
for i in range(n):
    log.warning("record %d of the burst", i)
handler.close()
`;

/** Ours, the same burst (in a Deno subprocess, as a program would). */
function ourSender(port: number, n: number): string {
  return `
import { DatagramHandler, getLogger } from "${MOD_URL}";
const log = getLogger("burst");
log.propagate = false;
const handler = new DatagramHandler("127.0.0.1", ${port});
log.addHandler(handler);
await new Promise((r) => setTimeout(r, 300)); // settle after start-up (the compiler's threads)
for (let i = 0; i < ${n}; i++) log.warning("record %d of the burst", i);
await handler.close();
console.log(JSON.stringify({ dropped: handler.dropped }));
`;
}

function startReceiver() {
  const child = new Deno.Command("python3", {
    args: ["-c", RECEIVER],
    env: { PYENV_VERSION: PYTHON_VERSION },
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const writer = child.stdin.getWriter();
  let text = "";
  const nextLine = async (): Promise<string> => {
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the receiver ended: ${text}`);
      text += value;
    }
    const line = text.slice(0, text.indexOf("\n"));
    text = text.slice(text.indexOf("\n") + 1);
    return line;
  };
  return {
    port: nextLine().then(Number),
    /** How many records arrived since the last count. */
    async count(): Promise<number> {
      await writer.write(new TextEncoder().encode("count\n"));
      return Number(await nextLine());
    },
    async stop(): Promise<void> {
      await writer.close().catch(() => {});
      await lines.cancel().catch(() => {});
      await child.status;
    },
  };
}

async function cpythonBurst(port: number, n: number): Promise<void> {
  const out = await new Deno.Command("python3", {
    args: ["-c", PY_SENDER, String(port), String(n)],
    env: { PYENV_VERSION: PYTHON_VERSION },
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert(out.success, new TextDecoder().decode(out.stderr));
}

async function ourBurst(port: number, n: number): Promise<void> {
  const run = await runScript(ourSender(port, n), ["--allow-net"]);
  await Deno.remove(run.dir, { recursive: true });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(run.stderr, "");
  assertEquals(JSON.parse(run.stdout), { dropped: 0 });
}

Deno.test({
  name:
    "DatagramHandler loses no more of a burst than CPython's DatagramHandler sending to the cookbook's UDP receiver",
  ignore: !hasPython,
  fn: async () => {
    const receiver = startReceiver();
    try {
      const port = await receiver.port;
      const results: string[] = [];
      // Alternating, so that both meet the same conditions on a shared machine.
      for (const n of [500, 500, 5000]) {
        await cpythonBurst(port, n);
        const cpython = await receiver.count();
        await ourBurst(port, n);
        const ours = await receiver.count();
        results.push(`${n}: CPython ${cpython}, ours ${ours}`);
        assert(ours >= cpython, results.join("; "));
        // Where CPython loses nothing, neither may we.
        if (cpython === n) assertEquals(ours, n, results.join("; "));
      }
    } finally {
      await receiver.stop();
    }
  },
});

Deno.test("DatagramHandler sends no faster than sendRate, and refuses a sendRate that is not > 0", async () => {
  const server = createSocket("udp4");
  const arrivals: number[] = [];
  server.on("message", () => arrivals.push(performance.now()));
  await new Promise<void>((r) => server.bind(0, "127.0.0.1", r));
  const handler = new DatagramHandler("127.0.0.1", server.address().port, {
    sendRate: 2000,
    callerInfo: false,
  });
  try {
    const started = performance.now();
    for (let i = 0; i < 232; i++) handler.handle(makeLogRecord({ msg: `r${i}` }));
    await handler.flush();
    const elapsed = performance.now() - started;
    // 32 at once, then 200 at 2,000 a second: at least 100 ms (a timer may be late, never early).
    assert(elapsed >= 95, `232 datagrams at 2,000/s took ${elapsed.toFixed(1)} ms`);
    await until(() => arrivals.length === 232);
    assertEquals(handler.dropped, 0);
  } finally {
    await handler.close();
    await new Promise<void>((r) => server.close(() => r()));
  }
  assertThrows(
    () => new DatagramHandler("127.0.0.1", 9, { sendRate: 0 }),
    RangeError,
    "Cannot create DatagramHandler as 'sendRate' must be a number of datagrams per second > 0",
  );
});

Deno.test("DatagramHandler holds a burst of 50,000 records in its outbox by default, dropping none", async () => {
  // Nothing listens on the port: only what the outbox accepts matters here.
  const handler = new DatagramHandler("127.0.0.1", 9, { callerInfo: false, sendRate: Infinity });
  const errors: unknown[] = [];
  handler.handleError = (_r, e) => void errors.push(e);
  try {
    for (let i = 0; i < 50_000; i++) handler.handle(makeLogRecord({ msg: "burst %d", args: [i] }));
    assertEquals(handler.dropped, 0);
  } finally {
    await handler.close();
  }
  assertEquals([handler.dropped, errors.length], [0, 0], errors.map(String).join("\n"));
});
