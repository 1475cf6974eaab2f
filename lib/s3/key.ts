/**
 * S3 object keys.
 *
 * @module
 */

/** Joins key segments with `/`, skipping empty ones. */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}
