/**
 * Nothing lost at exit, proven with real subprocesses: a script that simply returns, one that
 * calls `Deno.exit(0)`, one stopped by SIGTERM or SIGINT with the opt-in signal hooks; and no
 * handler keeps a finished program alive.
 */

import { jsonServer, until } from "./helpers/json_server.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { MOD_URL } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";
import { fileLines as lines, readUntil, spawnScript as spawn } from "./helpers/subprocess.ts";

const N = 2000;

Deno.test("a script that logs and simply returns delivers every record (socket, queue, buffered file)", () =>
  withTempDir(async (dir) => {
    const server = jsonServer();
    try {
      const child = spawn(
        dir,
        `
        import { AsyncQueue, FileHandler, getLogger, QueueHandler, QueueListener, SocketHandler } from "${MOD_URL}";
        const log = getLogger("app");
        log.addHandler(new SocketHandler("127.0.0.1", ${server.port}, { format: "json" }));
        log.addHandler(new FileHandler("buffered.log", { bufferSize: 1 << 20, flushInterval: 60_000 }));
        const queue = new AsyncQueue();
        log.addHandler(new QueueHandler(queue));
        new QueueListener(queue, [new FileHandler("queued.log")]).start();
        for (let i = 0; i < ${N}; i++) log.warning("record %d", i);
      `,
      );
      const out = await child.output();
      assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
      assertEquals(lines(`${dir}/buffered.log`).length, N);
      assertEquals(lines(`${dir}/queued.log`).length, N);
      await until(() => server.got.length === N);
      assertEquals(server.got[N - 1].msg, `record ${N - 1}`);
    } finally {
      await server.close();
    }
  }));

Deno.test("Deno.exit(0) loses nothing written by the synchronous handlers", () =>
  withTempDir(async (dir) => {
    const child = spawn(
      dir,
      `
      import { FileHandler, getLogger, MemoryHandler, RotatingFileHandler } from "${MOD_URL}";
      const log = getLogger("app");
      log.addHandler(new FileHandler("plain.log"));
      log.addHandler(new MemoryHandler(100_000, { target: new FileHandler("memory.log") }));
      log.addHandler(new FileHandler("buffered.log", { bufferSize: 1 << 20, flushInterval: 60_000 }));
      log.addHandler(new RotatingFileHandler("rotating.log", { maxBytes: 1 << 20, backupCount: 1, bufferSize: 65536 }));
      for (let i = 0; i < ${N}; i++) log.warning("record %d", i);
      Deno.exit(0);
    `,
    );
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    for (const name of ["plain.log", "buffered.log", "rotating.log", "memory.log"]) {
      assertEquals(lines(`${dir}/${name}`).length, N, name);
    }
  }));

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test(`with handleSignals(), ${signal} flushes the logs before the process exits`, () =>
    withTempDir(async (dir) => {
      const server = jsonServer();
      try {
        const child = spawn(
          dir,
          `
          import { FileHandler, getLogger, handleSignals, SocketHandler } from "${MOD_URL}";
          handleSignals();
          const log = getLogger("app");
          log.addHandler(new SocketHandler("127.0.0.1", ${server.port}, { format: "json" }));
          log.addHandler(new FileHandler("buffered.log", { bufferSize: 1 << 20, flushInterval: 60_000 }));
          for (let i = 0; i < ${N}; i++) log.warning("record %d", i);
          console.log("ready");
          setInterval(() => {}, 1000); // a server that would run forever
        `,
        );
        await readUntil(child, "ready");
        child.kill(signal);
        const status = await child.status;
        await child.stdout.cancel().catch(() => {});
        const stderr = await new Response(child.stderr).text();
        assertEquals(status.code, 128 + (signal === "SIGTERM" ? 15 : 2), stderr);
        assertEquals(lines(`${dir}/buffered.log`).length, N);
        await until(() => server.got.length === N);
      } finally {
        await server.close();
      }
    }));
}

