// Shared by the JavaScript peers, which run unchanged under Deno and under Node.js.
//
// A peer is started as `<runtime> <peer>.mjs <out> <warmupOut> <records> <warmupRecords>`. It logs
// the warm-up records to `warmupOut` (and closes that logger), then times `records` records to
// `out` from the first call until the file is flushed and closed, and prints one JSON line:
// `{"seconds": number, "runtime": string, "peer": string}`.
//
// Under Deno a package comes from its pinned `npm:` specifier; under Node.js from the folder
// named by the BENCH_NODE_ROOT environment variable (where bench/main.ts runs `npm install`).

import versions from "./versions.json" with { type: "json" };

const isDeno = typeof globalThis.Deno !== "undefined";

/** The command-line arguments after the script name. */
function argv() {
  return isDeno ? globalThis.Deno.args : globalThis.process.argv.slice(2);
}

/** Parses `<out> <warmupOut> <records> <warmupRecords> [variant]`. */
export function parseArgs() {
  const [out, warmupOut, records, warmupRecords, variant = ""] = argv();
  const n = Number(records);
  const w = Number(warmupRecords);
  if (!out || !warmupOut || !Number.isInteger(n) || !Number.isInteger(w)) {
    throw new Error("usage: <peer>.mjs <out> <warmupOut> <records> <warmupRecords>");
  }
  return { out, warmupOut, records: n, warmupRecords: w, variant };
}

/** "Deno 2.9.6" or "Node.js 20.20.2". */
export function runtimeName() {
  return isDeno
    ? `Deno ${globalThis.Deno.version.deno}`
    : `Node.js ${globalThis.process.versions.node}`;
}

/** The pinned version of a peer package. */
export function versionOf(name) {
  const version = versions[name];
  if (!version) throw new Error(`add ${name} to bench/peers/versions.json`);
  return version;
}

/** Imports a peer package: `npm:` under Deno, BENCH_NODE_ROOT/node_modules under Node.js. */
export async function loadPeer(name) {
  const version = versionOf(name);
  if (isDeno) return await import(`npm:${name}@${version}`);
  const root = globalThis.process.env.BENCH_NODE_ROOT;
  if (!root) throw new Error("set BENCH_NODE_ROOT to the folder npm installed the peers into");
  const { createRequire } = await import("node:module");
  const { pathToFileURL } = await import("node:url");
  const { readFileSync } = await import("node:fs");
  const { dirname, join } = await import("node:path");
  const require = createRequire(join(root, "package.json"));
  const pkgJson = require.resolve(`${name}/package.json`);
  const pkg = JSON.parse(readFileSync(pkgJson, "utf8"));
  if (pkg.version !== version) {
    throw new Error(`${name} ${pkg.version} is installed in ${root}, the bench pins ${version}`);
  }
  // Prefer the ES module build, as Deno does; fall back to what require() would load.
  const esm = pkg.exports?.["."]?.import;
  const entry = typeof esm === "string" ? join(dirname(pkgJson), esm) : require.resolve(name);
  return await import(pathToFileURL(entry).href);
}

/**
 * The file path of a peer package's entry module, for APIs that load a module by path (a pino
 * transport's `target`): Deno's npm cache under Deno, BENCH_NODE_ROOT/node_modules under Node.js.
 */
export async function resolvePeer(name) {
  await loadPeer(name);
  const { fileURLToPath } = await import("node:url");
  if (isDeno) return fileURLToPath(import.meta.resolve(`npm:${name}@${versionOf(name)}`));
  const { createRequire } = await import("node:module");
  const { join } = await import("node:path");
  return createRequire(join(globalThis.process.env.BENCH_NODE_ROOT, "package.json")).resolve(name);
}

/** Prints the result line the orchestrator reads. */
export function report(seconds, peer) {
  console.log(JSON.stringify({ seconds, runtime: runtimeName(), peer }));
}
