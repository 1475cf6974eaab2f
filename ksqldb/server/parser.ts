/**
 * A recursive-descent parser for the ksqlDB statements this server runs:
 * CREATE STREAM/TABLE [AS SELECT], INSERT INTO, SELECT, SHOW/LIST, DESCRIBE,
 * DROP, TERMINATE, SET/UNSET. Statements ksqlDB has but this server does not
 * run fail with a {@link KsqlUnsupportedError} naming them.
 *
 * @module
 */
import type {
  ColumnDef,
  Expr,
  KsqlType,
  PropValue,
  SelectItem,
  SelectQuery,
  SourceRef,
  Statement,
  StatementBody,
  StructField,
  WindowClause,
} from "./ast.ts";
import { KsqlSyntaxError, KsqlUnsupportedError } from "./error.ts";
import { type Token, tokenize } from "./lexer.ts";

const CLAUSE_WORDS = new Set([
  "FROM",
  "WHERE",
  "GROUP",
  "WINDOW",
  "HAVING",
  "EMIT",
  "LIMIT",
  "PARTITION",
  "JOIN",
  "LEFT",
  "INNER",
  "FULL",
  "RIGHT",
  "OUTER",
  "ON",
  "WITHIN",
  "AS",
  "AND",
  "OR",
  "NOT",
  "IS",
  "IN",
  "LIKE",
  "BETWEEN",
  "WITH",
  "SELECT",
  "THEN",
  "ELSE",
  "END",
  "WHEN",
]);

const UNIT_MS: Readonly<Record<string, number>> = {
  MILLISECOND: 1,
  MILLISECONDS: 1,
  SECOND: 1000,
  SECONDS: 1000,
  MINUTE: 60_000,
  MINUTES: 60_000,
  HOUR: 3_600_000,
  HOURS: 3_600_000,
  DAY: 86_400_000,
  DAYS: 86_400_000,
};

/** How deep expressions and types may nest (parentheses, calls, CASE, NOT, signs, ARRAY/MAP/STRUCT types). */
export const MAX_NESTING_DEPTH = 200;

class Parser {
  #tokens: Token[];
  #pos = 0;
  #source: string;
  #depth = 0;

  constructor(source: string) {
    this.#source = source;
    this.#tokens = tokenize(source);
  }

  get peek(): Token {
    return this.#tokens[this.#pos]!;
  }

  peekAt(n: number): Token {
    return this.#tokens[Math.min(this.#pos + n, this.#tokens.length - 1)]!;
  }

  next(): Token {
    const token = this.peek;
    if (token.kind !== "eof") this.#pos++;
    return token;
  }

  fail(message: string, token: Token = this.peek): never {
    throw new KsqlSyntaxError(message, token);
  }

  atEnd(): boolean {
    return this.peek.kind === "eof";
  }

  isWord(...words: string[]): boolean {
    return this.peek.kind === "word" && words.includes(this.peek.value);
  }

  isSymbol(symbol: string): boolean {
    return this.peek.kind === "symbol" && this.peek.value === symbol;
  }

  acceptWord(...words: string[]): boolean {
    if (!this.isWord(...words)) return false;
    this.#pos++;
    return true;
  }

  acceptSymbol(symbol: string): boolean {
    if (!this.isSymbol(symbol)) return false;
    this.#pos++;
    return true;
  }

  expectWord(...words: string[]): string {
    if (!this.isWord(...words)) this.fail(`Expecting ${words.join(" or ")}, but found '${this.peek.raw || "<EOF>"}'`);
    return this.next().value;
  }

  expectSymbol(symbol: string): void {
    if (!this.acceptSymbol(symbol)) this.fail(`Expecting '${symbol}', but found '${this.peek.raw || "<EOF>"}'`);
  }

