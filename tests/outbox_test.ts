/**
 * The outbox's own rules, with a delivery the test scripts (the network peers are exercised in
 * socket_test.ts): order, batching, the drop policies, back-off and what `pending` tells the
 * exit hooks.
 */

import { type Delivery, Outbox } from "../core/io/outbox.ts";
import { assert, assertEquals, assertThrows } from "./helpers/assert.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const item = (s: string) => enc.encode(s);

/** A delivery that fails while `down` is true and records batches otherwise. */
function scripted() {
  const state = {
    down: false,
    batches: [] as string[][],
    resets: 0,
    delivery: null as unknown as Delivery,
  };
  state.delivery = {
    deliver(batch) {
      if (state.down) return Promise.reject(new Error("peer down"));
      state.batches.push(batch.map((b) => dec.decode(b)));
      return Promise.resolve();
    },
    reset() {
      state.resets++;
    },
  };
  return state;
}

Deno.test("records are delivered in order, in batches of at most batchBytes", async () => {
  const s = scripted();
  const box = new Outbox(s.delivery, { batchBytes: 10 }, () => {});
  for (let i = 0; i < 20; i++) box.push(item(`r${String(i).padStart(2, "0")}`)); // 3 bytes
  await box.flush();
  assertEquals(
    s.batches.flat(),
    Array.from({ length: 20 }, (_, i) => `r${String(i).padStart(2, "0")}`),
  );
  assert(s.batches.every((b) => b.length <= 3), JSON.stringify(s.batches));
});

Deno.test("drop 'oldest' keeps the newest records and counts what it dropped", async () => {
  const s = scripted();
  s.down = true;
  const reports: string[] = [];
  const box = new Outbox(
    s.delivery,
    { maxRecords: 5, drop: "oldest", retryStart: 0.02 },
    (e) => reports.push(e.message),
  );
  for (let i = 0; i < 12; i++) box.push(item(`r${i}`));
  while (s.resets === 0) await new Promise((r) => setTimeout(r, 1)); // the attempt failed
  s.down = false;
  await box.close();
  // r0 was in flight when the peer failed; of the rest only the newest fit.
  const delivered = s.batches.flat();
  assertEquals(delivered[delivered.length - 1], "r11");
  assertEquals(delivered.length + box.dropped, 12);
  assert(reports.some((r) => /records? (was|were) dropped because the outbox was full/.test(r)));
});

Deno.test("the byte cap bounds the outbox as well as the record cap", () => {
  const s = scripted();
  s.down = true;
  const box = new Outbox(s.delivery, { maxBytes: 10 }, () => {});
  assertEquals(box.push(item("12345")), true);
  assertEquals(box.push(item("12345")), true);
  assertEquals(box.push(item("1")), false);
  assertEquals(box.dropped, 1);
});

Deno.test("while backing off after a failure, the outbox is not pending (a program may end)", async () => {
  const s = scripted();
  s.down = true;
  const box = new Outbox(s.delivery, { retryStart: 0.05 }, () => {});
  box.push(item("x"));
  assertEquals(box.pending, true);
  while (s.resets === 0) await new Promise((r) => setTimeout(r, 1)); // the attempt failed
  assertEquals(box.pending, false);
  assertEquals(s.resets, 1);
  s.down = false;
  await box.close();
  assertEquals(s.batches.flat(), ["x"]);
});

Deno.test("back-off grows by retryFactor up to retryMax", async () => {
  const s = scripted();
  s.down = true;
  const box = new Outbox(
    s.delivery,
    { retryStart: 0.01, retryFactor: 3, retryMax: 0.05 },
    () => {},
  );
  box.push(item("x"));
  const seen: number[] = [];
  while (seen.length < 4) {
    const resets = s.resets;
    while (s.resets === resets) await new Promise((r) => setTimeout(r, 2));
    seen.push(box.retryDelay);
  }
  assertEquals(seen.map((d) => Math.round(d * 1000)), [10, 30, 50, 50]);
  s.down = false;
  await box.close();
});

Deno.test("invalid bounds are errors naming the option", () => {
  const s = scripted();
  assertThrows(
    () => new Outbox(s.delivery, { maxRecords: 0 }, () => {}),
    RangeError,
    "'maxRecords' must be an integer >= 1",
  );
  assertThrows(
    () => new Outbox(s.delivery, { drop: "middle" as "oldest" }, () => {}),
    RangeError,
    `'drop' must be "newest" or "oldest"`,
  );
});

Deno.test("Outbox waits the retryAfter a failed delivery asks for, at most retryMax, not the back-off", async () => {
  for (const [asked, retryMax, least, most] of [[0.3, 30, 280, 2000], [60, 0.2, 180, 2000]]) {
    let calls = 0;
    const outbox = new Outbox(
      {
        deliver: () => {
          if (calls++ === 0) {
            return Promise.reject(Object.assign(new Error("busy"), { retryAfter: asked }));
          }
          return Promise.resolve();
        },
        reset: () => {},
      },
      { retryStart: 0.01, retryMax },
      () => {},
    );
    outbox.push(new Uint8Array([1]));
    const t0 = performance.now();
    await outbox.flush();
    const waited = performance.now() - t0;
    assert(waited >= least && waited < most, `waited ${waited} ms for retryAfter ${asked}`);
    assertEquals(calls, 2);
  }
});
