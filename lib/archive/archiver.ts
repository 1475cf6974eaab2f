/**
 * The archiving consumer: reads a topic with kafkajs, batches each partition's
 * records, writes each closed batch to S3 and only then commits its offsets.
 *
 * Exactly once across crashes rests on four rules:
 * 1. A batch's object name comes from its first offset (and that record's date).
 * 2. Per partition, at most one batch is written but not yet committed: the next
 *    batch is written only after the previous one's commit succeeded. So after a
 *    crash the group resumes at the start of that batch and rewrites the same key.
 * 3. A batch closed at the record or byte limit, or at a change of day, holds
 *    the same records whoever builds it from the same start: a write that a
 *    rebalance left in flight puts the same object the new owner will put.
 * 4. A failed write or commit that may pass later (an S3 outage, a broker
 *    restarting) is retried in place, with capped exponential backoff and
 *    jitter, until it succeeds or a rebalance drops the batch; any other failure
 *    stops the consumer (no more writes) so a restart resumes from the committed
 *    offset. A rebalance drops all in-memory batches and resumes from the committed offsets.
 *
 * For speed, `eachBatch` only hands the fetched records over and returns, so
 * kafkajs fetches on while, per partition and in order, the values are
 * validated (in worker threads), added to batches, and closed batches
 * compressed, written and committed. It waits only when a partition falls
 * behind (bounded memory); commits go through `consumer.commitOffsets` and are
 * skipped once a rebalance has begun.
 *
 * @module
 */
import type { Consumer, EachBatchPayload, KafkaMessage } from "kafkajs";
import { ArchiveBatch, type CloseReason } from "./batch.ts";
import { datePath } from "./key.ts";
import { quarantineLine } from "./quarantine.ts";
import { type ArchiveCpu, INLINE_CPU } from "./pool.ts";
import { archiveRecord } from "./record.ts";
import type { ScannedValues } from "./scan.ts";
import type { BatchWriter, EncodedBatch } from "./writer.ts";
import type { ConsumerConfig } from "./config.ts";
import { S3Error } from "../s3/mod.ts";
import { retryRetriable, sleep } from "../util/mod.ts";

interface PartitionState {
  batch: ArchiveBatch | undefined;
  /** Serializes adding records: fetched batches in fetch order, timers, shutdown. */
  adds: Promise<void>;
  /** Fetched batches handed over by kafkajs and not yet added. */
  backlog: number;
  /** Serializes writes and commits: closed batches in offset order. */
  writes: Promise<void>;
  /** Closed batches not yet written and committed. */
  unwritten: number;
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
  /** Receives warnings (rejected records, skipped commits, retried writes). @default console.warn */
  readonly warn?: (line: string) => void;
  /** Backoff of retried writes and commits: first wait, doubled up to the cap, with jitter. @default RETRY_BACKOFF */
  readonly retry?: { readonly delayMs: number; readonly maxDelayMs: number };
}

/** Backoff of a write or commit that may pass later: 1 s doubled up to 30 s, with jitter. */
export const RETRY_BACKOFF = Object.freeze({ delayMs: 1_000, maxDelayMs: 30_000 });
/** How often `eachBatch` heartbeats while it waits for a partition's writes (an S3 outage may last long). */
const WAIT_HEARTBEAT_MS = 3_000;

/** Fetched batches a partition may have waiting to be added before `eachBatch` waits (and kafkajs stops fetching). */
const MAX_BACKLOG = 2;
/** Closed batches a partition may have waiting to be written before adding waits. */
const MAX_UNWRITTEN = 2;

function partitionState(settled: Promise<void>): PartitionState {
  return { batch: undefined, adds: settled, backlog: 0, writes: settled, unwritten: 0, timer: undefined };
}

function isRebalanceError(error: unknown): boolean {
  const type = (error as { type?: string } | null)?.type;
  return type === "REBALANCE_IN_PROGRESS" || type === "ILLEGAL_GENERATION" || type === "NOT_COORDINATOR_FOR_GROUP" ||
    type === "UNKNOWN_MEMBER_ID";
}

