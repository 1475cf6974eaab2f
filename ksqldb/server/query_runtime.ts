/**
 * The runtime of transient queries: a push query (EMIT CHANGES) streams the
 * engine's rows as they come; a pull query on a stream or table reads to the
 * topic's current end, applies the changelog and answers with what is left.
 *
 * @module
 */
import type { Catalog } from "./catalog.ts";
import type { KsqlType } from "./ast.ts";
import { KsqlError } from "./error.ts";
import type { EngineRow, FlinkEngineClient } from "./flink_engine_client.ts";
import { parseKsql } from "./parser.ts";
import { offsetReset, toProps } from "./properties.ts";
import { formatType, fromEngineType, quoteName, toKsqlValue } from "./types.ts";
import { translateQuery } from "./translate_query.ts";

/** A running push or pull query. */
export interface RunningQuery {
  readonly queryId: string;
  readonly columnNames: readonly string[];
  readonly columnTypes: readonly string[];
  /** ksqlDB's schema string, e.g. "`TICKER` STRING, `PRICE` DOUBLE". */
  readonly schema: string;
  readonly warnings: readonly string[];
  /** The query's LIMIT, if it has one: the rows end when it is reached. */
  readonly limit?: number;
  /** Rows as arrays of ksqlDB values, until LIMIT, the end of a pull query, or the signal. */
  readonly rows: AsyncIterable<unknown[]>;
}

/** What is left of a changelog once its retractions are applied, in first-insert order. */
async function* finalState(rows: AsyncIterable<EngineRow>): AsyncGenerator<unknown[]> {
  const live = new Map<string, { row: unknown[]; count: number }>();
  for await (const row of rows) {
    const key = JSON.stringify(row.row);
    const entry = live.get(key);
    if (row.kind === "+I" || row.kind === "+U") live.set(key, { row: row.row, count: (entry?.count ?? 0) + 1 });
    else if (entry && entry.count > 1) entry.count--;
    else live.delete(key);
  }
  for (const { row, count } of live.values()) for (let i = 0; i < count; i++) yield row;
}

/** The rows a push query emits: inserts and the new side of updates. */
async function* changes(rows: AsyncIterable<EngineRow>): AsyncGenerator<unknown[]> {
  for await (const row of rows) if (row.kind === "+I" || row.kind === "+U") yield row.row;
}

/**
 * Starts the SELECT of `text` on `engine` over `catalog`'s sources; it ends
 * when `signal` aborts, at LIMIT, or (pull query) at the topic's current end.
 *
 * @throws {KsqlError} When `text` is not one SELECT or cannot run.
 */
export async function runQuery(
  engine: FlinkEngineClient,
  catalog: Catalog,
  request: { text: string; properties: Readonly<Record<string, unknown>>; signal: AbortSignal },
): Promise<RunningQuery> {
  const statements = parseKsql(request.text);
  if (statements.length !== 1) throw new KsqlError("Expected exactly one SELECT statement");
  const statement = statements[0]!;
  if (statement.kind !== "select") {
    throw new KsqlError(
      `Only SELECT statements can be run on this endpoint; run ${
        statement.kind === "show" ? "SHOW" : "other"
      } statements on /ksql`,
    );
  }
  const query = statement.query;
  const source = catalog.source(query.from.name);
  if (!source) throw new KsqlError(`${query.from.name} does not exist`);
  const push = query.emit === "CHANGES";
  const queryId = `transient_${source.name}_${Math.floor(Math.random() * 1e18)}`;
  const translated = translateQuery(query, catalog, {
    mode: push ? "push" : "pull",
    queryId,
    offsetReset: offsetReset(toProps(request.properties)),
    statementText: statement.text,
  });
  const controller = new AbortController();
  request.signal.addEventListener("abort", () => controller.abort(), { once: true });
  const select = await engine.select(translated.sql, { name: queryId, signal: controller.signal });
  const types: KsqlType[] = select.columns.map((c) => fromEngineType(c.type));
  const limit = query.limit;
  async function* rows(): AsyncGenerator<unknown[]> {
    let count = 0;
    try {
      if (limit === 0) return;
      for await (const row of push ? changes(select.rows) : finalState(select.rows)) {
        yield row.map((v, i) => toKsqlValue(v, types[i]!));
        if (limit !== undefined && ++count >= limit) return;
      }
    } finally {
      controller.abort();
    }
  }
  const names = translated.columns.map((c) => c.name);
  return {
    queryId,
    columnNames: names,
    columnTypes: types.map(formatType),
    schema: names.map((n, i) => `${quoteName(n)} ${formatType(types[i]!)}`).join(", "),
    warnings: translated.warnings,
    ...(limit === undefined ? {} : { limit }),
    rows: rows(),
  };
}
