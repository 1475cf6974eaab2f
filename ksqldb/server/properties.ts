/**
 * The two kinds of properties a statement runs with: the request's streams
 * properties (`auto.offset.reset`, SET/UNSET) and the WITH properties of
 * CREATE STREAM/TABLE.
 *
 * @module
 */
import type { PropValue } from "./ast.ts";
import { KsqlError, KsqlUnsupportedError } from "./error.ts";

/** Streams properties of a request, values as strings. */
export type Props = Record<string, string>;

/** The request's `streamsProperties` with every value as a string. */
export function toProps(properties: Readonly<Record<string, unknown>>): Props {
  return Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)]));
}

/**
 * ksqlDB's `auto.offset.reset` of `props`.
 *
 * @default "latest"
 * @throws {KsqlError} When it is neither 'earliest' nor 'latest'.
 */
export function offsetReset(props: Props): "earliest" | "latest" {
  const value = (props["auto.offset.reset"] ?? props["ksql.streams.auto.offset.reset"] ?? "latest").toLowerCase();
  if (value !== "earliest" && value !== "latest") {
    throw new KsqlError(`auto.offset.reset must be 'earliest' or 'latest', not '${value}'`);
  }
  return value;
}

/** Whether `props` set `auto.offset.reset` (by either of its names). */
export function offsetResetSet(props: Props): boolean {
  return props["auto.offset.reset"] !== undefined || props["ksql.streams.auto.offset.reset"] !== undefined;
}

/** The WITH property `name` as a string, if set. */
export function propString(props: Readonly<Record<string, PropValue>>, name: string): string | undefined {
  const value = props[name];
  return value === undefined ? undefined : String(value);
}

/**
 * The Kafka topic configs a CREATE's WITH clause sets for a topic this server
 * creates: RETENTION_MS as `retention.ms`, CLEANUP_POLICY as `cleanup.policy`.
 *
 * @throws {KsqlError} When RETENTION_MS is not a whole number or CLEANUP_POLICY not 'compact', 'delete' or both.
 */
export function topicConfigs(props: Readonly<Record<string, PropValue>>): { name: string; value: string }[] {
  const configs: { name: string; value: string }[] = [];
  const retention = propString(props, "RETENTION_MS");
  if (retention !== undefined) {
    if (!/^-?\d+$/.test(retention)) {
      throw new KsqlError(`RETENTION_MS must be a whole number of milliseconds (-1 for no limit), not '${retention}'`);
    }
    configs.push({ name: "retention.ms", value: retention });
  }
  const policy = propString(props, "CLEANUP_POLICY")?.toLowerCase();
  if (policy !== undefined) {
    if (!["compact", "delete", "compact,delete", "delete,compact"].includes(policy)) {
      throw new KsqlError(`CLEANUP_POLICY must be 'compact', 'delete' or 'compact,delete', not '${policy}'`);
    }
    configs.push({ name: "cleanup.policy", value: policy });
  }
  return configs;
}

const KNOWN_PROPS = new Set([
  "KAFKA_TOPIC",
  "VALUE_FORMAT",
  "KEY_FORMAT",
  "FORMAT",
  "PARTITIONS",
  "REPLICAS",
  "RETENTION_MS",
  "CLEANUP_POLICY",
]);

/**
 * Checks the WITH properties of a CREATE statement are ones this server applies, with a JSON value format.
 *
 * @throws {KsqlUnsupportedError} Naming the property or format it does not support.
 */
export function checkWithProps(props: Readonly<Record<string, PropValue>>): void {
  for (const key of Object.keys(props)) {
    if (key === "TIMESTAMP" || key === "TIMESTAMP_FORMAT") {
      throw new KsqlUnsupportedError(`The ${key} property`, "ROWTIME is the Kafka record timestamp");
    }
    if (key === "WINDOW_TYPE" || key === "WINDOW_SIZE") {
      throw new KsqlUnsupportedError("Windowed source streams/tables (WINDOW_TYPE)");
    }
    if (!KNOWN_PROPS.has(key)) throw new KsqlUnsupportedError(`The WITH property ${key}`);
  }
  const format = (propString(props, "VALUE_FORMAT") ?? propString(props, "FORMAT") ?? "JSON").toUpperCase();
  if (format !== "JSON") throw new KsqlUnsupportedError(`VALUE_FORMAT '${format}'`, "use JSON");
}
