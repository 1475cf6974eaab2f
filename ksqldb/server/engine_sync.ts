/**
 * Keeps the Flink engine in line with the catalog and remembers the state of
 * each persistent query's job as last seen.
 *
 * @module
 */
import type { Catalog } from "./catalog.ts";
import type { FlinkEngineClient } from "./flink_engine_client.ts";
import { flinkDropDdls, flinkTableDdls } from "./flink_table_ddl.ts";

/** A persistent query's job state as the engine last reported it (`UNKNOWN` before it did). */
export interface JobState {
  readonly state: string;
  readonly error?: string;
}

/** Syncs `catalog` into `engine`; `bootstrap` is Kafka as the Flink jobs reach it. */
export class EngineSync {
  #catalog: Catalog;
  #engine: FlinkEngineClient;
  #bootstrap: string;
  #engineBootId: string | undefined;
  #jobStates = new Map<string, JobState>();
  /** The Flink tables registered in the engine, by source name: their DDL. */
  #tables = new Map<string, string>();

  constructor(catalog: Catalog, engine: FlinkEngineClient, bootstrap: string) {
    this.#catalog = catalog;
    this.#engine = engine;
    this.#bootstrap = bootstrap;
  }

  /**
   * Registers in the engine the tables of the catalog's streams and tables it
   * does not have yet (all of them after an engine restart; those another
   * server created, read from the command topic) and drops those no longer in
   * the catalog; starts every persistent query whose job is missing (from its
   * last checkpoint; on a shared Flink cluster the engine finds a job another
   * server started and does not start it twice).
   *
   * @throws {FlinkEngineError} When the engine does not answer.
   */
  async run(): Promise<void> {
    const health = await this.#engine.health();
    if (health.bootId !== this.#engineBootId) this.#tables.clear();
    const wanted = new Map(this.#catalog.sources().map((s) => [s.name, flinkTableDdls(s, this.#bootstrap)]));
    for (const [name, registered] of this.#tables) {
      if (wanted.get(name)?.join(";\n") === registered) continue;
      await this.#engine.ddl(flinkDropDdls(name));
      this.#tables.delete(name);
    }
    for (const [name, ddl] of wanted) {
      if (this.#tables.has(name)) continue;
      await this.#engine.ddl(ddl);
      this.#tables.set(name, ddl.join(";\n"));
    }
    this.#engineBootId = health.bootId;
    const jobs = new Map((await this.#engine.jobs()).map((j) => [j.name, j]));
    for (const query of this.#catalog.queries()) {
      const job = jobs.get(query.id);
      if (job === undefined || job.state === "CANCELED" || job.state === "FINISHED") {
        try {
          const started = await this.#engine.startJob(query.id, query.flinkSql);
          this.#jobStates.set(query.id, { state: started.state });
          console.log(
            `Started query ${query.id}${started.restoredFrom ? ` from checkpoint ${started.restoredFrom}` : ""}`,
          );
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.#jobStates.set(query.id, { state: "ERROR", error: message });
          console.error(`Cannot start query ${query.id}: ${message}`);
        }
      } else {
        this.#jobStates.set(query.id, job.error ? { state: job.state, error: job.error } : { state: job.state });
      }
    }
  }

  /** Whether the engine answered a sync. */
  get engineReady(): boolean {
    return this.#engineBootId !== undefined;
  }

  /** Query `id`'s job state as last seen. */
  jobState(id: string): JobState {
    return this.#jobStates.get(id) ?? { state: "UNKNOWN" };
  }

  /** Records that query `id` was just started. */
  started(id: string): void {
    this.#jobStates.set(id, { state: "RUNNING" });
  }

  /** Forgets query `id` (terminated). */
  forget(id: string): void {
    this.#jobStates.delete(id);
  }
}
