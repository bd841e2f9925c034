/**
 * Faults on the way out, with real subprocesses and real peers: a peer that accepts and never
 * reads, an uncaught error, `Deno.exit()` while a Worker still holds records, a full outbox.
 * Each record ends up delivered, or counted and reported; no peer holds a program past
 * `closeTimeout`.
 */

import { jsonServer, until } from "./helpers/json_server.ts";
import { assert, assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { MOD_URL } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";
import { acceptAll } from "./helpers/tcp_peer.ts";
import { fileLines, readUntil, spawnScript } from "./helpers/subprocess.ts";

/** A TCP peer that accepts every connection and never reads from it. */
function stuckPeer(): { port: number; close(): Promise<void> } {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  return { port: listener.addr.port, close: acceptAll(listener).close };
}

/** The "--- Logging error ---" reports in `stderr`, each as its text. */
function reports(stderr: string): string[] {
  return stderr.split("--- Logging error ---\n").slice(1);
}

/** The sum of the record counts in the reports that match `re` (its first group is the count). */
function counted(stderr: string, re: RegExp): number {
  let sum = 0;
  for (const report of reports(stderr)) {
    const m = re.exec(report);
    if (m) sum += Number(m[1]);
  }
  return sum;
}

const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

/** Network handlers over TCP, as script source taking the stuck peer's port. */
const STREAM_HANDLERS: [string, string][] = [
  [
    "SocketHandler",
    `new L.SocketHandler("127.0.0.1", PORT, {
      format: "json", timeout: 30, closeTimeout: 1500, maxRecords: 1e6, maxBytes: 2 ** 30 })`,
  ],
  [
    "SysLogHandler over TCP",
    `new L.SysLogHandler({ address: ["127.0.0.1", PORT], socktype: "tcp",
      closeTimeout: 1500, maxRecords: 1e6, maxBytes: 2 ** 30 })`,
  ],
];

for (const [label, make] of STREAM_HANDLERS) {
  Deno.test(`a peer that accepts and never reads cannot keep a finished program alive past closeTimeout (${label})`, () =>
    withTempDir(async (dir) => {
      const peer = stuckPeer();
      try {
        // 30 MB: more than the kernel's socket buffers take; closeTimeout is the bound.
        const child = spawnScript(
          dir,
          `
          import * as L from "${MOD_URL}";
          const PORT = ${peer.port};
          const log = L.getLogger("app");
          log.addHandler(${make});
          for (let i = 0; i < 30_000; i++) log.warning("record %d %s", i, "x".repeat(1000));
          console.log(Date.now());
        `,
          10_000,
        );
        const out = await child.output();
        const ended = Date.now();
        const stderr = decode(out.stderr);
        assertEquals(out.code, 0, stderr);
        const last = Number(decode(out.stdout).trim());
        assert(
          ended - last < 1500 + 1000,
          `the program ended ${ended - last} ms after its last call`,
        );
        assertStringIncludes(stderr, "took no data for 1500 ms");
        const waiting = counted(stderr, /(\d+) records were still waiting for delivery at exit/);
        assert(waiting > 0 && waiting < 30_000, stderr.slice(0, 2000));
      } finally {
        await peer.close();
      }
    }));
}

Deno.test("with handleSignals(), SIGTERM ends a program whose peer never reads within closeTimeout, reporting what it drops", () =>
  withTempDir(async (dir) => {
    const peer = stuckPeer();
    try {
      const child = spawnScript(
        dir,
        `
        import { getLogger, handleSignals, SocketHandler } from "${MOD_URL}";
        handleSignals();
        const log = getLogger("app");
        log.addHandler(new SocketHandler("127.0.0.1", ${peer.port}, {
          format: "json", timeout: 30, closeTimeout: 1500, maxRecords: 1e6, maxBytes: 2 ** 30,
        }));
        for (let i = 0; i < 30_000; i++) log.warning("record %d %s", i, "x".repeat(1000));
        console.log("ready");
        setInterval(() => {}, 1000); // a server that would run forever
      `,
        10_000,
      );
      await readUntil(child, "ready");
      const killed = Date.now();
      child.kill("SIGTERM");
      const status = await child.status;
      const ended = Date.now();
      await child.stdout.cancel().catch(() => {});
      const stderr = await new Response(child.stderr).text();
      assertEquals(status.code, 143, stderr);
      assert(ended - killed < 1500 + 1000, `SIGTERM took ${ended - killed} ms`);
      const dropped = counted(
        stderr,
        /(\d+) records were not delivered within closeTimeout \(1500 ms\)/,
      );
      assert(dropped > 0, stderr.slice(0, 2000));
    } finally {
      await peer.close();
    }
  }));

Deno.test("drop 'oldest' reports its drops in aggregate, and the reports add up to dropped", () =>
  withTempDir(async (dir) => {
    const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (probe.addr as Deno.NetAddr).port;
    probe.close(); // nothing listens: every delivery is refused
    const child = spawnScript(
      dir,
      `
      import { getLogger, SocketHandler } from "${MOD_URL}";
      const log = getLogger("app");
      const handler = new SocketHandler("127.0.0.1", ${port}, {
        format: "json", maxRecords: 100, drop: "oldest", retryStart: 0.01, closeTimeout: 100,
      });
      log.addHandler(handler);
      for (let i = 0; i < 10_000; i++) log.warning("record %d", i);
      await handler.close();
      console.log(handler.dropped);
    `,
    );
    const out = await child.output();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const dropped = Number(decode(out.stdout).trim());
    assertEquals(dropped, 10_000);
    // Before: one report per dropped record (9,901 of them, 13 MB of stderr).
    assert(reports(stderr).length <= 4, `${reports(stderr).length} reports`);
    const full = counted(stderr, /(\d+) records? (?:was|were) dropped because the outbox was full/);
    const atClose = counted(
      stderr,
      /(\d+) records? (?:was|were) not delivered within closeTimeout/,
    );
    assertEquals(full + atClose, dropped);
  }));

Deno.test("the counts reported at close() add up to dropped while the peer never reads", async () => {
  const peer = stuckPeer();
  const { getLogger, SocketHandler } = await import(MOD_URL);
  const handler = new SocketHandler("127.0.0.1", peer.port, {
    format: "json",
    timeout: 30,
    closeTimeout: 300,
    maxRecords: 10_000,
    maxBytes: 2 ** 30,
  });
  const texts: string[] = [];
  handler.handleError = (_record: unknown, error: unknown) => void texts.push(String(error));
  const log = getLogger("faults.counts");
  log.propagate = false;
  log.addHandler(handler);
  try {
    for (let i = 0; i < 20_000; i++) log.warning("record %d %s", i, "x".repeat(1000));
    await new Promise((resolve) => setTimeout(resolve, 100)); // writes fill the socket
    await handler.close();
    const text = texts.map((t) => `--- Logging error ---\n${t}`).join("\n");
    const full = counted(text, /(\d+) records? (?:was|were) dropped because the outbox was full/);
    const atClose = counted(text, /(\d+) records? (?:was|were) not delivered within closeTimeout/);
    assert(atClose > 0, text);
    assertEquals(full + atClose, handler.dropped);
  } finally {
    log.removeHandler(handler);
    await peer.close();
  }
});

Deno.test("records logged before an uncaught error are written or reported, never silently lost", () =>
  withTempDir(async (dir) => {
    const server = jsonServer();
    let posts = 0;
    const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
      await req.arrayBuffer();
      posts++;
      return new Response("ok");
    });
    try {
      const throws = {
        "at the top level": `throw new Error("boom");`,
        "in a timer": `setTimeout(() => { throw new Error("boom"); }, 0);`,
        "as a rejected promise": `Promise.reject(new Error("boom"));`,
      };
      for (const [where, code] of Object.entries(throws)) {
        server.got.length = 0;
        posts = 0;
        Deno.writeTextFileSync(`${dir}/buffered.log`, "");
        const child = spawnScript(
          dir,
          `
          import { FileHandler, getLogger, HTTPHandler, SocketHandler } from "${MOD_URL}";
          const log = getLogger("app");
          log.addHandler(new FileHandler("buffered.log", { bufferSize: 1 << 20, flushInterval: 60_000 }));
          log.addHandler(new SocketHandler("127.0.0.1", ${server.port}, { format: "json" }));
          log.addHandler(new HTTPHandler("127.0.0.1:${http.addr.port}", "/log", { method: "POST" }));
          for (let i = 0; i < 1000; i++) log.warning("record %d", i);
          ${code}
        `,
        );
        const out = await child.output();
        const stderr = decode(out.stderr);
        assertEquals(out.code, 1, `${where}: ${stderr}`);
        assertStringIncludes(stderr, "boom");
        assertEquals(fileLines(`${dir}/buffered.log`).length, 1000, where);
        const reported = counted(
          stderr,
          /(\d+) records were still waiting for delivery when the program ended on an uncaught error/,
        );
        await new Promise((resolve) => setTimeout(resolve, 100)); // what was sent has arrived
        // A record in flight when the program died may have arrived and still be reported.
        const accounted = server.got.length + posts + reported;
        assert(accounted >= 2000 && accounted <= 2000 + 64, `${where}: ${accounted}\n${stderr}`);
      }
    } finally {
      await server.close();
      await http.shutdown();
    }
  }));

