/**
 * Records the MongoDB server refuses for their content (tickpipe.connect.ValidateDocument,
 * stack/connect/) go to the sink's dead-letter topic with the reason, each once,
 * while every good record around them is written once and the task keeps running;
 * for mongo-sink's and quotes-sink's settings. Needs "task up".
 */
import assert from "node:assert/strict";
import { connectorStatus } from "../../lib/connect/client.ts";
import { SINK_FILES } from "../../admin/connect.ts";
import { peek, type PeekedMessage } from "../../admin/peek.ts";
import { eventually } from "../archive/_stack.ts";
import { assertEachOnce, CONNECT_URL, dlqCount, sequenced, type TestSink, withTestSink } from "./_test_sink.ts";

const options = { sanitizeOps: false, sanitizeResources: false };

/** A test sink accepts documents up to this size, so "too large" needs no 16 MiB record. */
const MAX_BSON_BYTES = 65_536;

/** Raw record values FerretDB 1.24 refuses, and what the dead-letter reason says of each. */
const REFUSED: ReadonlyArray<{ value: string | null; reason: RegExp }> = [
  { value: '{"$set": {"price": 1}}', reason: /field "\$set" starts with '\$'/ },
  { value: '{"meta": {"$where": "1"}, "data": []}', reason: /field "meta\.\$where" starts with '\$'/ },
  { value: '{"data": [{"price.usd": 1}]}', reason: /field "data\[0\]\.price\.usd" has a '\.' in its name/ },
  { value: '{"data": [{"name": "A\\u0000B"}]}', reason: /field "data\[0\]\.name" holds a string with a NUL/ },
  { value: '{"data": [[1, 2]]}', reason: /field "data\[0\]" is an array inside an array/ },
  { value: '{"data": [{"price": 1e400}]}', reason: /field "data\[0\]\.price" is Infinity/ },
  { value: "42", reason: /is not a JSON object but a number/ },
  { value: '[{"price": 1}]', reason: /is not a JSON object but an array/ },
  { value: null, reason: /has no value \(a tombstone or JSON null\)/ },
  { value: JSON.stringify({ blob: "x".repeat(MAX_BSON_BYTES) }), reason: /bytes as BSON, over the 65536 bytes/ },
];

async function deadLetters(sink: TestSink, n: number): Promise<PeekedMessage[]> {
  return await eventually(`${n} records in ${sink.dlq}`, 120_000, async () => {
    const messages = await peek(sink.kafka, sink.dlq, n + 10);
    return messages.length >= n ? messages : undefined;
  });
}

function assertReason(dead: PeekedMessage | undefined, topic: string, reason: RegExp): void {
  assert.ok(dead, `the record that should match ${reason} is not in the dead-letter topic`);
  assert.equal(dead.headers["__connect.errors.stage"], "TRANSFORMATION");
  assert.equal(dead.headers["__connect.errors.class.name"], "tickpipe.connect.ValidateDocument");
  assert.equal(dead.headers["__connect.errors.exception.class.name"], "org.apache.kafka.connect.errors.DataException");
  assert.match(dead.headers["__connect.errors.exception.message"] ?? "", reason);
  assert.match(dead.headers["__connect.errors.exception.message"] ?? "", new RegExp(`^Record of topic "${topic}"`));
  assert.match(
    dead.headers["__connect.errors.exception.message"] ?? "",
    /; [^;]+ in the producer/,
    "the message names no fix",
  );
  assert.equal(dead.headers["__connect.errors.topic"], topic);
}

async function assertRunning(name: string): Promise<void> {
  const status = await connectorStatus(CONNECT_URL, name);
  assert.equal(status.connector.state, "RUNNING");
  assert.deepEqual(status.tasks.map((t) => t.state), ["RUNNING"]);
}

Deno.test(
  "MongoDB sink dead-letters each record the server refuses for its content, writes every good one once",
  options,
  async () => {
    const config = { "transforms.validate.max.bson.bytes": String(MAX_BSON_BYTES) };
    await withTestSink(async (sink) => {
      const testId = crypto.randomUUID();
      // 300 good records with the refused ones among them, on every partition (key BAD<i>: REFUSED[i])
      const messages: { key: string; value: string | null }[] = [];
      for (let seq = 0; seq < 300; seq++) {
        messages.push(sequenced(testId, seq));
        const refused = REFUSED[seq / 30];
        if (seq % 30 === 0 && refused) messages.push({ key: `BAD${seq / 30}`, value: refused.value });
      }
      await sink.producer.send({ topic: sink.name, acks: -1, messages });
      await assertEachOnce(sink.collection, 300, 180_000);
      assert.equal(await sink.collection.countDocuments(), 300, "a refused record became a document");
      const dead = await deadLetters(sink, REFUSED.length);
      assert.equal(dead.length, REFUSED.length, "a record was dead-lettered that should not have been");
      for (const [i, { value, reason }] of REFUSED.entries()) {
        const copies = dead.filter((m) => m.key === `BAD${i}`);
        assert.equal(copies.length, 1, `${value?.slice(0, 60)} is in the dead-letter topic ${copies.length} times`);
        assertReason(copies[0], sink.name, reason);
      }
      await assertRunning(sink.name);
    }, { config });
  },
);

Deno.test("quotes-sink dead-letters a quote the server refuses and writes the next one", options, async () => {
  await withTestSink(async (sink) => {
    const quote = (name: string) =>
      JSON.stringify({ NAME: name, PRICE: 1.5, LAST_TRADE_TIME: "2026-12-03T10:00:00.000000" });
    await sink.producer.send({
      topic: sink.name,
      acks: -1,
      messages: [
        { key: "QBAD", value: quote("Bad\u0000Corp"), partition: 0 },
        { key: "QGOOD", value: quote("Good Corp"), partition: 0 },
      ],
    });
    const doc = await eventually("the good quote in the collection", 120_000, async () => {
      return (await sink.collection.findOne({ ticker: "QGOOD" })) ?? undefined;
    });
    assert.deepEqual(doc._id, { ticker: "QGOOD", last_trade_time: "2026-12-03T10:00:00.000000" });
    assert.equal(doc.name, "Good Corp");
    const [dead] = await deadLetters(sink, 1);
    assertReason(dead, sink.name, /field "NAME" holds a string with a NUL/);
    assert.equal(dead?.key, "QBAD");
    assert.equal(await dlqCount(sink), 1);
    assert.equal(await sink.collection.countDocuments(), 1);
    await assertRunning(sink.name);
  }, { link: SINK_FILES[1]! });
});
