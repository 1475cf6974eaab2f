/**
 * Topic tools: `deno task topics list|create|describe|ensure`.
 *
 *   deno task topics list
 *   deno task topics create <name> [--partitions 3] [--replication N, default: the brokers' default.replication.factor]
 *   deno task topics describe <name>
 *   deno task topics ensure              # the pipeline's topics (api-data, api-data-dlq)
 *
 * @module
 */
import { parseArgs } from "node:util";
import type { Admin } from "kafkajs";
import { ensureTopic, kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { envInt, envString, runMain } from "../lib/util/mod.ts";

/** A topic's partition count and messages currently retained. */
export interface TopicSummary {
  readonly name: string;
  readonly partitions: number;
  readonly messages: number;
}

/** Sums high minus low watermark over `topic`'s partitions: the messages it retains now. */
export async function topicMessageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
}

/** Lists every non-internal topic with its partitions and retained message count. */
export async function listTopics(admin: Admin): Promise<TopicSummary[]> {
  const names = (await admin.listTopics()).filter((name) => !name.startsWith("__")).sort();
  const { topics } = await admin.fetchTopicMetadata({ topics: names });
  return await Promise.all(topics.map(async (t) => ({
    name: t.name,
    partitions: t.partitions.length,
    messages: await topicMessageCount(admin, t.name),
  })));
}

function usage(): never {
  console.error(
    "Usage: deno task topics list | create <name> [--partitions N] [--replication N] | describe <name> | ensure",
  );
  Deno.exit(2);
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { partitions: { type: "string" }, replication: { type: "string" } },
  });
  const [command, name] = positionals;
  const admin = kafkaClient(kafkaSettings("tickpipe-admin")).admin();
  await admin.connect();
  try {
    if (command === "list") {
      console.table(await listTopics(admin));
    } else if (command === "create" && name) {
      const partitions = Number(values.partitions ?? 3);
      const replication = Number(values.replication ?? -1);
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new RangeError(`--partitions "${values.partitions}" is not a positive whole number`);
      }
      const created = await ensureTopic(admin, name, { partitions, replication });
      console.log(created ? `Created topic "${name}" (${partitions} partitions)` : `Topic "${name}" already exists`);
    } else if (command === "describe" && name) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [name] });
      const offsets = await admin.fetchTopicOffsets(name);
      const configs = await admin.describeConfigs({ resources: [{ type: 2, name }], includeSynonyms: false });
      console.log(JSON.stringify(
        {
          topic: name,
          partitions: topics[0]?.partitions.map((p) => ({
            partition: p.partitionId,
            leader: p.leader,
            replicas: p.replicas,
            low: offsets.find((o) => o.partition === p.partitionId)?.low,
            high: offsets.find((o) => o.partition === p.partitionId)?.high,
          })),
          config: Object.fromEntries(
            configs.resources[0]?.configEntries.filter((e) => !e.isDefault).map((e) => [e.configName, e.configValue]) ??
              [],
          ),
        },
        null,
        2,
      ));
    } else if (command === "ensure") {
      const partitions = envInt("KAFKA_TOPIC_PARTITIONS", 3, { min: 1 });
      for (const topic of [envString("KAFKA_TOPIC", "api-data"), envString("KAFKA_DLQ_TOPIC", "api-data-dlq")]) {
        const created = await ensureTopic(admin, topic, { partitions });
        console.log(`  topic ${topic.padEnd(20)} ${created ? "created" : "exists"}`);
      }
    } else {
      usage();
    }
  } finally {
    await admin.disconnect();
  }
}

if (import.meta.main) await runMain(main);
