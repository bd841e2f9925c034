/**
 * `NTEventLogHandler`: records written to the Windows event log by a child process
 * (Windows PowerShell's `Write-EventLog`, or `eventcreate.exe`), in order, in the background.
 *
 * This is the `@x/loghandlers/nt_event_log` entry point (also re-exported by `@x/loghandlers`).
 * Requires `--allow-run=powershell.exe` (or `eventcreate.exe`) on Windows; elsewhere it needs
 * nothing, warns once and ignores records.
 *
 * @module
 */

import { Handler, writeStderr } from "../core/handler.ts";
import { isPermissionDenial } from "../core/io/files.ts";
import { CRITICAL, DEBUG, ERROR, INFO, WARNING } from "../core/levels.ts";
import type { LogRecord } from "../core/record.ts";
import {
  checkOption,
  checkOptions,
  func,
  integer,
  nullable,
  number,
  oneOf,
  type OptionRules,
  string,
} from "../core/text/options.ts";
import { endingReason } from "../core/shutdown.ts";
import { setUnrefTimeout } from "../core/io/timer.ts";

/** The event types a record can be written as (PowerShell's `-EntryType` names). */
export type EventType = "Error" | "Warning" | "Information";

/** The event logs a source can be registered in. */
export type EventLogType = "Application" | "System" | "Security";

/** What a {@linkcode CommandRunner} reports about the finished child process. */
export interface CommandResult {
  /** The exit code: `0` means the event was written. */
  code: number;
  /** What the child wrote to stderr (quoted in the error reported for a non-zero `code`). */
  stderr: string;
}

/**
 * Runs `program` with `args` (each passed as one argument, never through a shell) and the
 * extra environment variables `env` (added to the parent's), and reports how it ended. Rejects
 * when the program cannot be started.
 */
export type CommandRunner = (
  program: string,
  args: string[],
  env: Record<string, string>,
) => Promise<CommandResult>;

/** Options of {@linkcode NTEventLogHandler}. */
export interface NTEventLogHandlerOptions {
  /**
   * The message resource file (a DLL) registered with the source, passed to
   * `New-EventLog -MessageResourceFile`. Without it, Windows uses .NET's
   * `EventLogMessages.dll`, which shows each message as written. Not used by `eventcreate`,
   * which registers its own.
   *
   * @default {undefined}
   */
  dllname?: string;
  /**
   * The event log the source belongs to. `eventcreate` can only write to `"Application"` and
   * `"System"`.
   *
   * @default {"Application"}
   */
  logtype?: EventLogType;
  /**
   * Which program writes the events: `"powershell"` runs Windows PowerShell 5.1's
   * `powershell.exe` (`Write-EventLog`, after registering the source with `New-EventLog` on
   * first use); `"eventcreate"` runs `eventcreate.exe` (event ids 1 to 1000, no categories;
   * it registers the source itself).
   *
   * @default {"powershell"}
   */
  tool?: "powershell" | "eventcreate";
  /**
   * Runs the commands. The default starts them with `Deno.Command`. Tests inject a recorder;
   * with a runner, the handler works on every operating system.
   *
   * @default {undefined}
   */
  runner?: CommandRunner;
  /**
   * How long, in ms, the default runner lets one command run before it kills it (the record is
   * then reported through `handleError`).
   *
   * @default {30000}
   */
  timeout?: number;
  /**
   * The most records that may wait for their command. While that many wait, new records are
   * dropped, counted in `dropped`, and the first drop of each run of drops is reported through
   * `handleError`.
   *
   * @default {1000}
   */
  maxPending?: number;
}

/**
 * The longest event text Windows accepts (`ReportEvent` limits each string to 31,839
 * characters). Longer messages are cut to this length, ending with a note that says how long
 * the message was.
 */
export const MAX_EVENT_MESSAGE_LENGTH = 31_839;

/** The environment variables through which the PowerShell scripts receive every value. */
const ENV = {
  log: "LOGHANDLERS_LOGTYPE",
  source: "LOGHANDLERS_SOURCE",
  dll: "LOGHANDLERS_DLLNAME",
  id: "LOGHANDLERS_EVENT_ID",
  type: "LOGHANDLERS_ENTRY_TYPE",
  category: "LOGHANDLERS_CATEGORY",
  message: "LOGHANDLERS_MESSAGE",
} as const;

