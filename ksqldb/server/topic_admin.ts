/**
 * The Kafka topics behind streams and tables: their partitions and replicas,
 * creating a sink's topic, listing and deleting them.
 *
 * @module
 */
import type { KafkaConnection } from "./kafka_connection.ts";

/** A topic's partition and replica counts. */
export interface TopicInfo {
  readonly partitions: number;
  readonly replicas: number;
}

/** A topic of SHOW TOPICS: its name and each partition's replica count. */
export interface TopicListing {
  readonly name: string;
  readonly replicaInfo: readonly number[];
}

/** Kafka topic administration through `kafka`. */
export class TopicAdmin {
  #connected: KafkaConnection;

  constructor(kafka: KafkaConnection) {
    this.#connected = kafka;
  }

  /** `topic`'s partitions and replicas, or undefined when it does not exist. */
  async info(topic: string): Promise<TopicInfo | undefined> {
    const admin = await this.#connected();
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return undefined;
    const { topics: [meta] } = await admin.fetchTopicMetadata({ topics: [topic] });
    return { partitions: meta?.partitions.length ?? 1, replicas: meta?.partitions[0]?.replicas.length ?? 1 };
  }

  /** Creates `topic` unless it exists, with `configs` (e.g. `retention.ms`); answers what it has. */
  async ensure(
    topic: string,
    partitions: number,
    replicas: number,
    configs: readonly { name: string; value: string }[] = [],
  ): Promise<TopicInfo> {
    const existing = await this.info(topic);
    if (existing) return existing;
    await (await this.#connected()).createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: replicas, configEntries: [...configs] }],
      waitForLeaders: true,
    });
    return { partitions, replicas };
  }

  /** The topics a user sees (internal `_` topics left out), by name. */
  async list(): Promise<TopicListing[]> {
    const admin = await this.#connected();
    const names = (await admin.listTopics()).filter((n) => !n.startsWith("_")).sort();
    const { topics } = names.length > 0 ? await admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
    return topics.sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({
      name: t.name,
      replicaInfo: t.partitions.map((p) => p.replicas.length),
    }));
  }

  /** Deletes `topic`. */
  async delete(topic: string): Promise<void> {
    await (await this.#connected()).deleteTopics({ topics: [topic] });
  }
}
