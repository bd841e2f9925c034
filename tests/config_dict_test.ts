/**
 * dictConfig beyond CPython's own tests: the transaction (a failed configuration changes
 * nothing and leaves nothing open), the error messages, names given through `options.resolve`,
 * user classes, the real standard streams, and where this version improves on CPython.
 */

import { type DictConfig, dictConfig } from "../config/dict.ts";
import { Formatter } from "../core/formatter.ts";
import { getHandlerByName, Handler } from "../core/handler.ts";
import { getLogger, root } from "../core/logger.ts";
import type { LogRecord } from "../core/record.ts";
import { KeyError, ValueError } from "../core/text/errors.ts";
import { FileHandler } from "../handlers/file.ts";
import { MemoryHandler } from "../handlers/memory.ts";
import { QueueHandler, QueueListener } from "../handlers/queue.ts";
import { AsyncQueue } from "../core/io/queues.ts";
import { NullHandler, StreamHandler } from "../handlers/stream.ts";
import { TimedRotatingFileHandler } from "../handlers/timed_rotating.ts";
import { RotatingFileHandler } from "../handlers/rotating.ts";
import { assert, assertEquals, assertStringIncludes, assertThrows } from "./helpers/assert.ts";
import { runScript } from "./helpers/collect.ts";
import { existsSync, withTempDir } from "./helpers/fs.ts";
import { CapturedStream, openFilesUnder, resetLogging } from "./helpers/logging_state.ts";

/** A test on a fresh logging tree, reset again afterwards. */
function configTest(name: string, fn: () => void | Promise<void>): void {
  Deno.test(name, async () => {
    resetLogging();
    try {
      await fn();
    } finally {
      resetLogging();
    }
  });
}

/** The configuration's error, checked to be CPython's outer message, and its cause. */
function configError(config: unknown, message: string, options = {}): Error {
  const error = assertThrows(
    () => dictConfig(config as DictConfig, options),
    ValueError,
  );
  assertEquals(error.message, message);
  assert(error.cause instanceof Error, "the error has a cause");
  return error.cause;
}

configTest(
  "A failed configuration closes what it opened and the previous one keeps logging",
  async () => {
    await withTempDir((dir) => {
      dictConfig({
        version: 1,
        handlers: { a: { class: "logging.FileHandler", filename: `${dir}/a.log` } },
        loggers: { app: { level: "INFO", handlers: ["a"], propagate: false } },
      });
      const a = getHandlerByName("a");
      let timed: TimedRotatingFileHandler | undefined;
      const cause = configError(
        {
          version: 1,
          handlers: {
            // made in this order (sorted ids), then zz fails
            b: { class: "logging.FileHandler", filename: `${dir}/b.log` },
            t: {
              "()": (kw: { filename: string }) =>
                timed = new TimedRotatingFileHandler(kw.filename, { when: "S", timer: true }),
              filename: `${dir}/t.log`,
            },
            zz: { class: "logging.handlers.RotatingFileHandlr", filename: `${dir}/z.log` },
          },
          loggers: { app: { handlers: ["b", "t", "zz"] } },
        },
        "Unable to configure handler 'zz'",
      );
      assertStringIncludes(cause.message, "Cannot resolve 'logging.handlers.RotatingFileHandlr'");
      // b.log and t.log were opened, and closed again (the op sanitizer checks the timer).
      assert(existsSync(`${dir}/b.log`) && existsSync(`${dir}/t.log`));
      assertEquals(openFilesUnder(dir), ["a.log"]);
      assert(timed !== undefined && timed.closed);
      assert(!existsSync(`${dir}/z.log`));
      // The previous configuration is untouched.
      assert(getHandlerByName("a") === a && a !== null && !a.closed);
      assertEquals(getHandlerByName("b"), null);
      const app = getLogger("app");
      assert(app.handlers.length === 1 && app.handlers[0] === a && app.propagate === false);
      app.info("still here");
      assertEquals(Deno.readTextFileSync(`${dir}/a.log`), "still here\n");
    });
  },
);

