/**
 * The broker is restarted (through supervisord) while the producer runs:
 * every accepted response must be in the topic exactly once, in order per key.
 * It restarts the shared local broker; the other tests wait for it.
 */
import assert from "node:assert/strict";
import { runProducer } from "../../lib/producer/runner.ts";
import { memoryLogger, readTopic, testConfig, waitForKafka, withTopic } from "./_kafka.ts";
import { restartKafka } from "../_kafka_restart.ts";

Deno.test({
  name: "runProducer() loses and doubles nothing when the broker restarts",
  async fn() {
    await waitForKafka();
    await withTopic(async (topic) => {
      const controller = new AbortController();
      const accepted: [string, string][] = [];
      const log = memoryLogger();
      const config = testConfig(topic, {
        skipUnchanged: false,
        pollIntervalMs: 20,
        stockdata: { ...testConfig(topic).stockdata, symbolsPerRequest: 1 },
      });
      const running = runProducer(config, {
        logger: log,
        signal: controller.signal,
        onAccept: (key, value) => accepted.push([key, value]),
      });
      await new Promise((r) => setTimeout(r, 2000));
      const before = accepted.length;
      await restartKafka();
      await waitForKafka();
      await new Promise((r) => setTimeout(r, 8000));
      controller.abort();
      const summary = await running;
      assert.ok(before > 10 && accepted.length > before + 10, `accepted ${before} before, ${accepted.length} in all`);
      assert.deepEqual([summary.lost, summary.published], [0, accepted.length]);

      const messages = await readTopic(topic);
      const read = messages.map((m) => m.value);
      assert.equal(new Set(read).size, read.length, "a message appears twice");
      assert.deepEqual([...read].sort(), accepted.map(([, v]) => v).sort());
      for (const key of new Set(accepted.map(([k]) => k))) {
        assert.deepEqual(
          messages.filter((m) => m.key === key).map((m) => m.value),
          accepted.filter(([k]) => k === key).map(([, v]) => v),
          `${key} out of order`,
        );
      }
      console.log(`accepted ${accepted.length} (${before} before the restart), read back ${messages.length}`);
    });
  },
});
