/**
 * The Kafka client: connection settings from the environment, the kafkajs client, topic creation.
 *
 * Imports lib/util only.
 *
 * @module
 */
export { ensureTopic, kafkaClient, kafkaSettings } from "./client.ts";
export type { KafkaSettings } from "./client.ts";
