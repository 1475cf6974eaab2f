/**
 * The Kafka Connect REST client: register a connector, read its state.
 *
 * Imports lib/util only.
 *
 * @module
 */
export { connectorStatus, registerConnector } from "./client.ts";
export type { ConnectorDefinition } from "./client.ts";
