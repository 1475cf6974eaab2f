/**
 * A local `Deno.serve` playing StockData.org's quote endpoint from a script of
 * replies, for tests.
 *
 * @module
 */

/** One scripted reply. `hang` answers only when the server closes. */
export type FakeReply =
  | { status?: number; body: string; headers?: Record<string, string> }
  | { hang: true };

/** A running fake API. */
export interface FakeApi {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  readonly baseUrl: string;
  /** Every request URL received, in order. */
  readonly requests: URL[];
  /** Stops the server and waits until it has finished. */
  close(): Promise<void>;
}

/** Replies `200 {meta, data}` with these quotes. */
export function okReply(data: unknown[], headers: Record<string, string> = {}): FakeReply {
  return {
    status: 200,
    body: JSON.stringify({ meta: { requested: data.length, returned: data.length }, data }),
    headers,
  };
}

/** Replies with a StockData.org error body. */
export function errorReply(status: number, code: string, headers: Record<string, string> = {}): FakeReply {
  return { status, body: JSON.stringify({ error: { code, message: `Scripted ${code}` } }), headers };
}

/** A realistic quote for `ticker` at `price`, traded at `time`. */
export function quote(ticker: string, price: number, time = "2024-05-31T15:59:59.000000"): Record<string, unknown> {
  return {
    ticker,
    name: `${ticker} Inc`,
    mic_code: "XNAS",
    currency: "USD",
    price,
    day_high: price + 1,
    day_low: price - 1,
    day_open: price - 0.5,
    "52_week_high": price * 1.2,
    "52_week_low": price * 0.8,
    market_cap: Math.round(price * 1e9),
    previous_close_price: price - 0.3,
    previous_close_price_time: "2024-05-30T16:00:00.000000",
    day_change: 0.16,
    volume: 1234567,
    is_extended_hours_price: false,
    last_trade_time: time,
  };
}

/**
 * Starts the fake API; request n gets `script[n]`, requests past the end get
 * the last reply.
 */
export function startFakeApi(script: readonly FakeReply[]): FakeApi {
  const requests: URL[] = [];
  const released = Promise.withResolvers<void>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (request) => {
    const url = new URL(request.url);
    requests.push(url);
    const reply = script[Math.min(requests.length - 1, script.length - 1)];
    if (reply === undefined) return new Response("no script", { status: 500 });
    if ("hang" in reply) {
      await released.promise;
      return new Response(null, { status: 504 });
    }
    return new Response(reply.body, {
      status: reply.status ?? 200,
      headers: { "content-type": "application/json", ...reply.headers },
    });
  });
  return {
    baseUrl: `http://127.0.0.1:${server.addr.port}`,
    requests,
    async close() {
      released.resolve();
      await server.shutdown();
      await server.finished;
    },
  };
}
