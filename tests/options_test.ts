/**
 * Mistaken calls are refused at once, with an error that names the class and the option and
 * says what to write instead: Python's positional habits, misspelled keys, wrong types. Without
 * a type checker (`deno run` does not check types) these used to be silently ignored.
 */

import { assertThrows } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";
import {
  DatagramHandler,
  ERROR,
  FileHandler,
  Filter,
  Formatter,
  getLogger,
  HTTPHandler,
  LoggerAdapter,
  LogReceiver,
  MemoryHandler,
  NTEventLogHandler,
  QueueListener,
  RotatingFileHandler,
  SMTPHandler,
  SocketHandler,
  StreamHandler,
  SysLogHandler,
  TimedRotatingFileHandler,
  WatchedFileHandler,
  WorkerQueue,
} from "../mod.ts";
import { AsyncQueue } from "../core/io/queues.ts";
import { checkOptions, closestName, integer, string } from "../core/text/options.ts";

type ErrorClass = new (...args: never[]) => Error;
// deno-lint-ignore no-explicit-any
type Loose = any; // what a JavaScript caller can pass

const smtp = {
  mailhost: "localhost",
  fromaddr: "app@example.com",
  toaddrs: "ops@example.com",
  subject: "s",
};

/** [what the caller did, the call, the error class, words the message must hold] */
const MISTAKES: [string, () => unknown, ErrorClass, string][] = [
  [
    "RotatingFileHandler with Python's positional mode, maxBytes and backupCount",
    () => new (RotatingFileHandler as Loose)("app.log", "a", 1000, 3),
    TypeError,
    `current value is "a". Python's optional arguments are passed by name here, e.g. new RotatingFileHandler("app.log", { maxBytes: 1_000_000, backupCount: 5 })`,
  ],
  [
    "RotatingFileHandler with a misspelled maxBytes",
    () => new RotatingFileHandler("app.log", { maxbytes: 10 } as Loose),
    TypeError,
    "Cannot create RotatingFileHandler as 'maxbytes' is not one of its options: did you mean 'maxBytes'?",
  ],
  [
    "TimedRotatingFileHandler with Python's positional when",
    () => new (TimedRotatingFileHandler as Loose)("app.log", "midnight"),
    TypeError,
    `e.g. new TimedRotatingFileHandler("app.log", { when: "midnight", backupCount: 7 })`,
  ],
  [
    "TimedRotatingFileHandler with a snake_case option",
    () => new TimedRotatingFileHandler("app.log", { backup_count: 7 } as Loose),
    TypeError,
    "did you mean 'backupCount'?",
  ],
  [
    "FileHandler with a misspelled encoding",
    () => new FileHandler("app.log", { encodng: "latin-1" } as Loose),
    TypeError,
    "did you mean 'encoding'?",
  ],
  [
    "WatchedFileHandler with an option of the rotating handlers",
    () => new WatchedFileHandler("app.log", { maxBytes: 10 } as Loose),
    TypeError,
    "Cannot create WatchedFileHandler as 'maxBytes' is not one of its options",
  ],
  [
    "FileHandler with a buffer size that is not a whole number",
    () => new FileHandler("app.log", { bufferSize: 1.5 }),
    RangeError,
    "'bufferSize' must be an integer >= 0: current value is 1.5",
  ],
  [
    "Formatter with Python's positional datefmt",
    () => new Formatter("%(message)s", "%H:%M" as Loose),
    TypeError,
    `Cannot create Formatter as its options must be an object with named keys: current value is "%H:%M"`,
  ],
  [
    "Formatter with a misspelled option",
    () => new Formatter("%(message)s", { dateFmt: "%H" } as Loose),
    TypeError,
    "'dateFmt' is not one of its options: did you mean 'datefmt'?",
  ],
  [
    "MemoryHandler with Python's positional flushLevel and target",
    () => new (MemoryHandler as Loose)(10, ERROR, new StreamHandler()),
    TypeError,
    "Cannot create MemoryHandler as its options must be an object with named keys: current value is 40",
  ],
  [
    "MemoryHandler with a target that cannot take records",
    () => new MemoryHandler(10, { target: "file.log" as Loose }),
    TypeError,
    "'target' must be a handler, or anything with handle(record), or null",
  ],
  [
    "SocketHandler with host:port in one string",
    () => new (SocketHandler as Loose)("logs.example.com:9020"),
    TypeError,
    `The port is an argument of its own: new SocketHandler("logs.example.com", 9020)`,
  ],
  [
    "SocketHandler with a misspelled option",
    () => new SocketHandler("localhost", 9020, { retrystart: 2 } as Loose),
    TypeError,
    "'retrystart' is not one of its options: did you mean 'retryStart'?",
  ],
  [
    "SocketHandler with a format it does not know",
    () => new SocketHandler("localhost", 9020, { format: "msgpack" as Loose }),
    RangeError,
    `'format' must be "pickle" or "json": current value is "msgpack"`,
  ],
  [
    "DatagramHandler asked for acknowledgements",
    () => new DatagramHandler("localhost", 9021, { ack: true }),
    TypeError,
    "'ack' must be false (acknowledgements need a stream: use SocketHandler)",
  ],
  [
    "SysLogHandler with Python's positional address",
    () => new (SysLogHandler as Loose)("/dev/log"),
    TypeError,
    `e.g. new SysLogHandler({ address: "/dev/log" })`,
  ],
  [
    "SysLogHandler with a snake_case option",
    () => new SysLogHandler({ append_nul: false } as Loose),
    TypeError,
    "did you mean 'appendNul'?",
  ],
  [
    "HTTPHandler with a misspelled option",
    () => new HTTPHandler("localhost", "/log", { methd: "POST" } as Loose),
    TypeError,
    "'methd' is not one of its options: did you mean 'method'?",
  ],
  [
    "SMTPHandler with a misspelled option",
    () => new SMTPHandler({ ...smtp, crendentials: ["u", "p"] } as Loose),
    TypeError,
    "did you mean 'credentials'?",
  ],
  [
    "SMTPHandler with credentials that are not a pair",
    () => new SMTPHandler({ ...smtp, credentials: "u:p" as Loose }),
    TypeError,
    "'credentials' must be [user, password], or null",
  ],
  [
    "NTEventLogHandler with a snake_case option",
    () => new NTEventLogHandler("app", { log_type: "System" } as Loose),
    TypeError,
    "did you mean 'logtype'?",
  ],
  [
    "QueueListener with Python's *handlers",
    () => new (QueueListener as Loose)(new AsyncQueue(), new StreamHandler(), new StreamHandler()),
    TypeError,
    "Python's *handlers become one array here",
  ],
  [
    "WorkerQueue with a snake_case option",
    () => {
      const { port1, port2 } = new MessageChannel();
      try {
        return new WorkerQueue(port1, { max_size: 10 } as Loose);
      } finally {
        port1.close();
        port2.close();
      }
    },
    TypeError,
    "did you mean 'maxsize'?",
  ],
  [
    "StreamHandler given a name instead of a stream",
    () => new StreamHandler("stderr" as Loose),
    TypeError,
    "'stream' must have a writeSync or a write method, like Deno.stderr",
  ],
  [
    "Filter given something else than a logger name",
    () => new Filter(5 as Loose),
    TypeError,
    "'name' must be a logger name (a string): current value is 5",
  ],
  [
    "LogReceiver with a lower-case option",
    () => new LogReceiver({ tcp: { port: 0 }, maxconnections: 5 } as Loose),
    TypeError,
    "did you mean 'maxConnections'?",
  ],
  [
    "LoggerAdapter given a string for extra",
    () => new LoggerAdapter(getLogger("options.adapter"), "user=ada" as Loose),
    TypeError,
    `'extra' must be an object, or null: current value is "user=ada"`,
  ],
];

