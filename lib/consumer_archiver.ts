/**
 * The archiving consumer: reads a topic with kafkajs, batches each partition's
 * records, writes each closed batch to S3 and only then commits its offsets.
 *
 * Exactly once across crashes rests on three rules:
 * 1. A batch's object name comes from its first offset (and that record's date).
 * 2. Per partition, at most one batch is written but not yet committed: the next
 *    batch is written only after the previous one's commit succeeded. So after a
 *    crash the group resumes at the start of that batch and rewrites the same key.
 * 3. Any failure in writing or committing that is not a rebalance stops the
 *    consumer (no more writes) so a restart resumes from the committed offset;
 *    a rebalance drops all in-memory batches and resumes from the committed offsets.
 *
 * @module
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from "kafkajs";
import { ArchiveBatch, type CloseReason } from "./archive_batch.ts";
import { datePath } from "./archive_key.ts";
import { quarantineLine } from "./archive_quarantine.ts";
import { parseArchiveRecord } from "./archive_record.ts";
import type { BatchWriter, WrittenBatch } from "./archive_writer.ts";
import type { ConsumerConfig } from "./consumer_config.ts";

interface PartitionState {
  batch: ArchiveBatch | undefined;
  /** Serializes work on the partition: batches from kafkajs, timers, shutdown. */
  lock: Promise<void>;
  timer: ReturnType<typeof setTimeout> | undefined;
}

/** Counters for logs and benchmarks. */
export interface ArchiverStats {
  objects: number;
  records: number;
  rejected: number;
  bytes: number;
  storedBytes: number;
}

/** Settings of a {@linkcode ConsumerArchiver}. */
export interface ConsumerArchiverOptions {
  readonly config: Pick<ConsumerConfig, "topic" | "datePattern" | "limits" | "s3">;
  readonly writer: BatchWriter;
  /** Receives a line per object written. @default console.log */
  readonly log?: (line: string) => void;
  /** Receives warnings (rejected records, skipped commits). @default console.warn */
  readonly warn?: (line: string) => void;
}

function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  return type === "REBALANCE_IN_PROGRESS" || type === "ILLEGAL_GENERATION" || type === "NOT_COORDINATOR_FOR_GROUP" ||
    type === "UNKNOWN_MEMBER_ID";
}

/**
 * Glue between kafkajs and S3 for one consumer. Attach it to a consumer with
 * {@linkcode ConsumerArchiver.attach}, run the consumer with
 * `eachBatch: (p) => archiver.eachBatch(p)`, `autoCommit: false`, and call
 * {@linkcode ConsumerArchiver.shutdown} before disconnecting.
 */
export class ConsumerArchiver {
  #options: ConsumerArchiverOptions;
  #consumer: Consumer | undefined;
  #states = new Map<number, PartitionState>();
  #assigned = new Set<number>();
  /** Bumped on every rebalance start and join; a timer flush must see it unchanged. */
  #generation = 0;
  #rebalancing = true;
  #flushAbort = new AbortController();
  #closing = false;
  #fatal: Error | undefined;
  #onFatal: ((error: Error) => void) | undefined;
  readonly stats: ArchiverStats = { objects: 0, records: 0, rejected: 0, bytes: 0, storedBytes: 0 };

  /** Creates an archiver for one consumer. */
  constructor(options: ConsumerArchiverOptions) {
    this.#options = options;
  }

  /** The error that stopped archiving, if any. */
  get fatal(): Error | undefined {
    return this.#fatal;
  }

