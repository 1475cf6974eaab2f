/**
 * `deno task connect register|status`: registers the MongoDB sink from
 * simplelink.json (idempotent: PUT /connectors/{name}/config) and shows the
 * connector's and its tasks' state.
 *
 * `MONGO_SINK_URI` overrides the file's `connection.uri` (compose.yaml sets
 * it to the in-network address); `KAFKA_CONNECT_URL` points at another worker.
 *
 * @module
 */
import { type ConnectorDefinition, connectorStatus, registerConnector } from "../lib/connect/mod.ts";
import { envOptional, envUrl, runMain } from "../lib/util/mod.ts";

/** Reads simplelink.json and applies `MONGO_SINK_URI` when set. */
export async function loadSinkDefinition(
  path = new URL("../simplelink.json", import.meta.url),
): Promise<ConnectorDefinition> {
  const definition = JSON.parse(await Deno.readTextFile(path)) as ConnectorDefinition;
  const uri = envOptional("MONGO_SINK_URI");
  return uri === undefined ? definition : { ...definition, config: { ...definition.config, "connection.uri": uri } };
}

async function main(): Promise<void> {
  const baseUrl = envUrl("KAFKA_CONNECT_URL", "http://localhost:8083");
  const definition = await loadSinkDefinition();
  const command = Deno.args[0];
  if (command === "register") {
    const created = await registerConnector(baseUrl, definition);
    console.log(`  connector ${definition.name.padEnd(16)} ${created ? "created" : "updated"}`);
  } else if (command === "status") {
    const status = await connectorStatus(baseUrl, definition.name);
    console.log(`connector ${status.name}: ${status.connector.state} on ${status.connector.worker_id}`);
    for (const task of status.tasks) {
      console.log(
        `  task ${task.id}: ${task.state}${task.trace ? `\n${task.trace.split("\n").slice(0, 5).join("\n")}` : ""}`,
      );
    }
  } else {
    console.error("Usage: deno task connect register | status");
    Deno.exit(2);
  }
}

if (import.meta.main) await runMain(main);
