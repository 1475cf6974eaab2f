/// <reference lib="dom" />
/**
 * Pipeline: the flow from the quote source to MongoDB, the archive and
 * ksqlDB's topics, each box with its health and each arrow with its rate
 * over the last minute and total; lag per partition, the connector's tasks,
 * the dead-letter topic and the quarantine with their latest error.
 *
 * @module
 */
import { el, fill, Live, main, num } from "./dom.ts";

type Reading<T> = { ok: true; value: T } | { ok: false; error: string };
interface ServiceHealth {
  name: string;
  title: string;
  state: string;
  ready: boolean;
}
interface Flow {
  total: number;
  rate: number | null;
}
interface LagRow {
  partition: number;
  committed: string | null;
  end: string;
  lag: string;
}
interface Snapshot {
  time: string;
  services: ServiceHealth[];
  flows: Record<string, Flow>;
  lag: Record<string, Reading<LagRow[]>>;
  connector: Reading<{ state: string; tasks: { id: number; state: string; trace?: string }[] }>;
  queries: Reading<{ id: string; state: string; sinkKafkaTopics: string[] }[]>;
  dlq: Reading<{ count: number; latestError: string | null }>;
  quarantine: Reading<{ records: number; objects: number; latestReason: string | null }>;
  kafka: Reading<true>;
}

function arrow(flow: Flow | undefined, unit = "msg"): HTMLElement {
  if (flow === undefined) return el("div", { class: "arrow" }, "–");
  const rate = flow.rate === null ? "…" : num(flow.rate, 2);
  return el("div", { class: "arrow" }, `${rate} ${unit}/s`, el("br"), `${num(flow.total)} total`);
}

function box(id: string, name: string, ok: boolean | undefined, ...lines: (string | HTMLElement)[]): HTMLElement {
  return el(
    "div",
    { class: `box ${ok === undefined ? "" : ok ? "ok" : "bad"}`, id: `box-${id}`, "data-ok": String(ok) },
    el("strong", {}, name),
    ...lines.map((line) => el("div", { class: "state" }, line)),
  );
}

function lagTable(title: string, reading: Reading<LagRow[]> | undefined): HTMLElement {
  if (!reading) return el("div");
  if (!reading.ok) {
    return el("div", { class: "panel" }, el("strong", {}, title), el("div", { class: "error" }, reading.error));
  }
  return el(
    "div",
    { class: "panel", id: `lag-${title.split(" ")[0]}` },
    el("strong", {}, title),
    el(
      "table",
      {},
      el("tr", {}, el("th", {}, "partition"), el("th", {}, "committed"), el("th", {}, "end"), el("th", {}, "lag")),
      ...reading.value.map((r) =>
        el(
          "tr",
          {},
          el("td", {}, r.partition),
          el("td", {}, r.committed ?? "–"),
          el("td", {}, r.end),
          el("td", {}, r.lag),
        )
      ),
    ),
  );
}

/** A box for rejected records: red while there are any; the count in `data-count`, the latest error below. */
function faultBox<T>(
  id: string,
  title: string,
  reading: Reading<T>,
  parts: (value: T) => [count: number, text: string, latest: string | null],
): HTMLElement {
  const [count, text, latest] = reading.ok ? parts(reading.value) : [undefined, reading.error, null];
  return el(
    "div",
    { class: `box ${count === undefined || count > 0 ? "bad" : "ok"}`, id: `box-${id}` },
    el("strong", {}, title),
    el("div", { id: `${id}-count`, "data-count": count === undefined ? "" : String(count) }, text),
    el("div", { class: "error" }, latest ? `latest: ${latest}` : ""),
  );
}

