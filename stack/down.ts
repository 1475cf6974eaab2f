/**
 * `task down`: stops every service (pipeline first, Kafka last) and the
 * supervisor, and returns once they are all gone. State in .data/ is kept.
 *
 * @module
 */
import { CLUSTER_SERVICES } from "./cluster.ts";
import {
  daemonAlive,
  programsStopping,
  programStates,
  STOP_WAIT_SECS,
  supervisorctl,
  supervisorLogSize,
} from "./supervisor.ts";
import { runMain, sleep } from "../lib/util/mod.ts";

/** supervisord stops programs one after another and kills each after STOP_WAIT_SECS (the larger profile's count). */
const DEADLINE_MS = CLUSTER_SERVICES.length * (STOP_WAIT_SECS + 5) * 1000;
const REPORT_EVERY_MS = 15_000;

async function main(): Promise<void> {
  if ((await programStates()) === undefined) {
    console.log("The stack is not running");
    return;
  }
  const logStart = await supervisorLogSize();
  const { code, output } = await supervisorctl("shutdown");
  if (code !== 0) throw new Error(`supervisorctl shutdown failed (exit ${code}): ${output.trim()}`);
  // shutdown returns once the request is accepted; supervisord stops every
  // program, then removes its pid file and exits
  const started = Date.now();
  let reported = started;
  while (await daemonAlive()) {
    const waited = Date.now() - started;
    if (waited > DEADLINE_MS) {
      throw new Error(
        `supervisord is still stopping after ${Math.round(waited / 1000)} s, waiting for: ${
          (await programsStopping(logStart)).join(", ") || "(nothing logged)"
        }; see .data/logs/supervisord.log, kill the pid in .data/supervisor/supervisord.pid and what it started, then run "task up"`,
      );
    }
    if (Date.now() - reported >= REPORT_EVERY_MS) {
      reported = Date.now();
      const left = await programsStopping(logStart);
      console.log(
        `Still stopping: ${
          left.join(", ") || "services"
        } (one after another; one that ignores SIGTERM is killed after ${STOP_WAIT_SECS} s)`,
      );
    }
    await sleep(500);
  }
  console.log("Stopped every service; state is kept in .data/");
}

if (import.meta.main) await runMain(main);
