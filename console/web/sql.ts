/// <reference lib="dom" />
/**
 * SQL: a ksqlDB editor; statements' results as tables, push queries streaming
 * rows (over the page's event stream) until they end or are cancelled,
 * errors with their line and column; streams, tables and queries beside it.
 *
 * @module
 */
import { api, el, fill, Live, main } from "./dom.ts";

type Result =
  & { statement: string; at: { line: number; column: number } }
  & (
    | { kind: "entities"; entities: Record<string, unknown>[] }
    | { kind: "query"; id: string }
    | { kind: "set"; message: string }
    | { kind: "error"; message: string; errorAt: { line: number; column: number } | null }
  );
type Catalog = {
  ok: true;
  streams: Record<string, unknown>[];
  tables: Record<string, unknown>[];
  queries: Record<string, unknown>[];
} | {
  ok: false;
  message: string;
};
interface QueryEvent {
  id: string;
  type: "header" | "row" | "end" | "error";
  header?: { columnNames: string[] };
  row?: unknown[];
  message?: string;
}

function cell(value: unknown): string {
  return value === null || value === undefined ? "null" : typeof value === "string" ? value : JSON.stringify(value);
}

function table(headers: string[], rows: unknown[][]): HTMLTableElement {
  return el(
    "table",
    {},
    el("tr", {}, ...headers.map((h) => el("th", {}, h))),
    ...rows.map((r) => el("tr", { class: "data" }, ...r.map((v) => el("td", {}, el("pre", {}, cell(v)))))),
  );
}

function entityView(entity: Record<string, unknown>): HTMLElement {
  const type = String(entity["@type"]);
  const list = (name: string) => (entity[name] ?? []) as Record<string, unknown>[];
  let body: HTMLElement;
  if (type === "streams" || type === "tables") {
    body = table(
      ["Name", "Kafka topic", "Key format", "Value format"],
      list(type).map((s) => [s.name, s.topic, s.keyFormat, s.valueFormat]),
    );
  } else if (type === "queries") {
    body = table(["Query ID", "Status", "Sink topics"], list("queries").map((q) => [q.id, q.state, q.sinkKafkaTopics]));
  } else if (type === "kafka_topics") {
    body = table(
      ["Kafka topic", "Partitions"],
      list("topics").map((t) => [t.name, (t.replicaInfo as unknown[]).length]),
    );
  } else if (type === "currentStatus") {
    body = el("div", {}, String((entity.commandStatus as { message?: string })?.message ?? "done"));
  } else {
    body = el("pre", {}, JSON.stringify(entity, null, 2));
  }
  const warnings = ((entity.warnings ?? []) as { message: string }[]).map((w) =>
    el("div", { class: "note" }, w.message)
  );
  return el("div", { class: "result panel", "data-type": type }, body, ...warnings);
}