  /**
   * Subscribes to the consumer's group events: a rebalance drops in-memory
   * batches; a crash is fatal.
   *
   * @param onFatal Called once when archiving must stop (the caller exits non-zero).
   */
  attach(consumer: Consumer, onFatal: (error: Error) => void): void {
    this.#consumer = consumer;
    this.#onFatal = onFatal;
    consumer.on(consumer.events.REBALANCING, () => {
      this.#generation++;
      this.#rebalancing = true;
      this.#flushAbort.abort(new Error("Rebalance started"));
    });
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[this.#options.config.topic] ?? [];
      this.#generation++;
      this.#flushAbort.abort(new Error("Group joined again"));
      this.#flushAbort = new AbortController();
      this.#assigned = new Set(partitions);
      // Drop every in-memory batch: kafkajs resumes each partition at its committed offset.
      const old = this.#states;
      this.#states = new Map();
      for (const [partition, state] of old) {
        clearTimeout(state.timer);
        // Work still running on the old state finishes before new work starts.
        this.#states.set(partition, { batch: undefined, lock: state.lock, timer: undefined });
      }
      this.#rebalancing = false;
      (this.#options.log ?? console.log)(
        `Joined group; assigned partitions [${
          [...this.#assigned].sort((a, b) => a - b).join(",")
        }] of "${this.#options.config.topic}"`,
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.#fail(new Error(`Kafka consumer crashed: ${event.payload.error.message}`, { cause: event.payload.error }));
    });
  }

  #fail(error: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    this.#flushAbort.abort(error);
    for (const state of this.#states.values()) clearTimeout(state.timer);
    this.#onFatal?.(error);
  }

