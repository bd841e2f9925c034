/**
 * SMTPHandler against a real SMTP server over loopback (`npm:smtp-server`, with STARTTLS,
 * implicit TLS and AUTH, its certificate signed by a CA made at test time with `openssl`):
 * envelope, headers and body as received, dot-stuffing, TLS verification, AUTH PLAIN and
 * LOGIN, failures reported without blocking the caller, header injection, batching.
 */

import { testCertificates } from "./helpers/tls.ts";
// @ts-types="npm:@types/smtp-server@3.5.13"
import { SMTPServer, type SMTPServerOptions } from "npm:smtp-server@3.21.6";
import { makeLogRecord } from "../core/record.ts";
import { runScript } from "./helpers/collect.ts";
import { concat } from "./helpers/bytes.ts";
import { acceptAll } from "./helpers/tcp_peer.ts";
import type { LogRecord } from "../core/record.ts";
import { SMTPHandler, type SMTPHandlerOptions } from "../handlers/smtp.ts";
import { SmtpClient, SmtpError } from "../core/io/smtp_client.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./helpers/assert.ts";

const HOST = "127.0.0.1";

const certs = await testCertificates("the TLS tests of smtp_test.ts");

/** A mail server that offers neither STARTTLS nor AUTH: plain text, no login. */
const NO_TLS_NO_AUTH: Partial<SMTPServerOptions> = { disabledCommands: ["STARTTLS", "AUTH"] };

interface Mail {
  from: string;
  to: string[];
  raw: string;
  user: string | undefined;
  secure: boolean;
}

interface Server {
  port: number;
  mails: Mail[];
  connections: number;
  authAttempts: { method: string; ok: boolean }[];
  nextMail(): Promise<Mail>;
  close(): Promise<void>;
}

async function startServer(options: Partial<SMTPServerOptions> = {}): Promise<Server> {
  const mails: Mail[] = [];
  const waiting: ((m: Mail) => void)[] = [];
  const state: Server = {
    port: 0,
    mails,
    connections: 0,
    authAttempts: [],
    nextMail: () =>
      new Promise((resolve) => {
        const m = mails.length > taken ? mails[taken] : undefined;
        if (m !== undefined) {
          taken++;
          resolve(m);
        } else waiting.push((mail) => resolve(mail));
      }),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  let taken = 0;
  const server = new SMTPServer({
    logger: false,
    disableReverseLookup: true,
    key: certs?.key,
    cert: certs?.cert,
    authOptional: true,
    authMethods: ["PLAIN", "LOGIN"],
    onConnect(_session, callback) {
      state.connections++;
      callback();
    },
    onAuth(auth, _session, callback) {
      const ok = auth.username === "alice" && auth.password === "s3cret é";
      state.authAttempts.push({ method: auth.method, ok });
      if (ok) callback(null, { user: auth.username });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Uint8Array[] = [];
      stream.on("data", (c: Uint8Array) => chunks.push(c));
      stream.on("end", () => {
        const raw = new TextDecoder().decode(concat(chunks));
        const mail: Mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          user: session.user as string | undefined,
          secure: session.secure,
        };
        mails.push(mail);
        const w = waiting.shift();
        if (w) {
          taken++;
          w(mail);
        }
        callback();
      });
    },
    ...options,
  });
  // A client that rejects the certificate makes the server report an error: expected here.
  server.on("error", () => {});
  await new Promise<void>((resolve) => server.listen(0, HOST, () => resolve()));
  state.port = (server.server.address() as { port: number }).port;
  return state;
}

