/**
 * The console in a real browser (Debian's chromium through puppeteer-core)
 * on the real local stack: login, the start page, candles from known prices,
 * a stopped service turning red, the dead-letter count, the topic browser,
 * the SQL editor and the archive view. Each test writes a screenshot of its
 * page under .data/test-output/console/.
 */
// the page's document, inside functions puppeteer runs in the browser (tests do not load the DOM types)
// deno-lint-ignore no-explicit-any
declare const document: any;
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { withTestSink } from "../stack/_test_sink.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/mod.ts";
import { supervisorctl } from "../../stack/supervisor.ts";
import {
  authHeader,
  closeBrowser,
  CONSOLE_URL,
  launch,
  openPage,
  options,
  OwnConsole,
  screenshot,
  waitForAttribute,
} from "./_browser.ts";

const kafka = kafkaClient(kafkaSettings("tickpipe-console-test"));
let browser: Browser | undefined;
const shots: string[] = [];

async function theBrowser(): Promise<Browser> {
  if (!browser) {
    browser = await launch();
    // a filtered or failed run skips the last test: the browser must not outlive the tests
    const process = browser.process();
    globalThis.addEventListener("unload", () => process?.kill("SIGKILL"));
  }
  return browser;
}

function uid(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 8);
}

async function withTopic<T>(topic: string, partitions: number, body: () => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
    return await body();
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}

async function send(topic: string, messages: { key?: string; value: string; timestamp?: number }[]): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    await producer.send({
      topic,
      acks: -1,
      messages: messages.map((m) => ({
        key: m.key ?? null,
        value: m.value,
        ...(m.timestamp === undefined ? {} : { timestamp: String(m.timestamp) }),
      })),
    });
  } finally {
    await producer.disconnect();
  }
}

function envelope(ticker: string, price: number, volume: number): string {
  return JSON.stringify({
    meta: { requested: 1, returned: 1 },
    data: [{ ticker, price, day_change: 1.25, volume, last_trade_time: new Date().toISOString() }],
    timestamp_utc: new Date().toISOString(),
  });
}

Deno.test(
  "console answers 401 to every page and API without the right credentials, 403 to a POST without its token",
  options,
  async () => {
    const paths = [
      "/",
      "/market",
      "/pipeline",
      "/topics",
      "/sql",
      "/archive",
      "/static/app.js",
      "/api/market",
      "/api/pipeline",
      "/api/topics",
      "/api/events?channels=market",
      "/api/sql/catalog",
      "/api/archive/days",
      "/api/topics/api-data/messages",
    ];
    for (const path of paths) {
      for (const headers of [{}, { authorization: `Basic ${btoa("tickpipe:wrong")}` }]) {
        const response = await fetch(`${CONSOLE_URL}${path}`, { headers });
        await response.body?.cancel();
        assert.equal(response.status, 401, `${path} answered ${response.status}`);
        assert.match(response.headers.get("www-authenticate") ?? "", /^Basic realm=/);
      }
    }
    const post = await fetch(`${CONSOLE_URL}/api/sql`, {
      method: "POST",
      headers: { authorization: authHeader(), "content-type": "application/json", origin: "http://evil.example" },
      body: JSON.stringify({ sql: "SHOW STREAMS;", connection: "x" }),
    });
    assert.equal(post.status, 403);
    assert.match((await post.json()).error, /cross-site/);
    const noToken = await fetch(`${CONSOLE_URL}/api/sql`, {
      method: "POST",
      headers: { authorization: authHeader(), "content-type": "application/json" },
      body: JSON.stringify({ sql: "SHOW STREAMS;", connection: "x" }),
    });
    assert.equal(noToken.status, 403);
    await noToken.body?.cancel();
    const page = await fetch(`${CONSOLE_URL}/market`, { headers: { authorization: authHeader() } });
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'none'; script-src 'self'/);
    await page.body?.cancel();
  },
);

