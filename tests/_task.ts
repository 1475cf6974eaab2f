/**
 * Runs the project's own go-task, for tests that restart the stack.
 *
 * @module
 */
import assert from "node:assert/strict";

const TASK = new URL("../.tools/bin/task", import.meta.url).pathname;

/** Runs `task <args>` and returns its output. @throws {AssertionError} On a non-zero exit, with the output. */
export async function task(...args: string[]): Promise<string> {
  const { code, stdout, stderr } = await new Deno.Command(TASK, { args, stdout: "piped", stderr: "piped" }).output();
  const output = new TextDecoder().decode(stdout) + new TextDecoder().decode(stderr);
  assert.equal(code, 0, `task ${args.join(" ")} failed:\n${output}`);
  return output;
}
