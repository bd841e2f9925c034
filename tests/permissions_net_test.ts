/**
 * The network handlers under narrow permissions, each in a Deno subprocess run with exactly the
 * flags a user would give, against real peers: what works with which flags, and that a denial
 * is reported once through `handleError` with the flags to add (never an uncaught error), is
 * final (a `NotCapable` with `permanent: true` whose cause is Deno's own error), and that the
 * flags it names are enough.
 */

import { createSocket, type Socket } from "node:dgram";
import { lookup } from "node:dns/promises";
import { assert, assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { jsonServer, until } from "./helpers/json_server.ts";
// @ts-types="npm:@types/smtp-server@3.5.13"
import { SMTPServer } from "npm:smtp-server@3.21.6";
import { withTempDir } from "./helpers/fs.ts";
import { PYTHON_VERSION, pythonAvailable } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/** What a script's `handleError` saw, per handler. */
interface Reported {
  name: string;
  message: string;
  notCapable: boolean;
  permanent: boolean;
  cause: string | null;
}

/** Script code: `report(h)` makes handler `h` record its errors into `reported[label]`. */
const REPORTING = `
const reported: Record<string, unknown[]> = {};
function report(label: string, h: { handleError: (r: unknown, e: unknown) => void }) {
  reported[label] = [];
  h.handleError = (_r, e) => {
    const error = e as Error & { permanent?: boolean };
    reported[label].push({
      name: error.name,
      message: error.message,
      notCapable: error instanceof Deno.errors.NotCapable,
      permanent: error.permanent === true,
      cause: error.cause instanceof Error ? error.cause.name : null,
    });
  };
}
`;

/** Runs `source` with `flags` (and no prompt); returns its exit code, output and stderr. */
async function run(source: string, flags: string[]) {
  const result = await runScript(REPORTING + source, flags);
  await Deno.remove(result.dir, { recursive: true });
  return result;
}

/** The one denial among a handler's reports (the others count the records it dropped). */
function theDenial(reports: Reported[]): Reported {
  const denials = reports.filter((r) => r.name === "NotCapable");
  assertEquals(denials.length, 1, JSON.stringify(reports));
  for (const r of reports) {
    // The outbox's count of the records it dropped after the denial (its wording is its own).
    if (r !== denials[0]) assert(/^\d+ records? (was|were) dropped/.test(r.message), r.message);
  }
  const denial = denials[0];
  // Final for the outbox: a NotCapable, marked permanent, with Deno's error as its cause.
  assert(denial.notCapable && denial.permanent, JSON.stringify(denial));
  return denial;
}

function udpReceiver(address: string) {
  const socket: Socket = createSocket(address.includes(":") ? "udp6" : "udp4");
  const got: string[] = [];
  socket.on("message", (m) => got.push(new TextDecoder().decode(m)));
  const ready = new Promise<number>((resolve) =>
    socket.bind(0, address, () => resolve(socket.address().port))
  );
  return { ready, got, close: () => new Promise<void>((r) => socket.close(() => r())) };
}

Deno.test("a Deno.serve app logging through DatagramHandler under --allow-net=127.0.0.1 keeps serving and delivers every record", async () => {
  const receiver = udpReceiver("127.0.0.1");
  const port = await receiver.ready;
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(
    `${dir}/main.ts`,
    `
import { DatagramHandler, getLogger } from "${MOD_URL}";
const log = getLogger("web");
log.addHandler(new DatagramHandler("127.0.0.1", ${port}, { format: "json" }));
Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: ({ port }) => console.log(port) }, (req) => {
  log.warning("served %s", new URL(req.url).pathname);
  return new Response("ok");
});
`,
  );
  const app = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", "--allow-net=127.0.0.1", `${dir}/main.ts`],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const stderr = new Response(app.stderr).text();
  try {
    const lines = app.stdout.pipeThrough(new TextDecoderStream()).getReader();
    const { value } = await lines.read();
    const appPort = Number(value!.trim());
    for (const path of ["/one", "/two", "/three"]) {
      const response = await fetch(`http://127.0.0.1:${appPort}${path}`);
      assertEquals([response.status, await response.text()], [200, "ok"]);
    }
    await until(() => receiver.got.length === 3, 5000);
    const messages = receiver.got.map((d) => JSON.parse(d.slice(4)).msg);
    assertEquals(messages, ["served /one", "served /two", "served /three"]);
    lines.releaseLock();
  } finally {
    try {
      app.kill("SIGTERM");
    } catch {
      // it died already: the assertions above said why
    }
    await app.status;
    await app.stdout.cancel().catch(() => {});
    await receiver.close();
    await Deno.remove(dir, { recursive: true });
  }
  const text = await stderr;
  assert(!text.includes("Uncaught") && !text.includes("Logging error"), text);
});

Deno.test("DatagramHandler and SysLogHandler over UDP under --allow-net=<host>:<port> report once the flags to add, drop the records, and the program runs on", async () => {
  const v4 = udpReceiver("127.0.0.1");
  const v6 = udpReceiver("::1");
  const syslog = udpReceiver("127.0.0.1");
  const [p4, p6, psys] = [await v4.ready, await v6.ready, await syslog.ready];
  const source = `
import { DatagramHandler, SysLogHandler, getLogger } from "${MOD_URL}";
const handlers = {
  udp4: new DatagramHandler("127.0.0.1", ${p4}, { format: "json" }),
  udp6: new DatagramHandler("::1", ${p6}, { format: "json" }),
  syslog: new SysLogHandler({ address: ["127.0.0.1", ${psys}] }),
};
const log = getLogger("app");
for (const [label, h] of Object.entries(handlers)) {
  report(label, h);
  log.addHandler(h);
}
for (let i = 0; i < 3; i++) log.warning("record %d", i);
for (const h of Object.values(handlers)) await h.flush();
await new Promise((r) => setTimeout(r, 50));
for (let i = 3; i < 5; i++) log.warning("record %d", i); // after the denial
for (const h of Object.values(handlers)) await h.close();
const dropped = Object.fromEntries(Object.entries(handlers).map(([k, h]) => [k, h.dropped]));
console.log(JSON.stringify({ reported, dropped }));
`;
  try {
    // The destinations only: the local ends of the sockets are missing.
    const narrow = `--allow-net=127.0.0.1:${p4},[::1]:${p6},127.0.0.1:${psys}`;
    const denied = await run(source, ["--no-prompt", narrow]);
    assertEquals(denied.code, 0, denied.stderr);
    assertEquals(denied.stderr, "");
    const out = JSON.parse(denied.stdout) as {
      reported: Record<string, Reported[]>;
      dropped: Record<string, number>;
    };
    assertEquals(out.dropped, { udp4: 5, udp6: 5, syslog: 5 });
    const expected: Record<string, string> = {
      udp4: `Cannot send UDP to 127.0.0.1:${p4}: net access to 127.0.0.1:0 is not granted ` +
        `(a UDP socket binds a local address before it sends). Run Deno with ` +
        `--allow-net=127.0.0.1:${p4},127.0.0.1:0 to allow it.`,
      udp6: `Cannot send UDP to [::1]:${p6}: net access to [::1]:0 is not granted ` +
        `(a UDP socket binds a local address before it sends). Run Deno with ` +
        `--allow-net=[::1]:${p6},[::1]:0 to allow it.`,
      syslog: `Cannot send UDP to 127.0.0.1:${psys}: net access to 127.0.0.1:0 is not granted ` +
        `(a UDP socket binds a local address before it sends). Run Deno with ` +
        `--allow-net=127.0.0.1:${psys},127.0.0.1:0 to allow it.`,
    };
    for (const label of ["udp4", "udp6", "syslog"]) {
      const denial = theDenial(out.reported[label]);
      assertEquals(denial.message, expected[label]);
      assertEquals(denial.cause, "NotCapable");
    }
    assertEquals([v4.got.length, v6.got.length, syslog.got.length], [0, 0, 0]);

    // The flags the errors name are enough.
    const named = `--allow-net=127.0.0.1:${p4},127.0.0.1:0,[::1]:${p6},[::1]:0,127.0.0.1:${psys}`;
    const allowed = await run(source, ["--no-prompt", named]);
    assertEquals(allowed.code, 0, allowed.stderr);
    assertEquals(JSON.parse(allowed.stdout), {
      reported: { udp4: [], udp6: [], syslog: [] },
      dropped: { udp4: 0, udp6: 0, syslog: 0 },
    });
    await until(() => v4.got.length === 5 && v6.got.length === 5 && syslog.got.length === 5);
    assertEquals(syslog.got[4], "<12>record 4\0");
  } finally {
    await v4.close();
    await v6.close();
    await syslog.close();
  }
});

Deno.test("SysLogHandler to localhost over UDP works with --allow-net=localhost:<port> and a local address, and names the name when only its address is allowed", async () => {
  // localhost as this machine resolves it first (127.0.0.1, or ::1 where /etc/hosts says so).
  const { address } = await lookup("localhost");
  const v6 = address.includes(":");
  const receiver = udpReceiver(address);
  const port = await receiver.ready;
  const local = v6 ? "[::1]:0" : "127.0.0.1:0";
  const source = `
import { makeLogRecord, SysLogHandler } from "${MOD_URL}";
const h = new SysLogHandler({ address: ["localhost", ${port}], facility: "local0" });
report("syslog", h);
h.handle(makeLogRecord({ name: "app", msg: "via localhost", args: [], levelname: "INFO", levelno: 20 }));
await h.close();
console.log(JSON.stringify({ reported, dropped: h.dropped }));
`;
  try {
    // The README's flags (the wildcard), then the narrowest (the loopback).
    for (
      const flags of [`localhost:${port},${v6 ? "[::]" : "0.0.0.0"}`, `localhost:${port},${local}`]
    ) {
      const before = receiver.got.length;
      const result = await run(source, ["--no-prompt", `--allow-net=${flags}`]);
      assertEquals(result.code, 0, result.stderr);
      assertEquals(JSON.parse(result.stdout), { reported: { syslog: [] }, dropped: 0 }, flags);
      await until(() => receiver.got.length === before + 1);
      assertEquals(receiver.got.at(-1), "<134>via localhost\0");
    }
    // The address but not the name: the name cannot be looked up, and the error says so.
    const ip = v6 ? "[::1]" : "127.0.0.1";
    const result = await run(source, ["--no-prompt", `--allow-net=${ip}:${port},${local}`]);
    assertEquals(result.code, 0, result.stderr);
    const out = JSON.parse(result.stdout) as { reported: { syslog: Reported[] } };
    const denial = theDenial(out.reported.syslog);
    assertEquals(
      denial.message,
      `Cannot send UDP to localhost:${port}: net access to localhost:${port} is not granted ` +
        `(to look the name up). Run Deno with --allow-net=localhost:${port},127.0.0.1:0 to ` +
        `allow it.`,
    );
  } finally {
    await receiver.close();
  }
});

Deno.test("SocketHandler to a Unix socket names --allow-net=unix:<path> when only read and write access are granted", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/log.sock`;
    const listener = Deno.listen({ transport: "unix", path });
    const frames: string[] = [];
    const serve = (async () => {
      for await (const conn of listener) {
        const text = await new Response(conn.readable).text();
        frames.push(text);
      }
    })();
    const source = `
import { makeLogRecord, SocketHandler } from "${MOD_URL}";
const h = new SocketHandler(${JSON.stringify(path)}, null, { format: "json" });
report("unix", h);
h.handle(makeLogRecord({ name: "app", msg: "over unix", args: [], levelname: "INFO", levelno: 20 }));
h.handle(makeLogRecord({ name: "app", msg: "again", args: [], levelname: "INFO", levelno: 20 }));
await h.close();
console.log(JSON.stringify({ reported, dropped: h.dropped }));
`;
    try {
      const denied = await run(source, [
        "--no-prompt",
        `--allow-read=${path}`,
        `--allow-write=${path}`,
      ]);
      assertEquals(denied.code, 0, denied.stderr);
      const out = JSON.parse(denied.stdout) as { reported: { unix: Reported[] }; dropped: number };
      const denial = theDenial(out.reported.unix);
      assertEquals(
        denial.message,
        `Cannot connect to ${path}: net access is not granted. Run Deno with ` +
          `--allow-read=${path} --allow-write=${path} --allow-net=unix:${path} to allow it.`,
      );
      assertEquals(denial.cause, "NotCapable");
      assertEquals(out.dropped, 2);

      const flags = [`--allow-read=${path}`, `--allow-write=${path}`, `--allow-net=unix:${path}`];
      const allowed = await run(source, ["--no-prompt", ...flags]);
      assertEquals(JSON.parse(allowed.stdout), { reported: { unix: [] }, dropped: 0 });
      await until(() => frames.length === 1);
      assertStringIncludes(frames[0], '"msg":"over unix"');
      assertStringIncludes(frames[0], '"msg":"again"');
    } finally {
      listener.close();
      await serve.catch(() => {});
    }
  });
});

/** A Unix datagram socket in CPython (as /dev/log is): prints each datagram as a JSON line. */
const UNIX_DGRAM_RECEIVER = String.raw`
import json, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print("ready", flush=True)
while True:
    print(json.dumps(s.recv(65536).decode("utf-8", "replace")), flush=True)
`;

Deno.test({
  name:
    "SysLogHandler and DatagramHandler to a Unix datagram socket need only --unstable-net --allow-write=<path> --allow-net=unix:<path>, and name what is missing",
  ignore: !hasPython,
  fn: () =>
    withTempDir(async (dir) => {
      const path = `${dir}/dev-log`;
      const child = new Deno.Command("python3", {
        args: ["-c", UNIX_DGRAM_RECEIVER, path],
        env: { PYENV_VERSION: PYTHON_VERSION },
        stdout: "piped",
        stderr: "inherit",
      }).spawn();
      const got: string[] = [];
      const reading = (async () => {
        let text = "";
        for await (const chunk of child.stdout.pipeThrough(new TextDecoderStream())) {
          text += chunk;
          for (let at = text.indexOf("\n"); at >= 0; at = text.indexOf("\n")) {
            got.push(text.slice(0, at));
            text = text.slice(at + 1);
          }
        }
      })();
      const source = `
import { DatagramHandler, makeLogRecord, SysLogHandler } from "${MOD_URL}";
const syslog = new SysLogHandler({ address: ${JSON.stringify(path)}, ident: "app: " });
const datagram = new DatagramHandler(${JSON.stringify(path)}, null, { format: "json" });
report("syslog", syslog);
report("datagram", datagram);
for (const h of [syslog, datagram]) {
  h.handle(makeLogRecord({ name: "app", msg: "to the log socket", args: [], levelname: "ERROR", levelno: 40 }));
}
await syslog.close();
await datagram.close();
console.log(JSON.stringify({ reported, socktype: syslog.socktype, dropped: [syslog.dropped, datagram.dropped] }));
`;
      try {
        await until(() => got.length === 1);
        assertEquals(got[0], "ready");
        const narrow = [`--allow-write=${path}`, `--allow-net=unix:${path}`];
        const sent = await run(source, ["--no-prompt", "--unstable-net", ...narrow]);
        assertEquals(sent.code, 0, sent.stderr);
        assertEquals(JSON.parse(sent.stdout), {
          reported: { syslog: [], datagram: [] },
          socktype: "udp",
          dropped: [0, 0],
        });
        await until(() => got.length === 3);
        assertEquals(JSON.parse(got[1]), "<11>app: to the log socket\0");
        assertEquals(JSON.parse(JSON.parse(got[2]).slice(4)).msg, "to the log socket");

        // Without --allow-net=unix:<path>: that is what the error names, not "Protocol wrong
        // type for socket" from a stream connection.
        const noNet = await run(source, ["--no-prompt", "--unstable-net", narrow[0]]);
        assertEquals(noNet.code, 0, noNet.stderr);
        const out = JSON.parse(noNet.stdout) as { reported: Record<string, Reported[]> };
        const flags = `--allow-write=${path} --allow-net=unix:${path}`;
        assertEquals(
          theDenial(out.reported.syslog).message,
          `Cannot send to the Unix datagram socket '${path}': net access is not granted. ` +
            `Run Deno with ${flags} to allow it. (A stream socket also needs --allow-read=${path}.)`,
        );
        assertEquals(
          theDenial(out.reported.datagram).message,
          `Cannot send to the Unix datagram socket '${path}': net access is not granted. ` +
            `Run Deno with ${flags} to allow it.`,
        );

        // Without --unstable-net (with or without the read access a stream would need): the
        // error says so, once, and it is final.
        for (const more of [[], [`--allow-read=${path}`]]) {
          const noUnstable = await run(source, ["--no-prompt", ...narrow, ...more]);
          assertEquals(noUnstable.code, 0, noUnstable.stderr);
          const plain = JSON.parse(noUnstable.stdout) as {
            reported: Record<string, Reported[]>;
            dropped: number[];
          };
          assertEquals(plain.dropped, [1, 1]);
          for (const label of ["syslog", "datagram"]) {
            const reports = plain.reported[label];
            assertEquals(reports[0].permanent, true, JSON.stringify(reports));
            assertStringIncludes(reports[0].message, `--unstable-net ${flags}`);
            assert(!reports[0].message.includes("Protocol wrong type"), reports[0].message);
          }
        }
        assertEquals(got.length, 3); // nothing more arrived
      } finally {
        child.kill();
        await child.status;
        await reading.catch(() => {});
      }
    }),
});

Deno.test("README Permissions rows SocketHandler over TCP, HTTPHandler, OTLPHandler and SMTPHandler: the flag named is enough; without it the first delivery reports it once and every record is counted", async () => {
  const sock = jsonServer();
  let posts = 0;
  const http = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    await req.arrayBuffer();
    posts++;
    return new Response("ok");
  });
  let mails = 0;
  const smtp = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    authOptional: true,
    onData(stream, _session, callback) {
      stream.on("data", () => {});
      stream.on("end", () => {
        mails++;
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, "127.0.0.1", () => resolve()));
  const smtpPort = (smtp.server.address() as { port: number }).port;
  const rows: [string, string, number, () => number][] = [
    [
      "SocketHandler",
      `new SocketHandler("127.0.0.1", PORT, { format: "json" })`,
      sock.port,
      () => sock.got.length,
    ],
    [
      "HTTPHandler",
      `new HTTPHandler("127.0.0.1:PORT", "/log", { method: "POST" })`,
      http.addr.port,
      () => posts,
    ],
    [
      "OTLPHandler",
      `new OTLPHandler("http://127.0.0.1:PORT", { batch: 1 })`,
      http.addr.port,
      () => posts,
    ],
    [
      "SMTPHandler",
      `new SMTPHandler({ mailhost: ["127.0.0.1", PORT], fromaddr: "app@example.com", toaddrs: "ops@example.com", subject: "s" })`,
      smtpPort,
      () => mails,
    ],
  ];
  try {
    for (const [name, make, port, arrived] of rows) {
      const source = `
        import { getLogger, HTTPHandler, OTLPHandler, SMTPHandler, SocketHandler } from "${MOD_URL}";
        const h = ${make.replace("PORT", String(port))};
        const log = getLogger("app");
        log.addHandler(h);
        for (let i = 0; i < 3; i++) log.warning("record %d", i);
        await h.close();
        console.log(h.dropped);
      `;
      const before = arrived();
      const granted = await runScript(source, [`--allow-net=127.0.0.1:${port}`]);
      assertEquals(granted.code, 0, `${name}: ${granted.stderr}`);
      assertEquals(granted.stderr, "", name);
      assertEquals(granted.stdout.trim(), "0", name);
      await until(() => arrived() - before === 3);
      const denied = await runScript(source, ["--allow-net=127.0.0.1:1"]);
      assertEquals(denied.code, 0, `${name}: ${denied.stderr}`);
      assertEquals(denied.stdout.trim(), "3", `${name}: every record counted`);
      const reports = denied.stderr.split("--- Logging error ---\n").slice(1);
      const naming = reports.filter((r) => r.includes(`--allow-net=127.0.0.1:${port}`));
      assertEquals(naming.length, 1, `${name}: one report names the flag\n${denied.stderr}`);
      assertEquals(arrived() - before, 3, `${name}: nothing more arrived`);
      await Deno.remove(granted.dir, { recursive: true });
      await Deno.remove(denied.dir, { recursive: true });
    }
  } finally {
    await sock.close();
    await http.shutdown();
    await new Promise<void>((resolve) => smtp.close(() => resolve()));
  }
});
