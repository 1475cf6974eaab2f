/**
 * ksqlDB's string functions, from its scalar-functions reference: INSTR with
 * 2-4 arguments (1-based, negative positions search backwards), INITCAP,
 * LPAD/RPAD, SPLIT, SPLIT_TO_MAP, REGEXP_*, SUBSTRING, CONCAT, LEN, TRIM.
 *
 * @module
 */
import { scalarCases } from "./_scalar.ts";

/** The family's cases. */
export const cases = scalarCases("S STRING", { S: "hello world" }, [
  ["UCASE, LEN, TRIM and CONCAT", "CONCAT(UCASE(S), '-', CAST(LEN(TRIM(S)) AS STRING))", "HELLO WORLD-11", true],
  ["SUBSTRING from a 1-based position", "SUBSTRING(S, 7)", "world", true],
  ["SUBSTRING with a length", "SUBSTRING(S, 1, 5)", "hello"],
  ["INSTR of a substring", "INSTR(S, 'o')", 5, true],
  ["INSTR from a position", "INSTR(S, 'o', 6)", 8],
  ["INSTR of the second occurrence", "INSTR(S, 'o', 1, 2)", 8],
  ["INSTR from a negative position searches backwards", "INSTR(S, 'o', -1)", 8],
  ["INSTR of a missing substring is 0", "INSTR(S, 'z')", 0],
  ["INITCAP", "INITCAP('hello wORLD')", "Hello World"],
  ["LPAD", "LPAD('ab', 5, 'x')", "xxxab"],
  ["RPAD truncates to the length", "RPAD(S, 3, 'x')", "hel"],
  ["REPLACE", "REPLACE(S, 'o', '0')", "hell0 w0rld"],
  ["REGEXP_REPLACE", "REGEXP_REPLACE(S, 'o.', 'X')", "hellXwXld"],
  ["REGEXP_EXTRACT of a group", "REGEXP_EXTRACT('(\\w+) world', S, 1)", "hello"],
  ["SPLIT into an array", "SPLIT('a,b,c', ',')", ["a", "b", "c"]],
  ["SPLIT_TO_MAP", "SPLIT_TO_MAP('a=1;b=2', ';', '=')", { a: "1", b: "2" }],
  ["REVERSE", "REVERSE('abc')", "cba"],
]);
