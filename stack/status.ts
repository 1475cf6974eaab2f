/**
 * `task status`: each service's supervisor state and readiness, the MongoDB
 * sink's state, and how many messages and documents have landed.
 *
 * @module
 */
import { MongoClient } from "mongodb";
import { probeOnce } from "./probe.ts";
import { currentProfile, nameWidth, profileServices } from "./profile.ts";
import { programStates } from "./supervisor.ts";
import { join } from "node:path";
import { connectorStatus, type GuardEntry } from "../lib/connect/mod.ts";
import { DATA } from "./paths.ts";
import { envString, envUrl, runMain } from "../lib/util/mod.ts";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { topicMessageCount } from "../admin/topics.ts";
import { consumerLag } from "../lib/archive/mod.ts";

const SINKS = ["mongo-sink", "quotes-sink"];

/** The sink guard's restarts of `name`, from .data/sink_guard.json. */
async function guardNote(name: string): Promise<string> {
  let state: { connectors?: Record<string, GuardEntry> };
  try {
    state = JSON.parse(await Deno.readTextFile(join(DATA, "sink_guard.json")));
  } catch {
    return "";
  }
  const entry = state.connectors?.[name];
  if (!entry || entry.restarts === 0) return "";
  return `; sink guard restarted it ${entry.restarts}x, last at ${entry.lastRestart}: ${entry.lastError}`;
}

async function sinkLine(name: string): Promise<string> {
  const s = await connectorStatus(envUrl("KAFKA_CONNECT_URL", "http://localhost:8083"), name);
  const tasks = s.tasks.map((t) => `${t.id}=${t.state}`).join(" ") || "none";
  return `connector ${name}: ${s.connector.state}, tasks ${tasks}${await guardNote(name)}`;
}

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
    const counts = await Promise.all(["api", "quotes"].map((c) => client.db("mydb").collection(c).countDocuments()));
    return `${counts[0]} documents in mydb.api, ${counts[1]} in mydb.quotes`;
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
  const profile = await currentProfile();
  console.log(profile === "cluster" ? "Services (cluster profile):" : "Services:");
  const services = profileServices(profile);
  const width = nameWidth(services);
  for (const service of services) {
    const state = states.get(service.name) ?? "UNKNOWN";
    const ready = state === "RUNNING" ? ((await probeOnce(service.probe)) ? "ready" : "not ready") : "";
    console.log(`  ${service.name.padEnd(width)} ${state.padEnd(9)} ${ready.padEnd(10)} ${service.url}`);
  }
  const lines = await Promise.allSettled([
    ...SINKS.map(sinkLine),
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
