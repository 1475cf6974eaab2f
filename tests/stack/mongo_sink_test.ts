/**
 * Reliability tests of the MongoDB path (Kafka Connect's MongoDB sink with
 * simplelink.json's settings -> FerretDB on PostgreSQL), counted per record:
 * a MongoDB outage is waited out, a redelivery rewrites the same documents, and
 * the QUOTES stream lands one document per quote, found through its index.
 * Needs "task up"; stops and starts the stack's FerretDB.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { supervisorctl } from "../../stack/supervisor.ts";
import { connectorStatus } from "../../lib/connect/client.ts";
import { kafkaClient, kafkaSettings } from "../../lib/kafka/client.ts";
import { sinkUri } from "../../admin/connect.ts";
import { replayDeadLetters } from "../../admin/dlq_replay.ts";
import { peek } from "../../admin/peek.ts";
import { eventually } from "../archive/_stack.ts";
import {
  assertEachOnce,
  CONNECT_URL,
  connectCall,
  connectorRunning,
  dlqCount,
  produceSequence,
  sequenced,
  startTestSink,
} from "./_test_sink.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

Deno.test("sinkUri() keeps the file's options unless the override brings its own", () => {
  const file = "mongodb://127.0.0.1:27017/?serverSelectionTimeoutMS=60000";
  assert.equal(sinkUri(file, undefined), file);
  assert.equal(sinkUri(file, "mongodb://mongo:27017"), "mongodb://mongo:27017/?serverSelectionTimeoutMS=60000");
  assert.equal(sinkUri(file, "mongodb://db:27017/?tls=true"), "mongodb://db:27017/?tls=true");
});

Deno.test(
  "MongoDB sink waits out a 60 s FerretDB stop: 5,000 records each once, none dead-lettered",
  options,
  async () => {
    const sink = await startTestSink();
    const testId = crypto.randomUUID();
    let stopped = false;
    try {
      // ~50 records/s for ~100 s; FerretDB is down from ~10 s to ~70 s
      const flow = produceSequence(sink, testId, { from: 0, to: 5000, batch: 50, pauseMs: 1000 });
      await new Promise((r) => setTimeout(r, 10_000));
      const stop = await supervisorctl("stop", "ferretdb");
      assert.equal(stop.code, 0, stop.output);
      stopped = true;
      await new Promise((r) => setTimeout(r, 60_000));
      const start = await supervisorctl("start", "ferretdb");
      assert.equal(start.code, 0, start.output);
      stopped = false;
      await flow;
      await assertEachOnce(sink.collection, 5000, 300_000);
      assert.equal(await dlqCount(sink), 0, "records went to the dead-letter topic");
      // the sink guard restarts a task that failed during the outage; nobody else does
      await connectorRunning(sink.name);
    } finally {
      if (stopped) await supervisorctl("start", "ferretdb");
      await sink.cleanup();
    }
  },
);

Deno.test(
  "MongoDB sink rewrites the same documents when its offsets are reset: each record once",
  options,
  async () => {
    const sink = await startTestSink();
    const testId = crypto.randomUUID();
    try {
      await produceSequence(sink, testId, { from: 0, to: 1000, batch: 250, pauseMs: 0 });
      await assertEachOnce(sink.collection, 1000, 120_000);
      // _id is the record's Kafka coordinates: topic#partition#offset
      const ids = (await sink.collection.find({}, { projection: { _id: 1 } }).toArray()).map((d) => String(d._id));
      assert.equal(ids.filter((id) => new RegExp(`^${sink.name}#[0-2]#\\d+$`).test(id)).length, 1000);
      // mark every document; the redelivered records replace them whole
      await sink.collection.updateMany({}, { $set: { marked: true } });
      await connectCall("PUT", `/connectors/${sink.name}/stop`);
      await eventually("the test sink STOPPED", 60_000, async () => {
        const status = await connectorStatus(CONNECT_URL, sink.name);
        return status.connector.state === "STOPPED" ? true : undefined;
      });
      await connectCall("DELETE", `/connectors/${sink.name}/offsets`);
      const group = await sink.admin.fetchOffsets({ groupId: `connect-${sink.name}`, topics: [sink.name] });
      assert.ok(group[0]!.partitions.every((p) => p.offset === "-1"), "the sink's offsets were not reset");
      await connectCall("PUT", `/connectors/${sink.name}/resume`);
      await eventually("every document replaced by its redelivered record", 180_000, async () => {
        return (await sink.collection.countDocuments({ marked: true })) === 0 ? true : undefined;
      });
      await assertEachOnce(sink.collection, 1000, 60_000);
      assert.equal(await sink.collection.countDocuments(), 1000);
      assert.equal(await dlqCount(sink), 0);
    } finally {
      await sink.cleanup();
    }
  },
);

Deno.test("quotes-sink writes one document per quote into mydb.quotes, found through its index", options, async () => {
  const suffix = crypto.randomUUID().slice(0, 8).toUpperCase();
  const tickers = ["QA", "QB", "QC"].map((t) => `${t}${suffix}`);
  const lastTradeTime = "2026-12-02T15:59:58.000000";
  const envelope = {
    meta: { requested: 3, returned: 3 },
    data: tickers.map((ticker, i) => ({
      ticker,
      name: `${ticker} Corp`,
      currency: "USD",
      price: 10 + i,
      day_open: 10,
      day_high: 11 + i,
      day_low: 9,
      previous_close_price: 10,
      day_change: i,
      volume: 100 * (i + 1),
      last_trade_time: lastTradeTime,
    })),
    timestamp_utc: new Date().toISOString(),
  };
  const producer = kafkaClient(kafkaSettings("tickpipe-test")).producer();
  const mongo = new MongoClient("mongodb://127.0.0.1:27017", { serverSelectionTimeoutMS: 10_000 });
  const quotes = mongo.db("mydb").collection("quotes");
  await producer.connect();
  try {
    // the same envelope twice: a redelivered quote replaces itself
    for (let i = 0; i < 2; i++) {
      await producer.send({
        topic: "api-data",
        acks: -1,
        messages: [{ key: tickers.join(","), value: JSON.stringify(envelope) }],
      });
    }
    await eventually("3 quotes in mydb.quotes", 120_000, async () => {
      const n = await quotes.countDocuments({ ticker: { $in: tickers } });
      return n >= 3 ? true : undefined;
    });
    // both copies have gone through the stream by the time the second lands; give it a moment, then count
    await new Promise((r) => setTimeout(r, 5000));
    const docs = await quotes.find({ ticker: { $in: tickers } }).toArray();
    assert.deepEqual(docs.map((d) => d.ticker).sort(), tickers);
    for (const [i, ticker] of tickers.entries()) {
      const doc = docs.find((d) => d.ticker === ticker)!;
      assert.deepEqual(doc._id, { ticker, last_trade_time: lastTradeTime });
      assert.equal(doc.price, 10 + i);
      assert.equal(doc.volume, 100 * (i + 1));
      assert.equal(doc.name, `${ticker} Corp`);
    }
    const byTicker = JSON.stringify(await quotes.find({ ticker: tickers[0] }).explain());
    assert.match(byTicker, /Index Scan/);
    assert.match(byTicker, /"Index Name":"quotes_[^"]*ticker[^"]*last_trad[^"]*"/);
    const byId = JSON.stringify(
      await quotes.find({ _id: { ticker: tickers[0], last_trade_time: lastTradeTime } } as never).explain(),
    );
    assert.match(byId, /"Node Type":"Index Scan"/);
    assert.match(byId, /"Index Name":"quotes_[^"]*_id_[^"]*"/);
  } finally {
    await quotes.deleteMany({ ticker: { $in: tickers } });
    await producer.disconnect();
    await mongo.close();
  }
});

Deno.test("dlq:replay re-publishes dead-lettered records with their key and value, each once", options, async () => {
  const sink = await startTestSink();
  const testId = crypto.randomUUID();
  const kafka = kafkaClient(kafkaSettings("tickpipe-test"));
  const poison = `not json ${testId}`;
  try {
    await sink.producer.send({ topic: sink.name, acks: -1, messages: [{ key: "BAD", value: poison }] });
    await produceSequence(sink, testId, { from: 0, to: 1, batch: 1, pauseMs: 0 });
    // the good record after the poison one is written; the poison one is dead-lettered with the reason
    await assertEachOnce(sink.collection, 1, 60_000);
    const [dead] = await eventually("the poison record in the DLQ", 30_000, async () => {
      const messages = await peek(kafka, sink.dlq, 10);
      return messages.length > 0 ? messages : undefined;
    });
    assert.equal(dead?.value, poison);
    assert.match(dead?.headers["__connect.errors.exception.class.name"] ?? "", /DataException/);
    // a record dead-lettered for a cause fixed since: it must land once replayed
    await sink.producer.send({ topic: sink.dlq, acks: -1, messages: [sequenced(testId, 1)] });

    const first = await replayDeadLetters(kafka, { from: sink.dlq, to: sink.name, group: `${sink.name}-replay` });
    assert.deepEqual(first, { replayed: 2, held: 2 });
    await assertEachOnce(sink.collection, 2, 60_000);
    const replayed = (await peek(kafka, sink.name, 10)).filter((m) => m.value === poison);
    assert.equal(replayed.length, 2, "the poison record is in the topic once more");
    assert.equal(replayed[1]?.key, "BAD");
    assert.ok(!Object.keys(replayed[1]?.headers ?? {}).some((h) => h.startsWith("__connect.errors.")));
    // still not JSON: dead-lettered again; a second replay sends only that new copy
    await eventually(
      "the poison record dead-lettered again",
      30_000,
      async () => (await dlqCount(sink)) === 3 || undefined,
    );
    const second = await replayDeadLetters(kafka, { from: sink.dlq, to: sink.name, group: `${sink.name}-replay` });
    assert.deepEqual(second, { replayed: 1, held: 3 });
    await assertEachOnce(sink.collection, 2, 10_000);
  } finally {
    await sink.admin.deleteGroups([`${sink.name}-replay`]).catch(() => {});
    await sink.cleanup();
  }
});
