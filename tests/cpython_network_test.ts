/**
 * CPython 3.13's network handler tests (Lib/test/test_logging.py), translated: `SocketHandlerTest`,
 * `UnixSocketHandlerTest`, `DatagramHandlerTest`, `UnixDatagramHandlerTest`, `SysLogHandlerTest`,
 * `UnixSysLogHandlerTest`, `IPv6SysLogHandlerTest`, `HTTPHandlerTest`, `SMTPHandlerTest` and
 * `NTEventLogHandlerTest`. Each test is named after the CPython test it translates.
 *
 * The peers are CPython's own test servers: `TestTCPServer`, `TestUDPServer`, `TestHTTPServer`,
 * `TestSMTPServer` and the Unix socket variants, imported from CPython's `test.test_logging` and
 * run in a Python subprocess with the request handlers of the CPython tests (`handle_socket`:
 * `pickle.loads` + `logging.makeLogRecord`; `handle_datagram`; `handle_request` with
 * `urllib.parse`). The peer prints one JSON line per request it handled, where CPython's tests
 * set a `threading.Event`. Deno sends Unix datagrams only with `--unstable-net`, which the test
 * task does not pass: the Unix datagram tests log from a Deno subprocess run with it.
 */

import { getLogger, kw, root } from "../core/logger.ts";
import { DEBUG } from "../core/levels.ts";
import { makeLogRecord } from "../core/record.ts";
import { DatagramHandler, SocketHandler } from "../handlers/socket.ts";
import { SysLogHandler } from "../handlers/syslog.ts";
import { HTTPHandler } from "../handlers/http.ts";
import { SMTPHandler } from "../handlers/smtp.ts";
import { NTEventLogHandler } from "../handlers/nt_event_log.ts";
import { assert, assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { runScript } from "./helpers/collect.ts";
import { withTempDir } from "./helpers/fs.ts";
import { resetLogging } from "./helpers/logging_state.ts";
import { PYTHON_VERSION, pythonAvailable, runPython } from "./helpers/python.ts";
import { within } from "./helpers/receiver_peers.ts";
import { hex } from "./helpers/bytes.ts";

const hasPython = await pythonAvailable();

/** CPython's `socket_helper.IPV6_ENABLED`, as the existing tests treat a missing peer. */
function ipv6Loopback(): boolean {
  try {
    Deno.listen({ hostname: "::1", port: 0 }).close();
    return true;
  } catch (error) {
    if (Deno.env.get("CI") === "true") {
      throw new Error(`the IPv6 loopback ::1 is required under CI=true: ${error}`);
    }
    console.error("!!! no IPv6 loopback (::1): IPv6SysLogHandlerTest is SKIPPED");
    return false;
  }
}
const hasIPv6 = hasPython && ipv6Loopback();

/** CPython's `support.LONG_TIMEOUT`, in seconds: SMTPHandlerTest's handler timeout. */
const LONG_TIMEOUT = 5 * 60;

/**
 * The peer: one of CPython's test servers with the handler of the CPython test that uses it.
 * `cfg.kind` picks the server, `cfg.address` is its address (`[host, 0]` or a socket path).
 * It prints `{"address": ...}` once serving, then one line per request handled, and stops
 * (`server.stop()`) when its stdin closes.
 */
const PEER = String.raw`
import json, os, pickle, struct, sys, threading
from urllib.parse import urlparse, parse_qs
import logging
from test.test_logging import (TestTCPServer, TestUDPServer, TestHTTPServer, TestSMTPServer,
                               TestUnixStreamServer, TestUnixDatagramServer)
cfg = json.loads(sys.argv[1])
kind = cfg["kind"]
lock = threading.Lock()
def out(obj):
    with lock:
        sys.stdout.write(json.dumps(obj) + "\n")
        sys.stdout.flush()

# SocketHandlerTest.handle_socket
def handle_socket(request):
    conn = request.connection
    while True:
        chunk = conn.recv(4)
        if len(chunk) < 4:
            break
        slen = struct.unpack(">L", chunk)[0]
        chunk = conn.recv(slen)
        while len(chunk) < slen:
            chunk = chunk + conn.recv(slen - len(chunk))
        obj = pickle.loads(chunk)
        record = logging.makeLogRecord(obj)
        out({"msg": record.msg})

# DatagramHandlerTest.handle_datagram
def handle_datagram(request):
    slen = struct.pack('>L', 0) # length of prefix
    packet = request.packet[len(slen):]
    obj = pickle.loads(packet)
    record = logging.makeLogRecord(obj)
    out({"msg": record.msg})

# SysLogHandlerTest.handle_datagram
def handle_syslog(request):
    out({"packet": request.packet.hex()})

# HTTPHandlerTest.handle_request (and the parse_qs of test_output)
def handle_request(request):
    command = request.command
    log_data = urlparse(request.path)
    post_data = None
    if command == 'POST':
        try:
            rlen = int(request.headers['Content-Length'])
            post_data = request.rfile.read(rlen)
        except:
            post_data = None
    request.send_response(200)
    request.end_headers()
    if command == 'GET':
        d = parse_qs(log_data.query)
    else:
        d = parse_qs(post_data.decode('utf-8'))
    out({"command": command, "path": log_data.path, "d": d,
         "content_type": request.headers.get("Content-Type"),
         "authorization": request.headers.get("Authorization")})

# SMTPHandlerTest.process_message
def process_message(peer, mailfrom, rcpttos, data):
    out({"mailfrom": mailfrom, "rcpttos": rcpttos, "data": data})

address = tuple(cfg["address"]) if isinstance(cfg["address"], list) else cfg["address"]
if isinstance(address, str) and os.path.exists(address):
    os.unlink(address)  # a server of an earlier step left its socket file
if kind == "tcp":
    server = TestTCPServer(address, handle_socket, 0.01)
elif kind == "unix":
    server = TestUnixStreamServer(address, handle_socket, 0.01)
elif kind == "udp":
    server = TestUDPServer(address, handle_datagram, 0.01)
elif kind == "unixdgram":
    server = TestUnixDatagramServer(address, handle_datagram, 0.01)
elif kind in ("syslog", "syslog6"):
    if kind == "syslog6":  # IPv6SysLogHandlerTest.setUp
        import socket
        TestUDPServer.address_family = socket.AF_INET6
    server = TestUDPServer(address, handle_syslog, 0.01)
elif kind == "syslogunix":
    server = TestUnixDatagramServer(address, handle_syslog, 0.01)
elif kind in ("http", "https"):
    sslctx = None
    if kind == "https":
        import ssl
        here = os.path.dirname(sys.modules["test.test_logging"].__file__)
        sslctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        sslctx.load_cert_chain(os.path.join(here, "certdata", "keycert.pem"))
    server = TestHTTPServer(address, handle_request, 0.01, sslctx=sslctx)
elif kind == "smtp":
    server = TestSMTPServer(address, process_message, 0.001, {})
server.start()
if kind == "smtp":
    out({"address": [address[0], server.port]})
else:
    server.ready.wait()
    if isinstance(server.server_address, tuple):
        out({"address": [server.server_address[0], server.server_address[1]]})
    else:
        out({"address": server.server_address})
sys.stdin.read()
server.stop()
`;

type Event = Record<string, unknown>;

/** A CPython test server in a subprocess. */
interface Peer {
  /** `[host, port]` or the socket path, as the server reports it. */
  address: [string, number] | string;
  /** The next request the server handled (CPython's `self.handled.wait()`), within 20 s. */
  next(): Promise<Event>;
  /** Stops the server (CPython's `server.stop()`) and waits for the process to end. */
  stop(): Promise<void>;
}

/** Starts `kind`'s server at `address` and waits until it serves. */
async function cpythonServer(kind: string, address: [string, number] | string): Promise<Peer> {
  const child = new Deno.Command("python3", {
    args: ["-c", PEER, JSON.stringify({ kind, address })],
    env: { PYENV_VERSION: PYTHON_VERSION, PYTHONIOENCODING: "utf-8" },
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
    cwd: "/",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const next = async (): Promise<Event> => {
    while (!text.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the ${kind} server ended: ${text}${await stderr}`);
      text += value;
    }
    const line = text.slice(0, text.indexOf("\n"));
    text = text.slice(text.indexOf("\n") + 1);
    return JSON.parse(line) as Event;
  };
  const first = await within(next(), 20_000, `the CPython ${kind} server to start`);
  let stopped: Promise<void> | null = null;
  return {
    address: first.address as [string, number] | string,
    next: () => within(next(), 20_000, `a request to the CPython ${kind} server`),
    stop: () =>
      stopped ??= (async () => {
        await child.stdin.close();
        const status = await child.status;
        await lines.cancel().catch(() => {});
        const err = await stderr;
        assert(status.success, `the CPython ${kind} server failed:\n${err}`);
      })(),
  };
}

/**
 * CPython's `BaseTest.setUp` as these tests use it (the root logger at DEBUG, its handler
 * replaced by the handler under test); the returned function is its `tearDown`.
 */
function setUp(handler: { close(): Promise<void> } & Parameters<typeof root.addHandler>[0]) {
  root.setLevel(DEBUG);
  root.addHandler(handler);
  return async () => {
    root.removeHandler(handler);
    await handler.close();
    resetLogging();
  };
}

// ---------------------------------------------------------------------------------------------
// SocketHandlerTest and UnixSocketHandlerTest

/** SocketHandlerTest.setUp: CPython's TestTCPServer (or TestUnixStreamServer) and a handler. */
async function socketSetUp(unix: boolean, dir: string) {
  const server = unix
    ? await cpythonServer("unix", `${dir}/test_logging.sock`)
    : await cpythonServer("tcp", ["localhost", 0]);
  const sockHdlr = typeof server.address === "string"
    ? new SocketHandler(server.address, null)
    : new SocketHandler("localhost", server.address[1]);
  return { server, sockHdlr, tearDown: setUp(sockHdlr) };
}

for (const unix of [false, true]) {
  const cls = unix ? "UnixSocketHandlerTest" : "SocketHandlerTest";

  Deno.test({
    name: `${cls}.test_output: records logged to a SocketHandler are read by CPython's socket ` +
      `server (pickle.loads, makeLogRecord), in order`,
    ignore: !hasPython,
    fn: () =>
      withTempDir(async (dir) => {
        const { server, tearDown } = await socketSetUp(unix, dir);
        try {
          let logOutput = "";
          const logger = getLogger("tcp");
          logger.error("spam");
          logOutput += (await server.next()).msg + "\n";
          logger.debug("eggs");
          logOutput += (await server.next()).msg + "\n";
          assertEquals(logOutput, "spam\neggs\n");
        } finally {
          await tearDown();
          await server.stop();
        }
      }),
  });

  Deno.test({
    name: `${cls}.test_noserver: with the server gone, retryTime is the failure's time plus ` +
      `retryStart (set after construction), and the records wait for the server`,
    ignore: !hasPython,
    fn: () =>
      withTempDir(async (dir) => {
        const { server, sockHdlr, tearDown } = await socketSetUp(unix, dir);
        let again: Peer | null = null;
        // CPython's handler fails silently while the server is down; this one reports the
        // first failure of an outage (and not the retries).
        const failures: number[] = [];
        sockHdlr.handleError = () => void failures.push(Date.now() / 1000);
        try {
          sockHdlr.retryStart = 2.5;
          // Kill the server
          await server.stop();
          // The logging call should try to connect, which should fail
          try {
            throw Object.assign(new Error("Deliberate mistake"), { name: "RuntimeError" });
          } catch (err) {
            root.exception("Never sent", kw({ exc_info: err }));
          }
          root.error("Never sent, either");
          await within(
            (async () => {
              while (failures.length === 0) await new Promise((r) => setTimeout(r, 5));
            })(),
            10_000,
            "the first connection attempt to fail",
          );
          const now = Date.now() / 1000;
          const retryTime = sockHdlr.retryTime!;
          assert(retryTime > now, `retryTime ${retryTime} is not after ${now}`);
          // A time fixed at the failure (CPython's `now + retryPeriod`), not a moving one.
          assert(Math.abs(retryTime - (failures[0] + 2.5)) < 0.1, `${retryTime} ${failures}`);
          await new Promise((r) => setTimeout(r, 20));
          assertEquals(sockHdlr.retryTime, retryTime);
          // CPython sleeps past retryTime and logs "Nor this", which it drops too, as the
          // server is still down. Here the three records wait in the outbox; the server comes
          // back at the same address, and the retry at retryTime delivers them, in order.
          again = await cpythonServer(unix ? "unix" : "tcp", server.address);
          root.error("Nor this");
          const first = await again.next();
          const arrived = Date.now() / 1000;
          assert(arrived >= retryTime - 0.005, `delivered at ${arrived}, before ${retryTime}`);
          assertEquals(
            [first.msg, (await again.next()).msg, (await again.next()).msg],
            ["Never sent", "Never sent, either", "Nor this"],
          );
          assertEquals(failures.length, 1);
          assertEquals(sockHdlr.dropped, 0);
          assertEquals(sockHdlr.retryTime, null);
        } finally {
          await tearDown();
          await server.stop();
          await again?.stop();
        }
      }),
  });
}

// ---------------------------------------------------------------------------------------------
// DatagramHandlerTest and UnixDatagramHandlerTest

Deno.test({
  name: "DatagramHandlerTest.test_output: records logged to a DatagramHandler are read by " +
    "CPython's UDP server, one pickle per datagram",
  ignore: !hasPython,
  async fn() {
    const server = await cpythonServer("udp", ["localhost", 0]);
    const sockHdlr = new DatagramHandler("localhost", (server.address as [string, number])[1]);
    const tearDown = setUp(sockHdlr);
    try {
      let logOutput = "";
      const logger = getLogger("udp");
      logger.error("spam");
      logOutput += (await server.next()).msg + "\n";
      logger.error("eggs");
      logOutput += (await server.next()).msg + "\n";
      assertEquals(logOutput, "spam\neggs\n");
    } finally {
      await server.stop();
      await tearDown();
    }
  },
});

/** The URL of a module of this repository, for the scripts run in a subprocess. */
const url = (path: string) => new URL(path, import.meta.url).href;

/**
 * Runs `body` in a Deno subprocess with `--unstable-net` (Deno's Unix datagram sockets), after
 * CPython's `BaseTest.setUp` there: `h` is added to the root logger, at DEBUG.
 */
async function runWithUnstableNet(imports: string, handler: string, body: string) {
  const run = await runScript(
    `
import { getLogger, root } from "${url("../core/logger.ts")}";
${imports}
const errors: string[] = [];
root.setLevel(10);
const h = ${handler};
h.handleError = (_r: unknown, e: unknown) => void errors.push(String(e));
root.addHandler(h);
${body}
root.removeHandler(h);
await h.close();
console.log(JSON.stringify(errors));
`,
    ["--allow-all", "--unstable-net"],
  );
  await Deno.remove(run.dir, { recursive: true });
  assertEquals(run.code, 0, run.stderr);
  assertEquals(JSON.parse(run.stdout), []);
}

Deno.test({
  name: "UnixDatagramHandlerTest.test_output: records sent to a Unix datagram socket are read " +
    "by CPython's server (--unstable-net)",
  ignore: !hasPython,
  fn: () =>
    withTempDir(async (dir) => {
      const server = await cpythonServer("unixdgram", `${dir}/test_logging.sock`);
      try {
        // The subprocess logs "spam", waits until it is handed to the socket, logs "eggs";
        // CPython waits for its server between the two. A Unix datagram socket keeps order.
        await runWithUnstableNet(
          `import { DatagramHandler } from "${url("../handlers/socket.ts")}";`,
          `new DatagramHandler(${JSON.stringify(server.address)}, null)`,
          `const logger = getLogger("udp");
logger.error("spam");
await h.flush();
logger.error("eggs");
await h.flush();`,
        );
        let logOutput = "";
        logOutput += (await server.next()).msg + "\n";
        logOutput += (await server.next()).msg + "\n";
        assertEquals(logOutput, "spam\neggs\n");
      } finally {
        await server.stop();
      }
    }),
});

// ---------------------------------------------------------------------------------------------
// SysLogHandlerTest, UnixSysLogHandlerTest and IPv6SysLogHandlerTest

/** CPython's expected packets, as hex (the peer prints `request.packet.hex()`). */
const SPAM_NUL = hex(new Uint8Array([...new TextEncoder().encode("<11>sp\xe4m"), 0]));
const SPAM = hex(new TextEncoder().encode("<11>sp\xe4m"));
const HAM_SPAM = hex(new TextEncoder().encode("<11>h\xe4m-sp\xe4m"));

/** SysLogHandlerTest.setUp: CPython's TestUDPServer (IPv4 or IPv6) and a SysLogHandler to it. */
async function syslogSetUp(kind: string, host: string) {
  const server = await cpythonServer(kind, [host, 0]);
  const slHdlr = new SysLogHandler({ address: server.address as [string, number] });
  return { server, slHdlr, tearDown: setUp(slHdlr) };
}

const SYSLOG_VARIANTS = [
  ["SysLogHandlerTest", "syslog", "localhost"],
  ["IPv6SysLogHandlerTest", "syslog6", "::1"],
] as const;

for (const [cls, kind, host] of SYSLOG_VARIANTS) {
  const ignore = !(kind === "syslog6" ? hasIPv6 : hasPython);

  Deno.test({
    name: `${cls}.test_output: CPython's server receives <PRI>, ident, the UTF-8 message and ` +
      `the NUL, as appendNul and ident are changed`,
    ignore,
    async fn() {
      const { server, slHdlr, tearDown } = await syslogSetUp(kind, host);
      try {
        // The log message sent to the SysLogHandler is properly received.
        const logger = getLogger("slh");
        logger.error("sp\xe4m");
        assertEquals((await server.next()).packet, SPAM_NUL);
        slHdlr.appendNul = false; // Python's append_nul
        logger.error("sp\xe4m");
        assertEquals((await server.next()).packet, SPAM);
        slHdlr.ident = "h\xe4m-";
        logger.error("sp\xe4m");
        assertEquals((await server.next()).packet, HAM_SPAM);
      } finally {
        await server.stop();
        await tearDown();
      }
    },
  });

  Deno.test({
    name: `${cls}.test_udp_reconnection: a closed SysLogHandler sends the next record again`,
    ignore,
    async fn() {
      const { server, slHdlr, tearDown } = await syslogSetUp(kind, host);
      try {
        const logger = getLogger("slh");
        await slHdlr.close();
        logger.error("sp\xe4m");
        assertEquals((await server.next()).packet, SPAM_NUL);
      } finally {
        await server.stop();
        await tearDown();
      }
    },
  });
}

Deno.test({
  name: "UnixSysLogHandlerTest.test_output: CPython's Unix datagram server receives <PRI>, " +
    "ident, the UTF-8 message and the NUL, as appendNul and ident are changed (--unstable-net)",
  ignore: !hasPython,
  fn: () =>
    withTempDir(async (dir) => {
      const server = await cpythonServer("syslogunix", `${dir}/test_logging.sock`);
      try {
        await runWithUnstableNet(
          `import { SysLogHandler } from "${url("../handlers/syslog.ts")}";`,
          `new SysLogHandler({ address: ${JSON.stringify(server.address)} })`,
          `const logger = getLogger("slh");
logger.error("sp\\xe4m");
await h.flush();
h.appendNul = false;
logger.error("sp\\xe4m");
await h.flush();
h.ident = "h\\xe4m-";
logger.error("sp\\xe4m");
await h.flush();`,
        );
        assertEquals((await server.next()).packet, SPAM_NUL);
        assertEquals((await server.next()).packet, SPAM);
        assertEquals((await server.next()).packet, HAM_SPAM);
      } finally {
        await server.stop();
      }
    }),
});

Deno.test({
  name: "UnixSysLogHandlerTest.test_udp_reconnection: a closed SysLogHandler sends the next " +
    "record to the Unix datagram socket again (--unstable-net)",
  ignore: !hasPython,
  fn: () =>
    withTempDir(async (dir) => {
      const server = await cpythonServer("syslogunix", `${dir}/test_logging.sock`);
      try {
        await runWithUnstableNet(
          `import { SysLogHandler } from "${url("../handlers/syslog.ts")}";`,
          `new SysLogHandler({ address: ${JSON.stringify(server.address)} })`,
          `const logger = getLogger("slh");
await h.close();
logger.error("sp\\xe4m");
await h.flush();`,
        );
        assertEquals((await server.next()).packet, SPAM_NUL);
      } finally {
        await server.stop();
      }
    }),
});

// ---------------------------------------------------------------------------------------------
// HTTPHandlerTest

/** The certificate of CPython's `certdata/keycert.pem` (for localhost), which its server uses. */
async function cpythonLocalhostCert(): Promise<string> {
  const path = await runPython<string>(
    `import json, os, test.test_logging as t
print(json.dumps(os.path.join(os.path.dirname(t.__file__), "certdata", "keycert.pem")))`,
  );
  const pem = await Deno.readTextFile(path);
  return pem.slice(pem.indexOf("-----BEGIN CERTIFICATE-----"));
}

Deno.test({
  name: "HTTPHandlerTest.test_output: CPython's HTTP(S) server gets each record's fields by GET " +
    "and by POST, with the method switched between records",
  ignore: !hasPython,
  async fn() {
    const logger = getLogger("http");
    root.setLevel(DEBUG);
    const cert = await cpythonLocalhostCert();
    try {
      // A function named like CPython's test method: the records' funcName is its name.
      await (async function test_output() {
        for (const secure of [false, true]) {
          const server = await cpythonServer(secure ? "https" : "http", ["localhost", 0]);
          const host = `localhost:${(server.address as [string, number])[1]}`;
          // CPython: ssl.create_default_context(cafile=localhost_cert)
          const context = secure ? { caCerts: [cert] } : null;
          const hHdlr = new HTTPHandler(host, "/frob", {
            secure,
            context,
            credentials: ["foo", "bar"],
          });
          root.addHandler(hHdlr);
          try {
            for (const method of ["GET", "POST"] as const) {
              hHdlr.method = method;
              const msg = "sp\xe4m";
              logger.error(msg);
              const logData = await server.next();
              assertEquals(logData.path, "/frob");
              assertEquals(logData.command, method);
              const d = logData.d as Record<string, string[]>;
              assertEquals(d.name, ["http"]);
              assertEquals(d.funcName, ["test_output"]);
              assertEquals(d.msg, [msg]);
              // What CPython's handler sends besides (not asserted by CPython's test).
              assertEquals(
                logData.content_type,
                method === "POST" ? "application/x-www-form-urlencoded" : null,
              );
              assertEquals(logData.authorization, `Basic ${btoa("foo:bar")}`);
            }
          } finally {
            await server.stop();
            root.removeHandler(hHdlr);
            await hHdlr.close();
          }
        }
      })();
    } finally {
      resetLogging();
    }
  },
});

// ---------------------------------------------------------------------------------------------
// SMTPHandlerTest

Deno.test({
  name: "SMTPHandlerTest.test_basic: CPython's SMTP server gets the mail: sender, recipients, " +
    "Subject header and the UTF-8 message as the body",
  ignore: !hasPython,
  async fn() {
    const server = await cpythonServer("smtp", ["localhost", 0]);
    const addr = server.address as [string, number];
    const h = new SMTPHandler({
      mailhost: addr,
      fromaddr: "me",
      toaddrs: "you",
      subject: "Log",
      timeout: LONG_TIMEOUT,
    });
    try {
      assertEquals(h.toaddrs, ["you"]);
      const r = makeLogRecord({ msg: "Hello \u2713" });
      h.handle(r);
      const message = await server.next();
      const { mailfrom, rcpttos, data } = message as {
        mailfrom: string;
        rcpttos: string[];
        data: string;
      };
      assertEquals(mailfrom, "me");
      assertEquals(rcpttos, ["you"]);
      assertStringIncludes(data, "\nSubject: Log\n");
      assert(data.endsWith("\n\nHello \u2713"), JSON.stringify(data));
    } finally {
      await h.close();
      await server.stop();
    }
  },
});

// ---------------------------------------------------------------------------------------------
// NTEventLogHandlerTest

/**
 * CPython's NTEventLogHandler with pywin32 stood in for by two modules that record its calls:
 * what CPython asks the event log to do for the same record.
 */
const CPYTHON_NT_EVENT_LOG = String.raw`
import json, sys, types, logging, logging.handlers
calls = []
welu = types.ModuleType("win32evtlogutil")
welu.__file__ = r"C:\Python\Lib\site-packages\win32\lib\win32evtlogutil.py"
welu.AddSourceToRegistry = lambda appname, dllname, logtype: calls.append(
    ["AddSourceToRegistry", appname, logtype])
welu.ReportEvent = lambda appname, id, cat, type, strings: calls.append(
    ["ReportEvent", appname, id, cat, type, strings])
evt = types.ModuleType("win32evtlog")
evt.EVENTLOG_ERROR_TYPE, evt.EVENTLOG_WARNING_TYPE, evt.EVENTLOG_INFORMATION_TYPE = 1, 2, 4
sys.modules["win32evtlogutil"] = welu
sys.modules["win32evtlog"] = evt
h = logging.handlers.NTEventLogHandler('test_logging')
r = logging.makeLogRecord({'msg': 'Test Log Message'})
h.handle(r)
h.close()
print(json.dumps({"calls": calls, "types": {"1": "Error", "2": "Warning", "4": "Information"}}))
`;

Deno.test({
  name: "NTEventLogHandlerTest.test_basic: the source is registered in the Application log and " +
    "the record written as CPython writes it (through the injected runner)",
  ignore: !hasPython,
  async fn() {
    // CPython writes with pywin32 and reads the event back from the Windows event log. Here
    // the commands go to a runner that records them (the event log cannot run here), and
    // they are compared with what CPython asks pywin32 to do for the same record.
    const py = await runPython<{ calls: unknown[][]; types: Record<string, string> }>(
      CPYTHON_NT_EVENT_LOG,
    );
    const calls: { program: string; env: Record<string, string> }[] = [];
    const h = new NTEventLogHandler("test_logging", {
      runner: (program, _args, env) => {
        calls.push({ program, env });
        return Promise.resolve({ code: 0, stderr: "" });
      },
    });
    const r = makeLogRecord({ msg: "Test Log Message" });
    h.handle(r);
    await h.close();
    const [register, report] = py.calls as [
      [string, string, string],
      [string, string, number, number, number, string[]],
    ];
    assertEquals(register[0], "AddSourceToRegistry");
    assertEquals(report[0], "ReportEvent");
    assertEquals(calls.length, 2);
    assertEquals(calls.map((c) => c.program), ["powershell.exe", "powershell.exe"]);
    // Registration: the source and the log (CPython: AddSourceToRegistry(appname, dll, logtype)).
    assertEquals(
      [calls[0].env.LOGHANDLERS_SOURCE, calls[0].env.LOGHANDLERS_LOGTYPE],
      [register[1], register[2]],
    );
    // The event: ReportEvent(appname, id, category, type, [message]).
    const e = calls[1].env;
    assertEquals(
      [
        e.LOGHANDLERS_SOURCE,
        Number(e.LOGHANDLERS_EVENT_ID),
        Number(e.LOGHANDLERS_CATEGORY),
        e.LOGHANDLERS_ENTRY_TYPE,
        [e.LOGHANDLERS_MESSAGE],
      ],
      [report[1], report[2], report[3], py.types[String(report[4])], report[5]],
    );
    assertEquals(e.LOGHANDLERS_LOGTYPE, "Application");
  },
});
