/**
 * Splits ksqlDB SQL text into tokens, keeping each token's offset, line and
 * column for error messages in ksqlDB's "line L:C: ..." form.
 *
 * @module
 */
import { KsqlSyntaxError } from "./error.ts";

/** Token kinds: unquoted words (upper-cased in `value`), `quoted` identifiers, literals, symbols. */
export type TokenKind = "word" | "quoted" | "string" | "number" | "symbol" | "eof";

/** One token. */
export interface Token {
  readonly kind: TokenKind;
  /** Words upper-cased, quoted identifiers and strings unescaped, symbols as written. */
  readonly value: string;
  /** The source text of the token. */
  readonly raw: string;
  readonly offset: number;
  readonly line: number;
  readonly column: number;
}

const SYMBOLS = [
  "->",
  "<=",
  ">=",
  "<>",
  "!=",
  "||",
  "::",
  "(",
  ")",
  "<",
  ">",
  ",",
  ";",
  ".",
  "*",
  "+",
  "-",
  "/",
  "%",
  "[",
  "]",
  "=",
  ":",
];

/**
 * Tokenizes `text`; comments (`-- ...`, `/* ... *\/`) are skipped.
 *
 * @throws {KsqlSyntaxError} On an unterminated string, quoted identifier or comment, or an unknown character.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (offset: number) => ({ offset, line, column: offset - lineStart + 1 });
  const advanceLines = (from: number, to: number) => {
    for (let j = from; j < to; j++) {
      if (text[j] === "\n") {
        line++;
        lineStart = j + 1;
      }
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      lineStart = ++i;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "-" && text[i + 1] === "-") {
      while (i < text.length && text[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      if (end < 0) throw new KsqlSyntaxError("Unterminated comment", at(i));
      advanceLines(i, end);
      i = end + 2;
      continue;
    }
    const start = at(i);
    if (c === "'" || c === "`" || c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) {
          throw new KsqlSyntaxError(
            c === "'" ? "Unterminated string literal" : "Unterminated quoted identifier",
            start,
          );
        }
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      advanceLines(i, j);
      tokens.push({ kind: c === "'" ? "string" : "quoted", value, raw: text.slice(i, j + 1), ...start });
      i = j + 1;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const match = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i))!;
      tokens.push({ kind: "number", value: match[0], raw: match[0], ...start });
      i += match[0].length;
      continue;
    }
    if (/[A-Za-z_$@]/.test(c)) {
      const match = /^[A-Za-z_$@][A-Za-z0-9_$@]*/.exec(text.slice(i))!;
      tokens.push({ kind: "word", value: match[0].toUpperCase(), raw: match[0], ...start });
      i += match[0].length;
      continue;
    }
    const symbol = SYMBOLS.find((s) => text.startsWith(s, i));
    if (symbol === undefined) throw new KsqlSyntaxError(`Unexpected character '${c}'`, start);
    tokens.push({ kind: "symbol", value: symbol, raw: symbol, ...start });
    i += symbol.length;
  }
  tokens.push({ kind: "eof", value: "<EOF>", raw: "", ...at(text.length) });
  return tokens;
}
