/**
 * Settings of the archiving consumer, read once from the environment.
 *
 * @module
 */
import { envBool, envInt, envOptional, envString, envUrl } from "../util/mod.ts";
import { type KafkaSettings, kafkaSettings } from "../kafka/mod.ts";
import type { BatchLimits } from "./batch.ts";
import { HIVE_DATE_PATTERN, validateDatePattern } from "./key.ts";
import type { S3Settings } from "../s3/mod.ts";

/** Everything `consumer.ts` needs, fully resolved. */
export interface ConsumerConfig {
  readonly kafka: KafkaSettings;
  /** Topic to archive (`KAFKA_TOPIC`). @default "api-data" */
  readonly topic: string;
  /** Consumer group (`CONSUMER_GROUP`). @default "tickpipe-archiver" */
  readonly groupId: string;
  /** Start a new group at the earliest offset (`CONSUMER_FROM_BEGINNING`). @default true */
  readonly fromBeginning: boolean;
  /** How soon a dead consumer's partitions move to another (`CONSUMER_SESSION_TIMEOUT_MS`). @default 30000 */
  readonly sessionTimeoutMs: number;
  readonly s3: S3Settings;
  /** Key prefix of data objects (`ARCHIVE_PREFIX`). @default "archive" */
  readonly prefix: string;
  /** Date path under `<prefix>/<topic>/` (`ARCHIVE_DATE_PATTERN`). @default "year={YYYY}/month={MM}/day={DD}" */
  readonly datePattern: string;
  /** Key prefix of quarantine objects (`ARCHIVE_QUARANTINE_PREFIX`). @default "<prefix>/_quarantine" */
  readonly quarantinePrefix: string;
  /** gzip level 1..9 (`ARCHIVE_GZIP_LEVEL`). @default 6 */
  readonly gzipLevel: number;
  /** Worker threads for JSON validation and gzip; 0 runs them on the main thread (`ARCHIVE_WORKERS`). @default 2 */
  readonly workers: number;
  readonly limits: BatchLimits;
}

/** Default batch limits. */
export const DEFAULT_LIMITS: BatchLimits = Object.freeze({
  maxRecords: 10_000,
  maxBytes: 16 * 1024 * 1024,
  maxAgeMs: 300_000,
  idleMs: 30_000,
});

function cleanPrefix(name: string, raw: string): string {
  const prefix = raw.replace(/^\/+|\/+$/g, "");
  if (prefix.includes("//") || /[\\\s]/.test(prefix)) {
    throw new RangeError(`${name}="${raw}" has empty segments, a backslash or white space; set it like "archive"`);
  }
  return prefix;
}

/**
 * Reads the consumer's settings from the environment (see the README table).
 *
 * @throws {RangeError} When a variable is missing or invalid; the message names
 * the variable, its value and the fix.
 */
export function consumerConfig(): ConsumerConfig {
  const bucket = envOptional("S3_BUCKET");
  if (bucket === undefined) {
    throw new RangeError('S3_BUCKET is not set; set it to the archive bucket\'s name, e.g. "tickpipe-archive"');
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw new RangeError(
      `S3_BUCKET="${bucket}" is not a valid bucket name; use 3-63 lower-case letters, digits, dots and hyphens`,
    );
  }
  const endpoint = envUrl("AWS_ENDPOINT_URL_S3", undefined, 'set it like "http://127.0.0.1:7070" or unset it for AWS');
  const region = envOptional("AWS_REGION") ?? envOptional("AWS_DEFAULT_REGION") ?? "us-east-1";
  const prefix = cleanPrefix("ARCHIVE_PREFIX", envString("ARCHIVE_PREFIX", "archive"));
  const quarantinePrefix = cleanPrefix(
    "ARCHIVE_QUARANTINE_PREFIX",
    envString("ARCHIVE_QUARANTINE_PREFIX", prefix === "" ? "_quarantine" : `${prefix}/_quarantine`),
  );
  const rawPattern = envString("ARCHIVE_DATE_PATTERN", HIVE_DATE_PATTERN);
  let datePattern: string;
  try {
    datePattern = validateDatePattern(rawPattern);
  } catch (error) {
    throw new RangeError(`ARCHIVE_DATE_PATTERN: ${(error as Error).message}`);
  }
  const topic = envString("KAFKA_TOPIC", "api-data");
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic)) {
    throw new RangeError(
      `KAFKA_TOPIC="${topic}" is not a valid Kafka topic name; use letters, digits, ".", "_", "-"`,
    );
  }
  return Object.freeze({
    kafka: kafkaSettings(envString("CONSUMER_CLIENT_ID", "tickpipe-consumer")),
    topic,
    groupId: envString("CONSUMER_GROUP", "tickpipe-archiver"),
    fromBeginning: envBool("CONSUMER_FROM_BEGINNING", true),
    sessionTimeoutMs: envInt("CONSUMER_SESSION_TIMEOUT_MS", 30_000, { min: 6_000, max: 300_000 }),
    s3: Object.freeze({
      bucket,
      region,
      endpoint,
      forcePathStyle: envBool("S3_FORCE_PATH_STYLE", endpoint !== undefined),
      maxAttempts: envInt("S3_MAX_ATTEMPTS", 5, { min: 1, max: 20 }),
    }),
    prefix,
    datePattern,
    quarantinePrefix,
    gzipLevel: envInt("ARCHIVE_GZIP_LEVEL", 6, { min: 1, max: 9 }),
    workers: envInt("ARCHIVE_WORKERS", 2, { min: 0, max: 16 }),
    limits: Object.freeze({
      maxRecords: envInt("ARCHIVE_MAX_RECORDS", DEFAULT_LIMITS.maxRecords, { min: 1, max: 10_000_000 }),
      maxBytes: envInt("ARCHIVE_MAX_BYTES", DEFAULT_LIMITS.maxBytes, { min: 1024, max: 5 * 1024 ** 3 }),
      maxAgeMs: envInt("ARCHIVE_MAX_AGE_SECONDS", DEFAULT_LIMITS.maxAgeMs / 1000, { min: 1, max: 86_400 }) * 1000,
      idleMs: envInt("ARCHIVE_IDLE_SECONDS", DEFAULT_LIMITS.idleMs / 1000, { min: 1, max: 86_400 }) * 1000,
    }),
  });
}
