/**
 * The Kafka Connect REST client (register a connector, read its state, restart its failed parts) and the
 * sink guard that restarts failed sinks with backoff.
 *
 * Imports lib/util only.
 *
 * @module
 */
export { allConnectorStatuses, connectorStatus, registerConnector, restartFailed } from "./client.ts";
export type { ConnectorDefinition, ConnectorStatus } from "./client.ts";
export { guardOnce } from "./guard.ts";
export type { GuardEntry, GuardOptions } from "./guard.ts";
