/**
 * The consumer against the real local stack (Kafka on :29092, S3 on :7070).
 * Each test has its own topic and bucket and removes them.
 */
import assert from "node:assert/strict";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { consumerLag } from "../../lib/archive/lag.ts";
import type { ArchiverStats } from "../../lib/archive/archiver.ts";
import type { ConsumerConfig } from "../../lib/archive/config.ts";
import { runConsumer } from "../../lib/archive/run.ts";
import { S3Error } from "../../lib/s3/error.ts";
import { checkOffsetsOnce, eventually, listKeys, readArchive, testName, withFixture } from "./_stack.ts";

/** Starts the consumer in this process; `stop()` shuts it down gracefully and returns its stats. */
function startConsumer(config: ConsumerConfig, logs: string[] = []): { stop: () => Promise<ArchiverStats> } {
  const controller = new AbortController();
  const run = runConsumer(config, {
    signal: controller.signal,
    log: (line) => logs.push(line),
    warn: (line) => logs.push(line),
  });
  run.catch(() => {}); // surfaced by stop()
  return {
    stop: async () => {
      controller.abort();
      return await run;
    },
  };
}

Deno.test("consumer archives records of three UTC days under their own day's prefix", async () => {
  await withFixture({ idleMs: 1_000 }, {}, async ({ topic, bucket, producer, s3, config }) => {
    const stamps = [
      "2024-10-01T09:30:00Z",
      "2024-10-01T23:59:59.999Z",
      "2024-10-02T00:00:00Z",
      "2024-10-01T12:00:00Z", // late record of day 1 after day 2 began
      "2024-10-02T15:00:00+02:00",
      "2024-10-03T08:00:00.123456",
      "2024-10-03T21:00:00-02:00", // 23:00 UTC, still the 3rd
    ];
    const values = stamps.map((timestamp_utc, seq) => ({
      seq,
      timestamp_utc,
      data: [{ ticker: "AAPL", price: 100 + seq }],
    }));
    const noStamp = { seq: 7, data: [] }; // no timestamp_utc: the Kafka timestamp decides (the 3rd)
    await producer.send({
      topic,
      acks: -1,
      messages: [
        ...values.map((v) => ({ value: JSON.stringify(v) })),
        { value: JSON.stringify(noStamp), timestamp: String(Date.UTC(2024, 9, 3, 6)) },
      ],
    });
    const consumer = startConsumer(config);
    let stats: ArchiverStats;
    try {
      await eventually("8 archived records", 30_000, async () => {
        const lines = (await readArchive(s3, bucket, `archive/${topic}/`)).flatMap((o) => o.lines);
        return lines.length >= 8 ? lines : undefined;
      });
    } finally {
      stats = await consumer.stop();
    }
    const objects = await readArchive(s3, bucket, `archive/${topic}/`);
    const byDay = new Map<string, number[]>();
    for (const o of objects) {
      const m = /^archive\/[^/]+\/year=(\d{4})\/month=(\d{2})\/day=(\d{2})\/[^/]+\+0\+\d{20}\.jsonl\.gz$/.exec(o.key);
      assert.ok(m, `unexpected key ${o.key}`);
      const list = byDay.get(`${m[1]}-${m[2]}-${m[3]}`) ?? [];
      list.push(...o.lines.map((l) => (JSON.parse(l) as { seq: number }).seq));
      byDay.set(`${m[1]}-${m[2]}-${m[3]}`, list);
    }
    assert.deepEqual(Object.fromEntries([...byDay].map(([d, seqs]) => [d, seqs.sort()])), {
      "2024-10-01": [0, 1, 3],
      "2024-10-02": [2, 4],
      "2024-10-03": [5, 6, 7],
    });
    // Content is byte-for-byte what was produced.
    const lines = objects.flatMap((o) => o.lines).map((l) => JSON.parse(l));
    assert.deepEqual(lines.sort((a, b) => a.seq - b.seq), [...values, noStamp]);
    // A change of day closes the batch: runs 01,01 | 02 | 01 | 02 | 03,03,03 are five objects.
    assert.equal(objects.length, 5);
    assert.equal(stats.records, 8);
    checkOffsetsOnce(objects, new Map([[0, 8]]));
  });
});

