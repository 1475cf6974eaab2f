/**
 * `task down`: stops every service (pipeline first, Kafka last) and the
 * supervisor. State in .data/ is kept.
 *
 * @module
 */
import { daemonAlive, programStates, supervisorctl } from "./supervisor.ts";
import { runMain } from "../lib/run_main.ts";
import { sleep } from "../lib/sleep.ts";

async function main(): Promise<void> {
  if ((await programStates()) === undefined) {
    console.log("The stack is not running");
    return;
  }
  const { code, output } = await supervisorctl("shutdown");
  if (code !== 0) throw new Error(`supervisorctl shutdown failed (exit ${code}): ${output.trim()}`);
  // shutdown returns once the request is accepted; supervisord stops every
  // program, then removes its pid file and exits
  for (let i = 0; i < 240 && (await daemonAlive()); i++) {
    await sleep(500);
  }
  console.log("Stopped every service; state is kept in .data/");
}

if (import.meta.main) await runMain(main);
