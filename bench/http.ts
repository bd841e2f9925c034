/**
 * HTTPHandler throughput against a local collector: `Deno.serve` on loopback in a child process.
 *
 * `tools/deno run -A bench/http.ts [--records=20000] [--runs=3] [--root=<library folder>]`
 *
 * For each mode (`default`: one URL-encoded GET per record, as CPython; `post`: one URL-encoded
 * POST per record; `batch`: JSON arrays of 100 records; `nocaller`: the default with
 * `callerInfo: false`, where the library supports it), a fresh handler logs `records` records of
 * `info("request %d handled", i)` in a tight loop (no yield to the event loop), then `close()`.
 * The clock runs from the first call until `close()` resolves; the collector then says how many
 * records it received, and the most requests it ever had in progress at once.
 *
 * Workloads (`--workloads=defaults,roomy,paced`, the first two by default):
 * - "defaults": the handler's default options, `records` calls in a tight loop. Records the
 *   outbox could not hold are dropped (and reported): the row shows how many arrived.
 * - "roomy": the same with an outbox large enough for every record (`maxRecords: 1e6`,
 *   `maxBytes: 1 GiB`), so that the records/s measure delivery throughput alone.
 * - "paced": default options, records logged at `--rate` records/s (5000 by default) the way a
 *   server logs them: the records due, then a turn of the event loop (about 1 ms), and so on.
 *   Drops show that the handler cannot keep up with that rate.
 *
 * `--inflight=N` passes `maxInFlight: N`; `--delay=MS` makes the collector answer each request
 * MS ms late (a collector farther away than loopback).
 * `--root` points at another copy of the library (`/work/base`, say) to measure it with the same
 * bench. Each line of output is one JSON object; a table follows.
 *
 * @module
 */

interface Stats {
  requests: number;
  records: number;
  maxConcurrent: number;
  connections: number;
}

/** The collector: counts requests and records, and the most requests in progress at once. */
function collect(): void {
  let requests = 0;
  let records = 0;
  let now = 0;
  let maxConcurrent = 0;
  const peers = new Set<number>();
  const delay = Number(Deno.args.find((a) => a.startsWith("--delay="))?.slice(8) ?? 0);
  const server = Deno.serve({
    hostname: "127.0.0.1",
    port: 0,
    onListen({ port }) {
      console.log(JSON.stringify({ port }));
    },
  }, async (req, info) => {
    const path = new URL(req.url).pathname;
    if (path === "/stats") {
      const stats: Stats = { requests, records, maxConcurrent, connections: peers.size };
      requests = records = maxConcurrent = 0;
      peers.clear();
      return Response.json(stats);
    }
    peers.add(info.remoteAddr.port);
    now++;
    if (now > maxConcurrent) maxConcurrent = now;
    try {
      const body = await req.text();
      if (delay > 0) await new Promise((r) => setTimeout(r, delay));
      requests++;
      records += body.startsWith("[") ? (JSON.parse(body) as unknown[]).length : 1;
      return new Response("ok");
    } finally {
      now--;
    }
  });
  // Ends when the parent closes stdin.
  void (async () => {
    for await (const _ of Deno.stdin.readable) { /* wait */ }
    await server.shutdown();
  })();
}

interface Library {
  getLogger(name: string): {
    propagate: boolean;
    setLevel(level: number): void;
    addHandler(h: unknown): void;
    removeHandler(h: unknown): void;
    info(msg: string, ...args: unknown[]): void;
  };
  HTTPHandler: new (host: string, url: string, options: Record<string, unknown>) => {
    close(): Promise<void>;
    dropped: number;
    handleError(record: unknown, error: unknown): void;
  };
}

const MODES: Record<string, Record<string, unknown>> = {
  default: {},
  post: { method: "POST" },
  batch: { method: "POST", format: "json", batch: { maxRecords: 100, maxDelayMs: 1000 } },
  nocaller: { callerInfo: false },
};

const ROOMY = { maxRecords: 1_000_000, maxBytes: 1024 * 1024 * 1024 };

interface Result {
  mode: string;
  workload: string;
  records: number;
  arrived: number;
  dropped: number;
  errors: number;
  seconds: number;
  recordsPerSecond: number;
  maxConcurrent: number;
  connections: number;
  loopSeconds: number;
}

