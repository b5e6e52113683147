/**
 * Small, fast builders for the Flyte literal tree. protobuf-es messages are plain objects with `$typeName`; building
 * them directly (instead of through `create()`) keeps literal conversion of large values cheap.
 */
import type { JsonObject } from "@bufbuild/protobuf";
import type { Duration, Timestamp } from "@bufbuild/protobuf/wkt";
import type {
  Binary,
  Blob,
  BlobMetadata,
  Literal,
  LiteralCollection,
  LiteralMap,
  Primitive,
  Scalar,
  Union,
  Void,
} from "./gen/flyteidl/core/literals_pb.js";
import type { BlobType, LiteralType } from "./gen/flyteidl/core/types_pb.js";

type PrimitiveValue = Primitive["value"];

/** Literals built here share one frozen empty metadata map: they are never mutated, and it saves an allocation. */
const NO_METADATA: { [key: string]: string } = Object.freeze({}) as { [key: string]: string };
type ScalarValue = Scalar["value"];

/** A literal holding a scalar. */
export function scalarLiteral(value: ScalarValue): Literal {
  return {
    $typeName: "flyteidl.core.Literal",
    value: { case: "scalar", value: { $typeName: "flyteidl.core.Scalar", value } },
    hash: "",
    metadata: NO_METADATA,
  };
}

/** A literal holding a primitive. */
export function primitiveLiteral(value: PrimitiveValue): Literal {
  return scalarLiteral({ case: "primitive", value: { $typeName: "flyteidl.core.Primitive", value } });
}

/** `Literal{scalar{primitive{integer}}}`. */
export function integerLiteral(v: bigint): Literal {
  // One expression, so V8 can fold the seven allocations (this is the hot path of large int lists).
  return {
    $typeName: "flyteidl.core.Literal",
    value: {
      case: "scalar",
      value: {
        $typeName: "flyteidl.core.Scalar",
        value: {
          case: "primitive",
          value: { $typeName: "flyteidl.core.Primitive", value: { case: "integer", value: v } },
        },
      },
    },
    hash: "",
    metadata: NO_METADATA,
  };
}

/** `Literal{scalar{primitive{float_value}}}`. */
export function floatLiteral(v: number): Literal {
  return primitiveLiteral({ case: "floatValue", value: v });
}

/** `Literal{scalar{primitive{string_value}}}`. */
export function stringLiteral(v: string): Literal {
  return primitiveLiteral({ case: "stringValue", value: v });
}

/** `Literal{scalar{primitive{boolean}}}`. */
export function booleanLiteral(v: boolean): Literal {
  return primitiveLiteral({ case: "boolean", value: v });
}

/** A protobuf Timestamp from seconds and nanoseconds. */
export function timestamp(seconds: bigint, nanos: number): Timestamp {
  return { $typeName: "google.protobuf.Timestamp", seconds, nanos };
}

/** A protobuf Duration from seconds and nanoseconds (same sign). */
export function duration(seconds: bigint, nanos: number): Duration {
  return { $typeName: "google.protobuf.Duration", seconds, nanos };
}

/** `Literal{scalar{none_type{}}}`. */
export function noneLiteral(): Literal {
  const v: Void = { $typeName: "flyteidl.core.Void" };
  return scalarLiteral({ case: "noneType", value: v });
}

/** `Literal{scalar{binary{value, tag}}}`. */
export function binaryLiteral(value: Uint8Array, tag: string): Literal {
  const b: Binary = { $typeName: "flyteidl.core.Binary", value, tag };
  return scalarLiteral({ case: "binary", value: b });
}

/** `Literal{scalar{generic}}`, the legacy protobuf-Struct form of structs. */
export function genericLiteral(value: JsonObject): Literal {
  return scalarLiteral({ case: "generic", value });
}

/** `Literal{scalar{blob{metadata{type}, uri}}}`. */
export function blobLiteral(uri: string, type: BlobType): Literal {
  const metadata: BlobMetadata = { $typeName: "flyteidl.core.BlobMetadata", type };
  const blob: Blob = { $typeName: "flyteidl.core.Blob", metadata, uri };
  return scalarLiteral({ case: "blob", value: blob });
}

/** `Literal{scalar{union{value, stored_type}}}`. */
export function unionLiteral(value: Literal, storedType: LiteralType): Literal {
  const u: Union = { $typeName: "flyteidl.core.Union", value, type: storedType };
  return scalarLiteral({ case: "union", value: u });
}

/** `Literal{collection{literals}}`. */
export function collectionLiteral(literals: Literal[]): Literal {
  const c: LiteralCollection = { $typeName: "flyteidl.core.LiteralCollection", literals };
  return {
    $typeName: "flyteidl.core.Literal",
    value: { case: "collection", value: c },
    hash: "",
    metadata: NO_METADATA,
  };
}

/** `Literal{map{literals}}`. */
export function mapLiteral(literals: Record<string, Literal>): Literal {
  return {
    $typeName: "flyteidl.core.Literal",
    value: { case: "map", value: literalMap(literals) },
    hash: "",
    metadata: {},
  };
}

/** A `LiteralMap` from a record of literals. */
export function literalMap(literals: Record<string, Literal>): LiteralMap {
  return { $typeName: "flyteidl.core.LiteralMap", literals };
}

/** The scalar of a literal, if it holds one. */
export function scalarOf(lit: Literal): Scalar | undefined {
  return lit.value.case === "scalar" ? lit.value.value : undefined;
}

/** The primitive of a literal, if it holds one. */
export function primitiveOf(lit: Literal): Primitive | undefined {
  const s = scalarOf(lit);
  return s?.value.case === "primitive" ? s.value.value : undefined;
}

/** A one-line description of a literal's shape for error messages, e.g. `scalar.primitive.integer`. */
export function describeLiteral(lit: Literal): string {
  switch (lit.value.case) {
    case "scalar": {
      const s = lit.value.value;
      if (s.value.case === "primitive") return `scalar.primitive.${s.value.value.value.case ?? "unset"}`;
      if (s.value.case === "binary") return `scalar.binary (tag ${JSON.stringify(s.value.value.tag)})`;
      if (s.value.case === "blob") return `scalar.blob (${s.value.value.uri})`;
      if (s.value.case === "union") return `scalar.union of ${describeLiteral(s.value.value.value ?? noneLiteral())}`;
      return `scalar.${s.value.case ?? "unset"}`;
    }
    case "collection":
      return `collection of ${lit.value.value.literals.length}`;
    case "map":
      return `map of ${Object.keys(lit.value.value.literals).length}`;
    case "offloadedMetadata":
      return `offloaded literal at ${lit.value.value.uri}`;
    default:
      return "an empty literal";
  }
}
