/**
 * Integration tests of the native stack's S3 server and Mongo Express. Needs
 * "task up" (credentials come from .env through `deno test --env-file`).
 */
import assert from "node:assert/strict";
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { envString } from "../../lib/util/env.ts";
import { testName } from "../archive/_stack.ts";

Deno.test("S3 server round-trips an object through @aws-sdk/client-s3", async () => {
  const client = new S3Client({
    region: envString("AWS_REGION", "us-east-1"),
    endpoint: envString("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:7070"),
    forcePathStyle: true,
  });
  const bucket = envString("S3_BUCKET", "tickpipe-archive");
  const key = `${testName()}/round-trip.json`;
  const body = JSON.stringify({ ticker: "AAPL", price: 187.5, at: new Date().toISOString() });
  try {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: "application/json" }));
    const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    assert.equal(await object.Body?.transformToString(), body);
    assert.equal(object.ContentType, "application/json");
  } finally {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    client.destroy();
  }
});

Deno.test("Mongo Express answers 401 without credentials and lists mydb with them", async () => {
  const anonymous = await fetch("http://127.0.0.1:8081/");
  await anonymous.body?.cancel();
  assert.equal(anonymous.status, 401);

  const user = Deno.env.get("ME_CONFIG_BASICAUTH_USERNAME");
  const password = Deno.env.get("ME_CONFIG_BASICAUTH_PASSWORD");
  assert.ok(user && password, "ME_CONFIG_BASICAUTH_USERNAME/PASSWORD must be set (.env)");
  const wrong = await fetch("http://127.0.0.1:8081/", { headers: { authorization: `Basic ${btoa(`${user}:wrong`)}` } });
  await wrong.body?.cancel();
  assert.equal(wrong.status, 401);

  const page = await fetch("http://127.0.0.1:8081/", {
    headers: { authorization: `Basic ${btoa(`${user}:${password}`)}` },
  });
  assert.equal(page.status, 200);
  assert.match(await page.text(), /href="[^"]*\/db\/mydb\/"/);
});
