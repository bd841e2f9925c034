/**
 * The command-line receiver (receiver.ts, a real subprocess) under attack over real TCP and UDP
 * loopback sockets: memo bombs, huge ints, deep and wide frames, connection floods, fat frames
 * and slowloris connections. Each test keeps a good sender going meanwhile and checks that its
 * records reach the log file, that the receiver's resident memory (VmRSS, read from /proc)
 * stays under 300 MB, and that every refusal is counted in the summary the receiver prints when
 * it stops.
 */

import { assert, assertEquals, assertMatch } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";
import {
  deepJson,
  hugeInt,
  manyKeys,
  memoBomb,
  sharedString,
  wideJson,
} from "./helpers/hostile_frames.ts";
import { concat } from "./helpers/bytes.ts";
import { frame, jsonPayload, sendDatagrams, within } from "./helpers/receiver_peers.ts";

const RECEIVER = new URL("../receiver.ts", import.meta.url).pathname;
/** The resident memory the receiver must stay under, whatever it is sent. */
const RSS_LIMIT_MB = 300;
const LINUX = Deno.build.os === "linux";
const encoder = new TextEncoder();

// --- The receiver process -----------------------------------------------------------------

interface Receiver {
  tcp: number;
  udp: number;
  file: string;
  /** The highest VmRSS seen so far, in MB (sampled every 20 ms). */
  peakMb(): number;
  /** Stops it with SIGTERM; resolves with its exit code, stdout and stderr. */
  stop(): Promise<{ code: number; stdout: string; stderr: string }>;
}

function rssMb(pid: number): number {
  try {
    const m = Deno.readTextFileSync(`/proc/${pid}/status`).match(/^VmRSS:\s+(\d+) kB/m);
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0; // exited
  }
}

function collect(stream: ReadableStream<Uint8Array>): { text: () => string; done: Promise<void> } {
  let text = "";
  const done = (async () => {
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) text += chunk;
  })();
  return { text: () => text, done };
}

/** Runs receiver.ts on free TCP and UDP ports of 127.0.0.1, writing to `dir`/central.log. */
async function withReceiver(
  dir: string,
  flags: string[],
  fn: (r: Receiver) => Promise<void>,
): Promise<void> {
  const file = `${dir}/central.log`;
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-write",
      RECEIVER,
      "--tcp",
      "0",
      "--udp",
      "0",
      "--file",
      file,
      ...flags,
    ],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stdout = collect(child.stdout);
  const stderr = collect(child.stderr);
  let peak = 0;
  const sampler = setInterval(() => peak = Math.max(peak, rssMb(child.pid)), 20);
  let exited = false;
  const status = child.status.then((s) => {
    exited = true;
    return s;
  });
  try {
    const line = await within(
      (async () => {
        while (!stdout.text().includes("\n")) {
          if (exited) throw new Error(`receiver.ts exited: ${stderr.text()}`);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return stdout.text().split("\n")[0];
      })(),
      30_000,
      "the 'listening on' line",
    );
    const m = line.match(/^listening on tcp 127\.0\.0\.1:(\d+), udp 127\.0\.0\.1:(\d+)$/);
    assert(m !== null, `listening line: ${line}`);
    await fn({
      tcp: Number(m[1]),
      udp: Number(m[2]),
      file,
      peakMb: () => Math.max(peak, rssMb(child.pid)),
      stop: async () => {
        child.kill("SIGTERM");
        const { code } = await within(status, 15_000, "receiver.ts to exit on SIGTERM");
        await stdout.done;
        await stderr.done;
        return { code, stdout: stdout.text(), stderr: stderr.text() };
      },
    });
  } finally {
    clearInterval(sampler);
    if (!exited) child.kill("SIGKILL");
    await status;
    await stdout.done.catch(() => {});
    await stderr.done.catch(() => {});
  }
}

/** The counts of the summary line the receiver prints when it stops. */
function summary(
  stdout: string,
): { received: number; rejected: number; by: Record<string, number> } {
  const line = stdout.trim().split("\n").at(-1) ?? "";
  const m = line.match(/^received (\d+) records, rejected (\d+)(?: \((.*)\))?$/);
  assert(m !== null, `summary line: ${line}`);
  const by: Record<string, number> = {};
  for (const part of (m[3] ?? "").split(", ").filter(Boolean)) {
    const [k, n] = part.split(" ");
    by[k] = Number(n);
  }
  return { received: Number(m[1]), rejected: Number(m[2]), by };
}

