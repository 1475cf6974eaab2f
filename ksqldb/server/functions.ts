/**
 * ksqlDB's function catalogue as this server translates it to Flink SQL: the
 * scalar functions, the aggregates and the table function EXPLODE (which
 * translate_query.ts turns into an UNNEST); it also answers SHOW FUNCTIONS.
 *
 * @module
 */
import type { Expr, KsqlType } from "./ast.ts";
import { KsqlError, KsqlUnsupportedError } from "./error.ts";

/** A translated expression: its Flink SQL and, when known, its ksqlDB type. */
export interface TranslatedExpr {
  readonly sql: string;
  readonly type?: KsqlType;
}

const AGGREGATES = new Set([
  "AVG",
  "SUM",
  "MIN",
  "MAX",
  "COUNT",
  "LATEST_BY_OFFSET",
  "EARLIEST_BY_OFFSET",
  "COUNT_DISTINCT",
  "COLLECT_LIST",
  "COLLECT_SET",
]);

/** Translates a scalar call: its arguments in Flink SQL and the called name, for messages. */
export type ScalarFn = (args: string[], name: string) => string;
const fn = (flinkName: string, min: number, max: number): ScalarFn => (args, name) => {
  if (args.length < min || args.length > max) {
    throw new KsqlError(
      `Function ${name} takes ${min === max ? min : `${min} to ${max}`} arguments, not ${args.length}`,
    );
  }
  return `${flinkName}(${args.join(", ")})`;
};
const SCALARS: Readonly<Record<string, ScalarFn>> = {
  UCASE: fn("UPPER", 1, 1),
  UPPER: fn("UPPER", 1, 1),
  LCASE: fn("LOWER", 1, 1),
  LOWER: fn("LOWER", 1, 1),
  LEN: fn("CHAR_LENGTH", 1, 1),
  LENGTH: fn("CHAR_LENGTH", 1, 1),
  CONCAT: fn("CONCAT", 1, 64),
  CONCAT_WS: fn("CONCAT_WS", 2, 64),
  SUBSTRING: fn("SUBSTR", 2, 3),
  TRIM: fn("TRIM", 1, 1),
  LTRIM: fn("LTRIM", 1, 1),
  RTRIM: fn("RTRIM", 1, 1),
  REPLACE: fn("REPLACE", 3, 3),
  LPAD: fn("LPAD", 3, 3),
  RPAD: fn("RPAD", 3, 3),
  INITCAP: fn("INITCAP", 1, 1),
  INSTR: fn("INSTR", 2, 2),
  ABS: fn("ABS", 1, 1),
  CEIL: fn("CEIL", 1, 1),
  FLOOR: fn("FLOOR", 1, 1),
  ROUND: fn("ROUND", 1, 2),
  SQRT: fn("SQRT", 1, 1),
  EXP: fn("EXP", 1, 1),
  LN: fn("LN", 1, 1),
  LOG: fn("LOG", 1, 2),
  POWER: fn("POWER", 2, 2),
  SIGN: fn("SIGN", 1, 1),
  RANDOM: fn("RAND", 0, 0),
  GREATEST: fn("GREATEST", 1, 64),
  LEAST: fn("LEAST", 1, 64),
  COALESCE: fn("COALESCE", 1, 64),
  IFNULL: fn("IFNULL", 2, 2),
  NULLIF: fn("NULLIF", 2, 2),
  ARRAY_LENGTH: fn("CARDINALITY", 1, 1),
  ARRAY_CONTAINS: fn("ARRAY_CONTAINS", 2, 2),
  AS_VALUE: (args) => `(${args[0]})`,
  TIMESTAMPTOSTRING: fn("KSQL_TIMESTAMPTOSTRING", 2, 3),
  STRINGTOTIMESTAMP: (args, name) => {
    if (args.length !== 2) throw new KsqlError(`Function ${name} takes 2 arguments here (string, pattern)`);
    return `(UNIX_TIMESTAMP(${args[0]}, ${args[1]}) * 1000)`;
  },
  UNIX_TIMESTAMP: (args, name) => {
    if (args.length !== 0) throw new KsqlUnsupportedError(`${name} with arguments`);
    return "(UNIX_TIMESTAMP() * 1000)";
  },
};

/** Whether `name` is an aggregate function. */
export function isAggregate(name: string): boolean {
  return AGGREGATES.has(name);
}

/** The translation of scalar function `name` (arguments already in Flink SQL), if this server has it. */
export function scalarFunction(name: string): ScalarFn | undefined {
  return SCALARS[name];
}

/**
 * The Flink SQL of aggregate call `e` over its translated `args`.
 *
 * @throws {KsqlUnsupportedError} For aggregates and forms this server does not translate.
 */
export function aggregateSql(e: Expr & { k: "call" }, args: readonly TranslatedExpr[]): TranslatedExpr {
  const a = args[0]?.sql;
  switch (e.name) {
    case "COUNT":
      if (e.star || args.length === 0) return { sql: "COUNT(*)", type: { type: "BIGINT" } };
      return { sql: `COUNT(${e.distinct ? "DISTINCT " : ""}${a})`, type: { type: "BIGINT" } };
    case "COUNT_DISTINCT":
      return { sql: `COUNT(DISTINCT ${a})`, type: { type: "BIGINT" } };
    case "AVG":
      return { sql: `AVG(CAST(${a} AS DOUBLE))`, type: { type: "DOUBLE" } };
    case "SUM":
    case "MIN":
    case "MAX":
      return args[0]?.type ? { sql: `${e.name}(${a})`, type: args[0].type } : { sql: `${e.name}(${a})` };
    case "LATEST_BY_OFFSET":
    case "EARLIEST_BY_OFFSET": {
      if (args.length !== 1) throw new KsqlUnsupportedError(`${e.name} with more than one argument`);
      const flink = e.name === "LATEST_BY_OFFSET" ? "LAST_VALUE" : "FIRST_VALUE";
      return args[0]?.type ? { sql: `${flink}(${a})`, type: args[0].type } : { sql: `${flink}(${a})` };
    }
    case "COLLECT_LIST":
      return { sql: `ARRAY_AGG(${a})` };
    case "COLLECT_SET":
      return { sql: `ARRAY_AGG(DISTINCT ${a})` };
    default:
      throw new KsqlUnsupportedError(`Aggregate function ${e.name}`);
  }
}

/** Names of the scalar and aggregate functions this server translates. */
export function supportedFunctions(): { scalar: string[]; aggregate: string[]; table: string[] } {
  return { scalar: Object.keys(SCALARS).sort(), aggregate: [...AGGREGATES].sort(), table: ["EXPLODE"] };
}
