import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import {
  binaryLiteral,
  collectionLiteral,
  floatLiteral,
  integerLiteral,
  mapLiteral,
  stringLiteral,
} from "../../../src/idl/literals.js";
import { encodeMsgpack, MsgpackFloat } from "../../../src/types/msgpack.js";
import { type AnyType, NO_DATA } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const roundTrip = (type: AnyType, value: unknown): unknown =>
  type.fromLiteral(wire(type.toLiteral(value, NO_DATA)), NO_DATA);
const litJson = (lit: Literal): JsonValue => toJson(LiteralSchema, lit);
const typeJson = (type: AnyType): JsonValue => toJson(LiteralTypeSchema, type.literalType);
const msgpackLiteral = (v: unknown): Literal => binaryLiteral(encodeMsgpack(v), "msgpack");

/** Map keys for wire round trips (protobuf-es's fromBinary drops a "__proto__" map key). */
const key = fc.string({ unit: "binary" }).filter((k) => k !== "__proto__");
const plain = { noNullPrototype: true } as const;

describe("container literal types", () => {
  it("list is collection_type of its element, tagged Typed List", () => {
    assert.deepEqual(typeJson(t.list(t.int)), { collectionType: { simple: "INTEGER" } });
    assert.deepEqual(typeJson(t.list(t.list(t.str))), { collectionType: { collectionType: { simple: "STRING" } } });
    assert.equal(t.list(t.int).tag, "Typed List");
    assert.equal(t.list(t.int).name, "list<int>");
  });

  it("map is map_value_type of its value, tagged Typed Dict", () => {
    assert.deepEqual(typeJson(t.map(t.float)), { mapValueType: { simple: "FLOAT" } });
    assert.equal(t.map(t.float).tag, "Typed Dict");
    assert.equal(t.map(t.float).name, "map<str, float>");
  });

  it("nests like flytekit's Dict[str, List[Dict[str, timedelta]]]", () => {
    assert.deepEqual(typeJson(t.map(t.list(t.map(t.duration)))), {
      mapValueType: { collectionType: { mapValueType: { simple: "DURATION" } } },
    });
  });

  it("carries nested union tags and struct types", () => {
    assert.deepEqual(typeJson(t.list(t.optional(t.str))), {
      collectionType: {
        unionType: {
          variants: [
            { simple: "STRING", structure: { tag: "str" } },
            { simple: "NONE", structure: { tag: "none" } },
          ],
        },
      },
    });
    const lt = t.map(t.struct({ a: t.int })).literalType;
    assert.equal(lt.type.case, "mapValueType");
    assert.equal(
      lt.type.case === "mapValueType" && lt.type.value.type.case === "simple" && lt.type.value.type.value,
      9,
    );
  });
});

