/// <reference lib="dom" />
/**
 * Archive: the days the consumer wrote, a day's objects with size, record
 * count and offset range, and an object's first lines (decompressed by the
 * server).
 *
 * @module
 */
import { api, el, fill, main, num } from "./dom.ts";

interface ArchiveObject {
  key: string;
  size: number;
  lastModified: string | null;
  records: number | null;
  startOffset: string | null;
  endOffset: string | null;
}

/** Draws the archive page. */
export function archivePage(): void {
  const days = el("div", { class: "panel list", id: "days" }, "loading…");
  const objects = el("div", { id: "objects" });
  const preview = el("div", { id: "preview" });
  fill(main(), el("div", { class: "row" }, days, el("div", { class: "panel chart-panel" }, objects, preview)));

  const showPreview = async (key: string) => {
    fill(preview, el("div", { class: "dim" }, "reading…"));
    try {
      const p = await api<{ key: string; lines: string[]; more: boolean }>(
        `/api/archive/preview?key=${encodeURIComponent(key)}&lines=10`,
      );
      fill(
        preview,
        el(
          "div",
          { class: "result" },
          el("strong", {}, p.key),
          el("span", { class: "dim" }, ` · first ${p.lines.length} lines${p.more ? " (more follow)" : ""}`),
        ),
        ...p.lines.map((line) => el("pre", { class: "line panel" }, line)),
      );
    } catch (error) {
      fill(preview, el("div", { class: "error" }, (error as Error).message));
    }
  };
  const showDay = async (day: string) => {
    for (const b of days.querySelectorAll("button")) b.classList.toggle("on", b.dataset.day === day);
    fill(objects, el("div", { class: "dim" }, "listing…"));
    fill(preview);
    try {
      const list = await api<ArchiveObject[]>(`/api/archive/objects?day=${encodeURIComponent(day)}`);
      const rows = list.map((o) => {
        const b = el("button", { "data-key": o.key }, "preview");
        b.addEventListener("click", () => showPreview(o.key));
        return el(
          "tr",
          { class: "object" },
          el("td", {}, el("pre", {}, o.key.split("/").at(-1) ?? o.key)),
          el("td", {}, `${num(o.size)} B`),
          el("td", {}, num(o.records)),
          el("td", {}, o.startOffset === null ? "–" : `${o.startOffset} – ${o.endOffset}`),
          el("td", { class: "dim" }, o.lastModified?.slice(11, 19) ?? ""),
          el("td", {}, b),
        );
      });
      fill(
        objects,
        el("strong", {}, `${day}: ${list.length} objects`),
        el(
          "table",
          {},
          el("tr", {}, ...["object", "size", "records", "offsets", "written (UTC)", ""].map((h) => el("th", {}, h))),
          ...rows,
        ),
      );
    } catch (error) {
      fill(objects, el("div", { class: "error" }, (error as Error).message));
    }
  };
  api<{ root: string; days: string[] }>("/api/archive/days").then(({ root, days: list }) => {
    fill(
      days,
      el("strong", {}, `s3 …/${root}`),
      ...list.map((day) => {
        const b = el("button", { "data-day": day }, day);
        b.addEventListener("click", () => showDay(day));
        return b;
      }),
    );
    if (list.length === 0) days.append(el("div", { class: "dim" }, "nothing archived yet"));
    else showDay(list[0]!);
  }).catch((error) => fill(days, el("div", { class: "error" }, error.message)));
}
