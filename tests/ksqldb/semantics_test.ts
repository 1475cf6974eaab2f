/**
 * ksqlDB semantics the server follows, from ksqlDB's documentation: JSON keys
 * match unquoted columns case-insensitively, a searched CASE picks the first
 * true branch, an aggregate's records carry their input records' time, and the
 * states and properties it reports are the engine's and the request's. Records
 * go in and come back through Kafka; statements through the REST API. Needs "task up".
 */
import assert from "node:assert/strict";
import { KsqldbError } from "../../admin/ksql_client.ts";
import { peek } from "../../admin/peek.ts";
import {
  eventually,
  ksqldb,
  options,
  produceTimed,
  readTopic,
  topicCount,
  uniqueName,
  withTestTopic,
} from "./_stack.ts";

const EARLIEST = { "ksql.streams.auto.offset.reset": "earliest" };

Deno.test(
  "unquoted columns read JSON keys of either case; a searched CASE takes the first true branch",
  options,
  async () => {
    const orders = uniqueName("ORDERS");
    const sized = uniqueName("SIZED");
    await withTestTopic([orders, sized], async ({ kafka, admin, topic }) => {
      await ksqldb.ksql(
        `CREATE STREAM ${orders} (id STRING KEY, name STRING, orderunits DOUBLE) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
      );
      await ksqldb.ksql(
        `CREATE STREAM ${sized} AS SELECT id, name, CASE WHEN orderunits < 2.0 THEN 'small' WHEN orderunits < 4.0 THEN 'medium' ELSE 'large' END AS size FROM ${orders};`,
        EARLIEST,
      );
      await produceTimed(kafka, topic, [
        { key: "a", value: { NAME: "upper", ORDERUNITS: 6.0 }, timestamp: 1_000 },
        { key: "b", value: { name: "lower", orderunits: 3.0 }, timestamp: 2_000 },
        { key: "c", value: { ORDERUNITS: 1.0 }, timestamp: 3_000 },
        { key: "d", value: { name: "no units" }, timestamp: 4_000 },
      ]);
      const rows = await readTopic(kafka, admin, sized, 4);
      assert.deepEqual(rows.map((r) => [r.key, r.value]), [
        ["a", { NAME: "upper", SIZE: "large" }],
        ["b", { NAME: "lower", SIZE: "medium" }],
        ["c", { NAME: null, SIZE: "small" }],
        ["d", { NAME: "no units", SIZE: "large" }],
      ]);
    });
  },
);

Deno.test("an aggregate's records carry the time of their input records, not the wall clock", options, async () => {
  const trades = uniqueName("TRADES");
  const counts = uniqueName("COUNTS");
  const base = Date.UTC(2026, 0, 2, 10, 0, 0);
  await withTestTopic([trades, counts], async ({ kafka, admin, topic }) => {
    await ksqldb.ksql(
      `CREATE STREAM ${trades} (ticker STRING, qty INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
    );
    await ksqldb.ksql(
      `CREATE TABLE ${counts} AS SELECT ticker, COUNT(*) AS n, SUM(qty) AS total FROM ${trades} GROUP BY ticker;`,
      EARLIEST,
    );
    await produceTimed(kafka, topic, [
      { value: { ticker: "A", qty: 1 }, timestamp: base },
      { value: { ticker: "B", qty: 2 }, timestamp: base + 1000 },
      { value: { ticker: "A", qty: 3 }, timestamp: base + 2000 },
    ]);
    await eventually(`3 updates in ${counts}`, 90_000, async () => (await topicCount(admin, counts)) >= 3 || undefined);
    const records = await peek(kafka, counts, 10);
    assert.deepEqual(
      records.map((r) => [r.key, (r.value as { N: number }).N, (r.value as { TOTAL: number }).TOTAL, r.timestamp]),
      [
        ["A", 1, 1, new Date(base).toISOString()],
        ["B", 1, 2, new Date(base + 1000).toISOString()],
        ["A", 2, 4, new Date(base + 2000).toISOString()],
      ],
    );
  });
});

Deno.test(
  "DESCRIBE reports each query's engine state; SHOW PROPERTIES the request's auto.offset.reset",
  options,
  async (t) => {
    const source = uniqueName("SRC");
    const copy = uniqueName("COPY");
    await withTestTopic([source, copy], async ({ topic }) => {
      await ksqldb.ksql(`CREATE STREAM ${source} (v INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`);
      await ksqldb.ksql(`CREATE STREAM ${copy} AS SELECT v FROM ${source};`);
      await t.step("DESCRIBE's query state and statusCount are SHOW QUERIES'", async () => {
        const [queries] = await ksqldb.ksql("SHOW QUERIES;");
        const shown = (queries?.queries as { id: string; sinks: string[]; state: string; statusCount: unknown }[])
          .find((q) => q.sinks.includes(copy))!;
        assert.equal(shown.state, "RUNNING");
        const [described] = await ksqldb.ksql(`DESCRIBE ${copy};`);
        const writers = (described?.sourceDescription as { writeQueries: Record<string, unknown>[] }).writeQueries;
        assert.deepEqual(writers.map((q) => [q.id, q.state, q.statusCount]), [[
          shown.id,
          shown.state,
          shown.statusCount,
        ]]);
        const [read] = await ksqldb.ksql(`DESCRIBE ${source};`);
        const readers = (read?.sourceDescription as { readQueries: { id: string; state: string }[] }).readQueries;
        assert.deepEqual(readers.map((q) => [q.id, q.state]), [[shown.id, "RUNNING"]]);
      });
      await t.step("SHOW PROPERTIES", async () => {
        const reset = async (text: string, props: Record<string, string> = {}) => {
          const entity = (await ksqldb.ksql(text, props)).at(-1)!;
          const value = (entity.properties as { name: string; value: string }[])
            .find((p) => p.name === "ksql.streams.auto.offset.reset")?.value;
          return [value, entity.overwrittenProperties];
        };
        assert.deepEqual(await reset("SHOW PROPERTIES;"), ["latest", []]);
        assert.deepEqual(await reset("SHOW PROPERTIES;", EARLIEST), ["earliest", ["ksql.streams.auto.offset.reset"]]);
        assert.deepEqual(await reset("SET 'auto.offset.reset'='earliest'; SHOW PROPERTIES;"), [
          "earliest",
          ["ksql.streams.auto.offset.reset"],
        ]);
      });
    });
  },
);

Deno.test("SUM(DISTINCT x) is rejected by name instead of computing SUM(x)", options, async () => {
  const source = uniqueName("SRC");
  await withTestTopic([`${source}_SUM`, source], async ({ topic }) => {
    await ksqldb.ksql(`CREATE STREAM ${source} (k STRING, v INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`);
    await assert.rejects(
      ksqldb.ksql(`CREATE TABLE ${source}_SUM AS SELECT k, SUM(DISTINCT v) AS s FROM ${source} GROUP BY k;`),
      (error: unknown) => {
        assert.ok(error instanceof KsqldbError);
        assert.equal(error.errorCode, 40001);
        assert.match(error.message, /^SUM\(DISTINCT \.\.\.\) is not supported by this ksqlDB-compatible server/);
        return true;
      },
    );
  });
});

Deno.test("POST /query says Limit Reached only when the query's LIMIT ended it", options, async () => {
  const stream = uniqueName("WORDS");
  await withTestTopic([stream], async ({ kafka, topic }) => {
    await ksqldb.ksql(`CREATE STREAM ${stream} (word STRING) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`);
    await produceTimed(kafka, topic, [{ value: { word: "a" }, timestamp: 1_000 }, {
      value: { word: "b" },
      timestamp: 2_000,
    }]);
    const final = async (ksql: string) => {
      const response = await fetch(`${ksqldb.url}/query`, {
        method: "POST",
        headers: { "content-type": "application/vnd.ksql.v1+json" },
        body: JSON.stringify({ ksql, streamsProperties: {} }),
      });
      const lines = JSON.parse(await response.text()) as Record<string, unknown>[];
      return [lines.length - 2, lines.at(-1)];
    };
    // a pull query on a stream reads to the topic's end; the word LIMIT in a string is no LIMIT clause
    assert.deepEqual(await final(`SELECT word FROM ${stream} WHERE word <> 'LIMIT';`), [2, {
      finalMessage: "Query Completed",
    }]);
    assert.deepEqual(await final(`SELECT word FROM ${stream} LIMIT 1;`), [1, { finalMessage: "Limit Reached" }]);
  });
});

Deno.test("RETENTION_MS and CLEANUP_POLICY configure the topic CREATE makes", options, async () => {
  const stream = uniqueName("RETAINED");
  const topic = `test-${crypto.randomUUID()}`;
  await withTestTopic([stream], async ({ admin }) => {
    try {
      await ksqldb.ksql(
        `CREATE STREAM ${stream} (v INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1, RETENTION_MS=3600000, CLEANUP_POLICY='delete');`,
      );
      const { resources: [resource] } = await admin.describeConfigs({
        resources: [{ type: 2, name: topic, configNames: ["retention.ms", "cleanup.policy"] }],
        includeSynonyms: false,
      });
      assert.deepEqual(
        Object.fromEntries(resource!.configEntries.map((e) => [e.configName, e.configValue])),
        { "retention.ms": "3600000", "cleanup.policy": "delete" },
      );
    } finally {
      // the stream's topic goes with it; only a failed CREATE can leave the topic behind
      await ksqldb.ksql(`DROP STREAM IF EXISTS ${stream} DELETE TOPIC;`).catch(() => {});
      if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
    }
  });
});

Deno.test("COLLECT_SET collects each distinct value once, COLLECT_LIST every value", options, async () => {
  const stream = uniqueName("VALUES");
  const sets = uniqueName("SETS");
  await withTestTopic([stream, sets], async ({ kafka, admin, topic }) => {
    await ksqldb.ksql(`CREATE STREAM ${stream} (k STRING, v INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`);
    await ksqldb.ksql(
      `CREATE TABLE ${sets} AS SELECT k, COLLECT_SET(v) AS vs, COLLECT_LIST(v) AS vl FROM ${stream} GROUP BY k;`,
      EARLIEST,
    );
    await produceTimed(kafka, topic, [1, 2, 1].map((v, i) => ({ value: { k: "x", v }, timestamp: 1_000 + i })));
    const records = await readTopic(kafka, admin, sets, 3);
    assert.deepEqual(records.at(-1), { key: "x", value: { VS: [1, 2], VL: [1, 2, 1] } });
  });
});
