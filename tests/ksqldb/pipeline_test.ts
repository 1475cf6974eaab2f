/**
 * The ksql/ pipeline (stock_data, quotes, high_price_stocks, averages, OHLC bars,
 * alerts) applied through the REST API with every name and topic made unique,
 * checked against values computed here from the produced quotes. Needs "task up"
 * with the ksqlDB server (KSQLDB_URL, default http://localhost:8088).
 */
import assert from "node:assert/strict";
import { applyKsql, ksqlFiles, type KsqlScript } from "../../admin/ksql_apply.ts";
import {
  cleanup,
  createTopic,
  envelope,
  KSQL_OBJECTS,
  ksqldb,
  options,
  produceTimed,
  readTopic,
  takeRows,
  testKafka,
  type TestQuote,
} from "./_stack.ts";

const THRESHOLDS: Record<string, number> = { AAPL: 185, TSLA: 240, MSFT: 410 };

/** ksql/*.sql with every stream, table and topic renamed for this test. */
async function ownScripts(suffix: string, topic: string): Promise<KsqlScript[]> {
  const scripts: KsqlScript[] = [];
  for (const file of await ksqlFiles("ksql")) {
    let text = (await Deno.readTextFile(file)).replaceAll("'api-data'", `'${topic}'`);
    for (const name of KSQL_OBJECTS) text = text.replace(new RegExp(`\\b${name}\\b`, "gi"), `${name}_${suffix}`);
    scripts.push({ file, text });
  }
  return scripts;
}

/** Deterministic quotes: 3 tickers over 3 minutes, some above 170 and some below the alert thresholds. */
function testQuotes(): { quote: TestQuote; timestamp: number }[] {
  const base = Math.floor(Date.now() / 60_000) * 60_000 - 10 * 60_000;
  const prices: Record<string, number[]> = {
    AAPL: [180, 186.5, 184.25, 190, 169.5, 188],
    TSLA: [250, 239.75, 241, 260.5, 238, 255],
    MSFT: [420, 409.5, 415.25, 411, 430, 405.5],
  };
  const out: { quote: TestQuote; timestamp: number }[] = [];
  for (let i = 0; i < 6; i++) {
    for (const ticker of Object.keys(prices)) {
      // two quotes per ticker and minute
      out.push({
        quote: { ticker, price: prices[ticker]![i]! },
        timestamp: base + Math.floor(i / 2) * 60_000 + (i % 2) * 20_000 + 1000,
      });
    }
  }
  return out;
}

