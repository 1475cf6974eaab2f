import assert from "node:assert/strict";
import { gunzipBytes, gzipBytes } from "../../lib/archive/gzip.ts";
import { quarantineLine } from "../../lib/archive/quarantine.ts";

Deno.test("gzipBytes() output is standard gzip that gunzipBytes() and DecompressionStream read back", async () => {
  const input = new TextEncoder().encode('{"a":1}\n'.repeat(10_000));
  const packed = await gzipBytes(input, 6);
  assert.deepEqual([packed[0], packed[1]], [0x1f, 0x8b]);
  assert.ok(packed.byteLength < input.byteLength / 10);
  assert.deepEqual(await gunzipBytes(packed), input);
  const viaStream = new Uint8Array(
    await new Response(
      new Blob([packed as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream("gzip")),
    ).arrayBuffer(),
  );
  assert.deepEqual(viaStream, input);
});

Deno.test("quarantineLine() keeps the value as text, or base64 when it is not UTF-8", async (t) => {
  const base = { topic: "t", partition: 2, offset: "9", timestamp: "1700000000000", key: null };
  await t.step("text", () => {
    const parsed = JSON.parse(new TextDecoder().decode(
      quarantineLine({ ...base, value: new TextEncoder().encode("not json") }, "value is not JSON"),
    ));
    assert.deepEqual(parsed, {
      topic: "t",
      partition: 2,
      offset: "9",
      kafka_timestamp: "1700000000000",
      reason: "value is not JSON",
      key: null,
      value: "not json",
    });
  });
  await t.step("binary", () => {
    const parsed = JSON.parse(new TextDecoder().decode(
      quarantineLine({ ...base, value: new Uint8Array([0xff, 0x00]) }, "value is not UTF-8"),
    ));
    assert.equal(parsed.value_base64, "/wA=");
    assert.equal("value" in parsed, false);
  });
});