/** Writes the worker module for the WorkerQueue tests; returns its URL. */
function workerScript(dir: string, source: string): string {
  const path = `${dir}/log_worker.ts`;
  Deno.writeTextFileSync(path, source);
  return new URL(`file://${path}`).href;
}

/** A worker that hands records to a FileHandler. */
const FILE_WORKER = `import { FileHandler, listenInWorker } from "${MOD_URL}";
  listenInWorker([new FileHandler("worker.log")]);`;

Deno.test("Deno.exit(0) waits for a WorkerQueue's worker: every record is written", () =>
  withTempDir(async (dir) => {
    const worker = workerScript(dir, FILE_WORKER);
    for (let run = 0; run < 2; run++) {
      try {
        Deno.removeSync(`${dir}/worker.log`);
      } catch {
        // first run
      }
      const child = spawnScript(
        dir,
        `
        import { getLogger, QueueHandler, WorkerQueue } from "${MOD_URL}";
        const worker = new Worker("${worker}", { type: "module" });
        getLogger().addHandler(new QueueHandler(new WorkerQueue(worker, { terminate: true })));
        const log = getLogger("app");
        for (let i = 0; i < 5000; i++) log.warning("record %d", i);
        Deno.exit(0);
      `,
      );
      const out = await child.output();
      assertEquals(out.code, 0, decode(out.stderr));
      assertEquals(decode(out.stderr), "");
      const got = fileLines(`${dir}/worker.log`);
      assertEquals(got.length, 5000, `run ${run}`);
      assertEquals(got[4999], "record 4999");
    }
  }));

