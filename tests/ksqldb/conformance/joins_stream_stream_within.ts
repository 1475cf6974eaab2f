/**
 * Stream-stream joins, from ksqlDB's joins guide: an INNER JOIN ... WITHIN
 * pairs records whose times lie within the window of each other (both
 * directions), keyed by the join column; a stream-stream join needs WITHIN.
 *
 * @module
 */
import { type ConformanceCase, T0 } from "./_case.ts";

const LEFT = "CREATE STREAM L_$ (ID STRING KEY, LV STRING) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const RIGHT = "CREATE STREAM R_$ (ID STRING KEY, RV STRING) WITH (KAFKA_TOPIC='$TOPIC2', VALUE_FORMAT='JSON');";

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "INNER JOIN WITHIN pairs records close in time",
    fast: true,
    input: [{ key: "1", value: { LV: "a" }, timestamp: T0 + 10_000 }],
    input2: [
      { key: "1", value: { RV: "early" }, timestamp: T0 + 5000 },
      { key: "1", value: { RV: "too late" }, timestamp: T0 + 30_000 },
      { key: "2", value: { RV: "other key" }, timestamp: T0 + 10_000 },
    ],
    statements: [
      LEFT,
      RIGHT,
      "CREATE STREAM J_$ AS SELECT L.ID AS ID, L.LV AS LV, R.RV AS RV FROM L_$ L JOIN R_$ R WITHIN 10 SECONDS ON L.ID = R.ID;",
    ],
    expect: { sink: "J_$", records: [{ key: "1", value: { LV: "a", RV: "early" } }] },
  },
  {
    name: "WITHIN (before, after) bounds each side",
    input: [{ key: "1", value: { LV: "a" }, timestamp: T0 + 10_000 }],
    input2: [
      { key: "1", value: { RV: "2s before" }, timestamp: T0 + 8000 },
      { key: "1", value: { RV: "5s after" }, timestamp: T0 + 15_000 },
    ],
    statements: [
      LEFT,
      RIGHT,
      "CREATE STREAM J_$ AS SELECT L.ID AS ID, L.LV AS LV, R.RV AS RV FROM L_$ L JOIN R_$ R WITHIN (1 SECOND, 10 SECONDS) ON L.ID = R.ID;",
    ],
    expect: { sink: "J_$", records: [{ key: "1", value: { LV: "a", RV: "5s after" } }] },
  },
  {
    name: "a stream-stream join without WITHIN is rejected",
    input: [],
    input2: [],
    statements: [
      LEFT,
      RIGHT,
      "CREATE STREAM J_$ AS SELECT L.ID AS ID, L.LV, R.RV FROM L_$ L JOIN R_$ R ON L.ID = R.ID;",
    ],
    expect: { error: "Stream-Stream joins must have a WITHIN clause specified" },
  },
];
