/**
 * tickpipe's ksqlDB-compatible server: ksqlDB's REST API (`/info`,
 * `/healthcheck`, `/ksql`, `/status`, `/query`, `/query-stream`, `/close-query`) on
 * 127.0.0.1:8088, running the statements on Apache Flink (ksqldb/flink). It
 * speaks HTTP/1.1 and, as ksqlDB's Java client and the npm `ksqldb-client`
 * expect, HTTP/2 without TLS (h2c with prior knowledge; Deno.serve detects it):
 * a client closes a push query by resetting its stream.
 *
 *   deno task ksqldb        (needs the Flink engine on FLINK_ENGINE_URL and Kafka)
 *
 * @module
 */
import { join } from "node:path";
import type { Admin } from "kafkajs";
import { kafkaClient } from "../../lib/kafka/mod.ts";
import { CommandTopic, commandTopicName } from "./command_topic.ts";
import { FlinkEngineClient } from "./flink_engine_client.ts";
import { ERROR_CODES, errorBody, httpStatus, KsqlError } from "./error.ts";
import { KsqlExecutor, StatementFailure } from "./executor.ts";
import { KSQL_VERSION } from "./entities.ts";
import type { RunningQuery } from "./query_runtime.ts";
import { type KsqldbConfig, loadKsqldbConfig, MAX_REQUEST_BYTES_VARIABLE } from "./config.ts";
import { HealthProbe } from "./health.ts";
import { kafkaConnection } from "./kafka_connection.ts";
import { runMain } from "../../lib/util/mod.ts";

const JSON_TYPE = "application/json";
const encoder = new TextEncoder();

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": JSON_TYPE } });
}

function failure(error: unknown, status?: number): Response {
  const body = error instanceof StatementFailure
    ? errorBody(error.cause, error.statementText, error.entities)
    : errorBody(error);
  return json(body, status ?? httpStatus(body));
}

function tooLarge(limit: number, size?: number): KsqlError {
  return new KsqlError(
    `The request body${
      size === undefined ? "" : ` of ${size} bytes`
    } is larger than the server's limit of ${limit} bytes (${MAX_REQUEST_BYTES_VARIABLE}); send a smaller request or raise ${MAX_REQUEST_BYTES_VARIABLE}`,
    { errorCode: ERROR_CODES.tooLarge },
  );
}

/**
 * The request body as text, read up to `limit` bytes: a larger Content-Length
 * is refused before reading, a larger streamed body as soon as it passes the limit.
 *
 * @throws {KsqlError} 413 (error code 41300) naming the limit and the variable that sets it.
 */
async function readBody(request: Request, limit: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (declared > limit) {
    await request.body?.cancel();
    throw tooLarge(limit, declared);
  }
  if (request.body === null) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge(limit); // leaving the loop cancels the body
    chunks.push(chunk);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

async function readJson(request: Request, limit: number): Promise<Record<string, unknown>> {
  const text = await readBody(request, limit);
  try {
    const body = JSON.parse(text);
    if (typeof body !== "object" || body === null) throw new TypeError("not an object");
    return body as Record<string, unknown>;
  } catch (cause) {
    throw new KsqlError("The request body is not a JSON object", { errorCode: ERROR_CODES.badRequest, cause });
  }
}

/** Streams `lines()` as the response body; `stop` runs when the client goes away. */
function streamResponse(lines: AsyncIterator<string>, contentType: string, stop: () => void): Response {
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const next = await lines.next();
        if (next.done) {
          controller.close();
          stop();
        } else controller.enqueue(encoder.encode(next.value));
      } catch (error) {
        controller.enqueue(encoder.encode(`${JSON.stringify(errorBody(error))}\n`));
        controller.close();
        stop();
      }
    },
    cancel() {
      stop();
    },
  });
  return new Response(body, { headers: { "content-type": contentType, "cache-control": "no-cache" } });
}

/** A running server. */
export interface KsqldbServer {
  readonly url: string;
  readonly executor: KsqlExecutor;
  /** Stops serving, ends push queries, disconnects from Kafka. */
  close(): Promise<void>;
}

/** Options of {@link serveKsqldb}. */
export interface ServeOptions {
  /** Seconds between syncs of the catalog into the Flink engine. @default 5 */
  readonly syncSeconds?: number;
}

/**
 * Starts the server described by `config`: opens the catalog's command topic
 * (replayed, and followed, in the background until Kafka answers; an earlier
 * version's catalog file is migrated into it), syncs the Flink engine (in the
 * background until it answers) and serves the REST API.
 *
 * @throws {Error} When the port is taken or the catalog cannot be read.
 */
