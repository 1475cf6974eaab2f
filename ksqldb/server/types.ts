/**
 * ksqlDB SQL types: how ksqlDB prints them, their Flink SQL equivalents, and
 * conversions of the Flink engine's types and values back to ksqlDB's.
 *
 * @module
 */
import type { KsqlType, StructField } from "./ast.ts";

/** Quotes an identifier with backticks, as ksqlDB prints it. */
export function quoteName(name: string): string {
  return `\`${name.replaceAll("`", "``")}\``;
}

/** ksqlDB's text for `type`, e.g. `STRUCT<\`TICKER\` STRING>`. */
export function formatType(type: KsqlType): string {
  switch (type.type) {
    case "DECIMAL":
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case "ARRAY":
      return `ARRAY<${formatType(type.element)}>`;
    case "MAP":
      return `MAP<${formatType(type.key)}, ${formatType(type.value)}>`;
    case "STRUCT":
      return `STRUCT<${type.fields.map((f) => `${quoteName(f.name)} ${formatType(f.type)}`).join(", ")}>`;
    default:
      return type.type;
  }
}

/** The Flink SQL type for `type`; STRUCT fields use their JSON key. */
export function flinkType(type: KsqlType): string {
  switch (type.type) {
    case "STRING":
      return "STRING";
    case "INTEGER":
      return "INT";
    case "TIMESTAMP":
      return "TIMESTAMP(3)";
    case "DECIMAL":
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case "ARRAY":
      return `ARRAY<${flinkType(type.element)}>`;
    case "MAP":
      return `MAP<${flinkType(type.key)}, ${flinkType(type.value)}>`;
    case "STRUCT":
      return type.fields.length === 0
        ? "ROW<`$EMPTY` STRING>"
        : `ROW<${type.fields.map((f) => `${quoteName(f.json ?? f.name)} ${flinkType(f.type)}`).join(", ")}>`;
    default:
      return type.type;
  }
}

/** A type as the Flink engine describes it (see ksqldb/flink FlinkEngine#typeJson). */
export interface EngineType {
  readonly type: string;
  readonly precision?: number;
  readonly scale?: number;
  readonly element?: EngineType;
  readonly key?: EngineType;
  readonly value?: EngineType;
  readonly fields?: readonly { readonly name: string; readonly type: EngineType }[];
  readonly flinkType?: string;
}

/**
 * The ksqlDB type of an engine type. STRUCT field names are upper-cased (ksqlDB
 * style) and remember the engine's name in `json` unless `rename` is false.
 *
 * @throws {TypeError} For Flink types ksqlDB has no equivalent of.
 */
export function fromEngineType(type: EngineType, rename = true): KsqlType {
  switch (type.type) {
    case "STRING":
    case "INTEGER":
    case "BIGINT":
    case "DOUBLE":
    case "BOOLEAN":
    case "TIMESTAMP":
    case "DATE":
    case "TIME":
    case "BYTES":
      return { type: type.type };
    case "DECIMAL":
      return { type: "DECIMAL", precision: type.precision ?? 10, scale: type.scale ?? 0 };
    case "ARRAY":
      return { type: "ARRAY", element: fromEngineType(type.element!, rename) };
    case "MAP":
      return { type: "MAP", key: fromEngineType(type.key!, rename), value: fromEngineType(type.value!, rename) };
    case "STRUCT":
      return {
        type: "STRUCT",
        fields: (type.fields ?? []).map((f): StructField =>
          rename
            ? { name: f.name.toUpperCase(), type: fromEngineType(f.type, rename), json: f.name }
            : { name: f.name, type: fromEngineType(f.type, rename) }
        ),
      };
    default:
      throw new TypeError(
        `The query produces a value of Flink type "${
          type.flinkType ?? type.type
        }", which ksqlDB has no type for; CAST it`,
      );
  }
}

/** Drops the `json` keys: the type as written to a topic this server creates (keys = ksqlDB names). */
export function withKsqlNames(type: KsqlType): KsqlType {
  switch (type.type) {
    case "ARRAY":
      return { type: "ARRAY", element: withKsqlNames(type.element) };
    case "MAP":
      return { type: "MAP", key: withKsqlNames(type.key), value: withKsqlNames(type.value) };
    case "STRUCT":
      return { type: "STRUCT", fields: type.fields.map((f) => ({ name: f.name, type: withKsqlNames(f.type) })) };
    default:
      return type;
  }
}

/** Renames STRUCT keys of an engine value (JSON keys) to ksqlDB field names, following `type`. */
export function toKsqlValue(value: unknown, type: KsqlType): unknown {
  if (value === null || value === undefined) return null;
  switch (type.type) {
    case "ARRAY":
      return Array.isArray(value) ? value.map((v) => toKsqlValue(v, type.element)) : value;
    case "MAP": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toKsqlValue(v, type.value);
      return out;
    }
    case "STRUCT": {
      const source = value as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const field of type.fields) out[field.name] = toKsqlValue(source[field.json ?? field.name], field.type);
      return out;
    }
    default:
      return value;
  }
}

/** ksqlDB's DESCRIBE schema object for `type`. */
export interface SchemaInfo {
  readonly type: string;
  readonly fields: readonly { readonly name: string; readonly schema: SchemaInfo }[] | null;
  readonly memberSchema: SchemaInfo | null;
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** ksqlDB's DESCRIBE schema object for `type`. */
export function schemaInfo(type: KsqlType): SchemaInfo {
  switch (type.type) {
    case "ARRAY":
      return { type: "ARRAY", fields: null, memberSchema: schemaInfo(type.element) };
    case "MAP":
      return { type: "MAP", fields: null, memberSchema: schemaInfo(type.value) };
    case "STRUCT":
      return {
        type: "STRUCT",
        fields: type.fields.map((f) => ({ name: f.name, schema: schemaInfo(f.type) })),
        memberSchema: null,
      };
    case "DECIMAL":
      return {
        type: "DECIMAL",
        fields: null,
        memberSchema: null,
        parameters: { precision: type.precision, scale: type.scale },
      };
    default:
      return { type: type.type, fields: null, memberSchema: null };
  }
}
