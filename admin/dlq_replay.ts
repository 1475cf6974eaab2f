/**
 * `deno task dlq:replay [--all]`: re-publishes the MongoDB sink's dead-lettered
 * records (`KAFKA_DLQ_TOPIC`, default api-data-dlq) to `KAFKA_TOPIC` (default
 * api-data) once their cause is fixed, with their original key, value and
 * headers (Connect's `__connect.errors.*` headers dropped). Each record is
 * replayed once: the offsets reached are kept in the consumer group
 * `tickpipe-dlq-replay`, so a second run re-publishes only what was
 * dead-lettered since; `--all` starts from the oldest record kept.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { IHeaders, Kafka, Message } from "kafkajs";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { envString, runMain } from "../lib/util/mod.ts";

/** The consumer group that remembers how far the replay got. */
export const REPLAY_GROUP = "tickpipe-dlq-replay";

/** What {@linkcode replayDeadLetters} did. */
export interface ReplayResult {
  /** Records re-published now. */
  readonly replayed: number;
  /** Records the dead-letter topic holds. */
  readonly held: number;
}

function originalHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith("__connect.errors.")));
}

/**
 * Re-publishes the records of `from` that `group` has not replayed yet (all kept ones with `all`) to `to`,
 * then records the offsets reached in `group`.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  options: { from: string; to: string; group?: string; all?: boolean },
): Promise<ReplayResult> {
  const { from, to, group = REPLAY_GROUP, all = false } = options;
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ idempotent: true });
  await producer.connect();
  try {
    const ends = await admin.fetchTopicOffsets(from);
    const done = all ? [] : (await admin.fetchOffsets({ groupId: group, topics: [from] }))[0]?.partitions ?? [];
    const ranges = new Map<number, { start: number; end: number }>();
    for (const p of ends) {
      const committed = Number(done.find((d) => d.partition === p.partition)?.offset ?? -1);
      const start = Math.max(Number(p.low), committed);
      if (Number(p.high) > start) ranges.set(p.partition, { start, end: Number(p.high) });
    }
    const held = ends.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
    let replayed = 0;
    if (ranges.size > 0) replayed = await copyRanges(kafka, producer, { from, to, ranges });
    await admin.setOffsets({
      groupId: group,
      topic: from,
      partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
    });
    return { replayed, held };
  } finally {
    await Promise.all([producer.disconnect(), admin.disconnect()]);
  }
}

/** Reads each partition's [start, end) of `from` with a throwaway consumer and sends it to `to`. */
async function copyRanges(
  kafka: Kafka,
  producer: ReturnType<Kafka["producer"]>,
  job: { from: string; to: string; ranges: Map<number, { start: number; end: number }> },
): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${REPLAY_GROUP}-reader-${crypto.randomUUID()}` });
  await consumer.connect();
  let replayed = 0;
  try {
    await consumer.subscribe({ topic: job.from, fromBeginning: true });
    const finished = Promise.withResolvers<void>();
    const remaining = new Set(job.ranges.keys());
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = job.ranges.get(batch.partition);
        if (!range) return;
        const messages: Message[] = batch.messages
          .filter((m) => Number(m.offset) >= range.start && Number(m.offset) < range.end)
          .map((m) => ({ key: m.key, value: m.value, headers: originalHeaders(m.headers) }));
        if (messages.length > 0) await producer.send({ topic: job.to, acks: -1, messages });
        replayed += messages.length;
        const last = Number(batch.messages.at(-1)?.offset ?? -1);
        if (last >= range.end - 1 && remaining.delete(batch.partition) && remaining.size === 0) finished.resolve();
      },
    });
    for (const [partition, range] of job.ranges) {
      consumer.seek({ topic: job.from, partition, offset: String(range.start) });
    }
    await finished.promise;
  } finally {
    await consumer.disconnect();
  }
  return replayed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { all: { type: "boolean", default: false } } });
  const from = envString("KAFKA_DLQ_TOPIC", "api-data-dlq");
  const to = envString("KAFKA_TOPIC", "api-data");
  const result = await replayDeadLetters(kafkaClient(kafkaSettings("tickpipe-dlq-replay")), {
    from,
    to,
    all: values.all,
  });
  console.log(
    `Re-published ${result.replayed} record(s) from ${from} to ${to} with their original key and value ` +
      `(${from} holds ${result.held}; ${
        values.all ? "--all: from the oldest" : `earlier ones were replayed before, see --all`
      })`,
  );
}

if (import.meta.main) await runMain(main);
