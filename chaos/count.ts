/**
 * Counts per record id, never totals: in a MongoDB collection, in the S3
 * archive, in a Kafka topic (QUOTES).
 *
 * @module
 */
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import type { Collection } from "mongodb";
import type { Kafka } from "kafkajs";
import { gunzipBytes } from "../lib/archive/gzip.ts";

/** Lost and duplicated ids of what was sent. */
export interface Tally {
  readonly sent: number;
  readonly lost: number;
  readonly duplicated: number;
  /** A few lost ids, for the report. */
  readonly lostSample: readonly string[];
}

/** Compares `counts` (copies per id) with the ids `sent`. */
export function tally(sent: readonly string[], counts: ReadonlyMap<string, number>): Tally {
  let lost = 0;
  let duplicated = 0;
  const lostSample: string[] = [];
  for (const id of sent) {
    const n = counts.get(id) ?? 0;
    if (n === 0) {
      lost++;
      if (lostSample.length < 3) lostSample.push(id);
    } else if (n > 1) duplicated++;
  }
  return { sent: sent.length, lost, duplicated, lostSample };
}

/** Copies per `chaos_id` of run `run` in `collection`. */
export async function countMongo(collection: Collection, run: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const cursor = collection.find({ chaos_run: run }, { projection: { _id: 0, chaos_id: 1 } });
  for await (const doc of cursor) {
    const id = doc.chaos_id as string;
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  return counts;
}

/**
 * Counts per id in a MongoDB collection without scanning it on every poll (a scan competes with the sink's
 * inserts on FerretDB's SQLite): it scans once the collection has grown by as many documents as were sent, or
 * when the last scan is older than a minute.
 */
export class MongoCounter {
  #collection: Collection;
  #run: string;
  #baseline = 0;
  #scannedAt = 0;
  #last = new Map<string, number>();

  /** Counts ids of run `run` in `collection`. */
  constructor(collection: Collection, run: string) {
    this.#collection = collection;
    this.#run = run;
  }

  /** Notes the collection's size before the run. */
  async start(): Promise<void> {
    this.#baseline = await this.#collection.estimatedDocumentCount();
  }

  /** Copies per id, scanning only when `sent` documents may be there (or `force`). */
  async counts(sent: number, force = false): Promise<Map<string, number>> {
    const grown = (await this.#collection.estimatedDocumentCount()) - this.#baseline;
    if (force || grown >= sent || Date.now() - this.#scannedAt > 60_000) {
      this.#last = await countMongo(this.#collection, this.#run);
      this.#scannedAt = Date.now();
    }
    return this.#last;
  }
}

/**
 * Reads the archive under a prefix incrementally (a key is read again only when its ETag changes) and counts
 * copies per `chaos_id` of the runs it is asked about. An object rewritten under the same key replaces its
 * earlier copy, as in S3.
 */
export class ArchiveCounter {
  #s3: S3Client;
  #bucket: string;
  #prefix: string;
  /** key -> [etag, ids in it] */
  #objects = new Map<string, { etag: string; ids: string[] }>();
  #match: RegExp;

  /** Counts ids starting with `idPrefix` under `s3://bucket/prefix`. */
  constructor(s3: S3Client, bucket: string, prefix: string, idPrefix: string) {
    this.#s3 = s3;
    this.#bucket = bucket;
    this.#prefix = prefix;
    this.#match = new RegExp(`"chaos_id":"(${idPrefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^"]*)"`);
  }

  /** Copies per id now. */
  async counts(): Promise<Map<string, number>> {
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const page = await this.#s3.send(
        new ListObjectsV2Command({
          Bucket: this.#bucket,
          Prefix: this.#prefix,
          ...(token ? { ContinuationToken: token } : {}),
        }),
      );
      for (const o of page.Contents ?? []) {
        if (!o.Key?.endsWith(".jsonl.gz")) continue;
        seen.add(o.Key);
        const etag = o.ETag ?? String(o.Size);
        if (this.#objects.get(o.Key)?.etag === etag) continue;
        const object = await this.#s3.send(new GetObjectCommand({ Bucket: this.#bucket, Key: o.Key }));
        const text = new TextDecoder().decode(await gunzipBytes(await object.Body!.transformToByteArray()));
        const ids = [];
        for (const line of text.split("\n")) {
          const m = this.#match.exec(line);
          if (m) ids.push(m[1]!);
        }
        this.#objects.set(o.Key, { etag, ids });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    for (const key of this.#objects.keys()) if (!seen.has(key)) this.#objects.delete(key);
    const counts = new Map<string, number>();
    for (const { ids } of this.#objects.values()) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    return counts;
  }
}

/** The end offset of each partition of `topic` now, to read only what comes after. */
export async function topicEnds(kafka: Kafka, topic: string): Promise<Map<number, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, p.high]));
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads `topic` from `from` (end offsets taken earlier) until `done` says stop, counting copies per id found
 * by `idOf` in each value.
 */
export async function countTopic(
  kafka: Kafka,
  topic: string,
  from: ReadonlyMap<number, string>,
  idOf: (value: string) => string | undefined,
  done: (counts: ReadonlyMap<string, number>) => boolean,
  timeoutMs: number,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const consumer = kafka.consumer({ groupId: `chaos-count-${crypto.randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    let finish: () => void = () => {};
    const finished = new Promise<void>((resolve) => finish = resolve);
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, offset] of from) consumer.seek({ topic, partition, offset });
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          const id = m.value ? idOf(m.value.toString()) : undefined;
          if (id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
        }
        if (done(counts)) finish();
        await Promise.resolve();
      },
    });
    const timer = setTimeout(finish, timeoutMs);
    await finished;
    clearTimeout(timer);
  } finally {
    await consumer.disconnect();
  }
  return counts;
}
