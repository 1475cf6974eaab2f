/**
 * The conformance cases' shape and the code that runs one against the live
 * ksqlDB-compatible server: input records go to a fresh one-partition topic
 * with a Kafka client, statements go through the REST API (/ksql), and the
 * sink topic is read back and compared per record with what ksqlDB emits —
 * key bytes (windowed keys decoded as Kafka Streams serialises them), value
 * and order per key. Each case names its family (one file per family).
 *
 * Names in statements: `$TOPIC` is the input topic; an identifier ending in
 * `_$` gets a suffix unique to the run, so cases never share streams.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { isDeepStrictEqual } from "node:util";
import type { Admin, Kafka } from "kafkajs";
import { KsqldbError } from "../../../admin/ksql_client.ts";
import { readRanges } from "../../../admin/peek.ts";
import { cleanup, createTopic, eventually, ksqldb, sendMessages, topicCount } from "../_stack.ts";

/** An input record; `value` an object is written as JSON, a string as its raw text (to feed bad records). */
export interface InputRecord {
  readonly key?: string;
  readonly value: unknown;
  readonly timestamp: number;
}

/** A key as ksqlDB writes it: KAFKA-format text, a JSON-format value, or a KAFKA-format number. */
export type ExpectedKey = string | null | { readonly json: unknown } | { readonly int: number } | {
  readonly bigint: number;
};

/** A record of the sink topic as ksqlDB writes it. */
export interface ExpectedRecord {
  readonly key: ExpectedKey;
  /** The JSON value; `null` is a tombstone. */
  readonly value: unknown;
  /** A windowed key: TUMBLING/HOPPING keys end with the 8-byte start, SESSION keys with end then start. */
  readonly window?: { readonly start: number; readonly end?: number; readonly session?: boolean };
}

/** One conformance case. */
export interface ConformanceCase {
  readonly name: string;
  /** Part of the fast subset that `deno test` runs (when it is in the passing list). */
  readonly fast?: boolean;
  readonly input: readonly InputRecord[];
  /** Records of a second topic, `$TOPIC2` (joins). */
  readonly input2?: readonly InputRecord[];
  /** Statements run in order with `auto.offset.reset = earliest`, after the input is produced. */
  readonly statements: readonly string[];
  /** Records of the sink `sink` (a name with `_$`), or the error a statement must fail with. */
  readonly expect:
    | { readonly sink: string; readonly records: readonly ExpectedRecord[] }
    | { readonly error: string }
    | { readonly check: (run: CaseRun) => Promise<string | undefined> };
}

/** A feature family: its file name and cases. */
export interface Family {
  readonly family: string;
  readonly cases: readonly ConformanceCase[];
}

/** What a `check` case is handed: its input topic and how to name things. */
export interface CaseRun {
  readonly topic: string;
  readonly name: (text: string) => string;
  readonly kafka: Kafka;
}

/** A case's outcome: `failure` says what differed. */
export interface CaseResult {
  readonly family: string;
  readonly name: string;
  readonly failure?: string;
}

/** The input records' base time: a recent whole hour, so retention keeps them and windows align. */
export const T0 = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3_600_000;

const EARLIEST = { "ksql.streams.auto.offset.reset": "earliest" };

/** A record as read back, decoded for comparison. */
interface ActualRecord {
  key: ExpectedKey;
  value: unknown;
  window?: { start: number; end?: number; session?: boolean };
}

function decodeValue(value: Buffer | null): unknown {
  if (value === null) return null;
  const text = value.toString("utf8");
  try {
    return JSON.parse(text);
  } catch {
    return `<not JSON: ${text}>`;
  }
}

function decodeKey(raw: Buffer | null, like: ExpectedRecord | undefined): ActualRecord["key"] {
  if (raw === null) return null;
  const want = like?.key;
  if (want !== null && typeof want === "object") {
    if ("int" in want) return raw.length === 4 ? { int: raw.readInt32BE(0) } : `<bytes ${raw.toString("hex")}>`;
    if ("bigint" in want) {
      return raw.length === 8 ? { bigint: Number(raw.readBigInt64BE(0)) } : `<bytes ${raw.toString("hex")}>`;
    }
    try {
      return { json: JSON.parse(raw.toString("utf8")) };
    } catch {
      return `<not JSON: ${raw.toString("utf8")}>`;
    }
  }
  return raw.toString("utf8");
}

