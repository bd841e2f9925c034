/**
 * LogReceiver against real senders: CPython's SocketHandler and DatagramHandler, raw frames
 * written by the test, and the command-line receiver run as a subprocess.
 */

import { Handler } from "../core/handler.ts";
import { getLogger } from "../core/logger.ts";
import type { LogRecord } from "../core/record.ts";
import { LogReceiver, type LogReceiverOptions } from "../receiver.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertRejects,
  assertStringIncludes,
} from "./helpers/assert.ts";
import { existsSync, withTempDir } from "./helpers/fs.ts";
import { hugeInt, memoBomb, recordPickle, sharedString } from "./helpers/hostile_frames.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";
import { concat, fromHex } from "./helpers/bytes.ts";
import {
  Collector,
  CPYTHON_EVIL,
  CPYTHON_SEEDS,
  CPYTHON_SENDER,
  frame,
  jsonPayload,
  readUntilClosed,
  sendDatagrams,
  sign,
  within,
  writeQuietly,
} from "./helpers/receiver_peers.ts";

interface Sent {
  name: string;
  levelno: number;
  levelname: string;
  msg: string;
  exc_text: string | null;
  created: number;
  user: string;
  req: number;
}

async function started(options: Omit<LogReceiverOptions, "handle" | "onError">) {
  const collector = new Collector();
  const errors: Error[] = [];
  const receiver = new LogReceiver({
    ...options,
    handle: collector.handle,
    onError: (e) => errors.push(e),
  });
  await receiver.start();
  return { receiver, collector, errors };
}

function tcpPort(receiver: LogReceiver): number {
  const addr = receiver.tcpAddr;
  assert(addr !== null && addr.transport === "tcp", "bound to TCP");
  return addr.port;
}

function connect(receiver: LogReceiver): Promise<Deno.TcpConn> {
  return Deno.connect({ hostname: "127.0.0.1", port: tcpPort(receiver) });
}

function checkArrived(collector: Collector, sent: Sent[]): void {
  assertEquals(collector.records.length, sent.length);
  sent.forEach((s, i) => {
    const r = collector.records[i];
    assertEquals(
      {
        name: r.name,
        levelno: r.levelno,
        levelname: r.levelname,
        msg: r.getMessage(),
        exc_text: r.exc_text,
        created: r.created,
        user: r.user,
        req: r.req,
      },
      s,
      `record ${i}`,
    );
  });
}

async function sendFromCPython(
  collector: Collector,
  cfg: Record<string, unknown>,
): Promise<Sent[]> {
  const sent = await runPython<Sent[]>(CPYTHON_SENDER, { logger: "cpy.app", exc: true, ...cfg });
  await collector.until(sent.length);
  return sent;
}

const N = 40;
const encoder = new TextEncoder();

Deno.test("LogReceiver receives every record CPython's SocketHandler sends over TCP", async () => {
  if (!await pythonAvailable()) return;
  const { receiver, collector, errors } = await started({ tcp: { port: 0 } });
  try {
    const sent = await sendFromCPython(collector, {
      kind: "tcp",
      host: "127.0.0.1",
      port: tcpPort(receiver),
      n: N,
    });
    checkArrived(collector, sent);
    assert(sent.some((s) => s.exc_text?.includes("ZeroDivisionError")), "exc_text sent");
    assertMatch(collector.records[0].getMessage(), /^record 0: héllo ✓ \{'k': \[1, 2\.5\]\}$/);
    assertEquals(receiver.received, N);
    assertEquals(receiver.rejected, 0);
    assertEquals(errors, []);
  } finally {
    await receiver.close();
  }
});

Deno.test("LogReceiver receives CPython's SocketHandler over a Unix socket path", async () => {
  if (!await pythonAvailable()) return;
  await withTempDir(async (dir) => {
    const path = `${dir}/log.sock`;
    const { receiver, collector, errors } = await started({ tcp: { path } });
    try {
      assertEquals(receiver.tcpAddr?.transport, "unix");
      const sent = await sendFromCPython(collector, { kind: "unix", path, n: N });
      checkArrived(collector, sent);
      assertEquals(errors, []);
    } finally {
      await receiver.close();
    }
    assert(!existsSync(path), "close() removes the socket file");
  });
});

for (const [kind, host] of [["udp", "127.0.0.1"], ["udp6", "::1"]] as const) {
  Deno.test(`LogReceiver receives every record CPython's DatagramHandler sends over ${kind} (${host})`, async () => {
    if (!await pythonAvailable()) return;
    const { receiver, collector, errors } = await started({ udp: { hostname: host, port: 0 } });
    try {
      const addr = receiver.udpAddr;
      assert(addr !== null);
      assertEquals(addr.hostname, host);
      const sent = await sendFromCPython(collector, { kind, host, port: addr.port, n: N });
      checkArrived(collector, sent);
      assertEquals(errors, []);
    } finally {
      await receiver.close();
    }
  });
}

