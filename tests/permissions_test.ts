/**
 * The README's Permissions table, verified row by row with real permission flags: each case
 * runs the handlers a row names in a subprocess with exactly the flags the row names (they must
 * work: records written, nothing reported, no prompt), and again with one of those flags
 * missing or narrowed (they must refuse at construction, or the receiver before it listens,
 * with an error that names the missing flag).
 *
 * The table is data: to verify another row, add an entry to `ROWS` (its cases are scripts, or a
 * `run` function for a program such as the receiver's command line).
 */

import { assert, assertEquals, assertMatch, assertStringIncludes } from "./helpers/assert.ts";
import { frame, jsonPayload } from "./helpers/receiver_peers.ts";
import { fileLines } from "./helpers/subprocess.ts";

const MOD = new URL("../mod.ts", import.meta.url).href;
const RECEIVER = new URL("../receiver.ts", import.meta.url).pathname;
const CONFIG = new URL("../config/mod.ts", import.meta.url).pathname;
const decoder = new TextDecoder();

/** What one case knows when it runs: its own folder (the subprocess's cwd) and free ports. */
interface Context {
  dir: string;
  ports: [number, number];
}

/** How a run ended. */
interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
  /** Whether the handlers were created (a script printed "constructed"; the receiver "listening"). */
  started: boolean;
}

/** One variant with a flag missing: run with `flags`, it must refuse, naming `names`. */
interface Missing {
  /** What is missing, for the failure message. */
  without: string;
  flags: (c: Context) => string[];
  /** The flag the refusal must name, e.g. `--allow-read=/tmp/x/logs`. */
  names: (c: Context) => string;
}

/** One way to use a row's handlers. */
interface Case {
  name: string;
  /** Prepares the case's folder before each run. */
  setup?: (c: Context) => void | Promise<void>;
  /**
   * A module run as `main.ts` (`MOD` stands for mod.ts's URL): it prints "constructed" once the
   * handlers exist and "done" at the end. `await go()` waits until the test has done `between`.
   */
  script?: string;
  /** Done by the test (with every permission) between "constructed" and `go()`. */
  between?: (c: Context) => void | Promise<void>;
  /** Runs the case instead of `script`. */
  run?: (c: Context, flags: string[]) => Promise<Outcome>;
  /** Exactly the flags the README row names, for this case. */
  flags: (c: Context) => string[];
  /** What stderr must be after the run with `flags`. Default: empty. */
  stderr?: RegExp;
  /** What must hold after the run with `flags`. */
  check?: (c: Context, out: Outcome) => void | Promise<void>;
  /** The variants with one flag missing; empty for a row that needs nothing. */
  missing: Missing[];
}

/** A row of the README's Permissions table. */
interface Row {
  /** The row's first column. */
  row: string;
  cases: Case[];
}

const PRELUDE = `
async function go(): Promise<void> {
  for await (const _ of Deno.stdin.readable) { /* until the test closes stdin */ }
}
`;

/**
 * Runs `deno run --no-prompt --no-config` with `args` in the case's folder (killed after 15 s):
 * reads its stdout until it holds `until` (or ends), awaits `then` with what was read so far,
 * then reads the rest.
 */
async function runChild(
  c: Context,
  args: string[],
  stdin: "piped" | "null",
  until: string,
  then: (stdout: string, child: Deno.ChildProcess) => Promise<void>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-prompt", "--no-config", ...args],
    cwd: c.dir,
    stdin,
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  const killer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  try {
    const stderr = new Response(child.stderr).text();
    let stdout = "";
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
      if (stdout.includes(until)) break;
    }
    await then(stdout, child);
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      stdout += value;
    }
    const { code } = await child.status;
    return { code, stdout, stderr: await stderr };
  } finally {
    clearTimeout(killer);
  }
}

