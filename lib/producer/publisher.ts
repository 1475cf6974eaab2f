/**
 * Publishes messages through a kafkajs idempotent producer in order, batching
 * whatever queued while the previous request was in flight, and resending a
 * failed batch unchanged (same sequence numbers, so the broker drops what it
 * already has) until it is acknowledged or the publish timeout passes.
 *
 * @module
 */
import type { Message, Producer } from "kafkajs";
import { sleep } from "../util/mod.ts";

/** Options of {@linkcode QuotePublisher}. */
export interface QuotePublisherOptions {
  /** Most messages per produce request. @default 1000 */
  batchSize?: number;
  /**
   * Most key + value bytes per produce request; keeps every record batch under
   * the broker's `message.max.bytes` (1 MiB by default), which kafkajs would
   * otherwise retry for ever. @default 524288
   */
  maxBatchBytes?: number;
  /** How long one batch may keep failing before its messages are given up, ms. @default 120000 */
  publishTimeoutMs?: number;
  /** Called before each resend of a failed batch. */
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * Called once per produce request (and for a message refused as too big)
   * with its messages: `error` is `undefined` when the broker acknowledged
   * them (acks=-1), else the {@linkcode PublishError} they were given up with.
   */
  onSettled?: (messages: readonly Message[], error: PublishError | undefined) => void;
}

function sizeOf(data: Message["key"] | Message["value"]): number {
  if (data === null || data === undefined) return 0;
  // UTF-16 length: exact for ASCII JSON; the default limit's 2× margin under
  // the broker's 1 MiB covers the odd multi-byte character.
  return data.length;
}

/** Thrown for messages given up after `publishTimeoutMs` of failed sends. */
export class PublishError extends Error {
  override name = "PublishError";
  /** Never: the producer already retried for the whole publish timeout. */
  readonly retriable = false;
}

/** An ordered, batching publisher over one idempotent producer and topic. */
export class QuotePublisher {
  #producer: Producer;
  #topic: string;
  #batchSize: number;
  #maxBatchBytes: number;
  #publishTimeoutMs: number;
  #onRetry: QuotePublisherOptions["onRetry"];
  #onSettled: QuotePublisherOptions["onSettled"];
  #queue: Message[] = [];
  #inFlight = 0;
  #pump: Promise<void> | undefined;
  #waiters: { below: number; resolve: () => void }[] = [];

  /** `producer` must be connected, idempotent, with `maxInFlightRequests: 1`. */
  constructor(producer: Producer, topic: string, options: QuotePublisherOptions = {}) {
    this.#producer = producer;
    this.#topic = topic;
    this.#batchSize = options.batchSize ?? 1000;
    this.#maxBatchBytes = options.maxBatchBytes ?? 524_288;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 120_000;
    this.#onRetry = options.onRetry;
    this.#onSettled = options.onSettled;
  }

  /** Messages queued or in flight, not yet acknowledged. */
  get buffered(): number {
    return this.#queue.length + this.#inFlight;
  }

  /**
   * Queues `message`; `onSettled` reports whether the broker acknowledged it
   * (acks=-1) or it was given up (too big, or not published within the
   * publish timeout).
   */
  publish(message: Message): void {
    const bytes = sizeOf(message.key) + sizeOf(message.value);
    if (bytes > this.#maxBatchBytes) {
      const error = new PublishError(
        `A message of ${bytes} bytes exceeds the ${this.#maxBatchBytes}-byte batch limit; it was not published`,
      );
      this.#onSettled?.([message], error);
      return;
    }
    this.#queue.push(message);
    this.#pump ??= this.#run();
  }

  /** Resolves when fewer than `count` messages are buffered. */
  waitBelow(count: number): Promise<void> {
    if (this.buffered < count) return Promise.resolve();
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#waiters.push({ below: count, resolve });
    return promise;
  }

  /** Resolves when everything queued so far has been acknowledged or given up. */
  async flush(): Promise<void> {
    while (this.#pump !== undefined) await this.#pump;
  }

  #wake(): void {
    this.#waiters = this.#waiters.filter((w) => {
      if (this.buffered >= w.below) return true;
      w.resolve();
      return false;
    });
  }

  async #run(): Promise<void> {
    await Promise.resolve(); // let the caller queue more before the first send
    try {
      while (this.#queue.length > 0) {
        let count = 0;
        for (let bytes = 0; count < this.#queue.length && count < this.#batchSize; count++) {
          const message = this.#queue[count]!;
          bytes += sizeOf(message.key) + sizeOf(message.value);
          if (bytes > this.#maxBatchBytes && count > 0) break;
        }
        const batch = this.#queue.splice(0, count);
        this.#inFlight = batch.length;
        const error = await this.#send(batch).then(() => undefined, (e: PublishError) => e);
        this.#inFlight = 0;
        this.#onSettled?.(batch, error);
        this.#wake();
      }
    } finally {
      this.#pump = undefined;
      this.#wake();
    }
  }

  /** @throws {PublishError} (rejection) When `messages` could not be published within the publish timeout. */
  async #send(messages: Message[]): Promise<void> {
    const deadline = Date.now() + this.#publishTimeoutMs;
    for (let attempt = 1;; attempt++) {
      try {
        await this.#producer.send({ topic: this.#topic, acks: -1, messages });
        return;
      } catch (error) {
        const delayMs = Math.min(5000, 250 * 2 ** (attempt - 1));
        if (Date.now() + delayMs > deadline) {
          throw new PublishError(
            `Cannot publish ${messages.length} messages to "${this.#topic}" within ${this.#publishTimeoutMs} ms: ${
              (error as Error).message
            }; check that Kafka is up at KAFKA_BOOTSTRAP`,
            { cause: error },
          );
        }
        this.#onRetry?.(error, attempt, delayMs);
        await sleep(delayMs);
      }
    }
  }
}
