import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, type JsonObject, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteBlob, FlyteTypeError, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, genericLiteral, integerLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { decodeMsgpack, encodeMsgpack, MsgpackFloat } from "../../../src/types/msgpack.js";
import { type AnyType, NO_DATA } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const roundTrip = (type: AnyType, value: unknown): unknown =>
  type.fromLiteral(wire(type.toLiteral(value, NO_DATA)), NO_DATA);
const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ""), "hex"));
const msgpackLiteral = (v: unknown): Literal => binaryLiteral(encodeMsgpack(v), "msgpack");
const ANNOTATION = { "cache-key-metadata": { "serialization-format": "msgpack" } };

/** The msgpack bytes of a struct literal (asserting it is `Binary{tag: "msgpack"}`). */
function bytesOf(lit: Literal): Uint8Array {
  const s = lit.value.case === "scalar" ? lit.value.value : undefined;
  assert.equal(s?.value.case, "binary");
  const b = s!.value.value as { value: Uint8Array; tag: string };
  assert.equal(b.tag, "msgpack");
  return b.value;
}

/** The decoded msgpack of a struct literal, floats wrapped so they can be told from ints. */
const decodedOf = (lit: Literal): unknown => decodeMsgpack(bytesOf(lit), { floatWrapper: true });

describe("struct literal type", () => {
  const inner = t.struct({ z: t.bool }, { name: "Inner" });
  const s = t.struct(
    {
      a: t.int,
      o: t.optional(t.str),
      e: t.enum(["x", "y"]),
      d: t.datetime,
      du: t.duration.default(5),
      f: t.file(),
      n: inner,
    },
    { name: "Outer" },
  );

  it("is simple STRUCT with the msgpack cache-key annotation", () => {
    const lt = s.literalType;
    assert.equal(lt.type.case, "simple");
    assert.deepEqual((toJson(LiteralTypeSchema, lt) as JsonObject).annotation, { annotations: ANNOTATION });
    assert.equal(s.tag, "Object-Dataclass-Transformer");
    assert.equal(s.name, "struct Outer");
    assert.equal(t.struct({ a: t.int, b: t.str }).name, "struct{a, b}");
  });

  it("carries the JSON Schema mashumaro writes for the twin dataclass in metadata", () => {
    assert.deepEqual(s.literalType.metadata, {
      type: "object",
      title: "Outer",
      properties: {
        a: { type: "integer" },
        o: { anyOf: [{ type: "string" }, { type: "null" }], default: null },
        e: { enum: ["x", "y"] },
        d: { type: "string", format: "date-time" },
        du: { type: "number", format: "time-delta", default: 0.005 },
        f: {
          type: "object",
          title: "FlyteFile",
          properties: {
            path: { anyOf: [{ type: "string" }, { type: "string", format: "path" }], default: null },
            metadata: {
              anyOf: [
                { type: "object", propertyNames: { type: "string" }, additionalProperties: { type: "string" } },
                { type: "null" },
              ],
              default: null,
            },
          },
          additionalProperties: false,
        },
        n: {
          type: "object",
          title: "Inner",
          properties: { z: { type: "boolean" } },
          additionalProperties: false,
          required: ["z"],
        },
      },
      additionalProperties: false,
      required: ["a", "e", "d", "f", "n"],
    });
    assert.equal(t.struct({ a: t.int }).literalType.metadata?.title, "Struct");
  });

  it("lists each field's LiteralType in structure.dataclass_type with an empty tag", () => {
    const json = toJson(LiteralTypeSchema, s.literalType) as JsonObject;
    const structure = json.structure as JsonObject;
    assert.equal(structure.tag, undefined);
    assert.equal(s.literalType.structure?.tag, "");
    assert.deepEqual(structure.dataclassType, {
      a: { simple: "INTEGER" },
      o: {
        unionType: {
          variants: [
            { simple: "STRING", structure: { tag: "str" } },
            { simple: "NONE", structure: { tag: "none" } },
          ],
        },
      },
      e: { enumType: { values: ["x", "y"] } },
      d: { simple: "DATETIME" },
      du: { simple: "DURATION" },
      f: { blob: {} },
      n: toJson(LiteralTypeSchema, inner.literalType),
    });
    assert.deepEqual(Object.keys(s.literalType.structure!.dataclassType), ["a", "o", "e", "d", "du", "f", "n"]);
  });

  it("survives the protobuf wire format", () => {
    const back = fromBinary(LiteralTypeSchema, toBinary(LiteralTypeSchema, s.literalType));
    assert.deepEqual(toJson(LiteralTypeSchema, back), toJson(LiteralTypeSchema, s.literalType));
  });

  it("rejects fields that are not Flyte types", () => {
    assert.throws(
      () => t.struct({ a: t.int, b: "str" as never }),
      (e: unknown) => e instanceof FlyteTypeError && /struct field b is not a Flyte type/.test(e.message),
    );
  });
});

