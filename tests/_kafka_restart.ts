/**
 * Restarts the local stack's broker through supervisord, for the tests that
 * check what survives it. The other tests wait for it to come back.
 *
 * @module
 */
import assert from "node:assert/strict";
import { supervisorctl } from "../stack/supervisor.ts";

/** Restarts the `kafka` program; resolves once supervisord reports it started. */
export async function restartKafka(): Promise<void> {
  const { code, output } = await supervisorctl("restart", "kafka");
  assert.equal(code, 0, `supervisorctl restart kafka failed: ${output}`);
}