describe("t.list", () => {
  it("writes a collection of element literals", () => {
    assert.deepEqual(litJson(t.list(t.int).toLiteral([1, 2], NO_DATA)), {
      collection: {
        literals: [{ scalar: { primitive: { integer: "1" } } }, { scalar: { primitive: { integer: "2" } } }],
      },
    });
    assert.deepEqual(litJson(t.list(t.str).toLiteral([], NO_DATA)), { collection: {} });
  });

  it("round-trips lists of ints, floats, strings and nested lists", () => {
    fc.assert(
      fc.property(fc.array(fc.maxSafeInteger()), (xs) => {
        assert.deepEqual(
          roundTrip(t.list(t.int), xs),
          xs.map((x) => (x === 0 ? 0 : x)),
        );
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.double()), (xs) => {
        const back = roundTrip(t.list(t.float), xs) as number[];
        assert.equal(back.length, xs.length);
        for (let i = 0; i < xs.length; i++) assert.ok(Object.is(back[i], xs[i]));
      }),
    );
    fc.assert(
      fc.property(fc.array(fc.array(fc.string({ unit: "binary" }))), (xss) => {
        assert.deepEqual(roundTrip(t.list(t.list(t.str)), xss), xss);
      }),
    );
  });

  it("round-trips lists of maps of lists", () => {
    const type = t.list(t.map(t.list(t.bool)));
    fc.assert(
      fc.property(fc.array(fc.dictionary(key, fc.array(fc.boolean()), plain)), (v) => {
        assert.deepEqual(roundTrip(type, v), v);
      }),
    );
  });

  it("rejects non-arrays", () => {
    throwsType(() => t.list(t.int).toLiteral(new Set([1]), NO_DATA), "expected list<int>, got a Set of size 1");
    throwsType(() => t.list(t.int).toLiteral("12", NO_DATA), 'expected list<int>, got "12" (string)');
    throwsType(() => t.list(t.int).toLiteral({ length: 0 }, NO_DATA), "expected list<int>");
    throwsType(() => t.list(t.int).toLiteral(new Int32Array([1]), NO_DATA), "expected list<int>");
    throwsType(() => t.list(t.int).toLiteral(null, NO_DATA, ["xs"]), "xs: expected list<int>, got null");
  });

  it("names the element that does not fit: path, expected type and value", () => {
    const e = throwsType(
      () => t.list(t.int).toLiteral([1, 2, "x"], NO_DATA, ["xs"]),
      'xs[2]: expected int, got "x" (string)',
    );
    assert.deepEqual(e.path, ["xs", 2]);
    assert.equal(e.expected, "int");
    const root = throwsType(() => t.list(t.int).toLiteral([1, 2.5], NO_DATA), "[1]: expected int, got 2.5 (number)");
    assert.deepEqual(root.path, [1]);
    const nested = throwsType(
      () => t.list(t.list(t.int)).toLiteral([[1], [2, null]], NO_DATA, ["m"]),
      "m[1][1]: expected int, got null",
    );
    assert.deepEqual(nested.path, ["m", 1, 1]);
  });

  it("names the element when reading, too", () => {
    const lit = collectionLiteral([integerLiteral(1n), stringLiteral("x")]);
    const e = throwsType(
      () => t.list(t.int).fromLiteral(lit, NO_DATA, ["xs"]),
      "xs[1]: cannot read",
      "stringValue",
      "as int",
    );
    assert.deepEqual(e.path, ["xs", 1]);
  });

  it("parse validates and normalises every element", () => {
    assert.deepEqual(t.list(t.duration).parse(["1s", 5]), [1000, 5]);
    throwsType(() => t.list(t.duration).parse(["1s", "soon"], ["ds"]), "ds[1]: expected duration");
  });

  it("refuses maps and scalars where a collection is expected", () => {
    throwsType(
      () => t.list(t.int).fromLiteral(mapLiteral({ a: integerLiteral(1n) }), NO_DATA),
      "map of 1 as list<int>",
    );
    throwsType(() => t.list(t.int).fromLiteral(integerLiteral(1n), NO_DATA), "scalar.primitive.integer as list<int>");
  });

  it("reads a msgpack Binary in place of a collection (propeller attribute paths)", () => {
    assert.deepEqual(t.list(t.int).fromLiteral(msgpackLiteral([1, 2, 3]), NO_DATA), [1, 2, 3]);
    assert.deepEqual(t.list(t.float).fromLiteral(msgpackLiteral([1, new MsgpackFloat(2), 2.5]), NO_DATA), [1, 2, 2.5]);
    assert.deepEqual(t.list(t.map(t.str)).fromLiteral(msgpackLiteral([{ a: "x" }]), NO_DATA), [{ a: "x" }]);
    throwsType(() => t.list(t.int).fromLiteral(msgpackLiteral({ a: 1 }), NO_DATA), "expected list<int>");
    throwsType(
      () => t.list(t.int).fromLiteral(msgpackLiteral([1, "2"]), NO_DATA, ["xs"]),
      'xs[1]: expected int, got "2"',
    );
  });

  it("reads a collection of msgpack Binaries (how propeller returns a list attribute)", () => {
    const lit = collectionLiteral([msgpackLiteral(1), msgpackLiteral(2)]);
    assert.deepEqual(t.list(t.int).fromLiteral(lit, NO_DATA), [1, 2]);
    const structs = collectionLiteral([msgpackLiteral({ a: 1 }), msgpackLiteral({ a: 2 })]);
    assert.deepEqual(t.list(t.struct({ a: t.int })).fromLiteral(structs, NO_DATA), [{ a: 1 }, { a: 2 }]);
  });

  it("reads INTEGER elements into a float list and integral FLOAT elements into an int list", () => {
    assert.deepEqual(
      t.list(t.float).fromLiteral(collectionLiteral([integerLiteral(0n), floatLiteral(0.5)]), NO_DATA),
      [0, 0.5],
    );
    assert.deepEqual(t.list(t.int).fromLiteral(collectionLiteral([floatLiteral(4)]), NO_DATA), [4]);
  });
});

