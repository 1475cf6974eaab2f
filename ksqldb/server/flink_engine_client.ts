/**
 * Client of the Flink engine's HTTP API (ksqldb/flink, `FlinkEngine.java`):
 * DDL in its catalog, query schemas, persistent INSERT jobs and streamed push
 * query rows.
 *
 * @module
 */
import { FlinkEngineError, KsqlError } from "./error.ts";
import type { EngineType } from "./types.ts";
import { readLines } from "../../lib/util/mod.ts";

/** A column as the engine describes it. */
export interface EngineColumn {
  readonly name: string;
  readonly type: EngineType;
}

/** A persistent job as the engine reports it. */
export interface EngineJob {
  readonly name: string;
  readonly jobId: string;
  readonly state: string;
  readonly startedAt: number;
  readonly error?: string;
  readonly restoredFrom?: string;
}

/** One row of a push query; `kind` is Flink's change flag (+I, -U, +U, -D). */
export interface EngineRow {
  readonly kind: "+I" | "-U" | "+U" | "-D";
  readonly row: unknown[];
}

/** Options of {@link FlinkEngineClient.select}. */
export interface SelectOptions {
  /** Names the Flink job. */
  readonly name?: string;
  /** Ends the query (cancels the Flink job) when aborted. */
  readonly signal?: AbortSignal;
}

/** A running push query: its columns, then its rows until the job ends or the signal aborts. */
export interface EngineSelect {
  readonly columns: readonly EngineColumn[];
  readonly rows: AsyncIterable<EngineRow>;
}

/** Calls the Flink engine at `baseUrl` (e.g. `http://127.0.0.1:8089`). */
export class FlinkEngineClient {
  #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl;
  }

  /** The engine's base URL. */
  get url(): string {
    return this.#baseUrl;
  }

  async #call(method: string, path: string, body?: unknown, timeoutMs = 120_000): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(new URL(path, this.#baseUrl), {
        method,
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? null : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (cause) {
      throw new FlinkEngineError(
        `The Flink engine at ${this.#baseUrl} did not answer ${method} ${path}; is it running?`,
        { retriable: true, cause },
      );
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (cause) {
      throw new FlinkEngineError(`The Flink engine answered ${method} ${path} with non-JSON (${response.status})`, {
        retriable: false,
        cause,
      });
    }
    if (response.status === 400) {
      throw new KsqlError(`Flink rejected the translated statement: ${(parsed as { error?: string }).error ?? text}`);
    }
    if (response.status === 503) {
      // the engine runs but its Flink cluster does not answer; the message names FLINK_REST_URL and the fix
      throw new FlinkEngineError((parsed as { error?: string }).error ?? text, { retriable: true });
    }
    if (!response.ok) {
      throw new FlinkEngineError(`The Flink engine answered ${response.status} to ${method} ${path}: ${text}`, {
        retriable: response.status >= 500,
      });
    }
    return parsed;
  }

  /** The engine's boot id: changes when it restarts (its catalog and jobs are then empty). */
  async health(): Promise<{ status: string; bootId: string; jobs: number }> {
    return await this.#call("GET", "/health", undefined, 3000) as { status: string; bootId: string; jobs: number };
  }

  /**
   * Runs DDL statements (CREATE/DROP TABLE) in the engine's catalog.
   *
   * @throws {KsqlError} When Flink rejects one.
   * @throws {FlinkEngineError} When the engine does not answer.
   */
  async ddl(statements: readonly string[]): Promise<void> {
    await this.#call("POST", "/ddl", { statements });
  }

  /** The columns a Flink SELECT produces, without running it. */
  async schema(sql: string): Promise<EngineColumn[]> {
    return ((await this.#call("POST", "/schema", { sql })) as { columns: EngineColumn[] }).columns;
  }

  /** Starts (or finds running) the persistent job `name` running `sql`, restored from its last checkpoint. */
  async startJob(name: string, sql: string, options: { restore?: boolean } = {}): Promise<EngineJob> {
    return await this.#call("POST", "/jobs", { name, sql, restore: options.restore ?? true }) as EngineJob;
  }

  /** The persistent jobs the engine runs. */
  async jobs(): Promise<EngineJob[]> {
    return await this.#call("GET", "/jobs", undefined, 15_000) as EngineJob[];
  }

  /** Cancels job `name`; `purge` also deletes its checkpoints. */
  async cancelJob(name: string, purge: boolean): Promise<void> {
    await this.#call("DELETE", `/jobs/${encodeURIComponent(name)}${purge ? "?purge" : ""}`);
  }

  /**
   * Starts a push query: resolves once the engine has accepted it (columns known).
   *
   * @throws {KsqlError} When Flink rejects the query.
   */
  async select(sql: string, options: SelectOptions = {}): Promise<EngineSelect> {
    const controller = new AbortController();
    const name = options.name ?? `push-query-${crypto.randomUUID()}`;
    const abort = () => {
      controller.abort();
      // an aborted fetch may keep its connection open: tell the engine to stop the job
      fetch(new URL(`/select/${encodeURIComponent(name)}`, this.#baseUrl), {
        method: "DELETE",
        signal: AbortSignal.timeout(10_000),
      })
        .then((r) => r.body?.cancel())
        .catch(() => {});
    };
    options.signal?.addEventListener("abort", abort, { once: true });
    let response: Response;
    try {
      response = await fetch(new URL("/select", this.#baseUrl), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ sql, name }),
        signal: controller.signal,
      });
    } catch (cause) {
      options.signal?.removeEventListener("abort", abort);
      throw new FlinkEngineError(`The Flink engine at ${this.#baseUrl} did not answer POST /select; is it running?`, {
        retriable: true,
        cause,
      });
    }
    if (!response.ok || response.body === null) {
      options.signal?.removeEventListener("abort", abort);
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // keep the text
      }
      throw new KsqlError(`Flink rejected the translated query: ${message}`);
    }
    const lines = readLines(response.body, controller.signal);
    const first = await lines.next();
    if (first.done) {
      throw new FlinkEngineError("The Flink engine ended the push query before its header", { retriable: true });
    }
    const header = JSON.parse(first.value) as { columns: EngineColumn[] };
    async function* rows(): AsyncGenerator<EngineRow> {
      try {
        for await (const line of { [Symbol.asyncIterator]: () => lines }) {
          const item = JSON.parse(line) as Partial<EngineRow> & { end?: boolean; error?: string };
          if (item.end) return;
          if (item.error !== undefined) throw new KsqlError(`The query failed in Flink: ${item.error}`);
          yield item as EngineRow;
        }
      } finally {
        options.signal?.removeEventListener("abort", abort);
        if (!controller.signal.aborted) abort();
      }
    }
    return { columns: header.columns, rows: rows() };
  }
}
