/**
 * Writes a closed batch to S3: the data object and, when the batch met bad
 * records, its quarantine object. Both names derive from the batch start.
 *
 * @module
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type ArchiveBatch, jsonlBytes } from "./batch.ts";
import { gzipBytes } from "./gzip.ts";
import { archiveKey, quarantineKey } from "./key.ts";
import { toS3Error } from "../s3/mod.ts";

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
  /** Compresses an object body; it may take ownership of `data` and its whole buffer. @default gzipBytes (this thread) */
  readonly gzip?: (data: Uint8Array, level: number) => Promise<Uint8Array>;
  /** Allocates uncompressed object bodies. @default new Uint8Array */
  readonly alloc?: (size: number) => Uint8Array<ArrayBuffer>;
  /** For error messages. */
  readonly endpoint?: string | undefined;
}

/** A closed batch turned into gzip object bodies under their keys, ready to put. */
export interface EncodedBatch {
  readonly topic: string;
  readonly partition: number;
  readonly batch: ArchiveBatch;
  /** Data object, when the batch has archivable records. */
  readonly data: { readonly key: string; readonly body: Uint8Array } | undefined;
  /** Quarantine object, when the batch has rejected records. */
  readonly quarantine: { readonly key: string; readonly body: Uint8Array } | undefined;
}

/** Anything that durably writes a closed batch (S3 here; a fake in tests). */
export interface BatchWriter {
  /** Names and compresses `batch`'s objects; touches no storage, so it may run ahead of writes. */
  encode(topic: string, partition: number, batch: ArchiveBatch): Promise<EncodedBatch>;
  /** Writes an encoded batch; resolves only once it is durable. */
  put(encoded: EncodedBatch, options?: { signal?: AbortSignal }): Promise<WrittenBatch>;
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

  /** Names one batch of `topic`/`partition` after its start and compresses its lines. */
  async encode(topic: string, partition: number, batch: ArchiveBatch): Promise<EncodedBatch> {
    const o = this.#options;
    const [data, quarantine] = await Promise.all([
      batch.lines.length > 0 && batch.time !== undefined
        ? this.#gzip(jsonlBytes(batch.lines, o.alloc)).then((body) => ({
          key: archiveKey({
            prefix: o.prefix,
            pattern: o.datePattern,
            topic,
            partition,
            startOffset: batch.startOffset,
            time: batch.time!,
          }),
          body,
        }))
        : undefined,
      batch.rejects.length > 0
        ? this.#gzip(jsonlBytes(batch.rejects, o.alloc)).then((body) => ({
          key: quarantineKey(o.quarantinePrefix, topic, { partition, startOffset: batch.startOffset }),
          body,
        }))
        : undefined,
    ]);
    return { topic, partition, batch, data, quarantine };
  }

  /**
   * Writes an encoded batch. Overwrites an object left by an earlier attempt
   * at the same batch start, which is how a replay after a crash stays free
   * of duplicates.
   *
   * @throws {S3Error} When a put fails after the SDK's retries.
   */
  async put(encoded: EncodedBatch, options: { signal?: AbortSignal } = {}): Promise<WrittenBatch> {
    const { batch, data, quarantine } = encoded;
    const metadata = { "start-offset": batch.startOffset, "end-offset": batch.lastOffset };
    await Promise.all([
      data && this.#put(data.key, data.body, { ...metadata, records: String(batch.lines.length) }, options.signal),
      quarantine &&
      this.#put(
        quarantine.key,
        quarantine.body,
        { ...metadata, records: String(batch.rejects.length) },
        options.signal,
      ),
    ]);
    return {
      partition: encoded.partition,
      firstOffset: batch.startOffset,
      lastOffset: batch.lastOffset,
      key: data?.key,
      records: batch.lines.length,
      bytes: batch.bytes,
      storedBytes: data?.body.byteLength ?? 0,
      quarantineKey: quarantine?.key,
      rejected: batch.rejects.length,
    };
  }

  #gzip(data: Uint8Array): Promise<Uint8Array> {
    return (this.#options.gzip ?? gzipBytes)(data, this.#options.gzipLevel ?? 6);
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
