/**
 * `deno doc --lint` on every entry point of deno.json's `exports`, each alone (so that each
 * subpath documents the types its API refers to) and all together (what `deno publish` checks).
 * Exits non-zero when any run reports a problem.
 *
 * @module
 */

const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
const entries: string[] = Object.values(config.exports as Record<string, string>);

async function lint(files: string[]): Promise<boolean> {
  const { code, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["doc", "--lint", ...files],
    stdout: "null",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    console.error(`deno doc --lint ${files.join(" ")}:\n${new TextDecoder().decode(stderr)}`);
  }
  return code === 0;
}

let ok = await lint(entries);
for (const entry of entries) ok = (await lint([entry])) && ok;
console.log(
  `deno doc --lint: ${entries.length} entry points, alone and together: ${
    ok ? "clean" : "problems"
  }`,
);
if (!ok) Deno.exit(1);
