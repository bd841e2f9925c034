/**
 * The report: the header with the machine and tool versions, then each scenario's tables and notes.
 *
 * @module
 */

import versions from "./peers/versions.json" with { type: "json" };
import type { Measured, Options, OursVariant, ScenarioName } from "./types.ts";
import { SCENARIOS } from "./scenarios.ts";
import { capture, PYENV_VERSION, ROOT } from "./process.ts";
import { best, formatRate, median, ratio, table } from "./table.ts";

/** Our configurations as ratio columns: the main table's header and the targets table's. */
const OURS_COLUMNS: Record<OursVariant, { short: string; long: string }> = {
  default: { short: "ours ÷", long: "ours default ÷ peer" },
  lock: { short: "ours lock ÷", long: "ours lock ÷ peer" },
  buffered: { short: "ours buf ÷", long: "ours buffered ÷ peer" },
  json: { short: "ours json ÷", long: "ours json ÷ peer" },
  ack: { short: "ours ack ÷", long: "ours ack ÷ peer" },
  nocaller: { short: "ours nocaller ÷", long: "ours nocaller ÷ peer" },
};

/**
 * The machine and tool versions for the report header.
 *
 * @returns Markdown list items.
 */
export async function environment(): Promise<string[]> {
  let cpu = "unknown CPU";
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    cpu = info.match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpu;
  } catch {
    // not Linux
  }
  const deno = await capture(Deno.execPath(), ["--version"]);
  const node = await capture("node", ["--version"]);
  const py = await capture("python3", ["--version"], { PYENV_VERSION });
  return [
    `- Date: ${new Date().toISOString()}`,
    `- CPU: ${cpu}, ${navigator.hardwareConcurrency} logical cores`,
    `- OS: ${Deno.build.os} ${Deno.osRelease()}`,
    `- \`deno --version\`: ${deno.stdout.trim().split("\n").join("; ")}`,
    `- Node.js: ${node.success ? node.stdout.trim() : "unavailable"}; CPython: ${
      py.success ? py.stdout.trim() : "unavailable"
    }`,
    `- Peers: ${Object.entries(versions).map(([n, v]) => `${n} ${v}`).join(", ")}`,
  ];
}

/**
 * One scenario's section: its table of every row, the table against each peer's faster runtime,
 * its notes and problems.
 *
 * @param scenario The scenario.
 * @param rows Its rows' outcomes.
 * @param options The run's options.
 * @returns Markdown lines.
 */
