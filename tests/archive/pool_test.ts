import assert from "node:assert/strict";
import { gunzipBytes } from "../../lib/archive/gzip.ts";
import { ArchivePool, INLINE_CPU } from "../../lib/archive/pool.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const VALUES = [
  bytes('{"timestamp_utc":"2024-10-01T14:30:00Z","a":1}'),
  null,
  bytes("not json"),
  bytes('{\n"b": 2\n}'),
  bytes('{"timestamp_utc":17}'),
  bytes("[1]"),
  new Uint8Array([0x7b, 0xff, 0x7d]),
];

Deno.test("ArchivePool.scan() finds what INLINE_CPU.scan() finds, in a worker", async () => {
  const pool = new ArchivePool(2);
  try {
    const [inWorker, inline] = await Promise.all([pool.scan(VALUES), INLINE_CPU.scan(VALUES)]);
    assert.deepEqual(inWorker, inline);
    assert.deepEqual([...inline.times], [Date.UTC(2024, 9, 1, 14, 30), NaN, NaN, NaN, NaN, NaN, NaN]);
    assert.deepEqual(Object.keys(inline.rejects), ["1", "2", "4", "5", "6"]);
    assert.equal(new TextDecoder().decode(inline.lines[3]), '{"b":2}');
  } finally {
    pool.close();
  }
});

Deno.test("ArchivePool.gzip() compresses in a worker and takes the input", async () => {
  const pool = new ArchivePool(1);
  try {
    const data = bytes("line\n".repeat(1000));
    const zipped = await pool.gzip(data, 1);
    assert.equal(data.byteLength, 0);
    assert.equal(new TextDecoder().decode(await gunzipBytes(zipped)), "line\n".repeat(1000));
  } finally {
    pool.close();
  }
});

Deno.test("ArchivePool.close() rejects jobs in flight", async () => {
  const pool = new ArchivePool(1);
  const job = pool.gzip(bytes("x".repeat(1 << 20)), 9);
  pool.close();
  await assert.rejects(job, /closed/);
});

Deno.test("ArchivePool() rejects a size below 1", () => {
  assert.throws(() => new ArchivePool(0), RangeError);
});

Deno.test("ArchivePool reuses the buffers of gzip inputs and recycled scans (a reused buffer keeps its old bytes)", async () => {
  const pool = new ArchivePool(1);
  try {
    const input = pool.alloc(2 << 20).fill(0x78);
    await pool.gzip(input, 1);
    assert.equal(input.byteLength, 0);
    assert.equal(pool.alloc(2 << 20)[0], 0x78);

    const values = [bytes(`{"pad":"${"y".repeat(3 << 20)}"}`)];
    const scanned = await pool.scan(values);
    assert.deepEqual(scanned.rejects, {});
    pool.recycle(scanned);
    const next = pool.alloc(3 << 20);
    assert.equal(new TextDecoder().decode(next.subarray(0, 8)), '{"pad":"');
  } finally {
    pool.close();
  }
});
