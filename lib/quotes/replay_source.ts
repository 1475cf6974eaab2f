/**
 * Replays recorded API responses from a JSONL file, one response per line.
 *
 * @module
 */
import type { BatchEvent } from "./producer_source.ts";
import { publishedJson, type QuoteEnvelope, stampedJson, validateQuoteEnvelope } from "./envelope.ts";
import type { SourceEvent } from "./source.ts";
import { sleep } from "../util/mod.ts";

/** How fast to replay. */
export type ReplayPace = "recorded" | "fast";

/** Options of {@linkcode replayEventArrays}. */
export interface ReplayOptions {
  /**
   * `recorded` waits between lines as long as their `timestamp_utc` values
   * differ (or `intervalMs` when a line has none); `fast` does not wait.
   * @default "recorded"
   */
  pace?: ReplayPace;
  /** Wait between lines without `timestamp_utc` at recorded pace, ms. @default 1000 */
  intervalMs?: number;
  /** Longest wait between two lines at recorded pace, ms. @default 60000 */
  maxGapMs?: number;
  /** In `fast` pace, emit a `poll` progress event every this many lines. @default 100000 */
  progressEvery?: number;
}

/** A replayed event: a `batch` also carries its message value (the envelope plus `timestamp_utc`, as JSON). */
export type ReplayEvent = Exclude<SourceEvent, { kind: "batch" }> | (BatchEvent & { readonly value: string });

/** Bytes read at a time. */
const CHUNK_BYTES = 1 << 20;

/** Yields the file's lines a chunk at a time (one async step per read, not per line). */
async function* lineChunks(path: string, signal: AbortSignal): AsyncGenerator<string[]> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(CHUNK_BYTES);
  const decoder = new TextDecoder();
  let rest = "";
  for (let read = await file.read(buffer); read !== null; read = await file.read(buffer)) {
    if (signal.aborted) return;
    const lines = (rest + decoder.decode(buffer.subarray(0, read), { stream: true })).split("\n");
    rest = lines.pop() ?? "";
    yield lines;
  }
  rest += decoder.decode();
  if (rest !== "") yield [rest];
}

/** A line decoded and validated, or why it was rejected. */
type ParsedLine = { envelope: QuoteEnvelope; value: Record<string, unknown> } | { reason: string };

/** Decodes and validates line `lineNo` of `path` (`text`, trimmed, non-empty). */
function parseLine(text: string, path: string, lineNo: number): ParsedLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { reason: `${path}:${lineNo} is not valid JSON (${(error as Error).message})` };
  }
  try {
    return { envelope: validateQuoteEnvelope(value), value: value as Record<string, unknown> };
  } catch (error) {
    return { reason: `${path}:${lineNo}: ${(error as Error).message}` };
  }
}

/**
 * Replays `path` (one recorded envelope per line, with or without
 * `timestamp_utc`) as arrays of events, one array per chunk read (per line at
 * `recorded` pace). Lines that are not valid envelopes are rejected with their
 * line number. The key is the line's tickers, sorted and joined; the value is
 * the line with `timestamp_utc` set to when it was read, spliced in when the
 * line allows, else serialised again.
 *
 * @throws {Deno.errors.NotFound} When the file does not exist.
 */
export async function* replayEventArrays(
  path: string,
  options: ReplayOptions,
  signal: AbortSignal,
): AsyncGenerator<ReplayEvent[]> {
  const { pace = "recorded", intervalMs = 1000, maxGapMs = 60_000, progressEvery = 100_000 } = options;
  let lineNo = 0;
  let previous: number | undefined;
  let started = false;
  let sinceProgress = 0;
  let symbols = new Set<string>();
  const progress = (): ReplayEvent => {
    const event = { kind: "poll", symbols: symbols.size, requests: sinceProgress, nextPollAt: undefined } as const;
    sinceProgress = 0;
    symbols = new Set();
    return event;
  };
  for await (const lines of lineChunks(path, signal)) {
    let out: ReplayEvent[] = [];
    let takenAt = new Date();
    let stamp = takenAt.toISOString();
    for (const line of lines) {
      lineNo++;
      const text = line.trim();
      if (text === "") continue;
      const parsed = parseLine(text, path, lineNo);
      if ("reason" in parsed) {
        out.push({ kind: "rejected", key: `line ${lineNo}`, reason: parsed.reason });
        continue;
      }
      if (pace === "recorded") {
        const recorded = Date.parse(String(parsed.value.timestamp_utc));
        if (started) {
          const wait = !Number.isNaN(recorded) && previous !== undefined
            ? Math.min(Math.max(recorded - previous, 0), maxGapMs)
            : intervalMs;
          if (out.length > 0) yield out;
          out = [];
          await sleep(wait, signal);
          if (signal.aborted) return;
          takenAt = new Date();
          stamp = takenAt.toISOString();
        }
        started = true;
        previous = Number.isNaN(recorded) ? undefined : recorded;
      }
      const { envelope } = parsed;
      const tickers = envelope.data.map((q) => q.ticker);
      for (const t of tickers) symbols.add(t);
      const value = stampedJson(text, parsed.value, stamp) ?? publishedJson(envelope, stamp);
      out.push({ kind: "batch", key: tickers.sort().join(","), envelope, takenAt, value });
      sinceProgress++;
      if (pace === "recorded" || sinceProgress >= progressEvery) out.push(progress());
    }
    if (out.length > 0) yield out;
  }
  if (sinceProgress > 0) yield [progress()];
}
