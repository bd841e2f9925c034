/**
 * ConsoleHandler against Deno's own OpenTelemetry exporter (`OTEL_DENO=true`), pointed at an
 * OTLP/HTTP collector on loopback: each record arrives with the severity of its level and its
 * formatted text as the body, and is also printed on stdout or stderr.
 */

import { consoleMethodFor } from "../handlers/console.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { attribute, runWithDenoOtel } from "./helpers/deno_otel.ts";

const LOGGING_SCRIPT = `
  import { ConsoleHandler, Formatter, getLogger } from "${MOD_URL}";
  const log = getLogger("svc");
  log.setLevel(1);
  log.propagate = false;
  const handler = new ConsoleHandler();
  handler.setFormatter(new Formatter("%(levelname)s:%(name)s:%(message)s"));
  log.addHandler(handler);
  log.debug("debug %d", 1);
  log.info("info with %s", "100% %d %c %o");
  log.warning("warning");
  log.error("error");
  log.critical("critical");
  log.log(5, "level 5");
  log.log(25, "level 25");
  log.log(35, "level 35");
  log.log(45, "level 45");
`;

/** [body, severityNumber, severityText, stream] of each record, in order. */
const EXPECTED: Array<[string, number, string, string]> = [
  ["DEBUG:svc:debug 1", 5, "DEBUG", "stdout"],
  ["INFO:svc:info with 100% %d %c %o", 9, "INFO", "stdout"],
  ["WARNING:svc:warning", 13, "WARN", "stderr"],
  ["ERROR:svc:error", 17, "ERROR", "stderr"],
  ["CRITICAL:svc:critical", 17, "ERROR", "stderr"],
  ["Level 5:svc:level 5", 5, "DEBUG", "stdout"],
  ["Level 25:svc:level 25", 9, "INFO", "stdout"],
  ["Level 35:svc:level 35", 13, "WARN", "stderr"],
  ["Level 45:svc:level 45", 17, "ERROR", "stderr"],
];

Deno.test("ConsoleHandler records reach Deno's OpenTelemetry exporter with their level's severity", async () => {
  const run = await runWithDenoOtel(LOGGING_SCRIPT);
  assertEquals(run.code, 0, run.stderr);
  const seen = run.logs.map((r) => [
    r.body.stringValue,
    r.severityNumber,
    r.severityText,
    attribute(r.attributes, "log.iostream")?.stringValue,
  ]);
  // Deno's console adds the newline it prints to the body.
  assertEquals(seen, EXPECTED.map(([body, n, text, stream]) => [body + "\n", n, text, stream]));
  // Outside any span, Deno sends no trace context.
  assert(run.logs.every((r) => r.traceId === "" && r.spanId === ""));
  // The console still prints them, debug and info on stdout, the others on stderr.
  const on = (stream: string) =>
    EXPECTED.filter((e) => e[3] === stream).map((e) => e[0] + "\n").join("");
  assertEquals(run.stdout, on("stdout"));
  assertEquals(run.stderr, on("stderr"));
});

Deno.test("ConsoleHandler prints through the console with no permission, % sequences as they are", async () => {
  const out = await runScript(LOGGING_SCRIPT, []);
  await Deno.remove(out.dir, { recursive: true });
  assertEquals(out.code, 0, out.stderr);
  const on = (stream: string) =>
    EXPECTED.filter((e) => e[3] === stream).map((e) => e[0] + "\n").join("");
  assertEquals(out.stdout, on("stdout"));
  assertEquals(out.stderr, on("stderr"));
});

Deno.test("a console method that logs back into its ConsoleHandler is reported, not recursed into", async () => {
  const out = await runScript(`
    import { ConsoleHandler, getLogger } from "${MOD_URL}";
    const log = getLogger("loop");
    log.propagate = false;
    log.addHandler(new ConsoleHandler());
    const original = console.warn;
    console.warn = (text) => {
      original("console.warn got: " + text);
      log.warning("again: %s", text);
    };
    log.warning("first");
  `);
  await Deno.remove(out.dir, { recursive: true });
  assertEquals(out.code, 0, out.stderr);
  assert(out.stderr.startsWith("console.warn got: first\n--- Logging error ---\n"), out.stderr);
  assert(out.stderr.includes("ConsoleHandler: console.warn logged through a logger"), out.stderr);
  assert(out.stderr.includes("Message: 'again: %s'\n"), out.stderr);
});

Deno.test("consoleMethodFor maps level ranges to the four console methods", () => {
  const levels = [-5, 0, 10, 19, 20, 29, 30, 39, 40, 50, 1000, NaN];
  assertEquals(levels.map(consoleMethodFor), [
    "debug",
    "debug",
    "debug",
    "debug",
    "info",
    "info",
    "warn",
    "warn",
    "error",
    "error",
    "error",
    "debug",
  ]);
});
