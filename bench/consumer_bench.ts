/**
 * Benchmark: archive N messages (~1 KiB JSON each) from the local broker to the
 * local S3 server, and in the same run read the same topic with Kafka's own
 * ConsumerPerformance (kafka-consumer-perf-test) for the raw read rate.
 *
 *     deno run --env-file=.env <permissions> bench/consumer_bench.ts [--messages 1000000] [--partitions 3]
 *
 * Needs Java and the Kafka jars in .tools/jars/kafka (for producing the data
 * with ProducerPerformance and for the raw read). Prints figures; asserts nothing.
 *
 * @module
 */
import { cpuUsage } from "node:process";
import { parseArgs } from "node:util";
import { consumerConfig, FETCH_BYTES, runConsumer } from "../lib/archive/mod.ts";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { s3Client } from "../lib/s3/mod.ts";
import { createBucket, deleteBucket, testName } from "../tests/archive/_stack.ts";

const JARS = new URL("../.tools/jars/kafka/*", import.meta.url).pathname;

async function java(mainClass: string, args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command("java", {
    args: ["-Xmx1g", "-cp", JARS, mainClass, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`${mainClass} exited ${code}: ${new TextDecoder().decode(stderr)}\n${out}`);
  return out;
}

/** ~1 KiB quote envelopes, one per line, for ProducerPerformance's --payload-file. */
function payloadFile(lines: number): string {
  const path = Deno.makeTempFileSync({ prefix: "tickpipe-bench-", suffix: ".jsonl" });
  const tickers = ["AAPL", "TSLA", "MSFT", "NVDA", "AMZN", "GOOG", "META", "NFLX"];
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    // One trading day (13:30-19:03 UTC): ProducerPerformance picks lines at random, and a mix of days
    // would close a batch at every change of day.
    const timestamp_utc = new Date(Date.UTC(2025, 5, 2, 13, 30) + i * 10_000).toISOString();
    const data = tickers.slice(0, 3).map((ticker, k) => ({
      ticker,
      name: `${ticker} Inc`,
      mic_code: "XNAS",
      currency: "USD",
      price: 100 + ((i * 7 + k) % 900) / 10,
      day_high: 101.5,
      day_low: 98.25,
      day_open: 99.75,
      "52_week_high": 199.62,
      "52_week_low": 124.17,
      market_cap: 2_950_000_000_000 + i,
      previous_close_price: 99.5,
      previous_close_price_time: "2025-06-01T20:00:00.000000",
      day_change: 0.84,
      volume: 1_000_000 + i * 13,
      is_extended_hours_price: false,
      last_trade_time: timestamp_utc,
    }));
    out.push(JSON.stringify({ meta: { requested: 3, returned: 3 }, data, timestamp_utc }));
  }
  Deno.writeTextFileSync(path, out.join("\n"));
  return path;
}

/** Reads `total` messages of `topic` with kafkajs, set up as the archiver's consumer is, and drops them. */
async function kafkajsAlone(topic: string, total: number): Promise<{ rate: number; cpuMicros: number }> {
  const consumer = kafkaClient(kafkaSettings("bench")).consumer({
    groupId: `${topic}-kafkajs`,
    ...FETCH_BYTES,
  });
  let read = 0;
  let joinedAt = 0;
  let joinedCpu = cpuUsage();
  const done = Promise.withResolvers<void>();
  consumer.on(consumer.events.GROUP_JOIN, () => {
    joinedAt = performance.now();
    joinedCpu = cpuUsage();
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 8,
      eachBatch: ({ batch }) => {
        read += batch.messages.length;
        if (read >= total) done.resolve();
        return Promise.resolve();
      },
    });
    await done.promise;
    const seconds = (performance.now() - joinedAt) / 1000;
    const cpu = cpuUsage(joinedCpu);
    return { rate: read / seconds, cpuMicros: (cpu.user + cpu.system) / read };
  } finally {
    await consumer.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      messages: { type: "string", default: "1000000" },
      partitions: { type: "string", default: "3" },
      verbose: { type: "boolean", default: false },
    },
  });
  const total = Number(values.messages);
  const partitions = Number(values.partitions);
  const topic = `bench-${crypto.randomUUID()}`;
  const bucket = testName();
  const bootstrap = kafkaSettings("bench").brokers.join(",");
  Deno.env.set("S3_BUCKET", bucket);
  Deno.env.set("KAFKA_TOPIC", topic);
  Deno.env.set("CONSUMER_GROUP", `${topic}-archiver`);
  // The run ends when the last, partial batch is written: close it 1 s after the last record.
  if (Deno.env.get("ARCHIVE_IDLE_SECONDS") === undefined) Deno.env.set("ARCHIVE_IDLE_SECONDS", "1");
  const config = consumerConfig();
  const admin = kafkaClient(kafkaSettings("bench")).admin();
  const s3 = s3Client(config.s3);
  await admin.connect();
  const payloads = payloadFile(2000);
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    await createBucket(s3, bucket);
    console.log(`Producing ${total} messages to ${topic} (${partitions} partitions) with ProducerPerformance...`);
    await java("org.apache.kafka.tools.ProducerPerformance", [
      "--bootstrap-server",
      bootstrap,
      "--topic",
      topic,
      "--num-records",
      String(total),
      "--throughput",
      "-1",
      "--payload-file",
      payloads,
      "--command-property",
      "acks=1",
      "linger.ms=20",
      "batch.size=262144",
      "compression.type=none",
    ]);
    const offsets = await admin.fetchTopicOffsets(topic);
    const produced = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    const payloadBytes = (await Deno.readTextFile(payloads)).split("\n").reduce((s, l) => s + l.length, 0) / 2000;

    // Raw read rate: Kafka's own consumer, same topic, its own group.
    const perf = await java("org.apache.kafka.tools.ConsumerPerformance", [
      "--bootstrap-server",
      bootstrap,
      "--topic",
      topic,
      "--num-records",
      String(total),
      "--group",
      `${topic}-perf`,
      "--timeout",
      "30000",
    ]);
    const [header, row] = perf.trim().split("\n").slice(-2).map((l) => l.split(",").map((c) => c.trim()));
    const raw = Object.fromEntries(header!.map((h, i) => [h, Number(row![i])]));

    // The Kafka client alone: kafkajs reading the same topic, doing nothing with the records.
    const client = await kafkajsAlone(topic, produced);

    // Archiver: from joining the group to the last record written and committed.
    const controller = new AbortController();
    let archived = 0;
    let objects = 0;
    // Objects closed at the record limit: the steady state, without the idle close of each partition's last object.
    let fullRecords = 0;
    let lastFullAt = 0;
    let peakRss = 0;
    let joinedAt = 0;
    let doneAt = 0;
    let joinedCpu = cpuUsage();
    let doneCpu = joinedCpu;
    const startedAt = performance.now();
    const done = Promise.withResolvers<void>();
    const run = runConsumer(config, {
      signal: controller.signal,
      onRunning: () => {
        joinedAt = performance.now();
        joinedCpu = cpuUsage();
      },
      log: (line) => {
        if (values.verbose) console.log(`${((performance.now() - startedAt) / 1000).toFixed(2)}s ${line}`);
        const m = / records=(\d+) /.exec(line);
        if (m && line.startsWith("Archived ")) {
          objects++;
          archived += Number(m[1]);
          if (line.endsWith(" reason=records")) {
            fullRecords += Number(m[1]);
            lastFullAt = performance.now();
          }
          peakRss = Math.max(peakRss, Deno.memoryUsage().rss);
          if (archived >= produced) {
            doneAt = performance.now();
            doneCpu = cpuUsage(joinedCpu);
            done.resolve();
          }
        }
      },
    });
    run.catch((e) => done.reject(e));
    await done.promise;
    controller.abort();
    const stats = await run;
    const seconds = (doneAt - joinedAt) / 1000;
    const rate = archived / seconds;
    const mb = (archived * payloadBytes) / 1_000_000 / seconds;
    console.log(`\nArchived ${archived} messages (~${Math.round(payloadBytes)} B) in ${objects} objects`);
    console.log(
      `  archiver: ${Math.round(rate)} msg/s, ${mb.toFixed(1)} MB/s (join to last commit ${
        seconds.toFixed(2)
      } s; with start-up ${((doneAt - startedAt) / 1000).toFixed(2)} s)`,
    );
    const steady = fullRecords / ((lastFullAt - joinedAt) / 1000);
    console.log(
      `  steady state: ${
        Math.round(steady)
      } msg/s (${fullRecords} records in objects closed at the record limit; the rest waited ${
        config.limits.idleMs / 1000
      } s for the idle close)`,
    );
    console.log(`  peak RSS of this process while archiving: ${Math.round(peakRss / 2 ** 20)} MiB`);
    const cpuSeconds = (doneCpu.user + doneCpu.system) / 1e6;
    console.log(
      `  CPU (all threads of this process): ${cpuSeconds.toFixed(2)} s, ${
        (cpuSeconds * 1e6 / archived).toFixed(1)
      } µs/msg, ${(cpuSeconds / seconds).toFixed(2)} cores`,
    );
    console.log(
      `  stored: ${(stats.storedBytes / 1e6).toFixed(1)} MB gzip of ${
        (stats.bytes / 1e6).toFixed(1)
      } MB JSONL (gzip level ${config.gzipLevel}, ${config.limits.maxRecords} records/object)`,
    );
    const rawRate = raw["fetch.nMsg.sec"] ?? raw["nMsg.sec"] ?? NaN;
    console.log(
      `  ConsumerPerformance: ${Math.round(rawRate)} msg/s, ${
        (raw["fetch.MB.sec"] ?? NaN).toFixed(1)
      } MB/s (fetch rate; overall ${Math.round(raw["nMsg.sec"] ?? NaN)} msg/s)`,
    );
    console.log(
      `  kafkajs alone (eachBatch does nothing): ${Math.round(client.rate)} msg/s, ${
        client.cpuMicros.toFixed(1)
      } µs/msg CPU; ratio to raw read ${(client.rate / rawRate).toFixed(2)}x`,
    );
    console.log(
      `  ratio archiver / raw read: ${(rate / rawRate).toFixed(2)}x overall, ${
        (steady / rawRate).toFixed(2)
      }x steady state`,
    );
  } finally {
    await deleteBucket(s3, bucket).catch((e) => console.warn(`Could not delete bucket ${bucket}: ${e.message}`));
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.deleteGroups([`${topic}-archiver`, `${topic}-perf`, `${topic}-kafkajs`]).catch(() => {});
    await admin.disconnect();
    s3.destroy();
    await Deno.remove(payloads);
  }
}

if (import.meta.main) await main();