/** Handlers to prove idle: the constructor source, and the server they need, if any. */
const IDLE_CASES: [string, string][] = [
  ["FileHandler", `new FileHandler("a.log")`],
  [
    "buffered FileHandler",
    `new FileHandler("b.log", { bufferSize: 65536, flushInterval: 60_000 })`,
  ],
  ["WatchedFileHandler", `new WatchedFileHandler("w.log")`],
  [
    "RotatingFileHandler (gzip)",
    `new RotatingFileHandler("r.log", { maxBytes: 100, backupCount: 2, compress: "gzip" })`,
  ],
  [
    "TimedRotatingFileHandler (timer)",
    `new TimedRotatingFileHandler("t.log", { when: "midnight", timer: true })`,
  ],
  ["SocketHandler", `new SocketHandler("127.0.0.1", PORT, { format: "json" })`],
  ["SocketHandler (ack)", `new SocketHandler("127.0.0.1", RPORT, { ack: true })`],
  ["DatagramHandler", `new DatagramHandler("127.0.0.1", PORT)`],
  ["SysLogHandler (UDP)", `new SysLogHandler({ address: ["127.0.0.1", PORT] })`],
  ["SysLogHandler (TCP)", `new SysLogHandler({ address: ["127.0.0.1", PORT], socktype: "tcp" })`],
  ["HTTPHandler", `new HTTPHandler("127.0.0.1:" + HPORT, "/log", { method: "POST" })`],
  ["MemoryHandler", `new MemoryHandler(1000, { target: new FileHandler("m.log") })`],
  [
    "QueueHandler + QueueListener",
    `(() => { const q = new AsyncQueue(); new QueueListener(q, [new FileHandler("q.log")]).start(); return new QueueHandler(q); })()`,
  ],
];

Deno.test("no handler keeps a finished program alive: each script exits within a second of its last log call", () =>
  withTempDir(async (dir) => {
    const server = jsonServer();
    const http = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response("ok"),
    );
    const { LogReceiver } = await import(MOD_URL);
    const receiver = new LogReceiver({ tcp: { port: 0 }, handle: () => {} });
    await receiver.start();
    try {
      for (const [label, make] of IDLE_CASES) {
        const source = `
          import * as L from "${MOD_URL}";
          const { FileHandler, WatchedFileHandler, RotatingFileHandler, TimedRotatingFileHandler,
            SocketHandler, DatagramHandler, SysLogHandler, HTTPHandler, MemoryHandler, AsyncQueue,
            QueueHandler, QueueListener } = L;
          const PORT = ${server.port}, RPORT = ${(receiver.tcpAddr as Deno.NetAddr).port},
            HPORT = ${http.addr.port};
          const log = L.getLogger("app");
          log.addHandler(${make});
          for (let i = 0; i < 20; i++) log.warning("record %d", i);
          await new Promise((r) => setTimeout(r, 200)); // let deliveries finish
          console.log(Date.now());
        `;
        const child = spawn(dir, source);
        const out = await child.output();
        const ended = Date.now();
        assertEquals(out.code, 0, `${label}: ${new TextDecoder().decode(out.stderr)}`);
        const last = Number(new TextDecoder().decode(out.stdout).trim());
        assert(ended - last < 1000, `${label} kept the program alive for ${ended - last} ms`);
      }
    } finally {
      await server.close();
      await receiver.close();
      await http.shutdown();
    }
  }));

Deno.test("at exit, a MemoryHandler with flushOnClose false drops its buffer, as in Python", () =>
  withTempDir(async (dir) => {
    const child = spawn(
      dir,
      `
      import { FileHandler, getLogger, MemoryHandler } from "${MOD_URL}";
      const log = getLogger("app");
      log.addHandler(new MemoryHandler(100, { target: new FileHandler("kept.log"), flushOnClose: true }));
      log.addHandler(new MemoryHandler(100, { target: new FileHandler("dropped.log", { delay: true }), flushOnClose: false }));
      for (let i = 0; i < 10; i++) log.warning("record %d", i);
    `,
    );
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    assertEquals(lines(`${dir}/kept.log`).length, 10);
    assertEquals([...Deno.readDirSync(dir)].some((e) => e.name === "dropped.log"), false);
  }));