/** Decodes a record the way ksqlDB wrote it, guided by the expected record of the same position. */
function decode(key: Buffer | null, value: Buffer | null, like: ExpectedRecord | undefined): ActualRecord {
  const window = like?.window;
  if (window && key !== null) {
    const tail = window.session ? 16 : 8;
    if (key.length < tail) {
      return { key: `<windowed key too short: ${key.toString("hex")}>`, value: decodeValue(value) };
    }
    const body = key.subarray(0, key.length - tail);
    const w = window.session
      ? {
        end: Number(key.readBigInt64BE(key.length - 16)),
        start: Number(key.readBigInt64BE(key.length - 8)),
        session: true,
      }
      : { start: Number(key.readBigInt64BE(key.length - 8)) };
    return { key: decodeKey(body, like), value: decodeValue(value), window: w };
  }
  return { key: decodeKey(key, like), value: decodeValue(value) };
}

function show(r: ActualRecord | ExpectedRecord): string {
  return JSON.stringify(r);
}

/** Compares per key, in order: partitions keep the order of one key only. */
function compare(expected: readonly ExpectedRecord[], actual: ActualRecord[]): string | undefined {
  const keyOf = (r: ActualRecord | ExpectedRecord) =>
    JSON.stringify([r.key, r.window ? { start: r.window.start } : null]);
  const groups = (rs: readonly (ActualRecord | ExpectedRecord)[]) => {
    const m = new Map<string, (ActualRecord | ExpectedRecord)[]>();
    for (const r of rs) m.set(keyOf(r), [...(m.get(keyOf(r)) ?? []), r]);
    return m;
  };
  const want = groups(expected);
  const got = groups(actual);
  const problems: string[] = [];
  for (const [k, records] of want) {
    const have = got.get(k) ?? [];
    const same = records.length === have.length &&
      records.every((r, i) => isDeepStrictEqual(r.value, have[i]!.value) && windowEndMatches(r, have[i]!));
    if (!same) {
      problems.push(`key ${k}: expected ${records.map(show).join(", ")}; got ${have.map(show).join(", ") || "none"}`);
    }
  }
  for (const [k, records] of got) {
    if (!want.has(k)) problems.push(`unexpected key ${k}: ${records.map(show).join(", ")}`);
  }
  return problems.length > 0 ? problems.join("; ") : undefined;
}

function windowEndMatches(want: ExpectedRecord | ActualRecord, got: ActualRecord | ExpectedRecord): boolean {
  if (!want.window?.session) return true;
  return want.window.end === got.window?.end;
}

/** Makes `text`'s `_$` names and `$TOPIC` this run's. */
function namer(suffix: string, topic: string): (text: string) => string {
  return (text) =>
    text.replaceAll("$TOPIC2", `${topic}-2`).replaceAll("$TOPIC", topic).replace(
      /\b([A-Za-z][A-Za-z0-9_]*)_\$/g,
      `$1_${suffix}`,
    );
}

