/**
 * Checks a poll plan against the API's daily request budget.
 *
 * @module
 */

/** A poll plan. */
export interface PollPlan {
  /** How many symbols are polled. */
  symbols: number;
  /** At most this many symbols per request. */
  symbolsPerRequest: number;
  /** Time between polls, ms. */
  intervalMs: number;
  /** Requests the plan allows per day (UTC). */
  dailyBudget: number;
}

/** How many requests one poll takes. */
export function requestsPerPoll(plan: PollPlan): number {
  return Math.ceil(plan.symbols / plan.symbolsPerRequest);
}

/** The shortest poll interval, in ms, that lasts a whole day on the budget. */
export function minimumIntervalMs(plan: PollPlan): number {
  return Math.ceil(86_400_000 * requestsPerPoll(plan) / plan.dailyBudget);
}

/**
 * Returns a warning when polling from `now` to the next UTC midnight (when
 * daily quotas reset) would use more requests than the budget, else `undefined`.
 */
export function budgetWarning(plan: PollPlan, now: Date): string | undefined {
  const perPoll = requestsPerPoll(plan);
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const polls = Math.ceil((midnight - now.getTime()) / plan.intervalMs);
  const needed = polls * perPoll;
  if (needed <= plan.dailyBudget) return undefined;
  const lastPoll = Math.floor(plan.dailyBudget / perPoll);
  const exhaustedAt = new Date(now.getTime() + lastPoll * plan.intervalMs).toISOString().slice(11, 16);
  return `Polling ${plan.symbols} symbols (${perPoll} ${perPoll === 1 ? "request" : "requests"} per poll) every ${
    plan.intervalMs / 1000
  }s needs ${needed} requests before UTC midnight but STOCKDATA_DAILY_BUDGET is ${plan.dailyBudget}; the budget runs out about ${exhaustedAt} UTC and requests then fail with 402 until it resets; set PRODUCER_POLL_INTERVAL_MS to at least ${
    minimumIntervalMs(plan)
  } to last the day`;
}
