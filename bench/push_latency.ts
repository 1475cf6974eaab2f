/**
 * Push-query latency of the ksqlDB-compatible server: records produced at
 * `--rate` records/s to a stream's topic, each carrying its id and send time,
 * and the time each one's row arrives on `/query-stream`. Runs `--runs` times
 * and prints per run p50/p99 (counted per record id: lost ones are named),
 * then min and median over the runs, the CPU-seconds of this process per
 * million records, and the machine load. Prints figures; asserts nothing.
 *
 * ```sh
 * deno run --allow-net=localhost,127.0.0.1 --allow-env=KSQLDB_URL,KAFKA_BOOTSTRAP,NODE_ENV,KAFKAJS_* \
 *   --allow-sys=loadavg bench/push_latency.ts [--rate 100] [--seconds 20] [--runs 3]
 * ```
 *
 * @module
 */
import { median, percentile } from "./_stats.ts";
import { parseArgs } from "node:util";
import process from "node:process";
import { type Kafka, Partitioners } from "kafkajs";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { KsqldbClient, ksqldbUrl } from "../admin/ksql_client.ts";

/** One run's figures. */
export interface LatencyRun {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly received: number;
  readonly sent: number;
}

/**
 * Measures produce → row latency of `SELECT id, sent FROM <stream> EMIT CHANGES`
 * at `rate` records/s for `seconds`, on a stream and topic of its own (dropped after).
 */
export async function pushLatency(
  client: KsqldbClient,
  kafka: Kafka,
  options: { rate: number; seconds: number },
): Promise<LatencyRun> {
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase();
  const topic = `bench-latency-${id.toLowerCase()}`;
  const stream = `LAT_${id}`;
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await client.ksql(
      `CREATE STREAM ${stream} (id INT, sent BIGINT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
    );
    const controller = new AbortController();
    const query = await client.query(`SELECT id, sent FROM ${stream} EMIT CHANGES;`, {}, controller.signal);
    const latency = new Map<number, number>();
    const reading = (async () => {
      for await (const row of query.rows) {
        const rowId = Number(row[0]);
        if (!latency.has(rowId)) latency.set(rowId, Date.now() - Number(row[1]));
      }
    })().catch(() => {});
    const total = options.rate * options.seconds;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const wait = t0 + (i * 1000) / options.rate - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await producer.send({ topic, messages: [{ value: JSON.stringify({ id: i, sent: Date.now() }) }] });
    }
    const deadline = Date.now() + 15_000;
    while (latency.size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
    controller.abort();
    await Promise.race([reading, new Promise((resolve) => setTimeout(resolve, 2000))]);
    const sorted = [...latency.values()].sort((a, b) => a - b);
    return {
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      max: sorted.at(-1) ?? NaN,
      received: latency.size,
      sent: total,
    };
  } finally {
    await client.ksql(`DROP STREAM IF EXISTS ${stream} DELETE TOPIC;`).catch((e) =>
      console.error(`cleanup ${stream}: ${e.message}`)
    );
    await producer.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "100" },
      seconds: { type: "string", default: "20" },
      runs: { type: "string", default: "3" },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const client = new KsqldbClient(ksqldbUrl());
  const kafka = kafkaClient(kafkaSettings("tickpipe-push-latency-bench"));
  const load = () => Deno.loadavg().map((x) => x.toFixed(2)).join(" ");
  console.log(`load average before: ${load()}`);
  const cpu0 = process.cpuUsage();
  const runs: LatencyRun[] = [];
  for (let i = 0; i < Number(values.runs); i++) {
    const run = await pushLatency(client, kafka, { rate, seconds });
    runs.push(run);
    console.log(
      `run ${i + 1}: ${run.received}/${run.sent} rows (lost ${
        run.sent - run.received
      }), p50 ${run.p50} ms, p99 ${run.p99} ms, max ${run.max} ms`,
    );
  }
  const cpu = process.cpuUsage(cpu0);
  const sent = runs.reduce((s, r) => s + r.sent, 0);
  const p50s = runs.map((r) => r.p50);
  const p99s = runs.map((r) => r.p99);
  console.log(`push-query latency at ${rate} records/s, ${runs.length} runs of ${seconds} s:`);
  console.log(`  p50 min ${Math.min(...p50s)} ms, median ${median(p50s)} ms`);
  console.log(`  p99 min ${Math.min(...p99s)} ms, median ${median(p99s)} ms`);
  console.log(
    `  bench process CPU: ${(((cpu.user + cpu.system) / 1e6) / (sent / 1e6)).toFixed(1)} CPU-s per million records`,
  );
  console.log(`load average after: ${load()}`);
}

if (import.meta.main) {
  await main();
  // an aborted query stream may keep a socket open; the figures are printed
  Deno.exit(0);
}
