/**
 * The StockData.org quote envelope (`{meta, data: [...]}`) and its validation.
 * Every source (HTTP API, replay file, simulated market) produces this shape,
 * and the producer publishes it plus `timestamp_utc`, which is what the ksqlDB
 * `stock_data` stream reads.
 *
 * @module
 */

/** One quote as StockData.org's `/v1/data/quote` returns it. */
export interface Quote {
  readonly ticker: string;
  readonly name?: string | null;
  readonly mic_code?: string | null;
  readonly currency?: string | null;
  readonly price: number;
  readonly day_high?: number | null;
  readonly day_low?: number | null;
  readonly day_open?: number | null;
  readonly "52_week_high"?: number | null;
  readonly "52_week_low"?: number | null;
  readonly market_cap?: number | null;
  readonly previous_close_price?: number | null;
  readonly previous_close_price_time?: string | null;
  readonly day_change?: number | null;
  readonly volume?: number | null;
  readonly is_extended_hours_price?: boolean | null;
  readonly last_trade_time?: string | null;
}

/** The `meta` block: how many symbols were asked for and returned. */
export interface QuoteMeta {
  readonly requested: number;
  readonly returned: number;
  readonly [extra: string]: unknown;
}

/** A whole API response: `{meta, data}`. */
export interface QuoteEnvelope {
  readonly meta: QuoteMeta;
  readonly data: readonly Quote[];
}

/** The message value on the topic: the envelope plus when it was taken (ISO-8601 UTC). */
export interface PublishedEnvelope extends QuoteEnvelope {
  readonly timestamp_utc: string;
}

const NUMBER_FIELDS = [
  "day_high",
  "day_low",
  "day_open",
  "52_week_high",
  "52_week_low",
  "market_cap",
  "previous_close_price",
  "day_change",
  "volume",
] as const;

const STRING_FIELDS = [
  "name",
  "mic_code",
  "currency",
  "previous_close_price_time",
  "last_trade_time",
] as const;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function validateQuote(value: unknown, index: number): Quote {
  if (!isRecord(value)) throw new TypeError(`data[${index}] is not an object`);
  const { ticker, price } = value;
  if (typeof ticker !== "string" || ticker.trim() === "") {
    throw new TypeError(`data[${index}] has no "ticker"`);
  }
  if (price === undefined || price === null) {
    throw new TypeError(`data[${index}] ("${ticker}") has no "price"`);
  }
  if (typeof price !== "number" || !Number.isFinite(price)) {
    throw new TypeError(`data[${index}] ("${ticker}") has non-numeric "price" ${JSON.stringify(price)}`);
  }
  for (const field of NUMBER_FIELDS) {
    const v = value[field];
    if (v !== undefined && v !== null && (typeof v !== "number" || !Number.isFinite(v))) {
      throw new TypeError(`data[${index}] ("${ticker}") has non-numeric "${field}" ${JSON.stringify(v)}`);
    }
  }
  for (const field of STRING_FIELDS) {
    const v = value[field];
    if (v !== undefined && v !== null && typeof v !== "string") {
      throw new TypeError(`data[${index}] ("${ticker}") has non-string "${field}" ${JSON.stringify(v)}`);
    }
  }
  const extended = value.is_extended_hours_price;
  if (extended !== undefined && extended !== null && typeof extended !== "boolean") {
    throw new TypeError(`data[${index}] ("${ticker}") has non-boolean "is_extended_hours_price"`);
  }
  return value as unknown as Quote;
}

/**
 * Validates a decoded API response. A response is accepted whole or not at
 * all: one bad quote rejects it. A missing or partial `meta` is filled from
 * `data`; extra fields are kept.
 *
 * @throws {TypeError} Naming the reason when the value is not a usable envelope.
 */
export function validateQuoteEnvelope(value: unknown): QuoteEnvelope {
  if (!isRecord(value)) throw new TypeError("response is not a JSON object");
  if (!("data" in value)) throw new TypeError(`response has no "data"`);
  const { data } = value;
  if (!Array.isArray(data)) throw new TypeError(`"data" is not an array`);
  if (data.length === 0) throw new TypeError(`"data" is empty`);
  const quotes = data.map(validateQuote);
  const rawMeta = isRecord(value.meta) ? value.meta : {};
  const requested = typeof rawMeta.requested === "number" ? rawMeta.requested : quotes.length;
  const returned = typeof rawMeta.returned === "number" ? rawMeta.returned : quotes.length;
  return { meta: { ...rawMeta, requested, returned }, data: quotes };
}

/**
 * Parses and validates a response body.
 *
 * @throws {TypeError} When the text is not JSON (e.g. truncated) or not a usable envelope.
 */
export function parseQuoteEnvelope(text: string): QuoteEnvelope {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new TypeError(`response is not valid JSON (${(error as Error).message})`, { cause: error });
  }
  return validateQuoteEnvelope(value);
}

/** The message value: `envelope` plus `timestamp_utc` (ISO-8601 UTC), as JSON. */
export function publishedJson(envelope: QuoteEnvelope, timestampUtc: string): string {
  const value: PublishedEnvelope = { ...envelope, timestamp_utc: timestampUtc };
  return JSON.stringify(value);
}

/**
 * The message value for a recorded envelope without serialising it again:
 * `text` (compact JSON that decoded to `value`, which passed
 * {@linkcode validateQuoteEnvelope}) with `timestamp_utc` set to
 * `timestampUtc`, appended or replacing a last `"timestamp_utc"` member.
 *
 * @returns `undefined` unless the result is exactly what
 * {@linkcode publishedJson} would publish: `value` has only `meta` (with
 * numeric `requested` and `returned`), `data` and optionally a string
 * `timestamp_utc` that `text` names once, at its end.
 */
export function stampedJson(text: string, value: Record<string, unknown>, timestampUtc: string): string | undefined {
  const { meta } = value;
  if (!isRecord(meta) || typeof meta.requested !== "number" || typeof meta.returned !== "number") return undefined;
  const keys = Object.keys(value).length;
  const stamp = `"timestamp_utc":${JSON.stringify(timestampUtc)}}`;
  if (keys === 2 && text.endsWith("}")) return `${text.slice(0, -1)},${stamp}`;
  if (keys !== 3 || typeof value.timestamp_utc !== "string") return undefined;
  const old = `,"timestamp_utc":${JSON.stringify(value.timestamp_utc)}}`;
  const at = text.length - old.length;
  if (!text.endsWith(old) || text.indexOf(`"timestamp_utc"`) !== at + 1) return undefined;
  return `${text.slice(0, at + 1)}${stamp}`;
}

/**
 * A fingerprint of what changed in a response: ticker, price and last trade
 * time of every quote. Two responses with the same fingerprint carry no news
 * (e.g. the market is closed).
 */
export function quoteFingerprint(envelope: QuoteEnvelope): string {
  return envelope.data
    .map((q) => `${q.ticker}|${q.price}|${q.last_trade_time ?? ""}`)
    .join(";");
}
