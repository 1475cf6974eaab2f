/// <reference lib="dom" />
/**
 * Small DOM and HTTP helpers the pages share: element building (text only,
 * never HTML), the JSON API with its CSRF header, and the page's one live
 * event stream that reconnects by itself.
 *
 * @module
 */

type Child = Node | string | number | null | undefined | false;

/** Creates `<tag>` with attributes (`class`, `data-*`, ...) and children (strings become text). */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "object" ? child : String(child));
  }
  return node;
}

/** Replaces `node`'s children. */
export function fill(node: Element, ...children: Child[]): void {
  node.replaceChildren(
    ...children.filter((c): c is Node | string | number => c !== null && c !== undefined && c !== false).map((c) =>
      typeof c === "number" ? String(c) : c
    ),
  );
}

/** The page's main element. */
export function main(): HTMLElement {
  return document.getElementById("main")!;
}

/** Shows or clears the banner for an outage. */
export function banner(message: string | undefined): void {
  const node = document.getElementById("banner")!;
  node.hidden = message === undefined;
  node.textContent = message ?? "";
}

/** An API call that failed; `message` is the server's. */
export class ApiError extends Error {}

const csrf = document.querySelector<HTMLMetaElement>('meta[name="csrf-token"]');

/** GETs (or POSTs `body` to) `path` and returns its JSON; throws {@linkcode ApiError} with the server's message. */
export async function api<T>(path: string, body?: unknown): Promise<T> {
  const init: RequestInit = body === undefined ? {} : {
    method: "POST",
    headers: { "content-type": "application/json", [csrf?.dataset.header ?? "x-csrf-token"]: csrf?.content ?? "" },
    body: JSON.stringify(body),
  };
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError("The console does not answer; is it running (task status)?");
  }
  const data = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
  if (!response.ok) throw new ApiError((data as { error?: string }).error ?? `HTTP ${response.status}`);
  return data as T;
}

/** The page's live stream: `hello` (with the connection id) on every (re)connect, then its channels' events. */
export class Live {
  connection = "";
  #source: EventSource | undefined;
  #handlers = new Map<string, (data: unknown) => void>();
  #channels: string;

  /** Subscribes to `channels` (none: only replies to this page). */
  constructor(channels: string[]) {
    this.#channels = channels.join(",");
  }

  /** Calls `handler` with each event's parsed data. */
  on(event: string, handler: (data: unknown) => void): this {
    this.#handlers.set(event, handler);
    return this;
  }

  /** Connects; reconnects after errors (EventSource retries by itself unless the server refused). */
  open(): this {
    const indicator = document.getElementById("live")!;
    indicator.hidden = false;
    const source = new EventSource(`/api/events?channels=${this.#channels}`);
    this.#source = source;
    for (const event of ["hello", ...this.#handlers.keys()]) {
      source.addEventListener(event, (e) => {
        const data = JSON.parse((e as MessageEvent).data);
        if (event === "hello") {
          this.connection = (data as { connection: string }).connection;
          indicator.textContent = "live";
          indicator.className = "live ok";
        }
        this.#handlers.get(event)?.(data);
      });
    }
    source.onerror = () => {
      indicator.textContent = "reconnecting…";
      indicator.className = "live down";
      if (source.readyState === EventSource.CLOSED) setTimeout(() => this.open(), 3000);
    };
    return this;
  }
}

/** A number with thousands separators and at most `digits` decimals. */
export function num(value: number | null | undefined, digits = 0): string {
  return value === null || value === undefined ? "–" : value.toLocaleString("en-US", { maximumFractionDigits: digits });
}
