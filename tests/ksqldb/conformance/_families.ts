/**
 * Every conformance family, in the order the report lists them (most used by
 * a market-data pipeline first), and the runner shared by `run.ts` and the
 * `deno test` subset.
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import { type CaseResult, type ConformanceCase, type Family, runCase } from "./_case.ts";
import { cases as latestEarliest } from "./latest_earliest_by_offset.ts";
import { cases as aggregatesNulls } from "./aggregates_nulls.ts";
import { cases as windows } from "./windows_tumbling_hopping_session.ts";
import { cases as partitionBy } from "./partition_by_keys.ts";
import { cases as typeWidening } from "./type_widening_case_in_coalesce.ts";
import { cases as collect } from "./collect_topk_histogram_stats.ts";
import { cases as strings } from "./functions_string.ts";
import { cases as math } from "./functions_math.ts";
import { cases as datetime } from "./functions_datetime.ts";
import { cases as jsonUrl } from "./functions_json_url.ts";
import { cases as collections } from "./arrays_maps_structs_lambdas.ts";
import { cases as joins } from "./joins_stream_stream_within.ts";
import { cases as rejections } from "./rejections.ts";
import { cases as processingLog } from "./processing_log.ts";

/** The families, each named after its file. */
export const FAMILIES: readonly Family[] = [
  { family: "latest_earliest_by_offset", cases: latestEarliest },
  { family: "aggregates_nulls", cases: aggregatesNulls },
  { family: "windows_tumbling_hopping_session", cases: windows },
  { family: "partition_by_keys", cases: partitionBy },
  { family: "type_widening_case_in_coalesce", cases: typeWidening },
  { family: "collect_topk_histogram_stats", cases: collect },
  { family: "functions_string", cases: strings },
  { family: "functions_math", cases: math },
  { family: "functions_datetime", cases: datetime },
  { family: "functions_json_url", cases: jsonUrl },
  { family: "arrays_maps_structs_lambdas", cases: collections },
  { family: "joins_stream_stream_within", cases: joins },
  { family: "rejections", cases: rejections },
  { family: "processing_log", cases: processingLog },
];

/** The committed list of cases that pass (`family/name`), which `deno test` and `task test:conformance` hold to. */
export const PASSING_FILE = new URL("./passing.json", import.meta.url);

/** Reads {@link PASSING_FILE}. */
export async function passingCases(): Promise<Set<string>> {
  return new Set(JSON.parse(await Deno.readTextFile(PASSING_FILE)) as string[]);
}

/**
 * Runs `selected` cases, `concurrency` at a time (each starts Flink jobs), reporting each result to `onResult`.
 *
 * @default concurrency 3
 */
export async function runCases(
  selected: readonly { family: string; c: ConformanceCase }[],
  kafka: Kafka,
  options: { concurrency?: number; onResult?: (r: CaseResult) => void } = {},
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  const queue = [...selected];
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const result = await runCase(next.family, next.c, kafka);
      options.onResult?.(result);
      results.push(result);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 3 }, worker));
  return results;
}
