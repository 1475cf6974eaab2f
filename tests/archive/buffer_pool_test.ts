import assert from "node:assert/strict";
import { BufferPool } from "../../lib/archive/buffer_pool.ts";

const MiB = 1 << 20;

Deno.test("BufferPool.take() reuses a given buffer for a request it fits", () => {
  const pool = new BufferPool();
  const first = pool.take(3 * MiB + 5);
  assert.equal(first.byteLength, 3 * MiB + 5);
  assert.equal(first.buffer.byteLength, 4 * MiB);
  pool.give(first.buffer);
  const again = pool.take(3 * MiB);
  assert.equal(again.buffer, first.buffer);
  assert.equal(again.byteLength, 3 * MiB);
});

Deno.test("BufferPool.take() does not hand a much larger buffer to a small request", () => {
  const pool = new BufferPool();
  const large = pool.take(16 * MiB);
  pool.give(large.buffer);
  const small = pool.take(2 * MiB);
  assert.notEqual(small.buffer, large.buffer);
  assert.equal(pool.take(15 * MiB).buffer, large.buffer);
});

Deno.test("BufferPool keeps small buffers out, and at most `keep` free buffers", () => {
  const pool = new BufferPool(1);
  const small = pool.take(1000);
  assert.equal(small.buffer.byteLength, 1000);
  pool.give(small.buffer);
  assert.notEqual(pool.take(1000).buffer, small.buffer);
  const [a, b] = [pool.take(2 * MiB), pool.take(2 * MiB)];
  pool.give(a.buffer);
  pool.give(b.buffer);
  assert.equal(pool.take(2 * MiB).buffer, a.buffer);
  assert.notEqual(pool.take(2 * MiB).buffer, b.buffer);
});

Deno.test("BufferPool drops its free buffers when none is taken for idleMs", async () => {
  const pool = new BufferPool(4, 20);
  const first = pool.take(2 * MiB);
  pool.give(first.buffer);
  await new Promise((resolve) => setTimeout(resolve, 60));
  assert.notEqual(pool.take(2 * MiB).buffer, first.buffer);
});