describe("struct msgpack encoding (what flytekit writes for a dataclass)", () => {
  it("matches Python's msgpack bytes for a simple struct, floats always float64", () => {
    const s = t.struct({ a: t.int, b: t.float, c: t.str });
    const lit = s.toLiteral({ a: 1, b: 2, c: "x" }, NO_DATA);
    assert.equal(hex(bytesOf(lit)), "83a16101a162cb4000000000000000a163a178");
    assert.deepEqual(
      s.fromLiteral(
        binaryLiteral(unhex("83 a1 61 01 a1 62 cb 40 00 00 00 00 00 00 00 a1 63 a1 78"), "msgpack"),
        NO_DATA,
      ),
      {
        a: 1,
        b: 2,
        c: "x",
      },
    );
  });

  it("writes keys in declaration order, whatever the value's key order", () => {
    const s = t.struct({ a: t.int, b: t.float, c: t.str });
    assert.equal(hex(bytesOf(s.toLiteral({ c: "x", b: 2, a: 1 }, NO_DATA))), "83a16101a162cb4000000000000000a163a178");
  });

  it("writes datetimes as mashumaro's ISO strings with +00:00", () => {
    const s = t.struct({ at: t.datetime });
    assert.deepEqual(decodedOf(s.toLiteral({ at: new Date("2024-01-02T03:04:05.123Z") }, NO_DATA)), {
      at: "2024-01-02T03:04:05.123000+00:00",
    });
    assert.deepEqual(decodedOf(s.toLiteral({ at: new Date("2024-01-02T03:04:05Z") }, NO_DATA)), {
      at: "2024-01-02T03:04:05+00:00",
    });
    assert.deepEqual(decodedOf(s.toLiteral({ at: new Date("2024-01-02T03:04:05.007Z") }, NO_DATA)), {
      at: "2024-01-02T03:04:05.007000+00:00",
    });
    assert.deepEqual(decodedOf(s.toLiteral({ at: "2024-01-02T05:04:05+02:00" }, NO_DATA)), {
      at: "2024-01-02T03:04:05+00:00",
    });
  });

  it("refuses dates Python's datetime cannot hold", () => {
    const s = t.struct({ at: t.datetime });
    throwsType(() => s.toLiteral({ at: new Date("+010000-01-01T00:00:00Z") }, NO_DATA), "at:", "9999");
  });

  it("writes durations as float seconds, enums as their value, None as nil, files as {path}", () => {
    const s = t.struct({
      d: t.duration,
      e: t.enum(["red", "green"]),
      o: t.optional(t.int),
      f: t.file(),
      xs: t.list(t.float),
    });
    const decoded = decodedOf(
      s.toLiteral({ d: 1500, e: "green", o: null, f: "s3://b/k.csv", xs: [1, 2.5] }, NO_DATA),
    ) as Record<string, unknown>;
    assert.ok(decoded.d instanceof MsgpackFloat && decoded.d.value === 1.5);
    assert.equal(decoded.e, "green");
    assert.equal(decoded.o, null);
    assert.deepEqual(decoded.f, { path: "s3://b/k.csv" });
    assert.ok(Array.isArray(decoded.xs) && decoded.xs.every((x) => x instanceof MsgpackFloat));
    assert.deepEqual(Object.keys(decoded), ["d", "e", "o", "f", "xs"]);
  });

  it("writes a missing optional field as nil and applies defaults", () => {
    const s = t.struct({ a: t.int, o: t.optional(t.str), n: t.int.default(7) });
    assert.deepEqual(decodedOf(s.toLiteral({ a: 1 }, NO_DATA)), { a: 1, o: null, n: 7 });
    assert.deepEqual(roundTrip(s, { a: 1 }), { a: 1, o: null, n: 7 });
    assert.deepEqual(roundTrip(s, { a: 1, o: "x", n: 8 }), { a: 1, o: "x", n: 8 });
  });

  it("nests structs as nested maps", () => {
    const s = t.struct({ p: t.struct({ x: t.int, y: t.int }), tags: t.map(t.str) });
    assert.equal(
      hex(bytesOf(s.toLiteral({ p: { x: 1, y: -1 }, tags: { k: "v" } }, NO_DATA))),
      "82a17082a17801a179ffa47461677381a16ba176",
    );
  });
});

