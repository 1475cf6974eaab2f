/**
 * The syntax tree of the ksqlDB statements this server understands, and ksqlDB's
 * SQL types.
 *
 * @module
 */

/** A ksqlDB SQL type; STRUCT fields may carry the JSON key they are read from. */
export type KsqlType =
  | { readonly type: "STRING" | "INTEGER" | "BIGINT" | "DOUBLE" | "BOOLEAN" | "TIMESTAMP" | "DATE" | "TIME" | "BYTES" }
  | { readonly type: "DECIMAL"; readonly precision: number; readonly scale: number }
  | { readonly type: "ARRAY"; readonly element: KsqlType }
  | { readonly type: "MAP"; readonly key: KsqlType; readonly value: KsqlType }
  | { readonly type: "STRUCT"; readonly fields: readonly StructField[] };

/** A STRUCT field: ksqlDB `name`; `json` is the key in the topic's JSON when it differs. */
export interface StructField {
  readonly name: string;
  readonly type: KsqlType;
  readonly json?: string;
}

/** An expression. */
export type Expr =
  | { readonly k: "col"; readonly name: string; readonly qualifier?: string }
  | { readonly k: "lit"; readonly type: "string" | "number" | "boolean" | "null"; readonly value: string }
  | { readonly k: "deref"; readonly base: Expr; readonly field: string }
  | { readonly k: "index"; readonly base: Expr; readonly index: Expr }
  | {
    readonly k: "call";
    readonly name: string;
    readonly args: readonly Expr[];
    readonly star?: boolean;
    readonly distinct?: boolean;
  }
  | { readonly k: "bin"; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly k: "not"; readonly expr: Expr }
  | { readonly k: "neg"; readonly expr: Expr }
  | { readonly k: "isnull"; readonly expr: Expr; readonly not: boolean }
  | { readonly k: "between"; readonly expr: Expr; readonly low: Expr; readonly high: Expr; readonly not: boolean }
  | { readonly k: "in"; readonly expr: Expr; readonly list: readonly Expr[]; readonly not: boolean }
  | { readonly k: "like"; readonly expr: Expr; readonly pattern: Expr; readonly not: boolean }
  | {
    readonly k: "case";
    readonly operand?: Expr;
    readonly whens: readonly { when: Expr; then: Expr }[];
    readonly otherwise?: Expr;
  }
  | { readonly k: "cast"; readonly expr: Expr; readonly to: KsqlType };

/** One item of a SELECT list; `star` for `*` or `src.*`. */
export type SelectItem =
  | { readonly k: "expr"; readonly expr: Expr; readonly alias?: string }
  | { readonly k: "star"; readonly qualifier?: string };

/** A WINDOW clause, sizes in milliseconds. */
export interface WindowClause {
  readonly type: "TUMBLING" | "HOPPING" | "SESSION";
  readonly sizeMs: number;
  readonly advanceMs?: number;
}

/** A source reference in FROM / JOIN. */
export interface SourceRef {
  readonly name: string;
  readonly alias?: string;
}

/** A SELECT query. */
export interface SelectQuery {
  readonly items: readonly SelectItem[];
  readonly from: SourceRef;
  readonly join?: { readonly type: string; readonly source: SourceRef; readonly on: Expr };
  readonly window?: WindowClause;
  readonly where?: Expr;
  readonly groupBy?: readonly Expr[];
  readonly partitionBy?: readonly Expr[];
  readonly having?: Expr;
  readonly emit?: "CHANGES" | "FINAL";
  readonly limit?: number;
}

/** A column in CREATE STREAM/TABLE. */
export interface ColumnDef {
  readonly name: string;
  /** Whether the name was quoted (case kept as written). */
  readonly quoted: boolean;
  readonly type: KsqlType;
  readonly key: "none" | "KEY" | "PRIMARY KEY";
}

/** A literal WITH property value. */
export type PropValue = string | number | boolean;

/** A parsed statement without its text. */
export type StatementBody =
  | {
    readonly kind: "createSource";
    readonly sourceType: "STREAM" | "TABLE";
    readonly orReplace: boolean;
    readonly ifNotExists: boolean;
    readonly name: string;
    readonly columns: readonly ColumnDef[];
    readonly props: Readonly<Record<string, PropValue>>;
  }
  | {
    readonly kind: "createAs";
    readonly sourceType: "STREAM" | "TABLE";
    readonly orReplace: boolean;
    readonly ifNotExists: boolean;
    readonly name: string;
    readonly props: Readonly<Record<string, PropValue>>;
    readonly query: SelectQuery;
  }
  | { readonly kind: "insertInto"; readonly target: string; readonly query: SelectQuery }
  | { readonly kind: "select"; readonly query: SelectQuery }
  | { readonly kind: "show"; readonly what: string; readonly extended: boolean }
  | { readonly kind: "describe"; readonly name: string; readonly extended: boolean }
  | { readonly kind: "describeFunction"; readonly name: string }
  | {
    readonly kind: "drop";
    readonly sourceType: "STREAM" | "TABLE";
    readonly ifExists: boolean;
    readonly name: string;
    readonly deleteTopic: boolean;
  }
  | { readonly kind: "terminate"; readonly queryId: string | "ALL" }
  | { readonly kind: "set"; readonly name: string; readonly value: string }
  | { readonly kind: "unset"; readonly name: string };

/** A parsed statement, with its text (ending in `;`) for responses. */
export type Statement = StatementBody & { readonly text: string };
