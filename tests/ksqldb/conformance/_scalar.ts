/**
 * Scalar-function cases: one input record, one projection, one output value
 * per expression — the shape every functions_* family shares.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

/** A stream with columns `columns` over one record `value`; each case projects `expr AS R`. */
export function scalarCases(
  columns: string,
  value: Record<string, unknown>,
  exprs: readonly (readonly [name: string, expr: string, result: unknown, fast?: boolean])[],
): ConformanceCase[] {
  const source = `CREATE STREAM S_$ (ID STRING KEY, ${columns}) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');`;
  return exprs.map(([name, expr, result, fast]) => ({
    name,
    ...(fast ? { fast } : {}),
    input: [{ key: "k", value, timestamp: T0 + 123 }],
    statements: [source, `CREATE STREAM O_$ AS SELECT ID, ${expr} AS R FROM S_$;`],
    expect: { sink: "O_$", records: [{ key: "k", value: { R: result } }] },
  }));
}
