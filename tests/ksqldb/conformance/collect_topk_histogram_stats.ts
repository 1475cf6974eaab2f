/**
 * The collecting and ranking aggregates of ksqlDB's reference: COLLECT_LIST
 * (arrival order), COLLECT_SET (distinct, first-seen order), TOPK and
 * TOPKDISTINCT (largest first), HISTOGRAM (a MAP of counts), COUNT_DISTINCT.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const SOURCE = "CREATE STREAM S_$ (ID STRING KEY, V INT, S STRING) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const ints = (...vs: number[]) => vs.map((v, i) => ({ key: "k", value: { V: v, S: `s${v}` }, timestamp: T0 + i }));
const table = (agg: string) => [SOURCE, `CREATE TABLE T_$ AS SELECT ID, ${agg} AS A FROM S_$ GROUP BY ID;`];
const out = (...as: unknown[]) => ({ sink: "T_$", records: as.map((a) => ({ key: "k", value: { A: a } })) });

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "COLLECT_LIST keeps arrival order and repeats",
    fast: true,
    input: ints(1, 2, 1),
    statements: table("COLLECT_LIST(V)"),
    expect: out([1], [1, 2], [1, 2, 1]),
  },
  {
    name: "COLLECT_SET keeps distinct values",
    input: ints(1, 2, 1),
    statements: table("COLLECT_SET(V)"),
    expect: out([1], [1, 2], [1, 2]),
  },
  {
    name: "TOPK largest first",
    fast: true,
    input: ints(3, 1, 5),
    statements: table("TOPK(V, 2)"),
    expect: out([3], [3, 1], [5, 3]),
  },
  {
    name: "TOPK keeps repeats",
    input: ints(3, 3, 1),
    statements: table("TOPK(V, 2)"),
    expect: out([3], [3, 3], [3, 3]),
  },
  {
    name: "TOPKDISTINCT drops repeats",
    input: ints(3, 3, 5),
    statements: table("TOPKDISTINCT(V, 2)"),
    expect: out([3], [3], [5, 3]),
  },
  {
    name: "HISTOGRAM counts each string",
    input: ints(1, 2, 1),
    statements: table("HISTOGRAM(S)"),
    expect: out({ s1: 1 }, { s1: 1, s2: 1 }, { s1: 2, s2: 1 }),
  },
  { name: "COUNT_DISTINCT", input: ints(1, 2, 1), statements: table("COUNT_DISTINCT(V)"), expect: out(1, 2, 2) },
  {
    name: "SUM(DISTINCT x) is rejected, not computed as SUM(x)",
    input: [],
    statements: [SOURCE, "CREATE TABLE T_$ AS SELECT ID, SUM(DISTINCT V) AS A FROM S_$ GROUP BY ID;"],
    expect: { error: "DISTINCT" },
  },
];
