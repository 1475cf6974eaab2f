/**
 * Translates a ksqlDB SELECT into Flink SQL with ksqlDB's semantics: 1-based
 * array subscripts (index 0 is NULL, negative counts from the end), `->` on
 * structs, EXPLODE as CROSS JOIN UNNEST, ROWTIME as the Kafka timestamp in
 * epoch milliseconds, TUMBLING/HOPPING windows that update on every record
 * (EMIT CHANGES), AVG as DOUBLE, NULL GROUP BY keys dropped, and a stream-table
 * JOIN as a temporal join (`FOR SYSTEM_TIME AS OF` the stream row's ROWTIME):
 * each stream row meets the table's value at its time, and table updates emit
 * nothing.
 *
 * @module
 */
import type { Catalog, CatalogColumn, CatalogSource } from "./catalog.ts";
import type { Expr, KsqlType, SelectQuery, WindowClause } from "./ast.ts";
import { KsqlError, KsqlUnsupportedError } from "./error.ts";
import { flinkType, quoteName } from "./types.ts";
import { flinkOptions, sqlString, timedTableName } from "./flink_table_ddl.ts";
import { aggregateSql, isAggregate, scalarFunction, type TranslatedExpr } from "./functions.ts";

/** How the query runs: a transient push query, a bounded pull query, or a persistent INSERT job. */
export type QueryMode = "push" | "pull" | "persistent";

/** Options of {@link translateQuery}. */
export interface TranslateOptions {
  readonly mode: QueryMode;
  /** Names the Kafka consumer group of a persistent query (`ksql-<id>`). */
  readonly queryId: string;
  /** ksqlDB `auto.offset.reset`. @default "latest" */
  readonly offsetReset?: "earliest" | "latest";
  /** The statement, for warnings. */
  readonly statementText: string;
}

/** An output column; types come from the engine's /schema. */
export interface OutputColumn {
  readonly name: string;
  readonly key: boolean;
}

/** A translated query. */
export interface TranslatedQuery {
  /** Flink SQL SELECT producing `columns` (and `$ROWTIME` last when `rowtime`). */
  readonly sql: string;
  readonly columns: readonly OutputColumn[];
  /** Whether the result is a TABLE (aggregation) rather than a STREAM. */
  readonly resultType: "STREAM" | "TABLE";
  /** Whether `sql` ends with `$ROWTIME`, its input records' time (stream sources, persistent mode; an aggregate's latest). */
  readonly rowtime: boolean;
  readonly windowed?: WindowClause;
  readonly sources: readonly string[];
  readonly warnings: readonly string[];
}

/** ksqlDB text of an expression, for messages and warnings. */
function formatExpr(e: Expr): string {
  switch (e.k) {
    case "col":
      return e.qualifier ? `${e.qualifier}.${e.name}` : e.name;
    case "lit":
      return e.type === "string" ? `'${e.value.replaceAll("'", "''")}'` : e.value;
    case "deref":
      return `${formatExpr(e.base)}->${e.field}`;
    case "index":
      return `${formatExpr(e.base)}[${formatExpr(e.index)}]`;
    case "call":
      return `${e.name}(${e.star ? "*" : `${e.distinct ? "DISTINCT " : ""}${e.args.map(formatExpr).join(", ")}`})`;
    case "bin":
      return `(${formatExpr(e.left)} ${e.op} ${formatExpr(e.right)})`;
    case "not":
      return `(NOT ${formatExpr(e.expr)})`;
    case "neg":
      return `-${formatExpr(e.expr)}`;
    case "isnull":
      return `(${formatExpr(e.expr)} IS ${e.not ? "NOT " : ""}NULL)`;
    case "between":
      return `(${formatExpr(e.expr)} ${e.not ? "NOT " : ""}BETWEEN ${formatExpr(e.low)} AND ${formatExpr(e.high)})`;
    case "in":
      return `(${formatExpr(e.expr)} ${e.not ? "NOT " : ""}IN (${e.list.map(formatExpr).join(", ")}))`;
    case "like":
      return `(${formatExpr(e.expr)} ${e.not ? "NOT " : ""}LIKE ${formatExpr(e.pattern)})`;
    case "case":
      return `CASE ...`;
    case "cast":
      return `CAST(${formatExpr(e.expr)} AS ...)`;
  }
}