/** Creates `topic` with one partition and produces `input`, retrying while the new topic's leader is not known yet. */
async function produceInput(admin: Admin, kafka: Kafka, topic: string, input: readonly InputRecord[]): Promise<void> {
  for (let attempt = 1;; attempt++) {
    try {
      await createTopic(admin, topic, 1);
      return await sendInput(kafka, topic, input);
    } catch (e) {
      if (attempt >= 10) throw e;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

function sendInput(kafka: Kafka, topic: string, input: readonly InputRecord[]): Promise<void> {
  if (input.length === 0) return Promise.resolve();
  return sendMessages(
    kafka,
    topic,
    input.map((r) => ({
      partition: 0,
      ...(r.key === undefined ? {} : { key: r.key }),
      value: typeof r.value === "string" ? r.value : r.value === null ? null : JSON.stringify(r.value),
      timestamp: String(r.timestamp),
    })),
  );
}

async function readSink(
  kafka: Kafka,
  admin: Admin,
  sink: string,
  expected: readonly ExpectedRecord[],
  timeoutMs: number,
): Promise<ActualRecord[]> {
  await eventually(`${expected.length} records in ${sink}`, timeoutMs, async () => {
    const topics = await admin.listTopics();
    if (!topics.includes(sink)) return undefined;
    return (await topicCount(admin, sink)) >= expected.length || undefined;
  }).catch(() => undefined);
  // a short wait for records beyond the expected ones
  await new Promise((resolve) => setTimeout(resolve, 1500));
  if (!(await admin.listTopics()).includes(sink)) return [];
  const offsets = await admin.fetchTopicOffsets(sink);
  const ranges = new Map(offsets.map((p) => [p.partition, { start: Number(p.low), end: Number(p.high) }]));
  const raw = (await readRanges(kafka, sink, ranges)).sort((a, b) => a.timestamp - b.timestamp || a.offset - b.offset);
  // decode each record like the expected record with the same key text, else like the first
  return raw.map((m) => {
    const like = expected.find((e) => e.window !== undefined) ?? expected[0];
    return decode(m.key, m.value, like);
  });
}

/** Every `X_$` name of the case's statements, made this run's. */
function namesOf(c: ConformanceCase, name: (t: string) => string): string[] {
  const found = new Set<string>();
  for (const s of c.statements) for (const m of s.matchAll(/\b[A-Za-z][A-Za-z0-9_]*_\$/g)) found.add(name(m[0]));
  return [...found];
}

/**
 * Runs case `c` of `family` on the live server.
 *
 * @returns Its result; `failure` set when anything differs from ksqlDB's records or errors.
 */
export async function runCase(family: string, c: ConformanceCase, kafka: Kafka): Promise<CaseResult> {
  // an admin client per case: a shared one keeps the metadata of topics other cases deleted, and fails on them
  for (let attempt = 1;; attempt++) {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const result = await runWith(family, c, kafka, admin);
      // a topic created or deleted a moment ago can fail a metadata request: run the case again, once
      if (attempt === 1 && result.failure?.startsWith("runner error") && result.failure.includes("topic-partition")) {
        continue;
      }
      return result;
    } finally {
      await admin.disconnect();
    }
  }
}

async function runWith(family: string, c: ConformanceCase, kafka: Kafka, admin: Admin): Promise<CaseResult> {
  const suffix = crypto.randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase();
  const topic = `conformance-${suffix.toLowerCase()}`;
  const name = namer(suffix, topic);
  const names = namesOf(c, name);
  const fail = (failure: string): CaseResult => ({ family, name: c.name, failure });
  try {
    await produceInput(admin, kafka, topic, c.input);
    if (c.input2) await produceInput(admin, kafka, `${topic}-2`, c.input2);
    const expect = c.expect;
    for (const [i, statement] of c.statements.entries()) {
      const last = i === c.statements.length - 1;
      try {
        await ksqldb.ksql(name(statement), EARLIEST);
      } catch (e) {
        if (!(e instanceof KsqldbError)) throw e;
        if ("error" in expect && last) {
          return e.message.includes(expect.error)
            ? { family, name: c.name }
            : fail(`rejected with "${e.message}", expected a message containing "${expect.error}"`);
        }
        return fail(`statement ${i + 1} rejected: ${e.message}`);
      }
    }
    if ("error" in expect) return fail(`accepted; ksqlDB rejects it with "${expect.error}"`);
    if ("check" in expect) {
      const failure = await expect.check({ topic, name, kafka });
      return failure === undefined ? { family, name: c.name } : fail(failure);
    }
    const actual = await readSink(kafka, admin, name(expect.sink), expect.records, 45_000);
    const failure = compare(expect.records, actual);
    return failure === undefined ? { family, name: c.name } : fail(failure);
  } catch (e) {
    return fail(`runner error: ${(e as Error).message}`);
  } finally {
    await cleanup(admin, names, [topic, `${topic}-2`]).catch(() => {});
  }
}

/** The id of a case in the passing list: `family/name`. */
export function caseId(r: { family: string; name: string }): string {
  return `${r.family}/${r.name}`;
}
