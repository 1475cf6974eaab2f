/**
 * Runs ksqlDB statements: dispatches each to its execution (catalog, topics,
 * Flink tables and jobs) and answers with ksqlDB's entities. Rendering lives in
 * entities.ts, the engine sync in engine_sync.ts, transient queries in query_runtime.ts.
 *
 * @module
 */
import type { Catalog, CatalogColumn, CatalogQuery, CatalogSource } from "./catalog.ts";
import type { ColumnDef, SelectQuery, Statement } from "./ast.ts";
import { ERROR_CODES, KsqlError, KsqlSyntaxError, KsqlUnsupportedError } from "./error.ts";
import { parseKsql, statementAt } from "./parser.ts";
import { flinkDropDdls, flinkTableDdls } from "./flink_table_ddl.ts";
import type { FlinkEngineClient } from "./flink_engine_client.ts";
import { flinkType, formatType, fromEngineType, quoteName, withKsqlNames } from "./types.ts";
import { type TranslatedQuery, translateQuery } from "./translate_query.ts";
import { supportedFunctions } from "./functions.ts";
import {
  checkWithProps,
  offsetReset,
  offsetResetSet,
  type Props,
  propString,
  topicConfigs,
  toProps,
} from "./properties.ts";
import { TopicAdmin } from "./topic_admin.ts";
import type { KafkaConnection } from "./kafka_connection.ts";
import { EngineSync } from "./engine_sync.ts";
import { type RunningQuery, runQuery } from "./query_runtime.ts";
import {
  currentStatus,
  describeEntity,
  describeFunctionEntity,
  type Entity,
  functionsEntity,
  propertiesEntity,
  queriesEntity,
  sourcesEntity,
  topicsEntity,
} from "./entities.ts";

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

/** Settings of {@link KsqlExecutor}. */
export interface ExecutorSettings {
  readonly bootstrap: string;
  readonly serviceId: string;
}

/** Executes statements against `catalog`, the Flink `engine` and `kafka`. */
export class KsqlExecutor {
  #catalog: Catalog;
  #engine: FlinkEngineClient;
  #topics: TopicAdmin;
  #sync: EngineSync;
  #settings: ExecutorSettings;
  #lock: Promise<unknown> = Promise.resolve();
  #commands = new Map<string, string>();

  constructor(catalog: Catalog, engine: FlinkEngineClient, kafka: KafkaConnection, settings: ExecutorSettings) {
    this.#catalog = catalog;
    this.#engine = engine;
    this.#topics = new TopicAdmin(kafka);
    this.#sync = new EngineSync(catalog, engine, settings.bootstrap);
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
    return this.#exclusive(() => this.#sync.run());
  }

  /** Whether the engine answered the last sync. */
  get engineReady(): boolean {
    return this.#sync.engineReady;
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
      const props = toProps(streamsProperties);
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
        return await this.#show(statement, props);
      case "describe":
        return this.#describe(statement);
      case "describeFunction":
        return describeFunctionEntity(statement, supportedFunctions());
      case "drop":
        return await this.#drop(statement);
      case "terminate":
        return await this.#terminate(statement);
    }
  }

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
    return currentStatus(statement, { id: commandId, message, sequence: this.#catalog.sequence, queryId, warnings });
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
    checkWithProps(statement.props);
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
    let info = await this.#topics.info(topic);
    if (!info) {
      const partitions = statement.props["PARTITIONS"];
      if (partitions === undefined) {
        throw new KsqlError(
          `Topic '${topic}' does not exist. If you want to create a new topic for the ${what} please re-run the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS')`,
        );
      }
      info = await this.#topics.ensure(
        topic,
        Number(partitions),
        Number(statement.props["REPLICAS"] ?? 1),
        topicConfigs(statement.props),
      );
    }
    // A topic this server writes has the ksqlDB names as JSON keys
    const written = this.#catalog.sources().some((s) => s.derived && s.topic === topic);
    // ksqlDB matches JSON keys case-insensitively: an unquoted value column reads its lower- and upper-case key
    const column = (c: ColumnDef): CatalogColumn => {
      const json = written || c.quoted ? c.name : c.name.toLowerCase();
      const type = written ? withKsqlNames(c.type) : c.type;
      if (c.key !== "none") return { name: c.name, type, json, key: c.key };
      return json === c.name ? { name: c.name, type, json } : { name: c.name, type, json, alt: c.name };
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
    else if (sink.rowtime) items.push("`$Q`.`$ROWTIME`");
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
    checkWithProps(statement.props);
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
    const info = await this.#topics.ensure(
      topic,
      Number(statement.props["PARTITIONS"] ?? from.partitions),
      Number(statement.props["REPLICAS"] ?? from.replicas),
      topicConfigs(statement.props),
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
      ...(sourceType === "TABLE" && translated.rowtime ? { rowtime: true as const } : {}),
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
    this.#sync.started(queryId);
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
    this.#sync.started(queryId);
    return this.#status(
      statement,
      `stream/${quoteName(sink.name)}/create`,
      `Created query with ID ${queryId}`,
      queryId,
      [...translated.warnings],
    );
  }

  async #show(statement: Statement & { kind: "show" }, props: Props): Promise<Entity> {
    switch (statement.what) {
      case "STREAMS":
      case "TABLES":
        return sourcesEntity(statement, this.#catalog, (id) => this.#sync.jobState(id));
      case "TOPICS":
        return topicsEntity(statement, await this.#topics.list());
      case "QUERIES":
        return queriesEntity(statement, this.#catalog, (id) => this.#sync.jobState(id));
      case "PROPERTIES":
        return propertiesEntity(statement, {
          "ksql.service.id": this.#settings.serviceId,
          "ksql.streams.bootstrap.servers": this.#settings.bootstrap,
          "ksql.streams.auto.offset.reset": offsetReset(props),
          "tickpipe.engine": `Apache Flink at ${this.#engine.url}`,
        }, offsetResetSet(props) ? ["ksql.streams.auto.offset.reset"] : []);
      case "FUNCTIONS":
        return functionsEntity(statement, supportedFunctions());
      default:
        throw new KsqlUnsupportedError(`SHOW ${statement.what}`);
    }
  }

  #describe(statement: Statement & { kind: "describe" }): Entity {
    const source = this.#catalog.source(statement.name);
    if (!source) throw new KsqlError(`Could not find STREAM/TABLE '${statement.name}' in the Metastore`);
    return describeEntity(statement, source, this.#catalog, (id) => this.#sync.jobState(id));
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
    if (statement.deleteTopic) await this.#topics.delete(source.topic);
    return this.#status(statement, commandId, `Source ${quoteName(name)} (topic: ${source.topic}) was dropped.`);
  }

  async #terminate(statement: Statement & { kind: "terminate" }): Promise<Entity> {
    const ids = statement.queryId === "ALL" ? this.#catalog.queries().map((q) => q.id) : [statement.queryId];
    for (const id of ids) {
      // query ids are upper-cased by the parser unless quoted; match case-insensitively
      const query = this.#catalog.queries().find((q) => q.id.toUpperCase() === id.toUpperCase());
      if (!query) throw new KsqlError(`Unknown queryId: ${id}`);
      await this.#engine.cancelJob(query.id, true);
      this.#sync.forget(query.id);
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
  query(text: string, properties: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<RunningQuery> {
    return runQuery(this.#engine, this.#catalog, { text, properties, signal });
  }
}
