import assert from "node:assert/strict";
import { budgetWarning, minimumIntervalMs, requestsPerPoll } from "../../lib/quotes/budget.ts";

const FREE = { symbols: 3, symbolsPerRequest: 3, dailyBudget: 100 };

Deno.test("requestsPerPoll() splits symbols into requests", () => {
  assert.equal(requestsPerPoll({ ...FREE, symbols: 7, intervalMs: 1 }), 3);
});

Deno.test("budgetWarning() warns when the interval would exhaust the daily budget", async (t) => {
  const midnight = new Date("2024-05-31T00:00:00Z");
  await t.step("every minute on the free plan", () => {
    const warning = budgetWarning({ ...FREE, intervalMs: 60_000 }, midnight);
    assert.match(
      warning ?? "",
      /needs 1440 requests.*STOCKDATA_DAILY_BUDGET is 100.*runs out about 01:40 UTC.*at least 864000/,
    );
  });
  await t.step("no warning at the minimum interval", () => {
    assert.equal(minimumIntervalMs({ ...FREE, intervalMs: 0 }), 864_000);
    assert.equal(budgetWarning({ ...FREE, intervalMs: 864_000 }, midnight), undefined);
  });
  await t.step("no warning late in the day when the rest fits", () => {
    assert.equal(budgetWarning({ ...FREE, intervalMs: 60_000 }, new Date("2024-05-31T23:00:00Z")), undefined);
  });
});