/** An SMTPHandler that keeps what it reports instead of printing it. */
class ProbeHandler extends SMTPHandler {
  errors: Error[] = [];
  #waiters: (() => void)[] = [];
  override handleError(_record: LogRecord | null, error: unknown): void {
    this.errors.push(error instanceof Error ? error : new Error(String(error)));
    for (const w of this.#waiters.splice(0)) w();
  }
  /** Resolves at the next reported error (or at once if one is already there). */
  nextError(): Promise<Error> {
    const n = this.errors.length;
    return new Promise((resolve) => {
      const check = () =>
        n < this.errors.length ? resolve(this.errors[n]) : this.#waiters.push(check);
      check();
    });
  }
}

function handler(port: number, options: Partial<SMTPHandlerOptions> = {}): ProbeHandler {
  return new ProbeHandler({
    mailhost: [HOST, port],
    fromaddr: "Logger <app@example.com>",
    toaddrs: ["ops@example.com", "dev@example.org"],
    subject: "Alert",
    closeTimeout: 300,
    retryStart: 60,
    ...options,
  });
}

/**
 * Starts a mail server with `serverOptions` and a handler on it with `handlerOptions`, runs `fn`,
 * then closes the handler and the server; resolves with the errors the handler reported.
 */
async function session(
  serverOptions: Partial<SMTPServerOptions>,
  handlerOptions: Partial<SMTPHandlerOptions>,
  fn: (h: ProbeHandler, server: Server) => Promise<void>,
): Promise<Error[]> {
  const server = await startServer(serverOptions);
  const h = handler(server.port, handlerOptions);
  try {
    await fn(h, server);
  } finally {
    await h.close();
    await server.close();
  }
  return h.errors;
}

function headers(raw: string): Map<string, string> {
  const head = raw.slice(0, raw.indexOf("\r\n\r\n")).replace(/\r\n[ \t]/g, " ");
  const out = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const i = line.indexOf(":");
    out.set(line.slice(0, i).toLowerCase(), line.slice(i + 1).trim());
  }
  return out;
}

function body(raw: string): string {
  return raw.slice(raw.indexOf("\r\n\r\n") + 4);
}

function decodeWords(value: string): string {
  return value.replace(/=\?utf-8\?b\?([^?]*)\?=\s*/gi, (_, b64: string) => {
    const bin = atob(b64);
    return new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
  }).trim();
}

Deno.test("SMTPHandler sends the envelope, headers and UTF-8 body a mail server receives", async () => {
  const reported = await session(NO_TLS_NO_AUTH, {
    subject: "Ärger im Paradies – 🚨 disk full on host-42",
  }, async (h, server) => {
    const created = 1_700_000_000.25;
    h.handle(makeLogRecord({ msg: "Grüße %s\nline two\n.\n.x\n..y", args: ["Welt"], created }));
    const mail = await server.nextMail();
    assertEquals(mail.from, "app@example.com");
    assertEquals(mail.to, ["ops@example.com", "dev@example.org"]);
    const hs = headers(mail.raw);
    assertEquals(hs.get("from"), "Logger <app@example.com>");
    assertEquals(hs.get("to"), "ops@example.com, dev@example.org");
    assertMatch(hs.get("subject")!, /^=\?utf-8\?b\?/);
    assertEquals(decodeWords(hs.get("subject")!), "Ärger im Paradies – 🚨 disk full on host-42");
    assertEquals(new Date(hs.get("date")!).getTime(), 1_700_000_000_000);
    assertMatch(
      hs.get("date")!,
      /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d\d (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d\d:\d\d:\d\d [+-]\d{4}$/,
    );
    assertMatch(hs.get("message-id")!, /^<[0-9a-z.]+@example\.com>$/);
    assertEquals(hs.get("mime-version"), "1.0");
    assertEquals(hs.get("content-type"), 'text/plain; charset="utf-8"');
    assertEquals(hs.get("content-transfer-encoding"), "8bit");
    // Dot-stuffing undone by the server: the lines arrive as written, with CRLF endings.
    assertEquals(body(mail.raw), "Grüße Welt\r\nline two\r\n.\r\n.x\r\n..y\r\n");
    assert(!/[^\r]\n/.test(mail.raw), "every line ends with CRLF");
    for (const line of mail.raw.split("\r\n")) assert(new TextEncoder().encode(line).length <= 998);
  });
  assertEquals(reported.map(String), []);
});

Deno.test("SMTPHandler sends a body with a line over 998 bytes as base64, and ASCII subjects as is", async () => {
  const reported = await session(
    NO_TLS_NO_AUTH,
    { toaddrs: "ops@example.com" },
    async (h, server) => {
      const long = "é".repeat(700);
      h.handle(makeLogRecord({ msg: long }));
      const mail = await server.nextMail();
      const hs = headers(mail.raw);
      assertEquals(mail.to, ["ops@example.com"]);
      assertEquals(hs.get("subject"), "Alert");
      assertEquals(hs.get("content-transfer-encoding"), "base64");
      const bin = atob(body(mail.raw).replace(/\r\n/g, ""));
      assertEquals(new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0))), long);
    },
  );
  assertEquals(reported.map(String), []);
});

