/**
 * Small helpers every part shares: environment reading, retry, sleep, the entry-script runner, line
 * reading.
 *
 * Imports nothing of tickpipe's.
 *
 * @module
 */
export { envBool, envChoice, envInt, envOptional, envString, envUrl } from "./env.ts";
export { readLines } from "./read_lines.ts";
export { retryRetriable } from "./retry.ts";
export { runMain } from "./run_main.ts";
export { sleep } from "./sleep.ts";
