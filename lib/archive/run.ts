/**
 * Runs the archiving consumer until a signal aborts it.
 *
 * @module
 */
import { ArchivePool, INLINE_CPU } from "./pool.ts";
import { ArchiveWriter } from "./writer.ts";
import { type ArchiverStats, ConsumerArchiver } from "./archiver.ts";
import type { ConsumerConfig } from "./config.ts";
import { kafkaClient } from "../kafka/mod.ts";
import { checkBucket, s3Client } from "../s3/mod.ts";

/** kafkajs fetch sizes: larger fetches bought no speed in bench/consumer_bench.ts and cost memory. */
export const FETCH_BYTES = { maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 } as const;

/** Options of {@linkcode runConsumer}. */
export interface RunConsumerOptions {
  /** Aborting it flushes open batches, commits and disconnects. */
  readonly signal: AbortSignal;
  /** Line per object written. @default console.log */
  readonly log?: (line: string) => void;
  /** Warnings. @default console.warn */
  readonly warn?: (line: string) => void;
  /** Called once the consumer has joined the group and runs. */
  readonly onRunning?: () => void;
}

/**
 * Checks the bucket, then consumes `config.topic` and archives it to S3 until
 * `options.signal` aborts; then writes and commits open batches and returns.
 *
 * @throws {S3Error} At start when the bucket is missing or not writable, or
 * later when a write fails after retries (nothing past the last written batch
 * is committed, so a restart resumes there).
 * @throws {Error} When the Kafka consumer crashes.
 */
export async function runConsumer(config: ConsumerConfig, options: RunConsumerOptions): Promise<ArchiverStats> {
  const s3 = s3Client(config.s3);
  const pool = config.workers > 0 ? new ArchivePool(config.workers) : undefined;
  const cpu = pool ?? INLINE_CPU;
  try {
    await checkBucket(s3, config.s3.bucket, {
      prefix: config.prefix,
      endpoint: config.s3.endpoint,
      signal: options.signal,
    });
    const writer = new ArchiveWriter(s3, {
      bucket: config.s3.bucket,
      prefix: config.prefix,
      datePattern: config.datePattern,
      quarantinePrefix: config.quarantinePrefix,
      gzipLevel: config.gzipLevel,
      gzip: (data, level) => cpu.gzip(data, level),
      alloc: (size) => cpu.alloc(size),
      endpoint: config.s3.endpoint,
    });
    const archiver = new ConsumerArchiver({
      config,
      writer,
      cpu,
      ...(options.log ? { log: options.log } : {}),
      ...(options.warn ? { warn: options.warn } : {}),
    });
    const sessionTimeout = config.sessionTimeoutMs;
    const consumer = kafkaClient(config.kafka).consumer({
      groupId: config.groupId,
      sessionTimeout,
      rebalanceTimeout: Math.min(60_000, sessionTimeout * 2),
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 6)),
      ...FETCH_BYTES,
      retry: { retries: 8, initialRetryTime: 200, restartOnFailure: () => Promise.resolve(false) },
    });
    const stopped = new Promise<void>((resolve) => {
      if (options.signal.aborted) resolve();
      options.signal.addEventListener("abort", () => resolve(), { once: true });
      archiver.attach(consumer, () => resolve());
    });
    if (options.onRunning) {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        options.onRunning?.();
      });
    }
    await consumer.connect();
    try {
      await consumer.subscribe({ topic: config.topic, fromBeginning: config.fromBeginning });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: true,
        partitionsConsumedConcurrently: 8,
        eachBatch: (payload) => archiver.eachBatch(payload),
      });
      await stopped;
      if (archiver.fatal === undefined) await archiver.shutdown();
    } finally {
      await consumer.disconnect();
    }
    if (archiver.fatal !== undefined) throw archiver.fatal;
    return archiver.stats;
  } finally {
    pool?.close();
    s3.destroy();
  }
}
