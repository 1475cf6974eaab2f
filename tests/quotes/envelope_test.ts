import assert from "node:assert/strict";
import {
  parseQuoteEnvelope,
  publishedJson,
  quoteFingerprint,
  stampedJson,
  validateQuoteEnvelope,
} from "../../lib/quotes/envelope.ts";

const QUOTE = {
  ticker: "AAPL",
  name: "Apple Inc",
  mic_code: "XNAS",
  currency: "USD",
  price: 189.5,
  day_high: 190.1,
  day_low: 188.2,
  day_open: 188.9,
  "52_week_high": 199.6,
  "52_week_low": 164.1,
  market_cap: 2923000000000,
  previous_close_price: 188.7,
  previous_close_price_time: "2024-05-30T16:00:00.000000",
  day_change: 0.42,
  volume: 41234567,
  is_extended_hours_price: false,
  last_trade_time: "2024-05-31T15:59:59.000000",
};

Deno.test("parseQuoteEnvelope() accepts an API response and keeps every field", () => {
  const envelope = parseQuoteEnvelope(JSON.stringify({ meta: { requested: 1, returned: 1 }, data: [QUOTE] }));
  assert.deepEqual(envelope, { meta: { requested: 1, returned: 1 }, data: [QUOTE] });
});

Deno.test("validateQuoteEnvelope() fills a missing meta from data", () => {
  assert.deepEqual(validateQuoteEnvelope({ data: [QUOTE, { ...QUOTE, ticker: "TSLA" }] }).meta, {
    requested: 2,
    returned: 2,
  });
});

Deno.test("parseQuoteEnvelope() rejects unusable responses with the reason", async (t) => {
  const cases: [string, string, RegExp][] = [
    ["truncated JSON", JSON.stringify({ data: [QUOTE] }).slice(0, 40), /not valid JSON/],
    ["no data", JSON.stringify({ meta: {} }), /no "data"/],
    ["an API error body", JSON.stringify({ error: { code: "invalid_api_token" } }), /no "data"/],
    ["data not an array", JSON.stringify({ data: {} }), /not an array/],
    ["empty data", JSON.stringify({ data: [] }), /empty/],
    ["a quote without ticker", JSON.stringify({ data: [{ ...QUOTE, ticker: undefined }] }), /no "ticker"/],
    ["a quote without price", JSON.stringify({ data: [{ ...QUOTE, price: null }] }), /no "price"/],
    ["a non-numeric price", JSON.stringify({ data: [{ ...QUOTE, price: "189.5" }] }), /non-numeric "price"/],
    ["a non-numeric volume", JSON.stringify({ data: [{ ...QUOTE, volume: "many" }] }), /non-numeric "volume"/],
    ["one bad quote among good", JSON.stringify({ data: [QUOTE, { ticker: "TSLA" }] }), /data\[1\]/],
    ["not an object", "[1,2]", /not a JSON object/],
  ];
  for (const [name, text, reason] of cases) {
    await t.step(
      name,
      () => assert.throws(() => parseQuoteEnvelope(text), (e) => e instanceof TypeError && reason.test(e.message)),
    );
  }
});

Deno.test("quoteFingerprint() changes with price or last trade time only", () => {
  const a = validateQuoteEnvelope({ data: [QUOTE] });
  assert.equal(quoteFingerprint(a), quoteFingerprint(validateQuoteEnvelope({ data: [{ ...QUOTE, volume: 1 }] })));
  assert.notEqual(quoteFingerprint(a), quoteFingerprint(validateQuoteEnvelope({ data: [{ ...QUOTE, price: 190 }] })));
  assert.notEqual(
    quoteFingerprint(a),
    quoteFingerprint(validateQuoteEnvelope({ data: [{ ...QUOTE, last_trade_time: "2024-05-31T16:00:00.000000" }] })),
  );
});

Deno.test("stampedJson() splices timestamp_utc into the recorded text, as publishedJson() would publish it", async (t) => {
  const now = "2026-01-02T03:04:05.678Z";
  const expected = (value: unknown) => JSON.parse(publishedJson(validateQuoteEnvelope(value), now));
  const check = (value: Record<string, unknown>) => {
    const text = JSON.stringify(value);
    const stamped = stampedJson(text, JSON.parse(text), now);
    assert.ok(stamped !== undefined);
    assert.deepEqual(JSON.parse(stamped), expected(value));
    assert.equal(stamped.split(`"timestamp_utc"`).length, 2, stamped);
  };
  await t.step("appends it to a line without one", () => check({ meta: { requested: 1, returned: 1 }, data: [QUOTE] }));
  await t.step(
    "replaces a trailing one",
    () => check({ meta: { requested: 1, returned: 1 }, data: [QUOTE], timestamp_utc: "2024-05-31T13:30:00.000Z" }),
  );
});

Deno.test("stampedJson() declines text it cannot splice exactly", async (t) => {
  const meta = { requested: 1, returned: 1 };
  const cases: [string, string][] = [
    ["meta to fill in", JSON.stringify({ data: [QUOTE] })],
    ["a partial meta", JSON.stringify({ meta: { requested: 1 }, data: [QUOTE] })],
    ["an extra top-level field", JSON.stringify({ meta, data: [QUOTE], note: "x" })],
    ["timestamp_utc not last", JSON.stringify({ timestamp_utc: "2024-05-31T13:30:00.000Z", meta, data: [QUOTE] })],
    [
      "a duplicate timestamp_utc",
      `{"meta":{"requested":1,"returned":1},"data":[${JSON.stringify(QUOTE)}],"timestamp_utc":"a","timestamp_utc":"b"}`,
    ],
    ["a non-string timestamp_utc", JSON.stringify({ meta, data: [QUOTE], timestamp_utc: 1 })],
    ["spaced JSON", JSON.stringify({ meta, data: [QUOTE], timestamp_utc: "2024-05-31T13:30:00.000Z" }, null, 1)],
  ];
  for (const [name, text] of cases) {
    await t.step(name, () => assert.equal(stampedJson(text, JSON.parse(text), "2026-01-02T03:04:05.678Z"), undefined));
  }
});