Deno.test({
  name:
    "SMTPHandler upgrades with STARTTLS, verifying the server against caCerts, and logs in with AUTH PLAIN",
  ignore: certs === null,
  fn: async () => {
    const reported = await session({}, {
      secure: { caCerts: [certs!.ca] },
      credentials: ["alice", "s3cret é"],
    }, async (h, server) => {
      h.handle(makeLogRecord({ msg: "over TLS" }));
      const mail = await server.nextMail();
      assertEquals(mail.secure, true);
      assertEquals(mail.user, "alice");
      assertEquals(server.authAttempts, [{ method: "PLAIN", ok: true }]);
      assertEquals(body(mail.raw), "over TLS\r\n");
    });
    assertEquals(reported.map(String), []);
  },
});

Deno.test({
  name: "SMTPHandler logs in with AUTH LOGIN when the server offers only LOGIN",
  ignore: certs === null,
  fn: async () => {
    const reported = await session({ authMethods: ["LOGIN"] }, {
      secure: { caCerts: [certs!.ca] },
      credentials: ["alice", "s3cret é"],
    }, async (h, server) => {
      h.handle(makeLogRecord({ msg: "login" }));
      const mail = await server.nextMail();
      assertEquals(mail.user, "alice");
      assertEquals(server.authAttempts, [{ method: "LOGIN", ok: true }]);
    });
    assertEquals(reported.map(String), []);
  },
});

Deno.test({
  name: "SMTPHandler speaks implicit TLS (port 465 style) with secure 'implicit'",
  ignore: certs === null,
  fn: async () => {
    const reported = await session({ secure: true }, {
      secure: { implicit: true, caCerts: [certs!.ca] },
      credentials: ["alice", "s3cret é"],
    }, async (h, server) => {
      h.handle(makeLogRecord({ msg: "implicit" }));
      const mail = await server.nextMail();
      assertEquals(mail.secure, true);
      assertEquals(mail.user, "alice");
    });
    assertEquals(reported.map(String), []);
  },
});

Deno.test({
  name: "SMTPHandler refuses a server certificate its CAs do not vouch for",
  ignore: certs === null,
  fn: async () => {
    await session({}, { secure: true, credentials: ["alice", "s3cret é"] }, async (h, server) => {
      const t0 = performance.now();
      h.handle(makeLogRecord({ msg: "must not leak" }));
      assert(performance.now() - t0 < 50);
      const error = await h.nextError();
      assertStringIncludes(error.message, "TLS");
      assertMatch(error.message, /certificate|UnknownIssuer/i);
      assertEquals(server.mails.length, 0);
      assertEquals(server.authAttempts.length, 0);
    });
  },
});

Deno.test({
  name: "SMTPHandler reports a wrong password through handleError without blocking handle()",
  ignore: certs === null,
  fn: async () => {
    await session({}, {
      secure: { caCerts: [certs!.ca] },
      credentials: ["alice", "wrong"],
    }, async (h, server) => {
      const t0 = performance.now();
      h.handle(makeLogRecord({ msg: "x" }));
      const took = performance.now() - t0;
      assert(took < 50, `handle() took ${took} ms`);
      const error = await h.nextError();
      assertStringIncludes(error.message, "refused AUTH PLAIN: 535");
      assertStringIncludes(error.message, "Invalid username or password");
      assert(!error.message.includes("wrong"), "the password is not in the error");
      assertEquals(server.mails.length, 0);
    });
  },
});

