/**
 * NTEventLogHandler: the exact commands it runs (through an injected runner: the Windows event
 * log cannot run here), their order, the message's safe passage, and the behaviour off Windows.
 */

import {
  type CommandResult,
  denoCommandRunner,
  MAX_EVENT_MESSAGE_LENGTH,
  NTEventLogHandler,
  type NTEventLogHandlerOptions,
} from "../handlers/nt_event_log.ts";
import { CRITICAL, DEBUG, ERROR, INFO, WARNING } from "../core/levels.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { Formatter } from "../core/formatter.ts";
import {
  assert,
  assertEquals,
  assertMatch,
  assertStringIncludes,
  assertThrows,
} from "./helpers/assert.ts";
import { runScript } from "./helpers/collect.ts";

interface Call {
  program: string;
  args: string[];
  env: Record<string, string>;
}

const PS_ARGS = ["-NoProfile", "-NonInteractive", "-Command"];
const WRITE_SCRIPT = "$ErrorActionPreference = 'Stop'; Write-EventLog" +
  " -LogName $env:LOGHANDLERS_LOGTYPE -Source $env:LOGHANDLERS_SOURCE" +
  " -EventId ([int]$env:LOGHANDLERS_EVENT_ID) -EntryType $env:LOGHANDLERS_ENTRY_TYPE" +
  " -Category ([int16]$env:LOGHANDLERS_CATEGORY) -Message $env:LOGHANDLERS_MESSAGE";
const REGISTER_SCRIPT = "$ErrorActionPreference = 'Stop'; $exists = $false;" +
  " try { $exists = [System.Diagnostics.EventLog]::SourceExists($env:LOGHANDLERS_SOURCE) }" +
  " catch { } if (-not $exists) { New-EventLog -LogName $env:LOGHANDLERS_LOGTYPE" +
  " -Source $env:LOGHANDLERS_SOURCE }";

/** A handler whose runner records every call and whose errors are collected. */
class Recorded extends NTEventLogHandler {
  calls: Call[] = [];
  errors: { record: LogRecord | null; error: unknown }[] = [];

  constructor(
    appname: string,
    options: NTEventLogHandlerOptions = {},
    answer: (call: Call) => Promise<CommandResult> = () => Promise.resolve({ code: 0, stderr: "" }),
  ) {
    const calls: Call[] = [];
    super(appname, {
      ...options,
      runner: (program, args, env) => {
        const call = { program, args: [...args], env: { ...env } };
        calls.push(call);
        return answer(call);
      },
    });
    this.calls = calls;
  }

  override handleError(record: LogRecord | null, error: unknown): void {
    this.errors.push({ record, error });
  }
}

function record(msg: string, levelno = INFO, args: unknown[] = []): LogRecord {
  return makeLogRecord({
    name: "app",
    msg,
    args,
    levelno,
    levelname: { 10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL" }[levelno] ??
      `Level ${levelno}`,
  });
}

function writeCall(message: string, type: string, extra: Partial<Call["env"]> = {}): Call {
  return {
    program: "powershell.exe",
    args: [...PS_ARGS, WRITE_SCRIPT],
    env: {
      LOGHANDLERS_LOGTYPE: "Application",
      LOGHANDLERS_SOURCE: "My App",
      LOGHANDLERS_EVENT_ID: "1",
      LOGHANDLERS_ENTRY_TYPE: type,
      LOGHANDLERS_CATEGORY: "0",
      LOGHANDLERS_MESSAGE: message,
      ...extra,
    },
  };
}

function errorText(error: unknown): string {
  let text = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.cause instanceof Error) text += " | " + error.cause.message;
  return text;
}

Deno.test("NTEventLogHandler registers the source once, then runs Write-EventLog per record with each level's entry type", async () => {
  await using h = new Recorded("My App");
  h.handle(record("debug %d", DEBUG, [1]));
  h.handle(record("info", INFO));
  h.handle(record("warning", WARNING));
  h.handle(record("error", ERROR));
  h.handle(record("critical", CRITICAL));
  h.handle(record("custom level", 35));
  assert(h.pending, "commands run in the background");
  await h.flush();
  assert(!h.pending);
  assertEquals(h.calls, [
    {
      program: "powershell.exe",
      args: [...PS_ARGS, REGISTER_SCRIPT],
      env: { LOGHANDLERS_LOGTYPE: "Application", LOGHANDLERS_SOURCE: "My App" },
    },
    writeCall("debug 1", "Information"),
    writeCall("info", "Information"),
    writeCall("warning", "Warning"),
    writeCall("error", "Error"),
    writeCall("critical", "Error"),
    writeCall("custom level", "Error"), // deftype, as in Python
  ]);
  assertEquals(h.errors, []);
  h.handle(record("later", INFO));
  await h.flush();
  assertEquals(h.calls.length, 8, "the source is registered only once");
  assertEquals(h.calls[7], writeCall("later", "Information"));
});

