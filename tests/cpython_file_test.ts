/**
 * CPython 3.13's `FileHandlerTest` (Lib/test/test_logging.py), translated: the same handler
 * options, records and expected files. Each test is named after the CPython test it
 * translates. `BaseFileTest`'s `setUp` makes a temporary file and `tearDown` removes it; here a
 * temporary folder holds it.
 */

import { Formatter } from "../core/formatter.ts";
import { DEBUG } from "../core/levels.ts";
import { LogRecord, makeLogRecord } from "../core/record.ts";
import { FileHandler } from "../handlers/file.ts";
import { assert, assertEquals } from "./helpers/assert.ts";
import { existsSync, withTempDir } from "./helpers/fs.ts";

/** `BaseFileTest`: a temporary log file `fn` (made, as `make_temp_file` does) and `next_rec`. */
async function withLogFile(fn: (path: string, nextRec: () => LogRecord) => Promise<void>) {
  await withTempDir(async (dir) => {
    const path = `${dir}/test_logging-2-.log`;
    Deno.writeFileSync(path, new Uint8Array(0));
    let counter = 0;
    // logging.LogRecord('n', logging.DEBUG, 'p', 1, self.next_message(), None, None, None)
    const nextRec = () => new LogRecord("n", DEBUG, "p", 1, String(++counter), null, null, null);
    await fn(path, nextRec);
  });
}

Deno.test("FileHandlerTest.test_delay: with delay the file is made at the first record", async () => {
  await withLogFile(async (fn) => {
    Deno.removeSync(fn);
    const fh = new FileHandler(fn, { encoding: "utf-8", delay: true });
    assertEquals(fh.stream, null);
    assert(!existsSync(fn));
    fh.handle(makeLogRecord({}));
    assert(fh.stream !== null);
    assert(existsSync(fn));
    await fh.close();
  });
});

Deno.test("FileHandlerTest.test_emit_after_closing_in_write_mode: mode 'w' writes nothing after close()", async () => {
  // Issue #42378
  await withLogFile(async (fn, nextRec) => {
    Deno.removeSync(fn);
    const fh = new FileHandler(fn, { encoding: "utf-8", mode: "w" });
    fh.setFormatter(new Formatter("%(message)s"));
    fh.emit(nextRec()); // '1'
    await fh.close();
    fh.emit(nextRec()); // '2'
    assertEquals(Deno.readTextFileSync(fn).trim(), "1");
  });
});
