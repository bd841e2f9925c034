/**
 * CPython 3.13's `EncodingTest` (Lib/test/test_logging.py), translated: the same messages and
 * the same expected bytes. Each test is named after the CPython test it translates.
 */

import { getLogger } from "../core/logger.ts";
import { createEncoder } from "../core/text/encoding.ts";
import { FileHandler } from "../handlers/file.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { assertEquals } from "./helpers/assert.ts";
import { concat } from "./helpers/bytes.ts";
import { withTempDir } from "./helpers/fs.ts";

Deno.test("EncodingTest.test_encoding_plain_file: a utf-8 FileHandler writes non-ASCII text as it is", async () => {
  const log = getLogger("test");
  await withTempDir(async (dir) => {
    const fn = `${dir}/test_logging-1-.log`;
    // the non-ascii data we write to the log.
    const data = "foo\x80";
    const handler = new FileHandler(fn, { encoding: "utf-8" });
    log.addHandler(handler);
    try {
      // write non-ascii data to the log.
      log.warning(data);
    } finally {
      log.removeHandler(handler);
      await handler.close();
    }
    // check we wrote exactly those bytes, ignoring trailing \n etc
    assertEquals(Deno.readTextFileSync(fn).trimEnd(), data);
  });
});

Deno.test("EncodingTest.test_encoding_cyrillic_unicode: a stream writing cp1251 gets the cp1251 bytes", async () => {
  const log = getLogger("test");
  // Get a message in Unicode: Do svidanya in Cyrillic (meaning goodbye)
  const message = "\u0434\u043e \u0441\u0432\u0438\u0434\u0430\u043d\u0438\u044f";
  // Ensure it's written in a Cyrillic encoding. CPython's codecs.getwriter('cp1251') wraps a
  // BytesIO in a text stream that encodes what it is given; here that stream is a TextWriter
  // that encodes with the library's cp1251 encoder ('strict') into a list of bytes.
  const encoder = createEncoder("cp1251", "strict");
  const stream: Uint8Array[] = [];
  const writer = { write: (text: string) => stream.push(encoder.encode(text).slice()) };
  const handler = new StreamHandler(writer);
  log.addHandler(handler);
  try {
    log.warning(message);
  } finally {
    log.removeHandler(handler);
    await handler.close();
  }
  // check we wrote exactly those bytes, ignoring trailing \n etc
  const s = concat(stream);
  // Compare against what the data should be when encoded in CP-1251
  assertEquals(
    s,
    new Uint8Array([0xe4, 0xee, 0x20, 0xf1, 0xe2, 0xe8, 0xe4, 0xe0, 0xed, 0xe8, 0xff, 0x0a]),
  );
});