Deno.test("NTEventLogHandler passes dllname, logtype, message id, category and event type overrides", async () => {
  class Custom extends Recorded {
    override getMessageID(r: LogRecord): number {
      return r.levelno * 10;
    }
    override getEventCategory(r: LogRecord): number {
      return r.levelno === ERROR ? 7 : 3;
    }
  }
  await using h = new Custom("svc", { dllname: "C:\\My App\\msgs.dll", logtype: "System" });
  h.typemap[25] = "Warning";
  h.handle(record("notice", 25));
  h.handle(record("boom", ERROR));
  await h.flush();
  assertEquals(h.calls[0].env, {
    LOGHANDLERS_LOGTYPE: "System",
    LOGHANDLERS_SOURCE: "svc",
    LOGHANDLERS_DLLNAME: "C:\\My App\\msgs.dll",
  });
  assertStringIncludes(h.calls[0].args[3], "-MessageResourceFile $env:LOGHANDLERS_DLLNAME");
  const base = { LOGHANDLERS_LOGTYPE: "System", LOGHANDLERS_SOURCE: "svc" };
  assertEquals(h.calls[1].env, {
    ...writeCall("notice", "Warning").env,
    ...base,
    LOGHANDLERS_EVENT_ID: "250",
    LOGHANDLERS_CATEGORY: "3",
  });
  assertEquals(h.calls[2].env, {
    ...writeCall("boom", "Error").env,
    ...base,
    LOGHANDLERS_EVENT_ID: "400",
    LOGHANDLERS_CATEGORY: "7",
  });
  assertEquals(h.getMessageID(record("x")), 200);
  assertEquals(new Recorded("a").getMessageID(record("x")), 1);
  assertEquals(new Recorded("a").getEventCategory(record("x")), 0);
});

Deno.test("NTEventLogHandler never puts message text into the PowerShell script: metacharacters arrive untouched", async () => {
  const nasty = [
    `quote " and 'single' and ""doubled""`,
    "subexpression $(Remove-Item -Recurse C:\\) and $env:PATH and ${x}",
    'backtick `n `$ `" and `0',
    "separators ; | & && || > out.txt < in 2>&1 @(1,2) @{a=1} # comment",
    "line one\nline two\r\nline three\n\ttabbed",
    "-Message injected -EntryType Error",
    "unicode: é 漢字 🎉 \u2028 \u00a0",
    '%PATH% ^ ! %% \\\\server\\share\\ \\"',
  ];
  await using h = new Recorded("My App");
  for (const text of nasty) h.handle(record("%s", WARNING, [text]));
  await h.flush();
  assertEquals(h.calls.length, 1 + nasty.length);
  for (const [i, text] of nasty.entries()) {
    const call = h.calls[i + 1];
    assertEquals(call.env.LOGHANDLERS_MESSAGE, text);
    assertEquals(call.args, [...PS_ARGS, WRITE_SCRIPT], "the script is the same constant");
  }
  // Nothing of any message reaches an argument.
  for (const call of h.calls) {
    for (const arg of call.args) assert(!arg.includes("line one") && !arg.includes("Remove-Item"));
  }
  // And the constant script itself holds no double quote (which Windows' argv quoting would
  // have to escape for powershell.exe).
  assert(!WRITE_SCRIPT.includes('"') && !REGISTER_SCRIPT.includes('"'));
  assertEquals(h.errors, []);
});

Deno.test("NTEventLogHandler uses the handler's formatter for the event text, multi-line tracebacks included", async () => {
  await using h = new Recorded("My App");
  h.setFormatter(new Formatter("%(levelname)s:%(name)s:%(message)s"));
  let err: Error;
  try {
    throw new Error("kaput");
  } catch (e) {
    err = e as Error;
  }
  const r = record("failed", ERROR);
  r.exc_info = err;
  h.handle(r);
  await h.flush();
  const text = h.calls[1].env.LOGHANDLERS_MESSAGE;
  assertMatch(text, /^ERROR:app:failed\n/);
  assertStringIncludes(text, "kaput");
  assert(text.split("\n").length > 2, "the traceback keeps its lines");
});

