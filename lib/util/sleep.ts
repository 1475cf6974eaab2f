/**
 * An abortable sleep for poll, retry and wait loops.
 *
 * @module
 */

/**
 * Resolves after `ms`, or at once when `signal` aborts (it never rejects, so
 * loops can check `signal.aborted` and finish cleanly).
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted || ms <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
