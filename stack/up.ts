/**
 * `task up`: starts the native stack's services under supervisord, each once
 * the services it depends on pass their readiness probes, and prints where
 * each one is.
 * Running it again is harmless: ready services are left alone.
 *
 * `--pipeline` starts the producer and consumer instead of the infrastructure.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { LOGS, TOOLS } from "./paths.ts";
import { probeOnce, waitReady } from "./probe.ts";
import { portFree, portHolder } from "./ports.ts";
import { claimProfile, currentProfile, nameWidth, profileServices } from "./profile.ts";
import type { Service } from "./types.ts";
import { formatKafkaStorage, prepareState } from "./state.ts";
import { programStates, startDaemon, supervisorctl, writeConfig } from "./supervisor.ts";
import { runMain } from "../lib/util/mod.ts";
import { sqliteFiles, sqliteMigrated } from "../admin/mongo_migrate.ts";

/** Secrets the stack refuses to start without (stack/bootstrap.sh writes them to .env). */
const REQUIRED_ENV = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "ME_CONFIG_BASICAUTH_PASSWORD",
  "POSTGRES_PASSWORD",
  "CONSOLE_PASSWORD",
];

const REQUIRED_TOOLS = [
  "bin/ferretdb",
  "postgres/postgres",
  "bin/versitygw",
  "venv/bin/supervisord",
  "jars/kafka",
  "jars/flink",
  "npm/node_modules/mongo-express",
];

async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  for (const tool of REQUIRED_TOOLS) {
    try {
      await Deno.stat(join(TOOLS, tool));
    } catch {
      missing.push(`.tools/${tool}`);
    }
  }
  return missing;
}

/** Last `lines` lines of a service's log, for a failed start. */
async function logTail(name: string, lines = 30): Promise<string> {
  try {
    const text = await Deno.readTextFile(join(LOGS, `${name}.log`));
    return text.trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "(no log yet)";
  }
}

/** Throws, naming the port and its holder, when one of `service`'s ports is taken. */
async function assertPortsFree(service: Service): Promise<void> {
  for (const port of service.ports) {
    if (!portFree(port)) {
      throw new Error(
        `Cannot start ${service.name}: port ${port} on 127.0.0.1 is already taken by ${await portHolder(port)}; ` +
          `stop that process (or "task down" if it is an earlier tickpipe stack) and run "task up" again`,
      );
    }
  }
}

async function startService(service: Service, states: Map<string, string>, width: number): Promise<void> {
  const began = performance.now();
  if (states.get(service.name) === "RUNNING" && await probeOnce(service.probe)) {
    console.log(`  ${service.name.padEnd(width)} already up      ${service.url}`);
    return;
  }
  if (states.get(service.name) !== "RUNNING") await assertPortsFree(service);
  const { output } = await supervisorctl("start", service.name);
  if (!(await waitReady(service.probe, service.startSeconds))) {
    throw new Error(
      `${service.name} did not become ready within ${service.startSeconds}s (${output.trim()}); ` +
        `its last log lines (.data/logs/${service.name}.log):\n${await logTail(service.name)}`,
    );
  }
  const seconds = ((performance.now() - began) / 1000).toFixed(1);
  console.log(`  ${service.name.padEnd(width)} ready in ${seconds.padStart(5)}s ${service.url}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { pipeline: { type: "boolean", default: false } } });
  const group = values.pipeline ? "pipeline" : "infra";
  const missing = await missingTools();
  if (missing.length > 0) {
    throw new Error(`Tools are not installed (${missing.join(", ")}); run "bash stack/bootstrap.sh" first`);
  }
  const unset = REQUIRED_ENV.filter((name) => !Deno.env.get(name));
  if (unset.length > 0) {
    throw new Error(`${unset.join(", ")} not set; run "bash stack/bootstrap.sh" to create .env, or set them in .env`);
  }
  const profile = await currentProfile();
  const services = profileServices(profile);
  let states = await programStates();
  if (states === undefined) await claimProfile(profile);
  await writeConfig(services);
  if (states === undefined) {
    await prepareState(profile);
    await formatKafkaStorage(profile);
    for (const service of services.filter((s) => s.group === group)) await assertPortsFree(service);
    await startDaemon();
    states = (await programStates()) ?? new Map();
  } else {
    await prepareState(profile);
    await supervisorctl("reread");
    await supervisorctl("update");
  }
  const what = group === "infra" ? "the stack" : "the pipeline";
  console.log(`Starting ${what}${profile === "cluster" ? " (cluster profile)" : ""}:`);
  await startInOrder(services.filter((s) => s.group === group), states);
  const sqlite = sqliteFiles();
  if (group === "infra" && sqlite.length > 0 && !sqliteMigrated()) {
    console.log(
      `Note: .data/ferretdb holds ${sqlite.length} database(s) of the earlier SQLite backend (${sqlite.join(", ")}), ` +
        `which the MongoDB server no longer serves; copy them with "task mongo:migrate-sqlite" (the files stay ` +
        `as they are; delete .data/ferretdb yourself once you no longer need them)`,
    );
  }
}

/** Starts every service as soon as the ones it depends on are ready; independent ones start together. */
async function startInOrder(services: readonly Service[], states: Map<string, string>): Promise<void> {
  const width = nameWidth(services);
  const started = new Map<string, Promise<void>>();
  const start = (service: Service): Promise<void> => {
    let promise = started.get(service.name);
    if (promise === undefined) {
      const deps = services.filter((s) => service.dependsOn.includes(s.name));
      promise = Promise.all(deps.map(start)).then(() => startService(service, states, width));
      started.set(service.name, promise);
    }
    return promise;
  };
  await Promise.all(services.map(start));
}

if (import.meta.main) await runMain(main);