Deno.test("Deno.exit(0) with a worker that never reads reports the exact number lost, within closeTimeout", () =>
  withTempDir(async (dir) => {
    const worker = workerScript(
      dir,
      `// a worker that never reads its queue\nsetInterval(() => {}, 1000);`,
    );
    const child = spawnScript(
      dir,
      `
      import { getLogger, QueueHandler, WorkerQueue } from "${MOD_URL}";
      const worker = new Worker("${worker}", { type: "module" });
      getLogger().addHandler(new QueueHandler(new WorkerQueue(worker, { closeTimeout: 300 })));
      const log = getLogger("app");
      for (let i = 0; i < 1000; i++) log.warning("record %d", i);
      console.log(Date.now());
      Deno.exit(0);
    `,
    );
    const out = await child.output();
    const ended = Date.now();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assert(ended - Number(decode(out.stdout).trim()) < 300 + 1000);
    assertStringIncludes(
      stderr,
      "1000 records were put on the queue but not handled by its reader at exit",
    );
  }));

Deno.test("a burst that keeps the program busy longer than the connect timeout does not fail the connection", () =>
  withTempDir(async (dir) => {
    const server = jsonServer();
    try {
      const child = spawnScript(
        dir,
        `
        import { getLogger, SocketHandler } from "${MOD_URL}";
        const log = getLogger("app");
        log.addHandler(new SocketHandler("127.0.0.1", ${server.port}, { format: "json" }));
        log.warning("first");
        const busy = Date.now() + 1500; // longer than the 1 s connect timeout
        while (Date.now() < busy) { /* the program is busy */ }
        for (let i = 0; i < 999; i++) log.warning("record %d", i);
      `,
      );
      const out = await child.output();
      assertEquals(out.code, 0);
      assertEquals(decode(out.stderr), "");
      await until(() => server.got.length === 1000);
    } finally {
      await server.close();
    }
  }));

/** A port nothing listens on. */
function deadPort(): number {
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  return port;
}

