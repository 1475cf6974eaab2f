/**
 * A Flink standalone session cluster of the test's own, started from the Flink
 * jars of .tools/jars/flink with Flink's own entry points (one JobManager,
 * `StandaloneSessionClusterEntrypoint`; N TaskManagers, `TaskManagerRunner`),
 * checkpointing to the local S3 server through the S3 plugin of
 * .tools/jars/flink-plugins. The cluster's classpath leaves out the Kafka SQL
 * connector and tickpipe's engine jar, as a Flink distribution's lib/ does, so
 * the engine must ship them with each job. Plus a Flink engine (ksqldb/flink)
 * and ksqlDB-compatible server processes pointed at it.
 */
import { join, resolve } from "node:path";
import { eventually } from "./_stack.ts";

const JARS = resolve(".tools/jars/flink");
const PLUGINS = resolve(".tools/jars/flink-plugins");

/** A free TCP port on loopback. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  return port;
}

/** The environment every Flink process gets: S3 endpoint, region and credentials, the plugins folder. */
function flinkEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = { FLINK_PLUGINS_DIR: PLUGINS, ...extra };
  for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION", "AWS_ENDPOINT_URL_S3"]) {
    const value = Deno.env.get(name);
    if (value !== undefined) env[name] = value;
  }
  return env;
}

/** Spawns `java` with `args`, its output appended to `log`. */
function spawnJava(args: string[], log: string, env: Record<string, string>): Promise<Deno.ChildProcess> {
  return spawnLogged("java", args, env, log);
}

/** Spawns `command` with `args` and `env`, its stdout and stderr appended to `log`. */
async function spawnLogged(
  command: string,
  args: string[],
  env: Record<string, string>,
  log: string,
): Promise<Deno.ChildProcess> {
  const child = new Deno.Command(command, { args, env, stdout: "piped", stderr: "piped" }).spawn();
  const file = await Deno.open(log, { write: true, create: true, append: true });
  const writer = file.writable.getWriter();
  const copy = async (stream: ReadableStream<Uint8Array>) => {
    for await (const chunk of stream) await writer.write(chunk).catch(() => {});
  };
  Promise.all([copy(child.stdout), copy(child.stderr)]).finally(() => writer.close().catch(() => {}));
  return child;
}

/** Kills `child` with SIGKILL and waits for it to exit. */
export async function kill9(child: Deno.ChildProcess): Promise<void> {
  try {
    child.kill("SIGKILL");
  } catch {
    // already gone
  }
  await child.status;
}

/** The cluster's classpath: every Flink jar but the Kafka connector and tickpipe's engine. */
async function clusterClasspath(): Promise<string> {
  const jars: string[] = [];
  for await (const entry of Deno.readDir(JARS)) {
    if (!entry.name.endsWith(".jar")) continue;
    if (entry.name.startsWith("flink-sql-connector-kafka") || entry.name.startsWith("tickpipe-flink-engine")) continue;
    jars.push(join(JARS, entry.name));
  }
  return jars.sort().join(":");
}

/** A running session cluster. */
export class FlinkSessionCluster {
  readonly dir: string;
  readonly restUrl: string;
  readonly taskManagers: (Deno.ChildProcess | undefined)[] = [];
  jobManager: Deno.ChildProcess | undefined;
  #classpath: string;

  private constructor(dir: string, restPort: number, classpath: string) {
    this.dir = dir;
    this.restUrl = `http://127.0.0.1:${restPort}`;
    this.#classpath = classpath;
  }

