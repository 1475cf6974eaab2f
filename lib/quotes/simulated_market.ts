/**
 * A deterministic, seeded stock market that answers like StockData.org's quote
 * endpoint, for machines without internet or without an API token.
 *
 * Each ticker does a geometric random walk driven by its own PRNG (seeded from
 * the market seed and the ticker), so the same seed and the same sequence of
 * clock readings give the same quotes whatever the request grouping. Prices
 * move only while the market trades in America/New_York: 04:00–09:30 and
 * 16:00–20:00 are extended hours, 09:30–16:00 regular, Monday to Friday;
 * otherwise quotes stay unchanged, as the real API's do.
 *
 * @module
 */
import type { Quote, QuoteEnvelope } from "./envelope.ts";

/** Options of {@linkcode SimulatedMarket}. */
export interface SimulatedMarketOptions {
  /** PRNG seed. @default 42 */
  seed?: number;
  /** Trade around the clock, ignoring New York market hours. @default false */
  alwaysOpen?: boolean;
}

/** Where the New York market is at a moment. */
export type MarketSession = "closed" | "pre" | "regular" | "after";

const KNOWN: Readonly<Record<string, { name: string; price: number; shares: number; mic: string }>> = {
  AAPL: { name: "Apple Inc", price: 189.5, shares: 15.4e9, mic: "XNAS" },
  TSLA: { name: "Tesla Inc", price: 248.2, shares: 3.18e9, mic: "XNAS" },
  MSFT: { name: "Microsoft Corporation", price: 421.9, shares: 7.43e9, mic: "XNAS" },
  GOOGL: { name: "Alphabet Inc", price: 171.3, shares: 12.3e9, mic: "XNAS" },
  AMZN: { name: "Amazon.com Inc", price: 184.7, shares: 10.4e9, mic: "XNAS" },
  NVDA: { name: "NVIDIA Corporation", price: 121.4, shares: 24.5e9, mic: "XNAS" },
  META: { name: "Meta Platforms Inc", price: 502.3, shares: 2.53e9, mic: "XNAS" },
  IBM: { name: "International Business Machines Corp", price: 168.2, shares: 0.92e9, mic: "XNYS" },
};

/** Annualised volatility 30 %, per √second of trading (252 days × 6.5 h). */
const SIGMA_PER_SQRT_SECOND = 0.3 / Math.sqrt(252 * 6.5 * 3600);

