/**
 * COUNT/SUM/AVG/MIN/MAX over NULLs, from ksqlDB's aggregate-functions
 * reference: COUNT(*) counts rows, COUNT(col) non-null values, SUM/MIN/MAX/AVG
 * ignore rows whose column is NULL, and a NULL GROUP BY key drops the row.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const SOURCE = "CREATE STREAM S_$ (ID STRING KEY, G STRING, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const input = (...vs: (number | null)[]) =>
  vs.map((v, i) => ({ key: "k", value: { G: "g", V: v }, timestamp: T0 + i }));
const table = (aggs: string) => [SOURCE, `CREATE TABLE T_$ AS SELECT ID, ${aggs} FROM S_$ GROUP BY ID;`];
const out = (...vs: Record<string, unknown>[]) => ({ sink: "T_$", records: vs.map((value) => ({ key: "k", value })) });

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "COUNT(*) counts rows, COUNT(col) non-null values",
    fast: true,
    input: input(1, null, 2),
    statements: table("COUNT(*) AS C, COUNT(V) AS CV"),
    expect: out({ C: 1, CV: 1 }, { C: 2, CV: 1 }, { C: 3, CV: 2 }),
  },
  {
    name: "SUM ignores nulls",
    input: input(1, null, 2),
    statements: table("SUM(V) AS S"),
    expect: out({ S: 1 }, { S: 1 }, { S: 3 }),
  },
  {
    name: "MIN and MAX ignore nulls",
    input: input(5, null, 3, 7),
    statements: table("MIN(V) AS MN, MAX(V) AS MX"),
    expect: out({ MN: 5, MX: 5 }, { MN: 5, MX: 5 }, { MN: 3, MX: 5 }, { MN: 3, MX: 7 }),
  },
  {
    name: "AVG ignores nulls",
    input: input(2, null, 4),
    statements: table("AVG(V) AS A"),
    expect: out({ A: 2 }, { A: 2 }, { A: 3 }),
  },
  {
    name: "a NULL GROUP BY key drops the row",
    fast: true,
    input: [
      { value: { G: "a", V: 1 }, timestamp: T0 },
      { value: { G: null, V: 2 }, timestamp: T0 + 1 },
      { value: { V: 3 }, timestamp: T0 + 2 },
      { value: { G: "a", V: 4 }, timestamp: T0 + 3 },
    ],
    statements: [SOURCE, "CREATE TABLE T_$ AS SELECT G, COUNT(*) AS C, SUM(V) AS S FROM S_$ GROUP BY G;"],
    expect: { sink: "T_$", records: [{ key: "a", value: { C: 1, S: 1 } }, { key: "a", value: { C: 2, S: 5 } }] },
  },
  {
    name: "WHERE over a NULL column drops the row",
    input: input(1, null, 3),
    statements: [SOURCE, "CREATE STREAM O_$ AS SELECT ID, V FROM S_$ WHERE V > 1;"],
    expect: { sink: "O_$", records: [{ key: "k", value: { V: 3 } }] },
  },
  {
    name: "arithmetic with NULL is NULL",
    input: input(1, null),
    statements: [SOURCE, "CREATE STREAM O_$ AS SELECT ID, V + 1 AS W FROM S_$;"],
    expect: { sink: "O_$", records: [{ key: "k", value: { W: 2 } }, { key: "k", value: { W: null } }] },
  },
];