Deno.test("SMTPHandler reports a mail server that is down through handleError without blocking", async () => {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const port = listener.addr.port;
  listener.close();
  const h = handler(port);
  try {
    const t0 = performance.now();
    h.handle(makeLogRecord({ msg: "x" }));
    const took = performance.now() - t0;
    assert(took < 50, `handle() took ${took} ms`);
    const error = await h.nextError();
    assertStringIncludes(error.message, `Cannot connect to ${HOST}:${port}`);
  } finally {
    await h.close();
  }
});

Deno.test("SMTPHandler gives up on a mail server that never answers after the timeout", async () => {
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const silent = acceptAll(listener); // holds every connection and never answers
  const h = handler(listener.addr.port, { timeout: 0.5 });
  try {
    const t0 = performance.now();
    h.handle(makeLogRecord({ msg: "x" }));
    const took = performance.now() - t0;
    assert(took < 50, `handle() took ${took} ms`);
    const error = await h.nextError();
    const waited = performance.now() - t0;
    assertStringIncludes(error.message, "did not complete the reply to the greeting within 0.5 s");
    assert(waited >= 450 && waited < 3000, `reported after ${waited} ms`);
  } finally {
    await h.close();
    await silent.close();
  }
});

Deno.test("SMTPHandler refuses CR or LF in the subject and addresses at construction", () => {
  const base: SMTPHandlerOptions = {
    mailhost: HOST,
    fromaddr: "app@example.com",
    toaddrs: "ops@example.com",
    subject: "Alert",
  };
  const e1 = assertThrows(
    () => new SMTPHandler({ ...base, subject: "Hi\r\nBcc: x@evil.test" }),
    TypeError,
  );
  assertEquals(
    e1.message,
    `Cannot create SMTPHandler as 'subject' must not contain CR or LF (header injection): current value is "Hi\\r\\nBcc: x@evil.test"`,
  );
  assertThrows(
    () => new SMTPHandler({ ...base, fromaddr: "a@example.com\nBcc: x@evil.test" }),
    TypeError,
    "'fromaddr'",
  );
  assertThrows(
    () =>
      new SMTPHandler({
        ...base,
        toaddrs: ["ok@example.com", "b@example.com\r\nRCPT TO:<x@evil.test>"],
      }),
    TypeError,
    "'toaddrs[1]' must not contain CR or LF",
  );
  assertThrows(() => new SMTPHandler({ ...base, toaddrs: [] }), TypeError, "'toaddrs'");
  assertThrows(
    () => new SMTPHandler({ ...base, timeout: 0 }),
    RangeError,
    "'timeout' must be a number of seconds > 0",
  );
  assertThrows(
    () => new SMTPHandler({ ...base, batch: { maxRecords: 0 } }),
    RangeError,
    "'batch.maxRecords'",
  );
});

/** A mail server that records every MAIL FROM and RCPT TO it parses, with their parameters. */
async function recordingServer(): Promise<{ server: Server; seen: string[] }> {
  const seen: string[] = [];
  const server = await startServer({
    ...NO_TLS_NO_AUTH,
    onMailFrom(address, _session, callback) {
      seen.push(`MAIL FROM:<${address.address}> ${JSON.stringify(address.args)}`);
      callback();
    },
    onRcptTo(address, _session, callback) {
      seen.push(`RCPT TO:<${address.address}> ${JSON.stringify(address.args)}`);
      callback();
    },
  });
  return { server, seen };
}

