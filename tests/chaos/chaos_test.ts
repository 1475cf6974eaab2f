/**
 * The fast part of the chaos suite (chaos/, `task chaos` runs all of it): one
 * Connect kill -9 and one S3 outage while records with unique ids flow, counted
 * per id in MongoDB and the archive. Uses a topic, MongoDB sink, collection,
 * bucket and consumer of its own; the stack's own sink is paused across the
 * Connect kill so its documents are not redelivered. Needs "task up".
 */
import assert from "node:assert/strict";
import { programTable } from "../../chaos/faults.ts";
import { connectKill, failed, formatTable, runScenario, serverOutage, type Target } from "../../chaos/scenarios.ts";
import { createBucket, deleteBucket, eventually, testName } from "../archive/_stack.ts";
import { ConsumerProcess, processEnv } from "../archive/_consumer_process.ts";
import { s3Client } from "../../lib/s3/client.ts";
import { connectorStatus } from "../../lib/connect/client.ts";
import { CONNECT_URL, withTestSink } from "../stack/_test_sink.ts";
import { testConfig } from "../archive/_stack.ts";

const options = { sanitizeOps: false, sanitizeResources: false };
const LIVE_SINK = "mongo-sink";

async function connectCall(method: string, path: string): Promise<void> {
  const response = await fetch(`${CONNECT_URL}${path}`, { method });
  await response.body?.cancel();
  assert.ok(response.ok, `${method} ${path} answered ${response.status}`);
}

/** Pauses the stack's own sink and waits past Connect's offset flush (10 s), so a kill redelivers none of its records. */
async function pauseLiveSink(): Promise<void> {
  await connectCall("PUT", `/connectors/${LIVE_SINK}/pause`);
  await eventually("the stack's sink PAUSED", 60_000, async () => {
    const status = await connectorStatus(CONNECT_URL, LIVE_SINK).catch(() => undefined);
    return status?.tasks.every((t) => t.state === "PAUSED") ? true : undefined;
  });
  await new Promise((r) => setTimeout(r, 12_000));
}

async function resumeLiveSink(): Promise<void> {
  await eventually("Connect back to resume the stack's sink", 180_000, async () => {
    const response = await fetch(`${CONNECT_URL}/connectors/${LIVE_SINK}/resume`, { method: "PUT" }).catch(() =>
      undefined
    );
    await response?.body?.cancel();
    return response?.ok ? true : undefined;
  });
}

/** Runs `fn` with a target of its own: a topic with a MongoDB sink, a bucket, and consumer.ts archiving the topic. */
async function withTarget(fn: (target: Target) => Promise<void>): Promise<void> {
  await withTestSink(async ({ name: topic, kafka, collection }) => {
    const bucket = testName();
    const config = testConfig(topic, bucket);
    const s3 = s3Client(config.s3);
    await createBucket(s3, bucket);
    const consumer = new ConsumerProcess(processEnv(topic, config.groupId, bucket));
    let exited = false;
    consumer.child.status.then(() => exited = true);
    try {
      await fn({
        topic,
        kafka,
        collection,
        s3,
        bucket,
        archivePrefix: `archive/${topic}/`,
        archiverAlive: () => !exited,
      });
    } finally {
      const status = await consumer.stop("SIGTERM");
      assert.equal(status.code, 0, consumer.output.join("\n"));
      await deleteBucket(s3, bucket);
      s3.destroy();
    }
  });
}

const run = { recoverTimeoutMs: 300_000, settleMs: 5_000, log: (line: string) => console.log(line) };

Deno.test("chaos: a Connect kill -9 while 2,000 records flow loses and duplicates no record id", options, async () => {
  await withTarget(async (target) => {
    await pauseLiveSink();
    let result;
    try {
      result = await runScenario(target, connectKill(2_000, 1, 20_000), run);
    } finally {
      await resumeLiveSink();
    }
    assert.ok(!failed(result), formatTable([result]));
  });
});

Deno.test(
  "chaos: a 30 s S3 outage loses and duplicates no record id; the stack's consumer waits it out",
  options,
  async () => {
    await withTarget(async (target) => {
      const liveConsumer = (await programTable()).get("consumer")?.pid;
      const result = await runScenario(target, serverOutage("s3-stop-30s", "s3", 1_000, 30_000), run);
      assert.ok(!failed(result), formatTable([result]));
      const after = (await programTable()).get("consumer");
      assert.equal(after?.state, "RUNNING", "the stack's consumer after the S3 outage");
      assert.equal(after?.pid, liveConsumer, "the stack's consumer exited during the S3 outage instead of waiting");
    });
  },
);
