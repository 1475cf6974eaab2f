/**
 * Integration tests of the native stack's MongoDB path: kafkajs -> a topic ->
 * Kafka Connect's MongoDB sink (simplelink.json's settings) -> FerretDB, and the
 * sink's dead-letter topic. Each test has its own topic, connector and
 * collection (tests/stack/_test_sink.ts), so api-data and mydb.api stay as they were.
 * Needs "task up".
 */
import assert from "node:assert/strict";
import { connectorStatus } from "../../lib/connect/client.ts";
import { peek } from "../../admin/peek.ts";
import { eventually } from "../archive/_stack.ts";
import { CONNECT_URL, withTestSink } from "./_test_sink.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

function quoteEnvelope(testId: string, price: number) {
  return {
    meta: { requested: 1, returned: 1 },
    data: [{ ticker: "TEST", name: "Test Corp", price, day_high: price + 1, day_low: price - 1, volume: 10 }],
    timestamp_utc: new Date().toISOString(),
    test_id: testId,
  };
}

Deno.test("MongoDB sink writes a record from its topic into its collection", options, async () => {
  await withTestSink(async ({ name: topic, kafka, collection }) => {
    const testId = crypto.randomUUID();
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: "TEST", value: JSON.stringify(quoteEnvelope(testId, 123.45)) }],
      });
      const doc = await eventually(
        `the document in ${collection.collectionName}`,
        60_000,
        async () => (await collection.findOne({ test_id: testId })) ?? undefined,
      );
      assert.equal(doc.data[0].ticker, "TEST");
      assert.equal(doc.data[0].price, 123.45);
      assert.equal(doc.meta.returned, 1);
      // the record's Kafka coordinates, so a redelivered record replaces its document
      assert.match(String(doc._id), new RegExp(`^${topic}#[0-9]+#[0-9]+$`));
    } finally {
      await producer.disconnect();
    }
  });
});

Deno.test("MongoDB sink sends a non-JSON record to its dead-letter topic and keeps running", options, async () => {
  await withTestSink(async ({ name: topic, dlq, kafka, collection }) => {
    const testId = crypto.randomUUID();
    const poison = `not json ${testId}`;
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({ topic, acks: -1, messages: [{ key: "TEST", value: poison, partition: 0 }] });
      await producer.send({
        topic,
        acks: -1,
        messages: [{ key: "TEST", value: JSON.stringify(quoteEnvelope(testId, 99)), partition: 0 }],
      });
      // the good record after the poison one still lands
      const doc = await eventually(
        "the good record in the collection",
        60_000,
        async () => (await collection.findOne({ test_id: testId })) ?? undefined,
      );
      assert.equal(doc.data[0].price, 99);
      const dead = await eventually(`the poison record in ${dlq}`, 30_000, async () => {
        const messages = await peek(kafka, dlq, 50);
        return messages.find((m) => m.value === poison);
      });
      assert.equal(dead.valueIsJson, false);
      assert.match(dead.headers["__connect.errors.exception.class.name"] ?? "", /DataException/);
      assert.equal(dead.headers["__connect.errors.topic"], topic);
      assert.equal(await collection.countDocuments(), 1, "only the good record became a document");
      const status = await connectorStatus(CONNECT_URL, topic);
      assert.equal(status.connector.state, "RUNNING");
      assert.deepEqual(status.tasks.map((t) => t.state), ["RUNNING"]);
    } finally {
      await producer.disconnect();
    }
  });
});
