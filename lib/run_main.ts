/**
 * The one way tickpipe's entry scripts end: a failure prints its message
 * (never a stack trace for an expected error) and exits 1.
 *
 * @module
 */

/** Runs `main`; on a thrown error prints `prefix` and the error's message to stderr and exits 1. */
export async function runMain(main: () => Promise<void>, prefix = ""): Promise<void> {
  try {
    await main();
  } catch (error) {
    console.error(`${prefix}${error instanceof Error ? error.message : String(error)}`);
    Deno.exit(1);
  }
}