  #state(partition: number): PartitionState {
    let state = this.#states.get(partition);
    if (state === undefined) {
      state = { batch: undefined, lock: Promise.resolve(), timer: undefined };
      this.#states.set(partition, state);
    }
    return state;
  }

  #withLock<T>(state: PartitionState, fn: () => Promise<T>): Promise<T> {
    const run = state.lock.then(fn);
    state.lock = run.then(() => {}, () => {});
    return run;
  }

  /** kafkajs `eachBatch` handler. */
  async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, heartbeat, commitOffsetsIfNecessary } = payload;
    if (this.#closing || this.#fatal !== undefined) return;
    const topic = batch.topic;
    const partition = batch.partition;
    const state = this.#state(partition);
    const commit = (offset: string) =>
      commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset }] }] });
    try {
      await this.#withLock(state, async () => {
        if (this.#closing || this.#fatal !== undefined) return;
        for (const message of batch.messages) {
          await this.#add(partition, state, message, commit);
          if (this.#fatal !== undefined) return;
        }
        this.#schedule(partition, state);
      });
      if (this.#fatal === undefined) await heartbeat();
    } catch (error) {
      if (isRebalanceError(error)) {
        // kafkajs rejoins and GROUP_JOIN drops the batches; until then no timer may flush.
        this.#generation++;
        this.#rebalancing = true;
        throw error;
      }
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  async #add(
    partition: number,
    state: PartitionState,
    message: KafkaMessage,
    commit: (offset: string) => Promise<void>,
  ): Promise<void> {
    const { topic, datePattern, limits } = this.#options.config;
    const now = Date.now();
    const record = parseArchiveRecord(message.value, message.timestamp);
    if (!record.ok) {
      (this.#options.warn ?? console.warn)(
        `Quarantining ${topic}/${partition}@${message.offset}: ${record.reason}`,
      );
      state.batch ??= new ArchiveBatch(message.offset, now);
      state.batch.addRejected(
        message.offset,
        quarantineLine({
          topic,
          partition,
          offset: message.offset,
          timestamp: message.timestamp,
          key: message.key ?? null,
          value: message.value,
        }, record.reason),
        now,
      );
    } else {
      const path = datePath(datePattern, record.time);
      if (state.batch !== undefined && !state.batch.accepts(path)) {
        await this.#flush(partition, state, "date", commit);
      }
      state.batch ??= new ArchiveBatch(message.offset, now);
      state.batch.add(message.offset, { line: record.line, time: record.time, datePath: path }, now);
    }
    const reason = state.batch.closeReason(limits, now);
    if (reason !== undefined) await this.#flush(partition, state, reason, commit);
  }

  async #flush(
    partition: number,
    state: PartitionState,
    reason: CloseReason,
    commit: (offset: string) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<WrittenBatch | undefined> {
    const batch = state.batch;
    if (batch === undefined) return undefined;
    const { topic, s3 } = this.#options.config;
    const written = await this.#options.writer.write(topic, partition, batch, signal ? { signal } : {});
    await commit((BigInt(batch.lastOffset) + 1n).toString());
    state.batch = undefined;
    const s = this.stats;
    s.objects += (written.key ? 1 : 0) + (written.quarantineKey ? 1 : 0);
    s.records += written.records;
    s.rejected += written.rejected;
    s.bytes += written.bytes;
    s.storedBytes += written.storedBytes;
    const log = this.#options.log ?? console.log;
    if (written.key !== undefined) {
      log(
        `Archived s3://${s3.bucket}/${written.key} records=${written.records} bytes=${written.bytes} stored=${written.storedBytes} offsets=${written.firstOffset}-${written.lastOffset} reason=${reason}`,
      );
    }
    if (written.quarantineKey !== undefined) {
      log(
        `Quarantined s3://${s3.bucket}/${written.quarantineKey} records=${written.rejected} offsets=${written.firstOffset}-${written.lastOffset}`,
      );
    }
    return written;
  }

  #schedule(partition: number, state: PartitionState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.batch === undefined || this.#closing || this.#fatal !== undefined) return;
    const delay = state.batch.msUntilDue(this.#options.config.limits, Date.now()) + 5;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#onTimer(partition, state);
    }, delay);
  }

  /** Closes a batch on age or idleness; runs outside kafkajs' loop, so it guards against rebalances. */
  async #onTimer(partition: number, state: PartitionState): Promise<void> {
    const generation = this.#generation;
    if (!this.#mayFlushOutsideLoop(partition, state, generation)) return;
    const signal = this.#flushAbort.signal;
    try {
      await this.#withLock(state, async () => {
        if (!this.#mayFlushOutsideLoop(partition, state, generation) || state.batch === undefined) return;
        const reason = state.batch.closeReason(this.#options.config.limits, Date.now());
        if (reason === undefined) return this.#schedule(partition, state);
        await this.#flush(
          partition,
          state,
          reason,
          (offset) => this.#commitOutsideLoop(partition, offset, generation),
          signal,
        );
        this.#schedule(partition, state);
      });
    } catch (error) {
      if (this.#generation !== generation) return; // a rebalance aborted the write; the batch is replayed
      this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  #mayFlushOutsideLoop(partition: number, state: PartitionState, generation: number): boolean {
    return this.#fatal === undefined && !this.#rebalancing && this.#generation === generation &&
      this.#assigned.has(partition) && this.#states.get(partition) === state;
  }

  async #commitOutsideLoop(partition: number, offset: string, generation: number): Promise<void> {
    if (this.#generation !== generation || this.#rebalancing || !this.#assigned.has(partition)) {
      throw new Error(`Partition ${partition} was reassigned before offset ${offset} was committed`);
    }
    await this.#consumer!.commitOffsets([{ topic: this.#options.config.topic, partition, offset }]);
  }

  /**
   * Stops taking records, writes and commits every open batch, and returns.
   * Call before `consumer.disconnect()` (kafkajs ignores commits after it).
   */
  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    const consumer = this.#consumer;
    consumer?.pause([{ topic: this.#options.config.topic }]);
    const generation = this.#generation;
    const work: Promise<unknown>[] = [];
    for (const [partition, state] of this.#states) {
      clearTimeout(state.timer);
      state.timer = undefined;
      work.push(this.#withLock(state, async () => {
        if (this.#fatal !== undefined || state.batch === undefined) return;
        if (this.#rebalancing || this.#generation !== generation || !this.#assigned.has(partition)) return;
        await this.#flush(
          partition,
          state,
          "shutdown",
          (offset) => this.#commitOutsideLoop(partition, offset, generation),
          this.#flushAbort.signal,
        );
      }));
    }
    const results = await Promise.allSettled(work);
    for (const result of results) {
      if (result.status === "rejected") {
        (this.#options.warn ?? console.warn)(
          `Could not write a batch at shutdown: ${(result.reason as Error).message}; it will be replayed on restart`,
        );
      }
    }
  }
}
