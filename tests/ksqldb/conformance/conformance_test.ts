/**
 * The fast subset of the ksqlDB conformance cases (`fast: true`) that the
 * committed passing list says pass, run against the live server: a case that
 * passed and fails now is a regression. The full run, with the per-family
 * table, is `task test:conformance`. Needs "task up".
 */
import assert from "node:assert/strict";
import { caseId } from "./_case.ts";
import { FAMILIES, passingCases, runCases } from "./_families.ts";
import { options, testKafka } from "../_stack.ts";

Deno.test("every fast conformance case of passing.json still passes", options, async () => {
  const passing = await passingCases();
  const selected = FAMILIES.flatMap((f) =>
    f.cases.filter((c) => c.fast && passing.has(caseId({ family: f.family, name: c.name }))).map((c) => ({
      family: f.family,
      c,
    }))
  );
  assert.ok(selected.length > 0, "passing.json lists no fast case");
  const kafka = testKafka();
  const results = await runCases(selected, kafka);
  const failed = results.filter((r) => r.failure !== undefined).map((r) => `${caseId(r)}: ${r.failure}`);
  assert.deepEqual(failed, []);
});
