/**
 * Runs ksqlDB statements: keeps the catalog, creates topics, registers tables
 * and starts jobs in the Flink engine, and answers with ksqlDB's entities.
 *
 * @module
 */
import type { Admin } from "kafkajs";
import type { Catalog, CatalogColumn, CatalogQuery, CatalogSource } from "./catalog.ts";
import type { ColumnDef, PropValue, SelectQuery, Statement } from "./ast.ts";
import { ERROR_CODES, KsqlError, KsqlSyntaxError, KsqlUnsupportedError } from "./error.ts";
import { parseKsql, statementAt } from "./parser.ts";
import { flinkDropDdls, flinkTableDdls } from "./flink_table_ddl.ts";
import type { FlinkEngineClient } from "./flink_engine_client.ts";
import {
  flinkType,
  formatType,
  fromEngineType,
  quoteName,
  type SchemaInfo,
  schemaInfo,
  toKsqlValue,
  withKsqlNames,
} from "./types.ts";
import type { KsqlType } from "./ast.ts";
import { supportedFunctions, type TranslatedQuery, translateQuery } from "./translate_query.ts";

/** The ksqlDB version this server reports and follows. */
export const KSQL_VERSION = "0.29.0";

/** A ksqlDB response entity (`@type` plus its fields). */
export type Entity = Record<string, unknown> & {
  "@type": string;
  statementText: string;
  warnings: { message: string }[];
};

/** A statement failed after `entities` succeeded. */
export class StatementFailure extends Error {
  readonly statementText: string;
  readonly entities: readonly Entity[];
  constructor(cause: unknown, statementText: string, entities: readonly Entity[]) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = "StatementFailure";
    this.statementText = statementText;
    this.entities = entities;
  }
}

/** A running push or pull query. */
export interface RunningQuery {
  readonly queryId: string;
  readonly columnNames: readonly string[];
  readonly columnTypes: readonly string[];
  /** ksqlDB's schema string, e.g. "`TICKER` STRING, `PRICE` DOUBLE". */
  readonly schema: string;
  readonly warnings: readonly string[];
  /** Rows as arrays of ksqlDB values, until LIMIT, the end of a pull query, or the signal. */
  readonly rows: AsyncIterable<unknown[]>;
}

/** Settings of {@link KsqlExecutor}. */
export interface ExecutorSettings {
  readonly bootstrap: string;
  readonly serviceId: string;
}

type Props = Record<string, string>;

function offsetReset(props: Props): "earliest" | "latest" {
  const value = (props["auto.offset.reset"] ?? props["ksql.streams.auto.offset.reset"] ?? "latest").toLowerCase();
  if (value !== "earliest" && value !== "latest") {
    throw new KsqlError(`auto.offset.reset must be 'earliest' or 'latest', not '${value}'`);
  }
  return value;
}

function propString(props: Readonly<Record<string, PropValue>>, name: string): string | undefined {
  const value = props[name];
  return value === undefined ? undefined : String(value);
}

const KNOWN_PROPS = new Set([
  "KAFKA_TOPIC",
  "VALUE_FORMAT",
  "KEY_FORMAT",
  "FORMAT",
  "PARTITIONS",
  "REPLICAS",
  "RETENTION_MS",
  "CLEANUP_POLICY",
]);

/** Executes statements against `catalog`, the Flink `engine` and Kafka (`admin`). */
export class KsqlExecutor {
  #catalog: Catalog;
  #engine: FlinkEngineClient;
  #admin: Admin;
  #settings: ExecutorSettings;
  #lock: Promise<unknown> = Promise.resolve();
  #engineBootId: string | undefined;
  #jobStates = new Map<string, { state: string; error?: string }>();

  constructor(catalog: Catalog, engine: FlinkEngineClient, admin: Admin, settings: ExecutorSettings) {
    this.#catalog = catalog;
    this.#engine = engine;
    this.#admin = admin;
    this.#settings = settings;
  }

