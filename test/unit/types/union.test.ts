import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteBlob, FlyteTypeError, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import {
  BlobType_BlobDimensionality,
  type LiteralType,
  LiteralTypeSchema,
} from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import {
  binaryLiteral,
  blobLiteral,
  collectionLiteral,
  floatLiteral,
  integerLiteral,
  noneLiteral,
  stringLiteral,
  unionLiteral,
} from "../../../src/idl/literals.js";
import { blobType, withTag } from "../../../src/idl/types.js";
import { encodeMsgpack } from "../../../src/types/msgpack.js";
import { type AnyType, NO_DATA } from "../../../src/types/type.js";
import { typeKey } from "../../../src/types/union.js";
import { throwsType } from "./assertions.js";

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const roundTrip = (type: AnyType, value: unknown): unknown =>
  type.fromLiteral(wire(type.toLiteral(value, NO_DATA)), NO_DATA);
const litJson = (lit: Literal): JsonValue => toJson(LiteralSchema, lit);
const typeJson = (type: AnyType): JsonValue => toJson(LiteralTypeSchema, type.literalType);
const tagged = (type: AnyType): LiteralType => withTag(type.literalType, type.tag);

/** The stored type and inner value of a union literal. */
function unionParts(lit: Literal): { stored: JsonValue; value: JsonValue } {
  const s = lit.value.case === "scalar" ? lit.value.value : undefined;
  assert.equal(s?.value.case, "union", "a union literal");
  const u = s!.value.value as { value: Literal; type: LiteralType };
  return { stored: toJson(LiteralTypeSchema, u.type), value: toJson(LiteralSchema, u.value) };
}

describe("union literal types: variants tagged with flytekit's transformer names", () => {
  it("Union[str, int] has variants tagged str and int, in order", () => {
    assert.deepEqual(typeJson(t.union(t.str, t.int)), {
      unionType: {
        variants: [
          { simple: "STRING", structure: { tag: "str" } },
          { simple: "INTEGER", structure: { tag: "int" } },
        ],
      },
    });
    assert.equal(t.union(t.str, t.int).tag, "Typed Union");
    assert.equal(t.union(t.str, t.int).name, "union<str | int>");
  });

  it("Optional[int] is [int tagged int, NONE tagged none]", () => {
    assert.deepEqual(typeJson(t.optional(t.int)), {
      unionType: {
        variants: [
          { simple: "INTEGER", structure: { tag: "int" } },
          { simple: "NONE", structure: { tag: "none" } },
        ],
      },
    });
    assert.equal(t.optional(t.int).name, "optional<int>");
    assert.deepEqual(typeJson(t.optional(t.int)), typeJson(t.union(t.int, t.none)));
  });

  it("Union[List[int], List[str]] has two variants tagged Typed List", () => {
    assert.deepEqual(typeJson(t.union(t.list(t.int), t.list(t.str))), {
      unionType: {
        variants: [
          { collectionType: { simple: "INTEGER" }, structure: { tag: "Typed List" } },
          { collectionType: { simple: "STRING" }, structure: { tag: "Typed List" } },
        ],
      },
    });
  });

  it("tags every kind of variant as flytekit does", () => {
    const variants: [AnyType, string][] = [
      [t.int, "int"],
      [t.bigint, "int"],
      [t.float, "float"],
      [t.str, "str"],
      [t.bool, "bool"],
      [t.datetime, "datetime"],
      [t.duration, "timedelta"],
      [t.none, "none"],
      [t.list(t.int), "Typed List"],
      [t.map(t.int), "Typed Dict"],
      [t.dict(), "Typed Dict"],
      [t.struct({ a: t.int }), "Object-Dataclass-Transformer"],
      [t.enum(["a"]), "DefaultEnumTransformer"],
      [t.file(), "FlyteFilePath"],
      [t.dir(), "FlyteDirectory"],
      [t.any(), "FlytePickle"],
      [t.union(t.int, t.str), "Typed Union"],
    ];
    const u = t.union(...variants.map(([v]) => v));
    const lt = u.literalType;
    assert.ok(lt.type.case === "unionType");
    assert.deepEqual(
      lt.type.value.variants.map((v) => v.structure?.tag),
      variants.map(([, tag]) => tag),
    );
    // Tagging replaces the structure, as flytekit's union transformer does: the struct keeps its schema and
    // annotation but not its dataclass_type.
    const structVariant = lt.type.value.variants[11]!;
    assert.deepEqual(structVariant.structure!.dataclassType, {});
    assert.equal(structVariant.metadata?.title, "Struct");
    assert.deepEqual(structVariant.annotation?.annotations, t.struct({ a: t.int }).literalType.annotation?.annotations);
  });

  it("does not alter the variants' own literal types", () => {
    t.union(t.int, t.str).literalType;
    assert.equal(t.int.literalType.structure, undefined);
  });

  it("needs at least one variant", () => {
    assert.throws(
      () => t.union(),
      (e: unknown) => e instanceof FlyteTypeError && /at least one variant/.test(e.message),
    );
  });
});

