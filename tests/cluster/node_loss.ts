/**
 * Losing any one node of the cluster profile loses nothing (`task test:cluster`,
 * after `task up:cluster`; minutes per node, so not part of `task test`): for
 * each node kind, kill -9 one node while records with unique ids flow through
 * api-data, then count per id in MongoDB (mydb.api), the S3 archive and the
 * ksqlDB persistent query QUOTES' topic `quotes`. Every id must be in MongoDB
 * and S3 exactly once and in `quotes` at least once (its Kafka sink is
 * at-least-once), with no action after the kill. The stack's producer is
 * stopped meanwhile, so only this test's records flow.
 *
 * The file name has no `_test` on purpose: `deno test` (task test) skips it.
 */
import assert from "node:assert/strict";
import { kafkaClient } from "../../lib/kafka/mod.ts";
import { CLUSTER_BOOTSTRAP, CLUSTER_PORTS } from "../../stack/cluster.ts";
import { currentProfile } from "../../stack/profile.ts";
import { control, programTable } from "../../chaos/faults.ts";
import { rssByProgram } from "../../chaos/load.ts";
import { countTopic, tally, topicEnds } from "../../chaos/count.ts";
import { recordId } from "../../chaos/records.ts";
import { failed, formatTable, runScenario, type ScenarioResult } from "../../chaos/scenarios.ts";
import { liveTarget } from "../../chaos/live_target.ts";
import {
  connectorRunning,
  fullyReplicated,
  type NodeLoss,
  nodeLoss,
  programRunning,
  runningJobs,
  taskManagers,
  wholeAgainSeconds,
} from "../../chaos/cluster.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const RECORDS = 3_000;
const FLOW_MS = 60_000;
const QUOTES = "quotes";
const run = { recoverTimeoutMs: 600_000, settleMs: 15_000, log: (line: string) => console.log(line) };

const kafka = kafkaClient({ brokers: CLUSTER_BOOTSTRAP.split(","), clientId: "tickpipe-node-loss" });
const ksql = (n: number) => `http://127.0.0.1:${CLUSTER_PORTS.ksqldb[n - 1]}`;
const connect = (n: number) => `http://127.0.0.1:${CLUSTER_PORTS.connect[n - 1]}`;

async function ok(url: string, init?: RequestInit): Promise<boolean> {
  try {
    const response = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}

/** Members of the archivers' consumer group. */
async function archiverMembers(groupId: string): Promise<number> {
  const admin = kafka.admin();
  try {
    await admin.connect();
    return (await admin.describeGroups([groupId])).groups[0]?.members.length ?? 0;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

/** Every id of `result`'s run in the `quotes` topic since `from`, counted per id. */
async function countQuotes(result: ScenarioResult, from: ReadonlyMap<number, string>) {
  const ids = Array.from({ length: result.mongo.sent }, (_, i) => recordId(result.run, i));
  const pattern = new RegExp(`"NAME":"(${result.run}-\\d+)"`);
  const all = (counts: ReadonlyMap<string, number>) => tally(ids, counts).lost === 0;
  return tally(ids, await countTopic(kafka, QUOTES, from, (v) => pattern.exec(v)?.[1], all, 300_000));
}

Deno.test("cluster profile: losing any one node loses no record id", options, async (t) => {
  assert.equal(
    await currentProfile(),
    "cluster",
    'the cluster profile is not what runs; start it with "task up:cluster"',
  );
  const live = liveTarget(kafka);
  const { target, groupId } = live;
  const jobs = await runningJobs();
  assert.ok(
    jobs && jobs.length > 0,
    `no Flink job runs on the session cluster (${jobs}); did "task up:cluster" apply ksql/?`,
  );
  const rss = await rssByProgram();
  const total = [...rss.values()].reduce((a, b) => a + b, 0);
  console.log(
    `cluster profile RSS: ${total.toFixed(0)} MiB over ${rss.size} programs: ${
      [...rss].map(([n, m]) => `${n} ${m.toFixed(0)}`).join(", ")
    }`,
  );
  const sameJobs = async () => JSON.stringify(await runningJobs()) === JSON.stringify(jobs);
  let survivor = { asked: 0, failed: 0 };
  const losses: NodeLoss[] = [
    {
      name: "kill-broker",
      program: "kafka-2",
      whole: async () => await programRunning("kafka-2") && await fullyReplicated(kafka, [target.topic, QUOTES]),
    },
    {
      name: "kill-connect-worker",
      program: "connect-2",
      whole: async () =>
        await ok(`${connect(2)}/health`) && await connectorRunning(connect(1), "mongo-sink") &&
        await connectorRunning(connect(1), "quotes-sink"),
    },
    {
      name: "kill-taskmanager",
      program: "flink-taskmanager-1",
      whole: async () => await taskManagers() === 2 && await sameJobs(),
    },
    { name: "kill-jobmanager", program: "flink-jobmanager", whole: sameJobs },
    {
      name: "kill-ksqldb-server",
      program: "ksqldb-2",
      whole: () => ok(`${ksql(2)}/healthcheck`),
      meanwhile: async (signal) => {
        survivor = { asked: 0, failed: 0 };
        while (!signal.aborted) {
          survivor.asked++;
          const body = JSON.stringify({ ksql: "LIST STREAMS;", streamsProperties: {} });
          if (!await ok(`${ksql(1)}/ksql`, { method: "POST", body, headers: { "content-type": "application/json" } })) {
            survivor.failed++;
          }
          await new Promise((r) => setTimeout(r, 1_000));
        }
        return `ksqldb-1 answered ${survivor.asked - survivor.failed} of ${survivor.asked} LIST STREAMS meanwhile`;
      },
    },
    {
      name: "kill-archiver",
      program: "consumer-1",
      whole: async () => await programRunning("consumer-1") && await archiverMembers(groupId) === 2,
    },
  ];
  const only = Deno.env.get("TICKPIPE_NODE_LOSS")?.split(",");
  const producerRan = (await programTable()).get("producer")?.state === "RUNNING";
  if (producerRan) await control("stop", "producer");
  const results: ScenarioResult[] = [];
  const quotes = new Map<string, ReturnType<typeof tally>>();
  try {
    for (const loss of losses.filter((l) => !only || only.includes(l.name))) {
      await t.step(`${loss.name} (${loss.program})`, async () => {
        const from = await topicEnds(kafka, QUOTES);
        const result = await runScenario(target, nodeLoss(loss, RECORDS, FLOW_MS), run);
        results.push(result);
        quotes.set(loss.name, await countQuotes(result, from));
        console.log(formatTable(results));
        console.log(`quotes per id: ${JSON.stringify(Object.fromEntries(quotes))}`);
        assert.ok(!failed(result), formatTable([result]));
        assert.equal(quotes.get(loss.name)?.lost, 0, `ids missing from topic ${QUOTES} after ${loss.name}`);
        assert.ok(wholeAgainSeconds.get(loss.name) !== undefined, `${loss.program}'s kind was not whole again`);
        if (loss.program === "ksqldb-2") {
          assert.ok(survivor.asked > 0, "the surviving ksqlDB server was never asked");
          assert.equal(survivor.failed, 0, "the surviving ksqlDB server failed requests while the other was down");
        }
      });
    }
  } finally {
    if (producerRan) await control("start", "producer");
    console.log(`\nNode losses\n${formatTable(results)}`);
    console.log(`time until whole again (s): ${JSON.stringify(Object.fromEntries(wholeAgainSeconds))}`);
    await live.close();
  }
});
