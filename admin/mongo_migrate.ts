/**
 * `task mongo:migrate-sqlite`: copies what the earlier SQLite backend of
 * FerretDB left in .data/ferretdb into the running MongoDB server (`MONGO_URL`,
 * FerretDB on PostgreSQL): every database, collection, document and index. It
 * serves the SQLite files with a second FerretDB on 127.0.0.1:27018 while it
 * copies, never changes them, and writes .data/ferretdb/MIGRATED when done (so
 * `task up` stops mentioning them). Running it again copies only what is
 * missing (documents whose `_id` exists are kept).
 *
 * @module
 */
import { join } from "node:path";
import { MongoClient, MongoServerError } from "mongodb";
import { envString, runMain, sleep } from "../lib/util/mod.ts";

const SQLITE_DIR = new URL("../.data/ferretdb", import.meta.url).pathname;
const FERRETDB = new URL("../.tools/bin/ferretdb", import.meta.url).pathname;
const SOURCE_PORT = 27018;

/** The SQLite database files in `dir` (none when it does not exist). */
export function sqliteFiles(dir = SQLITE_DIR): string[] {
  try {
    return [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".sqlite")).map((e) => e.name);
  } catch {
    return [];
  }
}

/** Whether `task mongo:migrate-sqlite` has copied `dir` already. */
export function sqliteMigrated(dir = SQLITE_DIR): boolean {
  try {
    Deno.statSync(join(dir, "MIGRATED"));
    return true;
  } catch {
    return false;
  }
}

async function copyAll(source: MongoClient, target: MongoClient): Promise<string[]> {
  const report: string[] = [];
  const { databases } = await source.db("admin").admin().listDatabases();
  for (const { name: dbName } of databases) {
    for (const { name } of await source.db(dbName).listCollections().toArray()) {
      const from = source.db(dbName).collection(name);
      const to = target.db(dbName).collection(name);
      let copied = 0;
      let kept = 0;
      let batch: Record<string, unknown>[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        try {
          copied += (await to.insertMany(batch, { ordered: false })).insertedCount;
        } catch (error) {
          // documents already copied by an earlier run keep their _id: counted, not copied again
          if (!(error instanceof MongoServerError) || error.code !== 11000) throw error;
          const inserted =
            (error as MongoServerError & { result?: { insertedCount?: number } }).result?.insertedCount ??
              0;
          copied += inserted;
          kept += batch.length - inserted;
        }
        batch = [];
      };
      for await (const doc of from.find()) {
        batch.push(doc);
        if (batch.length === 1000) await flush();
      }
      await flush();
      for (const index of await from.listIndexes().toArray()) {
        if (index.name === "_id_") continue;
        await to.createIndex(index.key, { name: index.name, unique: index.unique === true });
      }
      report.push(`${dbName}.${name}: ${copied} copied, ${kept} already there`);
    }
  }
  return report;
}

async function main(): Promise<void> {
  const files = sqliteFiles();
  if (files.length === 0) {
    console.log(`No SQLite data in ${SQLITE_DIR}: nothing to migrate`);
    return;
  }
  try {
    Deno.listen({ hostname: "127.0.0.1", port: SOURCE_PORT }).close();
  } catch {
    throw new Error(
      `Port ${SOURCE_PORT} on 127.0.0.1 is taken; stop what holds it, then run "task mongo:migrate-sqlite" again`,
    );
  }
  const server = new Deno.Command(FERRETDB, {
    args: ["-handler=sqlite", `-sqlite-dir=${SQLITE_DIR}`, `-listen-addr=127.0.0.1:${SOURCE_PORT}`, "-log-level=error"],
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  let source: MongoClient | undefined;
  let target: MongoClient | undefined;
  try {
    source = new MongoClient(`mongodb://127.0.0.1:${SOURCE_PORT}`, { serverSelectionTimeoutMS: 20_000 });
    target = new MongoClient(envString("MONGO_URL", "mongodb://127.0.0.1:27017"), { serverSelectionTimeoutMS: 20_000 });
    const report = await copyAll(source, target);
    for (const line of report) console.log(`  ${line}`);
    await Deno.writeTextFile(join(SQLITE_DIR, "MIGRATED"), `${new Date().toISOString()}\n${report.join("\n")}\n`);
    console.log(
      `Copied ${files.length} SQLite database(s) from ${SQLITE_DIR}; the files are unchanged: delete the folder once you no longer need it`,
    );
  } finally {
    await Promise.all([source?.close(), target?.close()]);
    try {
      server.kill("SIGTERM");
    } catch {
      // it has ended already
    }
    await Promise.race([server.status, sleep(5000)]);
  }
}

if (import.meta.main) await runMain(main);