Deno.test("SMTPHandler refuses an address that would inject ESMTP parameters, and nothing reaches the mail server", async () => {
  const { server, seen } = await recordingServer();
  const attacks: [option: string, options: Partial<SMTPHandlerOptions>, refusal: string][] = [
    [
      "fromaddr",
      { fromaddr: "app@example.com> RET=HDRS ENVID=pwned" },
      "must not contain '>' outside the one <address> at its end (ESMTP parameter injection)",
    ],
    [
      "toaddrs[0]",
      { toaddrs: ["ops@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;boss@evil.test"] },
      "must not contain '>' outside the one <address> at its end",
    ],
    [
      "toaddrs[1]",
      { toaddrs: ["ops@example.com", "Ops <dev@example.org> NOTIFY=SUCCESS>"] },
      "must not contain '>' outside the one <address> at its end",
    ],
    ["fromaddr", { fromaddr: "Logger <app@example.com> RET=FULL" }, "text after the closing '>'"],
    ["toaddrs[0]", { toaddrs: "ops@example.com NOTIFY=SUCCESS" }, "a space in the address"],
    ["toaddrs[0]", { toaddrs: "<ops@example.com" }, "'<' without its closing '>'"],
    ["toaddrs[0]", { toaddrs: "a <b@example.com> <c@example.com>" }, "a second '<'"],
    ["fromaddr", { fromaddr: 'Ops <"a>b"@example.com>' }, "'>' inside the address itself"],
    ["fromaddr", { fromaddr: '"Ops <app@example.com>' }, "an unterminated quoted string"],
    ["fromaddr", { fromaddr: "app@example.com\0" }, "must not contain NUL (U+0000)"],
    ["toaddrs[0]", { toaddrs: "ops@example.com\tx" }, "must not contain TAB (U+0009)"],
    ["toaddrs[0]", { toaddrs: "ops@example.com\x85" }, "the control character U+0085"],
    ["fromaddr", { fromaddr: "app@example.com\r\nBcc: x@evil.test" }, "CR or LF"],
  ];
  const refusals: string[] = [];
  try {
    for (const [option, options, refusal] of attacks) {
      try {
        const h = handler(server.port, options);
        h.handle(makeLogRecord({ msg: `sent with ${JSON.stringify(options)}` }));
        await h.flush();
        await h.close();
        refusals.push(`${option} was not refused: ${JSON.stringify(options)}`);
      } catch (error) {
        assert(error instanceof TypeError, String(error));
        assertStringIncludes(error.message, `Cannot create SMTPHandler as '${option}' `);
        assertStringIncludes(error.message, refusal);
        assertStringIncludes(error.message, ": current value is ");
      }
    }
    // Nothing reached the server: no parameter injected into MAIL FROM or RCPT TO.
    assertEquals(seen, []);
    assertEquals(server.connections, 0);
    assertEquals(refusals, []);
  } finally {
    await server.close();
  }
});

Deno.test("SMTPHandler still sends with display names, quoted names and the checked addresses it keeps", async () => {
  const { server, seen } = await recordingServer();
  const h = handler(server.port, {
    fromaddr: '"Doe, John <ops>" <john@example.com>',
    toaddrs: ["Ops Team <ops@example.com>", " dev@example.org "],
  });
  try {
    h.handle(makeLogRecord({ msg: "display names" }));
    const mail = await server.nextMail();
    assertEquals(seen, [
      "MAIL FROM:<john@example.com> false",
      "RCPT TO:<ops@example.com> false",
      "RCPT TO:<dev@example.org> false",
    ]);
    assertEquals(headers(mail.raw).get("from"), '"Doe, John <ops>" <john@example.com>');
    assertEquals(headers(mail.raw).get("to"), "Ops Team <ops@example.com>,  dev@example.org");
    // The checked addresses cannot be swapped for unchecked ones afterwards.
    assertThrows(() => (h.toaddrs as string[]).push("x@example.com> NOTIFY=NEVER"), TypeError);
    assertThrows(() => {
      (h as unknown as { fromaddr: string }).fromaddr = "x@example.com> RET=HDRS";
    }, TypeError);
  } finally {
    await h.close();
    await server.close();
  }
  assertEquals(h.errors.map(String), []);
  // Other legitimate forms are accepted when created.
  for (const address of ['"john doe"@example.com', "root", "postmaster", "<>", "a@[127.0.0.1]"]) {
    await new SMTPHandler({ mailhost: HOST, fromaddr: address, toaddrs: address, subject: "s" })
      .close();
  }
});

