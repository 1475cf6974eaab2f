/**
 * Archives the `api-data` topic to S3 as gzip JSONL under
 * `<prefix>/<topic>/year=YYYY/month=MM/day=DD/<topic>+<partition>+<start offset>.jsonl.gz`,
 * exactly once across crashes, restarts and rebalances.
 *
 *     deno task consume            # archive until SIGINT/SIGTERM
 *     deno task consume --lag      # print the group's lag per partition and exit
 *
 * Settings come from the environment; see the README.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { consumerConfig, consumerLag, formatLag, runConsumer } from "./lib/archive/mod.ts";
import { kafkaClient } from "./lib/kafka/mod.ts";
import { runMain } from "./lib/util/mod.ts";

async function printLag(): Promise<void> {
  const config = consumerConfig();
  const admin = kafkaClient(config.kafka).admin();
  await admin.connect();
  try {
    const lags = await consumerLag(admin, { groupId: config.groupId, topic: config.topic });
    console.log(formatLag(config.topic, config.groupId, lags));
  } finally {
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({ args: Deno.args, options: { lag: { type: "boolean", default: false } } });
  if (values.lag) return await printLag();
  const config = consumerConfig();
  const controller = new AbortController();
  const stop = () => controller.abort();
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  console.log(
    `Archiving topic "${config.topic}" (group "${config.groupId}") to s3://${config.s3.bucket}/${config.prefix} at ${
      config.s3.endpoint ?? "AWS S3"
    }`,
  );
  const stats = await runConsumer(config, { signal: controller.signal });
  console.log(`Stopped: ${stats.objects} objects, ${stats.records} records, ${stats.rejected} quarantined`);
}

if (import.meta.main) await runMain(main);