describe("struct round trips", () => {
  const Color = t.enum(["red", "green", "blue"]);
  const Point = t.struct({ x: t.float, y: t.float });
  const Rich = t.struct({
    id: t.int,
    big: t.bigint,
    name: t.str,
    ok: t.bool,
    at: t.datetime,
    took: t.duration,
    color: Color,
    maybe: t.optional(t.int),
    maybeAt: t.optional(t.datetime),
    points: t.list(Point),
    byName: t.map(t.optional(Color)),
    either: t.union(t.int, t.str),
    nested: t.struct({ deep: t.list(t.map(t.int)) }),
  });
  const date = fc.date({
    min: new Date("0001-01-01T00:00:00Z"),
    max: new Date("9999-12-31T23:59:59.999Z"),
    noInvalidDate: true,
  });
  const rich = fc.record(
    {
      id: fc.maxSafeInteger(),
      big: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
      name: fc.string({ unit: "binary" }),
      ok: fc.boolean(),
      at: date,
      took: fc.integer({ min: -1e10, max: 1e10 }),
      color: fc.constantFrom("red", "green", "blue"),
      maybe: fc.option(fc.maxSafeInteger(), { nil: null }),
      maybeAt: fc.option(date, { nil: null }),
      points: fc.array(
        fc.record({ x: fc.double({ noNaN: true }), y: fc.double({ noNaN: true }) }, { noNullPrototype: true }),
      ),
      byName: fc.dictionary(
        fc.string().filter((k) => k !== "__proto__"),
        fc.option(fc.constantFrom("red", "green", "blue"), { nil: null }),
        { noNullPrototype: true },
      ),
      either: fc.oneof(fc.maxSafeInteger(), fc.string()),
      nested: fc.record(
        { deep: fc.array(fc.dictionary(fc.string(), fc.maxSafeInteger(), { noNullPrototype: true })) },
        { noNullPrototype: true },
      ),
    },
    { noNullPrototype: true },
  );

  it("round-trips structs with nested types, optionals, enums, datetimes and durations", () => {
    fc.assert(
      fc.property(rich, (v) => {
        const back = roundTrip(Rich, v) as Record<string, unknown>;
        assert.deepEqual(back, v);
      }),
      { numRuns: 200 },
    );
  });

  it("reads back what it writes, byte for byte", () => {
    fc.assert(
      fc.property(rich, (v) => {
        const lit = Rich.toLiteral(v, NO_DATA);
        const again = Rich.toLiteral(Rich.fromLiteral(lit, NO_DATA), NO_DATA);
        assert.equal(hex(bytesOf(again)), hex(bytesOf(lit)));
      }),
      { numRuns: 100 },
    );
  });

  it("reads Python-written msgpack: float64 in int fields when integral, naive and microsecond datetimes", () => {
    const s = t.struct({ n: t.int, f: t.float, at: t.datetime });
    const lit = msgpackLiteral({ n: new MsgpackFloat(3), f: 4, at: "2024-01-02T03:04:05" });
    assert.deepEqual(s.fromLiteral(lit, NO_DATA), { n: 3, f: 4, at: new Date("2024-01-02T03:04:05Z") });
    throwsType(
      () => s.fromLiteral(msgpackLiteral({ n: new MsgpackFloat(3.5), f: 4, at: "2024-01-02T03:04:05" }), NO_DATA),
      "n: expected int",
    );
    const micro = msgpackLiteral({ n: 1, f: 1.5, at: "2024-01-02T03:04:05.123456+00:00" });
    throwsType(() => s.fromLiteral(micro, NO_DATA), "at:", "sub-millisecond", "truncating");
    const lenient = t.struct({ n: t.int, f: t.float, at: t.datetime.truncating() });
    assert.deepEqual(lenient.fromLiteral(micro, NO_DATA), { n: 1, f: 1.5, at: new Date("2024-01-02T03:04:05.123Z") });
  });

  it("reads an offset datetime as UTC", () => {
    const s = t.struct({ at: t.datetime });
    assert.deepEqual(s.fromLiteral(msgpackLiteral({ at: "2024-01-02T05:04:05.5+02:00" }), NO_DATA), {
      at: new Date("2024-01-02T03:04:05.500Z"),
    });
  });

  it("reads files as FlyteBlobs from {path} or a plain string", () => {
    const s = t.struct({ f: t.file(), d: t.dir() });
    const v = s.fromLiteral(msgpackLiteral({ f: { path: "s3://b/f" }, d: "s3://b/d/" }), NO_DATA);
    assert.ok(v.f instanceof FlyteBlob && v.f.path === "s3://b/f" && !v.f.isDirectory);
    assert.ok(v.d instanceof FlyteBlob && v.d.path === "s3://b/d/" && v.d.isDirectory);
    throwsType(
      () => s.fromLiteral(msgpackLiteral({ f: { uri: "x" }, d: "y" }), NO_DATA),
      "f: expected file",
      '{"path": <uri>}',
    );
  });

  it("reads a nil or missing optional field as null and a missing defaulted field as its default", () => {
    const s = t.struct({ a: t.optional(t.int), b: t.str.default("dflt") });
    assert.deepEqual(s.fromLiteral(msgpackLiteral({}), NO_DATA), { a: null, b: "dflt" });
    assert.deepEqual(s.fromLiteral(msgpackLiteral({ a: null, b: "x" }), NO_DATA), { a: null, b: "x" });
  });
});

