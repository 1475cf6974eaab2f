/**
 * Helpers for producer tests that talk to the local Kafka broker: wait for it,
 * give each test its own topic, read a topic back.
 *
 * @module
 */
import type { IHeaders } from "kafkajs";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import type { ProducerConfig } from "../../lib/producer/config.ts";
import type { ProducerLogger } from "../../lib/producer/runner.ts";
import { requireStack } from "../_stack_guard.ts";

/** Fails fast, saying to run "task up", unless Kafka answers on 127.0.0.1:29092. */
export function waitForKafka(): Promise<void> {
  return requireStack(["kafka"]);
}

/** A config for tests: simulated source, 1 partition, fast polls; override what you need. */
export function testConfig(topic: string, overrides: Partial<ProducerConfig> = {}): ProducerConfig {
  return {
    source: "simulated",
    topic,
    partitions: 3,
    replicationFactor: 1,
    symbols: ["AAPL", "TSLA", "MSFT"],
    pollIntervalMs: 10,
    skipUnchanged: true,
    batchSize: 1000,
    publishTimeoutMs: 120_000,
    stockdata: {
      token: undefined,
      baseUrl: "http://127.0.0.1:1",
      symbolsPerRequest: 3,
      dailyBudget: 1_000_000,
      timeoutMs: 300,
      maxRetries: 3,
    },
    replay: { file: "samples/quotes.jsonl", pace: "fast" },
    simulated: { seed: 1, alwaysOpen: true },
    kafka: kafkaSettings(`test-producer-${crypto.randomUUID()}`),
    ...overrides,
  };
}

/** A logger that keeps every line, for assertions. */
export function memoryLogger(): ProducerLogger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`INFO ${m}`),
    warn: (m) => lines.push(`WARN ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
}

/** A message read back from a topic. */
export interface ReadMessage {
  partition: number;
  offset: number;
  key: string;
  value: string;
  headers: Record<string, string>;
  timestamp: string;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = String(v);
  return out;
}

/** Runs `fn` with a fresh topic name `test-<uuid>` and deletes the topic after. */
export async function withTopic(fn: (topic: string) => Promise<void>): Promise<void> {
  const topic = `test-${crypto.randomUUID()}`;
  try {
    await fn(topic);
  } finally {
    const admin = kafkaClient(kafkaSettings("test-cleanup")).admin();
    await admin.connect();
    try {
      if ((await admin.listTopics()).includes(topic)) await admin.deleteTopics({ topics: [topic] });
    } finally {
      await admin.disconnect();
    }
  }
}

/**
 * Reads every message in `topic` (up to its current end offsets), sorted by
 * partition and offset.
 */
export async function readTopic(topic: string): Promise<ReadMessage[]> {
  const kafka = kafkaClient(kafkaSettings("test-reader"));
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect());
  const expected = offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const messages: ReadMessage[] = [];
  if (expected === 0) return messages;
  const consumer = kafka.consumer({ groupId: `test-${crypto.randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const { promise, resolve, reject } = Promise.withResolvers<void>();
    const timer = setTimeout(
      () => reject(new Error(`Read ${messages.length} of ${expected} messages from "${topic}" in 60 s`)),
      60_000,
    );
    await consumer.run({
      eachMessage: ({ partition, message }) => {
        messages.push({
          partition,
          offset: Number(message.offset),
          key: message.key?.toString() ?? "",
          value: message.value?.toString() ?? "",
          headers: headerText(message.headers),
          timestamp: message.timestamp,
        });
        if (messages.length >= expected) resolve();
        return Promise.resolve();
      },
    });
    await promise.finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return messages.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
}
