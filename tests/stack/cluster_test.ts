/**
 * The cluster profile's rendering (stack/cluster.ts), without services: each
 * broker a distinct voter of one quorum with replication 3 and
 * min.insync.replicas=2, the Connect workers one group, the Flink cluster's
 * ports and entry points, and no port taken twice.
 */
import assert from "node:assert/strict";
import {
  brokerProperties,
  CLUSTER_BOOTSTRAP,
  CLUSTER_PORTS,
  CLUSTER_SERVICES,
  connectProperties,
  flinkConfig,
} from "../../stack/cluster.ts";
import { fillTemplate, overrideProperties } from "../../stack/properties.ts";
import { profileServices } from "../../stack/profile.ts";
import { SERVICES } from "../../stack/services.ts";
import { renderConfig } from "../../stack/supervisor.ts";

const read = (path: string) => Deno.readTextFile(new URL(`../../${path}`, import.meta.url));
const single = fillTemplate(await read("stack/kafka/server.properties"), { DATA: "/d" });
const worker = fillTemplate(await read("stack/kafka/connect-distributed.properties"), { JARS: "/j" });

/** key=value lines of a properties text. */
function props(text: string): Map<string, string> {
  return new Map(
    text.split("\n").filter((l) => /^[\w.-]+=/.test(l)).map((
      l,
    ) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

Deno.test("brokerProperties() makes 3 combined nodes of one static quorum, replication 3, min ISR 2", () => {
  const brokers = [1, 2, 3].map((n) => props(brokerProperties(single, n).text));
  assert.deepEqual(brokers.map((b) => b.get("node.id")), ["1", "2", "3"]);
  const voters = "1@127.0.0.1:29093,2@127.0.0.1:29193,3@127.0.0.1:29293";
  for (const b of brokers) {
    assert.equal(b.get("controller.quorum.voters"), voters);
    assert.equal(
      b.has("controller.quorum.bootstrap.servers"),
      false,
      "bootstrap servers and voters exclude each other",
    );
    assert.equal(b.get("process.roles"), "broker,controller");
    assert.equal(b.get("default.replication.factor"), "3");
    assert.equal(b.get("min.insync.replicas"), "2");
    assert.equal(b.get("offsets.topic.replication.factor"), "3");
    assert.equal(b.get("transaction.state.log.min.isr"), "2");
    assert.equal(b.get("unclean.leader.election.enable"), "false");
  }
  assert.deepEqual(brokers.map((b) => b.get("listeners")), [
    "PLAINTEXT://127.0.0.1:29092,CONTROLLER://127.0.0.1:29093",
    "PLAINTEXT://127.0.0.1:29192,CONTROLLER://127.0.0.1:29193",
    "PLAINTEXT://127.0.0.1:29292,CONTROLLER://127.0.0.1:29293",
  ]);
  assert.equal(new Set(brokers.map((b) => b.get("log.dirs"))).size, 3, "each broker its own log folder");
});

Deno.test("connectProperties() puts both workers in one group on every broker, each its own REST port", () => {
  const workers = [1, 2].map((n) => props(connectProperties(worker, n).text));
  assert.deepEqual(workers.map((w) => w.get("group.id")), ["tickpipe-connect", "tickpipe-connect"]);
  assert.deepEqual(workers.map((w) => w.get("listeners")), ["http://127.0.0.1:8083", "http://127.0.0.1:8183"]);
  assert.deepEqual(workers.map((w) => w.get("rest.advertised.port")), ["8083", "8183"]);
  for (const w of workers) {
    assert.equal(w.get("bootstrap.servers"), CLUSTER_BOOTSTRAP);
    assert.equal(w.get("config.storage.replication.factor"), "3");
    assert.equal(w.get("offset.storage.replication.factor"), "3");
    assert.equal(w.get("status.storage.replication.factor"), "3");
    assert.equal(w.get("producer.acks"), "all");
  }
});

Deno.test("overrideProperties() replaces a key in place, removes it with null, appends a new one", () => {
  assert.equal(overrideProperties("a=1\nb=2\n", { a: "9", b: null, c: "3" }), "a=9\n\n# cluster profile\nc=3\n");
});

Deno.test("fillTemplate() refuses a placeholder it has no value for", () => {
  assert.throws(() => fillTemplate("x=@NOPE@", {}), /"@NOPE@" has no value; pass NOPE/);
});

Deno.test("flinkConfig() fills in the bucket and endpoint, and leaves the endpoint out on AWS", async () => {
  const template = await read("stack/flink/config.yaml");
  const vars = { DATA: "/d", S3_BUCKET: "b", AWS_REGION: "us-east-1" };
  const local = flinkConfig(template, { ...vars, S3_ENDPOINT: "http://127.0.0.1:7070" }).text;
  assert.match(local, /^execution\.checkpointing\.dir: s3:\/\/b\/flink\/checkpoints$/m);
  assert.match(local, /^s3\.endpoint: http:\/\/127\.0\.0\.1:7070$/m);
  assert.match(local, /^high-availability\.type: zookeeper$/m);
  assert.doesNotMatch(local, /access-key|secret-key/, "S3 keys come from the environment");
  const aws = flinkConfig(template, { ...vars, S3_ENDPOINT: "" }).text;
  assert.doesNotMatch(aws, /^s3\.endpoint:/m);
});

Deno.test("CLUSTER_SERVICES run Flink's own entry points, 2 of each node kind but the JobManager, no port twice", () => {
  const names = CLUSTER_SERVICES.map((s) => s.name);
  for (const kind of ["kafka-", "connect-", "flink-taskmanager-", "ksqldb-", "consumer-"]) {
    assert.ok(names.filter((n) => n.startsWith(kind)).length >= 2, `${kind}*: ${names}`);
  }
  assert.equal(names.filter((n) => n.startsWith("kafka-")).length, 3);
  const command = (name: string) => CLUSTER_SERVICES.find((s) => s.name === name)?.command.join(" ") ?? "";
  assert.match(
    command("flink-jobmanager"),
    /org\.apache\.flink\.runtime\.entrypoint\.StandaloneSessionClusterEntrypoint/,
  );
  assert.match(command("flink-taskmanager-2"), /TaskManagerRunner .*taskmanager\.rpc\.port=6126/);
  const ports = CLUSTER_SERVICES.flatMap((s) => s.ports);
  assert.deepEqual(ports.filter((p, i) => ports.indexOf(p) !== i), [], "a port two services bind");
  assert.ok(CLUSTER_PORTS.kafka.includes(29092), "node 1 keeps the single node's broker port");
  const conf = renderConfig(CLUSTER_SERVICES);
  assert.equal([...conf.matchAll(/^\[program:/gm)].length, CLUSTER_SERVICES.length);
  assert.match(conf, /FLINK_CHECKPOINT_DIR="s3:\/\/%\(ENV_S3_BUCKET\)s\/flink\/checkpoints"/);
});

Deno.test("profileServices() keeps the single node's services as they were", () => {
  assert.equal(profileServices("single"), SERVICES);
  assert.equal(profileServices("cluster"), CLUSTER_SERVICES);
  assert.deepEqual(SERVICES.find((s) => s.name === "kafka")?.ports, [29092, 29093]);
});
