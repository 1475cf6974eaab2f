/**
 * The ksqlDB server's limits on what a request may hold, over HTTP/1.1 and
 * HTTP/2 (h2c), on /ksql, /query and /query-stream: bodies over
 * KSQLDB_MAX_REQUEST_BYTES get 413, statements nested too deep a 400 naming
 * the limit and the position, and errors echo only a prefix of the statement.
 * Also: /healthcheck measures Kafka (a server pointed at a port where no broker
 * listens reports it unhealthy). Needs "task up".
 */
import assert from "node:assert/strict";
import { connect } from "node:http2";
import { ksqldb, options } from "./_stack.ts";
import { serveKsqldb } from "../../ksqldb/server/server.ts";
import { loadKsqldbConfig } from "../../ksqldb/server/config.ts";

const LIMIT = 1_048_576;
const PATHS = ["/ksql", "/query", "/query-stream"] as const;
const DEEP = `SELECT ${"(".repeat(10_000)}1${")".repeat(10_000)} FROM s EMIT CHANGES;`;

/** The JSON body each endpoint expects, holding `statement`. */
function requestBody(path: string, statement: string): string {
  return JSON.stringify(path === "/query-stream" ? { sql: statement } : { ksql: statement });
}

interface Answer {
  readonly status: number;
  readonly text: string;
}

async function post(path: string, body: BodyInit): Promise<Answer> {
  const response = await fetch(`${ksqldb.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/vnd.ksql.v1+json" },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** POSTs `body` over one HTTP/2 (h2c, prior knowledge) stream. */
function postH2(path: string, body: string): Promise<Answer> {
  const session = connect(ksqldb.url);
  return new Promise<Answer>((resolve, reject) => {
    session.once("error", reject);
    const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/json" });
    let status = 0;
    let text = "";
    stream.setEncoding("utf8");
    stream.once("response", (headers) => status = Number(headers[":status"]));
    stream.on("data", (chunk: string) => text += chunk);
    stream.once("end", () => resolve({ status, text }));
    stream.once("error", (error) => status > 0 ? resolve({ status, text }) : reject(error));
    stream.end(body);
  }).finally(() => session.close());
}

function assertTooLarge(answer: Answer): void {
  assert.equal(answer.status, 413);
  const body = JSON.parse(answer.text);
  assert.equal(body["@type"], "generic_error");
  assert.equal(body.error_code, 41300);
  assert.match(body.message, new RegExp(`limit of ${LIMIT} bytes \\(KSQLDB_MAX_REQUEST_BYTES\\)`));
  assert.match(body.message, /raise KSQLDB_MAX_REQUEST_BYTES/);
}

function assertTooDeep(answer: Answer): void {
  assert.equal(answer.status, 400);
  const body = JSON.parse(answer.text);
  assert.equal(body.error_code, 40001);
  assert.equal(
    body.message,
    "line 1:208: Syntax Error\nThe statement nests deeper than the limit of 200 levels (parentheses, function calls, CASE, NOT, types); simplify it",
  );
  assert.equal(body.statementText, `SELECT ${"(".repeat(193)}... (${DEEP.length - 200} more characters)`);
}

Deno.test("a request body over KSQLDB_MAX_REQUEST_BYTES gets 413 naming the limit", options, async (t) => {
  const statement = `DESCRIBE ${"X".repeat(5_000_000)};`;
  for (const path of PATHS) {
    await t.step(`HTTP/1.1 ${path}, 5 MB with Content-Length`, async () => {
      assertTooLarge(await post(path, requestBody(path, statement)));
    });
    await t.step(`HTTP/2 ${path}, 5 MB`, async () => {
      assertTooLarge(await postH2(path, requestBody(path, statement)));
    });
  }
  await t.step("HTTP/1.1 /ksql, 2 MB streamed without Content-Length", async () => {
    const bytes = new TextEncoder().encode(requestBody("/ksql", `DESCRIBE ${"X".repeat(2_000_000)};`));
    const chunked = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 65_536) controller.enqueue(bytes.slice(i, i + 65_536));
        controller.close();
      },
    });
    assertTooLarge(await post("/ksql", chunked));
  });
  await t.step("a body just under the limit is read", async () => {
    const answer = await post("/ksql", requestBody("/ksql", `SHOW STREAMS;${" ".repeat(LIMIT - 100)}`));
    assert.equal(answer.status, 200);
    assert.equal(JSON.parse(answer.text)[0]["@type"], "streams");
  });
});

Deno.test("10,000 nested parentheses get 400 naming the nesting limit and its position", options, async (t) => {
  for (const path of PATHS) {
    await t.step(`HTTP/1.1 ${path}`, async () => assertTooDeep(await post(path, requestBody(path, DEEP))));
    await t.step(`HTTP/2 ${path}`, async () => assertTooDeep(await postH2(path, requestBody(path, DEEP))));
  }
});

Deno.test("an error echoes only a prefix of a long statement", options, async (t) => {
  const name = "X".repeat(900_000);
  for (const path of PATHS) {
    await t.step(path, async () => {
      const answer = await post(
        path,
        requestBody(path, path === "/ksql" ? `DESCRIBE ${name};` : `SELECT * FROM ${name};`),
      );
      assert.equal(answer.status, 400);
      assert.ok(answer.text.length < 3000, `the error body has ${answer.text.length} characters`);
      const body = JSON.parse(answer.text);
      const statement = path === "/ksql" ? `DESCRIBE ${name};` : `SELECT * FROM ${name};`;
      assert.equal(body.statementText, `${statement.slice(0, 200)}... (${statement.length - 200} more characters)`);
      assert.match(body.message, /\.\.\. \(\d+ more characters\)$/);
    });
  }
});

Deno.test("GET /healthcheck reports Kafka unhealthy when no broker listens", options, async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const deadPort = listener.addr.port;
  listener.close(); // nothing listens there now
  const stateDir = await Deno.makeTempDir({ prefix: "tickpipe-ksqldb-health-" });
  const base = loadKsqldbConfig();
  const server = await serveKsqldb(
    { ...base, port: 0, stateDir, brokers: [`127.0.0.1:${deadPort}`], bootstrap: `127.0.0.1:${deadPort}` },
    { syncSeconds: 3600 },
  );
  try {
    const response = await fetch(`${server.url}/healthcheck`);
    assert.equal(response.status, 503);
    assert.deepEqual(await response.json(), {
      isHealthy: false,
      details: { metastore: { isHealthy: true }, kafka: { isHealthy: false }, commandRunner: { isHealthy: true } },
    });
  } finally {
    await server.close();
    await Deno.remove(stateDir, { recursive: true });
  }
});
