/**
 * The console's HTTP API and pages: every request passes Basic auth, every
 * POST the cross-site check; pages are one HTML shell and one bundled script
 * served from this origin; live data goes out on one event stream per page.
 *
 * @module
 */
import type { Admin, Kafka } from "kafkajs";
import { listTopics } from "../../admin/topics.ts";
import { type Channel, CHANNELS, type EventHub } from "./events.ts";
import type { MarketBook } from "./market.ts";
import type { PipelineSnapshot } from "./pipeline.ts";
import { CSRF_HEADER, type Guard, SECURITY_HEADERS } from "./security.ts";
import type { SqlRunner } from "./sql.ts";
import { browse } from "./topics.ts";
import type { ArchiveReader } from "./archive.ts";
import type { TailState } from "./topic_tail.ts";

/** The pages; each is the same shell, the script draws the one named in `data-page`. */
export const PAGES = ["market", "pipeline", "topics", "sql", "archive"] as const;

/** What the handlers reach. */
export interface ConsoleParts {
  readonly guard: Guard;
  readonly hub: EventHub;
  readonly book: MarketBook;
  readonly marketState: () => { quotes: TailState; alerts: TailState };
  readonly pipeline: () => PipelineSnapshot | undefined;
  readonly kafka: Kafka;
  /** Runs `use` with a connected Kafka admin client. */
  readonly withAdmin: <T>(use: (admin: Admin) => Promise<T>) => Promise<T>;
  readonly sql: SqlRunner;
  readonly archive: ArchiveReader;
  /** The HTML shell, with `{{page}}` and `{{csrf}}` to fill. */
  readonly shell: string;
  /** Static files by path under /static/. */
  readonly assets: ReadonlyMap<string, { body: Uint8Array; type: string }>;
}

/** An error the client caused (400) or an upstream outage (503), with a message for the page. */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

function respond(body: BodyInit | null, init: ResponseInit & { type?: string } = {}): Response {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) headers.set(name, value);
  if (init.type) headers.set("content-type", init.type);
  return new Response(body, { status: init.status ?? 200, headers });
}

function json(data: unknown, status = 200): Response {
  return respond(JSON.stringify(data), { status, type: "application/json; charset=utf-8" });
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function intParam(url: URL, name: string, options: { min?: number; max?: number } = {}): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const value = Number(raw);
  const { min = 0, max = Number.MAX_SAFE_INTEGER } = options;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new HttpError(400, `${name}="${raw}" is not a whole number from ${min} to ${max}`);
  }
  return value;
}

function timeParam(url: URL, name: string): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null || raw === "") return undefined;
  const time = Date.parse(raw);
  if (Number.isNaN(time)) throw new HttpError(400, `${name}="${raw}" is not a time; use e.g. 2026-12-02T17:30:00Z`);
  return time;
}

async function body(request: Request): Promise<Record<string, unknown>> {
  try {
    const value = await request.json();
    if (typeof value === "object" && value !== null) return value as Record<string, unknown>;
  } catch {
    // answered below
  }
  throw new HttpError(400, "The request body is not a JSON object");
}

function stringField(data: Record<string, unknown>, name: string): string {
  const value = data[name];
  if (typeof value !== "string" || value === "") throw new HttpError(400, `Field "${name}" must be a non-empty string`);
  return value;
}

/** Builds the request handler. */
export function consoleHandler(parts: ConsoleParts): (request: Request) => Promise<Response> {
  const routes = apiRoutes(parts);
  return async (request) => {
    if (!(await parts.guard.authorized(request))) {
      return respond("Authentication required: use the console user and password from .env\n", {
        status: 401,
        type: "text/plain; charset=utf-8",
        headers: { "www-authenticate": 'Basic realm="tickpipe console", charset="UTF-8"' },
      });
    }
    const url = new URL(request.url);
    if (request.method === "POST") {
      const reason = await parts.guard.crossSiteReason(request);
      if (reason !== undefined) return json({ error: `Refused as a cross-site request: ${reason}` }, 403);
    } else if (request.method !== "GET" && request.method !== "HEAD") {
      return json({ error: `Method ${request.method} is not allowed` }, 405);
    }
    try {
      if (url.pathname === "/") return respond(null, { status: 303, headers: { location: "/market" } });
      const page = PAGES.find((p) => url.pathname === `/${p}`);
      if (page) {
        const html = parts.shell
          .replaceAll("{{page}}", page)
          .replaceAll("{{csrf}}", escapeHtml(await parts.guard.csrfToken()))
          .replaceAll("{{csrfHeader}}", CSRF_HEADER);
        return respond(html, { type: "text/html; charset=utf-8" });
      }
      const asset = url.pathname.startsWith("/static/") ? parts.assets.get(url.pathname.slice(8)) : undefined;
      if (asset) return respond(asset.body.slice(), { type: asset.type });
      const route = routes.get(`${request.method} ${url.pathname}`);
      if (route) return await route(request, url);
      const topicMessages = /^\/api\/topics\/([^/]+)\/messages$/.exec(url.pathname);
      if (request.method === "GET" && topicMessages) {
        return await topicPage(parts, decodeURIComponent(topicMessages[1]!), url);
      }
      return json({ error: `Nothing at ${url.pathname}` }, 404);
    } catch (error) {
      if (error instanceof HttpError) return json({ error: error.message }, error.status);
      if (error instanceof RangeError) return json({ error: error.message }, 400);
      // an unreachable Kafka, ksqlDB or S3: say which, never a stack trace
      return json({ error: (error as Error).message }, 503);
    }
  };
}

