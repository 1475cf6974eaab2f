/**
 * The load run: records produced as fast as the broker takes them; how long
 * until all are in MongoDB, in the archive and in QUOTES, counted per id; the
 * peak RSS of each service meanwhile.
 *
 * @module
 */
import { ArchiveCounter, countTopic, MongoCounter, type Tally, tally, topicEnds } from "./count.ts";
import { programTable } from "./faults.ts";
import { flowProducer, produceRecords } from "./records.ts";
import type { Target } from "./scenarios.ts";

/** The figures of one load run. */
export interface LoadResult {
  readonly records: number;
  readonly produceSeconds: number;
  /** Seconds from the first send until every id was there, or undefined when the wait timed out. */
  readonly mongoSeconds: number | undefined;
  readonly archiveSeconds: number | undefined;
  readonly quotesSeconds: number | undefined;
  readonly mongo: Tally;
  readonly s3: Tally;
  readonly quotes: Tally;
  /** Per supervisord program, the peak resident memory of its process tree, MiB. */
  readonly peakRssMiB: ReadonlyMap<string, number>;
}

/** Resident memory of each program's process tree now, MiB (from ps). */
export async function rssByProgram(): Promise<Map<string, number>> {
  const table = await programTable();
  const ps = await new Deno.Command("ps", { args: ["-e", "-o", "pid=,ppid=,rss="] }).output();
  const procs = new TextDecoder().decode(ps.stdout).trim().split("\n").map((l) => l.trim().split(/\s+/).map(Number));
  const owner = new Map<number, string>();
  for (const [name, { pid }] of table) if (pid) owner.set(pid, name);
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of procs) {
      const name = owner.get(ppid!);
      if (name !== undefined && !owner.has(pid!)) {
        owner.set(pid!, name);
        grew = true;
      }
    }
  }
  const rss = new Map<string, number>();
  for (const [pid, , kb] of procs) {
    const name = owner.get(pid!);
    if (name !== undefined) rss.set(name, (rss.get(name) ?? 0) + kb! / 1024);
  }
  return rss;
}

const QUOTES_TOPIC = "quotes";

/** Produces `records` records to `target` as fast as the broker takes them and times their way through. */
export async function runLoad(
  target: Target,
  options: { records: number; timeoutMs: number; log: (line: string) => void },
): Promise<LoadResult> {
  const run = `chaos-load-${crypto.randomUUID().slice(0, 8)}`;
  const quotesFrom = await topicEnds(target.kafka, QUOTES_TOPIC);
  const peak = new Map<string, number>();
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const [name, mib] of await rssByProgram().catch(() => new Map<string, number>())) {
        peak.set(name, Math.max(peak.get(name) ?? 0, mib));
      }
      await new Promise((r) => setTimeout(r, 2_000));
    }
  })();
  const mongoCounter = new MongoCounter(target.collection, run);
  await mongoCounter.start();
  const producer = await flowProducer(target.kafka);
  const started = Date.now();
  options.log(`load: producing ${options.records} records as ${run}`);
  let ids: string[];
  try {
    ids = await produceRecords(producer, target.topic, run, options.records, { batch: 2_000 });
  } finally {
    await producer.disconnect();
  }
  const produceSeconds = (Date.now() - started) / 1000;
  options.log(`load: produced in ${produceSeconds.toFixed(1)} s`);
  const deadline = started + options.timeoutMs;
  const seconds = () => (Date.now() - started) / 1000;
  const wantAll = (counts: ReadonlyMap<string, number>) => tally(ids, counts).lost === 0;
  const poll = async (what: string, count: () => Promise<Map<string, number>>) => {
    let counts = new Map<string, number>();
    while (Date.now() < deadline) {
      counts = await count().catch(() => counts);
      if (wantAll(counts)) {
        options.log(`load: all ${ids.length} in ${what} after ${seconds().toFixed(1)} s`);
        return { counts, at: seconds() };
      }
      await new Promise((r) => setTimeout(r, 5_000));
    }
    return { counts, at: undefined };
  };
  const archive = new ArchiveCounter(target.s3, target.bucket, target.archivePrefix, run);
  const pattern = new RegExp(`"NAME":"(${run}-\\d+)"`);
  const [mongo, s3, quotes] = await Promise.all([
    poll("MongoDB", () => mongoCounter.counts(ids.length)),
    poll("the archive", () => archive.counts()),
    (async () => {
      const counts = await countTopic(
        target.kafka,
        QUOTES_TOPIC,
        quotesFrom,
        (v) => pattern.exec(v)?.[1],
        wantAll,
        Math.max(0, deadline - Date.now()),
      );
      const at = wantAll(counts) ? seconds() : undefined;
      if (at !== undefined) options.log(`load: all ${ids.length} in QUOTES after ${at.toFixed(1)} s`);
      return { counts, at };
    })(),
  ]);
  sampling = false;
  await sampler;
  return {
    records: ids.length,
    produceSeconds,
    mongoSeconds: mongo.at,
    archiveSeconds: s3.at,
    quotesSeconds: quotes.at,
    mongo: tally(ids, mongo.counts),
    s3: tally(ids, s3.counts),
    quotes: tally(ids, quotes.counts),
    peakRssMiB: peak,
  };
}

/** The load figures as lines. */
export function formatLoad(r: LoadResult): string {
  const s = (v: number | undefined) => (v === undefined ? "timed out" : `${v.toFixed(1)} s`);
  const t = (x: Tally) => `${x.sent - x.lost} of ${x.sent} ids there, duplicated ${x.duplicated}`;
  return [
    `records: ${r.records}, produced in ${r.produceSeconds.toFixed(1)} s (${
      Math.round(r.records / r.produceSeconds)
    } records/s)`,
    `all in MongoDB after ${s(r.mongoSeconds)} (${t(r.mongo)})`,
    `all archived after ${s(r.archiveSeconds)} (${t(r.s3)})`,
    `all in QUOTES after ${s(r.quotesSeconds)} (${t(r.quotes)})`,
    `peak RSS, MiB: ${[...r.peakRssMiB].map(([name, mib]) => `${name} ${mib.toFixed(0)}`).join(", ")}`,
  ].join("\n");
}
