/// <reference lib="dom" />
/**
 * The console's script: draws the page the server named in `data-page`.
 *
 * @module
 */
import { archivePage } from "./archive.ts";
import { marketPage } from "./market.ts";
import { pipelinePage } from "./pipeline.ts";
import { sqlPage } from "./sql.ts";
import { topicsPage } from "./topics.ts";

const pages: Record<string, () => void> = {
  market: marketPage,
  pipeline: pipelinePage,
  topics: topicsPage,
  sql: sqlPage,
  archive: archivePage,
};

const page = document.body.dataset.page ?? "market";
document.querySelector(`[data-nav="${page}"]`)?.classList.add("active");
pages[page]?.();
