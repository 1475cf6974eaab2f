/**
 * The pipeline page's data: each service's health (the probes `task status`
 * runs), message rates over the last minute and totals along the flow,
 * consumer lag per partition, the sink's connector and task state, the
 * ksqlDB queries and their topics, and the dead-letter topic and archive
 * quarantine with their latest error. Polled while a page watches.
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import { MongoClient } from "mongodb";
import { consumerLag } from "../../lib/archive/mod.ts";
import { connectorStatus } from "../../lib/connect/mod.ts";
import type { KsqldbClient } from "../../admin/ksql_client.ts";
import { readRanges } from "../../admin/peek.ts";
import { probeOnce } from "../../stack/probe.ts";
import { SERVICES } from "../../stack/services.ts";
import { programStates } from "../../stack/supervisor.ts";
import type { ArchiveReader } from "./archive.ts";

/** A value, or why it could not be read. */
export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** One service as `task status` sees it. */
export interface ServiceHealth {
  readonly name: string;
  readonly title: string;
  /** Supervisor state: RUNNING, STOPPED, FATAL, ... (UNKNOWN without supervisord). */
  readonly state: string;
  readonly ready: boolean;
}

/** A counter along the flow: its total now and its rate over the last minute. */
export interface Flow {
  readonly total: number;
  /** Per second over the samples of the last minute; null until there are two. */
  readonly rate: number | null;
}

/** Lag of one partition. */
export interface LagRow {
  readonly partition: number;
  readonly committed: string | null;
  readonly end: string;
  readonly lag: string;
}

/** The archive's quarantine: rejected records, the objects holding them, the newest one's reason. */
export interface QuarantineSummary {
  readonly records: number;
  readonly objects: number;
  readonly latestReason: string | null;
}

/** Everything the pipeline page draws. */
export interface PipelineSnapshot {
  readonly time: string;
  readonly services: readonly ServiceHealth[];
  readonly flows: Readonly<Record<string, Flow>>;
  readonly lag: Readonly<Record<string, Reading<readonly LagRow[]>>>;
  readonly connector: Reading<{ state: string; tasks: { id: number; state: string; trace?: string }[] }>;
  readonly queries: Reading<{ id: string; state: string; sinkKafkaTopics: string[] }[]>;
  readonly dlq: Reading<{ count: number; latestError: string | null }>;
  readonly quarantine: Reading<QuarantineSummary>;
  readonly kafka: Reading<true>;
}

/** What the poller reads. */
export interface PipelineSources {
  readonly kafka: Kafka;
  readonly ksqldb: KsqldbClient;
  readonly archive: ArchiveReader;
  readonly topic: string;
  readonly dlqTopic: string;
  readonly archiverGroup: string;
  readonly sinkConnector: string;
  readonly connectUrl: string;
  readonly mongoUrl: string;
  /** Quotes the console has read from the topic so far. */
  readonly quotes: () => number;
}

const WINDOW_MS = 60_000;
const QUARANTINE_EVERY_MS = 15_000;
const DLQ_ERROR_HEADER = "__connect.errors.exception.message";

