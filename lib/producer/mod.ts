/**
 * Publishing quotes to Kafka: the producer's config, its run loop, the publisher and the
 * partitioner.
 *
 * Imports lib/quotes, lib/kafka and lib/util.
 *
 * @module
 */
export { PRODUCER_ENV, producerConfig } from "./config.ts";
export type { ProducerConfig } from "./config.ts";
export { CachedDefaultPartitioner } from "./partitioner.ts";
export { QuotePublisher } from "./publisher.ts";
export { consoleLogger, runProducer } from "./runner.ts";
export type { ProducerLogger } from "./runner.ts";
