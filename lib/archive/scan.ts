/**
 * The costly half of validating records: checking the JSON and reading
 * `timestamp_utc`, for many values at once. {@linkcode scanValues} uses
 * nothing from module scope but {@linkcode parseTimestampUtc} and
 * {@linkcode quickScanJson}, so that `archive_pool.ts` can run them in a
 * Worker built from their source text.
 *
 * @module
 */
import { parseTimestampUtc } from "./timestamp.ts";
import { quickScanJson } from "./json_quick_scan.ts";

/** What {@linkcode scanValues} found, by index of the value. */
export interface ScannedValues {
  /** The values as scanned, each followed by a newline ({@linkcode packValues}' layout). */
  readonly data: Uint8Array<ArrayBuffer>;
  /** End offset in `data` of each value. */
  readonly ends: Int32Array<ArrayBuffer>;
  /** Event time (epoch ms) from `timestamp_utc`; NaN when it is absent or null, or the value is rejected. */
  readonly times: Float64Array<ArrayBuffer>;
  /** Why a value is rejected, for rejected values only. */
  readonly rejects: Record<number, string>;
  /** One-line re-serialization of values whose JSON spans lines; others keep their bytes. */
  readonly lines: Record<number, Uint8Array<ArrayBuffer>>;
}

/**
 * Checks that each value is UTF-8 JSON holding an object, and reads its
 * `timestamp_utc`: absent, null, or an ISO-8601 string ({@linkcode parseTimestampUtc});
 * anything else rejects the value. Values {@linkcode quickScanJson} vouches
 * for skip `JSON.parse`; the others take the exact path.
 *
 * @param data The values, each followed by a newline ({@linkcode packValues}).
 * @param ends End offset in `data` of each value, newline excluded (a null value has length 0).
 */
export function scanValues(data: Uint8Array<ArrayBuffer>, ends: Int32Array<ArrayBuffer>): ScannedValues {
  const decoder = new TextDecoder("utf-8");
  const encoder = new TextEncoder();
  const times = new Float64Array(ends.length).fill(NaN);
  const rejects: Record<number, string> = {};
  const lines: Record<number, Uint8Array<ArrayBuffer>> = {};
  const found = new Int32Array(2);
  let start = 0;
  for (let i = 0; i < ends.length; i++) {
    const end = ends[i]!;
    const from = start;
    start = end + 1;
    const quick = quickScanJson(data, from, end, found);
    if (quick === 0) continue;
    if (quick === 1) {
      const text = String.fromCharCode.apply(null, data.subarray(found[0], found[1]) as unknown as number[]);
      const time = parseTimestampUtc(text);
      if (time === undefined) rejects[i] = `timestamp_utc "${text}" is not an ISO-8601 date-time`;
      else times[i] = time;
      continue;
    }
    const value = data.subarray(from, end);
    if (value.byteLength === 0) {
      rejects[i] = "value is empty (tombstone or zero bytes)";
      continue;
    }
    // The lenient decoder is 4x faster; only a replacement character needs the strict check.
    const text = decoder.decode(value);
    if (text.includes("\uFFFD")) {
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(value);
      } catch {
        rejects[i] = "value is not UTF-8";
        continue;
      }
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      rejects[i] = `value is not JSON: ${(error as Error).message}`;
      continue;
    }
    if (
      typeof parsed !== "object" || parsed === null || Array.isArray(parsed)
    ) {
      rejects[i] = `value is JSON but not an object (${Array.isArray(parsed) ? "array" : typeof parsed})`;
      continue;
    }
    const stamp = (parsed as Record<string, unknown>)["timestamp_utc"];
    if (stamp !== undefined && stamp !== null && typeof stamp !== "string") {
      rejects[i] = `timestamp_utc is a ${typeof stamp}, not an ISO-8601 string`;
      continue;
    }
    if (typeof stamp === "string") {
      const time = parseTimestampUtc(stamp);
      if (time === undefined) {
        rejects[i] = `timestamp_utc "${stamp}" is not an ISO-8601 date-time`;
        continue;
      }
      times[i] = time;
    }
    if (text.includes("\n") || text.includes("\r")) {
      lines[i] = encoder.encode(JSON.stringify(parsed));
    }
  }
  return { data, ends, times, rejects, lines };
}

/**
 * Packs values for {@linkcode scanValues}, each followed by a newline, so that
 * consecutive archived values are already JSONL ({@linkcode scannedValue}).
 *
 * @param alloc Allocates the packed bytes (a `BufferPool` reuses large buffers).
 */
export function packValues(
  values: readonly (Uint8Array | null)[],
  alloc: (size: number) => Uint8Array<ArrayBuffer> = (size) => new Uint8Array(size),
): { data: Uint8Array<ArrayBuffer>; ends: Int32Array<ArrayBuffer> } {
  let size = 0;
  for (const value of values) size += (value?.byteLength ?? 0) + 1;
  const data = alloc(size);
  const ends = new Int32Array(values.length);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value) {
      data.set(value, at);
      at += value.byteLength;
    }
    ends[i] = at;
    data[at++] = 0x0a;
  }
  return { data, ends };
}

/** Value `index` of a scan, as a view of its packed `data`. */
export function scannedValue(scanned: ScannedValues, index: number): Uint8Array {
  const start = index === 0 ? 0 : scanned.ends[index - 1]! + 1;
  return scanned.data.subarray(start, scanned.ends[index]);
}