describe("struct strictness", () => {
  const s = t.struct({ a: t.int, b: t.struct({ c: t.str }) });

  it("rejects unknown keys, naming the field", () => {
    const e = throwsType(
      () => s.toLiteral({ a: 1, b: { c: "x" }, z: 1 }, NO_DATA, ["in"]),
      "in:",
      'unknown field "z"',
      "struct{a, b}",
    );
    assert.deepEqual(e.path, ["in"]);
    throwsType(() => s.toLiteral({ a: 1, b: { c: "x", d: 2 } }, NO_DATA), 'unknown field "d"');
    throwsType(() => s.parse({ a: 1, b: { c: "x" }, z: 1 }), 'unknown field "z"');
  });

  it("rejects missing fields, naming the field and its type", () => {
    throwsType(() => s.toLiteral({ b: { c: "x" } }, NO_DATA), 'missing field "a" (int)');
    throwsType(() => s.toLiteral({ a: 1, b: {} }, NO_DATA), "b: expected struct{c}", 'missing field "c" (str)');
    throwsType(() => s.toLiteral({ a: undefined, b: { c: "x" } }, NO_DATA), 'missing field "a"');
    throwsType(() => s.fromLiteral(msgpackLiteral({ b: { c: "x" } }), NO_DATA), 'missing field "a" (int)');
    throwsType(() => s.fromLiteral(msgpackLiteral({ a: null, b: { c: "x" } }), NO_DATA), 'missing field "a"');
  });

  it("names the nested field whose value does not fit", () => {
    const e = throwsType(
      () => s.toLiteral({ a: 1, b: { c: 5 } }, NO_DATA, ["in"]),
      "in.b.c: expected str, got 5 (number)",
    );
    assert.deepEqual(e.path, ["in", "b", "c"]);
    const list = t.struct({ xs: t.list(t.struct({ v: t.int })) });
    const e2 = throwsType(
      () => list.toLiteral({ xs: [{ v: 1 }, { v: "2" }] }, NO_DATA),
      'xs[1].v: expected int, got "2" (string)',
    );
    assert.deepEqual(e2.path, ["xs", 1, "v"]);
    const e3 = throwsType(
      () => list.fromLiteral(msgpackLiteral({ xs: [{ v: 1 }, { v: "2" }] }), NO_DATA),
      "xs[1].v: expected int",
    );
    assert.deepEqual(e3.path, ["xs", 1, "v"]);
  });

  it("rejects arrays, class instances, Maps, null and primitives", () => {
    throwsType(() => s.toLiteral([1], NO_DATA), "expected struct{a, b}, got an array");
    throwsType(() => s.toLiteral(new (class Thing {})(), NO_DATA), "got a Thing");
    throwsType(() => s.toLiteral(new Map([["a", 1]]), NO_DATA), "got a Map");
    throwsType(() => s.toLiteral(null, NO_DATA), "got null");
    throwsType(() => s.toLiteral("{}", NO_DATA), '"{}" (string)');
  });

  it("refuses Binary literals with another tag, malformed msgpack and primitives", () => {
    throwsType(() => s.fromLiteral(binaryLiteral(encodeMsgpack({ a: 1 }), "json"), NO_DATA), "tagged msgpack");
    throwsType(
      () => s.fromLiteral(binaryLiteral(new Uint8Array([0x82, 0xa1]), "msgpack"), NO_DATA),
      "malformed msgpack",
    );
    throwsType(() => s.fromLiteral(integerLiteral(1n), NO_DATA), "scalar.primitive.integer as struct{a, b}");
    throwsType(() => s.fromLiteral(stringLiteral("{}"), NO_DATA), "as struct{a, b}");
  });

  it("parse returns a normalised copy in declaration order", () => {
    const p = t.struct({ d: t.duration, at: t.datetime, o: t.optional(t.int) });
    const v = p.parse({ at: "2024-01-02T00:00:00Z", d: "1m" });
    assert.deepEqual(v, { d: 60_000, at: new Date("2024-01-02T00:00:00Z"), o: null });
    assert.deepEqual(Object.keys(v), ["d", "at", "o"]);
  });
});

