/**
 * Worker threads for the archiver's CPU work, so the main thread is left to
 * kafkajs: validating values (`JSON.parse`) and gzip. Deno's `node:zlib` runs
 * even its callback `gzip` on the calling thread, so gzip needs a worker too.
 *
 * The workers are built from source text (a `blob:` URL), which needs no
 * read permission for a module file.
 *
 * @module
 */
import { gzipBytes } from "./gzip.ts";
import { BufferPool } from "./buffer_pool.ts";
import { packValues, type ScannedValues, scanValues } from "./scan.ts";
import { parseTimestampUtc } from "./timestamp.ts";
import { quickScanJson } from "./json_quick_scan.ts";

/** Where the archiver's CPU work runs. */
export interface ArchiveCpu {
  /** Runs {@linkcode scanValues} on `values`. */
  scan(values: readonly (Uint8Array | null)[]): Promise<ScannedValues>;
  /** Compresses `data` with gzip at `level` (1..9). */
  gzip(data: Uint8Array, level: number): Promise<Uint8Array>;
  /** Allocates bytes for {@linkcode ArchiveCpu.gzip}, maybe reusing a buffer. */
  alloc(size: number): Uint8Array<ArrayBuffer>;
  /** Offers the packed data of a scan for reuse, once nothing reads it (or its records' lines) any more. */
  recycle(scanned: ScannedValues): void;
}

/** Runs everything on the calling thread; for tests and `ARCHIVE_WORKERS=0`. */
export const INLINE_CPU: ArchiveCpu = Object.freeze({
  scan(values: readonly (Uint8Array | null)[]): Promise<ScannedValues> {
    const { data, ends } = packValues(values);
    return Promise.resolve(scanValues(data, ends));
  },
  gzip: gzipBytes,
  alloc: (size: number) => new Uint8Array(size),
  recycle: () => {},
});

type Job =
  | { id: number; op: "scan"; data: Uint8Array<ArrayBuffer>; ends: Int32Array<ArrayBuffer> }
  | { id: number; op: "gzip"; data: Uint8Array<ArrayBuffer>; level: number };
type Reply = { id: number; result: unknown; error?: undefined } | { id: number; error: string };

/** The worker's entry point; self-contained, it is shipped as source text with `scanValues` and its helpers. */
function workerMain(scan: typeof scanValues): void {
  const scope = globalThis as unknown as {
    onmessage: (event: MessageEvent<Job>) => void;
    postMessage(message: Reply, transfer: Transferable[]): void;
  };
  const zlib = import("node:zlib");
  scope.onmessage = async ({ data: job }) => {
    try {
      if (job.op === "scan") {
        const result = scan(job.data, job.ends);
        const buffers = [result.data, result.ends, result.times, ...Object.values(result.lines)].map((a) => a.buffer);
        scope.postMessage({ id: job.id, result }, buffers);
      } else {
        const out = (await zlib).gzipSync(job.data, { level: job.level });
        const body = new Uint8Array(out.byteLength);
        body.set(out);
        // The input goes back too, for reuse.
        scope.postMessage({ id: job.id, result: { body, input: job.data } }, [body.buffer, job.data.buffer]);
      }
    } catch (error) {
      scope.postMessage({ id: job.id, error: String((error as Error)?.message ?? error) }, []);
    }
  };
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/**
 * A fixed set of workers that scan and gzip; each job goes to the worker with
 * the fewest jobs in flight. A crashed worker fails its jobs and every later
 * one (the archiver then stops, and a restart resumes from the commit).
 * Call {@linkcode ArchivePool.close} when done.
 */
export class ArchivePool implements ArchiveCpu {
  #workers: { worker: Worker; pending: Map<number, Pending> }[] = [];
  #buffers = new BufferPool();
  #nextId = 0;
  #url: string;
  #broken: Error | undefined;

  /**
   * Starts `size` workers.
   *
   * @throws {RangeError} When `size` is not a positive integer.
   */
  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`Pool size ${size} is not a positive integer`);
    const source = `${parseTimestampUtc}\n${quickScanJson}\n(${workerMain.toString()})(${scanValues.toString()});`;
    this.#url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    for (let i = 0; i < size; i++) {
      const worker = new Worker(this.#url, { type: "module", name: `archive-${i}` });
      const pending = new Map<number, Pending>();
      worker.onmessage = ({ data: reply }: MessageEvent<Reply>) => {
        const job = pending.get(reply.id);
        pending.delete(reply.id);
        if (reply.error !== undefined) job?.reject(new Error(`Archive worker failed: ${reply.error}`));
        else job?.resolve(reply.result);
      };
      worker.onerror = (event) => {
        event.preventDefault();
        this.#fail(new Error(`Archive worker crashed: ${event.message}`));
      };
      this.#workers.push({ worker, pending });
    }
  }

  /** Scans `values` in a worker (they are copied; the originals stay usable, the result holds the copy). */
  scan(values: readonly (Uint8Array | null)[]): Promise<ScannedValues> {
    const { data, ends } = packValues(values, (size) => this.#buffers.take(size));
    return this.#run({ id: 0, op: "scan", data, ends }, [data.buffer, ends.buffer]) as Promise<ScannedValues>;
  }

  /**
   * Compresses `data` in a worker. Its buffer is transferred (so `data` is
   * empty afterwards) and, when it came from {@linkcode ArchivePool.alloc}, reused.
   */
  async gzip(data: Uint8Array, level: number): Promise<Uint8Array> {
    const owned = data.buffer instanceof ArrayBuffer ? data as Uint8Array<ArrayBuffer> : new Uint8Array(data);
    const { body, input } = await this.#run({ id: 0, op: "gzip", data: owned, level }, [owned.buffer]) as {
      body: Uint8Array;
      input: Uint8Array;
    };
    this.#buffers.give(input.buffer);
    return body;
  }

  /** Bytes for {@linkcode ArchivePool.gzip}, over a reused buffer when large. */
  alloc(size: number): Uint8Array<ArrayBuffer> {
    return this.#buffers.take(size);
  }

  /** Reuses the packed data of `scanned`; nothing may read it, or lines of its records, afterwards. */
  recycle(scanned: ScannedValues): void {
    this.#buffers.give(scanned.data.buffer);
  }

  #run(job: Job, transfer: ArrayBuffer[]): Promise<unknown> {
    if (this.#broken !== undefined) return Promise.reject(this.#broken);
    const target = this.#workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = ++this.#nextId;
    const { promise, resolve, reject } = Promise.withResolvers<unknown>();
    target.pending.set(id, { resolve, reject });
    target.worker.postMessage({ ...job, id }, transfer);
    return promise;
  }

  #fail(error: Error): void {
    this.#broken ??= error;
    for (const { pending } of this.#workers) {
      for (const job of pending.values()) job.reject(error);
      pending.clear();
    }
  }

  /** Stops the workers; jobs in flight, and later ones, are rejected. */
  close(): void {
    this.#fail(new Error("Archive workers were closed"));
    for (const { worker } of this.#workers) worker.terminate();
    URL.revokeObjectURL(this.#url);
  }
}