function hasAggregate(e: Expr): boolean {
  switch (e.k) {
    case "call":
      return isAggregate(e.name) || e.args.some(hasAggregate);
    case "deref":
      return hasAggregate(e.base);
    case "index":
      return hasAggregate(e.base) || hasAggregate(e.index);
    case "bin":
      return hasAggregate(e.left) || hasAggregate(e.right);
    case "not":
    case "neg":
    case "isnull":
    case "cast":
      return hasAggregate(e.expr);
    case "between":
      return hasAggregate(e.expr) || hasAggregate(e.low) || hasAggregate(e.high);
    case "in":
      return hasAggregate(e.expr) || e.list.some(hasAggregate);
    case "like":
      return hasAggregate(e.expr) || hasAggregate(e.pattern);
    case "case":
      return (e.operand !== undefined && hasAggregate(e.operand)) ||
        e.whens.some((w) => hasAggregate(w.when) || hasAggregate(w.then)) ||
        (e.otherwise !== undefined && hasAggregate(e.otherwise));
    default:
      return false;
  }
}

type Translated = TranslatedExpr;

const EXPLODE_ALIAS = quoteName("$X");

/** Column `c` of the source aliased `fa`: either spelling of its JSON key when it has two. */
function columnSql(fa: string, c: CatalogColumn): string {
  const exact = `${fa}.${quoteName(c.json)}`;
  return c.alt === undefined ? exact : `COALESCE(${exact}, ${fa}.${quoteName(c.alt)})`;
}

/** A source of the FROM clause, with the alias its columns are qualified by. */
interface Binding {
  readonly source: CatalogSource;
  readonly alias: string;
  /** The quoted alias in Flink SQL. */
  readonly fa: string;
}

class QueryTranslator {
  readonly warnings: string[] = [];
  #bindings: readonly Binding[];
  #window: WindowClause | undefined;
  #explode: { arg: string; type: KsqlType } | undefined;
  #options: TranslateOptions;
  #inAggregate = false;
  #allowExplode = false;

  /** `bindings`: the FROM source first, then the joined one. */
  constructor(bindings: readonly Binding[], window: WindowClause | undefined, options: TranslateOptions) {
    this.#bindings = bindings;
    this.#window = window;
    this.#options = options;
  }

  get explode() {
    return this.#explode;
  }

  set allowExplode(value: boolean) {
    this.#allowExplode = value;
  }

  /** The binding `qualifier` names (its alias or source name); throws when it is not in the FROM clause. */
  binding(qualifier: string): Binding {
    const found = this.#bindings.find((b) => b.alias === qualifier) ??
      this.#bindings.find((b) => b.source.name === qualifier);
    if (!found) throw new KsqlError(`Source '${qualifier}' is not in the FROM clause of the query`);
    return found;
  }

  column(name: string, qualifier: string | undefined): Translated {
    const bindings = qualifier === undefined ? this.#bindings : [this.binding(qualifier)];
    const matches = bindings.filter((b) => b.source.columns.some((c) => c.name === name));
    if (matches.length > 1) {
      throw new KsqlError(
        `Column '${name}' is ambiguous. Could be any of: ${matches.map((b) => `${b.alias}.${name}`).join(", ")}`,
      );
    }
    if (matches.length === 1) {
      const b = matches[0]!;
      const found = b.source.columns.find((c) => c.name === name)!;
      return { sql: columnSql(b.fa, found), type: found.type };
    }
    // pseudo columns: of the FROM source (the stream of a stream-table join) unless qualified
    const { source, fa } = bindings[0]!;
    const stream = source.sourceType === "STREAM";
    switch (name) {
      case "ROWTIME":
        if (!stream) throw new KsqlUnsupportedError("ROWTIME on a TABLE source");
        return { sql: `KSQL_EPOCH_MILLIS(${fa}.\`$ROWTIME\`)`, type: { type: "BIGINT" } };
      case "ROWPARTITION":
        if (!stream) throw new KsqlUnsupportedError("ROWPARTITION on a TABLE source");
        return { sql: `${fa}.\`$PARTITION\``, type: { type: "INTEGER" } };
      case "ROWOFFSET":
        if (!stream) throw new KsqlUnsupportedError("ROWOFFSET on a TABLE source");
        return { sql: `${fa}.\`$OFFSET\``, type: { type: "BIGINT" } };
      case "WINDOWSTART":
      case "WINDOWEND":
        if (this.#window) {
          const start = `${fa}.\`$WS\``;
          return {
            sql: name === "WINDOWSTART" ? start : `(${start} + ${this.#window.sizeMs})`,
            type: { type: "BIGINT" },
          };
        }
    }
    if (qualifier === undefined && this.#bindings.length > 1) {
      throw new KsqlError(
        `Column '${name}' cannot be resolved in ${this.#bindings.map((b) => b.source.name).join(" or ")}`,
      );
    }
    throw new KsqlError(`Column '${name}' cannot be resolved in ${source.sourceType.toLowerCase()} ${source.name}`);
  }

