/**
 * Our SocketHandler and DatagramHandler talking to our receiver: every format, the shared key,
 * and a receiver stopped and restarted mid-stream (with acknowledgements nothing is lost or
 * repeated).
 */

import { getLogger } from "../core/logger.ts";
import { makeLogRecord } from "../core/record.ts";
import type { LogRecord } from "../core/record.ts";
import { DatagramHandler, SocketHandler } from "../handlers/socket.ts";
import { LogReceiver } from "../receiver.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";

const RECEIVER = new URL("../receiver.ts", import.meta.url).pathname;

async function until(cond: () => boolean, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

for (
  const [label, options] of [
    ["pickle", {}],
    ["JSON", { format: "json" }],
    ["pickle signed with a shared key", { key: "s3cret" }],
    ["JSON with acknowledgements", { format: "json", ack: true }],
  ] as const
) {
  Deno.test(`SocketHandler -> LogReceiver: ${label}, every record intact and in order`, async () => {
    const got: LogRecord[] = [];
    const receiver = new LogReceiver({
      tcp: { port: 0 },
      key: "key" in options ? options.key : undefined,
      handle: (r) => void got.push(r),
    });
    await receiver.start();
    const port = (receiver.tcpAddr as Deno.NetAddr).port;
    const handler = new SocketHandler("127.0.0.1", port, options);
    try {
      for (let i = 0; i < 500; i++) {
        handler.handle(
          makeLogRecord({
            name: "app.db",
            msg: "query %d took %.1f ms",
            args: [i, i / 10],
            levelno: 30,
            levelname: "WARNING",
            created: 1_700_000_000.5 + i,
            user: { id: i, roles: ["a", "b"] },
          }),
        );
      }
      await handler.flush();
      await until(() => got.length === 500);
      got.forEach((r, i) => {
        assertEquals(r.getMessage(), `query ${i} took ${(i / 10).toFixed(1)} ms`);
        assertEquals([r.name, r.levelno, r.levelname, r.created], [
          "app.db",
          30,
          "WARNING",
          1_700_000_000.5 + i,
        ]);
        assertEquals((r as unknown as { user: unknown }).user, { id: i, roles: ["a", "b"] });
      });
      assertEquals(receiver.rejected, 0);
    } finally {
      await handler.close();
      await receiver.close();
    }
  });
}

Deno.test("a receiver with a key refuses our records sent without it", async () => {
  const errors: string[] = [];
  const receiver = new LogReceiver({
    tcp: { port: 0 },
    key: "right",
    handle: () => {},
    onError: (e) => void errors.push(e.message),
  });
  await receiver.start();
  const handler = new SocketHandler("127.0.0.1", (receiver.tcpAddr as Deno.NetAddr).port, {
    key: "wrong",
    retryStart: 0.05,
  });
  handler.handleError = () => {};
  try {
    handler.handle(makeLogRecord({ msg: "forged" }));
    await until(() => receiver.rejected > 0);
    assertEquals(receiver.received, 0);
  } finally {
    await handler.close().catch(() => {});
    await receiver.close();
  }
});

Deno.test("DatagramHandler -> LogReceiver over UDP, signed", async () => {
  const got: LogRecord[] = [];
  const receiver = new LogReceiver({ udp: { port: 0 }, key: "k", handle: (r) => void got.push(r) });
  await receiver.start();
  const handler = new DatagramHandler("127.0.0.1", receiver.udpAddr!.port, { key: "k" });
  try {
    for (let i = 0; i < 30; i++) handler.handle(makeLogRecord({ name: "udp", msg: `d${i}` }));
    await handler.flush();
    await until(() => got.length === 30);
    assertEquals(got.map((r) => r.getMessage()), Array.from({ length: 30 }, (_, i) => `d${i}`));
  } finally {
    await handler.close();
    await receiver.close();
  }
});

/** Starts the receiver's command line; resolves with its port once it listens. */
async function startCli(args: string[]): Promise<{ child: Deno.ChildProcess; port: number }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-all", "--no-config", RECEIVER, ...args],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`receiver ended before listening: ${text}`);
    text += value;
  }
  reader.releaseLock();
  child.stdout.cancel().catch(() => {});
  const m = /tcp [^:]+:(\d+)/.exec(text);
  if (m === null) throw new Error(`no port in: ${text}`);
  return { child, port: Number(m[1]) };
}

Deno.test("the receiver stopped (SIGTERM) and restarted mid-stream: with ack, every record arrives once, in order", () =>
  withTempDir(async (dir) => {
    const file = `${dir}/central.log`;
    const cli = ["--file", file, "--format", "%(message)s"];
    let { child, port } = await startCli(["--tcp", "0", ...cli]);
    const handler = new SocketHandler("127.0.0.1", port, {
      ack: true,
      retryStart: 0.05,
      retryMax: 0.2,
    });
    const errors: unknown[] = [];
    handler.handleError = (_r, e) => void errors.push(e);
    const log = getLogger("restart.test");
    log.propagate = false;
    log.addHandler(handler);
    const n = 6000;
    try {
      for (let i = 0; i < n; i++) {
        log.warning("record %d", i);
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 1));
        if (i === 2000 || i === 4000) {
          // Stop it mid-stream, keep logging while it is down, then start it again.
          child.kill("SIGTERM");
          assertEquals((await child.status).code, 0);
          for (let j = 0; j < 50; j++) log.warning("record %d", ++i);
          ({ child, port } = await startCli(["--tcp", String(port), ...cli]));
        }
      }
      await handler.flush();
      await until(() => {
        try {
          return Deno.readTextFileSync(file).split("\n").length - 1 >= n;
        } catch {
          return false;
        }
      }, 30_000);
      const lines = Deno.readTextFileSync(file).trimEnd().split("\n");
      assertEquals(lines.length, n);
      const wrong = lines.filter((l, i) => l !== `record ${i}`);
      assertEquals(wrong.slice(0, 5), []);
      assertEquals(handler.dropped, 0);
      assert(errors.length >= 1, "the outage was reported");
    } finally {
      log.removeHandler(handler);
      await handler.close();
      child.kill("SIGTERM");
      await child.status;
    }
  }));
