/// <reference lib="dom" />
/**
 * Topics: the topic list with partitions and counts; a topic's messages
 * newest first, decoded, filtered by key, partition, offset or time, a page
 * at a time.
 *
 * @module
 */
import { api, el, fill, main, num } from "./dom.ts";

interface TopicSummary {
  name: string;
  partitions: number;
  messages: number;
}
interface ViewedMessage {
  partition: number;
  offset: number;
  timestamp: string;
  key: string | null;
  headers: Record<string, string>;
  value: string | null;
  size: number;
  format: "json" | "text" | "binary" | "null";
  truncated: boolean;
}
interface BrowsePage {
  messages: ViewedMessage[];
  next: Record<string, number> | null;
  scanned: number;
}

const NOTES: Record<string, string> = {
  text: "not JSON: shown raw, as received",
  binary: "not UTF-8: shown as hex bytes",
  null: "no value (tombstone)",
};

function message(m: ViewedMessage): HTMLElement {
  const note = [
    NOTES[m.format],
    m.truncated ? `truncated: showing ${num(m.value?.length ?? 0)} of ${num(m.size)} bytes` : undefined,
  ].filter(Boolean).join(" · ");
  return el(
    "div",
    { class: "panel message result", "data-key": m.key ?? "", "data-offset": String(m.offset) },
    el(
      "div",
      { class: "dim" },
      `partition ${m.partition} · offset ${m.offset} · ${m.timestamp} · key `,
      el("strong", {}, m.key ?? "null"),
      ` · ${num(m.size)} bytes`,
      Object.keys(m.headers).length ? ` · headers ${JSON.stringify(m.headers)}` : "",
    ),
    note ? el("div", { class: "note" }, note) : null,
    el("pre", {}, m.value ?? "null"),
  );
}

/** Draws the topics page. */
export function topicsPage(): void {
  const list = el("div", { class: "panel list", id: "topic-list" }, "loading…");
  const field = (id: string, placeholder: string, type = "text") => el("input", { id, placeholder, type });
  const key = field("f-key", "key");
  const partition = field("f-partition", "partition", "number");
  const offset = field("f-offset", "offset (newest shown)", "number");
  const before = field("f-before", "before time (ISO, UTC)");
  const apply = el("button", { id: "f-apply" }, "Show");
  const heading = el("strong", { id: "topic-title" }, "pick a topic");
  const messages = el("div", { id: "messages" });
  const more = el("button", { id: "older", hidden: true }, "Older");
  const status = el("div", { class: "dim", id: "browse-status" });
  fill(
    main(),
    el(
      "div",
      { class: "row" },
      list,
      el(
        "div",
        { class: "panel chart-panel" },
        heading,
        el("div", { class: "filters" }, key, partition, offset, before, apply),
        status,
        messages,
        more,
      ),
    ),
  );
  let topic = new URLSearchParams(location.search).get("topic") ?? "";
  let cursor: Record<string, number> | null = null;

  const load = async (append: boolean) => {
    if (!topic) return;
    const q = new URLSearchParams();
    if (key.value) q.set("key", key.value);
    if (partition.value) q.set("partition", partition.value);
    if (offset.value) q.set("offset", offset.value);
    if (before.value) q.set("before", before.value);
    if (append && cursor) q.set("cursor", JSON.stringify(cursor));
    fill(status, "reading…");
    try {
      const page = await api<BrowsePage>(`/api/topics/${encodeURIComponent(topic)}/messages?${q}`);
      if (!append) fill(messages);
      messages.append(...page.messages.map(message));
      cursor = page.next;
      more.hidden = page.next === null;
      fill(status, `${messages.children.length} shown, newest first · ${num(page.scanned)} read for this page`);
      if (messages.children.length === 0) fill(messages, el("div", { class: "dim" }, "no messages match"));
    } catch (error) {
      fill(status, el("span", { class: "error" }, (error as Error).message));
    }
  };
  const open = (name: string) => {
    topic = name;
    history.replaceState(null, "", `/topics?topic=${encodeURIComponent(name)}`);
    fill(heading, name);
    cursor = null;
    load(false);
  };
  apply.addEventListener("click", () => load(false));
  more.addEventListener("click", () => load(true));
  api<TopicSummary[]>("/api/topics").then((topics) => {
    fill(
      list,
      el("strong", {}, "topics"),
      ...topics.toSorted((a, b) => a.name.localeCompare(b.name)).map((t) => {
        const b = el(
          "button",
          { "data-topic": t.name },
          `${t.name}`,
          el("span", { class: "dim" }, ` · ${t.partitions} p · ${num(t.messages)} msgs`),
        );
        b.addEventListener("click", () => open(t.name));
        return b;
      }),
    );
    if (topic) open(topic);
  }).catch((error) => fill(list, el("div", { class: "error" }, error.message)));
}
