/**
 * The quarantine line of a rejected record: where it came from, why it was
 * rejected, and its key and value as received.
 *
 * @module
 */

/**
 * The JSONL line a rejected record gets in quarantine. Key and value are kept
 * as text when they are UTF-8, else as `key_base64` / `value_base64`.
 */
export function quarantineLine(
  record: {
    topic: string;
    partition: number;
    offset: string;
    timestamp: string | undefined;
    key: Uint8Array | null;
    value: Uint8Array | null;
  },
  reason: string,
): Uint8Array {
  const text = (bytes: Uint8Array | null) => {
    if (bytes === null) return { text: null };
    try {
      return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
    } catch {
      return { base64: btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join("")) };
    }
  };
  const key = text(record.key);
  const value = text(record.value);
  return new TextEncoder().encode(JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    kafka_timestamp: record.timestamp ?? null,
    reason,
    ...("base64" in key ? { key_base64: key.base64 } : { key: key.text }),
    ...("base64" in value ? { value_base64: value.base64 } : { value: value.text }),
  }));
}