  expr(e: Expr): Translated {
    switch (e.k) {
      case "col":
        return this.column(e.name, e.qualifier);
      case "lit":
        if (e.type === "string") return { sql: sqlString(e.value), type: { type: "STRING" } };
        if (e.type === "boolean") return { sql: e.value, type: { type: "BOOLEAN" } };
        if (e.type === "null") return { sql: "NULL" };
        return { sql: e.value, type: /^\d+$/.test(e.value) ? { type: "INTEGER" } : { type: "DOUBLE" } };
      case "deref": {
        if (e.base.k === "call" && e.base.name === "EXPLODE") {
          const element = this.explodeOf(e.base);
          if (element.type !== "STRUCT") throw new KsqlError(`Cannot use '->' on EXPLODE of a non-STRUCT array`);
          const field = element.fields.find((f) => f.name === e.field);
          if (!field) throw new KsqlError(`Field '${e.field}' is not in ${flinkType(element)}`);
          return { sql: `${EXPLODE_ALIAS}.${quoteName(field.json ?? field.name)}`, type: field.type };
        }
        const base = this.expr(e.base);
        if (base.type?.type !== "STRUCT") {
          throw new KsqlError(`Cannot dereference '${e.field}' of ${formatExpr(e.base)}: it is not a STRUCT`);
        }
        const field = base.type.fields.find((f) => f.name === e.field);
        if (!field) throw new KsqlError(`Field '${e.field}' does not exist in ${formatExpr(e.base)}`);
        return { sql: `${base.sql}.${quoteName(field.json ?? field.name)}`, type: field.type };
      }
      case "index": {
        const base = this.expr(e.base);
        if (base.type?.type === "MAP") return { sql: `${base.sql}[${this.expr(e.index).sql}]`, type: base.type.value };
        if (base.type?.type !== "ARRAY") {
          throw new KsqlError(`Cannot index ${formatExpr(e.base)}: it is not an ARRAY or MAP`);
        }
        const element = base.type.element;
        const index = e.index.k === "neg" && e.index.expr.k === "lit"
          ? `-${e.index.expr.value}`
          : e.index.k === "lit"
          ? e.index.value
          : undefined;
        const nullOf = `CASE WHEN FALSE THEN ${base.sql}[1] END`;
        if (index !== undefined && /^-?\d+$/.test(index)) {
          const n = Number(index);
          if (n === 0) {
            const arr = formatExpr(e.base);
            const warning =
              `Statement "${this.#options.statementText}" reads ${arr}[0]: ksqlDB arrays are 1-based, so ${arr}[0] is always NULL; ` +
              `use ${arr}[1] for the first element, or EXPLODE(${arr}) for one row per element`;
            if (!this.warnings.includes(warning)) this.warnings.push(warning);
            return { sql: nullOf, type: element };
          }
          if (n > 0) return { sql: `${base.sql}[${n}]`, type: element };
          return {
            sql: `CASE WHEN CARDINALITY(${base.sql}) >= ${-n} THEN ${base.sql}[CARDINALITY(${base.sql}) + ${
              n + 1
            }] END`,
            type: element,
          };
        }
        const i = this.expr(e.index).sql;
        return {
          sql:
            `CASE WHEN ${i} >= 1 THEN ${base.sql}[${i}] WHEN ${i} < 0 AND CARDINALITY(${base.sql}) >= -(${i}) THEN ${base.sql}[CARDINALITY(${base.sql}) + 1 + ${i}] END`,
          type: element,
        };
      }
      case "call":
        return this.call(e);
      case "bin": {
        const l = this.expr(e.left).sql;
        const r = this.expr(e.right).sql;
        if (e.op === "%") return { sql: `MOD(${l}, ${r})` };
        return { sql: `(${l} ${e.op} ${r})` };
      }
      case "not":
        return { sql: `(NOT ${this.expr(e.expr).sql})`, type: { type: "BOOLEAN" } };
      case "neg": {
        const inner = this.expr(e.expr);
        return inner.type ? { sql: `(-${inner.sql})`, type: inner.type } : { sql: `(-${inner.sql})` };
      }
      case "isnull":
        return { sql: `(${this.expr(e.expr).sql} IS ${e.not ? "NOT " : ""}NULL)`, type: { type: "BOOLEAN" } };
      case "between":
        return {
          sql: `(${this.expr(e.expr).sql} ${e.not ? "NOT " : ""}BETWEEN ${this.expr(e.low).sql} AND ${
            this.expr(e.high).sql
          })`,
          type: { type: "BOOLEAN" },
        };
      case "in":
        return {
          sql: `(${this.expr(e.expr).sql} ${e.not ? "NOT " : ""}IN (${
            e.list.map((x) => this.expr(x).sql).join(", ")
          }))`,
          type: { type: "BOOLEAN" },
        };
      case "like":
        return {
          sql: `(${this.expr(e.expr).sql} ${e.not ? "NOT " : ""}LIKE ${this.expr(e.pattern).sql})`,
          type: { type: "BOOLEAN" },
        };
      case "case": {
        const parts = ["CASE"];
        if (e.operand) parts.push(this.expr(e.operand).sql);
        let type: KsqlType | undefined;
        for (const w of e.whens) {
          const then = this.expr(w.then);
          type ??= then.type;
          parts.push(`WHEN ${this.expr(w.when).sql} THEN ${then.sql}`);
        }
        if (e.otherwise) parts.push(`ELSE ${this.expr(e.otherwise).sql}`);
        parts.push("END");
        return type ? { sql: `(${parts.join(" ")})`, type } : { sql: `(${parts.join(" ")})` };
      }
      case "cast":
        return { sql: `CAST(${this.expr(e.expr).sql} AS ${flinkType(e.to)})`, type: e.to };
    }
  }

