/**
 * Prepares the on-disk state the services need before their first start:
 * folders, rendered Kafka/Connect configs, Kafka's formatted storage, and the
 * PostgreSQL cluster behind FerretDB.
 *
 * @module
 */
import { join } from "node:path";
import { DATA, ROOT, TOOLS } from "./paths.ts";
import { fillTemplate } from "./properties.ts";
import {
  brokerProperties,
  CLUSTER_PORTS,
  type ConfigFile,
  connectProperties,
  flinkConfig,
  zookeeperProperties,
} from "./cluster.ts";
import type { Profile } from "./profile.ts";

const CONF_DIR = join(DATA, "conf");
const TEMPLATES = ["server.properties", "connect-distributed.properties"];

/** The cluster profile's configs, from the single node's (`singles`, already filled in) and stack/flink/config.yaml. */
async function clusterConfigs(singles: ReadonlyMap<string, string>): Promise<ConfigFile[]> {
  const flink = await Deno.readTextFile(join(ROOT, "stack/flink/config.yaml"));
  return [
    ...CLUSTER_PORTS.kafka.map((_, i) => brokerProperties(singles.get("server.properties")!, i + 1)),
    ...CLUSTER_PORTS.connect.map((_, i) => connectProperties(singles.get("connect-distributed.properties")!, i + 1)),
    zookeeperProperties(),
    flinkConfig(flink, {
      DATA,
      S3_BUCKET: Deno.env.get("S3_BUCKET") ?? "tickpipe-archive",
      S3_ENDPOINT: Deno.env.get("AWS_ENDPOINT_URL_S3") ?? "",
      AWS_REGION: Deno.env.get("AWS_REGION") ?? "us-east-1",
    }),
  ];
}

/**
 * Makes the services' data folders, creates the PostgreSQL cluster once
 * (stack/postgres/init.sh) and copies stack/kafka/*.properties into
 * .data/conf with `@DATA@` and `@JARS@` filled in; for the cluster profile also
 * each broker's and worker's properties, ZooKeeper's and Flink's config.
 *
 * @throws {Error} When the PostgreSQL cluster cannot be created; init.sh's output is in the message.
 */
export async function prepareState(profile: Profile): Promise<void> {
  const dirs = [CONF_DIR, join(DATA, "s3"), join(DATA, "flink/tmp"), join(DATA, "ksqldb")];
  if (profile === "cluster") {
    dirs.push(join(CONF_DIR, "flink"), join(DATA, "zookeeper"), join(DATA, "flink-cluster/tmp"));
  }
  for (const dir of dirs) await Deno.mkdir(dir, { recursive: true });
  await initPostgres();
  const singles = new Map<string, string>();
  for (const name of TEMPLATES) {
    const template = await Deno.readTextFile(join(ROOT, "stack/kafka", name));
    singles.set(name, fillTemplate(template, { DATA, JARS: join(TOOLS, "jars") }));
  }
  const files: ConfigFile[] = [...singles].map(([name, text]) => ({ name, text }));
  if (profile === "cluster") files.push(...await clusterConfigs(singles));
  for (const { name, text } of files) await Deno.writeTextFile(join(CONF_DIR, name), text);
}

async function initPostgres(): Promise<void> {
  const { code, stdout, stderr } = await new Deno.Command(join(ROOT, "stack/postgres/init.sh"), {
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  const output = `${decoder.decode(stdout)}${decoder.decode(stderr)}`.trim();
  if (code !== 0) throw new Error(`Creating the PostgreSQL cluster in .data/postgres failed (exit ${code}): ${output}`);
  if (output) console.log(`  ${output}`);
}

/** A Kafka cluster id: 16 random bytes, base64url without padding (what `kafka-storage random-uuid` prints). */
function newClusterId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * Formats Kafka's KRaft storage once per node (single: .data/kafka/log, a standalone controller; cluster:
 * .data/kafka-N/log, the static quorum of controller.quorum.voters); later calls are no-ops.
 *
 * @throws {Error} When the storage tool fails; its output is in the message.
 */
export async function formatKafkaStorage(profile: Profile): Promise<void> {
  if (profile === "single") return await formatNode(join(DATA, "kafka", "log"), "server.properties", ["--standalone"]);
  for (const [i] of CLUSTER_PORTS.kafka.entries()) {
    await formatNode(join(DATA, `kafka-${i + 1}`, "log"), `kafka-${i + 1}.properties`, []);
  }
}

async function formatNode(logDir: string, config: string, quorum: readonly string[]): Promise<void> {
  try {
    await Deno.stat(join(logDir, "meta.properties"));
    return;
  } catch {
    // not formatted yet
  }
  const idFile = join(DATA, "kafka-cluster-id");
  let clusterId: string;
  try {
    clusterId = (await Deno.readTextFile(idFile)).trim();
  } catch {
    clusterId = newClusterId();
    await Deno.mkdir(DATA, { recursive: true });
    await Deno.writeTextFile(idFile, clusterId + "\n");
  }
  const { code, stdout, stderr } = await new Deno.Command("java", {
    args: [
      "-cp",
      `${join(TOOLS, "jars/kafka")}/*`,
      `-Dlog4j2.configurationFile=${join(ROOT, "stack/kafka/tools-log4j2.yaml")}`,
      "kafka.tools.StorageTool",
      "format",
      ...quorum,
      "--ignore-formatted",
      "--cluster-id",
      clusterId,
      "--config",
      join(CONF_DIR, config),
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (code !== 0) {
    const decoder = new TextDecoder();
    throw new Error(
      `Formatting Kafka storage failed (exit ${code}): ${decoder.decode(stdout)}${decoder.decode(stderr)}`.trim(),
    );
  }
}
