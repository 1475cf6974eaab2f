/**
 * Runs the archiving consumer until a signal aborts it.
 *
 * @module
 */
import { ArchivePool, INLINE_CPU } from "./pool.ts";
import { ArchiveWriter } from "./writer.ts";
import { type ArchiverStats, ConsumerArchiver, RETRY_BACKOFF } from "./archiver.ts";
import type { ConsumerConfig } from "./config.ts";
import { kafkaClient } from "../kafka/mod.ts";
import { checkBucket, s3Client, S3Error, watchBucket } from "../s3/mod.ts";
import { retryRetriable } from "../util/mod.ts";

/** kafkajs fetch sizes: larger fetches bought no speed in bench/consumer_bench.ts and cost memory. */
export const FETCH_BYTES = { maxBytesPerPartition: 4 * 1024 * 1024, maxBytes: 16 * 1024 * 1024 } as const;

/** How long a shutdown waits for writes still retrying (an S3 outage) before it leaves them to the next run. */
export const SHUTDOWN_GRACE_MS = 20_000;

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
 * An S3 outage, at start or later, is waited out in-process: checks, writes
 * and commits retry with capped exponential backoff, and a watch reports the
 * outage as it starts.
 *
 * @throws {S3Error} When the bucket is missing or not writable (credentials,
 * access, region: what retrying cannot fix), or a write fails that way later
 * (nothing past the last written batch is committed, so a restart resumes there).
 * @throws {Error} When the Kafka consumer crashes.
 */
export async function runConsumer(config: ConsumerConfig, options: RunConsumerOptions): Promise<ArchiverStats> {
  const s3 = s3Client(config.s3);
  const pool = config.workers > 0 ? new ArchivePool(config.workers) : undefined;
  const cpu = pool ?? INLINE_CPU;
  const warn = options.warn ?? console.warn;
  const log = options.log ?? console.log;
  const watching = new AbortController();
  let grace: ReturnType<typeof setTimeout> | undefined;
  try {
    try {
      await retryRetriable(
        () =>
          checkBucket(s3, config.s3.bucket, {
            prefix: config.prefix,
            endpoint: config.s3.endpoint,
            signal: options.signal,
          }),
        {
          ...RETRY_BACKOFF,
          signal: options.signal,
          isRetriable: (error) => error instanceof S3Error && error.retriable,
          onRetry: (error, attempt, delayMs) =>
            warn(
              `${(error as Error).message}; waiting ${(delayMs / 1000).toFixed(1)} s for S3 before check ${
                attempt + 1
              }`,
            ),
        },
      );
    } catch (error) {
      if (options.signal.aborted) return { objects: 0, records: 0, rejected: 0, bytes: 0, storedBytes: 0 };
      throw error;
    }
    const watch = watchBucket(s3, config.s3.bucket, {
      signal: AbortSignal.any([options.signal, watching.signal]),
      endpoint: config.s3.endpoint,
      warn,
      log,
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
    const abandon = () => {
      grace = setTimeout(() => {
        archiver.abandon(
          new Error(
            `Stopped with batches still unwritten after ${
              SHUTDOWN_GRACE_MS / 1000
            } s; the next run replays them from the committed offsets`,
          ),
        );
      }, SHUTDOWN_GRACE_MS);
    };
    if (options.signal.aborted) abandon();
    else options.signal.addEventListener("abort", abandon, { once: true });
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
    watching.abort();
    await watch;
    if (archiver.fatal !== undefined) throw archiver.fatal;
    return archiver.stats;
  } finally {
    watching.abort();
    clearTimeout(grace);
    pool?.close();
    s3.destroy();
  }
}
