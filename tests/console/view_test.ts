import assert from "node:assert/strict";
import { errorPosition } from "../../console/server/sql.ts";
import { VIEW_LIMIT, viewValue } from "../../console/server/topics.ts";

Deno.test("viewValue() pretty-prints JSON, keeps other text raw, shows bytes that are not UTF-8 as hex, cuts huge values", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);
  assert.deepEqual(viewValue(bytes('{"a":1}')), { value: '{\n  "a": 1\n}', size: 7, format: "json", truncated: false });
  assert.deepEqual(viewValue(bytes("{oops")), { value: "{oops", size: 5, format: "text", truncated: false });
  assert.deepEqual(viewValue(new Uint8Array([0xff, 0x00])), {
    value: "ff 00",
    size: 2,
    format: "binary",
    truncated: false,
  });
  assert.deepEqual(viewValue(null), { value: null, size: 0, format: "null", truncated: false });
  const huge = viewValue(bytes(JSON.stringify("x".repeat(100_000))));
  assert.equal(huge.truncated, true);
  assert.equal(huge.value?.length, VIEW_LIMIT);
  assert.equal(huge.size, 100_002);
});

Deno.test("errorPosition() moves ksqlDB's line:column from the statement onto the editor", () => {
  assert.deepEqual(errorPosition("line 1:5: Syntax Error", { line: 3, column: 4 }), { line: 3, column: 8 });
  assert.deepEqual(errorPosition("line 2:7: mismatched input", { line: 3, column: 4 }), { line: 4, column: 7 });
  assert.equal(errorPosition("Stream FOO does not exist", { line: 1, column: 1 }), undefined);
});
