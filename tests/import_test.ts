import { assert, assertEquals } from "./helpers/assert.ts";

const root = new URL("../", import.meta.url);

/** Runs `source` as a module with every permission denied and no prompt. */
async function runDenied(source: string): Promise<Deno.CommandOutput> {
  const dir = await Deno.makeTempDir();
  try {
    const file = `${dir}/main.ts`;
    await Deno.writeTextFile(file, source);
    return await new Deno.Command(Deno.execPath(), {
      args: ["run", "--no-prompt", "--no-config", file],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).output();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("importing mod.ts needs no permission and starts nothing", async () => {
  const mod = new URL("mod.ts", root).href;
  const out = await runDenied(`
    const m = await import(${JSON.stringify(mod)});
    console.log(JSON.stringify({ count: Object.keys(m).length, getLogger: typeof m.getLogger }));
  `);
  const stderr = new TextDecoder().decode(out.stderr);
  assertEquals(out.code, 0, stderr);
  assertEquals(stderr, "", "importing printed to stderr (a permission prompt or warning?)");
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  assert(result.count > 40, `mod.ts exports ${result.count} names`);
  assertEquals(result.getLogger, "function");
});

Deno.test("every subpath export imports with every permission denied", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("deno.json", root)));
  const exports = Object.entries(config.exports as Record<string, string>);
  assert(exports.length >= 3);
  const imports = exports.map(([, file]) =>
    `await import(${JSON.stringify(new URL(file, root).href)});`
  ).join("\n");
  const out = await runDenied(imports + `\nconsole.log("imported");`);
  assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
  assertEquals(new TextDecoder().decode(out.stdout), "imported\n");
});