describe("writing unions", () => {
  it("picks the int variant for 1 and the float variant for 1.5", () => {
    const u = t.union(t.int, t.float);
    assert.deepEqual(unionParts(u.toLiteral(1, NO_DATA)), {
      stored: { simple: "INTEGER", structure: { tag: "int" } },
      value: { scalar: { primitive: { integer: "1" } } },
    });
    assert.deepEqual(unionParts(u.toLiteral(1.5, NO_DATA)), {
      stored: { simple: "FLOAT", structure: { tag: "float" } },
      value: { scalar: { primitive: { floatValue: 1.5 } } },
    });
    // Order does not matter.
    assert.deepEqual(unionParts(t.union(t.float, t.int).toLiteral(2, NO_DATA)).stored, {
      simple: "INTEGER",
      structure: { tag: "int" },
    });
  });

  it("writes None for an optional as stored_type NONE tagged none with a Void value", () => {
    for (const v of [null, undefined]) {
      const lit = t.optional(t.int).toLiteral(v, NO_DATA);
      assert.deepEqual(litJson(lit), {
        scalar: {
          union: { value: { scalar: { noneType: {} } }, type: { simple: "NONE", structure: { tag: "none" } } },
        },
      });
      assert.equal(roundTrip(t.optional(t.int), v), null);
    }
    assert.deepEqual(unionParts(t.optional(t.int).toLiteral(3, NO_DATA)).stored, {
      simple: "INTEGER",
      structure: { tag: "int" },
    });
  });

  it("refuses an ambiguous value, naming the variants", () => {
    throwsType(
      () => t.union(t.str, t.enum(["a"])).toLiteral("a", NO_DATA, ["choice"]),
      "choice:",
      "ambiguous",
      "str",
      'enum<"a">',
    );
    throwsType(() => t.union(t.list(t.int), t.list(t.str)).toLiteral([], NO_DATA), "ambiguous");
    throwsType(() => t.union(t.file(), t.dir()).toLiteral("s3://b/k", NO_DATA), "ambiguous", "file", "dir");
    throwsType(() => t.union(t.int, t.bigint).toLiteral(1, NO_DATA), "ambiguous");
  });

  it("uses the only variant that accepts a value", () => {
    assert.deepEqual(unionParts(t.union(t.str, t.enum(["a"])).toLiteral("b", NO_DATA)).stored, {
      simple: "STRING",
      structure: { tag: "str" },
    });
    assert.deepEqual(unionParts(t.union(t.list(t.int), t.list(t.str)).toLiteral(["x"], NO_DATA)).stored, {
      collectionType: { simple: "STRING" },
      structure: { tag: "Typed List" },
    });
    assert.deepEqual(unionParts(t.union(t.int, t.bigint).toLiteral(2n ** 60n, NO_DATA)).value, {
      scalar: { primitive: { integer: "1152921504606846976" } },
    });
  });

  it("refuses a value no variant accepts, with each variant's reason", () => {
    const e = throwsType(
      () => t.union(t.int, t.str).toLiteral(true, NO_DATA, ["x"]),
      "x: expected union<int | str>, got true (boolean)",
      "no variant accepts it",
    );
    assert.deepEqual(e.path, ["x"]);
    throwsType(() => t.union(t.int, t.str).toLiteral(null, NO_DATA), "got null");
    throwsType(() => t.optional(t.int).toLiteral(1.5, NO_DATA), "expected optional<int>, got 1.5 (number)");
  });

  it("names the element inside a list of unions", () => {
    const e = throwsType(
      () => t.list(t.union(t.int, t.str)).toLiteral([1, "a", false], NO_DATA, ["xs"]),
      "xs[2]:",
      "union<int | str>",
    );
    assert.deepEqual(e.path, ["xs", 2]);
  });

  it("nests: an optional of a union is a union whose first variant is a union", () => {
    const u = t.optional(t.union(t.int, t.str));
    const lit = u.toLiteral("a", NO_DATA);
    const outer = unionParts(lit);
    assert.deepEqual((outer.stored as { structure: unknown }).structure, { tag: "Typed Union" });
    assert.equal(roundTrip(u, "a"), "a");
    assert.equal(roundTrip(u, 4), 4);
    assert.equal(roundTrip(u, null), null);
  });
});

