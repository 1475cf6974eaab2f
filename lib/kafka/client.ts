/**
 * One place that builds kafkajs clients for tickpipe's scripts.
 *
 * @module
 */
import process from "node:process";
import { type Admin, Kafka, logLevel } from "kafkajs";
import { envString } from "../util/mod.ts";

// kafkajs 2.2.4 passes a negative delay to setTimeout when nothing is throttled (tulios/kafkajs#1751), and the
// runtime then prints a TimeoutNegativeWarning that reads like an error; the delay is clamped to 1 ms either way.
const emitWarning = process.emitWarning;
process.emitWarning = function (warning: string | Error, ...rest: unknown[]): void {
  const type = typeof rest[0] === "string" ? rest[0] : (rest[0] as { type?: string } | undefined)?.type;
  if (type !== "TimeoutNegativeWarning") Reflect.apply(emitWarning, process, [warning, ...rest]);
} as typeof process.emitWarning;

/** Kafka settings shared by every script. */
export interface KafkaSettings {
  /** Broker addresses, `host:port`. @default ["localhost:29092"] */
  readonly brokers: readonly string[];
  /** Client id reported to the broker. */
  readonly clientId: string;
}

/** Reads `KAFKA_BOOTSTRAP` (comma-separated `host:port`, default `localhost:29092`). */
export function kafkaSettings(clientId: string): KafkaSettings {
  const raw = envString("KAFKA_BOOTSTRAP", "localhost:29092");
  const brokers = raw.split(",").map((b) => b.trim()).filter((b) => b !== "");
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new RangeError(
        `KAFKA_BOOTSTRAP="${raw}" has "${broker}", which is not host:port; set it like "localhost:29092"`,
      );
    }
  }
  return Object.freeze({ brokers: Object.freeze(brokers), clientId });
}

/** Creates a kafkajs client that logs only warnings and errors and retries a failed request `retries` times (8). */
export function kafkaClient(settings: KafkaSettings, options: { retries?: number } = {}): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: [...settings.brokers],
    logLevel: logLevel.WARN,
    retry: { retries: options.retries ?? 8, initialRetryTime: 200 },
  });
}

/**
 * Creates `topic` unless it exists; `replication` -1 (the default) takes the brokers' `default.replication.factor`
 * (1 on the single node, 3 on the cluster profile).
 *
 * @returns Whether it was created.
 */
export async function ensureTopic(
  admin: Admin,
  topic: string,
  options: { partitions?: number; replication?: number } = {},
): Promise<boolean> {
  const { partitions = 3, replication = -1 } = options;
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return false;
  return await admin.createTopics({
    topics: [{ topic, numPartitions: partitions, replicationFactor: replication }],
    waitForLeaders: true,
  });
}
