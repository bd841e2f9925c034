/**
 * This library's SocketHandler sending to this library's LogReceiver, on the bench workload, run
 * by bench/main.ts (the `socket` scenario). Two Deno processes: this sender, and the receiver it
 * starts as a child (`deno run -A bench/ours_socket.ts receive <warmupRecords> <records>`).
 *
 * `deno run -A bench/ours_socket.ts <records> <warmupRecords> <mode>`
 *
 * 1. The receiver listens on 127.0.0.1 (a free port) and prints `{"port"}`. Its `handle` counts
 *    the records and checks that each message is `request <i> handled` with `i` the next number.
 * 2. Warm-up: `warmupRecords` records on a first handler (its own connection), then `close()`;
 *    the receiver prints `warm` once it has handled them all.
 * 3. Timed: a new handler on a new connection; `records` records of `info("request %d handled",
 *    i)`, then `close()`; the clock stops when the receiver's `done` line (printed when it has
 *    handled the last record) arrives.
 * 4. The sender closes the receiver's stdin; the receiver prints its counts and exits.
 *
 * The sender prints one JSON line `{"seconds", "runtime", "peer", "received", "problem"?}`.
 *
 * Logging calls are synchronous and the outbox is bounded (10,000 records by default), so a
 * loop of 200,000 calls that never yields would overflow it while the pump waits for its turn.
 * After every {@linkcode CHUNK} records the loop waits until the chunk before the last one has
 * been delivered (`handler.flush()`; a server yields between requests anyway), so at most two
 * chunks wait; a dropped record fails the run.
 *
 * The modes: `default` (`new SocketHandler(host, port)`: pickle, no acknowledgements), `json`
 * (`{ format: "json" }`), `ack` (`{ ack: true }`) and `nocaller` (`{ callerInfo: false }`, what
 * Python's `logging._srcfile = None` does for this handler: no stack capture per
 * record, and `pathname`, `lineno` and `funcName` hold placeholders).
 *
 * @module
 */

import { getLogger, INFO, SocketHandler, type SocketHandlerOptions } from "../mod.ts";
import { LogReceiver } from "../receiver.ts";
import type { LogRecord } from "../core/record.ts";

/** Records logged between two yields to the event loop. */
const CHUNK = 2000;

/** For each mode: the handler's options and how the result line describes it. */
const MODES = {
  default: { peer: "@x/loghandlers SocketHandler -> LogReceiver (pickle)", options: {} },
  json: {
    peer: "@x/loghandlers SocketHandler { format: 'json' } -> LogReceiver",
    options: { format: "json" },
  },
  ack: {
    peer: "@x/loghandlers SocketHandler { ack: true } -> LogReceiver",
    options: { ack: true },
  },
  nocaller: {
    peer: "@x/loghandlers SocketHandler { callerInfo: false } -> LogReceiver (pickle)",
    options: { callerInfo: false },
  },
} as const satisfies Record<string, { peer: string; options: SocketHandlerOptions }>;

/** A handler configuration the bench measures. */
type Mode = keyof typeof MODES;

function isMode(value: string | undefined): value is Mode {
  return value !== undefined && Object.hasOwn(MODES, value);
}

/** Prints one line on stdout at once (the sender is waiting for it). */
function say(line: string): void {
  const bytes = new TextEncoder().encode(line + "\n");
  let n = 0;
  while (n < bytes.length) n += Deno.stdout.writeSync(bytes.subarray(n));
}

/**
 * The receiver process: counts and checks the warm-up records, then the timed ones.
 *
 * @param warmup Warm-up records expected first.
 * @param records Timed records expected next.
 */
async function receive(warmup: number, records: number): Promise<void> {
  let phase: "warm" | "timed" = warmup > 0 ? "warm" : "timed";
  let expected = 0;
  let total = 0;
  let problem: string | undefined;
  const target = () => phase === "warm" ? warmup : records;
  const handle = (record: LogRecord): void => {
    total++;
    const msg = record.msg;
    if (problem === undefined) {
      const n = typeof msg === "string" ? Number(msg.slice(8, -8)) : NaN;
      if (n !== expected || msg !== `request ${n} handled`) {
        problem = `${phase} record ${expected} expected, got ${String(msg).slice(0, 80)}`;
      }
    }
    expected++;
    if (expected === target()) {
      if (phase === "warm") {
        say("warm");
        phase = "timed";
        expected = 0;
      } else {
        say("done");
      }
    }
  };
  const receiver = new LogReceiver({ tcp: { hostname: "127.0.0.1", port: 0 }, handle });
  await receiver.start();
  if (warmup === 0 && records === 0) say("done");
  say(JSON.stringify({ port: (receiver.tcpAddr as Deno.NetAddr).port }));
  // The sender closes our stdin when it is done.
  for await (const _ of Deno.stdin.readable) { /* nothing is sent */ }
  await receiver.close();
  const timed = phase === "timed" ? expected : 0;
  if (problem === undefined && timed !== records) {
    problem = `the receiver handled ${timed} timed records, ${records} expected`;
  }
  say(JSON.stringify({ received: timed, total, problem }));
}

