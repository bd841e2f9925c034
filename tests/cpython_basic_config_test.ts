/**
 * CPython 3.13's `BasicConfigTest` (Lib/test/test_logging.py), translated: the same calls of
 * `basicConfig`, the same messages, the same expected files and errors. Each test is named
 * after the CPython test it translates. As in CPython's `setUp`/`cleanup`, the root logger's
 * handlers and level are saved, emptied and restored around each test.
 *
 * Adaptations, each said at its test: files are written in a temporary folder by absolute path
 * (CPython writes `test.log` in the current directory, but `Deno.chdir` would move every test
 * of the process); `sys.stdout` is a `CapturedStream` given as `stream` (what
 * `support.captured_stdout()` gives CPython); `sys.exception()` inside a replaced `handleError`
 * is the error `handleError` receives.
 *
 * After the translations, tests of what CPython does with `filemode` and `encoding` beyond what
 * its tests check, compared with CPython where it runs.
 */

import { basicConfig, critical, debug, error, info, log, warning } from "../config/basic.ts";
import { Formatter } from "../core/formatter.ts";
import type { Handler } from "../core/handler.ts";
import { DEBUG, INFO, WARNING } from "../core/levels.ts";
import { root } from "../core/logger.ts";
import { BASIC_FORMAT, settings } from "../core/settings.ts";
import { ValueError } from "../core/text/errors.ts";
import { FileHandler } from "../handlers/file.ts";
import { StreamHandler } from "../handlers/stream.ts";
import { assert, assertEquals, assertMatch, assertThrows } from "./helpers/assert.ts";
import { hex } from "./helpers/bytes.ts";
import { withTempDir } from "./helpers/fs.ts";
import { CapturedStream } from "./helpers/logging_state.ts";
import { pythonAvailable, runPython } from "./helpers/python.ts";

const hasPython = await pythonAvailable();

/**
 * CPython's `setUp`, `tearDown` and `cleanup`: the root logger starts without handlers; after
 * the test its handlers are removed and closed, and the saved handlers and level come back.
 */
async function withBareRoot(fn: () => Promise<void> | void): Promise<void> {
  const saved = [...root.handlers];
  const level = root.level;
  for (const h of saved) root.removeHandler(h);
  try {
    await fn();
  } finally {
    for (const h of [...root.handlers]) {
      root.removeHandler(h);
      await h.close();
    }
    for (const h of saved) root.addHandler(h);
    root.setLevel(level);
  }
}

/** One `Deno.test` per CPython test, with the root logger bare. */
function basicConfigTest(name: string, fn: () => Promise<void> | void): void {
  Deno.test(`BasicConfigTest.${name}`, () => withBareRoot(fn));
}

/** The root logger's only handler. */
function onlyHandler(): Handler {
  assertEquals(root.handlers.length, 1);
  return root.handlers[0];
}

basicConfigTest("test_no_kwargs: no options log to stderr with BASIC_FORMAT", () => {
  const level = root.level;
  basicConfig();

  // handler defaults to a StreamHandler to sys.stderr
  const handler = onlyHandler();
  assert(handler instanceof StreamHandler);
  assertEquals(handler.stream, Deno.stderr);

  const formatter = handler.formatter!;
  // format defaults to logging.BASIC_FORMAT
  assertEquals(formatter.fmt, BASIC_FORMAT);
  // datefmt defaults to None
  assertEquals(formatter.datefmt, null);
  // style defaults to %
  assertEquals(formatter.style, "%");

  // level is not explicitly set
  assertEquals(root.level, level);
});

basicConfigTest("test_strformatstyle: style '{' prints the default format", () => {
  // support.captured_stdout(): the stream stands for sys.stdout.
  const output = new CapturedStream();
  basicConfig({ stream: output, style: "{" });
  error("Log an error");
  assertEquals(output.text.trim(), "ERROR:root:Log an error");
});

basicConfigTest("test_stringtemplatestyle: style '$' prints the default format", () => {
  const output = new CapturedStream();
  basicConfig({ stream: output, style: "$" });
  error("Log an error");
  assertEquals(output.text.trim(), "ERROR:root:Log an error");
});

basicConfigTest("test_filename: filename logs through a FileHandler in mode 'a'", async () => {
  await withTempDir(async (dir) => {
    // CPython writes 'test.log' in the current directory; here it is in a temporary folder.
    const fn = `${dir}/test.log`;
    basicConfig({ filename: fn, encoding: "utf-8" });

    const handler = onlyHandler();
    assert(handler instanceof FileHandler);

    const expected = new FileHandler(fn, { mode: "a", encoding: "utf-8" });
    try {
      // stream.mode and stream.name: the handler's mode and file.
      assertEquals(handler.mode, expected.mode);
      assertEquals(handler.baseFilename, expected.baseFilename);
    } finally {
      await handler.close();
      await expected.close();
    }
  });
});

