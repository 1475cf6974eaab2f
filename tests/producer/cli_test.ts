/**
 * End-to-end: `producer.ts` as a process against the local Kafka. Needs
 * `--allow-run` for the deno binary (the resolved path of `Deno.execPath()`).
 */
import assert from "node:assert/strict";
import { readTopic, waitForKafka, withTopic } from "./_kafka.ts";

await waitForKafka();

Deno.test("producer.ts exits 0 on SIGTERM after flushing", async () => {
  await withTopic(async (topic) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        // the same permission set as `deno task produce` (deno.json)
        "-P=producer",
        "producer.ts",
      ],
      env: {
        KAFKA_TOPIC: topic,
        PRODUCER_POLL_INTERVAL_MS: "50",
        PRODUCER_SKIP_UNCHANGED: "false",
        SIMULATED_ALWAYS_OPEN: "true",
        STOCKDATA_API_TOKEN: "",
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const stdout = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let out = "";
    while (!out.includes("[simulated]")) {
      const { value, done } = await stdout.read();
      if (done) break;
      out += value;
    }
    await new Promise((r) => setTimeout(r, 1000));
    child.kill("SIGTERM");
    for (;;) {
      const { value, done } = await stdout.read();
      if (done) break;
      out += value;
    }
    const [status, stderr] = await Promise.all([child.status, new Response(child.stderr).text()]);
    assert.equal(status.code, 0, `exit ${status.code}\n${out}\n${stderr}`);
    assert.match(out, /SIGTERM: stopping polls/);
    const published = Number(/Summary: published (\d+)/.exec(out)?.[1]);
    assert.ok(published > 5, out);
    assert.equal((await readTopic(topic)).length, published);
  });
});
