import assert from "node:assert/strict";
import { PRODUCER_ENV, producerConfig, symbolGroups } from "../../lib/producer/config.ts";

function withEnv<T>(vars: Record<string, string>, fn: () => T): T {
  const saved = new Map(PRODUCER_ENV.map((name) => [name, Deno.env.get(name)]));
  for (const name of PRODUCER_ENV) Deno.env.delete(name);
  for (const [name, value] of Object.entries(vars)) Deno.env.set(name, value);
  try {
    return fn();
  } finally {
    for (const [name, value] of saved) value === undefined ? Deno.env.delete(name) : Deno.env.set(name, value);
  }
}

Deno.test("producerConfig() defaults to the simulated source without a token", () => {
  const config = withEnv({}, producerConfig);
  assert.equal(config.source, "simulated");
  assert.equal(config.topic, "api-data");
  assert.deepEqual(config.symbols, ["AAPL", "TSLA", "MSFT"]);
  assert.equal(config.pollIntervalMs, 60_000);
  assert.equal(config.skipUnchanged, true);
  assert.deepEqual(config.kafka.brokers, ["localhost:29092"]);
  assert.equal(config.stockdata.symbolsPerRequest, 3);
  assert.equal(config.stockdata.dailyBudget, 100);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.stockdata));
});

Deno.test("producerConfig() picks stockdata when a token is set", () => {
  const config = withEnv({ STOCKDATA_API_TOKEN: "abc", PRODUCER_SYMBOLS: " aapl, tsla ,aapl,brk.b " }, producerConfig);
  assert.equal(config.source, "stockdata");
  assert.equal(config.stockdata.token, "abc");
  assert.deepEqual(config.symbols, ["AAPL", "TSLA", "BRK.B"]);
});

Deno.test("producerConfig() names the variable, the value and the fix", async (t) => {
  const cases: [Record<string, string>, RegExp][] = [
    [{ PRODUCER_SOURCE: "stockdata" }, /PRODUCER_SOURCE="stockdata" needs STOCKDATA_API_TOKEN/],
    [{ PRODUCER_SOURCE: "yahoo" }, /PRODUCER_SOURCE="yahoo" is not one of stockdata, replay, simulated/],
    [{ PRODUCER_SYMBOLS: "AAPL,$$$" }, /PRODUCER_SYMBOLS="AAPL,\$\$\$" has "\$\$\$"/],
    [{ PRODUCER_SYMBOLS: " , " }, /names no symbols/],
    [{ PRODUCER_POLL_INTERVAL_MS: "5s" }, /PRODUCER_POLL_INTERVAL_MS="5s" is not a whole number/],
    [{ KAFKA_TOPIC: "api data" }, /KAFKA_TOPIC="api data" is not a Kafka topic name/],
    [{ STOCKDATA_BASE_URL: "ftp://x" }, /STOCKDATA_BASE_URL="ftp:\/\/x" is not an http\(s\) URL/],
    [{ REPLAY_PACE: "slow" }, /REPLAY_PACE="slow" is not one of recorded, fast/],
    [{ PRODUCER_SKIP_UNCHANGED: "maybe" }, /PRODUCER_SKIP_UNCHANGED="maybe" is not a boolean/],
  ];
  for (const [vars, message] of cases) {
    await t.step(Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(" "), () => {
      assert.throws(() => withEnv(vars, producerConfig), (e) => e instanceof RangeError && message.test(e.message));
    });
  }
});

Deno.test("symbolGroups() splits symbols into requests of at most N", () => {
  assert.deepEqual(symbolGroups(["A", "B", "C", "D", "E", "F", "G"], 3), [["A", "B", "C"], ["D", "E", "F"], ["G"]]);
  assert.deepEqual(symbolGroups(["A"], 3), [["A"]]);
});
