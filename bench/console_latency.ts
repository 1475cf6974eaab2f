/**
 * Benchmark: produce-to-pixel latency of the console. A console of its own
 * (its own port and topic, the same permissions as `deno task console`)
 * shows the market page in headless chromium; quotes go to the topic at a
 * steady rate, each with a unique price, and the page records (Date.now() in
 * the browser, a MutationObserver on the ticker tape) when each price is in
 * the DOM. Prints p50/p99/max per run, the min and median over the runs,
 * the console's RSS and CPU with the page open, and the machine load. Not a
 * test: it asserts nothing.
 *
 * ```sh
 * .tools/bin/deno run --env-file=.env --allow-net=127.0.0.1,localhost --allow-env \
 *   --allow-read --allow-write=/tmp,.data --allow-sys=loadavg \
 *   --allow-run=/usr/lib/chromium/chromium,.tools/npm/node_modules/deno/deno,ps \
 *   bench/console_latency.ts [--rate 100] [--seconds 60] [--runs 3]
 * ```
 *
 * @module
 */
import { median, percentile } from "./_stats.ts";
import { parseArgs } from "node:util";
import { kafkaClient, kafkaSettings } from "../lib/kafka/mod.ts";
import { closeBrowser, launch, openPage, OwnConsole } from "../tests/console/_browser.ts";

interface Run {
  sent: number;
  seen: number;
  p50: number;
  p99: number;
  max: number;
  rssMiB: number;
  cpuPercent: number;
}

const TICKER = "BENCH";

/** RSS and CPU time so far of process `pid`, from `ps` (reading /proc would need every permission). */
async function processFigures(pid: number): Promise<{ rssKiB: number; cpuSeconds: number }> {
  const { stdout } = await new Deno.Command("ps", { args: ["-o", "rss=,times=", "-p", String(pid)] }).output();
  const [rss, times] = new TextDecoder().decode(stdout).trim().split(/\s+/);
  return { rssKiB: Number(rss), cpuSeconds: Number(times) };
}

async function run(rate: number, seconds: number, index: number): Promise<Run> {
  const kafka = kafkaClient(kafkaSettings("tickpipe-console-bench"));
  const topic = `bench-console-${crypto.randomUUID().slice(0, 8)}`;
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
  const own = new OwnConsole(18_900 + index, { KAFKA_TOPIC: topic, CONSOLE_ALERTS_TOPIC: `${topic}-alerts` });
  const browser = await launch();
  const producer = kafka.producer();
  try {
    await own.ready();
    await producer.connect();
    const { page } = await openPage(browser);
    await page.goto(`${own.url}/market?ticker=${TICKER}&hours=1`, { waitUntil: "networkidle2" });
    await page.waitForSelector("#live.ok");
    // runs in the page (through DevTools, so the page's CSP does not apply): note when each price appears
    await page.evaluate(`(() => {
      window.seen = [];
      const tape = document.getElementById("tape");
      new MutationObserver(() => {
        const price = tape.querySelector('[data-ticker="${TICKER}"] .price')?.getAttribute("data-price");
        if (price && window.seen.at(-1)?.[0] !== price) window.seen.push([price, Date.now()]);
      }).observe(tape, { childList: true, subtree: true });
    })()`);
    const sentAt = new Map<string, number>();
    const before = await processFigures(own.child.pid);
    const start = performance.now();
    const total = rate * seconds;
    const inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const price = (100 + i / 10_000).toFixed(4).replace(/0+$/, "").replace(/\.$/, "");
      const value = JSON.stringify({
        meta: { requested: 1, returned: 1 },
        data: [{ ticker: TICKER, price: Number(price), day_change: 0.1, volume: 1000 + i }],
        timestamp_utc: new Date().toISOString(),
      });
      sentAt.set(String(Number(price)), Date.now());
      inFlight.push(producer.send({ topic, acks: 1, messages: [{ key: TICKER, value }] }));
    }
    await Promise.all(inFlight);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const after = await processFigures(own.child.pid);
    const elapsed = (performance.now() - start) / 1000;
    const seen = await page.evaluate("window.seen") as [string, number][];
    const latencies = seen.flatMap(([price, at]) => {
      const sent = sentAt.get(price);
      return sent === undefined ? [] : [at - sent];
    }).sort((a, b) => a - b);
    return {
      sent: total,
      seen: latencies.length,
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      max: latencies.at(-1) ?? NaN,
      rssMiB: after.rssKiB / 1024,
      cpuPercent: ((after.cpuSeconds - before.cpuSeconds) / elapsed) * 100,
    };
  } finally {
    await producer.disconnect().catch(() => {});
    await closeBrowser(browser);
    await own.stop();
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rate: { type: "string", default: "100" },
      seconds: { type: "string", default: "60" },
      runs: { type: "string", default: "3" },
    },
  });
  const rate = Number(values.rate);
  const seconds = Number(values.seconds);
  const runs = Number(values.runs);
  console.log(
    `console produce-to-pixel: ${rate} quotes/s for ${seconds}s, ${runs} runs; load ${Deno.loadavg().join(" ")}`,
  );
  const results: Run[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await run(rate, seconds, i);
    results.push(r);
    console.log(
      `  run ${
        i + 1
      }: ${r.seen}/${r.sent} prices seen in the DOM; p50 ${r.p50} ms, p99 ${r.p99} ms, max ${r.max} ms; ` +
        `console RSS ${r.rssMiB.toFixed(0)} MiB, CPU ${r.cpuPercent.toFixed(1)}% of a core ` +
        `(${((r.cpuPercent / 100) * 1e6 / rate).toFixed(0)} CPU-s per million quotes)`,
    );
  }
  const p99s = results.map((r) => r.p99);
  const p50s = results.map((r) => r.p50);
  console.log(
    `  p50 min ${Math.min(...p50s)} / median ${median(p50s)} ms; p99 min ${Math.min(...p99s)} / median ${
      median(p99s)
    } ms; ` +
      `load after ${Deno.loadavg().join(" ")}`,
  );
  Deno.exit(0);
}

if (import.meta.main) await main();
