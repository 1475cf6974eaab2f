/**
 * The guard of every integration test: fails at once, with a message saying to
 * run `task up`, when the local stack is not running (instead of waiting for it).
 * The first check's answer is kept, so a missing stack costs the suite seconds.
 *
 * @module
 */
import { PORTS } from "../stack/services.ts";

/** How long the guard retries a closed port (a service restarting between two tests). */
const GRACE_MS = 10_000;

async function portOpen(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

async function check(ports: readonly (keyof typeof PORTS)[]): Promise<void> {
  const deadline = Date.now() + GRACE_MS;
  for (;;) {
    const closed = [];
    for (const name of ports) if (!await portOpen(PORTS[name])) closed.push(`${name} (127.0.0.1:${PORTS[name]})`);
    if (closed.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`The local stack is not running: nothing answers on ${closed.join(", ")}; run "task up" first`);
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

let first: Promise<void> | undefined;

/**
 * Resolves when Kafka, S3, MongoDB and Connect (or `ports`) accept connections.
 *
 * @throws {Error} Naming what does not answer and saying to run `task up`; after a first failure every later call
 * fails at once with the same error.
 */
export function requireStack(
  ports: readonly (keyof typeof PORTS)[] = ["kafka", "s3", "mongo", "connect"],
): Promise<void> {
  if (first === undefined) {
    first = check(ports);
    first.catch(() => {});
    return first;
  }
  return first.then(() => check(ports));
}
