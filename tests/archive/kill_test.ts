/**
 * Kill -9 the consumer at random points while it archives 100,000 messages,
 * restart it each time; afterwards every offset is in S3 exactly once.
 * Runs `consumer.ts` as a subprocess with the same permissions as `deno task consume`.
 */
import assert from "node:assert/strict";
import { consumerLag } from "../../lib/archive/lag.ts";
import { checkOffsetsOnce, eventually, readArchive, withFixture } from "./_stack.ts";
import { ConsumerProcess, processEnv } from "./_consumer_process.ts";

const TOTAL = 100_000;
const PARTITIONS = 3;
const KILLS = 12;
Deno.test("consumer killed with SIGKILL at random points archives every offset exactly once", async () => {
  await withFixture({}, { partitions: PARTITIONS }, async ({ topic, bucket, admin, producer, s3, config }) => {
    // ~120-byte records two seconds apart: 2.3 days, so day changes close batches too.
    const base = Date.UTC(2025, 4, 1, 20);
    for (let from = 0; from < TOTAL; from += 5_000) {
      const messages = [];
      for (let seq = from; seq < from + 5_000; seq++) {
        const timestamp_utc = new Date(base + seq * 2_000).toISOString();
        messages.push({
          partition: seq % PARTITIONS,
          value: JSON.stringify({ seq, timestamp_utc, data: [{ ticker: "AAPL", price: 180 + (seq % 100) / 10 }] }),
        });
      }
      await producer.send({ topic, acks: -1, messages });
    }
    const env = processEnv(topic, config.groupId, bucket);
    for (let kill = 0; kill < KILLS; kill++) {
      const child = new ConsumerProcess(env);
      const startedAt = Date.now();
      const target = 1 + Math.floor(Math.random() * 6);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`run ${kill + 1} did not archive ${target} objects in 60 s`)),
          60_000,
        );
      });
      await Promise.race([child.archivedAtLeast(target), timeout])
        .catch((e) => {
          throw new Error(
            `${(e as Error).message} (it archived ${child.archived}); its output:\n${child.output.join("\n")}`,
          );
        })
        .finally(() => clearTimeout(timer));
      await new Promise((r) => setTimeout(r, Math.random() * 20));
      const status = await child.stop("SIGKILL");
      console.log(`Run ${kill + 1}: killed after ${child.archived} objects, ${Date.now() - startedAt} ms`);
      assert.equal(status.signal, "SIGKILL", `run ${kill + 1} exited by itself:\n${child.output.join("\n")}`);
    }
    const last = new ConsumerProcess(env);
    await eventually("the last run to catch up", 180_000, async () => {
      const lag = await consumerLag(admin, { groupId: config.groupId, topic });
      return lag.every((l) => l.lag === 0n) ? true : undefined;
    });
    const status = await last.stop("SIGTERM");
    assert.equal(status.code, 0, last.output.join("\n"));

    const objects = await readArchive(s3, bucket, `archive/${topic}/`);
    const ends = new Map(Array.from({ length: PARTITIONS }, (_, p) => [p, Math.ceil((TOTAL - p) / PARTITIONS)]));
    const seqs = checkOffsetsOnce(objects, ends).map((l) => (JSON.parse(l) as { seq: number }).seq).sort((a, b) =>
      a - b
    );
    assert.equal(seqs.length, TOTAL);
    assert.ok(seqs.every((s, i) => s === i), "every message exactly once");
    console.log(`${KILLS} kills, ${objects.length} objects, ${seqs.length} records, no gap, no duplicate`);
  });
});
