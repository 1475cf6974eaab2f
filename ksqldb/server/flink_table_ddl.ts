/**
 * The Flink SQL table behind a ksqlDB stream or table: `kafka` connector for
 * streams (append-only), `upsert-kafka` for tables, JSON values, raw (KAFKA)
 * or JSON keys, and Kafka metadata columns for ROWTIME/ROWPARTITION/ROWOFFSET.
 *
 * @module
 */
import type { CatalogSource } from "./catalog.ts";
import { flinkType, quoteName } from "./types.ts";

/** Quotes a Flink SQL string literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Flink's `WITH (...)`/`OPTIONS(...)` body for `options`. */
export function flinkOptions(options: Readonly<Record<string, string>>): string {
  return Object.entries(options).map(([k, v]) => `${sqlString(k)}=${sqlString(v)}`).join(", ");
}

/**
 * The Flink table a stream-table join reads `source` through: the same topic with
 * the record timestamp as event time (watermark = the latest timestamp; partitions
 * idle for a second do not hold it back), so a temporal join can look up the
 * table's value as of each stream record's ROWTIME.
 */
export function timedTableName(source: string): string {
  return `${source}$TIMED`;
}

/**
 * `CREATE TABLE IF NOT EXISTS` for `source`, reading and writing Kafka at
 * `bootstrap`, and for its {@link timedTableName} twin that joins read.
 */
export function flinkTableDdls(source: CatalogSource, bootstrap: string): string[] {
  return [flinkTableDdl(source, bootstrap), flinkTableDdl(source, bootstrap, true)];
}

/** `DROP TABLE IF EXISTS` for the Flink tables of the ksqlDB source `name`. */
export function flinkDropDdls(name: string): string[] {
  return [`DROP TABLE IF EXISTS ${quoteName(name)}`, `DROP TABLE IF EXISTS ${quoteName(timedTableName(name))}`];
}

/**
 * `CREATE TABLE IF NOT EXISTS` for `source`, reading and writing Kafka at
 * `bootstrap`; `timed` makes its {@link timedTableName} twin instead.
 */
export function flinkTableDdl(source: CatalogSource, bootstrap: string, timed = false): string {
  const keys = source.columns.filter((c) => c.key !== undefined);
  const lines = source.columns.flatMap((c) =>
    [c.json, ...(c.alt === undefined ? [] : [c.alt])].map((json) => `${quoteName(json)} ${flinkType(c.type)}`)
  );
  const options: Record<string, string> = {
    "topic": source.topic,
    "properties.bootstrap.servers": bootstrap,
    "value.format": "json",
    "value.json.ignore-parse-errors": "true",
    "value.json.encode.decimal-as-plain-number": "true",
  };
  const keyFormat = source.keyFormat === "JSON" || keys.length > 1 ? "json" : "raw";
  if (source.sourceType === "TABLE") {
    if (timed || source.rowtime) {
      lines.push(`\`$ROWTIME\` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'${source.rowtime ? "" : " VIRTUAL"}`);
    }
    lines.push(`PRIMARY KEY (${keys.map((k) => quoteName(k.json)).join(", ")}) NOT ENFORCED`);
    Object.assign(options, {
      "connector": "upsert-kafka",
      "key.format": keyFormat,
      "value.fields-include": "EXCEPT_KEY",
    });
  } else {
    // ROWTIME is written through (CSAS keeps the source record's timestamp, as ksqlDB does)
    lines.push("`$ROWTIME` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'");
    lines.push("`$PARTITION` INT METADATA FROM 'partition' VIRTUAL");
    lines.push("`$OFFSET` BIGINT METADATA FROM 'offset' VIRTUAL");
    Object.assign(options, {
      "connector": "kafka",
      "scan.startup.mode": "latest-offset",
      "sink.delivery-guarantee": "at-least-once",
    });
    // Keyless records all go to one partition per writer, so a query keeps their order
    if (keys.length === 0) options["sink.partitioner"] = "fixed";
    if (keys.length > 0) {
      Object.assign(options, {
        "key.format": keyFormat,
        "key.fields": keys.map((k) => k.json).join(";"),
        "value.fields-include": "EXCEPT_KEY",
      });
    }
  }
  if (timed) {
    lines.push("WATERMARK FOR `$ROWTIME` AS `$ROWTIME`");
    options["scan.watermark.idle-timeout"] = "1 s";
  }
  const name = timed ? timedTableName(source.name) : source.name;
  return `CREATE TABLE IF NOT EXISTS ${quoteName(name)} (\n  ${lines.join(",\n  ")}\n) WITH (${flinkOptions(options)})`;
}
