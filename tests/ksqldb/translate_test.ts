/**
 * Unit tests of the ksqlDB-compatible server's parser and ksqlDB-to-Flink SQL
 * translation (ksqldb/server); no services needed.
 */
import assert from "node:assert/strict";
import { parseKsql, splitStatements, statementAt } from "../../ksqldb/server/parser.ts";
import { KsqlSyntaxError, KsqlUnsupportedError } from "../../ksqldb/server/error.ts";
import { Catalog } from "../../ksqldb/server/catalog.ts";
import { translateQuery } from "../../ksqldb/server/translate_query.ts";
import { flinkTableDdl, flinkTableDdls } from "../../ksqldb/server/flink_table_ddl.ts";
import { formatType, fromEngineType, toKsqlValue } from "../../ksqldb/server/types.ts";
import type { SelectQuery } from "../../ksqldb/server/ast.ts";
import { describeEntity } from "../../ksqldb/server/entities.ts";

async function catalog(): Promise<Catalog> {
  const c = Catalog.memory();
  const [create] = parseKsql(
    "CREATE STREAM stock_data (meta STRUCT<requested INT>, data ARRAY<STRUCT<ticker STRING, price DOUBLE, `Odd` INT>>, timestamp_utc STRING) WITH (KAFKA_TOPIC='api-data', VALUE_FORMAT='JSON');",
  );
  assert.equal(create?.kind, "createSource");
  if (create?.kind !== "createSource") return c;
  await c.putSource({
    name: create.name,
    sourceType: "STREAM",
    topic: "api-data",
    keyFormat: "KAFKA",
    valueFormat: "JSON",
    columns: create.columns.map((col) => ({ name: col.name, type: col.type, json: col.name.toLowerCase() })),
    statement: create.text,
    partitions: 3,
    replicas: 1,
    derived: false,
  });
  return c;
}

function select(sql: string): SelectQuery {
  const [statement] = parseKsql(sql);
  assert.equal(statement?.kind, "select");
  return (statement as { query: SelectQuery }).query;
}

const push = { mode: "push" as const, queryId: "q", statementText: "S;" };

Deno.test("parseKsql() parses the seed's statements and keeps each statement's text", () => {
  const statements = parseKsql(
    "SHOW STREAMS;\nshow topics;\nDROP STREAM IF EXISTS API_DATA_STREAM;\nSELECT * FROM stock_data EMIT CHANGES;",
  );
  assert.deepEqual(statements.map((s) => s.kind), ["show", "show", "drop", "select"]);
  assert.deepEqual(statements.map((s) => s.text), [
    "SHOW STREAMS;",
    "show topics;",
    "DROP STREAM IF EXISTS API_DATA_STREAM;",
    "SELECT * FROM stock_data EMIT CHANGES;",
  ]);
  const drop = statements[2]!;
  assert.ok(drop.kind === "drop" && drop.ifExists && drop.name === "API_DATA_STREAM");
});

Deno.test("parseKsql() reports a syntax error with ksqlDB's line:column prefix", async (t) => {
  await t.step("unknown statement", () => {
    assert.throws(() => parseKsql("SHOW STREAMS;\n  SELEC 1;"), (e: unknown) => {
      assert.ok(e instanceof KsqlSyntaxError);
      assert.equal(e.message, "line 2:3: Syntax Error\nUnknown statement 'SELEC'");
      assert.equal(statementAt("SHOW STREAMS;\n  SELEC 1;", e.offset), "SELEC 1;");
      return true;
    });
  });
  await t.step("missing parenthesis", () => {
    assert.throws(() => parseKsql("CREATE STREAM s (a INT WITH (KAFKA_TOPIC='t');"), /line 1:24: Syntax Error/);
  });
  await t.step("unsupported statements name the feature", () => {
    assert.throws(() => parseKsql("PRINT 'api-data';"), KsqlUnsupportedError);
    assert.throws(() => parseKsql("INSERT INTO s VALUES (1);"), /INSERT INTO \.\.\. VALUES is not supported/);
  });
});

Deno.test("splitStatements() splits at semicolons outside strings and comments", () => {
  assert.deepEqual(splitStatements("-- a; comment\nSET 'a'='x;y';\nSHOW STREAMS ;\n-- trailing"), [
    "-- a; comment\nSET 'a'='x;y';",
    "SHOW STREAMS;",
  ]);
});

