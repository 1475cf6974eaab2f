/**
 * Benchmark of the ksqlDB-compatible server on Flink (KSQLDB_URL, default
 * http://localhost:8088; Flink engine at FLINK_ENGINE_URL, default
 * http://127.0.0.1:8089). Prints, and asserts nothing:
 *
 * - time to apply all ksql/ files (renamed onto a topic of its own),
 * - latency from producing a quote to its row on a push query, p50/p99, at `--rate` quotes/s,
 * - throughput of a persistent CSAS query over `--records` backlog records,
 * - the Flink engine's resident memory before and after.
 *
 * ```sh
 * deno run --allow-net=localhost,127.0.0.1 --allow-env=KSQLDB_URL,FLINK_ENGINE_URL,KAFKA_BOOTSTRAP,NODE_ENV,KAFKAJS_* \
 *   --allow-read=ksql bench/ksql_bench.ts [--rate 100] [--seconds 20] [--records 200000]
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { Partitioners } from "kafkajs";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { KsqldbClient, ksqldbUrl } from "../admin/ksql_client.ts";
import { applyKsql, ksqlFiles } from "../admin/ksql_apply.ts";
import { KSQL_OBJECTS } from "../tests/ksqldb/_stack.ts";
import { pushLatency } from "./push_latency.ts";

async function engineRss(): Promise<string> {
  try {
    const url = Deno.env.get("FLINK_ENGINE_URL") || "http://127.0.0.1:8089";
    const health = await (await fetch(`${url}/health`)).json() as { rssBytes: number; jobs: number };
    return `${(health.rssBytes / 2 ** 20).toFixed(0)} MiB RSS with ${health.jobs} persistent jobs`;
  } catch {
    return "unknown (engine not reachable)";
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "100" },
      seconds: { type: "string", default: "20" },
      records: { type: "string", default: "200000" },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const records = Number(values.records);
  const client = new KsqldbClient(ksqldbUrl());
  const kafka = kafkaClient(kafkaSettings("tickpipe-ksql-bench"));
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const id = crypto.randomUUID().replaceAll("-", "").slice(0, 10).toUpperCase();
  const topic = `bench-${id}`;
  const backlog = `bench-backlog-${id}`;
  const names = KSQL_OBJECTS.map((o) => `${o}_${id}`.toUpperCase());
  const created: string[] = [];
  console.log(`Flink engine before: ${await engineRss()}`);
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: 3 }, { topic: backlog, numPartitions: 3 }],
      waitForLeaders: true,
    });

    // 1. apply ksql/
    const scripts = [];
    for (const file of await ksqlFiles("ksql")) {
      let text = (await Deno.readTextFile(file)).replaceAll("'api-data'", `'${topic}'`);
      for (const name of KSQL_OBJECTS) text = text.replace(new RegExp(`\\b${name}\\b`, "gi"), `${name}_${id}`);
      scripts.push({ file, text });
    }
    let started = performance.now();
    await applyKsql(client, scripts);
    created.push(...names);
    console.log(
      `apply ksql/ (${scripts.length} files, 6 persistent queries): ${
        ((performance.now() - started) / 1000).toFixed(2)
      } s`,
    );

    // 2. push query latency at `rate` records/s
    const run = await pushLatency(client, kafka, { rate, seconds });
    console.log(
      `push query latency at ${rate} records/s (${run.received}/${run.sent} rows): p50 ${run.p50} ms, p99 ${run.p99} ms, max ${run.max} ms`,
    );

    // 3. CSAS throughput over a backlog
    const batch = 5000;
    for (let i = 0; i < records; i += batch) {
      const messages = Array.from({ length: Math.min(batch, records - i) }, (_, j) => ({
        value: JSON.stringify({ ticker: ["AAPL", "TSLA", "MSFT"][(i + j) % 3], price: 100 + ((i + j) % 300), sent: 0 }),
      }));
      await producer.send({ topic: backlog, messages });
    }
    const src = `BACKLOG_${id}`;
    const sink = `BACKLOG_OUT_${id}`;
    await client.ksql(
      `CREATE STREAM ${src} (ticker STRING, price DOUBLE, sent BIGINT) WITH (KAFKA_TOPIC='${backlog}', VALUE_FORMAT='JSON');`,
    );
    created.push(src);
    started = performance.now();
    await client.ksql(
      `CREATE STREAM ${sink} AS SELECT ticker, price * 2 AS double_price FROM ${src} WHERE price >= 0 EMIT CHANGES;`,
      { "auto.offset.reset": "earliest" },
    );
    created.push(sink);
    let out = 0;
    while (out < records) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      const offsets = await admin.fetchTopicOffsets(sink).catch(() => []);
      out = offsets.reduce((sum, p) => sum + Number(p.high), 0);
    }
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `persistent CSAS over a ${records}-record backlog: ${elapsed.toFixed(1)} s from CREATE to the last record, ${
        (records / elapsed).toFixed(0)
      } records/s (includes job start)`,
    );
    console.log(`Flink engine after: ${await engineRss()}`);
  } finally {
    const [queries] = await client.ksql("SHOW QUERIES;");
    for (const q of (queries?.queries as { id: string; sinks: string[] }[]) ?? []) {
      if (q.sinks.some((s) => created.includes(s))) await client.ksql(`TERMINATE ${q.id};`);
    }
    for (const name of [...created].reverse()) {
      const type = name.startsWith("AVG_PRICE") || name.startsWith("OHLC") ? "TABLE" : "STREAM";
      await client.ksql(`DROP ${type} IF EXISTS ${name} DELETE TOPIC;`).catch((e) =>
        console.error(`cleanup ${name}: ${e.message}`)
      );
    }
    const left = (await admin.listTopics()).filter((t) => t.includes(id));
    if (left.length > 0) await admin.deleteTopics({ topics: left });
    await producer.disconnect();
    await admin.disconnect();
  }
}

if (import.meta.main) {
  await main();
  // an aborted query stream may keep a socket open; the figures are printed
  Deno.exit(0);
}
