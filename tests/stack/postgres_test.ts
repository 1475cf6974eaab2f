/**
 * Unit tests of how the stack runs PostgreSQL behind FerretDB: the rendered
 * supervisor config (no services needed).
 */
import assert from "node:assert/strict";
import { PORTS, SERVICES } from "../../stack/services.ts";
import { renderConfig } from "../../stack/supervisor.ts";

function section(conf: string, name: string): string {
  const start = conf.indexOf(`[program:${name}]`);
  assert.ok(start >= 0, `no [program:${name}]`);
  const end = conf.indexOf("\n[", start + 1);
  return conf.slice(start, end < 0 ? undefined : end);
}

Deno.test("renderConfig() binds PostgreSQL to loopback, without a Unix socket, as a non-root user", () => {
  const postgres = section(renderConfig(SERVICES), "postgres");
  assert.match(postgres, /-clisten_addresses=127\.0\.0\.1 /);
  assert.match(postgres, new RegExp(`-cport=${PORTS.postgres} `));
  assert.match(postgres, /-cunix_socket_directories= /);
  if (Deno.uid() === 0) assert.match(postgres, /^user=postgres$/m);
  else assert.doesNotMatch(postgres, /^user=/m);
});

Deno.test("renderConfig() hands FerretDB its PostgreSQL URL through the environment, password from .env", () => {
  const ferretdb = section(renderConfig(SERVICES), "ferretdb");
  assert.match(
    ferretdb,
    new RegExp(
      `^environment=FERRETDB_POSTGRESQL_URL="postgres://tickpipe:%\\(ENV_POSTGRES_PASSWORD\\)s@127\\.0\\.0\\.1:${PORTS.postgres}/`,
      "m",
    ),
  );
  assert.doesNotMatch(ferretdb.split("\n").find((l) => l.startsWith("command=")) ?? "", /postgres:\/\//);
  const password = Deno.env.get("POSTGRES_PASSWORD");
  if (password) assert.ok(!renderConfig(SERVICES).includes(password), "the password is in the supervisor config");
});
