/**
 * Errors of the ksqlDB-compatible server, and their REST shapes
 * (`{"@type","error_code","message","statementText","entities"}`).
 *
 * @module
 */

/** ksqlDB's error codes that this server answers with. */
export const ERROR_CODES = Object.freeze({
  badRequest: 40000,
  badStatement: 40001,
  queryEndpoint: 40002,
  notFound: 40400,
  tooLarge: 41300,
  serverError: 50000,
});

/** A statement ksqlDB would reject: bad syntax, unknown source, unsupported feature. */
export class KsqlError extends Error {
  /** ksqlDB `error_code`. @default 40001 */
  readonly errorCode: number;
  /** Whether repeating the statement later may succeed (the engine was busy or restarting). */
  readonly retriable: boolean;
  constructor(message: string, options: { errorCode?: number; retriable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = "KsqlError";
    this.errorCode = options.errorCode ?? ERROR_CODES.badStatement;
    this.retriable = options.retriable ?? false;
  }
}

/** A syntax error, with ksqlDB's `line L:C: Syntax Error` prefix. */
export class KsqlSyntaxError extends KsqlError {
  /** 1-based line of the offending token. */
  readonly line: number;
  /** 1-based column of the offending token. */
  readonly column: number;
  /** 0-based offset in the request text. */
  readonly offset: number;
  constructor(message: string, position: { line: number; column: number; offset: number }) {
    super(`line ${position.line}:${position.column}: Syntax Error\n${message}`);
    this.name = "KsqlSyntaxError";
    this.line = position.line;
    this.column = position.column;
    this.offset = position.offset;
  }
}

/** A feature of ksqlDB that this Flink-backed server does not implement. */
export class KsqlUnsupportedError extends KsqlError {
  constructor(feature: string, hint = "") {
    super(`${feature} is not supported by this ksqlDB-compatible server (Flink engine)${hint ? `; ${hint}` : ""}`);
    this.name = "KsqlUnsupportedError";
  }
}

/** A failed call to the Flink engine (ksqldb/flink); `retriable` when it did not answer. */
export class FlinkEngineError extends Error {
  /** Whether the same call may succeed later. */
  readonly retriable: boolean;
  constructor(message: string, options: { retriable: boolean; cause?: unknown }) {
    super(message, { cause: options.cause });
    this.name = "FlinkEngineError";
    this.retriable = options.retriable;
  }
}

/** ksqlDB's error body. */
export interface KsqlErrorBody {
  readonly "@type": "statement_error" | "generic_error";
  readonly error_code: number;
  readonly message: string;
  readonly statementText?: string;
  readonly entities?: readonly unknown[];
}

/** How many characters of a statement an error body echoes. */
export const ECHOED_STATEMENT_CHARS = 200;
/** How many characters of an error message an error body carries (a message may quote the statement). */
const MESSAGE_CHARS = 1000;

/** `text` cut to its first `max` characters, saying how many were left out. */
function abbreviate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}... (${text.length - max} more characters)`;
}

/** The HTTP status of an error body: ksqlDB's error codes are the status times 100 (40001 is 400). */
export function httpStatus(body: KsqlErrorBody): number {
  const status = Math.floor(body.error_code / 100);
  return status >= 400 && status < 600 ? status : 500;
}

/**
 * The REST body for `error`, raised by `statementText` (if any) after `entities` succeeded; it
 * echoes at most {@link ECHOED_STATEMENT_CHARS} characters of the statement.
 */
export function errorBody(error: unknown, statementText?: string, entities: readonly unknown[] = []): KsqlErrorBody {
  const body = fullErrorBody(
    error,
    statementText === undefined ? undefined : abbreviate(statementText, ECHOED_STATEMENT_CHARS),
    entities,
  );
  return { ...body, message: abbreviate(body.message, MESSAGE_CHARS) };
}

function fullErrorBody(error: unknown, statementText: string | undefined, entities: readonly unknown[]): KsqlErrorBody {
  if (error instanceof KsqlError) {
    return statementText === undefined
      ? { "@type": "generic_error", error_code: error.errorCode, message: error.message }
      : { "@type": "statement_error", error_code: error.errorCode, message: error.message, statementText, entities };
  }
  if (error instanceof FlinkEngineError) {
    const body = { error_code: ERROR_CODES.serverError, message: error.message };
    return statementText === undefined
      ? { "@type": "generic_error", ...body }
      : { "@type": "statement_error", ...body, statementText, entities };
  }
  const message = error instanceof Error ? error.message : String(error);
  return statementText === undefined
    ? { "@type": "generic_error", error_code: ERROR_CODES.serverError, message }
    : { "@type": "statement_error", error_code: ERROR_CODES.serverError, message, statementText, entities };
}