describe("legacy struct literals (protobuf Struct, FLYTE_USE_OLD_DC_FORMAT)", () => {
  const s = t.struct({
    a: t.int,
    b: t.float,
    c: t.str,
    big: t.bigint,
    at: t.datetime,
    d: t.duration,
    inner: t.struct({ n: t.int, xs: t.list(t.int) }),
    maybe: t.optional(t.int),
  });
  const json = {
    a: 1,
    b: 2.5,
    c: "x",
    big: 12,
    at: "2024-01-02T03:04:05+00:00",
    d: 1.5,
    inner: { n: 3, xs: [1, 2] },
    maybe: null,
  };

  it("reads ints that JSON turned into doubles back as ints", () => {
    const lit = wire(genericLiteral(json));
    const v = s.fromLiteral(lit, NO_DATA);
    assert.deepEqual(v, {
      a: 1,
      b: 2.5,
      c: "x",
      big: 12n,
      at: new Date("2024-01-02T03:04:05Z"),
      d: 1500,
      inner: { n: 3, xs: [1, 2] },
      maybe: null,
    });
    assert.ok(Number.isInteger(v.a) && Number.isInteger(v.inner.n));
  });

  it("still refuses fractions in int fields and unknown keys", () => {
    throwsType(() => s.fromLiteral(genericLiteral({ ...json, a: 1.5 }), NO_DATA), "a: expected int, got 1.5");
    throwsType(
      () => s.fromLiteral(genericLiteral({ ...json, inner: { n: 3, xs: [1, 2.5] } }), NO_DATA),
      "inner.xs[1]: expected int",
    );
  });
});

