/**
 * Settings of the ksqlDB-compatible server, read from the environment once.
 *
 * @module
 */
import { envInt, envString } from "../../lib/util/mod.ts";
import { kafkaSettings } from "../../lib/kafka/mod.ts";

/** The server's resolved settings. */
export interface KsqldbConfig {
  /** Address the REST API binds. @default "127.0.0.1" (KSQLDB_HOST) */
  readonly host: string;
  /** Port of the REST API. @default 8088 (KSQLDB_PORT) */
  readonly port: number;
  /** The Flink engine (ksqldb/flink). @default "http://127.0.0.1:8089" (FLINK_ENGINE_URL) */
  readonly engineUrl: string;
  /** Kafka brokers as the Flink jobs reach them. @default "localhost:29092" (KAFKA_BOOTSTRAP) */
  readonly bootstrap: string;
  readonly brokers: readonly string[];
  /** Where the catalog is kept. @default ".data/ksqldb" (KSQLDB_STATE_DIR) */
  readonly stateDir: string;
  /** ksqlDB's service id, reported by /info. @default "tickpipe_" (KSQLDB_SERVICE_ID) */
  readonly serviceId: string;
  /** Largest request body accepted, in bytes; larger ones get 413. @default 1048576 (KSQLDB_MAX_REQUEST_BYTES) */
  readonly maxRequestBytes: number;
}

/** The variable that sets {@link KsqldbConfig.maxRequestBytes}. */
export const MAX_REQUEST_BYTES_VARIABLE = "KSQLDB_MAX_REQUEST_BYTES";

/**
 * Reads KSQLDB_HOST, KSQLDB_PORT, FLINK_ENGINE_URL, KAFKA_BOOTSTRAP, KSQLDB_STATE_DIR, KSQLDB_SERVICE_ID,
 * KSQLDB_MAX_REQUEST_BYTES.
 *
 * @throws {RangeError} Naming the variable when a value is invalid.
 */
export function loadKsqldbConfig(): KsqldbConfig {
  const engineUrl = envString("FLINK_ENGINE_URL", "http://127.0.0.1:8089");
  try {
    new URL(engineUrl);
  } catch {
    throw new RangeError(`FLINK_ENGINE_URL="${engineUrl}" is not a URL; set it like "http://127.0.0.1:8089"`);
  }
  const kafka = kafkaSettings("tickpipe-ksqldb");
  return Object.freeze({
    host: envString("KSQLDB_HOST", "127.0.0.1"),
    port: envInt("KSQLDB_PORT", 8088, { min: 1, max: 65535 }),
    engineUrl,
    bootstrap: kafka.brokers.join(","),
    brokers: kafka.brokers,
    stateDir: envString("KSQLDB_STATE_DIR", ".data/ksqldb"),
    serviceId: envString("KSQLDB_SERVICE_ID", "tickpipe_"),
    maxRequestBytes: envInt(MAX_REQUEST_BYTES_VARIABLE, 1_048_576, { min: 1024, max: 1_073_741_824 }),
  });
}
