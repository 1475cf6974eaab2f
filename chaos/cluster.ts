/**
 * Node losses on the cluster profile (stack/cluster.ts): kill -9 one node of a
 * kind while records flow, and how long until that kind is whole again (the
 * node back and caught up: partitions fully replicated, sinks running, every
 * Flink job running all its tasks, the server healthy).
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import { CLUSTER_PORTS } from "../stack/cluster.ts";
import { kill9, programTable } from "./faults.ts";
import type { Scenario } from "./scenarios.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The Flink session cluster's REST address. */
export const FLINK_REST = `http://127.0.0.1:${CLUSTER_PORTS.flinkRest}`;

/** GET `url` as JSON within 5 s, or undefined when it does not answer 200. */
async function getJson<T>(url: string): Promise<T | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) {
      await response.body?.cancel();
      return undefined;
    }
    return await response.json() as T;
  } catch {
    return undefined;
  }
}

/** Names of the session cluster's jobs that run every task, or undefined when the JobManager does not answer. */
export async function runningJobs(): Promise<string[] | undefined> {
  type Overview = { jobs: { name: string; state: string; tasks: { running: number; total: number } }[] };
  const overview = await getJson<Overview>(`${FLINK_REST}/jobs/overview`);
  return overview?.jobs.filter((j) => j.state === "RUNNING" && j.tasks.running === j.tasks.total && j.tasks.total > 0)
    .map((j) => j.name).sort();
}

/** TaskManagers registered with the JobManager, or 0 when it does not answer. */
export async function taskManagers(): Promise<number> {
  return (await getJson<{ taskmanagers: unknown[] }>(`${FLINK_REST}/taskmanagers`))?.taskmanagers.length ?? 0;
}

/** Whether every partition of `topics` has all its replicas in sync. */
export async function fullyReplicated(kafka: Kafka, topics: readonly string[]): Promise<boolean> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
    return metadata.every((t) => t.partitions.every((p) => p.isr.length === p.replicas.length));
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Whether Connect connector `name` and all its tasks run, as the worker at `url` reports. */
export async function connectorRunning(url: string, name: string): Promise<boolean> {
  type Status = { connector: { state: string }; tasks: { state: string }[] };
  const status = await getJson<Status>(`${url}/connectors/${name}/status`);
  return status !== undefined && status.connector.state === "RUNNING" && status.tasks.length > 0 &&
    status.tasks.every((t) => t.state === "RUNNING");
}

/** Whether supervisord runs `program`. */
export async function programRunning(program: string): Promise<boolean> {
  return (await programTable()).get(program)?.state === "RUNNING";
}

/** A node loss: which program to kill, and what says its kind is whole again. */
export interface NodeLoss {
  /** Scenario name, e.g. `kill-broker`. */
  readonly name: string;
  /** The supervisord program killed with SIGKILL. */
  readonly program: string;
  /** Resolves true once the kind is whole again (polled every second after the kill). */
  readonly whole: () => Promise<boolean>;
  /** Runs from the kill until the kind is whole; resolves to a note for the report (e.g. a survivor's answers). */
  readonly meanwhile?: (signal: AbortSignal) => Promise<string>;
}

/** How long {@linkcode nodeLoss} waits after a kill to see the node kind broken. */
const NOTICE_TIMEOUT_MS = 45_000;

/** What {@linkcode nodeLoss} measured, in the order the scenarios ran. */
export const wholeAgainSeconds = new Map<string, number | undefined>();

/**
 * Kills `loss.program` with SIGKILL a third into a flow of `records` records over `durationMs`, and notes when
 * `loss.whole()` first failed and how long from the kill until it holds again (at most `wholeTimeoutMs`).
 */
export function nodeLoss(loss: NodeLoss, records: number, durationMs: number, wholeTimeoutMs = 600_000): Scenario {
  return {
    name: loss.name,
    records,
    drive: async (ctx) => {
      const flow = ctx.produce(records, { durationMs });
      await ctx.sentAtLeast(Math.floor(records / 3));
      const killedAt = Date.now();
      await kill9(loss.program);
      ctx.note(`killed ${loss.program} at ${ctx.sent()} sent`);
      const stop = new AbortController();
      const meanwhile = loss.meanwhile?.(stop.signal);
      // a kill is noticed after a heartbeat or two (a TaskManager's after the JobManager's heartbeat timeout, or
      // when its restarted self registers again): until then the kind still looks whole, so wait to see it broken
      let noticed: number | undefined;
      while (Date.now() - killedAt < NOTICE_TIMEOUT_MS) {
        if (!await loss.whole()) {
          noticed = (Date.now() - killedAt) / 1000;
          break;
        }
        await sleep(500);
      }
      ctx.note(
        noticed === undefined ? `no outage seen in ${NOTICE_TIMEOUT_MS / 1000} s` : `broken at ${noticed.toFixed(0)} s`,
      );
      let seconds: number | undefined;
      while (Date.now() - killedAt < wholeTimeoutMs) {
        if (await loss.whole()) {
          seconds = (Date.now() - killedAt) / 1000;
          break;
        }
        await sleep(1_000);
      }
      stop.abort();
      wholeAgainSeconds.set(loss.name, seconds);
      ctx.note(
        seconds === undefined
          ? `NOT whole again within ${wholeTimeoutMs / 1000} s`
          : `whole in ${seconds.toFixed(0)} s`,
      );
      if (meanwhile) ctx.note(await meanwhile);
      await flow;
      ctx.faultOver();
    },
  };
}