/** Whether a failed S3 write may pass later: throttling, 5xx, no answer. */
function isRetriableWrite(error: unknown): boolean {
  return error instanceof S3Error && error.retriable;
}

/** Whether a failed commit may pass later: the broker unreachable or restarting; never a rebalance (replayed instead). */
function isRetriableCommit(error: unknown): boolean {
  if (isRebalanceError(error)) return false;
  const e = error as { name?: string; retriable?: boolean } | null;
  return e?.retriable === true || e?.name === "KafkaJSConnectionError" || e?.name === "KafkaJSRequestTimeoutError" ||
    e?.name === "KafkaJSNumberOfRetriesExceeded";
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
  /** Bumped on every rebalance start and join; work may go on only while it is unchanged. */
  #generation = 0;
  #rebalancing = true;
  /** A rebalance seen by a commit, handed to kafkajs by the next `eachBatch` so that it rejoins. */
  #rejoin: Error | undefined;
  #writeAbort = new AbortController();
  #closing = false;
  #fatal: Error | undefined;
  #onFatal: ((error: Error) => void) | undefined;
  #pathCache = { slot: NaN, path: "" };
  /** How long one date path lasts: an hour when the pattern has {HH}, else a day. */
  #slotMs: number;
  /** Per scan, how many hold its packed data: the step adding its records, and each batch with lines in it. */
  #scanHolders = new WeakMap<ScannedValues, number>();
  /** Per batch, the scans its lines lie in. */
  #batchScans = new WeakMap<ArchiveBatch, ScannedValues[]>();
  #cpu: ArchiveCpu;
  #log: (line: string) => void;
  #warn: (line: string) => void;
  readonly stats: ArchiverStats = { objects: 0, records: 0, rejected: 0, bytes: 0, storedBytes: 0 };

  /** Creates an archiver for one consumer. */
  constructor(options: ConsumerArchiverOptions) {
    this.#options = options;
    this.#cpu = options.cpu ?? INLINE_CPU;
    this.#log = options.log ?? console.log;
    this.#warn = options.warn ?? console.warn;
    this.#slotMs = options.config.datePattern.includes("{HH}") ? 3_600_000 : 86_400_000;
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
    consumer.on(consumer.events.REBALANCING, () => this.#dropWork(new Error("Rebalance started")));
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      const partitions = event.payload.memberAssignment[this.#options.config.topic] ?? [];
      this.#dropWork(new Error("Group joined again"));
      this.#writeAbort = new AbortController();
      this.#assigned = new Set(partitions);
      this.#rejoin = undefined;
      // Drop every in-memory batch: kafkajs resumes each partition at its committed offset.
      const old = this.#states;
      this.#states = new Map();
      for (const [partition, state] of old) {
        clearTimeout(state.timer);
        // Work still running on the old state finishes before new work starts.
        this.#states.set(partition, partitionState(Promise.all([state.adds, state.writes]).then(() => {})));
      }
      this.#rebalancing = false;
      this.#log(
        `Joined group; assigned partitions [${
          [...this.#assigned].sort((a, b) => a - b).join(",")
        }] of "${this.#options.config.topic}"`,
      );
    });
    consumer.on(consumer.events.CRASH, (event) => {
      this.#fail(new Error(`Kafka consumer crashed: ${event.payload.error.message}`, { cause: event.payload.error }));
    });
  }

  /** Stops all work of the current generation: until the next join, nothing is added, written or committed. */
  #dropWork(reason: Error): void {
    this.#generation++;
    this.#rebalancing = true;
    this.#writeAbort.abort(reason);
  }

  /** Stops all writing for good with `reason` as the fatal error (e.g. a shutdown that cannot wait for S3 any longer). */
  abandon(reason: Error): void {
    this.#fail(reason);
  }

  #fail(error: Error): void {
    if (this.#fatal !== undefined) return;
    this.#fatal = error;
    this.#writeAbort.abort(error);
    for (const state of this.#states.values()) clearTimeout(state.timer);
    this.#onFatal?.(error);
  }

  #state(partition: number): PartitionState {
    let state = this.#states.get(partition);
    if (state === undefined) {
      state = partitionState(Promise.resolve());
      this.#states.set(partition, state);
    }
    return state;
  }

  /** Whether work of `generation` on `partition` may go on. */
  #current(partition: number, state: PartitionState, generation: number): boolean {
    return this.#fatal === undefined && !this.#rebalancing && this.#generation === generation &&
      this.#assigned.has(partition) && this.#states.get(partition) === state;
  }

  /**
   * Runs `fn` after the partition's earlier adds. A failure stops the
   * archiver, unless a rebalance came first (its work is replayed anyway).
   */
  #queueAdd(state: PartitionState, generation: number, fn: () => Promise<void>): Promise<void> {
    const run = state.adds.then(fn).catch((error) => this.#onError(error, generation));
    state.adds = run;
    return run;
  }

  #onError(error: unknown, generation: number): void {
    if (this.#generation !== generation) return;
    if (isRebalanceError(error)) {
      // kafkajs has not seen it yet: hand it over at the next eachBatch, so that it rejoins.
      this.#rejoin = error as Error;
      this.#dropWork(error as Error);
      return;
    }
    this.#fail(error instanceof Error ? error : new Error(String(error)));
  }

  /**
   * kafkajs `eachBatch` handler. It hands the records over and returns, so
   * that kafkajs fetches on while they are validated, batched, written and
   * committed; it waits only when the partition has {@linkcode MAX_BACKLOG}
   * fetched batches waiting.
   *
   * @throws {Error} A rebalance error met by a commit since the last call, so that kafkajs rejoins the group.
   */
  async eachBatch(payload: EachBatchPayload): Promise<void> {
    const rejoin = this.#rejoin;
    if (rejoin !== undefined) {
      this.#rejoin = undefined;
      throw rejoin;
    }
    const { batch, heartbeat } = payload;
    if (this.#closing || this.#fatal !== undefined || this.#rebalancing) return;
    const partition = batch.partition;
    const state = this.#state(partition);
    const generation = this.#generation;
    const messages = batch.messages;
    const scanned = this.#cpu.scan(messages.map((m) => m.value));
    scanned.catch(() => {}); // a rebalance may drop it unread
    const receivedAt = Date.now();
    state.backlog++;
    const added = this.#queueAdd(state, generation, async () => {
      state.backlog--;
      if (!this.#current(partition, state, generation)) return;
      const values = await scanned;
      this.#scanHolders.set(values, 1);
      try {
        await this.#add(partition, state, generation, messages, values, receivedAt);
      } finally {
        this.#release(values);
      }
      this.#schedule(partition, state, generation);
    });
    if (state.backlog > MAX_BACKLOG) await this.#waitBeating(added, heartbeat);
  }

  /** Waits for `done`, heartbeating every {@linkcode WAIT_HEARTBEAT_MS} and at the end, so a long S3 outage keeps the group membership. */
  async #waitBeating(done: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let finished = false;
    const settled = done.then(() => finished = true);
    while (!finished) {
      const tick = new AbortController();
      await Promise.race([settled, sleep(WAIT_HEARTBEAT_MS, tick.signal)]);
      tick.abort();
      if (this.#fatal !== undefined) return;
      await heartbeat();
    }
  }

  /** Adds fetched records to the partition's batch, closing batches on the way. */
  async #add(
    partition: number,
    state: PartitionState,
    generation: number,
    messages: KafkaMessage[],
    scanned: ScannedValues,
    now: number,
  ): Promise<void> {
    const limits = this.#options.config.limits;
    let holder: ArchiveBatch | undefined;
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const record = archiveRecord(scanned, i, message.timestamp);
      if (record.ok) {
        const path = this.#datePath(record.time);
        if (state.batch !== undefined && !state.batch.accepts(path)) {
          await this.#close(partition, state, generation, "date");
        }
        state.batch ??= new ArchiveBatch(message.offset, now);
        state.batch.add(message.offset, { line: record.line, time: record.time, datePath: path }, now);
        if (holder !== state.batch) {
          holder = state.batch;
          this.#hold(holder, scanned);
        }
      } else {
        state.batch ??= new ArchiveBatch(message.offset, now);
        state.batch.addRejected(message.offset, this.#quarantineLine(partition, message, record.reason), now);
      }
      const reason = state.batch.closeReason(limits, now);
      if (reason !== undefined) await this.#close(partition, state, generation, reason);
    }
  }

  #hold(batch: ArchiveBatch, scanned: ScannedValues): void {
    const scans = this.#batchScans.get(batch) ?? [];
    scans.push(scanned);
    this.#batchScans.set(batch, scans);
    this.#scanHolders.set(scanned, (this.#scanHolders.get(scanned) ?? 0) + 1);
  }

  /** Drops a hold on `scanned`; the last one lets its buffer be reused. A dropped batch never releases: GC takes it. */
  #release(scanned: ScannedValues): void {
    const holders = (this.#scanHolders.get(scanned) ?? 1) - 1;
    this.#scanHolders.set(scanned, holders);
    if (holders === 0) this.#cpu.recycle(scanned);
  }

  /** {@linkcode datePath} for `time`, reusing the last result within the same UTC day (hour, if the pattern has one). */
  #datePath(time: number): string {
    const slot = Math.floor(time / this.#slotMs);
    if (this.#pathCache.slot !== slot) {
      this.#pathCache = { slot, path: datePath(this.#options.config.datePattern, time) };
    }
    return this.#pathCache.path;
  }

  #quarantineLine(partition: number, message: KafkaMessage, reason: string): Uint8Array {
    const topic = this.#options.config.topic;
    this.#warn(`Quarantining ${topic}/${partition}@${message.offset}: ${reason}`);
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
   * Closes the open batch: starts encoding it and queues its write and commit
   * after the partition's earlier ones. Each write starts only once the
   * previous batch is committed, so a restart resumes at the start of the one
   * object that may be written but not committed, and rewrites that key.
   * Waits while the partition has {@linkcode MAX_UNWRITTEN} batches unwritten.
   */
  async #close(partition: number, state: PartitionState, generation: number, reason: CloseReason): Promise<void> {
    const batch = state.batch;
    if (batch === undefined) return;
    state.batch = undefined;
    const encoded = this.#options.writer.encode(this.#options.config.topic, partition, batch);
    // Once encoded, the batch's lines are not read again: their scans' buffers may be reused.
    const released = () => {
      for (const scanned of this.#batchScans.get(batch) ?? []) this.#release(scanned);
    };
    encoded.then(released, released); // a rebalance may drop it unread
    state.unwritten++;
    const written = state.writes.then(async () => {
      if (!this.#current(partition, state, generation)) return;
      await this.#write(partition, generation, reason, await encoded);
    }).catch((error) => this.#onError(error, generation)).finally(() => state.unwritten--);
    state.writes = written;
    if (state.unwritten > MAX_UNWRITTEN) await written;
  }

  /** Writes an encoded batch, then commits its offsets; each step retried while its failure may pass later. */
  async #write(partition: number, generation: number, reason: CloseReason, encoded: EncodedBatch): Promise<void> {
    const signal = this.#writeAbort.signal;
    const what = `${this.#options.config.topic}/${partition}@${encoded.batch.startOffset}`;
    const written = await this.#retry(
      `the S3 write of ${what}`,
      isRetriableWrite,
      signal,
      () => this.#options.writer.put(encoded, { signal }),
    );
    const next = (BigInt(written.lastOffset) + 1n).toString();
    await this.#retry(
      `the commit of ${what} (offset ${next})`,
      isRetriableCommit,
      signal,
      () => this.#commit(partition, next, generation),
    );
    const s = this.stats;
    s.objects += (written.key ? 1 : 0) + (written.quarantineKey ? 1 : 0);
    s.records += written.records;
    s.rejected += written.rejected;
    s.bytes += written.bytes;
    s.storedBytes += written.storedBytes;
    const bucket = this.#options.config.s3.bucket;
    if (written.key !== undefined) {
      this.#log(
        `Archived s3://${bucket}/${written.key} records=${written.records} bytes=${written.bytes} stored=${written.storedBytes} offsets=${written.firstOffset}-${written.lastOffset} reason=${reason}`,
      );
    }
    if (written.quarantineKey !== undefined) {
      this.#log(
        `Quarantined s3://${bucket}/${written.quarantineKey} records=${written.rejected} offsets=${written.firstOffset}-${written.lastOffset}`,
      );
    }
  }

  /** Runs `step` until it succeeds, fails for good, or `signal` aborts (a rebalance or a fatal error); logs each wait. */
  async #retry<T>(
    what: string,
    isRetriable: (e: unknown) => boolean,
    signal: AbortSignal,
    step: () => Promise<T>,
  ): Promise<T> {
    const started = Date.now();
    let retries = 0;
    const result = await retryRetriable(step, {
      ...(this.#options.retry ?? RETRY_BACKOFF),
      isRetriable,
      signal,
      onRetry: (error, attempt, delayMs) => {
        retries = attempt;
        this.#warn(
          `${what} failed (${(error as Error).message}); waiting ${
            (delayMs / 1000).toFixed(1)
          } s before retry ${attempt}, offsets stay uncommitted until it succeeds`,
        );
      },
    });
    if (retries > 0) {
      this.#log(`${what} succeeded after ${retries} retries, ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
    return result;
  }

  async #commit(partition: number, offset: string, generation: number): Promise<void> {
    if (this.#generation !== generation || this.#rebalancing || !this.#assigned.has(partition)) {
      throw new Error(`Partition ${partition} was reassigned before offset ${offset} was committed`);
    }
    await this.#consumer!.commitOffsets([{ topic: this.#options.config.topic, partition, offset }]);
  }

  /** Sets a timer for the open batch's age and idle limits. */
  #schedule(partition: number, state: PartitionState, generation: number): void {
    clearTimeout(state.timer);
    state.timer = undefined;
    if (state.batch === undefined || this.#closing || this.#fatal !== undefined) return;
    const delay = state.batch.msUntilDue(this.#options.config.limits, Date.now()) + 5;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      void this.#queueAdd(state, generation, async () => {
        if (!this.#current(partition, state, generation)) return;
        const reason = state.batch?.closeReason(this.#options.config.limits, Date.now());
        if (reason !== undefined) await this.#close(partition, state, generation, reason);
        this.#schedule(partition, state, generation);
      });
    }, delay);
  }

  /** Resolves once every batch handed over so far is added, and every closed batch written and committed (or dropped). */
  async settled(): Promise<void> {
    for (;;) {
      const chains = [...this.#states.values()].flatMap((state) => [state.adds, state.writes]);
      await Promise.all(chains);
      const now = [...this.#states.values()].flatMap((state) => [state.adds, state.writes]);
      if (now.length === chains.length && now.every((chain, i) => chain === chains[i])) return;
    }
  }

  /**
   * Stops taking records, writes and commits every open batch, and returns.
   * Call before `consumer.disconnect()` (kafkajs ignores commits after it).
   */
  async shutdown(): Promise<void> {
    if (this.#closing) return;
    this.#closing = true;
    this.#consumer?.pause([{ topic: this.#options.config.topic }]);
    const generation = this.#generation;
    for (const [partition, state] of this.#states) {
      clearTimeout(state.timer);
      state.timer = undefined;
      void this.#queueAdd(state, generation, async () => {
        if (!this.#current(partition, state, generation)) return;
        await this.#close(partition, state, generation, "shutdown");
      });
    }
    await this.settled();
    if (this.#fatal !== undefined) {
      this.#warn(
        `Could not write every batch at shutdown: ${this.#fatal.message}; the rest will be replayed on restart`,
      );
    }
  }
}