describe("reading unions", () => {
  it("round-trips values of every variant", () => {
    const u = t.union(t.int, t.float, t.str, t.bool, t.list(t.int), t.map(t.str), t.none);
    fc.assert(
      fc.property(
        fc.oneof(
          fc.maxSafeInteger(),
          fc.double({ noInteger: true }),
          fc.string(),
          fc.boolean(),
          fc.array(fc.maxSafeInteger(), { minLength: 1 }),
          fc.dictionary(
            fc.string().filter((k) => k !== "__proto__"),
            fc.string(),
            { noNullPrototype: true },
          ),
          fc.constant(null),
        ),
        (v) => {
          const back = roundTrip(u, v);
          if (typeof v === "number" && Number.isNaN(v)) assert.ok(Number.isNaN(back));
          else assert.deepEqual(back, v);
        },
      ),
    );
  });

  it("round-trips Union[List[int], List[str]], disambiguated by the stored type", () => {
    const u = t.union(t.list(t.int), t.list(t.str));
    assert.deepEqual(roundTrip(u, [1, 2]), [1, 2]);
    assert.deepEqual(roundTrip(u, ["a", "b"]), ["a", "b"]);
    // An empty list written by Python as List[str]: the stored type says which variant.
    const empty = unionLiteral(collectionLiteral([]), tagged(t.list(t.str)));
    assert.deepEqual(u.fromLiteral(wire(empty), NO_DATA), []);
  });

  it("reads only the variant named by the stored tag", () => {
    const u = t.union(t.str, t.enum(["a", "b"]));
    assert.equal(u.fromLiteral(unionLiteral(stringLiteral("a"), tagged(t.str)), NO_DATA), "a");
    assert.equal(u.fromLiteral(unionLiteral(stringLiteral("a"), tagged(t.enum(["a", "b"]))), NO_DATA), "a");
    throwsType(
      () => u.fromLiteral(unionLiteral(stringLiteral("c"), tagged(t.enum(["a", "b"]))), NO_DATA),
      '"c" is not a member',
    );
  });

  it("refuses a union literal whose tag no variant has", () => {
    throwsType(
      () =>
        t
          .union(t.int, t.str)
          .fromLiteral(unionLiteral(floatLiteral(1.5), withTag(t.float.literalType, "float")), NO_DATA, ["v"]),
      "v: cannot read",
      "union<int | str>",
    );
  });

  it("reads an untagged union literal by trying every variant", () => {
    const untagged = unionLiteral(integerLiteral(3n), t.int.literalType);
    assert.equal(t.union(t.str, t.int).fromLiteral(untagged, NO_DATA), 3);
  });

  it("refuses an ambiguous read: Both X and Y match", () => {
    const u = t.union(t.str, t.enum(["a"]));
    throwsType(() => u.fromLiteral(stringLiteral("a"), NO_DATA), 'both str and enum<"a"> match');
    // An untagged stored type still narrows the candidates to the variants of that type.
    assert.equal(u.fromLiteral(unionLiteral(stringLiteral("a"), t.str.literalType), NO_DATA), "a");
    const twoStrings = t.union(t.str, t.str.describe("another"));
    throwsType(
      () => twoStrings.fromLiteral(unionLiteral(stringLiteral("a"), tagged(t.str)), NO_DATA),
      "both str and str match",
    );
  });

  it("accepts a bare literal when exactly one variant can read it", () => {
    assert.equal(t.union(t.str, t.int).fromLiteral(integerLiteral(5n), NO_DATA), 5);
    assert.equal(t.union(t.str, t.int).fromLiteral(stringLiteral("5"), NO_DATA), "5");
    assert.equal(t.optional(t.int).fromLiteral(integerLiteral(5n), NO_DATA), 5);
    assert.equal(t.optional(t.int).fromLiteral(noneLiteral(), NO_DATA), null);
    throwsType(
      () => t.union(t.str, t.int).fromLiteral(floatLiteral(1.5), NO_DATA, ["v"]),
      "v: cannot read",
      "as union<str | int>",
    );
  });

  it("reads a bare file or directory blob into Union[file, dir] by its dimensionality", () => {
    const u = t.union(t.file(), t.dir());
    const file = u.fromLiteral(blobLiteral("s3://b/f", blobType("", BlobType_BlobDimensionality.SINGLE)), NO_DATA);
    const dir = u.fromLiteral(blobLiteral("s3://b/d", blobType("", BlobType_BlobDimensionality.MULTIPART)), NO_DATA);
    assert.ok(file instanceof FlyteBlob && !file.isDirectory && file.path === "s3://b/f");
    assert.ok(dir instanceof FlyteBlob && dir.isDirectory && dir.path === "s3://b/d");
  });

  it("reads msgpack Binary through its variants", () => {
    const u = t.union(t.struct({ a: t.int }), t.int);
    assert.deepEqual(u.fromLiteral(binaryLiteral(encodeMsgpack({ a: 1 }), "msgpack"), NO_DATA), { a: 1 });
  });
});

