import assert from "node:assert/strict";
import { QuoteApiError } from "../../lib/quotes/api_error.ts";
import { QuoteClient } from "../../lib/quotes/client.ts";
import { pollQuotes, retryDelayMs } from "../../lib/quotes/poller.ts";
import type { SourceEvent } from "../../lib/quotes/source.ts";
import { errorReply, type FakeReply, okReply, quote, startFakeApi } from "./_fake_api.ts";

async function collect(script: FakeReply[], options: { maxRetries?: number; polls?: number } = {}) {
  const api = startFakeApi(script);
  try {
    const client = new QuoteClient({ token: "t0k3n", baseUrl: api.baseUrl, timeoutMs: 300 });
    const events: SourceEvent[] = [];
    const source = pollQuotes((symbols, signal) => client.fetchQuotes(symbols, { signal }), {
      groups: [["AAPL", "TSLA"]],
      intervalMs: 10,
      maxPolls: options.polls ?? 1,
      maxRetries: options.maxRetries ?? 3,
      backoffMs: 10,
    }, new AbortController().signal);
    for await (const event of source) events.push(event);
    return { events, requests: api.requests.length };
  } finally {
    await api.close();
  }
}

const kinds = (events: SourceEvent[]) => events.map((e) => e.kind);

Deno.test("pollQuotes() emits one batch per group and a poll line", async () => {
  const { events, requests } = await collect([okReply([quote("AAPL", 1), quote("TSLA", 2)])], { polls: 2 });
  assert.deepEqual(kinds(events), ["batch", "poll", "batch", "poll"]);
  assert.equal(requests, 2);
  const batch = events[0];
  assert.ok(batch?.kind === "batch");
  assert.equal(batch.key, "AAPL,TSLA");
  const poll = events[1];
  assert.ok(poll?.kind === "poll");
  assert.deepEqual([poll.symbols, poll.requests], [2, 1]);
  assert.ok(poll.nextPollAt instanceof Date);
  assert.equal((events[3] as { nextPollAt?: Date }).nextPollAt, undefined);
});

Deno.test("pollQuotes() waits what a 429 asks, then publishes the 200", async () => {
  const { events, requests } = await collect([
    errorReply(429, "rate_limit_reached", { "retry-after": "0" }),
    okReply([quote("AAPL", 1)]),
  ]);
  assert.deepEqual(kinds(events), ["retry", "batch", "poll"]);
  assert.equal((events[0] as { delayMs: number }).delayMs, 0);
  assert.equal(requests, 2);
});

Deno.test("pollQuotes() pauses on a 402 usage limit until the window resets, without using up retries", async () => {
  const reset = { "x-usagelimit-reset": "1" }; // seconds from now
  const { events } = await collect([
    errorReply(402, "usage_limit_reached", reset),
    okReply([quote("AAPL", 1)]),
  ], { maxRetries: 0 });
  assert.deepEqual(kinds(events), ["retry", "batch", "poll"]);
  assert.equal((events[0] as { delayMs: number }).delayMs, 1000);
});

Deno.test("pollQuotes() retries a 500 and a timeout with backoff, then gives up", async () => {
  const { events, requests } = await collect([
    errorReply(500, "server_error"),
    { hang: true },
    errorReply(503, "maintenance_mode"),
  ], {
    maxRetries: 2,
  });
  assert.deepEqual(kinds(events), ["retry", "retry", "failed", "poll"]);
  assert.equal(requests, 3);
  assert.match((events[2] as { reason: string }).reason, /503.*gave up after 3 tries/);
});

Deno.test("pollQuotes() rejects malformed responses without retrying", async (t) => {
  for (
    const [name, reply] of [
      ["truncated JSON", { status: 200, body: '{"meta":{"requested":1},"data":[{"ticker":"AA' }],
      ["missing data", { status: 200, body: '{"meta":{}}' }],
      ["quote without ticker", okReply([{ ...quote("AAPL", 1), ticker: undefined }])],
      ["non-numeric price", okReply([{ ...quote("AAPL", 1), price: "N/A" }])],
    ] as [string, FakeReply][]
  ) {
    await t.step(name, async () => {
      const { events, requests } = await collect([reply]);
      assert.deepEqual(kinds(events), ["rejected", "poll"]);
      assert.equal(requests, 1);
    });
  }
});

Deno.test("pollQuotes() does not retry a 401", async () => {
  const { events, requests } = await collect([errorReply(401, "invalid_api_token")]);
  assert.deepEqual(kinds(events), ["failed", "poll"]);
  assert.equal(requests, 1);
});

Deno.test("pollQuotes() stops at once when aborted during a wait", async () => {
  const controller = new AbortController();
  const events: SourceEvent[] = [];
  const started = Date.now();
  setTimeout(() => controller.abort(), 50);
  for await (
    const e of pollQuotes(
      () => Promise.resolve({ meta: { requested: 1, returned: 1 }, data: [{ ticker: "A", price: 1 }] }),
      {
        groups: [["A"]],
        intervalMs: 60_000,
      },
      controller.signal,
    )
  ) events.push(e);
  assert.deepEqual(kinds(events), ["batch", "poll"]);
  assert.ok(Date.now() - started < 1000);
});

Deno.test("retryDelayMs() backs off exponentially with jitter", () => {
  const e = new QuoteApiError("server_error", "x", { retriable: true });
  assert.equal(retryDelayMs(e, 0, { random: () => 0 }), 500);
  assert.equal(retryDelayMs(e, 3, { random: () => 0.999999 }), 8000);
  assert.equal(retryDelayMs(e, 20, { random: () => 0.999999 }), 60_000);
  const limited = new QuoteApiError("rate_limit_reached", "x", { retriable: true, retryAfterMs: 1234 });
  assert.equal(retryDelayMs(limited, 5), 1234);
});
