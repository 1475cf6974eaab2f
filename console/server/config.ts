/**
 * The console's settings, read once from the environment.
 *
 * @module
 */
import { envInt, envOptional, envString, envUrl } from "../../lib/util/mod.ts";

/** Everything the console server needs, fully resolved. */
export interface ConsoleConfig {
  /** Address to bind (`CONSOLE_HOSTNAME`; compose.yaml's container binds 0.0.0.0). @default "127.0.0.1" */
  readonly hostname: string;
  /** Port (`CONSOLE_PORT`). @default 8080 */
  readonly port: number;
  /** Basic-auth user (`CONSOLE_USERNAME`). @default "tickpipe" */
  readonly username: string;
  /** Basic-auth password (`CONSOLE_PASSWORD`, required: the bootstrap writes a random one to .env). */
  readonly password: string;
  /** The pipeline's topic (`KAFKA_TOPIC`). @default "api-data" */
  readonly topic: string;
  /** The sink's dead-letter topic (`KAFKA_DLQ_TOPIC`). @default "api-data-dlq" */
  readonly dlqTopic: string;
  /** The ksqlDB alerts stream's topic (`CONSOLE_ALERTS_TOPIC`). @default "PRICE_ALERTS" */
  readonly alertsTopic: string;
  /** Hours of one-minute bars kept and shown at most (`CONSOLE_HISTORY_HOURS`). @default 24 */
  readonly historyHours: number;
  /** The archiving consumer's group (`CONSUMER_GROUP`). @default "tickpipe-archiver" */
  readonly archiverGroup: string;
  /** The MongoDB sink connector's name. */
  readonly sinkConnector: string;
  readonly ksqldbUrl: string;
  readonly connectUrl: string;
  readonly mongoUrl: string;
}

/**
 * Reads the console's settings.
 *
 * @throws {RangeError} When `CONSOLE_PASSWORD` is unset or a variable is invalid; the message names it and the fix.
 */
export function consoleConfig(): ConsoleConfig {
  const password = envOptional("CONSOLE_PASSWORD");
  if (password === undefined) {
    throw new RangeError(
      'CONSOLE_PASSWORD is not set; run "bash stack/bootstrap.sh" to add a random one to .env, or set it there',
    );
  }
  const username = envString("CONSOLE_USERNAME", "tickpipe");
  if (username.includes(":")) {
    throw new RangeError(`CONSOLE_USERNAME="${username}" contains ":", which Basic auth cannot carry; pick another`);
  }
  return Object.freeze({
    hostname: envString("CONSOLE_HOSTNAME", "127.0.0.1"),
    port: envInt("CONSOLE_PORT", 8080, { min: 1, max: 65535 }),
    username,
    password,
    topic: envString("KAFKA_TOPIC", "api-data"),
    dlqTopic: envString("KAFKA_DLQ_TOPIC", "api-data-dlq"),
    alertsTopic: envString("CONSOLE_ALERTS_TOPIC", "PRICE_ALERTS"),
    historyHours: envInt("CONSOLE_HISTORY_HOURS", 24, { min: 1, max: 24 * 7 }),
    archiverGroup: envString("CONSUMER_GROUP", "tickpipe-archiver"),
    sinkConnector: "mongo-sink",
    ksqldbUrl: envUrl("KSQLDB_URL", "http://localhost:8088"),
    connectUrl: envUrl("KAFKA_CONNECT_URL", "http://localhost:8083"),
    mongoUrl: envString("MONGO_URL", "mongodb://127.0.0.1:27017"),
  });
}