describe("t.map", () => {
  it("writes a literal map keyed by the object's keys", () => {
    assert.deepEqual(litJson(t.map(t.int).toLiteral({ a: 1, b: 2 }, NO_DATA)), {
      map: {
        literals: { a: { scalar: { primitive: { integer: "1" } } }, b: { scalar: { primitive: { integer: "2" } } } },
      },
    });
    assert.deepEqual(roundTrip(t.map(t.int), {}), {});
  });

  it("round-trips maps of lists of floats and maps of maps", () => {
    fc.assert(
      fc.property(fc.dictionary(key, fc.array(fc.double({ noNaN: true }))), (m) => {
        const back = roundTrip(t.map(t.list(t.float)), m) as Record<string, number[]>;
        assert.deepEqual(Object.keys(back).sort(), Object.keys(m).sort());
        for (const k of Object.keys(m)) assert.deepEqual(back[k], m[k]);
      }),
    );
    fc.assert(
      fc.property(fc.dictionary(key, fc.dictionary(key, fc.boolean(), plain), plain), (m) => {
        assert.deepEqual(roundTrip(t.map(t.map(t.bool)), m), m);
      }),
    );
  });

  it("accepts a Map with string keys and reads back a plain object", () => {
    const back = roundTrip(t.map(t.str), new Map([["k", "v"]]));
    assert.deepEqual(back, { k: "v" });
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.deepEqual(t.map(t.int).parse(new Map([["a", 1]])), { a: 1 });
  });

  it("keeps a __proto__ key as an own entry", () => {
    // In memory only: protobuf-es's fromBinary itself drops a "__proto__" map key.
    const m = JSON.parse('{"__proto__": 1, "b": 2}') as Record<string, number>;
    const lit = t.map(t.int).toLiteral(m, NO_DATA);
    assert.ok(lit.value.case === "map" && Object.hasOwn(lit.value.value.literals, "__proto__"));
    const back = t.map(t.int).fromLiteral(lit, NO_DATA) as Record<string, number>;
    assert.ok(Object.hasOwn(back, "__proto__"));
    assert.equal(Object.getOwnPropertyDescriptor(back, "__proto__")?.value, 1);
    assert.equal(Object.getPrototypeOf(back), Object.prototype);
    assert.equal(back.b, 2);
  });

  it("rejects arrays, class instances, Maps with non-string keys and null", () => {
    throwsType(() => t.map(t.int).toLiteral([1], NO_DATA), "expected map<str, int>, got an array");
    throwsType(() => t.map(t.int).toLiteral(new (class Point {})(), NO_DATA), "expected map<str, int>, got a Point");
    throwsType(() => t.map(t.int).toLiteral(new Map([[1, 1]]), NO_DATA), "key 1 is not a string");
    throwsType(() => t.map(t.int).toLiteral(null, NO_DATA), "expected map<str, int>, got null");
    throwsType(() => t.map(t.int).toLiteral(new Date(0), NO_DATA), "got a Date");
  });

  it("names the entry that does not fit", () => {
    const e = throwsType(
      () => t.map(t.int).toLiteral({ a: 1, b: "x" }, NO_DATA, ["m"]),
      'm.b: expected int, got "x" (string)',
    );
    assert.deepEqual(e.path, ["m", "b"]);
    const deep = throwsType(
      () => t.list(t.map(t.list(t.int))).toLiteral([{ a: [1] }, { b: [1, 2, true] }], NO_DATA, ["xs"]),
      "xs[1].b[2]: expected int, got true (boolean)",
    );
    assert.deepEqual(deep.path, ["xs", 1, "b", 2]);
    throwsType(
      () => t.map(t.int).fromLiteral(mapLiteral({ k: stringLiteral("no") }), NO_DATA, ["m"]),
      "m.k: cannot read a literal of shape scalar.primitive.stringValue as int",
    );
  });

  it("reads msgpack Binary in place of a map and refuses collections", () => {
    assert.deepEqual(t.map(t.int).fromLiteral(msgpackLiteral({ a: 1, b: 2 }), NO_DATA), { a: 1, b: 2 });
    assert.deepEqual(t.map(t.list(t.str)).fromLiteral(msgpackLiteral({ a: ["x"] }), NO_DATA), { a: ["x"] });
    throwsType(() => t.map(t.int).fromLiteral(collectionLiteral([]), NO_DATA), "collection of 0 as map<str, int>");
    throwsType(() => t.map(t.int).fromLiteral(msgpackLiteral([1]), NO_DATA), "expected map<str, int>");
  });
});

describe("containers and the JSON Schema of struct fields", () => {
  it("lists are arrays of items and maps are objects of additionalProperties", () => {
    assert.deepEqual(t.list(t.int).jsonSchema(), { type: "array", items: { type: "integer" } });
    assert.deepEqual(t.map(t.list(t.str)).jsonSchema(), {
      type: "object",
      propertyNames: { type: "string" },
      additionalProperties: { type: "array", items: { type: "string" } },
    });
  });
});