Deno.test("LogReceiver accepts JSON frames and rebuilds the record with its args", async () => {
  const { receiver, collector, errors } = await started({ tcp: { port: 0 } });
  const conn = await connect(receiver);
  try {
    await conn.write(concat([
      frame(
        jsonPayload({ name: "js.app", levelno: 30, msg: "disk %d%%", args: [91], created: 1.5 }),
      ),
      frame(
        jsonPayload({ name: "js.app", levelno: 20, msg: "100% done", args: null, user: "ada" }),
      ),
      frame(jsonPayload({ name: "js.app", levelno: 20, msg: "%(a)s!", args: { a: "hey" } })),
    ]));
    await collector.until(3);
    const [a, b, c] = collector.records;
    assertEquals([a.getMessage(), a.levelname, a.created], ["disk 91%", "WARNING", 1.5]);
    assertEquals([b.getMessage(), b.levelname, b.user], ["100% done", "INFO", "ada"]);
    assertEquals(c.getMessage(), "hey!");
    assertEquals(errors, []);
  } finally {
    conn.close();
    await receiver.close();
  }
});

Deno.test("LogReceiver with a key accepts signed JSON and pickle frames and closes connections that send unsigned ones", async () => {
  const key = "correct horse battery staple";
  const { receiver, collector, errors } = await started({ tcp: { port: 0 }, key });
  try {
    const payloads: Uint8Array<ArrayBuffer>[] = [
      jsonPayload({ name: "signed", levelno: 30, msg: "json %s", args: ["ok"] }),
    ];
    if (await pythonAvailable()) {
      const seeds = await runPython<string[]>(CPYTHON_SEEDS);
      payloads.push(fromHex(seeds[0]));
    }
    const good = await connect(receiver);
    try {
      for (const p of payloads) await good.write(frame(await sign(key, p)));
      await collector.until(payloads.length);
      assertEquals(collector.records[0].getMessage(), "json ok");
      if (payloads.length > 1) assertEquals(collector.records[1].getMessage(), "seed 0");

      // An unsigned frame closes its connection; a badly signed one too.
      const unsigned = await connect(receiver);
      await writeQuietly(unsigned, frame(payloads[0]));
      await readUntilClosed(unsigned);
      unsigned.close();
      const forged = await connect(receiver);
      await writeQuietly(forged, frame(await sign("another key", payloads[0])));
      await readUntilClosed(forged);
      forged.close();
      assertEquals(receiver.rejected, 2);
      assertEquals(errors.length, 2);
      assertStringIncludes(errors[0].message, "HMAC");
      assertStringIncludes(errors[1].message, "HMAC");

      // The signed connection is still served.
      await good.write(frame(await sign(key, jsonPayload({ name: "signed", msg: "still here" }))));
      await collector.until(payloads.length + 1);
      assertEquals(collector.records.at(-1)?.getMessage(), "still here");
    } finally {
      good.close();
    }
  } finally {
    await receiver.close();
  }
});

