/**
 * Start-up check that the archive bucket exists and accepts writes.
 *
 * @module
 */
import { HeadBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { joinKey } from "./key.ts";
import { toS3Error } from "./error.ts";

/**
 * Checks, before anything is consumed, that `bucket` exists, can be read
 * (HeadBucket, which needs s3:ListBucket) and written (a small marker object
 * `<prefix>/_tickpipe/write-check`, which needs s3:PutObject).
 *
 * @throws {S3Error} Naming the bucket and the fix: missing bucket, denied
 * access, missing credentials, wrong region, unreachable server.
 */
export async function checkBucket(
  client: S3Client,
  bucket: string,
  options: { prefix: string; endpoint?: string | undefined; signal?: AbortSignal },
): Promise<void> {
  const where = { bucket, endpoint: options.endpoint };
  const abort = options.signal === undefined ? {} : { abortSignal: options.signal };
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }), abort);
  } catch (error) {
    throw toS3Error(error, "read", where);
  }
  const key = joinKey(options.prefix, "_tickpipe", "write-check");
  try {
    await client.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: new TextEncoder().encode(new Date().toISOString()) }),
      abort,
    );
  } catch (error) {
    throw toS3Error(error, "write", { ...where, key });
  }
}
