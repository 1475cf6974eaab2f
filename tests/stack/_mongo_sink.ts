/**
 * Fixtures for the MongoDB sink's reliability tests: a sink of its own
 * (simplelink.json's config on a test topic, collection and dead-letter topic),
 * records with a unique sequence number each, and counts per number.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { Admin, Producer } from "kafkajs";
import { type Collection, MongoClient } from "mongodb";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import { connectorStatus, registerConnector } from "../../lib/connect/client.ts";
import { loadSinkDefinition } from "../../admin/connect.ts";
import { topicMessageCount } from "../../admin/topics.ts";
import { eventually, testName } from "../archive/_stack.ts";

/** The local stack's Connect worker. */
export const CONNECT = "http://127.0.0.1:8083";

/** A sink of the test's own: connector, topic, collection and dead-letter topic share one name. */
export interface TestSink {
  readonly name: string;
  readonly dlq: string;
  readonly collection: Collection;
  readonly producer: Producer;
  readonly admin: Admin;
  /** Deletes the connector, the topics and the collection. */
  cleanup(): Promise<void>;
}

/** Calls Connect's REST API; throws on a status other than 2xx. */
export async function connectCall(method: string, path: string): Promise<unknown> {
  const response = await fetch(new URL(path, CONNECT), { method });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}: ${text}`);
  return text === "" ? undefined : JSON.parse(text);
}

/** Creates a topic of 3 partitions and a MongoDB sink on it with simplelink.json's settings. */
export async function startTestSink(): Promise<TestSink> {
  const name = testName();
  const dlq = `${name}-dlq`;
  const kafka = kafkaClient(kafkaSettings("tickpipe-test"));
  const admin = kafka.admin();
  const producer = kafka.producer({ idempotent: true });
  const mongo = new MongoClient("mongodb://127.0.0.1:27017", { serverSelectionTimeoutMS: 60_000 });
  await Promise.all([admin.connect(), producer.connect()]);
  await admin.createTopics({ topics: [{ topic: name, numPartitions: 3 }, { topic: dlq }], waitForLeaders: true });
  const { config } = await loadSinkDefinition();
  await registerConnector(CONNECT, {
    name,
    config: { ...config, topics: name, collection: name, "errors.deadletterqueue.topic.name": dlq },
  });
  await eventually("the test sink's task RUNNING", 60_000, async () => {
    const status = await connectorStatus(CONNECT, name).catch(() => undefined);
    return status?.tasks[0]?.state === "RUNNING" ? status : undefined;
  });
  const collection = mongo.db("mydb").collection(name);
  return {
    name,
    dlq,
    collection,
    producer,
    admin,
    async cleanup() {
      await fetch(new URL(`/connectors/${name}`, CONNECT), { method: "DELETE" }).then((r) => r.body?.cancel());
      await collection.drop().catch(() => {});
      await admin.deleteTopics({ topics: [name, dlq] }).catch(() => {});
      await Promise.all([producer.disconnect(), admin.disconnect(), mongo.close()]);
    },
  };
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
