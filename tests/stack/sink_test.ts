/**
 * Integration tests of the native stack's MongoDB path: kafkajs -> api-data ->
 * Kafka Connect's MongoDB sink -> FerretDB, and the sink's dead-letter topic.
 * Needs "task up".
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import { connectorStatus } from "../../lib/connect/client.ts";
import { peek } from "../../admin/peek.ts";
import { eventually } from "../archive/_stack.ts";

const CONNECT = "http://127.0.0.1:8083";
const options = { sanitizeOps: false, sanitizeResources: false };

function quoteEnvelope(testId: string, price: number) {
  return {
    meta: { requested: 1, returned: 1 },
    data: [{ ticker: "TEST", name: "Test Corp", price, day_high: price + 1, day_low: price - 1, volume: 10 }],
    timestamp_utc: new Date().toISOString(),
    test_id: testId,
  };
}

Deno.test("MongoDB sink writes a record from api-data into mydb.api", options, async () => {
  const testId = crypto.randomUUID();
  const producer = kafkaClient(kafkaSettings("tickpipe-test")).producer();
  const mongo = new MongoClient("mongodb://127.0.0.1:27017", { serverSelectionTimeoutMS: 5000 });
  await producer.connect();
  try {
    await producer.send({
      topic: "api-data",
      acks: -1,
      messages: [{ key: "TEST", value: JSON.stringify(quoteEnvelope(testId, 123.45)) }],
    });
    const doc = await eventually(
      "the document in mydb.api",
      60_000,
      async () => (await mongo.db("mydb").collection("api").findOne({ test_id: testId })) ?? undefined,
    );
    assert.equal(doc.data[0].ticker, "TEST");
    assert.equal(doc.data[0].price, 123.45);
    assert.equal(doc.meta.returned, 1);
    // the record's Kafka coordinates, so a redelivered record replaces its document
    assert.match(String(doc._id), /^api-data#[0-9]+#[0-9]+$/);
  } finally {
    await producer.disconnect();
    await mongo.close();
  }
});

Deno.test("MongoDB sink sends a non-JSON record to api-data-dlq and keeps running", options, async () => {
  const testId = crypto.randomUUID();
  const poison = `not json ${testId}`;
  const kafka = kafkaClient(kafkaSettings("tickpipe-test"));
  const producer = kafka.producer();
  const mongo = new MongoClient("mongodb://127.0.0.1:27017", { serverSelectionTimeoutMS: 5000 });
  await producer.connect();
  try {
    await producer.send({ topic: "api-data", acks: -1, messages: [{ key: "TEST", value: poison }] });
    await producer.send({
      topic: "api-data",
      acks: -1,
      messages: [{ key: "TEST", value: JSON.stringify(quoteEnvelope(testId, 99)) }],
    });
    // the good record after the poison one still lands
    const doc = await eventually(
      "the good record in mydb.api",
      60_000,
      async () => (await mongo.db("mydb").collection("api").findOne({ test_id: testId })) ?? undefined,
    );
    assert.equal(doc.data[0].price, 99);
    const dead = await eventually("the poison record in api-data-dlq", 30_000, async () => {
      const messages = await peek(kafka, "api-data-dlq", 50);
      return messages.find((m) => m.value === poison);
    });
    assert.equal(dead.valueIsJson, false);
    assert.match(dead.headers["__connect.errors.exception.class.name"] ?? "", /DataException/);
    assert.equal(dead.headers["__connect.errors.topic"], "api-data");
    const status = await connectorStatus(CONNECT, "mongo-sink");
    assert.equal(status.connector.state, "RUNNING");
    assert.deepEqual(status.tasks.map((t) => t.state), ["RUNNING"]);
  } finally {
    await producer.disconnect();
    await mongo.close();
  }
});
