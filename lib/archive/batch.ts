/**
 * One batch of a partition's records on its way to S3: consecutive offsets,
 * one date path, and the rejected records met along the way.
 *
 * @module
 */

/** Why a batch was closed. */
export type CloseReason = "records" | "bytes" | "age" | "idle" | "date" | "shutdown";

/** When a batch is closed. */
export interface BatchLimits {
  /** Close at this many archived records. @default 10000 */
  readonly maxRecords: number;
  /** Close at this many uncompressed bytes. @default 16777216 */
  readonly maxBytes: number;
  /** Close this long after the batch's first record arrived. @default 300000 */
  readonly maxAgeMs: number;
  /** Close when no record arrived for this long. @default 30000 */
  readonly idleMs: number;
}

/**
 * Accumulates a partition's records from `startOffset` on. Its name in S3 is
 * derived from `startOffset` and the first archived record's date path only,
 * which is what makes a rewrite after a crash land on the same key.
 */
export class ArchiveBatch {
  /** Offset of the first message in the batch (good or rejected). */
  readonly startOffset: string;
  /** Wall-clock time (ms) the first message was added. */
  readonly openedAt: number;
  #lastOffset: string;
  #lastAddedAt: number;
  #datePath: string | undefined;
  #time: number | undefined;
  #lines: Uint8Array[] = [];
  #bytes = 0;
  #rejects: Uint8Array[] = [];

  /** Opens a batch whose first message has offset `startOffset`. */
  constructor(startOffset: string, now: number) {
    this.startOffset = startOffset;
    this.#lastOffset = startOffset;
    this.openedAt = now;
    this.#lastAddedAt = now;
  }

  /** Offset of the last message added. */
  get lastOffset(): string {
    return this.#lastOffset;
  }
  /** Wall-clock time (ms) of the last add. */
  get lastAddedAt(): number {
    return this.#lastAddedAt;
  }
  /** Date path of the archived records, once there is one. */
  get datePath(): string | undefined {
    return this.#datePath;
  }
  /** Event time (ms) of the first archived record. */
  get time(): number | undefined {
    return this.#time;
  }
  /** Archived records' lines, without newlines. */
  get lines(): readonly Uint8Array[] {
    return this.#lines;
  }
  /** Quarantined records' lines, without newlines. */
  get rejects(): readonly Uint8Array[] {
    return this.#rejects;
  }
  /** Uncompressed size of the archived lines, newlines included. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Whether a record under `datePath` may join (a batch holds one date path). */
  accepts(datePath: string): boolean {
    return this.#datePath === undefined || this.#datePath === datePath;
  }

  /**
   * Adds an archivable record.
   *
   * @throws {RangeError} When the record's date path differs from the batch's.
   */
  add(offset: string, record: { line: Uint8Array; time: number; datePath: string }, now: number): void {
    if (!this.accepts(record.datePath)) {
      throw new RangeError(
        `Record at offset ${offset} is under "${record.datePath}", not "${this.#datePath}"; close the batch first`,
      );
    }
    if (this.#datePath === undefined) {
      this.#datePath = record.datePath;
      this.#time = record.time;
    }
    this.#lines.push(record.line);
    this.#bytes += record.line.byteLength + 1;
    this.#touch(offset, now);
  }

  /** Adds a rejected record's quarantine line. */
  addRejected(offset: string, line: Uint8Array, now: number): void {
    this.#rejects.push(line);
    this.#touch(offset, now);
  }

  #touch(offset: string, now: number): void {
    this.#lastOffset = offset;
    this.#lastAddedAt = now;
  }

  /** Why the batch should be closed now, or `undefined` while it may stay open. */
  closeReason(limits: BatchLimits, now: number): CloseReason | undefined {
    if (this.#lines.length >= limits.maxRecords) return "records";
    if (this.#bytes >= limits.maxBytes) return "bytes";
    if (now - this.openedAt >= limits.maxAgeMs) return "age";
    if (now - this.#lastAddedAt >= limits.idleMs) return "idle";
    return undefined;
  }

  /** Milliseconds until a time limit closes the batch (0 when due). */
  msUntilDue(limits: BatchLimits, now: number): number {
    const due = Math.min(this.openedAt + limits.maxAgeMs, this.#lastAddedAt + limits.idleMs);
    return Math.max(0, due - now);
  }
}

/**
 * Joins lines into JSONL bytes, one newline after each line. Lines that lie
 * one after the other in the same buffer, a newline between them (as
 * `packValues` lays them out), are copied in one piece.
 *
 * @param alloc Allocates the output (a `BufferPool` reuses large buffers).
 */
export function jsonlBytes(
  lines: readonly Uint8Array[],
  alloc: (size: number) => Uint8Array<ArrayBuffer> = (size) => new Uint8Array(size),
): Uint8Array<ArrayBuffer> {
  let size = 0;
  for (const line of lines) size += line.byteLength + 1;
  const out = alloc(size);
  let at = 0;
  let i = 0;
  while (i < lines.length) {
    const first = lines[i]!;
    const bytes = new Uint8Array(first.buffer);
    let end = first.byteOffset + first.byteLength;
    for (i++; i < lines.length; i++) {
      const next = lines[i]!;
      if (next.buffer !== first.buffer || next.byteOffset !== end + 1 || bytes[end] !== 0x0a) break;
      end = next.byteOffset + next.byteLength;
    }
    out.set(bytes.subarray(first.byteOffset, end), at);
    at += end - first.byteOffset;
    out[at++] = 0x0a;
  }
  return out;
}
