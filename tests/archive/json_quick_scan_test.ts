/** quickScanJson(): decides the common case, and never accepts what JSON.parse rejects (differential, seeded). */
import assert from "node:assert/strict";
import { quickScanJson } from "../../lib/archive/json_quick_scan.ts";

const encoder = new TextEncoder();

/** quickScanJson on `text` (or bytes), the found timestamp decoded. */
function scan(input: string | Uint8Array): { result: number; stamp?: string } {
  const bytes = typeof input === "string" ? encoder.encode(input) : input;
  // Surround the value with other bytes: the scan must stay within [start, end).
  const padded = new Uint8Array(bytes.length + 8).fill(0x22);
  padded.set(bytes, 4);
  const out = new Int32Array(2);
  const result = quickScanJson(padded, 4, 4 + bytes.length, out);
  if (result !== 1) return { result };
  return { result, stamp: new TextDecoder().decode(padded.subarray(out[0], out[1])) };
}

/** What JSON.parse says about `bytes`: undefined when it rejects them. */
function exact(bytes: Uint8Array): { parsed: unknown } | undefined {
  try {
    return { parsed: JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes)) };
  } catch {
    return undefined;
  }
}

Deno.test("quickScanJson() accepts objects and finds the top-level timestamp_utc", async (t) => {
  const cases: [string, number, string?][] = [
    ["{}", 0],
    [' { "a" : [ 1 , -2.5e+3 , 0 , true , false , null , {} , [] , "x" ] } ', 0],
    ['{"timestamp_utc":"2025-06-02T13:30:00Z"}', 1, "2025-06-02T13:30:00Z"],
    ['{"data":[{"timestamp_utc":"nested"}],"timestamp_utc":"top"}', 1, "top"],
    ['{"timestamp_utc":"first","timestamp_utc":null}', 0],
    ['{"timestamp_utc":null,"timestamp_utc":"last"}', 1, "last"],
    ['{"name":"Caf\u00e9 \\u00e9 \\n \\"q\\"","emoji":"\u{1F600}"}', 0],
    ['{"timestamp_ut":"x","timestamp_utcc":"y"}', 0],
  ];
  for (const [input, result, stamp] of cases) {
    await t.step(input, () => assert.deepEqual(scan(input), stamp === undefined ? { result } : { result, stamp }));
  }
});

Deno.test("quickScanJson() leaves to the exact path what it does not decide", async (t) => {
  const cases: (string | Uint8Array)[] = [
    "",
    "[]",
    '"text"',
    "42",
    "null",
    "{",
    '{"a":1',
    '{"a":1}}',
    '{"a":1,}',
    '{"a" 1}',
    '{"a":01}',
    '{"a":1.}',
    '{"a":.5}',
    '{"a":1e}',
    '{"a":-}',
    '{"a":tru}',
    '{"a":"\\x"}',
    '{"a":"\\u12g4"}',
    '{"a":"tab\tinside"}',
    '{"a":1}\n',
    '{\r\n"a":1}',
    '{"timestamp_utc":5}',
    '{"timestamp_utc":{"at":"x"}}',
    '{"timestamp_utc":"with \\"escape\\""}',
    '{"timestamp_\\u0075tc":"x"}',
    '{"timestamp_utc":"caf\u00e9"}',
    "[".repeat(40) + "]".repeat(40),
    new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]), // byte order mark
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), // broken UTF-8
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x7d]), // UTF-8 surrogate
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]), // overlong
    new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xf4, 0x90, 0x80, 0x80, 0x22, 0x7d]), // above U+10FFFF
  ];
  for (const input of cases) {
    const name = typeof input === "string" ? JSON.stringify(input).slice(0, 60) : `bytes ${[...input]}`;
    await t.step(name, () => assert.deepEqual(scan(input), { result: -1 }));
  }
});

/** A seeded PRNG (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes that make plausible corruptions of JSON. */
const TOKENS = '{}[]:,"\\-.e0 ';

function randomValue(rand: () => number, depth: number): unknown {
  const pick = rand();
  if (depth > 3 || pick < 0.3) {
    const leaves = [
      () => rand() * 1e6 - 5e5,
      () => Math.floor(rand() * 1000),
      () => rand() < 0.5,
      () => null,
      () =>
        ["AAPL", "Caf\u00e9", "\u{1F600}", 'q"uote', "back\\slash", "tab\t", "\u0001", "2025-06-02T13:30:00Z"][
          Math.floor(rand() * 8)
        ],
    ];
    return leaves[Math.floor(rand() * leaves.length)]!();
  }
  if (pick < 0.6) return Array.from({ length: Math.floor(rand() * 4) }, () => randomValue(rand, depth + 1));
  const object: Record<string, unknown> = {};
  for (let i = Math.floor(rand() * 5); i > 0; i--) object[`k${Math.floor(rand() * 10)}`] = randomValue(rand, depth + 1);
  return object;
}

Deno.test("quickScanJson() agrees with JSON.parse on generated and corrupted values", () => {
  const rand = random(20261127);
  let decided = 0;
  let corrupted = 0;
  for (let n = 0; n < 20_000; n++) {
    const object = randomValue(rand, 1) as Record<string, unknown>;
    const value = object !== null && typeof object === "object" && !Array.isArray(object) ? object : { v: object };
    if (rand() < 0.5) value["timestamp_utc"] = rand() < 0.8 ? new Date(rand() * 2e12).toISOString() : null;
    const text = JSON.stringify(value, null, rand() < 0.1 ? " " : undefined).replaceAll("\n", " ");
    const bytes = encoder.encode(text);
    // Every generated value is one-line JSON the scan handles: it must decide it, and right.
    const clean = scan(bytes);
    const stamp = value["timestamp_utc"];
    assert.deepEqual(clean, typeof stamp === "string" ? { result: 1, stamp } : { result: 0 }, text);
    decided++;
    // A corrupted copy: whatever the scan decides must be what JSON.parse says.
    const broken = bytes.slice();
    const at = Math.floor(rand() * broken.length);
    const kind = rand();
    if (kind < 0.4) broken[at] = Math.floor(rand() * 256);
    else if (kind < 0.7) broken[at] = TOKENS.charCodeAt(Math.floor(rand() * TOKENS.length));
    const input = kind < 0.85 ? broken : broken.subarray(0, at);
    const quick = scan(input);
    if (quick.result === -1) continue;
    corrupted++;
    const truth = exact(input);
    assert.ok(truth !== undefined, `accepted what JSON.parse rejects: ${new TextDecoder().decode(input)}`);
    const parsed = truth.parsed as Record<string, unknown>;
    assert.ok(typeof parsed === "object" && parsed !== null && !Array.isArray(parsed));
    const truthStamp = parsed["timestamp_utc"];
    assert.deepEqual(quick, typeof truthStamp === "string" ? { result: 1, stamp: truthStamp } : { result: 0 });
  }
  assert.equal(decided, 20_000);
  assert.ok(corrupted > 1_000, `only ${corrupted} corrupted values were decided; the check proves little`);
});
