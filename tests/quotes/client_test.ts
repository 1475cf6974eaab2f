import assert from "node:assert/strict";
import { QuoteApiError } from "../../lib/quotes/api_error.ts";
import { QuoteClient, redactUrl, retryAfterMs } from "../../lib/quotes/client.ts";
import { errorReply, type FakeReply, okReply, quote, startFakeApi } from "./_fake_api.ts";

const TOKEN = "sEcReT-token-123";
const NOW = Date.parse("2024-05-31T12:00:00Z");

async function fetchOnce(script: FakeReply[], timeoutMs = 2000) {
  const api = startFakeApi(script);
  try {
    const client = new QuoteClient({ token: TOKEN, baseUrl: api.baseUrl, timeoutMs, now: () => NOW });
    const result = await client.fetchQuotes(["AAPL", "TSLA"]).then(
      (envelope) => ({ envelope, error: undefined }),
      (error: unknown) => ({ envelope: undefined, error }),
    );
    return { ...result, requests: api.requests };
  } finally {
    await api.close();
  }
}

function apiError(error: unknown): QuoteApiError {
  assert.ok(error instanceof QuoteApiError, `expected a QuoteApiError, got ${error}`);
  assert.ok(!error.message.includes(TOKEN), `token leaked in "${error.message}"`);
  return error;
}

Deno.test("QuoteClient.fetchQuotes() asks for the symbols with the token and returns the envelope", async () => {
  const { envelope, error, requests } = await fetchOnce([okReply([quote("AAPL", 189.5), quote("TSLA", 248.2)])]);
  assert.equal(error, undefined);
  assert.deepEqual(envelope?.data.map((q) => [q.ticker, q.price]), [["AAPL", 189.5], ["TSLA", 248.2]]);
  assert.deepEqual(envelope?.meta, { requested: 2, returned: 2 });
  assert.equal(requests.length, 1);
  assert.equal(requests[0]?.pathname, "/v1/data/quote");
  assert.equal(requests[0]?.searchParams.get("symbols"), "AAPL,TSLA");
  assert.equal(requests[0]?.searchParams.get("api_token"), TOKEN);
});

Deno.test("QuoteClient.fetchQuotes() classifies API failures", async (t) => {
  await t.step("429 with Retry-After is a retriable rate limit with its delay", async () => {
    const e = apiError((await fetchOnce([errorReply(429, "rate_limit_reached", { "retry-after": "2" })])).error);
    assert.deepEqual([e.code, e.status, e.retriable, e.retryAfterMs], ["rate_limit_reached", 429, true, 2000]);
  });
  await t.step("429 with X-RateLimit-Reset (epoch seconds) waits until then", async () => {
    const reset = String(NOW / 1000 + 30);
    const e = apiError(
      (await fetchOnce([errorReply(429, "rate_limit_reached", { "x-ratelimit-reset": reset })])).error,
    );
    assert.equal(e.retryAfterMs, 30_000);
  });
  await t.step("402 usage_limit_reached pauses until X-UsageLimit-Reset", async () => {
    const reset = new Date(NOW + 3_600_000).toUTCString();
    const e = apiError(
      (await fetchOnce([errorReply(402, "usage_limit_reached", { "x-usagelimit-reset": reset })])).error,
    );
    assert.deepEqual([e.code, e.status, e.retriable, e.retryAfterMs], ["usage_limit_reached", 402, true, 3_600_000]);
  });
  await t.step("402 usage_limit_reached without headers pauses until UTC midnight", async () => {
    const e = apiError((await fetchOnce([errorReply(402, "usage_limit_reached")])).error);
    assert.equal(e.retryAfterMs, 12 * 3_600_000);
  });
  await t.step("402 rate_limit_reached is a rate limit", async () => {
    const e = apiError((await fetchOnce([errorReply(402, "rate_limit_reached", { "retry-after": "1" })])).error);
    assert.deepEqual([e.code, e.retryAfterMs], ["rate_limit_reached", 1000]);
  });
  await t.step("500 is a retriable server error", async () => {
    const e = apiError((await fetchOnce([errorReply(500, "server_error")])).error);
    assert.deepEqual([e.code, e.status, e.retriable, e.retryAfterMs], ["server_error", 500, true, undefined]);
  });
  await t.step("401 is not retriable and names the fix", async () => {
    const e = apiError((await fetchOnce([errorReply(401, "invalid_api_token")])).error);
    assert.deepEqual([e.code, e.retriable], ["http_error", false]);
    assert.match(e.message, /invalid_api_token.*STOCKDATA_API_TOKEN/);
  });
  await t.step("no answer in time is a retriable timeout", async () => {
    const e = apiError((await fetchOnce([{ hang: true }], 200)).error);
    assert.deepEqual([e.code, e.retriable], ["timeout", true]);
  });
  await t.step("truncated JSON is a malformed response, not retriable", async () => {
    const body = JSON.stringify({ data: [quote("AAPL", 1)] }).slice(0, 50);
    const e = apiError((await fetchOnce([{ status: 200, body }])).error);
    assert.deepEqual([e.code, e.retriable], ["malformed_response", false]);
    assert.match(e.message, /not valid JSON/);
  });
  await t.step("a quote without price is a malformed response", async () => {
    const { price: _, ...noPrice } = quote("AAPL", 1);
    const e = apiError((await fetchOnce([okReply([noPrice])])).error);
    assert.equal(e.code, "malformed_response");
    assert.match(e.message, /no "price"/);
  });
});

Deno.test("QuoteClient.fetchQuotes() reports a refused connection without the token", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  const client = new QuoteClient({ token: TOKEN, baseUrl: `http://127.0.0.1:${port}` });
  const error = await client.fetchQuotes(["AAPL"]).catch((e: unknown) => e);
  const e = apiError(error);
  assert.deepEqual([e.code, e.retriable], ["network", true]);
  assert.ok(!String((e.cause as Error).message).includes(TOKEN));
  assert.match(e.message, /api_token=\*\*\*/);
});

Deno.test("QuoteClient.fetchQuotes() rejects with the signal's reason when aborted", async () => {
  const api = startFakeApi([{ hang: true }]);
  try {
    const client = new QuoteClient({ token: TOKEN, baseUrl: api.baseUrl });
    const controller = new AbortController();
    const pending = client.fetchQuotes(["AAPL"], { signal: controller.signal }).catch((e: unknown) => e);
    setTimeout(() => controller.abort(new Error("stop")), 50);
    assert.equal(((await pending) as Error).message, "stop");
  } finally {
    await api.close();
  }
});

Deno.test("redactUrl() hides the token wherever it appears", () => {
  assert.equal(
    redactUrl("https://api.stockdata.org/v1/data/quote?symbols=AAPL&api_token=abc123&x=1"),
    "https://api.stockdata.org/v1/data/quote?symbols=AAPL&api_token=***&x=1",
  );
  assert.equal(
    redactUrl("error sending request for url (http://h/q?api_token=abc)"),
    "error sending request for url (http://h/q?api_token=***)",
  );
});

Deno.test("retryAfterMs() reads Retry-After as seconds or a date", () => {
  assert.equal(retryAfterMs(new Headers({ "retry-after": "7" }), "server_error", NOW), 7000);
  assert.equal(
    retryAfterMs(new Headers({ "retry-after": new Date(NOW + 5000).toUTCString() }), "server_error", NOW),
    5000,
  );
  assert.equal(retryAfterMs(new Headers(), "rate_limit_reached", NOW), undefined);
  assert.equal(retryAfterMs(new Headers({ "x-ratelimit-reset": String(NOW + 9000) }), "rate_limit_reached", NOW), 9000);
});
