/**
 * The market as the console draws it: one-minute OHLC bars per ticker (by
 * Kafka timestamp, as the OHLC_1M table windows ROWTIME) with volume, the
 * ticker tape's last price and day change, and the latest price alerts,
 * built from the quote envelopes of the pipeline's topic and the ksqlDB
 * alerts stream.
 *
 * @module
 */
import type { TailRecord } from "./topic_tail.ts";

/** One one-minute bar; `time` is the minute's start in epoch seconds (what lightweight-charts takes). */
export interface Bar {
  readonly time: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Shares traded in the minute: the growth of the quotes' cumulative day volume. */
  readonly volume: number;
}

/** A ticker's latest quote on the tape. */
export interface TapeEntry {
  readonly ticker: string;
  readonly price: number;
  /** Percent change on the day, as the quote says. */
  readonly dayChange: number | null;
  /** Kafka timestamp, epoch ms. */
  readonly time: number;
}

/** A row of the alerts stream. */
export interface PriceAlert {
  readonly ticker: string;
  readonly price: number;
  readonly threshold: number | null;
  readonly alert: string;
  /** Kafka timestamp, epoch ms. */
  readonly time: number;
}

/** A quote applied to the book: the tape entry and the bar it changed. */
export interface QuoteUpdate {
  readonly tape: TapeEntry;
  readonly bar: Bar;
}

interface TickerState {
  readonly bars: Map<number, Bar>;
  tape: TapeEntry;
  /** Cumulative day volume of the previous quote. */
  lastVolume: number | undefined;
}

const MAX_ALERTS = 100;

/** Bars, tape and alerts, kept for `historyHours`. */
export class MarketBook {
  #tickers = new Map<string, TickerState>();
  #alerts: PriceAlert[] = [];
  #historyMs: number;
  /** Quotes read so far (the quote source's total). */
  quotes = 0;

  /** Keeps `historyHours` of bars. */
  constructor(historyHours: number) {
    this.#historyMs = historyHours * 3_600_000;
  }

  /** Applies one record of the pipeline's topic; returns what changed (nothing for a record that is not an envelope). */
  applyEnvelope(record: TailRecord): QuoteUpdate[] {
    const envelope = parseJson(record.value) as { data?: unknown } | undefined;
    if (!envelope || !Array.isArray(envelope.data)) return [];
    const updates: QuoteUpdate[] = [];
    for (const quote of envelope.data as Record<string, unknown>[]) {
      const { ticker, price } = quote ?? {};
      if (typeof ticker !== "string" || typeof price !== "number" || !Number.isFinite(price)) continue;
      const volume = typeof quote.volume === "number" ? quote.volume : undefined;
      const dayChange = typeof quote.day_change === "number" ? quote.day_change : null;
      updates.push(this.#apply(ticker, price, volume, dayChange, record.timestamp));
    }
    this.quotes += updates.length;
    return updates;
  }

  /** Applies one row of the alerts stream (ksqlDB's upper-case columns); `undefined` when it is not one. */
  applyAlert(record: TailRecord): PriceAlert | undefined {
    const row = parseJson(record.value) as Record<string, unknown> | undefined;
    if (!row || typeof row.TICKER !== "string" || typeof row.PRICE !== "number") return undefined;
    const alert: PriceAlert = {
      ticker: row.TICKER,
      price: row.PRICE,
      threshold: typeof row.THRESHOLD === "number" ? row.THRESHOLD : null,
      alert: typeof row.ALERT === "string" ? row.ALERT : "alert",
      time: record.timestamp,
    };
    this.#alerts.push(alert);
    if (this.#alerts.length > MAX_ALERTS) this.#alerts.splice(0, this.#alerts.length - MAX_ALERTS);
    return alert;
  }

  /** Every ticker's tape entry, by ticker. */
  tape(): TapeEntry[] {
    return [...this.#tickers.values()].map((t) => t.tape).sort((a, b) => a.ticker.localeCompare(b.ticker));
  }

  /** `ticker`'s bars of the last `hours`, oldest first. */
  bars(ticker: string, hours: number): Bar[] {
    const state = this.#tickers.get(ticker);
    if (!state) return [];
    const from = (Date.now() - hours * 3_600_000) / 1000;
    return [...state.bars.values()].filter((b) => b.time >= from).sort((a, b) => a.time - b.time);
  }

  /** The latest alerts, newest first. */
  alerts(): PriceAlert[] {
    return this.#alerts.toReversed();
  }

  /** Drops bars older than the history kept. */
  prune(now = Date.now()): void {
    const from = (now - this.#historyMs) / 1000;
    for (const [ticker, state] of this.#tickers) {
      for (const time of state.bars.keys()) if (time < from) state.bars.delete(time);
      if (state.bars.size === 0 && state.tape.time < now - this.#historyMs) this.#tickers.delete(ticker);
    }
  }

  #apply(
    ticker: string,
    price: number,
    volume: number | undefined,
    dayChange: number | null,
    time: number,
  ): QuoteUpdate {
    let state = this.#tickers.get(ticker);
    if (!state) {
      state = { bars: new Map(), tape: { ticker, price, dayChange, time }, lastVolume: undefined };
      this.#tickers.set(ticker, state);
    }
    // the first quote has no baseline; a day volume that shrank started a new day, so all of it is new
    let traded = 0;
    if (volume !== undefined) {
      if (state.lastVolume !== undefined) traded = volume >= state.lastVolume ? volume - state.lastVolume : volume;
      state.lastVolume = volume;
    }
    const minute = Math.floor(time / 60_000) * 60;
    const old = state.bars.get(minute);
    const bar: Bar = old
      ? {
        time: minute,
        open: old.open,
        high: Math.max(old.high, price),
        low: Math.min(old.low, price),
        close: price,
        volume: old.volume + traded,
      }
      : { time: minute, open: price, high: price, low: price, close: price, volume: traded };
    state.bars.set(minute, bar);
    if (time >= state.tape.time) state.tape = { ticker, price, dayChange, time };
    return { tape: state.tape, bar };
  }
}

function parseJson(bytes: Uint8Array | null): unknown {
  if (bytes === null) return undefined;
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return undefined;
  }
}
