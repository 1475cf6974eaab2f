/**
 * S3: the client, its errors, object keys, the bucket check and the outage watch.
 *
 * Imports lib/util.
 *
 * @module
 */
export { checkBucket } from "./check.ts";
export { s3Client } from "./client.ts";
export type { S3Settings } from "./client.ts";
export { S3Error, toS3Error } from "./error.ts";
export { joinKey } from "./key.ts";
export { watchBucket } from "./watch.ts";
