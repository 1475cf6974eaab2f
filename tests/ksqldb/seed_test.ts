/**
 * The seed's ksqlDB statements, verbatim except for the stream's name and topic
 * (each test has its own), against the ksqlDB REST API on Flink. Needs "task up"
 * with the ksqlDB server (KSQLDB_URL, default http://localhost:8088).
 */
import assert from "node:assert/strict";
import { KsqldbError } from "../../admin/ksql_client.ts";
import { cleanup, createTopic, envelope, ksqldb, options, produce, takeRows, testKafka, uniqueName } from "./_stack.ts";

/** The seed's statements (kafka-streaming-seed.md, "Query Kafka Topics with ksqlDB"). */
const SEED_CREATE = `CREATE STREAM stock_data (
  meta STRUCT<requested INT, returned INT>,
  data ARRAY<STRUCT<
    ticker STRING,
    name STRING,
    mic_code STRING,
    currency STRING,
    price DOUBLE,
    day_high DOUBLE,
    day_low DOUBLE,
    day_open DOUBLE,
    _52_week_high DOUBLE,
    _52_week_low DOUBLE,
    market_cap BIGINT,
    previous_close_price DOUBLE,
    previous_close_price_time STRING,
    day_change DOUBLE,
    volume BIGINT,
    is_extended_hours_price BOOLEAN,
    last_trade_time STRING
  >>,
  timestamp_utc STRING
)
WITH (
  KAFKA_TOPIC='api-data',
  VALUE_FORMAT='JSON'
);`;
const SEED_SELECT_ALL = "SELECT * FROM stock_data EMIT CHANGES;";
const SEED_FILTER = `SELECT data[0]->ticker AS ticker, data[0]->price AS price
FROM stock_data
WHERE data[0]->price > 170 EMIT CHANGES;`;
const SEED_AVG = `SELECT data[0]->ticker AS ticker,
       AVG(data[0]->price) AS avg_price
FROM stock_data
GROUP BY data[0]->ticker EMIT CHANGES;`;
const SEED_CSAS = `CREATE STREAM high_price_stocks AS
SELECT data[0]->ticker AS ticker, data[0]->price AS price
FROM stock_data
WHERE data[0]->price > 170
EMIT CHANGES;`;

