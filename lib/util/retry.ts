/**
 * Retries a call whose failure says it may pass later (a rebalance, a server
 * still starting, an outage), at a fixed pace or with capped exponential
 * backoff and jitter.
 *
 * @module
 */
import { sleep } from "./sleep.ts";

/** How {@linkcode retryRetriable} retries. */
export interface RetryOptions {
  /** Calls in all, the first included. @default Infinity */
  readonly attempts?: number;
  /** Wait before the first retry; with `maxDelayMs`, doubled after each failure. */
  readonly delayMs: number;
  /** Cap of the doubling wait; each wait is then drawn from [cap/2, cap] of the current step (jitter). @default delayMs (a fixed pace, no jitter) */
  readonly maxDelayMs?: number;
  /** Whether `error` may pass on a later call; others are thrown at once. */
  readonly isRetriable: (error: unknown) => boolean;
  /** Told of each failure that will be retried, and how long the wait before the next call is. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /** Aborting it ends the waiting: the last failure is thrown. */
  readonly signal?: AbortSignal;
}

/** The wait before retry number `attempt` (1-based): `delayMs` doubled per attempt up to `maxDelayMs`, half of it random. */
export function backoffDelay(attempt: number, options: Pick<RetryOptions, "delayMs" | "maxDelayMs">): number {
  const max = options.maxDelayMs ?? options.delayMs;
  if (max <= options.delayMs) return options.delayMs;
  const step = Math.min(max, options.delayMs * 2 ** Math.min(attempt - 1, 30));
  return Math.round(step / 2 + Math.random() * (step / 2));
}

/**
 * Calls `task` until it resolves, a failure is not retriable, `attempts` calls failed, or `signal` aborts.
 *
 * @throws The last failure.
 */
export async function retryRetriable<T>(task: () => Promise<T>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? Infinity;
  for (let attempt = 1;; attempt++) {
    try {
      return await task();
    } catch (error) {
      if (!options.isRetriable(error) || attempt >= attempts || options.signal?.aborted) throw error;
      const delay = backoffDelay(attempt, options);
      options.onRetry?.(error, attempt, delay);
      await sleep(delay, options.signal);
      if (options.signal?.aborted) throw error;
    }
  }
}
