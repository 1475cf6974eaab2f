/**
 * The producer: takes envelopes from the configured source and publishes each
 * to Kafka, skipping unchanged ones, counting and logging as it goes.
 *
 * @module
 */
import { ensureTopic, kafkaClient } from "../kafka/mod.ts";
import { type ProducerConfig, symbolGroups } from "./config.ts";
import { CachedDefaultPartitioner } from "./partitioner.ts";
import { QuotePublisher } from "./publisher.ts";
import {
  budgetWarning,
  pollQuotes,
  type ProducerSource,
  producerSource,
  publishedJson,
  QuoteClient,
  quoteFingerprint,
  replayEventArrays,
  SimulatedMarket,
} from "../quotes/mod.ts";

/** Largest message value accepted, in characters (half the broker's default 1 MiB limit). */
const MAX_VALUE_CHARS = 500_000;

/** Where the producer's lines go. */
export interface ProducerLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Logs to the console with an ISO-8601 UTC time in front. */
export const consoleLogger: ProducerLogger = {
  info: (m) => console.log(`${new Date().toISOString()} ${m}`),
  warn: (m) => console.warn(`${new Date().toISOString()} WARN ${m}`),
  error: (m) => console.error(`${new Date().toISOString()} ERROR ${m}`),
};

/** Options of {@linkcode runProducer}. */
export interface RunProducerOptions {
  /** Stops polling; what was accepted is still flushed. */
  signal?: AbortSignal;
  /** @default consoleLogger */
  logger?: ProducerLogger;
  /** Stop after this many polls (polling sources). @default Infinity */
  maxPolls?: number;
  /** Called with each message's key and value when it is accepted for publishing. */
  onAccept?: (key: string, value: string) => void;
}

/** What a run did. */
export interface ProducerSummary {
  /** Responses acknowledged by Kafka. */
  published: number;
  /** Responses identical to the previous one for the same symbols. */
  skipped: number;
  /** Malformed or partial responses (never published). */
  rejected: number;
  /** Requests given up (not retriable or out of retries). */
  failed: number;
  /** Request retries. */
  retries: number;
  /** Accepted responses Kafka never acknowledged (only when Kafka stayed down past the publish timeout). */
  lost: number;
  /** Polls (or replay progress stretches) completed. */
  polls: number;
  /** Bytes of message values acknowledged. */
  bytes: number;
  /** Run time, ms. */
  elapsedMs: number;
}

/**
 * Builds the source `config` names.
 *
 * @throws {RangeError} When `stockdata` is chosen without a token.
 */
export function createQuoteSource(config: ProducerConfig, options: { maxPolls?: number } = {}): ProducerSource {
  const groups = symbolGroups(config.symbols, config.stockdata.symbolsPerRequest);
  const pollOptions = {
    groups,
    intervalMs: config.pollIntervalMs,
    maxRetries: config.stockdata.maxRetries,
    ...(options.maxPolls === undefined ? {} : { maxPolls: options.maxPolls }),
  };
  switch (config.source) {
    case "replay":
      return {
        name: "replay",
        eventArrays: (signal) =>
          replayEventArrays(
            config.replay.file,
            { pace: config.replay.pace, intervalMs: config.pollIntervalMs },
            signal,
          ),
      };
    case "simulated": {
      const market = new SimulatedMarket(config.simulated);
      return producerSource({
        name: "simulated",
        events: (signal) =>
          pollQuotes((symbols) => Promise.resolve(market.quotes(symbols, new Date())), pollOptions, signal),
      });
    }
    case "stockdata": {
      const { token, baseUrl, timeoutMs } = config.stockdata;
      if (token === undefined) throw new RangeError("The stockdata source needs STOCKDATA_API_TOKEN; set it in .env");
      const client = new QuoteClient({ token, baseUrl, timeoutMs });
      return producerSource({
        name: "stockdata",
        events: (signal) => pollQuotes((symbols, s) => client.fetchQuotes(symbols, { signal: s }), pollOptions, signal),
      });
    }
  }
}

function describeSource(config: ProducerConfig): string {
  const every = `every ${config.pollIntervalMs / 1000}s`;
  switch (config.source) {
    case "replay":
      return `replay of ${config.replay.file} (${config.replay.pace} pace)`;
    case "simulated":
      return `simulated market (seed ${config.simulated.seed}${
        config.simulated.alwaysOpen ? ", always open" : ", New York hours"
      }): ${config.symbols.join(",")} ${every}`;
    case "stockdata":
      return `${config.stockdata.baseUrl}/v1/data/quote?api_token=***: ${
        config.symbols.join(",")
      } in requests of ${config.stockdata.symbolsPerRequest} ${every}`;
  }
}

/** Whether `promise` settled within `ms` (its outcome is ignored). */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Runs the producer until the source ends, `options.signal` aborts or Kafka
 * stays unreachable past the publish timeout; then flushes and disconnects.
 * The API's behaviour never makes it throw.
 *
 * @throws {Error} When Kafka cannot be reached at start (topic creation or connect).
 */
