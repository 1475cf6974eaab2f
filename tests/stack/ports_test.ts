import assert from "node:assert/strict";
import { portFree, portHolder } from "../../stack/ports.ts";

Deno.test("portFree() and portHolder() name the process that holds a port", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  try {
    assert.equal(portFree(port), false);
    assert.match(await portHolder(port), new RegExp(`"deno" \\(pid ${Deno.pid}\\)`));
  } finally {
    listener.close();
  }
  assert.equal(portFree(port), true);
});
