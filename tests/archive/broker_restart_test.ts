/**
 * The broker restarts (through supervisord) while `consumer.ts` archives:
 * every offset produced before and after lands in S3 exactly once, and the
 * process still exits 0 on SIGTERM. It restarts the shared local broker; the
 * other tests wait for it.
 */
import assert from "node:assert/strict";
import type { Producer } from "kafkajs";
import { consumerLag } from "../../lib/archive/lag.ts";
import { ConsumerProcess, processEnv } from "./_consumer_process.ts";
import { checkOffsetsOnce, eventually, KAFKA_PORT, readArchive, withFixture } from "./_stack.ts";
import { restartKafka } from "../_kafka_restart.ts";

const PARTITIONS = 3;
const PER_PHASE = 3_000;

async function produceSeqs(producer: Producer, topic: string, from: number): Promise<void> {
  const base = Date.UTC(2025, 4, 1, 14);
  const messages = [];
  for (let seq = from; seq < from + PER_PHASE; seq++) {
    const timestamp_utc = new Date(base + seq * 1_000).toISOString();
    messages.push({ partition: seq % PARTITIONS, value: JSON.stringify({ seq, timestamp_utc }) });
  }
  await producer.send({ topic, acks: -1, messages });
}

async function kafkaListening(): Promise<true | undefined> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port: KAFKA_PORT })).close();
    return true;
  } catch {
    return undefined;
  }
}

Deno.test("consumer.ts archives exactly once across a broker restart and still exits 0 on SIGTERM", async () => {
  await withFixture({}, { partitions: PARTITIONS }, async ({ topic, bucket, admin, producer, s3, config }) => {
    await produceSeqs(producer, topic, 0);
    const child = new ConsumerProcess(processEnv(topic, config.groupId, bucket));
    try {
      await eventually(
        "the first object before the restart",
        60_000,
        () => Promise.resolve(child.archived > 0 ? true : undefined),
      );
      await restartKafka();
      await eventually("Kafka back on its port", 60_000, kafkaListening);
      await produceSeqs(producer, topic, PER_PHASE);
      await eventually("the consumer to catch up after the restart", 120_000, async () => {
        const lag = await consumerLag(admin, { groupId: config.groupId, topic }).catch(() => undefined);
        return lag?.every((l) => l.lag === 0n) ? true : undefined;
      });
    } finally {
      const status = await child.stop("SIGTERM");
      assert.equal(status.code, 0, child.output.join("\n"));
    }

    const objects = await readArchive(s3, bucket, `archive/${topic}/`);
    const total = 2 * PER_PHASE;
    const ends = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, Math.ceil((total - p) / PARTITIONS)]));
    const seqs = checkOffsetsOnce(objects, ends).map((l) => (JSON.parse(l) as { seq: number }).seq)
      .sort((a, b) => a - b);
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i));
    console.log(`${objects.length} objects, ${seqs.length} records across the restart, none missing or doubled`);
  });
});
