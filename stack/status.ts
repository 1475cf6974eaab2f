/**
 * `task status`: each service's supervisor state and readiness, the MongoDB
 * sink's state, and how many messages and documents have landed.
 *
 * @module
 */
import { MongoClient } from "mongodb";
import { probeOnce } from "./probe.ts";
import { SERVICES } from "./services.ts";
import { programStates } from "./supervisor.ts";
import { connectorStatus } from "../lib/connect/mod.ts";
import { envString, envUrl, runMain } from "../lib/util/mod.ts";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { topicMessageCount } from "../admin/topics.ts";
import { consumerLag } from "../lib/archive/mod.ts";

const SINK = "mongo-sink";

/** Messages retained in `topics`, and the archiving consumer's lag on the first. */
async function countMessages(topics: [string, ...string[]]): Promise<string[]> {
  const admin = kafkaClient(kafkaSettings("tickpipe-status")).admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    const counts = await Promise.all(
      topics.map(async (topic) =>
        existing.includes(topic) ? `${await topicMessageCount(admin, topic)} messages in ${topic}` : `no topic ${topic}`
      ),
    );
    const groupId = envString("CONSUMER_GROUP", "tickpipe-archiver");
    const lags = existing.includes(topics[0]) ? await consumerLag(admin, { groupId, topic: topics[0] }) : [];
    const lag = lags.reduce((sum, l) => sum + l.lag, 0n);
    return [
      counts.join(", "),
      `consumer group ${groupId}: lag ${lag} (${lags.map((l) => `p${l.partition}=${l.lag}`).join(" ")})`,
    ];
  } finally {
    await admin.disconnect();
  }
}

async function countDocuments(): Promise<string> {
  const client = new MongoClient(envString("MONGO_URL", "mongodb://127.0.0.1:27017"), {
    serverSelectionTimeoutMS: 3000,
  });
  try {
    const count = await client.db("mydb").collection("api").countDocuments();
    return `${count} documents in mydb.api`;
  } finally {
    await client.close();
  }
}

async function main(): Promise<void> {
  const states = await programStates();
  if (states === undefined) {
    console.log('The stack is not running; start it with "task up"');
    Deno.exit(3);
  }
  console.log("Services:");
  for (const service of SERVICES) {
    const state = states.get(service.name) ?? "UNKNOWN";
    const ready = state === "RUNNING" ? ((await probeOnce(service.probe)) ? "ready" : "not ready") : "";
    console.log(`  ${service.name.padEnd(14)} ${state.padEnd(9)} ${ready.padEnd(10)} ${service.url}`);
  }
  const lines = await Promise.allSettled([
    connectorStatus(envUrl("KAFKA_CONNECT_URL", "http://localhost:8083"), SINK).then((s) =>
      `connector ${SINK}: ${s.connector.state}, tasks ${s.tasks.map((t) => `${t.id}=${t.state}`).join(" ") || "none"}`
    ),
    countMessages([envString("KAFKA_TOPIC", "api-data"), envString("KAFKA_DLQ_TOPIC", "api-data-dlq")]).then((l) =>
      l.join("\n  ")
    ),
    countDocuments(),
  ]);
  console.log("Pipeline:");
  for (const line of lines) {
    console.log(`  ${line.status === "fulfilled" ? line.value : `unavailable: ${(line.reason as Error).message}`}`);
  }
}

if (import.meta.main) await runMain(main);