Deno.test("splitStatements() keeps a ';' inside a /* */ comment, a -- comment or quotes in its statement", async (t) => {
  await t.step("block comment", () => {
    assert.deepEqual(splitStatements("SHOW STREAMS /* one; two */;\nSHOW TABLES;"), [
      "SHOW STREAMS /* one; two */;",
      "SHOW TABLES;",
    ]);
    assert.deepEqual(splitStatements("/* only; a comment */"), []);
  });
  await t.step("line comment", () => {
    assert.deepEqual(splitStatements("SHOW STREAMS -- not; here\n;SHOW TABLES"), [
      "SHOW STREAMS -- not; here;",
      "SHOW TABLES;",
    ]);
  });
  await t.step("string, quoted name and double-quoted name", () => {
    assert.deepEqual(splitStatements("SET 'a'='x;y'; SELECT `b;c` FROM \"d;e\";"), [
      "SET 'a'='x;y';",
      'SELECT `b;c` FROM "d;e";',
    ]);
  });
  await t.step("each statement parses as the lexer reads it", () => {
    const statements = splitStatements("SHOW STREAMS /* a;b */; /* c;d */ SHOW TABLES;");
    assert.deepEqual(statements.map((s) => parseKsql(s).map((p) => p.kind)), [["show"], ["show"]]);
  });
  await t.step("an unterminated string is the last statement, for the parser to report", () => {
    assert.deepEqual(splitStatements("SHOW STREAMS; SET 'a'='x;y"), ["SHOW STREAMS;", "SET 'a'='x;y;"]);
    assert.equal(statementAt("SHOW STREAMS; SET 'a'='x;y", 20), "SET 'a'='x;y;");
  });
});

Deno.test("statementAt() names the statement of an offset, skipping ';' in /* */ comments", () => {
  const text = "SHOW STREAMS /* x; y */;\nSELEC 1;";
  assert.throws(() => parseKsql(text), (e: unknown) => {
    assert.ok(e instanceof KsqlSyntaxError);
    assert.equal(statementAt(text, e.offset), "SELEC 1;");
    return true;
  });
  assert.equal(statementAt(text, 3), "SHOW STREAMS /* x; y */;");
});

Deno.test("translateQuery() gives ksqlDB's array semantics", async (t) => {
  const c = await catalog();
  await t.step("data[0] is NULL with a warning naming the statement", () => {
    const q = translateQuery(select("SELECT data[0]->ticker AS t FROM stock_data EMIT CHANGES;"), c, {
      ...push,
      statementText: "SELECT data[0];",
    });
    assert.match(q.sql, /CASE WHEN FALSE THEN `STOCK_DATA`.`data`\[1\] END\.`ticker`/);
    assert.equal(q.warnings.length, 1);
    assert.match(
      q.warnings[0]!,
      /^Statement "SELECT data\[0\];" reads DATA\[0\]: ksqlDB arrays are 1-based.*DATA\[1\].*EXPLODE\(DATA\)/,
    );
  });
  await t.step("data[1] is the first element, data[-1] the last", () => {
    const q = translateQuery(
      select("SELECT data[1]->price, data[-1]->price AS last FROM stock_data EMIT CHANGES;"),
      c,
      push,
    );
    assert.match(q.sql, /`STOCK_DATA`.`data`\[1\]\.`price` AS `PRICE`/);
    assert.match(q.sql, /CARDINALITY\(`STOCK_DATA`.`data`\) \+ 0\]/);
    assert.deepEqual(q.warnings, []);
  });
  await t.step("quoted struct fields keep their case", () => {
    const q = translateQuery(select("SELECT data[1]->`Odd` AS o FROM stock_data EMIT CHANGES;"), c, push);
    assert.match(q.sql, /\.`Odd` AS `O`/);
  });
});

Deno.test("translateQuery() turns EXPLODE into CROSS JOIN UNNEST and AVG into a DOUBLE average", async () => {
  const c = await catalog();
  const exploded = translateQuery(
    select("SELECT EXPLODE(data)->ticker AS ticker, ROWTIME FROM stock_data EMIT CHANGES;"),
    c,
    push,
  );
  assert.match(exploded.sql, /CROSS JOIN UNNEST\(`STOCK_DATA`.`data`\) AS `\$X`\(`ticker`, `price`, `Odd`\)/);
  assert.match(exploded.sql, /KSQL_EPOCH_MILLIS\(`STOCK_DATA`.`\$ROWTIME`\) AS `ROWTIME`/);
  const avg = translateQuery(
    select(
      "SELECT data[1]->ticker AS t, AVG(data[1]->price) AS a FROM stock_data GROUP BY data[1]->ticker EMIT CHANGES;",
    ),
    c,
    push,
  );
  assert.equal(avg.resultType, "TABLE");
  assert.match(avg.sql, /AVG\(CAST\(`STOCK_DATA`.`data`\[1\]\.`price` AS DOUBLE\)\)/);
  assert.match(avg.sql, /WHERE \(\(`STOCK_DATA`.`data`\[1\]\.`ticker`\) IS NOT NULL\)/);
});