Deno.test("NTEventLogHandler cuts messages longer than Windows' 31,839-character limit and says so", async () => {
  await using h = new Recorded("My App", { tool: "eventcreate" });
  const long = "x".repeat(40 * 1024);
  const exact = "y".repeat(MAX_EVENT_MESSAGE_LENGTH);
  // A surrogate pair straddling the cut is not split.
  const emoji = "a".repeat(MAX_EVENT_MESSAGE_LENGTH - 61) + "🎉".repeat(100);
  h.handle(record("%s", INFO, [long]));
  h.handle(record("%s", INFO, [exact]));
  h.handle(record("%s", INFO, [emoji]));
  h.handle(record("nul\0inside", INFO));
  await h.flush();
  assertEquals(MAX_EVENT_MESSAGE_LENGTH, 31_839);
  const [cut, whole, pair, nul] = h.calls.map((c) => c.args[c.args.length - 1]);
  assertEquals(cut.length, MAX_EVENT_MESSAGE_LENGTH);
  assert(cut.endsWith("\n[truncated: the message had 40960 characters]"), cut.slice(-80));
  assert(cut.startsWith("x".repeat(31_000)));
  assertEquals(whole, exact, "a message of exactly the limit is kept whole");
  assert(pair.length <= MAX_EVENT_MESSAGE_LENGTH);
  assertEquals(pair, [...pair].join(""));
  assert(!/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/.test(pair), "no lone high surrogate");
  assertEquals(nul, "nul\uFFFDinside", "a NUL cannot travel in argv or env");
  assertEquals(h.errors, []);
});

Deno.test("NTEventLogHandler with tool eventcreate runs eventcreate.exe with the text as one argument", async () => {
  await using h = new Recorded("My App", { tool: "eventcreate", logtype: "System" });
  h.handle(record("hello", DEBUG));
  h.handle(record("careful", WARNING));
  h.handle(record('bad "thing" & more | $(x)\nsecond line', CRITICAL));
  await h.flush();
  const ec = (type: string, text: string): Call => ({
    program: "eventcreate.exe",
    args: ["/L", "SYSTEM", "/T", type, "/SO", "My App", "/ID", "1", "/D", text],
    env: {},
  });
  assertEquals(h.calls, [
    ec("INFORMATION", "hello"),
    ec("WARNING", "careful"),
    ec("ERROR", 'bad "thing" & more | $(x)\nsecond line'),
  ]);
});

Deno.test("NTEventLogHandler reports an event id eventcreate cannot take through handleError", async () => {
  class Big extends Recorded {
    override getMessageID(): number {
      return 1001;
    }
  }
  await using h = new Big("My App", { tool: "eventcreate" });
  assert(h.handle(record("x")));
  await h.flush();
  assertEquals(h.calls, []);
  assertEquals(h.errors.length, 1);
  assertStringIncludes(errorText(h.errors[0].error), "from 1 to 1000");
});

Deno.test("NTEventLogHandler reports a failing command through handleError and goes on with the next record", async () => {
  let n = 0;
  await using h = new Recorded("My App", {}, (call) => {
    n++;
    if (n === 1) {
      return Promise.resolve({
        code: 1,
        stderr: "New-EventLog : Requested registry access is not allowed.\r\n",
      });
    }
    if (call.env.LOGHANDLERS_MESSAGE === "second") return Promise.reject(new Error("spawn failed"));
    return Promise.resolve({ code: 0, stderr: "" });
  });
  const first = record("first");
  const second = record("second");
  const third = record("third");
  h.handle(first);
  h.handle(second);
  h.handle(third);
  await h.flush();
  assertEquals(h.calls.map((c) => c.env.LOGHANDLERS_MESSAGE), [
    undefined,
    "first",
    "second",
    "third",
  ], "a failed registration does not stop the write; a failed write does not stop the next");
  assertEquals(h.errors.length, 2);
  assertEquals(h.errors[0].record, first);
  assertStringIncludes(errorText(h.errors[0].error), "Cannot register the event source 'My App'");
  assertStringIncludes(
    errorText(h.errors[0].error),
    "powershell.exe exited with code 1: New-EventLog : Requested registry access is not allowed.",
  );
  assertEquals(h.errors[1].record, second);
  assertStringIncludes(errorText(h.errors[1].error), "spawn failed");
});

