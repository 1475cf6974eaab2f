/**
 * Chaos records: the pipeline's envelope with a unique id, produced at a set
 * pace or as fast as the broker takes them.
 *
 * @module
 */
import { type Kafka, Partitioners, type Producer } from "kafkajs";

/** The id of record `i` of run `run`. */
export function recordId(run: string, i: number): string {
  return `${run}-${String(i).padStart(7, "0")}`;
}

/**
 * The envelope the producer publishes, holding one quote; the id is in the value (`chaos_id`, `chaos_run`) and
 * in the quote's `name`, so it survives `EXPLODE(data)` into QUOTES. Price 150 raises no PRICE_ALERTS alert.
 */
export function chaosEnvelope(run: string, i: number): string {
  const id = recordId(run, i);
  const price = 150 + (i % 100) / 100;
  return JSON.stringify({
    meta: { requested: 1, returned: 1 },
    data: [{
      ticker: "CHAOS",
      name: id,
      currency: "USD",
      price,
      day_open: 150,
      day_high: 151,
      day_low: 149,
      previous_close_price: 150,
      day_change: 0,
      volume: i,
      last_trade_time: new Date().toISOString().slice(0, 19),
    }],
    timestamp_utc: new Date().toISOString(),
    chaos_id: id,
    chaos_run: run,
  });
}

/** A producer that rides out a broker restart inside kafkajs (idempotent, so its retries make no duplicate). */
export async function flowProducer(kafka: Kafka): Promise<Producer> {
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    // an idempotent producer retries without a limit (kafkajs warns otherwise); a send waits out a broker restart
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 300, maxRetryTime: 5_000 },
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return producer;
}

/** Options of {@linkcode produceRecords}. */
export interface FlowOptions {
  /** Spread the records over this long; 0: as fast as the broker takes them. @default 0 */
  readonly durationMs?: number;
  /** Records per send. @default 500 */
  readonly batch?: number;
  /** Told after each send, with the records of this call acknowledged so far. */
  readonly onProgress?: (sent: number) => void;
  /** Number of the first record. @default 0 */
  readonly offset?: number;
}

/**
 * Produces records `offset..offset+count-1` of `run` to `topic` (keyed by id, so they spread over the partitions), each
 * send acknowledged by all replicas before the next.
 *
 * @returns The ids sent.
 * @throws {Error} When a send fails after kafkajs's retries (the ids acknowledged so far went to `onProgress`).
 */
export async function produceRecords(
  producer: Producer,
  topic: string,
  run: string,
  count: number,
  options: FlowOptions = {},
): Promise<string[]> {
  const batch = options.batch ?? 500;
  const started = Date.now();
  const ids: string[] = [];
  const first = options.offset ?? 0;
  for (let from = first; from < first + count; from += batch) {
    const messages = [];
    for (let i = from; i < Math.min(first + count, from + batch); i++) {
      messages.push({ key: recordId(run, i), value: chaosEnvelope(run, i) });
      ids.push(recordId(run, i));
    }
    await producer.send({ topic, acks: -1, messages });
    options.onProgress?.(ids.length);
    if (options.durationMs) {
      const due = started + (options.durationMs * ids.length) / count;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
  }
  return ids;
}
