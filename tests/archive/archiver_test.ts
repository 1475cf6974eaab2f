/** ConsumerArchiver's batching, commit order and failure handling, with a fake writer and consumer. */
import assert from "node:assert/strict";
import type { Consumer, EachBatchPayload } from "kafkajs";
import type { ArchiveBatch, BatchLimits } from "../../lib/archive/batch.ts";
import type { BatchWriter, EncodedBatch, WrittenBatch } from "../../lib/archive/writer.ts";
import { ConsumerArchiver } from "../../lib/archive/archiver.ts";
import { S3Error } from "../../lib/s3/error.ts";

const TOPIC = "t";

class Fake implements BatchWriter {
  events: string[] = [];
  failAt = -1;
  /** Puts that fail with a retriable error (an S3 outage) before one passes. */
  outage = 0;
  /** Rejects commits with it, when set. */
  commitError: Error | undefined;
  /** Puts wait for it, when set. */
  gate: Promise<void> | undefined;
  listeners = new Map<string, ((e: unknown) => void)[]>();
  fatal: Error | undefined;
  encode(topic: string, partition: number, batch: ArchiveBatch): Promise<EncodedBatch> {
    return Promise.resolve({ topic, partition, batch, data: undefined, quarantine: undefined });
  }
  async put({ partition, batch }: EncodedBatch): Promise<WrittenBatch> {
    this.events.push(`put p${partition} ${batch.startOffset}`);
    await this.gate;
    if (this.outage > 0) {
      this.outage--;
      throw new S3Error("Cannot write: S3 down", { cause: null, retriable: true });
    }
    const seqs = batch.lines.map((l) => JSON.parse(new TextDecoder().decode(l)).seq);
    const n = this.events.filter((e) => e.startsWith("write")).length;
    if (n === this.failAt) {
      throw new S3Error("Cannot write: test", { cause: null, retriable: false });
    }
    this.events.push(`write p${partition} ${batch.startOffset}-${batch.lastOffset} [${seqs}] q${batch.rejects.length}`);
    return {
      partition,
      firstOffset: batch.startOffset,
      lastOffset: batch.lastOffset,
      key: "k",
      records: batch.lines.length,
      bytes: batch.bytes,
      storedBytes: 1,
      quarantineKey: batch.rejects.length ? "q" : undefined,
      rejected: batch.rejects.length,
    };
  }
  consumer(): Consumer {
    const fake = {
      events: { REBALANCING: "rebalancing", GROUP_JOIN: "join", CRASH: "crash" },
      on: (name: string, fn: (e: unknown) => void) => {
        this.listeners.set(name, [...(this.listeners.get(name) ?? []), fn]);
        return () => {};
      },
      commitOffsets: (offsets: { partition: number; offset: string }[]) => {
        if (this.commitError) return Promise.reject(this.commitError);
        this.events.push(`commit p${offsets[0]!.partition} ${offsets[0]!.offset}`);
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

function setup(limits: Partial<BatchLimits>, warnings: string[] = []) {
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
    warn: (line) => warnings.push(line),
    retry: { delayMs: 1, maxDelayMs: 4 },
  });
  archiver.attach(fake.consumer(), (e) => fake.fatal = e);
  fake.join([0, 1]);
  return { fake, archiver };
}

function payload(partition: number, from: number, values: (string | object)[]): EachBatchPayload {
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
  } as unknown as EachBatchPayload;
}

const rec = (seq: number, day = "2025-01-01") => ({ seq, timestamp_utc: `${day}T12:00:00Z` });
/** Events without the "put" that starts each write. */
const done = (fake: Fake) => fake.events.filter((e) => !e.startsWith("put "));

Deno.test("ConsumerArchiver writes at maxRecords and commits each batch right after its write", async () => {
  const { fake, archiver } = setup({ maxRecords: 2 });
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1), rec(2)]));
  await archiver.settled();
  assert.deepEqual(done(fake), ["write p0 0-1 [0,1] q0", "commit p0 2"]);
  await archiver.eachBatch(payload(0, 3, [rec(3), rec(4)]));
  await archiver.eachBatch(payload(0, 5, [rec(5), rec(6)]));
  await archiver.eachBatch(payload(0, 7, [rec(7), rec(8)]));
  await archiver.settled();
  assert.deepEqual(done(fake).slice(2), [
    "write p0 2-3 [2,3] q0",
    "commit p0 4",
    "write p0 4-5 [4,5] q0",
    "commit p0 6",
    "write p0 6-7 [6,7] q0",
    "commit p0 8",
  ]);
  await archiver.shutdown();
  assert.deepEqual(done(fake).slice(8), ["write p0 8-8 [8] q0", "commit p0 9"]);
  assert.equal(archiver.stats.records, 9);
});

Deno.test("ConsumerArchiver.eachBatch() returns before the write; the next write starts only after the previous commit", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  const gate = Promise.withResolvers<void>();
  fake.gate = gate.promise;
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1)]));
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(fake.events, ["put p0 0"]);
  gate.resolve();
  await archiver.settled();
  assert.deepEqual(fake.events, [
    "put p0 0",
    "write p0 0-0 [0] q0",
    "commit p0 1",
    "put p0 1",
    "write p0 1-1 [1] q0",
    "commit p0 2",
  ]);
  await archiver.shutdown();
});