Deno.test("translateQuery() computes tumbling window starts from ROWTIME", async () => {
  const c = await catalog();
  const q = translateQuery(
    select(
      "SELECT data[1]->ticker AS t, WINDOWSTART AS ws, COUNT(*) AS n FROM stock_data WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY data[1]->ticker EMIT CHANGES;",
    ),
    c,
    { ...push, mode: "persistent" },
  );
  assert.match(q.sql, /- MOD\(KSQL_EPOCH_MILLIS\(`\$T`.`\$ROWTIME`\), 60000\) AS `\$WS`/);
  assert.deepEqual(q.columns, [{ name: "T", key: true }, { name: "WS", key: true }, { name: "N", key: false }, {
    name: "WINDOWEND",
    key: false,
  }]);
});

Deno.test("translateQuery() rejects what it does not run with ksqlDB-style errors", async () => {
  const c = await catalog();
  assert.throws(() => translateQuery(select("SELECT * FROM nope EMIT CHANGES;"), c, push), /NOPE does not exist/);
  assert.throws(
    () => translateQuery(select("SELECT foo FROM stock_data EMIT CHANGES;"), c, push),
    /Column 'FOO' cannot be resolved/,
  );
  assert.throws(
    () => translateQuery(select("SELECT NO_SUCH_FN(meta) FROM stock_data EMIT CHANGES;"), c, push),
    /^KsqlError: Can't find any functions with the name 'NO_SUCH_FN'$/,
  );
  assert.throws(
    () =>
      translateQuery(
        select("SELECT COUNT(*) FROM stock_data WINDOW SESSION (5 MINUTES) GROUP BY meta EMIT CHANGES;"),
        c,
        push,
      ),
    /SESSION windows is not supported/,
  );
});

async function joinCatalog(): Promise<Catalog> {
  const c = await catalog();
  for (
    const text of [
      "CREATE STREAM trades (ticker STRING, qty INT) WITH (KAFKA_TOPIC='trades', VALUE_FORMAT='JSON');",
      "CREATE TABLE companies (ticker STRING PRIMARY KEY, name STRING) WITH (KAFKA_TOPIC='companies', VALUE_FORMAT='JSON');",
      "CREATE TABLE sectors (sector STRING PRIMARY KEY, name STRING) WITH (KAFKA_TOPIC='sectors', VALUE_FORMAT='JSON');",
    ]
  ) {
    const [create] = parseKsql(text);
    if (create?.kind !== "createSource") throw new TypeError(`Not a CREATE: ${text}`);
    await c.putSource({
      name: create.name,
      sourceType: create.sourceType,
      topic: String(create.props["KAFKA_TOPIC"]),
      keyFormat: "KAFKA",
      valueFormat: "JSON",
      columns: create.columns.map((col) => ({
        name: col.name,
        type: col.type,
        json: col.name.toLowerCase(),
        ...(col.key === "none" ? {} : { key: col.key }),
      })),
      statement: create.text,
      partitions: 1,
      replicas: 1,
      derived: false,
    });
  }
  return c;
}

