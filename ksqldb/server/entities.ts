/**
 * ksqlDB's REST response entities: the `currentStatus` of a command and the
 * shapes of SHOW (streams, tables, topics, queries, properties, functions) and
 * DESCRIBE.
 *
 * @module
 */
import type { Catalog, CatalogQuery, CatalogSource } from "./catalog.ts";
import type { Statement } from "./ast.ts";
import type { JobState } from "./engine_sync.ts";
import type { TopicListing } from "./topic_admin.ts";
import { type SchemaInfo, schemaInfo } from "./types.ts";
import { KsqlError } from "./error.ts";

/** The ksqlDB version this server reports and follows. */
export const KSQL_VERSION = "0.29.0";

/** A ksqlDB response entity (`@type` plus its fields). */
export type Entity = Record<string, unknown> & {
  "@type": string;
  statementText: string;
  warnings: { message: string }[];
};

/** The `currentStatus` entity of a successful CREATE, DROP or TERMINATE. */
export function currentStatus(
  statement: Statement,
  command: { id: string; message: string; sequence: number; queryId?: string | null; warnings?: readonly string[] },
): Entity {
  return {
    "@type": "currentStatus",
    statementText: statement.text,
    commandId: command.id,
    commandStatus: { status: "SUCCESS", message: command.message, queryId: command.queryId ?? null },
    commandSequenceNumber: command.sequence,
    warnings: (command.warnings ?? []).map((message) => ({ message })),
  };
}

function base(statement: Statement) {
  return { statementText: statement.text, warnings: [] };
}

function sourceSummary(s: CatalogSource): Record<string, unknown> {
  return {
    type: s.sourceType,
    name: s.name,
    topic: s.topic,
    keyFormat: s.keyFormat,
    valueFormat: s.valueFormat,
    isWindowed: s.windowed !== undefined,
  };
}

/** The state of a query's job as the Flink engine last reported it. */
type JobStates = (queryId: string) => JobState;

/**
 * ksqlDB's query state for a Flink job state: a job being created or started runs
 * (as ksqlDB reports a rebalancing query RUNNING), one never seen or suspended is
 * UNRESPONSIVE, a failing, failed, restarting or stopped one is in ERROR.
 */
export function queryState(job: JobState): "RUNNING" | "UNRESPONSIVE" | "ERROR" {
  switch (job.state) {
    case "RUNNING":
    case "CREATED":
    case "INITIALIZING":
    case "RECONCILING":
      return "RUNNING";
    case "UNKNOWN":
    case "SUSPENDED":
      return "UNRESPONSIVE";
    default:
      return "ERROR";
  }
}

function queryInfo(q: CatalogQuery, catalog: Catalog, job: JobState): Record<string, unknown> {
  const sink = catalog.source(q.sink);
  const state = queryState(job);
  return {
    queryString: q.statement,
    sinks: [q.sink],
    sinkKafkaTopics: sink ? [sink.topic] : [],
    id: q.id,
    statusCount: { [state]: 1 },
    queryType: "PERSISTENT",
    state,
  };
}

function sourceDescription(
  s: CatalogSource,
  extended: boolean,
  catalog: Catalog,
  jobStates: JobStates,
): Record<string, unknown> {
  const fields: { name: string; schema: SchemaInfo; type?: string }[] = [];
  for (const c of [...s.columns.filter((c) => c.key), ...s.columns.filter((c) => !c.key)]) {
    fields.push(
      c.key ? { name: c.name, schema: schemaInfo(c.type), type: "KEY" } : { name: c.name, schema: schemaInfo(c.type) },
    );
  }
  const queries = catalog.queries();
  const brief = (q: CatalogQuery) => queryInfo(q, catalog, jobStates(q.id));
  return {
    name: s.name,
    windowType: s.windowed?.type ?? null,
    readQueries: queries.filter((q) => q.sources.includes(s.name)).map(brief),
    writeQueries: queries.filter((q) => q.sink === s.name).map(brief),
    fields,
    type: s.sourceType,
    timestamp: "",
    statistics: "",
    errorStats: "",
    extended,
    keyFormat: s.keyFormat,
    valueFormat: s.valueFormat,
    topic: s.topic,
    partitions: s.partitions,
    replication: s.replicas,
    statement: s.statement,
    queryOffsetSummaries: [],
    sourceConstraints: [],
    clusterStatistics: [],
    clusterErrorStats: [],
  };
}