function topicPage(parts: ConsoleParts, topic: string, url: URL): Promise<Response> {
  return parts.withAdmin(async (admin) => {
    if (!(await admin.listTopics()).includes(topic)) throw new HttpError(404, `Topic "${topic}" does not exist`);
    const cursorText = url.searchParams.get("cursor");
    let cursor: Record<string, number> | undefined;
    if (cursorText) {
      try {
        cursor = JSON.parse(cursorText) as Record<string, number>;
      } catch {
        throw new HttpError(400, `cursor="${cursorText}" is not the JSON a previous page returned`);
      }
    }
    const key = url.searchParams.get("key");
    const page = await browse(parts.kafka, admin, {
      topic,
      ...optional("partition", intParam(url, "partition", { max: 100_000 })),
      ...optional("maxOffset", intParam(url, "offset")),
      ...optional("before", timeParam(url, "before")),
      ...optional("limit", intParam(url, "limit", { min: 1, max: 200 })),
      ...(key ? { key } : {}),
      ...(cursor ? { cursor } : {}),
    });
    return json(page);
  });
}

function optional<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

type Route = (request: Request, url: URL) => Promise<Response>;

function apiRoutes(parts: ConsoleParts): Map<string, Route> {
  const { book, hub, sql, archive } = parts;
  return new Map<string, Route>([
    ["GET /api/events", (request, url) => {
      const asked = (url.searchParams.get("channels") ?? "").split(",").filter((c) => c !== "");
      const unknown = asked.filter((c) => !(CHANNELS as readonly string[]).includes(c));
      if (unknown.length > 0) throw new HttpError(400, `Unknown channel "${unknown[0]}"; use ${CHANNELS.join(", ")}`);
      const response = hub.open(new Set(asked as Channel[]), request.signal);
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) response.headers.set(name, value);
      return Promise.resolve(response);
    }],
    ["GET /api/market", (_request, url) => {
      const hours = intParam(url, "hours", { min: 1, max: 24 * 7 }) ?? 6;
      const tape = book.tape();
      const ticker = url.searchParams.get("ticker") || tape[0]?.ticker || "";
      return Promise.resolve(json({
        ticker,
        hours,
        tape,
        bars: ticker ? book.bars(ticker, hours) : [],
        alerts: book.alerts(),
        status: parts.marketState(),
      }));
    }],
    ["GET /api/pipeline", () => Promise.resolve(json(parts.pipeline() ?? null))],
    ["GET /api/topics", async () => json(await parts.withAdmin(listTopics))],
    ["GET /api/sql/catalog", async () => json(await sql.catalog())],
    ["POST /api/sql", async (request) => {
      const data = await body(request);
      return json(await sql.run(stringField(data, "sql"), stringField(data, "connection")));
    }],
    ["POST /api/sql/cancel", async (request) => {
      const id = stringField(await body(request), "id");
      return json({ cancelled: sql.cancel(id) });
    }],
    ["GET /api/archive/days", async () => json({ root: archive.root, days: await archive.days() })],
    ["GET /api/archive/objects", async (_request, url) => {
      const day = url.searchParams.get("day");
      if (!day) throw new HttpError(400, 'Parameter "day" is missing; pass a date path like year=2026/month=12/day=02');
      return json(await archive.objects(day));
    }],
    ["GET /api/archive/preview", async (_request, url) => {
      const key = url.searchParams.get("key");
      if (!key) throw new HttpError(400, 'Parameter "key" is missing; pass an object key from the day\'s list');
      return json(await archive.preview(key, intParam(url, "lines", { min: 1, max: 500 }) ?? 20));
    }],
  ]);
}
