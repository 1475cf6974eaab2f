/**
 * Follows a Kafka topic from a point in time, without committing anything:
 * a fresh consumer group per attempt, seeks to where the last attempt
 * stopped (so no record is seen twice), and starts over by itself after a
 * Kafka outage or a missing topic.
 *
 * @module
 */
import type { Consumer, Kafka } from "kafkajs";
import { sleep } from "../../lib/util/mod.ts";

/** One record as the tail hands it on. */
export interface TailRecord {
  readonly partition: number;
  readonly offset: bigint;
  /** Kafka timestamp, epoch ms. */
  readonly timestamp: number;
  readonly key: Uint8Array | null;
  readonly value: Uint8Array | null;
}

/** Whether the tail reads, and why not. */
export interface TailState {
  readonly ok: boolean;
  readonly message: string;
}

/** How a tail starts and what it calls. */
export interface TopicTailOptions {
  /** Epoch ms of the oldest record to read on the first attempt. */
  readonly fromTime: () => number;
  readonly onRecord: (record: TailRecord) => void;
  readonly onState?: (state: TailState) => void;
  /** Delay before another attempt. @default 3000 */
  readonly retryMs?: number;
}

/** Follows one topic until {@linkcode TopicTail.stop}. */
export class TopicTail {
  #kafka: Kafka;
  #topic: string;
  #options: TopicTailOptions;
  #next = new Map<number, bigint>();
  #stop = new AbortController();
  #done: Promise<void> | undefined;
  #state: TailState = { ok: false, message: "connecting to Kafka" };

  /** Follows `topic` through `kafka`. */
  constructor(kafka: Kafka, topic: string, options: TopicTailOptions) {
    this.#kafka = kafka;
    this.#topic = topic;
    this.#options = options;
  }

  /** The last state reported. */
  get state(): TailState {
    return this.#state;
  }

  /** Starts following in the background. */
  start(): void {
    this.#done ??= this.#loop();
  }

  /** Stops and disconnects. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#done;
  }

  #report(state: TailState): void {
    if (state.ok === this.#state.ok && state.message === this.#state.message) return;
    this.#state = state;
    this.#options.onState?.(state);
  }

  async #loop(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      let consumer: Consumer | undefined;
      try {
        const starts = await this.#startOffsets();
        consumer = this.#kafka.consumer({
          groupId: `tickpipe-console-${crypto.randomUUID()}`,
          maxWaitTimeInMs: 250,
          retry: { retries: 3, restartOnFailure: () => Promise.resolve(false) },
        });
        const stopped = new Promise<string>((resolve) => {
          consumer!.on(consumer!.events.CRASH, (event) => resolve(String(event.payload.error?.message ?? "crashed")));
          consumer!.on(consumer!.events.STOP, () => resolve("stopped"));
          signal.addEventListener("abort", () => resolve("stopped"), { once: true });
        });
        await consumer.connect();
        await consumer.subscribe({ topic: this.#topic, fromBeginning: false });
        await consumer.run({
          autoCommit: false,
          eachMessage: ({ partition, message }) => {
            const offset = BigInt(message.offset);
            if (offset < (this.#next.get(partition) ?? 0n)) return Promise.resolve();
            this.#next.set(partition, offset + 1n);
            this.#options.onRecord({
              partition,
              offset,
              timestamp: Number(message.timestamp),
              key: message.key,
              value: message.value,
            });
            return Promise.resolve();
          },
        });
        for (const [partition, offset] of starts) {
          consumer.seek({ topic: this.#topic, partition, offset: String(offset) });
        }
        this.#report({ ok: true, message: `reading ${this.#topic}` });
        const why = await stopped;
        if (!signal.aborted) this.#report({ ok: false, message: `Kafka: ${why}` });
      } catch (error) {
        this.#report({ ok: false, message: `Kafka: ${(error as Error).message}` });
      } finally {
        await consumer?.disconnect().catch(() => {});
      }
      if (!signal.aborted) await sleep(this.#options.retryMs ?? 3000);
    }
  }

  /** Where each partition starts: after the last record seen, else at the first record from `fromTime`. */
  async #startOffsets(): Promise<Map<number, bigint>> {
    const admin = this.#kafka.admin({ retry: { retries: 2 } });
    await admin.connect();
    try {
      const topics = await admin.listTopics();
      if (!topics.includes(this.#topic)) throw new Error(`topic "${this.#topic}" does not exist (yet)`);
      const byTime = await admin.fetchTopicOffsetsByTimestamp(this.#topic, this.#options.fromTime());
      const starts = new Map<number, bigint>();
      for (const p of byTime) {
        starts.set(p.partition, this.#next.get(p.partition) ?? BigInt(p.offset));
      }
      return starts;
    } finally {
      await admin.disconnect();
    }
  }
}