/** Draws the SQL page. */
export function sqlPage(): void {
  const editor = el("textarea", { id: "editor", spellcheck: "false" });
  editor.value = "SHOW STREAMS;";
  const run = el("button", { id: "run" }, "Run (Ctrl+Enter)");
  const results = el("div", { id: "results" });
  const side = el("div", { class: "panel sql-side", id: "catalog" }, "loading…");
  fill(
    main(),
    el(
      "div",
      { class: "row" },
      el("div", { class: "chart-panel" }, editor, el("div", { class: "controls" }, run), results),
      side,
    ),
  );
  const pending = new Map<string, QueryEvent[]>();
  const queries = new Map<string, (event: QueryEvent) => void>();

  const refreshCatalog = async () => {
    const catalog = await api<Catalog>("/api/sql/catalog").catch((e) => ({ ok: false, message: e.message }) as Catalog);
    if (!catalog.ok) return fill(side, el("strong", {}, "ksqlDB"), el("div", { class: "error" }, catalog.message));
    const names = (items: Record<string, unknown>[], key: string) =>
      el(
        "ul",
        {},
        ...items.map((i) => el("li", {}, String(i[key]), i.state ? el("span", { class: "dim" }, ` ${i.state}`) : "")),
      );
    fill(
      side,
      el("strong", {}, `Streams (${catalog.streams.length})`),
      names(catalog.streams, "name"),
      el("strong", {}, `Tables (${catalog.tables.length})`),
      names(catalog.tables, "name"),
      el("strong", {}, `Running queries (${catalog.queries.length})`),
      names(catalog.queries, "id"),
    );
  };

  const queryView = (id: string): HTMLElement => {
    const head = el("div", { class: "dim" }, "starting…");
    const cancel = el("button", { class: "cancel" }, "Cancel");
    const rows: unknown[][] = [];
    let columns: string[] = [];
    const grid = el("div");
    const view = el(
      "div",
      { class: "result panel query", "data-query": id },
      el("div", { class: "controls" }, head, cancel),
      grid,
    );
    cancel.addEventListener("click", () => api("/api/sql/cancel", { id }).catch(() => {}));
    const handle = (e: QueryEvent) => {
      if (e.type === "header") {
        columns = e.header?.columnNames ?? [];
        fill(head, "streaming…");
      } else if (e.type === "row" && e.row) {
        rows.push(e.row);
        fill(grid, table(columns, rows.slice(-500)));
        fill(head, `streaming… ${rows.length} rows`);
      } else {
        fill(head, el("span", { class: e.type === "error" ? "error" : "dim", "data-done": "true" }, e.message ?? ""));
        cancel.remove();
      }
    };
    queries.set(id, handle);
    for (const e of pending.get(id) ?? []) handle(e);
    pending.delete(id);
    return view;
  };

  const live = new Live([]).on("sql", (data) => {
    const e = data as QueryEvent;
    const handle = queries.get(e.id);
    if (handle) handle(e);
    else pending.set(e.id, [...(pending.get(e.id) ?? []), e]);
  }).open();

  const execute = async () => {
    fill(results, el("div", { class: "dim" }, "running…"));
    try {
      const out = await api<Result[]>("/api/sql", { sql: editor.value, connection: live.connection });
      fill(results);
      for (const r of out) {
        const title = el("div", { class: "dim" }, `line ${r.at.line}: ${r.statement.split("\n")[0]}`);
        if (r.kind === "entities") results.append(title, ...r.entities.map(entityView));
        else if (r.kind === "set") results.append(title, el("div", { class: "result panel" }, r.message));
        else if (r.kind === "query") results.append(title, queryView(r.id));
        else {
          // ksqlDB's own "line L:C:" counts within the statement; the editor's position replaces it
          const where = r.errorAt ? `Error at line ${r.errorAt.line}, column ${r.errorAt.column}: ` : "Error: ";
          const message = r.errorAt ? r.message.replace(/^line \d+:\d+:\s*/, "") : r.message;
          results.append(
            title,
            el("div", {
              class: "result panel error",
              id: "sql-error",
              "data-line": String(r.errorAt?.line ?? ""),
              "data-column": String(r.errorAt?.column ?? ""),
            }, where + message),
          );
          if (r.errorAt) moveCaret(editor, r.errorAt.line, r.errorAt.column);
        }
      }
    } catch (error) {
      fill(results, el("div", { class: "result panel error" }, (error as Error).message));
    }
    refreshCatalog();
  };
  run.addEventListener("click", execute);
  editor.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      execute();
    }
  });
  refreshCatalog();
  setInterval(refreshCatalog, 10_000);
}

function moveCaret(editor: HTMLTextAreaElement, line: number, column: number): void {
  const lines = editor.value.split("\n");
  const index = lines.slice(0, line - 1).reduce((sum, l) => sum + l.length + 1, 0) + column - 1;
  editor.focus();
  editor.setSelectionRange(index, index + 1);
}
