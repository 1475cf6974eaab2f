/**
 * Stream-table joins through the REST API: a push query, CREATE STREAM AS SELECT
 * and INSERT INTO join each trade with the company table's value as of the
 * trade's ROWTIME; table updates emit nothing. Needs "task up" with the ksqlDB
 * server (KSQLDB_URL, default http://localhost:8088).
 */
import assert from "node:assert/strict";
import {
  cleanup,
  createTopic,
  ksqldb,
  options,
  produceTimed,
  readTopic,
  takeRows,
  testKafka,
  uniqueName,
} from "./_stack.ts";

Deno.test("stream-table JOIN enriches each stream row with the table's value at its ROWTIME", options, async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const trades = uniqueName("TRADES");
  const moreTrades = uniqueName("MORE_TRADES");
  const companies = uniqueName("COMPANIES");
  const enriched = uniqueName("ENRICHED");
  const topics = [trades, moreTrades, companies].map((n) => `test-${n.toLowerCase()}`);
  const [tradesTopic, moreTradesTopic, companiesTopic] = topics as [string, string, string];
  const base = Date.now() - 60_000;
  const earliest = { "auto.offset.reset": "earliest" };
  try {
    for (const topic of topics) await createTopic(admin, topic);
    await ksqldb.ksql(
      `CREATE STREAM ${trades} (ticker STRING, qty INT) WITH (KAFKA_TOPIC='${tradesTopic}', VALUE_FORMAT='JSON');
       CREATE STREAM ${moreTrades} (ticker STRING, qty INT) WITH (KAFKA_TOPIC='${moreTradesTopic}', VALUE_FORMAT='JSON');
       CREATE TABLE ${companies} (ticker STRING PRIMARY KEY, name STRING)
         WITH (KAFKA_TOPIC='${companiesTopic}', VALUE_FORMAT='JSON');`,
    );
    await ksqldb.ksql(
      `CREATE STREAM ${enriched} AS SELECT t.ticker, c.name, t.qty FROM ${trades} t
         LEFT JOIN ${companies} c ON t.ticker = c.ticker EMIT CHANGES;`,
      earliest,
    );
    const controller = new AbortController();
    const push = await ksqldb.query(
      `SELECT t.ticker, c.name, t.qty * 2 AS double_qty FROM ${trades} t JOIN ${companies} c ON t.ticker = c.ticker EMIT CHANGES;`,
      {},
      controller.signal,
    );
    assert.deepEqual(push.header.columnNames, ["TICKER", "NAME", "DOUBLE_QTY"]);

    // AAPL is renamed between its two trades; TSLA has no company
    await produceTimed(kafka, companiesTopic, [
      { key: "AAPL", value: { name: "Apple" }, timestamp: base },
      { key: "MSFT", value: { name: "Microsoft" }, timestamp: base },
      { key: "AAPL", value: { name: "Apple Inc." }, timestamp: base + 4000 },
    ]);
    await produceTimed(kafka, tradesTopic, [
      { value: { ticker: "AAPL", qty: 10 }, timestamp: base + 1000 },
      { value: { ticker: "TSLA", qty: 5 }, timestamp: base + 2000 },
      { value: { ticker: "MSFT", qty: 7 }, timestamp: base + 3000 },
      { value: { ticker: "AAPL", qty: 3 }, timestamp: base + 5000 },
    ]);

    await t.step("a push query JOIN drops unmatched rows and uses the table's value at each row's time", async () => {
      const rows = await takeRows(push.rows, 3, 90_000);
      controller.abort();
      assert.deepEqual(rows.map((r) => r.join("|")).sort(), [
        "AAPL|Apple Inc.|6",
        "AAPL|Apple|20",
        "MSFT|Microsoft|14",
      ]);
    });

    await t.step(
      "CREATE STREAM AS SELECT ... LEFT JOIN keeps unmatched rows with NULLs, keyed by the join column",
      async () => {
        const got = await readTopic(kafka, admin, enriched, 4);
        assert.deepEqual(got.map((m) => `${m.key}|${JSON.stringify(m.value)}`).sort(), [
          `AAPL|{"NAME":"Apple Inc.","QTY":3}`,
          `AAPL|{"NAME":"Apple","QTY":10}`,
          `MSFT|{"NAME":"Microsoft","QTY":7}`,
          `TSLA|{"NAME":null,"QTY":5}`,
        ]);
        const [describe] = await ksqldb.ksql(`DESCRIBE ${enriched};`);
        const fields = (describe?.sourceDescription as { fields: { name: string; type?: string }[] }).fields;
        assert.deepEqual(fields.map((f) => f.name), ["TICKER", "NAME", "QTY"]);
      },
    );

    await t.step("a table update emits nothing; INSERT INTO ... JOIN adds rows to the stream", async () => {
      await ksqldb.ksql(
        `INSERT INTO ${enriched} SELECT m.ticker, c.name, m.qty FROM ${moreTrades} m
           LEFT JOIN ${companies} c ON m.ticker = c.ticker EMIT CHANGES;`,
        earliest,
      );
      await produceTimed(kafka, companiesTopic, [{
        key: "MSFT",
        value: { name: "Microsoft Corp" },
        timestamp: base + 6000,
      }]);
      await produceTimed(kafka, moreTradesTopic, [{ value: { ticker: "MSFT", qty: 2 }, timestamp: base + 7000 }]);
      const got = await readTopic(kafka, admin, enriched, 5);
      assert.equal(got.length, 5, "the table update re-emitted earlier rows");
      assert.deepEqual(
        got.filter((m) => (m.value as { QTY: number }).QTY === 2).map((m) => `${m.key}|${JSON.stringify(m.value)}`),
        [`MSFT|{"NAME":"Microsoft Corp","QTY":2}`],
      );
    });
  } finally {
    await cleanup(admin, [trades, moreTrades, companies, enriched], topics);
    await admin.disconnect();
  }
});
