import assert from "node:assert/strict";
import { type ReplayEvent, replayEventArrays } from "../../lib/quotes/replay_source.ts";

async function events(path: string, pace: "recorded" | "fast") {
  const out: ReplayEvent[] = [];
  for await (const events of replayEventArrays(path, { pace, intervalMs: 20 }, new AbortController().signal)) {
    out.push(...events);
  }
  return out;
}

Deno.test("replayEventArrays() replays the shipped sample recording line by line", async () => {
  const out = await events("samples/quotes.jsonl", "fast");
  const batches = out.filter((e) => e.kind === "batch");
  assert.equal(batches.length, 30);
  assert.ok(batches.every((b) => b.key === "AAPL,MSFT,TSLA" && b.envelope.data.length === 3));
  assert.deepEqual(out.filter((e) => e.kind !== "batch").map((e) => e.kind), ["poll"]);
});

Deno.test("replayEventArrays() rejects bad lines with their line number and keeps going", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const good = JSON.stringify({ meta: { requested: 1, returned: 1 }, data: [{ ticker: "AAPL", price: 1 }] });
    await Deno.writeTextFile(
      path,
      [good, '{"data":[{"ticker":"AA', "", JSON.stringify({ data: [{ ticker: "X" }] }), good].join("\n"),
    );
    const out = await events(path, "fast");
    assert.deepEqual(out.map((e) => e.kind), ["batch", "rejected", "rejected", "batch", "poll"]);
    assert.match((out[1] as { reason: string }).reason, /:2 is not valid JSON/);
    assert.match((out[2] as { reason: string }).reason, /:4: data\[0\] \("X"\) has no "price"/);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("replayEventArrays() at recorded pace waits as long as the recording did", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const line = (t: string) => JSON.stringify({ data: [{ ticker: "A", price: 1 }], timestamp_utc: t });
    await Deno.writeTextFile(
      path,
      [line("2024-05-31T14:30:00.000Z"), line("2024-05-31T14:30:00.300Z"), line("2024-05-31T14:30:00.400Z")].join("\n"),
    );
    const started = Date.now();
    const out = await events(path, "recorded");
    const elapsed = Date.now() - started;
    assert.equal(out.filter((e) => e.kind === "batch").length, 3);
    assert.ok(elapsed >= 390, `replayed in ${elapsed} ms, recording spans 400 ms`);
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("replayEventArrays() gives each line its message value, stamped when the chunk was read", async () => {
  const path = await Deno.makeTempFile({ suffix: ".jsonl" });
  try {
    const line = (t: string) =>
      JSON.stringify({
        meta: { requested: 2, returned: 2 },
        data: [{ ticker: "TSLA", price: 2 }, { ticker: "AAPL", price: 1 }],
        timestamp_utc: t,
      });
    await Deno.writeTextFile(
      path,
      `${line("2024-05-31T14:30:00.000Z")}\n{"data":[]}\n${line("2024-05-31T14:30:01.000Z")}\n`,
    );
    const before = Date.now();
    const out = await events(path, "fast");
    assert.deepEqual(out.map((e) => e.kind), ["batch", "rejected", "batch", "poll"]);
    for (const e of out) {
      if (e.kind !== "batch") continue;
      const value = JSON.parse(e.value);
      assert.equal(e.key, "AAPL,TSLA");
      assert.equal(value.timestamp_utc, e.takenAt.toISOString());
      assert.ok(e.takenAt.getTime() >= before);
      assert.deepEqual(value.data, e.envelope.data);
      assert.equal(e.value.split(`"timestamp_utc"`).length, 2);
    }
  } finally {
    await Deno.remove(path);
  }
});
