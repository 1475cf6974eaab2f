import assert from "node:assert/strict";
import { backoffDelay, retryRetriable } from "../../lib/util/retry.ts";

class Busy extends Error {}

function flaky(failures: number, error: () => Error): { task: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    task: () => (++calls <= failures ? Promise.reject(error()) : Promise.resolve(`ok after ${calls}`)),
    calls: () => calls,
  };
}

const busyOnly = { delayMs: 1, isRetriable: (e: unknown) => e instanceof Busy };

Deno.test("retryRetriable() retries retriable failures and returns the first success", async () => {
  const { task, calls } = flaky(2, () => new Busy("busy"));
  const retried: number[] = [];
  assert.equal(
    await retryRetriable(task, { ...busyOnly, attempts: 5, onRetry: (_e, n) => retried.push(n) }),
    "ok after 3",
  );
  assert.equal(calls(), 3);
  assert.deepEqual(retried, [1, 2]);
});

Deno.test("retryRetriable() throws the last failure after `attempts` calls", async () => {
  const { task, calls } = flaky(10, () => new Busy("still busy"));
  await assert.rejects(retryRetriable(task, { ...busyOnly, attempts: 3 }), /still busy/);
  assert.equal(calls(), 3);
});

Deno.test("retryRetriable() throws a failure that is not retriable at once", async () => {
  const { task, calls } = flaky(1, () => new TypeError("bad config"));
  await assert.rejects(retryRetriable(task, { ...busyOnly, attempts: 5 }), TypeError);
  assert.equal(calls(), 1);
});

Deno.test("backoffDelay() doubles up to the cap, with the upper half of each step random", () => {
  const options = { delayMs: 100, maxDelayMs: 1_000 };
  for (let i = 0; i < 50; i++) {
    const [d1, d2, d4, d10] = [1, 2, 4, 10].map((attempt) => backoffDelay(attempt, options));
    assert.ok(d1! >= 50 && d1! <= 100, `attempt 1 waited ${d1}`);
    assert.ok(d2! >= 100 && d2! <= 200, `attempt 2 waited ${d2}`);
    assert.ok(d4! >= 400 && d4! <= 800, `attempt 4 waited ${d4}`);
    assert.ok(d10! >= 500 && d10! <= 1_000, `attempt 10 waited ${d10}`);
  }
  assert.equal(backoffDelay(7, { delayMs: 250 }), 250, "no cap: a fixed pace");
});

Deno.test("retryRetriable() retries without a limit until the signal aborts, then throws the last failure", async () => {
  const controller = new AbortController();
  const { task, calls } = flaky(Infinity, () => new Busy("down"));
  const waits: number[] = [];
  const retried = retryRetriable(task, {
    delayMs: 1,
    maxDelayMs: 8,
    isRetriable: (e) => e instanceof Busy,
    signal: controller.signal,
    onRetry: (_e, _n, ms) => {
      waits.push(ms);
      if (waits.length === 6) controller.abort();
    },
  });
  await assert.rejects(retried, /down/);
  assert.equal(calls(), 6);
  assert.ok(waits.every((ms) => ms <= 8), `waits ${waits}`);
});
