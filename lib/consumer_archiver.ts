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
 * For speed, CPU work overlaps with kafkajs' next fetch, and only CPU work:
 * a fetched batch's values are validated (in worker threads) and a closed
 * batch is compressed while kafkajs fetches; the records are added, and the
 * closed batch written and committed, when the partition's next fetched batch
 * arrives or on a short drain timer. So S3 writes and commits still happen
 * inside kafkajs' `eachBatch` (which a rebalance waits for) or on the timers
 * that already guard against rebalances; a rebalance drops the in-memory work.
 *
 * @module
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from "kafkajs";
import { ArchiveBatch, type CloseReason } from "./archive_batch.ts";
import { datePath } from "./archive_key.ts";
import { quarantineLine } from "./archive_quarantine.ts";
import { type ArchiveCpu, INLINE_CPU } from "./archive_pool.ts";
import { archiveRecord } from "./archive_record.ts";
import type { ScannedValues } from "./archive_scan.ts";
import type { BatchWriter, EncodedBatch } from "./archive_writer.ts";
import type { ConsumerConfig } from "./consumer_config.ts";

/** A fetched batch whose values are being validated. */
interface PendingMessages {
  readonly messages: KafkaMessage[];
  readonly scanned: Promise<ScannedValues>;
  /** Wall-clock time (ms) the batch was fetched: its records' arrival for age and idle limits. */
  readonly receivedAt: number;
}

interface PartitionState {
  batch: ArchiveBatch | undefined;
  /** The last fetched batch, not yet added to `batch`. */
  pending: PendingMessages | undefined;
  /** A batch closed before `batch`, encoding or encoded but not yet written. */
  closed: { reason: CloseReason; encoded: Promise<EncodedBatch> } | undefined;
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
  /** Where values are validated (JSON-parsed). @default INLINE_CPU (this thread) */
  readonly cpu?: ArchiveCpu;
  /** Receives a line per object written. @default console.log */
  readonly log?: (line: string) => void;
  /** Receives warnings (rejected records, skipped commits). @default console.warn */
  readonly warn?: (line: string) => void;
}

