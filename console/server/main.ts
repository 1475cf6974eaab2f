/**
 * `deno task console`: the web console on http://127.0.0.1:8080 — live market
 * charts, the pipeline end to end, topics, SQL and the archive. Basic auth
 * with `CONSOLE_USERNAME` / `CONSOLE_PASSWORD` from .env.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { consumerConfig } from "../../lib/archive/mod.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/mod.ts";
import { s3Client } from "../../lib/s3/mod.ts";
import { runMain, sleep } from "../../lib/util/mod.ts";
import { KsqldbClient } from "../../admin/ksql_client.ts";
import { consoleHandler } from "./app.ts";
import { ArchiveReader } from "./archive.ts";
import { consoleConfig } from "./config.ts";
import { EventHub } from "./events.ts";
import { MarketBook } from "./market.ts";
import { PipelinePoller, type PipelineSnapshot } from "./pipeline.ts";
import { Guard } from "./security.ts";
import { SqlRunner } from "./sql.ts";
import { TopicTail } from "./topic_tail.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
/** Where `deno task console` bundles console/web/main.ts (with lightweight-charts) before it starts the server. */
export const BUNDLE = join(ROOT, ".data/console/app.js");
const WEB = join(ROOT, "console/web");
/** How often the pipeline is polled while a page watches it, and while none does (so rates are ready on open). */
const PIPELINE_EVERY_MS = 2500;
const PIPELINE_IDLE_EVERY_MS = 15_000;

async function readAssets(): Promise<{ shell: string; assets: Map<string, { body: Uint8Array; type: string }> }> {
  let script: Uint8Array;
  try {
    script = await Deno.readFile(BUNDLE);
  } catch {
    throw new Error(
      `${BUNDLE} is missing; start the console with "deno task console", which bundles console/web first`,
    );
  }
  return {
    shell: await Deno.readTextFile(join(WEB, "index.html")),
    assets: new Map([
      ["app.js", { body: script, type: "text/javascript; charset=utf-8" }],
      ["style.css", { body: await Deno.readFile(join(WEB, "style.css")), type: "text/css; charset=utf-8" }],
    ]),
  };
}

async function main(): Promise<void> {
  const config = consoleConfig();
  const archiveConfig = consumerConfig();
  const { shell, assets } = await readAssets();
  const kafka = kafkaClient(kafkaSettings("tickpipe-console"));
  const ksqldb = new KsqldbClient(config.ksqldbUrl);
  const archive = new ArchiveReader(s3Client(archiveConfig.s3), {
    bucket: archiveConfig.s3.bucket,
    prefix: archiveConfig.prefix,
    topic: config.topic,
    datePattern: archiveConfig.datePattern,
    quarantinePrefix: archiveConfig.quarantinePrefix,
  }, archiveConfig.s3.endpoint);
  const book = new MarketBook(config.historyHours);
  let latest: PipelineSnapshot | undefined;
  const stop = new AbortController();

  // the hub stops a closed page's queries; the runner sends their rows through the hub
  let sql: SqlRunner | undefined = undefined;
  const hub = new EventHub({
    onSubscribe: (channel, connection) => {
      if (channel === "pipeline" && latest) hub.send(connection, "pipeline", latest);
    },
    onClose: (connection) => sql?.closeConnection(connection),
  });
  const runner = sql = new SqlRunner(ksqldb, hub);

  const fromTime = () => Date.now() - config.historyHours * 3_600_000;
  const publishState = () => hub.publish("market", "status", { quotes: quotes.state, alerts: alerts.state });
  const quotes = new TopicTail(kafka, config.topic, {
    fromTime,
    onRecord: (record) => {
      for (const update of book.applyEnvelope(record)) hub.publish("market", "quote", update);
    },
    onState: publishState,
  });
  const alerts = new TopicTail(kafka, config.alertsTopic, {
    fromTime,
    onRecord: (record) => {
      const alert = book.applyAlert(record);
      if (alert) hub.publish("market", "alert", alert);
    },
    onState: publishState,
    retryMs: 10_000,
  });
  quotes.start();
  alerts.start();
  const prune = setInterval(() => book.prune(), 60_000);

  const poller = new PipelinePoller({
    // one retry: a broker that is down must turn the Pipeline page red at once, not after the default backoff
    kafka: kafkaClient(kafkaSettings("tickpipe-console-pipeline"), { retries: 1 }),
    ksqldb,
    archive,
    topic: config.topic,
    dlqTopic: config.dlqTopic,
    archiverGroup: config.archiverGroup,
    sinkConnector: config.sinkConnector,
    connectUrl: config.connectUrl,
    mongoUrl: config.mongoUrl,
    quotes: () => book.quotes,
  });
  const polling = (async () => {
    let last = 0;
    while (!stop.signal.aborted) {
      const watched = hub.listeners("pipeline") > 0;
      if (watched || Date.now() - last >= PIPELINE_IDLE_EVERY_MS) {
        last = Date.now();
        latest = await poller.snapshot(latest, (early) => hub.publish("pipeline", "pipeline", early));
        hub.publish("pipeline", "pipeline", latest);
      }
      await sleep(PIPELINE_EVERY_MS);
    }
  })();

  const handler = consoleHandler({
    guard: new Guard(config.username, config.password),
    hub,
    book,
    marketState: () => ({ quotes: quotes.state, alerts: alerts.state }),
    pipeline: () => latest,
    kafka,
    withAdmin: async (use) => {
      // a fresh admin per request: kafkajs keeps asking for the metadata of a topic deleted since, and fails
      const admin = kafka.admin({ retry: { retries: 1, initialRetryTime: 200 } });
      try {
        await admin.connect();
      } catch (error) {
        throw new Error(
          `Kafka at ${kafkaSettings("tickpipe-console").brokers.join(",")} is unreachable: ${(error as Error).message}`,
        );
      }
      try {
        return await use(admin);
      } finally {
        await admin.disconnect().catch(() => {});
      }
    },
    sql: runner,
    archive,
    shell,
    assets,
  });
  const server = Deno.serve({
    hostname: config.hostname,
    port: config.port,
    signal: stop.signal,
    onListen: ({ hostname, port }) => console.log(`console: listening on http://${hostname}:${port}`),
  }, handler);

  const shutdown = () => stop.abort();
  Deno.addSignalListener("SIGTERM", shutdown);
  Deno.addSignalListener("SIGINT", shutdown);
  await new Promise<void>((resolve) => stop.signal.addEventListener("abort", () => resolve(), { once: true }));
  console.log("console: stopping");
  clearInterval(prune);
  runner.close();
  hub.close();
  await server.shutdown().catch(() => {});
  await Promise.allSettled([quotes.stop(), alerts.stop(), polling, poller.close()]);
  Deno.removeSignalListener("SIGTERM", shutdown);
  Deno.removeSignalListener("SIGINT", shutdown);
}

if (import.meta.main) await runMain(main, "console: ");