/** Reads the child's stdout line by line. */
async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    rest += text;
    let at: number;
    while ((at = rest.indexOf("\n")) !== -1) {
      yield rest.slice(0, at);
      rest = rest.slice(at + 1);
    }
  }
  if (rest !== "") yield rest;
}

/**
 * Logs `n` records through a new handler; returns it closed (every record written to the OS).
 *
 * @param port The receiver's port.
 * @param n How many records.
 * @param mode Which handler configuration.
 * @returns The handler, for its `dropped` count.
 */
async function send(port: number, n: number, mode: Mode): Promise<SocketHandler> {
  const handler = new SocketHandler("127.0.0.1", port, MODES[mode].options);
  const log = getLogger("bench");
  log.setLevel(INFO);
  log.propagate = false;
  log.addHandler(handler);
  // Waits for the chunk before the last one: one chunk is always on its way, so the pump never
  // runs dry, and at most two chunks wait in the outbox.
  let previous: Promise<void> | null = null;
  for (let i = 0; i < n;) {
    const end = Math.min(n, i + CHUNK);
    for (; i < end; i++) log.info("request %d handled", i);
    const flushed = handler.flush();
    await previous;
    previous = flushed;
  }
  await handler.close();
  log.removeHandler(handler);
  return handler;
}

async function main(): Promise<void> {
  const [records, warmupRecords, mode] = Deno.args;
  if (
    !Number.isInteger(Number(records)) || !Number.isInteger(Number(warmupRecords)) ||
    !isMode(mode)
  ) {
    throw new Error(
      "usage: deno run -A bench/ours_socket.ts <records> <warmupRecords> " +
        `<${Object.keys(MODES).join("|")}>`,
    );
  }
  const n = Number(records);
  const w = Number(warmupRecords);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      "--no-lock",
      new URL(import.meta.url).pathname,
      "receive",
      String(w),
      String(n),
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const out = lines(child.stdout);
  const next = async (what: string): Promise<string> => {
    const { value, done } = await out.next();
    if (done) throw new Error(`the receiver exited before printing ${what}`);
    return value;
  };
  const { port } = JSON.parse(await next("its port"));
  let dropped = 0;
  if (w > 0) {
    dropped += (await send(port, w, mode)).dropped;
    if (await next("warm") !== "warm") throw new Error("the receiver did not confirm the warm-up");
  }
  const start = performance.now();
  const sending = send(port, n, mode);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const donePromise = next("done");
  const doneLine = await Promise.race([
    donePromise,
    // Everything sent: the receiver gets 10 s more before the run counts as failed.
    sending.then(() =>
      new Promise<string>((r) => {
        timer = setTimeout(() => r("timeout"), 10_000);
      })
    ),
  ]);
  const seconds = (performance.now() - start) / 1000;
  await sending;
  clearTimeout(timer);
  dropped += (await sending).dropped;
  await child.stdin.close();
  let final: { received: number; total: number; problem?: string };
  // After a timeout, the line read for "done" comes first.
  let pending: Promise<string> | null = doneLine === "done" ? null : donePromise;
  for (;;) {
    const line = await (pending ?? next("its counts"));
    pending = null;
    if (line.startsWith("{")) {
      final = JSON.parse(line);
      break;
    }
  }
  await child.status;
  let problem = final.problem;
  if (dropped > 0) {
    problem = `the handler dropped ${dropped} records` + (problem ? `; ${problem}` : "");
  }
  if (doneLine !== "done" && problem === undefined) problem = "the receiver never finished";
  console.log(JSON.stringify({
    seconds,
    runtime: `Deno ${Deno.version.deno}`,
    peer: MODES[mode].peer,
    received: final.received,
    problem,
  }));
}

if (Deno.args[0] === "receive") await receive(Number(Deno.args[1]), Number(Deno.args[2]));
else await main();
