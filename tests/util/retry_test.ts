import assert from "node:assert/strict";
import { retryRetriable } from "../../lib/util/retry.ts";

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
