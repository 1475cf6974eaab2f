import assert from "node:assert/strict";
import {
  archiveKey,
  batchName,
  datePath,
  HIVE_DATE_PATTERN,
  quarantineKey,
  validateDatePattern,
} from "../../lib/archive/key.ts";

Deno.test("archiveKey() puts a record under its UTC day, Hive-style", () => {
  const key = archiveKey({
    prefix: "archive",
    topic: "api-data",
    partition: 3,
    startOffset: "42",
    time: Date.UTC(2024, 9, 1, 23, 59, 59, 999),
  });
  assert.equal(key, "archive/api-data/year=2024/month=10/day=01/api-data+3+00000000000000000042.jsonl.gz");
});

Deno.test("archiveKey() follows the date pattern setting", async (t) => {
  const base = { prefix: "", topic: "t", partition: 0, startOffset: 7n, time: Date.UTC(2025, 0, 2, 5) };
  await t.step("seed's plain YYYY/MM/DD", () => {
    assert.equal(
      archiveKey({ ...base, pattern: "{YYYY}/{MM}/{DD}" }),
      "t/2025/01/02/t+0+00000000000000000007.jsonl.gz",
    );
  });
  await t.step("hourly", () => {
    assert.equal(
      archiveKey({ ...base, pattern: `${HIVE_DATE_PATTERN}/hour={HH}` }),
      "t/year=2025/month=01/day=02/hour=05/t+0+00000000000000000007.jsonl.gz",
    );
  });
});

Deno.test("datePath() uses UTC, not the local zone", () => {
  // 2024-03-10T23:30-05:00 is already the 11th in UTC.
  assert.equal(datePath(HIVE_DATE_PATTERN, Date.parse("2024-03-10T23:30:00-05:00")), "year=2024/month=03/day=11");
});

Deno.test("batchName() zero-pads offsets so names sort in offset order", () => {
  const names = [batchName("t", 0, "10"), batchName("t", 0, "9"), batchName("t", 0, "9223372036854775807")];
  assert.deepEqual([...names].sort(), [names[1], names[0], names[2]]);
  assert.equal(names[2], "t+0+09223372036854775807");
});

Deno.test("quarantineKey() names the batch start under the quarantine prefix", () => {
  assert.equal(
    quarantineKey("archive/_quarantine", "api-data", { partition: 1, startOffset: "5" }),
    "archive/_quarantine/api-data/api-data+1+00000000000000000005.jsonl.gz",
  );
});

Deno.test("validateDatePattern() rejects patterns that would misplace objects", async (t) => {
  for (const bad of ["{YYYY}/{M}/{DD}", "{MM}/{DD}", "/{YYYY}", "{YYYY}//{MM}", "{YYYY} {MM}"]) {
    await t.step(bad, () => assert.throws(() => validateDatePattern(bad), RangeError));
  }
  assert.equal(validateDatePattern("{YYYY}/{MM}/{DD}"), "{YYYY}/{MM}/{DD}");
});
