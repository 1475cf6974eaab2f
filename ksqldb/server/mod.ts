/**
 * tickpipe's ksqlDB-compatible REST server: lexer, parser and AST of ksqlDB's SQL, its translation
 * to Flink SQL, the catalog, the executor and the HTTP API on 127.0.0.1:8088; the Flink engine it
 * drives is ../flink (Java).
 *
 * Imports lib/kafka and lib/util.
 *
 * @module
 */
export type { Statement } from "./ast.ts";
export { parseKsql, splitStatements } from "./parser.ts";
