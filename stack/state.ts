/**
 * Prepares the on-disk state the services need before their first start:
 * folders, rendered Kafka/Connect configs, Kafka's formatted storage, and the
 * PostgreSQL cluster behind FerretDB.
 *
 * @module
 */
import { join } from "node:path";
import { DATA, ROOT, TOOLS } from "./paths.ts";

const CONF_DIR = join(DATA, "conf");
const TEMPLATES = ["server.properties", "connect-distributed.properties"];

/**
 * Makes the services' data folders, creates the PostgreSQL cluster once
 * (stack/postgres/init.sh) and copies stack/kafka/*.properties into
 * .data/conf with `@DATA@` and `@JARS@` filled in.
 *
 * @throws {Error} When the PostgreSQL cluster cannot be created; init.sh's output is in the message.
 */
export async function prepareState(): Promise<void> {
  for (const dir of [CONF_DIR, join(DATA, "s3"), join(DATA, "flink/tmp"), join(DATA, "ksqldb")]) {
    await Deno.mkdir(dir, { recursive: true });
  }
  await initPostgres();
  for (const name of TEMPLATES) {
    const template = await Deno.readTextFile(join(ROOT, "stack/kafka", name));
    const text = template.replaceAll("@DATA@", DATA).replaceAll("@JARS@", join(TOOLS, "jars"));
    await Deno.writeTextFile(join(CONF_DIR, name), text);
  }
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
 * Formats Kafka's KRaft storage (log.dirs = .data/kafka/log) once; later calls are no-ops.
 *
 * @throws {Error} When the storage tool fails; its output is in the message.
 */
export async function formatKafkaStorage(): Promise<void> {
  try {
    await Deno.stat(join(DATA, "kafka", "log", "meta.properties"));
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
      "--standalone",
      "--ignore-formatted",
      "--cluster-id",
      clusterId,
      "--config",
      join(CONF_DIR, "server.properties"),
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
