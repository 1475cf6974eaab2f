/**
 * Several ksqlDB servers on one Flink session cluster: a standalone cluster of
 * the test's own (1 JobManager, 2 TaskManagers, checkpoints in the local S3
 * server), two Flink engines pointed at it (FLINK_REST_URL) and two server
 * processes with one service id, so one command topic. Checks that a statement
 * applied on A is visible on B, that a query started through A runs on after A
 * is killed -9 (and B reports it RUNNING, with one job on the cluster), that a
 * new server replays the catalog, and that the query restores from its S3
 * checkpoint after a TaskManager and after the JobManager are killed, with every
 * input id counted exactly once in the table's output topic (an upsert sink:
 * the latest record per key). Prints the times it measured.
 * Needs Kafka and S3 (task up) and the Flink jars (bash stack/install/flink.sh).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { DeleteObjectsCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import type { Admin, Kafka } from "kafkajs";
import { KsqldbClient } from "../../admin/ksql_client.ts";
import { peek } from "../../admin/peek.ts";
import { commandTopicName } from "../../ksqldb/server/command_topic.ts";
import { createTopic, eventually, options, testKafka, uniqueName } from "./_stack.ts";
import { FlinkSessionCluster, freePort, kill9, startEngine, startServerProcess } from "./_flink_cluster.ts";

const bucket = Deno.env.get("S3_BUCKET") ?? "tickpipe-archive";

function s3(): S3Client {
  const endpoint = Deno.env.get("AWS_ENDPOINT_URL_S3");
  return new S3Client({
    region: Deno.env.get("AWS_REGION") ?? "us-east-1",
    forcePathStyle: true,
    ...(endpoint ? { endpoint } : {}),
  });
}

/** Every key under `prefix`. */
async function listKeys(client: S3Client, prefix: string): Promise<{ key: string; modified: number }[]> {
  const out: { key: string; modified: number }[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of page.Contents ?? []) out.push({ key: o.Key!, modified: o.LastModified?.getTime() ?? 0 });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

/** The newest completed checkpoint's modification time under `prefix` (0: none). */
async function newestCheckpoint(client: S3Client, prefix: string): Promise<number> {
  const done = (await listKeys(client, prefix)).filter((o) => /\/chk-\d+\/_metadata$/.test(o.key));
  return Math.max(0, ...done.map((o) => o.modified));
}

async function produceIds(kafka: Kafka, topic: string, from: number, to: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  const messages = [];
  for (let id = from; id <= to; id++) {
    messages.push({ value: JSON.stringify({ id: String(id), ticker: `T${id % 7}` }) });
  }
  await producer.send({ topic, acks: -1, messages });
  await producer.disconnect();
}

/**
 * The latest count per id in the table's output topic (an upsert topic: the last record per key wins;
 * the key is the id as a string, as the KAFKA key format writes a STRING key).
 */
async function latestCounts(kafka: Kafka, admin: Admin, topic: string): Promise<Map<number, number>> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
  const counts = new Map<number, number>();
  for (const m of await peek(kafka, topic, total)) {
    if (m.key === null) continue;
    counts.set(Number(m.key), (m.value as { N: number } | null)?.N ?? 0);
  }
  return counts;
}

/** Waits until ids `from..to` all have a count, then asserts every id `1..to` was counted exactly once. */
async function assertCountedOnce(kafka: Kafka, admin: Admin, topic: string, from: number, to: number) {
  const counts = await eventually(`ids ${from}..${to} counted in ${topic}`, 300_000, async () => {
    const counts = await latestCounts(kafka, admin, topic);
    for (let id = from; id <= to; id++) if (!counts.has(id)) return undefined;
    return counts;
  });
  const lost: number[] = [];
  const duplicated: number[] = [];
  for (let id = 1; id <= to; id++) {
    const n = counts.get(id);
    if (n === undefined) lost.push(id);
    else if (n !== 1) duplicated.push(id);
  }
  assert.deepEqual({ lost, duplicated }, { lost: [], duplicated: [] });
}

