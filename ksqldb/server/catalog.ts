/**
 * The metastore: streams, tables and persistent queries. The server keeps it in
 * a compacted Kafka topic (command_topic.ts), one record per stream, table or
 * query, so that several servers share it; earlier versions kept it in one JSON
 * file (`.data/ksqldb/catalog.json`, replaced atomically on every change), which
 * {@link Catalog.open} still reads (and tests use).
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { KsqlType, WindowClause } from "./ast.ts";

/** A column of a stream or table; `json` is its name in the topic (and the Flink table). */
export interface CatalogColumn {
  readonly name: string;
  readonly type: KsqlType;
  readonly json: string;
  /**
   * The other spelling of an unquoted value column's JSON key (its upper-case
   * name), read as well: ksqlDB matches JSON keys case-insensitively.
   */
  readonly alt?: string;
  readonly key?: "KEY" | "PRIMARY KEY";
}

/** A stream or table. */
export interface CatalogSource {
  readonly name: string;
  readonly sourceType: "STREAM" | "TABLE";
  readonly topic: string;
  readonly keyFormat: "KAFKA" | "JSON" | "NONE";
  readonly valueFormat: "JSON";
  readonly columns: readonly CatalogColumn[];
  readonly windowed?: WindowClause;
  /** The statement that created it. */
  readonly statement: string;
  readonly partitions: number;
  readonly replicas: number;
  /**
   * Whether the Flink table writes each record's Kafka timestamp (`$ROWTIME`); a
   * table made by an aggregation over a stream carries its input records' time.
   */
  readonly rowtime?: true;
  /** Whether this server writes the topic (CSAS/CTAS): its JSON keys are the ksqlDB names. */
  readonly derived: boolean;
}

/** A persistent query: a Flink INSERT job. */
export interface CatalogQuery {
  readonly id: string;
  readonly sink: string;
  readonly sources: readonly string[];
  /** The ksqlDB statement. */
  readonly statement: string;
  /** The Flink SQL INSERT it runs. */
  readonly flinkSql: string;
  readonly createdAt: number;
}

/**
 * One entry of the catalog as the command topic keeps it: `source/<NAME>`,
 * `query/<ID>` or `sequence`, with its value, or `null` once it is removed.
 */
export interface CatalogRecord {
  readonly key: string;
  readonly value: CatalogSource | CatalogQuery | number | null;
}

/** Writes changed records where the catalog is kept. */
export type CatalogWriter = (records: readonly CatalogRecord[]) => Promise<void>;

interface CatalogState {
  version: 1;
  sources: Record<string, CatalogSource>;
  queries: Record<string, CatalogQuery>;
  sequence: number;
}

/** The metastore, persisted to `file` or through a {@link CatalogWriter}. */
export class Catalog {
  #file: string;
  #writer: CatalogWriter | undefined;
  #state: CatalogState = { version: 1, sources: {}, queries: {}, sequence: 0 };
  #listeners: (() => void)[] = [];

  private constructor(file: string, writer?: CatalogWriter) {
    this.#file = file;
    this.#writer = writer;
  }

  /** An empty catalog whose changes go to `writer`; {@link apply} brings in what others wrote. */
  static withWriter(writer: CatalogWriter): Catalog {
    return new Catalog("", writer);
  }

  /**
   * Loads the catalog from `file`, or starts an empty one when the file does not exist.
   *
   * @throws {SyntaxError} When the file is not valid JSON (fix or delete it).
   */
  static async open(file: string): Promise<Catalog> {
    const catalog = new Catalog(file);
    try {
      const text = await Deno.readTextFile(file);
      try {
        catalog.#state = JSON.parse(text) as CatalogState;
      } catch (cause) {
        throw new SyntaxError(`The ksqlDB catalog "${file}" is not valid JSON; fix it or delete it to start empty`, {
          cause,
        });
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return catalog;
  }

  /** An in-memory catalog (tests). */
  static memory(): Catalog {
    return new Catalog("");
  }

  /** Every entry as a record (a migration writes them to the command topic). */
  records(): CatalogRecord[] {
    return [
      ...this.sources().map((s) => ({ key: `source/${s.name}`, value: s })),
      ...this.queries().map((q) => ({ key: `query/${q.id}`, value: q })),
      { key: "sequence", value: this.#state.sequence },
    ];
  }

  /**
   * Applies a record read from the command topic (written by this server or
   * another one) and tells the listeners.
   *
   * @throws {TypeError} When the key is none of `source/`, `query/`, `sequence`.
   */
  apply(record: CatalogRecord): void {
    const { key, value } = record;
    if (key === "sequence") {
      this.#state.sequence = Math.max(this.#state.sequence, typeof value === "number" ? value : 0);
    } else if (key.startsWith("source/")) {
      const name = key.slice("source/".length);
      if (value === null) delete this.#state.sources[name];
      else this.#state.sources[name] = value as CatalogSource;
    } else if (key.startsWith("query/")) {
      const id = key.slice("query/".length);
      if (value === null) delete this.#state.queries[id];
      else this.#state.queries[id] = value as CatalogQuery;
    } else {
      throw new TypeError(`Unknown catalog record key "${key}"; expected source/<name>, query/<id> or sequence`);
    }
    for (const listener of this.#listeners) listener();
  }

  /** Calls `listener` after every {@link apply}. */
  onApply(listener: () => void): void {
    this.#listeners.push(listener);
  }

  /** Where it is kept. */
  get file(): string {
    return this.#file;
  }

  /** The stream or table called `name`. */
  source(name: string): CatalogSource | undefined {
    return this.#state.sources[name];
  }

  /** Every stream and table, by name. */
  sources(): CatalogSource[] {
    return Object.values(this.#state.sources).sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The persistent query with `id`. */
  query(id: string): CatalogQuery | undefined {
    return this.#state.queries[id];
  }

  /** Every persistent query, oldest first. */
  queries(): CatalogQuery[] {
    return Object.values(this.#state.queries).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** The next command sequence number (also numbers query ids). */
  nextSequence(): number {
    return ++this.#state.sequence;
  }

  /** The last command sequence number. */
  get sequence(): number {
    return this.#state.sequence;
  }

  /** Adds or replaces a source and saves. */
  async putSource(source: CatalogSource): Promise<void> {
    this.#state.sources[source.name] = source;
    await this.#save({ key: `source/${source.name}`, value: source });
  }

  /** Removes a source and saves. */
  async removeSource(name: string): Promise<void> {
    delete this.#state.sources[name];
    await this.#save({ key: `source/${name}`, value: null });
  }

  /** Adds a query and saves. */
  async putQuery(query: CatalogQuery): Promise<void> {
    this.#state.queries[query.id] = query;
    await this.#save({ key: `query/${query.id}`, value: query });
  }

  /** Removes a query and saves. */
  async removeQuery(id: string): Promise<void> {
    delete this.#state.queries[id];
    await this.#save({ key: `query/${id}`, value: null });
  }

  /** Saves the sequence counter. */
  async save(): Promise<void> {
    await this.#save();
  }

  async #save(change?: CatalogRecord): Promise<void> {
    if (this.#writer) {
      await this.#writer([...(change ? [change] : []), { key: "sequence", value: this.#state.sequence }]);
      return;
    }
    if (this.#file === "") return;
    await Deno.mkdir(dirname(this.#file), { recursive: true });
    const temp = join(dirname(this.#file), `.catalog-${crypto.randomUUID()}.tmp`);
    await Deno.writeTextFile(temp, JSON.stringify(this.#state, null, 2));
    await Deno.rename(temp, this.#file);
  }
}
