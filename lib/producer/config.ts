/**
 * The producer's settings, read once from the environment, validated and frozen.
 *
 * @module
 */
import { envBool, envChoice, envInt, envOptional, envString, envUrl } from "../util/mod.ts";
import { type KafkaSettings, kafkaSettings } from "../kafka/mod.ts";
import { type ReplayPace, SOURCE_NAMES, type SourceName } from "../quotes/mod.ts";

/** Every variable the producer reads (for `--allow-env`). kafkajs also reads `KAFKAJS_*` and `NODE_ENV`. */
export const PRODUCER_ENV = [
  "KAFKA_BOOTSTRAP",
  "PRODUCER_SOURCE",
  "KAFKA_TOPIC",
  "KAFKA_TOPIC_PARTITIONS",
  "KAFKA_TOPIC_REPLICATION",
  "PRODUCER_SYMBOLS",
  "PRODUCER_POLL_INTERVAL_MS",
  "PRODUCER_SKIP_UNCHANGED",
  "PRODUCER_BATCH_SIZE",
  "PRODUCER_PUBLISH_TIMEOUT_MS",
  "STOCKDATA_API_TOKEN",
  "STOCKDATA_BASE_URL",
  "STOCKDATA_SYMBOLS_PER_REQUEST",
  "STOCKDATA_DAILY_BUDGET",
  "STOCKDATA_TIMEOUT_MS",
  "STOCKDATA_MAX_RETRIES",
  "REPLAY_FILE",
  "REPLAY_PACE",
  "SIMULATED_SEED",
  "SIMULATED_ALWAYS_OPEN",
] as const;

/** StockData.org client settings. */
export interface StockDataSettings {
  /** API token (secret; never log it). Unset means no `stockdata` source. */
  readonly token: string | undefined;
  /** @default "https://api.stockdata.org" */
  readonly baseUrl: string;
  /** @default 3 (free plan) */
  readonly symbolsPerRequest: number;
  /** @default 100 (free plan) */
  readonly dailyBudget: number;
  /** @default 10000 */
  readonly timeoutMs: number;
  /** @default 5 */
  readonly maxRetries: number;
}

/** The producer's resolved settings. */
export interface ProducerConfig {
  /** @default "stockdata" with a token, else "simulated" */
  readonly source: SourceName;
  /** @default "api-data" */
  readonly topic: string;
  /** Partitions when the topic is created. @default 3 */
  readonly partitions: number;
  /** Replication factor when the topic is created. @default 1 */
  readonly replicationFactor: number;
  /** @default ["AAPL","TSLA","MSFT"] */
  readonly symbols: readonly string[];
  /** @default 60000 */
  readonly pollIntervalMs: number;
  /** Skip a response identical to the previous one for the same symbols. @default true */
  readonly skipUnchanged: boolean;
  /** Most messages per produce request. @default 1000 */
  readonly batchSize: number;
  /** How long a batch may keep failing before the producer gives up, ms. @default 120000 */
  readonly publishTimeoutMs: number;
  readonly stockdata: StockDataSettings;
  readonly replay: { readonly file: string; readonly pace: ReplayPace };
  readonly simulated: { readonly seed: number; readonly alwaysOpen: boolean };
  readonly kafka: KafkaSettings;
}

const SYMBOL = /^[A-Z0-9][A-Z0-9.\-^=]{0,19}$/;

function symbolsFrom(name: string, fallback: string): string[] {
  const raw = envString(name, fallback);
  const symbols = [...new Set(raw.split(",").map((s) => s.trim().toUpperCase()).filter((s) => s !== ""))];
  if (symbols.length === 0) {
    throw new RangeError(`${name}="${raw}" names no symbols; set it like "AAPL,TSLA"`);
  }
  for (const symbol of symbols) {
    if (!SYMBOL.test(symbol)) {
      throw new RangeError(`${name}="${raw}" has "${symbol}", which is not a ticker; use letters, digits and .-^=`);
    }
  }
  return symbols;
}

/**
 * Reads the producer's settings from the environment (see {@linkcode PRODUCER_ENV}).
 *
 * @throws {RangeError} Naming the variable, its value and the fix when a value is invalid.
 */
export function producerConfig(): ProducerConfig {
  const token = envOptional("STOCKDATA_API_TOKEN");
  const source = envChoice("PRODUCER_SOURCE", SOURCE_NAMES, token === undefined ? "simulated" : "stockdata");
  if (source === "stockdata" && token === undefined) {
    throw new RangeError(
      `PRODUCER_SOURCE="stockdata" needs STOCKDATA_API_TOKEN; put it in .env or set PRODUCER_SOURCE=simulated`,
    );
  }
  const topic = envString("KAFKA_TOPIC", "api-data");
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) {
    throw new RangeError(`KAFKA_TOPIC="${topic}" is not a Kafka topic name; use letters, digits, ".", "_" and "-"`);
  }
  return Object.freeze({
    source,
    topic,
    partitions: envInt("KAFKA_TOPIC_PARTITIONS", 3, { min: 1, max: 1000 }),
    replicationFactor: envInt("KAFKA_TOPIC_REPLICATION", 1, { min: 1, max: 10 }),
    symbols: Object.freeze(symbolsFrom("PRODUCER_SYMBOLS", "AAPL,TSLA,MSFT")),
    pollIntervalMs: envInt("PRODUCER_POLL_INTERVAL_MS", 60_000, { min: 10, max: 86_400_000 }),
    skipUnchanged: envBool("PRODUCER_SKIP_UNCHANGED", true),
    batchSize: envInt("PRODUCER_BATCH_SIZE", 1000, { min: 1, max: 100_000 }),
    publishTimeoutMs: envInt("PRODUCER_PUBLISH_TIMEOUT_MS", 120_000, { min: 1000 }),
    stockdata: Object.freeze({
      token,
      baseUrl: new URL(envUrl("STOCKDATA_BASE_URL", "https://api.stockdata.org")).origin,
      symbolsPerRequest: envInt("STOCKDATA_SYMBOLS_PER_REQUEST", 3, { min: 1, max: 1000 }),
      dailyBudget: envInt("STOCKDATA_DAILY_BUDGET", 100, { min: 1 }),
      timeoutMs: envInt("STOCKDATA_TIMEOUT_MS", 10_000, { min: 100, max: 600_000 }),
      maxRetries: envInt("STOCKDATA_MAX_RETRIES", 5, { min: 0, max: 100 }),
    }),
    replay: Object.freeze({
      file: envString("REPLAY_FILE", "samples/quotes.jsonl"),
      pace: envChoice("REPLAY_PACE", ["recorded", "fast"] as const, "recorded"),
    }),
    simulated: Object.freeze({
      seed: envInt("SIMULATED_SEED", 42, { min: 0, max: 2 ** 32 - 1 }),
      alwaysOpen: envBool("SIMULATED_ALWAYS_OPEN", false),
    }),
    kafka: kafkaSettings("tickpipe-producer"),
  });
}

/** Splits `symbols` into requests of at most `perRequest` symbols, in order. */
export function symbolGroups(symbols: readonly string[], perRequest: number): string[][] {
  const groups: string[][] = [];
  for (let i = 0; i < symbols.length; i += perRequest) groups.push(symbols.slice(i, i + perRequest));
  return groups;
}
