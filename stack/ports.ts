/**
 * Finds out whether a host port is free, and if not, what holds it.
 *
 * @module
 */

/** Returns whether 127.0.0.1:`port` can be bound right now. */
export function portFree(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse) return false;
    throw error;
  }
}

/**
 * Describes the process listening on `port` (name and pid, from `ss`), or a
 * hint when `ss` cannot tell (another user's process, no iproute2).
 */
export async function portHolder(port: number): Promise<string> {
  try {
    const { stdout } = await new Deno.Command("ss", {
      args: ["-ltnpH", `sport = :${port}`],
      stdout: "piped",
      stderr: "null",
    }).output();
    const line = new TextDecoder().decode(stdout);
    const match = /users:\(\("([^"]+)",pid=(\d+)/.exec(line);
    if (match) return `"${match[1]}" (pid ${match[2]})`;
  } catch {
    // ss is missing: fall through to the generic hint
  }
  return `another process (run "ss -ltnp 'sport = :${port}'" as root to see which)`;
}
