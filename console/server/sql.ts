/**
 * The SQL editor's server side: runs the statements of the editor one by one
 * against ksqlDB (statements on `/ksql`, queries on `/query-stream` with
 * their rows pushed to the page's event stream until they end or are
 * cancelled), and maps ksqlDB's error positions back onto the editor text.
 *
 * @module
 */
import { KsqldbClient, KsqldbError, type KsqlEntity } from "../../admin/ksql_client.ts";
import { splitStatements } from "../../ksqldb/server/mod.ts";
import type { EventHub } from "./events.ts";

/** Most rows one query pushes before the console stops it. */
export const MAX_QUERY_ROWS = 10_000;

/** Where a statement or an error sits in the editor, 1-based. */
export interface Position {
  readonly line: number;
  readonly column: number;
}

/** What one statement of the editor gave. */
export type StatementResult =
  & { readonly statement: string; readonly at: Position }
  & (
    | { readonly kind: "entities"; readonly entities: KsqlEntity[] }
    | { readonly kind: "query"; readonly id: string }
    | { readonly kind: "set"; readonly message: string }
    | { readonly kind: "error"; readonly message: string; readonly errorAt: Position | undefined }
  );

/** Streams, tables and queries, or why they could not be read. */
export type Catalog =
  | { readonly ok: true; readonly streams: unknown[]; readonly tables: unknown[]; readonly queries: unknown[] }
  | { readonly ok: false; readonly message: string };

/** The position of `index` in `text`. */
function positionOf(text: string, index: number): Position {
  const before = text.slice(0, index).split("\n");
  return { line: before.length, column: before.at(-1)!.length + 1 };
}

/** ksqlDB's "line L:C:" in a statement's error, moved to the editor. */
export function errorPosition(message: string, at: Position): Position | undefined {
  const match = /line (\d+):(\d+)/.exec(message);
  if (!match) return undefined;
  const line = Number(match[1]);
  const column = Number(match[2]);
  return line === 1 ? { line: at.line, column: at.column + column - 1 } : { line: at.line + line - 1, column };
}

/** Runs the editor's statements and the queries they start. */
export class SqlRunner {
  #client: KsqldbClient;
  #hub: EventHub;
  #queries = new Map<string, { connection: string; abort: AbortController }>();

  /** Talks to ksqlDB through `client`; query rows go out through `hub`. */
  constructor(client: KsqldbClient, hub: EventHub) {
    this.#client = client;
    this.#hub = hub;
  }

  /** Runs every statement of `text` in order, stopping at the first error; queries push to `connection`. */
  async run(text: string, connection: string): Promise<StatementResult[]> {
    const results: StatementResult[] = [];
    const properties: Record<string, string> = {};
    let from = 0;
    for (const statement of splitStatements(text)) {
      const index = text.indexOf(statement.slice(0, -1), from);
      const at = positionOf(text, Math.max(index, 0));
      if (index >= 0) from = index + statement.length - 1;
      const code = statement.replace(/--[^\n]*/g, "").trim();
      const set = /^SET\s+'([^']+)'\s*=\s*'([^']*)'\s*;$/i.exec(code);
      const unset = /^UNSET\s+'([^']+)'\s*;$/i.exec(code);
      try {
        if (set) {
          properties[set[1]!] = set[2]!;
          results.push({ statement, at, kind: "set", message: `Property '${set[1]}' set to '${set[2]}'` });
        } else if (unset) {
          delete properties[unset[1]!];
          results.push({ statement, at, kind: "set", message: `Property '${unset[1]}' unset` });
        } else if (/^SELECT\b/i.test(code)) {
          results.push({ statement, at, kind: "query", id: await this.#startQuery(code, properties, connection) });
        } else {
          results.push({ statement, at, kind: "entities", entities: await this.#client.ksql(code, properties) });
        }
      } catch (error) {
        const message = error instanceof KsqldbError || error instanceof RangeError
          ? error.message
          : `ksqlDB at ${this.#client.url} failed: ${(error as Error).message}`;
        results.push({ statement, at, kind: "error", message, errorAt: errorPosition(message, at) });
        break;
      }
    }
    return results;
  }

  /** Stops query `id`; false when it is not running. */
  cancel(id: string): boolean {
    const query = this.#queries.get(id);
    query?.abort.abort();
    return query !== undefined;
  }

  /** Stops the queries of a page that went away. */
  closeConnection(connection: string): void {
    for (const query of this.#queries.values()) if (query.connection === connection) query.abort.abort();
  }

  /** Stops every query. */
  close(): void {
    for (const query of this.#queries.values()) query.abort.abort();
  }

  /** `SHOW STREAMS; SHOW TABLES; SHOW QUERIES;`. */
  async catalog(): Promise<Catalog> {
    try {
      const entities = await this.#client.ksql("SHOW STREAMS; SHOW TABLES; SHOW QUERIES;");
      const list = (type: string) => (entities.find((e) => e["@type"] === type)?.[type] ?? []) as unknown[];
      return { ok: true, streams: list("streams"), tables: list("tables"), queries: list("queries") };
    } catch (error) {
      return { ok: false, message: (error as Error).message };
    }
  }

  async #startQuery(sql: string, properties: Record<string, string>, connection: string): Promise<string> {
    if (!this.#hub.has(connection)) {
      throw new RangeError(`Connection "${connection}" is not open; reload the page to run queries`);
    }
    const id = crypto.randomUUID();
    const abort = new AbortController();
    const stream = await this.#client.query(sql, properties, abort.signal);
    this.#queries.set(id, { connection, abort });
    this.#hub.send(connection, "sql", { id, type: "header", header: stream.header });
    (async () => {
      let rows = 0;
      try {
        for await (const row of stream.rows) {
          this.#hub.send(connection, "sql", { id, type: "row", row });
          if (++rows >= MAX_QUERY_ROWS) {
            this.#hub.send(connection, "sql", { id, type: "end", message: `Stopped after ${rows} rows` });
            return;
          }
        }
        const message = abort.signal.aborted ? `Cancelled after ${rows} rows` : `Query ended after ${rows} rows`;
        this.#hub.send(connection, "sql", { id, type: "end", message });
      } catch (error) {
        this.#hub.send(connection, "sql", { id, type: "error", message: (error as Error).message });
      } finally {
        abort.abort();
        this.#queries.delete(id);
      }
    })();
    return id;
  }
}
