/**
 * CPython 3.13's `HandlerTest` and `StreamHandlerTest` (Lib/test/test_logging.py), translated.
 */

import { Formatter } from "../core/formatter.ts";
import { Handler } from "../core/handler.ts";
import { NOTSET } from "../core/levels.ts";
import { type LogRecord, makeLogRecord } from "../core/record.ts";
import { FileHandler } from "../handlers/file.ts";
import { HTTPHandler } from "../handlers/http.ts";
import { BufferingHandler } from "../handlers/memory.ts";
import { RotatingFileHandler } from "../handlers/rotating.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { SysLogHandler } from "../handlers/syslog.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { WatchedFileHandler } from "../handlers/watched_file.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { MOD_URL, runScript } from "./helpers/collect.ts";
import { existsSync, withTempDir } from "./helpers/fs.ts";
import { CapturedStream } from "./helpers/logging_state.ts";

/** CPython's make_temp_file: a new empty file's path. */
function makeTempFile(dir: string, suffix = ""): string {
  return Deno.makeTempFileSync({ dir, suffix });
}

Deno.test("HandlerTest.test_name: a handler's name can be set and changed; the base emit is not implemented", async () => {
  // Python instantiates logging.Handler itself; TypeScript's abstract class forbids it, which
  // JavaScript callers can still do.
  const h = new (Handler as unknown as new () => Handler)();
  h.name = "generic";
  assertEquals(h.name, "generic");
  h.name = "anothergeneric";
  assertEquals(h.name, "anothergeneric");
  const error = assertThrows(
    () => h.emit(null as unknown as LogRecord),
    Error,
    "emit must be implemented by Handler subclasses",
  );
  assertEquals(error.name, "NotImplementedError");
  await h.close();
});

Deno.test("HandlerTest.test_builtin_handlers: WatchedFileHandler, SysLogHandler, HTTPHandler and BufferingHandler construct with their options", async () => {
  await withTempDir(async (dir) => {
    for (const existing of [true, false]) {
      const fn = makeTempFile(dir);
      if (!existing) Deno.removeSync(fn);
      const h = new WatchedFileHandler(fn, { encoding: "utf-8", delay: true });
      if (existing) {
        assertEquals(h.dev, -1);
        assertEquals(h.ino, -1);
        const r = makeLogRecord({ msg: "Test" });
        h.handle(r);
        // Now remove the file.
        Deno.removeSync(fn);
        assert(!existsSync(fn));
        // The next call should recreate the file.
        h.handle(r);
        assert(existsSync(fn));
      } else {
        assertEquals(h.dev, -1);
        assertEquals(h.ino, -1);
      }
      await h.close();
      if (existing) Deno.removeSync(fn);
    }
  });
  try {
    const h = new SysLogHandler({ address: "/dev/log" });
    assertEquals(h.facility, SysLogHandler.LOG_USER);
    assert(h.unixsocket);
    await h.close();
  } catch {
    // syslogd might not be available (as CPython's test allows)
  }
  for (const method of ["GET", "POST", "PUT"] as const) {
    if (method === "PUT") {
      // Adapted: CPython's ValueError is the RangeError every invalid option raises here.
      // JavaScript callers get no type check.
      assertThrows(
        () => new HTTPHandler("localhost", "/log", { method: method as "GET" }),
        RangeError,
      );
    } else {
      const h = new HTTPHandler("localhost", "/log", { method });
      await h.close();
    }
  }
  let h = new BufferingHandler(0);
  const r = makeLogRecord({});
  assert(h.shouldFlush(r));
  await h.close();
  h = new BufferingHandler(1);
  assert(!h.shouldFlush(r));
  await h.close();
});

Deno.test("HandlerTest.test_pathlike_objects: the file handlers take a file: URL (Python's path-like) as the file name", async () => {
  await withTempDir(async (dir) => {
    const fn = makeTempFile(dir);
    Deno.removeSync(fn);
    const pfn = new URL(`file://${fn}`);
    const cases: [string, () => Handler][] = [
      ["FileHandler", () => new FileHandler(pfn, { mode: "w", encoding: "utf-8" })],
      ["RotatingFileHandler", () => new RotatingFileHandler(pfn, { mode: "a", encoding: "utf-8" })],
      [
        "TimedRotatingFileHandler",
        () => new TimedRotatingFileHandler(pfn, { when: "h", encoding: "utf-8" }),
      ],
      ["WatchedFileHandler", () => new WatchedFileHandler(pfn, { mode: "w", encoding: "utf-8" })],
    ];
    for (const [name, make] of cases) {
      const h = make();
      assert(existsSync(fn), name);
      await h.close();
      Deno.removeSync(fn);
    }
  });
});