configTest("A failed logger entry changes no logger and closes no handler", async () => {
  await withTempDir((dir) => {
    dictConfig({
      version: 1,
      handlers: { a: { class: "logging.FileHandler", filename: `${dir}/a.log` } },
      loggers: { app: { handlers: ["a"] }, other: { level: "ERROR" } },
    });
    const a = getHandlerByName("a")!;
    const cause = configError(
      {
        version: 1,
        handlers: { b: { class: "logging.FileHandler", filename: `${dir}/b.log` } },
        loggers: { app: { level: "DEBUG", handlers: ["b", "nope"] } },
      },
      "Unable to configure logger 'app'",
    );
    assertEquals(cause.message, "Unable to add handler 'nope'");
    assert(cause.cause instanceof KeyError);
    assert(!a.closed && getLogger("app").handlers[0] === a);
    assertEquals(getLogger("app").level, 0);
    assert(!getLogger("other").disabled, "no logger was disabled");
  });
});

configTest("An incremental configuration naming an unknown handler changes nothing", () => {
  const out = new CapturedStream();
  dictConfig({
    version: 1,
    handlers: { h: { class: "logging.StreamHandler", stream: "ext://sys.stdout", level: "ERROR" } },
    loggers: { svc: { level: "ERROR", handlers: ["h"] } },
  }, { resolve: { "sys.stdout": out } });
  assertThrows(
    () =>
      dictConfig({
        version: 1,
        incremental: true,
        handlers: { h: { level: "DEBUG" }, ghost: { level: "DEBUG" } },
        loggers: { svc: { level: "DEBUG" } },
      }),
    ValueError,
    "No handler found with name 'ghost'",
  );
  assertEquals(getHandlerByName("h")!.level, 40);
  assertEquals(getLogger("svc").level, 40);
});

configTest(
  "Replacing a configuration closes its handlers, a MemoryHandler before its target",
  async () => {
    await withTempDir((dir) => {
      dictConfig({
        version: 1,
        handlers: {
          // sorted ids: "a_memory" is made (and named) after its target in CPython's order too
          a_memory: { class: "logging.handlers.MemoryHandler", capacity: 100, target: "file" },
          file: { class: "logging.FileHandler", filename: `${dir}/file.log` },
        },
        root: { level: "INFO", handlers: ["a_memory"] },
      });
      const memory = getHandlerByName("a_memory") as MemoryHandler;
      const file = getHandlerByName("file") as FileHandler;
      getLogger("job").info("step 1");
      getLogger("job").info("step 2");
      assertEquals(Deno.readTextFileSync(`${dir}/file.log`), "");
      dictConfig({ version: 1 });
      assert(memory.closed && file.closed);
      assertEquals(getHandlerByName("file"), null);
      // The buffer went into the file before the file was closed: no file reopened after it.
      assertEquals(Deno.readTextFileSync(`${dir}/file.log`), "step 1\nstep 2\n");
      assertEquals(openFilesUnder(dir), []);
      assertEquals(file.stream, null);
    });
  },
);

configTest(
  "An unknown class name names its key path, a close known name and the known names",
  () => {
    const cause = configError(
      { version: 1, handlers: { file: { class: "logging.handlers.RotatingFileHandlr" } } },
      "Unable to configure handler 'file'",
    );
    assert(cause instanceof ValueError);
    assertStringIncludes(
      cause.message,
      "Cannot resolve 'logging.handlers.RotatingFileHandlr' at handlers.file.class: not a name " +
        "this library knows (did you mean 'logging.handlers.RotatingFileHandler'?)",
    );
    assertStringIncludes(
      cause.message,
      `{ resolve: { "logging.handlers.RotatingFileHandlr": ... } }`,
    );
    assertStringIncludes(cause.message, "Known names: ");
    for (const name of ["logging.FileHandler", "logging.handlers.QueueHandler", "sys.stdout"]) {
      assertStringIncludes(cause.message, name);
    }
    const ext = configError(
      {
        version: 1,
        handlers: { h: { class: "logging.StreamHandler", stream: "ext://myapp.stream" } },
      },
      "Unable to configure handler 'h'",
    );
    assertStringIncludes(ext.message, "Cannot resolve 'myapp.stream' at handlers.h.stream");
  },
);

