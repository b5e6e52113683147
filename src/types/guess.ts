/**
 * Flyte types from `LiteralType`s (flytekit's `TypeEngine.guess_python_type`): how an interface fetched from a Flyte
 * cluster, perhaps registered by Python, becomes typed values in TypeScript.
 */
import { FlyteTypeError } from "../errors.js";
import { BlobType_BlobDimensionality } from "../idl/gen/flyteidl/core/types_pb.js";
import { type LiteralType, SimpleType } from "../idl/gen/flyteidl/core/types_pb.js";
import { enumName } from "../idl/types.js";
import { t } from "./index.js";
import type { AnyType } from "./type.js";
import { UNTYPED_BLOB_FORMAT } from "./untyped-codec.js";

/**
 * The Flyte type that reads and writes literals of `lt`: primitives, lists, maps, enums, unions (a union of one type
 * and none is an optional), files and directories, structs with a known field layout (`t.struct`) and untyped
 * structs (`t.dict()`). Types with no TypeScript twin (dataframes, Python pickles, binary) are errors naming `what`.
 *
 * @example
 * typeFromLiteralType(t.list(t.int).literalType).name; // "list<int>"
 */
export function typeFromLiteralType(lt: LiteralType, what = "value"): AnyType {
  const v = lt.type;
  switch (v.case) {
    case "simple":
      switch (v.value) {
        case SimpleType.INTEGER:
          return t.int;
        case SimpleType.FLOAT:
          return t.float;
        case SimpleType.STRING:
          return t.str;
        case SimpleType.BOOLEAN:
          return t.bool;
        case SimpleType.DATETIME:
          return t.datetime;
        case SimpleType.DURATION:
          return t.duration;
        case SimpleType.NONE:
          return t.none;
        case SimpleType.STRUCT:
          return structType(lt, what);
        default:
          return unsupported(what, `the simple type ${enumName(SimpleType, v.value)}`);
      }
    case "collectionType":
      return t.list(typeFromLiteralType(v.value, `${what}[]`));
    case "mapValueType":
      return t.map(typeFromLiteralType(v.value, `${what}{}`));
    case "enumType":
      return t.enum(v.value.values);
    case "unionType": {
      const variants = v.value.variants.map((x, i) => typeFromLiteralType(x, `${what} (variant ${i})`));
      const some = variants.filter((x) => x !== t.none);
      if (some.length === 1 && variants.length === 2) return t.optional(some[0]!);
      return t.union(...variants);
    }
    case "blob": {
      const dir = v.value.dimensionality === BlobType_BlobDimensionality.MULTIPART;
      if (!dir && v.value.format === UNTYPED_BLOB_FORMAT) return t.any();
      if (v.value.format === "PythonPickle") {
        return unsupported(what, "a Python pickle (an untyped Python object); give the value a Flyte type in Python");
      }
      return dir ? t.dir({ format: v.value.format }) : t.file({ format: v.value.format });
    }
    case "structuredDatasetType":
    case "schema":
      return unsupported(what, "a dataframe");
    default:
      return unsupported(what, `a literal type of kind ${v.case ?? "(none)"}`);
  }
}

function structType(lt: LiteralType, what: string): AnyType {
  const layout = lt.structure?.dataclassType ?? {};
  const names = Object.keys(layout);
  if (names.length === 0) return t.dict();
  // The JSON Schema's property order is the field order the writer used (the msgpack key order).
  const schema = lt.metadata as { title?: unknown; properties?: Record<string, unknown> } | undefined;
  const ordered = Object.keys(schema?.properties ?? {}).filter((k) => Object.hasOwn(layout, k));
  for (const k of names) if (!ordered.includes(k)) ordered.push(k);
  const fields: Record<string, AnyType> = {};
  for (const k of ordered) fields[k] = typeFromLiteralType(layout[k]!, `${what}.${k}`);
  const title = typeof schema?.title === "string" && schema.title ? schema.title : undefined;
  return t.struct(fields, title ? { name: title } : {});
}

function unsupported(what: string, kind: string): never {
  throw new FlyteTypeError(
    `${what}: ${kind} has no TypeScript type; declare the interface yourself (referenceTask({ inputs, outputs }))`,
  );
}
