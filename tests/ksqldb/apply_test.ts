/**
 * `task ksql:apply` (admin/ksql_apply.ts) against the live ksqlDB server: a `;`
 * inside a comment does not cut a statement. Needs "task up".
 */
import assert from "node:assert/strict";
import { applyKsql } from "../../admin/ksql_apply.ts";
import { ksqldb, options, uniqueName, withTestTopic } from "./_stack.ts";

Deno.test("applyKsql() runs a statement with ';' in /* */ and -- comments as one", options, async () => {
  const stream = uniqueName("APPLY");
  await withTestTopic([stream], async ({ topic }) => {
    const text = `/* header; not a statement */
CREATE STREAM ${stream} /* columns; below */ (
  ticker STRING -- the symbol; upper case
) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON');
-- trailing; comment`;
    const results = await applyKsql(ksqldb, [{ file: "comments.sql", text }]);
    assert.deepEqual(results.map((r) => [r.action, r.message]), [["ran", "Stream created"]]);
    const [described] = await ksqldb.ksql(`DESCRIBE ${stream};`);
    const fields = (described?.sourceDescription as { fields: { name: string }[] }).fields;
    assert.deepEqual(fields.map((f) => f.name), ["TICKER"]);
  });
});