basicConfigTest(
  "test_filemode: filemode 'wb' opens the file as FileHandler(fn, 'wb') does",
  async () => {
    await withTempDir(async (dir) => {
      const fn = `${dir}/test.log`;
      basicConfig({ filename: fn, filemode: "wb" });

      const handler = onlyHandler() as FileHandler;
      const expected = new FileHandler(fn, { mode: "wb" });
      try {
        assertEquals(handler.mode, expected.mode);
      } finally {
        await handler.close();
        await expected.close();
      }
    });
  },
);

basicConfigTest("test_stream: stream logs through a StreamHandler to it", () => {
  const stream = new CapturedStream();
  basicConfig({ stream });

  const handler = onlyHandler();
  assert(handler instanceof StreamHandler);
  assertEquals(handler.stream, stream);
});

basicConfigTest("test_format: format is the formatter's format", () => {
  basicConfig({ format: "%(asctime)s - %(message)s" });
  assertEquals(onlyHandler().formatter!.fmt, "%(asctime)s - %(message)s");
});

basicConfigTest("test_datefmt: datefmt is the formatter's date format", () => {
  basicConfig({ datefmt: "bar" });
  assertEquals(onlyHandler().formatter!.datefmt, "bar");
});

basicConfigTest("test_style: style '$' makes a string-template formatter", () => {
  basicConfig({ style: "$" });
  // isinstance(formatter._style, logging.StringTemplateStyle)
  assertEquals(onlyHandler().formatter!.style, "$");
});

basicConfigTest(
  "test_level: level sets the root's level, and a second call changes nothing",
  () => {
    basicConfig({ level: 57 });
    assertEquals(root.level, 57);
    // Test that second call has no effect
    basicConfig({ level: 58 });
    assertEquals(root.level, 57);
  },
);

basicConfigTest("test_incompatible: conflicting or unknown options are ValueErrors", () => {
  const handlers = [new StreamHandler()];
  const stream = Deno.stderr;
  assertThrows(() => basicConfig({ filename: "test.log", stream }), ValueError);
  assertThrows(() => basicConfig({ filename: "test.log", handlers }), ValueError);
  assertThrows(() => basicConfig({ stream, handlers }), ValueError);
  // Issue 23207: test for invalid kwargs
  assertThrows(() => basicConfig({ loglevel: INFO } as never), ValueError);
  // Should pop both filename and filemode even if filename is None
  basicConfig({ filename: null, filemode: "a" });
});

basicConfigTest(
  "test_handlers: handlers are added in order; those without one share a formatter",
  () => {
    const handlers = [
      new StreamHandler(),
      new StreamHandler(Deno.stdout),
      new StreamHandler(),
    ];
    const f = new Formatter();
    handlers[2].setFormatter(f);
    basicConfig({ handlers });
    assert(handlers[0] === root.handlers[0]);
    assert(handlers[1] === root.handlers[1]);
    assert(handlers[2] === root.handlers[2]);
    assert(handlers[0].formatter !== null);
    assert(handlers[1].formatter !== null);
    assert(handlers[2].formatter === f);
    assert(handlers[0].formatter === handlers[1].formatter);
  },
);

basicConfigTest("test_force: force replaces the root's handlers and level", () => {
  const oldStringIO = new CapturedStream();
  const newStringIO = new CapturedStream();
  const oldHandlers = [new StreamHandler(oldStringIO)];
  const newHandlers = [new StreamHandler(newStringIO)];
  basicConfig({ level: WARNING, handlers: oldHandlers });
  warning("warn");
  info("info");
  debug("debug");
  assertEquals(root.handlers.length, 1);
  basicConfig({ level: INFO, handlers: newHandlers, force: true });
  warning("warn");
  info("info");
  debug("debug");
  assertEquals(root.handlers.length, 1);
  assertEquals(oldStringIO.text.trim(), "WARNING:root:warn");
  assertEquals(newStringIO.text.trim(), "WARNING:root:warn\nINFO:root:info");
});

basicConfigTest("test_encoding: the file is written in the given encoding", async () => {
  await withTempDir(async (dir) => {
    const fn = `${dir}/test.log`;
    let handler: Handler | undefined;
    try {
      const encoding = "utf-8";
      basicConfig({
        filename: fn,
        encoding,
        errors: "strict",
        format: "%(message)s",
        level: DEBUG,
      });

      handler = onlyHandler();
      assert(handler instanceof FileHandler);
      assertEquals(handler.encoding, encoding);
      debug("The Øresund Bridge joins Copenhagen to Malmö");
    } finally {
      await handler?.close();
    }
    const data = Deno.readTextFileSync(fn).trim();
    assertEquals(data, "The Øresund Bridge joins Copenhagen to Malmö");
  });
});