function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms / 1000}s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** `read()` as a reading; one that takes longer than `ms` says so. */
async function reading<T>(what: string, read: () => Promise<T>, ms = 5000): Promise<Reading<T>> {
  try {
    return { ok: true, value: await within(ms, what, read()) };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

/** Polls the pipeline; keeps a minute of counter samples for the rates. */
export class PipelinePoller {
  #sources: PipelineSources;
  #mongo: MongoClient | undefined;
  #samples: { time: number; counters: Record<string, number> }[] = [];
  #dlq: { count: number; latestError: string | null } | undefined;
  #quarantine: { at: number; value: Reading<QuarantineSummary> } | undefined;
  /** The ksqlDB queries' sink topics of the last snapshot, whose totals the next one reads. */
  #queryTopics: string[] = [];

  /** Reads `sources`. */
  constructor(sources: PipelineSources) {
    this.#sources = sources;
  }

  /**
   * One snapshot of the whole pipeline; never throws: what cannot be read says why. The services' states come
   * first (a stopped one must show at once, while a busy broker may take seconds to answer): with `early`, they
   * are passed on as soon as known, with the other readings of `previous`.
   */
  async snapshot(
    previous?: PipelineSnapshot,
    early?: (snapshot: PipelineSnapshot) => void,
  ): Promise<PipelineSnapshot> {
    const s = this.#sources;
    const health = this.#services();
    if (previous && early) {
      health.then((services) => early({ ...previous, time: new Date().toISOString(), services }), () => {});
    }
    const [services, kafka, connector, queries, documents, quarantine] = await Promise.all([
      health,
      // a stopped broker refuses at once; a busy one needs a round trip per topic and group
      reading("Kafka", () => this.#kafkaCounters(), 10_000),
      reading("Kafka Connect", async () => {
        const status = await connectorStatus(s.connectUrl, s.sinkConnector);
        return { state: status.connector.state, tasks: status.tasks.map((t) => ({ ...t })) };
      }),
      reading("ksqlDB", async () => {
        const [entity] = await s.ksqldb.ksql("SHOW QUERIES;");
        return ((entity?.queries ?? []) as { id: string; state?: string; sinkKafkaTopics?: string[] }[]).map((q) => ({
          id: q.id,
          state: q.state ?? "UNKNOWN",
          sinkKafkaTopics: q.sinkKafkaTopics ?? [],
        }));
      }),
      reading("MongoDB", () => this.#documents()),
      this.#quarantineReading(),
    ]);
    if (queries.ok) this.#queryTopics = [...new Set(queries.value.flatMap((q) => q.sinkKafkaTopics))];
    const counters: Record<string, number> = { quotes: s.quotes() };
    if (documents.ok) counters["mongo"] = documents.value;
    if (kafka.ok) {
      Object.assign(counters, kafka.value.counters);
      if (queries.ok) {
        for (const q of queries.value) {
          for (const topic of q.sinkKafkaTopics) {
            const total = kafka.value.topicTotals.get(topic);
            if (total !== undefined) counters[`topic:${topic}`] = total;
          }
        }
      }
    }
    const flows = this.#flows(counters);
    return {
      time: new Date().toISOString(),
      services,
      flows,
      lag: kafka.ok ? kafka.value.lag : { archiver: kafka, sink: kafka },
      connector,
      queries,
      dlq: kafka.ok ? { ok: true, value: kafka.value.dlq } : kafka,
      quarantine,
      kafka: kafka.ok ? { ok: true, value: true } : kafka,
    };
  }

  /** Disconnects. */
  async close(): Promise<void> {
    await this.#mongo?.close().catch(() => {});
  }

  async #services(): Promise<ServiceHealth[]> {
    const states = await programStates().catch(() => undefined);
    return await Promise.all(SERVICES.map(async (service) => {
      const state = states?.get(service.name) ?? "UNKNOWN";
      // a "running" probe is the supervisor's state itself; the others are probed as task status does
      const ready = state === "RUNNING" && (service.probe.kind === "running" || await probeOnce(service.probe));
      return { name: service.name, title: service.title, state, ready };
    }));
  }

  async #kafkaCounters() {
    const s = this.#sources;
    // a fresh admin each time: kafkajs keeps asking for the metadata of a topic deleted since, and fails
    const admin = this.#sources.kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
    await admin.connect().catch((error) => {
      throw new Error(`Kafka is unreachable (${(error as Error).message}); is it running ("task status")?`);
    });
    try {
      // only the topics the picture shows: offsets cost round trips per topic, and a busy broker answers slowly
      const wanted = new Set([s.topic, s.dlqTopic, ...this.#queryTopics]);
      const listed = (await admin.listTopics()).filter((t) => wanted.has(t));
      // a topic deleted in between is left out
      const settled = await Promise.allSettled(listed.map((t) => admin.fetchTopicOffsets(t)));
      const topics = listed.filter((_, i) => settled[i]!.status === "fulfilled");
      const offsets = settled.flatMap((r) => r.status === "fulfilled" ? [r.value] : []);
      const topicTotals = new Map<string, number>();
      topics.forEach((t, i) => topicTotals.set(t, offsets[i]!.reduce((sum, p) => sum + Number(p.high), 0)));
      const lags = async (groupId: string) => {
        const rows = await consumerLag(admin, { groupId, topic: s.topic });
        return rows.map((r) => ({
          partition: r.partition,
          committed: r.committed?.toString() ?? null,
          end: r.end.toString(),
          lag: r.lag.toString(),
        }));
      };
      const present = topics.includes(s.topic);
      const [archiver, sink] = present
        ? await Promise.all([lags(s.archiverGroup), lags(`connect-${s.sinkConnector}`)])
        : [[], []];
      const committed = (rows: LagRow[]) => rows.reduce((sum, r) => sum + Number(r.committed ?? 0), 0);
      const dlqCount = topics.includes(s.dlqTopic)
        ? offsets[topics.indexOf(s.dlqTopic)]!.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0)
        : 0;
      const dlq = await this.#dlqError(dlqCount, offsets[topics.indexOf(s.dlqTopic)]);
      const counters: Record<string, number> = {
        produced: topicTotals.get(s.topic) ?? 0,
        archived: committed(archiver),
        sunk: committed(sink),
        dlq: topicTotals.get(s.dlqTopic) ?? 0,
      };
      const ok = <T>(value: T): Reading<T> => ({ ok: true, value });
      return { counters, topicTotals, lag: { archiver: ok(archiver), sink: ok(sink) }, dlq };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }

  /** The dead-letter count and, when it changed, the newest dead letter's error header. */
  async #dlqError(count: number, offsets: { partition: number; high: string }[] | undefined) {
    if (this.#dlq?.count === count) return this.#dlq;
    let latestError: string | null = null;
    if (count > 0 && offsets) {
      const ranges = new Map(
        offsets.filter((p) => Number(p.high) > 0).map((
          p,
        ) => [p.partition, { start: Number(p.high) - 1, end: Number(p.high) }]),
      );
      const last = (await readRanges(this.#sources.kafka, this.#sources.dlqTopic, ranges, 4000))
        .toSorted((a, b) => b.timestamp - a.timestamp)[0];
      latestError = last?.headers[DLQ_ERROR_HEADER] ?? null;
    }
    this.#dlq = { count, latestError };
    return this.#dlq;
  }

  async #documents(): Promise<number> {
    this.#mongo ??= new MongoClient(this.#sources.mongoUrl, { serverSelectionTimeoutMS: 3000 });
    return await this.#mongo.db("mydb").collection("api").estimatedDocumentCount();
  }

  async #quarantineReading(): Promise<Reading<QuarantineSummary>> {
    if (this.#quarantine && Date.now() - this.#quarantine.at < QUARANTINE_EVERY_MS) return this.#quarantine.value;
    const value = await reading("S3", async () => {
      const q = await this.#sources.archive.quarantine();
      return { records: q.records, objects: q.objects.length, latestReason: q.latestReason };
    });
    this.#quarantine = { at: Date.now(), value };
    return value;
  }

  #flows(counters: Record<string, number>): Record<string, Flow> {
    const now = Date.now();
    this.#samples.push({ time: now, counters });
    while (this.#samples.length > 2 && this.#samples[0]!.time < now - WINDOW_MS) this.#samples.shift();
    const flows: Record<string, Flow> = {};
    for (const [name, total] of Object.entries(counters)) {
      const first = this.#samples.find((sample) => sample.counters[name] !== undefined);
      const seconds = first ? (now - first.time) / 1000 : 0;
      const rate = first && seconds > 0 ? Math.max(0, (total - first.counters[name]!) / seconds) : null;
      flows[name] = { total, rate };
    }
    return flows;
  }
}
