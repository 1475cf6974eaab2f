/**
 * ksqlDB's function catalogue as this server translates it to Flink SQL: the
 * scalar functions, the aggregates and the table function EXPLODE (which
 * translate_query.ts turns into an UNNEST); it also answers SHOW FUNCTIONS.
 *
 * @module
 */
import type { Expr, KsqlType } from "./ast.ts";
import { KsqlError, KsqlUnsupportedError } from "./error.ts";
import { flinkType } from "./types.ts";

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
  "TOPK",
  "TOPKDISTINCT",
  "HISTOGRAM",
]);

/** Translates a scalar call: its arguments in Flink SQL and the called name, for messages. */
export type ScalarFn = (args: string[], name: string) => string;
/** `args` after checking there are `min` to `max` of them. */
function arity(args: string[], name: string, min: number, max: number): string[] {
  if (args.length < min || args.length > max) {
    throw new KsqlError(
      `Function ${name} takes ${min === max ? min : `${min} to ${max}`} arguments, not ${args.length}`,
    );
  }
  return args;
}
const fn = (flinkName: string, min: number, max: number): ScalarFn => (args, name) =>
  `${flinkName}(${arity(args, name, min, max).join(", ")})`;
/** A URL_EXTRACT_* function as Flink's PARSE_URL of `part`. */
const urlPart = (part: string): ScalarFn => (args, name) => `PARSE_URL(${arity(args, name, 1, 1)[0]}, '${part}')`;
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
  INSTR: fn("KSQL_INSTR", 2, 4),
  REVERSE: fn("REVERSE", 1, 1),
  REGEXP_REPLACE: fn("REGEXP_REPLACE", 3, 3),
  // ksqlDB: REGEXP_EXTRACT(pattern, string[, group]); Flink: REGEXP_EXTRACT(string, pattern, group)
  REGEXP_EXTRACT: (args, name) => {
    const [pattern, string, group] = arity(args, name, 2, 3);
    return `REGEXP_EXTRACT(${string}, ${pattern}, ${group ?? "0"})`;
  },
  SPLIT: fn("SPLIT", 2, 2),
  SPLIT_TO_MAP: fn("KSQL_SPLIT_TO_MAP", 3, 3),
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
  SIN: fn("SIN", 1, 1),
  COS: fn("COS", 1, 1),
  TAN: fn("TAN", 1, 1),
  COT: fn("COT", 1, 1),
  ASIN: fn("ASIN", 1, 1),
  ACOS: fn("ACOS", 1, 1),
  ATAN: fn("ATAN", 1, 1),
  ATAN2: fn("ATAN2", 2, 2),
  SINH: fn("SINH", 1, 1),
  COSH: fn("COSH", 1, 1),
  TANH: fn("TANH", 1, 1),
  DEGREES: fn("DEGREES", 1, 1),
  RADIANS: fn("RADIANS", 1, 1),
  PI: fn("PI", 0, 0),
  RANDOM: fn("RAND", 0, 0),
  GREATEST: fn("GREATEST", 1, 64),
  LEAST: fn("LEAST", 1, 64),
  COALESCE: fn("COALESCE", 1, 64),
  IFNULL: fn("IFNULL", 2, 2),
  NULLIF: fn("NULLIF", 2, 2),
  ARRAY_LENGTH: fn("CARDINALITY", 1, 1),
  ARRAY_CONTAINS: fn("ARRAY_CONTAINS", 2, 2),
  ARRAY_MAX: fn("ARRAY_MAX", 1, 1),
  ARRAY_MIN: fn("ARRAY_MIN", 1, 1),
  ARRAY_DISTINCT: fn("ARRAY_DISTINCT", 1, 1),
  EXTRACTJSONFIELD: fn("KSQL_EXTRACTJSONFIELD", 2, 2),
  JSON_ARRAY_LENGTH: fn("KSQL_JSON_ARRAY_LENGTH", 1, 1),
  JSON_KEYS: fn("KSQL_JSON_KEYS", 1, 1),
  IS_JSON_STRING: fn("KSQL_IS_JSON_STRING", 1, 1),
  JSON_ARRAY_CONTAINS: fn("KSQL_JSON_ARRAY_CONTAINS", 2, 2),
  URL_EXTRACT_HOST: urlPart("HOST"),
  URL_EXTRACT_PATH: urlPart("PATH"),
  URL_EXTRACT_QUERY: urlPart("QUERY"),
  URL_EXTRACT_FRAGMENT: urlPart("REF"),
  URL_EXTRACT_PROTOCOL: urlPart("PROTOCOL"),
  URL_EXTRACT_PARAMETER: (args, name) => {
    const [url, key] = arity(args, name, 2, 2);
    return `PARSE_URL(${url}, 'QUERY', ${key})`;
  },
  URL_EXTRACT_PORT: fn("KSQL_URL_EXTRACT_PORT", 1, 1),
  URL_ENCODE_PARAM: fn("URL_ENCODE", 1, 1),
  URL_DECODE_PARAM: fn("URL_DECODE", 1, 1),
  AS_VALUE: (args) => `(${args[0]})`,
  TIMESTAMPTOSTRING: fn("KSQL_TIMESTAMPTOSTRING", 2, 3),
  STRINGTOTIMESTAMP: fn("KSQL_STRINGTOTIMESTAMP", 2, 3),
  PARSE_TIMESTAMP: fn("KSQL_PARSE_TIMESTAMP", 2, 3),
  FORMAT_TIMESTAMP: fn("KSQL_FORMAT_TIMESTAMP", 2, 3),
  PARSE_DATE: fn("KSQL_PARSE_DATE", 2, 2),
  FORMAT_DATE: fn("KSQL_FORMAT_DATE", 2, 2),
  PARSE_TIME: fn("KSQL_PARSE_TIME", 2, 2),
  FORMAT_TIME: fn("KSQL_FORMAT_TIME", 2, 2),
  DATETOSTRING: fn("KSQL_DATETOSTRING", 2, 2),
  // UNIX_TIMESTAMP(): now; UNIX_TIMESTAMP(ts): the TIMESTAMP's epoch milliseconds
  UNIX_TIMESTAMP: (args, name) =>
    args.length === 0 ? "(UNIX_TIMESTAMP() * 1000)" : fn("KSQL_UNIX_TIMESTAMP", 1, 1)(args, name),
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
    case "EARLIEST_BY_OFFSET":
      return byOffset(e, args);
    case "TOPK":
    case "TOPKDISTINCT": {
      const k = literalArg(e, 1, "number");
      if (args.length !== 2 || k === undefined) {
        throw new KsqlError(`Function ${e.name} takes (column, k) with k an INTEGER literal`);
      }
      const type = args[0]?.type;
      if (type === undefined || !["INTEGER", "BIGINT", "DOUBLE"].includes(type.type)) {
        throw new KsqlUnsupportedError(`${e.name} of a non-numeric column`, "use an INT, BIGINT or DOUBLE column");
      }
      const array: KsqlType = { type: "ARRAY", element: type };
      return { sql: `CAST(KSQL_${e.name}(CAST(${a} AS DOUBLE), ${k}) AS ${flinkType(array)})`, type: array };
    }
    case "HISTOGRAM":
      if (args.length !== 1) throw new KsqlError(`Function HISTOGRAM takes 1 argument, not ${args.length}`);
      return {
        sql: `KSQL_HISTOGRAM(CAST(${a} AS STRING))`,
        type: { type: "MAP", key: { type: "STRING" }, value: { type: "BIGINT" } },
      };
    case "COLLECT_LIST":
      return { sql: `ARRAY_AGG(${a})` };
    case "COLLECT_SET":
      return { sql: `ARRAY_AGG(DISTINCT ${a})` };
    default:
      throw new KsqlUnsupportedError(`Aggregate function ${e.name}`);
  }
}

