/**
 * `task ksql:apply`: applies `ksql/*.sql` in file-name order through the ksqlDB
 * REST API of KSQLDB_URL (default http://localhost:8088): tickpipe's
 * Flink-backed server or a real ksqlDB. Idempotent: a stream or table that
 * already exists is left alone (with its query), so a second run changes nothing.
 * `SET 'prop' = 'value';` applies to the rest of its file, as in the ksqlDB CLI.
 *
 *   deno task ksql:apply [--dir ksql] [file.sql ...]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { join } from "node:path";
import { KsqldbClient, KsqldbError, ksqldbUrl } from "./ksql_client.ts";
import { parseKsql, splitStatements, type Statement } from "../ksqldb/server/mod.ts";
import { retryRetriable, runMain } from "../lib/util/mod.ts";

/** What happened to one statement. */
export interface AppliedStatement {
  readonly file: string;
  readonly statement: string;
  /** `ran`: sent to ksqlDB; `exists`: skipped, its stream/table/query exists; `set`: a property for the rest of the file. */
  readonly action: "ran" | "exists" | "set";
  readonly message: string;
  readonly warnings: readonly string[];
}

/** The `.sql` files of `dir`, in name order. */
export async function ksqlFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isFile && entry.name.endsWith(".sql")) files.push(join(dir, entry.name));
  }
  return files.sort();
}

function parsed(text: string): Statement | undefined {
  try {
    return parseKsql(text)[0];
  } catch {
    return undefined; // a statement only the real ksqlDB knows: send it as written
  }
}

async function existing(client: KsqldbClient): Promise<{ sources: Set<string>; queries: Set<string> }> {
  const entities = await client.ksql("SHOW STREAMS; SHOW TABLES; SHOW QUERIES;");
  const sources = new Set<string>();
  const queries = new Set<string>();
  for (const entity of entities) {
    for (const s of [...(entity.streams as { name: string }[] ?? []), ...(entity.tables as { name: string }[] ?? [])]) {
      sources.add(s.name);
    }
    for (const q of (entity.queries as { queryString: string }[] ?? [])) queries.add(q.queryString.trim());
  }
  return { sources, queries };
}

function withRetry<T>(task: () => Promise<T>): Promise<T> {
  return retryRetriable(task, {
    attempts: 5,
    delayMs: 2000,
    isRetriable: (error) => error instanceof KsqldbError && error.retriable,
    onRetry: (error) => console.error(`${(error as Error).message}; retrying in 2s`),
  });
}

/** A script to apply: its name (for messages) and its text. */
export interface KsqlScript {
  readonly file: string;
  readonly text: string;
}

/**
 * Applies the statements of `files` in order.
 *
 * @throws {KsqldbError} On the first statement ksqlDB rejects; `statementText` names it.
 */
export async function applyKsqlFiles(
  client: KsqldbClient,
  files: readonly string[],
  options: { log?: (line: string) => void } = {},
): Promise<AppliedStatement[]> {
  const scripts: KsqlScript[] = [];
  for (const file of files) scripts.push({ file, text: await Deno.readTextFile(file) });
  return await applyKsql(client, scripts, options);
}

/**
 * Applies the statements of `scripts` in order; a stream or table that exists is skipped.
 *
 * @throws {KsqldbError} On the first statement ksqlDB rejects; `statementText` names it.
 */
export async function applyKsql(
  client: KsqldbClient,
  scripts: readonly KsqlScript[],
  options: { log?: (line: string) => void } = {},
): Promise<AppliedStatement[]> {
  const log = options.log ?? (() => {});
  const state = await withRetry(() => existing(client));
  const results: AppliedStatement[] = [];
  for (const { file, text: script } of scripts) {
    const props: Record<string, string> = {};
    for (const text of splitStatements(script)) {
      const statement = parsed(text);
      const record = (action: AppliedStatement["action"], message: string, warnings: string[] = []) => {
        results.push({ file, statement: text, action, message, warnings });
        log(`${file}: ${message}`);
        for (const w of warnings) log(`  warning: ${w}`);
      };
      if (statement?.kind === "set") {
        props[statement.name] = statement.value;
        record("set", `SET '${statement.name}' = '${statement.value}'`);
        continue;
      }
      if (statement?.kind === "unset") {
        delete props[statement.name];
        record("set", `UNSET '${statement.name}'`);
        continue;
      }
      if ((statement?.kind === "createSource" || statement?.kind === "createAs") && state.sources.has(statement.name)) {
        record("exists", `${statement.sourceType} ${statement.name} exists; left as it is`);
        continue;
      }
      if (statement?.kind === "insertInto" && state.queries.has(text.trim())) {
        record("exists", `INSERT INTO ${statement.target} runs already; left as it is`);
        continue;
      }
      const entities = await withRetry(() => client.ksql(text, props));
      for (const entity of entities) {
        const status = entity.commandStatus as { message?: string } | undefined;
        record("ran", status?.message ?? entity["@type"], (entity.warnings ?? []).map((w) => w.message));
      }
      if (entities.length === 0) record("ran", "done");
      if (statement?.kind === "createSource" || statement?.kind === "createAs") state.sources.add(statement.name);
    }
  }
  return results;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { dir: { type: "string", default: "ksql" } },
  });
  const client = new KsqldbClient(ksqldbUrl());
  const files = positionals.length > 0 ? positionals : await ksqlFiles(values.dir);
  if (files.length === 0) throw new Error(`No .sql files in "${values.dir}"; add some or pass files as arguments`);
  const started = performance.now();
  try {
    const results = await applyKsqlFiles(client, files, { log: (line) => console.log(line) });
    const ran = results.filter((r) => r.action === "ran").length;
    const kept = results.filter((r) => r.action === "exists").length;
    console.log(
      `Applied ${files.length} files to ${client.url} in ${
        ((performance.now() - started) / 1000).toFixed(1)
      }s: ${ran} statements run, ${kept} already in place`,
    );
  } catch (error) {
    if (error instanceof KsqldbError) {
      console.error(
        `ksqlDB rejected ${
          error.statementText ? `"${error.statementText}"` : "a statement"
        } (error ${error.errorCode}): ${error.message}`,
      );
      Deno.exit(1);
    }
    throw error;
  }
}

if (import.meta.main) await runMain(main);