export async function serveKsqldb(config: KsqldbConfig, options: ServeOptions = {}): Promise<KsqldbServer> {
  const client = kafkaClient({ brokers: config.brokers, clientId: "tickpipe-ksqldb" });
  const admin: Admin = client.admin();
  const kafka = kafkaConnection(admin);
  const commands = CommandTopic.open({
    kafka: client,
    admin: kafka,
    topic: commandTopicName(config.serviceId),
    migrateFile: join(config.stateDir, "catalog.json"),
  });
  const catalog = commands.catalog;
  const engine = new FlinkEngineClient(config.engineUrl);
  const executor = new KsqlExecutor(catalog, engine, kafka, {
    bootstrap: config.bootstrap,
    serviceId: config.serviceId,
  });
  const health = new HealthProbe(kafka, engine);
  const shutdown = new AbortController();
  const running = new Map<string, AbortController>();
  let clusterId = "";
  // serve while Kafka is down: /healthcheck reports it, statements that need Kafka fail until it answers
  kafka().then((a) => a.describeCluster()).then((c) => clusterId = c.clusterId).catch((error) =>
    console.error(
      `Cannot reach Kafka at ${config.bootstrap}: ${error instanceof Error ? error.message : String(error)}`,
    )
  );

  let lastSyncError = "";
  const sync = async () => {
    try {
      await executor.sync();
      if (lastSyncError) console.log("The Flink engine answers again; catalog synced");
      lastSyncError = "";
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== lastSyncError) console.error(`Cannot sync the catalog into the Flink engine: ${message}`);
      lastSyncError = message;
    }
  };
  // the catalog read from the command topic (at start, or a statement another server applied): sync soon
  let syncSoon: ReturnType<typeof setTimeout> | undefined;
  catalog.onApply(() => {
    syncSoon ??= setTimeout(() => {
      syncSoon = undefined;
      if (commands.ready) sync();
    }, 200);
  });
  let startWait: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([commands.started(), new Promise((resolve) => startWait = setTimeout(resolve, 10_000))]);
  clearTimeout(startWait);
  if (commands.ready) await sync();
  const timer = setInterval(() => commands.ready && sync(), (options.syncSeconds ?? 5) * 1000);

  async function startQuery(
    request: Request,
    completed: Promise<void>,
    sql: string,
    properties: Record<string, unknown>,
  ) {
    const controller = new AbortController();
    const stopQuery = () => controller.abort();
    // the client went away: request.signal sees an aborted fetch, `completed` a closed connection
    request.signal.addEventListener("abort", stopQuery, { once: true });
    completed.then(stopQuery, stopQuery);
    shutdown.signal.addEventListener("abort", stopQuery, { once: true });
    let query: RunningQuery;
    try {
      await commands.catchUp();
      query = await executor.query(sql, properties, controller.signal);
    } catch (error) {
      throw new StatementFailure(error, sql.trim(), []);
    }
    running.set(query.queryId, controller);
    const stop = () => {
      controller.abort();
      running.delete(query.queryId);
    };
    for (const warning of query.warnings) console.warn(warning);
    return { query, stop, controller };
  }

  async function handleQuery(request: Request, completed: Promise<void>): Promise<Response> {
    const body = await readJson(request, config.maxRequestBytes);
    if (typeof body.ksql !== "string") {
      throw new KsqlError('The request needs a "ksql" string', { errorCode: ERROR_CODES.badRequest });
    }
    const properties = (body.streamsProperties ?? body.properties ?? {}) as Record<string, unknown>;
    const { query, stop } = await startQuery(request, completed, body.ksql, properties);
    async function* lines(): AsyncGenerator<string> {
      const header: Record<string, unknown> = { queryId: query.queryId, schema: query.schema };
      if (query.warnings.length > 0) header.warnings = query.warnings.map((message) => ({ message }));
      yield `[${JSON.stringify({ header })},\n`;
      let count = 0;
      for await (const row of query.rows) {
        yield `${JSON.stringify({ row: { columns: row } })},\n`;
        count++;
      }
      const limitReached = query.limit !== undefined && count >= query.limit;
      yield `${JSON.stringify({ finalMessage: limitReached ? "Limit Reached" : "Query Completed" })}]\n`;
    }
    return streamResponse(lines(), JSON_TYPE, stop);
  }

  async function handleQueryStream(request: Request, completed: Promise<void>): Promise<Response> {
    const body = await readJson(request, config.maxRequestBytes);
    if (typeof body.sql !== "string") {
      throw new KsqlError('The request needs a "sql" string', { errorCode: ERROR_CODES.badRequest });
    }
    const properties = (body.properties ?? body.streamsProperties ?? {}) as Record<string, unknown>;
    const { query, stop } = await startQuery(request, completed, body.sql, properties);
    const accept = request.headers.get("accept") ?? "";
    const asArray = accept.includes("application/json");
    async function* lines(): AsyncGenerator<string> {
      const header: Record<string, unknown> = {
        queryId: query.queryId,
        columnNames: query.columnNames,
        columnTypes: query.columnTypes,
      };
      if (query.warnings.length > 0) header.warnings = query.warnings.map((message) => ({ message }));
      yield asArray ? `[${JSON.stringify(header)}` : `${JSON.stringify(header)}\n`;
      for await (const row of query.rows) yield asArray ? `,\n${JSON.stringify(row)}` : `${JSON.stringify(row)}\n`;
      if (asArray) yield "]\n";
    }
    return streamResponse(lines(), asArray ? JSON_TYPE : "application/vnd.ksqlapi.delimited.v1", stop);
  }

  async function handle(request: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
    const { pathname } = new URL(request.url);
    try {
      if (request.method === "GET" && pathname === "/info") {
        return json({
          KsqlServerInfo: {
            version: KSQL_VERSION,
            kafkaClusterId: clusterId,
            ksqlServiceId: config.serviceId,
            serverStatus: executor.engineReady ? "RUNNING" : "ERROR",
          },
        });
      }
      if (request.method === "GET" && pathname === "/healthcheck") {
        const [kafka, flink] = await Promise.all([health.kafka(), health.engine()]);
        const commandRunner = flink.isHealthy && executor.engineReady && lastSyncError === "";
        const healthy = kafka.isHealthy && commandRunner;
        return json({
          isHealthy: healthy,
          details: {
            metastore: { isHealthy: true },
            kafka: { isHealthy: kafka.isHealthy },
            commandRunner: { isHealthy: commandRunner },
          },
        }, healthy ? 200 : 503);
      }
      if (request.method === "GET" && pathname.startsWith("/status/")) {
        const status = executor.commandStatus(decodeURIComponent(pathname.slice("/status/".length)));
        if (status) return json(status);
        return json({
          "@type": "generic_error",
          error_code: ERROR_CODES.notFound,
          message: `Command not found: ${pathname.slice(8)}`,
        }, 404);
      }
      if (request.method === "POST" && pathname === "/ksql") {
        const body = await readJson(request, config.maxRequestBytes);
        if (typeof body.ksql !== "string") {
          throw new KsqlError('The request needs a "ksql" string', { errorCode: ERROR_CODES.badRequest });
        }
        try {
          await commands.catchUp();
        } catch (error) {
          throw new StatementFailure(error, body.ksql.trim(), []);
        }
        const entities = await executor.execute(body.ksql, (body.streamsProperties ?? {}) as Record<string, unknown>);
        for (const entity of entities) for (const w of entity.warnings) console.warn(w.message);
        return json(entities);
      }
      if (request.method === "POST" && pathname === "/query") return await handleQuery(request, info.completed);
      if (request.method === "POST" && pathname === "/query-stream") {
        return await handleQueryStream(request, info.completed);
      }
      if (request.method === "POST" && pathname === "/close-query") {
        const body = await readJson(request, config.maxRequestBytes);
        const controller = running.get(String(body.queryId));
        if (!controller) throw new KsqlError(`No query with id ${body.queryId}`, { errorCode: ERROR_CODES.badRequest });
        controller.abort();
        return new Response(null, { status: 200 });
      }
      return json({
        "@type": "generic_error",
        error_code: ERROR_CODES.notFound,
        message: `No resource ${request.method} ${pathname}`,
      }, 404);
    } catch (error) {
      if (!(error instanceof KsqlError) && !(error instanceof StatementFailure)) {
        console.error(`${request.method} ${pathname} failed:`, error);
      }
      return failure(error);
    }
  }

  const server = Deno.serve(
    { hostname: config.host, port: config.port, signal: shutdown.signal, onListen: () => {} },
    handle,
  );
  return {
    url: `http://${config.host}:${server.addr.port}`,
    executor,
    async close() {
      clearInterval(timer);
      clearTimeout(syncSoon);
      shutdown.abort();
      for (const controller of running.values()) controller.abort();
      await server.finished;
      await commands.close();
      await admin.disconnect();
    },
  };
}

async function main(): Promise<void> {
  const config = loadKsqldbConfig();
  const server = await serveKsqldb(config);
  console.log(
    `ksqlDB-compatible server (ksqlDB ${KSQL_VERSION} API, Flink engine at ${config.engineUrl}) listening on ${server.url}`,
  );
  await new Promise<void>((resolve) => {
    Deno.addSignalListener("SIGINT", resolve);
    Deno.addSignalListener("SIGTERM", resolve);
  });
  console.log("Stopping the ksqlDB-compatible server");
  await server.close();
}

if (import.meta.main) await runMain(main);
