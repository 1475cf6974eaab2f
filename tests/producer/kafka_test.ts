/**
 * Integration tests: the producer against the real local Kafka (localhost:29092),
 * each on its own topic, asserting on what is read back.
 */
import assert from "node:assert/strict";
import type { PublishedEnvelope } from "../../lib/quotes/envelope.ts";
import { runProducer } from "../../lib/producer/runner.ts";
import { errorReply, okReply, quote, startFakeApi } from "../quotes/_fake_api.ts";
import { memoryLogger, readTopic, testConfig, waitForKafka, withTopic } from "./_kafka.ts";

const TOKEN = "tok-8c2d91-secret";
const SYMBOLS = ["AAPL", "TSLA", "MSFT"];
const priced = (p: number, time = `2024-05-31T15:00:0${p}.000000`) =>
  okReply(SYMBOLS.map((s, i) => quote(s, p + i * 100, time)));

await waitForKafka();

Deno.test("runProducer() publishes what the API answers and nothing it should not", async () => {
  await withTopic(async (topic) => {
    const api = startFakeApi([
      priced(1), // poll 1: published
      errorReply(429, "rate_limit_reached", { "retry-after": "0" }), // poll 2: 429 then 200
      priced(2),
      errorReply(402, "usage_limit_reached", { "x-usagelimit-reset": "1" }), // poll 3: 402 pause 1 s
      priced(3),
      errorReply(500, "server_error"), // poll 4: 500 then 200
      priced(4),
      { hang: true }, // poll 5: timeout then 200
      priced(5),
      { status: 200, body: '{"meta":{"requested":3,"returned":3},"data":[{"ticker":"AAPL","pri' }, // poll 6: truncated
      okReply([quote("AAPL", 1), { ...quote("TSLA", 2), price: undefined }, quote("MSFT", 3)]), // poll 7: missing price
      okReply([quote("AAPL", 1), { ...quote("TSLA", 2), ticker: undefined }, quote("MSFT", 3)]), // poll 8: missing ticker
      priced(5), // poll 9: same as poll 5: skipped
      priced(6), // poll 10: published
    ]);
    const log = memoryLogger();
    try {
      const config = testConfig(topic, {
        source: "stockdata",
        symbols: SYMBOLS,
        stockdata: { ...testConfig(topic).stockdata, token: TOKEN, baseUrl: api.baseUrl, maxRetries: 3 },
      });
      const summary = await runProducer(config, { logger: log, maxPolls: 10 });
      assert.deepEqual(
        [summary.published, summary.skipped, summary.rejected, summary.failed, summary.retries, summary.lost],
        [6, 1, 3, 0, 4, 0],
      );
      assert.equal(api.requests.length, 14);
    } finally {
      await api.close();
    }

    const messages = await readTopic(topic);
    assert.deepEqual(messages.map((m) => (JSON.parse(m.value) as PublishedEnvelope).data[0]?.price), [
      1,
      2,
      3,
      4,
      5,
      6,
    ]);
    assert.equal(new Set(messages.map((m) => m.partition)).size, 1, "one key, one partition, in order");
    for (const m of messages) {
      const value = JSON.parse(m.value) as PublishedEnvelope;
      assert.equal(m.key, "AAPL,TSLA,MSFT");
      assert.deepEqual(m.headers, { source: "stockdata", "content-type": "application/json" });
      assert.deepEqual(Object.keys(value), ["meta", "data", "timestamp_utc"]);
      assert.deepEqual(value.meta, { requested: 3, returned: 3 });
      assert.deepEqual(value.data.map((q) => q.ticker), SYMBOLS);
      assert.match(value.timestamp_utc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      assert.equal(m.timestamp, String(Date.parse(value.timestamp_utc)));
      assert.deepEqual(Object.keys(value.data[0]!), Object.keys(quote("X", 1)));
    }
    const text = log.lines.join("\n");
    assert.ok(!text.includes(TOKEN), "the token must never be logged");
    assert.match(text, /api_token=\*\*\*/);
    assert.match(text, /Rejected response for AAPL,TSLA,MSFT, not published: .*not valid JSON/);
    assert.match(text, /has no "price"/);
    assert.match(text, /has no "ticker"/);
    assert.match(text, /usage_limit_reached.*retrying AAPL,TSLA,MSFT in 1\.0s/);
    assert.equal(log.lines.filter((l) => l.includes("[stockdata] 3 symbols in 1 response")).length, 10);
  });
});

Deno.test("runProducer() publishes unchanged responses when skipping is off", async () => {
  await withTopic(async (topic) => {
    const api = startFakeApi([priced(7)]);
    try {
      const config = testConfig(topic, {
        source: "stockdata",
        skipUnchanged: false,
        stockdata: { ...testConfig(topic).stockdata, token: TOKEN, baseUrl: api.baseUrl },
      });
      const summary = await runProducer(config, { logger: memoryLogger(), maxPolls: 3 });
      assert.deepEqual([summary.published, summary.skipped], [3, 0]);
    } finally {
      await api.close();
    }
    const messages = await readTopic(topic);
    assert.equal(messages.length, 3);
    assert.ok(messages.every((m) => (JSON.parse(m.value) as PublishedEnvelope).data[2]?.price === 207));
  });
});

Deno.test("runProducer() replays the sample recording into the topic unchanged but for timestamp_utc", async () => {
  await withTopic(async (topic) => {
    const summary = await runProducer(testConfig(topic, { source: "replay" }), { logger: memoryLogger() });
    assert.deepEqual([summary.published, summary.rejected, summary.skipped], [30, 0, 0]);
    const recorded = (await Deno.readTextFile("samples/quotes.jsonl")).trim().split("\n").map((l) => JSON.parse(l));
    const messages = await readTopic(topic);
    assert.equal(messages.length, 30);
    messages.forEach((m, i) => {
      const { timestamp_utc, ...rest } = JSON.parse(m.value) as PublishedEnvelope;
      const { timestamp_utc: _, ...expected } = recorded[i];
      assert.deepEqual(rest, expected);
      assert.ok(Date.parse(timestamp_utc) > Date.parse(recorded[i].timestamp_utc));
      assert.deepEqual([m.key, m.headers.source], ["AAPL,MSFT,TSLA", "replay"]);
    });
  });
});

Deno.test("runProducer() with the simulated source keeps each ticker's history in one partition, in order", async () => {
  await withTopic(async (topic) => {
    const config = testConfig(topic, {
      symbols: ["AAPL", "TSLA", "MSFT", "NVDA", "IBM"],
      stockdata: { ...testConfig(topic).stockdata, symbolsPerRequest: 2 },
    });
    const summary = await runProducer(config, { logger: memoryLogger(), maxPolls: 20 });
    assert.equal(summary.published + summary.skipped, 60);
    const messages = await readTopic(topic);
    assert.equal(messages.length, summary.published);
    const partitionOf = new Map<string, number>();
    const lastTime = new Map<string, string>();
    for (const m of messages) {
      const value = JSON.parse(m.value) as PublishedEnvelope;
      assert.equal(m.key, value.data.map((q) => q.ticker).join(","));
      assert.equal(m.headers.source, "simulated");
      for (const q of value.data) {
        assert.equal(partitionOf.get(q.ticker) ?? m.partition, m.partition, `${q.ticker} changed partition`);
        partitionOf.set(q.ticker, m.partition);
        assert.ok(q.day_low! <= q.price && q.price <= q.day_high!);
        assert.ok((lastTime.get(q.ticker) ?? "") <= value.timestamp_utc, `${q.ticker} out of order`);
        lastTime.set(q.ticker, value.timestamp_utc);
      }
    }
    assert.deepEqual([...partitionOf.keys()].sort(), ["AAPL", "IBM", "MSFT", "NVDA", "TSLA"]);
  });
});

Deno.test("runProducer() stops on abort and everything accepted is in Kafka", async () => {
  await withTopic(async (topic) => {
    const controller = new AbortController();
    const accepted: string[] = [];
    setTimeout(() => controller.abort(), 1500);
    const summary = await runProducer(testConfig(topic, { skipUnchanged: false }), {
      logger: memoryLogger(),
      signal: controller.signal,
      onAccept: (_key, value) => accepted.push(value),
    });
    assert.ok(summary.published > 10, `published ${summary.published}`);
    assert.deepEqual([summary.lost, accepted.length], [0, summary.published]);
    const messages = await readTopic(topic);
    assert.deepEqual(messages.map((m) => m.value).sort(), accepted.sort());
  });
});
