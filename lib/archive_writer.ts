/**
 * Writes a closed batch to S3: the data object and, when the batch met bad
 * records, its quarantine object. Both names derive from the batch start.
 *
 * @module
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type ArchiveBatch, jsonlBytes } from "./archive_batch.ts";
import { gzipBytes } from "./archive_gzip.ts";
import { archiveKey, quarantineKey } from "./archive_key.ts";
import { toS3Error } from "./s3_error.ts";

/** What one batch write put in the bucket. */
export interface WrittenBatch {
  readonly partition: number;
  readonly firstOffset: string;
  readonly lastOffset: string;
  /** Data object key, when the batch had archivable records. */
  readonly key: string | undefined;
  readonly records: number;
  /** Uncompressed JSONL bytes of the data object. */
  readonly bytes: number;
  /** Compressed size of the data object. */
  readonly storedBytes: number;
  /** Quarantine object key, when the batch had rejected records. */
  readonly quarantineKey: string | undefined;
  readonly rejected: number;
}

/** Where batches go. */
export interface ArchiveWriterOptions {
  readonly bucket: string;
  readonly prefix: string;
  readonly datePattern: string;
  readonly quarantinePrefix: string;
  /** @default 6 */
  readonly gzipLevel?: number;
  /** For error messages. */
  readonly endpoint?: string | undefined;
}

/** Anything that durably writes a closed batch (S3 here; a fake in tests). */
export interface BatchWriter {
  /** Writes `batch`; resolves only once it is durable. */
  write(
    topic: string,
    partition: number,
    batch: ArchiveBatch,
    options?: { signal?: AbortSignal },
  ): Promise<WrittenBatch>;
}

/** Encodes batches as gzip JSONL and puts them in S3 under deterministic keys. */
export class ArchiveWriter implements BatchWriter {
  #client: S3Client;
  #options: ArchiveWriterOptions;

  /** Writes through `client` as `options` says. */
  constructor(client: S3Client, options: ArchiveWriterOptions) {
    this.#client = client;
    this.#options = options;
  }

  /**
   * Writes one batch of `topic`/`partition`. Overwrites an object left by an
   * earlier attempt at the same batch start, which is how a replay after a
   * crash stays free of duplicates.
   *
   * @throws {S3Error} When a put fails after the SDK's retries.
   */
  async write(
    topic: string,
    partition: number,
    batch: ArchiveBatch,
    options: { signal?: AbortSignal } = {},
  ): Promise<WrittenBatch> {
    const o = this.#options;
    const puts: Promise<void>[] = [];
    let key: string | undefined;
    let qKey: string | undefined;
    let storedBytes = 0;
    const metadata = { "start-offset": batch.startOffset, "end-offset": batch.lastOffset };
    if (batch.lines.length > 0 && batch.time !== undefined) {
      key = archiveKey({
        prefix: o.prefix,
        pattern: o.datePattern,
        topic,
        partition,
        startOffset: batch.startOffset,
        time: batch.time,
      });
      const body = await gzipBytes(jsonlBytes(batch.lines), o.gzipLevel);
      storedBytes = body.byteLength;
      puts.push(this.#put(key, body, { ...metadata, records: String(batch.lines.length) }, options.signal));
    }
    if (batch.rejects.length > 0) {
      qKey = quarantineKey(o.quarantinePrefix, topic, { partition, startOffset: batch.startOffset });
      const body = await gzipBytes(jsonlBytes(batch.rejects), o.gzipLevel);
      puts.push(this.#put(qKey, body, { ...metadata, records: String(batch.rejects.length) }, options.signal));
    }
    await Promise.all(puts);
    return {
      partition,
      firstOffset: batch.startOffset,
      lastOffset: batch.lastOffset,
      key,
      records: batch.lines.length,
      bytes: batch.bytes,
      storedBytes,
      quarantineKey: qKey,
      rejected: batch.rejects.length,
    };
  }

  async #put(key: string, body: Uint8Array, metadata: Record<string, string>, signal?: AbortSignal): Promise<void> {
    try {
      await this.#client.send(
        new PutObjectCommand({
          Bucket: this.#options.bucket,
          Key: key,
          Body: body,
          ContentType: "application/gzip",
          Metadata: metadata,
        }),
        signal === undefined ? {} : { abortSignal: signal },
      );
    } catch (error) {
      throw toS3Error(error, "write", { bucket: this.#options.bucket, key, endpoint: this.#options.endpoint });
    }
  }
}
