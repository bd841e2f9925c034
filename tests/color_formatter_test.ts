/**
 * ColorFormatter: the level name coloured by level, its padding kept, in the three format
 * styles; and "auto" deciding from a real pseudo-terminal (util-linux's `script` runs the
 * script under one), from `NO_COLOR`, and without `--allow-env`.
 */

import { ColorFormatter } from "../core/color_formatter.ts";
import { Formatter } from "../core/formatter.ts";
import { makeLogRecord } from "../core/record.ts";
import { ValueError } from "../core/text/errors.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";
import { MOD_URL } from "./helpers/collect.ts";

const ESC = "\x1b";

function record(levelno: number, levelname: string, msg = "m") {
  return makeLogRecord({ name: "app", msg, levelno, levelname });
}

Deno.test("ColorFormatter colours the level name by level, padding the name and not the escapes", () => {
  const f = new ColorFormatter("%(levelname)-8s|%(name)s %(message)s", { color: "always" });
  assert(f.colored);
  const cases: Array<[number, string, string]> = [
    [10, "DEBUG", "37"],
    [20, "INFO", "32"],
    [30, "WARNING", "33"],
    [40, "ERROR", "31"],
    [50, "CRITICAL", "1;31"],
    [25, "NOTICE", "32"],
    [5, "TRACE", "37"],
    [60, "FATAL!", "1;31"],
  ];
  for (const [n, name, sgr] of cases) {
    assertEquals(
      f.format(record(n, name)),
      `${ESC}[${sgr}m${name.padEnd(8)}${ESC}[0m|app m`,
    );
  }
  // The record keeps its plain level name for the next handler.
  const r = record(40, "ERROR");
  f.format(r);
  assertEquals(r.levelname, "ERROR");
  assertEquals(new Formatter("%(levelname)s").format(r), "ERROR");
});

Deno.test("ColorFormatter colours every levelname field of the three styles, and no escaped one", () => {
  const r = record(30, "WARNING");
  const on = (fmt: string, style: "%" | "{" | "$") =>
    new ColorFormatter(fmt, { style, color: "always" }).format(r);
  const w = (s: string) => `${ESC}[33m${s}${ESC}[0m`;
  assertEquals(
    on("%%(levelname)s %(levelname)s %(message)s", "%"),
    `%(levelname)s ${w("WARNING")} m`,
  );
  assertEquals(
    on("{{levelname}} {levelname:>9} {levelname!r}", "{"),
    `{levelname} ${w("  WARNING")} ${w("'WARNING'")}`,
  );
  assertEquals(
    on("$$levelname $levelname ${levelname} $message", "$"),
    `$levelname ${w("WARNING")} ${w("WARNING")} m`,
  );
});

Deno.test("ColorFormatter takes levelColors, checks its options and keeps the Formatter's", () => {
  const f = new ColorFormatter("%(levelname)s %(message)s", {
    color: "always",
    levelColors: { INFO: "34", ERROR: "97;41" },
  });
  assertEquals(f.format(record(20, "INFO")), `${ESC}[34mINFO${ESC}[0m m`);
  assertEquals(f.format(record(40, "ERROR")), `${ESC}[97;41mERROR${ESC}[0m m`);
  assertEquals(f.format(record(30, "WARNING")), `${ESC}[33mWARNING${ESC}[0m m`);
  const t = new ColorFormatter("%(asctime)s %(levelname)s %(user)s", {
    color: "always",
    datefmt: "%Y",
    defaults: { user: "-" },
  });
  assertEquals(
    t.format(makeLogRecord({ created: 0, levelno: 20, levelname: "INFO" })).slice(4),
    ` ${ESC}[32mINFO${ESC}[0m -`,
  );
  assertThrows(
    () => new ColorFormatter(null, { colour: "always" } as never),
    TypeError,
    "did you mean 'color'?",
  );
  assertThrows(
    () => new ColorFormatter(null, { color: "yes" as never }),
    RangeError,
    "'color' must be",
  );
  assertThrows(
    () => new ColorFormatter(null, { levelColors: { ERROR: "31m\x1b[2J" } }),
    TypeError,
    "'levelColors' must be",
  );
  assertThrows(
    () => new ColorFormatter(null, { levelColors: { FATAL: "31" } as never }),
    TypeError,
  );
  assertThrows(
    () => new ColorFormatter(null, { stream: {} as never }),
    TypeError,
    "'stream' must be",
  );
  assertThrows(() => new ColorFormatter("no fields"), ValueError);
});

Deno.test("ColorFormatter in auto mode stays plain for a stream that is not a terminal", () => {
  for (
    const stream of [{ isTerminal: () => false }, null, {
      isTerminal: () => {
        throw new Error("closed");
      },
    }]
  ) {
    const f = new ColorFormatter("%(levelname)s %(message)s", { stream });
    assert(!f.colored);
    assertEquals(f.format(record(40, "ERROR")), "ERROR m");
  }
  assert(!new ColorFormatter(null, { color: "never", stream: { isTerminal: () => true } }).colored);
  // NO_COLOR is not set by `deno task test`: a terminal colours.
  if (!Deno.noColor) {
    assert(new ColorFormatter(null, { stream: { isTerminal: () => true } }).colored);
  }
});

/** Runs a script under a pseudo-terminal (util-linux `script`) and returns what it printed. */
async function underPty(
  source: string,
  env: Record<string, string>,
  flags: string,
): Promise<string> {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, source);
    const command = `${Deno.execPath()} run --no-prompt ${flags} --no-config ${dir}/main.ts`;
    const out = await new Deno.Command("script", {
      args: ["-qec", command, "/dev/null"],
      env: { ...env, TERM: "xterm" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout).replaceAll("\r\n", "\n");
    assertEquals(out.code, 0, text + new TextDecoder().decode(out.stderr));
    return text;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const PTY_SCRIPT = `
  import { ColorFormatter, getLogger, StreamHandler } from "${MOD_URL}";
  const handler = new StreamHandler(Deno.stdout);
  handler.setFormatter(new ColorFormatter("%(levelname)s %(message)s", { stream: Deno.stdout }));
  const log = getLogger("pty");
  log.addHandler(handler);
  log.error("on a terminal");
`;

Deno.test("ColorFormatter colours on a real terminal, and not when NO_COLOR is set or the output is piped", async () => {
  try {
    await new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
  } catch {
    if (Deno.env.get("CI") === "true") {
      throw new Error("util-linux script is missing under CI=true");
    }
    console.error("!!! util-linux script is missing: the pseudo-terminal test is SKIPPED");
    return;
  }
  const env = { NO_COLOR: "" };
  // Without --allow-env: Deno.noColor needs no permission, and nothing prompts.
  assertEquals(
    await underPty(PTY_SCRIPT, env, "--allow-read"),
    `${ESC}[31mERROR${ESC}[0m on a terminal\n`,
  );
  assertEquals(
    await underPty(PTY_SCRIPT, { NO_COLOR: "1" }, "--allow-read"),
    "ERROR on a terminal\n",
  );
  // The same script with its output piped through cat: not a terminal.
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(`${dir}/main.ts`, PTY_SCRIPT);
    const out = await new Deno.Command("script", {
      args: [
        "-qec",
        `${Deno.execPath()} run --allow-read --no-config ${dir}/main.ts | cat`,
        "/dev/null",
      ],
      env,
      stdout: "piped",
    }).output();
    assertEquals(
      new TextDecoder().decode(out.stdout).replaceAll("\r\n", "\n"),
      "ERROR on a terminal\n",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
