/** ConsumerArchiver's batching, commit order and failure handling, with a fake writer and consumer. */
import assert from "node:assert/strict";
import type { Consumer, EachBatchPayload } from "kafkajs";
import type { ArchiveBatch, BatchLimits } from "../lib/archive_batch.ts";
import type { BatchWriter, EncodedBatch, WrittenBatch } from "../lib/archive_writer.ts";
import { ConsumerArchiver } from "../lib/consumer_archiver.ts";
import { S3Error } from "../lib/s3_error.ts";

const TOPIC = "t";

class Fake implements BatchWriter {
  events: string[] = [];
  failAt = -1;
  listeners = new Map<string, ((e: unknown) => void)[]>();
  fatal: Error | undefined;
  encode(topic: string, partition: number, batch: ArchiveBatch): Promise<EncodedBatch> {
    return Promise.resolve({ topic, partition, batch, data: undefined, quarantine: undefined });
  }
  put({ partition, batch }: EncodedBatch): Promise<WrittenBatch> {
    const seqs = batch.lines.map((l) => JSON.parse(new TextDecoder().decode(l)).seq);
    const n = this.events.filter((e) => e.startsWith("write")).length;
    if (n === this.failAt) {
      return Promise.reject(new S3Error("Cannot write: test", { cause: null, retriable: false }));
    }
    this.events.push(`write p${partition} ${batch.startOffset}-${batch.lastOffset} [${seqs}] q${batch.rejects.length}`);
    return Promise.resolve({
      partition,
      firstOffset: batch.startOffset,
      lastOffset: batch.lastOffset,
      key: "k",
      records: batch.lines.length,
      bytes: batch.bytes,
      storedBytes: 1,
      quarantineKey: batch.rejects.length ? "q" : undefined,
      rejected: batch.rejects.length,
    });
  }
  consumer(): Consumer {
    const fake = {
      events: { REBALANCING: "rebalancing", GROUP_JOIN: "join", CRASH: "crash" },
      on: (name: string, fn: (e: unknown) => void) => {
        this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
        return () => {};
      },
      commitOffsets: (offsets: { partition: number; offset: string }[]) => {
        this.events.push(`commit-outside p${offsets[0]!.partition} ${offsets[0]!.offset}`);
        return Promise.resolve();
      },
      pause: () => {},
    };
    return fake as unknown as Consumer;
  }
  emit(name: string, payload: unknown): void {
    for (const fn of this.listeners.get(name) ?? []) fn({ payload });
  }
  join(partitions: number[]): void {
    this.emit("join", { memberAssignment: { [TOPIC]: partitions } });
  }
}

function setup(limits: Partial<BatchLimits>) {
  const fake = new Fake();
  const archiver = new ConsumerArchiver({
    config: {
      topic: TOPIC,
      datePattern: "{YYYY}/{MM}/{DD}",
      limits: { maxRecords: 1000, maxBytes: 1 << 20, maxAgeMs: 60_000, idleMs: 60_000, ...limits },
      s3: { bucket: "b", region: "r", endpoint: undefined, forcePathStyle: false, maxAttempts: 1 },
    },
    writer: fake,
    log: () => {},
    warn: () => {},
  });
  archiver.attach(fake.consumer(), (e) => fake.fatal = e);
  fake.join([0, 1]);
  return { fake, archiver };
}

function payload(
  fake: Fake,
  partition: number,
  from: number,
  values: (string | object)[],
  commitError?: Error,
): EachBatchPayload {
  const messages = values.map((v, i) => ({
    offset: String(from + i),
    timestamp: "0",
    key: null,
    value: new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v)),
    attributes: 0,
    headers: {},
  }));
  return {
    batch: { topic: TOPIC, partition, messages },
    heartbeat: () => Promise.resolve(),
    commitOffsetsIfNecessary: (o: { topics: { partitions: { offset: string }[] }[] }) => {
      if (commitError) return Promise.reject(commitError);
      fake.events.push(`commit p${partition} ${o.topics[0]!.partitions[0]!.offset}`);
      return Promise.resolve();
    },
  } as unknown as EachBatchPayload;
}

const rec = (seq: number, day = "2025-01-01") => ({ seq, timestamp_utc: `${day}T12:00:00Z` });

