/**
 * SysLogHandler against a real rsyslogd: UDP, TCP with octet counting, TCP with LF framing and
 * a Unix stream socket, in CPython's format and RFC 5424 / RFC 3164.
 */

import { makeLogRecord } from "../core/record.ts";
import { SysLogHandler, type SysLogHandlerOptions } from "../handlers/syslog.ts";
import { assert, assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { runScript } from "./helpers/collect.ts";

const RSYSLOGD = "/usr/sbin/rsyslogd";

async function rsyslogAvailable(): Promise<boolean> {
  try {
    await Deno.stat(RSYSLOGD);
    return true;
  } catch {
    if (Deno.env.get("CI") === "true") {
      throw new Error(`${RSYSLOGD} (Debian package rsyslog) is required under CI=true`);
    }
    console.error(`!!! ${RSYSLOGD} not found: the rsyslog interop tests are SKIPPED`);
    return false;
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = l.addr.port;
  l.close();
  return port;
}

interface Rsyslog {
  dir: string;
  udpPort: number;
  tcpPort: number;
  socketPath: string;
  /** A Unix datagram socket (imuxsock). */
  dgramPath: string;
  /** The output lines, waiting until one contains `part` (or `ms` pass). */
  waitFor(part: string, ms?: number): Promise<string[]>;
  stop(): Promise<void>;
}

const TEMPLATE = "%inputname%|%syslogfacility-text%|%syslogseverity-text%|%app-name%|%procid%|" +
  "%msgid%|%structured-data%|%msg%\\n";

async function startRsyslog(ports: { udpPort?: number; tcpPort?: number } = {}): Promise<Rsyslog> {
  const dir = await Deno.makeTempDir({ prefix: "rsyslog_test_" });
  const udpPort = ports.udpPort ?? freePort();
  const tcpPort = ports.tcpPort ?? freePort();
  const socketPath = `${dir}/log.sock`;
  const dgramPath = `${dir}/dgram.sock`;
  const out = `${dir}/out.log`;
  const conf = `
global(workDirectory="${dir}" maxMessageSize="64k")
module(load="imudp")
module(load="imptcp")
module(load="imuxsock" SysSock.Use="off")
template(name="fields" type="string" string="${TEMPLATE}")
ruleset(name="toFile") {
  action(type="omfile" file="${out}" template="fields" flushOnTXEnd="on" asyncWriting="off")
}
input(type="imudp" address="127.0.0.1" port="${udpPort}" ruleset="toFile")
input(type="imptcp" address="127.0.0.1" port="${tcpPort}" ruleset="toFile"
      SupportOctetCountedFraming="on")
input(type="imptcp" path="${socketPath}" unlink="on" ruleset="toFile"
      SupportOctetCountedFraming="on")
input(type="imuxsock" Socket="${dgramPath}" Ruleset="toFile" UseSpecialParser="off"
      CreatePath="off")
`;
  await Deno.writeTextFile(`${dir}/rsyslog.conf`, conf);
  const child = new Deno.Command(RSYSLOGD, {
    args: ["-n", "-f", `${dir}/rsyslog.conf`, "-i", `${dir}/rsyslogd.pid`],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const lines = async () => {
    try {
      return (await Deno.readTextFile(out)).split("\n").filter((l) => l !== "");
    } catch {
      return [];
    }
  };
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      child.kill("SIGTERM");
    } catch {
      // already gone
    }
    await output;
    await Deno.remove(dir, { recursive: true });
  };
  // Wait until the TCP port and the socket accept.
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port: tcpPort })).close();
      (await Deno.connect({ transport: "unix", path: socketPath })).close();
      break;
    } catch (error) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`rsyslogd did not start: ${error}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    dir,
    udpPort,
    tcpPort,
    socketPath,
    dgramPath,
    async waitFor(part: string, ms = 5000): Promise<string[]> {
      const end = Date.now() + ms;
      let got = await lines();
      while (!got.some((l) => l.includes(part)) && Date.now() < end) {
        await new Promise((r) => setTimeout(r, 20));
        got = await lines();
      }
      return got;
    },
    stop,
  };
}

/** Waits until the socket at `path` exists (imuxsock binds it when rsyslogd starts), 2 s at most. */
async function untilBound(path: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await Deno.stat(path);
      break;
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Sends one record through a new handler, closes it, and returns rsyslog's line for it. */
async function send(
  rs: Rsyslog,
  options: SysLogHandlerOptions,
  fields: Record<string, unknown>,
  marker: string,
): Promise<string[]> {
  const errors: unknown[] = [];
  const h = new SysLogHandler(options);
  h.handleError = (_r, e) => void errors.push(e);
  try {
    h.handle(makeLogRecord({ name: "t", args: [], ...fields }));
    await h.flush();
  } finally {
    await h.close();
  }
  assertEquals(errors, []);
  const line = (await rs.waitFor(marker)).find((l) => l.includes(marker));
  assert(line !== undefined, `rsyslog did not log ${marker}`);
  const f = line.split("|");
  f[7] = f.slice(7).join("|");
  return f.slice(0, 8);
}

const RFC: SysLogHandlerOptions = { format: "rfc5424", appName: "billing", hostname: "box" };
const RFC3164: SysLogHandlerOptions = { format: "rfc3164", hostname: "box", appName: "cron" };
const SD = { "order@32473": { id: 17, note: 'a "quoted" \\ ] value' } };

Deno.test("rsyslogd receives SysLogHandler messages over UDP, TCP (octet counting and LF) and a Unix socket", async () => {
  if (!(await rsyslogAvailable())) return;
  const rs = await startRsyslog();
  try {
    const udp: [string, number] = ["127.0.0.1", rs.udpPort];
    const tcp: [string, number] = ["127.0.0.1", rs.tcpPort];

    // UDP may not be bound yet when TCP accepts: probe until a datagram arrives.
    for (let i = 0; i < 50; i++) {
      const h = new SysLogHandler({ address: udp });
      h.handle(makeLogRecord({ name: "t", msg: "probe", levelno: 20, levelname: "INFO" }));
      await h.close();
      const got = await rs.waitFor("imudp|", 100);
      if (got.some((l) => l.startsWith("imudp|"))) break;
    }

    // CPython's own bytes over UDP: facility and severity from PRI, the tag from ident.
    assertEquals(
      await send(rs, { address: udp, facility: "local4", ident: "pyapp: " }, {
        msg: "python format %s",
        args: ["udp"],
        levelno: 40,
        levelname: "ERROR",
      }, "python format udp"),
      // rsyslog keeps the space after an RFC 3164 TAG in %msg%.
      ["imudp", "local4", "err", "pyapp", "-", "-", "-", " python format udp"],
    );

    // RFC 5424 over UDP with structured data (rsyslog keeps the MSG's BOM in %msg%).
    assertEquals(
      await send(rs, { ...RFC, address: udp, facility: "local0" }, {
        msg: "rfc5424 über udp",
        levelno: 30,
        levelname: "WARNING",
        process: 101,
        msgid: "PAY",
        structuredData: SD,
      }, "rfc5424 über udp"),
      [
        "imudp",
        "local0",
        "warning",
        "billing",
        "101",
        "PAY",
        '[order@32473 id="17" note="a \\"quoted\\" \\\\ \\] value"]',
        "\uFEFFrfc5424 über udp",
      ],
    );

    // RFC 5424 over TCP, octet-counted (the default framing for RFC formats).
    assertEquals(
      await send(rs, { ...RFC, address: tcp, socktype: "tcp", facility: "daemon" }, {
        msg: "octet counted\nsecond line",
        levelno: 50,
        levelname: "CRITICAL",
        process: 202,
        msgid: "OC",
      }, "octet counted"),
      [
        "imptcp",
        "daemon",
        "crit",
        "billing",
        "202",
        "OC",
        "-",
        "\uFEFFoctet counted#012second line",
      ],
    );

    // RFC 5424 over TCP, LF-framed.
    assertEquals(
      await send(
        rs,
        { ...RFC, address: tcp, socktype: "tcp", framing: "lf", facility: "auth" },
        { msg: "lf framed", levelno: 10, levelname: "DEBUG", process: 303 },
        "lf framed",
      ),
      ["imptcp", "auth", "debug", "billing", "303", "-", "-", "\uFEFFlf framed"],
    );

    // RFC 3164 over TCP, LF-framed.
    assertEquals(
      await send(
        rs,
        { ...RFC3164, address: tcp, socktype: "tcp", framing: "lf" },
        { msg: "rfc3164 tcp", levelno: 20, levelname: "INFO", process: 404 },
        "rfc3164 tcp",
      ),
      ["imptcp", "user", "info", "cron", "404", "-", "-", " rfc3164 tcp"],
    );

    // RFC 5424 over the Unix socket (a stream socket: the datagram attempt falls back).
    assertEquals(
      await send(rs, { ...RFC, address: rs.socketPath, facility: "local7" }, {
        msg: "unix socket",
        levelno: 20,
        levelname: "INFO",
        process: 505,
        msgid: "UX",
      }, "unix socket"),
      ["imptcp", "local7", "info", "billing", "505", "UX", "-", "\uFEFFunix socket"],
    );
  } finally {
    await rs.stop();
  }
});

Deno.test("SysLogHandler reconnects to a restarted rsyslogd over TCP and resends what waited", async () => {
  if (!(await rsyslogAvailable())) return;
  let rs = await startRsyslog();
  const errors: string[] = [];
  const h = new SysLogHandler({
    ...RFC,
    address: ["127.0.0.1", rs.tcpPort],
    socktype: "tcp",
    retryStart: 0.05,
    retryMax: 0.2,
  });
  h.handleError = (_r, e) => void errors.push(e instanceof Error ? e.message : String(e));
  const log = (msg: string) =>
    h.handle(makeLogRecord({ name: "t", msg, args: [], levelno: 20, levelname: "INFO" }));
  try {
    log("before restart");
    await h.flush();
    assert((await rs.waitFor("before restart")).some((l) => l.includes("before restart")));
    await rs.stop();
    log("during outage");
    // The first attempt fails and is reported; the record waits (flush() would wait for it).
    while (!(errors.length > 0)) await new Promise((r) => setTimeout(r, 5));
    assertEquals(errors.length, 1, errors.join("; "));
    assert(errors[0].includes(`127.0.0.1:${rs.tcpPort}`), errors[0]);
    rs = await startRsyslog({ tcpPort: rs.tcpPort });
    const lines = await rs.waitFor("during outage");
    assert(lines.some((l) => l.endsWith("|\uFEFFduring outage")), lines.join("\n"));
    log("after restart");
    await h.flush();
    assert((await rs.waitFor("after restart")).some((l) => l.endsWith("|\uFEFFafter restart")));
    assertEquals(h.dropped, 0);
    assertEquals(errors.length, 1);
  } finally {
    await h.close();
    await rs.stop();
  }
});

Deno.test("rsyslogd's imuxsock receives SysLogHandler datagrams on a Unix datagram socket (--unstable-net)", async () => {
  if (!(await rsyslogAvailable())) return;
  const rs = await startRsyslog();
  let scriptDir: string | null = null;
  try {
    const url = (p: string) => new URL(p, import.meta.url).href;
    const script = `
