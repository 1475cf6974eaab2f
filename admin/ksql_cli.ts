/**
 * `deno task ksql`: an interactive ksqlDB shell against KSQLDB_URL (default
 * http://localhost:8088), tickpipe's Flink-backed server or a real ksqlDB.
 * Statements may span lines and end with `;`. SELECT rows stream in as they
 * arrive; Ctrl-C cancels the running query (at the prompt it drops the
 * unfinished statement); Ctrl-D or `exit` quits. `SET 'prop' = 'value';` and
 * `UNSET 'prop';` apply to the session. On a terminal, up/down browse the
 * statements run before, kept in `--history` (default .data/ksqldb/cli_history;
 * without read/write permission for it, history lasts for the session);
 * `history` lists them.
 *
 *   deno task ksql [--url http://localhost:8088] [-e "SHOW STREAMS;"] [--history FILE]
 *
 * @module
 */
import { parseArgs } from "node:util";
import { KsqldbClient, KsqldbError, ksqldbUrl, type KsqlEntity } from "./ksql_client.ts";
import { runMain } from "../lib/util/mod.ts";
import { History, TerminalReader } from "./ksql_line_editor.ts";

/** Where the shell keeps its history unless `--history` says otherwise. */
export const DEFAULT_HISTORY_FILE = ".data/ksqldb/cli_history";

const encoder = new TextEncoder();

function write(text: string): void {
  Deno.stdout.writeSync(encoder.encode(text));
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return "null";
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** Formats `rows` under `headers` as an ASCII table, ksql CLI style. */
export function formatTable(headers: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? "").length)));
  const line = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+`;
  const format = (cells: readonly string[]) => `|${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join("|")}|`;
  return [line, format(headers), line, ...text.map(format), line].join("\n");
}

/** The text a person reads for one `/ksql` response entity. */
export function renderEntity(entity: KsqlEntity): string {
  const out: string[] = [];
  switch (entity["@type"]) {
    case "currentStatus": {
      const status = entity.commandStatus as { message: string };
      out.push(formatTable(["Message"], [[status.message]]));
      break;
    }
    case "streams":
    case "tables": {
      const list = (entity[entity["@type"]] as Record<string, unknown>[]) ?? [];
      const title = entity["@type"] === "streams" ? "Stream Name" : "Table Name";
      out.push(
        formatTable(
          [title, "Kafka Topic", "Key Format", "Value Format", "Windowed"],
          list.map((s) => [s.name, s.topic, s.keyFormat, s.valueFormat, s.isWindowed]),
        ),
      );
      break;
    }
    case "kafka_topics": {
      const list = (entity.topics as { name: string; replicaInfo: number[] }[]) ?? [];
      out.push(
        formatTable(
          ["Kafka Topic", "Partitions", "Partition Replicas"],
          list.map((t) => [t.name, t.replicaInfo.length, t.replicaInfo.join(" ")]),
        ),
      );
      break;
    }
    case "queries": {
      const list = (entity.queries as Record<string, unknown>[]) ?? [];
      out.push(
        formatTable(
          ["Query ID", "Query Type", "Status", "Sink Name", "Sink Kafka Topic", "Query String"],
          list.map((q) => [
            q.id,
            q.queryType,
            q.state,
            (q.sinks as string[]).join(", "),
            (q.sinkKafkaTopics as string[]).join(", "),
            String(q.queryString).replace(/\s+/g, " ").slice(0, 80),
          ]),
        ),
      );
      break;
    }
    case "sourceDescription": {
      const d = entity.sourceDescription as {
        name: string;
        type: string;
        topic: string;
        keyFormat: string;
        valueFormat: string;
        fields: { name: string; schema: { type: string }; type?: string }[];
        statement: string;
      };
      out.push(
        `Name                 : ${d.name}\nType                 : ${d.type}\nKafka topic          : ${d.topic} (key format: ${d.keyFormat}, value format: ${d.valueFormat})`,
      );
      out.push(
        formatTable(
          ["Field", "Type"],
          d.fields.map((f) => [f.name, `${renderSchema(f.schema)}${f.type === "KEY" ? " (key)" : ""}`]),
        ),
      );
      break;
    }
    case "properties": {
      const list = (entity.properties as { name: string; scope: string; value: string }[]) ?? [];
      out.push(formatTable(["Property", "Scope", "Value"], list.map((p) => [p.name, p.scope, p.value])));
      break;
    }
    case "function_names": {
      const list = (entity.functions as { name: string; category: string }[]) ?? [];
      out.push(formatTable(["Function Name", "Category"], list.map((f) => [f.name, f.category])));
      break;
    }
    default:
      out.push(JSON.stringify(entity, null, 2));
  }
  for (const warning of entity.warnings ?? []) out.push(`WARNING: ${warning.message}`);
  return out.join("\n");
}

function renderSchema(
  schema: {
    type: string;
    fields?: { name: string; schema: { type: string } }[] | null;
    memberSchema?: { type: string } | null;
  },
): string {
  if (schema.type === "STRUCT") {
    return `STRUCT<${(schema.fields ?? []).map((f) => `${f.name} ${renderSchema(f.schema)}`).join(", ")}>`;
  }
  if (schema.type === "ARRAY") return `ARRAY<${renderSchema(schema.memberSchema!)}>`;
  if (schema.type === "MAP") return `MAP<STRING, ${renderSchema(schema.memberSchema!)}>`;
  return schema.type;
}

/**
 * Collects input lines into complete statements: a statement ends at a `;`
 * outside strings, quoted names and `--` comments.
 */
export class StatementBuffer {
  #text = "";

  /** Adds a line; returns the statements it completed. */
  push(line: string): string[] {
    this.#text += `${line}\n`;
    const done: string[] = [];
    let quote: string | undefined;
    let start = 0;
    for (let i = 0; i < this.#text.length; i++) {
      const c = this.#text[i]!;
      if (quote) {
        if (c === quote) quote = undefined;
      } else if (c === "'" || c === "`" || c === '"') {
        quote = c;
      } else if (c === "-" && this.#text[i + 1] === "-") {
        const end = this.#text.indexOf("\n", i);
        i = end < 0 ? this.#text.length : end;
      } else if (c === ";") {
        const statement = this.#text.slice(start, i + 1).trim();
        if (statement.replace(/--[^\n]*/g, "").trim() !== ";") done.push(statement);
        start = i + 1;
      }
    }
    this.#text = this.#text.slice(start);
    if (this.#text.trim() === "") this.#text = "";
    return done;
  }

  /** Whether an unfinished statement is pending. */
  get pending(): boolean {
    return this.#text.replace(/--[^\n]*/g, "").trim() !== "";
  }

  /** Drops the unfinished statement. */
  clear(): void {
    this.#text = "";
  }
}