function section(scenario: ScenarioName, rows: Measured[], options: Options): string[] {
  const def = SCENARIOS[scenario];
  const files = def.fileColumns === true;
  const variants = (Object.keys(OURS_COLUMNS) as OursVariant[]).filter((v) =>
    rows.some((m) => m.target.ours === v)
  );
  const oursRate = new Map(
    variants.map((v) => [v, best(rows.find((m) => m.target.ours === v)!)]),
  );
  const cells = rows.map((m) => {
    const b = best(m);
    const med = median(m);
    const name = m.problem
      ? `${m.target.label} **${m.problem.split(":")[0].toUpperCase()}**`
      : m.peer ?? m.target.label;
    return [
      m.deviations.size ? `${name} ⚠` : name,
      m.runtime ?? m.target.runtime,
      b === undefined ? "–" : formatRate(b),
      med === undefined ? "–" : formatRate(med),
      ...(files
        ? [String(m.files ?? "–"), m.largest === undefined ? "–" : formatRate(m.largest)]
        : []),
      ...variants.map((v) => m.target.ours ? "" : ratio(oursRate.get(v), b)),
    ];
  });
  const mainTable = table(
    [
      "system",
      "runtime",
      `records/s (best of ${options.runs})`,
      "median",
      ...(files ? ["files", "largest (bytes)"] : []),
      ...variants.map((v) => OURS_COLUMNS[v].short),
    ],
    cells,
    [false, false, true, true, ...(files ? [true, true] : []), ...variants.map(() => true)],
  );
  // The targets: each peer against its faster runtime.
  const targets: string[][] = [];
  for (
    const system of [...new Set(rows.filter((m) => !m.target.ours).map((m) => m.target.system))]
  ) {
    const rowsOf = rows.filter((m) => m.target.system === system && best(m) !== undefined);
    if (rowsOf.length === 0) {
      const failed = rows.some((m) =>
        m.target.system === system && m.problem?.startsWith("failed")
      );
      targets.push([system, failed ? "failed" : "unavailable", "–", ...variants.map(() => "–")]);
      continue;
    }
    const fastest = rowsOf.reduce((a, b) => (best(a)! >= best(b)! ? a : b));
    const rate = best(fastest);
    targets.push([
      system,
      fastest.runtime ?? fastest.target.runtime,
      formatRate(rate!),
      ...variants.map((v) => ratio(oursRate.get(v), rate)),
    ]);
  }
  const targetTable = table(
    ["peer", "faster runtime", "records/s", ...variants.map((v) => OURS_COLUMNS[v].long)],
    targets,
    [false, false, true, ...variants.map(() => true)],
  );
  const deviations = rows.filter((m) => m.deviations.size).map((m) =>
    `- ⚠ ${m.target.id}: ${[...m.deviations].join("; ")}`
  );
  const problems = rows.filter((m) => m.problem).map((m) => `- **${m.target.id}: ${m.problem}**`);
  return [
    `## ${def.title}`,
    "",
    def.intro.join(" "),
    "",
    mainTable,
    "",
    "Against each peer's faster runtime:",
    "",
    targetTable,
    "",
    ...(def.summary ? [...def.summary(rows), ""] : []),
    ...(deviations.length ? ["Departures from the rotation rule:", "", ...deviations, ""] : []),
    "Notes:",
    "",
    ...def.notes,
    ...(problems.length ? ["", "Problems:", "", ...problems] : []),
    "",
  ];
}

/**
 * Builds the report: header, then each measured scenario's section.
 *
 * @param measured Every row's outcome.
 * @param options The run's options.
 * @param env The environment lines.
 * @param args The bench's command-line arguments, quoted in the header.
 * @returns Markdown.
 */
export function report(
  measured: Measured[],
  options: Options,
  env: string[],
  args: string[],
): string {
  return [
    "# Benchmark: file logging throughput",
    "",
    [
      "Produced by `tools/deno task bench`",
      args.length ? `(\`${args.join(" ")}\`)` : "",
      `: ${formatRate(options.records)} records at INFO, each`,
      '`info("request %d handled", i)`, formatted as',
      "`%(asctime)s %(levelname)s %(name)s %(message)s` and written to a file by each system's",
      "handler. Every run is a fresh process that warms up on",
      `${formatRate(options.warmup)} records (to another file), then is timed from the first`,
      "call until its file is flushed and closed; the output is checked. Each row is",
      `run ${options.runs} time${options.runs === 1 ? "" : "s"} (interleaved); the best run is`,
      "reported, with the median beside it.",
    ].filter((part) => part !== "").join(" ").replace(" :", ":"),
    "",
    ...env,
    "",
    ...options.scenarios.flatMap((scenario) => {
      const rows = measured.filter((m) => m.target.scenario === scenario);
      return rows.length ? section(scenario, rows, options) : [];
    }),
  ].join("\n");
}

/**
 * Formats Markdown with `deno fmt` and the project's settings, so RESULTS.md passes
 * `deno fmt --check`.
 *
 * @param markdown The report.
 * @returns The formatted report, or the input when `deno fmt` fails.
 */
export async function formatMarkdown(markdown: string): Promise<string> {
  try {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["fmt", "--ext=md", "-"],
      cwd: ROOT,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(markdown));
    await writer.close();
    const out = await child.output();
    return out.success ? new TextDecoder().decode(out.stdout) : markdown;
  } catch {
    return markdown;
  }
}
