/**
 * The patched FerretDB (stack/ferretdb/postgresql_backend.patch) counts a whole
 * collection in PostgreSQL: countDocuments({}) and the aggregation it sends give
 * MongoDB's answers, and a filtered count still counts only what matches.
 * Needs "task up"; uses a collection of its own in `tickpipe_test`.
 */
import assert from "node:assert/strict";
import { MongoClient } from "mongodb";
import { requireStack } from "../_stack_guard.ts";
import { MONGO_URL, TEST_DB } from "./_test_sink.ts";
import { testName } from "../archive/_stack.ts";

Deno.test("FerretDB counts a whole collection as MongoDB does", async (t) => {
  await requireStack();
  const mongo = new MongoClient(MONGO_URL, { serverSelectionTimeoutMS: 10_000 });
  const docs = mongo.db(TEST_DB).collection(testName());
  try {
    await t.step("an absent collection counts 0 and groups nothing", async () => {
      assert.equal(await docs.countDocuments({}), 0);
      assert.deepEqual(await docs.aggregate([{ $group: { _id: 1, n: { $sum: 1 } } }]).toArray(), []);
    });
    await docs.insertMany(Array.from({ length: 250 }, (_, i) => ({ _id: `c#${i}`, even: i % 2 === 0 }) as never));
    await t.step("countDocuments({}) counts every document", async () => {
      assert.equal(await docs.countDocuments({}), 250);
      assert.equal(await docs.countDocuments(), 250);
    });
    await t.step("the count pipeline keeps its _id and field", async () => {
      assert.deepEqual(
        await docs.aggregate([{ $match: {} }, { $group: { _id: "all", total: { $sum: 1 } } }]).toArray(),
        [{ _id: "all", total: 250 }],
      );
      assert.deepEqual(await docs.aggregate([{ $group: { _id: null, n: { $sum: 2 } } }]).toArray(), [{
        _id: null,
        n: 500,
      }]);
    });
    await t.step("filtered, skipped and grouped-by-field counts count what they ask", async () => {
      assert.equal(await docs.countDocuments({ even: true }), 125);
      assert.equal(await docs.countDocuments({ _id: "c#7" as never }), 1);
      assert.equal(await docs.countDocuments({}, { skip: 200 }), 50);
      const byEven = await docs.aggregate([{ $group: { _id: "$even", n: { $sum: 1 } } }, { $sort: { _id: 1 } }])
        .toArray();
      assert.deepEqual(byEven, [{ _id: false, n: 125 }, { _id: true, n: 125 }]);
    });
  } finally {
    await docs.drop().catch(() => {});
    await mongo.close();
  }
});
