/**
 * The poll loop shared by the `stockdata` and `simulated` sources: every
 * interval, one request per symbol group, retrying what is retriable.
 *
 * @module
 */
import { QuoteApiError } from "./api_error.ts";
import type { QuoteEnvelope } from "./envelope.ts";
import type { SourceEvent } from "./source.ts";
import { sleep } from "../util/mod.ts";

/** Fetches one symbol group; throws {@linkcode QuoteApiError} on failure. */
export type FetchGroup = (symbols: readonly string[], signal: AbortSignal) => Promise<QuoteEnvelope>;

/** Options of {@linkcode pollQuotes}. */
export interface PollOptions {
  /** Symbol groups, one request each per poll. */
  groups: readonly (readonly string[])[];
  /** Time from one poll's start to the next, ms. */
  intervalMs: number;
  /** Retries per request after a retriable failure (usage-limit pauses not counted). @default 5 */
  maxRetries?: number;
  /** First retry delay before jitter, ms; doubles per retry. @default 1000 */
  backoffMs?: number;
  /** Longest retry delay, ms. @default 60000 */
  maxBackoffMs?: number;
  /** Stop after this many polls. @default Infinity */
  maxPolls?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
  /** Random numbers in [0, 1) for jitter, for tests. @default Math.random */
  random?: () => number;
}

/**
 * The delay before retry number `attempt` (0-based): what the API asked for,
 * else exponential backoff with jitter (50–100 % of `backoffMs · 2^attempt`,
 * capped at `maxBackoffMs`). Usage-limit pauses wait at least 1 s.
 */
export function retryDelayMs(
  error: QuoteApiError,
  attempt: number,
  options: Pick<PollOptions, "backoffMs" | "maxBackoffMs" | "random"> = {},
): number {
  const { backoffMs = 1000, maxBackoffMs = 60_000, random = Math.random } = options;
  if (error.code === "usage_limit_reached") return Math.max(1000, error.retryAfterMs ?? 0);
  if (error.retryAfterMs !== undefined) return error.retryAfterMs;
  const ceiling = Math.min(maxBackoffMs, backoffMs * 2 ** attempt);
  return Math.round(ceiling * (0.5 + random() * 0.5));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Polls every group each interval until `signal` aborts or `maxPolls` is
 * reached. A malformed response is `rejected`; a retriable failure is retried
 * (`retry` events) up to `maxRetries`, then `failed`; a usage-limit pause
 * waits until the API's window resets. Never throws for the API's behaviour.
 */
export async function* pollQuotes(
  fetchGroup: FetchGroup,
  options: PollOptions,
  signal: AbortSignal,
): AsyncGenerator<SourceEvent> {
  const { groups, intervalMs, maxRetries = 5, maxPolls = Infinity, now = Date.now } = options;
  const symbols = groups.reduce((n, g) => n + g.length, 0);
  const start = now();
  for (let poll = 1; poll <= maxPolls && !signal.aborted; poll++) {
    for (const group of groups) {
      const key = group.join(",");
      for (let attempt = 0; !signal.aborted;) {
        try {
          const envelope = await fetchGroup(group, signal);
          yield { kind: "batch", key, envelope, takenAt: new Date(now()) };
          break;
        } catch (error) {
          if (signal.aborted) return;
          if (!(error instanceof QuoteApiError)) {
            yield { kind: "failed", key, reason: describe(error) };
            break;
          }
          if (error.code === "malformed_response") {
            yield { kind: "rejected", key, reason: error.message };
            break;
          }
          if (!error.retriable || (attempt >= maxRetries && error.code !== "usage_limit_reached")) {
            const tries = attempt + 1;
            yield { kind: "failed", key, reason: `${error.message} (gave up after ${tries} tries)` };
            break;
          }
          const delayMs = retryDelayMs(error, attempt, options);
          if (error.code !== "usage_limit_reached") attempt++;
          yield { kind: "retry", key, reason: error.message, delayMs };
          await sleep(delayMs, signal);
        }
      }
    }
    if (signal.aborted) return;
    const last = poll >= maxPolls;
    const elapsed = now() - start;
    const nextAt = last ? undefined : start + (Math.floor(elapsed / intervalMs) + 1) * intervalMs;
    yield {
      kind: "poll",
      symbols,
      requests: groups.length,
      nextPollAt: nextAt === undefined ? undefined : new Date(nextAt),
    };
    if (nextAt !== undefined) await sleep(nextAt - now(), signal);
  }
}