Deno.test("at Deno.exit(0), a Worker's own handlers write out their buffers and report what they could not deliver", () =>
  withTempDir(async (dir) => {
    const worker = workerScript(
      dir,
      `import { FileHandler, listenInWorker, SocketHandler } from "${MOD_URL}";
      listenInWorker([
        new FileHandler("worker.log", { bufferSize: 1 << 20, flushInterval: 60_000 }),
        new SocketHandler("127.0.0.1", ${deadPort()}, { format: "json" }),
      ]);`,
    );
    const child = spawnScript(
      dir,
      `
      import { getLogger, QueueHandler, WorkerQueue } from "${MOD_URL}";
      const worker = new Worker("${worker}", { type: "module" });
      getLogger().addHandler(new QueueHandler(new WorkerQueue(worker)));
      for (let i = 0; i < 100; i++) getLogger("app").warning("record %d", i);
      Deno.exit(0);
    `,
    );
    const out = await child.output();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assertEquals(fileLines(`${dir}/worker.log`).length, 100);
    assertStringIncludes(stderr, "100 records were still waiting for delivery at exit");
  }));

Deno.test("a program whose Worker's peer is down still ends, and says what was not delivered", () =>
  withTempDir(async (dir) => {
    const worker = workerScript(
      dir,
      `import { listenInWorker, SocketHandler } from "${MOD_URL}";
      listenInWorker([new SocketHandler("127.0.0.1", ${deadPort()}, { format: "json", closeTimeout: 500 })]);`,
    );
    const child = spawnScript(
      dir,
      `
      import { getLogger, QueueHandler, WorkerQueue } from "${MOD_URL}";
      const worker = new Worker("${worker}", { type: "module" });
      getLogger().addHandler(new QueueHandler(new WorkerQueue(worker)));
      for (let i = 0; i < 100; i++) getLogger("app").warning("record %d", i);
      console.log(Date.now());
    `,
    );
    const out = await child.output();
    const ended = Date.now();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    assert(ended - Number(decode(out.stdout).trim()) < 500 + 1500, "the program was held");
    assertStringIncludes(stderr, "100 records were still waiting for delivery at exit");
  }));

Deno.test("flush() waits while the peer is down, through the retries, until the records are delivered", async () => {
  const { SocketHandler, makeLogRecord } = await import(MOD_URL);
  const port = deadPort();
  const handler = new SocketHandler("127.0.0.1", port, { format: "json", retryStart: 0.05 });
  const errors: unknown[] = [];
  handler.handleError = (_r: unknown, e: unknown) => void errors.push(e);
  let server: ReturnType<typeof jsonServer> | null = null;
  try {
    for (let i = 0; i < 10; i++) handler.handle(makeLogRecord({ msg: `r${i}` }));
    let flushed = false;
    const flushing = handler.flush().then(() => flushed = true);
    await until(() => errors.length > 0); // the first attempt failed
    await new Promise((resolve) => setTimeout(resolve, 200)); // and a few retries
    assertEquals(flushed, false);
    server = jsonServer(port);
    await flushing;
    await until(() => server!.got.length === 10); // written: now read by the server
    assertEquals(server.got.map((r) => r.msg), Array.from({ length: 10 }, (_, i) => `r${i}`));
  } finally {
    await handler.close();
    await server?.close();
  }
});

Deno.test("a denied permission is final: reported once with the flag to add, every record counted, close() does not spin", () =>
  withTempDir(async (dir) => {
    const port = deadPort();
    const child = spawnScript(
      dir,
      `
      import { getLogger, SocketHandler } from "${MOD_URL}";
      const handler = new SocketHandler("127.0.0.1", ${port}, { format: "json", retryStart: 0.05 });
      const log = getLogger("app");
      log.addHandler(handler);
      for (let i = 0; i < 10; i++) log.warning("record %d", i);
      await new Promise((resolve) => setTimeout(resolve, 300));
      for (let i = 0; i < 5; i++) log.warning("later %d", i);
      const started = Date.now();
      await handler.close();
      console.log(JSON.stringify({ closeMs: Date.now() - started, dropped: handler.dropped }));
    `,
      10_000,
      ["--allow-net=127.0.0.1:1"],
    );
    const out = await child.output();
    const stderr = decode(out.stderr);
    assertEquals(out.code, 0, stderr);
    const { closeMs, dropped } = JSON.parse(decode(out.stdout));
    assert(closeMs < 1000, `close() took ${closeMs} ms`);
    assertEquals(dropped, 15);
    const denials = reports(stderr).filter((r) => r.includes(`--allow-net=127.0.0.1:${port}`));
    assertEquals(denials.length, 1, stderr);
    assertEquals(
      counted(stderr, /(\d+) records? (?:was|were) dropped because delivery is refused for good/),
      15,
    );
  }));
