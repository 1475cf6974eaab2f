/**
 * Builds the S3 client for AWS or any S3-compatible server.
 *
 * @module
 */
import { S3Client } from "@aws-sdk/client-s3";

/** Where and how the archive is written to S3. */
export interface S3Settings {
  /** Bucket name (`S3_BUCKET`, required). */
  readonly bucket: string;
  /** AWS region (`AWS_REGION`, then `AWS_DEFAULT_REGION`). @default "us-east-1" */
  readonly region: string;
  /** Endpoint of an S3-compatible server (`AWS_ENDPOINT_URL_S3`); `undefined` for AWS. */
  readonly endpoint: string | undefined;
  /** Path-style addressing (`S3_FORCE_PATH_STYLE`). @default true when an endpoint is set */
  readonly forcePathStyle: boolean;
  /** Attempts per S3 request, retries included (`S3_MAX_ATTEMPTS`). @default 5 */
  readonly maxAttempts: number;
}

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
