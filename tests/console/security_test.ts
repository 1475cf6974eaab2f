import assert from "node:assert/strict";
import { CSRF_HEADER, Guard } from "../../console/server/security.ts";

const basic = (user: string, pass: string) => ({ authorization: `Basic ${btoa(`${user}:${pass}`)}` });

Deno.test("Guard.authorized() accepts only the configured user and password", async () => {
  const guard = new Guard("alice", "s3cret:with:colons");
  const request = (headers: Record<string, string>) => new Request("http://127.0.0.1:8080/", { headers });
  assert.equal(await guard.authorized(request(basic("alice", "s3cret:with:colons"))), true);
  assert.equal(await guard.authorized(request(basic("alice", "wrong"))), false);
  assert.equal(await guard.authorized(request(basic("bob", "s3cret:with:colons"))), false);
  assert.equal(await guard.authorized(request({})), false);
  assert.equal(await guard.authorized(request({ authorization: "Basic !!!" })), false);
});

Deno.test("Guard.crossSiteReason() refuses other origins, cross-site fetches and a missing or wrong token", async () => {
  const guard = new Guard("alice", "pw");
  const token = await guard.csrfToken();
  const post = (headers: Record<string, string>) =>
    new Request("http://127.0.0.1:8080/api/sql", { method: "POST", headers });
  assert.equal(await guard.crossSiteReason(post({ [CSRF_HEADER]: token, origin: "http://127.0.0.1:8080" })), undefined);
  assert.match(String(await guard.crossSiteReason(post({ [CSRF_HEADER]: token, origin: "http://evil" }))), /origin/);
  assert.match(
    String(await guard.crossSiteReason(post({ [CSRF_HEADER]: token, "sec-fetch-site": "cross-site" }))),
    /Sec-Fetch-Site/,
  );
  assert.match(String(await guard.crossSiteReason(post({}))), /missing/);
  assert.match(String(await guard.crossSiteReason(post({ [CSRF_HEADER]: "0".repeat(64) }))), /does not match/);
  assert.notEqual(await new Guard("alice", "other").csrfToken(), token);
});

Deno.test("the console's permission set reaches every service it probes for the Pipeline page", async () => {
  const { SERVICES } = await import("../../stack/services.ts");
  const config = JSON.parse(await Deno.readTextFile(new URL("../../deno.json", import.meta.url)));
  const net = new Set<string>(config.permissions.console.net);
  for (const service of SERVICES) {
    const probe = service.probe;
    const host = probe.kind === "tcp"
      ? `127.0.0.1:${probe.port}`
      : probe.kind === "http"
      ? new URL(probe.url).host
      : "";
    if (host) assert.ok(net.has(host), `${service.name}'s probe ${host} is missing from permissions.console.net`);
  }
});