configTest(
  "A keyword argument CPython would refuse is its TypeError, and nothing is opened",
  async () => {
    await withTempDir((dir) => {
      const cause = configError(
        {
          version: 1,
          handlers: {
            file: {
              class: "logging.handlers.RotatingFileHandler",
              filename: `${dir}/app.log`,
              maxbytes: 1000,
            },
          },
        },
        "Unable to configure handler 'file'",
      );
      assert(cause instanceof TypeError);
      assertEquals(
        cause.message,
        "RotatingFileHandler.__init__() got an unexpected keyword argument 'maxbytes'. " +
          "Did you mean 'maxBytes'?",
      );
      assert(!existsSync(`${dir}/app.log`));
      const missing = configError(
        {
          version: 1,
          handlers: { mail: { class: "logging.handlers.SMTPHandler", mailhost: "localhost" } },
        },
        "Unable to configure handler 'mail'",
      );
      assertEquals(
        missing.message,
        "SMTPHandler.__init__() missing 3 required positional arguments: 'fromaddr', 'toaddrs', " +
          "and 'subject'",
      );
    });
  },
);

configTest("Python's keyword arguments reach the constructors by their Python names", async () => {
  await withTempDir((dir) => {
    dictConfig({
      version: 1,
      handlers: {
        rot: {
          class: "logging.handlers.RotatingFileHandler",
          filename: `${dir}/r.log`,
          maxBytes: 123,
          backupCount: 4,
          encoding: "utf-8",
          delay: true,
        },
        timed: {
          class: "logging.handlers.TimedRotatingFileHandler",
          filename: `${dir}/t.log`,
          when: "midnight",
          backupCount: 7,
          utc: true,
        },
        mem: {
          class: "logging.handlers.MemoryHandler",
          capacity: 10,
          flushLevel: "ext://logging.CRITICAL",
          flushOnClose: false,
        },
      },
    });
    const rot = getHandlerByName("rot") as Handler & { maxBytes: number; backupCount: number };
    assertEquals([rot.maxBytes, rot.backupCount], [123, 4]);
    assert(!existsSync(`${dir}/r.log`), "delay: true opens the file at the first record");
    const timed = getHandlerByName("timed") as TimedRotatingFileHandler;
    assertEquals([timed.when, timed.backupCount, timed.utc], ["MIDNIGHT", 7, true]);
    const mem = getHandlerByName("mem") as MemoryHandler;
    assertEquals([mem.capacity, mem.flushLevel, mem.flushOnClose], [10, 50, false]);
  });
});

