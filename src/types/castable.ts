/**
 * Whether a value of one Flyte type can be bound to an input of another, by the rules of Flyte's compiler
 * (flytepropeller's `AreTypesCastable`): types match ignoring structure, metadata and annotations; enums and strings
 * cast both ways; a union takes a value that fits exactly one variant (or a union whose variants all fit); none fits
 * only none; an empty list or map fits any; blobs match by format unless one has none; structs match by JSON Schema.
 */
import { create, equals, type JsonObject } from "@bufbuild/protobuf";
import { type LiteralType, LiteralTypeSchema, SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";

function isNone(t: LiteralType | undefined): boolean {
  return t?.type.case === "simple" && t.type.value === SimpleType.NONE;
}

function isSimple(t: LiteralType, s: SimpleType): boolean {
  return t.type.case === "simple" && t.type.value === s;
}

/** The union tag of a type (its `TypeStructure.tag`), "" when it has none. */
function tagOf(t: LiteralType): string {
  return t.structure?.tag ?? "";
}

/** The type without what the compiler ignores when comparing (structure, metadata, annotation). */
function bare(t: LiteralType): LiteralType {
  return create(LiteralTypeSchema, { type: t.type });
}

/**
 * Whether a struct of JSON Schema `from` fits one of JSON Schema `to`: the same schema, or (the compiler accepts
 * a source that is a supertype in JSON Schema terms) every property `to` declares exists in `from` with a fitting
 * schema, and what `to` requires `from` requires too.
 */
function structFits(from: JsonObject | undefined, to: JsonObject | undefined): boolean {
  // The compiler lets structs without a schema through (older flytekit wrote none).
  if (!from || !to) return true;
  if (JSON.stringify(from) === JSON.stringify(to)) return true;
  const props = (s: JsonObject) => (s.properties ?? {}) as Record<string, JsonObject>;
  const required = (s: JsonObject) => new Set((s.required ?? []) as string[]);
  const [fromProps, toProps] = [props(from), props(to)];
  const fromRequired = required(from);
  for (const [k, schema] of Object.entries(toProps)) {
    const source = fromProps[k];
    if (!source) return false;
    if (JSON.stringify(schemaKind(source)) !== JSON.stringify(schemaKind(schema))) return false;
    if (schemaKind(schema) === "object" && !structFits(source, schema)) return false;
  }
  for (const k of required(to)) if (!fromRequired.has(k)) return false;
  return Object.keys(toProps).length > 0 || Object.keys(fromProps).length === 0;
}

/** The JSON Schema `type` of a property (or its `anyOf` types), for comparing fields. */
function schemaKind(s: JsonObject): unknown {
  if (s.type !== undefined) return s.type;
  if (Array.isArray(s.anyOf)) return (s.anyOf as JsonObject[]).map(schemaKind);
  return s.$ref ?? null;
}

function castsFrom(downstream: LiteralType, upstream: LiteralType): boolean {
  const d = downstream.type;
  switch (d.case) {
    case "collectionType": {
      const u = upstream.type.case === "collectionType" ? upstream.type.value : undefined;
      if (isNone(u)) return true;
      return u !== undefined && areTypesCastable(u, d.value);
    }
    case "mapValueType": {
      const u = upstream.type.case === "mapValueType" ? upstream.type.value : undefined;
      if (isNone(u)) return true;
      return u !== undefined && areTypesCastable(u, d.value);
    }
    case "blob": {
      if (upstream.type.case !== "blob") return false;
      return (
        upstream.type.value.format === "" || d.value.format === "" || upstream.type.value.format === d.value.format
      );
    }
    case "unionType": {
      if (upstream.type.case === "unionType") {
        return upstream.type.value.variants.every((u) => d.value.variants.some((v) => areTypesCastable(u, v)));
      }
      return d.value.variants.filter((v) => areTypesCastable(upstream, v)).length === 1;
    }
    case "structuredDatasetType": {
      if (isNone(upstream)) return true;
      if (upstream.type.case !== "structuredDatasetType") return upstream.type.case === "schema";
      const [uf, df] = [upstream.type.value.format, d.value.format];
      if (uf !== "" && df !== "" && uf.toLowerCase() !== df.toLowerCase()) return false;
      // A dataset without declared columns (either side) is generic: it binds to any columns.
      if (upstream.type.value.columns.length === 0 || d.value.columns.length === 0) return true;
      const columns = new Map(upstream.type.value.columns.map((c) => [c.name, c.literalType]));
      return d.value.columns.every((c) => {
        const u = columns.get(c.name);
        return u !== undefined && c.literalType !== undefined && castsFrom(c.literalType, u);
      });
    }
    case "schema":
      return upstream.type.case === "schema" || upstream.type.case === "structuredDatasetType";
    default:
      break;
  }
  if (isNone(downstream)) return isNone(upstream);
  // Enums are constrained strings: they cast to and from strings.
  if (upstream.type.case === "enumType" && isSimple(downstream, SimpleType.STRING)) return true;
  if (downstream.type.case === "enumType" && isSimple(upstream, SimpleType.STRING)) return true;
  if (tagOf(upstream) !== "" && tagOf(downstream) !== tagOf(upstream)) return false;
  if (isSimple(upstream, SimpleType.STRUCT) && isSimple(downstream, SimpleType.STRUCT)) {
    return structFits(upstream.metadata, downstream.metadata);
  }
  // Two simple types (the common binding) are the same bare type when their simple types are.
  if (d.case === "simple" && upstream.type.case === "simple") return d.value === upstream.type.value;
  return equals(LiteralTypeSchema, bare(upstream), bare(downstream));
}

/**
 * Whether a value of type `upstream` can be bound to an input of type `downstream`, as Flyte's compiler decides it.
 *
 * @example
 * areTypesCastable(t.int.literalType, t.optional(t.int).literalType); // true
 * areTypesCastable(t.list(t.optional(t.str)).literalType, t.list(t.str).literalType); // false
 */
export function areTypesCastable(upstream: LiteralType, downstream: LiteralType): boolean {
  // A union of one variant is that variant.
  if (upstream.type.case === "unionType" && upstream.type.value.variants.length === 1) {
    if (castsFrom(downstream, upstream.type.value.variants[0]!)) return true;
  }
  return castsFrom(downstream, upstream);
}