Deno.test("the start page loads with no console error and no request to another origin", options, async () => {
  const { page, errors, origins } = await openPage(await theBrowser());
  await page.goto(`${CONSOLE_URL}/`, { waitUntil: "networkidle2" });
  assert.equal(new URL(page.url()).pathname, "/market");
  await page.waitForSelector("#tape button[data-ticker]", { timeout: 30_000 });
  await page.waitForSelector("#chart canvas");
  await page.waitForSelector("#live.ok");
  shots.push(await screenshot(page, "market"));
  assert.deepEqual(errors, []);
  assert.deepEqual([...origins].filter((o) => o !== CONSOLE_URL && o !== "data:"), []);
  await page.close();
});

Deno.test(
  "known prices become one candle with exactly their open, high, low and close; the tape shows the last price",
  options,
  async () => {
    const topic = `test-console-${uid()}`;
    const ticker = `T${uid().toUpperCase()}`;
    const port = 18000 + Math.floor(Math.random() * 1000);
    await withTopic(topic, 1, async () => {
      const own = new OwnConsole(port, { KAFKA_TOPIC: topic, CONSOLE_ALERTS_TOPIC: `${topic}-alerts` });
      try {
        await own.ready();
        const { page, errors } = await openPage(await theBrowser());
        await page.goto(`${own.url}/market?ticker=${ticker}&hours=1`, { waitUntil: "networkidle2" });
        await page.waitForSelector("#live.ok");
        const minute = Math.floor(Date.now() / 60_000) * 60_000;
        const prices = [100.5, 105.25, 95.75, 102];
        await send(
          topic,
          prices.map((price, i) => ({
            key: ticker,
            value: envelope(ticker, price, 1000 + i * 10),
            timestamp: minute + i,
          })),
        );
        // live: the forming bar
        await waitForAttribute(page, "#legend", "data-close", { equals: "102" });
        const legend = await page.$eval(
          "#legend",
          (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }),
        );
        assert.deepEqual(
          {
            open: legend.open,
            high: legend.high,
            low: legend.low,
            close: legend.close,
            time: legend.time,
            volume: legend.volume,
          },
          { open: "100.5", high: "105.25", low: "95.75", close: "102", time: String(minute / 1000), volume: "30" },
        );
        // history: a fresh page draws the same bar
        await page.reload({ waitUntil: "networkidle2" });
        await waitForAttribute(page, "#legend", "data-close", { equals: "102" });
        const again = await page.$eval(
          "#legend",
          (e) => ({ ...(e as unknown as { dataset: Record<string, string> }).dataset }),
        );
        assert.deepEqual([again.open, again.high, again.low, again.close], ["100.5", "105.25", "95.75", "102"]);
        // the tape follows a new price
        const sent = Date.now();
        await send(topic, [{ key: ticker, value: envelope(ticker, 101.125, 1100) }]);
        await waitForAttribute(page, `#tape button[data-ticker="${ticker}"] .price`, "data-price", {
          equals: "101.125",
        });
        console.log(`tape showed the new price ${Date.now() - sent} ms after the produce was acknowledged`);
        shots.push(await screenshot(page, "market-known-prices"));
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await own.stop();
      }
    });
  },
);

/** Stops supervised `service`, runs `whileDown`, starts it again (also when `whileDown` throws). */
async function withServiceStopped(service: string, whileDown: () => Promise<void>): Promise<void> {
  const stopped = await supervisorctl("stop", service);
  assert.match(stopped.output, /stopped/, `supervisorctl stop ${service}: ${stopped.output}`);
  try {
    await whileDown();
  } finally {
    const started = await supervisorctl("start", service);
    assert.match(started.output, /started|already started/, `supervisorctl start ${service}: ${started.output}`);
  }
}

/** Waits until box `id` of the Pipeline page turns red (`ok` false) or green; logs how long it took. */
async function boxTurns(page: Page, id: string, ok: boolean, timeoutMs = 30_000): Promise<void> {
  const from = Date.now();
  await waitForAttribute(page, `#box-${id}`, "data-ok", { equals: String(ok) }, timeoutMs);
  console.log(`${id} box ${ok ? "green" : "red"} after ${Date.now() - from} ms`);
}

