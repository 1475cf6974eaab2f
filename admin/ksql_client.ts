/**
 * A small client of the ksqlDB REST API (`/info`, `/ksql`, `/query-stream`,
 * `/close-query`) for tickpipe's scripts. It works against the real ksqlDB
 * server and tickpipe's Flink-backed one alike.
 *
 * @module
 */
import { envUrl, readLines } from "../lib/util/mod.ts";

/** A failed ksqlDB call: `errorCode` and `statementText` from ksqlDB's error body; `retriable` when it did not answer or answered 5xx. */
export class KsqldbError extends Error {
  /** ksqlDB `error_code` (0 when there was no answer). */
  readonly errorCode: number;
  /** The statement ksqlDB names, if any. */
  readonly statementText: string | undefined;
  /** Whether the same call may succeed later. */
  readonly retriable: boolean;
  constructor(
    message: string,
    options: { errorCode: number; statementText?: string; retriable: boolean; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = "KsqldbError";
    this.errorCode = options.errorCode;
    this.statementText = options.statementText;
    this.retriable = options.retriable;
  }
}

/** A `/ksql` response entity. */
export type KsqlEntity = Record<string, unknown> & {
  "@type": string;
  statementText?: string;
  warnings?: { message: string }[];
};

/** The header of a push or pull query. */
export interface QueryHeader {
  readonly queryId: string;
  readonly columnNames: readonly string[];
  readonly columnTypes: readonly string[];
  readonly warnings?: readonly { message: string }[];
}

/** A running query: header, then rows until it ends or the signal aborts. */
export interface QueryStream {
  readonly header: QueryHeader;
  readonly rows: AsyncIterable<unknown[]>;
}

/** Reads `KSQLDB_URL` (default `http://localhost:8088`). */
export function ksqldbUrl(): string {
  return envUrl("KSQLDB_URL", "http://localhost:8088");
}

/** Talks to the ksqlDB server at `baseUrl`. */
export class KsqldbClient {
  #baseUrl: string;

  constructor(baseUrl: string) {
    this.#baseUrl = baseUrl;
  }

  /** The server's URL. */
  get url(): string {
    return this.#baseUrl;
  }

  async #post(path: string, body: unknown, signal?: AbortSignal): Promise<Response> {
    try {
      return await fetch(`${this.#baseUrl}${path}`, {
        method: "POST",
        headers: {
          "content-type": "application/vnd.ksql.v1+json; charset=utf-8",
          "accept": path === "/query-stream" ? "application/vnd.ksqlapi.delimited.v1" : "application/vnd.ksql.v1+json",
        },
        body: JSON.stringify(body),
        signal: signal ?? AbortSignal.timeout(180_000),
      });
    } catch (cause) {
      throw new KsqldbError(`ksqlDB at ${this.#baseUrl} did not answer POST ${path}; is it running ("task status")?`, {
        errorCode: 0,
        retriable: true,
        cause,
      });
    }
  }

  static async #fail(response: Response, what: string): Promise<never> {
    const text = await response.text();
    let body: { message?: string; error_code?: number; statementText?: string } = {};
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    const options = {
      errorCode: body.error_code ?? response.status * 100,
      retriable: response.status >= 500,
      ...(body.statementText !== undefined ? { statementText: body.statementText } : {}),
    };
    throw new KsqldbError(body.message ?? `ksqlDB answered ${response.status} to ${what}: ${text}`, options);
  }

  /** `GET /info`. */
  async info(): Promise<{ version: string; kafkaClusterId: string; ksqlServiceId: string; serverStatus?: string }> {
    let response: Response;
    try {
      response = await fetch(`${this.#baseUrl}/info`, { signal: AbortSignal.timeout(5000) });
    } catch (cause) {
      throw new KsqldbError(`ksqlDB at ${this.#baseUrl} did not answer GET /info; is it running?`, {
        errorCode: 0,
        retriable: true,
        cause,
      });
    }
    if (!response.ok) await KsqldbClient.#fail(response, "GET /info");
    return ((await response.json()) as {
      KsqlServerInfo: { version: string; kafkaClusterId: string; ksqlServiceId: string };
    }).KsqlServerInfo;
  }

  /**
   * Runs statements on `/ksql`.
   *
   * @throws {KsqldbError} With ksqlDB's message, error code and failed statement.
   */
  async ksql(statements: string, streamsProperties: Readonly<Record<string, string>> = {}): Promise<KsqlEntity[]> {
    const response = await this.#post("/ksql", { ksql: statements, streamsProperties });
    if (!response.ok) await KsqldbClient.#fail(response, "POST /ksql");
    return (await response.json()) as KsqlEntity[];
  }

  /**
   * Starts a query on `/query-stream`: resolves with its header; rows follow until
   * the query ends (LIMIT, pull query) or `signal` aborts.
   *
   * @throws {KsqldbError} When ksqlDB rejects the query.
   */
  async query(sql: string, properties: Readonly<Record<string, string>>, signal: AbortSignal): Promise<QueryStream> {
    const response = await this.#post("/query-stream", { sql, properties }, signal);
    if (!response.ok || response.body === null) await KsqldbClient.#fail(response, "POST /query-stream");
    const lines = readLines(response.body!, signal);
    const first = await lines.next();
    if (first.done) {
      throw new KsqldbError("ksqlDB ended the query before its header", { errorCode: 0, retriable: true });
    }
    const header = JSON.parse(first.value) as QueryHeader & { "@type"?: string; message?: string; error_code?: number };
    if (header["@type"] !== undefined && header.message !== undefined) {
      throw new KsqldbError(header.message, { errorCode: header.error_code ?? 0, retriable: false });
    }
    async function* rows(): AsyncGenerator<unknown[]> {
      for await (const line of { [Symbol.asyncIterator]: () => lines }) {
        const item = JSON.parse(line) as unknown;
        if (Array.isArray(item)) yield item;
        else if (typeof item === "object" && item !== null && "message" in item) {
          const error = item as { message: string; error_code?: number };
          throw new KsqldbError(error.message, { errorCode: error.error_code ?? 0, retriable: false });
        }
      }
    }
    return { header, rows: rows() };
  }
}
