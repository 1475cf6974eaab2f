/**
 * The catalog in a compacted Kafka topic, as ksqlDB keeps its command topic:
 * `_tickpipe_ksql_<service id>_command`, one partition, `cleanup.policy=compact`,
 * one record per stream, table and query (key `source/<NAME>`, `query/<ID>`,
 * `sequence`; a tombstone removes it). Every server with the same service id
 * reads the topic from its beginning and then follows it, so a statement one
 * server applies is in the others' catalogs as soon as they read its record; a
 * restart replays the topic. A catalog file of an earlier version is migrated
 * into the topic on the first start that finds the topic empty.
 *
 * @module
 */
import type { Consumer, Kafka, Producer } from "kafkajs";
import { Catalog, type CatalogRecord } from "./catalog.ts";
import { retryRetriable } from "../../lib/util/mod.ts";
import { KsqlError } from "./error.ts";
import type { KafkaConnection } from "./kafka_connection.ts";

/** The command topic of service `serviceId`. */
export function commandTopicName(serviceId: string): string {
  return `_tickpipe_ksql_${serviceId}_command`;
}

/** Options of {@link CommandTopic.open}. */
export interface CommandTopicOptions {
  readonly kafka: Kafka;
  readonly admin: KafkaConnection;
  readonly topic: string;
  /** An earlier version's catalog file, migrated into an empty topic and renamed `<file>.migrated`. */
  readonly migrateFile?: string;
  /** Milliseconds between attempts while Kafka does not answer. @default 2000 */
  readonly retryMs?: number;
}

/** A catalog kept in, and following, a command topic. */
export class CommandTopic {
  readonly catalog: Catalog;
  readonly topic: string;
  #options: CommandTopicOptions;
  #producer: Producer;
  #consumer: Consumer | undefined;
  /** The offset after the last record applied. */
  #next = 0;
  #started: Promise<void>;
  #ready = false;
  #lastError = "";
  #closed = false;

  private constructor(options: CommandTopicOptions) {
    this.#options = options;
    this.topic = options.topic;
    // one request in flight keeps the records in the order they were written
    this.#producer = options.kafka.producer({ allowAutoTopicCreation: false, maxInFlightRequests: 1 });
    this.catalog = Catalog.withWriter((records) => this.#write(records));
    this.#started = this.#startWithRetries();
  }

  /**
   * Opens the command topic: creates it when missing, replays it into
   * {@link catalog} and follows it, in the background until Kafka answers
   * (statements wait for it through {@link catchUp}).
   */
  static open(options: CommandTopicOptions): CommandTopic {
    return new CommandTopic(options);
  }

  /** Whether the topic was read to its end once. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Resolves once the topic was read to its end (or the topic was closed). */
  started(): Promise<void> {
    return this.#started;
  }

  async #startWithRetries(): Promise<void> {
    while (!this.#closed) {
      try {
        await this.#start();
        this.#ready = true;
        return;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== this.#lastError) {
          console.error(`Cannot read the command topic "${this.topic}" yet: ${message}; retrying`);
        }
        this.#lastError = message;
        await this.#consumer?.disconnect().catch(() => {});
        this.#consumer = undefined;
        await new Promise((resolve) => setTimeout(resolve, this.#options.retryMs ?? 2000));
      }
    }
  }

  async #start(): Promise<void> {
    const admin = await this.#options.admin();
    if (!(await admin.listTopics()).includes(this.topic)) {
      const brokers = (await admin.describeCluster()).brokers.length;
      const replicas = Math.min(3, brokers);
      await admin.createTopics({
        waitForLeaders: true,
        topics: [{
          topic: this.topic,
          numPartitions: 1,
          replicationFactor: replicas,
          configEntries: [
            { name: "cleanup.policy", value: "compact" },
            { name: "min.insync.replicas", value: String(Math.max(1, replicas - 1)) },
          ],
        }],
      }).catch((error) => {
        // another server created it first
        if (!/already exists/i.test(String(error?.message))) throw error;
      });
      console.log(`Created the command topic "${this.topic}" (compacted, ${replicas} replica(s))`);
    }
    await this.#producer.connect();
    const consumer = this.#options.kafka.consumer({
      groupId: `${this.topic}_reader_${crypto.randomUUID()}`,
      maxWaitTimeInMs: 100,
      retry: { retries: 1_000_000, initialRetryTime: 300, maxRetryTime: 5000 },
    });
    this.#consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ message }) => {
        const key = message.key?.toString() ?? "";
        const value = message.value === null ? null : JSON.parse(message.value.toString()) as CatalogRecord["value"];
        try {
          this.catalog.apply({ key, value });
        } catch (error) {
          console.error(`Skipping command topic record at offset ${message.offset}: ${(error as Error).message}`);
        }
        this.#next = Number(message.offset) + 1;
        return Promise.resolve();
      },
    });
    const end = await this.#end();
    await this.catchUp(120_000);
    console.log(
      `Read the command topic "${this.topic}": ${this.catalog.sources().length} stream(s) and table(s), ${this.catalog.queries().length} query(ies)`,
    );
    if (end === 0 && this.#options.migrateFile) await this.#migrate(this.#options.migrateFile);
  }

  async #migrate(file: string): Promise<void> {
    let old: Catalog;
    try {
      await Deno.stat(file);
      old = await Catalog.open(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    const records = old.records();
    await this.#write(records);
    for (const record of records) this.catalog.apply(record);
    await Deno.rename(file, `${file}.migrated`);
    console.log(
      `Migrated the catalog file "${file}" into the command topic "${this.topic}": ${old.sources().length} stream(s) and table(s), ${old.queries().length} query(ies); the file is kept as "${file}.migrated"`,
    );
  }

  /** The topic's end offset (its high watermark). */
  async #end(): Promise<number> {
    const offsets = await (await this.#options.admin()).fetchTopicOffsets(this.topic);
    return Math.max(0, ...offsets.map((o) => Number(o.high)));
  }

  /**
   * Waits until every record written to the topic so far is in {@link catalog}:
   * a statement then sees what any server applied before it.
   *
   * @throws {KsqlError} When the topic cannot be read within `timeoutMs`, naming it and the fix.
   */
  async catchUp(timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const fail = (why: string) =>
      new KsqlError(
        `The catalog's command topic "${this.topic}" ${why}; check that Kafka answers (task status) and retry`,
      );
    if (this.#consumer === undefined) {
      throw fail(`is not read yet${this.#lastError ? ` (${this.#lastError})` : ""}`);
    }
    let end: number;
    try {
      // a broker that has just come back answers with stale metadata for a while: retry, refreshing it
      end = await retryRetriable(() => this.#end(), {
        delayMs: 250,
        isRetriable: () => true,
        signal: AbortSignal.timeout(timeoutMs),
        onRetry: () => {
          this.#options.admin().then((admin) => admin.fetchTopicMetadata({ topics: [this.topic] })).catch(() => {});
        },
      });
    } catch (error) {
      throw fail(`cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
    while (this.#next < end) {
      if (Date.now() > deadline) throw fail(`was not read to offset ${end} within ${timeoutMs} ms (at ${this.#next})`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  async #write(records: readonly CatalogRecord[]): Promise<void> {
    await this.#producer.send({
      topic: this.topic,
      acks: -1,
      messages: records.map((r) => ({ key: r.key, value: r.value === null ? null : JSON.stringify(r.value) })),
    });
  }

  /** Stops following the topic. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#consumer?.disconnect().catch(() => {});
    await this.#producer.disconnect().catch(() => {});
  }
}