  /** Writes the cluster's config.yaml in `dir` and starts the JobManager and `taskManagers` TaskManagers. */
  static async start(dir: string, taskManagers: number, slots = 4): Promise<FlinkSessionCluster> {
    const restPort = freePort();
    const conf: Record<string, string | number | boolean> = {
      "jobmanager.rpc.address": "127.0.0.1",
      "jobmanager.rpc.port": freePort(),
      "jobmanager.bind-host": "127.0.0.1",
      "jobmanager.memory.process.size": "640m",
      "rest.address": "127.0.0.1",
      "rest.bind-address": "127.0.0.1",
      "rest.port": restPort,
      "taskmanager.host": "127.0.0.1",
      "taskmanager.bind-host": "127.0.0.1",
      "taskmanager.numberOfTaskSlots": slots,
      // started without Flink's scripts, a TaskManager needs every part of its memory (and its cores) set
      "taskmanager.cpu.cores": 2,
      "taskmanager.memory.framework.heap.size": "64mb",
      "taskmanager.memory.framework.off-heap.size": "64mb",
      "taskmanager.memory.task.heap.size": "192mb",
      "taskmanager.memory.task.off-heap.size": "0mb",
      "taskmanager.memory.jvm-metaspace.size": "192mb",
      "taskmanager.memory.jvm-overhead.min": "64mb",
      "taskmanager.memory.jvm-overhead.max": "64mb",
      "taskmanager.memory.network.min": "32mb",
      "taskmanager.memory.network.max": "32mb",
      "taskmanager.memory.managed.size": "32mb",
      // a killed TaskManager is noticed in seconds, not Flink's default 50 s
      // on a loaded machine the RPC actor system takes longer than its default 10 s to start
      "pekko.startup-timeout": "120 s",
      "heartbeat.interval": 2000,
      "heartbeat.timeout": 8000,
      "io.tmp.dirs": join(dir, "tmp"),
      "s3.path.style.access": true,
      // S3-compatible servers such as versitygw reject the SDK's multi-object delete (checksum headers):
      // keep directory markers instead of deleting them after each write, and delete objects one by one
      "s3.directory.marker.retention": "keep",
      "s3.multiobjectdelete.enable": false,
    };
    const endpoint = Deno.env.get("AWS_ENDPOINT_URL_S3");
    if (endpoint) conf["s3.endpoint"] = endpoint;
    await Deno.mkdir(join(dir, "conf"), { recursive: true });
    await Deno.mkdir(join(dir, "tmp"), { recursive: true });
    await Deno.writeTextFile(
      join(dir, "conf", "config.yaml"),
      Object.entries(conf).map(([k, v]) => `${k}: ${v}`).join("\n") + "\n",
    );
    await Deno.copyFile("ksqldb/flink/log4j2.properties", join(dir, "conf", "log4j2.properties"));
    const cluster = new FlinkSessionCluster(dir, restPort, await clusterClasspath());
    try {
      await cluster.startJobManager();
      for (let i = 0; i < taskManagers; i++) await cluster.startTaskManager(i);
      await cluster.waitForTaskManagers(taskManagers);
    } catch (error) {
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  #jvm(main: string, name: string, heap: string): string[] {
    return [
      `-Xmx${heap}`,
      "-XX:MaxDirectMemorySize=160m",
      "-XX:TieredStopAtLevel=1",
      "-XX:MaxMetaspaceSize=192m",
      "-XX:+UseSerialGC",
      `-Dlog4j2.configurationFile=${join(this.dir, "conf", "log4j2.properties")}`,
      `-Djava.io.tmpdir=${join(this.dir, "tmp")}`,
      `-Dtickpipe.process=${name}`,
      "-cp",
      this.#classpath,
      main,
      "--configDir",
      join(this.dir, "conf"),
    ];
  }

  /** Starts (again) the JobManager and waits for its REST API. */
  async startJobManager(): Promise<void> {
    this.jobManager = await spawnJava(
      this.#jvm("org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint", "jobmanager", "384m"),
      join(this.dir, "jobmanager.log"),
      flinkEnv(),
    );
    await eventually("the Flink JobManager's REST API", 300_000, async () => {
      try {
        const response = await fetch(`${this.restUrl}/overview`);
        await response.body?.cancel();
        return response.ok || undefined;
      } catch {
        return undefined;
      }
    });
  }

  /** Starts (again) TaskManager `index` (resource id `tm-<index>`). */
  async startTaskManager(index: number): Promise<void> {
    const args = this.#jvm("org.apache.flink.runtime.taskexecutor.TaskManagerRunner", `tm-${index}`, "400m");
    args.push("-D", `taskmanager.resource-id=tm-${index}`);
    this.taskManagers[index] = await spawnJava(args, join(this.dir, `taskmanager-${index}.log`), flinkEnv());
  }

  /** Waits until `count` TaskManagers are registered with the JobManager. */
  async waitForTaskManagers(count: number): Promise<void> {
    await eventually(`${count} Flink TaskManager(s)`, 600_000, async () => {
      const response = await fetch(`${this.restUrl}/taskmanagers`);
      const body = await response.json() as { taskmanagers: unknown[] };
      return body.taskmanagers.length >= count || undefined;
    });
  }

  /** The cluster's jobs (`/jobs/overview`). */
  async jobs(): Promise<{ jid: string; name: string; state: string }[]> {
    const response = await fetch(`${this.restUrl}/jobs/overview`);
    return ((await response.json()) as { jobs: { jid: string; name: string; state: string }[] }).jobs;
  }

  /** The resource ids of the TaskManagers running job `jid`'s tasks. */
  async taskManagersOf(jid: string): Promise<string[]> {
    const job = await (await fetch(`${this.restUrl}/jobs/${jid}`)).json() as { vertices: { id: string }[] };
    const ids = new Set<string>();
    for (const vertex of job.vertices) {
      const body = await (await fetch(`${this.restUrl}/jobs/${jid}/vertices/${vertex.id}/taskmanagers`)).json() as {
        taskmanagers: { "taskmanager-id": string }[];
      };
      for (const tm of body.taskmanagers) ids.add(tm["taskmanager-id"]);
    }
    return [...ids];
  }

  /** Kills every process of the cluster. */
  async stop(): Promise<void> {
    for (const tm of this.taskManagers) if (tm) await kill9(tm);
    if (this.jobManager) await kill9(this.jobManager);
  }
}

/** Settings of {@link startEngine}. */
export interface EngineOptions {
  readonly port: number;
  readonly stateDir: string;
  /** FLINK_REST_URL; unset: an embedded MiniCluster. */
  readonly restUrl?: string;
  readonly checkpointDir?: string;
  readonly serviceId: string;
  /** FLINK_PARALLELISM. @default 1 */
  readonly parallelism?: number;
}

/** Starts a Flink engine (ksqldb/flink) and waits for its /health to answer (200 or 503). */
export async function startEngine(options: EngineOptions): Promise<Deno.ChildProcess> {
  await Deno.mkdir(options.stateDir, { recursive: true });
  const env = flinkEnv({
    KSQLDB_SERVICE_ID: options.serviceId,
    ...(options.restUrl ? { FLINK_REST_URL: options.restUrl } : {}),
    ...(options.checkpointDir ? { FLINK_CHECKPOINT_DIR: options.checkpointDir } : {}),
    ...(options.parallelism ? { FLINK_PARALLELISM: String(options.parallelism) } : {}),
  });
  const engine = await spawnJava(
    [
      "-Xmx384m",
      "-XX:+UseSerialGC",
      "-XX:TieredStopAtLevel=1",
      "-Dlog4j2.configurationFile=ksqldb/flink/log4j2.properties",
      `-Djava.io.tmpdir=${join(options.stateDir, "tmp")}`,
      "-cp",
      `${JARS}/*`,
      "tickpipe.flink.FlinkEngine",
      "--port",
      String(options.port),
      "--state-dir",
      options.stateDir,
    ],
    join(options.stateDir, "engine.log"),
    env,
  );
  await eventually("the Flink engine", 300_000, async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${options.port}/health`);
      await response.body?.cancel();
      return response.status === 200 || response.status === 503 || undefined;
    } catch {
      return undefined;
    }
  });
  return engine;
}

/** Starts a ksqlDB-compatible server process (`ksqldb/server/server.ts`) and waits for /info. */
export async function startServerProcess(
  options: { port: number; enginePort: number; stateDir: string; serviceId: string },
): Promise<Deno.ChildProcess> {
  await Deno.mkdir(options.stateDir, { recursive: true });
  const state = resolve(options.stateDir);
  const child = await spawnLogged(
    Deno.execPath(),
    [
      "run",
      "--allow-net=127.0.0.1,localhost",
      "--allow-env=KSQLDB_*,FLINK_ENGINE_URL,NODE_ENV,KAFKAJS_*,KAFKA_*",
      `--allow-read=${state}`,
      `--allow-write=${state}`,
      "ksqldb/server/server.ts",
    ],
    {
      KSQLDB_PORT: String(options.port),
      FLINK_ENGINE_URL: `http://127.0.0.1:${options.enginePort}`,
      KSQLDB_STATE_DIR: state,
      KSQLDB_SERVICE_ID: options.serviceId,
    },
    join(state, "server.log"),
  );
  await eventually("the ksqlDB server process", 300_000, async () => {
    try {
      const response = await fetch(`http://127.0.0.1:${options.port}/info`);
      await response.body?.cancel();
      return response.ok || undefined;
    } catch {
      return undefined;
    }
  });
  return child;
}