Deno.test("LogReceiver closes a connection whose header claims 4 GiB at once and keeps serving others", async () => {
  const { receiver, collector, errors } = await started({ tcp: { port: 0 } });
  const other = await connect(receiver);
  try {
    const greedy = await connect(receiver);
    const started = performance.now();
    await greedy.write(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    await readUntilClosed(greedy, 2000);
    const ms = performance.now() - started;
    greedy.close();
    assert(ms < 2000, `closed after ${ms} ms`);
    assertEquals(receiver.rejected, 1);
    assertStringIncludes(errors[0].message, "4294967295");

    await other.write(frame(jsonPayload({ name: "other", msg: "fine" })));
    await collector.until(1);
    assertEquals(collector.records[0].getMessage(), "fine");
  } finally {
    other.close();
    await receiver.close();
  }
});

Deno.test("LogReceiver refuses a CPython pickle that would run os.system and the command never runs", async () => {
  if (!await pythonAvailable()) return;
  await withTempDir(async (dir) => {
    const marker = `${dir}/MARKER`;
    const evil = await runPython<string[]>(CPYTHON_EVIL, { marker });
    const { receiver, collector, errors } = await started({ tcp: { port: 0 }, udp: { port: 0 } });
    try {
      for (const hex of evil) {
        const conn = await connect(receiver);
        await writeQuietly(conn, frame(fromHex(hex)));
        await readUntilClosed(conn);
        conn.close();
      }
      assertEquals(receiver.rejected, evil.length);
      await sendDatagrams("127.0.0.1", receiver.udpAddr!.port, evil.map((h) => frame(fromHex(h))));
      // Then a valid datagram: once it is handled, every evil one before it was dealt with.
      await sendDatagrams("127.0.0.1", receiver.udpAddr!.port, [
        frame(jsonPayload({ name: "after", msg: "valid" })),
      ]);
      await collector.until(1);
      assertEquals(receiver.rejected, 2 * evil.length);
      assertEquals(receiver.received, 1);
      assert(
        errors.every((e) => /pickle/.test(e.message)),
        errors.map((e) => e.message).join("\n"),
      );
      assert(!existsSync(marker), "MARKER was created");
    } finally {
      await receiver.close();
    }
  });
});

/** mulberry32: a small seeded generator, so a failing fuzz run can be replayed. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(random: () => number, seeds: Uint8Array[]): Uint8Array {
  const int = (n: number) => Math.floor(random() * n);
  const base = seeds[int(seeds.length)];
  const kind = int(6);
  if (kind === 0) return crypto.getRandomValues(new Uint8Array(int(200)));
  const bytes = new Uint8Array(base);
  if (kind === 1) { // bit flips
    for (let i = 0, n = 1 + int(8); i < n && bytes.length; i++) {
      bytes[int(bytes.length)] ^= 1 << int(8);
    }
    return bytes;
  }
  if (kind === 2) return bytes.subarray(0, int(bytes.length)); // truncated
  if (kind === 3) { // inserted bytes
    const at = int(bytes.length + 1);
    return concat([
      bytes.subarray(0, at),
      crypto.getRandomValues(new Uint8Array(1 + int(8))),
      bytes.subarray(at),
    ]);
  }
  if (kind === 4) { // a byte replaced by an interesting one
    const interesting = [0x00, 0x28, 0x2e, 0x4e, 0x63, 0x7d, 0x80, 0x8a, 0x94, 0x95, 0xff];
    for (let i = 0, n = 1 + int(4); i < n && bytes.length; i++) {
      bytes[int(bytes.length)] = interesting[int(interesting.length)];
    }
    return bytes;
  }
  return base; // valid
}

Deno.test("LogReceiver survives 2,000 random and mutated frames and still receives a valid record", async () => {
  const seeds: Uint8Array[] = [
    jsonPayload({ name: "fuzz", levelno: 20, msg: "json %s", args: ["x"], created: 1 }),
    jsonPayload({ name: "fuzz", msg: { nested: [1, 2, { a: null }] }, args: { a: 1 } }),
  ];
  if (await pythonAvailable()) {
    for (const hex of await runPython<string[]>(CPYTHON_SEEDS)) seeds.push(fromHex(hex));
  }
  const random = prng(20261130);
  const { receiver, collector, errors } = await started({ tcp: { port: 0 }, udp: { port: 0 } });
  try {
    // 1,200 frames over 12 connections, 100 frames each, some with a corrupted length prefix.
    for (let c = 0; c < 12; c++) {
      const frames = Array.from({ length: 100 }, () => {
        const f = frame(mutate(random, seeds));
        if (random() < 0.05) new DataView(f.buffer).setUint32(0, Math.floor(random() * 2 ** 32));
        return f;
      });
      const conn = await connect(receiver);
      await writeQuietly(conn, concat(frames));
      try {
        await conn.closeWrite();
      } catch {
        // Already closed by the receiver.
      }
      await readUntilClosed(conn);
      conn.close();
    }
    // 800 datagrams.
    const datagrams = Array.from({ length: 800 }, () => {
      const f = frame(mutate(random, seeds));
      if (random() < 0.1) return f.subarray(0, Math.floor(random() * f.length));
      return f;
    });
    const udpPort = receiver.udpAddr!.port;
    for (let i = 0; i < datagrams.length; i += 100) {
      await sendDatagrams("127.0.0.1", udpPort, datagrams.slice(i, i + 100));
    }
    assert(receiver.rejected > 100, `rejected ${receiver.rejected}`);
    assert(errors.every((e) => e instanceof Error && e.message.length > 0));

    // The receiver still works, over TCP and UDP.
    const conn = await connect(receiver);
    await conn.write(frame(jsonPayload({ name: "after.fuzz", msg: "tcp ok" })));
    await collector.untilMessage("tcp ok");
    conn.close();
    // A datagram may be lost while the fuzz datagrams still fill the socket's buffer: resend.
    for (let attempt = 1;; attempt++) {
      await sendDatagrams("127.0.0.1", udpPort, [
        frame(jsonPayload({ name: "after.fuzz", msg: "udp ok" })),
      ]);
      try {
        await collector.untilMessage("udp ok", 2000);
        break;
      } catch (error) {
        if (attempt === 5) throw error;
      }
    }
  } finally {
    await receiver.close();
  }
});

function parseAcks(bytes: Uint8Array): number[] {
  assertEquals(bytes.length % 4, 0, "acks are 4 bytes each");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(4 * i));
}

async function readAcksUntil(conn: Deno.Conn, k: number): Promise<number[]> {
  const acks: number[] = [];
  let pending = new Uint8Array(0);
  const buf = new Uint8Array(4096);
  while (acks.at(-1) !== k) {
    const n = await within(conn.read(buf), 5000, `an ack up to ${k} (have ${acks})`);
    assert(n !== null, `connection closed after acks ${acks}`);
    pending = concat([pending, buf.subarray(0, n)]);
    const whole = pending.length - (pending.length % 4);
    acks.push(...parseAcks(pending.subarray(0, whole)));
    pending = pending.slice(whole);
  }
  return acks;
}

const HELLO = new TextEncoder().encode("LOGHANDLERS-ACK/1");

Deno.test("LogReceiver acknowledges the frames of a sender that says hello, and never writes to others", async () => {
  const key = "ack-key";
  const { receiver, collector, errors } = await started({ tcp: { port: 0 }, key });
  const K = 50;
  const frames = await Promise.all(
    Array.from(
      { length: K },
      async (_, i) =>
        frame(await sign(key, jsonPayload({ name: "acked", msg: "record %d", args: [i] }))),
    ),
  );
  const acked = await connect(receiver);
  const silent = await connect(receiver);
  try {
    // The hello is not signed; the records are.
    await acked.write(frame(HELLO));
    for (let i = 0; i < K; i += 10) await acked.write(concat(frames.slice(i, i + 10)));
    const acks = await readAcksUntil(acked, K);
    assert(acks.every((a, i) => i === 0 || a >= acks[i - 1]), `acks grow: ${acks}`);
    assertEquals(acks.at(-1), K);
    await collector.until(K);

    await silent.write(concat(frames.slice(0, 5)));
    await collector.until(K + 5);
    await silent.closeWrite();
    assertEquals((await readUntilClosed(silent)).length, 0, "nothing written without the hello");
    assertEquals(
      collector.records.slice(0, K).map((r) => r.getMessage()),
      frames.map((_, i) => `record ${i}`),
    );
    assertEquals(errors, []);
  } finally {
    acked.close();
    silent.close();
    await receiver.close();
  }
});

Deno.test("LogReceiver.close() handles the frames already sent and sends the final ack", async () => {
  const { receiver, collector } = await started({ tcp: { port: 0 } });
  const K = 200;
  const frames = Array.from(
    { length: K },
    (_, i) => frame(jsonPayload({ name: "c", msg: `r${i}` })),
  );
  const conn = await connect(receiver);
  try {
    await conn.write(concat([frame(HELLO), frames[0]]));
    assertEquals(await readAcksUntil(conn, 1), [1]);
    await conn.write(concat(frames.slice(1)));
    const closing = receiver.close();
    const acks = parseAcks(await readUntilClosed(conn));
    await closing;
    assertEquals(acks.at(-1), K);
    assertEquals(collector.records.length, K);
    assertEquals(receiver.received, K);
    await receiver.close(); // idempotent
  } finally {
    conn.close();
  }
});

Deno.test("LogReceiver hands records to the logger of their name by default and reports a failing handle()", async () => {
  const emitted = Promise.withResolvers<string>();
  const logger = getLogger("remote.default");
  const handler = new (class extends Handler {
    override emit(record: LogRecord): void {
      emitted.resolve(`${record.name} ${record.levelname} ${this.format(record)}`);
    }
  })();
  logger.addHandler(handler);
  logger.propagate = false;
  const errors: Error[] = [];
  const twoErrors = Promise.withResolvers<void>();
  const onError = (e: Error) => {
    errors.push(e);
    if (errors.length === 2) twoErrors.resolve();
  };
  const receiver = new LogReceiver({ tcp: { port: 0 }, onError });
  await receiver.start();
  const boom = new LogReceiver({
    tcp: { port: 0 },
    handle: () => {
      throw new Error("boom");
    },
    onError,
  });
  await boom.start();
  const conn = await connect(receiver);
  const conn2 = await connect(boom);
  try {
    // Attributes that would replace the record's methods are ignored.
    await conn.write(frame(jsonPayload({
      name: "remote.default",
      levelno: 40,
      msg: "from %s",
      args: ["afar"],
      getMessage: "not a function",
      toString: 1,
    })));
    assertEquals(
      await within(emitted.promise, 5000, "the record"),
      "remote.default ERROR from afar",
    );
    assertEquals(errors, []);

    // A handle() that throws is reported; the connection goes on.
    await conn2.write(concat([frame(jsonPayload({ msg: "a" })), frame(jsonPayload({ msg: "b" }))]));
    await within(twoErrors.promise, 5000, "two errors");
    assertStringIncludes(errors[0].message, "handle() failed");
    assertStringIncludes(errors[0].message, "boom");
    assertEquals([boom.received, boom.rejected], [2, 0]);
  } finally {
    conn.close();
    conn2.close();
    logger.removeHandler(handler);
    await handler.close();
    await receiver.close();
    await boom.close();
  }
});

Deno.test("LogReceiver accepts a frame of exactly maxFrameBytes and closes the connection for one byte more", async () => {
  const { receiver, collector, errors } = await started({ tcp: { port: 0 }, maxFrameBytes: 100 });
  try {
    const fits = jsonPayload({ msg: "x".repeat(100 - 10) });
    assertEquals(fits.length, 100);
    const conn = await connect(receiver);
    // Sent in pieces: the partial frame waits in the buffer.
    const f = frame(fits);
    await conn.write(f.subarray(0, 50));
    await conn.write(f.subarray(50));
    await collector.until(1);
    conn.close();
    const tooBig = await connect(receiver);
    await writeQuietly(tooBig, frame(jsonPayload({ msg: "x".repeat(100 - 9) })).subarray(0, 4));
    await readUntilClosed(tooBig);
    tooBig.close();
    assertEquals([receiver.received, receiver.rejected], [1, 1]);
    assertStringIncludes(errors[0].message, "claims 101 bytes, more than maxFrameBytes (100)");
  } finally {
    await receiver.close();
  }
});

Deno.test("LogReceiver receives a 3 MiB record and the records after it", async () => {
  const { receiver, collector, errors } = await started({ tcp: { port: 0 } });
  const conn = await connect(receiver);
  try {
    const big = "x".repeat(3 * 1024 * 1024);
    await conn.write(concat([
      frame(jsonPayload({ msg: big })),
      frame(jsonPayload({ msg: "small" })),
    ]));
    await collector.until(2);
    assertEquals(collector.records[0].getMessage().length, big.length);
    assertEquals(collector.records[1].getMessage(), "small");
    assertEquals(errors, []);
  } finally {
    conn.close();
    await receiver.close();
  }
});

Deno.test("LogReceiver.close() during start() releases the port, and a busy port is a clear error", async () => {
  const receiver = new LogReceiver({ tcp: { port: 0 }, udp: { port: 0 }, key: "k" });
  const starting = receiver.start();
  await receiver.close();
  await starting;
  const addr = receiver.tcpAddr as Deno.NetAddr;
  // The port is free again: binding it works.
  const again = Deno.listen({ hostname: "127.0.0.1", port: addr.port });
  try {
    const busy = new LogReceiver({ tcp: { port: addr.port } });
    await assertRejects(
      () => busy.start(),
      Error,
      `Cannot start LogReceiver on tcp 127.0.0.1:${addr.port}`,
    );
    await assertRejects(() => busy.start(), Error, "it has already been closed");
  } finally {
    again.close();
  }
  await assertRejects(() => receiver.start(), Error, "it has already been closed");
});

Deno.test("LogReceiver explains its bad options", () => {
  const cases: [LogReceiverOptions, string][] = [
    [{}, "'tcp' or 'udp' must be given"],
    [
      { tcp: { port: 70000 } },
      "'tcp.port' must be an integer from 0 to 65535: current value is 70000",
    ],
    [{ udp: { port: -1 } }, "'udp.port'"],
    [{ tcp: { port: 0 }, maxFrameBytes: 0 }, "'maxFrameBytes' must be an integer from 1"],
    [{ tcp: { port: 0 }, key: "" }, "'key' must not be empty"],
  ];
  for (const [options, text] of cases) {
    let message = "";
    try {
      new LogReceiver(options);
    } catch (e) {
      message = (e as Error).message;
    }
    assertStringIncludes(message, `Cannot create LogReceiver as ${text}`);
  }
});

// --- The command-line receiver -----------------------------------------------------------

const RECEIVER = new URL("../receiver.ts", import.meta.url).pathname;

function cli(args: string[]): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-write", RECEIVER, ...args],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

async function firstLine(stream: ReadableStream<Uint8Array>): Promise<[string, Promise<string>]> {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await within(reader.read(), 30_000, "the 'listening on' line");
    if (done) break;
    text += value;
  }
  const rest = (async () => {
    let more = "";
    while (true) {
      const { value, done } = await reader.read();
      if (done) return more;
      more += value;
    }
  })();
  return [text.split("\n")[0], rest];
}

Deno.test("receiver.ts CLI writes 100 records from CPython's SocketHandler to its file and exits 0 on SIGTERM", async () => {
  if (!await pythonAvailable()) return;
  await withTempDir(async (dir) => {
    const file = `${dir}/logs/central.log`;
    await Deno.mkdir(`${dir}/logs`);
    const child = cli([
      "--tcp",
      "0",
      "--udp",
      "0",
      "--file",
      file,
      "--max-bytes",
      "1000000",
      "--backups",
      "2",
    ]);
    const stderr = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    const errText = (async () => {
      let t = "";
      while (true) {
        const { value, done } = await stderr.read();
        if (done) return t;
        t += value;
      }
    })();
    try {
      const [line, rest] = await firstLine(child.stdout);
      const m = line.match(/^listening on tcp 127\.0\.0\.1:(\d+), udp 127\.0\.0\.1:(\d+)$/);
      assert(m !== null, `listening line: ${line}`);
      const port = Number(m[1]);
      assert(port > 0 && Number(m[2]) > 0);
      // A bad frame is reported as one line on stderr; the receiver goes on.
      const bad = await Deno.connect({ hostname: "127.0.0.1", port });
      await writeQuietly(bad, new Uint8Array([0xff, 0xff, 0xff, 0xff]));
      await readUntilClosed(bad);
      bad.close();
      const sent = await runPython<Sent[]>(CPYTHON_SENDER, {
        logger: "cpy.cli",
        exc: false,
        kind: "tcp",
        host: "127.0.0.1",
        port,
        n: 100,
      });
      assertEquals(sent.length, 100);
      child.kill("SIGTERM");
      const status = await child.status;
      await rest;
      const err = await errText;
      assertEquals(status.code, 0, err);
      assertMatch(
        err,
        /^LogReceiver: a frame from 127\.0\.0\.1:\d+ claims 4294967295 bytes, more than maxFrameBytes \(4194304\): connection closed\n$/,
      );
      const lines = (await Deno.readTextFile(file)).split("\n");
      assertEquals(lines.pop(), "");
      assertEquals(lines.length, 100);
      lines.forEach((l, i) =>
        assertMatch(
          l,
          new RegExp(
            `^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} cpy\\.cli ${
              sent[i].levelname
            } record ${i}: héllo ✓ `,
          ),
        )
      );
    } finally {
      try {
        child.kill("SIGKILL");
      } catch {
        // Already gone.
      }
      await child.status;
      await errText;
    }
  });
});

Deno.test("receiver.ts CLI prints its usage and names a bad flag with exit code 2", async () => {
  const help = await new Deno.Command(Deno.execPath(), {
    args: ["run", RECEIVER, "--help"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assertEquals(help.code, 0);
  assertStringIncludes(new TextDecoder().decode(help.stdout), "--tcp PORT");
  for (
    const [args, text] of [
      [
        ["--tcp", "abc", "--file", "x.log"],
        "--tcp must be an integer from 0 to 65535: current value is 'abc'",
      ],
      [["--bogus"], "unknown option '--bogus'"],
      [["--tcp", "0"], "--file is required"],
      [
        ["--tcp", "0", "--unix", "/tmp/x.sock", "--file", "x"],
        "--tcp and --unix cannot be used together",
      ],
    ] as const
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", RECEIVER, ...args],
      stdout: "piped",
      stderr: "piped",
    }).output();
    assertEquals(out.code, 2, args.join(" "));
    assertStringIncludes(new TextDecoder().decode(out.stderr), text);
  }
});

// --- Limits on what a peer can make the receiver spend -----------------------------------

/** Sends `payload` as one frame on a connection of its own; resolves once it is closed. */
async function sendRefused(receiver: LogReceiver, payload: Uint8Array): Promise<void> {
  const conn = await connect(receiver);
  try {
    await writeQuietly(conn, frame(payload));
    await readUntilClosed(conn);
  } finally {
    conn.close();
  }
}

/**
 * A pickled record whose `l` is a list of `n` None: 9 + n values (the dict, its four keys and
 * their values, and the items).
 */
function pickledList(n: number): Uint8Array<ArrayBuffer> {
  return recordPickle((p) => {
    p.str("msg").str("list").str("l").ops(0x5d, 0x28);
    for (let i = 0; i < n; i++) p.ops(0x4e);
    p.ops(0x65);
  });
}

Deno.test("LogReceiver counts each refusal by the limit that made it, at the exact boundaries", async () => {
  const { receiver, collector, errors } = await started({
    tcp: { port: 0 },
    maxFrameBytes: 100_000,
    maxValues: 1000,
    maxDepth: 5,
    maxTextLength: 10_000,
    maxIntDigits: 640,
  });
  try {
    // A record dict of 9 + n values: 991 items fit in maxValues = 1000, 992 do not, as JSON
    // and as a pickle.
    const jsonList = (n: number) =>
      jsonPayload({ name: "attack", levelno: 40, msg: "list", l: new Array(n).fill(0) });
    const conn = await connect(receiver);
    await conn.write(concat([frame(jsonList(991)), frame(pickledList(991))]));
    await collector.until(2);
    conn.close();
    await sendRefused(receiver, jsonList(992));
    await sendRefused(receiver, pickledList(992));
    // A memo bomb four lists deep, each holding the one below 20 times: 20^3 values once
    // copied, from about 130 bytes.
    await sendRefused(receiver, memoBomb(4, 20));
    // Depth: the record dict is level 1, so four nested lists fit in maxDepth = 5.
    const nested = (levels: number) =>
      encoder.encode(`{"msg":"deep","x":${"[".repeat(levels)}${"]".repeat(levels)}}`);
    await sendRefused(receiver, nested(5));
    const deep = await connect(receiver);
    await deep.write(frame(nested(4)));
    await collector.until(3);
    deep.close();
    // Text: 10 references to a 1,000-character string are 10,000 characters and more.
    await sendRefused(receiver, sharedString(10, 1000));
    // Ints: 640 digits is CPython's smallest limit; a 300-byte LONG4 has 722.
    await sendRefused(receiver, hugeInt(300));
    // Not a record at all, and a frame over maxFrameBytes.
    await sendRefused(receiver, encoder.encode("{not json"));
    await sendRefused(receiver, new Uint8Array(100_001));

    assertEquals(receiver.rejections, {
      malformed: 1,
      unsigned: 0,
      maxFrameBytes: 1,
      maxValues: 3,
      maxDepth: 1,
      maxTextLength: 1,
      maxIntDigits: 1,
      maxConnections: 0,
      maxBufferedBytes: 0,
      datagramQueue: 0,
      frameTimeout: 0,
      idleTimeout: 0,
    });
    assertEquals([receiver.received, receiver.rejected], [3, 8]);
    assertEquals(errors.length, 8);
    for (const limit of ["maxValues", "maxDepth", "maxTextLength", "maxIntDigits"]) {
      assert(errors.some((e) => e.message.includes(`(${limit})`)), `an error names ${limit}`);
    }
    // What was accepted arrived whole, as a tree.
    assertEquals((collector.records[1].l as unknown[]).length, 991);
  } finally {
    await receiver.close();
  }
});

Deno.test("LogReceiver closes a slowloris and a silent connection after frameTimeout and a quiet one after idleTimeout", async () => {
  const { receiver, collector, errors } = await started({
    tcp: { port: 0 },
    frameTimeout: 300,
    idleTimeout: 500,
  });
  const slow = await connect(receiver);
  const silent = await connect(receiver);
  const quiet = await connect(receiver);
  const busy = await connect(receiver);
  try {
    const started = performance.now();
    await quiet.write(frame(jsonPayload({ name: "quiet", msg: "one record" })));
    // The slowloris claims 100 bytes and sends one every 50 ms; the busy sender a whole
    // record every 50 ms, and is never closed.
    await slow.write(new Uint8Array([0, 0, 0, 100]));
    let going = true;
    let n = 0;
    const traffic = (async () => {
      while (going) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        await writeQuietly(slow, new Uint8Array([0x20]));
        await busy.write(frame(jsonPayload({ name: "busy", msg: `r${n++}` })));
      }
    })();
    const whenClosed = (conn: Deno.Conn) =>
      readUntilClosed(conn, 3000).then(() => performance.now() - started);
    let times: number[];
    try {
      times = await Promise.all([whenClosed(slow), whenClosed(silent), whenClosed(quiet)]);
    } finally {
      going = false;
      await traffic;
    }
    const [slowMs, silentMs, quietMs] = times;
    assert(slowMs >= 300 && silentMs >= 300, `closed after ${slowMs} and ${silentMs} ms`);
    assert(quietMs >= 500, `quiet connection closed after ${quietMs} ms`);
    assert(Math.max(...times) < 2000, `closed after ${times} ms`);
    await collector.untilMessage(`r${n - 1}`);
    assertEquals(receiver.rejections.frameTimeout, 2);
    assertEquals(receiver.rejections.idleTimeout, 1);
    assertEquals(receiver.rejected, 3);
    assertEquals(receiver.connections, 1, "the busy sender is still connected");
    assertStringIncludes(errors[0].message, "did not arrive within 300 ms (frameTimeout)");
  } finally {
    for (const c of [slow, silent, quiet, busy]) c.close();
    await receiver.close();
  }
});

