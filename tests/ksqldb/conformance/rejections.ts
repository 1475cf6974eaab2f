/**
 * Statements ksqlDB rejects, with the part of its message a user searches
 * for (from its docs and error texts): unknown functions and columns,
 * non-aggregate columns missing from GROUP BY, a missing topic, a key not
 * projected, dropping a source that queries read.
 *
 * @module
 */
import type { ConformanceCase } from "./_case.ts";

const SOURCE = "CREATE STREAM S_$ (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const rejected = (name: string, statements: string[], error: string, fast = false): ConformanceCase => ({
  name,
  ...(fast ? { fast } : {}),
  input: [],
  statements,
  expect: { error },
});

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  rejected(
    "an unknown function",
    [SOURCE, "CREATE STREAM O_$ AS SELECT ID, NO_SUCH_FN(V) AS R FROM S_$;"],
    "Can't find any functions with the name 'NO_SUCH_FN'",
    true,
  ),
  rejected("an unknown column", [SOURCE, "CREATE STREAM O_$ AS SELECT ID, W FROM S_$;"], "cannot be resolved", true),
  rejected(
    "a non-aggregate column not in GROUP BY",
    [SOURCE, "CREATE TABLE O_$ AS SELECT ID, V, COUNT(*) AS C FROM S_$ GROUP BY ID;"],
    "Non-aggregate SELECT expression(s) not part of GROUP BY",
  ),
  rejected(
    "a stream over a missing topic without PARTITIONS",
    ["CREATE STREAM S_$ (V INT) WITH (KAFKA_TOPIC='no-such-topic-conformance', VALUE_FORMAT='JSON');"],
    "does not exist. If you want to create a new topic for the stream/table please re-run the statement providing the required 'PARTITIONS' configuration",
  ),
  rejected(
    "a GROUP BY key missing from the projection",
    [SOURCE, "CREATE TABLE O_$ AS SELECT COUNT(*) AS C FROM S_$ GROUP BY ID;"],
    "Key missing from projection",
  ),
  rejected(
    "dropping a stream a query reads",
    [SOURCE, "CREATE STREAM O_$ AS SELECT * FROM S_$;", "DROP STREAM S_$;"],
    "The following queries read from this source",
  ),
  rejected(
    "a stream that exists already",
    [SOURCE, SOURCE],
    "already exists",
  ),
  rejected(
    "DESCRIBE FUNCTION of an unknown name",
    ["DESCRIBE FUNCTION NO_SUCH_FN;"],
    "Can't find any functions with the name 'NO_SUCH_FN'",
  ),
  rejected("a syntax error names the token", [SOURCE, "SELEC * FROM S_$ EMIT CHANGES;"], "Unknown statement 'SELEC'"),
];
