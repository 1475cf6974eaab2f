/**
 * The chaos scenarios: each drives records with unique ids through a target
 * pipeline while a fault hits the stack, then counts per id what reached
 * MongoDB and the S3 archive, whether the stack recovered by itself, and how
 * long that took.
 *
 * @module
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { Kafka } from "kafkajs";
import type { Collection } from "mongodb";
import { ArchiveCounter, MongoCounter, type Tally, tally } from "./count.ts";
import { control, kill9, programTable, StateWatch, waitAllRunning } from "./faults.ts";
import { type FlowOptions, flowProducer, produceRecords, recordId } from "./records.ts";

/** Where records go and where they are counted. */
export interface Target {
  readonly topic: string;
  readonly kafka: Kafka;
  /** The MongoDB sink's collection. */
  readonly collection: Collection;
  /** The archive of `topic`: bucket and key prefix. */
  readonly s3: S3Client;
  readonly bucket: string;
  readonly archivePrefix: string;
  /** The supervisord program archiving `topic`, when it is the stack's own consumer. */
  readonly consumerProgram?: string;
  /** Whether the archiver is still up by itself (a test's own consumer process); checked after each scenario. */
  readonly archiverAlive?: () => boolean;
}

/** What a scenario's driver gets. */
export interface ScenarioContext {
  readonly target: Target;
  /** Produces `count` records of this run (ids continue across calls). */
  produce(count: number, options?: FlowOptions): Promise<void>;
  /** Records sent so far. */
  sent(): number;
  /** Resolves once `n` records are sent. */
  sentAtLeast(n: number): Promise<void>;
  /** Marks the end of the fault: the time to recover counts from here. */
  faultOver(): void;
  /** A note for the report. */
  note(text: string): void;
  /** Resolves once the sink's collection holds more documents than `than` (the sink is writing), or after `timeoutMs`. */
  documentsAbove(than: number, timeoutMs: number): Promise<number>;
}

/** A fault and the flow around it. */
export interface Scenario {
  readonly name: string;
  /** Records in all, for the report. */
  readonly records: number;
  /** Produces the records and applies the fault, calling `faultOver()` when the stack is left to itself. */
  readonly drive: (ctx: ScenarioContext) => Promise<void>;
}

/** One row of the report. */
export interface ScenarioResult {
  readonly name: string;
  /** The run's id prefix: record `i` is `recordId(run, i)`. */
  readonly run: string;
  readonly mongo: Tally;
  readonly s3: Tally;
  /** Every id in both stores, every program running, none FATAL, with no action after the fault. */
  readonly recovered: boolean;
  /** From the end of the fault until every id was in both stores. */
  readonly recoverSeconds: number | undefined;
  readonly notes: readonly string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `scenario` against `target` and counts per id; waits up to `recoverTimeoutMs` after the fault for every
 * id to reach MongoDB and the archive, then `settleMs` more so late duplicates show.
 */
export async function runScenario(
  target: Target,
  scenario: Scenario,
  options: { recoverTimeoutMs: number; settleMs: number; log: (line: string) => void },
): Promise<ScenarioResult> {
  const run = `chaos-${scenario.name}-${crypto.randomUUID().slice(0, 8)}`;
  const ids: string[] = [];
  const notes: string[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  let faultOverAt: number | undefined;
  const before = await programTable();
  const running = [...before].filter(([, p]) => p.state === "RUNNING").map(([name]) => name);
  const watch = new StateWatch();
  const mongoCounter = new MongoCounter(target.collection, run);
  await mongoCounter.start();
  const producer = await flowProducer(target.kafka);
  let next = 0;
  let sentSoFar = 0;
  const ctx: ScenarioContext = {
    target,
    produce: async (count, flow = {}) => {
      const first = next;
      next += count;
      // ids continue across calls: produce records first..first+count-1 under this run
      await produceRecords(producer, target.topic, run, count, {
        ...flow,
        offset: first,
        onProgress: (n) => {
          for (let i = ids.length; i < first + n; i++) ids.push(recordId(run, i));
          sentSoFar = first + n;
          for (const w of waiters.filter((w) => w.n <= sentSoFar)) w.resolve();
        },
      });
    },
    sent: () => sentSoFar,
    sentAtLeast: (n) => new Promise((resolve) => waiters.push({ n, resolve })),
    faultOver: () => faultOverAt ??= Date.now(),
    note: (text) => notes.push(text),
    documentsAbove: async (than, timeoutMs) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const n = await target.collection.estimatedDocumentCount().catch(() => than);
        if (n > than || Date.now() > deadline) return n;
        await sleep(1_000);
      }
    },
  };
  options.log(`${scenario.name}: ${scenario.records} records as ${run}`);
  try {
    await scenario.drive(ctx);
  } finally {
    await producer.disconnect().catch(() => {});
  }
  faultOverAt ??= Date.now();
  const archive = new ArchiveCounter(target.s3, target.bucket, target.archivePrefix, run);
  let mongoAt: number | undefined;
  let s3At: number | undefined;
  let mongo = new Map<string, number>();
  let s3 = new Map<string, number>();
  const deadline = faultOverAt + options.recoverTimeoutMs;
  while ((mongoAt === undefined || s3At === undefined) && Date.now() < deadline) {
    if (mongoAt === undefined) {
      mongo = await mongoCounter.counts(ids.length).catch(() => mongo);
      if (tally(ids, mongo).lost === 0) mongoAt = Date.now();
    }
    if (s3At === undefined) {
      s3 = await archive.counts().catch(() => s3);
      if (tally(ids, s3).lost === 0) s3At = Date.now();
    }
    if (mongoAt === undefined || s3At === undefined) await sleep(5_000);
  }
  await sleep(options.settleMs);
  mongo = await mongoCounter.counts(ids.length, true).catch(() => mongo);
  s3 = await archive.counts().catch(() => s3);
  const allRunning = await waitAllRunning(running, 60_000);
  await watch.stop();
  if (watch.fatal.size > 0) notes.push(`FATAL: ${[...watch.fatal].join(", ")}`);
  if (!allRunning) notes.push("not every program runs again");
  const consumer = target.consumerProgram;
  if (consumer !== undefined) notes.push(`${consumer} restarts: ${watch.restarts.get(consumer) ?? 0}`);
  const archiverAlive = target.archiverAlive?.() ?? true;
  if (!archiverAlive) notes.push("the archiver process exited");
  const both = mongoAt !== undefined && s3At !== undefined;
  const result: ScenarioResult = {
    name: scenario.name,
    run,
    mongo: tally(ids, mongo),
    s3: tally(ids, s3),
    recovered: both && allRunning && watch.fatal.size === 0 && archiverAlive,
    recoverSeconds: both ? (Math.max(mongoAt!, s3At!) - faultOverAt) / 1000 : undefined,
    notes,
  };
  options.log(`${scenario.name}: ${JSON.stringify(result)}`);
  return result;
}

