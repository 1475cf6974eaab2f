/**
 * ksqlDB's date and time functions, from its scalar-functions reference:
 * TIMESTAMPTOSTRING and STRINGTOTIMESTAMP with a time zone and milliseconds,
 * PARSE_/FORMAT_ DATE, TIME and TIMESTAMP, UNIX_TIMESTAMP of a TIMESTAMP.
 *
 * @module
 */
import { scalarCases } from "./_scalar.ts";
import { T0 } from "./_case.ts";

const iso = new Date(T0 + 123).toISOString(); // 2026-..T..:00:00.123Z

/** The family's cases. */
export const cases = scalarCases("S STRING", { S: "2026-01-02 03:04:05.678" }, [
  [
    "TIMESTAMPTOSTRING of ROWTIME in UTC with milliseconds",
    "TIMESTAMPTOSTRING(ROWTIME, 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC')",
    iso.slice(0, 23).replace("T", " "),
    true,
  ],
  [
    "STRINGTOTIMESTAMP keeps milliseconds",
    "STRINGTOTIMESTAMP(S, 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC')",
    Date.UTC(2026, 0, 2, 3, 4, 5, 678),
    true,
  ],
  [
    "STRINGTOTIMESTAMP in another time zone",
    "STRINGTOTIMESTAMP('2026-01-02 03:04:05', 'yyyy-MM-dd HH:mm:ss', 'America/New_York')",
    Date.UTC(2026, 0, 2, 8, 4, 5),
  ],
  [
    "PARSE_TIMESTAMP then FORMAT_TIMESTAMP",
    "FORMAT_TIMESTAMP(PARSE_TIMESTAMP(S, 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC'), 'yyyy/MM/dd HH:mm', 'UTC')",
    "2026/01/02 03:04",
  ],
  ["PARSE_DATE then FORMAT_DATE", "FORMAT_DATE(PARSE_DATE('2026-01-02', 'yyyy-MM-dd'), 'dd.MM.yyyy')", "02.01.2026"],
  ["PARSE_TIME then FORMAT_TIME", "FORMAT_TIME(PARSE_TIME('03:04:05', 'HH:mm:ss'), 'HH.mm')", "03.04"],
  [
    "UNIX_TIMESTAMP of a TIMESTAMP",
    "UNIX_TIMESTAMP(PARSE_TIMESTAMP('2026-01-02 00:00:00', 'yyyy-MM-dd HH:mm:ss', 'UTC'))",
    Date.UTC(2026, 0, 2),
  ],
  [
    "DATETOSTRING of days since the epoch",
    `DATETOSTRING(${Date.UTC(2026, 0, 2) / 86_400_000}, 'yyyy-MM-dd')`,
    "2026-01-02",
  ],
]);
