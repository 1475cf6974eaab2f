/**
 * Helpers of the ksqlDB integration tests (tests/ksql_*_test.ts): they talk to
 * the ksqlDB REST API at KSQLDB_URL (default http://localhost:8088, served on
 * Flink by ksqldb/server) and to Kafka, each test with its own topics and names.
 */
import type { Admin, Kafka, Message } from "kafkajs";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import { KsqldbClient, ksqldbUrl } from "../../admin/ksql_client.ts";
import { peek } from "../../admin/peek.ts";

/** Sanitizers off: kafkajs keeps timers and sockets beyond a test. */
export const options = { sanitizeOps: false, sanitizeResources: false };

/** The ksqlDB server under test. */
export const ksqldb = new KsqldbClient(ksqldbUrl());

/** A unique, upper-case ksqlDB name for this test, e.g. `T_3F2A...`. */
export function uniqueName(prefix = "T"): string {
  return `${prefix}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12).toUpperCase()}`;
}

/** A Kafka client for tests. */
export function testKafka(): Kafka {
  return kafkaClient(kafkaSettings("tickpipe-ksql-test"));
}

/** A quote as the producer publishes it. */
export interface TestQuote {
  readonly ticker: string;
  readonly price: number;
  readonly volume?: number;
}

/** The envelope the producer publishes to api-data, holding `quotes`. */
export function envelope(quotes: readonly TestQuote[]): Record<string, unknown> {
  return {
    meta: { requested: quotes.length, returned: quotes.length },
    data: quotes.map((q) => ({
      ticker: q.ticker,
      name: `${q.ticker} Corp`,
      mic_code: "XNAS",
      currency: "USD",
      price: q.price,
      day_high: q.price + 1,
      day_low: q.price - 1,
      day_open: q.price,
      "52_week_high": q.price * 1.5,
      "52_week_low": q.price / 2,
      market_cap: 1_000_000,
      previous_close_price: q.price,
      previous_close_price_time: "2026-01-01T16:00:00",
      day_change: 0.5,
      volume: q.volume ?? 100,
      is_extended_hours_price: false,
      last_trade_time: "2026-01-01T16:00:00",
    })),
    timestamp_utc: new Date().toISOString(),
  };
}

/** Creates `topic` with `partitions`. */
export async function createTopic(admin: Admin, topic: string, partitions = 3): Promise<void> {
  await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
    waitForLeaders: true,
  });
}

/** Produces each value as JSON to `topic`. */
export async function produce(kafka: Kafka, topic: string, values: readonly unknown[]): Promise<void> {
  await sendMessages(kafka, topic, values.map((v) => ({ value: JSON.stringify(v) })));
}

/** A record with its key and Kafka timestamp; records without a key all go to partition 0 so their order holds. */
export interface TimedRecord {
  readonly key?: string;
  readonly value: unknown;
  readonly timestamp: number;
}

/** Produces JSON records with their Kafka timestamps and waits for all replicas. */
export async function produceTimed(kafka: Kafka, topic: string, records: readonly TimedRecord[]): Promise<void> {
  await sendMessages(
    kafka,
    topic,
    records.map((r) => ({
      ...(r.key === undefined ? { partition: 0 } : { key: r.key }),
      value: JSON.stringify(r.value),
      timestamp: String(r.timestamp),
    })),
  );
}

/** Sends `messages` to `topic` with a short-lived producer, acknowledged by all replicas. */
export async function sendMessages(kafka: Kafka, topic: string, messages: Message[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

/** Messages in `topic` now (high minus low watermark). */
export async function topicCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Waits until `topic` holds at least `count` messages, then reads them all (key and JSON value). */
export async function readTopic(
  kafka: Kafka,
  admin: Admin,
  topic: string,
  count: number,
  timeoutMs = 90_000,
): Promise<{ key: string | null; value: unknown }[]> {
  await eventually(
    `${count} messages in ${topic}`,
    timeoutMs,
    async () => (await topicCount(admin, topic)) >= count || undefined,
  );
  const total = await topicCount(admin, topic);
  return (await peek(kafka, topic, total)).map((m) => ({ key: m.key, value: m.value }));
}

/** Polls `probe` every 500 ms until it returns a value, or throws naming `what` after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Reads `n` rows of a running query, or throws after `timeoutMs`. */
export async function takeRows(rows: AsyncIterable<unknown[]>, n: number, timeoutMs = 60_000): Promise<unknown[][]> {
  const out: unknown[][] = [];
  const iterator = rows[Symbol.asyncIterator]();
  const deadline = Date.now() + timeoutMs;
  while (out.length < n) {
    const left = deadline - Date.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<"timeout">((resolve) =>
      timer = setTimeout(() => resolve("timeout"), Math.max(left, 0))
    );
    const next = await Promise.race([iterator.next(), timeout]);
    clearTimeout(timer);
    if (next === "timeout") throw new Error(`Timed out after ${timeoutMs} ms with ${out.length} of ${n} rows`);
    if (next.done) break;
    out.push(next.value);
  }
  return out;
}

/** Terminates the queries writing to `names`, drops them (deleting their topics) and deletes `topics`. */
export async function cleanup(admin: Admin, names: readonly string[], topics: readonly string[]): Promise<void> {
  const [queries] = await ksqldb.ksql("SHOW QUERIES;");
  for (const q of (queries?.queries as { id: string; sinks: string[] }[] | undefined) ?? []) {
    if (q.sinks.some((s) => names.includes(s))) await ksqldb.ksql(`TERMINATE ${q.id};`).catch(() => {});
  }
  const entities = await ksqldb.ksql("SHOW STREAMS; SHOW TABLES;");
  const existing = new Map<string, string>();
  for (const e of entities) {
    for (
      const s of [
        ...((e.streams as { name: string; type: string }[]) ?? []),
        ...((e.tables as { name: string; type: string }[]) ?? []),
      ]
    ) existing.set(s.name, s.type);
  }
  // derived first: they read from the others
  for (const name of [...names].reverse()) {
    const type = existing.get(name);
    if (type) {
      await ksqldb.ksql(`DROP ${type} ${name} DELETE TOPIC;`).catch((e) => console.error(`cleanup: ${e.message}`));
    }
  }
  const left = (await admin.listTopics()).filter((t) => topics.includes(t));
  if (left.length > 0) await admin.deleteTopics({ topics: left }).catch(() => {});
}

/** The streams and tables that ksql/*.sql creates, in file order. */
export const KSQL_OBJECTS: readonly string[] = [
  "stock_data",
  "quotes_flat",
  "quotes",
  "high_price_stocks",
  "avg_price_per_ticker",
  "ohlc_1m",
  "price_alerts",
];

/** What {@link withTestTopic} hands a test. */
export interface TestTopic {
  readonly kafka: Kafka;
  readonly admin: Admin;
  /** A fresh topic with one partition, so records keep their order. */
  readonly topic: string;
}

/** Runs `body` with a fresh one-partition topic; then drops the streams and tables `names` and deletes the topic. */
export async function withTestTopic(names: readonly string[], body: (t: TestTopic) => Promise<void>): Promise<void> {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = `test-${crypto.randomUUID()}`;
  try {
    await createTopic(admin, topic, 1);
    await body({ kafka, admin, topic });
  } finally {
    await cleanup(admin, names, [topic]);
    await admin.disconnect();
  }
}
