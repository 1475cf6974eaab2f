/**
 * Gzip for archive objects, on the calling thread: Deno runs even `node:zlib`'s
 * callback API there, so `archive_pool.ts` calls these in its workers.
 *
 * @module
 */
import { gunzip, gzip } from "node:zlib";

/**
 * Compresses bytes with gzip.
 *
 * @param level zlib level, 1 (fastest) to 9 (smallest). @default 6
 */
export function gzipBytes(data: Uint8Array, level = 6): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gzip(
      data,
      { level },
      (error, out) => error ? reject(error) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)),
    );
  });
}

/** Decompresses gzip bytes (also several concatenated members). */
export function gunzipBytes(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    gunzip(
      data,
      (error, out) => error ? reject(error) : resolve(new Uint8Array(out.buffer, out.byteOffset, out.byteLength)),
    );
  });
}