Deno.test("NTEventLogHandler prints Python's Logging error report for a failed write", async () => {
  const out = await runScript(`
    import { NTEventLogHandler } from ${
    JSON.stringify(import.meta.resolve("../handlers/nt_event_log.ts"))
  };
    import { makeLogRecord } from ${JSON.stringify(import.meta.resolve("../core/record.ts"))};
    const h = new NTEventLogHandler("My App", {
      tool: "eventcreate",
      runner: () => Promise.resolve({ code: 1, stderr: "ERROR: Access is denied." }),
    });
    h.handle(makeLogRecord({ msg: "hello %s", args: ["x"], levelno: 20, levelname: "INFO" }));
    await h.close();
  `);
  try {
    assertEquals(out.code, 0, out.stderr);
    assertStringIncludes(out.stderr, "--- Logging error ---");
    assertStringIncludes(
      out.stderr,
      "eventcreate.exe exited with code 1: ERROR: Access is denied.",
    );
    assertStringIncludes(out.stderr, "Message: 'hello %s'");
  } finally {
    await Deno.remove(out.dir, { recursive: true });
  }
});

Deno.test("NTEventLogHandler runs one command at a time, in order, and flush waits for the records before it", async () => {
  const gates: (() => void)[] = [];
  let running = 0;
  let most = 0;
  await using h = new Recorded("My App", { tool: "eventcreate" }, () => {
    running++;
    most = Math.max(most, running);
    return new Promise((resolve) =>
      gates.push(() => {
        running--;
        resolve({ code: 0, stderr: "" });
      })
    );
  });
  for (let i = 0; i < 5; i++) h.handle(record(`m${i}`));
  let flushed = false;
  const f = h.flush().then(() => flushed = true);
  for (let i = 0; i < 5; i++) {
    await new Promise((r) => setTimeout(r, 0));
    assert(!flushed && h.pending);
    assertEquals(gates.length, i + 1, "the next command starts only after the previous ends");
    gates[i]();
  }
  await f;
  assert(!h.pending);
  assertEquals(most, 1);
  assertEquals(h.calls.map((c) => c.args[9]), ["m0", "m1", "m2", "m3", "m4"]);
});

Deno.test("NTEventLogHandler drops records beyond maxPending, reports the first, counts them all", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  await using h = new Recorded("My App", { tool: "eventcreate", maxPending: 2 }, async () => {
    await gate;
    return { code: 0, stderr: "" };
  });
  for (let i = 0; i < 5; i++) h.handle(record(`m${i}`));
  assertEquals(h.dropped, 3);
  assertEquals(h.errors.length, 1, "one report per run of drops");
  assertStringIncludes(errorText(h.errors[0].error), "maxPending");
  release();
  await h.flush();
  assertEquals(h.calls.map((c) => c.args[9]), ["m0", "m1"]);
  h.handle(record("m5"));
  await h.close();
  assertEquals(h.calls.map((c) => c.args[9]), ["m0", "m1", "m5"]);
});

Deno.test("NTEventLogHandler close waits for pending commands and is idempotent", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const h = new Recorded("My App", { tool: "eventcreate" }, async () => {
    await gate;
    return { code: 0, stderr: "" };
  });
  h.handle(record("last words"));
  let closed = false;
  const c = h.close().then(() => closed = true);
  await new Promise((r) => setTimeout(r, 0));
  assert(!closed, "close waits for the command");
  release();
  await c;
  assert(h.closed);
  await h.close();
  assertEquals(h.calls.length, 1);
});

Deno.test("NTEventLogHandler rejects bad options with clear errors", () => {
  assertThrows(
    () => new NTEventLogHandler("", { runner: () => Promise.resolve({ code: 0, stderr: "" }) }),
    RangeError,
    `Cannot create NTEventLogHandler as 'appname' must be a non-empty string: current value is ""`,
  );
  const runner = () => Promise.resolve({ code: 0, stderr: "" });
  assertThrows(
    () => new NTEventLogHandler("a", { runner, logtype: "Setup" as "System" }),
    RangeError,
    `'logtype' must be one of "Application", "System" or "Security": current value is "Setup"`,
  );
  assertThrows(
    () => new NTEventLogHandler("a", { runner, tool: "wevtutil" as "eventcreate" }),
    RangeError,
    `'tool' must be "powershell" or "eventcreate": current value is "wevtutil"`,
  );
  assertThrows(
    () => new NTEventLogHandler("a", { runner, tool: "eventcreate", logtype: "Security" }),
    RangeError,
    `with tool "eventcreate": current value is "Security"`,
  );
  assertThrows(
    () => new NTEventLogHandler("a", { runner, maxPending: 0 }),
    RangeError,
    "'maxPending' must be an integer >= 1: current value is 0",
  );
  assertThrows(
    () => new NTEventLogHandler("a", { runner, timeout: -1 }),
    RangeError,
    "'timeout' must be a number of ms > 0: current value is -1",
  );
  // Security is accepted with PowerShell.
  new NTEventLogHandler("a", { runner, logtype: "Security" }).close();
});