/** Runs `script` with exactly `flags`, doing `between` when it prints "constructed". */
async function runCase(c: Context, kase: Case, flags: string[]): Promise<Outcome> {
  await Deno.writeTextFile(
    `${c.dir}/main.ts`,
    PRELUDE + kase.script!.replaceAll("MOD", JSON.stringify(MOD)),
  );
  const out = await runChild(
    c,
    [...flags, "main.ts"],
    "piped",
    "constructed\n",
    async (stdout, child) => {
      if (stdout.includes("constructed\n")) await kase.between?.(c);
      await child.stdin.close();
    },
  );
  return { ...out, started: out.stdout.includes("constructed\n") };
}

/** A port nothing listens on now. */
function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/**
 * Runs the receiver's command line with `flags` and `args`; once it listens, sends `records`
 * JSON records to `send` (a TCP port or a Unix socket path), waits until `file` holds them,
 * and stops it with SIGTERM.
 */
async function runReceiver(
  c: Context,
  flags: string[],
  args: string[],
  send: number | string,
  file: string,
): Promise<Outcome> {
  let started = false;
  const out = await runChild(
    c,
    [...flags, RECEIVER, ...args],
    "null",
    "\n",
    async (stdout, child) => {
      started = stdout.startsWith("listening on ");
      if (!started) return;
      const conn = typeof send === "number"
        ? await Deno.connect({ hostname: "127.0.0.1", port: send })
        : await Deno.connect({ transport: "unix", path: `${c.dir}/${send}` });
      await conn.write(
        frame(jsonPayload({ name: "remote", levelno: 30, msg: "received %d", args: [1] })),
      );
      conn.close();
      // The record is written when the receiver handles it: wait for it (bounded).
      const deadline = Date.now() + 5_000;
      while (Date.now() < deadline) {
        try {
          if (Deno.readTextFileSync(`${c.dir}/${file}`).includes("received 1")) break;
        } catch {
          // not created yet
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      child.kill("SIGTERM");
    },
  );
  return { ...out, started };
}

/**
 * The lines of every file in `folder` whose name starts with `prefix` (gzip files read
 * uncompressed), in the order of `app.log.2`, `app.log.1`, `app.log`.
 */
async function allLines(folder: string, prefix: string): Promise<string[]> {
  const names = [...Deno.readDirSync(folder)].map((e) => e.name).filter((n) =>
    n.startsWith(prefix) && !n.endsWith(".lock")
  ).sort().reverse(); // app.log.2, app.log.1, app.log
  const lines: string[] = [];
  for (const name of names) {
    const bytes = await Deno.readFile(`${folder}/${name}`);
    const text = name.endsWith(".gz")
      ? await new Response(
        new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip")),
      ).text()
      : decoder.decode(bytes);
    lines.push(...text.split("\n").filter(Boolean));
  }
  return lines;
}

const records = (n: number) => Array.from({ length: n }, (_, i) => `record ${i}`);

const mkLogs = (c: Context) => Deno.mkdir(`${c.dir}/logs`, { recursive: true });

/** A rotating handler in `logs/` without read access at all. */
const READ_MISSING: Missing = {
  without: "--allow-read",
  flags: () => ["--allow-write=logs"],
  names: (c) => `--allow-read=${c.dir}/logs`,
};

/** A rotating handler in `logs/` that may write its file but not the folder. */
const FOLDER_WRITE_MISSING: Missing = {
  without: "--allow-write for the folder (the file alone)",
  flags: () => ["--allow-read=logs", "--allow-write=logs/app.log"],
  names: (c) => `--allow-write=${c.dir}/logs`,
};

const ROWS: Row[] = [
  {
    row:
      "`StreamHandler`, `NullHandler`, `MemoryHandler`, `QueueHandler`, `QueueListener`, loggers, formatters",
    cases: (() => {
      const script = `
        import {
          AsyncQueue, Formatter, getLogger, LoggerAdapter, MemoryHandler, NullHandler,
          QueueHandler, QueueListener, StreamHandler, type LogRecord,
        } from MOD;
        const fmt = new Formatter(
          "%(asctime)s|%(created)f|%(msecs)d|%(relativeCreated)d|%(process)s|%(processName)s|" +
            "%(thread)s|%(threadName)s|%(levelname)s|%(name)s|%(module)s|%(filename)s|" +
            "%(lineno)d|%(funcName)s|%(message)s",
          { datefmt: "%Y-%m-%d %H:%M:%S %Z %z" },
        );
        const out = new StreamHandler(Deno.stdout);
        out.setFormatter(fmt);
        const err = new StreamHandler(); // Deno.stderr
        err.setFormatter(new Formatter("{levelname}:{name}:{message}", { style: "{" }));
        const memory = new MemoryHandler(10, { target: out });
        const queue = new AsyncQueue<LogRecord | null>(100);
        const listener = new QueueListener(queue, [out]).start();
        const log = getLogger("nothing");
        for (const h of [err, memory, new QueueHandler(queue), new NullHandler()]) log.addHandler(h);
        console.log("constructed");
        log.warning("plain %d", 1);
        new LoggerAdapter(log, { user: "ada" }).error("adapted");
        await memory.flush();
        await listener.stop();
        console.log("done");
      `;
      const check = (_c: Context, out: Outcome) => {
        const lines = out.stdout.split("\n").filter((l) => l.includes("|"));
        assertEquals(lines.length, 4, out.stdout); // 2 through memory, 2 through the queue
        for (const line of lines) {
          assertMatch(line, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d .*\|nothing\|/);
        }
        assert(out.stdout.endsWith("done\n"), out.stdout);
      };
      return [
        {
          name: "all of them, with no flag at all",
          script,
          flags: () => [],
          stderr: /^WARNING:nothing:plain 1\nERROR:nothing:adapted\n$/,
          check,
          missing: [],
        },
        {
          name: "all of them, with every permission denied outright",
          script,
          flags: () => [
            "--deny-read",
            "--deny-write",
            "--deny-net",
            "--deny-env",
            "--deny-sys",
            "--deny-run",
            "--deny-ffi",
          ],
          stderr: /^WARNING:nothing:plain 1\nERROR:nothing:adapted\n$/,
          check,
          missing: [],
        },
      ];
    })(),
  },
  {
    row: "`dictConfig`",
    cases: [
      {
        name: "a stream handler and a file handler from a dictionary",
        script: `
          import { dictConfig, getLogger, shutdown } from MOD;
          dictConfig({
            version: 1,
            formatters: { plain: { format: "%(message)s" } },
            handlers: {
              out: { class: "logging.StreamHandler", stream: "ext://sys.stdout", formatter: "plain" },
              file: { class: "logging.FileHandler", filename: "app.log", formatter: "plain" },
            },
            root: { level: "INFO", handlers: ["out", "file"] },
          });
          console.log("constructed");
          for (let i = 0; i < 3; i++) getLogger("configured").info("record %d", i);
          await shutdown();
          console.log("done");
        `,
        flags: () => ["--allow-write=app.log"],
        check: (c, out) => {
          assertEquals(fileLines(`${c.dir}/app.log`), records(3));
          assertEquals(out.stdout, `constructed\n${records(3).join("\n")}\ndone\n`);
        },
        missing: [{
          without: "--allow-write for the file handler",
          flags: () => [],
          names: (c) => `--allow-write=${c.dir}/app.log`,
        }],
      },
    ],
  },
  {
    row: "`fileConfig`",
    cases: (() => {
      const ini = [
        "[loggers]",
        "keys=root",
        "[handlers]",
        "keys=file",
        "[formatters]",
        "keys=plain",
        "[logger_root]",
        "level=INFO",
        "handlers=file",
        "[handler_file]",
        "class=FileHandler",
        "formatter=plain",
        "args=('app.log',)",
        "[formatter_plain]",
        "format=%(message)s",
        "",
      ].join("\n");
      const script = (source: string) => `
        import { fileConfig, getLogger, shutdown } from MOD;
        fileConfig(${source});
        console.log("constructed");
        for (let i = 0; i < 3; i++) getLogger("configured").info("record %d", i);
        await shutdown();
        console.log("done");
      `;
      const check = (c: Context) => assertEquals(fileLines(`${c.dir}/app.log`), records(3));
      return [
        {
          name: "a file given by path",
          setup: (c: Context) => Deno.writeTextFile(`${c.dir}/logging.ini`, ini),
          script: script(`"logging.ini"`),
          flags: () => ["--allow-read=logging.ini", "--allow-write=app.log"],
          check,
          missing: [{
            without: "--allow-read for the configuration file",
            flags: () => ["--allow-write=app.log"],
            names: (c: Context) => `--allow-read=${c.dir}/logging.ini`,
          }],
        },
        {
          name: "INI text, needing nothing but the handler's flags",
          script: script(JSON.stringify(ini)),
          flags: () => ["--allow-write=app.log"],
          check,
          missing: [{
            without: "--allow-write for the file handler",
            flags: () => [],
            names: (c: Context) => `--allow-write=${c.dir}/app.log`,
          }],
        },
      ];
    })(),
  },
  {
    row: "`deno run jsr:@x/loghandlers/config --check <file>`",
    cases: [{
      name: "checking a JSON configuration",
      setup: (c) =>
        Deno.writeTextFile(
          `${c.dir}/logging.json`,
          JSON.stringify({
            version: 1,
            handlers: { file: { class: "logging.FileHandler", filename: "app.log" } },
            root: { handlers: ["file"] },
          }),
        ),
      run: async (c, flags) => {
        const out = await runChild(
          c,
          [...flags, CONFIG, "--check", "logging.json"],
          "null",
          "\n",
          () => Promise.resolve(),
        );
        return { ...out, started: out.stdout === "logging.json: ok\n" };
      },
      flags: () => ["--allow-read=logging.json"],
      check: async (c) => {
        // Checked, not loaded: the handler's file was never created.
        const entries = await Array.fromAsync(Deno.readDir(c.dir));
        assertEquals(entries.map((e) => e.name), ["logging.json"]);
      },
      missing: [{
        without: "--allow-read",
        flags: () => [],
        names: (c) => `--allow-read=${c.dir}/logging.json`,
      }],
    }],
  },
  {
    row: "`FileHandler`",
    cases: [
      {
        name: "a relative file name",
        script: `
          import { FileHandler, getLogger } from MOD;
          const h = new FileHandler("app.log");
          console.log("constructed");
          const log = getLogger("file");
          log.addHandler(h);
          for (let i = 0; i < 3; i++) log.warning("record %d", i);
          await h.close();
          console.log("done");
        `,
        flags: () => ["--allow-write=app.log"],
        check: (c) => assertEquals(fileLines(`${c.dir}/app.log`), records(3)),
        missing: [{
          without: "--allow-write",
          flags: () => [],
          names: (c) => `--allow-write=${c.dir}/app.log`,
        }],
      },
      {
        name: "delay, mode 'w', UTF-16 into an existing file, and a write buffer",
        setup: async (c) => {
          await mkLogs(c);
          await Deno.writeTextFile(`${c.dir}/logs/app.log`, "old\n");
          await Deno.writeFile(
            `${c.dir}/logs/u16.log`,
            new Uint8Array([0xff, 0xfe, 0x41, 0, 0x0a, 0]),
          );
        },
        script: `
          import { FileHandler, getLogger } from MOD;
          const handlers = [
            new FileHandler("logs/app.log", { mode: "w", delay: true, bufferSize: 4096 }),
            new FileHandler("logs/u16.log", { encoding: "utf-16" }),
          ];
          console.log("constructed");
          const log = getLogger("file.options");
          for (const h of handlers) log.addHandler(h);
          for (let i = 0; i < 3; i++) log.warning("record %d", i);
          for (const h of handlers) await h.close();
          console.log("done");
        `,
        flags: () => ["--allow-write=logs/app.log,logs/u16.log"],
        check: async (c) => {
          assertEquals(fileLines(`${c.dir}/logs/app.log`), records(3));
          const u16 = new TextDecoder("utf-16le", { ignoreBOM: true })
            .decode(await Deno.readFile(`${c.dir}/logs/u16.log`));
          assertEquals(u16, "\ufeffA\n" + records(3).map((r) => `${r}\n`).join(""));
        },
        missing: [{
          without: "--allow-write for the delayed file",
          flags: () => ["--allow-write=logs/u16.log"],
          names: (c) => `--allow-write=${c.dir}/logs/app.log`,
        }],
      },
    ],
  },
  {
    row: "`WatchedFileHandler`",
    cases: [false, true].map((delay): Case => ({
      name: `noticing a rotation by another program${delay ? ", with delay" : ""}`,
      script: `
        import { getLogger, WatchedFileHandler } from MOD;
        const h = new WatchedFileHandler("app.log", { delay: ${delay} });
        const log = getLogger("watched");
        log.addHandler(h);
        log.warning("before");
        console.log("constructed");
        await go(); // the test renames app.log to app.log.1
        log.warning("after");
        await h.close();
        console.log("done");
      `,
      between: (c) => Deno.rename(`${c.dir}/app.log`, `${c.dir}/app.log.1`),
      flags: () => ["--allow-read=app.log", "--allow-write=app.log"],
      check: (c) => {
        assertEquals(fileLines(`${c.dir}/app.log.1`), ["before"]);
        assertEquals(fileLines(`${c.dir}/app.log`), ["after"]);
      },
      missing: [
        {
          without: "--allow-read",
          flags: () => ["--allow-write=app.log"],
          names: (c) => `--allow-read=${c.dir}/app.log`,
        },
        {
          without: "--allow-write",
          flags: () => ["--allow-read=app.log"],
          names: (c) => `--allow-write=${c.dir}/app.log`,
        },
      ],
    })),
  },
  {
    row: "`RotatingFileHandler`, `TimedRotatingFileHandler`",
    cases: [
      {
        name: "RotatingFileHandler rotating in its folder",
        setup: mkLogs,
        script: `
          import { getLogger, RotatingFileHandler } from MOD;
          const h = new RotatingFileHandler("logs/app.log", { maxBytes: 20, backupCount: 5 });
          console.log("constructed");
          const log = getLogger("rotating");
          log.addHandler(h);
          for (let i = 0; i < 8; i++) log.warning("record %d", i);
          await h.close();
          console.log("done");
        `,
        flags: () => ["--allow-read=logs", "--allow-write=logs"],
        check: async (c) => {
          assertEquals(await allLines(`${c.dir}/logs`, "app.log"), records(8));
          assertEquals(fileLines(`${c.dir}/logs/app.log.3`), ["record 0", "record 1"]);
        },
        missing: [
          READ_MISSING,
          {
            without: "--allow-read for the folder (the file alone)",
            flags: () => ["--allow-read=logs/app.log", "--allow-write=logs"],
            names: (c) => `--allow-read=${c.dir}/logs`,
          },
          FOLDER_WRITE_MISSING,
        ],
      },
      {
        name: "RotatingFileHandler with lock, compress, maxAge and delay",
        setup: mkLogs,
        script: `
          import { getLogger, RotatingFileHandler } from MOD;
          const h = new RotatingFileHandler("logs/app.log", {
            maxBytes: 20, backupCount: 5, lock: true, compress: "gzip", maxAge: 3600, delay: true,
          });
          console.log("constructed");
          const log = getLogger("rotating.options");
          log.addHandler(h);
          for (let i = 0; i < 8; i++) log.warning("record %d", i);
          await h.close();
          console.log("done");
        `,
        flags: () => ["--allow-read=logs", "--allow-write=logs"],
        check: async (c) => {
          assertEquals(await allLines(`${c.dir}/logs`, "app.log"), records(8));
          assert(Deno.statSync(`${c.dir}/logs/app.log.3.gz`).isFile);
        },
        missing: [{
          without: "--allow-read",
          flags: () => ["--allow-write=logs"],
          names: (c) => `--allow-read=${c.dir}/logs`,
        }],
      },
      {
        name: "RotatingFileHandler that never rolls over, with lock: the file and <file>.lock",
        setup: mkLogs,
        script: `
          import { getLogger, RotatingFileHandler } from MOD;
          const h = new RotatingFileHandler("logs/app.log", { lock: true });
          console.log("constructed");
          const log = getLogger("rotating.lock");
          log.addHandler(h);
          for (let i = 0; i < 3; i++) log.warning("record %d", i);
          await h.close();
          console.log("done");
        `,
        flags: () => [
          "--allow-read=logs/app.log,logs/app.log.lock",
          "--allow-write=logs/app.log,logs/app.log.lock",
        ],
        check: (c) => assertEquals(fileLines(`${c.dir}/logs/app.log`), records(3)),
        missing: [{
          without: "--allow-read for the lock file",
          flags:
            () => ["--allow-read=logs/app.log", "--allow-write=logs/app.log,logs/app.log.lock"],
          names: (c) => `--allow-read=${c.dir}/logs/app.log.lock`,
        }, {
          without: "--allow-read for the file",
          flags: () => ["--allow-read=logs/app.log.lock", "--allow-write=logs"],
          names: (c) => `--allow-read=${c.dir}/logs/app.log`,
        }],
      },
      {
        name: "TimedRotatingFileHandler rotating and cleaning up in its folder",
        setup: mkLogs,
        script: `
          import { getLogger, TimedRotatingFileHandler } from MOD;
          // The file is new: its first rollover is a minute after it was created (real time).
          let clock = Date.now() / 1000;
          const h = new TimedRotatingFileHandler("logs/app.log", {
            when: "M", backupCount: 2, utc: true, now: () => clock,
          });
          console.log("constructed");
          const log = getLogger("timed");
          log.addHandler(h);
          for (let i = 0; i < 5; i++) {
            log.warning("record %d", i);
            clock += 60;
          }
          await h.close();
          console.log("done");
        `,
        flags: () => ["--allow-read=logs", "--allow-write=logs"],
        check: (c) => {
          const names = [...Deno.readDirSync(`${c.dir}/logs`)].map((e) => e.name).sort();
          assertEquals(names.length, 3, names.join()); // the live file and 2 backups
          assertEquals(fileLines(`${c.dir}/logs/app.log`), ["record 4"]);
        },
        missing: [
          READ_MISSING,
          FOLDER_WRITE_MISSING,
        ],
      },
      {
        name: "TimedRotatingFileHandler with timer, lock, compress and delay",
        setup: mkLogs,
        script: `
          import { getLogger, TimedRotatingFileHandler } from MOD;
          let clock = Date.UTC(2024, 4, 1, 12) / 1000;
          const h = new TimedRotatingFileHandler("logs/app.log", {
            when: "M", utc: true, timer: true, lock: true, compress: "gzip", delay: true,
            now: () => clock,
          });
          console.log("constructed");
          const log = getLogger("timed.options");
          log.addHandler(h);
          for (let i = 0; i < 3; i++) {
            log.warning("record %d", i);
            clock += 60;
          }
          await h.close();
          console.log("done");
        `,
        flags: () => ["--allow-read=logs", "--allow-write=logs"],
        check: async (c) => {
          assertEquals((await allLines(`${c.dir}/logs`, "app.log")).sort(), records(3));
          assert(Deno.statSync(`${c.dir}/logs/app.log.2024-05-01_12-00.gz`).isFile);
        },
        missing: [{
          without: "--allow-write",
          flags: () => ["--allow-read=logs"],
          names: (c) => `--allow-write=${c.dir}/logs`,
        }],
      },
    ],
  },
  {
    row: "`NTEventLogHandler`",
    cases: [{
      name: `elsewhere than Windows (here: ${Deno.build.os}), with no flag at all`,
      script: `
        import { getLogger, NTEventLogHandler } from MOD;
        const h = new NTEventLogHandler("MyApp");
        console.log("constructed");
        const log = getLogger("nt");
        log.addHandler(h);
        for (let i = 0; i < 3; i++) log.warning("record %d", i);
        await h.close();
        console.log("done");
      `,
      flags: () => [],
      // It warns once and ignores the records, like Python.
      stderr:
        /^NTEventLogHandler: the Windows event log is not available on \w+; records sent to it are ignored\.\n$/,
      missing: [],
    }],
  },
  {
    row: "`LogReceiver` and its command line",
    cases: [
      {
        name: "the command line on a TCP port, writing a file",
        run: (c, flags) =>
          runReceiver(
            c,
            flags,
            ["--tcp", `${c.ports[0]}`, "--file", "app.log"],
            c.ports[0],
            "app.log",
          ),
        flags: (
          c,
        ) => [
          `--allow-net=127.0.0.1:${c.ports[0]}`,
          "--allow-read=app.log",
          "--allow-write=app.log",
        ],
        check: (c, out) => {
          assert(out.stdout.startsWith(`listening on tcp 127.0.0.1:${c.ports[0]}\n`), out.stdout);
          assertMatch(Deno.readTextFileSync(`${c.dir}/app.log`), / remote WARNING received 1\n$/);
        },
        missing: [
          {
            without: "--allow-net",
            flags: () => ["--allow-read=app.log", "--allow-write=app.log"],
            names: (c) => `--allow-net=127.0.0.1:${c.ports[0]}`,
          },
          {
            without: "--allow-read",
            flags: (c) => [`--allow-net=127.0.0.1:${c.ports[0]}`, "--allow-write=app.log"],
            names: (c) => `--allow-read=${c.dir}/app.log`,
          },
          {
            without: "--allow-write",
            flags: (c) => [`--allow-net=127.0.0.1:${c.ports[0]}`, "--allow-read=app.log"],
            names: (c) => `--allow-write=${c.dir}/app.log`,
          },
        ],
      },
      {
        name: "the command line on TCP and UDP, rotating in a folder",
        setup: mkLogs,
        run: (c, flags) =>
          runReceiver(
            c,
            flags,
            [
              ...["--tcp", `${c.ports[0]}`, "--udp", `${c.ports[1]}`],
              ...["--file", "logs/central.log", "--max-bytes", "100", "--backups", "2"],
            ],
            c.ports[0],
            "logs/central.log",
          ),
        flags: (c) => [
          `--allow-net=127.0.0.1:${c.ports[0]},127.0.0.1:${c.ports[1]}`,
          "--allow-read=logs",
          "--allow-write=logs",
        ],
        check: (c, out) =>
          assert(out.stdout.startsWith(`listening on tcp 127.0.0.1:${c.ports[0]}, udp`)),
        missing: [
          {
            without: "--allow-read for the folder (the file alone)",
            flags: (c) => [
              `--allow-net=127.0.0.1:${c.ports[0]},127.0.0.1:${c.ports[1]}`,
              "--allow-read=logs/central.log",
              "--allow-write=logs",
            ],
            names: (c) => `--allow-read=${c.dir}/logs`,
          },
          {
            without: "--allow-net for the UDP port",
            flags: (
              c,
            ) => [`--allow-net=127.0.0.1:${c.ports[0]}`, "--allow-read=logs", "--allow-write=logs"],
            names: (c) => `--allow-net=127.0.0.1:${c.ports[1]}`,
          },
        ],
      },
      {
        name: "the command line on a Unix socket",
        run: (c, flags) =>
          runReceiver(
            c,
            flags,
            ["--unix", "recv.sock", "--file", "app.log"],
            "recv.sock",
            "app.log",
          ),
        flags: (c) => [
          "--allow-read=recv.sock,app.log",
          "--allow-write=recv.sock,app.log",
          `--allow-net=unix:${c.dir}/recv.sock`,
        ],
        check: (c) => assertMatch(Deno.readTextFileSync(`${c.dir}/app.log`), /received 1\n$/),
        missing: [
          {
            without: "--allow-net=unix:<path>",
            flags: () => ["--allow-read=recv.sock,app.log", "--allow-write=recv.sock,app.log"],
            names: (c) => `--allow-net=unix:${c.dir}/recv.sock`,
          },
          {
            without: "--allow-read for the socket",
            flags: (c) => [
              "--allow-read=app.log",
              "--allow-write=recv.sock,app.log",
              `--allow-net=unix:${c.dir}/recv.sock`,
            ],
            names: (c) => `--allow-read=${c.dir}/recv.sock`,
          },
        ],
      },
      {
        name: "LogReceiver in a program, handing records to a callback",
        script: `
          import { LogReceiver } from MOD;
          const got = Promise.withResolvers<string>();
          const receiver = new LogReceiver({
            tcp: { port: PORT },
            handle: (record) => got.resolve(record.getMessage()),
          });
          await receiver.start();
          console.log("constructed");
          const conn = await Deno.connect({ hostname: "127.0.0.1", port: PORT });
          const body = new TextEncoder().encode(JSON.stringify({ name: "self", msg: "hello %s", args: ["there"] }));
          const frame = new Uint8Array(4 + body.length);
          new DataView(frame.buffer).setUint32(0, body.length);
          frame.set(body, 4);
          await conn.write(frame);
          console.log(await got.promise);
          conn.close();
          await receiver.close();
          console.log("done");
        `,
        flags: (c) => [`--allow-net=127.0.0.1:${c.ports[0]}`],
        check: (_c, out) => assertEquals(out.stdout, "constructed\nhello there\ndone\n"),
        missing: [{
          without: "--allow-net",
          flags: () => [],
          names: (c) => `--allow-net=127.0.0.1:${c.ports[0]}`,
        }],
      },
    ],
  },
];

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * Runs one case in a fresh folder with `flags` (without its `between` step when it is expected
 * to be refused).
 */
async function runIn(
  kase: Case,
  flags: (c: Context) => string[],
  refused = false,
): Promise<[Context, Outcome]> {
  const dir = await Deno.makeTempDir();
  const c: Context = { dir, ports: [freePort(), freePort()] };
  try {
    await kase.setup?.(c);
    const script = kase.script?.replaceAll("PORT", String(c.ports[0]));
    const f = flags(c);
    const between = refused ? undefined : kase.between;
    const out = kase.run ? await kase.run(c, f) : await runCase(c, { ...kase, script, between }, f);
    return [c, out];
  } catch (error) {
    await Deno.remove(dir, { recursive: true });
    throw error;
  }
}

for (const { row, cases } of ROWS) {
  Deno.test(`README Permissions row ${row}: the flags it names are enough, and one missing is refused at once, named`, async () => {
    const runs: Promise<void>[] = [];
    for (const kase of cases) {
      runs.push((async () => {
        const [c, out] = await runIn(kase, kase.flags);
        try {
          const what = `${kase.name}, with ${kase.flags(c).join(" ") || "no flag"}`;
          assert(out.started, `${what}: did not start\n${out.stdout}\n${out.stderr}`);
          assertEquals(out.code, 0, `${what}: exit code\n${out.stderr}`);
          if (kase.stderr) assertMatch(out.stderr, kase.stderr, what);
          else assertEquals(out.stderr, "", `${what}: stderr`);
          if (kase.run === undefined) assertStringIncludes(out.stdout, "done\n", what);
          await kase.check?.(c, out);
        } finally {
          await Deno.remove(c.dir, { recursive: true });
        }
      })());
      for (const missing of kase.missing) {
        runs.push((async () => {
          const [c, out] = await runIn(kase, missing.flags, true);
          try {
            const what = `${kase.name}, without ${missing.without} (${missing.flags(c).join(" ")})`;
            assert(!out.started, `${what}: started anyway\n${out.stdout}\n${out.stderr}`);
            assert(out.code !== 0, `${what}: exit code 0`);
            assertMatch(out.stderr, /(NotCapable|receiver): .*Cannot /, what);
            assertMatch(
              out.stderr,
              new RegExp(`run Deno with (\\S+ )*${escape(missing.names(c))}( |$)`, "im"),
              `${what}: the refusal must name ${missing.names(c)}`,
            );
            assert(!out.stderr.includes("--- Logging error ---"), `${what}: ${out.stderr}`);
          } finally {
            await Deno.remove(c.dir, { recursive: true });
          }
        })());
      }
    }
    await Promise.all(runs);
  });
}