/** How long pending records or a closed batch wait for the partition's next fetch before a timer handles them. */
const DRAIN_MS = 200;

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
  #pathCache = { slot: NaN, path: "" };
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
        this.#states.set(partition, {
          batch: undefined,
          pending: undefined,
          closed: undefined,
          lock: state.lock,
          timer: undefined,
        });
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
      state = { batch: undefined, pending: undefined, closed: undefined, lock: Promise.resolve(), timer: undefined };
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
    const next = this.#scan(batch.messages);
    try {
      await this.#withLock(state, async () => {
        if (this.#closing || this.#fatal !== undefined) return;
        await this.#writeClosed(state, commit);
        await this.#addPending(partition, state, commit);
        if (this.#fatal !== undefined) return;
        state.pending = next;
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

  /** Starts validating `messages`; a rejection is seen by whoever adds them. */
  #scan(messages: KafkaMessage[]): PendingMessages {
    const scanned = (this.#options.cpu ?? INLINE_CPU).scan(messages.map((m) => m.value));
    scanned.catch(() => {}); // a rebalance may drop it unread
    return { messages, scanned, receivedAt: Date.now() };
  }

  /** Adds the partition's pending fetched batch, writing batches that close on the way. */
  async #addPending(
    partition: number,
    state: PartitionState,
    commit: (offset: string) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const pending = state.pending;
    if (pending === undefined) return;
    state.pending = undefined;
    const scanned = await pending.scanned;
    const { messages, receivedAt: now } = pending;
    const limits = this.#options.config.limits;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const record = archiveRecord(scanned, i, message.timestamp);
      if (record.ok) {
        const path = this.#datePath(record.time);
        if (state.batch !== undefined && !state.batch.accepts(path)) {
          await this.#close(partition, state, "date", commit, signal);
        }
        state.batch ??= new ArchiveBatch(message.offset, now);
        state.batch.add(message.offset, { line: record.line, time: record.time, datePath: path }, now);
      } else {
        state.batch ??= new ArchiveBatch(message.offset, now);
        state.batch.addRejected(message.offset, this.#quarantineLine(partition, message, record.reason), now);
      }
      const reason = state.batch.closeReason(limits, now);
      if (reason !== undefined) await this.#close(partition, state, reason, commit, signal);
    }
  }

  /** {@linkcode datePath} for `time`, reusing the last result within the same UTC day (hour, if the pattern has one). */
  #datePath(time: number): string {
    const pattern = this.#options.config.datePattern;
    const slot = Math.floor(time / (pattern.includes("{HH}") ? 3_600_000 : 86_400_000));
    if (this.#pathCache.slot !== slot) this.#pathCache = { slot, path: datePath(pattern, time) };
    return this.#pathCache.path;
  }

  #quarantineLine(partition: number, message: KafkaMessage, reason: string): Uint8Array {
    const topic = this.#options.config.topic;
    (this.#options.warn ?? console.warn)(`Quarantining ${topic}/${partition}@${message.offset}: ${reason}`);
    return quarantineLine({
      topic,
      partition,
      offset: message.offset,
      timestamp: message.timestamp,
      key: message.key ?? null,
      value: message.value,
    }, reason);
  }

  /**
   * Closes the open batch and starts encoding it. The encoding overlaps with
   * kafkajs' next fetch; {@linkcode ConsumerArchiver.#writeClosed} writes it.
   * A batch closed earlier is written (and committed) first, so a partition has
   * at most one closed batch waiting and its objects are written in offset order.
   */
  async #close(
    partition: number,
    state: PartitionState,
    reason: CloseReason,
    commit: (offset: string) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const batch = state.batch;
    if (batch === undefined) return;
    await this.#writeClosed(state, commit, signal);
    state.batch = undefined;
    const encoded = this.#options.writer.encode(this.#options.config.topic, partition, batch);
    encoded.catch(() => {}); // a rebalance may drop it unread
    state.closed = { reason, encoded };
  }

  /** Writes the partition's closed batch, if any, then commits its offsets. */
  async #writeClosed(
    state: PartitionState,
    commit: (offset: string) => Promise<void>,
    signal?: AbortSignal,
  ): Promise<void> {
    const closed = state.closed;
    if (closed === undefined) return;
    const written = await this.#options.writer.put(await closed.encoded, signal ? { signal } : {});
    await commit((BigInt(written.lastOffset) + 1n).toString());
    state.closed = undefined;
    const s = this.stats;
    s.objects += (written.key ? 1 : 0) + (written.quarantineKey ? 1 : 0);
    s.records += written.records;
    s.rejected += written.rejected;
    s.bytes += written.bytes;
    s.storedBytes += written.storedBytes;
    const log = this.#options.log ?? console.log;
    const bucket = this.#options.config.s3.bucket;
    if (written.key !== undefined) {
      log(
        `Archived s3://${bucket}/${written.key} records=${written.records} bytes=${written.bytes} stored=${written.storedBytes} offsets=${written.firstOffset}-${written.lastOffset} reason=${closed.reason}`,
      );
    }
    if (written.quarantineKey !== undefined) {
      log(
        `Quarantined s3://${bucket}/${written.quarantineKey} records=${written.rejected} offsets=${written.firstOffset}-${written.lastOffset}`,
      );
    }
  }

  #schedule(partition: number, state: PartitionState): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    const waiting = state.pending !== undefined || state.closed !== undefined;
    if ((state.batch === undefined && !waiting) || this.#closing || this.#fatal !== undefined) return;
    const due = state.batch === undefined ? Infinity : state.batch.msUntilDue(this.#options.config.limits, Date.now());
    const delay = Math.min(due, waiting ? DRAIN_MS : Infinity) + 5;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#onTimer(partition, state);
    }, delay);
  }

  /**
   * Adds a pending fetched batch that no next fetch picked up, and closes a
   * batch on age or idleness; runs outside kafkajs' loop, so it guards against rebalances.
   */
  async #onTimer(partition: number, state: PartitionState): Promise<void> {
    const generation = this.#generation;
    if (!this.#mayFlushOutsideLoop(partition, state, generation)) return;
    const signal = this.#flushAbort.signal;
    try {
      await this.#withLock(state, async () => {
        if (!this.#mayFlushOutsideLoop(partition, state, generation)) return;
        const commit = (offset: string) => this.#commitOutsideLoop(partition, offset, generation);
        await this.#addPending(partition, state, commit, signal);
        const reason = state.batch?.closeReason(this.#options.config.limits, Date.now());
        if (reason !== undefined) await this.#close(partition, state, reason, commit, signal);
        await this.#writeClosed(state, commit, signal);
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
        if (this.#fatal !== undefined) return;
        if (this.#rebalancing || this.#generation !== generation || !this.#assigned.has(partition)) return;
        const commit = (offset: string) => this.#commitOutsideLoop(partition, offset, generation);
        const signal = this.#flushAbort.signal;
        await this.#addPending(partition, state, commit, signal);
        await this.#close(partition, state, "shutdown", commit, signal);
        await this.#writeClosed(state, commit, signal);
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