configTest(
  "Names a configuration gives are resolved through options.resolve, whole or by prefix",
  () => {
    const seen: string[] = [];
    class AuditHandler extends Handler {
      readonly dsn: string;
      constructor(kwargs: { dsn: string }) {
        super();
        this.dsn = kwargs.dsn;
      }
      override emit(record: LogRecord): void {
        seen.push(`${this.dsn}: ${this.format(record)}`);
      }
    }
    const handlersModule = { AuditHandler, tag: { prefix: "[audit] " } };
    dictConfig({
      version: 1,
      formatters: { f: { "()": "myapp.makeFormatter", prefix: "ext://myapp.handlers.tag.prefix" } },
      handlers: { audit: { class: "myapp.handlers.AuditHandler", dsn: "db://x", formatter: "f" } },
      root: { level: "INFO", handlers: ["audit"] },
    }, {
      resolve: {
        "myapp.handlers": handlersModule,
        "myapp.makeFormatter": (kw: { prefix: string }) => new Formatter(`${kw.prefix}%(message)s`),
      },
    });
    getLogger("x").info("login");
    assertEquals(seen, ["db://x: [audit] login"]);
    // The library's classes are a prefix too: their static members.
    let facility: unknown;
    dictConfig({
      version: 1,
      handlers: {
        h: {
          "()": (kw: { facility: unknown }) => (facility = kw.facility, new NullHandler()),
          facility: "ext://logging.handlers.SysLogHandler.LOG_LOCAL0",
        },
      },
    });
    assertEquals(facility, 16);
    // Properties of a value, not JavaScript's object model.
    const cause = configError(
      { version: 1, handlers: { h: { "()": "myapp.handlers.constructor" } } },
      "Unable to configure handler 'h'",
      { resolve: { "myapp.handlers": handlersModule } },
    );
    assertStringIncludes(cause.message, "Cannot resolve 'myapp.handlers.constructor'");
  },
);

configTest(
  "A subclass without a constructor takes its base's arguments, with one the keyword object",
  () => {
    const out = new CapturedStream();
    class Plain extends StreamHandler {}
    class Own extends StreamHandler {
      readonly color: string;
      constructor(kwargs: { stream: CapturedStream; color: string }) {
        super(kwargs.stream);
        this.color = kwargs.color;
      }
    }
    dictConfig({
      version: 1,
      handlers: {
        plain: { class: Plain, stream: "ext://sys.stdout" },
        own: { "()": Own, stream: "ext://sys.stdout", color: "red" },
      },
      root: { handlers: ["plain", "own"] },
    }, { resolve: { "sys.stdout": out } });
    getLogger("z").warning("twice");
    assertEquals(out.text, "twice\ntwice\n");
    assertEquals((getHandlerByName("own") as Own).color, "red");
    // A constructor that only forwards its arguments (what compilers write for fields) is the
    // base's: its Python arguments.
    class Forwarding extends StreamHandler {
      tag: string;
      constructor(...args: ConstructorParameters<typeof StreamHandler>) {
        super(...args);
        this.tag = "forwarded";
      }
    }
    dictConfig({ version: 1, handlers: { f: { class: Forwarding, stream: "ext://sys.stdout" } } }, {
      resolve: { "sys.stdout": out },
    });
    assertEquals((getHandlerByName("f") as Forwarding).tag, "forwarded");
    const cause = configError(
      { version: 1, handlers: { plain: { class: Plain, color: "red" } } },
      "Unable to configure handler 'plain'",
    );
    assertEquals(
      cause.message,
      "StreamHandler.__init__() got an unexpected keyword argument 'color' (Plain extends " +
        "StreamHandler without a constructor of its own, so it takes StreamHandler's arguments; " +
        "a constructor of its own gets the arguments as one object)",
    );
  },
);

configTest("MemoryHandler targets chain in any order of their ids (CPython stops at two)", () => {
  const out = new CapturedStream();
  dictConfig({
    version: 1,
    handlers: {
      a: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "b" },
      b: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "c" },
      c: { class: "logging.StreamHandler", stream: "ext://sys.stdout" },
    },
    root: { handlers: ["a"] },
  }, { resolve: { "sys.stdout": out } });
  getLogger("chain").warning("through a, b and c");
  assertEquals(out.text, "through a, b and c\n");
  const cause = configError(
    {
      version: 1,
      handlers: {
        a: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "b" },
        b: { class: "logging.handlers.MemoryHandler", capacity: 1, target: "a" },
      },
    },
    "Unable to configure handler 'a'",
  );
  assertEquals(cause.message, "Unable to set target handler 'b'");
  assertEquals((cause.cause as Error).message, "target not configured yet");
});

