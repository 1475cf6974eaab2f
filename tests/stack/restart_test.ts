/**
 * Data survives "task down && task up": a Kafka message, the MongoDB document
 * the sink made of it, and an S3 object. Restarts the whole local stack. Uses
 * a topic, connector and collection of its own (tests/stack/_test_sink.ts) and
 * a test- prefix in the bucket, all removed afterwards.
 */
import assert from "node:assert/strict";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { MongoClient } from "mongodb";
import { envString } from "../../lib/util/env.ts";
import { peek } from "../../admin/peek.ts";
import { eventually } from "../archive/_stack.ts";
import { task } from "../_task.ts";
import { connectorRunning, MONGO_URL, TEST_DB, withTestSink } from "./_test_sink.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test("task down && task up keeps topics, documents and objects", options, async () => {
  await withTestSink(async ({ name: topic, kafka, collection }) => {
    const testId = crypto.randomUUID();
    const s3 = new S3Client({
      region: envString("AWS_REGION", "us-east-1"),
      endpoint: envString("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7070"),
      forcePathStyle: true,
    });
    const bucket = envString("S3_BUCKET", "tickpipe-archive");
    const key = `test-${testId}/survives.txt`;
    const value = (n: number) =>
      JSON.stringify({ meta: { returned: 0 }, data: [], timestamp_utc: new Date().toISOString(), test_id: testId, n });
    const send = async (n: number) => {
      const producer = kafka.producer();
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: [{ key: "RESTART", value: value(n) }] });
      await producer.disconnect();
    };
    try {
      await send(1);
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: testId }));
      await eventually(
        "the document before the restart",
        60_000,
        async () => (await collection.findOne()) ?? undefined,
      );

      const down = await task("down");
      assert.match(down, /Stopped every service/);
      assert.equal(
        await fetch("http://127.0.0.1:8083/").catch(() => "refused"),
        "refused",
        "Connect still answers after down",
      );
      const up = await task("up");
      assert.match(up, /connector mongo-sink: RUNNING/);
      await connectorRunning(topic);

      // the fixture's client lost its server in the restart: count with a new one
      const mongo = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 5_000 });
      try {
        const docs = mongo.db(TEST_DB).collection(collection.collectionName);
        assert.deepEqual((await docs.find().toArray()).map((d) => d.n), [1], "the document before the restart");
        await send(2);
        await eventually(
          "the document sent after the restart",
          60_000,
          async () => (await docs.findOne({ n: 2 })) ?? undefined,
        );
      } finally {
        await mongo.close();
      }
      const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      assert.equal(await object.Body?.transformToString(), testId);
      const messages = await peek(kafka, topic, 10);
      assert.deepEqual(messages.map((m) => (m.value as { n: number }).n).sort(), [1, 2], "the topic's messages");
    } finally {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      s3.destroy();
    }
  });
});