/** A shell session: properties set with SET, history, and the running query. */
export class KsqlShell {
  #client: KsqldbClient;
  #props: Record<string, string> = {};
  #history: History;
  #running: AbortController | undefined;

  /** @param history The statements run, added to by {@link run}. @default an empty history */
  constructor(client: KsqldbClient, history: History = new History()) {
    this.#client = client;
    this.#history = history;
  }

  /** Cancels the running query; false when none runs. */
  cancel(): boolean {
    if (!this.#running) return false;
    this.#running.abort();
    return true;
  }

  /** Runs one statement or shell command, printing its result. */
  async run(statement: string): Promise<void> {
    const text = statement.trim();
    const bare = text.replace(/;$/, "").trim();
    if (/^history$/i.test(bare)) {
      const lines = this.#history.entries.map((h, i) => `${String(i + 1).padStart(4)}  ${h}`);
      write(lines.length > 0 ? `${lines.join("\n")}\n` : "");
      return;
    }
    if (/^help$/i.test(bare)) {
      write(
        "Statements end with ';'. SELECT ... EMIT CHANGES streams rows until Ctrl-C or LIMIT.\n" +
          "Shell commands: SET 'prop'='value'; UNSET 'prop'; history; exit\n",
      );
      return;
    }
    this.#history.add(text);
    const set = /^SET\s+'([^']+)'\s*=\s*'([^']*)'\s*;?$/i.exec(text);
    if (set) {
      this.#props[set[1]!] = set[2]!;
      write(`Successfully changed local property '${set[1]}' to '${set[2]}'.\n`);
      return;
    }
    const unset = /^UNSET\s+'([^']+)'\s*;?$/i.exec(text);
    if (unset) {
      delete this.#props[unset[1]!];
      write(`Successfully unset local property '${unset[1]}'.\n`);
      return;
    }
    try {
      if (/^\s*SELECT\b/i.test(text)) await this.#query(text);
      else for (const entity of await this.#client.ksql(text, this.#props)) write(`${renderEntity(entity)}\n`);
    } catch (error) {
      if (error instanceof KsqldbError) write(`${error.message}\n`);
      else throw error;
    }
  }

