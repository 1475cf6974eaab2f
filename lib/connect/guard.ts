/**
 * The sink guard: restarts any connector or task of the worker that has FAILED (a MongoDB
 * outage longer than the sink's server-selection timeout, a write that broke
 * off mid-batch), with exponential backoff, and keeps what it did in a JSON
 * file that `task status` prints. The sinks' writes are idempotent upserts, so
 * a restarted task that re-reads records from its last committed offset
 * rewrites the same documents.
 *
 * @module
 */
import { allConnectorStatuses, restartFailed } from "./client.ts";
import type { ConnectorStatus } from "./client.ts";

/** What the guard knows of one connector. */
export interface GuardEntry {
  /** `RUNNING`, `FAILED`, ... of the connector and its tasks, e.g. `RUNNING 0=FAILED`, or `unreachable`. */
  state: string;
  /** Restarts the guard has asked for since the guard started. */
  restarts: number;
  /** ISO time of the last restart. */
  lastRestart?: string;
  /** First line of the last failure's trace. */
  lastError?: string;
  /** Consecutive restarts without a healthy minute between them (drives the backoff). */
  streak: number;
  /** Earliest ISO time of the next restart. */
  nextRestart?: string;
}

/** Options of {@linkcode guardOnce}. */
export interface GuardOptions {
  /** First wait after a restart before the next; doubles each time. @default 5000 */
  baseDelayMs?: number;
  /** Longest wait between restarts. @default 300000 */
  maxDelayMs?: number;
  /** Healthy this long resets the backoff. @default 60000 */
  healthyResetMs?: number;
  /** Reports each restart. @default console.log */
  log?: (line: string) => void;
  /** The clock. @default Date.now */
  now?: () => number;
}

function describe(status: ConnectorStatus): string {
  return `${status.connector.state} ${status.tasks.map((t) => `${t.id}=${t.state}`).join(" ")}`.trim();
}

function failure(status: ConnectorStatus): string | undefined {
  const failed = [
    ...(status.connector.state === "FAILED" ? [status.connector.trace ?? "connector failed"] : []),
    ...status.tasks.filter((t) => t.state === "FAILED").map((t) => t.trace ?? `task ${t.id} failed`),
  ];
  if (failed.length === 0) return undefined;
  // the cause says more than Connect's "Exiting WorkerSinkTask due to unrecoverable exception"
  const lines = failed[0]!.split("\n");
  return (lines.findLast((l) => l.startsWith("Caused by: ")) ?? lines[0] ?? "").replace(/^Caused by: /, "").trim();
}

/**
 * Looks at every connector of the worker once and restarts the failed ones
 * whose backoff has passed; `entries` carries the state between calls (a
 * connector that is gone is dropped from it).
 *
 * @returns `false` when Connect did not answer.
 */
export async function guardOnce(
  baseUrl: string,
  entries: Map<string, GuardEntry>,
  options: GuardOptions = {},
): Promise<boolean> {
  const { baseDelayMs = 5000, maxDelayMs = 300_000, healthyResetMs = 60_000, log = console.log, now = Date.now } =
    options;
  let statuses: ConnectorStatus[];
  try {
    statuses = await allConnectorStatuses(baseUrl);
  } catch {
    return false;
  }
  for (const name of entries.keys()) {
    if (!statuses.some((s) => s.name === name)) entries.delete(name);
  }
  for (const status of statuses) {
    const name = status.name;
    const entry = entries.get(name) ?? { state: "unknown", restarts: 0, streak: 0 };
    entries.set(name, entry);
    entry.state = describe(status);
    const error = failure(status);
    const t = now();
    if (error === undefined) {
      if (entry.streak > 0 && entry.lastRestart && t - Date.parse(entry.lastRestart) >= healthyResetMs) {
        entry.streak = 0;
        delete entry.nextRestart;
      }
      continue;
    }
    if (entry.nextRestart !== undefined && t < Date.parse(entry.nextRestart)) continue;
    const delay = Math.min(baseDelayMs * 2 ** entry.streak, maxDelayMs);
    try {
      await restartFailed(baseUrl, name);
    } catch (restartError) {
      log(`Cannot restart connector "${name}": ${(restartError as Error).message}; trying again in ${delay / 1000}s`);
      entry.nextRestart = new Date(t + delay).toISOString();
      continue;
    }
    entry.restarts++;
    entry.streak++;
    entry.lastRestart = new Date(t).toISOString();
    entry.lastError = error;
    entry.nextRestart = new Date(t + delay).toISOString();
    log(
      `Restarted the failed parts of "${name}" (restart ${entry.restarts}; next no sooner than ${
        delay / 1000
      }s): ${error}`,
    );
  }
  return true;
}
