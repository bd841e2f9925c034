/**
 * The documented behaviour of internal helpers (not part of the public API, so their examples
 * live here rather than in JSDoc, where every example imports from the package's public names).
 */

import { checkFileOptions, FILE_RULES } from "../core/file_options.ts";
import {
  checkFileAccess,
  deniedAccess,
  explainFileError,
  fileAccessFlags,
  fileAccessGranted,
  folderOf,
  LineGuard,
  missingFileAccess,
  permissionGranted,
  writeAllSync,
} from "../core/io/files.ts";
import { gzipFileSync, GzipQueue, gzipTempTarget, recoverGzipSync } from "../core/io/gzip.ts";
import { addressProblem, dotStuff, envelopeAddress } from "../core/io/smtp_client.ts";
import {
  checkSendRate,
  DATAGRAM_OUTBOX_DEFAULTS,
  unixDatagramSender,
  unixSocketFlags,
} from "../core/io/transport.ts";
import { PlaceHolder, root } from "../core/logger.ts";
import { endingReason, flushWithin, runExitHooksSync } from "../core/shutdown.ts";
import { checkErrorPolicy, normalizeEncoding } from "../core/text/encoding.ts";
import { repeatText } from "../core/text/float_format.ts";
import {
  braceFieldNames,
  braceParse,
  compileBrace,
  templateFieldNames,
} from "../core/text/format_spec.ts";
import { compilePercent, getMappingItem, percentArgCount } from "../core/text/percent.ts";
import { pyAscii, pyIntStr, pyTypeName } from "../core/text/pystr.ts";
import { getLogger, NullHandler } from "../mod.ts";

Deno.test("checkFileOptions (core/file_options.ts) does what its documentation says", () => {
  const target = { name: "FileHandler", optionRules: FILE_RULES, optionExample: "{}" };
  checkFileOptions(target, { mode: "w" });
  try {
    checkFileOptions(target, { mdoe: "w" });
  } catch (e) {
    console.assert(e instanceof TypeError && e.message.includes("did you mean 'mode'?"));
  }
});

Deno.test("LineGuard (core/io/files.ts) does what its documentation says", () => {
  const out: number[] = [];
  let full = false;
  const disk = {
    writeSync(p: Uint8Array): number {
      if (full) throw new Error("No space left on device (os error 28)");
      const n = Math.min(p.length, 3); // room for 3 bytes, then the disk is full
      out.push(...p.subarray(0, n));
      full = true;
      return n;
    },
  };
  const guard = new LineGuard(disk);
  try {
    writeAllSync(guard, new TextEncoder().encode("first\n"));
  } catch {
    // reported through handleError by a handler
  }
  full = false;
  disk.writeSync = (p) => (out.push(...p), p.length);
  writeAllSync(guard, new TextEncoder().encode("second\n"));
  console.assert(new TextDecoder().decode(new Uint8Array(out)) === "fir\nsecond\n");
});

Deno.test("deniedAccess (core/io/files.ts) does what its documentation says", () => {
  const e = new Error('Requires read access to "/srv/logs", run again with the --allow-read flag');
  console.assert(deniedAccess(e)?.access === "read" && deniedAccess(e)?.path === "/srv/logs");
});

Deno.test("explainFileError (core/io/files.ts) does what its documentation says", () => {
  const denial = new Deno.errors.NotCapable(
    'Requires read access to "/srv/logs/app.log.lock", run again with the --allow-read flag',
  );
  const e = explainFileError(denial, "open lock file", "/srv/logs/app.log.lock", "write");
  console.assert(
    e.message === "Cannot open lock file '/srv/logs/app.log.lock': read access is " +
        "not granted. Run Deno with --allow-read=/srv/logs/app.log.lock (or a folder above it) to allow it.",
  );
});

Deno.test("permissionGranted (core/io/files.ts) does what its documentation says", () => {
  // Under `deno test --allow-all`:
  console.assert(permissionGranted({ name: "net", host: "127.0.0.1:9020" }) === true);
});

Deno.test("fileAccessGranted (core/io/files.ts) does what its documentation says", () => {
  // Under `deno test --allow-all`:
  console.assert(fileAccessGranted("write", "/tmp/app.log") === true);
});

Deno.test("missingFileAccess (core/io/files.ts) does what its documentation says", () => {
  // Under `deno test --allow-all` nothing is missing:
  const missing = missingFileAccess({ read: ["/srv/logs"], write: ["/srv/logs/app.log"] });
  console.assert(missing.read.length === 0 && missing.write.length === 0);
});

