/**
 * Benchmark: replay N realistic quote envelopes (~1 KiB each) as fast as
 * possible into the local broker, next to Kafka's own ProducerPerformance
 * (kafka-producer-perf-test, from the broker's jars) at the same record size,
 * and print both with their ratio. Not a test: it asserts nothing.
 *
 * ```sh
 * deno run --allow-net=localhost:29092 \
 *   --allow-env=KAFKA_BOOTSTRAP,PRODUCER_*,STOCKDATA_*,REPLAY_*,SIMULATED_*,NODE_ENV,KAFKAJS_*,TMPDIR \
 *   --allow-read=/tmp,.tools/jars --allow-write=/tmp --allow-run=java \
 *   bench/producer_bench.ts --records 1000000 [--batch 1000] [--only replay|kafkajs|java]
 * ```
 *
 * Profile the replay path with `--v8-flags=--prof ... --only replay`, then
 * `node --prof-process isolate-*.log`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { ensureTopic, kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import {
  CachedDefaultPartitioner,
  type ProducerConfig,
  type ProducerLogger,
  QuotePublisher,
  runProducer,
} from "../lib/producer/mod.ts";
import { SimulatedMarket } from "../lib/quotes/mod.ts";

const TICKERS = ["AAPL", "TSLA", "MSFT", "GOOGL", "AMZN", "NVDA", "META", "IBM"];

interface Figures {
  name: string;
  records: number;
  seconds: number;
  msgPerSec: number;
  mbPerSec: number;
}

const quiet: ProducerLogger = { info() {}, warn: (m) => console.warn(m), error: (m) => console.error(m) };

/** Writes `records` envelopes of two quotes each (~1 KiB with timestamp_utc); returns the average size. */
async function writeRecording(path: string, records: number): Promise<number> {
  const market = new SimulatedMarket({ seed: 1, alwaysOpen: true });
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const encoder = new TextEncoder();
  const start = Date.parse("2024-05-31T13:30:00Z");
  let bytes = 0;
  let chunk: string[] = [];
  for (let i = 0; i < records; i++) {
    const pair = [TICKERS[i % TICKERS.length]!, TICKERS[(i + 3) % TICKERS.length]!];
    const now = new Date(start + i * 100);
    const line = JSON.stringify({ ...market.quotes(pair, now), timestamp_utc: now.toISOString() });
    bytes += line.length;
    chunk.push(line);
    if (chunk.length === 10_000) {
      await writer.write(encoder.encode(chunk.join("\n") + "\n"));
      chunk = [];
    }
  }
  if (chunk.length > 0) await writer.write(encoder.encode(chunk.join("\n") + "\n"));
  await writer.close();
  return Math.round(bytes / records);
}

function config(topic: string, file: string, batchSize: number): ProducerConfig {
  return {
    source: "replay",
    topic,
    partitions: 3,
    replicationFactor: 1,
    symbols: TICKERS,
    pollIntervalMs: 1000,
    skipUnchanged: false,
    batchSize,
    publishTimeoutMs: 120_000,
    stockdata: {
      token: undefined,
      baseUrl: "http://127.0.0.1:1",
      symbolsPerRequest: 3,
      dailyBudget: 100,
      timeoutMs: 1000,
      maxRetries: 0,
    },
    replay: { file, pace: "fast" },
    simulated: { seed: 1, alwaysOpen: true },
    kafka: kafkaSettings("tickpipe-bench"),
  };
}

/** The whole producer path: read JSONL, parse, validate, restamp, publish. */
async function benchReplay(topic: string, file: string, avg: number, batchSize: number): Promise<Figures> {
  const s = await runProducer(config(topic, file, batchSize), { logger: quiet });
  const seconds = s.elapsedMs / 1000;
  return {
    name: `tickpipe replay (batch ${batchSize})`,
    records: s.published,
    seconds,
    msgPerSec: s.published / seconds,
    mbPerSec: s.published * avg / seconds / 1e6,
  };
}