Deno.test("SmtpClient refuses an address that would break out of <...> before sending any command", async () => {
  const { server, seen } = await recordingServer();
  const client = await SmtpClient.connect({ hostname: HOST, port: server.port });
  try {
    const mail = new TextEncoder().encode("Subject: x\r\n\r\nx\r\n");
    for (
      const [from, to] of [
        ["app@example.com> RET=HDRS", ["ops@example.com"]],
        ["app@example.com", ["ops@example.com", "dev@example.org> NOTIFY=SUCCESS"]],
      ] as const
    ) {
      const error = await client.send(from, to, mail).then(() => null, (e: unknown) => e);
      assert(error instanceof SmtpError, String(error));
      assertEquals(error.code, 501);
      assertStringIncludes(error.message, "must not contain '>' outside the one <address>");
    }
    assertEquals(seen, []);
    // The session is still usable.
    await client.send("app@example.com", ["ops@example.com"], mail);
    assertEquals(seen, ["MAIL FROM:<app@example.com> false", "RCPT TO:<ops@example.com> false"]);
  } finally {
    await client.quit();
    await server.close();
  }
});

Deno.test("SMTPHandler refuses a getSubject() result with CR or LF and sends nothing", async () => {
  const server = await startServer(NO_TLS_NO_AUTH);
  class Injecting extends ProbeHandler {
    override getSubject(record: LogRecord): string {
      return `Alert: ${record.getMessage()}`;
    }
  }
  const h = new Injecting({
    mailhost: [HOST, server.port],
    fromaddr: "app@example.com",
    toaddrs: "ops@example.com",
    subject: "Alert",
  });
  try {
    h.handle(makeLogRecord({ msg: "x\r\nBcc: victim@example.net" }));
    assertEquals(h.errors.length, 1);
    assertStringIncludes(h.errors[0].message, "must be a string without CR or LF");
    await h.flush();
    assertEquals(server.connections, 0);
    assertEquals(server.mails.length, 0);
  } finally {
    await h.close();
    await server.close();
  }
});

Deno.test("SMTPHandler with batch { maxRecords: 5 } sends 10 records as 2 mails of 5, in order", async () => {
  const reported = await session(
    NO_TLS_NO_AUTH,
    { batch: { maxRecords: 5, maxDelayMs: 60_000 } },
    async (h, server) => {
      for (let i = 0; i < 10; i++) h.handle(makeLogRecord({ msg: "record %d", args: [i] }));
      const first = await server.nextMail();
      const second = await server.nextMail();
      assertEquals(body(first.raw), "record 0\r\nrecord 1\r\nrecord 2\r\nrecord 3\r\nrecord 4\r\n");
      assertEquals(
        body(second.raw),
        "record 5\r\nrecord 6\r\nrecord 7\r\nrecord 8\r\nrecord 9\r\n",
      );
      assertEquals(headers(first.raw).get("subject"), "Alert (5 records)");
      assertEquals(server.mails.length, 2);
    },
  );
  assertEquals(reported.map(String), []);
});

Deno.test("SMTPHandler sends a partial batch at flush() and at close(), not before", async () => {
  const reported = await session(
    NO_TLS_NO_AUTH,
    { batch: { maxRecords: 50, maxDelayMs: 60_000 } },
    async (h, server) => {
      h.handle(makeLogRecord({ msg: "a" }));
      h.handle(makeLogRecord({ msg: "b" }));
      assert(h.pending, "records wait for their batch");
      assertEquals(server.connections, 0);
      await h.flush();
      assertEquals(server.mails.length, 1);
      assertEquals(body(server.mails[0].raw), "a\r\nb\r\n");
      h.handle(makeLogRecord({ msg: "c" }));
      await h.close();
      assertEquals(server.mails.length, 2);
      assertEquals(headers(server.mails[1].raw).get("subject"), "Alert");
    },
  );
  assertEquals(reported.map(String), []);
});

