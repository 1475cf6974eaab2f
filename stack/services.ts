/**
 * The native stack: every service tickpipe runs without Docker, in start
 * order, with the host ports it binds (all on 127.0.0.1, the same host ports
 * as compose.yaml) and how to tell it is ready.
 *
 * @module
 */
import { join } from "node:path";
import { DATA, ROOT, TOOLS } from "./paths.ts";
import type { Service } from "./types.ts";

/** Ports shared with compose.yaml. */
export const PORTS = Object.freeze({
  kafka: 29092,
  kafkaController: 29093,
  connect: 8083,
  mongo: 27017,
  postgres: 5433,
  mongoExpress: 8081,
  s3: 7070,
  ksqldb: 8088,
  flinkEngine: 8089,
  console: 8080,
});

/** argv of a JVM on Kafka's jars (.tools/jars/kafka) with a `heap` cap, running `mainClass`. */
export const kafkaJava = (heap: string, mainClass: string, ...args: string[]): string[] => [
  "java",
  "-Xms128m",
  `-Xmx${heap}`,
  "-XX:+UseSerialGC",
  "-XX:TieredStopAtLevel=1",
  `-Dlog4j2.configurationFile=${join(ROOT, "stack/kafka/log4j2.yaml")}`,
  "-cp",
  `${join(TOOLS, "jars/kafka")}/*`,
  mainClass,
  ...args,
];

/**
 * Quick exits in a row before supervisord marks a pipeline script FATAL: 1000, with a wait growing by 1 s after each
 * (about 6 days in all), so no outage makes it give up; the consumer waits out S3 outages in-process anyway.
 */
export const PIPELINE_START_RETRIES = 1000;

/** A pipeline script run as `deno task <task>`; ready once the supervisor has kept it up. */
export function pipelineService(name: string, title: string, task: string, url: string): Service {
  return {
    name,
    title,
    group: "pipeline",
    dependsOn: [],
    ports: [],
    command: [join(TOOLS, "bin/deno"), "task", task],
    probe: { kind: "running", name },
    startSeconds: 30,
    startRetries: PIPELINE_START_RETRIES,
    url,
  };
}

