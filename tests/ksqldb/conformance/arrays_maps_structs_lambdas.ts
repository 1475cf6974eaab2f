/**
 * Collections, from ksqlDB's data-types and lambda-functions docs: 1-based
 * (and negative) array subscripts, ARRAY/MAP/STRUCT constructors, struct
 * `->`, map lookup, TRANSFORM/FILTER/REDUCE, ARRAY_LENGTH, ARRAY_CONTAINS.
 *
 * @module
 */
import { scalarCases } from "./_scalar.ts";

/** The family's cases. */
export const cases = scalarCases(
  "A ARRAY<INT>, M MAP<STRING, INT>, ST STRUCT<X INT, NAME STRING>, V INT",
  { A: [1, 2, 3], M: { a: 10 }, ST: { X: 5, NAME: "n" }, V: 4 },
  [
    ["array subscripts are 1-based", "A[1]", 1, true],
    ["a negative subscript counts from the end", "A[-1]", 3],
    ["a subscript past the end is NULL", "A[5]", null],
    ["map lookup", "M['a']", 10, true],
    ["struct field", "ST->NAME", "n", true],
    ["ARRAY constructor", "ARRAY[V, V + 1]", [4, 5]],
    ["MAP constructor", "MAP('k' := V)", { k: 4 }],
    ["STRUCT constructor", "STRUCT(Y := V, Z := 'z')", { Y: 4, Z: "z" }],
    ["ARRAY_LENGTH", "ARRAY_LENGTH(A)", 3],
    ["ARRAY_CONTAINS", "ARRAY_CONTAINS(A, 2)", true],
    ["TRANSFORM an array", "TRANSFORM(A, x => x * 2)", [2, 4, 6]],
    ["FILTER an array", "FILTER(A, x => x > 1)", [2, 3]],
    ["REDUCE an array", "REDUCE(A, 0, (s, x) => s + x)", 6],
    ["ARRAY_MAX", "ARRAY_MAX(A)", 3],
  ],
);