function draw(s: Snapshot): HTMLElement {
  const svc = new Map(s.services.map((x) => [x.name, x]));
  const health = (name: string) => svc.get(name)?.ready;
  const state = (name: string) => {
    const x = svc.get(name);
    return x ? `${name}: ${x.state}${x.state === "RUNNING" && !x.ready ? " (not ready)" : ""}` : `${name}: unknown`;
  };
  const connector = s.connector.ok
    ? `connector ${s.connector.value.state}; tasks ${
      s.connector.value.tasks.map((t) => `${t.id}=${t.state}`).join(" ") || "none"
    }`
    : s.connector.error;
  const sinkOk = health("connect") === true && s.connector.ok && s.connector.value.state === "RUNNING" &&
    s.connector.value.tasks.every((t) => t.state === "RUNNING");
  const topics = s.queries.ok ? [...new Set(s.queries.value.flatMap((q) => q.sinkKafkaTopics))] : [];
  const running = s.queries.ok ? s.queries.value.filter((q) => q.state === "RUNNING").length : 0;
  const gap = () => [el("div"), el("div"), el("div"), el("div")];
  const flow = el(
    "div",
    { class: "flow" },
    // row 1: source -> producer -> api-data -> MongoDB sink -> mydb.api; api-data spans the three branches
    box("source", "quote source", health("producer"), "simulated / replay / StockData"),
    arrow(s.flows.quotes, "quotes"),
    box("producer", "producer", health("producer"), state("producer")),
    arrow(s.flows.produced),
    box("api-data", "api-data (Kafka)", s.kafka.ok && health("kafka"), state("kafka"), s.kafka.ok ? "" : s.kafka.error),
    arrow(s.flows.sunk),
    box("sink", "MongoDB sink (Connect)", sinkOk, state("connect"), connector),
    arrow(s.flows.mongo, "docs"),
    box(
      "mongo",
      "mydb.api (FerretDB)",
      health("ferretdb"),
      state("ferretdb"),
      `${num(s.flows.mongo?.total)} documents`,
    ),
    // row 2: the archive
    ...gap(),
    arrow(s.flows.archived),
    box("consumer", "archiver (consumer.ts)", health("consumer"), state("consumer")),
    arrow(s.flows.archived, "records"),
    box("s3", "S3 archive year/month/day", health("s3"), state("s3")),
    // row 3: ksqlDB
    ...gap(),
    arrow(s.flows["topic:QUOTES_FLAT"], "quotes"),
    box(
      "ksqldb",
      "ksqlDB queries",
      health("ksqldb") && health("flink"),
      state("ksqldb"),
      state("flink"),
      s.queries.ok ? `${running} of ${s.queries.value.length} queries running` : s.queries.error,
    ),
    el("div", { class: "arrow" }, "writes"),
    el(
      "div",
      { class: "box", id: "box-ksql-topics" },
      el("strong", {}, "their topics"),
      ...topics.map((t) => {
        const f = s.flows[`topic:${t}`];
        const rate = f?.rate === null || f === undefined ? "…" : num(f.rate, 2);
        return el("div", { class: "state" }, `${t}: ${rate}/s · ${num(f?.total)}`);
      }),
    ),
  );
  const faults = el(
    "div",
    { class: "grid2" },
    faultBox("dlq", "dead-letter topic", s.dlq, (d) => [d.count, `${num(d.count)} messages`, d.latestError]),
    faultBox("quarantine", "archive quarantine", s.quarantine, (q) => [
      q.records,
      `${num(q.records)} records in ${num(q.objects)} objects`,
      q.latestReason,
    ]),
    lagTable("archiver lag per partition", s.lag.archiver),
    lagTable("sink lag per partition", s.lag.sink),
  );
  const others = el(
    "div",
    { class: "panel result" },
    el("strong", {}, "all services"),
    el(
      "table",
      {},
      ...s.services.map((x) =>
        el(
          "tr",
          { "data-service": x.name },
          el("td", {}, x.name),
          el("td", { class: x.ready ? "up" : "down" }, x.state, x.ready ? " · ready" : " · not ready"),
          el("td", { class: "dim" }, x.title),
        )
      ),
    ),
  );
  return el("div", {}, el("div", { class: "dim" }, `updated ${s.time.slice(11, 19)} UTC`), flow, faults, others);
}

/** Draws the pipeline page. */
export function pipelinePage(): void {
  fill(main(), el("div", { class: "dim" }, "waiting for the first reading…"));
  new Live(["pipeline"]).on("pipeline", (data) => fill(main(), draw(data as Snapshot))).open();
}
