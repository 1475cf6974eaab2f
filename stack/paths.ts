/**
 * Where the native stack keeps its tools, state and logs, relative to the
 * repository root (all git-ignored).
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const ROOT: string = fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
/** Installed tools: binaries, jars, the supervisor's virtualenv. */
export const TOOLS: string = join(ROOT, ".tools");
/** All state: Kafka logs, FerretDB and S3 data, supervisor files. */
export const DATA: string = join(ROOT, ".data");
/** One log file per service, `<name>.log`. */
export const LOGS: string = join(DATA, "logs");
/** The supervisor's generated config, socket and pid file. */
export const SUPERVISOR_DIR: string = join(DATA, "supervisor");
