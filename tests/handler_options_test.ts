/**
 * A network handler refused at construction leaves nothing behind: no error at exit, no
 * registered half-built handler.
 */

import { MOD_URL, runScript } from "./helpers/collect.ts";
import { assertEquals } from "./helpers/assert.ts";

Deno.test("network handlers refused at construction leave nothing behind at exit", async () => {
  const { code, stdout, stderr, dir } = await runScript(
    `
    import { DatagramHandler, HTTPHandler, NTEventLogHandler, SMTPHandler, SocketHandler, SysLogHandler } from "${MOD_URL}";
    const attempts = [
      () => new SocketHandler("127.0.0.1", 1, { maxRecords: 0 }),
      () => new DatagramHandler("127.0.0.1", 1, { retryMax: -1 }),
      () => new SysLogHandler({ maxBytes: 0 }),
      () => new HTTPHandler("h", "/", { maxRecords: 0 }),
      () => new NTEventLogHandler("app", { logtype: "Nope" }),
      () => new SMTPHandler({ mailhost: "m", fromaddr: "a@b", toaddrs: "c@d", subject: "x\\r\\nBcc: e@f" }),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        console.log("accepted");
      } catch (e) {
        console.log(e.message.split(" as ")[0]);
      }
    }
  `,
    ["--allow-net", "--allow-read"],
  );
  await Deno.remove(dir, { recursive: true });
  assertEquals(code, 0);
  assertEquals(stdout.trim().split("\n"), [
    "Cannot create SocketHandler",
    "Cannot create DatagramHandler",
    "Cannot create SysLogHandler",
    "Cannot create HTTPHandler",
    "Cannot create NTEventLogHandler",
    "Cannot create SMTPHandler",
  ]);
  assertEquals(stderr, "");
});
