/**
 * Turns a Kafka message value into an archivable JSONL line, or says why it
 * belongs in quarantine. Validation happens here and in `archive_scan.ts`
 * (the costly part, which may run in a worker), nowhere else.
 *
 * @module
 */
import { packValues, scannedValue, type ScannedValues, scanValues } from "./scan.ts";

/** A record that can be archived: its JSONL line and its event time. */
export interface ArchivableRecord {
  readonly ok: true;
  /** The value as one line of JSON (UTF-8), without the trailing newline. */
  readonly line: Uint8Array;
  /** Event time in epoch milliseconds, UTC. */
  readonly time: number;
  /** Where `time` came from. */
  readonly timeSource: "timestamp_utc" | "kafka";
}

/** A record that goes to quarantine, with the reason. */
export interface RejectedRecord {
  readonly ok: false;
  readonly reason: string;
}

/**
 * Validates a message value: it must be UTF-8 JSON holding an object. The
 * event time is the object's `timestamp_utc` (ISO-8601, UTC when no zone is
 * given); when that field is absent or null, the Kafka timestamp is used.
 *
 * @param value The raw message value (`null` for a tombstone).
 * @param kafkaTimestamp The message's Kafka timestamp in epoch ms, as kafkajs gives it (a string).
 */
export function parseArchiveRecord(
  value: Uint8Array | null,
  kafkaTimestamp: string | number | undefined,
): ArchivableRecord | RejectedRecord {
  const { data, ends } = packValues([value]);
  return archiveRecord(scanValues(data, ends), 0, kafkaTimestamp);
}

/**
 * Finishes validating value `index` of a {@linkcode scanValues} result: takes
 * the event time as {@linkcode parseArchiveRecord} describes. The line is a
 * view of the scan's packed data.
 */
export function archiveRecord(
  scanned: ScannedValues,
  index: number,
  kafkaTimestamp: string | number | undefined,
): ArchivableRecord | RejectedRecord {
  const reason = scanned.rejects[index];
  if (reason !== undefined) return reject(reason);
  const line = scanned.lines[index] ?? scannedValue(scanned, index);
  const time = scanned.times[index]!;
  if (!Number.isNaN(time)) return { ok: true, line, time, timeSource: "timestamp_utc" };
  const kafkaTime = Number(kafkaTimestamp);
  if (kafkaTimestamp === undefined || !Number.isFinite(kafkaTime) || kafkaTime < 0) {
    return reject(`no timestamp_utc and no usable Kafka timestamp ("${kafkaTimestamp}")`);
  }
  return { ok: true, line, time: kafkaTime, timeSource: "kafka" };
}

function reject(reason: string): RejectedRecord {
  return { ok: false, reason };
}
