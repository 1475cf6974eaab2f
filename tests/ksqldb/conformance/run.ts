/**
 * `task test:conformance`: runs every conformance case against the live
 * ksqlDB-compatible server (KSQLDB_URL, Kafka at KAFKA_BROKERS), prints a
 * pass table per family and writes it to .data/test-output/ksql-conformance.md.
 * Exits 1 when a case of the committed passing list fails. `--update` rewrites
 * the passing list from this run; `--family NAME` runs one family.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { caseId, type CaseResult } from "./_case.ts";
import { FAMILIES, PASSING_FILE, passingCases, runCases } from "./_families.ts";
import { testKafka } from "../_stack.ts";

/** Markdown table of pass/total per family and the failures' reasons. */
export function report(results: readonly CaseResult[]): string {
  const lines = ["| family | pass | total |", "|---|---|---|"];
  let pass = 0;
  for (const { family } of FAMILIES) {
    const mine = results.filter((r) => r.family === family);
    if (mine.length === 0) continue;
    const ok = mine.filter((r) => r.failure === undefined).length;
    pass += ok;
    lines.push(`| ${family} | ${ok} | ${mine.length} |`);
  }
  lines.push(`| **all** | **${pass}** | **${results.length}** |`, "", "## Failing cases", "");
  for (const r of results.filter((r) => r.failure !== undefined)) {
    lines.push(`- ${caseId(r)}: ${r.failure!.slice(0, 400)}`);
  }
  return lines.join("\n") + "\n";
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { update: { type: "boolean", default: false }, family: { type: "string" } },
  });
  const selected = FAMILIES.filter((f) => values.family === undefined || f.family === values.family)
    .flatMap((f) => f.cases.map((c) => ({ family: f.family, c })));
  if (selected.length === 0) throw new RangeError(`No family "${values.family}"; see tests/ksqldb/conformance/`);
  const kafka = testKafka();
  const started = Date.now();
  const results = await runCases(selected, kafka, {
    onResult: (r) =>
      console.log(
        `${r.failure === undefined ? "pass" : "FAIL"}  ${caseId(r)}${r.failure ? `: ${r.failure.slice(0, 300)}` : ""}`,
      ),
  });
  const ordered = selected.map(({ family, c }) => results.find((r) => r.family === family && r.name === c.name)!);
  const table = report(ordered);
  console.log(`\n${table}\n${ordered.length} cases in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  const out = new URL("../../../.data/test-output/", import.meta.url);
  await Deno.mkdir(out, { recursive: true });
  await Deno.writeTextFile(new URL("ksql-conformance.md", out), `# ksqlDB conformance\n\n${table}`);
  const passing = await passingCases();
  if (values.update) {
    const ran = new Set(ordered.map(caseId));
    const kept = [...passing].filter((id) => !ran.has(id));
    const now = ordered.filter((r) => r.failure === undefined).map(caseId);
    await Deno.writeTextFile(PASSING_FILE, JSON.stringify([...kept, ...now].sort(), null, 2) + "\n");
    console.log(`wrote ${PASSING_FILE.pathname}`);
    return;
  }
  const regressed = ordered.filter((r) => r.failure !== undefined && passing.has(caseId(r)));
  if (regressed.length > 0) {
    console.error(`${regressed.length} case(s) of passing.json fail: ${regressed.map(caseId).join(", ")}`);
    Deno.exit(1);
  }
}

if (import.meta.main) await main();
