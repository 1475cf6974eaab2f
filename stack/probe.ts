/**
 * Readiness probes for the native stack's services.
 *
 * @module
 */

import { sleep } from "../lib/util/mod.ts";
import { programStates } from "./supervisor.ts";
import type { Probe } from "./types.ts";

/** Returns whether something accepts TCP connections on 127.0.0.1:`port`. */
export async function tcpOpen(port: number): Promise<boolean> {
  try {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port });
    conn.close();
    return true;
  } catch {
    return false;
  }
}

/** Returns the HTTP status of a GET to `url`, or `undefined` when nothing answers within 3 s. */
export async function httpStatus(url: string): Promise<number | undefined> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(3000) });
    await response.body?.cancel();
    return response.status;
  } catch {
    return undefined;
  }
}

/** Runs `probe` once; true when the service is ready. */
export async function probeOnce(probe: Probe): Promise<boolean> {
  if (probe.kind === "tcp") return await tcpOpen(probe.port);
  if (probe.kind === "running") return (await programStates())?.get(probe.name) === "RUNNING";
  const status = await httpStatus(probe.url);
  return status !== undefined && probe.expect.includes(status);
}

/**
 * Runs `probe` every 500 ms until it passes or `timeoutSeconds` have gone by.
 *
 * @returns Whether the probe passed in time.
 */
export async function waitReady(probe: Probe, timeoutSeconds: number): Promise<boolean> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  while (Date.now() < deadline) {
    if (await probeOnce(probe)) return true;
    await sleep(500);
  }
  return false;
}
