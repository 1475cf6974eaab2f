/**
 * The running stack's own pipeline as a chaos target: `api-data` (KAFKA_TOPIC),
 * its MongoDB sink's `mydb.api` and the archive in S3_BUCKET.
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import { MongoClient } from "mongodb";
import { s3Client } from "../lib/s3/mod.ts";
import { consumerConfig } from "../lib/archive/mod.ts";
import type { Target } from "./scenarios.ts";

/** A target on the live pipeline, the archivers' consumer group, and `close()` for its MongoDB and S3 clients. */
export interface LiveTarget {
  readonly target: Target;
  readonly groupId: string;
  close(): Promise<void>;
}

/** The live pipeline through `kafka`; `consumerProgram`: the supervisord program archiving it, when there is one. */
export function liveTarget(kafka: Kafka, consumerProgram?: string): LiveTarget {
  const config = consumerConfig();
  const mongo = new MongoClient(Deno.env.get("MONGO_URL") ?? "mongodb://127.0.0.1:27017", {
    serverSelectionTimeoutMS: 5_000,
  });
  const s3 = s3Client(config.s3);
  return {
    target: {
      topic: config.topic,
      kafka,
      collection: mongo.db("mydb").collection("api"),
      s3,
      bucket: config.s3.bucket,
      archivePrefix: `${config.prefix}/${config.topic}/`,
      ...(consumerProgram === undefined ? {} : { consumerProgram }),
    },
    groupId: config.groupId,
    async close() {
      await mongo.close();
      s3.destroy();
    },
  };
}
