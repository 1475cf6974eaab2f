/**
 * Restart keeps everything: a Flink engine and a ksqlDB-compatible server of the
 * test's own (own ports, own state directory, the shared Kafka) are stopped
 * and started again; streams, tables and queries survive, and the queries
 * resume from their checkpoints without re-emitting or losing counts.
 * Needs Kafka (task up) and the Flink jars (bash stack/install/flink.sh).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { type KsqldbServer, serveKsqldb } from "../../ksqldb/server/server.ts";
import { KsqldbClient } from "../../admin/ksql_client.ts";
import { commandTopicName } from "../../ksqldb/server/command_topic.ts";
import { createTopic, eventually, options, readTopic, testKafka, topicCount, uniqueName } from "./_stack.ts";

const JARS = ".tools/jars/flink";
/** A service id of this run's own, so its own command topic (deleted at the end). */
const SERVICE_ID = `restart_test_${crypto.randomUUID().slice(0, 8)}_`;

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

async function startEngine(port: number, stateDir: string): Promise<Deno.ChildProcess> {
  const engine = new Deno.Command("java", {
    args: [
      "-Xmx384m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Dlog4j2.configurationFile=ksqldb/flink/log4j2.properties",
      "-cp",
      `${JARS}/*`,
      "tickpipe.flink.FlinkEngine",
      "--port",
      String(port),
      "--state-dir",
      stateDir,
    ],
    stdout: "null",
    stderr: "null",
  }).spawn();
  await eventually("the Flink engine", 180_000, async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      await response.body?.cancel();
      return response.ok || undefined;
    } catch {
      return undefined;
    }
  });
  return engine;
}

async function startServer(enginePort: number, stateDir: string): Promise<KsqldbServer> {
  const server = await serveKsqldb({
    host: "127.0.0.1",
    port: 0,
    engineUrl: `http://127.0.0.1:${enginePort}`,
    bootstrap: "localhost:29092",
    brokers: ["localhost:29092"],
    stateDir,
    serviceId: SERVICE_ID,
    maxRequestBytes: 1_048_576,
  }, { syncSeconds: 1 });
  await eventually("the server's healthcheck", 60_000, async () => {
    const response = await fetch(`${server.url}/healthcheck`);
    await response.body?.cancel();
    return response.ok || undefined;
  });
  return server;
}

/** Newest checkpoint time of `queryId` in `stateDir`, 0 when none. */
async function lastCheckpoint(stateDir: string, queryId: string): Promise<number> {
  let newest = 0;
  const dir = join(stateDir, "checkpoints", queryId);
  try {
    for await (const job of Deno.readDir(dir)) {
      for await (const chk of Deno.readDir(join(dir, job.name))) {
        if (!chk.name.startsWith("chk-")) continue;
        try {
          newest = Math.max(
            newest,
            (await Deno.stat(join(dir, job.name, chk.name, "_metadata"))).mtime?.getTime() ?? 0,
          );
        } catch {
          // in progress
        }
      }
    }
  } catch {
    // no checkpoint yet
  }
  return newest;
}

Deno.test(
  "ksqlDB server and Flink engine restart keeps streams, tables and queries without re-emitting",
  options,
  async () => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const state = await Deno.makeTempDir({ prefix: "ksql-restart-" });
    const flinkState = join(state, "flink");
    const enginePort = freePort();
    const topic = `test-${crypto.randomUUID()}`;
    const [src, copy, counts] = [uniqueName("SRC"), uniqueName("COPY"), uniqueName("COUNTS")];
    const send = async (records: [string, number][]) => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({
        topic,
        acks: -1,
        messages: records.map(([ticker, price]) => ({ partition: 0, value: JSON.stringify({ ticker, price }) })),
      });
      await producer.disconnect();
    };
    let engine = await startEngine(enginePort, flinkState);
    let server = await startServer(enginePort, join(state, "ksqldb"));
    try {
      await createTopic(admin, topic);
      const client = new KsqldbClient(server.url);
      const created = await client.ksql(
        `CREATE STREAM ${src} (ticker STRING, price DOUBLE) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');
       CREATE STREAM ${copy} AS SELECT ticker, price FROM ${src} WHERE price > 0 EMIT CHANGES;
       CREATE TABLE ${counts} AS SELECT ticker, COUNT(*) AS n FROM ${src} GROUP BY ticker EMIT CHANGES;`,
        { "auto.offset.reset": "earliest" },
      );
      const queryIds = created.slice(1).map((e) => (e.commandStatus as { queryId: string }).queryId);
      await send([["A", 1], ["A", 2], ["B", 3]]);
      await readTopic(kafka, admin, copy, 3);
      await readTopic(kafka, admin, counts, 3);
      const seen = Date.now();
      for (const id of queryIds) {
        await eventually(
          `a checkpoint of ${id}`,
          60_000,
          async () => (await lastCheckpoint(flinkState, id)) > seen || undefined,
        );
      }

      await server.close();
      engine.kill("SIGTERM");
      await engine.status;
      engine = await startEngine(enginePort, flinkState);
      server = await startServer(enginePort, join(state, "ksqldb"));
      const again = new KsqldbClient(server.url);

      const [streams, tables, queries] = await again.ksql("SHOW STREAMS; SHOW TABLES; SHOW QUERIES;");
      assert.deepEqual(
        (streams?.streams as { name: string }[]).map((s) => s.name).sort(),
        [copy, src].sort(),
      );
      assert.deepEqual((tables?.tables as { name: string }[]).map((s) => s.name), [counts]);
      assert.deepEqual(
        (queries?.queries as { id: string; state: string }[]).map((q) => [q.id, q.state]).sort(),
        queryIds.map((id) => [id, "RUNNING"]).sort(),
      );

      await send([["A", 4], ["B", 5]]);
      const copied = await readTopic(kafka, admin, copy, 5);
      assert.deepEqual(
        copied.map((m) => (m.value as { PRICE: number }).PRICE),
        [1, 2, 3, 4, 5],
        "each record exactly once, in order",
      );
      const updates = await readTopic(kafka, admin, counts, 5);
      const last = new Map(updates.map((m) => [m.key, (m.value as { N: number }).N]));
      assert.deepEqual(Object.fromEntries(last), { A: 3, B: 2 }, "counts continue from the restored state");
      assert.equal(await topicCount(admin, copy), 5);

      await again.ksql(
        `TERMINATE ${queryIds[0]}; TERMINATE ${
          queryIds[1]
        }; DROP TABLE ${counts} DELETE TOPIC; DROP STREAM ${copy} DELETE TOPIC; DROP STREAM ${src} DELETE TOPIC;`,
      );
    } finally {
      await server.close();
      engine.kill("SIGTERM");
      await engine.status;
      const left = (await admin.listTopics()).filter((t) =>
        [topic, copy, counts, commandTopicName(SERVICE_ID)].includes(t)
      );
      // a topic the DROP ... DELETE TOPIC above is still deleting may be listed and then be gone
      if (left.length > 0) {
        await admin.deleteTopics({ topics: left }).catch((error) => {
          if (!/does not host this topic-partition/.test(String(error?.message))) throw error;
        });
      }
      await admin.disconnect();
      await Deno.remove(state, { recursive: true });
    }
  },
);
