/**
 * Polls quotes (StockData.org, a replay file or a simulated market) and
 * publishes every response to Kafka topic `api-data`.
 *
 * ```sh
 * deno task produce            # settings from env / .env, see README
 * deno task produce --help
 * ```
 *
 * @module
 */
import { parseArgs } from "node:util";
import { consoleLogger, PRODUCER_ENV, producerConfig, runProducer } from "./lib/producer/mod.ts";
import { runMain } from "./lib/util/mod.ts";

const HELP = `Usage: producer.ts [--max-polls N]

Publishes quote envelopes to Kafka. Settings come from the environment:
  ${PRODUCER_ENV.join("\n  ")}
Stop with Ctrl-C (SIGINT) or SIGTERM: polling stops, accepted quotes are flushed.`;

/** Entry point: reads settings, runs until a signal, exits 0 (1 if quotes were lost). */
async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: { "max-polls": { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    console.log(HELP);
    return;
  }
  const maxPolls = values["max-polls"] === undefined ? undefined : Number(values["max-polls"]);
  if (maxPolls !== undefined && !(Number.isInteger(maxPolls) && maxPolls > 0)) {
    throw new RangeError(
      `--max-polls="${values["max-polls"]}" is not a positive whole number; pass e.g. --max-polls 10`,
    );
  }

  let config;
  try {
    config = producerConfig();
  } catch (error) {
    consoleLogger.error((error as Error).message);
    Deno.exit(2);
  }

  const controller = new AbortController();
  const stop = (name: string) => () => {
    if (controller.signal.aborted) return;
    consoleLogger.info(`${name}: stopping polls, flushing what was accepted`);
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", stop("SIGINT"));
  Deno.addSignalListener("SIGTERM", stop("SIGTERM"));
  const summary = await runProducer(config, {
    signal: controller.signal,
    ...(maxPolls === undefined ? {} : { maxPolls }),
  });
  // runProducer's summary line has said how many were lost
  if (summary.lost > 0) Deno.exit(1);
}

if (import.meta.main) await runMain(main);
