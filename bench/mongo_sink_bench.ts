/**
 * Benchmark of the MongoDB path: Kafka Connect's MongoDB sink (simplelink.json's
 * settings, a connector, topic and collection of its own) into FerretDB on
 * PostgreSQL, with 0, 100,000 and 1,000,000 documents already in the collection;
 * then, at the largest size, lookups by `_id` and by `{ticker, last_trade_time}`
 * (a quote collection of the same size with quotes-sink's index), Mongo
 * Express's collection page in chromium, and the memory of FerretDB + PostgreSQL.
 *
 *     deno run -A --env-file=.env bench/mongo_sink_bench.ts [--sizes 0,100000,1000000] [--records 10000] [--runs 3]
 *
 * Needs "task up". Prints figures (min/median of the runs, CPU-seconds per
 * million documents of FerretDB + PostgreSQL + Connect, machine load); asserts
 * nothing. Removes its connector, topics and collections at the end.
 *
 * @module
 */
// the page's document, inside the function puppeteer runs in the browser
// deno-lint-ignore no-explicit-any
declare const document: any;
import { median } from "./_stats.ts";
import { parseArgs } from "node:util";
import type { Collection } from "mongodb";
import { supervisorctl } from "../stack/supervisor.ts";
import { closeBrowser, launch } from "../tests/console/_browser.ts";
import { produceSequence, startTestSink, TEST_DB, type TestSink } from "../tests/stack/_test_sink.ts";

const TICKERS = ["AAPL", "TSLA", "MSFT", "NVDA", "AMZN", "GOOG", "META", "NFLX"];
const CLOCK_TICKS = 100;

function figure(values: number[], digits = 0): string {
  return `min ${Math.min(...values).toFixed(digits)}, median ${median(values).toFixed(digits)}`;
}

/** pid of a supervised program, and for postgres its children too. */
async function pids(name: string): Promise<number[]> {
  const { output } = await supervisorctl("pid", name);
  const pid = Number(output.trim());
  if (!Number.isInteger(pid) || pid <= 0) return [];
  const all = [pid];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid) all.push(Number(entry.name));
    } catch {
      // gone
    }
  }
  return all;
}

function cpuSeconds(pidList: number[]): number {
  let ticks = 0;
  for (const pid of pidList) {
    try {
      const fields = Deno.readTextFileSync(`/proc/${pid}/stat`).split(") ")[1]!.split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // gone
    }
  }
  return ticks / CLOCK_TICKS;
}