Deno.test("LogReceiver closes connections over maxConnections at once and serves the ones it has", async () => {
  const { receiver, collector, errors } = await started({ tcp: { port: 0 }, maxConnections: 2 });
  const first = await connect(receiver);
  const second = await connect(receiver);
  let closed = false;
  try {
    await first.write(frame(jsonPayload({ msg: "first" })));
    await second.write(frame(jsonPayload({ msg: "second" })));
    await collector.until(2);
    for (let i = 0; i < 3; i++) {
      const extra = await connect(receiver);
      await readUntilClosed(extra, 2000);
      extra.close();
    }
    assertEquals(receiver.rejections.maxConnections, 3);
    assertStringIncludes(errors[0].message, "2 connections are open (maxConnections)");
    await first.write(frame(jsonPayload({ msg: "still served" })));
    await collector.untilMessage("still served");
    // A place that frees up is taken again.
    second.close();
    closed = true;
    await within(
      (async () => {
        while (receiver.connections > 1) await new Promise((r) => setTimeout(r, 10));
      })(),
      2000,
      "the receiver to see the second connection go",
    );
    const third = await connect(receiver);
    await third.write(frame(jsonPayload({ msg: "third" })));
    await collector.untilMessage("third");
    third.close();
    assertEquals(receiver.rejected, 3);
  } finally {
    first.close();
    if (!closed) second.close();
    await receiver.close();
  }
});

