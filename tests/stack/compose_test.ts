/**
 * compose.yaml cannot run here (no Docker engine); these tests check that it
 * agrees with the native stack: same services, same host ports, same
 * connector topic/database/collection.
 */
import assert from "node:assert/strict";
import { parse } from "yaml";
import { PORTS } from "../../stack/services.ts";

interface ComposeService {
  image: string;
  profiles?: string[];
  ports?: string[];
  environment?: Record<string, string | number>;
  volumes?: string[];
  command?: string | string[];
}
const compose = parse(await Deno.readTextFile(new URL("../../compose.yaml", import.meta.url))) as {
  services: Record<string, ComposeService>;
  volumes: Record<string, unknown>;
};
const link = JSON.parse(await Deno.readTextFile(new URL("../../simplelink.json", import.meta.url))) as {
  name: string;
  config: Record<string, string>;
};

/** The host ports a service publishes ("127.0.0.1:8081:8081" -> 8081). */
function hostPorts(service: ComposeService | undefined): number[] {
  return (service?.ports ?? []).map((p) => Number(p.split(":").at(-2)));
}

Deno.test("compose.yaml runs every service of the seed, with pinned images", () => {
  const names = Object.keys(compose.services);
  for (
    const name of [
      "kafka",
      "connect",
      "mongo",
      "mongo-express",
      "ksqldb-server",
      "ksqldb-cli",
      "s3",
      "producer",
      "consumer",
    ]
  ) {
    assert.ok(names.includes(name), `compose.yaml lacks service "${name}"`);
  }
  for (const [name, service] of Object.entries(compose.services)) {
    assert.match(service.image, /:[\w.-]+$/, `service "${name}" image "${service.image}" has no tag`);
    assert.doesNotMatch(service.image, /:latest$/, `service "${name}" uses :latest`);
  }
  assert.equal(compose.services.zookeeper, undefined, "Kafka 4 runs in KRaft mode: no ZooKeeper");
});

Deno.test("compose.yaml publishes the same host ports as the native stack", () => {
  assert.deepEqual(hostPorts(compose.services.kafka), [PORTS.kafka]);
  assert.deepEqual(hostPorts(compose.services.connect), [PORTS.connect]);
  assert.deepEqual(hostPorts(compose.services.mongo), [PORTS.mongo]);
  assert.deepEqual(hostPorts(compose.services["mongo-express"]), [PORTS.mongoExpress]);
  assert.deepEqual(hostPorts(compose.services.s3), [PORTS.s3]);
  assert.deepEqual(hostPorts(compose.services["ksqldb-server"]), [8088]);
  assert.deepEqual(hostPorts(compose.services.console), [PORTS.console]);
  assert.ok(compose.services["mongo-express"]?.ports?.[0]?.startsWith("127.0.0.1:"), "Mongo Express binds to loopback");
});

Deno.test("compose.yaml keeps the seed's Kafka listeners: 9092 in the network, 29092 on the host", () => {
  const env = compose.services.kafka?.environment ?? {};
  assert.equal(env.KAFKA_ADVERTISED_LISTENERS, `PLAINTEXT://kafka:9092,PLAINTEXT_HOST://localhost:${PORTS.kafka}`);
  assert.match(String(env.KAFKA_PROCESS_ROLES), /broker,controller/);
});

Deno.test("compose.yaml keeps MongoDB data in the seed's named volume myvolume", () => {
  assert.deepEqual(compose.services.mongo?.volumes, ["myvolume:/data/db"]);
  assert.ok("myvolume" in compose.volumes);
});

Deno.test("simplelink.json sinks api-data into mydb.api with a dead-letter topic, for both stacks", async () => {
  assert.equal(link.config["connector.class"], "com.mongodb.kafka.connect.MongoSinkConnector");
  assert.equal(link.config.topics, "api-data");
  assert.equal(link.config.database, "mydb");
  assert.equal(link.config.collection, "api");
  assert.equal(link.config["value.converter.schemas.enable"], "false");
  assert.equal(link.config["errors.tolerance"], "all");
  assert.equal(link.config["errors.deadletterqueue.topic.name"], "api-data-dlq");
  assert.ok(link.config["connection.uri"]?.startsWith(`mongodb://127.0.0.1:${PORTS.mongo}/?`));
  // a redelivered record replaces its own document: _id = topic#partition#offset, upserted
  assert.match(link.config["document.id.strategy"] ?? "", /\.KafkaMetaDataStrategy$/);
  assert.match(link.config["writemodel.strategy"] ?? "", /\.ReplaceOneDefaultStrategy$/);
  // compose registers the same files with the in-network address (the files' options kept)
  assert.equal(compose.services.register?.environment?.MONGO_SINK_URI, "mongodb://mongo:27017");
  assert.ok(compose.services.register?.command?.includes("--allow-read=simplelink.json,quoteslink.json"));
  const connectProps = await Deno.readTextFile(
    new URL("../../stack/compose/connect-distributed.properties", import.meta.url),
  );
  assert.match(connectProps, /^bootstrap\.servers=kafka:9092$/m);
  assert.match(connectProps, /^value\.converter\.schemas\.enable=false$/m);
});

Deno.test("compose.yaml's optional profile cluster adds the cluster profile's nodes on its host ports", async () => {
  const cluster = Object.entries(compose.services).filter(([, s]) => s.profiles?.includes("cluster"));
  assert.deepEqual(cluster.map(([name]) => name).sort(), [
    "connect-2",
    "consumer-2",
    "flink-jobmanager",
    "flink-taskmanager-1",
    "flink-taskmanager-2",
    "flink-zookeeper",
    "kafka-2",
    "kafka-3",
    "ksqldb-server-2",
  ]);
  assert.deepEqual(hostPorts(compose.services["kafka-2"]), [29192]);
  assert.deepEqual(hostPorts(compose.services["kafka-3"]), [29292]);
  assert.deepEqual(hostPorts(compose.services["connect-2"]), [8183]);
  assert.deepEqual(hostPorts(compose.services["ksqldb-server-2"]), [8188]);
  assert.deepEqual(hostPorts(compose.services["flink-jobmanager"]), [8091]);
  const env = await Deno.readTextFile(new URL("../../stack/compose/cluster.env", import.meta.url));
  assert.match(env, /^KAFKA_VOTERS=1@kafka:9093,2@kafka-2:9093,3@kafka-3:9093$/m);
  assert.match(env, /^KAFKA_REPLICATION=3$/m);
  assert.match(env, /^KAFKA_MIN_ISR=2$/m);
});
