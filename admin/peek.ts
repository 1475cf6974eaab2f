/**
 * `deno task peek [topic] [-n 10]`: prints the last N messages of a topic as
 * pretty JSON with key, partition, offset, timestamp and headers, so nobody
 * decodes hex by hand. Reads without a consumer group commit; changes nothing.
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Buffer } from "node:buffer";
import type { Kafka } from "kafkajs";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { envString, runMain } from "../lib/util/mod.ts";

/** One message as `peek` shows it. */
export interface PeekedMessage {
  readonly partition: number;
  readonly offset: number;
  /** ISO-8601 UTC. */
  readonly timestamp: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text with `valueIsJson: false`. */
  readonly value: unknown;
  readonly valueIsJson: boolean;
}

function decodeValue(bytes: Uint8Array | null): { value: unknown; valueIsJson: boolean } {
  if (bytes === null) return { value: null, valueIsJson: true };
  const text = new TextDecoder().decode(bytes);
  try {
    return { value: JSON.parse(text), valueIsJson: true };
  } catch {
    return { value: text, valueIsJson: false };
  }
}

/** A message as Kafka holds it. */
export interface RawMessage {
  readonly partition: number;
  readonly offset: number;
  /** Epoch ms. */
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly value: Buffer | null;
}

/**
 * Reads the offsets `[start, end)` of each partition in `ranges` with a
 * throw-away consumer group that commits nothing. Returns what arrived
 * within `timeoutMs` (a gap at a partition's end, deleted records, must not
 * hang the read), unordered.
 */
export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: ReadonlyMap<number, { readonly start: number; readonly end: number }>,
  timeoutMs = 15_000,
): Promise<RawMessage[]> {
  const wanted = new Map([...ranges].filter(([, r]) => r.end > r.start));
  if (wanted.size === 0) return [];
  const messages: RawMessage[] = [];
  const consumer = kafka.consumer({ groupId: `tickpipe-peek-${crypto.randomUUID()}`, maxWaitTimeInMs: 250 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = Promise.withResolvers<void>();
    const remaining = new Set(wanted.keys());
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const range = wanted.get(partition);
        const offset = Number(message.offset);
        if (!range || offset < range.start || offset >= range.end) return;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          headers[name] = value === undefined ? "" : String(value);
        }
        messages.push({
          partition,
          offset,
          timestamp: Number(message.timestamp),
          key: message.key,
          headers,
          value: message.value,
        });
        if (offset === range.end - 1) {
          remaining.delete(partition);
          if (remaining.size === 0) done.resolve();
        }
        await Promise.resolve();
      },
    });
    for (const [partition, range] of wanted) consumer.seek({ topic, partition, offset: String(range.start) });
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([done.promise, new Promise((resolve) => timer = setTimeout(resolve, timeoutMs))]);
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/**
 * Returns the last `count` messages of `topic` (newest last, ordered by
 * timestamp across partitions).
 */
export async function peek(kafka: Kafka, topic: string, count: number): Promise<PeekedMessage[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const wanted = new Map<number, { start: number; end: number }>();
  for (const p of offsets) {
    const end = Number(p.high);
    wanted.set(p.partition, { start: Math.max(Number(p.low), end - count), end });
  }
  const messages = (await readRanges(kafka, topic, wanted)).map((m): PeekedMessage => ({
    partition: m.partition,
    offset: m.offset,
    timestamp: new Date(m.timestamp).toISOString(),
    key: m.key === null ? null : new TextDecoder().decode(m.key),
    headers: m.headers,
    ...decodeValue(m.value),
  }));
  return messages
    .sort((a, b) => a.timestamp.localeCompare(b.timestamp) || a.partition - b.partition || a.offset - b.offset)
    .slice(-count);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { n: { type: "string", short: "n", default: "10" } },
  });
  const topic = positionals[0] ?? envString("KAFKA_TOPIC", "api-data");
  const count = Number(values.n);
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`-n "${values.n}" is not a positive whole number; pass e.g. -n 10`);
  }
  const kafka = kafkaClient(kafkaSettings("tickpipe-peek"));
  const messages = await peek(kafka, topic, count);
  if (messages.length === 0) console.log(`Topic "${topic}" has no messages`);
  for (const message of messages) console.log(JSON.stringify(message, null, 2));
}

if (import.meta.main) await runMain(main);
