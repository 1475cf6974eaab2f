/**
 * `deno task connect register|status|indexes ...` (each in turn): registers the MongoDB sinks
 * (simplelink.json: api-data into mydb.api; quoteslink.json: the QUOTES stream
 * into mydb.quotes) idempotently with PUT /connectors/{name}/config, shows
 * their state, and creates the indexes they are queried by (idempotent).
 *
 * `MONGO_SINK_URI` overrides the files' `connection.uri` (compose.yaml sets
 * it to the in-network address); without a query string of its own it keeps
 * the files' options (the sinks' timeouts). `KAFKA_CONNECT_URL` points at
 * another worker, `MONGO_URL` at the MongoDB the indexes go to.
 *
 * @module
 */
import { MongoClient } from "mongodb";
import { type ConnectorDefinition, connectorStatus, registerConnector } from "../lib/connect/mod.ts";
import { envOptional, envString, envUrl, runMain } from "../lib/util/mod.ts";

/** The sink definitions `register` applies, in order. */
export const SINK_FILES: readonly URL[] = [
  new URL("../simplelink.json", import.meta.url),
  new URL("../quoteslink.json", import.meta.url),
];

/** Indexes `indexes` creates: "the last hour of AAPL" is one indexed query on mydb.quotes. */
export const SINK_INDEXES = [
  { db: "mydb", collection: "quotes", key: { ticker: 1, last_trade_time: -1 }, name: "ticker_1_last_trade_time_-1" },
] as const;

/** `MONGO_SINK_URI` in place of `fileUri`; the file's query string stays when the override has none. */
export function sinkUri(fileUri: string, override: string | undefined): string {
  if (override === undefined) return fileUri;
  const query = fileUri.indexOf("?");
  if (override.includes("?") || query < 0) return override;
  return `${override.replace(/\/?$/, "/")}${fileUri.slice(query)}`;
}

/** Reads a sink definition (simplelink.json by default) and applies `MONGO_SINK_URI` when set. */
export async function loadSinkDefinition(path: URL = SINK_FILES[0]!): Promise<ConnectorDefinition> {
  const definition = JSON.parse(await Deno.readTextFile(path)) as ConnectorDefinition;
  const uri = sinkUri(definition.config["connection.uri"] ?? "", envOptional("MONGO_SINK_URI"));
  return { ...definition, config: { ...definition.config, "connection.uri": uri } };
}

/** Creates {@linkcode SINK_INDEXES} (a no-op for those that exist). */
export async function ensureSinkIndexes(mongoUrl: string): Promise<string[]> {
  const client = new MongoClient(mongoUrl, { serverSelectionTimeoutMS: 10_000 });
  try {
    const done: string[] = [];
    for (const index of SINK_INDEXES) {
      await client.db(index.db).collection(index.collection).createIndex(index.key, { name: index.name });
      done.push(`${index.db}.${index.collection} ${index.name}`);
    }
    return done;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const baseUrl = envUrl("KAFKA_CONNECT_URL", "http://localhost:8083");
  const definitions = await Promise.all(SINK_FILES.map((file) => loadSinkDefinition(file)));
  for (const command of Deno.args.length > 0 ? Deno.args : [""]) await run(command, baseUrl, definitions);
}

async function run(command: string, baseUrl: string, definitions: ConnectorDefinition[]): Promise<void> {
  if (command === "register") {
    for (const definition of definitions) {
      const created = await registerConnector(baseUrl, definition);
      console.log(`  connector ${definition.name.padEnd(16)} ${created ? "created" : "updated"}`);
    }
  } else if (command === "status") {
    for (const definition of definitions) {
      const status = await connectorStatus(baseUrl, definition.name);
      console.log(`connector ${status.name}: ${status.connector.state} on ${status.connector.worker_id}`);
      for (const task of status.tasks) {
        console.log(
          `  task ${task.id}: ${task.state}${task.trace ? `\n${task.trace.split("\n").slice(0, 5).join("\n")}` : ""}`,
        );
      }
    }
  } else if (command === "indexes") {
    for (const index of await ensureSinkIndexes(envString("MONGO_URL", "mongodb://127.0.0.1:27017"))) {
      console.log(`  index ${index} present`);
    }
  } else {
    console.error("Usage: deno task connect register | status | indexes (several run in turn)");
    Deno.exit(2);
  }
}

if (import.meta.main) await runMain(main);