configTest(
  "A QueueHandler's listener is made over its queue but only started by the program",
  async () => {
    const out = new CapturedStream();
    dictConfig({
      version: 1,
      handlers: {
        q: {
          class: "logging.handlers.QueueHandler",
          queue: { "()": "queue.Queue", maxsize: 100 },
          handlers: ["out"],
          respect_handler_level: true,
        },
        out: { class: "logging.StreamHandler", stream: "ext://sys.stdout", level: "ERROR" },
      },
      root: { level: "INFO", handlers: ["q"] },
    }, { resolve: { "sys.stdout": out } });
    const q = getHandlerByName("q") as QueueHandler;
    assert(q.listener instanceof QueueListener && !q.listener.running);
    assert(q.listener.queue === q.queue && q.listener.respectHandlerLevel);
    assertEquals(q.listener.handlers, [getHandlerByName("out")!]);
    getLogger("w").info("below the handler's level");
    getLogger("w").error("queued before start");
    q.listener.start();
    await q.listener.stop();
    assertEquals(out.text, "queued before start\n");
    // A queue class or factory given through ext:// is called, as a dotted name is.
    const made: unknown[] = [];
    const makeQueue = () => {
      const queue = new AsyncQueue<LogRecord | null>();
      made.push(queue);
      return queue;
    };
    dictConfig({
      version: 1,
      handlers: {
        byName: { class: "logging.handlers.QueueHandler", queue: "app.makeQueue" },
        byExt: { class: "logging.handlers.QueueHandler", queue: "ext://app.makeQueue" },
        byClass: { class: "logging.handlers.QueueHandler", queue: "ext://queue.Queue" },
      },
    }, { resolve: { "app.makeQueue": makeQueue } });
    assertEquals(made.length, 2);
    assert(made.includes((getHandlerByName("byName") as QueueHandler).queue));
    assert(made.includes((getHandlerByName("byExt") as QueueHandler).queue));
    assert((getHandlerByName("byClass") as QueueHandler).queue instanceof AsyncQueue);
  },
);

configTest("cfg:// reaches built handlers and other values; a reference loop is an error", () => {
  let got: Record<string, unknown> = {};
  dictConfig({
    version: 1,
    settings: { tags: ["a", "b"] },
    handlers: {
      a_console: { class: "logging.NullHandler" },
      b_custom: {
        "()": (kw: Record<string, unknown>) => {
          got = kw;
          return new NullHandler();
        },
        console: "cfg://handlers.a_console",
        tag: "cfg://settings.tags[1]",
        literal: "https://example.com/not-a-reference",
      },
    },
  });
  assert(got.console === getHandlerByName("a_console"));
  assertEquals(got.tag, "b");
  assertEquals(got.literal, "https://example.com/not-a-reference");
  const cause = configError(
    {
      version: 1,
      x: "cfg://y",
      y: "cfg://x",
      handlers: { h: { "()": () => new NullHandler(), v: "cfg://x" } },
    },
    "Unable to configure handler 'h'",
  );
  assertStringIncludes(cause.message, "cfg:// references form a loop");
});

configTest("'.' sets Python's snake_case attributes by their camelCase names", () => {
  dictConfig({
    version: 1,
    formatters: {
      f: {
        "()": "logging.Formatter",
        format: "%(asctime)s %(message)s",
        ".": { default_msec_format: "%s.%03d", converter: "ext://time.gmtime" },
      },
    },
    handlers: { h: { class: "logging.NullHandler", formatter: "f" } },
  });
  const f = getHandlerByName("h")!.formatter!;
  assertEquals(f.defaultMsecFormat, "%s.%03d");
  const record = { created: 0, msecs: 5 } as LogRecord;
  assertEquals(f.formatTime(record), "1970-01-01 00:00:00.005");
  const cause = configError(
    { version: 1, handlers: { h: { class: "logging.NullHandler", ".": { ["__proto__"]: {} } } } },
    "Unable to configure handler 'h'",
  );
  assertStringIncludes(cause.message, "cannot set '__proto__'");
});