export async function runProducer(config: ProducerConfig, options: RunProducerOptions = {}): Promise<ProducerSummary> {
  const log = options.logger ?? consoleLogger;
  const started = Date.now();
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const source = createQuoteSource(config, options.maxPolls === undefined ? {} : { maxPolls: options.maxPolls });
  const summary: ProducerSummary = {
    published: 0,
    skipped: 0,
    rejected: 0,
    failed: 0,
    retries: 0,
    lost: 0,
    polls: 0,
    bytes: 0,
    elapsedMs: 0,
  };

  log.info(`Producing to "${config.topic}" on ${config.kafka.brokers.join(",")} from ${describeSource(config)}`);
  if (config.source === "stockdata") {
    const warning = budgetWarning({
      symbols: config.symbols.length,
      symbolsPerRequest: config.stockdata.symbolsPerRequest,
      intervalMs: config.pollIntervalMs,
      dailyBudget: config.stockdata.dailyBudget,
    }, new Date());
    if (warning !== undefined) log.warn(warning);
  }

  const kafka = kafkaClient(config.kafka);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const options = { partitions: config.partitions, replication: config.replicationFactor };
    if (await ensureTopic(admin, config.topic, options)) {
      log.info(
        `Created topic "${config.topic}" (${config.partitions} partitions, replication ${config.replicationFactor})`,
      );
    }
  } finally {
    await admin.disconnect();
  }
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: CachedDefaultPartitioner,
    // Retry retriable errors (broker down, leader moved) without end: each retry
    // resends the same batch with the same sequence numbers, so nothing is lost
    // or doubled. Shutdown is bounded by publishTimeoutMs instead.
    retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 200, maxRetryTime: 5000 },
  });
  await producer.connect();
  const lastFingerprint = new Map<string, string>();
  let poll = { published: 0, skipped: 0, rejected: 0, failed: 0 };
  let fatal: unknown;
  const publisher = new QuotePublisher(producer, config.topic, {
    batchSize: config.batchSize,
    publishTimeoutMs: config.publishTimeoutMs,
    onRetry: (error, attempt, delayMs) =>
      log.warn(
        `Kafka did not accept a batch (${errorText(error)}); resending it unchanged in ${delayMs} ms (attempt ${
          attempt + 1
        })`,
      ),
    onSettled: (messages, error) => {
      if (error !== undefined) {
        summary.lost += messages.length;
        fatal ??= error;
        stop.abort();
        return;
      }
      summary.published += messages.length;
      poll.published += messages.length;
      for (const m of messages) summary.bytes += m.value?.length ?? 0;
    },
  });
  const headers = { source: source.name, "content-type": "application/json" };
  const highWater = config.batchSize * 4;
  const aborted = new Promise<void>((resolve) => signal.addEventListener("abort", () => resolve(), { once: true }));

  try {
    for await (const events of source.eventArrays(signal)) {
      for (const event of events) {
        if (signal.aborted) break;
        switch (event.kind) {
          case "batch": {
            if (config.skipUnchanged) {
              const fingerprint = quoteFingerprint(event.envelope);
              if (lastFingerprint.get(event.key) === fingerprint) {
                summary.skipped++;
                poll.skipped++;
                break;
              }
              lastFingerprint.set(event.key, fingerprint);
            }
            const text = event.value ?? publishedJson(event.envelope, event.takenAt.toISOString());
            if (text.length > MAX_VALUE_CHARS) {
              summary.rejected++;
              poll.rejected++;
              log.warn(
                `Rejected response for ${event.key}, not published: ${text.length} characters is over the ${MAX_VALUE_CHARS} limit`,
              );
              break;
            }
            options.onAccept?.(event.key, text);
            publisher.publish({ key: event.key, value: text, timestamp: String(event.takenAt.getTime()), headers });
            if (publisher.buffered >= highWater) await Promise.race([publisher.waitBelow(highWater / 2), aborted]);
            break;
          }
          case "rejected":
            summary.rejected++;
            poll.rejected++;
            log.warn(`Rejected response for ${event.key}, not published: ${event.reason}`);
            break;
          case "failed":
            summary.failed++;
            poll.failed++;
            log.error(`Request for ${event.key} failed: ${event.reason}`);
            break;
          case "retry":
            summary.retries++;
            log.warn(`${event.reason}; retrying ${event.key} in ${(event.delayMs / 1000).toFixed(1)}s`);
            break;
          case "poll": {
            await Promise.race([publisher.flush(), aborted]);
            summary.polls++;
            const next = event.nextPollAt === undefined ? "" : `; next poll ${event.nextPollAt.toISOString()}`;
            log.info(
              `[${source.name}] ${event.symbols} symbols in ${event.requests} ${
                event.requests === 1 ? "response" : "responses"
              }: published ${poll.published}, skipped ${poll.skipped} unchanged, rejected ${poll.rejected}, failed ${poll.failed}${next}`,
            );
            poll = { published: 0, skipped: 0, rejected: 0, failed: 0 };
            break;
          }
        }
      }
    }
  } finally {
    const flushed = await within(publisher.flush(), config.publishTimeoutMs);
    if (!flushed) {
      summary.lost += publisher.buffered;
      fatal ??= new Error(
        `Kafka did not acknowledge ${publisher.buffered} messages within ${config.publishTimeoutMs} ms of stopping; check that Kafka is up at KAFKA_BOOTSTRAP`,
      );
    }
    await within(producer.disconnect(), 10_000);
    summary.elapsedMs = Date.now() - started;
  }
  if (fatal !== undefined) {
    log.error(`${errorText(fatal)}; stopped with ${summary.lost} responses unpublished`);
  }
  const seconds = summary.elapsedMs / 1000;
  log.info(
    `Summary: published ${summary.published} (${(summary.bytes / 1e6).toFixed(2)} MB, ${
      (summary.published / Math.max(seconds, 0.001)).toFixed(0)
    } msg/s), skipped ${summary.skipped} unchanged, rejected ${summary.rejected}, failed ${summary.failed}, retries ${summary.retries}, lost ${summary.lost}, in ${
      seconds.toFixed(1)
    }s`,
  );
  return summary;
}