Deno.test("ksql/ pipeline applied twice computes what the quotes say", options, async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase();
  const topic = `test-${crypto.randomUUID()}`;
  const names = KSQL_OBJECTS.map((o) => `${o}_${suffix}`.toUpperCase());
  const scripts = await ownScripts(suffix, topic);
  const quotes = testQuotes();
  try {
    await createTopic(admin, topic);

    await t.step("apply creates every stream and table; a second apply changes nothing", async () => {
      const first = await applyKsql(ksqldb, scripts);
      assert.equal(first.filter((r) => r.action === "ran").length, 7);
      const queriesBefore = ((await ksqldb.ksql("SHOW QUERIES;"))[0]?.queries as { id: string; sinks: string[] }[])
        .filter((q) => q.sinks.some((s) => names.includes(s)));
      assert.equal(queriesBefore.length, 6);
      const second = await applyKsql(ksqldb, scripts);
      assert.equal(second.filter((r) => r.action === "ran").length, 0);
      assert.equal(second.filter((r) => r.action === "exists").length, 7);
      const queriesAfter = ((await ksqldb.ksql("SHOW QUERIES;"))[0]?.queries as { id: string; sinks: string[] }[])
        .filter((q) => q.sinks.some((s) => names.includes(s)));
      assert.deepEqual(queriesAfter.map((q) => q.id).sort(), queriesBefore.map((q) => q.id).sort());
    });

    const quotesStream = `QUOTES_${suffix}`;
    const controller = new AbortController();
    const push = await ksqldb.query(`SELECT ticker, price FROM ${quotesStream} EMIT CHANGES;`, {}, controller.signal);

    await t.step("a push query started before producing receives the rows", async () => {
      // one envelope per quote, all in partition 0 so their order holds
      await produceTimed(kafka, topic, quotes.map((q) => ({ value: envelope([q.quote]), timestamp: q.timestamp })));
      const rows = await takeRows(push.rows, quotes.length, 90_000);
      controller.abort();
      const byTicker = (list: [string, number][]) => Object.groupBy(list, ([ticker]) => ticker);
      assert.deepEqual(
        byTicker(rows as [string, number][]),
        byTicker(quotes.map((q) => [q.quote.ticker, q.quote.price])),
      );
    });

    await t.step("high_price_stocks holds exactly the quotes above 170, keyed by ticker", async () => {
      const expected = quotes.filter((q) => q.quote.price > 170).map((q) => `${q.quote.ticker}=${q.quote.price}`)
        .sort();
      const got = await readTopic(kafka, admin, `HIGH_PRICE_STOCKS_${suffix}`, expected.length);
      assert.deepEqual(got.map((m) => `${m.key}=${(m.value as { PRICE: number }).PRICE}`).sort(), expected);
    });

    await t.step("avg_price_per_ticker ends at each ticker's mean price and count", async () => {
      const topicName = `AVG_PRICE_PER_TICKER_${suffix}`;
      const expected = new Map<string, { avg: number; count: number }>();
      for (const ticker of Object.keys(THRESHOLDS)) {
        const prices = quotes.filter((q) => q.quote.ticker === ticker).map((q) => q.quote.price);
        expected.set(ticker, { avg: prices.reduce((a, b) => a + b, 0) / prices.length, count: prices.length });
      }
      // one update per quote
      const updates = await readTopic(kafka, admin, topicName, quotes.length);
      const last = new Map(updates.map((m) => [m.key, m.value as { AVG_PRICE: number; QUOTE_COUNT: number }]));
      for (const [ticker, want] of expected) {
        assert.ok(
          Math.abs(last.get(ticker)!.AVG_PRICE - want.avg) < 1e-9,
          `${ticker}: ${last.get(ticker)!.AVG_PRICE} != ${want.avg}`,
        );
        assert.equal(last.get(ticker)!.QUOTE_COUNT, want.count);
      }
    });

    await t.step(
      "a pull query on avg_price_per_ticker answers one row per ticker with its current average",
      async () => {
        const controller = new AbortController();
        try {
          const { header, rows } = await ksqldb.query(
            `SELECT * FROM AVG_PRICE_PER_TICKER_${suffix};`,
            {},
            controller.signal,
          );
          assert.deepEqual(header.columnNames, ["TICKER", "AVG_PRICE", "QUOTE_COUNT"]);
          const got = new Map((await takeRows(rows, 4, 60_000)).map((r) => [r[0], r]));
          assert.deepEqual([...got.keys()].sort(), ["AAPL", "MSFT", "TSLA"]);
          for (const [ticker, row] of got) {
            const prices = quotes.filter((q) => q.quote.ticker === ticker).map((q) => q.quote.price);
            assert.ok(Math.abs((row[1] as number) - prices.reduce((a, b) => a + b, 0) / prices.length) < 1e-9);
            assert.equal(row[2], prices.length);
          }
        } finally {
          controller.abort();
        }
      },
    );

    await t.step("ohlc_1m has one bar per ticker and minute with open, high, low, close", async () => {
      const expected = new Map<string, { OPEN: number; HIGH: number; LOW: number; CLOSE: number; TICKS: number }>();
      for (const q of quotes) {
        const start = q.timestamp - (q.timestamp % 60_000);
        const key = `${q.quote.ticker}@${start}`;
        const bar = expected.get(key);
        const p = q.quote.price;
        expected.set(
          key,
          bar
            ? { OPEN: bar.OPEN, HIGH: Math.max(bar.HIGH, p), LOW: Math.min(bar.LOW, p), CLOSE: p, TICKS: bar.TICKS + 1 }
            : { OPEN: p, HIGH: p, LOW: p, CLOSE: p, TICKS: 1 },
        );
      }
      const updates = await readTopic(kafka, admin, `OHLC_1M_${suffix}`, quotes.length);
      const last = new Map<string, Record<string, number>>();
      for (const m of updates) {
        const key = JSON.parse(m.key!) as { TICKER: string; BAR_START: number };
        const value = m.value as Record<string, number>;
        last.set(`${key.TICKER}@${key.BAR_START}`, value);
        assert.equal(value.BAR_END, key.BAR_START + 60_000);
      }
      assert.equal(last.size, expected.size);
      for (const [key, want] of expected) {
        const bar = last.get(key);
        assert.deepEqual(
          { OPEN: bar?.OPEN, HIGH: bar?.HIGH, LOW: bar?.LOW, CLOSE: bar?.CLOSE, TICKS: bar?.TICKS },
          want,
          key,
        );
      }
    });

    await t.step("price_alerts holds the quotes below their ticker's threshold", async () => {
      const expected = quotes.filter((q) => q.quote.price < THRESHOLDS[q.quote.ticker]!).map((q) =>
        `${q.quote.ticker}=${q.quote.price}`
      ).sort();
      const got = await readTopic(kafka, admin, `PRICE_ALERTS_${suffix}`, expected.length);
      assert.deepEqual(got.map((m) => `${m.key}=${(m.value as { PRICE: number }).PRICE}`).sort(), expected);
      assert.equal((got[0]?.value as { ALERT: string }).ALERT, "price below threshold");
    });
  } finally {
    await cleanup(admin, names, [topic, ...names, `QUOTES_${suffix}`]);
    await admin.disconnect();
  }
});
