/**
 * The topic browser: a topic's messages newest first, decoded for reading,
 * filtered by key, partition, offset or time, a page at a time.
 *
 * @module
 */
import type { Buffer } from "node:buffer";
import type { Admin, Kafka } from "kafkajs";
import { type RawMessage, readRanges } from "../../admin/peek.ts";

/** Longest value text sent to the page; longer ones are cut and say their size. */
export const VIEW_LIMIT = 64 * 1024;

/** A message as the page shows it. */
export interface ViewedMessage {
  readonly partition: number;
  readonly offset: number;
  /** ISO-8601 UTC. */
  readonly timestamp: string;
  readonly key: string | null;
  readonly headers: Readonly<Record<string, string>>;
  /** Pretty JSON, or the text as received. */
  readonly value: string | null;
  /** Bytes of the value as stored. */
  readonly size: number;
  /** `json`: parsed and pretty-printed; `text`: not JSON, shown raw; `binary`: not UTF-8, shown as hex. */
  readonly format: "json" | "text" | "binary" | "null";
  /** Whether `value` was cut at {@linkcode VIEW_LIMIT}. */
  readonly truncated: boolean;
}

/** Which messages to show. */
export interface BrowseQuery {
  readonly topic: string;
  readonly partition?: number;
  /** Exact key. */
  readonly key?: string;
  /** Newest offset to show (with one partition, or in each). */
  readonly maxOffset?: number;
  /** Newest Kafka timestamp to show, epoch ms. */
  readonly before?: number;
  /** Exclusive upper offsets per partition, from the previous page. */
  readonly cursor?: Readonly<Record<string, number>>;
  /** @default 20 */
  readonly limit?: number;
}

/** One page. */
export interface BrowsePage {
  readonly messages: ViewedMessage[];
  /** Pass back as `cursor` for the next (older) page; `null` when there is none. */
  readonly next: Record<string, number> | null;
  /** Messages read to find these (more than shown when a key filters). */
  readonly scanned: number;
}

const SCAN_LIMIT = 20_000;

/** Decodes a value for the page: pretty JSON, else raw text, else hex; cut at {@linkcode VIEW_LIMIT}. */
export function viewValue(
  bytes: Buffer | Uint8Array | null,
): Pick<ViewedMessage, "value" | "size" | "format" | "truncated"> {
  if (bytes === null) return { value: null, size: 0, format: "null", truncated: false };
  const size = bytes.length;
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const hex = Array.from(bytes.subarray(0, VIEW_LIMIT / 2), (b) => b.toString(16).padStart(2, "0")).join(" ");
    return { value: hex, size, format: "binary", truncated: size > VIEW_LIMIT / 2 };
  }
  let format: ViewedMessage["format"] = "text";
  try {
    text = JSON.stringify(JSON.parse(text), null, 2);
    format = "json";
  } catch {
    // not JSON: shown as received
  }
  return text.length > VIEW_LIMIT
    ? { value: text.slice(0, VIEW_LIMIT), size, format, truncated: true }
    : { value: text, size, format, truncated: false };
}

function view(m: RawMessage): ViewedMessage {
  return {
    partition: m.partition,
    offset: m.offset,
    timestamp: new Date(m.timestamp).toISOString(),
    key: m.key === null ? null : new TextDecoder().decode(m.key),
    headers: m.headers,
    ...viewValue(m.value),
  };
}

/**
 * Reads one page of `query.topic`, newest first: per partition it reads
 * windows backwards from the cursor (or the offset or time asked for) until
 * it has a page of matches or has scanned {@linkcode SCAN_LIMIT} messages,
 * then merges the partitions by timestamp.
 *
 * @throws {RangeError} When the partition does not exist.
 */
export async function browse(kafka: Kafka, admin: Admin, query: BrowseQuery): Promise<BrowsePage> {
  const limit = query.limit ?? 20;
  const watermarks = await admin.fetchTopicOffsets(query.topic);
  if (query.partition !== undefined && !watermarks.some((w) => w.partition === query.partition)) {
    throw new RangeError(
      `Topic "${query.topic}" has no partition ${query.partition}; it has 0 to ${watermarks.length - 1}`,
    );
  }
  const byTime = query.before === undefined
    ? undefined
    : await admin.fetchTopicOffsetsByTimestamp(query.topic, query.before + 1);
  const upper = new Map<number, number>();
  const low = new Map<number, number>();
  for (const w of watermarks) {
    if (query.partition !== undefined && w.partition !== query.partition) continue;
    let top = Number(w.high);
    const fromCursor = query.cursor?.[String(w.partition)];
    if (fromCursor !== undefined) top = Math.min(top, fromCursor);
    else {
      if (query.maxOffset !== undefined) top = Math.min(top, query.maxOffset + 1);
      const t = byTime?.find((b) => b.partition === w.partition);
      if (t !== undefined) top = Math.min(top, Number(t.offset));
    }
    upper.set(w.partition, top);
    low.set(w.partition, Number(w.low));
  }
  const matches = new Map<number, RawMessage[]>();
  let scanned = 0;
  let window = query.key === undefined ? limit : 500;
  for (;;) {
    const ranges = new Map<number, { start: number; end: number }>();
    for (const [partition, top] of upper) {
      const found = matches.get(partition)?.length ?? 0;
      const start = Math.max(low.get(partition)!, top - window);
      if (found < limit && top > start) ranges.set(partition, { start, end: top });
    }
    if (ranges.size === 0) break;
    const read = await readRanges(kafka, query.topic, ranges, 5000);
    scanned += read.length;
    for (const [partition, range] of ranges) {
      const got = read.filter((m) =>
        m.partition === partition && (query.key === undefined || keyText(m) === query.key)
      );
      matches.set(partition, [...(matches.get(partition) ?? []), ...got.sort((a, b) => b.offset - a.offset)]);
      upper.set(partition, range.start);
    }
    if (query.key === undefined || scanned >= SCAN_LIMIT) break;
    window = Math.min(window * 2, 5000);
  }
  // k-way merge by timestamp; each partition's list is newest offset first
  const messages: RawMessage[] = [];
  const heads = new Map([...matches.keys()].map((p) => [p, 0]));
  while (messages.length < limit) {
    let best: RawMessage | undefined;
    for (const [p, i] of heads) {
      const m = matches.get(p)![i];
      if (m && (!best || m.timestamp > best.timestamp)) best = m;
    }
    if (!best) break;
    messages.push(best);
    heads.set(best.partition, heads.get(best.partition)! + 1);
  }
  const next: Record<string, number> = {};
  let more = false;
  for (const [partition, bottom] of upper) {
    const list = matches.get(partition) ?? [];
    const shown = heads.get(partition) ?? 0;
    // older than the last one shown: the first not shown, else where the scan stopped
    const resume = shown < list.length ? list[shown]!.offset + 1 : bottom;
    next[String(partition)] = resume;
    if (resume > low.get(partition)!) more = true;
  }
  return { messages: messages.map(view), next: more ? next : null, scanned };
}

function keyText(m: RawMessage): string | null {
  return m.key === null ? null : new TextDecoder().decode(m.key);
}