Deno.test("HandlerTest.test_race: WatchedFileHandler keeps logging while another process deletes its file", async () => {
  // CPython deletes the file from a thread, 500 times with sleeps, while the handler logs 500
  // records 5 ms apart. Deno has no threads sharing the handler: the deleter here is another
  // process, deleting the file as fast as it can until told to stop, while the handler logs
  // 500 records. Not one record may fail, and the deleter must have deleted the file meanwhile.
  await withTempDir(async (dir) => {
    for (const delay of [false, true]) {
      const fn = makeTempFile(dir, ".log");
      const stop = `${dir}/stop`;
      const remover = new Deno.Command(Deno.execPath(), {
        args: [
          "eval",
          `let n = 0;
           console.log("ready");
           while (true) {
             try { Deno.statSync(${JSON.stringify(stop)}); break; } catch { /* go on */ }
             try { Deno.removeSync(${JSON.stringify(fn)}); n++; } catch { /* not there */ }
           }
           console.log(n);
           console.log("done");`,
        ],
        stdout: "piped",
      }).spawn();
      const out = remover.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      const until = async (word: string) => {
        while (!text.split("\n").includes(word)) {
          const { value, done } = await out.read();
          if (done) throw new Error(`the deleter ended before printing ${word}: ${text}`);
          text += value;
        }
      };
      await until("ready");
      const h = new WatchedFileHandler(fn, { encoding: "utf-8", delay });
      const failures: unknown[] = [];
      h.handleError = (_record, error) => void failures.push(error);
      h.setFormatter(new Formatter("%(asctime)s: %(levelname)s: %(message)s"));
      let deleted = 0;
      try {
        for (let i = 0; i < 500; i++) {
          h.handle(makeLogRecord({ msg: "testing" }));
          // A pause now and then, as CPython's sleeps, for the deleter to find the file.
          if (i % 10 === 9) await new Promise((resolve) => setTimeout(resolve, 0));
        }
      } finally {
        Deno.writeTextFileSync(stop, "");
        await until("done");
        await out.cancel();
        await remover.status;
        deleted = Number(text.trim().split("\n").at(-2));
        Deno.removeSync(stop);
        await h.close();
        if (existsSync(fn)) Deno.removeSync(fn);
      }
      assertEquals(failures, []);
      assert(deleted > 0, `the file was deleted ${deleted} times`);
    }
  });
});

// HandlerTest.test_post_fork_child_no_deadlock is not translated: Deno has no os.fork, and no
// threads that share the logging module (each Worker loads its own), so no lock can be held
// across a fork (see the README's "Differences you should know").

// ---------------------------------------------------------------------------------------------
// StreamHandlerTest

Deno.test("StreamHandlerTest.test_error_handling: a failing stream goes to handleError, which prints the error unless raiseExceptions is false", async () => {
  class BadStream {
    write(_data: string): void {
      throw new RuntimeError("deliberate mistake");
    }
  }
  class RuntimeError extends Error {
    override name = "RuntimeError";
  }
  class TestStreamHandler extends StreamHandler {
    errorRecord: LogRecord | null = null;
    override handleError(record: LogRecord | null): void {
      this.errorRecord = record;
    }
  }
  const h = new TestStreamHandler(new BadStream());
  const r = makeLogRecord({});
  h.handle(r);
  assert(h.errorRecord === r);
  await h.close();

  // What StreamHandler's own handleError prints goes to the real stderr: a subprocess's.
  const { code, stdout, stderr, dir } = await runScript(`
    import { makeLogRecord, settings, StreamHandler } from "${MOD_URL}";
    class RuntimeError extends Error {
      override name = "RuntimeError";
    }
    const h = new StreamHandler({ write() { throw new RuntimeError("deliberate mistake"); } });
    const r = makeLogRecord({});
    h.handle(r);
    console.log("@@@");
    console.error("@@@");
    settings.raiseExceptions = false;
    h.handle(r);
  `);
  await Deno.remove(dir, { recursive: true });
  assertEquals(code, 0, stderr);
  assertEquals(stdout, "@@@\n");
  const [raised, silent] = stderr.split("@@@\n");
  const msg = "\nRuntimeError: deliberate mistake\n";
  assertStringIncludes(raised, msg);
  assertEquals(silent, "");
});

Deno.test("StreamHandlerTest.test_stream_setting: setStream returns the stream it replaces, or null when it is the same", async () => {
  const h = new StreamHandler();
  const stream = new CapturedStream();
  const old = h.setStream(stream);
  assert(old === Deno.stderr);
  const actual = h.setStream(old!);
  assert(actual === stream);
  // test that setting to existing value returns None
  assertEquals(h.setStream(old!), null);
  await h.close();
});

Deno.test("StreamHandlerTest.test_can_represent_stream_with_int_name: a stream whose name is a number shows it", async () => {
  // Python's StreamWithIntName has no write method; a stream here must have one.
  const streamWithIntName = { level: NOTSET, name: 2, write(_text: string) {} };
  const h = new StreamHandler(streamWithIntName);
  assertEquals(String(h), "<StreamHandler 2 (NOTSET)>");
  await h.close();
});