Deno.test("translateQuery() turns a stream-table JOIN into a temporal join on the table's key", async (t) => {
  const c = await joinCatalog();
  await t.step("LEFT JOIN looks the table up as of the stream record's ROWTIME", () => {
    const q = translateQuery(
      select("SELECT s.ticker, c.name, qty FROM trades s LEFT JOIN companies c ON s.ticker = c.ticker EMIT CHANGES;"),
      c,
      push,
    );
    assert.match(
      q.sql,
      /FROM `TRADES\$TIMED` .* AS `S` LEFT JOIN `COMPANIES\$TIMED` FOR SYSTEM_TIME AS OF `S`\.`\$ROWTIME` AS `C` ON `S`\.`ticker` = `C`\.`ticker`/,
    );
    assert.deepEqual(q.columns.map((col) => col.name), ["TICKER", "NAME", "QTY"]);
    assert.equal(q.resultType, "STREAM");
    assert.deepEqual(q.sources, ["TRADES", "COMPANIES"]);
  });
  await t.step("SELECT * names each column after its source; a persistent query is keyed by the join column", () => {
    const q = translateQuery(
      select("SELECT * FROM trades JOIN companies ON companies.ticker = trades.ticker EMIT CHANGES;"),
      c,
      { ...push, mode: "persistent" },
    );
    assert.match(q.sql, / JOIN `COMPANIES\$TIMED` FOR SYSTEM_TIME AS OF/);
    assert.deepEqual(q.columns.map((col) => `${col.name}${col.key ? " KEY" : ""}`), [
      "TRADES_TICKER KEY",
      "TRADES_QTY",
      "COMPANIES_TICKER",
      "COMPANIES_NAME",
    ]);
    assert.equal(q.rowtime, true);
  });
  await t.step("errors name what ksqlDB would", () => {
    const cases: [string, RegExp][] = [
      ["SELECT * FROM trades s JOIN companies c ON s.qty = c.name EMIT CHANGES;", /TABLE's key column TICKER/],
      ["SELECT ticker FROM trades s JOIN companies c ON s.ticker = c.ticker EMIT CHANGES;", /'TICKER' is ambiguous/],
      ["SELECT * FROM companies c JOIN trades s ON s.ticker = c.ticker EMIT CHANGES;", /Invalid join order/],
      ["SELECT * FROM companies c JOIN sectors s ON c.name = s.sector EMIT CHANGES;", /Table-table joins/],
      ["SELECT * FROM trades a JOIN stock_data b ON a.ticker = b.timestamp_utc EMIT CHANGES;", /Stream-stream joins/],
      ["SELECT * FROM trades s FULL JOIN companies c ON s.ticker = c.ticker EMIT CHANGES;", /FULL OUTER joins/],
    ];
    for (const [sql, error] of cases) assert.throws(() => translateQuery(select(sql), c, push), error, sql);
    assert.throws(
      () =>
        translateQuery(select("SELECT c.name FROM trades s JOIN companies c ON s.ticker = c.ticker EMIT CHANGES;"), c, {
          ...push,
          mode: "persistent",
        }),
      /Key missing from projection/,
    );
  });
});

Deno.test("flinkTableDdls() adds a twin with the record timestamp as event time for joins", async () => {
  const c = await joinCatalog();
  const [plain, timed] = flinkTableDdls(c.source("COMPANIES")!, "localhost:29092");
  assert.doesNotMatch(plain!, /WATERMARK|\$ROWTIME/);
  assert.match(timed!, /CREATE TABLE IF NOT EXISTS `COMPANIES\$TIMED`/);
  assert.match(timed!, /`\$ROWTIME` TIMESTAMP_LTZ\(3\) METADATA FROM 'timestamp' VIRTUAL/);
  assert.match(timed!, /WATERMARK FOR `\$ROWTIME` AS `\$ROWTIME`/);
  assert.match(timed!, /'connector'='upsert-kafka'/);
});

Deno.test("flinkTableDdl() reads JSON keys and Kafka metadata", async () => {
  const c = await catalog();
  const ddl = flinkTableDdl(c.source("STOCK_DATA")!, "localhost:29092");
  assert.match(ddl, /`data` ARRAY<ROW<`ticker` STRING, `price` DOUBLE, `Odd` INT>>/);
  assert.match(ddl, /`\$ROWTIME` TIMESTAMP_LTZ\(3\) METADATA FROM 'timestamp'/);
  assert.match(ddl, /'connector'='kafka'/);
  assert.match(ddl, /'value.format'='json'/);
});

Deno.test("fromEngineType() and toKsqlValue() give ksqlDB's upper-case STRUCT fields", () => {
  const type = fromEngineType({
    type: "STRUCT",
    fields: [{ name: "ticker", type: { type: "STRING" } }, { name: "n", type: { type: "INTEGER" } }],
  });
  assert.equal(formatType(type), "STRUCT<`TICKER` STRING, `N` INTEGER>");
  assert.deepEqual(toKsqlValue({ ticker: "AAPL", n: 1 }, type), { TICKER: "AAPL", N: 1 });
});

Deno.test("describeEntity() reports each query's state from the engine's job state", async () => {
  const c = await catalog();
  const [statement] = parseKsql("DESCRIBE stock_data;");
  assert.equal(statement?.kind, "describe");
  if (statement?.kind !== "describe") return;
  await c.putQuery({
    id: "CSAS_COPY_1",
    sink: "COPY",
    sources: ["STOCK_DATA"],
    statement: "CREATE STREAM copy AS SELECT * FROM stock_data;",
    flinkSql: "INSERT ...",
    createdAt: 0,
  });
  const states = (state: string) => {
    const entity = describeEntity(statement, c.source("STOCK_DATA")!, c, () => ({ state }));
    const readers = (entity.sourceDescription as { readQueries: { state: string; statusCount: unknown }[] })
      .readQueries;
    return readers.map((q) => [q.state, q.statusCount]);
  };
  assert.deepEqual(states("RUNNING"), [["RUNNING", { RUNNING: 1 }]]);
  assert.deepEqual(states("FAILED"), [["ERROR", { ERROR: 1 }]]);
  assert.deepEqual(states("RESTARTING"), [["ERROR", { ERROR: 1 }]]);
  assert.deepEqual(states("UNKNOWN"), [["UNRESPONSIVE", { UNRESPONSIVE: 1 }]]);
  assert.deepEqual(states("INITIALIZING"), [["RUNNING", { RUNNING: 1 }]]);
});

Deno.test("an unquoted column reads its lower- and upper-case JSON key", async () => {
  const c = Catalog.memory();
  await c.putSource({
    name: "ORDERS",
    sourceType: "STREAM",
    topic: "orders",
    keyFormat: "KAFKA",
    valueFormat: "JSON",
    columns: [
      { name: "ID", type: { type: "STRING" }, json: "id", key: "KEY" },
      { name: "NAME", type: { type: "STRING" }, json: "name", alt: "NAME" },
      { name: "Odd", type: { type: "INTEGER" }, json: "Odd" },
    ],
    statement: "CREATE STREAM orders ...;",
    partitions: 1,
    replicas: 1,
    derived: false,
  });
  const ddl = flinkTableDdl(c.source("ORDERS")!, "localhost:29092");
  assert.match(ddl, /\(\n {2}`id` STRING,\n {2}`name` STRING,\n {2}`NAME` STRING,\n {2}`Odd` INT,/);
  const q = translateQuery(select("SELECT name, `Odd` FROM orders EMIT CHANGES;"), c, push);
  assert.match(q.sql, /^SELECT COALESCE\(`ORDERS`.`name`, `ORDERS`.`NAME`\) AS `NAME`, `ORDERS`.`Odd` AS `Odd` FROM/);
});

Deno.test("parseKsql() rejects GRACE PERIOD and RETENTION by name instead of ignoring them", () => {
  for (const [clause, name] of [["GRACE PERIOD 10 SECONDS", "GRACE PERIOD"], ["RETENTION 1 DAY", "RETENTION"]]) {
    assert.throws(
      () => parseKsql(`SELECT k, COUNT(*) FROM s WINDOW TUMBLING (SIZE 1 MINUTE, ${clause}) GROUP BY k EMIT CHANGES;`),
      (e: unknown) => {
        assert.ok(e instanceof KsqlUnsupportedError);
        assert.match(e.message, new RegExp(`^${name} in a WINDOW clause is not supported`));
        return true;
      },
    );
  }
});

Deno.test("translateQuery() sends LATEST/EARLIEST_BY_OFFSET forms, TOPK and HISTOGRAM to the engine's KSQL_ aggregates", async () => {
  const c = await catalog();
  const push = { mode: "push", queryId: "q", statementText: "" } as const;
  const sql = (agg: string) =>
    translateQuery(
      select(`SELECT meta->requested AS r, ${agg} AS a FROM stock_data GROUP BY meta->requested EMIT CHANGES;`),
      c,
      push,
    ).sql;
  const v = "`STOCK_DATA`.`meta`.`requested`";
  assert.match(sql("LATEST_BY_OFFSET(meta->requested)"), new RegExp(`LAST_VALUE\\(${v.replaceAll(".", "\\.")}\\)`));
  assert.ok(
    sql("LATEST_BY_OFFSET(meta->requested, false)").includes(
      `CAST(KSQL_LATEST_BY_OFFSET(CAST(${v} AS STRING), FALSE) AS INT)`,
    ),
  );
  assert.ok(
    sql("EARLIEST_BY_OFFSET(meta->requested, 2)").includes(
      `CAST(KSQL_EARLIEST_BY_OFFSET_N(CAST(${v} AS STRING), 2, TRUE) AS ARRAY<INT>)`,
    ),
  );
  assert.ok(sql("TOPK(meta->requested, 3)").includes(`CAST(KSQL_TOPK(CAST(${v} AS DOUBLE), 3) AS ARRAY<INT>)`));
  assert.ok(sql("HISTOGRAM(timestamp_utc)").includes("KSQL_HISTOGRAM(CAST(`STOCK_DATA`.`timestamp_utc` AS STRING))"));
  assert.throws(() => sql("LATEST_BY_OFFSET(meta->requested, 1, 2, 3)"), /takes \(column\[, n\]\[, ignoreNulls\]\)/);
  assert.throws(() => sql("TOPK(timestamp_utc, 2)"), /TOPK of a non-numeric column is not supported/);
});
