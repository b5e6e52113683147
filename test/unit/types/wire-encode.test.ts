// Lists and maps of primitives written straight to wire bytes (src/types/wire-encode.ts) and read back in one loop
// (readPrimitiveList in src/types/wire.ts): the bytes are exactly what protobuf-es writes for the literal tree of the
// same value, values round-trip, and anything off the fast path (wrong element, extra fields) takes the ordinary path
// with the ordinary errors.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, equals, fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteTypeError, t } from "flytekit-ts";
import { type Literal, LiteralMapSchema, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { cacheKey } from "../../../src/core/cache.js";
import { lazyLiteral, literalBytes } from "../../../src/idl/lazy.js";
import { encodeLiteral } from "../../../src/idl/literal-wire.js";
import {
  booleanLiteral,
  collectionLiteral,
  floatLiteral,
  integerLiteral,
  literalMap,
  mapLiteral,
  stringLiteral,
} from "../../../src/idl/literals.js";
import { encodeLiteralMap, encodeOutputs } from "../../../src/entrypoint/literals-io.js";
import { NO_DATA } from "../../../src/types/type.js";
import { BOOLEAN, FLOAT, INTEGER, readPrimitiveList, SLOW, STRING } from "../../../src/types/wire.js";
import { encodePrimitiveList, encodePrimitiveMap } from "../../../src/types/wire-encode.js";

/** The literal of one primitive as the generic path builds it. */
const generic: Record<number, (v: never) => Literal> = {
  [INTEGER]: (v: number) => integerLiteral(BigInt(v)),
  [FLOAT]: (v: number) => floatLiteral(v),
  [STRING]: (v: string) => stringLiteral(v),
  [BOOLEAN]: (v: boolean) => booleanLiteral(v),
};

const edgeInts = [
  0,
  -0,
  1,
  -1,
  127,
  128,
  16383,
  16384,
  2 ** 21 - 1,
  2 ** 21,
  2 ** 28 - 1,
  2 ** 28,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 35,
  2 ** 49,
  Number.MAX_SAFE_INTEGER,
  -Number.MAX_SAFE_INTEGER,
  -(2 ** 31),
  -(2 ** 32),
  -(2 ** 32) - 1,
  -(2 ** 28),
];
const ints = fc.oneof(fc.integer(), fc.maxSafeInteger(), fc.constantFrom(...edgeInts));
const doubles = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, -0, Infinity, -Infinity, Number.MIN_VALUE));
// Any UTF-16, lone surrogates included (written as U+FFFD by both sides), and non-BMP characters.
const strings = fc.oneof(fc.string({ unit: "binary" }), fc.string({ unit: "grapheme" }), fc.string());
const cases = [
  { kind: INTEGER, type: t.int, values: ints },
  { kind: FLOAT, type: t.float, values: doubles },
  { kind: STRING, type: t.str, values: strings },
  { kind: BOOLEAN, type: t.bool, values: fc.boolean() },
] as const;
const names: Record<number, string> = { [INTEGER]: "int", [FLOAT]: "float", [STRING]: "str", [BOOLEAN]: "bool" };

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return Object.is(a, b) || (a === 0 && b === 0);
  return a === b;
}

