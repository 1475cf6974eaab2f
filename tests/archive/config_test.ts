import assert from "node:assert/strict";
import { consumerConfig, DEFAULT_LIMITS } from "../../lib/archive/config.ts";
import { toS3Error } from "../../lib/s3/error.ts";

const NAMES = [
  "S3_BUCKET",
  "AWS_ENDPOINT_URL_S3",
  "AWS_REGION",
  "AWS_DEFAULT_REGION",
  "S3_FORCE_PATH_STYLE",
  "ARCHIVE_PREFIX",
  "ARCHIVE_DATE_PATTERN",
  "ARCHIVE_QUARANTINE_PREFIX",
  "ARCHIVE_MAX_RECORDS",
  "ARCHIVE_IDLE_SECONDS",
  "KAFKA_TOPIC",
];

function withEnv(vars: Record<string, string>, fn: () => void): void {
  const saved = new Map(NAMES.map((n) => [n, Deno.env.get(n)]));
  try {
    for (const n of NAMES) Deno.env.delete(n);
    for (const [k, v] of Object.entries(vars)) Deno.env.set(k, v);
    fn();
  } finally {
    for (const [n, v] of saved) v === undefined ? Deno.env.delete(n) : Deno.env.set(n, v);
  }
}

Deno.test("consumerConfig() resolves defaults for AWS", () => {
  withEnv({ S3_BUCKET: "tickpipe-archive" }, () => {
    const c = consumerConfig();
    assert.equal(c.topic, "api-data");
    assert.equal(c.prefix, "archive");
    assert.equal(c.quarantinePrefix, "archive/_quarantine");
    assert.equal(c.datePattern, "year={YYYY}/month={MM}/day={DD}");
    assert.deepEqual(c.s3, {
      bucket: "tickpipe-archive",
      region: "us-east-1",
      endpoint: undefined,
      forcePathStyle: false,
      maxAttempts: 5,
    });
    assert.deepEqual(c.limits, DEFAULT_LIMITS);
    assert.ok(Object.isFrozen(c) && Object.isFrozen(c.limits));
  });
});

Deno.test("consumerConfig() turns on path-style for an S3-compatible endpoint", () => {
  withEnv({
    S3_BUCKET: "b-1",
    AWS_ENDPOINT_URL_S3: "http://127.0.0.1:7070",
    AWS_REGION: "eu-west-1",
    ARCHIVE_PREFIX: "/raw/",
    ARCHIVE_DATE_PATTERN: "{YYYY}/{MM}/{DD}",
    ARCHIVE_MAX_RECORDS: "500",
    ARCHIVE_IDLE_SECONDS: "2",
  }, () => {
    const c = consumerConfig();
    assert.equal(c.s3.endpoint, "http://127.0.0.1:7070");
    assert.equal(c.s3.forcePathStyle, true);
    assert.equal(c.s3.region, "eu-west-1");
    assert.equal(c.prefix, "raw");
    assert.equal(c.datePattern, "{YYYY}/{MM}/{DD}");
    assert.equal(c.limits.maxRecords, 500);
    assert.equal(c.limits.idleMs, 2000);
  });
});

Deno.test("consumerConfig() names the variable, the value and the fix", async (t) => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ["missing bucket", {}, /^S3_BUCKET is not set; set it/],
    ["bad bucket", { S3_BUCKET: "Bad_Bucket" }, /S3_BUCKET="Bad_Bucket" is not a valid bucket name/],
    [
      "bad endpoint",
      { S3_BUCKET: "b-1", AWS_ENDPOINT_URL_S3: "127.0.0.1:7070" },
      /AWS_ENDPOINT_URL_S3="127.0.0.1:7070"/,
    ],
    ["bad pattern", { S3_BUCKET: "b-1", ARCHIVE_DATE_PATTERN: "{MM}" }, /ARCHIVE_DATE_PATTERN: .*no \{YYYY\}/],
    ["bad number", { S3_BUCKET: "b-1", ARCHIVE_MAX_RECORDS: "many" }, /ARCHIVE_MAX_RECORDS="many"/],
    ["bad topic", { S3_BUCKET: "b-1", KAFKA_TOPIC: "a topic" }, /KAFKA_TOPIC="a topic"/],
  ];
  for (const [name, vars, message] of cases) {
    await t.step(
      name,
      () =>
        withEnv(
          vars,
          () =>
            assert.throws(() => consumerConfig(), (e: unknown) => e instanceof RangeError && message.test(e.message)),
        ),
    );
  }
});

Deno.test("toS3Error() says what to do about missing buckets, denied access and unreachable servers", async (t) => {
  const where = { bucket: "b-1", endpoint: "http://127.0.0.1:7070" };
  await t.step("404", () => {
    const e = toS3Error({ name: "NotFound", $metadata: { httpStatusCode: 404 } }, "read", where);
    assert.match(
      e.message,
      /^Cannot read bucket "b-1" at http:\/\/127.0.0.1:7070: the bucket does not exist; create it or set S3_BUCKET/,
    );
    assert.equal(e.retriable, false);
  });
  await t.step("403", () => {
    const e = toS3Error({ name: "AccessDenied", $metadata: { httpStatusCode: 403 } }, "write", { ...where, key: "k" });
    assert.match(e.message, /"s3:\/\/b-1\/k".*access denied \(AccessDenied\).*s3:PutObject/);
    assert.equal(e.status, 403);
  });
  await t.step("connection refused", () => {
    const e = toS3Error(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }), "read", where);
    assert.match(e.message, /no answer \(ECONNREFUSED.*check AWS_ENDPOINT_URL_S3/);
    assert.equal(e.retriable, true);
  });
  await t.step("503 is retriable", () => {
    assert.equal(toS3Error({ name: "SlowDown", $metadata: { httpStatusCode: 503 } }, "write", where).retriable, true);
  });
});
