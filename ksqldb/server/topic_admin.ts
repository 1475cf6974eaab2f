/**
 * The Kafka topics behind streams and tables: their partitions and replicas,
 * creating a sink's topic, listing and deleting them.
 *
 * @module
 */
import type { Admin } from "kafkajs";

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

/** Kafka topic administration through `admin`. */
export class TopicAdmin {
  #admin: Admin;

  constructor(admin: Admin) {
    this.#admin = admin;
  }

  /** `topic`'s partitions and replicas, or undefined when it does not exist. */
  async info(topic: string): Promise<TopicInfo | undefined> {
    const topics = await this.#admin.listTopics();
    if (!topics.includes(topic)) return undefined;
    const { topics: [meta] } = await this.#admin.fetchTopicMetadata({ topics: [topic] });
    return { partitions: meta?.partitions.length ?? 1, replicas: meta?.partitions[0]?.replicas.length ?? 1 };
  }

  /** Creates `topic` unless it exists; answers what it has. */
  async ensure(topic: string, partitions: number, replicas: number): Promise<TopicInfo> {
    const existing = await this.info(topic);
    if (existing) return existing;
    await this.#admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: replicas }],
      waitForLeaders: true,
    });
    return { partitions, replicas };
  }

  /** The topics a user sees (internal `_` topics left out), by name. */
  async list(): Promise<TopicListing[]> {
    const names = (await this.#admin.listTopics()).filter((n) => !n.startsWith("_")).sort();
    const { topics } = names.length > 0 ? await this.#admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
    return topics.sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({
      name: t.name,
      replicaInfo: t.partitions.map((p) => p.replicas.length),
    }));
  }

  /** Deletes `topic`. */
  async delete(topic: string): Promise<void> {
    await this.#admin.deleteTopics({ topics: [topic] });
  }
}