Deno.test("stopping the consumer turns its box red, starting it turns it green", options, async () => {
  const { page, errors } = await openPage(await theBrowser());
  await page.goto(`${CONSOLE_URL}/pipeline`, { waitUntil: "networkidle2" });
  await boxTurns(page, "consumer", true);
  shots.push(await screenshot(page, "pipeline"));
  await withServiceStopped("consumer", async () => {
    await boxTurns(page, "consumer", false);
    await page.waitForFunction(() => /STOPPED/.test(document.querySelector("#box-consumer")?.textContent ?? ""));
    shots.push(await screenshot(page, "pipeline-consumer-stopped"));
  });
  await boxTurns(page, "consumer", true, 60_000);
  assert.deepEqual(errors, []);
  await page.close();
});

Deno.test(
  "a non-JSON record raises the dead-letter count shown, with the sink's error (own topic, sink and console)",
  options,
  async () => {
    await withTestSink(async (sink) => {
      const own = new OwnConsole(18000 + Math.floor(Math.random() * 1000), {
        KAFKA_TOPIC: sink.name,
        KAFKA_DLQ_TOPIC: sink.dlq,
        CONSOLE_ALERTS_TOPIC: `${sink.name}-alerts`,
      });
      try {
        await own.ready();
        const { page, errors } = await openPage(await theBrowser());
        await page.goto(`${own.url}/pipeline`, { waitUntil: "networkidle2" });
        assert.equal(await waitForAttribute(page, "#dlq-count", "data-count", { present: true }), "0");
        const key = `TEST-console-${uid()}`;
        await send(sink.name, [{ key, value: `not json ${key}` }]);
        assert.equal(await waitForAttribute(page, "#dlq-count", "data-count", { above: 0 }, 60_000), "1");
        await page.waitForFunction(() => /latest: \S/.test(document.querySelector("#box-dlq")?.textContent ?? ""));
        const latest = await page.$eval("#box-dlq .error", (e) => e.textContent ?? "");
        assert.match(latest, /JSON|json|Converting byte\[\] to Kafka Connect data failed/, latest);
        shots.push(await screenshot(page, "pipeline-dlq"));
        assert.deepEqual(errors, []);
        await page.close();
      } finally {
        await own.stop();
      }
    });
  },
);

Deno.test(
  "a ksqlDB outage shows on the Pipeline and SQL pages, not as a blank page, and both recover by themselves",
  options,
  async () => {
    const { page: pipeline, errors } = await openPage(await theBrowser());
    await pipeline.goto(`${CONSOLE_URL}/pipeline`, { waitUntil: "networkidle2" });
    await boxTurns(pipeline, "ksqldb", true);
    const { page: sql, errors: sqlErrors } = await openPage(await theBrowser());
    await sql.goto(`${CONSOLE_URL}/sql`, { waitUntil: "networkidle2" });
    await sql.waitForFunction(() => /Streams \(\d+\)/.test(document.querySelector("#catalog")?.textContent ?? ""));
    await withServiceStopped("ksqldb", async () => {
      await boxTurns(pipeline, "ksqldb", false);
      const text = await pipeline.$eval("#box-ksqldb", (e) => e.textContent ?? "");
      assert.match(text, /ksqldb: STOPPED/, text);
      shots.push(await screenshot(pipeline, "pipeline-ksqldb-down"));
      // the side panel refreshes every 10 s: it names ksqlDB and the error instead of going blank
      await sql.waitForSelector("#catalog .error", { timeout: 30_000 });
      const message = await sql.$eval("#catalog .error", (e) => e.textContent ?? "");
      assert.match(message, /8088|ksqlDB|connect/i, message);
      shots.push(await screenshot(sql, "sql-ksqldb-down"));
    });
    await boxTurns(pipeline, "ksqldb", true, 90_000);
    await sql.waitForFunction(
      () => /Streams \(\d+\)/.test(document.querySelector("#catalog")?.textContent ?? ""),
      { timeout: 60_000 },
    );
    shots.push(await screenshot(sql, "sql-ksqldb-back"));
    // the browser logs a failed fetch as a console error while ksqlDB is away; nothing else may appear
    assert.deepEqual(sqlErrors.filter((e) => !/Failed to load resource|502|503/.test(e)), []);
    assert.deepEqual(errors, []);
    await Promise.all([pipeline.close(), sql.close()]);
  },
);