  async #query(sql: string): Promise<void> {
    const controller = new AbortController();
    this.#running = controller;
    let count = 0;
    try {
      const { header, rows } = await this.#client.query(sql, this.#props, controller.signal);
      for (const w of header.warnings ?? []) write(`WARNING: ${w.message}\n`);
      const widths = header.columnNames.map((n) => Math.max(n.length, 14));
      const line = `+${widths.map((w) => "-".repeat(w + 2)).join("+")}+\n`;
      const format = (cells: readonly string[]) => `|${cells.map((c, i) => ` ${c.padEnd(widths[i]!)} `).join("|")}|\n`;
      write(line + format(header.columnNames) + line);
      for await (const row of rows) {
        write(format(row.map(cell)));
        count++;
      }
      write(line);
      write(`Query terminated (${count} rows)\n`);
    } catch (error) {
      if (controller.signal.aborted) write(`\nQuery terminated (${count} rows)\n`);
      else throw error;
    } finally {
      controller.abort();
      this.#running = undefined;
    }
  }
}

async function* stdinLines(): AsyncGenerator<string> {
  let buffer = "";
  for await (const chunk of Deno.stdin.readable.pipeThrough(new TextDecoderStream())) {
    buffer += chunk;
    let newline: number;
    while ((newline = buffer.indexOf("\n")) >= 0) {
      yield buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
    }
  }
  if (buffer !== "") yield buffer;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { url: { type: "string" }, execute: { type: "string", short: "e" }, history: { type: "string" } },
  });
  const client = new KsqldbClient(values.url ?? ksqldbUrl());
  const interactive = Deno.stdin.isTerminal();
  const historyFile = values.history ?? DEFAULT_HISTORY_FILE;
  const history = interactive && values.execute === undefined ? await History.load(historyFile) : new History();
  const shell = new KsqlShell(client, history);
  const buffer = new StatementBuffer();
  if (values.execute !== undefined) {
    for (const statement of buffer.push(values.execute.trim().endsWith(";") ? values.execute : `${values.execute};`)) {
      await shell.run(statement);
    }
    return;
  }
  if (interactive) {
    const info = await client.info();
    write(
      `ksqlDB ${info.version} at ${client.url} (service id ${info.ksqlServiceId})\nStatements end with ';'. Ctrl-C cancels a query, Ctrl-D or 'exit' quits, 'help' for more.\n\n`,
    );
  }
  const promptText = () => buffer.pending ? "    >> " : "ksql> ";
  if (interactive) {
    // raw mode while a line is edited; a query runs in normal mode, where Ctrl-C is SIGINT
    Deno.addSignalListener("SIGINT", () => shell.cancel());
    const reader = new TerminalReader(history, write);
    let saved = true;
    for (;;) {
      const result = await reader.read(promptText());
      if (result.kind === "eof") break;
      if (result.kind === "interrupt") {
        buffer.clear();
        continue;
      }
      if (!buffer.pending && /^\s*(exit|quit)\s*;?\s*$/i.test(result.line)) break;
      const statements = !buffer.pending && /^\s*(history|help)\s*;?\s*$/i.test(result.line)
        ? [result.line]
        : buffer.push(result.line);
      for (const statement of statements) await shell.run(statement);
      if (statements.length > 0 && saved && !(await history.save(historyFile))) {
        saved = false;
        write(`History is kept for this session only: cannot write "${historyFile}"\n`);
      }
    }
    write("Exiting ksqlDB.\n");
    return;
  }
  // statements piped in: no prompt, no line editing
  Deno.addSignalListener("SIGINT", () => {
    if (!shell.cancel()) buffer.clear();
  });
  for await (const line of stdinLines()) {
    if (!buffer.pending && /^\s*(exit|quit)\s*;?\s*$/i.test(line)) break;
    if (!buffer.pending && /^\s*(history|help)\s*;?\s*$/i.test(line)) {
      await shell.run(line);
      continue;
    }
    for (const statement of buffer.push(line)) await shell.run(statement);
  }
}

if (import.meta.main) await runMain(main);