describe("lists and maps of primitives as wire bytes", () => {
  for (const c of cases) {
    it(`list<${names[c.kind]}>: the same bytes as toBinary of the literal tree, and back (property)`, () => {
      fc.assert(
        fc.property(fc.array(c.values as fc.Arbitrary<unknown>, { maxLength: 300 }), (xs) => {
          const tree = collectionLiteral(xs.map((x) => generic[c.kind]!(x as never)));
          const expected = toBinary(LiteralSchema, tree);
          const lit = t.list(c.type as typeof t.int).toLiteral(xs, NO_DATA);
          const bytes = literalBytes(lit);
          assert.ok(bytes, "a list of primitives is written as bytes");
          assert.deepEqual(Buffer.from(bytes), Buffer.from(expected));
          // Decoded through its fields (what any other reader sees), the lazy literal is the tree (NaN included).
          assert.deepEqual(Buffer.from(toBinary(LiteralSchema, lit)), Buffer.from(expected));
          const back = t.list(c.type as typeof t.int).fromLiteral(lazyLiteral(expected), NO_DATA);
          assert.equal(back.length, xs.length);
          // Strings with lone surrogates come back as U+FFFD, as from any protobuf reader.
          const want =
            c.kind === STRING ? xs.map((x) => new TextDecoder().decode(new TextEncoder().encode(x as string))) : xs;
          for (let i = 0; i < xs.length; i++) assert.ok(sameValue(back[i], want[i]), `element ${i}`);
          assert.notEqual(readPrimitiveList(expected, 0, expected.length, c.kind), SLOW);
        }),
        { numRuns: 200 },
      );
    });

    it(`map<str, ${names[c.kind]}>: the same bytes as toBinary of the literal tree (property)`, () => {
      fc.assert(
        fc.property(fc.dictionary(strings, c.values as fc.Arbitrary<unknown>, { maxKeys: 50 }), (m) => {
          const tree = mapLiteral(Object.fromEntries(Object.keys(m).map((k) => [k, generic[c.kind]!(m[k] as never)])));
          const expected = toBinary(LiteralSchema, tree);
          const lit = t.map(c.type as typeof t.int).toLiteral(m, NO_DATA);
          const bytes = literalBytes(lit);
          assert.ok(bytes, "a map of primitives is written as bytes");
          assert.deepEqual(Buffer.from(bytes), Buffer.from(expected));
        }),
        { numRuns: 200 },
      );
    });
  }

  it("keeps `__proto__` and integer-like keys in the order the tree is written in", () => {
    const m = JSON.parse('{"b": 1, "__proto__": 2, "10": 3, "2": 4, "": 5}') as Record<string, number>;
    const tree = t.map(t.int).toLiteral(new Map(Object.entries(m)), NO_DATA); // a Map takes the ordinary path
    assert.equal(literalBytes(tree), undefined);
    const fast = t.map(t.int).toLiteral(m, NO_DATA);
    assert.deepEqual(Buffer.from(literalBytes(fast)!), Buffer.from(toBinary(LiteralSchema, tree)));
    assert.deepEqual(t.map(t.int).fromLiteral(fast, NO_DATA), m);
  });

  it("an empty list and an empty map are the empty collection and map", () => {
    assert.deepEqual([...literalBytes(t.list(t.int).toLiteral([], NO_DATA))!], [0x12, 0x00]);
    assert.deepEqual([...literalBytes(t.map(t.str).toLiteral({}, NO_DATA))!], [0x1a, 0x00]);
    assert.deepEqual(t.list(t.int).fromLiteral(lazyLiteral(new Uint8Array([0x12, 0x00])), NO_DATA), []);
  });

  it("values off the fast path take the ordinary path and its errors", () => {
    for (const bad of [[1, 2.5], [1, "2"], [1, 2 ** 53], [Number.NaN], [1, null]]) {
      assert.equal(encodePrimitiveList(INTEGER, bad), undefined);
      assert.throws(
        () => t.list(t.int).toLiteral(bad, NO_DATA, ["xs"]),
        (e: unknown) => e instanceof FlyteTypeError && /^xs\[1\]|^xs\[0\]/.test(e.message),
      );
    }
    assert.throws(() => t.list(t.str).toLiteral(["a", 1], NO_DATA, ["names"]), /names\[1\]: expected str, got/);
    assert.throws(() => t.map(t.bool).toLiteral({ a: true, b: 0 }, NO_DATA, ["flags"]), /flags\.b: expected bool/);
    assert.equal(encodePrimitiveMap(FLOAT, [1]), undefined);
    assert.equal(encodePrimitiveMap(FLOAT, new Date()), undefined);
    // Subclasses and other element types keep the ordinary literal tree.
    assert.equal(literalBytes(t.list(t.optional(t.int)).toLiteral([1, null], NO_DATA)), undefined);
    assert.equal(literalBytes(t.list(t.bigint).toLiteral([1n], NO_DATA)), undefined);
  });

  it("reads lists written with anything more than a primitive per element the ordinary way", () => {
    const hashed = collectionLiteral([integerLiteral(1n), { ...integerLiteral(2n), hash: "h" }]);
    const bytes = toBinary(LiteralSchema, hashed);
    assert.equal(readPrimitiveList(bytes, 0, bytes.length, INTEGER), SLOW);
    assert.deepEqual(t.list(t.int).fromLiteral(lazyLiteral(bytes), NO_DATA), [1, 2]);
    // An int where floats are expected reads as a float, through the ordinary path.
    const mixed = toBinary(LiteralSchema, collectionLiteral([floatLiteral(0.5), integerLiteral(3n)]));
    assert.equal(readPrimitiveList(mixed, 0, mixed.length, FLOAT), SLOW);
    assert.deepEqual(t.list(t.float).fromLiteral(lazyLiteral(mixed), NO_DATA), [0.5, 3]);
    // Out of the safe range: the ordinary error.
    const huge = toBinary(LiteralSchema, collectionLiteral([integerLiteral(2n ** 60n)]));
    assert.throws(() => t.list(t.int).fromLiteral(lazyLiteral(huge), NO_DATA, ["xs"]), /xs\[0\].*safe integer/);
    // Truncated bytes are an error, not a short list.
    const cut = toBinary(LiteralSchema, collectionLiteral([integerLiteral(300n), integerLiteral(5n)]));
    assert.throws(() => t.list(t.int).fromLiteral(lazyLiteral(cut.subarray(0, cut.length - 1)), NO_DATA));
  });

  it("outputs.pb embeds the bytes as they are: the same file as the literal tree gives", () => {
    const xs = [1, -2, 2 ** 40];
    const lit = t.list(t.int).toLiteral(xs, NO_DATA);
    const { outputs } = encodeOutputs(
      literalMap({ o0: lit, o1: t.str.toLiteral("x", NO_DATA) }),
      {},
      "/tmp/out",
      { offload: undefined, maxOutputBytes: 1 << 20 },
      "t",
    );
    const tree = literalMap({
      o0: collectionLiteral(xs.map((x) => integerLiteral(BigInt(x)))),
      o1: stringLiteral("x"),
    });
    assert.deepEqual(Buffer.from(outputs), Buffer.from(toBinary(LiteralMapSchema, tree)));
    assert.deepEqual(Buffer.from(encodeLiteral(lit)), Buffer.from(toBinary(LiteralSchema, tree.literals.o0!)));
    assert.ok(equals(LiteralMapSchema, fromBinary(LiteralMapSchema, outputs), tree));
    assert.deepEqual(Buffer.from(encodeLiteralMap([["o0", encodeLiteral(lit)]])).length > 0, true);
    assert.ok(equals(LiteralSchema, create(LiteralSchema, lit), tree.literals.o0!));
  });

  it("a list written as bytes gives the same cache key as its literal tree", () => {
    const xs = [3, 1, 2];
    const lazy = literalMap({
      xs: t.list(t.int).toLiteral(xs, NO_DATA),
      m: t.map(t.str).toLiteral({ a: "b" }, NO_DATA),
    });
    const tree = literalMap({
      xs: collectionLiteral(xs.map((x) => integerLiteral(BigInt(x)))),
      m: mapLiteral({ a: stringLiteral("b") }),
    });
    assert.ok(literalBytes(lazy.literals.xs!));
    assert.equal(cacheKey("t", "1", lazy, []), cacheKey("t", "1", tree, []));
    assert.equal(
      cacheKey("t", "1", literalMap({ s: { ...lazy.literals.m! } }), []),
      cacheKey("t", "1", literalMap({ s: tree.literals.m! }), []),
    );
  });
});
