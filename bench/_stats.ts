/**
 * The order statistics the benchmarks print.
 *
 * @module
 */

/** The nearest-rank `fraction` percentile (0.99 for p99) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], fraction: number): number {
  return sorted[Math.max(0, Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1))] ?? NaN;
}

/** The (lower) median of `values`, in any order; NaN when empty. */
export function median(values: readonly number[]): number {
  return percentile(values.toSorted((a, b) => a - b), 0.5);
}