/** A well-behaved sender on its own TCP connection: JSON records, each checked in the file. */
class GoodSender {
  #conn: Deno.TcpConn;
  #receiver: Receiver;
  sent = 0;

  private constructor(conn: Deno.TcpConn, receiver: Receiver) {
    this.#conn = conn;
    this.#receiver = receiver;
  }

  static async connect(r: Receiver): Promise<GoodSender> {
    return new GoodSender(await Deno.connect({ hostname: "127.0.0.1", port: r.tcp }), r);
  }

  /** Sends the next record and waits (at most `ms`) until the receiver has written it. */
  async sendAndSee(ms = 5000): Promise<number> {
    const n = this.sent++;
    const started = performance.now();
    await this.#conn.write(
      frame(jsonPayload({ name: "good", levelno: 20, msg: "good record %d", args: [n] })),
    );
    const line = ` good INFO good record ${n}\n`;
    await within(
      (async () => {
        while (true) {
          let text = "";
          try {
            text = await Deno.readTextFile(this.#receiver.file);
          } catch {
            // Not created yet.
          }
          if (text.includes(line)) return;
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      })(),
      ms,
      `the receiver to write good record ${n}`,
    ).catch((error) => {
      throw new Error(
        `${error.message} (receiver's peak RSS so far ${this.#receiver.peakMb().toFixed(0)} MB)`,
      );
    });
    return performance.now() - started;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Writes, ignoring the errors of a peer that closed the connection. */
async function writeIgnoringClose(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  try {
    let n = 0;
    while (n < bytes.length) n += await conn.write(bytes.subarray(n));
  } catch (error) {
    const e = Deno.errors;
    if (
      !(error instanceof e.ConnectionReset || error instanceof e.BrokenPipe ||
        error instanceof e.NotConnected || error instanceof e.ConnectionAborted)
    ) throw error;
  }
}

/** Resolves once the peer has closed `conn` (EOF or reset); rejects after `ms`. */
function closedWithin(conn: Deno.Conn, ms: number): Promise<void> {
  return within(
    (async () => {
      const buf = new Uint8Array(64);
      try {
        while (await conn.read(buf) !== null) { /* acks, if any */ }
      } catch (error) {
        if (!(error instanceof Deno.errors.ConnectionReset)) throw error;
      }
    })(),
    ms,
    "the receiver to close the connection",
  );
}

/** Counts the connections of `conns` that the peer closes, as it closes them. */
function watchClosed(conns: Deno.Conn[]): { atLeast: (n: number, ms: number) => Promise<void> } {
  let closed = 0;
  for (const conn of conns) {
    (async () => {
      const buf = new Uint8Array(64);
      try {
        while (await conn.read(buf) !== null) { /* nothing is written to these */ }
      } catch {
        // Reset by the peer, or closed by the test.
      }
      closed++;
    })();
  }
  return {
    atLeast: (n, ms) =>
      within(
        (async () => {
          while (closed < n) await new Promise((resolve) => setTimeout(resolve, 10));
        })(),
        ms,
        `the receiver to close ${n} connections (closed ${closed})`,
      ),
  };
}

function closeAll(conns: Deno.Conn[]): void {
  for (const c of conns) {
    try {
      c.close();
    } catch {
      // Already closed.
    }
  }
}

function skipOffLinux(): boolean {
  if (LINUX) return false;
  console.error("!!! not Linux: the receiver's memory cannot be read from /proc: test SKIPPED");
  return true;
}

/**
 * Runs `fn` against receiver.ts started with `flags` (writing into a fresh folder) and a good
 * sender connected to it, which is closed after; off Linux the test is skipped, loudly.
 */
async function underAttack(
  flags: string[],
  fn: (r: Receiver, good: GoodSender) => Promise<void>,
): Promise<void> {
  if (skipOffLinux()) return;
  await withTempDir((dir) =>
    withReceiver(dir, flags, async (r) => {
      const good = await GoodSender.connect(r);
      try {
        await fn(r, good);
      } finally {
        good.close();
      }
    })
  );
}

// --- The tests ------------------------------------------------------------------------------

Deno.test("receiver.ts survives a memo bomb over UDP and TCP and keeps writing a good sender's records", () =>
  underAttack([], async (r, good) => {
    await good.sendAndSee(10_000);
    const bomb = frame(memoBomb(60));
    assert(bomb.length < 700, `the bomb is ${bomb.length} bytes`);
    const started = performance.now();
    await sendDatagrams("127.0.0.1", r.udp, [bomb, bomb, bomb]);
    const attackers: Deno.Conn[] = [];
    try {
      for (let i = 0; i < 3; i++) {
        const conn = await Deno.connect({ hostname: "127.0.0.1", port: r.tcp });
        attackers.push(conn);
        await writeIgnoringClose(conn, bomb);
      }
      // The good sender is served while (and after) the bombs are refused.
      for (let i = 0; i < 5; i++) await good.sendAndSee(3000);
      // Each bomb's connection is closed.
      await Promise.all(attackers.map((c) => closedWithin(c, 3000)));
    } finally {
      closeAll(attackers);
    }
    const ms = performance.now() - started;
    const peak = r.peakMb();
    assert(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    const { code, stdout, stderr } = await r.stop();
    assertEquals(code, 0, stderr);
    const counts = summary(stdout);
    assertEquals(counts.received, 6);
    assertEquals(counts.by, { maxValues: 6 }, stdout);
    assertEquals(counts.rejected, 6);
    assertMatch(
      stderr,
      /more than 100000 values \(maxValues\) \(datagram from 127\.0\.0\.1:\d+\): dropped/,
    );
    assertMatch(
      stderr,
      /more than 100000 values \(maxValues\) \(from 127\.0\.0\.1:\d+\): connection closed/,
    );
    console.log(
      `  6 memo bombs refused, 5 good records written in ${ms.toFixed(0)} ms; peak RSS ${
        peak.toFixed(0)
      } MB`,
    );
  }));

Deno.test("receiver.ts refuses a 4 MB int, a 1 MiB string shared 20,000 times, 350,000 keys and JSON nested 1,000,000 deep or 300,000 keys wide in milliseconds", () =>
  underAttack([], async (r, good) => {
    await good.sendAndSee(10_000);
    const attacks: [string, Uint8Array<ArrayBuffer>][] = [
      ["a 4 MB int", hugeInt()],
      ["a 1 MiB string shared 20,000 times", sharedString()],
      ["350,000 keys", manyKeys()],
      ["JSON nested 1,000,000 deep", deepJson()],
      ["JSON with 300,000 keys", wideJson()],
    ];
    const times: string[] = [];
    for (const [what, payload] of attacks) {
      assert(payload.length <= 4 * 1024 * 1024, `${what}: ${payload.length} bytes`);
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: r.tcp });
      try {
        const started = performance.now();
        await writeIgnoringClose(conn, frame(payload));
        await closedWithin(conn, 2000);
        // The good sender's next record is written at once: the loop was never blocked.
        await good.sendAndSee(1000);
        const ms = performance.now() - started;
        times.push(`${what} ${ms.toFixed(0)} ms`);
        assert(ms < 1000, `${what}: ${ms.toFixed(0)} ms`);
      } finally {
        closeAll([conn]);
      }
    }
    const peak = r.peakMb();
    assert(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
    const { code, stdout, stderr } = await r.stop();
    assertEquals(code, 0, stderr);
    const counts = summary(stdout);
    assertEquals(counts.by, { maxValues: 2, maxDepth: 1, maxTextLength: 1, maxIntDigits: 1 });
    assertEquals([counts.received, counts.rejected], [6, 5]);
    console.log(`  refused: ${times.join(", ")}; peak RSS ${peak.toFixed(0)} MB`);
  }));

Deno.test("receiver.ts stays under 300 MB while 1,000 connections each send a 4 MiB frame minus one byte, and counts the refused ones", () =>
  underAttack([], async (r, good) => {
    const conns: Deno.Conn[] = [];
    try {
      await good.sendAndSee(10_000);
      const size = 4 * 1024 * 1024;
      const fat = new Uint8Array(4 + size - 1);
      new DataView(fat.buffer).setUint32(0, size);
      const started = performance.now();
      let opened = 0;
      // 50 at a time; stop as soon as the receiver is over the limit (the old receiver was).
      while (opened < 1000 && r.peakMb() < RSS_LIMIT_MB) {
        const batch = await Promise.all(
          Array.from({ length: 50 }, () => Deno.connect({ hostname: "127.0.0.1", port: r.tcp })),
        );
        conns.push(...batch);
        opened += batch.length;
        await Promise.all(batch.map((c) => writeIgnoringClose(c, fat)));
      }
      const ms = performance.now() - started;
      let peak = r.peakMb();
      assert(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB after ${opened} connections`);
      assertEquals(opened, 1000);
      // 64 MiB of buffers, half of it for frames over 64 KiB: at most 7 such frames at a time.
      await watchClosed(conns).atLeast(993, 10_000);
      await good.sendAndSee(3000);
      peak = r.peakMb();
      assert(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
      const { code, stdout, stderr } = await r.stop();
      assertEquals(code, 0, stderr);
      const counts = summary(stdout);
      // At most 7 of them (32 MiB) finish with a whole buffer; every other one is refused.
      const refused = counts.by.maxBufferedBytes;
      assert(refused >= 993 && refused < 1000, stdout);
      assertEquals(Object.keys(counts.by), ["maxBufferedBytes"], stdout);
      assertEquals([counts.received, counts.rejected], [2, refused]);
      assertMatch(
        stderr,
        /a frame of 4194308 bytes from 127\.0\.0\.1:\d+ needs a buffer of \d+ bytes but the receiver's buffers are full \(maxBufferedBytes 67108864\): connection closed/,
      );
      console.log(
        `  1,000 fat frames in ${ms.toFixed(0)} ms, ${refused} refused; peak RSS ${
          peak.toFixed(0)
        } MB`,
      );
    } finally {
      closeAll(conns);
    }
  }));

Deno.test("receiver.ts stays under 300 MB with 5,000 idle connections: 1,024 are served, the rest closed at once and counted", () =>
  underAttack([], async (r, good) => {
    const conns: Deno.Conn[] = [];
    try {
      await good.sendAndSee(10_000);
      const started = performance.now();
      while (conns.length < 5000 && r.peakMb() < RSS_LIMIT_MB) {
        conns.push(
          ...await Promise.all(
            Array.from(
              { length: 250 },
              () => Deno.connect({ hostname: "127.0.0.1", port: r.tcp }),
            ),
          ),
        );
      }
      const ms = performance.now() - started;
      let peak = r.peakMb();
      assert(
        peak < RSS_LIMIT_MB,
        `peak RSS ${peak.toFixed(0)} MB with ${conns.length} connections`,
      );
      assertEquals(conns.length, 5000);
      // Those over the limit are closed as soon as they are accepted.
      await watchClosed(conns).atLeast(5000 - 1023, 10_000);
      // The good sender was connected first: it keeps its place.
      await good.sendAndSee(3000);
      peak = r.peakMb();
      assert(peak < RSS_LIMIT_MB, `peak RSS ${peak.toFixed(0)} MB`);
      const { code, stdout, stderr } = await r.stop();
      assertEquals(code, 0, stderr);
      const counts = summary(stdout);
      assertEquals(counts.by, { maxConnections: 5000 - 1023 }, stdout);
      assertEquals(counts.received, 2);
      // A flood of refusals is not a flood of stderr lines.
      const lines = stderr.split("\n").filter(Boolean);
      assert(lines.length < 100, `${lines.length} lines on stderr`);
      assertMatch(stderr, /refused: 1024 connections are open \(maxConnections\)/);
      assertMatch(stderr, /more errors not shown/);
      console.log(
        `  5,000 connections in ${ms.toFixed(0)} ms, 3,977 refused; peak RSS ${peak.toFixed(0)} MB`,
      );
    } finally {
      closeAll(conns);
    }
  }));

Deno.test("receiver.ts closes slowloris and silent connections after --frame-timeout and quiet ones after --idle-timeout, and serves a good sender throughout", () =>
  underAttack(["--frame-timeout", "400", "--idle-timeout", "700"], async (r, good) => {
    const slow: Deno.Conn[] = [];
    const silent: Deno.Conn[] = [];
    let quiet: Deno.Conn | undefined;
    try {
      await good.sendAndSee(10_000);
      const started = performance.now();
      for (let i = 0; i < 50; i++) {
        slow.push(await Deno.connect({ hostname: "127.0.0.1", port: r.tcp }));
        silent.push(await Deno.connect({ hostname: "127.0.0.1", port: r.tcp }));
      }
      // One complete frame, then nothing.
      quiet = await Deno.connect({ hostname: "127.0.0.1", port: r.tcp });
      await quiet.write(frame(jsonPayload({ name: "quiet", levelno: 20, msg: "just one" })));
      const closed = Promise.all([...slow, ...silent, quiet].map((c) => closedWithin(c, 3000)));
      let trickling = true;
      // Each slowloris claims a 100-byte frame and sends a byte of it every 100 ms.
      const trickle = (async () => {
        const header = new Uint8Array([0, 0, 0, 100]);
        await Promise.all(slow.map((c) => writeIgnoringClose(c, header)));
        while (trickling) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          await Promise.all(slow.map((c) => writeIgnoringClose(c, new Uint8Array([0x7b]))));
        }
      })();
      // The good sender sends every 100 ms, and is never taken for an idle connection.
      const goodTimes: number[] = [];
      const goodLoop = (async () => {
        for (let i = 0; i < 15; i++) {
          goodTimes.push(await good.sendAndSee(2000));
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      })();
      try {
        await closed;
      } finally {
        trickling = false;
        await trickle;
      }
      const ms = performance.now() - started;
      await goodLoop;
      assert(ms < 3000, `closed after ${ms.toFixed(0)} ms`);
      const { code, stdout, stderr } = await r.stop();
      assertEquals(code, 0, stderr);
      const counts = summary(stdout);
      assertEquals(counts.by, { frameTimeout: 100, idleTimeout: 1 }, stdout);
      assertEquals(counts.received, 17);
      assertMatch(stderr, /did not arrive within 400 ms \(frameTimeout\): connection closed/);
      const text = await Deno.readTextFile(r.file);
      assert(text.includes(" quiet INFO just one\n"), text);
      console.log(
        `  100 slow and silent connections and 1 quiet one closed within ${ms.toFixed(0)} ms; ` +
          `good records took at most ${Math.max(...goodTimes).toFixed(0)} ms`,
      );
    } finally {
      closeAll([...slow, ...silent, ...(quiet ? [quiet] : [])]);
    }
  }));

Deno.test("receiver.ts drops datagrams it has no room for while their HMAC checks wait, counts them and goes on", async () => {
  if (skipOffLinux()) return;
  await withTempDir(async (dir) => {
    const keyFile = `${dir}/key`;
    await Deno.writeTextFile(keyFile, "udp secret\n");
    await withReceiver(
      dir,
      ["--key-file", keyFile, "--max-frame-bytes", "30000", "--max-buffered-bytes", "60008"],
      async (r) => {
        const key = await crypto.subtle.importKey(
          "raw",
          encoder.encode("udp secret"),
          { name: "HMAC", hash: "SHA-256" },
          false,
          ["sign"],
        );
        const signed = async (dict: Record<string, unknown>) => {
          const body = jsonPayload(dict);
          const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, body));
          return frame(concat([body, mac]));
        };
        // 40 datagrams of nearly 30 kB in a burst: two fit in 60,008 bytes at a time.
        const big = await signed({ name: "burst", msg: "y".repeat(29_000) });
        await sendDatagrams("127.0.0.1", r.udp, Array.from({ length: 40 }, () => big));
        // Then a small one, resent until it is written (UDP may drop it on the way too).
        const last = await signed({ name: "good", levelno: 20, msg: "good record 0" });
        for (let attempt = 1;; attempt++) {
          await sendDatagrams("127.0.0.1", r.udp, [last]);
          const text = await Deno.readTextFile(r.file).catch(() => "");
          if (text.includes(" good INFO good record 0\n")) break;
          await new Promise((resolve) => setTimeout(resolve, 200));
          assert(attempt < 20, "the good datagram never arrived");
        }
        const { code, stdout, stderr } = await r.stop();
        assertEquals(code, 0, stderr);
        const counts = summary(stdout);
        assert((counts.by.maxBufferedBytes ?? 0) > 0, stdout);
        assertEquals(Object.keys(counts.by), ["maxBufferedBytes"], stdout);
        assert(counts.received >= 2, stdout);
        assertMatch(stderr, /dropped: the receiver's buffers are full \(maxBufferedBytes 60008\)/);
      },
    );
  });
});