function hash32(text: string, seed: number): number {
  let h = (seed ^ 0x811c9dc5) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** mulberry32: small, fast, good enough for a simulation. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function gaussian(random: () => number): number {
  const u = Math.max(random(), Number.EPSILON);
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

const NY = new Intl.DateTimeFormat("en-US", {
  timeZone: "America/New_York",
  hourCycle: "h23",
  weekday: "short",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

interface NyClock {
  date: string;
  local: string;
  weekday: string;
  minutes: number;
}

function nyClock(now: Date): NyClock {
  const parts: Record<string, string> = {};
  for (const part of NY.formatToParts(now)) parts[part.type] = part.value;
  const { year, month, day, hour, minute, second, weekday } = parts;
  const date = `${year}-${month}-${day}`;
  return {
    date,
    local: `${date}T${hour}:${minute}:${second}.000000`,
    weekday: weekday ?? "",
    minutes: Number(hour) * 60 + Number(minute),
  };
}

/** The New York date (YYYY-MM-DD) of the last weekday before `now`'s day. */
function previousTradingDate(now: number): string {
  for (let back = 1;; back++) {
    const clock = nyClock(new Date(now - back * 86_400_000));
    if (clock.weekday !== "Sat" && clock.weekday !== "Sun") return clock.date;
  }
}

/** The New York market session at `now`. */
export function marketSession(now: Date): MarketSession {
  const { weekday, minutes } = nyClock(now);
  if (weekday === "Sat" || weekday === "Sun") return "closed";
  if (minutes >= 4 * 60 && minutes < 9 * 60 + 30) return "pre";
  if (minutes >= 9 * 60 + 30 && minutes < 16 * 60) return "regular";
  if (minutes >= 16 * 60 && minutes < 20 * 60) return "after";
  return "closed";
}

interface TickerState {
  random: () => number;
  name: string;
  mic: string;
  shares: number;
  price: number;
  dayOpen: number;
  dayHigh: number;
  dayLow: number;
  week52High: number;
  week52Low: number;
  previousClose: number;
  previousCloseTime: string;
  volume: number;
  extended: boolean;
  lastTradeTime: string;
  sessionDate: string;
  lastTick: number;
}

/** A seeded random-walk market answering with StockData.org-shaped envelopes. */
export class SimulatedMarket {
  #seed: number;
  #alwaysOpen: boolean;
  #tickers = new Map<string, TickerState>();

  /** Creates a market; nothing is random until the first quote. */
  constructor(options: SimulatedMarketOptions = {}) {
    this.#seed = options.seed ?? 42;
    this.#alwaysOpen = options.alwaysOpen ?? false;
  }

  #init(ticker: string, clock: NyClock, now: number): TickerState {
    const random = mulberry32(hash32(ticker, this.#seed));
    const known = KNOWN[ticker];
    const base = known?.price ?? round2(20 + random() * 480);
    const previousClose = round2(base * (1 + (random() - 0.5) * 0.02));
    return {
      random,
      name: known?.name ?? `${ticker} Inc`,
      mic: known?.mic ?? "XNAS",
      shares: known?.shares ?? Math.round((0.5 + random() * 5) * 1e9),
      price: base,
      dayOpen: previousClose,
      dayHigh: Math.max(base, previousClose),
      dayLow: Math.min(base, previousClose),
      week52High: round2(base * 1.25),
      week52Low: round2(base * 0.7),
      previousClose,
      previousCloseTime: `${previousTradingDate(now)}T16:00:00.000000`,
      volume: Math.round(random() * 1e6),
      extended: false,
      lastTradeTime: clock.local,
      sessionDate: clock.date,
      lastTick: now,
    };
  }

  #tick(state: TickerState, clock: NyClock, session: MarketSession, now: number): void {
    const elapsed = Math.min(Math.max((now - state.lastTick) / 1000, 1), 3600);
    state.lastTick = now;
    if (session === "closed") return;
    if (clock.date !== state.sessionDate) {
      state.previousClose = state.price;
      state.previousCloseTime = `${state.sessionDate}T16:00:00.000000`;
      state.sessionDate = clock.date;
      state.dayOpen = state.price;
      state.dayHigh = state.price;
      state.dayLow = state.price;
      state.volume = 0;
    }
    const step = SIGMA_PER_SQRT_SECOND * Math.sqrt(elapsed) * gaussian(state.random);
    state.price = Math.max(0.01, round2(state.price * Math.exp(step)));
    state.dayHigh = Math.max(state.dayHigh, state.price);
    state.dayLow = Math.min(state.dayLow, state.price);
    state.week52High = Math.max(state.week52High, state.price);
    state.week52Low = Math.min(state.week52Low, state.price);
    const perSecond = session === "regular" ? 2000 : 150;
    state.volume += Math.round(state.random() * 2 * perSecond * elapsed);
    state.extended = session !== "regular";
    state.lastTradeTime = clock.local;
  }

  /**
   * Advances every ticker in `symbols` to `now` and returns their quotes, in
   * the order asked.
   *
   * @throws {RangeError} When `symbols` is empty.
   */
  quotes(symbols: readonly string[], now: Date): QuoteEnvelope {
    if (symbols.length === 0) throw new RangeError("No symbols to quote; pass at least one ticker");
    const clock = nyClock(now);
    const session = this.#alwaysOpen ? "regular" : marketSession(now);
    const ms = now.getTime();
    const data: Quote[] = symbols.map((ticker) => {
      let state = this.#tickers.get(ticker);
      if (state === undefined) {
        state = this.#init(ticker, clock, ms);
        this.#tickers.set(ticker, state);
      } else {
        this.#tick(state, clock, session, ms);
      }
      return {
        ticker,
        name: state.name,
        mic_code: state.mic,
        currency: "USD",
        price: state.price,
        day_high: state.dayHigh,
        day_low: state.dayLow,
        day_open: state.dayOpen,
        "52_week_high": state.week52High,
        "52_week_low": state.week52Low,
        market_cap: Math.round(state.price * state.shares),
        previous_close_price: state.previousClose,
        previous_close_price_time: state.previousCloseTime,
        day_change: round2((state.price - state.previousClose) / state.previousClose * 100),
        volume: state.volume,
        is_extended_hours_price: state.extended,
        last_trade_time: state.lastTradeTime,
      };
    });
    return { meta: { requested: symbols.length, returned: data.length }, data };
  }
}