/** Fixed scripts: no value is ever part of the script text (and no double quote is either). */
const WRITE_SCRIPT = "$ErrorActionPreference = 'Stop'; Write-EventLog" +
  ` -LogName $env:${ENV.log} -Source $env:${ENV.source}` +
  ` -EventId ([int]$env:${ENV.id}) -EntryType $env:${ENV.type}` +
  ` -Category ([int16]$env:${ENV.category}) -Message $env:${ENV.message}`;

function registerScript(withDll: boolean): string {
  return "$ErrorActionPreference = 'Stop'; $exists = $false;" +
    ` try { $exists = [System.Diagnostics.EventLog]::SourceExists($env:${ENV.source}) } catch { }` +
    ` if (-not $exists) { New-EventLog -LogName $env:${ENV.log} -Source $env:${ENV.source}` +
    (withDll ? ` -MessageResourceFile $env:${ENV.dll}` : "") + " }";
}

const POWERSHELL_ARGS = ["-NoProfile", "-NonInteractive", "-Command"];
const LOG_TYPES: readonly string[] = ["Application", "System", "Security"];

const RULES: OptionRules = {
  dllname: nullable(string()),
  logtype: oneOf(LOG_TYPES),
  tool: oneOf(["powershell", "eventcreate"]),
  runner: func(),
  timeout: number(0, true, "ms"),
  maxPending: integer(1),
};
let warnedUnavailable = false;

/**
 * The runner {@linkcode NTEventLogHandler} uses by default on Windows: starts `program` with
 * `Deno.Command` (arguments passed as they are, no shell; `env` added to the parent's
 * environment; stdin and stdout closed; stderr collected), kills it after `timeout` ms (on a
 * timer that keeps no program alive), and explains a denied `--allow-run`.
 *
 * Requires `--allow-run` for `program`.
 *
 * @param timeout How long, in ms, the command may run.
 * @returns The runner.
 * @throws {RangeError} For a `timeout` that is not a positive number.
 *
 * @example
 * ```ts
 * import { denoCommandRunner } from "@x/loghandlers/extend";
 * const run = denoCommandRunner(10_000);
 * const { code, stderr } = await run(Deno.execPath(), [
 *   "eval",
 *   "console.error(Deno.env.get('GREETING')); Deno.exit(3)",
 * ], { GREETING: "hello $(not run)" });
 * console.assert(code === 3);
 * console.assert(stderr.trim() === "hello $(not run)");
 * ```
 */
