/**
 * `deno task sink:guard` (supervised by `task up` as `sink-guard`): every 5 s,
 * restarts any failed connector or task of the Connect worker (the MongoDB
 * sinks, and the tests' own) with backoff (5 s,
 * doubling, at most 5 min) and writes what it saw and did to
 * .data/sink_guard.json, which `task status` prints. Stops on SIGINT/SIGTERM.
 *
 * @module
 */
import { type GuardEntry, guardOnce } from "../lib/connect/mod.ts";
import { envUrl, runMain, sleep } from "../lib/util/mod.ts";

/** Where the guard keeps its state for `task status`. */
export const GUARD_FILE = new URL("../.data/sink_guard.json", import.meta.url);

async function main(): Promise<void> {
  const baseUrl = envUrl("KAFKA_CONNECT_URL", "http://localhost:8083");
  const stop = new AbortController();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => stop.abort());
  const entries = new Map<string, GuardEntry>();
  console.log(`Guarding the connectors of ${baseUrl}`);
  while (!stop.signal.aborted) {
    const reached = await guardOnce(baseUrl, entries);
    const state = {
      updated: new Date().toISOString(),
      connectReached: reached,
      connectors: Object.fromEntries(entries),
    };
    await Deno.writeTextFile(GUARD_FILE, JSON.stringify(state, null, 2) + "\n");
    await sleep(5000, stop.signal);
  }
}

if (import.meta.main) await runMain(main);