  /**
   * Runs `parse` one nesting level deeper; past {@link MAX_NESTING_DEPTH} it fails
   * at the current token instead of overflowing the call stack.
   */
  nested<T>(parse: () => T): T {
    if (this.#depth >= MAX_NESTING_DEPTH) {
      this.fail(
        `The statement nests deeper than the limit of ${MAX_NESTING_DEPTH} levels (parentheses, function calls, CASE, NOT, types); simplify it`,
      );
    }
    this.#depth++;
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  /** An identifier: unquoted upper-cased, quoted as written. */
  identifier(what = "an identifier"): { name: string; quoted: boolean } {
    const token = this.peek;
    if (token.kind === "word") {
      this.#pos++;
      return { name: token.value, quoted: false };
    }
    if (token.kind === "quoted") {
      this.#pos++;
      return { name: token.value, quoted: true };
    }
    this.fail(`Expecting ${what}, but found '${token.raw || "<EOF>"}'`);
  }

  // ---- statements ----

  statements(): Statement[] {
    const out: Statement[] = [];
    for (;;) {
      while (this.acceptSymbol(";"));
      if (this.peek.kind === "eof") return out;
      const start = this.peek.offset;
      const body = this.statement();
      const end = this.peek.offset;
      if (!this.acceptSymbol(";") && !this.atEnd()) {
        this.fail(`Expecting ';' after the statement, but found '${this.peek.raw}'`);
      }
      out.push({ ...body, text: `${this.#source.slice(start, end).trim()};` });
    }
  }

  statement(): StatementBody {
    const first = this.peek;
    if (first.kind !== "word") this.fail(`Expecting a statement, but found '${first.raw || "<EOF>"}'`);
    switch (first.value) {
      case "CREATE":
        return this.create();
      case "INSERT": {
        this.next();
        this.expectWord("INTO");
        const target = this.identifier("a stream name").name;
        if (this.isWord("VALUES") || this.isSymbol("(")) throw new KsqlUnsupportedError("INSERT INTO ... VALUES");
        return { kind: "insertInto", target, query: this.select() };
      }
      case "SELECT":
        return { kind: "select", query: this.select() };
      case "SHOW":
      case "LIST": {
        this.next();
        const what = this.expectWord(
          "STREAMS",
          "TABLES",
          "TOPICS",
          "QUERIES",
          "PROPERTIES",
          "FUNCTIONS",
          "ALL",
          "TYPES",
          "CONNECTORS",
          "VARIABLES",
        );
        if (what === "ALL") this.expectWord("TOPICS");
        const extended = this.acceptWord("EXTENDED");
        return { kind: "show", what: what === "ALL" ? "TOPICS" : what, extended };
      }
      case "DESCRIBE": {
        this.next();
        if (this.acceptWord("FUNCTION")) {
          return { kind: "describeFunction", name: this.identifier("a function name").name };
        }
        if (this.isWord("CONNECTOR", "STREAMS", "TABLES")) {
          throw new KsqlUnsupportedError(`DESCRIBE ${this.peek.value}`);
        }
        const name = this.identifier("a stream or table name").name;
        return { kind: "describe", name, extended: this.acceptWord("EXTENDED") };
      }
      case "DROP": {
        this.next();
        if (this.isWord("CONNECTOR", "TYPE")) throw new KsqlUnsupportedError(`DROP ${this.peek.value}`);
        const sourceType = this.expectWord("STREAM", "TABLE") as "STREAM" | "TABLE";
        let ifExists = false;
        if (this.acceptWord("IF")) {
          this.expectWord("EXISTS");
          ifExists = true;
        }
        const name = this.identifier(`a ${sourceType.toLowerCase()} name`).name;
        let deleteTopic = false;
        if (this.acceptWord("DELETE")) {
          this.expectWord("TOPIC");
          deleteTopic = true;
        }
        return { kind: "drop", sourceType, ifExists, name, deleteTopic };
      }
      case "TERMINATE": {
        this.next();
        if (this.acceptWord("ALL")) return { kind: "terminate", queryId: "ALL" };
        return { kind: "terminate", queryId: this.identifier("a query id").name };
      }
      case "SET": {
        this.next();
        const name = this.next();
        if (name.kind !== "string") {
          this.fail("Expecting a quoted property name, like SET 'auto.offset.reset' = 'earliest'", name);
        }
        this.expectSymbol("=");
        const value = this.next();
        if (value.kind !== "string") this.fail("Expecting a quoted property value", value);
        return { kind: "set", name: name.value, value: value.value };
      }
      case "UNSET": {
        this.next();
        const name = this.next();
        if (name.kind !== "string") this.fail("Expecting a quoted property name", name);
        return { kind: "unset", name: name.value };
      }
      case "EXPLAIN":
      case "PRINT":
      case "DEFINE":
      case "UNDEFINE":
      case "ALTER":
      case "PAUSE":
      case "RESUME":
      case "ASSERT":
        throw new KsqlUnsupportedError(`${first.value} statements`);
      default:
        this.fail(`Unknown statement '${first.raw}'`);
    }
  }

  create(): StatementBody {
    this.expectWord("CREATE");
    let orReplace = false;
    if (this.acceptWord("OR")) {
      this.expectWord("REPLACE");
      orReplace = true;
    }
    if (this.isWord("SOURCE")) throw new KsqlUnsupportedError("CREATE SOURCE STREAM/TABLE");
    if (this.isWord("SINK", "CONNECTOR", "TYPE")) throw new KsqlUnsupportedError(`CREATE ${this.peek.value}`);
    const sourceType = this.expectWord("STREAM", "TABLE") as "STREAM" | "TABLE";
    let ifNotExists = false;
    if (this.acceptWord("IF")) {
      this.expectWord("NOT");
      this.expectWord("EXISTS");
      ifNotExists = true;
    }
    const name = this.identifier(`a ${sourceType.toLowerCase()} name`).name;
    const columns: ColumnDef[] = [];
    if (this.acceptSymbol("(")) {
      do {
        const column = this.identifier("a column name");
        const type = this.type(true);
        let key: ColumnDef["key"] = "none";
        if (this.acceptWord("PRIMARY")) {
          this.expectWord("KEY");
          key = "PRIMARY KEY";
        } else if (this.acceptWord("KEY")) {
          key = "KEY";
        } else if (this.isWord("HEADERS", "HEADER")) {
          throw new KsqlUnsupportedError("HEADERS columns");
        }
        columns.push({ name: column.name, quoted: column.quoted, type, key });
      } while (this.acceptSymbol(","));
      this.expectSymbol(")");
    }
    const props = this.isWord("WITH") ? this.withProps() : {};
    if (this.acceptWord("AS")) {
      if (columns.length > 0) this.fail("A CREATE ... AS SELECT statement cannot declare columns");
      return { kind: "createAs", sourceType, orReplace, ifNotExists, name, props, query: this.select() };
    }
    if (columns.length === 0 && !this.isWord("AS")) {
      // ksqlDB infers columns only from a schema registry
      throw new KsqlUnsupportedError(
        "CREATE without a column list (schema inference needs Schema Registry)",
        "declare the columns",
      );
    }
    return { kind: "createSource", sourceType, orReplace, ifNotExists, name, columns, props };
  }

  withProps(): Record<string, PropValue> {
    this.expectWord("WITH");
    this.expectSymbol("(");
    const props: Record<string, PropValue> = {};
    do {
      const key = this.identifier("a property name").name.toUpperCase();
      this.expectSymbol("=");
      const value = this.next();
      if (value.kind === "string") props[key] = value.value;
      else if (value.kind === "number") props[key] = Number(value.value);
      else if (value.kind === "word" && (value.value === "TRUE" || value.value === "FALSE")) {
        props[key] = value.value === "TRUE";
      } else this.fail(`Expecting a literal value for property ${key}`, value);
    } while (this.acceptSymbol(","));
    this.expectSymbol(")");
    return props;
  }

  /** A type; `declared` keeps the JSON key of STRUCT fields (lower case unless quoted). */
  type(declared = false): KsqlType {
    return this.nested(() => this.typeBody(declared));
  }

  typeBody(declared: boolean): KsqlType {
    const token = this.next();
    if (token.kind !== "word") this.fail(`Expecting a type, but found '${token.raw || "<EOF>"}'`, token);
    switch (token.value) {
      case "STRING":
      case "VARCHAR":
        if (this.acceptSymbol("(")) {
          this.next();
          this.expectSymbol(")");
        }
        return { type: "STRING" };
      case "INT":
      case "INTEGER":
        return { type: "INTEGER" };
      case "BIGINT":
        return { type: "BIGINT" };
      case "DOUBLE":
        return { type: "DOUBLE" };
      case "BOOLEAN":
        return { type: "BOOLEAN" };
      case "TIMESTAMP":
      case "DATE":
      case "TIME":
      case "BYTES":
        return { type: token.value };
      case "DECIMAL": {
        this.expectSymbol("(");
        const precision = Number(this.next().value);
        this.expectSymbol(",");
        const scale = Number(this.next().value);
        this.expectSymbol(")");
        return { type: "DECIMAL", precision, scale };
      }
      case "ARRAY": {
        this.expectSymbol("<");
        const element = this.type(declared);
        this.expectSymbol(">");
        return { type: "ARRAY", element };
      }
      case "MAP": {
        this.expectSymbol("<");
        const key = this.type(declared);
        this.expectSymbol(",");
        const value = this.type(declared);
        this.expectSymbol(">");
        return { type: "MAP", key, value };
      }
      case "STRUCT": {
        this.expectSymbol("<");
        const fields: StructField[] = [];
        if (!this.isSymbol(">")) {
          do {
            const field = this.identifier("a field name");
            const type = this.type(declared);
            const json = field.quoted ? field.name : field.name.toLowerCase();
            fields.push(declared ? { name: field.name, type, json } : { name: field.name, type });
          } while (this.acceptSymbol(","));
        }
        this.expectSymbol(">");
        return { type: "STRUCT", fields };
      }
      default:
        this.fail(`Unknown type '${token.raw}'`, token);
    }
  }

  // ---- queries ----

  select(): SelectQuery {
    this.expectWord("SELECT");
    const items: SelectItem[] = [];
    do {
      if (this.acceptSymbol("*")) {
        items.push({ k: "star" });
        continue;
      }
      if (
        (this.peek.kind === "word" || this.peek.kind === "quoted") && this.peekAt(1).value === "." &&
        this.peekAt(2).value === "*"
      ) {
        const qualifier = this.identifier().name;
        this.next();
        this.next();
        items.push({ k: "star", qualifier });
        continue;
      }
      const expr = this.expr();
      const alias = this.alias();
      items.push(alias === undefined ? { k: "expr", expr } : { k: "expr", expr, alias });
    } while (this.acceptSymbol(","));
    this.expectWord("FROM");
    const from = this.sourceRef();
    let join: SelectQuery["join"];
    if (this.isWord("JOIN", "LEFT", "INNER", "FULL", "RIGHT", "OUTER")) {
      let type = "INNER";
      if (this.isWord("LEFT", "FULL", "RIGHT", "INNER")) type = this.next().value;
      this.acceptWord("OUTER");
      this.expectWord("JOIN");
      const source = this.sourceRef();
      if (this.acceptWord("WITHIN")) throw new KsqlUnsupportedError("Stream-stream joins (JOIN ... WITHIN)");
      this.expectWord("ON");
      join = { type, source, on: this.expr() };
      if (this.isWord("JOIN", "LEFT", "INNER", "FULL", "RIGHT")) {
        throw new KsqlUnsupportedError("Joins of more than two sources");
      }
    }
    let window: WindowClause | undefined;
    if (this.acceptWord("WINDOW")) window = this.windowClause();
    const where = this.acceptWord("WHERE") ? this.expr() : undefined;
    let groupBy: Expr[] | undefined;
    let partitionBy: Expr[] | undefined;
    if (this.acceptWord("GROUP")) {
      this.expectWord("BY");
      groupBy = this.exprList();
    }
    if (this.acceptWord("PARTITION")) {
      this.expectWord("BY");
      partitionBy = this.exprList();
    }
    const having = this.acceptWord("HAVING") ? this.expr() : undefined;
    let emit: SelectQuery["emit"];
    if (this.acceptWord("EMIT")) emit = this.expectWord("CHANGES", "FINAL") as "CHANGES" | "FINAL";
    let limit: number | undefined;
    if (this.acceptWord("LIMIT")) {
      const token = this.next();
      if (token.kind !== "number" || !/^\d+$/.test(token.value)) {
        this.fail("Expecting a whole number after LIMIT", token);
      }
      limit = Number(token.value);
    }
    return {
      items,
      from,
      ...(join ? { join } : {}),
      ...(window ? { window } : {}),
      ...(where ? { where } : {}),
      ...(groupBy ? { groupBy } : {}),
      ...(partitionBy ? { partitionBy } : {}),
      ...(having ? { having } : {}),
      ...(emit ? { emit } : {}),
      ...(limit !== undefined ? { limit } : {}),
    };
  }

  alias(): string | undefined {
    if (this.acceptWord("AS")) return this.identifier("an alias").name;
    if (this.peek.kind === "quoted" || (this.peek.kind === "word" && !CLAUSE_WORDS.has(this.peek.value))) {
      return this.identifier().name;
    }
    return undefined;
  }

  sourceRef(): SourceRef {
    if (this.isSymbol("(")) throw new KsqlUnsupportedError("Subqueries");
    const name = this.identifier("a stream or table name").name;
    const alias = this.alias();
    return alias === undefined ? { name } : { name, alias };
  }

  windowClause(): WindowClause {
    const type = this.expectWord("TUMBLING", "HOPPING", "SESSION") as WindowClause["type"];
    this.expectSymbol("(");
    let sizeMs = 0;
    let advanceMs: number | undefined;
    if (type === "SESSION") {
      sizeMs = this.duration();
    } else {
      do {
        if (this.acceptWord("SIZE")) sizeMs = this.duration();
        else if (this.acceptWord("ADVANCE")) {
          this.expectWord("BY");
          advanceMs = this.duration();
        } else if (this.isWord("RETENTION", "GRACE")) {
          // parsed but not applied would be silently wrong: name it
          throw new KsqlUnsupportedError(
            `${this.peek.value === "GRACE" ? "GRACE PERIOD" : "RETENTION"} in a WINDOW clause`,
            "remove it: a window here takes late records and keeps its state for as long as the query runs",
          );
        } else this.fail("Expecting SIZE, ADVANCE BY, RETENTION or GRACE PERIOD");
      } while (this.acceptSymbol(","));
    }
    this.expectSymbol(")");
    if (type === "HOPPING" && advanceMs === undefined) this.fail("A HOPPING window needs ADVANCE BY");
    return advanceMs === undefined ? { type, sizeMs } : { type, sizeMs, advanceMs };
  }

  duration(): number {
    const amount = this.next();
    if (amount.kind !== "number") this.fail("Expecting a duration like 1 MINUTE", amount);
    const unit = this.next();
    const ms = UNIT_MS[unit.value];
    if (unit.kind !== "word" || ms === undefined) {
      this.fail(`Expecting a time unit (SECONDS, MINUTES, ...), but found '${unit.raw}'`, unit);
    }
    return Number(amount.value) * ms;
  }

  exprList(): Expr[] {
    const out = [this.expr()];
    while (this.acceptSymbol(",")) out.push(this.expr());
    return out;
  }

  // ---- expressions, lowest precedence first ----

  expr(): Expr {
    return this.nested(() => this.or());
  }

  or(): Expr {
    let left = this.and();
    while (this.acceptWord("OR")) left = { k: "bin", op: "OR", left, right: this.and() };
    return left;
  }

  and(): Expr {
    let left = this.not();
    while (this.acceptWord("AND")) left = { k: "bin", op: "AND", left, right: this.not() };
    return left;
  }

  not(): Expr {
    if (this.acceptWord("NOT")) return { k: "not", expr: this.nested(() => this.not()) };
    return this.comparison();
  }

  comparison(): Expr {
    const left = this.concat();
    if (this.peek.kind === "symbol" && ["=", "<>", "!=", "<", "<=", ">", ">="].includes(this.peek.value)) {
      const op = this.next().value;
      return { k: "bin", op: op === "!=" ? "<>" : op, left, right: this.concat() };
    }
    if (this.acceptWord("IS")) {
      const not = this.acceptWord("NOT");
      if (this.acceptWord("DISTINCT")) {
        this.expectWord("FROM");
        return { k: "bin", op: not ? "IS NOT DISTINCT FROM" : "IS DISTINCT FROM", left, right: this.concat() };
      }
      this.expectWord("NULL");
      return { k: "isnull", expr: left, not };
    }
    const not = this.isWord("NOT") && ["BETWEEN", "IN", "LIKE"].includes(this.peekAt(1).value)
      ? (this.next(), true)
      : false;
    if (this.acceptWord("BETWEEN")) {
      const low = this.concat();
      this.expectWord("AND");
      return { k: "between", expr: left, low, high: this.concat(), not };
    }
    if (this.acceptWord("IN")) {
      this.expectSymbol("(");
      const list = this.exprList();
      this.expectSymbol(")");
      return { k: "in", expr: left, list, not };
    }
    if (this.acceptWord("LIKE")) return { k: "like", expr: left, pattern: this.concat(), not };
    return left;
  }

  concat(): Expr {
    let left = this.additive();
    while (this.acceptSymbol("||")) left = { k: "bin", op: "||", left, right: this.additive() };
    return left;
  }

  additive(): Expr {
    let left = this.multiplicative();
    while (this.isSymbol("+") || this.isSymbol("-")) {
      const op = this.next().value;
      left = { k: "bin", op, left, right: this.multiplicative() };
    }
    return left;
  }

  multiplicative(): Expr {
    let left = this.unary();
    while (this.isSymbol("*") || this.isSymbol("/") || this.isSymbol("%")) {
      const op = this.next().value;
      left = { k: "bin", op, left, right: this.unary() };
    }
    return left;
  }

  unary(): Expr {
    if (this.acceptSymbol("-")) return { k: "neg", expr: this.nested(() => this.unary()) };
    if (this.acceptSymbol("+")) return this.nested(() => this.unary());
    return this.postfix();
  }

  postfix(): Expr {
    let base = this.primary();
    for (;;) {
      if (this.acceptSymbol("[")) {
        const index = this.expr();
        this.expectSymbol("]");
        base = { k: "index", base, index };
      } else if (this.acceptSymbol("->")) {
        base = { k: "deref", base, field: this.identifier("a field name").name };
      } else if (this.isSymbol("::")) {
        throw new KsqlUnsupportedError("The '::' cast operator", "use CAST(x AS type)");
      } else {
        return base;
      }
    }
  }

  primary(): Expr {
    const token = this.peek;
    if (token.kind === "number") {
      this.next();
      return { k: "lit", type: "number", value: token.value };
    }
    if (token.kind === "string") {
      this.next();
      return { k: "lit", type: "string", value: token.value };
    }
    if (this.acceptSymbol("(")) {
      if (this.isWord("SELECT")) throw new KsqlUnsupportedError("Subqueries");
      const inner = this.expr();
      this.expectSymbol(")");
      return inner;
    }
    if (token.kind === "quoted") {
      this.next();
      return this.qualified(token.value);
    }
    if (token.kind !== "word") this.fail(`Expecting an expression, but found '${token.raw || "<EOF>"}'`);
    switch (token.value) {
      case "TRUE":
      case "FALSE":
        this.next();
        return { k: "lit", type: "boolean", value: token.value };
      case "NULL":
        this.next();
        return { k: "lit", type: "null", value: "NULL" };
      case "CASE":
        return this.caseExpr();
      case "CAST": {
        this.next();
        this.expectSymbol("(");
        const expr = this.expr();
        this.expectWord("AS");
        const to = this.type();
        this.expectSymbol(")");
        return { k: "cast", expr, to };
      }
      case "INTERVAL":
        throw new KsqlUnsupportedError("INTERVAL literals");
      case "ARRAY":
      case "MAP":
      case "STRUCT":
        if (this.peekAt(1).value === "[" || this.peekAt(1).value === "(") {
          throw new KsqlUnsupportedError(`${token.value} constructors`);
        }
    }
    this.next();
    if (this.acceptSymbol("(")) {
      if (this.acceptSymbol("*")) {
        this.expectSymbol(")");
        return { k: "call", name: token.value, args: [], star: true };
      }
      const distinct = this.acceptWord("DISTINCT");
      const args = this.isSymbol(")") ? [] : this.exprList();
      this.expectSymbol(")");
      return distinct ? { k: "call", name: token.value, args, distinct } : { k: "call", name: token.value, args };
    }
    return this.qualified(token.value);
  }

  qualified(name: string): Expr {
    if (this.isSymbol(".") && (this.peekAt(1).kind === "word" || this.peekAt(1).kind === "quoted")) {
      this.next();
      return { k: "col", name: this.identifier().name, qualifier: name };
    }
    return { k: "col", name };
  }

  caseExpr(): Expr {
    this.expectWord("CASE");
    const operand = this.isWord("WHEN") ? undefined : this.expr();
    const whens: { when: Expr; then: Expr }[] = [];
    while (this.acceptWord("WHEN")) {
      const when = this.expr();
      this.expectWord("THEN");
      whens.push({ when, then: this.expr() });
    }
    if (whens.length === 0) this.fail("Expecting WHEN");
    const otherwise = this.acceptWord("ELSE") ? this.expr() : undefined;
    this.expectWord("END");
    return { k: "case", ...(operand ? { operand } : {}), whens, ...(otherwise ? { otherwise } : {}) };
  }
}

/**
 * Parses `text` into statements, each with its own text (ending in `;`).
 *
 * @throws {KsqlSyntaxError} With ksqlDB's `line L:C: Syntax Error` message.
 * @throws {KsqlUnsupportedError} For ksqlDB statements and clauses this server does not run.
 */
export function parseKsql(text: string): Statement[] {
  return new Parser(text).statements();
}

/** A piece of text between top-level semicolons; `code` when it holds a token (not only comments). */
interface Piece {
  readonly start: number;
  readonly end: number;
  readonly code: boolean;
}

/**
 * `text` cut at its top-level `;` tokens (the lexer skips strings, quoted names
 * and comments); from a lexical error on (say an unterminated string) the rest
 * is one last piece, for the parser to report.
 */
function pieces(text: string): Piece[] {
  let tokens: Token[];
  let tail = false;
  try {
    tokens = tokenize(text);
  } catch (error) {
    if (!(error instanceof KsqlSyntaxError)) throw error;
    tokens = tokenize(text.slice(0, error.offset));
    tail = true;
  }
  const out: Piece[] = [];
  let start = 0;
  let code = false;
  for (const token of tokens) {
    if (token.kind === "eof") break;
    if (token.kind === "symbol" && token.value === ";") {
      out.push({ start, end: token.offset, code });
      start = token.offset + 1;
      code = false;
    } else code = true;
  }
  out.push({ start, end: text.length, code: code || tail });
  return out;
}

function pieceText(text: string, piece: Piece): string {
  return `${text.slice(piece.start, piece.end).trim()};`;
}

/**
 * The statement of `text` (up to its `;`) that contains `offset`: names the
 * statement a syntax error is in.
 */
export function statementAt(text: string, offset: number): string {
  const all = pieces(text);
  return pieceText(text, all.find((p) => p.end >= offset) ?? all[all.length - 1]!);
}

/**
 * Splits `text` at top-level semicolons (outside strings, quoted names and
 * `--` or `/* *\/` comments) into statements, each ending in `;`; comment-only pieces are dropped.
 */
export function splitStatements(text: string): string[] {
  return pieces(text).filter((p) => p.code).map((p) => pieceText(text, p));
}
