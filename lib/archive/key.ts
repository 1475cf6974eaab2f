/**
 * Object names of the archive: where a batch of records lands in the bucket.
 *
 * @module
 */
import { joinKey } from "../s3/mod.ts";

/** The Hive-style layout Athena, Spark and DuckDB read as partitions. */
export const HIVE_DATE_PATTERN = "year={YYYY}/month={MM}/day={DD}";

const PLACEHOLDERS = ["{YYYY}", "{MM}", "{DD}", "{HH}"] as const;

/** Width offsets are zero-padded to, so names sort in offset order. */
export const OFFSET_WIDTH = 20;

/**
 * Checks a date path pattern: `/`-separated, placeholders among `{YYYY}`,
 * `{MM}`, `{DD}`, `{HH}`, at least `{YYYY}`.
 *
 * @throws {RangeError} When the pattern has an unknown placeholder, no `{YYYY}`,
 * empty segments, or characters unsafe in object names.
 */
export function validateDatePattern(pattern: string): string {
  const unknown = pattern.match(/\{[^}]*\}/g)?.filter((p) => !(PLACEHOLDERS as readonly string[]).includes(p)) ?? [];
  if (unknown.length > 0) {
    throw new RangeError(
      `Date pattern "${pattern}" has unknown placeholder ${unknown.map((u) => `"${u}"`).join(", ")}; use ${
        PLACEHOLDERS.join(", ")
      }`,
    );
  }
  if (!pattern.includes("{YYYY}")) {
    throw new RangeError(
      `Date pattern "${pattern}" has no {YYYY}; use e.g. "${HIVE_DATE_PATTERN}" or "{YYYY}/{MM}/{DD}"`,
    );
  }
  if (pattern.startsWith("/") || pattern.endsWith("/") || pattern.includes("//") || /[\\\s]/.test(pattern)) {
    throw new RangeError(
      `Date pattern "${pattern}" has empty segments, a backslash or white space; use e.g. "${HIVE_DATE_PATTERN}"`,
    );
  }
  return pattern;
}

/** Fills a date pattern for a UTC instant: `year=2024/month=10/day=01`. */
export function datePath(pattern: string, time: number): string {
  const d = new Date(time);
  const two = (n: number) => String(n).padStart(2, "0");
  return pattern
    .replaceAll("{YYYY}", String(d.getUTCFullYear()).padStart(4, "0"))
    .replaceAll("{MM}", two(d.getUTCMonth() + 1))
    .replaceAll("{DD}", two(d.getUTCDate()))
    .replaceAll("{HH}", two(d.getUTCHours()));
}

/** The part of an archive key that names the batch: `api-data+0+00000000000000000042`. */
export function batchName(topic: string, partition: number, startOffset: string | bigint): string {
  return `${topic}+${partition}+${String(startOffset).padStart(OFFSET_WIDTH, "0")}`;
}

/** What locates one archived batch. */
export interface ArchiveKeyOptions {
  /** Key prefix, no leading or trailing `/`; empty for the bucket root. */
  readonly prefix: string;
  /** Date path pattern, see {@linkcode validateDatePattern}. @default HIVE_DATE_PATTERN */
  readonly pattern?: string;
  readonly topic: string;
  readonly partition: number;
  /** Offset of the batch's first message. */
  readonly startOffset: string | bigint;
  /** Event time (epoch ms) of the batch's first record; picks the date path. */
  readonly time: number;
}

/**
 * The object key of a data batch:
 * `<prefix>/<topic>/year=YYYY/month=MM/day=DD/<topic>+<partition>+<start offset>.jsonl.gz`.
 * Deterministic: the same batch start always gives the same key, so a retry
 * overwrites rather than duplicates.
 */
export function archiveKey(options: ArchiveKeyOptions): string {
  const { prefix, pattern = HIVE_DATE_PATTERN, topic, partition, startOffset, time } = options;
  return joinKey(prefix, topic, datePath(pattern, time), `${batchName(topic, partition, startOffset)}.jsonl.gz`);
}

/**
 * The object key of a quarantine batch:
 * `<quarantine prefix>/<topic>/<topic>+<partition>+<start offset>.jsonl.gz`.
 */
export function quarantineKey(
  quarantinePrefix: string,
  topic: string,
  options: { readonly partition: number; readonly startOffset: string | bigint },
): string {
  return joinKey(quarantinePrefix, topic, `${batchName(topic, options.partition, options.startOffset)}.jsonl.gz`);
}
