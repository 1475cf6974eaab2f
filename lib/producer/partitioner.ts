/**
 * kafkajs's `DefaultPartitioner` (the Java client's murmur2 of the key),
 * remembering the partition of each string key it has seen: kafkajs hashes
 * with a BigInt-backed `Long`, which costs microseconds per message.
 *
 * @module
 */
import { type ICustomPartitioner, Partitioners } from "kafkajs";

/** Most keys remembered per topic; past that the memory starts over. */
const MAX_KEYS = 10_000;

/**
 * Same partitions as `Partitioners.DefaultPartitioner` (so each key keeps its
 * partition), computed once per topic, partition count and key.
 */
export const CachedDefaultPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  const known = new Map<string, number>();
  return (args) => {
    const { topic, partitionMetadata, message } = args;
    if (typeof message.key !== "string" || (message.partition !== undefined && message.partition !== null)) {
      return partitioner(args);
    }
    const id = `${topic}\0${partitionMetadata.length}\0${message.key}`;
    let partition = known.get(id);
    if (partition === undefined) {
      partition = partitioner(args);
      if (known.size >= MAX_KEYS) known.clear();
      known.set(id, partition);
    }
    return partition;
  };
};