configTest("Handler names move to the new configuration's handlers", () => {
  dictConfig({ version: 1, handlers: { old: { class: "logging.NullHandler" } } });
  const old = getHandlerByName("old")!;
  dictConfig({ version: 1, handlers: { fresh: { class: "logging.NullHandler" } } });
  assert(old.closed);
  assertEquals(getHandlerByName("old"), null);
  assertEquals(getHandlerByName("fresh")!.name, "fresh");
});

configTest("dictConfig refuses what is not a configuration, and unknown options", () => {
  assertThrows(() => dictConfig(null as unknown as DictConfig), TypeError, "must be a dictionary");
  assertThrows(
    () => dictConfig({ version: 1 }, { resolv: {} } as never),
    TypeError,
    "its options have no 'resolv'",
  );
  assertThrows(
    () => dictConfig({ version: 1 }, { resolve: [] as never }),
    TypeError,
    "'resolve' must be an object",
  );
  const cause = configError(
    { version: 1, handlers: { h: { level: "INFO" } } },
    "Unable to configure handler 'h'",
  );
  assert(cause instanceof KeyError);
  assertStringIncludes(cause.message, "handlers.h needs 'class'");
  assertThrows(
    () => dictConfig({ version: 1, handlers: ["x"] } as never),
    TypeError,
    "'handlers' must be a dictionary of entries by id",
  );
  assertEquals(root.handlers, []);
});

Deno.test("ext://sys.stdout and ext://sys.stderr are the program's standard streams", async () => {
  const dictUrl = new URL("../config/dict.ts", import.meta.url).href;
  const loggerUrl = new URL("../core/logger.ts", import.meta.url).href;
  const { stdout, stderr, code, dir } = await runScript(`
    import { dictConfig } from ${JSON.stringify(dictUrl)};
    import { getLogger } from ${JSON.stringify(loggerUrl)};
    dictConfig({
      version: 1,
      formatters: { f: { format: "%(levelname)s %(message)s" } },
      handlers: {
        out: { class: "logging.StreamHandler", stream: "ext://sys.stdout", formatter: "f" },
        err: { class: "logging.StreamHandler", stream: "ext://sys.stderr", level: "ERROR" },
      },
      root: { level: "INFO", handlers: ["out", "err"] },
    });
    getLogger("p").info("to stdout");
    getLogger("p").error("to both");
  `);
  await Deno.remove(dir, { recursive: true });
  assertEquals(code, 0);
  assertEquals(stdout, "INFO to stdout\nERROR to both\n");
  assertEquals(stderr, "to both\n");
});

Deno.test("dictConfig passes the library's own options (compress, bufferSize, ...) beyond Python's to the handler, and names a misspelt one", async () => {
  const dir = await Deno.makeTempDir();
  try {
    dictConfig({
      version: 1,
      handlers: {
        access: {
          class: "logging.handlers.RotatingFileHandler",
          filename: `${dir}/access.log`,
          maxBytes: 1000,
          backupCount: 2,
          compress: "gzip",
          bufferSize: 4096,
        },
      },
      root: { handlers: ["access"] },
    });
    const handler = getHandlerByName("access") as RotatingFileHandler;
    assertEquals([handler.compress, handler.maxBytes, handler.backupCount], ["gzip", 1000, 2]);
    const error = assertThrows(
      () =>
        dictConfig({
          version: 1,
          handlers: {
            bad: {
              class: "logging.handlers.RotatingFileHandler",
              filename: `${dir}/bad.log`,
              compres: "gzip",
            },
          },
        }),
      ValueError,
      "Unable to configure handler 'bad'",
    );
    assertStringIncludes(String(error.cause), "Did you mean 'compress'?");
  } finally {
    dictConfig({ version: 1, root: { handlers: [] } });
    await Deno.remove(dir, { recursive: true });
  }
});
