import assert from "node:assert/strict";
import { parseArchiveRecord } from "../../lib/archive/record.ts";
import { parseTimestampUtc } from "../../lib/archive/timestamp.ts";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

Deno.test("parseTimestampUtc() reads the ISO-8601 forms producers write", async (t) => {
  const cases: [string, number][] = [
    ["2024-10-01T14:30:00Z", Date.UTC(2024, 9, 1, 14, 30)],
    ["2024-10-01T14:30:00.123456", Date.UTC(2024, 9, 1, 14, 30, 0, 123)],
    ["2024-10-01 14:30:00+02:00", Date.UTC(2024, 9, 1, 12, 30)],
    ["2024-10-01T00:30:00-0100", Date.UTC(2024, 9, 1, 1, 30)],
    ["2024-10-01", Date.UTC(2024, 9, 1)],
  ];
  for (const [input, expected] of cases) {
    await t.step(input, () => assert.equal(parseTimestampUtc(input), expected));
  }
});

Deno.test("parseTimestampUtc() reads the producer's form as Date does, with or without fraction and Z", () => {
  for (let i = 0; i < 5_000; i++) {
    const time = Math.floor(((i * 7919) % 5_000) * 631_152_000_000 / 5_000 + 946_684_800_000); // 2000..2020
    const iso = new Date(time).toISOString(); // 2024-10-01T14:30:00.123Z
    const seconds = time - (time % 1000);
    assert.equal(parseTimestampUtc(iso), time, iso);
    assert.equal(parseTimestampUtc(iso.slice(0, -1)), time, iso);
    assert.equal(parseTimestampUtc(`${iso.slice(0, -1)}456789`), time, iso);
    assert.equal(parseTimestampUtc(`${iso.slice(0, 19)}Z`), seconds, iso);
    assert.equal(parseTimestampUtc(iso.slice(0, 19)), seconds, iso);
  }
});

Deno.test("parseTimestampUtc() rejects impossible dates and other text", async (t) => {
  for (
    const input of [
      "2024-02-30T00:00:00Z",
      "2024-13-01",
      "yesterday",
      "1727793000",
      "2024-10-01T25:00:00Z",
      "2024-10-01T14:30:00.Z",
      "2024-10-01T14:3a:00Z",
      "2024-10-01T14:30:00.1234567890Z",
      "2023-02-29T00:00:00Z",
    ]
  ) {
    await t.step(input, () => assert.equal(parseTimestampUtc(input), undefined));
  }
});

Deno.test("parseArchiveRecord() takes the event time from timestamp_utc", () => {
  const value = bytes('{"data":[{"ticker":"AAPL","price":1}],"timestamp_utc":"2024-10-01T23:59:59Z"}');
  const record = parseArchiveRecord(value, "1700000000000");
  assert.equal(record.ok, true);
  if (!record.ok) return;
  assert.equal(record.time, Date.UTC(2024, 9, 1, 23, 59, 59));
  assert.equal(record.timeSource, "timestamp_utc");
  assert.equal(text(record.line), text(value));
});

Deno.test("parseArchiveRecord() falls back to the Kafka timestamp", () => {
  const record = parseArchiveRecord(bytes('{"a":1}'), "1700000000000");
  assert.deepEqual(record.ok && [record.time, record.timeSource], [1700000000000, "kafka"]);
});

Deno.test("parseArchiveRecord() makes pretty-printed JSON one line", () => {
  const record = parseArchiveRecord(bytes('{\n  "a": 1,\n  "timestamp_utc": "2024-01-01T00:00:00Z"\n}'), "0");
  assert.equal(record.ok && text(record.line), '{"a":1,"timestamp_utc":"2024-01-01T00:00:00Z"}');
});

Deno.test("parseArchiveRecord() rejects what cannot be archived, with the reason", async (t) => {
  const cases: [string, Uint8Array | null, string | undefined, RegExp][] = [
    ["tombstone", null, "1", /empty/],
    ["not JSON", bytes("not json {"), "1", /not JSON/],
    ["not UTF-8", new Uint8Array([0xff, 0xfe, 0x7b]), "1", /not UTF-8/],
    ["JSON array", bytes("[1,2]"), "1", /not an object \(array\)/],
    ["bad timestamp_utc", bytes('{"timestamp_utc":"soon"}'), "1", /timestamp_utc "soon"/],
    ["numeric timestamp_utc", bytes('{"timestamp_utc":1727793000}'), "1", /number/],
    ["no timestamp at all", bytes('{"a":1}'), "-1", /no usable Kafka timestamp/],
  ];
  for (const [name, value, ts, reason] of cases) {
    await t.step(name, () => {
      const record = parseArchiveRecord(value, ts);
      assert.equal(record.ok, false);
      assert.match(record.ok ? "" : record.reason, reason);
    });
  }
});
