/**
 * The S3 archive of a topic (`consumer.ts`): config, run loop, archiver, batches, object keys,
 * record timestamps, writer, worker pool, gzip, quarantine, consumer lag, JSON scanning, buffer
 * pool.
 *
 * Imports lib/s3, lib/kafka and lib/util.
 *
 * @module
 */
export { consumerConfig } from "./config.ts";
export { consumerLag, formatLag } from "./lag.ts";
export { FETCH_BYTES, runConsumer } from "./run.ts";
