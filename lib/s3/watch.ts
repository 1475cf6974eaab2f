/**
 * Notices an S3 outage as it starts, not at the next write: a light
 * HeadBucket every few seconds, a line when the server stops answering and
 * one when it answers again.
 *
 * @module
 */
import { HeadBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { toS3Error } from "./error.ts";
import { sleep } from "../util/mod.ts";

/** Options of {@linkcode watchBucket}. */
export interface WatchBucketOptions {
  /** Stops watching. */
  readonly signal: AbortSignal;
  /** For messages. */
  readonly endpoint?: string | undefined;
  /** Between probes. @default 5000 */
  readonly intervalMs?: number;
  /** Told when S3 stops answering. */
  readonly warn: (line: string) => void;
  /** Told when it answers again. */
  readonly log: (line: string) => void;
}

/**
 * Probes `bucket` with HeadBucket every `intervalMs` until `options.signal`
 * aborts; reports each change between reachable and unreachable. Never throws.
 */
export async function watchBucket(client: S3Client, bucket: string, options: WatchBucketOptions): Promise<void> {
  const interval = options.intervalMs ?? 5_000;
  let downSince: number | undefined;
  while (!options.signal.aborted) {
    await sleep(interval, options.signal);
    if (options.signal.aborted) return;
    try {
      const abortSignal = AbortSignal.any([options.signal, AbortSignal.timeout(Math.max(1_000, interval - 500))]);
      await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal });
      if (downSince !== undefined) {
        options.log(`S3 answers again after ${((Date.now() - downSince) / 1000).toFixed(0)} s; waiting writes resume`);
        downSince = undefined;
      }
    } catch (error) {
      if (options.signal.aborted || downSince !== undefined) continue;
      downSince = Date.now();
      const message = toS3Error(error, "read", { bucket, endpoint: options.endpoint }).message;
      options.warn(`${message}; archiving waits for S3 (writes retry with backoff, offsets stay uncommitted)`);
    }
  }
}
