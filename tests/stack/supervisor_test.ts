import assert from "node:assert/strict";
import { programsStopping, renderConfig, supervisorctl, supervisorLogSize } from "../../stack/supervisor.ts";
import { PIPELINE_START_RETRIES, SERVICES } from "../../stack/services.ts";
import { requireStack } from "../_stack_guard.ts";
import { currentProfile, profileServices } from "../../stack/profile.ts";
import type { Service } from "../../stack/types.ts";

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
  assert.ok(secret, "AWS_SECRET_ACCESS_KEY is unset, so nothing is checked: run with --env-file=.env (task test does)");
  assert.ok(!conf.includes(secret), "a secret value reached supervisord.conf");
});

Deno.test("renderConfig() never lets supervisord give up on the producer or the consumer", () => {
  const conf = renderConfig(SERVICES);
  for (const name of ["producer", "consumer"]) {
    const program = conf.split(`[program:${name}]`)[1]?.split("[program:")[0] ?? "";
    assert.match(program, new RegExp(`^startretries=${PIPELINE_START_RETRIES}$`, "m"), name);
  }
  assert.ok(PIPELINE_START_RETRIES >= 1000, "quick exits in a row before FATAL");
});

/** Every process of the running stack: each program's pid from supervisorctl, and their descendants (from ps). */
async function stackPids(services: readonly Service[]): Promise<Map<number, string>> {
  const ps = await new Deno.Command("ps", { args: ["-e", "-o", "pid=,ppid="] }).output();
  const parents = new Map<number, number>();
  for (const line of new TextDecoder().decode(ps.stdout).split("\n")) {
    const [pid, ppid] = line.trim().split(/\s+/).map(Number);
    if (pid && ppid !== undefined) parents.set(pid, ppid);
  }
  const owners = new Map<number, string>();
  for (const service of services) {
    const { output } = await supervisorctl("pid", service.name);
    const pid = Number(output.trim());
    assert.ok(
      pid > 0,
      `supervisorctl has no pid for ${service.name} ("${output.trim()}"): is the stack up ("task up")?`,
    );
    owners.set(pid, service.name);
  }
  for (let grew = true; grew;) {
    grew = false;
    for (const [pid, ppid] of parents) {
      const owner = owners.get(ppid);
      if (owner !== undefined && !owners.has(pid)) {
        owners.set(pid, owner);
        grew = true;
      }
    }
  }
  return owners;
}

Deno.test("every listening socket of the running stack is bound to 127.0.0.1 or ::1", async () => {
  await requireStack();
  const profile = await currentProfile();
  const services = profileServices(profile);
  const owners = await stackPids(services);
  const { code, stdout, stderr } = await new Deno.Command("ss", { args: ["-H", "-l", "-t", "-u", "-n", "-p"] })
    .output();
  assert.equal(code, 0, new TextDecoder().decode(stderr));
  const sockets: { service: string; local: string }[] = [];
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    const local = line.trim().split(/\s+/)[4];
    if (local === undefined) continue;
    for (const m of line.matchAll(/pid=(\d+)/g)) {
      const service = owners.get(Number(m[1]));
      if (service !== undefined) sockets.push({ service, local });
    }
  }
  const open = sockets.filter((s) => !/^(127\.0\.0\.1|\[::1\]|\[::ffff:127\.0\.0\.1\]):\d+$/.test(s.local));
  assert.deepEqual(open, [], "sockets open beyond loopback");
  // the check saw the stack: every port a service declares is among its sockets
  for (const service of services) {
    for (const port of service.ports) {
      assert.ok(
        sockets.some((s) => s.service === service.name && s.local.endsWith(`:${port}`)),
        `${service.name} has no listening socket on port ${port} among ${JSON.stringify(sockets)}`,
      );
    }
  }
  // the embedded MiniCluster's internal listeners (blob server, REST) are among them, besides the engine's 8089
  // (on the cluster profile the JobManager's are among its declared ports, checked above)
  if (profile === "single") {
    assert.ok(sockets.filter((s) => s.service === "flink").length >= 2, JSON.stringify(sockets));
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