Deno.test(
  "the topic browser finds a produced message by its key, decoded; malformed and huge ones say so",
  options,
  async () => {
    const topic = `test-console-${uid()}`;
    const key = `key-${uid()}`;
    await withTopic(topic, 3, async () => {
      const huge = JSON.stringify({ blob: "x".repeat(200_000) });
      await send(topic, [
        { key: "other", value: JSON.stringify({ n: 1 }) },
        { key, value: JSON.stringify({ ticker: "ZZZ", price: 12.5 }) },
        { key: "bad", value: "{not json" },
        { key: "huge", value: huge },
      ]);
      const { page, errors } = await openPage(await theBrowser());
      await page.goto(`${CONSOLE_URL}/topics?topic=${topic}`, { waitUntil: "networkidle2" });
      await page.waitForSelector(`#topic-list button[data-topic="${topic}"]`);
      await page.waitForSelector("#messages .message", { timeout: 30_000 });
      assert.equal(await page.$$eval("#messages .message", (list) => list.length), 4);
      const notes = await page.$$eval("#messages .note", (list) => list.map((n) => n.textContent ?? ""));
      assert.ok(notes.some((n) => /not JSON: shown raw/.test(n)), notes.join(" | "));
      const size = huge.length.toLocaleString("en-US");
      assert.ok(notes.some((n) => n === `truncated: showing 65,536 of ${size} bytes`), notes.join(" | "));
      shots.push(await screenshot(page, "topics"));
      await page.type("#f-key", key);
      await page.click("#f-apply");
      await page.waitForFunction(
        (k: string) => {
          const all = [...document.querySelectorAll("#messages .message")];
          return all.length === 1 && all[0]!.getAttribute("data-key") === k;
        },
        { timeout: 30_000 },
        key,
      );
      const text = await page.$eval("#messages .message pre", (e) => e.textContent ?? "");
      assert.equal(text, JSON.stringify({ ticker: "ZZZ", price: 12.5 }, null, 2));
      shots.push(await screenshot(page, "topics-by-key"));
      assert.deepEqual(errors, []);
      await page.close();
    });
  },
);

Deno.test(
  "the SQL editor runs SHOW STREAMS and a push query with LIMIT 3; a syntax error shows its line and column",
  options,
  async () => {
    const { page, errors } = await openPage(await theBrowser());
    await page.goto(`${CONSOLE_URL}/sql`, { waitUntil: "networkidle2" });
    await page.waitForSelector("#live.ok");
    const run = async (sql: string) => {
      await page.$eval("#editor", (e, text) => (e as unknown as { value: string }).value = text as string, sql);
      await page.click("#run");
    };
    await run("SHOW STREAMS;");
    await page.waitForSelector('#results [data-type="streams"]', { timeout: 30_000 });
    const streams = await page.$eval('#results [data-type="streams"]', (e) => e.textContent ?? "");
    assert.match(streams, /QUOTES/);
    assert.match(streams, /STOCK_DATA/);
    await page.waitForFunction(() => /QUOTES/.test(document.querySelector("#catalog")?.textContent ?? ""));

    await run("SET 'auto.offset.reset' = 'earliest';\nSELECT ticker, price FROM quotes EMIT CHANGES LIMIT 3;");
    await page.waitForSelector("#results .query [data-done]", { timeout: 60_000 });
    assert.equal(await page.$$eval("#results .query tr.data", (rows) => rows.length), 3);
    assert.match(await page.$eval("#results .query [data-done]", (e) => e.textContent ?? ""), /ended after 3 rows/);
    shots.push(await screenshot(page, "sql"));

    await run("SHOW STREAMS;\n  SELEC ticker FROM quotes;");
    await page.waitForSelector("#sql-error", { timeout: 30_000 });
    const where = await page.$eval("#sql-error", (e) => [e.getAttribute("data-line"), e.getAttribute("data-column")]);
    assert.deepEqual(where, ["2", "3"]);
    assert.match(await page.$eval("#sql-error", (e) => e.textContent ?? ""), /^Error at line 2, column 3: /);
    shots.push(await screenshot(page, "sql-error"));
    assert.deepEqual(errors, []);
    await page.close();
  },
);