  /** Runs `task` after every earlier statement or sync finished. */
  #exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#lock.then(task, task);
    this.#lock = run.catch(() => {});
    return run;
  }

  /**
   * Brings the engine in line with the catalog: after an engine (re)start its
   * tables are registered again and every persistent query is started from its
   * last checkpoint; missing jobs are restarted.
   *
   * @throws {FlinkEngineError} When the engine does not answer.
   */
  sync(): Promise<void> {
    return this.#exclusive(async () => {
      const health = await this.#engine.health();
      if (health.bootId !== this.#engineBootId) {
        const ddl = this.#catalog.sources().flatMap((s) => flinkTableDdls(s, this.#settings.bootstrap));
        if (ddl.length > 0) await this.#engine.ddl(ddl);
        this.#engineBootId = health.bootId;
      }
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
    });
  }

  /** Whether the engine answered the last sync. */
  get engineReady(): boolean {
    return this.#engineBootId !== undefined;
  }

  /**
   * Runs every statement of `text` in order (SET/UNSET apply to the statements after them).
   *
   * @throws {StatementFailure} Naming the failed statement and the entities of those before it.
   */
  execute(text: string, streamsProperties: Readonly<Record<string, unknown>> = {}): Promise<Entity[]> {
    return this.#exclusive(async () => {
      let statements: Statement[];
      try {
        statements = parseKsql(text);
      } catch (error) {
        throw new StatementFailure(
          error,
          error instanceof KsqlSyntaxError ? statementAt(text, error.offset) : text.trim(),
          [],
        );
      }
      const props: Props = Object.fromEntries(Object.entries(streamsProperties).map(([k, v]) => [k, String(v)]));
      const entities: Entity[] = [];
      for (const statement of statements) {
        try {
          const entity = await this.#run(statement, props);
          if (entity) entities.push(entity);
        } catch (error) {
          throw new StatementFailure(error, statement.text, entities);
        }
      }
      return entities;
    });
  }

  async #run(statement: Statement, props: Props): Promise<Entity | undefined> {
    switch (statement.kind) {
      case "set":
        props[statement.name] = statement.value;
        return undefined;
      case "unset":
        delete props[statement.name];
        return undefined;
      case "select":
        throw new KsqlError(
          "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
          { errorCode: ERROR_CODES.queryEndpoint },
        );
      case "createSource":
        return await this.#createSource(statement);
      case "createAs":
        return await this.#createAs(statement, props);
      case "insertInto":
        return await this.#insertInto(statement, props);
      case "show":
        return await this.#show(statement);
      case "describe":
        return await this.#describe(statement);
      case "drop":
        return await this.#drop(statement);
      case "terminate":
        return await this.#terminate(statement);
    }
  }

  #commands = new Map<string, string>();

  /** `GET /status/{commandId}`: the outcome of a CREATE, DROP or TERMINATE run since this server started. */
  commandStatus(commandId: string): { status: string; message: string } | undefined {
    const message = this.#commands.get(commandId);
    return message === undefined ? undefined : { status: "SUCCESS", message };
  }

  #status(
    statement: Statement,
    commandId: string,
    message: string,
    queryId: string | null = null,
    warnings: string[] = [],
  ): Entity {
    this.#commands.set(commandId, message);
    if (this.#commands.size > 1000) this.#commands.delete(this.#commands.keys().next().value!);
    return {
      "@type": "currentStatus",
      statementText: statement.text,
      commandId,
      commandStatus: { status: "SUCCESS", message, queryId },
      commandSequenceNumber: this.#catalog.sequence,
      warnings: warnings.map((message) => ({ message })),
    };
  }

  async #topicInfo(topic: string): Promise<{ partitions: number; replicas: number } | undefined> {
    const topics = await this.#admin.listTopics();
    if (!topics.includes(topic)) return undefined;
    const { topics: [meta] } = await this.#admin.fetchTopicMetadata({ topics: [topic] });
    return { partitions: meta?.partitions.length ?? 1, replicas: meta?.partitions[0]?.replicas.length ?? 1 };
  }

  async #ensureTopic(
    topic: string,
    partitions: number,
    replicas: number,
  ): Promise<{ partitions: number; replicas: number }> {
    const existing = await this.#topicInfo(topic);
    if (existing) return existing;
    await this.#admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: replicas }],
      waitForLeaders: true,
    });
    return { partitions, replicas };
  }

  #checkProps(props: Readonly<Record<string, PropValue>>): void {
    for (const key of Object.keys(props)) {
      if (key === "TIMESTAMP" || key === "TIMESTAMP_FORMAT") {
        throw new KsqlUnsupportedError(`The ${key} property`, "ROWTIME is the Kafka record timestamp");
      }
      if (key === "WINDOW_TYPE" || key === "WINDOW_SIZE") {
        throw new KsqlUnsupportedError("Windowed source streams/tables (WINDOW_TYPE)");
      }
      if (!KNOWN_PROPS.has(key)) throw new KsqlUnsupportedError(`The WITH property ${key}`);
    }
    const format = (propString(props, "VALUE_FORMAT") ?? propString(props, "FORMAT") ?? "JSON").toUpperCase();
    if (format !== "JSON") throw new KsqlUnsupportedError(`VALUE_FORMAT '${format}'`, "use JSON");
  }

  async #createSource(statement: Statement & { kind: "createSource" }): Promise<Entity> {
    const { name, sourceType } = statement;
    const what = sourceType === "STREAM" ? "stream" : "table";
    const existing = this.#catalog.source(name);
    if (existing) {
      if (statement.ifNotExists) {
        return this.#status(
          statement,
          `${what}/${quoteName(name)}/create`,
          `Cannot add ${what} ${quoteName(name)}: A ${what} with the same name already exists.`,
        );
      }
      if (!statement.orReplace) {
        throw new KsqlError(
          `Cannot add ${what} '${name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`,
        );
      }
      throw new KsqlUnsupportedError("CREATE OR REPLACE of an existing source", "DROP it first");
    }
    this.#checkProps(statement.props);
    const topic = propString(statement.props, "KAFKA_TOPIC");
    if (topic === undefined) throw new KsqlError('Missing required property "KAFKA_TOPIC" in the WITH clause');
    const keyFormat = (propString(statement.props, "KEY_FORMAT") ?? propString(statement.props, "FORMAT") ?? "KAFKA")
      .toUpperCase();
    if (!["KAFKA", "JSON", "NONE"].includes(keyFormat)) {
      throw new KsqlUnsupportedError(`KEY_FORMAT '${keyFormat}'`, "use KAFKA or JSON");
    }
    const keys = statement.columns.filter((c) => c.key !== "none");
    if (sourceType === "TABLE" && keys.length === 0) {
      throw new KsqlError("Tables require a PRIMARY KEY. Please define the PRIMARY KEY");
    }
    for (const k of keys) {
      if (sourceType === "TABLE" && k.key !== "PRIMARY KEY") {
        throw new KsqlError(`Column ${k.name} is a KEY column: tables need PRIMARY KEY`);
      }
      if (sourceType === "STREAM" && k.key !== "KEY") {
        throw new KsqlError(`Column ${k.name} is a PRIMARY KEY column: streams need KEY`);
      }
      if (keyFormat === "KAFKA" && !["STRING", "INTEGER", "BIGINT", "DOUBLE", "BOOLEAN"].includes(k.type.type)) {
        throw new KsqlError(`The KAFKA key format does not support ${formatType(k.type)} key column ${k.name}`);
      }
    }
    if (keyFormat === "KAFKA" && keys.length > 1) {
      throw new KsqlError("The KAFKA key format supports one key column; use KEY_FORMAT='JSON'");
    }
    const names = new Set<string>();
    for (const c of statement.columns) {
      if (names.has(c.name)) throw new KsqlError(`Duplicate column name '${c.name}'`);
      if (["ROWTIME", "ROWPARTITION", "ROWOFFSET", "WINDOWSTART", "WINDOWEND"].includes(c.name)) {
        throw new KsqlError(`'${c.name}' is a reserved column name`);
      }
      names.add(c.name);
    }
    let info = await this.#topicInfo(topic);
    if (!info) {
      const partitions = statement.props["PARTITIONS"];
      if (partitions === undefined) {
        throw new KsqlError(
          `Topic '${topic}' does not exist. If you want to create a new topic for the ${what} please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS')`,
        );
      }
      info = await this.#ensureTopic(topic, Number(partitions), Number(statement.props["REPLICAS"] ?? 1));
    }
    // A topic this server writes has the ksqlDB names as JSON keys
    const written = this.#catalog.sources().some((s) => s.derived && s.topic === topic);
    const column = (c: ColumnDef): CatalogColumn => {
      const json = written || c.quoted ? c.name : c.name.toLowerCase();
      const type = written ? withKsqlNames(c.type) : c.type;
      return c.key === "none" ? { name: c.name, type, json } : { name: c.name, type, json, key: c.key };
    };
    const source: CatalogSource = {
      name,
      sourceType,
      topic,
      keyFormat: keyFormat as "KAFKA" | "JSON" | "NONE",
      valueFormat: "JSON",
      columns: statement.columns.map(column),
      statement: statement.text,
      partitions: info.partitions,
      replicas: info.replicas,
      derived: false,
    };
    await this.#engine.ddl(flinkTableDdls(source, this.#settings.bootstrap));
    this.#catalog.nextSequence();
    await this.#catalog.putSource(source);
    return this.#status(
      statement,
      `${what}/${quoteName(name)}/create`,
      sourceType === "STREAM" ? "Stream created" : "Table created",
    );
  }

  /** Translates a persistent query and works out its sink columns. */
  async #plan(
    query: SelectQuery,
    queryId: string,
    statementText: string,
    props: Props,
  ): Promise<{ translated: TranslatedQuery; columns: CatalogColumn[] }> {
    const translated = translateQuery(query, this.#catalog, {
      mode: "persistent",
      queryId,
      offsetReset: offsetReset(props),
      statementText,
    });
    const schema = (await this.#engine.schema(translated.sql)).filter((c) => c.name !== "$ROWTIME");
    const columns = schema.map((c, i): CatalogColumn => {
      const out = translated.columns[i]!;
      const type = withKsqlNames(fromEngineType(c.type));
      const key = out.key ? (translated.resultType === "TABLE" ? "PRIMARY KEY" : "KEY") : undefined;
      return key ? { name: out.name, type, json: out.name, key } : { name: out.name, type, json: out.name };
    });
    return { translated, columns };
  }

  #insertSql(sink: CatalogSource, translated: TranslatedQuery): string {
    const byName = new Map(translated.columns.map((c) => [c.name, c]));
    const items = sink.columns.map((c) => {
      if (!byName.has(c.name)) throw new KsqlError(`The query does not produce column ${c.name} of ${sink.name}`);
      return `CAST(\`$Q\`.${quoteName(c.name)} AS ${flinkType(c.type)})`;
    });
    if (sink.sourceType === "STREAM") items.push(translated.rowtime ? "`$Q`.`$ROWTIME`" : "CURRENT_TIMESTAMP");
    return `INSERT INTO ${quoteName(sink.name)} SELECT ${items.join(", ")} FROM (${translated.sql}) AS \`$Q\``;
  }

  async #createAs(statement: Statement & { kind: "createAs" }, props: Props): Promise<Entity> {
    const { name, sourceType } = statement;
    const what = sourceType === "STREAM" ? "stream" : "table";
    const commandId = `${what}/${quoteName(name)}/create`;
    const existing = this.#catalog.source(name);
    if (existing) {
      if (statement.ifNotExists) {
        return this.#status(
          statement,
          commandId,
          `Cannot add ${what} ${quoteName(name)}: A ${what} with the same name already exists.`,
        );
      }
      if (statement.orReplace) {
        throw new KsqlUnsupportedError(
          "CREATE OR REPLACE of an existing query",
          "TERMINATE its query and DROP it first",
        );
      }
      throw new KsqlError(
        `Cannot add ${what} '${name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`,
      );
    }
    this.#checkProps(statement.props);
    const sequence = this.#catalog.sequence + 1;
    const queryId = `${sourceType === "STREAM" ? "CSAS" : "CTAS"}_${name}_${sequence}`;
    const { translated, columns } = await this.#plan(statement.query, queryId, statement.text, props);
    if (translated.resultType !== sourceType) {
      throw new KsqlError(
        `Invalid result type. Your SELECT query produces a ${translated.resultType}. Please use CREATE ${translated.resultType} AS SELECT statement instead`,
      );
    }
    const from = this.#catalog.source(translated.sources[0]!)!;
    const topic = propString(statement.props, "KAFKA_TOPIC") ?? name;
    const info = await this.#ensureTopic(
      topic,
      Number(statement.props["PARTITIONS"] ?? from.partitions),
      Number(statement.props["REPLICAS"] ?? from.replicas),
    );
    const keys = columns.filter((c) => c.key);
    const sink: CatalogSource = {
      name,
      sourceType,
      topic,
      keyFormat: keys.length > 1 || translated.windowed ? "JSON" : "KAFKA",
      valueFormat: "JSON",
      columns,
      ...(translated.windowed ? { windowed: translated.windowed } : {}),
      statement: statement.text,
      partitions: info.partitions,
      replicas: info.replicas,
      derived: true,
    };
    await this.#engine.ddl(flinkTableDdls(sink, this.#settings.bootstrap));
    const flinkSql = this.#insertSql(sink, translated);
    try {
      await this.#engine.startJob(queryId, flinkSql, { restore: false });
    } catch (error) {
      await this.#engine.ddl(flinkDropDdls(name)).catch(() => {});
      throw error;
    }
    this.#catalog.nextSequence();
    await this.#catalog.putSource(sink);
    const query: CatalogQuery = {
      id: queryId,
      sink: name,
      sources: translated.sources,
      statement: statement.text,
      flinkSql,
      createdAt: Date.now(),
    };
    await this.#catalog.putQuery(query);
    this.#jobStates.set(queryId, { state: "RUNNING" });
    return this.#status(statement, commandId, `Created query with ID ${queryId}`, queryId, [...translated.warnings]);
  }

  async #insertInto(statement: Statement & { kind: "insertInto" }, props: Props): Promise<Entity> {
    const sink = this.#catalog.source(statement.target);
    if (!sink) throw new KsqlError(`${statement.target} does not exist`);
    if (sink.sourceType !== "STREAM") {
      throw new KsqlError(`INSERT INTO can only be used to insert into a stream. ${sink.name} is a table`);
    }
    const sequence = this.#catalog.sequence + 1;
    const queryId = `INSERTQUERY_${sequence}`;
    const { translated, columns } = await this.#plan(statement.query, queryId, statement.text, props);
    if (translated.resultType !== "STREAM") throw new KsqlError("INSERT INTO needs a query that produces a STREAM");
    const want = sink.columns.map((c) => `${c.name} ${formatType(c.type)}`).sort().join(", ");
    const have = columns.map((c) => `${c.name} ${formatType(c.type)}`).sort().join(", ");
    if (want !== have) {
      throw new KsqlError(
        `Incompatible schema between results and sink.\nResult schema is ${have}\nSink schema is ${want}`,
      );
    }
    const flinkSql = this.#insertSql(sink, translated);
    await this.#engine.startJob(queryId, flinkSql, { restore: false });
    this.#catalog.nextSequence();
    await this.#catalog.putQuery({
      id: queryId,
      sink: sink.name,
      sources: translated.sources,
      statement: statement.text,
      flinkSql,
      createdAt: Date.now(),
    });
    this.#jobStates.set(queryId, { state: "RUNNING" });
    return this.#status(
      statement,
      `stream/${quoteName(sink.name)}/create`,
      `Created query with ID ${queryId}`,
      queryId,
      [...translated.warnings],
    );
  }

  #sourceSummary(s: CatalogSource): Record<string, unknown> {
    return {
      type: s.sourceType,
      name: s.name,
      topic: s.topic,
      keyFormat: s.keyFormat,
      valueFormat: s.valueFormat,
      isWindowed: s.windowed !== undefined,
    };
  }

  #queryState(id: string): { state: string; error?: string } {
    return this.#jobStates.get(id) ?? { state: "UNKNOWN" };
  }

  #queryInfo(q: CatalogQuery): Record<string, unknown> {
    const sink = this.#catalog.source(q.sink);
    const state = this.#queryState(q.id).state === "RUNNING"
      ? "RUNNING"
      : this.#queryState(q.id).state === "UNKNOWN"
      ? "UNRESPONSIVE"
      : "ERROR";
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

  async #show(statement: Statement & { kind: "show" }): Promise<Entity> {
    const base = { statementText: statement.text, warnings: [] };
    switch (statement.what) {
      case "STREAMS":
      case "TABLES": {
        const type = statement.what === "STREAMS" ? "STREAM" : "TABLE";
        const list = this.#catalog.sources().filter((s) => s.sourceType === type);
        if (statement.extended) {
          return {
            "@type": "source_descriptions",
            ...base,
            sourceDescriptions: list.map((s) => this.#description(s, true)),
          };
        }
        return {
          "@type": statement.what.toLowerCase(),
          ...base,
          [statement.what.toLowerCase()]: list.map((s) => this.#sourceSummary(s)),
        };
      }
      case "TOPICS": {
        const names = (await this.#admin.listTopics()).filter((n) => !n.startsWith("_")).sort();
        const { topics } = names.length > 0 ? await this.#admin.fetchTopicMetadata({ topics: names }) : { topics: [] };
        return {
          "@type": "kafka_topics",
          ...base,
          topics: topics.sort((a, b) => a.name.localeCompare(b.name)).map((t) => ({
            name: t.name,
            replicaInfo: t.partitions.map((p) => p.replicas.length),
          })),
        };
      }
      case "QUERIES":
        return { "@type": "queries", ...base, queries: this.#catalog.queries().map((q) => this.#queryInfo(q)) };
      case "PROPERTIES":
        return {
          "@type": "properties",
          ...base,
          properties: [
            { name: "ksql.service.id", scope: "KSQL", value: this.#settings.serviceId },
            { name: "ksql.streams.bootstrap.servers", scope: "KSQL", value: this.#settings.bootstrap },
            { name: "ksql.streams.auto.offset.reset", scope: "KSQL", value: "latest" },
            { name: "tickpipe.engine", scope: "KSQL", value: `Apache Flink at ${this.#engine.url}` },
          ],
          overwrittenProperties: [],
          defaultProperties: [],
        };
      case "FUNCTIONS": {
        const f = supportedFunctions();
        const list = [
          ...f.scalar.map((name) => ({ name, category: "SCALAR", type: "SCALAR" })),
          ...f.aggregate.map((name) => ({ name, category: "AGGREGATE", type: "AGGREGATE" })),
          ...f.table.map((name) => ({ name, category: "TABLE", type: "TABLE" })),
        ].sort((a, b) => a.name.localeCompare(b.name));
        return { "@type": "function_names", ...base, functions: list };
      }
      default:
        throw new KsqlUnsupportedError(`SHOW ${statement.what}`);
    }
  }

  #description(s: CatalogSource, extended: boolean): Record<string, unknown> {
    const fields: { name: string; schema: SchemaInfo; type?: string }[] = [];
    for (const c of [...s.columns.filter((c) => c.key), ...s.columns.filter((c) => !c.key)]) {
      fields.push(
        c.key
          ? { name: c.name, schema: schemaInfo(c.type), type: "KEY" }
          : { name: c.name, schema: schemaInfo(c.type) },
      );
    }
    const queries = this.#catalog.queries();
    const brief = (q: CatalogQuery) => ({
      queryString: q.statement,
      sinks: [q.sink],
      sinkKafkaTopics: [this.#catalog.source(q.sink)?.topic ?? q.sink],
      id: q.id,
      statusCount: { RUNNING: 1 },
      queryType: "PERSISTENT",
      state: "RUNNING",
    });
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

  #describe(statement: Statement & { kind: "describe" }): Entity {
    const source = this.#catalog.source(statement.name);
    if (!source) throw new KsqlError(`Could not find STREAM/TABLE '${statement.name}' in the Metastore`);
    return {
      "@type": "sourceDescription",
      statementText: statement.text,
      sourceDescription: this.#description(source, statement.extended),
      warnings: [],
    };
  }

  async #drop(statement: Statement & { kind: "drop" }): Promise<Entity> {
    const { name } = statement;
    const what = statement.sourceType.toLowerCase();
    const commandId = `${what}/${quoteName(name)}/drop`;
    const source = this.#catalog.source(name);
    if (!source) {
      if (statement.ifExists) return this.#status(statement, commandId, `Source ${quoteName(name)} does not exist.`);
      throw new KsqlError(`Source ${name} does not exist`);
    }
    if (source.sourceType !== statement.sourceType) {
      throw new KsqlError(
        `Incompatible data source type is ${source.sourceType}, but statement was DROP ${statement.sourceType}`,
      );
    }
    const writers = this.#catalog.queries().filter((q) => q.sink === name).map((q) => q.id);
    const readers = this.#catalog.queries().filter((q) => q.sources.includes(name) && q.sink !== name).map((q) => q.id);
    if (writers.length > 0 || readers.length > 0) {
      const parts = [];
      if (writers.length > 0) parts.push(`The following queries write into this source: [${writers.join(", ")}]`);
      if (readers.length > 0) parts.push(`The following queries read from this source: [${readers.join(", ")}]`);
      throw new KsqlError(
        `Cannot drop ${name}.\n${parts.join("\n")}\nYou need to terminate them before dropping ${name}`,
      );
    }
    await this.#engine.ddl(flinkDropDdls(name));
    this.#catalog.nextSequence();
    await this.#catalog.removeSource(name);
    if (statement.deleteTopic) await this.#admin.deleteTopics({ topics: [source.topic] });
    return this.#status(statement, commandId, `Source ${quoteName(name)} (topic: ${source.topic}) was dropped.`);
  }

  async #terminate(statement: Statement & { kind: "terminate" }): Promise<Entity> {
    const ids = statement.queryId === "ALL" ? this.#catalog.queries().map((q) => q.id) : [statement.queryId];
    for (const id of ids) {
      // query ids are upper-cased by the parser unless quoted; match case-insensitively
      const query = this.#catalog.queries().find((q) => q.id.toUpperCase() === id.toUpperCase());
      if (!query) throw new KsqlError(`Unknown queryId: ${id}`);
      await this.#engine.cancelJob(query.id, true);
      this.#jobStates.delete(query.id);
      await this.#catalog.removeQuery(query.id);
    }
    this.#catalog.nextSequence();
    await this.#catalog.save();
    return this.#status(statement, `terminate/${statement.queryId}/execute`, "Query terminated.");
  }

  /**
   * Starts a push query (EMIT CHANGES) or a pull query on a stream (reads the
   * topic from the beginning to its current end).
   *
   * @throws {KsqlError} When `text` is not one SELECT or cannot run.
   */
  async query(text: string, properties: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<RunningQuery> {
    const statements = parseKsql(text);
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
    const source = this.#catalog.source(query.from.name);
    if (!source) throw new KsqlError(`${query.from.name} does not exist`);
    const push = query.emit === "CHANGES";
    const props: Props = Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, String(v)]));
    const queryId = `transient_${source.name}_${Math.floor(Math.random() * 1e18)}`;
    const translated = translateQuery(query, this.#catalog, {
      mode: push ? "push" : "pull",
      queryId,
      offsetReset: offsetReset(props),
      statementText: statement.text,
    });
    const controller = new AbortController();
    signal.addEventListener("abort", () => controller.abort(), { once: true });
    const select = await this.#engine.select(translated.sql, { name: queryId, signal: controller.signal });
    const types: KsqlType[] = select.columns.map((c) => fromEngineType(c.type));
    const limit = query.limit;
    async function* rows(): AsyncGenerator<unknown[]> {
      let count = 0;
      try {
        if (limit === 0) return;
        if (!push) {
          // a pull query answers with the final state: apply the changelog, then emit what is left
          const live = new Map<string, { row: unknown[]; count: number }>();
          for await (const row of select.rows) {
            const key = JSON.stringify(row.row);
            const entry = live.get(key);
            if (row.kind === "+I" || row.kind === "+U") live.set(key, { row: row.row, count: (entry?.count ?? 0) + 1 });
            else if (entry && entry.count > 1) entry.count--;
            else live.delete(key);
          }
          for (const { row, count: copies } of live.values()) {
            for (let i = 0; i < copies; i++) {
              yield row.map((v, c) => toKsqlValue(v, types[c]!));
              if (limit !== undefined && ++count >= limit) return;
            }
          }
          return;
        }
        for await (const row of select.rows) {
          if (row.kind === "-U" || row.kind === "-D") continue;
          yield row.row.map((v, i) => toKsqlValue(v, types[i]!));
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
      rows: rows(),
    };
  }
}
