/**
 * Windowed aggregation, from ksqlDB's "time and windows" guide: TUMBLING and
 * HOPPING windows keyed by the group key plus the window start (Kafka Streams'
 * windowed serde: key bytes then an 8-byte big-endian start), SESSION windows
 * by key then end then start, merged sessions replacing their parts with a
 * tombstone, WINDOWSTART/WINDOWEND as columns, and GRACE PERIOD dropping late
 * records.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const SOURCE = "CREATE STREAM S_$ (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const at = (...offsets: number[]) => offsets.map((o) => ({ key: "k", value: { V: 1 }, timestamp: T0 + o }));
const tumble = (start: number, value: Record<string, unknown>) => ({ key: "k", value, window: { start: T0 + start } });
const session = (start: number, end: number, value: Record<string, unknown> | null) => ({
  key: "k",
  value,
  window: { start: T0 + start, end: T0 + end, session: true },
});

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "TUMBLING counts per window, key carries the window start",
    fast: true,
    input: at(1000, 2000, 11_000),
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, COUNT(*) AS C FROM S_$ WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY ID;",
    ],
    expect: { sink: "T_$", records: [tumble(0, { C: 1 }), tumble(0, { C: 2 }), tumble(10_000, { C: 1 })] },
  },
  {
    name: "TUMBLING with WINDOWSTART and WINDOWEND selected",
    input: at(1000, 11_000),
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, WINDOWSTART AS WS, WINDOWEND AS WE, COUNT(*) AS C FROM S_$ WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY ID;",
    ],
    expect: {
      sink: "T_$",
      records: [
        tumble(0, { WS: T0, WE: T0 + 10_000, C: 1 }),
        tumble(10_000, { WS: T0 + 10_000, WE: T0 + 20_000, C: 1 }),
      ],
    },
  },
  {
    name: "HOPPING puts a record in every window that holds it",
    fast: true,
    input: at(7000),
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, COUNT(*) AS C FROM S_$ WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY ID;",
    ],
    expect: { sink: "T_$", records: [tumble(0, { C: 1 }), tumble(5000, { C: 1 })] },
  },
  {
    name: "HOPPING sums per window",
    input: [
      { key: "k", value: { V: 2 }, timestamp: T0 + 1000 },
      { key: "k", value: { V: 3 }, timestamp: T0 + 6000 },
    ],
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, SUM(V) AS S FROM S_$ WINDOW HOPPING (SIZE 10 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY ID;",
    ],
    expect: {
      sink: "T_$",
      records: [
        { key: "k", value: { S: 2 }, window: { start: T0 - 5000 } },
        tumble(0, { S: 2 }),
        tumble(0, { S: 5 }),
        tumble(5000, { S: 3 }),
      ],
    },
  },
  {
    name: "SESSION windows merge, the replaced session gets a tombstone",
    fast: true,
    input: at(0, 2000),
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, COUNT(*) AS C FROM S_$ WINDOW SESSION (5 SECONDS) GROUP BY ID;",
    ],
    expect: { sink: "T_$", records: [session(0, 0, { C: 1 }), session(0, 0, null), session(0, 2000, { C: 2 })] },
  },
  {
    name: "SESSION gap closes a session",
    input: at(0, 10_000),
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, COUNT(*) AS C FROM S_$ WINDOW SESSION (5 SECONDS) GROUP BY ID;",
    ],
    expect: { sink: "T_$", records: [session(0, 0, { C: 1 }), session(10_000, 10_000, { C: 1 })] },
  },
  {
    name: "GRACE PERIOD drops a record later than the window's end plus grace",
    input: at(1000, 25_000, 2000),
    statements: [
      SOURCE,
      "CREATE TABLE T_$ AS SELECT ID, COUNT(*) AS C FROM S_$ WINDOW TUMBLING (SIZE 10 SECONDS, GRACE PERIOD 0 SECONDS) GROUP BY ID;",
    ],
    expect: { sink: "T_$", records: [tumble(0, { C: 1 }), tumble(20_000, { C: 1 })] },
  },
  {
    name: "a window over a TABLE is rejected",
    input: [],
    statements: [
      "CREATE TABLE S_$ (ID STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');",
      "CREATE TABLE T_$ AS SELECT ID, COUNT(*) AS C FROM S_$ WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY ID;",
    ],
    expect: { error: "only supported on STREAM" },
  },
];
