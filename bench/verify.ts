/**
 * The checks of a run's output: a plain file holds every record, rotated files an unbroken run.
 *
 * @module
 */

import type { Checked, Naming, Rotation } from "./types.ts";
import { formatRate } from "./table.ts";

/**
 * Counts the lines of a file and checks the last one is record `records - 1`.
 *
 * @param path The timed output file.
 * @param records How many records were logged.
 * @returns `undefined` when the file is complete, else what is wrong.
 */
export async function verifyFile(path: string, records: number): Promise<string | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (err) {
    return `cannot read the output file: ${err instanceof Error ? err.message : err}`;
  }
  let lines = 0;
  let lastStart = 0;
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) {
    lines++;
    if (i + 1 < bytes.length) lastStart = i + 1;
  }
  if (bytes.length > 0 && bytes[bytes.length - 1] !== 10) {
    return `the file does not end with a newline (${lines} complete lines, ${records} expected)`;
  }
  if (lines !== records) return `the file has ${lines} lines, ${records} expected`;
  const last = new TextDecoder().decode(bytes.subarray(lastStart));
  if (records > 0 && !last.includes(`request ${records - 1} handled`)) {
    return `the last line is not record ${records - 1}: ${last.trim().slice(0, 120)}`;
  }
  return undefined;
}

/**
 * Where a rotated file sits in its system's sequence: a larger key is newer.
 *
 * @param naming The system's naming scheme.
 * @param name A file name in the run's folder.
 * @returns The key, or `undefined` for a name that is not one of the system's log files.
 */
function rotatedKey(naming: Naming, name: string): number | undefined {
  let m: RegExpMatchArray | null;
  switch (naming) {
    case "python":
      if (name === "bench.log") return Infinity;
      m = name.match(/^bench\.log\.([1-9]\d*)$/);
      return m ? -Number(m[1]) : undefined;
    case "winston":
      if (name === "bench.log") return 0;
      m = name.match(/^bench([1-9]\d*)\.log$/);
      return m ? Number(m[1]) : undefined;
    case "pino-roll":
      m = name.match(/^bench\.([1-9]\d*)\.log$/);
      return m ? Number(m[1]) : undefined;
  }
}

/**
 * Checks a rotating run. With the bench's 5 backups of 1 MiB, most of the workload is rotated away
 * (500,000 records are about 30 MB), so counting every record cannot work. Instead:
 *
 * - The folder holds only the system's log files (named as {@linkcode Naming} says, plus the
 *   row's `extraFiles`). Ordered oldest to newest and read as one stream, they must hold an
 *   unbroken run of records `k, k+1, ..., records-1`: nothing lost or repeated inside what is
 *   kept, the last record last, the stream ending with a newline. Otherwise the run fails.
 * - The rotation rule, reported as a deviation beside the row's rate (the rate still counts):
 *   every file at most maxBytes (plus one line for a system that checks the size after writing);
 *   no line split across two files; `keep` files when some were deleted (k > 0), never more.
 *
 * @param out The path the system was given (`<run folder>/bench.log`).
 * @param records How many records were logged.
 * @param rotation The row's rotation.
 * @returns What the check found.
 */
export async function verifyRotated(
  out: string,
  records: number,
  rotation: Rotation,
): Promise<Checked> {
  const folder = out.slice(0, out.lastIndexOf("/"));
  const deviations: string[] = [];
  const files: { name: string; key: number; bytes: Uint8Array }[] = [];
  try {
    for await (const entry of Deno.readDir(folder)) {
      if (rotation.extraFiles?.includes(entry.name)) continue;
      const key = rotatedKey(rotation.naming, entry.name);
      if (key === undefined || !entry.isFile) {
        return { problem: `unexpected file '${entry.name}' beside the logs`, deviations };
      }
      files.push({ name: entry.name, key, bytes: await Deno.readFile(`${folder}/${entry.name}`) });
    }
  } catch (err) {
    return {
      problem: `cannot read the output files: ${err instanceof Error ? err.message : err}`,
      deviations,
    };
  }
  if (files.length === 0) return { problem: "no log file was written", deviations };
  files.sort((a, b) => a.key - b.key);
  const largest = Math.max(...files.map((f) => f.bytes.length));
  const split = files.slice(0, -1).filter((f) =>
    f.bytes.length > 0 && f.bytes[f.bytes.length - 1] !== 10
  );
  if (split.length > 0) {
    deviations.push(
      `lines split across files (${split.length} of ${files.length} files end inside a line)`,
    );
  }
  const stream = new Uint8Array(files.reduce((n, f) => n + f.bytes.length, 0));
  let offset = 0;
  for (const f of files) {
    stream.set(f.bytes, offset);
    offset += f.bytes.length;
  }
  if (stream.length === 0 || stream[stream.length - 1] !== 10) {
    return { problem: "the newest file does not end with a newline", deviations, largest };
  }
  const lines = new TextDecoder().decode(stream.subarray(0, -1)).split("\n");
  // With lines split across files, the oldest kept file may start inside a line whose start
  // was rotated away.
  let first = 0;
  if (split.length > 0 && !/request \d+ handled/.test(lines[0])) first = 1;
  const firstRecord = Number(lines[first]?.match(/request (\d+) handled/)?.[1] ?? NaN);
  if (!Number.isInteger(firstRecord)) {
    return {
      problem: `the oldest kept line is not a record: ${lines[first]?.slice(0, 120)}`,
      deviations,
      largest,
    };
  }
  let longest = 0;
  for (let i = first; i < lines.length; i++) {
    const expected = firstRecord + i - first;
    const line = lines[i];
    if (line.length + 1 > longest) longest = line.length + 1;
    const at = line.indexOf("request ");
    const n = at === -1 ? NaN : Number.parseInt(line.slice(at + 8), 10);
    if (n !== expected) {
      return {
        problem: `record ${expected} is missing from the kept files: found ${
          line.slice(0, 120)
        } (records ${firstRecord}..${records - 1} expected, oldest first)`,
        deviations,
        largest,
      };
    }
  }
  const lastRecord = firstRecord + lines.length - 1 - first;
  if (lastRecord !== records - 1) {
    return {
      problem: `the newest record is ${lastRecord}, ${records - 1} expected`,
      deviations,
      largest,
    };
  }
  const limit = rotation.maxBytes + (rotation.checksBefore ? 0 : longest);
  if (largest > limit) {
    deviations.push(
      `largest file ${formatRate(largest)} bytes > ${formatRate(rotation.maxBytes)}${
        rotation.checksBefore ? "" : ` + one line (${longest})`
      }`,
    );
  }
  if (files.length > rotation.keep) {
    deviations.push(`keeps ${files.length} files, ${rotation.keep} configured`);
  } else if (firstRecord > 0 && files.length < rotation.keep) {
    deviations.push(`kept only ${files.length} files of ${rotation.keep}`);
  }
  return { deviations, files: files.length, largest };
}
