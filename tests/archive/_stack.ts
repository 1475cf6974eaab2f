/**
 * Helpers for the consumer's integration tests: wait for the local stack, make
 * and remove a topic and a bucket per test, read the archive back.
 *
 * @module
 */
import {
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { type Admin, Partitioners, type Producer } from "kafkajs";
import { gunzipBytes } from "../../lib/archive/gzip.ts";
import { type ConsumerConfig, DEFAULT_LIMITS } from "../../lib/archive/config.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import { s3Client } from "../../lib/s3/client.ts";
import { requireStack } from "../_stack_guard.ts";

/** Kafka and S3 of the local stack. */
export const KAFKA_PORT = 29092;
export const S3_PORT = 7070;

/** Fails fast, saying to run "task up", unless Kafka and S3 answer. */
export function waitForStack(): Promise<void> {
  return requireStack(["kafka", "s3"]);
}

/** A name unique to one test: `test-<uuid>`. */
export function testName(): string {
  return `test-${crypto.randomUUID()}`;
}

/** A consumer config for `topic` and `bucket`, with `limits` overriding the defaults. */
export function testConfig(
  topic: string,
  bucket: string,
  limits: Partial<ConsumerConfig["limits"]> = {},
): ConsumerConfig {
  return Object.freeze({
    kafka: kafkaSettings(topic),
    topic,
    groupId: `${topic}-group`,
    fromBeginning: true,
    sessionTimeoutMs: 6_000,
    s3: {
      bucket,
      region: Deno.env.get("AWS_REGION") ?? "us-east-1",
      endpoint: Deno.env.get("AWS_ENDPOINT_URL_S3") ?? `http://127.0.0.1:${S3_PORT}`,
      forcePathStyle: true,
      maxAttempts: 3,
    },
    prefix: "archive",
    datePattern: "year={YYYY}/month={MM}/day={DD}",
    quarantinePrefix: "archive/_quarantine",
    gzipLevel: 6,
    workers: 2,
    limits: { ...DEFAULT_LIMITS, ...limits },
  });
}

/** Creates a topic with `partitions` partitions and waits for its leaders. */
export async function createTopic(admin: Admin, topic: string, partitions = 1): Promise<void> {
  await admin.createTopics({
    // replication: the broker's default (1 on the single node, 3 on the cluster profile)
    topics: [{ topic, numPartitions: partitions }],
    waitForLeaders: true,
  });
}

/** Produces JSON values to `topic` (optionally to a fixed partition each). */
export async function produceJson(
  producer: Producer,
  topic: string,
  values: readonly (unknown | { partition: number; raw: string })[],
): Promise<void> {
  const messages = values.map((v) =>
    typeof v === "object" && v !== null && "raw" in v && "partition" in v
      ? { value: (v as { raw: string }).raw, partition: (v as { partition: number }).partition }
      : { value: JSON.stringify(v) }
  );
  for (let i = 0; i < messages.length; i += 2000) {
    await producer.send({ topic, messages: messages.slice(i, i + 2000), acks: -1 });
  }
}

/** One object read back from the archive. */
export interface ArchivedObject {
  readonly key: string;
  readonly lines: string[];
}

/** Lists every key under `prefix`. */
export async function listKeys(s3: S3Client, bucket: string, prefix = ""): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }),
    );
    for (const o of page.Contents ?? []) if (o.Key) keys.push(o.Key);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys.sort();
}

/** Reads and decompresses every `.jsonl.gz` object under `prefix`. */
export async function readArchive(s3: S3Client, bucket: string, prefix: string): Promise<ArchivedObject[]> {
  const keys = (await listKeys(s3, bucket, prefix)).filter((k) => k.endsWith(".jsonl.gz"));
  return await Promise.all(keys.map(async (key) => {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const body = await object.Body!.transformToByteArray();
    const text = new TextDecoder().decode(await gunzipBytes(body));
    return { key, lines: text.split("\n").filter((l) => l !== "") };
  }));
}

/** Polls `check` every 250 ms until it returns a value, or throws after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** Creates a bucket for one test. */
export async function createBucket(s3: S3Client, bucket: string): Promise<void> {
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
}

/** Empties and deletes a test bucket. */
export async function deleteBucket(s3: S3Client, bucket: string): Promise<void> {
  const keys = await listKeys(s3, bucket);
  for (let i = 0; i < keys.length; i += 1000) {
    await s3.send(
      new DeleteObjectsCommand({
        Bucket: bucket,
        Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })) },
      }),
    );
  }
  await s3.send(new DeleteBucketCommand({ Bucket: bucket }));
}

/**
 * Checks that data objects cover each partition's offsets `0..end-1` exactly
 * once: per partition, sorted by start offset, each object starts where the
 * previous one ended. Returns every archived line.
 *
 * @throws {Error} Naming the partition and the offsets of a gap or an overlap.
 */
export function checkOffsetsOnce(
  objects: readonly ArchivedObject[],
  ends: ReadonlyMap<number, number>,
): string[] {
  const byPartition = new Map<number, { start: number; count: number; key: string }[]>();
  for (const o of objects) {
    const m = /\+(\d+)\+(\d+)\.jsonl\.gz$/.exec(o.key);
    if (m === null) throw new Error(`Object "${o.key}" is not named <topic>+<partition>+<offset>.jsonl.gz`);
    const list = byPartition.get(Number(m[1])) ?? [];
    list.push({ start: Number(m[2]), count: o.lines.length, key: o.key });
    byPartition.set(Number(m[1]), list);
  }
  for (const [partition, end] of ends) {
    const list = (byPartition.get(partition) ?? []).sort((a, b) => a.start - b.start);
    let next = 0;
    for (const o of list) {
      if (o.start !== next) {
        throw new Error(
          `Partition ${partition}: "${o.key}" starts at ${o.start}, expected ${next} (${
            o.start > next ? "gap" : "overlap"
          })`,
        );
      }
      next = o.start + o.count;
    }
    if (next !== end) throw new Error(`Partition ${partition}: archive ends at ${next}, topic at ${end}`);
  }
  return objects.flatMap((o) => o.lines);
}

/** What a consumer integration test gets: its own topic, bucket and clients. */
export interface Fixture {
  topic: string;
  bucket: string;
  admin: Admin;
  producer: Producer;
  s3: ReturnType<typeof s3Client>;
  config: ConsumerConfig;
}

/**
 * Runs `fn` with a fresh topic (`partitions`, default 1) and bucket, and a consumer config with `limits`;
 * removes topic, bucket and group afterwards.
 */
export async function withFixture(
  limits: Partial<ConsumerConfig["limits"]>,
  options: { partitions?: number },
  fn: (f: Fixture) => Promise<void>,
): Promise<void> {
  await waitForStack();
  const topic = testName();
  const bucket = testName();
  const config = testConfig(topic, bucket, limits);
  const kafka = kafkaClient(kafkaSettings(topic));
  const admin = kafka.admin();
  const producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  const s3 = s3Client(config.s3);
  await admin.connect();
  await producer.connect();
  try {
    await createTopic(admin, topic, options.partitions ?? 1);
    await createBucket(s3, bucket);
    try {
      await fn({ topic, bucket, admin, producer, s3, config });
    } finally {
      await deleteBucket(s3, bucket);
      await admin.deleteTopics({ topics: [topic] });
      await admin.deleteGroups([config.groupId]).catch(() => {});
    }
  } finally {
    await producer.disconnect();
    await admin.disconnect();
    s3.destroy();
  }
}