Deno.test({
  name: "NTEventLogHandler off Windows without a runner warns once on stderr and runs nothing",
  ignore: Deno.build.os === "windows",
  async fn() {
    // No --allow-run: a command started by mistake would fail loudly through handleError.
    const out = await runScript(
      `
      import { NTEventLogHandler } from ${
        JSON.stringify(import.meta.resolve("../handlers/nt_event_log.ts"))
      };
      import { makeLogRecord } from ${JSON.stringify(import.meta.resolve("../core/record.ts"))};
      const a = new NTEventLogHandler("My App");
      const b = new NTEventLogHandler("Other", { tool: "eventcreate" });
      for (const h of [a, b]) {
        for (const levelno of [10, 20, 30, 40, 50]) {
          h.handle(makeLogRecord({ msg: "m", levelno, levelname: "X" }));
        }
        console.log(h.pending);
        await h.close();
      }
      console.log("done");
    `,
      ["--allow-read"],
    );
    try {
      assertEquals(out.code, 0, out.stderr);
      assertEquals(out.stdout, "false\nfalse\ndone\n");
      assertEquals(
        out.stderr,
        `NTEventLogHandler: the Windows event log is not available on ${Deno.build.os}; ` +
          "records sent to it are ignored.\n",
      );
    } finally {
      await Deno.remove(out.dir, { recursive: true });
    }
  },
});

Deno.test("The default runner passes arguments and environment as they are and reports exit code and stderr", async () => {
  const run = denoCommandRunner(20_000);
  const tricky = `a "b" $(c) \`d\` ; e | f & g\nh`;
  const { code, stderr } = await run(Deno.execPath(), [
    "eval",
    "console.error(JSON.stringify([Deno.args, Deno.env.get('LOGHANDLERS_MESSAGE')])); Deno.exit(3)",
    tricky,
  ], { LOGHANDLERS_MESSAGE: tricky });
  assertEquals(code, 3);
  assertEquals(JSON.parse(stderr), [[tricky], tricky]);
  assertThrows(() => denoCommandRunner(0), RangeError, "'timeout' must be > 0: current value is 0");
});

Deno.test("The default runner kills a command that outlives its timeout", async () => {
  const run = denoCommandRunner(300);
  const started = Date.now();
  const { code, stderr } = await run(Deno.execPath(), ["eval", "setTimeout(() => {}, 60_000)"], {});
  assert(Date.now() - started < 30_000, "killed long before the child would end");
  assert(code !== 0);
  assertStringIncludes(stderr, "killed after 300 ms");
});

Deno.test("The default runner names the flag to add when --allow-run is missing, and says when the program is missing", async () => {
  const out = await runScript(
    `
    import { denoCommandRunner } from ${
      JSON.stringify(import.meta.resolve("../handlers/nt_event_log.ts"))
    };
    for (const program of [Deno.execPath(), "surely-not-a-program-here.exe"]) {
      try {
        await denoCommandRunner()(program, ["--version"], {});
      } catch (e) {
        console.log((e as Error).message);
      }
    }
  `,
    ["--allow-read", "--allow-env"],
  );
  try {
    assertEquals(out.code, 0, out.stderr);
    const exe = Deno.execPath();
    assertStringIncludes(
      out.stdout,
      `Cannot run ${exe}: access is not granted. Run Deno with --allow-run=${exe} to allow it.`,
    );
    assertStringIncludes(
      out.stdout,
      "Cannot run surely-not-a-program-here.exe: it is not on PATH",
    );
  } finally {
    await Deno.remove(out.dir, { recursive: true });
  }
});

Deno.test("NTEventLogHandler writes what is pending before the program ends", async () => {
  const out = await runScript(
    `
    import { NTEventLogHandler } from ${
      JSON.stringify(import.meta.resolve("../handlers/nt_event_log.ts"))
    };
    import { makeLogRecord } from ${JSON.stringify(import.meta.resolve("../core/record.ts"))};
    const h = new NTEventLogHandler("My App", {
      tool: "eventcreate",
      runner: (_program, args) => new Promise((resolve) => setTimeout(() => {
        console.log("written: " + args[9]);
        resolve({ code: 0, stderr: "" });
      }, 50)),
    });
    h.handle(makeLogRecord({ msg: "one", levelno: 20, levelname: "INFO" }));
    h.handle(makeLogRecord({ msg: "two", levelno: 20, levelname: "INFO" }));
    // No await: the exit hooks wait for the pending commands.
  `,
  );
  try {
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "written: one\nwritten: two\n");
    assertEquals(out.stderr, "");
  } finally {
    await Deno.remove(out.dir, { recursive: true });
  }
});