describe("unions inside structs (msgpack)", () => {
  const s = t.struct({ o: t.optional(t.int), u: t.union(t.int, t.str), f: t.union(t.float, t.list(t.float)) });

  it("writes the chosen variant's msgpack value, nil for None", () => {
    const lit = s.toLiteral({ o: null, u: "x", f: [1.5] }, NO_DATA);
    const bytes =
      lit.value.case === "scalar" && lit.value.value.value.case === "binary"
        ? lit.value.value.value.value.value
        : undefined;
    assert.equal(Buffer.from(bytes!).toString("hex"), "83a16fc0a175a178a16691cb3ff8000000000000");
  });

  it("round-trips", () => {
    for (const v of [
      { o: null, u: 1, f: 2.5 },
      { o: 3, u: "three", f: [1, 2] },
      { o: 0, u: -1, f: [] },
    ]) {
      assert.deepEqual(roundTrip(s, v), v);
    }
  });

  it("names the field of a union value that fits no variant", () => {
    throwsType(() => s.toLiteral({ o: "x", u: 1, f: 1 }, NO_DATA), "o: expected optional<int>");
  });
});

describe("typeKey", () => {
  it("tells types apart by structure, not by tags, metadata or annotations", () => {
    assert.equal(typeKey(t.list(t.int).literalType), typeKey(withTag(t.list(t.int).literalType, "Typed List")));
    assert.notEqual(typeKey(t.list(t.int).literalType), typeKey(t.list(t.str).literalType));
    assert.notEqual(typeKey(t.map(t.int).literalType), typeKey(t.list(t.int).literalType));
    assert.notEqual(typeKey(t.file().literalType), typeKey(t.dir().literalType));
    assert.notEqual(typeKey(t.enum(["a"]).literalType), typeKey(t.enum(["b"]).literalType));
    assert.equal(typeKey(t.struct({ a: t.int }).literalType), typeKey(t.dict().literalType));
    assert.equal(typeKey(undefined), "?");
  });
});
