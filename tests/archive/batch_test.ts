import assert from "node:assert/strict";
import { ArchiveBatch, type BatchLimits, jsonlBytes } from "../../lib/archive/batch.ts";

const limits: BatchLimits = { maxRecords: 3, maxBytes: 1000, maxAgeMs: 10_000, idleMs: 2_000 };
const line = (text: string) => new TextEncoder().encode(text);
const record = (text: string, datePath = "d1") => ({ line: line(text), time: 1, datePath });

Deno.test("ArchiveBatch.closeReason() closes on each limit", async (t) => {
  await t.step("records", () => {
    const b = new ArchiveBatch("0", 0);
    for (let i = 0; i < 3; i++) {
      assert.equal(b.closeReason(limits, 0), undefined);
      b.add(String(i), record("{}"), 0);
    }
    assert.equal(b.closeReason(limits, 0), "records");
  });
  await t.step("bytes, newlines included", () => {
    const b = new ArchiveBatch("0", 0);
    b.add("0", record("x".repeat(998)), 0);
    assert.equal(b.bytes, 999);
    assert.equal(b.closeReason(limits, 0), undefined);
    b.add("1", record("y"), 0);
    assert.equal(b.closeReason(limits, 0), "bytes");
  });
  await t.step("age, even while records keep coming", () => {
    const b = new ArchiveBatch("0", 0);
    b.add("0", record("{}"), 0);
    b.add("1", record("{}"), 9_000);
    assert.equal(b.closeReason(limits, 9_999), undefined);
    assert.equal(b.closeReason(limits, 10_000), "age");
  });
  await t.step("idle", () => {
    const b = new ArchiveBatch("0", 1_000);
    b.add("0", record("{}"), 1_000);
    assert.equal(b.closeReason(limits, 2_999), undefined);
    assert.equal(b.msUntilDue(limits, 2_500), 500);
    assert.equal(b.closeReason(limits, 3_000), "idle");
  });
});

Deno.test("ArchiveBatch keeps one date path and the first record's time", () => {
  const b = new ArchiveBatch("10", 0);
  b.addRejected("10", line('{"reason":"x"}'), 0);
  assert.equal(b.accepts("d2"), true);
  b.add("11", { line: line("{}"), time: 5, datePath: "d2" }, 0);
  b.add("12", { line: line("{}"), time: 6, datePath: "d2" }, 0);
  assert.equal(b.accepts("d3"), false);
  assert.throws(() => b.add("13", record("{}", "d3"), 0), RangeError);
  assert.deepEqual([b.startOffset, b.lastOffset, b.time, b.datePath], ["10", "12", 5, "d2"]);
  assert.equal(b.lines.length, 2);
  assert.equal(b.rejects.length, 1);
});

Deno.test("jsonlBytes() ends every line with a newline", () => {
  assert.equal(new TextDecoder().decode(jsonlBytes([line('{"a":1}'), line('{"b":2}')])), '{"a":1}\n{"b":2}\n');
  assert.equal(jsonlBytes([]).byteLength, 0);
});

Deno.test("jsonlBytes() copies lines that lie one after the other in one buffer in one piece, and others apart", () => {
  const packed = new TextEncoder().encode('{"a":1}\n{"b":2}\n{"c":3}\n');
  const plain = new TextEncoder().encode('{"d":4}{"e":5}');
  const lines = [packed.subarray(0, 7), packed.subarray(8, 15), plain.subarray(0, 7), plain.subarray(7, 14)];
  lines.push(packed.subarray(16, 23));
  assert.equal(new TextDecoder().decode(jsonlBytes(lines)), '{"a":1}\n{"b":2}\n{"d":4}\n{"e":5}\n{"c":3}\n');
});
