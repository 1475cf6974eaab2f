/**
 * A MongoDB sink of a test's own: a topic, its dead-letter topic, a connector
 * registered from simplelink.json's settings on them, and a collection in
 * database `tickpipe_test`; all removed afterwards. So tests of the MongoDB
 * path never touch `api-data` or `mydb.api`.
 *
 * @module
 */
import { type Admin, type Kafka } from "kafkajs";
import { type Collection, MongoClient } from "mongodb";
import { connectorStatus, registerConnector } from "../../lib/connect/mod.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/mod.ts";
import { eventually, testName } from "../archive/_stack.ts";
import { requireStack } from "../_stack_guard.ts";

/** Kafka Connect and MongoDB of the local stack. */
export const CONNECT_URL = "http://127.0.0.1:8083";
export const MONGO_URL = "mongodb://127.0.0.1:27017";
/** The database of test collections. */
export const TEST_DB = "tickpipe_test";

/** What a test gets from {@linkcode withTestSink}. */
export interface TestSink {
  readonly topic: string;
  readonly dlq: string;
  /** The connector's name. */
  readonly connector: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly mongo: MongoClient;
  /** Where the connector writes. */
  readonly collection: Collection;
}

/** simplelink.json's connector settings, moved to `topic`, `dlq` and `TEST_DB`.`collection`. */
export async function testSinkConfig(topic: string, dlq: string, collection: string): Promise<Record<string, string>> {
  const link = JSON.parse(await Deno.readTextFile(new URL("../../simplelink.json", import.meta.url))) as {
    config: Record<string, string>;
  };
  return {
    ...link.config,
    topics: topic,
    database: TEST_DB,
    collection,
    "errors.deadletterqueue.topic.name": dlq,
  };
}

/** Removes a connector (404: already gone). */
export async function deleteConnector(name: string): Promise<void> {
  const response = await fetch(`${CONNECT_URL}/connectors/${encodeURIComponent(name)}`, { method: "DELETE" });
  await response.body?.cancel();
  if (!response.ok && response.status !== 404) {
    throw new Error(`DELETE connector "${name}" answered ${response.status}`);
  }
}

/** Waits until the connector and its task run. */
export async function connectorRunning(name: string, timeoutMs = 120_000): Promise<void> {
  await eventually(`connector "${name}" and its task RUNNING`, timeoutMs, async () => {
    const status = await connectorStatus(CONNECT_URL, name).catch(() => undefined);
    return status?.connector.state === "RUNNING" && status.tasks.length > 0 &&
        status.tasks.every((t) => t.state === "RUNNING")
      ? true
      : undefined;
  });
}

/**
 * Runs `fn` with a fresh topic of `partitions` partitions (default 3), its DLQ topic, a MongoDB sink on them
 * and its collection; removes connector, topics, collection and the connector's group afterwards.
 */
export async function withTestSink<T>(
  fn: (sink: TestSink) => Promise<T>,
  options: { partitions?: number } = {},
): Promise<T> {
  await requireStack();
  const topic = testName();
  const dlq = `${topic}-dlq`;
  const name = topic.replaceAll("-", "_");
  const connector = `${topic}-sink`;
  const kafka = kafkaClient(kafkaSettings("tickpipe-test-sink"));
  const admin = kafka.admin();
  const mongo = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5_000 });
  await admin.connect();
  try {
    await admin.createTopics({
      // replication: the broker's default (1 on the single node, 3 on the cluster profile)
      topics: [{ topic, numPartitions: options.partitions ?? 3 }, { topic: dlq, numPartitions: 1 }],
      waitForLeaders: true,
    });
    await registerConnector(CONNECT_URL, { name: connector, config: await testSinkConfig(topic, dlq, name) });
    try {
      await connectorRunning(connector);
      return await fn({ topic, dlq, connector, kafka, admin, mongo, collection: mongo.db(TEST_DB).collection(name) });
    } finally {
      await deleteConnector(connector);
      await mongo.db(TEST_DB).collection(name).drop().catch(() => false);
      await admin.deleteTopics({ topics: [topic, dlq] }).catch(() => {});
      await admin.deleteGroups([`connect-${connector}`]).catch(() => {});
    }
  } finally {
    await admin.disconnect();
    await mongo.close();
  }
}
