/**
 * ksqlDB's JSON and URL functions, from its scalar-functions reference:
 * EXTRACTJSONFIELD, JSON_ARRAY_LENGTH, JSON_KEYS, IS_JSON_STRING,
 * JSON_ARRAY_CONTAINS, and URL_EXTRACT_* / URL_ENCODE_PARAM / URL_DECODE_PARAM.
 *
 * @module
 */
import { scalarCases } from "./_scalar.ts";

const URL = "http://user@www.example.com:8080/docs/a.html?q=1&r=two#frag";

/** The family's cases. */
export const cases = scalarCases("J STRING, U STRING", { J: '{"a":{"b":"deep"},"n":[1,2,3]}', U: URL }, [
  ["EXTRACTJSONFIELD of a nested field", "EXTRACTJSONFIELD(J, '$.a.b')", "deep", true],
  ["JSON_ARRAY_LENGTH", "JSON_ARRAY_LENGTH('[1,2,3]')", 3],
  ["JSON_KEYS", "JSON_KEYS(J)", ["a", "n"]],
  ["IS_JSON_STRING", "IS_JSON_STRING(J)", true],
  ["JSON_ARRAY_CONTAINS", "JSON_ARRAY_CONTAINS('[1,2,3]', 2)", true],
  ["URL_EXTRACT_HOST", "URL_EXTRACT_HOST(U)", "www.example.com", true],
  ["URL_EXTRACT_PORT", "URL_EXTRACT_PORT(U)", 8080],
  ["URL_EXTRACT_PATH", "URL_EXTRACT_PATH(U)", "/docs/a.html"],
  ["URL_EXTRACT_QUERY", "URL_EXTRACT_QUERY(U)", "q=1&r=two"],
  ["URL_EXTRACT_PARAMETER", "URL_EXTRACT_PARAMETER(U, 'r')", "two"],
  ["URL_EXTRACT_PROTOCOL", "URL_EXTRACT_PROTOCOL(U)", "http"],
  ["URL_EXTRACT_FRAGMENT", "URL_EXTRACT_FRAGMENT(U)", "frag"],
  ["URL_ENCODE_PARAM", "URL_ENCODE_PARAM('a b&c')", "a+b%26c"],
  ["URL_DECODE_PARAM", "URL_DECODE_PARAM('a%20b')", "a b"],
]);
