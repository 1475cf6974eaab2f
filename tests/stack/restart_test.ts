/**
 * Data survives "task down && task up": a Kafka message, the MongoDB document
 * the sink made of it, and an S3 object. Restarts the whole local stack.
 */
import assert from "node:assert/strict";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { MongoClient } from "mongodb";
import { envString } from "../../lib/util/env.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import { peek } from "../../admin/peek.ts";
import { eventually } from "../archive/_stack.ts";

const TASK = new URL("../../.tools/bin/task", import.meta.url).pathname;
const options = { sanitizeOps: false, sanitizeResources: false };

async function task(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(TASK, { args, stdout: "piped", stderr: "piped" }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, `task ${args.join(" ")} failed:\n${output}`);
  return output;
}

Deno.test("task down && task up keeps topics, documents and objects", options, async () => {
  const testId = crypto.randomUUID();
  const kafka = kafkaClient(kafkaSettings("tickpipe-test"));
  const s3 = new S3Client({
    region: envString("AWS_REGION", "us-east-1"),
    endpoint: envString("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7070"),
    forcePathStyle: true,
  });
  const bucket = envString("S3_BUCKET", "tickpipe-archive");
  const key = `test-${testId}/survives.txt`;
  const value = JSON.stringify({
    meta: { returned: 0 },
    data: [],
    timestamp_utc: new Date().toISOString(),
    test_id: testId,
  });

  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: "api-data", acks: -1, messages: [{ key: "RESTART", value }] });
  await producer.disconnect();
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: testId }));
  const findDoc = async (mongo: MongoClient) =>
    (await mongo.db("mydb").collection("api").findOne({ test_id: testId })) ?? undefined;
  let mongo = new MongoClient("mongodb://127.0.0.1:27017", { serverSelectionTimeoutMS: 5000 });
  await eventually("the document before the restart", 60_000, () => findDoc(mongo));
  await mongo.close();

  const down = await task("down");
  assert.match(down, /Stopped every service/);
  assert.equal(
    await fetch("http://127.0.0.1:8083/").catch(() => "refused"),
    "refused",
    "Connect still answers after down",
  );
  const up = await task("up");
  assert.match(up, /connector mongo-sink: RUNNING/);

  try {
    mongo = new MongoClient("mongodb://127.0.0.1:27017", { serverSelectionTimeoutMS: 5000 });
    const doc = await findDoc(mongo);
    await mongo.close();
    assert.equal(doc?.test_id, testId);
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await object.Body?.transformToString(), testId);
    const messages = await peek(kafka, "api-data", 500);
    assert.ok(
      messages.some((m) => (m.value as { test_id?: string }).test_id === testId),
      "the message is gone from api-data",
    );
  } finally {
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    s3.destroy();
  }
});
