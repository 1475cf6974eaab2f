/**
 * The catalog's command topic on the real Kafka (task up): a file catalog is
 * migrated into an empty topic, a second reader replays it, and a change one
 * writes reaches the other. Each test uses its own topic and deletes it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { Catalog, type CatalogQuery, type CatalogSource } from "../../ksqldb/server/catalog.ts";
import { CommandTopic } from "../../ksqldb/server/command_topic.ts";
import { kafkaConnection } from "../../ksqldb/server/kafka_connection.ts";
import { eventually, options, testKafka } from "./_stack.ts";

function source(name: string): CatalogSource {
  return {
    name,
    sourceType: "STREAM",
    topic: `${name.toLowerCase()}-topic`,
    keyFormat: "KAFKA",
    valueFormat: "JSON",
    columns: [{ name: "ID", type: { type: "BIGINT" }, json: "id" }],
    statement: `CREATE STREAM ${name} (id BIGINT) WITH (KAFKA_TOPIC='${name.toLowerCase()}-topic');`,
    partitions: 1,
    replicas: 1,
    derived: false,
  };
}

function query(id: string, sink: string): CatalogQuery {
  return { id, sink, sources: ["OLD_SRC"], statement: "CREATE STREAM ...", flinkSql: "INSERT ...", createdAt: 1 };
}

Deno.test(
  "CommandTopic migrates a catalog file, replays it, and shares changes between readers",
  options,
  async (t) => {
    const kafka = testKafka();
    const admin = kafka.admin();
    const connection = kafkaConnection(admin);
    const topic = `_tickpipe_ksql_test_${crypto.randomUUID()}_command`;
    const dir = await Deno.makeTempDir({ prefix: "ksql-command-topic-" });
    const file = join(dir, "catalog.json");
    const old = await Catalog.open(file);
    old.nextSequence();
    await old.putSource(source("OLD_SRC"));
    old.nextSequence();
    await old.putSource(source("OLD_COPY"));
    await old.putQuery(query("CSAS_OLD_COPY_2", "OLD_COPY"));
    const readers: CommandTopic[] = [];
    try {
      const first = CommandTopic.open({ kafka, admin: connection, topic, migrateFile: file });
      readers.push(first);
      await first.started();

      await t.step("the file's streams, queries and sequence are in the topic; the file is renamed", async () => {
        assert.deepEqual(first.catalog.sources().map((s) => s.name), ["OLD_COPY", "OLD_SRC"]);
        assert.deepEqual(first.catalog.queries().map((q) => q.id), ["CSAS_OLD_COPY_2"]);
        assert.equal(first.catalog.sequence, 2);
        await assert.rejects(Deno.stat(file), Deno.errors.NotFound);
        assert.ok((await Deno.stat(`${file}.migrated`)).isFile);
        const configs = await admin.describeConfigs({
          resources: [{ type: 2, name: topic, configNames: ["cleanup.policy"] }],
          includeSynonyms: false,
        });
        assert.equal(configs.resources[0]?.configEntries[0]?.configValue, "compact");
      });

      const second = CommandTopic.open({ kafka, admin: connection, topic, migrateFile: join(dir, "none.json") });
      readers.push(second);
      await second.started();

      await t.step("a second reader replays the same catalog", () => {
        assert.deepEqual(second.catalog.sources(), first.catalog.sources());
        assert.deepEqual(second.catalog.queries(), first.catalog.queries());
        assert.equal(second.catalog.sequence, 2);
      });

      await t.step("a change written by one reader reaches the other; a removal is a tombstone", async () => {
        first.catalog.nextSequence();
        await first.catalog.putSource(source("NEW_SRC"));
        await first.catalog.removeQuery("CSAS_OLD_COPY_2");
        await second.catchUp();
        assert.deepEqual(second.catalog.sources().map((s) => s.name), ["NEW_SRC", "OLD_COPY", "OLD_SRC"]);
        assert.deepEqual(second.catalog.queries(), []);
        assert.equal(second.catalog.sequence, 3);
        await second.catalog.removeSource("OLD_COPY");
        await eventually("the removal on the first reader", 30_000, async () => {
          await first.catchUp();
          return first.catalog.source("OLD_COPY") === undefined || undefined;
        });
      });
    } finally {
      for (const reader of readers) await reader.close();
      await admin.deleteTopics({ topics: [topic] }).catch(() => {});
      await admin.disconnect();
      await Deno.remove(dir, { recursive: true });
    }
  },
);
