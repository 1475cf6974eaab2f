/**
 * `consumer.ts` as a subprocess with the same permissions as
 * `deno task consume`, for the tests that kill, signal or outlive it.
 *
 * @module
 */

const CONSUMER = new URL("../../consumer.ts", import.meta.url).pathname;
/** The same permission set as `deno task consume` (deno.json). */
const PERMISSIONS = ["-P=consumer"];

/** The environment of a test's `consumer.ts`: small objects (200 records) closed after 1 s idle. */
export function processEnv(topic: string, groupId: string, bucket: string): Record<string, string> {
  return {
    KAFKA_TOPIC: topic,
    CONSUMER_GROUP: groupId,
    CONSUMER_SESSION_TIMEOUT_MS: "6000",
    S3_BUCKET: bucket,
    ARCHIVE_PREFIX: "archive",
    ARCHIVE_MAX_RECORDS: "200",
    ARCHIVE_IDLE_SECONDS: "1",
  };
}

/** A running `consumer.ts`; counts the objects it reports. */
export class ConsumerProcess {
  readonly child: Deno.ChildProcess;
  archived = 0;
  output: string[] = [];
  #waiters: { count: number; resolve: () => void }[] = [];
  readonly done: Promise<void>;

  constructor(env: Record<string, string>) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: ["run", ...PERMISSIONS, CONSUMER],
      env,
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const read = async (stream: ReadableStream<Uint8Array>) => {
      let rest = "";
      for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop() ?? "";
        for (const line of lines) {
          this.output.push(line);
          if (!line.startsWith("Archived ")) continue;
          this.archived++;
          for (const w of this.#waiters.filter((w) => w.count <= this.archived)) w.resolve();
        }
      }
    };
    this.done = Promise.all([read(this.child.stdout), read(this.child.stderr)]).then(() => {});
  }

  /** Resolves as soon as the process has reported `count` objects. */
  archivedAtLeast(count: number): Promise<void> {
    if (this.archived >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  /**
   * Sends `signal` and returns the exit status. A process still running
   * `graceMs` later hangs (supervisord would kill it): it is killed and the
   * call throws with its output.
   */
  async stop(signal: Deno.Signal, graceMs = 30_000): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch {
      // already exited
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const hung = new Promise<"hung">((resolve) => timer = setTimeout(() => resolve("hung"), graceMs));
    const status = await Promise.race([this.child.status, hung]).finally(() => clearTimeout(timer));
    if (status === "hung") {
      this.child.kill("SIGKILL");
      await Promise.all([this.child.status, this.done]);
      throw new Error(
        `consumer.ts was still running ${graceMs} ms after ${signal}; its output:\n${this.output.join("\n")}`,
      );
    }
    await this.done;
    return status;
  }
}