Deno.test("LogReceiver holds buffers as large as what has arrived, not as what a frame claims, and lets go of them", async () => {
  const { receiver, collector, errors } = await started({ tcp: { port: 0 } });
  const waitFor = (done: () => boolean, what: string) =>
    within(
      (async () => {
        while (!done()) await new Promise((r) => setTimeout(r, 5));
      })(),
      2000,
      what,
    );
  try {
    assertEquals(receiver.bufferedBytes, 0);
    const conn = await connect(receiver);
    await conn.write(frame(jsonPayload({ msg: "small" })));
    await collector.until(1);
    // An idle connection holds 4 KiB.
    assertEquals(receiver.bufferedBytes, 4096);
    // A length prefix claiming 4 MiB, and nothing more: nothing more is held.
    const claimer = await connect(receiver);
    await claimer.write(new Uint8Array([0, 0x40, 0, 0, 0x7b]));
    await waitFor(() => receiver.connections === 2, "the second connection");
    assertEquals(receiver.bufferedBytes, 2 * 4096);
    claimer.close();
    await waitFor(() => receiver.bufferedBytes === 4096, "the claimer's buffer to go");
    // Half of a 1 MB frame: a buffer that has doubled up to 512 KiB, not yet 1 MB.
    const big = jsonPayload({ msg: "x".repeat(1_000_000) });
    const f = frame(big);
    await conn.write(f.subarray(0, 500_000));
    await waitFor(() => receiver.bufferedBytes === 512 * 1024, "a buffer of 512 KiB");
    await conn.write(f.subarray(500_000));
    await collector.until(2);
    assertEquals(collector.records[1].getMessage().length, 1_000_000);
    await waitFor(() => receiver.bufferedBytes === 64 * 1024, "a streaming connection's buffer");
    conn.close();
    await waitFor(() => receiver.bufferedBytes === 0, "the buffer to be released");
    assertEquals(errors, []);
  } finally {
    await receiver.close();
  }
});

