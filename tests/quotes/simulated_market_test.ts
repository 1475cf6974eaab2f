import assert from "node:assert/strict";
import { marketSession, SimulatedMarket } from "../../lib/quotes/simulated_market.ts";

const SYMBOLS = ["AAPL", "TSLA", "ZZZQ"];
/** Friday 2024-05-31 10:00 New York (EDT), then a tick a minute for 3 hours. */
const OPEN = Date.parse("2024-05-31T14:00:00Z");

function run(seed: number, ticks = 180, start = OPEN): string[] {
  const market = new SimulatedMarket({ seed });
  const out: string[] = [];
  for (let i = 0; i < ticks; i++) out.push(JSON.stringify(market.quotes(SYMBOLS, new Date(start + i * 60_000))));
  return out;
}

Deno.test("SimulatedMarket.quotes() gives the same sequence for the same seed", () => {
  const a = run(7);
  assert.deepEqual(run(7), a);
  assert.notDeepEqual(run(8), a);
  assert.notEqual(a[0], a[179], "prices should move while the market is open");
});

Deno.test("SimulatedMarket.quotes() does not depend on how symbols are grouped", () => {
  const together = new SimulatedMarket({ seed: 3 });
  const apart = new SimulatedMarket({ seed: 3 });
  for (let i = 0; i < 30; i++) {
    const now = new Date(OPEN + i * 60_000);
    const both = together.quotes(["AAPL", "TSLA"], now).data;
    const tsla = apart.quotes(["TSLA"], now).data;
    const aapl = apart.quotes(["AAPL"], now).data;
    assert.deepEqual(both, [...aapl, ...tsla]);
  }
});

Deno.test("SimulatedMarket.quotes() keeps day_low <= price <= day_high and a valid envelope", () => {
  const market = new SimulatedMarket({ seed: 11, alwaysOpen: true });
  for (let i = 0; i < 3 * 24 * 60; i++) {
    const envelope = market.quotes(SYMBOLS, new Date(OPEN + i * 60_000));
    assert.deepEqual(envelope.meta, { requested: 3, returned: 3 });
    for (const q of envelope.data) {
      assert.ok(
        q.day_low! <= q.price && q.price <= q.day_high!,
        `${q.ticker} ${q.day_low} <= ${q.price} <= ${q.day_high}`,
      );
      assert.ok(q["52_week_low"]! <= q.day_low! && q.day_high! <= q["52_week_high"]!);
      assert.ok(q.price > 0 && Number.isInteger(q.volume));
      assert.match(q.last_trade_time!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000000$/);
    }
  }
});

Deno.test("SimulatedMarket.quotes() holds prices while New York is closed", () => {
  const saturday = Date.parse("2024-06-01T15:00:00Z");
  const ticks = run(5, 30, saturday);
  assert.equal(new Set(ticks).size, 1);
});

Deno.test("SimulatedMarket.quotes() starts a new day with the previous close", () => {
  const market = new SimulatedMarket({ seed: 9 });
  let last = market.quotes(["AAPL"], new Date(OPEN)).data[0]!;
  for (let i = 1; i < 60; i++) last = market.quotes(["AAPL"], new Date(OPEN + i * 60_000)).data[0]!;
  const monday = market.quotes(["AAPL"], new Date(Date.parse("2024-06-03T14:00:00Z"))).data[0]!;
  assert.equal(monday.previous_close_price, last.price);
  assert.equal(monday.previous_close_price_time, "2024-05-31T16:00:00.000000");
  assert.equal(monday.day_open, last.price);
});

Deno.test("marketSession() follows New York hours and daylight saving", () => {
  assert.equal(marketSession(new Date("2024-05-31T13:29:00Z")), "pre"); // 09:29 EDT
  assert.equal(marketSession(new Date("2024-05-31T13:30:00Z")), "regular"); // 09:30 EDT
  assert.equal(marketSession(new Date("2024-05-31T20:00:00Z")), "after"); // 16:00 EDT
  assert.equal(marketSession(new Date("2024-06-01T00:00:00Z")), "closed"); // 20:00 EDT
  assert.equal(marketSession(new Date("2024-01-05T14:30:00Z")), "regular"); // 09:30 EST
  assert.equal(marketSession(new Date("2024-01-05T14:29:00Z")), "pre");
  assert.equal(marketSession(new Date("2024-06-02T15:00:00Z")), "closed"); // Sunday
});