/**
 * Kills Connect with SIGKILL `kills` times while `records` records flow over `durationMs`; each kill waits
 * until the sink is writing this flow's documents (a kill of a Connect still starting proves nothing).
 */
export function connectKill(records: number, kills: number, durationMs: number): Scenario {
  return {
    name: `connect-kill-x${kills}`,
    records,
    drive: async (ctx) => {
      let documents = await ctx.target.collection.estimatedDocumentCount();
      const flow = ctx.produce(records, { durationMs });
      for (let k = 1; k <= kills; k++) {
        await ctx.sentAtLeast(Math.floor((records * k) / (kills + 1)));
        documents = await ctx.documentsAbove(documents, 300_000);
        await kill9("connect");
        ctx.note(`kill ${k} at ${ctx.sent()} sent`);
      }
      await flow;
      ctx.faultOver();
    },
  };
}

/** Kills the broker with SIGKILL once, a third into the flow. */
export function brokerKill(records: number, durationMs: number): Scenario {
  return {
    name: "broker-kill",
    records,
    drive: async (ctx) => {
      const flow = ctx.produce(records, { durationMs });
      await ctx.sentAtLeast(Math.floor(records / 3));
      await kill9("kafka");
      await flow;
      ctx.faultOver();
    },
  };
}

/** Stops supervisord program `program` for `downMs` while records flow, then starts it. */
export function serverOutage(name: string, program: string, records: number, downMs: number): Scenario {
  return {
    name,
    records,
    drive: async (ctx) => {
      const flow = ctx.produce(records, { durationMs: downMs + 20_000 });
      await ctx.sentAtLeast(Math.floor(records / 10));
      await control("stop", program);
      const stoppedAt = Date.now();
      await sleep(downMs);
      await control("start", program);
      ctx.note(`${program} down ${((Date.now() - stoppedAt) / 1000).toFixed(0)} s`);
      ctx.faultOver();
      await flow;
    },
  };
}

/** `restart()` (task down && task up) between two flows of `records / 2`. */
export function downUp(records: number, restart: () => Promise<void>): Scenario {
  return {
    name: "down-up",
    records,
    drive: async (ctx) => {
      await ctx.produce(Math.floor(records / 2));
      await restart();
      ctx.faultOver();
      await ctx.produce(records - Math.floor(records / 2));
    },
  };
}

/** Kills supervisord program `program` (the consumer) with SIGKILL `kills` times while records flow. */
export function programKill(program: string, records: number, kills: number, durationMs: number): Scenario {
  return {
    name: `${program}-kill-x${kills}`,
    records,
    drive: async (ctx) => {
      const flow = ctx.produce(records, { durationMs });
      for (let k = 1; k <= kills; k++) {
        await ctx.sentAtLeast(Math.floor((records * k) / (kills + 1)));
        await kill9(program);
        if (k < kills) await waitAllRunning([program], 60_000);
      }
      await flow;
      ctx.faultOver();
    },
  };
}

/** The report: one line per scenario. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const head = ["scenario", "sent", "mongo lost", "mongo dup", "s3 lost", "s3 dup", "recovered", "recover s", "notes"];
  const rows = results.map((r) => [
    r.name,
    String(r.mongo.sent),
    String(r.mongo.lost),
    String(r.mongo.duplicated),
    String(r.s3.lost),
    String(r.s3.duplicated),
    r.recovered ? "yes" : "NO",
    r.recoverSeconds === undefined ? "-" : r.recoverSeconds.toFixed(0),
    r.notes.join("; "),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** Whether a result shows a loss, a duplicate or a recovery that needed a hand. */
export function failed(result: ScenarioResult): boolean {
  return result.mongo.lost + result.mongo.duplicated + result.s3.lost + result.s3.duplicated > 0 || !result.recovered;
}