Deno.test("LogReceiver explains its bad limits", () => {
  const cases: [LogReceiverOptions, string][] = [
    [{ tcp: { port: 0 }, maxValues: 0 }, "'maxValues' must be an integer from 1 to 4294967295"],
    [{ tcp: { port: 0 }, maxDepth: 1001 }, "'maxDepth' must be an integer from 1 to 1000"],
    [{ tcp: { port: 0 }, maxTextLength: 1.5 }, "'maxTextLength' must be an integer from 1"],
    [
      { tcp: { port: 0 }, maxIntDigits: 100 },
      "'maxIntDigits' must be an integer from 640 to 4294967295 or Infinity: current value is 100",
    ],
    [
      { tcp: { port: 0 }, maxConnections: 0 },
      "'maxConnections' must be an integer from 1 to 2147483647: current value is 0",
    ],
    [
      { tcp: { port: 0 }, maxFrameBytes: 1000, maxBufferedBytes: 2007 },
      "'maxBufferedBytes' must be an integer from 2008 to",
    ],
    [{ tcp: { port: 0 }, frameTimeout: -1 }, "'frameTimeout' must be an integer from 0"],
    [
      { tcp: { port: 0 }, idleTimeout: "1000" as unknown as number },
      "'idleTimeout' must be an integer from 0 to 2147483647: current value is 1000",
    ],
  ];
  for (const [options, text] of cases) {
    let message = "";
    try {
      new LogReceiver(options);
    } catch (e) {
      assert(e instanceof RangeError, String(e));
      message = e.message;
    }
    assertStringIncludes(message, `Cannot create LogReceiver as ${text}`);
  }
  // The defaults and the widest settings are accepted.
  new LogReceiver({ tcp: { port: 0 }, maxIntDigits: Infinity, maxFrameBytes: 2 ** 32 - 1 });
});

