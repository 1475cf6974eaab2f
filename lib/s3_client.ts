/**
 * Builds the S3 client for AWS or any S3-compatible server.
 *
 * @module
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { S3Settings } from "./consumer_config.ts";

/**
 * Creates an S3 client: the SDK's default credential chain (environment,
 * shared files, instance roles), the configured region, and for S3-compatible
 * servers `AWS_ENDPOINT_URL_S3` with path-style addressing.
 */
export function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    maxAttempts: settings.maxAttempts,
    ...(settings.endpoint === undefined ? {} : { endpoint: settings.endpoint }),
  });
}
