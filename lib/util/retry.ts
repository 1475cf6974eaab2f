/**
 * Retries a call whose failure says it may pass later (a rebalance, a server
 * still starting), at a fixed pace, a bounded number of times.
 *
 * @module
 */
import { sleep } from "./sleep.ts";

/** How {@linkcode retryRetriable} retries. */
export interface RetryOptions {
  /** Calls in all, the first included. */
  readonly attempts: number;
  readonly delayMs: number;
  /** Whether `error` may pass on a later call; others are thrown at once. */
  readonly isRetriable: (error: unknown) => boolean;
  /** Told of each failure that will be retried. */
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Calls `task` until it resolves, a failure is not retriable, or `attempts` calls failed.
 *
 * @throws The last failure.
 */
export async function retryRetriable<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!options.isRetriable(error) || attempt >= options.attempts) throw error;
      options.onRetry?.(error, attempt);
      await sleep(options.delayMs);
    }
  }
}