// --- Permissions ----------------------------------------------------------------------------

Deno.test("LogReceiver.start() without --allow-net rejects with the exact flags before binding anything, and the program goes on", () =>
  withTempDir(async (dir) => {
    const script = `${dir}/main.ts`;
    await Deno.writeTextFile(
      script,
      `
      import { LogReceiver } from ${
        JSON.stringify(new URL("../receiver.ts", import.meta.url).href)
      };
      for (const options of [
        { udp: { port: 9021 } },
        { tcp: { port: 9020 }, udp: { hostname: "::1", port: 9021 } },
      ]) {
        const receiver = new LogReceiver({ ...options, handle: () => {} });
        try {
          await receiver.start();
          console.log("started");
        } catch (error) {
          console.log(String(error));
        }
      }
      console.log("caller unharmed");
    `,
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-config", "--allow-net=127.0.0.1:9020", script],
      stdout: "piped",
      stderr: "piped",
      signal: AbortSignal.timeout(10_000),
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(stderr, "");
    assertEquals(new TextDecoder().decode(out.stdout).split("\n"), [
      "NotCapable: Cannot start LogReceiver on udp 127.0.0.1:9021 as net access is not granted: " +
      "run Deno with --allow-net=127.0.0.1:9021",
      "NotCapable: Cannot start LogReceiver on udp ::1:9021 as net access is not granted: " +
      "run Deno with --allow-net=[::1]:9021",
      "caller unharmed",
      "",
    ]);
  }));
