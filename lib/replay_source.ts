/**
 * Replays recorded API responses from a JSONL file, one response per line.
 *
 * @module
 */
import { validateQuoteEnvelope } from "./quote_envelope.ts";
import type { QuoteSource, SourceEvent } from "./quote_source.ts";
import { sleep } from "./producer_sleep.ts";

/** How fast to replay. */
export type ReplayPace = "recorded" | "fast";

/** Options of {@linkcode replaySource}. */
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

/** Yields the file's lines in chunks (one async step per read, not per line). */
async function* lineChunks(path: string, signal: AbortSignal): AsyncGenerator<string[]> {
  using file = await Deno.open(path, { read: true });
  let rest = "";
  for await (const chunk of file.readable.pipeThrough(new TextDecoderStream())) {
    if (signal.aborted) return;
    rest += chunk;
    const parts = rest.split("\n");
    rest = parts.pop() ?? "";
    yield parts;
  }
  if (rest !== "") yield [rest];
}


/**
 * A source that publishes each line of `path` (a recorded envelope, with or
 * without `timestamp_utc`). Lines that are not valid envelopes are rejected
 * with their line number. The key is the line's tickers, sorted and joined.
 *
 * @throws {Deno.errors.NotFound} From `events()` when the file does not exist.
 */
export function replaySource(path: string, options: ReplayOptions = {}): QuoteSource {
  const { pace = "recorded", intervalMs = 1000, maxGapMs = 60_000, progressEvery = 100_000 } = options;
  return {
    name: "replay",
    async *events(signal: AbortSignal): AsyncGenerator<SourceEvent> {
      let lineNo = 0;
      let previous: number | undefined;
      let started = false;
      let sinceProgress = 0;
      let symbols = new Set<string>();
      for await (const chunk of lineChunks(path, signal)) {
        for (const line of chunk) {
          lineNo++;
          if (line.trim() === "") continue;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch (error) {
            yield { kind: "rejected", key: `line ${lineNo}`, reason: `${path}:${lineNo} is not valid JSON (${(error as Error).message})` };
            continue;
          }
          let envelope;
          try {
            envelope = validateQuoteEnvelope(value);
          } catch (error) {
            yield { kind: "rejected", key: `line ${lineNo}`, reason: `${path}:${lineNo}: ${(error as Error).message}` };
            continue;
          }
          if (pace === "recorded") {
            const recorded = Date.parse(String((value as { timestamp_utc?: unknown }).timestamp_utc));
            if (started) {
              const wait = !Number.isNaN(recorded) && previous !== undefined
                ? Math.min(Math.max(recorded - previous, 0), maxGapMs)
                : intervalMs;
              await sleep(wait, signal);
              if (signal.aborted) return;
            }
            started = true;
            previous = Number.isNaN(recorded) ? undefined : recorded;
          }
          const tickers = envelope.data.map((q) => q.ticker);
          for (const t of tickers) symbols.add(t);
          yield { kind: "batch", key: [...tickers].sort().join(","), envelope, takenAt: new Date() };
          sinceProgress++;
          if (pace === "recorded" || sinceProgress >= progressEvery) {
            yield { kind: "poll", symbols: symbols.size, requests: sinceProgress, nextPollAt: undefined };
            sinceProgress = 0;
            symbols = new Set();
          }
        }
      }
      if (sinceProgress > 0) {
        yield { kind: "poll", symbols: symbols.size, requests: sinceProgress, nextPollAt: undefined };
      }
    },
  };
}