import { SysLogHandler } from "${url("../handlers/syslog.ts")}";
import { makeLogRecord } from "${url("../core/record.ts")}";
const errors: string[] = [];
const result: Record<string, unknown> = {};
for (const format of ["python", "rfc5424"] as const) {
  const h = new SysLogHandler({ address: ${JSON.stringify(rs.dgramPath)}, facility: "local2",
    ident: "dg: ", format, hostname: "box", maxDatagramBytes: 512 });
  h.handleError = (_r, e) => void errors.push(String(e));
  h.handle(makeLogRecord({ name: "t", msg: format + " over unix datagram " + "x".repeat(600),
    args: [], levelno: 30, levelname: "WARNING", process: 606 }));
  await h.flush();
  result[format] = { socktype: h.socktype, truncated: h.truncated };
  await h.close();
}
console.log(JSON.stringify({ result, errors }));
`;
    // imuxsock binds its socket when it starts: wait for it.
    await untilBound(rs.dgramPath);
    const run = await runScript(script, ["--allow-all", "--unstable-net"]);
    scriptDir = run.dir;
    assertEquals(run.code, 0, run.stderr);
    const out = JSON.parse(run.stdout) as { result: unknown; errors: string[] };
    assertEquals(out.result, {
      python: { socktype: "udp", truncated: 1 },
      rfc5424: { socktype: "udp", truncated: 1 },
    });
    assertEquals(out.errors.length, 2);
    assert(out.errors.every((e) => e.includes("to maxDatagramBytes (512)")), out.errors.join());
    const lines = await rs.waitFor("rfc5424 over unix datagram");
    const py = lines.find((l) => l.includes("python over unix datagram"));
    const rfc = lines.find((l) => l.includes("rfc5424 over unix datagram"));
    assert(py !== undefined && rfc !== undefined, lines.join("\n"));
    assertEquals(py.split("|").slice(0, 4), ["imuxsock", "local2", "warning", "dg"]);
    assertEquals(rfc.split("|").slice(0, 6), ["imuxsock", "local2", "warning", "dg", "606", "-"]);
  } finally {
    await rs.stop();
    if (scriptDir !== null) await Deno.remove(scriptDir, { recursive: true });
  }
});

Deno.test("rsyslogd's imuxsock receives SysLogHandler datagrams with only --unstable-net --allow-write=<socket> --allow-net=unix:<socket>", async () => {
  if (!(await rsyslogAvailable())) return;
  const rs = await startRsyslog();
  try {
    const url = (p: string) => new URL(p, import.meta.url).href;
    const script = `