Deno.test("fileAccessFlags (core/io/files.ts) does what its documentation says", () => {
  const flags = fileAccessFlags({ read: ["/srv/logs"], write: ["/srv/logs", "/srv/x.lock"] });
  console.assert(flags === "--allow-read=/srv/logs --allow-write=/srv/logs,/srv/x.lock");
});

Deno.test("checkFileAccess (core/io/files.ts) does what its documentation says", () => {
  // Under `deno test --allow-all` everything is granted: no error.
  checkFileAccess("FileHandler", "app.log", { read: [], write: ["/tmp/app.log"] });
});

Deno.test("folderOf (core/io/files.ts) does what its documentation says", () => {
  console.assert(folderOf("/srv/logs/app.log") === "/srv/logs");
  console.assert(folderOf("/app.log") === "/");
});

Deno.test("gzipTempTarget (core/io/gzip.ts) does what its documentation says", () => {
  console.assert(gzipTempTarget("app.log.1.gz.4242-1.tmp") === "app.log.1.gz");
  console.assert(gzipTempTarget("app.log.1.gz") === null);
});

Deno.test("GzipQueue (core/io/gzip.ts) does what its documentation says", async () => {
  const dir = await Deno.makeTempDir();
  await Deno.writeTextFile(`${dir}/app.log.1.raw`, "hello\n");
  const queue = new GzipQueue((error) => console.error(error));
  queue.start(`${dir}/app.log.1.raw`, `${dir}/app.log.1.gz`);
  await queue.settle();
  const text = await new Response(
    (await Deno.open(`${dir}/app.log.1.gz`)).readable.pipeThrough(new DecompressionStream("gzip")),
  ).text();
  console.assert(text === "hello\n");
  await Deno.remove(dir, { recursive: true });
});