Deno.test("SMTPHandler sends a batch after maxDelayMs even when maxRecords is not reached", async () => {
  const reported = await session(
    NO_TLS_NO_AUTH,
    { batch: { maxRecords: 100, maxDelayMs: 30 } },
    async (h, server) => {
      const t0 = performance.now();
      h.handle(makeLogRecord({ msg: "first" }));
      h.handle(makeLogRecord({ msg: "second" }));
      const mail = await server.nextMail();
      assert(performance.now() - t0 >= 25, "not before maxDelayMs");
      assertEquals(body(mail.raw), "first\r\nsecond\r\n");
      assertEquals(headers(mail.raw).get("subject"), "Alert (2 records)");
    },
  );
  assertEquals(reported.map(String), []);
});

Deno.test("SMTPHandler's batch timer keeps no program alive, and the batch is sent at exit", async () => {
  const server = await startServer(NO_TLS_NO_AUTH);
  const handlerUrl = new URL("../handlers/smtp.ts", import.meta.url).href;
  const recordUrl = new URL("../core/record.ts", import.meta.url).href;
  let dir = "";
  try {
    const t0 = performance.now();
    const out = await runScript(`
      import { SMTPHandler } from "${handlerUrl}";
      import { makeLogRecord } from "${recordUrl}";
      const h = new SMTPHandler({
        mailhost: ["${HOST}", ${server.port}], fromaddr: "app@example.com",
        toaddrs: "ops@example.com", subject: "Exit", batch: { maxRecords: 100, maxDelayMs: 600000 },
      });
      h.handle(makeLogRecord({ msg: "last words" }));
    `);
    dir = out.dir;
    const took = performance.now() - t0;
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stderr, "");
    assert(took < 20_000, `the program took ${took} ms to end`);
    assertEquals(server.mails.length, 1);
    assertEquals(body(server.mails[0].raw), "last words\r\n");
  } finally {
    if (dir) await Deno.remove(dir, { recursive: true });
    await server.close();
  }
});

Deno.test("SMTPHandler refuses to send in clear text when STARTTLS is asked for but not offered", async () => {
  await session({ disabledCommands: ["STARTTLS"], allowInsecureAuth: true }, {
    secure: true,
    credentials: ["alice", "s3cret é"],
  }, async (h, server) => {
    h.handle(makeLogRecord({ msg: "secret" }));
    const error = await h.nextError();
    assertStringIncludes(error.message, "does not offer STARTTLS");
    assertEquals(server.authAttempts.length, 0);
    assertEquals(server.mails.length, 0);
  });
});

Deno.test("SMTPHandler reports refused recipients and still delivers to the others", async () => {
  const refusing: Partial<SMTPServerOptions> = {
    ...NO_TLS_NO_AUTH,
    onRcptTo(address, _session, callback) {
      if (address.address.endsWith("@example.org")) {
        callback(Object.assign(new Error("No such user here"), { responseCode: 550 }));
      } else callback();
    },
  };
  await session(refusing, {}, async (h, server) => {
    h.handle(makeLogRecord({ msg: "partly" }));
    const mail = await server.nextMail();
    assertEquals(mail.to, ["ops@example.com"]);
    await h.flush();
    assertEquals(h.errors.length, 1);
    assertStringIncludes(h.errors[0].message, "dev@example.org: 550 No such user here");
  });
});

Deno.test("SMTPHandler drops and reports a mail the server refuses for good, and sends the next", async () => {
  let n = 0;
  const refusingFirst: Partial<SMTPServerOptions> = {
    ...NO_TLS_NO_AUTH,
    onMailFrom(_address, _session, callback) {
      if (n++ === 0) callback(Object.assign(new Error("Sender rejected"), { responseCode: 553 }));
      else callback();
    },
  };
  await session(refusingFirst, { toaddrs: "ops@example.com" }, async (h, server) => {
    h.handle(makeLogRecord({ msg: "refused" }));
    h.handle(makeLogRecord({ msg: "accepted" }));
    const mail = await server.nextMail();
    assertEquals(body(mail.raw), "accepted\r\n");
    assertEquals(h.errors.length, 1);
    assertStringIncludes(h.errors[0].message, "refused MAIL: 553 Sender rejected");
  });
});