import { SysLogHandler } from "${url("../handlers/syslog.ts")}";
import { makeLogRecord } from "${url("../core/record.ts")}";
const errors: string[] = [];
const h = new SysLogHandler({ address: ${JSON.stringify(rs.dgramPath)}, ident: "narrow: " });
h.handleError = (_r, e) => void errors.push(String(e));
h.handle(makeLogRecord({ name: "t", msg: "with narrow flags", args: [], levelno: 40,
  levelname: "ERROR" }));
await h.close();
console.log(JSON.stringify({ socktype: h.socktype, errors }));
`;
    await untilBound(rs.dgramPath);
    const path = rs.dgramPath;
    const run = await runScript(script, [
      "--no-prompt",
      "--unstable-net",
      `--allow-write=${path}`,
      `--allow-net=unix:${path}`,
    ]);
    await Deno.remove(run.dir, { recursive: true });
    assertEquals(run.code, 0, run.stderr);
    assertEquals(JSON.parse(run.stdout), { socktype: "udp", errors: [] });
    const line = (await rs.waitFor("with narrow flags")).find((l) =>
      l.includes("with narrow flags")
    );
    assertEquals(line?.split("|").slice(0, 4), ["imuxsock", "user", "err", "narrow"]);
  } finally {
    await rs.stop();
  }
});

Deno.test("rsyslogd logs exactly one record per call under LF framing: a newline in any field shows as #012 and forges nothing", async () => {
  if (!(await rsyslogAvailable())) return;
  const rs = await startRsyslog();
  // After each newline comes a complete, valid syslog header claiming APP-NAME "forged".
  const forged5424 = "\n<11>1 2026-01-01T00:00:00Z evilhost forged 666 FORGED - injected";
  const forged3164 = "\n<11>Jan  1 00:00:00 evilhost forged[666]: injected";
  const tcp: [string, number] = ["127.0.0.1", rs.tcpPort];
  const calls: {
    marker: string;
    options: SysLogHandlerOptions;
    fields: Record<string, unknown>;
  }[] = [
    {
      marker: "call-1-python-message",
      options: { address: tcp, socktype: "tcp", framing: "lf", appendNul: false },
      fields: { msg: "call-1-python-message" + forged3164 + "\r\n" + forged5424 },
    },
    {
      marker: "call-2-python-ident",
      options: {
        address: tcp,
        socktype: "tcp",
        framing: "lf",
        appendNul: false,
        ident: "pyapp:" + forged3164 + "\0 ",
      },
      fields: { msg: "call-2-python-ident" },
    },
    {
      marker: "call-3-rfc5424-message",
      options: { ...RFC, address: tcp, socktype: "tcp", framing: "lf" },
      fields: { msg: "call-3-rfc5424-message" + forged5424, process: 7 },
    },
    {
      marker: "call-4-rfc5424-fields",
      options: {
        address: tcp,
        socktype: "tcp",
        framing: "lf",
        format: "rfc5424",
        appName: "billing" + forged5424,
        hostname: "box" + forged5424,
        procid: "9" + forged5424,
      },
      fields: {
        msg: "call-4-rfc5424-fields",
        msgid: "PAY" + forged5424,
        structuredData: {
          ["order@32473" + forged5424]: { ["note" + forged5424]: "value" + forged5424 + "]" },
        },
      },
    },
    {
      marker: "call-5-rfc5424-process",
      options: { ...RFC, address: tcp, socktype: "tcp", framing: "lf" },
      fields: { msg: "call-5-rfc5424-process", process: "5" + forged5424 },
    },
    {
      marker: "call-6-rfc3164-message",
      options: { ...RFC3164, address: tcp, socktype: "tcp", framing: "lf" },
      fields: { msg: "call-6-rfc3164-message" + forged3164, process: 8 },
    },
  ];
  try {
    for (const { options, fields } of calls) {
      const errors: unknown[] = [];
      const h = new SysLogHandler(options);
      h.handleError = (_r, e) => void errors.push(e);
      try {
        h.handle(makeLogRecord({ name: "t", args: [], levelno: 20, levelname: "INFO", ...fields }));
        await h.flush();
      } finally {
        await h.close();
      }
      assertEquals(errors, []);
    }
    // A last, plain record on a connection of its own, then every record has to be there.
    const last = new SysLogHandler({ ...RFC, address: tcp, socktype: "tcp", framing: "lf" });
    try {
      last.handle(makeLogRecord({ name: "t", msg: "call-7-end", args: [], levelno: 20 }));
      await last.flush();
    } finally {
      await last.close();
    }
    for (const { marker } of calls) await rs.waitFor(marker, 2000);
    const lines = (await rs.waitFor("call-7-end")).filter((l) => l.startsWith("imptcp|"));
    const forged = lines.filter((l) => l.split("|")[3] === "forged" || l.includes("|injected"));
    assertEquals(forged, [], `rsyslog logged ${forged.length} forged record(s)`);
    assertEquals(lines.length, calls.length + 1, lines.join("\n"));
    for (const { marker } of calls) {
      const mine = lines.filter((l) => l.includes(marker));
      assertEquals(mine.length, 1, `${marker}: ${mine.join("\n")}`);
    }
    const fields = (m: string) => lines.find((l) => l.includes(m))!.split("|");
    // Free text (message, ident, structured-data values): the newline is still there to read,
    // as the text rsyslog itself shows for one (and as it shows it under octet counting).
    assertStringIncludes(fields("call-1")[7], "injected#015#012#012<11>1 2026-01-01T00:00:00Z");
    assertEquals(fields("call-2")[3], "pyapp");
    assertEquals(
      fields("call-2")[7],
      "#012<11>Jan  1 00:00:00 evilhost forged[666]: injected#000 call-2-python-ident",
    );
    assertEquals(
      fields("call-3")[7],
      `\uFEFFcall-3-rfc5424-message${forged5424.replace("\n", "#012")}`,
    );
    assertStringIncludes(fields("call-4")[6], `="value${forged5424.replace("\n", "#012")}\\]"]`);
    assertEquals(fields("call-6")[7], ` call-6-rfc3164-message${forged3164.replace("\n", "#012")}`);
    // Header fields keep RFC 5424's printable US-ASCII: a newline or space is sent as "_".
    assertEquals(fields("call-4").slice(3, 6), [
      "billing_<11>1_2026-01-01T00:00:00Z_evilhost_forg",
      "9_<11>1_2026-01-01T00:00:00Z_evilhost_forged_666_FORGED_-_injected",
      "PAY_<11>1_2026-01-01T00:00:00Z_e",
    ]);
    assertEquals(
      fields("call-5")[4],
      "5_<11>1_2026-01-01T00:00:00Z_evilhost_forged_666_FORGED_-_injected",
    );
  } finally {
    await rs.stop();
  }
});

