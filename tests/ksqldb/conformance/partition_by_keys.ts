/**
 * Keys and repartitioning, from ksqlDB's PARTITION BY and key-format docs:
 * PARTITION BY moves a column (or an expression) into the key and the old
 * key into the value; several expressions make a JSON (struct) key;
 * PARTITION BY NULL gives NULL keys; GROUP BY several columns keys by all.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const SOURCE = "CREATE STREAM S_$ (K STRING KEY, NAME STRING, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const input = [
  { key: "a", value: { NAME: "x", V: 1 }, timestamp: T0 },
  { key: "b", value: { NAME: "y", V: 2 }, timestamp: T0 + 1 },
];

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "PARTITION BY a column moves the old key into the value",
    fast: true,
    input,
    statements: [SOURCE, "CREATE STREAM R_$ AS SELECT * FROM S_$ PARTITION BY NAME;"],
    expect: {
      sink: "R_$",
      records: [{ key: "x", value: { K: "a", V: 1 } }, { key: "y", value: { K: "b", V: 2 } }],
    },
  },
  {
    name: "PARTITION BY an expression",
    input,
    statements: [SOURCE, "CREATE STREAM R_$ AS SELECT UCASE(NAME) AS UN, V FROM S_$ PARTITION BY UCASE(NAME);"],
    expect: { sink: "R_$", records: [{ key: "X", value: { V: 1 } }, { key: "Y", value: { V: 2 } }] },
  },
  {
    name: "PARTITION BY two columns gives a JSON key",
    fast: true,
    input,
    statements: [
      SOURCE,
      "CREATE STREAM R_$ WITH (KEY_FORMAT='JSON') AS SELECT NAME, V, K FROM S_$ PARTITION BY NAME, V;",
    ],
    expect: {
      sink: "R_$",
      records: [
        { key: { json: { NAME: "x", V: 1 } }, value: { K: "a" } },
        { key: { json: { NAME: "y", V: 2 } }, value: { K: "b" } },
      ],
    },
  },
  {
    name: "PARTITION BY NULL gives NULL keys",
    input,
    statements: [SOURCE, "CREATE STREAM R_$ AS SELECT * FROM S_$ PARTITION BY NULL;"],
    expect: {
      sink: "R_$",
      records: [{ key: null, value: { K: "a", NAME: "x", V: 1 } }, { key: null, value: { K: "b", NAME: "y", V: 2 } }],
    },
  },
  {
    name: "GROUP BY two columns keys by both",
    input,
    statements: [
      SOURCE,
      "CREATE TABLE T_$ WITH (KEY_FORMAT='JSON') AS SELECT NAME, V, COUNT(*) AS C FROM S_$ GROUP BY NAME, V;",
    ],
    expect: {
      sink: "T_$",
      records: [
        { key: { json: { NAME: "x", V: 1 } }, value: { C: 1 } },
        { key: { json: { NAME: "y", V: 2 } }, value: { C: 1 } },
      ],
    },
  },
  {
    name: "an INT key in the KAFKA format is 4 big-endian bytes",
    input,
    statements: [SOURCE, "CREATE STREAM R_$ AS SELECT V, NAME FROM S_$ PARTITION BY V;"],
    expect: {
      sink: "R_$",
      records: [{ key: { int: 1 }, value: { NAME: "x" } }, { key: { int: 2 }, value: { NAME: "y" } }],
    },
  },
  {
    name: "a stream keeps its key through a projection",
    input,
    statements: [SOURCE, "CREATE STREAM R_$ AS SELECT K, V FROM S_$;"],
    expect: { sink: "R_$", records: [{ key: "a", value: { V: 1 } }, { key: "b", value: { V: 2 } }] },
  },
];