Deno.test("gzipFileSync (core/io/gzip.ts) does what its documentation says", async () => {
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(`${dir}/a.raw`, "hello\n");
  gzipFileSync(`${dir}/a.raw`, `${dir}/a.gz`);
  console.assert(Deno.readFileSync(`${dir}/a.gz`)[0] === 0x1f);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("recoverGzipSync (core/io/gzip.ts) does what its documentation says", async () => {
  const dir = await Deno.makeTempDir();
  Deno.writeTextFileSync(`${dir}/app.log.1.gz.raw`, "left by a killed process\n");
  console.assert(recoverGzipSync(`${dir}/app.log.1.gz`) === null);
  console.assert(Deno.readFileSync(`${dir}/app.log.1.gz`)[0] === 0x1f);
  await Deno.remove(dir, { recursive: true });
});

Deno.test("dotStuff (core/io/smtp_client.ts) does what its documentation says", () => {
  const out = new TextDecoder().decode(dotStuff(new TextEncoder().encode("a\n.\n.x\rb")));
  console.assert(out === "a\r\n..\r\n..x\r\nb\r\n.\r\n");
});

Deno.test("envelopeAddress (core/io/smtp_client.ts) does what its documentation says", () => {
  console.assert(envelopeAddress("Ops Team <ops@example.com>") === "ops@example.com");
  console.assert(envelopeAddress(" ops@example.com ") === "ops@example.com");
});

Deno.test("addressProblem (core/io/smtp_client.ts) does what its documentation says", () => {
  console.assert(addressProblem('"Doe, John <ops>" <john@example.com>') === null);
  console.assert(addressProblem("ops@example.com> NOTIFY=SUCCESS")?.startsWith("'>'"));
  console.assert(addressProblem("ops@example.com\r\nBcc: x@evil.test")?.startsWith("CR or LF"));
});

Deno.test("unixSocketFlags (core/io/transport.ts) does what its documentation says", () => {
  console.assert(
    unixSocketFlags("/dev/log", true) === "--allow-write=/dev/log --allow-net=unix:/dev/log",
  );
});

Deno.test("DATAGRAM_OUTBOX_DEFAULTS (core/io/transport.ts) does what its documentation says", () => {
  console.assert(DATAGRAM_OUTBOX_DEFAULTS.maxRecords === 100_000);
});

Deno.test("checkSendRate (core/io/transport.ts) does what its documentation says", () => {
  console.assert(checkSendRate("DatagramHandler", undefined) === 20_000);
});

Deno.test("unixDatagramSender (core/io/transport.ts) does what its documentation says", () => {
  // null unless Deno runs with --unstable-net
  const sender = unixDatagramSender("/dev/log");
  sender?.close();
});

Deno.test("PlaceHolder (core/logger.ts) does what its documentation says", () => {
  getLogger("ph.a.b");
  console.assert(root.manager.loggerDict.get("ph.a") instanceof PlaceHolder);
});

Deno.test("flushWithin (core/shutdown.ts) does what its documentation says", async () => {
  console.assert(await flushWithin(new NullHandler()));
});

Deno.test("endingReason (core/shutdown.ts) does what its documentation says", () => {
  console.assert(endingReason() === null); // the program is running
});

Deno.test("runExitHooksSync (core/shutdown.ts) does what its documentation says", () => {
  runExitHooksSync("at exit"); // nothing is live here: nothing to do
});

Deno.test("normalizeEncoding (core/text/encoding.ts) does what its documentation says", () => {
  console.assert(normalizeEncoding("UTF8") === "utf-8");
  console.assert(normalizeEncoding("ISO_8859-1") === "latin-1");
  console.assert(normalizeEncoding("utf_16le") === "utf-16-le");
});

Deno.test("checkErrorPolicy (core/text/encoding.ts) does what its documentation says", () => {
  console.assert(checkErrorPolicy("replace") === "replace");
  console.assert(checkErrorPolicy(undefined) === "strict");
});

Deno.test("repeatText (core/text/float_format.ts) does what its documentation says", () => {
  console.assert(repeatText("0", 3) === "000");
  let refused = false;
  try {
    repeatText(" ", 999_999_999);
  } catch (error) {
    refused = error instanceof RangeError;
  }
  console.assert(refused);
});

Deno.test("compileBrace (core/text/format_spec.ts) does what its documentation says", () => {
  const line = compileBrace("{name}: {value:.2f}");
  console.assert(line({ name: "load", value: 0.5 }) === "load: 0.50");
});

Deno.test("braceParse (core/text/format_spec.ts) does what its documentation says", () => {
  const [chunk] = braceParse("at {when!s:>10}");
  console.assert(chunk.literal === "at " && chunk.fieldName === "when");
  console.assert(chunk.conversion === "s" && chunk.formatSpec === ">10");
});

Deno.test("braceFieldNames (core/text/format_spec.ts) does what its documentation says", () => {
  const names = braceFieldNames("{asctime} {levelname:<8} {message}");
  console.assert(names.join(",") === "asctime,levelname,message");
});

Deno.test("templateFieldNames (core/text/format_spec.ts) does what its documentation says", () => {
  console.assert(templateFieldNames("$a ${b} $a $$c").join(",") === "a,b");
});

Deno.test("compilePercent (core/text/percent.ts) does what its documentation says", () => {
  const line = compilePercent("%(levelname)-8s %(message)s");
  console.assert(line({ levelname: "INFO", message: "up" }) === "INFO     up");
});

Deno.test("percentArgCount (core/text/percent.ts) does what its documentation says", () => {
  console.assert(percentArgCount("%s took %*.*f s (100%%)") === 4);
  console.assert(percentArgCount("%(user)s %(n)d") === 1);
  console.assert(percentArgCount("no placeholders") === 0);
});

Deno.test("getMappingItem (core/text/percent.ts) does what its documentation says", () => {
  console.assert(getMappingItem({ a: 1 }, "a") === 1);
  console.assert(getMappingItem(new Map([["a", 2]]), "a") === 2);
});

Deno.test("pyIntStr (core/text/pystr.ts) does what its documentation says", () => {
  console.assert(pyIntStr(-42n) === "-42");
  console.assert(pyIntStr(10n ** 4299n).length === 4300);
  let refused = false;
  try {
    pyIntStr(10n ** 100_000n);
  } catch (error) {
    refused = error instanceof Error && error.name === "ValueError";
  }
  console.assert(refused);
});

Deno.test("pyAscii (core/text/pystr.ts) does what its documentation says", () => {
  console.assert(pyAscii("café") === "'caf\\xe9'");
  console.assert(pyAscii("😀") === "'\\U0001f600'");
});

Deno.test("pyTypeName (core/text/pystr.ts) does what its documentation says", () => {
  console.assert(pyTypeName("x") === "str");
  console.assert(pyTypeName(1.5) === "float");
  console.assert(pyTypeName(null) === "NoneType");
  console.assert(pyTypeName(new Map()) === "dict");
});