function rssMiB(pidList: number[]): number {
  let kib = 0;
  for (const pid of pidList) {
    try {
      kib += Number(/VmRSS:\s+(\d+)/.exec(Deno.readTextFileSync(`/proc/${pid}/status`))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kib / 1024;
}

/** Inserts documents `from`..`to - 1` shaped by `make` in batches of 1000. */
async function prefill(collection: Collection, from: number, to: number, make: (i: number) => object): Promise<void> {
  const started = performance.now();
  for (let start = from; start < to; start += 1000) {
    const docs = Array.from({ length: Math.min(1000, to - start) }, (_, k) => make(start + k));
    await collection.insertMany(docs as never[], { ordered: false });
  }
  const seconds = (performance.now() - started) / 1000;
  if (to > from) console.log(`  prefilled ${to - from} documents in ${seconds.toFixed(0)} s`);
}

function envelopeDoc(i: number): object {
  return {
    _id: `prefill#${i}`,
    meta: { requested: 3, returned: 3 },
    data: TICKERS.slice(0, 3).map((ticker) => ({ ticker, price: 100 + (i % 90), volume: i })),
    timestamp_utc: new Date(Date.UTC(2026, 0, 1) + i * 10_000).toISOString(),
  };
}

function quoteTime(i: number): string {
  return new Date(Date.UTC(2026, 0, 1) + Math.floor(i / TICKERS.length) * 10_000).toISOString().replace("Z", "000");
}

function quoteDoc(i: number): object {
  const ticker = TICKERS[i % TICKERS.length]!;
  const last_trade_time = quoteTime(i);
  return { _id: { ticker, last_trade_time }, ticker, last_trade_time, price: 100 + (i % 90), volume: i };
}

/** Produces `records` records and returns the sink's documents/s from the first send to the last write. */
async function sinkRun(sink: TestSink, seqFrom: number, records: number): Promise<number> {
  const started = performance.now();
  await produceSequence(sink, "bench", { from: seqFrom, to: seqFrom + records, batch: 1000, pauseMs: 0 });
  const ends = await sink.admin.fetchTopicOffsets(sink.name);
  const lastIds = ends.filter((p) => Number(p.high) > 0).map((p) =>
    `${sink.name}#${p.partition}#${Number(p.high) - 1}`
  );
  const pending = new Set(lastIds);
  while (pending.size > 0) {
    for (const id of [...pending]) if (await sink.collection.findOne({ _id: id as never })) pending.delete(id);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 100));
  }
  return records / ((performance.now() - started) / 1000);
}

async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "0,100000,1000000" },
      records: { type: "string", default: "10000" },
      runs: { type: "string", default: "3" },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const records = Number(values.records);
  const runs = Number(values.runs);
  const sink = await startTestSink();
  const quotes = sink.collection.db.collection(`${sink.name}-quotes`);
  const servers = async () => [...await pids("ferretdb"), ...await pids("postgres")];
  try {
    console.log(
      `MongoDB sink benchmark: ${records} records a run, ${runs} runs a size, load ${Deno.loadavg().join(" ")}`,
    );
    let filled = 0;
    let seq = 0;
    for (const size of sizes) {
      await prefill(sink.collection, filled, size, envelopeDoc);
      filled = Math.max(filled, size);
      const rates: number[] = [];
      const cpu: number[] = [];
      for (let run = 0; run < runs; run++) {
        const measured = [...await servers(), ...await pids("connect")];
        const before = cpuSeconds(measured);
        rates.push(await sinkRun(sink, seq, records));
        cpu.push(((cpuSeconds(measured) - before) / records) * 1e6);
        seq += records;
      }
      console.log(
        `with ${size} documents already in the collection: ${figure(rates)} documents/s; ` +
          `${figure(cpu)} CPU-s per million documents (FerretDB + PostgreSQL + Connect); load ${
            Deno.loadavg()[0]?.toFixed(2)
          }`,
      );
    }
    const largest = Math.max(...sizes);
    await quotes.createIndex({ ticker: 1, last_trade_time: -1 }, { name: "ticker_1_last_trade_time_-1" });
    await prefill(quotes, 0, largest, quoteDoc);
    const byId: number[] = [];
    const byQuote: number[] = [];
    const byQuoteId: number[] = [];
    for (let i = 0; i < 200; i++) {
      const n = Math.floor(Math.random() * Math.max(largest, 1));
      byId.push(await timeMs(() => sink.collection.findOne({ _id: `prefill#${n}` as never })));
      const ticker = TICKERS[n % TICKERS.length]!;
      byQuote.push(await timeMs(() => quotes.find({ ticker, last_trade_time: quoteTime(n) }).toArray()));
      // quotes-sink's _id is the same pair: the unique btree behind _id serves it
      byQuoteId.push(await timeMs(() => quotes.findOne({ _id: { ticker, last_trade_time: quoteTime(n) } as never })));
    }
    console.log(`lookup by _id at ${largest} documents: ${figure(byId, 2)} ms (200 lookups)`);
    console.log(`lookup by {ticker, last_trade_time} at ${largest} documents: ${figure(byQuote, 2)} ms (200 lookups)`);
    console.log(
      `lookup by _id {ticker, last_trade_time} at ${largest} documents: ${figure(byQuoteId, 2)} ms (200 lookups)`,
    );
    console.log(`memory: FerretDB + PostgreSQL RSS ${rssMiB(await servers()).toFixed(0)} MiB`);
    // what a user sees: the collection page in a real browser (Debian's chromium), bounded at 120 s a load
    const page: number[] = [];
    const browser = await launch();
    try {
      const tab = await browser.newPage();
      await tab.authenticate({
        username: Deno.env.get("ME_CONFIG_BASICAUTH_USERNAME") ?? "tickpipe",
        password: Deno.env.get("ME_CONFIG_BASICAUTH_PASSWORD") ?? "",
      });
      for (let i = 0; i < 3; i++) {
        page.push(
          await timeMs(async () => {
            const response = await tab.goto(`http://127.0.0.1:8081/db/${TEST_DB}/${sink.name}`, {
              waitUntil: "load",
              timeout: 120_000,
            });
            // a reload may be a 304 (Mongo Express sends an ETag)
            if (!response || response.status() >= 400) throw new Error(`Mongo Express answered ${response?.status()}`);
            // the page lists the newest documents' ids and the collection's size
            const text = await tab.evaluate(() => document.body.innerText) as string;
            if (!text.includes(`${sink.name}#`) && !text.includes("prefill#")) throw new Error("no document listed");
          }),
        );
      }
      console.log(`Mongo Express collection page at ${filled + seq} documents: ${figure(page)} ms (3 loads, chromium)`);
    } catch (error) {
      console.log(`Mongo Express collection page at ${filled + seq} documents: no page (${(error as Error).message})`);
    } finally {
      await closeBrowser(browser);
    }
    console.log(`memory after it: FerretDB + PostgreSQL RSS ${rssMiB(await servers()).toFixed(0)} MiB`);
  } finally {
    await quotes.drop().catch(() => {});
    await sink.cleanup();
  }
}

if (import.meta.main) await main();
