/**
 * Where quotes come from: the StockData API client with its errors and daily budget, the envelope
 * and its validation, and the polling, replay and simulated sources.
 *
 * Imports lib/util only.
 *
 * @module
 */
export { budgetWarning } from "./budget.ts";
export { QuoteClient } from "./client.ts";
export { publishedJson, quoteFingerprint } from "./envelope.ts";
export { pollQuotes } from "./poller.ts";
export { producerSource } from "./producer_source.ts";
export type { ProducerSource } from "./producer_source.ts";
export { replayEventArrays } from "./replay_source.ts";
export type { ReplayPace } from "./replay_source.ts";
export { SimulatedMarket } from "./simulated_market.ts";
export { SOURCE_NAMES } from "./source.ts";
export type { SourceName } from "./source.ts";