/** The services; each starts once those it depends on are ready. */
export const SERVICES: readonly Service[] = Object.freeze([
  {
    name: "postgres",
    dependsOn: [],
    title: "PostgreSQL (Debian's package), FerretDB's backend",
    group: "infra",
    ports: [PORTS.postgres],
    command: [
      join(TOOLS, "postgres/postgres"),
      `-D${join(DATA, "postgres")}`,
      "-clisten_addresses=127.0.0.1",
      `-cport=${PORTS.postgres}`,
      // no Unix socket: the default folder is shared by every cluster on the machine
      "-cunix_socket_directories=",
      // FerretDB commits each upsert on its own; waiting for a WAL flush per commit caps the sink at ~600
      // documents/s here. The WAL writer flushes every 10 ms instead, so only a crash of PostgreSQL itself
      // (or of the machine) can lose the last ~30 ms of writes; a stop, or a crash of FerretDB, loses none
      "-csynchronous_commit=off",
      "-cwal_writer_delay=10ms",
      "-cshared_buffers=256MB",
      // FerretDB's pool (at most 20 connections) plus psql and room to spare
      "-cmax_connections=60",
    ],
    // PostgreSQL refuses to run as root; as root it runs as Debian's system user (stack/postgres/init.sh)
    rootUser: "postgres",
    probe: { kind: "tcp", port: PORTS.postgres },
    startSeconds: 30,
    url: `127.0.0.1:${PORTS.postgres} (internal)`,
  },
  {
    name: "ferretdb",
    dependsOn: ["postgres"],
    title: "MongoDB-compatible server (FerretDB, PostgreSQL backend)",
    group: "infra",
    ports: [PORTS.mongo],
    command: [
      join(TOOLS, "bin/ferretdb"),
      `-listen-addr=127.0.0.1:${PORTS.mongo}`,
      // FerretDB warns on every client disconnect (it lacks endSessions)
      "-log-level=error",
    ],
    // expanded by the supervisor from .env, so the password is in neither its config nor the process list
    env: {
      FERRETDB_POSTGRESQL_URL:
        `postgres://tickpipe:%(ENV_POSTGRES_PASSWORD)s@127.0.0.1:${PORTS.postgres}/postgres?pool_max_conns=20`,
    },
    probe: { kind: "tcp", port: PORTS.mongo },
    startSeconds: 20,
    url: `mongodb://127.0.0.1:${PORTS.mongo}`,
  },
  {
    name: "s3",
    dependsOn: [],
    title: "S3-compatible server (versitygw, POSIX backend)",
    group: "infra",
    ports: [PORTS.s3],
    command: [
      join(TOOLS, "bin/versitygw"),
      `--port=127.0.0.1:${PORTS.s3}`,
      "--health=/health",
      "--quiet",
      "posix",
      join(DATA, "s3"),
    ],
    // the supervisor expands these from its own environment (.env), so no key is written to its config
    env: {
      ROOT_ACCESS_KEY_ID: "%(ENV_AWS_ACCESS_KEY_ID)s",
      ROOT_SECRET_ACCESS_KEY: "%(ENV_AWS_SECRET_ACCESS_KEY)s",
    },
    probe: { kind: "http", url: `http://127.0.0.1:${PORTS.s3}/health`, expect: [200] },
    startSeconds: 20,
    url: `http://127.0.0.1:${PORTS.s3}`,
  },
  {
    name: "kafka",
    dependsOn: [],
    title: "Apache Kafka broker + controller (KRaft)",
    group: "infra",
    ports: [PORTS.kafka, PORTS.kafkaController],
    command: kafkaJava("512m", "kafka.Kafka", join(DATA, "conf/server.properties")),
    probe: { kind: "tcp", port: PORTS.kafka },
    startSeconds: 120,
    url: `localhost:${PORTS.kafka}`,
  },
  {
    name: "connect",
    dependsOn: ["kafka"],
    title: "Kafka Connect (distributed worker, MongoDB sink)",
    group: "infra",
    ports: [PORTS.connect],
    command: kafkaJava(
      "512m",
      "org.apache.kafka.connect.cli.ConnectDistributed",
      join(DATA, "conf/connect-distributed.properties"),
    ),
    probe: { kind: "http", url: `http://127.0.0.1:${PORTS.connect}/health`, expect: [200] },
    startSeconds: 180,
    url: `http://localhost:${PORTS.connect}`,
  },
  {
    name: "sink-guard",
    dependsOn: ["connect"],
    title: "Sink guard: restarts a failed MongoDB sink with backoff (admin/sink_guard.ts)",
    group: "infra",
    ports: [],
    command: [join(TOOLS, "bin/deno"), "task", "sink:guard"],
    probe: { kind: "running", name: "sink-guard" },
    startSeconds: 5,
    url: ".data/sink_guard.json",
  },
  {
    name: "mongo-express",
    dependsOn: ["ferretdb"],
    title: "Mongo Express",
    group: "infra",
    ports: [PORTS.mongoExpress],
    command: ["node", join(TOOLS, "npm/node_modules/mongo-express/app.js")],
    env: {
      VCAP_APP_HOST: "127.0.0.1",
      PORT: String(PORTS.mongoExpress),
      ME_CONFIG_MONGODB_URL: `mongodb://127.0.0.1:${PORTS.mongo}`,
      ME_CONFIG_MONGODB_ENABLE_ADMIN: "true",
    },
    probe: { kind: "http", url: `http://127.0.0.1:${PORTS.mongoExpress}/`, expect: [401] },
    startSeconds: 30,
    url: `http://localhost:${PORTS.mongoExpress}`,
  },
  {
    name: "flink",
    dependsOn: [],
    title: "Apache Flink 2.2 engine (embedded MiniCluster) behind the ksqlDB server",
    group: "infra",
    ports: [PORTS.flinkEngine],
    command: [
      "java",
      "-Xms128m",
      "-Xmx384m",
      "-XX:MaxMetaspaceSize=256m",
      "-XX:MaxDirectMemorySize=192m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      `-Djava.io.tmpdir=${join(DATA, "flink/tmp")}`,
      `-Dlog4j2.configurationFile=${join(ROOT, "ksqldb/flink/log4j2.properties")}`,
      "--add-opens=java.base/java.util=ALL-UNNAMED",
      "--add-opens=java.base/java.lang=ALL-UNNAMED",
      "-cp",
      `${join(TOOLS, "jars/flink")}/*`,
      "tickpipe.flink.FlinkEngine",
      "--port",
      String(PORTS.flinkEngine),
      "--state-dir",
      join(DATA, "flink"),
    ],
    probe: { kind: "http", url: `http://127.0.0.1:${PORTS.flinkEngine}/health`, expect: [200] },
    // it restores every persistent query from its savepoint before it answers: minutes on a busy machine
    startSeconds: 180,
    url: `http://127.0.0.1:${PORTS.flinkEngine} (internal)`,
  },
  {
    name: "ksqldb",
    dependsOn: ["kafka", "flink"],
    title: "ksqlDB REST API, served on Flink",
    group: "infra",
    ports: [PORTS.ksqldb],
    command: [join(TOOLS, "bin/deno"), "task", "ksqldb"],
    probe: { kind: "http", url: `http://127.0.0.1:${PORTS.ksqldb}/healthcheck`, expect: [200] },
    startSeconds: 180,
    url: `http://localhost:${PORTS.ksqldb}`,
  },
  {
    name: "console",
    dependsOn: ["kafka"],
    title: "tickpipe console (web UI; login CONSOLE_USERNAME / CONSOLE_PASSWORD in .env)",
    group: "infra",
    ports: [PORTS.console],
    command: [join(TOOLS, "bin/deno"), "task", "console"],
    probe: { kind: "http", url: `http://127.0.0.1:${PORTS.console}/`, expect: [401] },
    startSeconds: 60,
    url: `http://localhost:${PORTS.console} (user and password: CONSOLE_USERNAME, CONSOLE_PASSWORD in .env)`,
  },
  pipelineService("producer", "producer.ts: quotes to api-data", "produce", "deno task peek"),
  pipelineService("consumer", "consumer.ts: api-data to S3", "consume", "s3://$S3_BUCKET/archive/"),
]);
