/**
 * Records a stream cannot deserialize, from ksqlDB's processing-log docs: the
 * record is skipped (the ones after it still flow), counted in DESCRIBE
 * EXTENDED's error statistics, and logged to the processing log topic with
 * its topic and its bytes (base64).
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type CaseRun, type ConformanceCase, T0 } from "./_case.ts";
import { eventually, ksqldb, readTopic, topicCount } from "../_stack.ts";

const SOURCE = "CREATE STREAM S_$ (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='$TOPIC', VALUE_FORMAT='JSON');";
const COPY = "CREATE STREAM O_$ AS SELECT ID, V FROM S_$;";
const BAD = "not json {";
const input = [
  { key: "k", value: { V: 1 }, timestamp: T0 },
  { key: "k", value: BAD, timestamp: T0 + 1 },
  { key: "k", value: { V: 2 }, timestamp: T0 + 2 },
];

/** Waits for the two good records to be copied, so the bad one has been read. */
async function copied(run: CaseRun): Promise<void> {
  const admin = run.kafka.admin();
  await admin.connect();
  try {
    await eventually(
      "2 records copied",
      45_000,
      async () => (await topicCount(admin, run.name("O_$")) >= 2) || undefined,
    );
  } finally {
    await admin.disconnect();
  }
}

/** The family's cases. */
export const cases: readonly ConformanceCase[] = [
  {
    name: "a record that is not JSON is skipped and the next ones flow",
    fast: true,
    input,
    statements: [SOURCE, COPY],
    expect: { sink: "O_$", records: [{ key: "k", value: { V: 1 } }, { key: "k", value: { V: 2 } }] },
  },
  {
    name: "DESCRIBE EXTENDED counts the record that failed",
    input,
    statements: [SOURCE, COPY],
    expect: {
      check: async (run) => {
        await copied(run);
        const [described] = await ksqldb.ksql(`DESCRIBE ${run.name("S_$")} EXTENDED;`);
        const stats = String((described?.sourceDescription as { errorStats?: string } | undefined)?.errorStats ?? "");
        return /failed-messages:\s*1\b/.test(stats) ? undefined : `errorStats is "${stats}"`;
      },
    },
  },
  {
    name: "the processing log holds the record's topic and bytes",
    input,
    statements: [SOURCE, COPY],
    expect: {
      check: async (run) => {
        await copied(run);
        const admin = run.kafka.admin();
        await admin.connect();
        try {
          const topic = "default_ksql_processing_log";
          if (!(await admin.listTopics()).includes(topic)) return `no topic ${topic}`;
          const total = await topicCount(admin, topic);
          const logged = (await readTopic(run.kafka, admin, topic, total)).map((r) =>
            (r.value as { message?: { deserializationError?: { topic?: string; recordB64?: string } } }).message
              ?.deserializationError
          );
          const mine = logged.find((d) => d?.topic === run.topic);
          if (!mine) return `no deserializationError for topic ${run.topic} among ${logged.length} log records`;
          const bytes = Buffer.from(mine.recordB64 ?? "", "base64").toString("utf8");
          return bytes === BAD ? undefined : `recordB64 decodes to "${bytes}"`;
        } finally {
          await admin.disconnect();
        }
      },
    },
  },
];