async function run(
  rate: number,
  extra: Record<string, unknown>,
  lib: Library,
  port: number,
  mode: string,
  workload: string,
  records: number,
): Promise<Result> {
  const options = { ...MODES[mode], ...(workload === "roomy" ? ROOMY : {}), ...extra };
  const handler = new lib.HTTPHandler(`127.0.0.1:${port}`, "/log", options);
  let errors = 0;
  handler.handleError = () => {
    errors++;
  };
  const log = lib.getLogger(`bench.http.${mode}.${workload}`);
  log.propagate = false;
  log.setLevel(20);
  log.addHandler(handler);
  const t0 = performance.now();
  if (workload === "paced") {
    // A server's pace: the records due by now, then a turn of the event loop (about 1 ms).
    let i = 0;
    while (i < records) {
      const due = Math.min(records, Math.ceil(((performance.now() - t0) / 1000) * rate));
      for (; i < due; i++) log.info("request %d handled", i);
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  } else {
    for (let i = 0; i < records; i++) log.info("request %d handled", i);
  }
  const loopSeconds = (performance.now() - t0) / 1000;
  await handler.close();
  const seconds = (performance.now() - t0) / 1000;
  log.removeHandler(handler);
  const stats = await (await fetch(`http://127.0.0.1:${port}/stats`)).json() as Stats;
  return {
    mode,
    workload,
    records,
    arrived: stats.records,
    dropped: handler.dropped,
    errors,
    seconds: Math.round(seconds * 1000) / 1000,
    recordsPerSecond: Math.round(stats.records / seconds),
    maxConcurrent: stats.maxConcurrent,
    connections: stats.connections,
    loopSeconds: Math.round(loopSeconds * 1000) / 1000,
  };
}

async function main(): Promise<void> {
  const flags = new Map(
    Deno.args.filter((a) => a.startsWith("--")).map((a) => {
      const [k, v] = a.slice(2).split("=");
      return [k, v ?? ""];
    }),
  );
  if (flags.has("collector")) return collect();
  const records = Number(flags.get("records") ?? 20_000);
  const runs = Number(flags.get("runs") ?? 3);
  const root = flags.get("root") ?? new URL("..", import.meta.url).pathname;
  const lib = await import(`file://${root.replace(/\/$/, "")}/mod.ts`) as Library;
  const extra: Record<string, unknown> = {};
  if (flags.has("inflight")) extra.maxInFlight = Number(flags.get("inflight"));
  const rate = Number(flags.get("rate") ?? 5000);
  const workloads = (flags.get("workloads") ?? "defaults,roomy").split(",");
  const modes = (flags.get("modes") ?? "default,post,batch,nocaller").split(",");

  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net=127.0.0.1",
      new URL(import.meta.url).pathname,
      "--collector",
      `--delay=${flags.get("delay") ?? 0}`,
    ],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let first = "";
  while (!first.includes("\n")) {
    const { value, done } = await lines.read();
    if (done) throw new Error("the collector did not start");
    first += value;
  }
  const port = (JSON.parse(first.split("\n")[0]) as { port: number }).port;
  const results: Result[] = [];
  try {
    // Warm-up: both sides' code paths, and the connections.
    await run(rate, extra, lib, port, "default", "roomy", 2000);
    for (let r = 0; r < runs; r++) {
      for (const mode of modes) {
        for (const workload of workloads) {
          const result = await run(rate, extra, lib, port, mode, workload, records);
          console.log(JSON.stringify(result));
          results.push(result);
        }
      }
    }
  } finally {
    await child.stdin.close();
    await child.status;
  }
  console.log(`\nlibrary: ${root}; ${records} records per run, best of ${runs}`);
  console.log(
    "| mode | workload | records/s (best) | arrived (worst) | dropped (worst) | max concurrent |",
  );
  console.log("|---|---|--:|--:|--:|--:|");
  for (const mode of modes) {
    for (const workload of workloads) {
      const rs = results.filter((r) => r.mode === mode && r.workload === workload);
      if (rs.length === 0) continue;
      const best = Math.max(...rs.map((r) => r.recordsPerSecond));
      const arrived = Math.min(...rs.map((r) => r.arrived));
      const dropped = Math.max(...rs.map((r) => r.dropped));
      const conc = Math.max(...rs.map((r) => r.maxConcurrent));
      console.log(
        `| ${mode} | ${workload} | ${
          best.toLocaleString("en-US")
        } | ${arrived} | ${dropped} | ${conc} |`,
      );
    }
  }
}

if (import.meta.main) await main();
