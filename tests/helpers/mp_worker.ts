/**
 * A Worker that runs one writer of the multi-process tests: post it a `WriterJob`; it answers
 * `"done"` or the error's text.
 *
 * @module
 */

/// <reference lib="deno.worker" />

import { write, type WriterJob } from "./mp_writer.ts";

self.onmessage = async (event: MessageEvent<WriterJob>) => {
  try {
    await write(event.data);
    self.postMessage("done");
  } catch (error) {
    self.postMessage(String(error));
  }
};
