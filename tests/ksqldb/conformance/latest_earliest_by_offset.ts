/**
 * LATEST_BY_OFFSET / EARLIEST_BY_OFFSET in all their forms, from ksqlDB's
 * aggregate-functions reference: nulls ignored by default, `ignoreNulls`
 * false keeps them, and the `n` forms return an ARRAY of the latest or
 * earliest n values. Every update of the table is a record of its topic.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const SOURCE = "CREATE STREAM S_$ (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const input = (...vs: (number | null)[]) => vs.map((v, i) => ({ key: "k", value: { V: v }, timestamp: T0 + i * 1000 }));
const table = (agg: string) => [SOURCE, `CREATE TABLE T_$ AS SELECT ID, ${agg} AS A FROM S_$ GROUP BY ID;`];
const out = (...as: unknown[]) => ({ sink: "T_$", records: as.map((a) => ({ key: "k", value: { A: a } })) });

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "latest value per key",
    fast: true,
    input: input(1, 2, 3),
    statements: table("LATEST_BY_OFFSET(V)"),
    expect: out(1, 2, 3),
  },
  {
    name: "latest ignores nulls by default",
    input: input(1, null),
    statements: table("LATEST_BY_OFFSET(V)"),
    expect: out(1, 1),
  },
  {
    name: "latest with ignoreNulls false keeps a null",
    input: input(1, null),
    statements: table("LATEST_BY_OFFSET(V, false)"),
    expect: out(1, null),
  },
  {
    name: "latest n as an array, oldest first",
    fast: true,
    input: input(1, 2, 3),
    statements: table("LATEST_BY_OFFSET(V, 2)"),
    expect: out([1], [1, 2], [2, 3]),
  },
  {
    name: "latest n skips nulls by default",
    input: input(1, null, 2),
    statements: table("LATEST_BY_OFFSET(V, 2)"),
    expect: out([1], [1], [1, 2]),
  },
  {
    name: "latest n with ignoreNulls false",
    input: input(1, null),
    statements: table("LATEST_BY_OFFSET(V, 2, false)"),
    expect: out([1], [1, null]),
  },
  {
    name: "earliest value per key",
    fast: true,
    input: input(1, 2),
    statements: table("EARLIEST_BY_OFFSET(V)"),
    expect: out(1, 1),
  },
  {
    name: "earliest ignores a leading null by default",
    input: input(null, 5, 6),
    statements: table("EARLIEST_BY_OFFSET(V)"),
    expect: out(null, 5, 5),
  },
  {
    name: "earliest with ignoreNulls false keeps a leading null",
    input: input(null, 5),
    statements: table("EARLIEST_BY_OFFSET(V, false)"),
    expect: out(null, null),
  },
  {
    name: "earliest n as an array",
    input: input(1, 2, 3),
    statements: table("EARLIEST_BY_OFFSET(V, 2)"),
    expect: out([1], [1, 2], [1, 2]),
  },
  {
    name: "latest of a string column, two keys",
    input: [
      { key: "a", value: { V: 1 }, timestamp: T0 },
      { key: "b", value: { V: 2 }, timestamp: T0 + 1 },
      { key: "a", value: { V: 3 }, timestamp: T0 + 2 },
    ],
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, LATEST_BY_OFFSET(CAST(V AS STRING)) AS A FROM S_$ GROUP BY ID;",
    ],
    expect: {
      sink: "T_$",
      records: [{ key: "a", value: { A: "1" } }, { key: "b", value: { A: "2" } }, { key: "a", value: { A: "3" } }],
    },
  },
];
