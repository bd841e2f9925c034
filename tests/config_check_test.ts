/**
 * `deno run jsr:@x/loghandlers/config --check FILE`: a configuration is validated without
 * starting anything (no log file appears), and the first problem is named with its key path.
 */

import { assertEquals, assertStringIncludes } from "./helpers/assert.ts";
import { withTempDir } from "./helpers/fs.ts";

const CONFIG = new URL("../config/mod.ts", import.meta.url).pathname;

async function check(dir: string, args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", `--allow-read=${dir}`, CONFIG, ...args],
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

const GOOD = {
  version: 1,
  formatters: { plain: { format: "%(asctime)s %(levelname)s %(message)s" } },
  filters: { shop: { name: "shop" } },
  handlers: {
    file: {
      class: "logging.handlers.RotatingFileHandler",
      filename: "app.log",
      maxBytes: 1000000,
      backupCount: 3,
      formatter: "plain",
      filters: ["shop"],
    },
    buffer: { class: "logging.handlers.MemoryHandler", capacity: 100, target: "file" },
    console: { class: "logging.StreamHandler", stream: "ext://sys.stderr", level: "WARNING" },
  },
  loggers: { shop: { level: "DEBUG", handlers: ["buffer"], propagate: false } },
  root: { level: "INFO", handlers: ["console", "file"] },
};

Deno.test("--check accepts a valid dictConfig file without creating any log file", () =>
  withTempDir(async (dir) => {
    Deno.writeTextFileSync(`${dir}/logging.json`, JSON.stringify(GOOD));
    const out = await check(dir, ["--check", "logging.json"]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "logging.json: ok\n");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["logging.json"]);
  }));

Deno.test("--check names the first problem with its key path and exits 1", () =>
  withTempDir(async (dir) => {
    const cases: [string, unknown, string][] = [
      ["no version", { handlers: {} }, "version: dictionary doesn't specify a version"],
      [
        "an unknown class",
        { version: 1, handlers: { h: { class: "myapp.Handler" } } },
        "handlers.h.class: 'myapp.Handler' is not a class this library knows",
      ],
      [
        "a misspelt keyword",
        {
          version: 1,
          handlers: {
            h: { class: "logging.handlers.RotatingFileHandler", filename: "a.log", maxbytes: 1 },
          },
        },
        "handlers.h.maxbytes: logging.handlers.RotatingFileHandler() got an unexpected keyword argument 'maxbytes'. Did you mean 'maxBytes'?",
      ],
      [
        "a missing formatter",
        {
          version: 1,
          handlers: { h: { class: "logging.StreamHandler", formatter: "nope" } },
        },
        "handlers.h.formatter: no formatter named 'nope'",
      ],
      [
        "a logger with an unknown handler",
        { version: 1, loggers: { shop: { handlers: ["gone"] } } },
        "loggers.shop.handlers: no handler named 'gone'",
      ],
      [
        "a bad level",
        { version: 1, root: { level: "LOUD" } },
        "root.level:",
      ],
      [
        "an invalid format",
        { version: 1, formatters: { f: { format: "no fields", style: "{" } } },
        "formatters.f.format:",
      ],
      [
        "a cfg:// reference to nothing",
        {
          version: 1,
          handlers: {
            h: {
              class: "logging.handlers.SMTPHandler",
              mailhost: "localhost",
              fromaddr: "a@x",
              toaddrs: "cfg://nowhere.list",
              subject: "s",
            },
          },
        },
        "cfg://nowhere.list refers to nothing in the configuration",
      ],
    ];
    for (const [what, config, words] of cases) {
      Deno.writeTextFileSync(`${dir}/bad.json`, JSON.stringify(config));
      const out = await check(dir, ["--check", "bad.json"]);
      assertEquals(out.code, 1, `${what}: ${out.stdout}${out.stderr}`);
      assertStringIncludes(out.stderr, words, what);
    }
  }));

Deno.test("--check reads an INI file for fileConfig, and --known declares a class the program resolves", () =>
  withTempDir(async (dir) => {
    Deno.writeTextFileSync(
      `${dir}/logging.ini`,
      [
        "[loggers]",
        "keys=root",
        "[handlers]",
        "keys=file,custom",
        "[formatters]",
        "keys=plain",
        "[logger_root]",
        "level=INFO",
        "handlers=file,custom",
        "[handler_file]",
        "class=handlers.RotatingFileHandler",
        "args=('app.log', 'a', 1000000, 3)",
        "formatter=plain",
        "[handler_custom]",
        "class=myapp.AuditHandler",
        "args=()",
        "[formatter_plain]",
        "format=%(levelname)s %(message)s",
        "",
      ].join("\n"),
    );
    const unknown = await check(dir, ["--check", "logging.ini"]);
    assertEquals(unknown.code, 1, unknown.stdout);
    assertStringIncludes(unknown.stderr, "myapp.AuditHandler");
    const out = await check(dir, ["--check", "logging.ini", "--known", "myapp.AuditHandler"]);
    assertEquals(out.code, 0, out.stderr);
    assertEquals(out.stdout, "logging.ini: ok\n");
    assertEquals([...Deno.readDirSync(dir)].map((e) => e.name), ["logging.ini"]);
  }));