/** SHOW STREAMS / SHOW TABLES [EXTENDED]: the catalog's sources of that type. */
export function sourcesEntity(statement: Statement & { kind: "show" }, catalog: Catalog, jobStates: JobStates): Entity {
  const type = statement.what === "STREAMS" ? "STREAM" : "TABLE";
  const list = catalog.sources().filter((s) => s.sourceType === type);
  if (statement.extended) {
    return {
      "@type": "source_descriptions",
      ...base(statement),
      sourceDescriptions: list.map((s) => sourceDescription(s, true, catalog, jobStates)),
    };
  }
  const key = statement.what.toLowerCase();
  return { "@type": key, ...base(statement), [key]: list.map(sourceSummary) };
}

/** SHOW TOPICS. */
export function topicsEntity(statement: Statement, topics: readonly TopicListing[]): Entity {
  return { "@type": "kafka_topics", ...base(statement), topics };
}

/** SHOW QUERIES: the persistent queries with their job states. */
export function queriesEntity(statement: Statement, catalog: Catalog, jobStates: JobStates): Entity {
  return {
    "@type": "queries",
    ...base(statement),
    queries: catalog.queries().map((q) => queryInfo(q, catalog, jobStates(q.id))),
  };
}

/** SHOW PROPERTIES: `properties` as name/value pairs of scope KSQL; `overwritten` names those the request set. */
export function propertiesEntity(
  statement: Statement,
  properties: Readonly<Record<string, string>>,
  overwritten: readonly string[],
): Entity {
  return {
    "@type": "properties",
    ...base(statement),
    properties: Object.entries(properties).map(([name, value]) => ({ name, scope: "KSQL", value })),
    overwrittenProperties: overwritten,
    defaultProperties: [],
  };
}

/** SHOW FUNCTIONS: the names of each category, sorted. */
export function functionsEntity(
  statement: Statement,
  functions: { scalar: readonly string[]; aggregate: readonly string[]; table: readonly string[] },
): Entity {
  const list = [
    ...functions.scalar.map((name) => ({ name, category: "SCALAR", type: "SCALAR" })),
    ...functions.aggregate.map((name) => ({ name, category: "AGGREGATE", type: "AGGREGATE" })),
    ...functions.table.map((name) => ({ name, category: "TABLE", type: "TABLE" })),
  ].sort((a, b) => a.name.localeCompare(b.name));
  return { "@type": "function_names", ...base(statement), functions: list };
}

/**
 * DESCRIBE FUNCTION: ksqlDB's `describe_function` entity for a function this server has.
 *
 * @throws {KsqlError} With ksqlDB's message when it has no function of that name.
 */
export function describeFunctionEntity(
  statement: Statement & { kind: "describeFunction" },
  functions: { scalar: readonly string[]; aggregate: readonly string[]; table: readonly string[] },
): Entity {
  const type = functions.scalar.includes(statement.name)
    ? "SCALAR"
    : functions.aggregate.includes(statement.name)
    ? "AGGREGATE"
    : functions.table.includes(statement.name)
    ? "TABLE"
    : undefined;
  if (type === undefined) throw new KsqlError(`Can't find any functions with the name '${statement.name}'`);
  return {
    "@type": "describe_function",
    ...base(statement),
    name: statement.name,
    type,
    description: "",
    author: "tickpipe (translated to Apache Flink SQL)",
    version: "",
    path: "internal",
    functions: [],
  };
}

/** DESCRIBE [EXTENDED] of `source`. */
export function describeEntity(
  statement: Statement & { kind: "describe" },
  source: CatalogSource,
  catalog: Catalog,
  jobStates: JobStates,
): Entity {
  return {
    "@type": "sourceDescription",
    statementText: statement.text,
    sourceDescription: sourceDescription(source, statement.extended, catalog, jobStates),
    warnings: [],
  };
}
