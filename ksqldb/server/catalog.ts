/**
 * The metastore: streams, tables and persistent queries, kept in one JSON file
 * (`.data/ksqldb/catalog.json` by default) that is replaced atomically on every
 * change, so they survive a restart of the server.
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

interface CatalogState {
  version: 1;
  sources: Record<string, CatalogSource>;
  queries: Record<string, CatalogQuery>;
  sequence: number;
}

/** The metastore, persisted to `file`. */
export class Catalog {
  #file: string;
  #state: CatalogState = { version: 1, sources: {}, queries: {}, sequence: 0 };

  private constructor(file: string) {
    this.#file = file;
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
    await this.#save();
  }

  /** Removes a source and saves. */
  async removeSource(name: string): Promise<void> {
    delete this.#state.sources[name];
    await this.#save();
  }

  /** Adds a query and saves. */
  async putQuery(query: CatalogQuery): Promise<void> {
    this.#state.queries[query.id] = query;
    await this.#save();
  }

  /** Removes a query and saves. */
  async removeQuery(id: string): Promise<void> {
    delete this.#state.queries[id];
    await this.#save();
  }

  /** Saves the sequence counter. */
  async save(): Promise<void> {
    await this.#save();
  }

  async #save(): Promise<void> {
    if (this.#file === "") return;
    await Deno.mkdir(dirname(this.#file), { recursive: true });
    const temp = join(dirname(this.#file), `.catalog-${crypto.randomUUID()}.tmp`);
    await Deno.writeTextFile(temp, JSON.stringify(this.#state, null, 2));
    await Deno.rename(temp, this.#file);
  }
}
