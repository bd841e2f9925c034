/**
 * A log collector for the HTTPHandler tests: `Deno.serve` on loopback that takes records sent
 * as CPython's URL-encoded fields (GET query or POST body) or as JSON (one object or an array),
 * and keeps, for each request, the record messages it carried, how many requests were in
 * progress when it arrived, and from which local port (one port per kept-alive connection).
 *
 * In the test process: {@linkcode startCollector}, with an `answer` hook to delay or refuse.
 * In a process of its own (so that it does not share the sender's event loop):
 * `deno run --allow-net=127.0.0.1 tests/helpers/http_collector.ts` prints `{"port", "stats"}`
 * and answers `GET /stats` on the second port with {@linkcode CollectorStats}; it ends when its
 * stdin closes.
 *
 * @module
 */

/** One request, as the collector saw it. */
export interface Arrival {
  /** The messages (`msg`) of the records it carried, in order. */
  msgs: string[];
  /** What carried the records: the query string (GET) or the body (POST), as sent. */
  raw: string;
  /** The decoded records (URL-encoded fields or JSON objects). */
  records: Record<string, unknown>[];
  /** Requests in progress when it arrived, itself included. */
  inProgress: number;
  /** `performance.now()` when it arrived, and when it was answered. */
  at: number;
  answeredAt: number;
  /** The status it was answered with. */
  status: number;
  /** The sender's port: one per connection. */
  port: number;
  /** Aborted when the sender gives up on the request (its connection closes). */
  signal: AbortSignal;
}

/** What a collector in its own process reports (`GET /stats`). */
export interface CollectorStats {
  requests: number;
  /** Every record's `msg`, in the order the requests arrived. */
  msgs: string[];
  maxInProgress: number;
  connections: number;
}

/** A collector running in the test process. */
export interface Collector {
  port: number;
  /** Every request, in the order they arrived. */
  arrivals: Arrival[];
  /** The most requests ever in progress at once. */
  readonly maxInProgress: number;
  /** Resolves once `n` records have been answered with 2xx. */
  until(n: number): Promise<void>;
  close(): Promise<void>;
}

/** Decodes what one request carried. */
function decode(req: Request, text: string): Record<string, unknown>[] {
  if (req.headers.get("content-type") === "application/json") {
    const value = JSON.parse(text) as Record<string, unknown> | Record<string, unknown>[];
    return Array.isArray(value) ? value : [value];
  }
  const fields: Record<string, unknown> = {};
  for (const [k, v] of new URLSearchParams(text)) fields[k] = v;
  return [fields];
}

/**
 * Starts a collector on 127.0.0.1 in this process.
 *
 * @param answer Decides each answer's status (200 by default); may wait first.
 * @returns The collector.
 */
export function startCollector(
  answer?: (arrival: Arrival) => number | Promise<number>,
): Collector {
  const arrivals: Arrival[] = [];
  let inProgress = 0;
  let maxInProgress = 0;
  let accepted = 0;
  let waiters: { n: number; resolve: () => void }[] = [];
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (req, info) => {
      inProgress++;
      maxInProgress = Math.max(maxInProgress, inProgress);
      const arrival: Arrival = {
        msgs: [],
        raw: "",
        records: [],
        inProgress,
        at: performance.now(),
        answeredAt: 0,
        status: 0,
        port: info.remoteAddr.port,
        // Read only by the tests that wait on it (Deno warns once when it is listened to).
        get signal() {
          return req.signal;
        },
      };
      arrivals.push(arrival);
      try {
        arrival.raw = req.method === "GET" ? new URL(req.url).search.slice(1) : await req.text();
        arrival.records = decode(req, arrival.raw);
        arrival.msgs = arrival.records.map((r) => String(r.msg));
        arrival.status = answer ? await answer(arrival) : 200;
      } finally {
        inProgress--;
        arrival.answeredAt = performance.now();
      }
      if (arrival.status < 300) {
        accepted += arrival.records.length;
        waiters = waiters.filter((w) => accepted >= w.n ? (w.resolve(), false) : true);
      }
      return new Response(null, { status: arrival.status });
    },
  );
  return {
    port: server.addr.port,
    arrivals,
    get maxInProgress() {
      return maxInProgress;
    },
    until(n) {
      if (accepted >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    close: () => server.shutdown(),
  };
}

/** A collector in a process of its own. */
export interface CollectorProcess {
  port: number;
  stats(): Promise<CollectorStats>;
  close(): Promise<void>;
}

/**
 * Starts {@linkcode startCollector} in a child process (`deno run --allow-net=127.0.0.1`).
 *
 * @returns The port, a way to read its counts, and `close()`.
 */
export async function spawnCollector(): Promise<CollectorProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net=127.0.0.1", new URL(import.meta.url).pathname],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("the collector process did not start");
    line += value;
  }
  reader.releaseLock();
  const { port, stats } = JSON.parse(line.split("\n")[0]) as { port: number; stats: number };
  return {
    port,
    async stats() {
      const response = await fetch(`http://127.0.0.1:${stats}/stats`);
      return await response.json() as CollectorStats;
    },
    async close() {
      await child.stdin.close();
      await child.stdout.cancel().catch(() => {});
      await child.status;
    },
  };
}

if (import.meta.main) {
  const collector = startCollector();
  const peers = new Set<number>();
  const stats = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    for (const a of collector.arrivals) peers.add(a.port);
    const result: CollectorStats = {
      requests: collector.arrivals.length,
      msgs: collector.arrivals.flatMap((a) => a.msgs),
      maxInProgress: collector.maxInProgress,
      connections: peers.size,
    };
    return Response.json(result);
  });
  // The collector's own port, and the stats on another one, so stats requests are not counted.
  console.log(JSON.stringify({ port: collector.port, stats: stats.addr.port }));
  for await (const _ of Deno.stdin.readable) { /* until the test closes stdin */ }
  await collector.close();
  await stats.shutdown();
}
