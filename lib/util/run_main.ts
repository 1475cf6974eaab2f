/**
 * The one way tickpipe's entry scripts end: a failure prints its message
 * (never a stack trace for an expected error) and exits 1; success exits 0.
 *
 * @module
 */

/**
 * Runs `main`; on a thrown error prints `prefix` and the error's message to
 * stderr and exits 1. When `main` returns, exits 0 at once: `main` has done
 * its own cleanup, and a library's leftover must not keep the process alive
 * (kafkajs keeps a connection it re-opened after a broker restart past
 * `disconnect()`, tulios/kafkajs#1147, and supervisord then waits 60 s and
 * kills the consumer).
 */
export async function runMain(main: () => Promise<void>, prefix = ""): Promise<void> {
  try {
    await main();
  } catch (error) {
    console.error(`${prefix}${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
  Deno.exit(0);
}