/** The value of literal argument `i` of `e` when it has type `type`. */
function literalArg(e: Expr & { k: "call" }, i: number, type: "number" | "boolean"): string | undefined {
  const arg = e.args[i];
  return arg?.k === "lit" && arg.type === type ? arg.value : undefined;
}

/**
 * LATEST_BY_OFFSET / EARLIEST_BY_OFFSET (col[, n][, ignoreNulls]): Flink's
 * LAST_VALUE / FIRST_VALUE (which skip NULLs) for the plain form, the
 * engine's KSQL_* aggregates otherwise — values pass as STRING and the
 * result is cast back to the column's type (an ARRAY of it with n).
 */
function byOffset(e: Expr & { k: "call" }, args: readonly TranslatedExpr[]): TranslatedExpr {
  const a = args[0]!.sql;
  const n = literalArg(e, 1, "number");
  const ignoreNulls = literalArg(e, n === undefined ? 1 : 2, "boolean") ?? "TRUE";
  const expected = 1 + (n === undefined ? 0 : 1) + (e.args.length > (n === undefined ? 1 : 2) ? 1 : 0);
  if (args.length === 0 || args.length > 3 || args.length !== expected) {
    throw new KsqlError(
      `Function ${e.name} takes (column[, n][, ignoreNulls]) with n an INTEGER and ignoreNulls a BOOLEAN literal`,
    );
  }
  const type = args[0]!.type;
  if (type && ["ARRAY", "MAP", "STRUCT"].includes(type.type) && (n !== undefined || ignoreNulls === "FALSE")) {
    throw new KsqlUnsupportedError(`${e.name} of a ${type.type} column with n or ignoreNulls`);
  }
  if (n === undefined && ignoreNulls === "TRUE") {
    const flink = e.name === "LATEST_BY_OFFSET" ? "LAST_VALUE" : "FIRST_VALUE";
    return type ? { sql: `${flink}(${a})`, type } : { sql: `${flink}(${a})` };
  }
  const element: KsqlType = type ?? { type: "STRING" };
  if (n === undefined) {
    return {
      sql: `CAST(KSQL_${e.name}(CAST(${a} AS STRING), ${ignoreNulls}) AS ${flinkType(element)})`,
      type: element,
    };
  }
  if (Number(n) < 1) throw new KsqlError(`Function ${e.name}: n must be at least 1, not ${n}`);
  const array: KsqlType = { type: "ARRAY", element };
  return {
    sql: `CAST(KSQL_${e.name}_N(CAST(${a} AS STRING), ${n}, ${ignoreNulls}) AS ${flinkType(array)})`,
    type: array,
  };
}

/** Names of the scalar and aggregate functions this server translates. */
export function supportedFunctions(): { scalar: string[]; aggregate: string[]; table: string[] } {
  return { scalar: Object.keys(SCALARS).sort(), aggregate: [...AGGREGATES].sort(), table: ["EXPLODE"] };
}
