/**
 * HTTP client for StockData.org's quote endpoint,
 * `GET /v1/data/quote?symbols=AAPL,TSLA&api_token=...`.
 *
 * The token is sent in the query string (the API's only way), so every URL and
 * error message that leaves this module is redacted.
 *
 * @module
 */
import { QuoteApiError } from "./api_error.ts";
import { parseQuoteEnvelope, type QuoteEnvelope } from "./envelope.ts";

/** Options of {@linkcode QuoteClient}. */
export interface QuoteClientOptions {
  /** API token (secret). */
  token: string;
  /** Scheme, host and port of the API. @default "https://api.stockdata.org" */
  baseUrl?: string;
  /** Time allowed for a whole request, headers and body, in ms. @default 10000 */
  timeoutMs?: number;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

/** Options of {@linkcode QuoteClient.prototype.fetchQuotes}. */
export interface FetchQuotesOptions {
  /** Aborts the request; the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/** Replaces the value of `api_token` in a URL (or any text containing one) with `***`. */
export function redactUrl(url: string | URL): string {
  return String(url).replace(/([?&]api_token=)[^&#\s)]*/g, "$1***");
}

function parseResetHeader(raw: string | null, now: number): number | undefined {
  if (raw === null || raw.trim() === "") return undefined;
  const value = Number(raw);
  if (Number.isFinite(value)) {
    if (value > 1e12) return Math.max(0, value - now); // epoch ms
    if (value > 1e9) return Math.max(0, value * 1000 - now); // epoch s
    return Math.max(0, value * 1000); // seconds from now
  }
  const date = Date.parse(raw);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function nextUtcMidnight(now: number): number {
  const d = new Date(now);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1) - now;
}

/**
 * How long a limited response asks us to wait, in ms: `Retry-After` (seconds
 * or HTTP date) first, then `X-RateLimit-Reset` (rate limits) or
 * `X-UsageLimit-Reset` (usage limits), each as epoch seconds/ms, seconds from
 * now or a date. A usage limit without any header waits until the next UTC
 * midnight, when daily quotas reset.
 */
export function retryAfterMs(
  headers: Headers,
  code: "rate_limit_reached" | "usage_limit_reached" | "server_error",
  now: number,
): number | undefined {
  const retryAfter = parseResetHeader(headers.get("retry-after"), now);
  if (retryAfter !== undefined) return retryAfter;
  if (code === "rate_limit_reached") return parseResetHeader(headers.get("x-ratelimit-reset"), now);
  if (code === "usage_limit_reached") {
    return parseResetHeader(headers.get("x-usagelimit-reset"), now) ?? nextUtcMidnight(now);
  }
  return undefined;
}

function apiErrorOf(text: string): { code?: string; message?: string } {
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof body.error?.code === "string" ? body.error.code : undefined;
    const message = typeof body.error?.message === "string" ? body.error.message : undefined;
    return { ...(code === undefined ? {} : { code }), ...(message === undefined ? {} : { message }) };
  } catch {
    return {};
  }
}

/** Fetches quotes from StockData.org; one request per call, no retries (callers decide). */
export class QuoteClient {
  #token: string;
  #baseUrl: string;
  #timeoutMs: number;
  #now: () => number;

  /** @throws {TypeError} When `baseUrl` is not a URL. */
  constructor(options: QuoteClientOptions) {
    this.#token = options.token;
    this.#baseUrl = new URL(options.baseUrl ?? "https://api.stockdata.org").origin;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#now = options.now ?? Date.now;
  }

  /** The request URL for `symbols`, with the token redacted (for logs). */
  describe(symbols: readonly string[]): string {
    return redactUrl(this.#url(symbols));
  }

  #url(symbols: readonly string[]): URL {
    const url = new URL("/v1/data/quote", this.#baseUrl);
    url.searchParams.set("symbols", symbols.join(","));
    url.searchParams.set("api_token", this.#token);
    return url;
  }

  #redact(text: string): string {
    const redacted = redactUrl(text);
    return this.#token === "" ? redacted : redacted.replaceAll(this.#token, "***");
  }

  /**
   * Requests quotes for `symbols` and validates the response.
   *
   * @throws {QuoteApiError} On a limit, HTTP error, timeout, connection error or malformed response.
   * @throws The signal's reason when `options.signal` aborts.
   */
  async fetchQuotes(symbols: readonly string[], options: FetchQuotesOptions = {}): Promise<QuoteEnvelope> {
    const { signal } = options;
    signal?.throwIfAborted();
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeoutMs);
    const onAbort = () => controller.abort(signal?.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    const where = this.describe(symbols);
    try {
      let response: Response;
      let text: string;
      try {
        response = await fetch(this.#url(symbols), {
          signal: controller.signal,
          headers: { accept: "application/json" },
        });
        text = await response.text();
      } catch (error) {
        if (signal?.aborted) throw signal.reason;
        if (timedOut) {
          throw new QuoteApiError("timeout", `No answer from ${where} within ${this.#timeoutMs} ms`, {
            retriable: true,
          });
        }
        const reason = this.#redact(error instanceof Error ? error.message : String(error));
        throw new QuoteApiError("network", `Cannot reach ${where}: ${reason}`, {
          retriable: true,
          cause: new Error(reason),
        });
      }
      return this.#interpret(response, text, where);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }

  #interpret(response: Response, text: string, where: string): QuoteEnvelope {
    const { status, headers } = response;
    const now = this.#now();
    if (status >= 200 && status < 300) {
      try {
        return parseQuoteEnvelope(text);
      } catch (error) {
        throw new QuoteApiError("malformed_response", `Rejected response from ${where}: ${(error as Error).message}`, {
          status,
          cause: error,
        });
      }
    }
    const api = apiErrorOf(text);
    const detail = `${status}${api.code === undefined ? "" : ` ${api.code}`}${
      api.message === undefined ? "" : ` (${this.#redact(api.message)})`
    }`;
    if (status === 429 || (status === 402 && api.code === "rate_limit_reached")) {
      const wait = retryAfterMs(headers, "rate_limit_reached", now);
      return this.#throw("rate_limit_reached", `${where} answered ${detail}`, status, true, wait);
    }
    if (status === 402) {
      const wait = retryAfterMs(headers, "usage_limit_reached", now);
      return this.#throw("usage_limit_reached", `${where} answered ${detail}`, status, true, wait);
    }
    if (status >= 500) {
      const wait = retryAfterMs(headers, "server_error", now);
      return this.#throw("server_error", `${where} answered ${detail}`, status, true, wait);
    }
    const hint = status === 401
      ? "; check STOCKDATA_API_TOKEN"
      : status === 403
      ? "; your plan may not allow this"
      : "";
    return this.#throw("http_error", `${where} answered ${detail}${hint}`, status, false, undefined);
  }

  #throw(
    code: QuoteApiError["code"],
    message: string,
    status: number,
    retriable: boolean,
    wait: number | undefined,
  ): never {
    throw new QuoteApiError(code, message, {
      status,
      retriable,
      ...(wait === undefined ? {} : { retryAfterMs: wait }),
    });
  }
}
