/**
 * Server-Sent Events: one stream per open page, each subscribed to channels
 * (`market`, `pipeline`, ...). Events reach every stream of their channel;
 * replies to one page (its SQL query rows) reach that stream only.
 *
 * @module
 */

/** The channels a page may subscribe to. */
export const CHANNELS = ["market", "pipeline"] as const;
/** One of {@linkcode CHANNELS}. */
export type Channel = typeof CHANNELS[number];

/** What the hub tells its owner. */
export interface EventHooks {
  /** A stream opened on `channel` (send it a first snapshot). */
  readonly onSubscribe?: (channel: Channel, connection: string) => void;
  /** A stream closed (stop what runs for it). */
  readonly onClose?: (connection: string) => void;
}

const encoder = new TextEncoder();

interface Client {
  readonly channels: ReadonlySet<Channel>;
  readonly controller: ReadableStreamDefaultController<Uint8Array>;
}

function frame(event: string, data: unknown): Uint8Array {
  return encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
}

/** The open event streams. */
export class EventHub {
  #clients = new Map<string, Client>();
  #heartbeat: ReturnType<typeof setInterval>;
  #hooks: EventHooks;

  /** Calls `hooks` as streams open and close. */
  constructor(hooks: EventHooks = {}) {
    this.#hooks = hooks;
    // a comment line every 15 s keeps proxies and idle timeouts from closing the stream
    this.#heartbeat = setInterval(() => {
      for (const id of this.#clients.keys()) this.#write(id, encoder.encode(": keep-alive\n\n"));
    }, 15_000);
  }

  /** How many streams listen on `channel`. */
  listeners(channel: Channel): number {
    let n = 0;
    for (const client of this.#clients.values()) if (client.channels.has(channel)) n++;
    return n;
  }

  /** Opens a stream on `channels`; its first event, `hello`, names the connection id POSTs refer to. */
  open(channels: ReadonlySet<Channel>, signal: AbortSignal): Response {
    const id = crypto.randomUUID();
    const body = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#clients.set(id, { channels, controller });
        controller.enqueue(encoder.encode("retry: 2000\n\n"));
        controller.enqueue(frame("hello", { connection: id }));
        for (const channel of channels) this.#hooks.onSubscribe?.(channel, id);
      },
      cancel: () => this.#close(id),
    });
    signal.addEventListener("abort", () => this.#close(id));
    return new Response(body, {
      headers: { "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no" },
    });
  }

  /** Sends an event to every stream of `channel`. */
  publish(channel: Channel, event: string, data: unknown): void {
    let bytes: Uint8Array | undefined;
    for (const [id, client] of this.#clients) {
      if (client.channels.has(channel)) this.#write(id, bytes ??= frame(event, data));
    }
  }

  /** Sends an event to one stream; false when it is gone. */
  send(connection: string, event: string, data: unknown): boolean {
    if (!this.#clients.has(connection)) return false;
    this.#write(connection, frame(event, data));
    return true;
  }

  /** Whether the stream `connection` is open. */
  has(connection: string): boolean {
    return this.#clients.has(connection);
  }

  /** Closes every stream. */
  close(): void {
    clearInterval(this.#heartbeat);
    for (const id of [...this.#clients.keys()]) this.#close(id);
  }

  #write(id: string, bytes: Uint8Array): void {
    try {
      this.#clients.get(id)?.controller.enqueue(bytes);
    } catch {
      this.#close(id);
    }
  }

  #close(id: string): void {
    const client = this.#clients.get(id);
    if (!client) return;
    this.#clients.delete(id);
    this.#hooks.onClose?.(id);
    try {
      client?.controller.close();
    } catch {
      // already closed by the peer
    }
  }
}