Deno.test("ConsumerArchiver.eachBatch() adds a fetched batch with the next one, writes at maxRecords and commits each batch right after its write", async () => {
  const { fake, archiver } = setup({ maxRecords: 2 });
  await archiver.eachBatch(payload(fake, 0, 0, [rec(0), rec(1), rec(2)]));
  assert.deepEqual(fake.events, []);
  await archiver.eachBatch(payload(fake, 0, 3, [rec(3), rec(4)]));
  await archiver.eachBatch(payload(fake, 0, 5, [rec(5), rec(6)]));
  await archiver.eachBatch(payload(fake, 0, 7, [rec(7)]));
  assert.deepEqual(fake.events, ["write p0 0-1 [0,1] q0", "commit p0 2", "write p0 2-3 [2,3] q0", "commit p0 4"]);
  await archiver.shutdown();
  assert.deepEqual(fake.events.slice(4), [
    "write p0 4-5 [4,5] q0",
    "commit-outside p0 6",
    "write p0 6-7 [6,7] q0",
    "commit-outside p0 8",
  ]);
  assert.equal(archiver.stats.records, 8);
});

Deno.test("ConsumerArchiver.eachBatch() closes the batch when the day changes and keeps rejects with their batch", async () => {
  const { fake, archiver } = setup({});
  // '{"seq":3}' has no timestamp_utc: its Kafka timestamp (0, 1970-01-01) makes it another day.
  await archiver.eachBatch(payload(fake, 1, 10, ["oops", rec(0), rec(1), rec(2, "2025-01-02"), '{"seq":3}']));
  await archiver.eachBatch(payload(fake, 1, 15, [rec(4, "2025-01-03")]));
  await archiver.eachBatch(payload(fake, 1, 16, [rec(5, "2025-01-03")]));
  await archiver.shutdown();
  assert.deepEqual(fake.events, [
    "write p1 10-12 [0,1] q1",
    "commit p1 13",
    "write p1 13-13 [2] q0",
    "commit p1 14",
    "write p1 14-14 [3] q0",
    "commit-outside p1 15",
    "write p1 15-16 [4,5] q0",
    "commit-outside p1 17",
  ]);
});

Deno.test("ConsumerArchiver adds a fetched batch no next one follows, closes it when idle and commits it", async () => {
  const { fake, archiver } = setup({ idleMs: 30 });
  await archiver.eachBatch(payload(fake, 0, 7, [rec(7)]));
  assert.deepEqual(fake.events, []);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(fake.events, ["write p0 7-7 [7] q0", "commit-outside p0 8"]);
  await archiver.shutdown();
});

Deno.test("ConsumerArchiver drops open batches on a rebalance; kafkajs replays them from the commit", async () => {
  const { fake, archiver } = setup({});
  await archiver.eachBatch(payload(fake, 0, 0, [rec(0), rec(1)]));
  fake.emit("rebalancing", {});
  fake.join([1]);
  await archiver.shutdown();
  assert.deepEqual(fake.events, []);
});

Deno.test("ConsumerArchiver stops at a failed write and commits nothing after it", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  fake.failAt = 1;
  await archiver.eachBatch(payload(fake, 0, 0, [rec(0), rec(1), rec(2)]));
  await archiver.eachBatch(payload(fake, 0, 3, [rec(3)]));
  assert.deepEqual(fake.events, ["write p0 0-0 [0] q0", "commit p0 1"]);
  assert.match(fake.fatal?.message ?? "", /Cannot write: test/);
  assert.equal(archiver.fatal, fake.fatal);
  await archiver.eachBatch(payload(fake, 0, 4, [rec(4)]));
  await archiver.shutdown();
  assert.equal(fake.events.length, 2);
});

Deno.test("ConsumerArchiver hands a rebalance error from a commit back to kafkajs, not as fatal", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  const error = Object.assign(new Error("The group is rebalancing"), { type: "REBALANCE_IN_PROGRESS" });
  await archiver.eachBatch(payload(fake, 0, 0, [rec(0)], error));
  await archiver.eachBatch(payload(fake, 0, 1, [rec(1)], error));
  await assert.rejects(archiver.eachBatch(payload(fake, 0, 2, [rec(2)], error)), error);
  assert.equal(archiver.fatal, undefined);
  await archiver.shutdown();
});