Deno.test("SMTPHandler keeps Python's attributes and default ports", async () => {
  const a = new SMTPHandler({
    mailhost: "mail.example.com",
    fromaddr: "a@example.com",
    toaddrs: "b@example.com",
    subject: "S",
    credentials: ["u", "p"],
  });
  const b = new SMTPHandler({
    mailhost: "mail.example.com",
    fromaddr: "a@example.com",
    toaddrs: ["b@example.com", "c@example.com"],
    subject: "S",
    secure: "implicit",
  });
  try {
    assertEquals([a.mailhost, a.mailport, a.username, a.password], [
      "mail.example.com",
      25,
      "u",
      "p",
    ]);
    assertEquals(a.toaddrs, ["b@example.com"]);
    assertEquals(a.timeout, 5);
    assertEquals(a.getSubject(makeLogRecord({ msg: "x" })), "S");
    assertEquals(b.mailport, 465);
    assertEquals(b.username, null);
  } finally {
    await a.close();
    await b.close();
  }
});

Deno.test("SMTPHandler falls back to HELO and sends dot-stuffed CRLF lines on the wire", async () => {
  // A scripted server, to see the exact bytes (smtp-server undoes the stuffing).
  const listener = Deno.listen({ hostname: HOST, port: 0 });
  const served = (async () => {
    const conn = await listener.accept();
    const enc = new TextEncoder();
    const commands: string[] = [];
    let data = "";
    let pending = "";
    let inData = false;
    const reader = conn.readable.pipeThrough(new TextDecoderStream()).getReader();
    await conn.write(enc.encode("220 scripted ESMTP\r\n"));
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return { commands, data };
      pending += value;
      while (pending.includes("\r\n")) {
        const line = pending.slice(0, pending.indexOf("\r\n") + 2);
        pending = pending.slice(line.length);
        if (inData) {
          data += line;
          if (line === ".\r\n") {
            inData = false;
            await conn.write(enc.encode("250 2.0.0 queued\r\n"));
          }
          continue;
        }
        commands.push(line.trimEnd());
        if (line.startsWith("EHLO")) await conn.write(enc.encode("502 5.5.1 EHLO not here\r\n"));
        else if (line.startsWith("HELO")) {
          await conn.write(enc.encode("250-scripted\r\n250 hello\r\n"));
        } else if (line === "DATA\r\n") {
          inData = true;
          await conn.write(enc.encode("354 go ahead\r\n"));
        } else if (line === "QUIT\r\n") {
          await conn.write(enc.encode("221 bye\r\n"));
          conn.close();
          return { commands, data };
        } else await conn.write(enc.encode("250 ok\r\n"));
      }
    }
  })();
  const h = handler(listener.addr.port);
  try {
    h.handle(makeLogRecord({ msg: "one\n.\n.x\r\nlast" }));
    const { commands, data } = await served;
    assertMatch(commands[0], /^EHLO \[127\.0\.0\.1\]$/);
    assertEquals(commands.slice(1), [
      "HELO [127.0.0.1]",
      "MAIL FROM:<app@example.com>",
      "RCPT TO:<ops@example.com>",
      "RCPT TO:<dev@example.org>",
      "DATA",
      "QUIT",
    ]);
    assert(data.endsWith("\r\n\r\none\r\n..\r\n..x\r\nlast\r\n.\r\n"), JSON.stringify(data));
    assert(!/[^\r]\n|\r[^\n]/.test(data), "only CRLF line endings");
  } finally {
    await h.close();
    listener.close();
  }
  assertEquals(h.errors.map(String), []);
});