Deno.test("rsyslogd reads one record per octet-counted frame whatever the message holds", async () => {
  if (!(await rsyslogAvailable())) return;
  const rs = await startRsyslog();
  const tcp: [string, number] = ["127.0.0.1", rs.tcpPort];
  // Line breaks, a NUL, a lone surrogate and text shaped like the next frame's length prefix.
  const payload = "\n<11>1 2026-01-01T00:00:00Z evilhost forged 666 FORGED - injected\r\n\0" +
    "\uD800 12 <11>forged: injected\n";
  try {
    for (const options of [{ ...RFC }, { ident: "pyapp: ", framing: "octet-counting" as const }]) {
      const errors: unknown[] = [];
      const h = new SysLogHandler({ ...options, address: tcp, socktype: "tcp" });
      h.handleError = (_r, e) => void errors.push(e);
      try {
        for (const n of [1, 2]) {
          h.handle(
            makeLogRecord({ name: "t", msg: `octet-${n}${payload}`, args: [], levelno: 20 }),
          );
        }
        await h.flush();
      } finally {
        await h.close();
      }
      assertEquals(errors, []);
      await rs.waitFor(`|${"ident" in options ? " " : "\uFEFF"}octet-2`);
    }
    const lines = (await rs.waitFor("pyapp|-|-|-| octet-2")).filter((l) => l.startsWith("imptcp|"));
    assertEquals(lines.length, 4, lines.join("\n"));
    assertEquals(lines.filter((l) => l.split("|")[3] === "forged"), []);
    // rsyslog shows the control characters it received escaped; the frames stay whole.
    for (const l of lines) {
      assertStringIncludes(
        l,
        "#012<11>1 2026-01-01T00:00:00Z evilhost forged 666 FORGED - injected",
      );
      assertStringIncludes(l, "\uFFFD 12 <11>forged: injected");
    }
  } finally {
    await rs.stop();
  }
});
