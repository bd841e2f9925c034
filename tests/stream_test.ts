import {
  Formatter,
  getLogger,
  type LogRecord,
  makeLogRecord,
  NullHandler,
  StreamHandler,
} from "../mod.ts";
import { assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { MOD_URL, runScript, uniqueName } from "./helpers/collect.ts";

function record(msg: string, ...args: unknown[]): LogRecord {
  return makeLogRecord({ name: "s", msg, args, levelno: 40, levelname: "ERROR" });
}

Deno.test("StreamHandler writes UTF-8 bytes to a { writeSync } stream with the terminator", async () => {
  const chunks: Uint8Array[] = [];
  const h = new StreamHandler({
    writeSync(p: Uint8Array) {
      // Accept at most 3 bytes per call: partial writes must be completed.
      const n = Math.min(3, p.length);
      chunks.push(p.slice(0, n));
      return n;
    },
  });
  h.setFormatter(new Formatter("%(levelname)s %(message)s"));
  h.handle(record("café %d", 1));
  h.terminator = "\r\n";
  h.handle(record("two"));
  const bytes = new Uint8Array(chunks.flatMap((c) => [...c]));
  assertEquals(new TextDecoder().decode(bytes), "ERROR café 1\nERROR two\r\n");
  await h.close();
});

Deno.test("StreamHandler passes text to a { write } stream and flush() awaits its promises", async () => {
  const written: string[] = [];
  let flushed = 0;
  const h = new StreamHandler({
    write: async (text: string) => {
      await Promise.resolve();
      written.push(text);
    },
    flush: () => {
      flushed++;
    },
  });
  h.handle(record("a"));
  h.handle(record("b"));
  assertEquals(h.pending, true);
  await h.flush();
  assertEquals(written, ["a\n", "b\n"]);
  assertEquals(flushed, 1);
  assertEquals(h.pending, false);
});

Deno.test("setStream returns the old stream, or null when it is the current one", () => {
  const first = { write: (_: string) => {} };
  const second = { write: (_: string) => {} };
  const h = new StreamHandler(first);
  assertEquals(h.setStream(first), null);
  assertEquals(h.setStream(second), first);
  assertEquals(h.stream, second);
});

Deno.test("StreamHandler defaults to stderr and describes itself like Python", () => {
  const h = new StreamHandler();
  assertEquals(h.stream, Deno.stderr);
  assertEquals(String(h), "<StreamHandler <stderr> (NOTSET)>");
  h.setLevel("ERROR");
  assertEquals(String(new StreamHandler(Deno.stdout)), "<StreamHandler <stdout> (NOTSET)>");
  assertEquals(String(h), "<StreamHandler <stderr> (ERROR)>");
});

Deno.test("a rejected asynchronous write is reported through handleError", async () => {
  const out = await runScript(`
    import { getLogger, StreamHandler } from ${JSON.stringify(MOD_URL)};
    const h = new StreamHandler({ write: () => Promise.reject(new Error("disk gone")) });
    getLogger("w").addHandler(h);
    getLogger("w").warning("lost");
    await h.flush();
    console.log("done");
  `);
  assertEquals(out.stdout, "done\n");
  assertStringIncludes(out.stderr, "--- Logging error ---\nError: disk gone");
  assertStringIncludes(out.stderr, "Message: 'lost'");
  await Deno.remove(out.dir, { recursive: true });
});

Deno.test("NullHandler swallows records and keeps the last resort quiet", async () => {
  const log = getLogger(uniqueName());
  const h = new NullHandler();
  log.addHandler(h);
  assertEquals(h.handle(record("x")), true);
  const out = await runScript(`
    import { getLogger, NullHandler } from ${JSON.stringify(MOD_URL)};
    getLogger("lib").addHandler(new NullHandler());
    getLogger("lib.part").error("nobody sees this");
  `);
  assertEquals(out.stderr, "");
  await Deno.remove(out.dir, { recursive: true });
});
