/**
 * tickpipe's ksqlDB-compatible server on Apache Flink: ksqlDB's REST API
 * (server.ts), the ksqlDB dialect's parser (parse_ksql.ts) and its
 * translation to Flink SQL (translate_query.ts), the metastore (catalog.ts)
 * and the client of the Flink engine (flink_engine_client.ts, engine in
 * stack/flink).
 *
 * @module
 */
export { type KsqldbServer, serveKsqldb, type ServeOptions } from "./server.ts";
export { type KsqldbConfig, loadKsqldbConfig } from "./ksqldb_config.ts";
export { parseKsql, splitStatements, statementAt } from "./parse_ksql.ts";
export { type TranslatedQuery, translateQuery } from "./translate_query.ts";
export { Catalog } from "./catalog.ts";
export { FlinkEngineClient } from "./flink_engine_client.ts";
export { KSQL_VERSION, KsqlExecutor } from "./ksql_executor.ts";
export { FlinkEngineError, KsqlError, KsqlSyntaxError, KsqlUnsupportedError } from "./ksql_error.ts";
export type { KsqlType, Statement } from "./ksql_ast.ts";
