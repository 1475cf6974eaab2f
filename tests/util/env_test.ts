import assert from "node:assert/strict";
import { envUrl } from "../../lib/util/env.ts";

const NAME = "TICKPIPE_TEST_URL";

function withUrl<T>(value: string | undefined, fn: () => T): T {
  const saved = Deno.env.get(NAME);
  try {
    value === undefined ? Deno.env.delete(NAME) : Deno.env.set(NAME, value);
    return fn();
  } finally {
    saved === undefined ? Deno.env.delete(NAME) : Deno.env.set(NAME, saved);
  }
}

Deno.test("envUrl() takes the value, else the fallback, without a trailing slash", () => {
  assert.equal(
    withUrl("https://example.com:8443/", () => envUrl(NAME, "http://localhost:1")),
    "https://example.com:8443",
  );
  assert.equal(withUrl(undefined, () => envUrl(NAME, "http://localhost:1")), "http://localhost:1");
  assert.equal(withUrl("", () => envUrl(NAME, undefined, "unset it")), undefined);
});

Deno.test("envUrl() names the variable, the value and the fix for anything but http(s)", () => {
  for (const bad of ["localhost:8088", "ftp://example.com", "not a url"]) {
    assert.throws(
      () => withUrl(bad, () => envUrl(NAME, "http://localhost:8088")),
      (e: Error) =>
        e instanceof RangeError &&
        e.message === `${NAME}="${bad}" is not an http(s) URL; set it like "http://localhost:8088"`,
    );
  }
  assert.throws(() => withUrl("s3.local", () => envUrl(NAME, undefined, "or unset it")), /s3\.local.*or unset it/);
});