Deno.test("the archive view lists today's objects and previews one", options, async () => {
  const today = new Date().toISOString().slice(0, 10).split("-");
  const day = `year=${today[0]}/month=${today[1]}/day=${today[2]}`;
  // the consumer closes a batch 5 minutes after its first record at the latest
  const deadline = Date.now() + 330_000;
  for (;;) {
    const response = await fetch(`${CONSOLE_URL}/api/archive/objects?day=${encodeURIComponent(day)}`, {
      headers: { authorization: authHeader() },
    });
    if (response.ok && (await response.json()).length > 0) break;
    else await response.body?.cancel();
    assert.ok(Date.now() < deadline, `no archived object for ${day}`);
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const { page, errors } = await openPage(await theBrowser());
  await page.goto(`${CONSOLE_URL}/archive`, { waitUntil: "networkidle2" });
  await page.waitForSelector(`#days button[data-day="${day}"]`);
  await page.waitForSelector("#objects tr.object", { timeout: 30_000 });
  const first = await page.$eval(
    "#objects tr.object",
    (row) => [...row.querySelectorAll("td")].map((c) => c.textContent ?? ""),
  );
  assert.match(first[0]!, /^api-data\+\d+\+\d{20}\.jsonl\.gz$/);
  assert.match(first[2]!, /^[1-9][\d,]*$/);
  assert.match(first[3]!, /^\d+ – \d+$/);
  await page.click("#objects tr.object button");
  await page.waitForSelector("#preview pre.line", { timeout: 30_000 });
  const line = await page.$eval("#preview pre.line", (e) => e.textContent ?? "");
  assert.ok(Array.isArray(JSON.parse(line).data), `the first line is not an envelope: ${line.slice(0, 200)}`);
  shots.push(await screenshot(page, "archive"));
  assert.deepEqual(errors, []);
  await page.close();
});

// last: the broker's restart makes Connect, ksqlDB and the archiver reconnect, which the tests above need not wait for
Deno.test("a Kafka outage turns the topic's box red with the reason, and it recovers by itself", options, async () => {
  const { page, errors } = await openPage(await theBrowser());
  await page.goto(`${CONSOLE_URL}/pipeline`, { waitUntil: "networkidle2" });
  // the tests before may have restarted the broker: it starts from a healthy one
  await boxTurns(page, "api-data", true, 180_000);
  try {
    await withServiceStopped("kafka", async () => {
      await boxTurns(page, "api-data", false);
      // the reason, not a blank box: the poller's connection error (or its time budget on a busy machine), which
      // follows the supervisor's state by one reading
      await page.waitForFunction(() =>
        /kafka: STOPPED[^]*(Kafka is unreachable \(.+\); is it running|Kafka did not answer within 10s)/.test(
          document.querySelector("#box-api-data")?.textContent ?? "",
        )
      );
      shots.push(await screenshot(page, "pipeline-kafka-down"));
    });
    await boxTurns(page, "api-data", true, 300_000);
  } finally {
    // pass or fail, the tests after this one need the pipeline back: the sink's task and ksqlDB (whose health
    // includes its Kafka connection) RUNNING again
    await page.waitForFunction(
      () =>
        ["api-data", "sink", "ksqldb"].every((id) =>
          document.querySelector(`#box-${id}`)?.getAttribute("data-ok") === "true"
        ),
      { timeout: 300_000, polling: 500 },
    );
  }
  shots.push(await screenshot(page, "pipeline-kafka-back"));
  assert.deepEqual(errors, []);
  await page.close();
});

Deno.test("console tests: close the browser and list the screenshots", options, async () => {
  await closeBrowser(browser);
  console.log(`screenshots:\n  ${shots.join("\n  ")}`);
  assert.ok(shots.length >= 7);
});
