/**
 * How far the archiving group is behind the topic, per partition.
 *
 * @module
 */
import type { Admin } from "kafkajs";

/** Lag of one partition. */
export interface PartitionLag {
  readonly partition: number;
  /** Next offset the group will archive; `undefined` when it has committed nothing. */
  readonly committed: bigint | undefined;
  /** Offset of the next message to be produced (the high watermark). */
  readonly end: bigint;
  /** Messages not yet archived: `end - committed`, or `end - start` with no commit. */
  readonly lag: bigint;
}

/**
 * Reads a group's committed offsets and the topic's watermarks and returns the
 * lag per partition, ordered by partition.
 *
 * @param admin A connected kafkajs admin client.
 * @throws {KafkaJSError} When the topic does not exist or Kafka is unreachable.
 */
export async function consumerLag(admin: Admin, options: { groupId: string; topic: string }): Promise<PartitionLag[]> {
  const [watermarks, committed] = await Promise.all([
    admin.fetchTopicOffsets(options.topic),
    admin.fetchOffsets({ groupId: options.groupId, topics: [options.topic] }),
  ]);
  const byPartition = new Map<number, string>();
  for (const p of committed.find((t) => t.topic === options.topic)?.partitions ?? []) {
    byPartition.set(p.partition, p.offset);
  }
  return watermarks
    .map((w) => {
      const raw = byPartition.get(w.partition);
      const committedOffset = raw === undefined || BigInt(raw) < 0n ? undefined : BigInt(raw);
      const end = BigInt(w.high);
      const from = committedOffset ?? BigInt(w.low);
      return { partition: w.partition, committed: committedOffset, end, lag: end > from ? end - from : 0n };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Formats lag as an aligned text table, with a total line. */
export function formatLag(topic: string, groupId: string, lags: readonly PartitionLag[]): string {
  const rows = lags.map((
    l,
  ) => [String(l.partition), l.committed?.toString() ?? "-", l.end.toString(), l.lag.toString()]);
  const total = lags.reduce((sum, l) => sum + l.lag, 0n);
  const header = ["partition", "committed", "end", "lag"];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [`Group "${groupId}" on topic "${topic}": total lag ${total}`, line(header), ...rows.map(line)].join("\n");
}