export function denoCommandRunner(timeout = 30_000): CommandRunner {
  if (!(typeof timeout === "number" && timeout > 0)) {
    throw new RangeError(
      `Cannot create the runner as 'timeout' must be > 0: current value is ${timeout}`,
    );
  }
  return async (program, args, env) => {
    const abort = new AbortController();
    const timer = setUnrefTimeout(() => abort.abort(), timeout);
    try {
      const out = await new Deno.Command(program, {
        args,
        env,
        stdin: "null",
        stdout: "null",
        stderr: "piped",
        signal: abort.signal,
      }).output();
      const stderr = new TextDecoder().decode(out.stderr);
      if (abort.signal.aborted) {
        return { code: out.code || 1, stderr: `killed after ${timeout} ms. ${stderr}` };
      }
      return { code: out.code, stderr };
    } catch (error) {
      if (isPermissionDenial(error)) {
        throw new Error(
          `Cannot run ${program}: access is not granted. Run Deno with --allow-run=${program} ` +
            `to allow it.`,
          { cause: error },
        );
      }
      if (error instanceof Deno.errors.NotFound) {
        throw new Error(
          `Cannot run ${program}: it is not on PATH (Windows PowerShell 5.1 and eventcreate.exe ` +
            `come with Windows; the event log cannot be written elsewhere)`,
          { cause: error },
        );
      }
      throw new Error(`Cannot run ${program}: ${(error as Error).message}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };
}

/** Cuts `text` to the event log's limit (not inside a surrogate pair) and removes NULs. */
function eventText(text: string): string {
  // A NUL cannot travel in an argument or an environment variable.
  if (text.includes("\0")) text = text.replaceAll("\0", "\uFFFD");
  if (text.length <= MAX_EVENT_MESSAGE_LENGTH) return text;
  const note = `\n[truncated: the message had ${text.length} characters]`;
  let keep = MAX_EVENT_MESSAGE_LENGTH - note.length;
  const last = text.charCodeAt(keep - 1);
  if (last >= 0xd800 && last <= 0xdbff) keep--;
  return text.slice(0, keep) + note;
}

/**
 * Python's `logging.handlers.NTEventLogHandler`: writes each record to the Windows event log as
 * an event of source `appname`, with the id from `getMessageID` (1), the category from
 * `getEventCategory` (0), the type from `getEventType` (via `typemap`: DEBUG and INFO are
 * Information, WARNING is Warning, ERROR and CRITICAL are Error) and the formatted record as
 * its text.
 *
 * Deno has no binding to the event log API, so each event is written by a child process:
 * `powershell.exe -NoProfile -NonInteractive -Command <script>` running `Write-EventLog`, or
 * `eventcreate.exe /L <log> /T <type> /SO <source> /ID <id> /D <text>`. With PowerShell, the
 * script is a constant and every value (source, log, id, type, category and the message) reaches
 * it through environment variables of the child (`$env:LOGHANDLERS_MESSAGE` and so on):
 * PowerShell never parses any character of the message, so quotes, `$(...)`, backticks, `;`,
 * `|`, `&` and line breaks are written as they are, and nothing in a message can run. With
 * `eventcreate`, the text is one argument of the child (no shell is involved either). On first
 * use, the PowerShell variant registers the source with `New-EventLog` if it does not exist yet
 * (this needs an administrator once, as in Python); a failure there is reported and the write is
 * tried all the same.
 *
 * Messages longer than {@linkcode MAX_EVENT_MESSAGE_LENGTH} are cut to it, ending with a note
 * that gives the original length. Commands run one at a time, in order, in the background:
 * `emit` returns at once, `flush()` resolves when every record handled before it has been
 * written or has failed, a failure (non-zero exit, program missing) goes to `handleError`.
 *
 * On another operating system than Windows, and without a `runner`, the handler does what
 * Python's does without pywin32: it prints once, on stderr, that the event log is not
 * available, and then ignores records.
 *
 * Requires `--allow-run=powershell.exe` (or `--allow-run=eventcreate.exe`).
 *
 * @example
 * ```ts
 * import { makeLogRecord, NTEventLogHandler } from "@x/loghandlers";
 *
 * const calls: { program: string; env: Record<string, string> }[] = [];
 * const handler = new NTEventLogHandler("My App", {
 *   runner: (program, _args, env) => {
 *     calls.push({ program, env });
 *     return Promise.resolve({ code: 0, stderr: "" });
 *   },
 * });
 * handler.handle(makeLogRecord({ msg: "disk at 91%", levelno: 30, levelname: "WARNING" }));
 * await handler.close();
 * // The source is registered once, then the event is written.
 * console.assert(calls.length === 2);
 * console.assert(calls[1].env.LOGHANDLERS_MESSAGE === "disk at 91%");
 * console.assert(calls[1].env.LOGHANDLERS_ENTRY_TYPE === "Warning");
 * ```
 */
export class NTEventLogHandler extends Handler {
  /**
   * The options this class accepts, checked at run time by its constructor (`dictConfig` also
   * passes these keys, beyond Python's, to the constructor).
   */
  static readonly optionRules: OptionRules = RULES;
  /** The event source name. */
  readonly appname: string;
  /** The message resource file registered with the source, if any. */
  readonly dllname: string | undefined;
  /** The event log the source belongs to. */
  readonly logtype: EventLogType;
  /** The program that writes events. */
  readonly tool: "powershell" | "eventcreate";
  /** The event type of each level; levels not in it get `deftype`. */
  typemap: Record<number, EventType> = {
    [DEBUG]: "Information",
    [INFO]: "Information",
    [WARNING]: "Warning",
    [ERROR]: "Error",
    [CRITICAL]: "Error",
  };
  /** The event type of levels that `typemap` does not list. */
  deftype: EventType = "Error";
  #runner: CommandRunner | null;
  #maxPending: number;
  #registered = false;
  #waiting = 0;
  #dropped = 0;
  #dropping = false;
  #tail: Promise<void> = Promise.resolve();

  /**
   * Creates the handler. Nothing runs until the first record.
   *
   * @param appname The event source name.
   * @param options See {@linkcode NTEventLogHandlerOptions}.
   * @throws {TypeError} For an empty `appname`.
   * @throws {RangeError} For an unknown `logtype` or `tool`, a log `eventcreate` cannot write
   * to, or a `timeout`/`maxPending` that is not a positive number.
   */
  constructor(appname: string, options: NTEventLogHandlerOptions = {}) {
    // Checked before the handler registers itself (super): a refused one leaves nothing behind.
    checkOption("NTEventLogHandler", "appname", appname, string(true));
    checkOptions(
      "NTEventLogHandler",
      options,
      RULES,
      `new NTEventLogHandler("MyApp", { logtype: "Application" })`,
      new.target === NTEventLogHandler ? "refuse" : "allow",
    );
    const logtype = options.logtype ?? "Application";
    const tool = options.tool ?? "powershell";
    if (tool === "eventcreate" && logtype === "Security") {
      throw new RangeError(
        `Cannot create NTEventLogHandler as 'logtype' must be "Application" or "System" with ` +
          `tool "eventcreate": current value is "Security"`,
      );
    }
    const timeout = options.timeout ?? 30_000;
    const maxPending = options.maxPending ?? 1000;
    super();
    this.appname = appname;
    this.dllname = options.dllname || undefined;
    this.logtype = logtype;
    this.tool = tool;
    this.#maxPending = maxPending;
    if (options.runner !== undefined) {
      this.#runner = options.runner;
    } else if (Deno.build.os === "windows") {
      this.#runner = denoCommandRunner(timeout);
    } else {
      this.#runner = null;
      if (!warnedUnavailable) {
        warnedUnavailable = true;
        writeStderr(
          `NTEventLogHandler: the Windows event log is not available on ${Deno.build.os}; ` +
            `records sent to it are ignored.\n`,
        );
      }
    }
  }

  /** Whether records are waiting for their command. */
  override get pending(): boolean {
    return this.#waiting > 0;
  }

  /** How many records were dropped because `maxPending` records were waiting. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * The event id of `record`: 1, as in Python. Override it to map records to the ids of your
   * own message file (`eventcreate` accepts 1 to 1000, PowerShell 0 to 65535).
   *
   * @param _record The record.
   * @returns The event id.
   */
  getMessageID(_record: LogRecord): number {
    return 1;
  }

  /**
   * The event category of `record`: 0, as in Python. Override it for your own categories
   * (`eventcreate` has none and ignores it).
   *
   * @param _record The record.
   * @returns The category.
   */
  getEventCategory(_record: LogRecord): number {
    return 0;
  }

  /**
   * The event type of `record`: `typemap[record.levelno]`, or `deftype` for other levels.
   *
   * @param record The record.
   * @returns The event type.
   */
  getEventType(record: LogRecord): EventType {
    return this.typemap[record.levelno] ?? this.deftype;
  }

  /**
   * Prepares the event and queues its command. Returns at once; failures go to `handleError`.
   *
   * @param record The record.
   */
  override emit(record: LogRecord): void {
    if (this.#runner === null) return;
    const id = this.getMessageID(record);
    const category = this.getEventCategory(record);
    const type = this.getEventType(record);
    const message = eventText(this.format(record));
    const [low, high] = this.tool === "eventcreate" ? [1, 1000] : [0, 65535];
    if (!(Number.isInteger(id) && id >= low && id <= high)) {
      throw new RangeError(
        `Cannot write the event as its id must be an integer from ${low} to ${high} with ` +
          `${this.tool}: current value is ${id}`,
      );
    }
    if (!(Number.isInteger(category) && category >= 0 && category <= 32767)) {
      throw new RangeError(
        `Cannot write the event as its category must be an integer from 0 to 32767: current ` +
          `value is ${category}`,
      );
    }
    if (this.#waiting >= this.#maxPending) {
      this.#dropped++;
      if (!this.#dropping) {
        this.#dropping = true;
        this.handleError(
          record,
          new Error(
            `The record was dropped because ${this.#maxPending} records were waiting for the ` +
              `event log (maxPending); later drops are counted in 'dropped' until one is written`,
          ),
        );
      }
      return;
    }
    this.#dropping = false;
    this.#waiting++;
    this.#tail = this.#tail.then(() => this.#write(record, id, category, type, message));
  }

  async #write(
    record: LogRecord,
    id: number,
    category: number,
    type: EventType,
    message: string,
  ): Promise<void> {
    const runner = this.#runner!;
    try {
      if (this.tool === "eventcreate") {
        await this.#run(runner, "eventcreate.exe", [
          "/L",
          this.logtype.toUpperCase(),
          "/T",
          type.toUpperCase(),
          "/SO",
          this.appname,
          "/ID",
          String(id),
          "/D",
          message,
        ], {});
        return;
      }
      if (!this.#registered) {
        this.#registered = true;
        const env: Record<string, string> = {
          [ENV.log]: this.logtype,
          [ENV.source]: this.appname,
        };
        if (this.dllname !== undefined) env[ENV.dll] = this.dllname;
        try {
          await this.#run(runner, "powershell.exe", [
            ...POWERSHELL_ARGS,
            registerScript(this.dllname !== undefined),
          ], env);
        } catch (error) {
          this.handleError(
            record,
            new Error(
              `Cannot register the event source '${this.appname}' in the ${this.logtype} log ` +
                `(an administrator must do it once)`,
              { cause: error },
            ),
          );
        }
      }
      await this.#run(runner, "powershell.exe", [...POWERSHELL_ARGS, WRITE_SCRIPT], {
        [ENV.log]: this.logtype,
        [ENV.source]: this.appname,
        [ENV.id]: String(id),
        [ENV.type]: type,
        [ENV.category]: String(category),
        [ENV.message]: message,
      });
    } catch (error) {
      this.handleError(record, error);
    } finally {
      this.#waiting--;
    }
  }

  async #run(
    runner: CommandRunner,
    program: string,
    args: string[],
    env: Record<string, string>,
  ): Promise<void> {
    const { code, stderr } = await runner(program, args, env);
    if (code !== 0) {
      const detail = stderr.trim();
      throw new Error(`${program} exited with code ${code}${detail ? `: ${detail}` : ""}`);
    }
  }

  /** Called by the exit hooks: reports the records whose command could not run any more. */
  override flushSync(): void {
    const n = this.#waiting;
    const ending = endingReason();
    if (n === 0 || ending === null) return;
    this.handleError(
      null,
      new Error(
        `${n} record${n === 1 ? " was" : "s were"} still waiting for the event log ${ending}`,
      ),
    );
  }

  /**
   * Resolves when every record handled before the call has been written or has failed.
   *
   * @returns A promise that never rejects.
   */
  override flush(): Promise<void> {
    return this.#tail;
  }

  /**
   * Waits for the records handled so far, then closes. Like Python's, it leaves the source
   * registered (the event viewer needs it to show the events). Idempotent.
   *
   * @returns A promise that resolves when the handler is closed.
   */
  override async close(): Promise<void> {
    await this.#tail;
    await super.close();
  }
}

// The types this entry point's API refers to, so that it documents itself alone.
export { Filterer, type FilterLike, type FilterResult } from "../core/filter.ts";
export { type FormatStyle, Formatter } from "../core/formatter.ts";
export { Handler } from "../core/handler.ts";
export { type Level, type LevelName } from "../core/levels.ts";
export { type LogArgs, LogRecord } from "../core/record.ts";
export { type TimeStruct } from "../core/text/strftime.ts";
