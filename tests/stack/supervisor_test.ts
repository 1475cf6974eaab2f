import assert from "node:assert/strict";
import { programsStopping, renderConfig, supervisorLogSize } from "../../stack/supervisor.ts";
import { SERVICES } from "../../stack/services.ts";

Deno.test("renderConfig() lists every service, started by up in order, never autostarted", () => {
  const conf = renderConfig(SERVICES);
  const programs = [...conf.matchAll(/^\[program:([\w-]+)\]$/gm)].map((m) => m[1]);
  assert.deepEqual(programs, SERVICES.map((s) => s.name));
  assert.equal([...conf.matchAll(/^autostart=false$/gm)].length, SERVICES.length);
  // priorities rise in start order, so supervisord stops Kafka after Connect
  const priorities = [...conf.matchAll(/^priority=(\d+)$/gm)].map((m) => Number(m[1]));
  assert.deepEqual(priorities, [...priorities].sort((a, b) => a - b));
});

Deno.test("renderConfig() refers to S3 keys through the environment, never by value", () => {
  const conf = renderConfig(SERVICES);
  assert.match(conf, /ROOT_ACCESS_KEY_ID="%\(ENV_AWS_ACCESS_KEY_ID\)s"/);
  const secret = Deno.env.get("AWS_SECRET_ACCESS_KEY");
  if (secret) assert.ok(!conf.includes(secret), "a secret value reached supervisord.conf");
});

Deno.test("every native service binds to 127.0.0.1", () => {
  for (const service of SERVICES) {
    const args = service.command.join(" ") + JSON.stringify(service.env ?? {});
    assert.doesNotMatch(args, /0\.0\.0\.0/, `${service.name} binds to all interfaces`);
  }
});

Deno.test("programsStopping() names what the current shutdown still waits for", async () => {
  const log = await Deno.makeTempFile({ suffix: ".log" });
  try {
    await Deno.writeTextFile(log, "2026-11-27 13:09:10,905 INFO waiting for kafka, consumer to die\n");
    const from = await supervisorLogSize(log);
    assert.deepEqual(await programsStopping(from, log), [], "an earlier shutdown's line was read");
    await Deno.writeTextFile(
      log,
      "2026-11-27 14:10:08,830 INFO waiting for ferretdb, s3, kafka, consumer to die\n" +
        "2026-11-27 14:10:11,169 WARN killing 'consumer' (32418) with SIGKILL\n" +
        "2026-11-27 14:10:12,785 INFO waiting for ferretdb, s3 to die\n",
      { append: true },
    );
    assert.deepEqual(await programsStopping(from, log), ["ferretdb", "s3"]);
  } finally {
    await Deno.remove(log);
  }
});
