/**
 * A log worker for the queue tests: writes the records posted by a `WorkerQueue` to the file
 * named by the worker's `name`, as `threadName|levelname|message`. With a name ending in
 * `#slow`, a second handler's `flush()` takes 100 ms, so acknowledgements wait for it.
 */
import { listenInWorker } from "../../handlers/queue.ts";
import { FileHandler } from "../../handlers/file.ts";
import { Formatter } from "../../core/formatter.ts";
import { Handler } from "../../core/handler.ts";
import type { LogRecord } from "../../core/record.ts";

class SlowFlush extends Handler {
  seen = 0;
  override emit(_record: LogRecord): void {
    this.seen++;
  }
  override flush(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Only inside a Worker: imported on the main thread (by a test runner), it does nothing.
if ((globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== undefined) {
  const name = (globalThis as { name?: string }).name ?? "";
  const slow = name.endsWith("#slow");
  const file = new FileHandler(slow ? name.slice(0, -5) : name);
  file.setFormatter(new Formatter("%(threadName)s|%(levelname)s|%(message)s"));
  listenInWorker(slow ? [file, new SlowFlush()] : [file]);
}
