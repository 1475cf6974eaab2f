/**
 * /query-stream over HTTP/2 without TLS (h2c with prior knowledge), as ksqlDB's
 * Java client and the npm ksqldb-client speak it: two push queries share one
 * connection, stream rows, and resetting a stream stops its Flink job. Needs
 * "task up" with the ksqlDB server (KSQLDB_URL) and its Flink engine
 * (FLINK_ENGINE_URL, default http://127.0.0.1:8089).
 */
import assert from "node:assert/strict";
import { type ClientHttp2Session, type ClientHttp2Stream, connect, constants } from "node:http2";
import { cleanup, createTopic, eventually, ksqldb, options, produce, testKafka, uniqueName } from "./_stack.ts";

const ENGINE = Deno.env.get("FLINK_ENGINE_URL") || "http://127.0.0.1:8089";

/** The push queries the Flink engine runs now, by name (the ksqlDB query id). */
async function pushQueries(): Promise<string[]> {
  return ((await (await fetch(`${ENGINE}/health`)).json()) as { pushQueryNames: string[] }).pushQueryNames;
}

/** A push query on an HTTP/2 stream: its response status, then its lines as JSON. */
interface H2Query {
  readonly stream: ClientHttp2Stream;
  readonly status: Promise<number>;
  readonly lines: AsyncIterator<unknown>;
}

function h2Query(session: ClientHttp2Session, sql: string): H2Query {
  const stream = session.request({
    ":method": "POST",
    ":path": "/query-stream",
    "content-type": "application/vnd.ksqlapi.delimited.v1",
    "accept": "application/vnd.ksqlapi.delimited.v1",
  });
  // from the earliest offset of the test's own topic: a query that positions itself after the records
  // are produced still reads them all (at "latest" it would wait forever on a loaded machine)
  stream.end(JSON.stringify({ sql, properties: { "auto.offset.reset": "earliest" } }));
  const status = new Promise<number>((resolve, reject) => {
    stream.once("response", (headers) => resolve(Number(headers[":status"])));
    stream.once("error", reject);
  });
  stream.setEncoding("utf8");
  async function* lines(): AsyncGenerator<unknown> {
    let buffer = "";
    for await (const chunk of stream as AsyncIterable<string>) {
      buffer += chunk;
      for (let end = buffer.indexOf("\n"); end >= 0; end = buffer.indexOf("\n")) {
        const line = buffer.slice(0, end).trim();
        buffer = buffer.slice(end + 1);
        if (line !== "") yield JSON.parse(line);
      }
    }
  }
  return { stream, status, lines: lines() };
}

async function next(lines: AsyncIterator<unknown>, timeoutMs = 60_000): Promise<unknown> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`No line of the query within ${timeoutMs} ms`)), timeoutMs);
  });
  const item = await Promise.race([lines.next(), timeout]).finally(() => clearTimeout(timer));
  assert.equal(item.done, false, "the query ended early");
  return item.value;
}

Deno.test("POST /query-stream over HTTP/2 (h2c) streams push query rows", options, async () => {
  const kafka = testKafka();
  const admin = kafka.admin();
  await admin.connect();
  const topic = `test-${crypto.randomUUID()}`;
  const stream = uniqueName("H2");
  const session = connect(ksqldb.url);
  const connected = new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  try {
    await createTopic(admin, topic, 1);
    await ksqldb.ksql(
      `CREATE STREAM ${stream} (ticker STRING, price DOUBLE) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');`,
    );
    await connected;
    assert.equal(session.alpnProtocol, "h2c");
    const all = h2Query(session, `SELECT ticker, price FROM ${stream} EMIT CHANGES;`);
    const high = h2Query(session, `SELECT ticker FROM ${stream} WHERE price > 2 EMIT CHANGES;`);
    assert.equal(await all.status, 200);
    assert.equal(await high.status, 200);
    const allHeader = await next(all.lines) as { queryId: string; columnNames: string[]; columnTypes: string[] };
    const highHeader = await next(high.lines) as { queryId: string; columnNames: string[] };
    assert.deepEqual(allHeader.columnNames, ["TICKER", "PRICE"]);
    assert.deepEqual(allHeader.columnTypes, ["STRING", "DOUBLE"]);
    assert.deepEqual(highHeader.columnNames, ["TICKER"]);
    const running = await pushQueries();
    assert.ok(running.includes(allHeader.queryId) && running.includes(highHeader.queryId), "both queries run");

    await produce(kafka, topic, [{ ticker: "A", price: 1.5 }, { ticker: "B", price: 2.5 }, { ticker: "C", price: 3 }]);
    assert.deepEqual([await next(all.lines), await next(all.lines), await next(all.lines)], [
      ["A", 1.5],
      ["B", 2.5],
      ["C", 3],
    ]);
    assert.deepEqual([await next(high.lines), await next(high.lines)], [["B"], ["C"]]);

    // the Java client closes a query by resetting its stream; the connection stays open
    all.stream.close(constants.NGHTTP2_CANCEL);
    await eventually(
      "the reset query to stop",
      30_000,
      async () => !(await pushQueries()).includes(allHeader.queryId) || undefined,
    );
    assert.ok((await pushQueries()).includes(highHeader.queryId), "the other query on the connection still runs");
    high.stream.close(constants.NGHTTP2_CANCEL);
    await eventually(
      "the second query to stop",
      30_000,
      async () => !(await pushQueries()).includes(highHeader.queryId) || undefined,
    );
  } finally {
    session.destroy();
    await cleanup(admin, [stream], [topic]);
    await admin.disconnect();
  }
});
