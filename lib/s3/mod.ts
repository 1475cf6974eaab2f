/**
 * S3: the client, its errors, object keys and the bucket check.
 *
 * Imports nothing of tickpipe's.
 *
 * @module
 */
export { checkBucket } from "./check.ts";
export { s3Client } from "./client.ts";
export type { S3Settings } from "./client.ts";
export { toS3Error } from "./error.ts";
export { joinKey } from "./key.ts";
