/**
 * ksqlDB's REST API shapes on the Flink-backed server: /info, /healthcheck,
 * /query (v1 streaming format, LIMIT), errors for unsupported features, and a
 * push query that stops its Flink job when the client goes away. Needs "task up"
 * with the ksqlDB server (KSQLDB_URL) and its Flink engine (FLINK_ENGINE_URL,
 * default http://127.0.0.1:8089).
 */
import assert from "node:assert/strict";
import { KsqldbError } from "../../admin/ksql_client.ts";
import { cleanup, createTopic, eventually, ksqldb, options, produce, testKafka, uniqueName } from "./_stack.ts";

const ENGINE = Deno.env.get("FLINK_ENGINE_URL") || "http://127.0.0.1:8089";

/** The push queries the Flink engine runs now, by name (the ksqlDB query id). */
async function pushQueries(): Promise<string[]> {
  return ((await (await fetch(`${ENGINE}/health`)).json()) as { pushQueryNames: string[] }).pushQueryNames;
}

Deno.test("GET /info and /healthcheck answer like ksqlDB", options, async () => {
  const info = await ksqldb.info();
  assert.equal(info.version, "0.29.0");
  assert.equal(info.serverStatus, "RUNNING");
  assert.ok(info.kafkaClusterId.length > 0);
  const response = await fetch(`${ksqldb.url}/healthcheck`);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), {
    isHealthy: true,
    details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } },
  });
});

Deno.test(
  "POST /query streams ksqlDB's v1 rows and ends at LIMIT; GET /status tells a command's outcome",
  options,
  async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const topic = `test-${crypto.randomUUID()}`;
    const stream = uniqueName("PRICES");
    try {
      await createTopic(admin, topic, 1);
      const [created] = await ksqldb.ksql(
        `CREATE STREAM ${stream} (ticker STRING, price DOUBLE) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
      );
      const status = await fetch(`${ksqldb.url}/status/${encodeURIComponent(String(created?.commandId))}`);
      assert.deepEqual(await status.json(), { status: "SUCCESS", message: "Stream created" });
      await produce(kafka, topic, [{ ticker: "A", price: 1.5 }, { ticker: "B", price: 2 }, { ticker: "C", price: 3 }]);
      const response = await fetch(`${ksqldb.url}/query`, {
        method: "POST",
        headers: { "content-type": "application/vnd.ksql.v1+json" },
        body: JSON.stringify({
          ksql: `SELECT ticker, price FROM ${stream} EMIT CHANGES LIMIT 2;`,
          streamsProperties: { "ksql.streams.auto.offset.reset": "earliest" },
        }),
      });
      assert.equal(response.status, 200);
      const body = JSON.parse(await response.text()) as Record<string, unknown>[];
      assert.match((body[0]?.header as { queryId: string }).queryId, new RegExp(`^transient_${stream}_`));
      assert.equal((body[0]?.header as { schema: string }).schema, "`TICKER` STRING, `PRICE` DOUBLE");
      assert.deepEqual(body.slice(1), [{ row: { columns: ["A", 1.5] } }, { row: { columns: ["B", 2] } }, {
        finalMessage: "Limit Reached",
      }]);
    } finally {
      await cleanup(admin, [stream], [topic]);
      await admin.disconnect();
    }
  },
);

Deno.test("a push query stops its Flink job when the client disconnects", options, async () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = `test-${crypto.randomUUID()}`;
  const stream = uniqueName("IDLE");
  try {
    await createTopic(admin, topic, 1);
    await ksqldb.ksql(`CREATE STREAM ${stream} (ticker STRING) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`);
    const controller = new AbortController();
    const { header } = await ksqldb.query(`SELECT * FROM ${stream} EMIT CHANGES;`, {}, controller.signal);
    assert.ok((await pushQueries()).includes(header.queryId), `the engine runs ${header.queryId}`);
    controller.abort();
    await eventually(
      "the push query to stop",
      30_000,
      async () => !(await pushQueries()).includes(header.queryId) || undefined,
    );
  } finally {
    await cleanup(admin, [stream], [topic]);
    await admin.disconnect();
  }
});

Deno.test("unsupported ksqlDB features get a ksqlDB error naming them", options, async (t) => {
  for (
    const [statement, feature] of [
      [
        "CREATE STREAM j AS SELECT * FROM a JOIN b WITHIN 1 HOUR ON a.x = b.x EMIT CHANGES;",
        /Stream-stream joins \(JOIN \.\.\. WITHIN\) is not supported/,
      ],
      ["CREATE STREAM s (a INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='AVRO');", /VALUE_FORMAT 'AVRO' is not supported/],
      ["PRINT 'api-data' FROM BEGINNING;", /PRINT statements is not supported/],
    ] as const
  ) {
    await t.step(statement, async () => {
      await assert.rejects(ksqldb.ksql(statement), (error: unknown) => {
        assert.ok(error instanceof KsqldbError);
        assert.equal(error.errorCode, 40001);
        assert.match(error.message, feature);
        assert.doesNotMatch(error.message, /\tat |Exception/);
        return true;
      });
    });
  }
});