/** kafkajs alone: pre-built messages through the same idempotent publisher. */
async function benchPublisher(topic: string, records: number, avg: number, batchSize: number): Promise<Figures> {
  const kafka = kafkaClient(kafkaSettings("tickpipe-bench"));
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, topic, { partitions: 3 }).finally(() => admin.disconnect());
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: CachedDefaultPartitioner,
    retry: { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 5000 },
  });
  await producer.connect();
  const value = "x".repeat(avg);
  let acked = 0;
  const publisher = new QuotePublisher(producer, topic, {
    batchSize,
    onSettled: (messages, error) => {
      if (error === undefined) acked += messages.length;
    },
  });
  const started = performance.now();
  for (let i = 0; i < records; i++) {
    publisher.publish({ key: TICKERS[i % TICKERS.length]!, value });
    if (publisher.buffered >= batchSize * 4) await publisher.waitBelow(batchSize * 2);
  }
  await publisher.flush();
  const seconds = (performance.now() - started) / 1000;
  await producer.disconnect();
  return {
    name: `kafkajs publisher only (batch ${batchSize})`,
    records: acked,
    seconds,
    msgPerSec: acked / seconds,
    mbPerSec: acked * avg / seconds / 1e6,
  };
}

/** Kafka's ProducerPerformance from the broker's jars, idempotent, acks=all. */
async function benchJava(
  topic: string,
  records: number,
  size: number,
  jars: string,
  brokers: string,
): Promise<Figures> {
  const kafka = kafkaClient(kafkaSettings("tickpipe-bench"));
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopic(admin, topic, { partitions: 3 }).finally(() => admin.disconnect());
  const { stdout, stderr, success } = await new Deno.Command("java", {
    args: [
      "-Xmx512m",
      "-cp",
      `${jars}/*`,
      "org.apache.kafka.tools.ProducerPerformance",
      "--topic",
      topic,
      "--num-records",
      String(records),
      "--record-size",
      String(size),
      "--throughput",
      "-1",
      "--producer-props",
      `bootstrap.servers=${brokers}`,
      "acks=all",
      "enable.idempotence=true",
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  const last = /(\d+) records sent, ([\d.]+) records\/sec \(([\d.]+) MB\/sec\)/.exec(
    out.trim().split("\n").pop() ?? "",
  );
  if (!success || last === null) {
    throw new Error(`ProducerPerformance failed:\n${out}\n${new TextDecoder().decode(stderr)}`);
  }
  const sent = Number(last[1]);
  const msgPerSec = Number(last[2]);
  // ProducerPerformance's MB is 1024², ours 10⁶: report in 10⁶ bytes.
  return {
    name: "Kafka ProducerPerformance (Java)",
    records: sent,
    seconds: sent / msgPerSec,
    msgPerSec,
    mbPerSec: msgPerSec * size / 1e6,
  };
}

async function deleteTopics(topics: string[]): Promise<void> {
  const admin = kafkaClient(kafkaSettings("tickpipe-bench")).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    await admin.deleteTopics({ topics: topics.filter((t) => existing.has(t)) });
  } finally {
    await admin.disconnect();
  }
}

/** Runs the three measurements and prints a table. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      records: { type: "string", default: "1000000" },
      batch: { type: "string", default: "1000" },
      jars: { type: "string", default: ".tools/jars/kafka" },
      only: { type: "string" },
    },
  });
  const records = Number(values.records);
  const batch = Number(values.batch);
  const brokers = kafkaSettings("tickpipe-bench").brokers.join(",");
  const dir = await Deno.makeTempDir({ prefix: "tickpipe-bench-" });
  const file = `${dir}/quotes.jsonl`;
  const id = crypto.randomUUID();
  const topics = [`bench-replay-${id}`, `bench-kafkajs-${id}`, `bench-java-${id}`] as const;
  try {
    console.log(`Writing ${records} envelopes to ${file} ...`);
    const avg = await writeRecording(file, records);
    console.log(`Average message value ${avg} bytes; 3 partitions, acks=all, idempotent; broker ${brokers}`);
    const results: Figures[] = [];
    const run = (name: string) => values.only === undefined || values.only === name;
    if (run("replay")) results.push(await benchReplay(topics[0], file, avg, batch));
    if (run("kafkajs")) results.push(await benchPublisher(topics[1], records, avg, batch));
    if (run("java")) results.push(await benchJava(topics[2], records, avg, values.jars, brokers));
    const java = results.find((r) => r.name.startsWith("Kafka"));
    console.log("\n| producer | records | seconds | msg/s | MB/s | × Java |\n|---|---:|---:|---:|---:|---:|");
    for (const r of results) {
      const ratio = java === undefined ? "" : (r.msgPerSec / java.msgPerSec).toFixed(2);
      console.log(
        `| ${r.name} | ${r.records} | ${r.seconds.toFixed(1)} | ${r.msgPerSec.toFixed(0)} | ${
          r.mbPerSec.toFixed(1)
        } | ${ratio} |`,
      );
    }
  } finally {
    await deleteTopics([...topics]);
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