Deno.test("ConsumerArchiver.eachBatch() waits while S3 lags, so kafkajs stops fetching", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  const gate = Promise.withResolvers<void>();
  fake.gate = gate.promise;
  const calls = [0, 1, 2, 3, 4, 5].map((i) => archiver.eachBatch(payload(0, i, [rec(i)])));
  const returned: boolean[] = calls.map(() => false);
  calls.forEach((call, i) => call.then(() => returned[i] = true));
  await new Promise((r) => setTimeout(r, 20));
  assert.ok(returned.includes(false), `every eachBatch returned: ${returned}`);
  gate.resolve();
  await Promise.all(calls);
  await archiver.shutdown();
  assert.equal(archiver.stats.records, 6);
  assert.deepEqual(done(fake).filter((e) => e.startsWith("commit")), [1, 2, 3, 4, 5, 6].map((o) => `commit p0 ${o}`));
});

Deno.test("ConsumerArchiver closes the batch when the day changes and keeps rejects with their batch", async () => {
  const { fake, archiver } = setup({});
  // '{"seq":3}' has no timestamp_utc: its Kafka timestamp (0, 1970-01-01) makes it another day.
  await archiver.eachBatch(payload(1, 10, ["oops", rec(0), rec(1), rec(2, "2025-01-02"), '{"seq":3}']));
  await archiver.eachBatch(payload(1, 15, [rec(4, "2025-01-03")]));
  await archiver.eachBatch(payload(1, 16, [rec(5, "2025-01-03")]));
  await archiver.shutdown();
  assert.deepEqual(done(fake), [
    "write p1 10-12 [0,1] q1",
    "commit p1 13",
    "write p1 13-13 [2] q0",
    "commit p1 14",
    "write p1 14-14 [3] q0",
    "commit p1 15",
    "write p1 15-16 [4,5] q0",
    "commit p1 17",
  ]);
});

Deno.test("ConsumerArchiver closes a batch when idle and commits it", async () => {
  const { fake, archiver } = setup({ idleMs: 30 });
  await archiver.eachBatch(payload(0, 7, [rec(7)]));
  await archiver.settled();
  assert.deepEqual(done(fake), []);
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(done(fake), ["write p0 7-7 [7] q0", "commit p0 8"]);
  await archiver.shutdown();
});

Deno.test("ConsumerArchiver drops open batches on a rebalance; kafkajs replays them from the commit", async () => {
  const { fake, archiver } = setup({});
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1)]));
  await archiver.settled();
  fake.emit("rebalancing", {});
  fake.join([1]);
  await archiver.shutdown();
  assert.deepEqual(fake.events, []);
});

Deno.test("ConsumerArchiver stops at a failed write and commits nothing after it", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  fake.failAt = 1;
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1), rec(2)]));
  await archiver.eachBatch(payload(0, 3, [rec(3)]));
  await archiver.settled();
  assert.deepEqual(done(fake), ["write p0 0-0 [0] q0", "commit p0 1"]);
  assert.match(fake.fatal?.message ?? "", /Cannot write: test/);
  assert.equal(archiver.fatal, fake.fatal);
  await archiver.eachBatch(payload(0, 4, [rec(4)]));
  await archiver.shutdown();
  assert.equal(done(fake).length, 2);
});

Deno.test("ConsumerArchiver retries a write S3 refuses for now, then commits it once, in order", async () => {
  const warnings: string[] = [];
  const { fake, archiver } = setup({ maxRecords: 1 }, warnings);
  fake.outage = 3;
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1), rec(2)]));
  await archiver.settled();
  assert.deepEqual(done(fake), [
    "write p0 0-0 [0] q0",
    "commit p0 1",
    "write p0 1-1 [1] q0",
    "commit p0 2",
    "write p0 2-2 [2] q0",
    "commit p0 3",
  ]);
  assert.equal(fake.events.filter((e) => e === "put p0 0").length, 4, "3 failed puts and the one that passed");
  assert.equal(archiver.fatal, undefined);
  assert.equal(warnings.length, 3);
  assert.match(warnings[0]!, /the S3 write of t\/0@0 failed \(Cannot write: S3 down\); waiting 0\.0 s before retry 1/);
  await archiver.shutdown();
});

Deno.test("ConsumerArchiver.abandon() stops a write that retries forever, committing nothing", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  fake.outage = Infinity;
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1)]));
  await new Promise((r) => setTimeout(r, 30));
  archiver.abandon(new Error("gave up"));
  await archiver.settled();
  assert.deepEqual(done(fake), []);
  assert.equal(archiver.fatal?.message, "gave up");
});

Deno.test("ConsumerArchiver hands a rebalance error from a commit to kafkajs at the next eachBatch, and resumes after the join", async () => {
  const { fake, archiver } = setup({ maxRecords: 1 });
  const error = Object.assign(new Error("The group is rebalancing"), { type: "REBALANCE_IN_PROGRESS" });
  fake.commitError = error;
  await archiver.eachBatch(payload(0, 0, [rec(0), rec(1)]));
  await archiver.settled();
  assert.deepEqual(done(fake), ["write p0 0-0 [0] q0"]);
  await assert.rejects(archiver.eachBatch(payload(0, 2, [rec(2)])), error);
  assert.equal(archiver.fatal, undefined);
  fake.commitError = undefined;
  fake.join([0]);
  await archiver.eachBatch(payload(0, 0, [rec(0)]));
  await archiver.shutdown();
  assert.deepEqual(done(fake), ["write p0 0-0 [0] q0", "write p0 0-0 [0] q0", "commit p0 1"]);
});