Deno.test("consumer archives a lone record after the idle timeout and commits it", async () => {
  await withFixture(
    { idleMs: 1_000, maxAgeMs: 600_000 },
    {},
    async ({ topic, bucket, admin, producer, s3, config }) => {
      const consumer = startConsumer(config);
      try {
        await eventually("the consumer to join", 30_000, async () => {
          const groups = await admin.describeGroups([config.groupId]);
          return groups.groups[0]?.state === "Stable" ? true : undefined;
        });
        const value = { seq: 1, timestamp_utc: "2025-06-30T16:00:00Z", data: [{ ticker: "TSLA", price: 250.5 }] };
        await producer.send({ topic, acks: -1, messages: [{ value: JSON.stringify(value) }] });
        const objects = await eventually("the lone record's object", 15_000, async () => {
          const found = await readArchive(s3, bucket, `archive/${topic}/`);
          return found.length > 0 ? found : undefined;
        });
        // Archived while the consumer still runs: the idle timeout, not shutdown, closed it.
        assert.equal(objects.length, 1);
        assert.equal(
          objects[0]!.key,
          `archive/${topic}/year=2025/month=06/day=30/${topic}+0+00000000000000000000.jsonl.gz`,
        );
        assert.deepEqual(objects[0]!.lines.map((l) => JSON.parse(l)), [value]);
        const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: objects[0]!.key }));
        assert.deepEqual(
          [head.Metadata?.["start-offset"], head.Metadata?.["end-offset"], head.Metadata?.["records"]],
          ["0", "0", "1"],
        );
        const lag = await eventually("the commit", 10_000, async () => {
          const l = await consumerLag(admin, { groupId: config.groupId, topic });
          return l[0]?.committed === 1n ? l : undefined;
        });
        assert.deepEqual(lag, [{ partition: 0, committed: 1n, end: 1n, lag: 0n }]);
      } finally {
        await consumer.stop();
      }
    },
  );
});

Deno.test("consumer quarantines a poison message and archives the next good record", async () => {
  await withFixture({ idleMs: 1_000 }, {}, async ({ topic, bucket, admin, producer, s3, config }) => {
    const good = { seq: 2, timestamp_utc: "2025-01-15T10:00:00Z", data: [] };
    await producer.send({
      topic,
      acks: -1,
      messages: [
        { key: "k1", value: "{not json" },
        { value: JSON.stringify({ seq: 1, timestamp_utc: "not a date" }) },
        { value: JSON.stringify(good) },
      ],
    });
    const logs: string[] = [];
    const consumer = startConsumer(config, logs);
    try {
      await eventually("the good record", 30_000, async () => {
        const found = await readArchive(s3, bucket, `archive/${topic}/`);
        return found.length > 0 ? found : undefined;
      });
    } finally {
      await consumer.stop();
    }
    const data = await readArchive(s3, bucket, `archive/${topic}/`);
    assert.deepEqual(data.map((o) => [o.key, o.lines.map((l) => JSON.parse(l))]), [
      [`archive/${topic}/year=2025/month=01/day=15/${topic}+0+00000000000000000000.jsonl.gz`, [good]],
    ]);
    const quarantine = await readArchive(s3, bucket, `archive/_quarantine/${topic}/`);
    assert.equal(quarantine.length, 1);
    assert.equal(quarantine[0]!.key, `archive/_quarantine/${topic}/${topic}+0+00000000000000000000.jsonl.gz`);
    const rejected = quarantine[0]!.lines.map((l) => JSON.parse(l));
    assert.deepEqual(rejected.map((r) => [r.offset, r.key, r.value]), [
      ["0", "k1", "{not json"],
      ["1", null, JSON.stringify({ seq: 1, timestamp_utc: "not a date" })],
    ]);
    assert.match(rejected[0].reason, /^value is not JSON/);
    assert.match(rejected[1].reason, /^timestamp_utc "not a date" is not an ISO-8601 date-time/);
    assert.ok(logs.some((l) => l.startsWith(`Quarantining ${topic}/0@0: value is not JSON`)), logs.join("\n"));
    const lag = await consumerLag(admin, { groupId: config.groupId, topic });
    assert.deepEqual(lag, [{ partition: 0, committed: 3n, end: 3n, lag: 0n }]);
  });
});

