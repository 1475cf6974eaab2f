import assert from "node:assert/strict";
import { Partitioners, type PartitionMetadata } from "kafkajs";
import { CachedDefaultPartitioner } from "../../lib/producer/partitioner.ts";

function metadata(count: number): PartitionMetadata[] {
  return Array.from(
    { length: count },
    (_, partitionId) => ({
      partitionErrorCode: 0,
      partitionId,
      leader: 1,
      replicas: [1],
      isr: [1],
      offlineReplicas: [],
    }),
  );
}

Deno.test("CachedDefaultPartitioner() puts every key where DefaultPartitioner does, asked once or again", () => {
  const cached = CachedDefaultPartitioner();
  const reference = Partitioners.DefaultPartitioner();
  const keys = Array.from({ length: 500 }, (_, i) => `T${i},X${i % 7}`);
  for (const count of [3, 5]) {
    for (const key of [...keys, ...keys]) {
      const args = { topic: "quotes", partitionMetadata: metadata(count), message: { key, value: "{}" } };
      assert.equal(cached(args), reference(args), `${key} with ${count} partitions`);
    }
  }
});

Deno.test("CachedDefaultPartitioner() keeps an explicit partition", () => {
  const args = { topic: "quotes", partitionMetadata: metadata(3), message: { key: "AAPL", value: "{}", partition: 2 } };
  assert.equal(CachedDefaultPartitioner()(args), 2);
});
