/**
 * Splits a streamed HTTP body into lines (JSON Lines, ksqlDB's chunked rows).
 *
 * @module
 */

/** Non-empty, trimmed lines of `body` (heartbeat blank lines skipped); ends quietly when `signal` aborts. */
export async function* readLines(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<string> {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<string>;
      try {
        chunk = await reader.read();
      } catch (error) {
        if (signal.aborted) return;
        throw error;
      }
      if (chunk.done) break;
      buffer += chunk.value;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        if (line !== "") yield line;
      }
    }
    if (buffer.trim() !== "") yield buffer.trim();
  } finally {
    await reader.cancel().catch(() => {});
  }
}
