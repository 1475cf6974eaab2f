import assert from "node:assert/strict";
import { MarketBook } from "../../console/server/market.ts";

const encoder = new TextEncoder();

function record(value: unknown, timestamp: number, offset = 0n) {
  const bytes = typeof value === "string" ? encoder.encode(value) : encoder.encode(JSON.stringify(value));
  return { partition: 0, offset, timestamp, key: null, value: bytes };
}

function envelope(...quotes: { ticker: string; price: number; volume?: number; day_change?: number }[]) {
  return { meta: { requested: quotes.length, returned: quotes.length }, data: quotes };
}

Deno.test("MarketBook.applyEnvelope() builds one-minute OHLC bars by Kafka timestamp, volume from the day volume's growth", () => {
  const book = new MarketBook(24);
  const minute = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
  const prices = [10, 12, 9, 11];
  prices.forEach((price, i) =>
    book.applyEnvelope(record(envelope({ ticker: "X", price, volume: 100 + i * 5 }), minute + i))
  );
  book.applyEnvelope(record(envelope({ ticker: "X", price: 20, volume: 130 }), minute + 60_000));
  assert.deepEqual(book.bars("X", 1), [
    { time: minute / 1000, open: 10, high: 12, low: 9, close: 11, volume: 15 },
    { time: minute / 1000 + 60, open: 20, high: 20, low: 20, close: 20, volume: 15 },
  ]);
  assert.deepEqual(book.tape().map((t) => [t.ticker, t.price]), [["X", 20]]);
  assert.equal(book.quotes, 5);
});

Deno.test("MarketBook.applyEnvelope() skips what is not an envelope or a quote", () => {
  const book = new MarketBook(24);
  assert.deepEqual(book.applyEnvelope(record("not json", Date.now())), []);
  assert.deepEqual(book.applyEnvelope(record({ data: "x" }, Date.now())), []);
  assert.deepEqual(book.applyEnvelope(record(envelope({ ticker: "X", price: Number.NaN }), Date.now())), []);
  assert.deepEqual(book.tape(), []);
});

Deno.test("MarketBook.applyAlert() keeps the newest alerts first", () => {
  const book = new MarketBook(24);
  book.applyAlert(record({ TICKER: "A", PRICE: 1, THRESHOLD: 2, ALERT: "low" }, 1));
  book.applyAlert(record({ TICKER: "B", PRICE: 3, THRESHOLD: 4, ALERT: "low" }, 2));
  assert.equal(book.applyAlert(record({ nope: 1 }, 3)), undefined);
  assert.deepEqual(book.alerts().map((a) => a.ticker), ["B", "A"]);
});
