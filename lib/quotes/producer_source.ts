/**
 * What the producer reads from a source: its events in arrays, so that a fast
 * source (a replay file) pays one async step per array rather than per
 * response, and may hand over each message value already serialised.
 *
 * @module
 */
import type { QuoteSource, SourceEvent, SourceName } from "./source.ts";

/** A source's `batch` event. */
export type BatchEvent = Extract<SourceEvent, { kind: "batch" }>;

/**
 * A {@linkcode SourceEvent}; a `batch` may carry `value`, its message value
 * (the envelope plus `timestamp_utc` as JSON), which the producer then
 * publishes as is.
 */
export type ProducerEvent = Exclude<SourceEvent, { kind: "batch" }> | (BatchEvent & { readonly value?: string });

/** A source as the producer runs it. */
export interface ProducerSource {
  /** Its name, also sent in each message's `source` header. */
  readonly name: SourceName;
  /** Emits events, in order, in arrays, until the source ends or `signal` aborts. */
  eventArrays(signal: AbortSignal): AsyncIterable<readonly ProducerEvent[]>;
}

/** Adapts a one-event-at-a-time {@linkcode QuoteSource} (a polling source) to a {@linkcode ProducerSource}. */
export function producerSource(source: QuoteSource): ProducerSource {
  return {
    name: source.name,
    async *eventArrays(signal: AbortSignal): AsyncGenerator<readonly ProducerEvent[]> {
      for await (const event of source.events(signal)) yield [event];
    },
  };
}
