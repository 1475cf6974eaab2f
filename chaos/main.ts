/**
 * The chaos suite against the live stack (`task chaos`): faults while records
 * with unique ids flow through `api-data` into `mydb.api` and the archive,
 * counted per id; then the load run. Prints a table and the load figures;
 * exits 1 on any loss, duplicate or recovery that needed a hand.
 *
 *     deno task chaos                          # every scenario, then the load run
 *     deno task chaos --only s3-stop,down-up   # some scenarios
 *     deno task chaos --scale 0.1 --no-load    # fewer records, no load run
 *     deno task chaos --load-minutes 30        # wait up to 30 min for the load run's records (default 10)
 *
 * The stack's producer is stopped while the suite runs (so the archive's
 * batches close when idle, not at their age limit) and started again after.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { runMain } from "../lib/util/mod.ts";
import { requireStack } from "../tests/_stack_guard.ts";
import { task } from "../tests/_task.ts";
import { control, programTable } from "./faults.ts";
import { formatLoad, runLoad } from "./load.ts";
import { liveTarget } from "./live_target.ts";
import {
  brokerKill,
  connectKill,
  downUp,
  failed,
  formatTable,
  programKill,
  runScenario,
  type Scenario,
  serverOutage,
} from "./scenarios.ts";

/** How long S3 stays down: longer than the 89 s in which the old consumer crash-looped 40 times, and far longer than supervisord's old retry window (3 quick exits, about 6 s of backoff). */
const S3_DOWN_MS = 120_000;

function scenarios(scale: number, restart: () => Promise<void>): Scenario[] {
  const n = (records: number) => Math.max(100, Math.round(records * scale));
  return [
    connectKill(n(20_000), 3, 90_000),
    brokerKill(n(10_000), 45_000),
    serverOutage("mongo-stop-60s", "ferretdb", n(5_000), 60_000),
    serverOutage(`s3-stop-${S3_DOWN_MS / 1000}s`, "s3", n(5_000), S3_DOWN_MS),
    downUp(n(10_000), restart),
    programKill("consumer", n(10_000), 2, 30_000),
  ];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      only: { type: "string" },
      scale: { type: "string", default: "1" },
      "no-load": { type: "boolean", default: false },
      "load-records": { type: "string", default: "200000" },
      "load-minutes": { type: "string", default: "10" },
    },
  });
  const scale = Number(values.scale);
  if (!(scale > 0)) throw new RangeError(`--scale must be a positive number, got "${values.scale}"; try --scale 0.1`);
  const loadRecords = Number(values["load-records"]);
  if (!Number.isInteger(loadRecords) || loadRecords < 1) {
    throw new RangeError(`--load-records must be a positive integer, got "${values["load-records"]}"`);
  }
  const loadMinutes = Number(values["load-minutes"]);
  if (!(loadMinutes > 0)) {
    throw new RangeError(`--load-minutes must be a positive number, got "${values["load-minutes"]}"`);
  }
  await requireStack(["kafka", "s3", "mongo", "connect", "ksqldb"]);
  const live = liveTarget(kafkaClient(kafkaSettings("tickpipe-chaos")), "consumer");
  const target = live.target;
  const producerRan = (await programTable()).get("producer")?.state === "RUNNING";
  if (producerRan) await control("stop", "producer");
  const restart = async () => {
    await task("down");
    await task("up");
    if (producerRan) await control("stop", "producer");
  };
  const log = (line: string) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);
  let bad = false;
  try {
    const only = values.only?.split(",");
    const chosen = scenarios(scale, restart).filter((s) => !only || only.some((o) => s.name.startsWith(o)));
    const results = [];
    for (const scenario of chosen) {
      results.push(await runScenario(target, scenario, { recoverTimeoutMs: 600_000, settleMs: 15_000, log }));
      console.log(formatTable(results));
    }
    bad = results.some(failed);
    if (!values["no-load"]) {
      const load = await runLoad(target, { records: loadRecords, timeoutMs: loadMinutes * 60_000, log });
      console.log(formatLoad(load));
      bad ||= load.mongo.lost + load.mongo.duplicated + load.s3.lost + load.s3.duplicated + load.quotes.lost > 0;
    }
    console.log("\nChaos results\n" + formatTable(results));
  } finally {
    if (producerRan) await control("start", "producer");
    await live.close();
  }
  if (bad) throw new Error("Chaos suite: records were lost or duplicated, or a service did not recover (table above)");
}

if (import.meta.main) await runMain(main);
