/**
 * `deno task bucket ensure`: creates the archive bucket (`S3_BUCKET`) on the
 * configured S3 server unless it exists. On real AWS S3 create buckets with
 * your own tooling; this is for the local S3-compatible server.
 *
 * @module
 */
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { consumerConfig } from "../lib/archive/mod.ts";
import { s3Client } from "../lib/s3/mod.ts";
import { runMain } from "../lib/util/mod.ts";

/**
 * Creates `bucket` unless it exists.
 *
 * @returns Whether it was created.
 */
export async function ensureBucket(client: S3Client, bucket: string): Promise<boolean> {
  try {
    await client.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode !== 404) throw error;
  }
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return true;
}

async function main(): Promise<void> {
  if (Deno.args[0] !== "ensure") {
    console.error("Usage: deno task bucket ensure");
    Deno.exit(2);
  }
  const { s3 } = consumerConfig();
  const client = s3Client(s3);
  try {
    const created = await ensureBucket(client, s3.bucket);
    console.log(`  bucket ${s3.bucket.padEnd(21)} ${created ? "created" : "exists"}`);
  } finally {
    client.destroy();
  }
}

if (import.meta.main) await runMain(main, "Cannot ensure the archive bucket: ");
