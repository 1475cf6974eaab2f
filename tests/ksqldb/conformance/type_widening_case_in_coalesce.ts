/**
 * ksqlDB's type rules where numeric types mix, from its data-types and
 * operators docs: CASE, IN, COALESCE and arithmetic widen INT to BIGINT to
 * DOUBLE; a NULL literal takes the type of the other branches; CAST to
 * STRING; integer division truncates.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const SOURCE =
  "CREATE STREAM S_$ (ID STRING KEY, I INT, B BIGINT, D DOUBLE) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const input = [
  { key: "a", value: { I: 1, B: 10, D: 0.5 }, timestamp: T0 },
  { key: "b", value: { I: 3, B: null, D: null }, timestamp: T0 + 1 },
];
const project = (name: string, expr: string, a: unknown, b: unknown, fast = false): ConformanceCase => ({
  name,
  ...(fast ? { fast } : {}),
  input,
  statements: [SOURCE, `CREATE STREAM O_$ AS SELECT ID, ${expr} AS R FROM S_$;`],
  expect: { sink: "O_$", records: [{ key: "a", value: { R: a } }, { key: "b", value: { R: b } }] },
});

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  project("CASE mixing INT and DOUBLE branches", "CASE WHEN I > 1 THEN I ELSE D END", 0.5, 3, true),
  project("CASE with a NULL branch", "CASE WHEN I > 1 THEN NULL ELSE I END", 1, null, true),
  project("CASE with INT and BIGINT branches", "CASE WHEN I > 1 THEN I ELSE B END", 10, 3),
  project("COALESCE of BIGINT and INT", "COALESCE(B, I)", 10, 3),
  project("COALESCE of DOUBLE and an INT literal", "COALESCE(D, 2)", 0.5, 2),
  project("INT + BIGINT", "I + B", 11, null),
  project("INT * DOUBLE", "I * D", 0.5, null),
  project("CAST of INT to STRING", "CAST(I AS STRING)", "1", "3"),
  project("IN with a DOUBLE among INTs", "I IN (3, 2.5)", false, true, true),
  project("IN with a BIGINT column", "B IN (I, 10)", true, null),
  project("BETWEEN INT bounds over a DOUBLE", "D BETWEEN 0 AND 1", true, null),
  project("IFNULL of DOUBLE and INT", "IFNULL(D, I)", 0.5, 3),
];
