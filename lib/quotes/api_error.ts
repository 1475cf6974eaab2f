/**
 * The one error type for the quote API (StockData.org).
 *
 * @module
 */

/**
 * What went wrong with a quote request:
 * - `rate_limit_reached`: too many requests per window (HTTP 429, or 402 with that code)
 * - `usage_limit_reached`: the plan's daily quota is used up (HTTP 402)
 * - `server_error`: HTTP 5xx
 * - `timeout`: no answer in time
 * - `network`: connection refused, reset, DNS, ...
 * - `malformed_response`: not JSON, no `data`, a quote without `ticker`/`price`, ...
 * - `http_error`: any other HTTP status (401 bad token, 403 plan, 400, 404)
 */
export type QuoteApiErrorCode =
  | "rate_limit_reached"
  | "usage_limit_reached"
  | "server_error"
  | "timeout"
  | "network"
  | "malformed_response"
  | "http_error";

/** Options of {@linkcode QuoteApiError}. */
export interface QuoteApiErrorOptions {
  /** The underlying error. */
  cause?: unknown;
  /** HTTP status, when there was a response. */
  status?: number;
  /** Whether the same request may succeed later. @default false */
  retriable?: boolean;
  /** How long the API asked us to wait (from Retry-After / X-*-Reset headers), in ms. */
  retryAfterMs?: number;
}

/** A failed quote request. Retry loops retry only when `retriable` is true. */
export class QuoteApiError extends Error {
  override name = "QuoteApiError";
  /** What kind of failure. */
  readonly code: QuoteApiErrorCode;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** Whether the same request may succeed later. */
  readonly retriable: boolean;
  /** How long the API asked us to wait, in ms, when it said. */
  readonly retryAfterMs: number | undefined;

  /** Creates the error; `message` must not contain the API token. */
  constructor(code: QuoteApiErrorCode, message: string, options: QuoteApiErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retriable = options.retriable ?? false;
    this.retryAfterMs = options.retryAfterMs;
  }
}