  explodeOf(e: Expr & { k: "call" }): KsqlType {
    if (!this.#allowExplode) {
      throw new KsqlError("EXPLODE can only be used in the SELECT list of a query on a STREAM without GROUP BY");
    }
    if (e.args.length !== 1) throw new KsqlError("EXPLODE takes one ARRAY argument");
    const arg = this.expr(e.args[0]!);
    if (arg.type?.type !== "ARRAY") throw new KsqlUnsupportedError("EXPLODE of anything but an ARRAY column");
    if (this.#explode && this.#explode.arg !== arg.sql) {
      throw new KsqlUnsupportedError("More than one EXPLODE of different arrays in one query");
    }
    this.#explode = { arg: arg.sql, type: arg.type.element };
    return arg.type.element;
  }

  call(e: Expr & { k: "call" }): Translated {
    if (e.distinct && e.name !== "COUNT") {
      throw new KsqlUnsupportedError(
        `${e.name}(DISTINCT ...)`,
        "only COUNT(DISTINCT x) and COUNT_DISTINCT(x) count distinct values",
      );
    }
    if (e.name === "EXPLODE") {
      const element = this.explodeOf(e);
      if (element.type === "STRUCT") {
        const fields = element.fields.map((f) => `${EXPLODE_ALIAS}.${quoteName(f.json ?? f.name)}`);
        return { sql: `CAST(ROW(${fields.join(", ")}) AS ${flinkType(element)})`, type: element };
      }
      return { sql: `${EXPLODE_ALIAS}.\`$V\``, type: element };
    }
    if (isAggregate(e.name)) {
      if (this.#inAggregate) throw new KsqlError(`Aggregate functions cannot be nested: ${formatExpr(e)}`);
      this.#inAggregate = true;
      try {
        return aggregateSql(e, e.args.map((a) => this.expr(a)));
      } finally {
        this.#inAggregate = false;
      }
    }
    const scalar = scalarFunction(e.name);
    if (!scalar) throw new KsqlError(`Can't find any functions with the name '${e.name}'`);
    return { sql: scalar(e.args.map((a) => this.expr(a).sql), e.name) };
  }
}

function outputName(e: Expr, index: number): string {
  if (e.k === "col") return e.name;
  if (e.k === "deref") return e.field;
  return `KSQL_COL_${index}`;
}

function sourceHints(source: CatalogSource, options: TranslateOptions): string {
  if (source.sourceType === "TABLE") {
    // upsert-kafka always reads the whole topic; a pull query stops at its current end
    return options.mode === "pull" ? ` /*+ OPTIONS(${flinkOptions({ "scan.bounded.mode": "latest-offset" })}) */` : "";
  }
  const reset = options.offsetReset ?? "latest";
  const hints: Record<string, string> = options.mode === "persistent"
    ? {
      "scan.startup.mode": "group-offsets",
      "properties.group.id": `ksql-${options.queryId}`,
      "properties.auto.offset.reset": reset,
    }
    : options.mode === "pull"
    ? { "scan.startup.mode": "earliest-offset", "scan.bounded.mode": "latest-offset" }
    : { "scan.startup.mode": `${reset}-offset` };
  return ` /*+ OPTIONS(${flinkOptions(hints)}) */`;
}

/** Checks a JOIN is a stream-table join this server runs, and binds its table. */
function joinedBinding(query: SelectQuery, left: CatalogSource, catalog: Catalog): Binding {
  const join = query.join!;
  const right = catalog.source(join.source.name);
  if (!right) throw new KsqlError(`${join.source.name} does not exist`);
  const kinds = `${left.sourceType}-${right.sourceType}`;
  if (kinds === "STREAM-STREAM") {
    throw new KsqlUnsupportedError("Stream-stream joins", "join a stream with a TABLE over the other topic");
  }
  if (kinds === "TABLE-TABLE") throw new KsqlUnsupportedError("Table-table joins");
  if (kinds === "TABLE-STREAM") {
    throw new KsqlError(
      `Invalid join order: table-stream joins are not supported; only stream-table joins. Got ${left.name} ${join.type} JOIN ${right.name}`,
    );
  }
  if (join.type !== "INNER" && join.type !== "LEFT") {
    throw new KsqlError(
      `${join.type} OUTER joins between a stream and a table are not supported; use JOIN or LEFT JOIN`,
    );
  }
  if (query.window) throw new KsqlUnsupportedError("Windowed aggregations over a JOIN");
  if (right.windowed) throw new KsqlUnsupportedError("Joins with a windowed TABLE");
  if (right.columns.filter((c) => c.key).length !== 1) {
    throw new KsqlUnsupportedError("Joins with a TABLE whose PRIMARY KEY has more than one column");
  }
  const alias = join.source.alias ?? right.name;
  if (alias === (query.from.alias ?? query.from.name)) {
    throw new KsqlError(`Each source of a join needs its own alias, but both are '${alias}'`);
  }
  return { source: right, alias, fa: quoteName(alias) };
}

/** Translates `ON stream-expression = table.key`, the only condition a stream-table join takes. */
function joinCondition(
  t: QueryTranslator,
  on: Expr,
  table: Binding,
): { left: string; right: string; leftExpr: Expr } {
  const key = table.source.columns.find((c) => c.key)!;
  const keySql = `${table.fa}.${quoteName(key.json)}`;
  if (on.k === "bin" && on.op === "=") {
    const a = t.expr(on.left).sql;
    const b = t.expr(on.right).sql;
    const [leftExpr, left] = b === keySql ? [on.left, a] : a === keySql ? [on.right, b] : [undefined, undefined];
    if (leftExpr && left !== undefined) {
      if (left.includes(`${table.fa}.`)) {
        throw new KsqlError(`The join condition ${formatExpr(on)} must compare the stream with the table's key`);
      }
      return { left, right: keySql, leftExpr };
    }
    throw new KsqlError(
      `Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses the TABLE's key column ${key.name} instead of ${
        formatExpr(on)
      }`,
    );
  }
  throw new KsqlUnsupportedError(`The join condition ${formatExpr(on)}`, "join ON stream_column = table.key_column");
}

/** What every step of {@link translateQuery} works on. */
interface Plan {
  readonly query: SelectQuery;
  readonly options: TranslateOptions;
  /** The FROM source, its alias quoted for Flink. */
  readonly source: CatalogSource;
  readonly fa: string;
  readonly bindings: readonly Binding[];
  readonly joined: Binding | undefined;
  readonly join: { left: string; right: string; leftExpr: Expr } | undefined;
  readonly t: QueryTranslator;
  /** Whether the query aggregates (GROUP BY, an aggregate function or HAVING). */
  readonly aggregate: boolean;
}

/** A SELECT list item in Flink SQL; `key` when it becomes a key column of the result. */
interface Projected {
  readonly sql: string;
  readonly name: string;
  key: boolean;
}

/** The FROM source, after the checks of clauses this server does not run on it. */
function fromSource(query: SelectQuery, catalog: Catalog): CatalogSource {
  const source = catalog.source(query.from.name);
  if (!source) throw new KsqlError(`${query.from.name} does not exist`);
  if (query.emit === "FINAL") throw new KsqlUnsupportedError("EMIT FINAL", "use EMIT CHANGES");
  const window = query.window;
  if (window?.type === "SESSION") throw new KsqlUnsupportedError("SESSION windows", "use TUMBLING or HOPPING");
  if (window && source.sourceType === "TABLE") {
    throw new KsqlError("Windowed aggregations are only supported on STREAM sources");
  }
  if (
    window?.type === "HOPPING" && (window.sizeMs % window.advanceMs! !== 0 || window.sizeMs / window.advanceMs! > 100)
  ) {
    throw new KsqlUnsupportedError("HOPPING windows whose SIZE is not a multiple (up to 100x) of ADVANCE BY");
  }
  return source;
}

/** Binds the FROM source and the joined table, and decides whether the query aggregates. */
function plan(query: SelectQuery, catalog: Catalog, options: TranslateOptions): Plan {
  const source = fromSource(query, catalog);
  const alias = query.from.alias ?? query.from.name;
  const fa = quoteName(alias);
  const bindings: Binding[] = [{ source, alias, fa }];
  const joined = query.join ? joinedBinding(query, source, catalog) : undefined;
  if (joined) bindings.push(joined);
  const t = new QueryTranslator(bindings, query.window, options);
  const join = query.join && joined ? joinCondition(t, query.join.on, joined) : undefined;
  const aggregate = (query.groupBy?.length ?? 0) > 0 ||
    query.items.some((i) => i.k === "expr" && hasAggregate(i.expr)) || (query.having !== undefined);
  if (query.window && !aggregate) throw new KsqlError("WINDOW requires an aggregation (GROUP BY)");
  if (aggregate && (query.groupBy?.length ?? 0) === 0) {
    throw new KsqlUnsupportedError("Aggregations without GROUP BY", "group by a column");
  }
  return { query, options, source, fa, bindings, joined, join, t, aggregate };
}

/** The SELECT list: `*` expanded (a join's columns named after their source), each name once. */
function projection(p: Plan): Projected[] {
  const { t, aggregate, joined } = p;
  const selects: Projected[] = [];
  t.allowExplode = !aggregate && p.source.sourceType === "STREAM";
  p.query.items.forEach((item, index) => {
    if (item.k === "star") {
      const starred = item.qualifier === undefined ? p.bindings : [t.binding(item.qualifier)];
      if (aggregate) throw new KsqlError("SELECT * cannot be used with GROUP BY");
      for (const b of starred) {
        const ordered: CatalogColumn[] = [
          ...b.source.columns.filter((c) => c.key),
          ...b.source.columns.filter((c) => !c.key),
        ];
        // a join's columns are named after their source, as in ksqlDB: S_ID, T_NAME
        for (const c of ordered) {
          const name = joined ? `${b.alias}_${c.name}` : c.name;
          selects.push({ sql: columnSql(b.fa, c), name, key: false });
        }
      }
      return;
    }
    selects.push({ sql: t.expr(item.expr).sql, name: item.alias ?? outputName(item.expr, index), key: false });
  });
  t.allowExplode = false;
  const seen = new Set<string>();
  for (const s of selects) {
    if (seen.has(s.name)) {
      throw new KsqlError(`The projection contains the column '${s.name}' more than once; give one an alias`);
    }
    seen.add(s.name);
  }
  return selects;
}

/**
 * GROUP BY: its expressions (and the window start) in Flink SQL; NULL keys are
 * dropped by `conditions`, as in ksqlDB; each key must be projected by a
 * persistent query and becomes a key column.
 */
function groupKeys(p: Plan, selects: Projected[], conditions: string[]): string[] {
  const { t, query, options } = p;
  const groupSql = (query.groupBy ?? []).map((g) => t.expr(g).sql);
  for (const [i, g] of groupSql.entries()) {
    conditions.push(`(${g}) IS NOT NULL`);
    const projected = selects.find((s) => s.sql === g);
    if (projected) projected.key = true;
    else if (options.mode === "persistent") {
      throw new KsqlError(
        `Key missing from projection: the GROUP BY expression ${
          formatExpr(query.groupBy![i]!)
        } must be in the SELECT list of a CREATE TABLE AS SELECT`,
      );
    }
  }
  if (query.window) {
    groupSql.push(`${p.fa}.\`$WS\``);
    if (options.mode === "persistent") {
      for (const pseudo of ["WINDOWSTART", "WINDOWEND"] as const) {
        const sql = t.column(pseudo, undefined).sql;
        const existing = selects.find((s) => s.name === pseudo || s.sql === sql);
        if (existing) existing.key = pseudo === "WINDOWSTART";
        else selects.push({ sql, name: pseudo, key: pseudo === "WINDOWSTART" });
      }
    }
  }
  return groupSql;
}

/** PARTITION BY of a persistent query: the expression becomes the key column. */
function partitionKey(p: Plan, selects: Projected[]): void {
  const { query, t } = p;
  if (!query.partitionBy || p.options.mode !== "persistent") return;
  if (p.aggregate) throw new KsqlError("PARTITION BY cannot be used with GROUP BY");
  if (query.partitionBy.length !== 1) throw new KsqlUnsupportedError("PARTITION BY more than one expression");
  const e = query.partitionBy[0]!;
  if (e.k === "lit" && e.type === "null") return;
  const sql = t.expr(e).sql;
  const projected = selects.find((s) => s.sql === sql) ??
    (e.k === "col" ? selects.find((s) => s.name === e.name) : undefined);
  if (projected) projected.key = true;
  else selects.unshift({ sql, name: outputName(e, 0), key: true });
}

/**
 * The key of a persistent query that neither aggregates nor repartitions: a
 * stream-table join is keyed by its join expression, which it must project;
 * otherwise the query keeps its source's key columns when it projects them
 * (a table's must be projected).
 */
function inheritedKey(p: Plan, selects: Projected[]): void {
  const { query, join, source, fa } = p;
  if (p.aggregate || query.partitionBy || p.options.mode !== "persistent") return;
  if (join) {
    const projected = selects.find((s) => s.sql === join.left || s.sql === join.right);
    if (projected) projected.key = true;
    else {
      throw new KsqlError(
        `Key missing from projection (ie, SELECT). The query must include the join expression ${
          formatExpr(join.leftExpr)
        } in its projection (eg, SELECT ${formatExpr(join.leftExpr)}...)`,
      );
    }
    return;
  }
  for (const c of source.columns.filter((c) => c.key)) {
    const projected = selects.find((s) => s.sql === columnSql(fa, c));
    if (projected) projected.key = true;
    else if (source.sourceType === "TABLE") {
      throw new KsqlError(
        `Key missing from projection: the PRIMARY KEY column ${c.name} of ${source.name} must be in the SELECT list`,
      );
    }
  }
}

/** The FROM clause: the source (or the temporal join), with window starts computed per record and EXPLODE's UNNEST. */
function fromClause(p: Plan): string {
  const { source, fa, joined, join, options, query } = p;
  const window = query.window;
  let from = `${quoteName(source.name)}${sourceHints(source, options)} AS ${fa}`;
  if (joined && join) {
    // a temporal join: each stream record meets the table's value as of its ROWTIME, and table
    // updates emit nothing, as in ksqlDB
    const table = `${quoteName(timedTableName(joined.source.name))}${sourceHints(joined.source, options)}`;
    from = `${quoteName(timedTableName(source.name))}${sourceHints(source, options)} AS ${fa} ${
      query.join!.type === "LEFT" ? "LEFT JOIN" : "JOIN"
    } ${table} FOR SYSTEM_TIME AS OF ${fa}.\`$ROWTIME\` AS ${joined.fa} ON ${join.left} = ${join.right}`;
  }
  if (window) {
    const rt = "KSQL_EPOCH_MILLIS(`$T`.`$ROWTIME`)";
    const inner = `${quoteName(source.name)}${sourceHints(source, options)} AS \`$T\``;
    if (window.type === "TUMBLING") {
      from = `(SELECT \`$T\`.*, ${rt} - MOD(${rt}, ${window.sizeMs}) AS \`$WS\` FROM ${inner}) AS ${fa}`;
    } else {
      const advance = window.advanceMs!;
      const starts = Array.from(
        { length: window.sizeMs / advance },
        (_, k) => `${rt} - MOD(${rt}, ${advance}) - ${k * advance}`,
      );
      from =
        `(SELECT \`$T\`.*, \`$W\`.\`$WS\` FROM ${inner} CROSS JOIN UNNEST(ARRAY[${
          starts.join(", ")
        }]) AS \`$W\`(\`$WS\`) ` +
        `WHERE \`$W\`.\`$WS\` + ${window.sizeMs} > ${rt}) AS ${fa}`;
    }
  }
  const explode = p.t.explode;
  if (explode) {
    const columns = explode.type.type === "STRUCT"
      ? explode.type.fields.map((f) => quoteName(f.json ?? f.name))
      : ["`$V`"];
    from += ` CROSS JOIN UNNEST(${explode.arg}) AS ${EXPLODE_ALIAS}(${columns.join(", ")})`;
  }
  return from;
}

/**
 * Translates `query` over the catalog's sources to Flink SQL.
 *
 * @throws {KsqlError} For unknown sources or columns and invalid queries.
 * @throws {KsqlUnsupportedError} For ksqlDB features this server does not run (stream-stream joins, session windows, ...).
 */
export function translateQuery(query: SelectQuery, catalog: Catalog, options: TranslateOptions): TranslatedQuery {
  const p = plan(query, catalog, options);
  const { source, joined, t, aggregate } = p;
  const selects = projection(p);
  const conditions = query.where ? [t.expr(query.where).sql] : [];
  const groupSql = groupKeys(p, selects, conditions);
  partitionKey(p, selects);
  inheritedKey(p, selects);
  const having = query.having ? t.expr(query.having).sql : undefined;
  // a persistent query over a stream writes its input records' time: each record's, or an aggregate's
  // latest (as ksqlDB: the result of an aggregation carries the largest timestamp of its inputs)
  const rowtime = options.mode === "persistent" && source.sourceType === "STREAM";
  const from = fromClause(p);

  const items = selects.map((s) => `${s.sql} AS ${quoteName(s.name)}`);
  if (rowtime) {
    const time = `${p.fa}.\`$ROWTIME\``;
    items.push(`${aggregate ? `MAX(${time})` : time} AS \`$ROWTIME\``);
  }
  let sql = `SELECT ${items.join(", ")} FROM ${from}`;
  if (conditions.length > 0) sql += ` WHERE ${conditions.map((c) => `(${c})`).join(" AND ")}`;
  if (groupSql.length > 0) sql += ` GROUP BY ${groupSql.join(", ")}`;
  if (having) sql += ` HAVING ${having}`;
  if (query.limit !== undefined && options.mode === "persistent") {
    throw new KsqlError("LIMIT cannot be used in a persistent query");
  }
  return {
    sql,
    columns: selects.map((s) => ({ name: s.name, key: s.key })),
    resultType: aggregate || source.sourceType === "TABLE" ? "TABLE" : "STREAM",
    rowtime,
    ...(query.window ? { windowed: query.window } : {}),
    sources: joined ? [source.name, joined.source.name] : [source.name],
    warnings: t.warnings,
  };
}
