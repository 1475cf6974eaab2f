/**
 * ksqlDB's math functions, from its scalar-functions reference: ABS, CEIL,
 * FLOOR, ROUND (BIGINT for one argument), SQRT, POWER, EXP, LN, trigonometry,
 * SIGN, GREATEST/LEAST, and `%`.
 *
 * @module
 */
import { scalarCases } from "./_scalar.ts";

/** The family's cases. */
export const cases = scalarCases("D DOUBLE, I INT", { D: 2.5, I: -7 }, [
  ["ABS of an INT", "ABS(I)", 7, true],
  ["CEIL and FLOOR", "CEIL(D) + FLOOR(D)", 5],
  ["ROUND with decimals", "ROUND(1.234, 2)", 1.23, true],
  ["ROUND of a DOUBLE rounds half up", "ROUND(D)", 3],
  ["SQRT", "SQRT(16.0)", 4],
  ["POWER", "POWER(2.0, 10.0)", 1024],
  ["EXP and LN", "LN(EXP(1.0))", 1],
  ["SIN and COS", "SIN(0.0) + COS(0.0)", 1],
  ["ACOS", "ACOS(1.0)", 0],
  ["ASIN", "ASIN(0.0)", 0],
  ["ATAN2", "ATAN2(0.0, 1.0)", 0],
  ["RADIANS and DEGREES", "DEGREES(RADIANS(180.0))", 180],
  ["SIGN of a negative INT", "SIGN(I)", -1],
  ["GREATEST of INTs", "GREATEST(1, 5, 3)", 5, true],
  ["LEAST of DOUBLEs", "LEAST(D, 1.5)", 1.5],
  ["modulo", "I % 3", -1],
  ["integer division truncates", "I / 2", -3],
]);
