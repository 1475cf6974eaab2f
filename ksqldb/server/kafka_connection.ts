/**
 * The server's one Kafka admin connection, opened on first use: the server
 * starts and serves while Kafka is down, and one connection attempt runs at a
 * time (a failed one is retried by the next use).
 *
 * @module
 */
import type { Admin } from "kafkajs";

/** Answers `admin` once connected; kafkajs reconnects by itself after a first connection. */
export type KafkaConnection = () => Promise<Admin>;

/** A {@link KafkaConnection} for `admin`. */
export function kafkaConnection(admin: Admin): KafkaConnection {
  let attempt: Promise<void> | undefined;
  return async () => {
    attempt ??= admin.connect().catch((error) => {
      attempt = undefined;
      throw error;
    });
    await attempt;
    return admin;
  };
}
