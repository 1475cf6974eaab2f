/**
 * The archive view: the days the consumer has written (the date path under
 * `<prefix>/<topic>/`), a day's objects with size, record count and offset
 * range (from the metadata the writer puts on each object), and an object's
 * first lines, decompressed here.
 *
 * @module
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { joinKey, toS3Error } from "../../lib/s3/mod.ts";

/** Where the archive lives. */
export interface ArchiveLocation {
  readonly bucket: string;
  readonly prefix: string;
  readonly topic: string;
  /** Date path pattern, e.g. `year={YYYY}/month={MM}/day={DD}`. */
  readonly datePattern: string;
  readonly quarantinePrefix: string;
}

/** One archived object. */
export interface ArchiveObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string | null;
  readonly records: number | null;
  readonly startOffset: string | null;
  readonly endOffset: string | null;
}

/** The first lines of an object. */
export interface ObjectPreview {
  readonly key: string;
  readonly lines: string[];
  /** Whether the object has more lines than shown. */
  readonly more: boolean;
}

const LINE_LIMIT = 4096;

interface Listed {
  readonly key: string;
  readonly size: number;
  readonly lastModified: string | null;
}

/** Reads the archive through one S3 client. */
export class ArchiveReader {
  #s3: S3Client;
  #where: ArchiveLocation;
  #endpoint: string | undefined;
  /** Metadata by key, size and time: objects are written once under their name, so it never goes stale. */
  #metadata = new Map<string, ArchiveObject>();

  /** Reads `where` through `s3` (`endpoint` for messages). */
  constructor(s3: S3Client, where: ArchiveLocation, endpoint?: string) {
    this.#s3 = s3;
    this.#where = where;
    this.#endpoint = endpoint;
  }

  /** The topic's key prefix, ending in `/`. */
  get root(): string {
    return `${joinKey(this.#where.prefix, this.#where.topic)}/`;
  }

  /** Every date path written so far, newest first (`year=2026/month=12/day=02`). */
  async days(): Promise<string[]> {
    const depth = this.#where.datePattern.split("/").length;
    let level = [this.root];
    for (let i = 0; i < depth; i++) {
      const next = await Promise.all(level.map((prefix) => this.#prefixes(prefix)));
      level = next.flat();
    }
    return level.map((p) => p.slice(this.root.length, -1)).sort().reverse();
  }

  /** The objects of one date path, with their metadata. */
  async objects(day: string): Promise<ArchiveObject[]> {
    if (day.includes("..") || day.startsWith("/")) throw new RangeError(`Day "${day}" is not a date path`);
    return await this.#withMetadata(await this.#list(`${this.root}${day}/`));
  }

  /** The quarantine's objects (rejected records) and the newest one's last reason. */
  async quarantine(): Promise<{ objects: ArchiveObject[]; records: number; latestReason: string | null }> {
    const listed = await this.#list(`${joinKey(this.#where.quarantinePrefix, this.#where.topic)}/`);
    const objects = await this.#withMetadata(listed);
    const records = objects.reduce((sum, o) => sum + (o.records ?? 0), 0);
    const newest = objects.toSorted((a, b) => (b.lastModified ?? "").localeCompare(a.lastModified ?? ""))[0];
    let latestReason: string | null = null;
    if (newest) {
      const { lines } = await this.preview(newest.key, 10_000, { quarantine: true });
      const last = lines.at(-1);
      try {
        latestReason = last === undefined ? null : String((JSON.parse(last) as { reason?: string }).reason);
      } catch {
        latestReason = null;
      }
    }
    return { objects, records, latestReason };
  }

  /**
   * The first `count` lines of an object of the archive, gunzipped.
   *
   * @throws {RangeError} When `key` is not under the archive's prefix.
   */
  async preview(key: string, count = 20, options: { quarantine?: boolean } = {}): Promise<ObjectPreview> {
    const allowed = options.quarantine ? `${joinKey(this.#where.quarantinePrefix, this.#where.topic)}/` : this.root;
    if (!key.startsWith(allowed) || key.includes("..")) {
      throw new RangeError(`Key "${key}" is not an object of the archive under "${allowed}"`);
    }
    const object = await this.#call(
      "read",
      key,
      () => this.#s3.send(new GetObjectCommand({ Bucket: this.#where.bucket, Key: key })),
    );
    const body = object.Body?.transformToWebStream() as ReadableStream<Uint8Array<ArrayBuffer>> | undefined;
    if (!body) return { key, lines: [], more: false };
    const text = key.endsWith(".gz")
      ? body.pipeThrough<Uint8Array<ArrayBuffer>>(new DecompressionStream("gzip"))
      : body;
    const reader = text.pipeThrough(new TextDecoderStream()).getReader();
    const lines: string[] = [];
    let buffer = "";
    let more = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += value;
        let newline: number;
        while ((newline = buffer.indexOf("\n")) >= 0) {
          if (lines.length === count) {
            more = true;
            break;
          }
          lines.push(cut(buffer.slice(0, newline)));
          buffer = buffer.slice(newline + 1);
        }
        if (more) break;
        // a single endless line must not fill memory
        if (buffer.length > LINE_LIMIT * 4) buffer = buffer.slice(0, LINE_LIMIT * 4);
      }
      if (!more && buffer !== "" && lines.length < count) lines.push(cut(buffer));
    } finally {
      await reader.cancel().catch(() => {});
    }
    return { key, lines, more };
  }

  async #withMetadata(listed: Listed[]): Promise<ArchiveObject[]> {
    return await mapLimit(listed, 8, async (o) => {
      const id = `${o.key}|${o.size}|${o.lastModified}`;
      const known = this.#metadata.get(id);
      if (known) return known;
      const head = await this.#call(
        "read the metadata of",
        o.key,
        () => this.#s3.send(new HeadObjectCommand({ Bucket: this.#where.bucket, Key: o.key })),
      );
      const meta = head.Metadata ?? {};
      const object = {
        ...o,
        records: meta.records === undefined ? null : Number(meta.records),
        startOffset: meta["start-offset"] ?? null,
        endOffset: meta["end-offset"] ?? null,
      };
      if (this.#metadata.size > 20_000) this.#metadata.clear();
      this.#metadata.set(id, object);
      return object;
    });
  }

  async #prefixes(prefix: string): Promise<string[]> {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const input = { Bucket: this.#where.bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token };
      const page = await this.#call("list", prefix, () => this.#s3.send(new ListObjectsV2Command(input)));
      for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
      token = page.NextContinuationToken;
    } while (token);
    return out;
  }

  async #list(prefix: string): Promise<Listed[]> {
    const out: Listed[] = [];
    let token: string | undefined;
    do {
      const input = { Bucket: this.#where.bucket, Prefix: prefix, ContinuationToken: token };
      const page = await this.#call("list", prefix, () => this.#s3.send(new ListObjectsV2Command(input)));
      for (const o of page.Contents ?? []) {
        if (o.Key) out.push({ key: o.Key, size: o.Size ?? 0, lastModified: o.LastModified?.toISOString() ?? null });
      }
      token = page.NextContinuationToken;
    } while (token && out.length < 5000);
    return out;
  }

  async #call<T>(action: string, key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw toS3Error(error, action, { bucket: this.#where.bucket, key, endpoint: this.#endpoint });
    }
  }
}

function cut(line: string): string {
  return line.length > LINE_LIMIT ? `${line.slice(0, LINE_LIMIT)}… (${line.length} characters)` : line;
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  }));
  return out;
}