for (const [what, call, cls, words] of MISTAKES) {
  Deno.test(`a clear error, not silence: ${what}`, () => {
    assertThrows(call, cls, words);
  });
}

Deno.test("a subclass of the user's may add options of its own; the known ones are still checked", () =>
  withTempDir(() => {
    class Tagged extends SocketHandler {
      tag: string;
      constructor(tag: string, options: Record<string, unknown>) {
        super("localhost", 9020, options);
        this.tag = tag;
      }
    }
    const h = new Tagged("a", { tag: "a", format: "json" });
    h.close();
    assertThrows(() => new Tagged("a", { format: "xml" }), RangeError, "'format'");
  }));

Deno.test("closestName suggests what was meant, and nothing far from every known name", () => {
  const known = ["maxBytes", "backupCount", "encoding", "delay", "errors", "mode"];
  for (
    const [typo, meant] of [["maxbytes", "maxBytes"], ["backup_count", "backupCount"], [
      "encodng",
      "encoding",
    ], ["dealy", "delay"]]
  ) {
    if (closestName(typo, known) !== meant) {
      throw new Error(`${typo} -> ${closestName(typo, known)}`);
    }
  }
  if (closestName("colour", known) !== null) throw new Error("colour suggested something");
  assertThrows(
    () => checkOptions("X", { size: 1 }, { maxBytes: integer(0), mode: string() }, ""),
    TypeError,
    "'size' is not one of its options (known: maxBytes, mode)",
  );
});