async function queryStates(client: KsqldbClient): Promise<Map<string, string>> {
  const [entity] = await client.ksql("SHOW QUERIES;");
  const queries = (entity?.queries ?? []) as { id: string; state: string }[];
  return new Map(queries.map((q) => [q.id, q.state]));
}

Deno.test(
  "ksqlDB servers on a Flink session cluster share one catalog and keep queries through server, TaskManager and JobManager kills",
  options,
  async (t) => {
    const kafka = testKafka();
    const admin = kafka.admin();
    await admin.connect();
    const storage = s3();
    const dir = await Deno.makeTempDir({ prefix: "ksql-cluster-" });
    const prefix = `test-flink-${crypto.randomUUID()}`;
    const serviceId = `cluster_test_${crypto.randomUUID().slice(0, 8)}_`;
    const topic = `test-${crypto.randomUUID()}`;
    const [src, counts] = [uniqueName("SRC"), uniqueName("COUNTS")];
    const children: Deno.ChildProcess[] = [];
    const cluster = await FlinkSessionCluster.start(join(dir, "flink"), 2);
    try {
      await createTopic(admin, topic, 1);
      const engine = async (name: string) => {
        const port = freePort();
        children.push(
          await startEngine({
            port,
            stateDir: join(dir, name),
            restUrl: cluster.restUrl,
            checkpointDir: `s3://${bucket}/${prefix}`,
            serviceId,
          }),
        );
        return port;
      };
      const server = async (name: string, enginePort: number) => {
        const port = freePort();
        const child = await startServerProcess({ port, enginePort, stateDir: join(dir, name), serviceId });
        children.push(child);
        return { child, client: new KsqldbClient(`http://127.0.0.1:${port}`) };
      };
      const [engineA, engineB] = [await engine("engine-a"), await engine("engine-b")];
      const a = await server("server-a", engineA);
      const b = await server("server-b", engineB);
      let queryId = "";

      if (
        !(await t.step("a statement applied on A is visible on B", async () => {
          await a.client.ksql(
            `CREATE STREAM ${src} (id STRING, ticker STRING) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
          );
          const applied = performance.now();
          for (;;) {
            const [entity] = await b.client.ksql("SHOW STREAMS;");
            if (((entity?.streams ?? []) as { name: string }[]).some((s) => s.name === src)) break;
            assert.ok(performance.now() - applied < 60_000, `${src} not visible on B after 60 s`);
            await new Promise((resolve) => setTimeout(resolve, 20));
          }
          console.log(`visible on B ${Math.round(performance.now() - applied)} ms after A applied it`);
        }))
      ) return;

      if (
        !(await t.step(
          "a query started through A keeps running after A is killed -9; B reports it RUNNING",
          async () => {
            const [created] = await a.client.ksql(
              `CREATE TABLE ${counts} AS SELECT id, COUNT(*) AS n FROM ${src} GROUP BY id EMIT CHANGES;`,
              { "auto.offset.reset": "earliest" },
            );
            queryId = (created?.commandStatus as { queryId: string }).queryId;
            await produceIds(kafka, topic, 1, 100);
            await assertCountedOnce(kafka, admin, counts, 1, 100);
            await kill9(a.child);
            await kill9(children[0]!); // A's engine too: the whole server is gone
            await produceIds(kafka, topic, 101, 200);
            await assertCountedOnce(kafka, admin, counts, 101, 200);
            assert.equal((await queryStates(b.client)).get(queryId), "RUNNING");
            const jobs = (await cluster.jobs()).filter((j) => j.name === `${serviceId}query_${queryId}`);
            assert.deepEqual(jobs.map((j) => j.state), ["RUNNING"]);
          },
        ))
      ) return;

      if (
        !(await t.step("a new server replays the catalog from the command topic", async () => {
          const c = await server("server-c", engineB);
          const [streams, tables] = await c.client.ksql("SHOW STREAMS; SHOW TABLES;");
          assert.ok(((streams?.streams ?? []) as { name: string }[]).some((s) => s.name === src));
          assert.ok(((tables?.tables ?? []) as { name: string }[]).some((s) => s.name === counts));
          const state = await eventually("the query's state on C", 30_000, async () => {
            const state = (await queryStates(c.client)).get(queryId);
            return state === "RUNNING" ? state : undefined;
          });
          assert.equal(state, "RUNNING");
          await kill9(c.child);
        }))
      ) return;

      const queryPrefix = `${prefix}/${serviceId}/${queryId}/`;
      if (
        !(await t.step("after a TaskManager is killed the job restores from its S3 checkpoint", async () => {
          const since = Date.now();
          await eventually(
            "a checkpoint in S3",
            120_000,
            async () => (await newestCheckpoint(storage, queryPrefix)) > since - 1000 || undefined,
          );
          const job = (await cluster.jobs()).find((j) =>
            j.name === `${serviceId}query_${queryId}` && j.state === "RUNNING"
          )!;
          const [tm] = await cluster.taskManagersOf(job.jid);
          const index = Number(tm!.replace("tm-", ""));
          const killed = performance.now();
          await kill9(cluster.taskManagers[index]!);
          await produceIds(kafka, topic, 201, 300);
          await assertCountedOnce(kafka, admin, counts, 201, 300);
          console.log(
            `TaskManager ${tm} killed: ids 201..300 counted ${Math.round(performance.now() - killed)} ms later`,
          );
          await cluster.startTaskManager(index);
          await cluster.waitForTaskManagers(2);
        }))
      ) return;

      if (
        !(await t.step("after the JobManager is killed and restarted a server resubmits the job from S3", async () => {
          const since = Date.now();
          await eventually(
            "a checkpoint in S3 after the restore",
            120_000,
            async () => (await newestCheckpoint(storage, queryPrefix)) > since || undefined,
          );
          const killed = performance.now();
          await kill9(cluster.jobManager!);
          await cluster.startJobManager();
          await cluster.waitForTaskManagers(2);
          await eventually(
            "the job running again",
            300_000,
            async () =>
              (await cluster.jobs()).some((j) => j.name === `${serviceId}query_${queryId}` && j.state === "RUNNING") ||
              undefined,
          );
          const running = performance.now();
          await produceIds(kafka, topic, 301, 400);
          await assertCountedOnce(kafka, admin, counts, 301, 400);
          console.log(
            `JobManager killed: job running again ${Math.round(running - killed)} ms later, ids 301..400 counted ${
              Math.round(performance.now() - killed)
            } ms after the kill`,
          );
          const live = (await cluster.jobs()).filter((j) =>
            j.name === `${serviceId}query_${queryId}` && j.state !== "FINISHED" && j.state !== "CANCELED"
          );
          assert.equal(live.length, 1);
        }))
      ) return;

      if (
        !(await t.step("TERMINATE through B cancels the job on the cluster", async () => {
          await b.client.ksql(`TERMINATE ${queryId};`);
          const jobs = (await cluster.jobs()).filter((j) => j.name === `${serviceId}query_${queryId}`);
          assert.ok(jobs.every((j) => j.state === "CANCELED" || j.state === "FAILED"), JSON.stringify(jobs));
        }))
      ) return;
    } finally {
      for (const child of children) await kill9(child);
      await cluster.stop();
      const left = (await admin.listTopics()).filter((x) => [topic, counts, commandTopicName(serviceId)].includes(x));
      if (left.length > 0) await admin.deleteTopics({ topics: left }).catch(() => {});
      await admin.disconnect();
      const keys = await listKeys(storage, `${prefix}/`).catch(() => []);
      for (let i = 0; i < keys.length; i += 1000) {
        await storage.send(
          new DeleteObjectsCommand({
            Bucket: bucket,
            Delete: { Objects: keys.slice(i, i + 1000).map((k) => ({ Key: k.key })) },
          }),
        ).catch(() => {});
      }
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
);