basicConfigTest("test_encoding_errors: errors 'ignore' drops what ascii cannot hold", async () => {
  await withTempDir(async (dir) => {
    const fn = `${dir}/test.log`;
    let handler: Handler | undefined;
    try {
      const encoding = "ascii";
      basicConfig({
        filename: fn,
        encoding,
        errors: "ignore",
        format: "%(message)s",
        level: DEBUG,
      });

      handler = onlyHandler();
      assert(handler instanceof FileHandler);
      assertEquals(handler.encoding, encoding);
      debug("The Øresund Bridge joins Copenhagen to Malmö");
    } finally {
      await handler?.close();
    }
    const data = Deno.readTextFileSync(fn).trim();
    assertEquals(data, "The resund Bridge joins Copenhagen to Malm");
  });
});

basicConfigTest(
  "test_encoding_errors_default: the file's errors default to backslashreplace",
  async () => {
    await withTempDir(async (dir) => {
      const fn = `${dir}/test.log`;
      let handler: Handler | undefined;
      try {
        const encoding = "ascii";
        basicConfig({ filename: fn, encoding, format: "%(message)s", level: DEBUG });

        handler = onlyHandler();
        assert(handler instanceof FileHandler);
        assertEquals(handler.encoding, encoding);
        assertEquals(handler.errors, "backslashreplace");
        debug("😂: ☃️: The Øresund Bridge joins Copenhagen to Malmö");
      } finally {
        await handler?.close();
      }
      const data = Deno.readTextFileSync(fn).trim();
      assertEquals(
        data,
        String.raw`\U0001f602: \u2603\ufe0f: The \xd8resund ` +
          String.raw`Bridge joins Copenhagen to Malm\xf6`,
      );
    });
  },
);

basicConfigTest(
  "test_encoding_errors_none: errors null is strict: the record is a logging error",
  async () => {
    // Specifying None should behave as 'strict'
    await withTempDir(async (dir) => {
      const fn = `${dir}/test.log`;
      let handler: Handler | undefined;
      try {
        const encoding = "ascii";
        basicConfig({ filename: fn, encoding, errors: null, format: "%(message)s", level: DEBUG });

        handler = onlyHandler();
        assert(handler instanceof FileHandler);
        assertEquals(handler.encoding, encoding);
        // CPython keeps None, which its file object reads as 'strict'; here the handler reports
        // the policy it applies.
        assertEquals(handler.errors, "strict");

        const message: string[] = [];
        // str(sys.exception()) inside handleError: the error handleError is given.
        handler.handleError = (_record, error) => message.push(String((error as Error).message));
        debug("The Øresund Bridge joins Copenhagen to Malmö");
        assert(message.length > 0);
        assertMatch(
          message[0],
          /^'ascii' codec can't encode character '\\xd8' in position 4:/,
        );
      } finally {
        await handler?.close();
      }
      // didn't write anything due to the encoding error
      assertEquals(Deno.readTextFileSync(fn).trim(), "");
    });
  },
);

basicConfigTest(
  "test_log_taskName: %(taskName)s in a file configured by basicConfig (Deno has no asyncio tasks: null)",
  async () => {
    // Deno has no asyncio tasks: taskName is always null (the README says so), and
    // settings.logAsyncioTasks changes nothing. What is checked is the rest of CPython's test: a
    // record logged from an async function through the file basicConfig made, formatted with
    // %(taskName)s.
    await withTempDir(async (dir) => {
      const logFilename = `${dir}/test-logging-taskname-.log`;
      let handler: Handler | undefined;
      const saved = settings.logAsyncioTasks;
      try {
        const encoding = "utf-8";
        basicConfig({
          filename: logFilename,
          errors: "strict",
          encoding,
          level: WARNING,
          format: "%(taskName)s - %(message)s",
        });

        handler = onlyHandler();
        assert(handler instanceof FileHandler);

        settings.logAsyncioTasks = true;
        await (async () => {
          await Promise.resolve(); // logged from a continuation, as from a running task
          warning("hello world");
        })();
        const data = Deno.readTextFileSync(logFilename).trim();
        assertEquals(data, "null - hello world");
      } finally {
        settings.logAsyncioTasks = saved;
        await handler?.close();
      }
    });
  },
);

/**
 * CPython's `_test_log`: a module-level function, called while the root logger has no handler,
 * calls `basicConfig()` with no arguments. CPython replaces `logging.basicConfig` to see the
 * call; an ES module's binding cannot be replaced, so the test checks what that call does: the
 * root logger gets exactly `basicConfig()`'s handler (a StreamHandler to stderr with
 * BASIC_FORMAT). As in CPython's replacement, the root's level is 100 so that nothing is
 * printed.
 */
