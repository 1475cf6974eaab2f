/**
 * A small client for the Kafka Connect REST API: registers a connector
 * idempotently, reads its state, restarts its failed parts.
 *
 * @module
 */
import { retryRetriable } from "../util/mod.ts";

/** A failed Kafka Connect call; `retriable` when waiting may help (409 rebalance, 5xx, no answer). */
export class ConnectError extends Error {
  /** Whether the same call may succeed later. */
  readonly retriable: boolean;
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "ConnectError";
    this.retriable = options.retriable;
  }
}

/** A connector definition as `POST /connectors` takes it (the shape of simplelink.json). */
export interface ConnectorDefinition {
  readonly name: string;
  readonly config: Readonly<Record<string, string>>;
}

/** `GET /connectors/{name}/status`. */
export interface ConnectorStatus {
  readonly name: string;
  readonly connector: { readonly state: string; readonly worker_id: string; readonly trace?: string };
  readonly tasks: readonly { readonly id: number; readonly state: string; readonly trace?: string }[];
}

async function call(baseUrl: string, method: string, path: string, body?: unknown): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(new URL(path, baseUrl), {
      method,
      headers: body === undefined ? {} : { "content-type": "application/json" },
      body: body === undefined ? null : JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
  } catch (cause) {
    throw new ConnectError(
      `Kafka Connect at ${baseUrl} did not answer ${method} ${path}; is it running ("task status")?`,
      {
        retriable: true,
        cause,
      },
    );
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? text;
    } catch {
      // not JSON: keep the text
    }
    throw new ConnectError(`Kafka Connect answered ${response.status} to ${method} ${path}: ${message}`, {
      retriable: response.status === 409 || response.status >= 500,
    });
  }
  return text === "" ? undefined : JSON.parse(text);
}

/**
 * Creates or updates a connector with `PUT /connectors/{name}/config`;
 * retries retriable failures (a rebalance in progress) up to `attempts` times.
 *
 * @returns Whether the connector was newly created.
 * @throws {ConnectError} When Connect rejects the config or stays unreachable.
 */
export async function registerConnector(
  baseUrl: string,
  definition: ConnectorDefinition,
  options: { attempts?: number; delayMs?: number } = {},
): Promise<boolean> {
  const { attempts = 10, delayMs = 2000 } = options;
  return await retryRetriable(async () => {
    const existing = await call(baseUrl, "GET", "/connectors") as string[];
    await call(baseUrl, "PUT", `/connectors/${encodeURIComponent(definition.name)}/config`, definition.config);
    return !existing.includes(definition.name);
  }, {
    attempts,
    delayMs,
    isRetriable: (error) => error instanceof ConnectError && error.retriable,
    onRetry: (error) =>
      console.error(
        `Cannot register connector "${definition.name}": ${(error as Error).message}; retrying in ${delayMs / 1000}s`,
      ),
  });
}

/**
 * Reads a connector's status.
 *
 * @throws {ConnectError} When it does not exist (404) or Connect is unreachable.
 */
export async function connectorStatus(baseUrl: string, name: string): Promise<ConnectorStatus> {
  return await call(baseUrl, "GET", `/connectors/${encodeURIComponent(name)}/status`) as ConnectorStatus;
}

/**
 * Restarts a connector's failed instance and failed tasks
 * (`POST /connectors/{name}/restart?includeTasks=true&onlyFailed=true`); running ones are left alone.
 *
 * @throws {ConnectError} When it does not exist (404) or Connect is unreachable.
 */
export async function restartFailed(baseUrl: string, name: string): Promise<void> {
  await call(baseUrl, "POST", `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`);
}

/**
 * Every connector on the worker with its status (`GET /connectors?expand=status`).
 *
 * @throws {ConnectError} When Connect is unreachable.
 */
export async function allConnectorStatuses(baseUrl: string): Promise<ConnectorStatus[]> {
  const expanded = await call(baseUrl, "GET", "/connectors?expand=status") as Record<
    string,
    { status: ConnectorStatus }
  >;
  return Object.values(expanded).map((c) => c.status);
}
