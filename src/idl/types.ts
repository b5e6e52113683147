/**
 * Small, fast builders for `LiteralType` messages.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type {
  BlobType,
  BlobType_BlobDimensionality,
  LiteralType,
  SimpleType,
  TypeAnnotation,
  TypeStructure,
} from "./gen/flyteidl/core/types_pb.js";

type LiteralTypeKind = LiteralType["type"];

/** A `LiteralType` with the given `type` oneof and optional structure, metadata and annotation. */
export function literalType(
  type: LiteralTypeKind,
  opts: { structure?: TypeStructure; metadata?: JsonObject; annotation?: TypeAnnotation } = {},
): LiteralType {
  return {
    $typeName: "flyteidl.core.LiteralType",
    type,
    metadata: opts.metadata,
    annotation: opts.annotation,
    structure: opts.structure,
  };
}

/** `LiteralType{simple}`. */
export function simpleType(
  t: SimpleType,
  opts: { metadata?: JsonObject; annotation?: TypeAnnotation } = {},
): LiteralType {
  return literalType({ case: "simple", value: t }, opts);
}

/** `BlobType{format, dimensionality}`. */
export function blobType(format: string, dimensionality: BlobType_BlobDimensionality): BlobType {
  return { $typeName: "flyteidl.core.BlobType", format, dimensionality };
}

/** `TypeStructure{tag, dataclass_type}`. */
export function typeStructure(tag: string, dataclassType: Record<string, LiteralType> = {}): TypeStructure {
  return { $typeName: "flyteidl.core.TypeStructure", tag, dataclassType };
}

/** `TypeAnnotation{annotations}`. */
export function typeAnnotation(annotations: JsonObject): TypeAnnotation {
  return { $typeName: "flyteidl.core.TypeAnnotation", annotations };
}

/** A copy of `t` whose `structure.tag` is `tag` (how union variants are tagged). */
export function withTag(t: LiteralType, tag: string): LiteralType {
  // flytekit replaces the whole structure with the tag (a struct variant keeps no dataclass_type).
  return { ...t, structure: typeStructure(tag) };
}

/**
 * The name of a value of a generated enum (the enums are plain objects, without reverse mappings); the number as
 * text for a value the bindings do not know.
 *
 * @example
 * enumName(WorkflowExecution_Phase, 4); // "SUCCEEDED"
 */
export function enumName(e: Readonly<Record<string, number | string>>, value: number): string {
  for (const [k, v] of Object.entries(e)) if (v === value) return k;
  return String(value);
}