function testLog(call: () => void): void {
  root.setLevel(100); // avoid having messages in stderr
  call();
  const handler = onlyHandler();
  assert(handler instanceof StreamHandler);
  assertEquals(handler.stream, Deno.stderr);
  assertEquals(handler.formatter!.fmt, BASIC_FORMAT);
  assertEquals(root.level, 100, "basicConfig() was called with no arguments");
}

basicConfigTest("test_log: log() calls basicConfig() when the root has no handler", () => {
  testLog(() => log(WARNING, "test me"));
});

basicConfigTest("test_debug: debug() calls basicConfig() when the root has no handler", () => {
  testLog(() => debug("test me"));
});

basicConfigTest("test_info: info() calls basicConfig() when the root has no handler", () => {
  testLog(() => info("test me"));
});

basicConfigTest("test_warning: warning() calls basicConfig() when the root has no handler", () => {
  testLog(() => warning("test me"));
});

basicConfigTest("test_error: error() calls basicConfig() when the root has no handler", () => {
  testLog(() => error("test me"));
});

basicConfigTest(
  "test_critical: critical() calls basicConfig() when the root has no handler",
  () => {
    testLog(() => critical("test me"));
  },
);

// ---------------------------------------------------------------------------------------------
// What CPython does with filemode and encoding beyond what BasicConfigTest checks.

const FILEMODE_SCRIPT = `
import json, logging, os, sys, tempfile
out = []
for options in json.load(sys.stdin):
    with tempfile.TemporaryDirectory() as d:
        fn = os.path.join(d, "test.log")
        with open(fn, "w") as f:
            f.write("old\\n")
        root = logging.getLogger()
        for h in root.handlers[:]:
            root.removeHandler(h)
        errors = []
        try:
            if options.pop("handlers", False):
                options["handlers"] = [logging.NullHandler()]
            logging.basicConfig(filename=fn, **options) if "handlers" not in options else logging.basicConfig(**options)
        except ValueError as e:
            out.append({"refused": str(e), "handlers": len(root.handlers)})
            for h in root.handlers[:]:
                root.removeHandler(h)
            continue
        h = root.handlers[0]
        h.handleError = lambda record: errors.append(f"{type(sys.exception()).__name__}: {sys.exception()}")
        logging.warning("hello é")
        h.close()
        root.removeHandler(h)
        with open(fn, "rb") as f:
            out.append({"mode": getattr(h, "mode", None), "bytes": f.read().hex(), "errors": errors})
print(json.dumps(out))
`;

Deno.test({
  name: "basicConfig passes filemode (binary too) and encoding to FileHandler as CPython does",
  ignore: !hasPython,
  fn: () =>
    withBareRoot(async () => {
      const cases: Record<string, unknown>[] = [
        { filemode: "wb" },
        { filemode: "ab" },
        { filemode: "wb", errors: "strict" }, // errors is dropped for a binary file
        { filemode: "wb", encoding: "utf-8" }, // refused: binary mode takes no encoding
        { filemode: "w", encoding: "cp1251" },
        { filemode: "a+", encoding: "utf-16" },
        { filemode: "w", encoding: "ascii", errors: null },
        { handlers: true, filemode: "w" }, // filemode belongs with filename only
      ];
      const expected = await runPython<unknown[]>(FILEMODE_SCRIPT, cases);
      const got: unknown[] = [];
      await withTempDir(async (dir) => {
        for (const options of cases) {
          const fn = `${dir}/test.log`;
          Deno.writeTextFileSync(fn, "old\n");
          const errors: string[] = [];
          const { handlers, ...rest } = options;
          try {
            basicConfig(
              handlers ? { ...rest, handlers: [new StreamHandler()] } : { filename: fn, ...rest },
            );
          } catch (e) {
            const error = e as Error;
            assert(error instanceof ValueError, String(error));
            // CPython raises after adding the handlers; here nothing is changed first.
            got.push({
              refused: error.message.replace(/^.* as (binary mode .*argument).*$/, "$1"),
              handlers: root.handlers.length,
            });
            continue;
          }
          const h = onlyHandler() as FileHandler;
          h.handleError = (_record, error) => {
            const e = error as Error;
            errors.push(`${e.name}: ${e.message.replace(/ \(log file .*$/, "")}`);
          };
          warning("hello é");
          await h.close();
          root.removeHandler(h);
          got.push({ mode: h.mode, bytes: hex(Deno.readFileSync(fn)), errors });
        }
      });
      // The one difference: after an unknown argument, CPython has added the handlers.
      const last = expected.at(-1) as { handlers: number };
      assertEquals(last.handlers, 1);
      last.handlers = 0;
      assertEquals(got, expected);
    }),
});
