import assert from "node:assert/strict";
import { renderConfig } from "../stack/supervisor.ts";
import { SERVICES } from "../stack/services.ts";

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