Deno.test("ksqlDB server runs the seed's statements with ksqlDB's semantics", options, async (t) => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = `test-${crypto.randomUUID()}`;
  const stream = uniqueName("STOCK_DATA");
  const sink = uniqueName("HIGH_PRICE_STOCKS");
  const own = (sql: string) =>
    sql.replaceAll("stock_data", stream).replaceAll("'api-data'", `'${topic}'`).replaceAll("high_price_stocks", sink);
  const earliest = { "auto.offset.reset": "earliest" };
  try {
    await createTopic(admin, topic);

    await t.step("CREATE STREAM answers ksqlDB's currentStatus", async () => {
      const [entity] = await ksqldb.ksql(own(SEED_CREATE));
      assert.equal(entity?.["@type"], "currentStatus");
      assert.deepEqual(entity?.commandStatus, { status: "SUCCESS", message: "Stream created", queryId: null });
      assert.equal(entity?.commandId, `stream/\`${stream}\`/create`);
    });

    await t.step("SHOW STREAMS lists the stream and SHOW TOPICS its topic", async () => {
      const [streams] = await ksqldb.ksql("SHOW STREAMS;");
      const found = (streams?.streams as Record<string, unknown>[]).find((s) => s.name === stream);
      assert.deepEqual(found, {
        type: "STREAM",
        name: stream,
        topic,
        keyFormat: "KAFKA",
        valueFormat: "JSON",
        isWindowed: false,
      });
      const [topics] = await ksqldb.ksql("SHOW TOPICS;");
      assert.equal(topics?.["@type"], "kafka_topics");
      assert.deepEqual((topics?.topics as { name: string; replicaInfo: number[] }[]).find((x) => x.name === topic), {
        name: topic,
        replicaInfo: [1, 1, 1],
      });
    });

    await t.step("DROP STREAM IF EXISTS of a missing stream succeeds", async () => {
      const [entity] = await ksqldb.ksql("DROP STREAM IF EXISTS API_DATA_STREAM;");
      assert.equal((entity?.commandStatus as { message: string }).message, "Source `API_DATA_STREAM` does not exist.");
    });

    await t.step("SELECT * ... EMIT CHANGES streams every record with its STRUCT and ARRAY", async () => {
      const controller = new AbortController();
      try {
        const { header, rows } = await ksqldb.query(own(SEED_SELECT_ALL), earliest, controller.signal);
        assert.deepEqual(header.columnNames, ["META", "DATA", "TIMESTAMP_UTC"]);
        await produce(kafka, topic, [envelope([{ ticker: "AAPL", price: 180.5 }, { ticker: "TSLA", price: 150 }])]);
        const [row] = await takeRows(rows, 1);
        const [meta, data] = row as [Record<string, unknown>, Record<string, unknown>[]];
        assert.deepEqual(meta, { REQUESTED: 2, RETURNED: 2 });
        assert.equal(data.length, 2);
        assert.equal(data[0]?.TICKER, "AAPL");
        assert.equal(data[0]?.PRICE, 180.5);
        assert.equal(data[1]?.TICKER, "TSLA");
        // the seed's _52_week_high does not match the JSON key "52_week_high": NULL, as in ksqlDB
        assert.equal(data[0]?._52_WEEK_HIGH, null);
      } finally {
        controller.abort();
      }
    });

    await t.step("the seed's data[0] filter warns that arrays are 1-based, naming the statement", async () => {
      const controller = new AbortController();
      try {
        const { header } = await ksqldb.query(own(SEED_FILTER), earliest, controller.signal);
        assert.deepEqual(header.columnNames, ["TICKER", "PRICE"]);
        const warning = header.warnings?.[0]?.message ?? "";
        assert.match(warning, /1-based/);
        assert.match(warning, /DATA\[1\]/);
        assert.match(warning, /EXPLODE\(DATA\)/);
        assert.ok(warning.includes(own(SEED_FILTER)), "the warning names the statement");
      } finally {
        controller.abort();
      }
    });

    await t.step("with data[1] the filter returns the first quote of each message above 170", async () => {
      const controller = new AbortController();
      try {
        const { rows } = await ksqldb.query(
          own(SEED_FILTER).replaceAll("data[0]", "data[1]"),
          earliest,
          controller.signal,
        );
        await produce(kafka, topic, [
          envelope([{ ticker: "MSFT", price: 420.25 }]),
          envelope([{ ticker: "TSLA", price: 99 }]),
        ]);
        // the AAPL 180.5 record from the first step, then MSFT 420.25; TSLA 150 and 99 are filtered out
        const got = await takeRows(rows, 2);
        // records of different partitions: compare without order
        assert.deepEqual(got.map((r) => r.join("=")).sort(), ["AAPL=180.5", "MSFT=420.25"]);
      } finally {
        controller.abort();
      }
    });

    await t.step("the seed's AVG ... GROUP BY warns; with data[1] it averages per ticker", async () => {
      const controller = new AbortController();
      try {
        const seed = await ksqldb.query(own(SEED_AVG), earliest, controller.signal);
        assert.match(seed.header.warnings?.[0]?.message ?? "", /1-based/);
        controller.abort();
        const second = new AbortController();
        try {
          const { header, rows } = await ksqldb.query(
            own(SEED_AVG).replaceAll("data[0]", "data[1]"),
            earliest,
            second.signal,
          );
          assert.deepEqual(header.columnNames, ["TICKER", "AVG_PRICE"]);
          assert.deepEqual(header.columnTypes, ["STRING", "DOUBLE"]);
          await produce(kafka, topic, [envelope([{ ticker: "MSFT", price: 410.75 }])]);
          const got = await takeRows(rows, 4);
          const last = new Map(got.map((r) => [r[0], r[1]]));
          assert.equal(last.get("AAPL"), 180.5);
          assert.equal(last.get("TSLA"), 99);
          assert.equal(last.get("MSFT"), (420.25 + 410.75) / 2);
        } finally {
          second.abort();
        }
      } finally {
        controller.abort();
      }
    });

    await t.step("CREATE STREAM high_price_stocks AS SELECT starts a query writing a new topic", async () => {
      const [entity] = await ksqldb.ksql(own(SEED_CSAS), earliest);
      const status = entity?.commandStatus as { status: string; message: string; queryId: string };
      assert.equal(status.status, "SUCCESS");
      assert.equal(status.queryId, `CSAS_${sink}_${Number(entity?.commandSequenceNumber)}`);
      assert.equal(status.message, `Created query with ID ${status.queryId}`);
      assert.match((entity?.warnings as { message: string }[])[0]?.message ?? "", /1-based/);
      const [queries] = await ksqldb.ksql("SHOW QUERIES;");
      const query = (queries?.queries as { id: string; sinks: string[]; sinkKafkaTopics: string[]; state: string }[])
        .find((q) => q.id === status.queryId);
      assert.deepEqual(query?.sinks, [sink]);
      assert.deepEqual(query?.sinkKafkaTopics, [sink]);
      assert.equal(query?.state, "RUNNING");
      assert.ok((await admin.listTopics()).includes(sink), "the sink topic exists");
      const [described] = await ksqldb.ksql(`DESCRIBE ${sink};`);
      const fields = (described?.sourceDescription as { fields: { name: string; schema: { type: string } }[] }).fields;
      assert.deepEqual(fields.map((f) => [f.name, f.schema.type]), [["TICKER", "STRING"], ["PRICE", "DOUBLE"]]);
    });
  } finally {
    await cleanup(admin, [stream, sink], [topic, sink]);
    await admin.disconnect();
  }
});

Deno.test("ksqlDB server answers a syntax error with ksqlDB's error shape and position", options, async () => {
  await assert.rejects(ksqldb.ksql("SHOW STREAMS;\nSELEC * FROM stock_data;"), (error: unknown) => {
    assert.ok(error instanceof KsqldbError);
    assert.equal(error.errorCode, 40001);
    assert.equal(error.statementText, "SELEC * FROM stock_data;");
    assert.match(error.message, /^line 2:1: Syntax Error/);
    return true;
  });
  const response = await fetch(`${ksqldb.url}/ksql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ ksql: "CREATE STREAM x (a INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='JSON';" }),
  });
  assert.equal(response.status, 400);
  const body = await response.json();
  assert.deepEqual(Object.keys(body).sort(), ["@type", "entities", "error_code", "message", "statementText"]);
  assert.equal(body["@type"], "statement_error");
  assert.equal(body.error_code, 40001);
  assert.match(body.message, /^line 1:\d+: Syntax Error/);
});