describe("t.dict (untyped JSON-like dicts)", () => {
  it("is STRUCT with the msgpack annotation and no schema, tagged Typed Dict", () => {
    assert.deepEqual(toJson(LiteralTypeSchema, t.dict().literalType), {
      simple: "STRUCT",
      annotation: { annotations: ANNOTATION },
    });
    assert.equal(t.dict().tag, "Typed Dict");
    assert.equal(t.dict().literalType.metadata, undefined);
  });

  it("round-trips JSON-like values", () => {
    const json = fc
      .jsonValue({ noUnicodeString: false })
      .filter((v) => v !== null && typeof v === "object" && !Array.isArray(v));
    fc.assert(
      fc.property(json, (v) => {
        const back = roundTrip(t.dict(), v);
        assert.deepEqual(back, v);
      }),
    );
    assert.deepEqual(roundTrip(t.dict(), { a: 1, b: [1.5, "x", null, true], c: { d: {} } }), {
      a: 1,
      b: [1.5, "x", null, true],
      c: { d: {} },
    });
  });

  it("writes msgpack bytes", () => {
    assert.equal(
      hex(bytesOf(t.dict().toLiteral({ a: 1, b: [1.5, "x"] }, NO_DATA))),
      "82a16101a16292cb3ff8000000000000a178",
    );
  });

  it("rejects values that are not JSON-like, naming where they are", () => {
    const e = throwsType(
      () => t.dict().toLiteral({ a: { when: new Date(0) } }, NO_DATA, ["cfg"]),
      "cfg.a.when: expected dict, got a Date",
      "JSON-like",
    );
    assert.deepEqual(e.path, ["cfg", "a", "when"]);
    throwsType(() => t.dict().toLiteral({ xs: [1, () => 1] }, NO_DATA), "xs[1]: expected dict, got a function");
    throwsType(() => t.dict().toLiteral([1], NO_DATA), "expected dict, got an array");
    throwsType(() => t.dict().toLiteral(null, NO_DATA), "expected dict, got null");
  });

  it("reads the legacy generic form", () => {
    assert.deepEqual(t.dict().fromLiteral(wire(genericLiteral({ a: 1, b: { c: [true] } })), NO_DATA), {
      a: 1,
      b: { c: [true] },
    });
  });

  it("round-trips inside a struct, floats included", () => {
    const s = t.struct({ cfg: t.dict(), n: t.int });
    const v = { cfg: { x: 1.5, y: [2.5, 3], z: { w: -0.25 }, s: "str" }, n: 1 };
    assert.deepEqual(roundTrip(s, v), v);
    assert.deepEqual(s.fromLiteral(msgpackLiteral({ cfg: { x: new MsgpackFloat(1) }, n: 1 }), NO_DATA), {
      cfg: { x: 1 },
      n: 1,
    });
  });

  it("round-trips as a list element and map value", () => {
    assert.deepEqual(roundTrip(t.list(t.dict()), [{ a: 1.5 }, {}]), [{ a: 1.5 }, {}]);
    assert.deepEqual(roundTrip(t.map(t.dict()), { k: { a: [0.5] } }), { k: { a: [0.5] } });
  });
});