Deno.test("consumer refuses to start on a missing bucket or denied access, before consuming", async (t) => {
  await withFixture({}, {}, async ({ topic, bucket, admin, producer, s3, config }) => {
    await producer.send({ topic, acks: -1, messages: [{ value: '{"a":1}' }] });
    await t.step("missing bucket", async () => {
      const missing = testName();
      const cfg = { ...config, s3: { ...config.s3, bucket: missing } };
      await assert.rejects(
        runConsumer(cfg, { signal: new AbortController().signal }),
        (e: unknown) =>
          e instanceof S3Error &&
          e.message.includes(`Cannot read bucket "${missing}"`) &&
          e.message.includes("the bucket does not exist; create it or set S3_BUCKET"),
      );
    });
    await t.step("denied access (wrong secret key)", async () => {
      const saved = Deno.env.get("AWS_SECRET_ACCESS_KEY");
      Deno.env.set("AWS_SECRET_ACCESS_KEY", "wrong-secret");
      try {
        await assert.rejects(
          runConsumer(config, { signal: new AbortController().signal }),
          (e: unknown) =>
            e instanceof S3Error &&
            /^Cannot read bucket "[^"]+" at [^ ]+: access denied \((HTTP 403|[A-Za-z]+)\); check the credentials/.test(
              e.message,
            ),
        );
      } finally {
        if (saved === undefined) Deno.env.delete("AWS_SECRET_ACCESS_KEY");
        else Deno.env.set("AWS_SECRET_ACCESS_KEY", saved);
      }
    });
    // Nothing was consumed or written.
    const lag = await consumerLag(admin, { groupId: config.groupId, topic });
    assert.deepEqual(lag, [{ partition: 0, committed: undefined, end: 1n, lag: 1n }]);
    assert.deepEqual(await listKeys(s3, bucket), []);
  });
});

Deno.test("consumer neither loses nor doubles records when a second consumer joins and leaves", async () => {
  const partitions = 4;
  await withFixture(
    { maxRecords: 300, idleMs: 1_000 },
    { partitions },
    async ({ topic, bucket, admin, producer, s3, config }) => {
      const total = 20_000;
      const send = async (from: number, to: number) => {
        const messages = [];
        for (let seq = from; seq < to; seq++) {
          messages.push({
            partition: seq % partitions,
            value: JSON.stringify({ seq, timestamp_utc: new Date(Date.UTC(2025, 2, 1) + seq * 1000).toISOString() }),
          });
        }
        await producer.send({ topic, acks: -1, messages });
      };
      const a = startConsumer(config);
      let b: ReturnType<typeof startConsumer> | undefined;
      try {
        for (let round = 0; round < 10; round++) {
          await send(round * 2_000, (round + 1) * 2_000);
          if (round === 3) b = startConsumer(config); // joins: rebalance
          if (round === 7) await a.stop(); // leaves: rebalance again
          await new Promise((r) => setTimeout(r, 300));
        }
        await eventually("lag 0", 60_000, async () => {
          const lag = await consumerLag(admin, { groupId: config.groupId, topic });
          return lag.every((l) => l.lag === 0n) ? lag : undefined;
        });
      } finally {
        await a.stop().catch(() => {});
        await b?.stop();
      }
      const objects = await readArchive(s3, bucket, `archive/${topic}/`);
      const ends = new Map(Array.from({ length: partitions }, (_, p) => [p, total / partitions]));
      const seqs = checkOffsetsOnce(objects, ends).map((l) => (JSON.parse(l) as { seq: number }).seq).sort((x, y) =>
        x - y
      );
      assert.equal(seqs.length, total);
      assert.ok(seqs.every((s, i) => s === i), "every seq exactly once");
    },
  );
});
