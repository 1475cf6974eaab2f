/**
 * Throughput of one persistent query on a Flink session cluster with 1 and
 * with 2 TaskManagers (the cluster of tests/ksqldb/_flink_cluster.ts, S3
 * checkpoints): a CSAS over a `--records` backlog in a 2-partition topic, at
 * parallelism 2 (FLINK_PARALLELISM), so that 1 TaskManager runs both subtasks
 * in 2 slots and 2 TaskManagers one each. Per layout: min and median of 3 runs
 * (records/s from CREATE to the last output record, job start included) and
 * the TaskManagers' CPU-seconds per million records; the machine's load
 * (uptime). Asserts nothing. Needs Kafka and S3 (task up) and the Flink jars.
 *
 * ```sh
 * deno run --env-file=.env --allow-net=localhost,127.0.0.1 --allow-env --allow-run=java,uptime \
 *   --allow-read --allow-write=/tmp bench/ksqldb_cluster_bench.ts [--records 200000]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { KsqldbClient } from "../admin/ksql_client.ts";
import { serveKsqldb } from "../ksqldb/server/server.ts";
import { loadKsqldbConfig } from "../ksqldb/server/config.ts";
import { commandTopicName } from "../ksqldb/server/command_topic.ts";
import { FlinkSessionCluster, freePort, kill9, startEngine } from "../tests/ksqldb/_flink_cluster.ts";

/** utime + stime of process `pid` in seconds (Linux /proc, 100 ticks/s). */
async function cpuSeconds(pid: number): Promise<number> {
  try {
    const stat = await Deno.readTextFile(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

async function uptime(): Promise<string> {
  const out = await new Deno.Command("uptime").output();
  return new TextDecoder().decode(out.stdout).trim();
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { records: { type: "string", default: "200000" } } });
  const records = Number(values.records);
  const kafka = kafkaClient(kafkaSettings("tickpipe-ksql-cluster-bench"));
  const admin = kafka.admin();
  await admin.connect();
  const id = crypto.randomUUID().slice(0, 8);
  const topic = `bench-cluster-${id}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  const producer = kafka.producer();
  await producer.connect();
  for (let i = 0; i < records; i += 5000) {
    const messages = Array.from({ length: Math.min(5000, records - i) }, (_, j) => ({
      partition: (i + j) % 2,
      value: JSON.stringify({ id: i + j, ticker: `T${(i + j) % 50}`, price: (i + j) % 1000 }),
    }));
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  console.log(`backlog: ${records} records in ${topic} (2 partitions); ${await uptime()}`);
  const bucket = Deno.env.get("S3_BUCKET") ?? "tickpipe-archive";
  for (const layout of [{ taskManagers: 1, slots: 2 }, { taskManagers: 2, slots: 1 }]) {
    const dir = await Deno.makeTempDir({ prefix: "ksql-cluster-bench-" });
    const serviceId = `bench_${id}_${layout.taskManagers}_`;
    const cluster = await FlinkSessionCluster.start(join(dir, "flink"), layout.taskManagers, layout.slots);
    const enginePort = freePort();
    const engine = await startEngine({
      port: enginePort,
      stateDir: join(dir, "engine"),
      restUrl: cluster.restUrl,
      checkpointDir: `s3://${bucket}/bench-flink-${id}`,
      serviceId,
      parallelism: 2,
    });
    const server = await serveKsqldb({
      ...loadKsqldbConfig(),
      port: 0,
      engineUrl: `http://127.0.0.1:${enginePort}`,
      stateDir: join(dir, "ksqldb"),
      serviceId,
    });
    const client = new KsqldbClient(server.url);
    const rates: number[] = [];
    const cpu: number[] = [];
    try {
      const src = `SRC_${layout.taskManagers}`;
      await client.ksql(
        `CREATE STREAM ${src} (id BIGINT, ticker STRING, price DOUBLE) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
      );
      for (let run = 1; run <= 3; run++) {
        const sink = `COPY_${layout.taskManagers}_${run}`;
        const pids = cluster.taskManagers.map((tm) => tm!.pid);
        const cpuBefore = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
        const started = performance.now();
        const [created] = await client.ksql(
          `CREATE STREAM ${sink} WITH (KAFKA_TOPIC='${sink}-${id}', PARTITIONS=2) AS SELECT id, UCASE(ticker) AS t, price * 2 AS p FROM ${src} WHERE price >= 0 EMIT CHANGES;`,
          { "auto.offset.reset": "earliest" },
        );
        for (;;) {
          const offsets = await admin.fetchTopicOffsets(`${sink}-${id}`);
          if (offsets.reduce((s, p) => s + Number(p.high), 0) >= records) break;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        const seconds = (performance.now() - started) / 1000;
        const cpuAfter = (await Promise.all(pids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
        rates.push(records / seconds);
        cpu.push((cpuAfter - cpuBefore) / (records / 1e6));
        await client.ksql(`TERMINATE ${(created?.commandStatus as { queryId: string }).queryId};`);
        await client.ksql(`DROP STREAM ${sink} DELETE TOPIC;`);
      }
    } finally {
      await server.close();
      await kill9(engine);
      await cluster.stop();
      await admin.deleteTopics({ topics: [commandTopicName(serviceId)] }).catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
    const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
    console.log(
      `${layout.taskManagers} TaskManager(s) x ${layout.slots} slot(s), parallelism 2: min ${
        sorted(rates)[0]!.toFixed(0)
      } / median ${sorted(rates)[1]!.toFixed(0)} records/s; TaskManager CPU ${
        sorted(cpu)[1]!.toFixed(1)
      } s per million records (median); ${await uptime()}`,
    );
  }
  await admin.deleteTopics({ topics: [topic] }).catch(() => {});
  await admin.disconnect();
}

if (import.meta.main) await main();
