/**
 * A MongoDB sink of a test's own: a topic, its dead-letter topic, a connector
 * registered from simplelink.json's (or quoteslink.json's) settings on them, and a collection in
 * database `tickpipe_test`, all named alike and removed afterwards, so tests of
 * the MongoDB path never touch `api-data` or `mydb.api`. Also records with a
 * unique sequence number each, and counts per number.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Admin, Kafka, Producer } from "kafkajs";
import { type Collection, MongoClient } from "mongodb";
import { connectorStatus, registerConnector } from "../../lib/connect/mod.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/mod.ts";
import { loadSinkDefinition } from "../../admin/connect.ts";
import { topicMessageCount } from "../../admin/topics.ts";
import { eventually, testName } from "../archive/_stack.ts";
import { requireStack } from "../_stack_guard.ts";

/** Kafka Connect and MongoDB of the local stack. */
export const CONNECT_URL = "http://127.0.0.1:8083";
export const MONGO_URL = "mongodb://127.0.0.1:27017";
/** The database of test collections. */
export const TEST_DB = "tickpipe_test";

/** A sink of the test's own: its topic, connector and collection share one name. */
export interface TestSink {
  /** The topic, the connector and the collection. */
  readonly name: string;
  readonly dlq: string;
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** An idempotent producer, connected. */
  readonly producer: Producer;
  readonly mongo: MongoClient;
  /** Where the connector writes. */
  readonly collection: Collection;
  /** Deletes the connector, its consumer group, the topics and the collection; disconnects. */
  cleanup(): Promise<void>;
}

/** What {@linkcode startTestSink} is asked for. */
export interface TestSinkOptions {
  /** @default 3 */
  readonly partitions?: number;
  /** The connector file whose settings the sink takes. @default simplelink.json */
  readonly link?: URL;
  /** Connector settings over the file's. */
  readonly config?: Readonly<Record<string, string>>;
}

/** Calls Connect's REST API; throws on a status other than 2xx. */
export async function connectCall(method: string, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, CONNECT_URL), { method });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

/** Waits until the connector and all its tasks run. */
export async function connectorRunning(name: string, timeoutMs = 120_000): Promise<void> {
  await eventually(`connector "${name}" and its task RUNNING`, timeoutMs, async () => {
    const status = await connectorStatus(CONNECT_URL, name).catch(() => undefined);
    return status?.connector.state === "RUNNING" && status.tasks.length > 0 &&
        status.tasks.every((t) => t.state === "RUNNING")
      ? true
      : undefined;
  });
}

/** Creates a topic, its dead-letter topic and a MongoDB sink on them with simplelink.json's (or `link`'s) settings. */
export async function startTestSink(options: TestSinkOptions = {}): Promise<TestSink> {
  await requireStack();
  const name = testName();
  const dlq = `${name}-dlq`;
  const kafka = kafkaClient(kafkaSettings("tickpipe-test-sink"));
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  const mongo = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 60_000 });
  const collection = mongo.db(TEST_DB).collection(name);
  await Promise.all([admin.connect(), producer.connect()]);
  const cleanup = async () => {
    const response = await fetch(new URL(`/connectors/${name}`, CONNECT_URL), { method: "DELETE" }).catch(() => {});
    await response?.body?.cancel();
    await collection.drop().catch(() => {});
    await admin.deleteTopics({ topics: [name, dlq] }).catch(() => {});
    await admin.deleteGroups([`connect-${name}`]).catch(() => {});
    await Promise.all([producer.disconnect(), admin.disconnect(), mongo.close()]);
  };
  try {
    await admin.createTopics({
      // replication: the broker's default (1 on the single node, 3 on the cluster profile)
      topics: [{ topic: name, numPartitions: options.partitions ?? 3 }, { topic: dlq }],
      waitForLeaders: true,
    });
    const { config } = await loadSinkDefinition(options.link);
    await registerConnector(CONNECT_URL, {
      name,
      config: {
        ...config,
        topics: name,
        database: TEST_DB,
        collection: name,
        "errors.deadletterqueue.topic.name": dlq,
        ...options.config,
      },
    });
    await connectorRunning(name);
  } catch (error) {
    await cleanup();
    throw error;
  }
  return { name, dlq, kafka, admin, producer, mongo, collection, cleanup };
}

/** Runs `fn` with a sink of its own ({@linkcode startTestSink}), removed afterwards. */
export async function withTestSink<T>(fn: (sink: TestSink) => Promise<T>, options: TestSinkOptions = {}): Promise<T> {
  const sink = await startTestSink(options);
  try {
    return await fn(sink);
  } finally {
    await sink.cleanup();
  }
}

/** A record as the producer publishes it (envelope + timestamp_utc), with a unique `seq`. */
export function sequenced(testId: string, seq: number): { key: string; value: string } {
  const price = 100 + (seq % 50);
  return {
    key: `K${seq % 7}`,
    value: JSON.stringify({
      meta: { requested: 1, returned: 1 },
      data: [{ ticker: "TEST", price, last_trade_time: new Date(seq * 1000).toISOString() }],
      timestamp_utc: new Date().toISOString(),
      test_id: testId,
      seq,
    }),
  };
}

/** Publishes records `from`..`to - 1` in batches of `batch`, pausing `pauseMs` between batches. */
export async function produceSequence(
  sink: TestSink,
  testId: string,
  range: { from: number; to: number; batch: number; pauseMs: number },
): Promise<void> {
  for (let start = range.from; start < range.to; start += range.batch) {
    const end = Math.min(start + range.batch, range.to);
    const messages = Array.from({ length: end - start }, (_, i) => sequenced(testId, start + i));
    await sink.producer.send({ topic: sink.name, acks: -1, messages });
    if (range.pauseMs > 0) await new Promise((r) => setTimeout(r, range.pauseMs));
  }
}

/** How many documents hold each `seq`. */
export async function countsPerSeq(collection: Collection): Promise<Map<number, number>> {
  const counts = new Map<number, number>();
  for await (const doc of collection.find({}, { projection: { seq: 1 } })) {
    const seq = doc.seq as number;
    counts.set(seq, (counts.get(seq) ?? 0) + 1);
  }
  return counts;
}

/** Waits until `n` distinct seqs are in the collection, then asserts each of 0..n-1 is there exactly once. */
export async function assertEachOnce(collection: Collection, n: number, timeoutMs: number): Promise<void> {
  const counts = await eventually(`${n} distinct records in ${collection.collectionName}`, timeoutMs, async () => {
    // the cheap count first; the per-record scan once there may be enough
    if ((await collection.countDocuments().catch(() => 0)) < n) return undefined;
    const counts = await countsPerSeq(collection);
    return counts.size >= n ? counts : undefined;
  });
  const missing = Array.from({ length: n }, (_, i) => i).filter((i) => !counts.has(i));
  const doubled = [...counts].filter(([, c]) => c > 1).map(([seq, c]) => `${seq}x${c}`);
  assert.deepEqual({ missing: missing.slice(0, 20), doubled: doubled.slice(0, 20) }, { missing: [], doubled: [] });
  assert.equal(counts.size, n);
}

/** Messages in the test sink's dead-letter topic. */
export async function dlqCount(sink: TestSink): Promise<number> {
  return await topicMessageCount(sink.admin, sink.dlq);
}
