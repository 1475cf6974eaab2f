/**
 * What every quote source (StockData.org, replay file, simulated market) emits
 * for the producer to publish, count and log.
 *
 * @module
 */
import type { QuoteEnvelope } from "./envelope.ts";

/** The names of the sources, as `PRODUCER_SOURCE` takes them. */
export const SOURCE_NAMES = ["stockdata", "replay", "simulated"] as const;

/** One of {@linkcode SOURCE_NAMES}. */
export type SourceName = typeof SOURCE_NAMES[number];

/**
 * An event from a source:
 * - `batch`: a valid response to publish; `key` keeps each ticker in one partition
 * - `rejected`: a malformed or partial response, never published
 * - `failed`: a request given up (not retriable, or out of retries)
 * - `retry`: a request will be retried after `delayMs`
 * - `poll`: a poll (or a stretch of a replay) ended
 */
export type SourceEvent =
  | { readonly kind: "batch"; readonly key: string; readonly envelope: QuoteEnvelope; readonly takenAt: Date }
  | { readonly kind: "rejected"; readonly key: string; readonly reason: string }
  | { readonly kind: "failed"; readonly key: string; readonly reason: string }
  | { readonly kind: "retry"; readonly key: string; readonly reason: string; readonly delayMs: number }
  | {
    readonly kind: "poll";
    readonly symbols: number;
    readonly requests: number;
    readonly nextPollAt: Date | undefined;
  };

/** A source of quote envelopes. */
export interface QuoteSource {
  /** Its name, also sent in each message's `source` header. */
  readonly name: SourceName;
  /** Emits events until the source ends or `signal` aborts. */
  events(signal: AbortSignal): AsyncIterable<SourceEvent>;
}
