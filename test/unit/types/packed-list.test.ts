// Packed list literals (src/types/packed-list.ts), filled by index as map elements finish: the bytes are exactly
// those of toBinary of the literal tree the elements would have made (the tree a map task used to assemble), for
// every primitive kind, bare, wrapped as an optional and given as the optional's own literals, with failed (never set)
// elements, elements out of order, and elements that are not the plain form (hashes, metadata, lazy literals, another
// kind), which are kept as they are; and for elements of other types, kept as their bytes. Also the elements of a collection literal read one at a time from its bytes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteTypeError, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { collectionElements, lazyLiteral, literalBytes } from "../../../src/idl/lazy.js";
import { encodeLiteral } from "../../../src/idl/literal-wire.js";
import {
  binaryLiteral,
  collectionLiteral,
  integerLiteral,
  stringLiteral,
  unionLiteral,
} from "../../../src/idl/literals.js";
import { withTag } from "../../../src/idl/types.js";
import { PackedList } from "../../../src/types/packed-list.js";
import { type AnyType, NO_DATA } from "../../../src/types/type.js";

const ints = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.constantFrom(0, -1, 127, 128, 2 ** 31, 2 ** 32, -(2 ** 32), Number.MAX_SAFE_INTEGER),
);
const doubles = fc.oneof(fc.double(), fc.constantFrom(Number.NaN, -0, Infinity, -Infinity, Number.MIN_VALUE));
const strings = fc.oneof(fc.string({ unit: "grapheme" }), fc.string());
const kinds = [
  { name: "int", type: t.int, values: ints },
  { name: "float", type: t.float, values: doubles },
  { name: "str", type: t.str, values: strings },
  { name: "bool", type: t.bool, values: fc.boolean() },
] as const;

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/** Fills a packed list in a shuffled order and returns its bytes. */
function packed(given: AnyType, element: AnyType, lits: (Literal | undefined)[], order: number[]): Uint8Array {
  const list = PackedList.of(given, element, lits.length);
  assert.ok(list, `${given.name} -> ${element.name} is packed`);
  for (const i of order) {
    const lit = lits[i];
    if (lit !== undefined) list.set(i, lit);
  }
  const out = list.toLiteral();
  assert.ok(literalBytes(out), "the packed list is a lazy literal over its bytes");
  return literalBytes(out)!;
}

/** A permutation of 0..n-1 from a seed. */
function shuffled(n: number, seed: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) >>> 0;
    const j = s % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

describe("packed list literals", () => {
  for (const k of kinds) {
    const type = k.type as AnyType;
    const optional = t.optional(k.type as typeof t.int) as AnyType;

    it(`list<${k.name}>: the bytes of the literal tree, set in any order (property)`, () => {
      fc.assert(
        fc.property(fc.array(k.values as fc.Arbitrary<unknown>, { maxLength: 200 }), fc.integer(), (xs, seed) => {
          const lits = xs.map((x) => type.toLiteral(x, NO_DATA));
          const expected = toBinary(LiteralSchema, collectionLiteral(lits));
          assert.equal(hex(packed(type, type, lits, shuffled(xs.length, seed))), hex(expected));
        }),
        { numRuns: 100 },
      );
    });

    it(`list<optional<${k.name}>> from ${k.name} outputs: successes wrapped as the map wrapped them, failures none (property)`, () => {
      const stored = withTag(type.literalType, type.tag);
      fc.assert(
        fc.property(
          fc.array(fc.option(k.values as fc.Arbitrary<unknown>, { nil: undefined }), { maxLength: 200 }),
          fc.integer(),
          (xs, seed) => {
            const lits = xs.map((x) => (x === undefined ? undefined : type.toLiteral(x, NO_DATA)));
            const none = optional.toLiteral(null, NO_DATA);
            const tree = collectionLiteral(lits.map((l) => (l === undefined ? none : unionLiteral(l, stored))));
            assert.equal(
              hex(packed(type, optional, lits, shuffled(xs.length, seed))),
              hex(toBinary(LiteralSchema, tree)),
            );
            // The same bytes as the optional writes its own values.
            const own = collectionLiteral(xs.map((x) => optional.toLiteral(x ?? null, NO_DATA)));
            assert.equal(hex(toBinary(LiteralSchema, tree)), hex(toBinary(LiteralSchema, own)));
          },
        ),
        { numRuns: 100 },
      );
    });

    it(`list<optional<${k.name}>> from optional outputs: values, returned nones and failures (property)`, () => {
      const value = fc.oneof(
        (k.values as fc.Arbitrary<unknown>).map((v) => ({ v })),
        fc.constant({ v: null }),
        fc.constant(undefined),
      );
      fc.assert(
        fc.property(fc.array(value, { maxLength: 200 }), fc.integer(), (xs, seed) => {
          const lits = xs.map((x) => (x === undefined ? undefined : optional.toLiteral(x.v, NO_DATA)));
          const none = optional.toLiteral(null, NO_DATA);
          const tree = collectionLiteral(lits.map((l) => l ?? none));
          assert.equal(
            hex(packed(optional, optional, lits, shuffled(xs.length, seed))),
            hex(toBinary(LiteralSchema, tree)),
          );
        }),
        { numRuns: 100 },
      );
    });
  }

  it("keeps elements that are not the plain form as they are: hashes, metadata, another kind, lazy literals", () => {
    const odd: Literal[] = [
      { ...integerLiteral(5n), hash: "h" },
      { ...integerLiteral(6n), metadata: { k: "v" } },
      stringLiteral("not an int"),
      integerLiteral(2n ** 60n),
    ];
    const fromFile = new Uint8Array([0xff, ...toBinary(LiteralSchema, { ...integerLiteral(7n), hash: "x" }), 0xff]);
    const lazyOdd = lazyLiteral(fromFile.subarray(1, fromFile.length - 1));
    const lazyPlain = lazyLiteral(toBinary(LiteralSchema, integerLiteral(8n)));
    const lits = [integerLiteral(1n), ...odd, lazyOdd, lazyPlain, integerLiteral(-3n)];
    const expected = toBinary(LiteralSchema, collectionLiteral(lits));
    assert.equal(hex(packed(t.int, t.int, lits, shuffled(lits.length, 7))), hex(expected));
    // Wrapped as optionals, an odd element is wrapped whole.
    const opt = t.optional(t.int);
    const stored = withTag(t.int.literalType, t.int.tag);
    const tree = collectionLiteral(lits.map((l) => unionLiteral(l, stored)));
    assert.equal(hex(packed(t.int, opt, lits, shuffled(lits.length, 3))), hex(toBinary(LiteralSchema, tree)));
    // Given as the optional's literals: a union with another stored type, or a bare literal, is kept as it is.
    const foreign = unionLiteral(integerLiteral(4n), withTag(t.int.literalType, "other"));
    const bare = integerLiteral(9n);
    const given = [opt.toLiteral(1, NO_DATA), foreign, bare, opt.toLiteral(null, NO_DATA)];
    assert.equal(hex(packed(opt, opt, given, [3, 2, 1, 0])), hex(toBinary(LiteralSchema, collectionLiteral(given))));
  });

  it("an element set twice keeps the last literal", () => {
    const list = PackedList.of(t.int, t.int, 2)!;
    list.set(0, stringLiteral("odd"));
    list.set(0, integerLiteral(1n));
    list.set(1, integerLiteral(2n));
    list.set(1, { ...integerLiteral(3n), hash: "h" });
    const want = collectionLiteral([integerLiteral(1n), { ...integerLiteral(3n), hash: "h" }]);
    assert.equal(hex(encodeLiteral(list.toLiteral())), hex(toBinary(LiteralSchema, want)));
    assert.deepEqual(t.list(t.int).fromLiteral(list.toLiteral(), NO_DATA), [1, 3]);
  });

  it("a missing element of a type that takes no none is the type's error; indices are checked", () => {
    const list = PackedList.of(t.int, t.int, 3)!;
    list.set(0, integerLiteral(1n));
    assert.throws(
      () => list.toLiteral(),
      (e: unknown) => e instanceof FlyteTypeError && /^\[1\]: expected int/.test(e.message),
    );
    assert.throws(() => list.set(3, integerLiteral(1n)), /element index 3 is outside a list of 3/);
    assert.throws(() => list.set(-1, integerLiteral(1n)), RangeError);
    assert.equal(hex(encodeLiteral(PackedList.of(t.str, t.str, 0)!.toLiteral())), "1200");
  });

  it("keeps elements of other types as their bytes: structs, lists, datetimes, optionals of them, none", () => {
    const Point = t.struct({ x: t.int, label: t.str }, { name: "Point" });
    const cases: [AnyType, unknown[]][] = [
      [
        Point as AnyType,
        [
          { x: 1, label: "a" },
          { x: -2, label: "é" },
          { x: 3, label: "" },
        ],
      ],
      [t.list(t.int) as AnyType, [[1, 2], [], [3]]],
      [t.datetime as AnyType, [new Date(0), new Date(Date.UTC(2024, 1, 29)), new Date(1)]],
      [t.bigint as AnyType, [1n, -(2n ** 62n), 0n]],
    ];
    for (const [type, values] of cases) {
      const lits = values.map((v) => type.toLiteral(v, NO_DATA));
      const expected = toBinary(LiteralSchema, collectionLiteral(lits));
      assert.equal(hex(packed(type, type, lits, [2, 0, 1])), hex(expected), type.name);
      // Wrapped as optionals, with a failed (never set) element.
      const optional = t.optional(type as typeof t.int) as AnyType;
      const withFailure = [lits[0], undefined, lits[2]];
      const tree = collectionLiteral([
        optional.toLiteral(values[0], NO_DATA),
        optional.toLiteral(null, NO_DATA),
        optional.toLiteral(values[2], NO_DATA),
      ]);
      assert.equal(hex(packed(type, optional, withFailure, [2, 0])), hex(toBinary(LiteralSchema, tree)), type.name);
      // Given as the optional's own literals.
      const own = [optional.toLiteral(values[0], NO_DATA), optional.toLiteral(null, NO_DATA), undefined];
      const ownTree = collectionLiteral([own[0]!, own[1]!, optional.toLiteral(null, NO_DATA)]);
      assert.equal(hex(packed(optional, optional, own, [1, 0])), hex(toBinary(LiteralSchema, ownTree)), type.name);
    }
    // Binary literals with a hash or metadata, an empty value or tag, and lazy ones: as they are.
    const odd: Literal[] = [
      { ...binaryLiteral(new Uint8Array([1, 2]), "msgpack"), hash: "h" },
      { ...binaryLiteral(new Uint8Array([3]), "msgpack"), metadata: { k: "v" } },
      binaryLiteral(new Uint8Array(0), "msgpack"),
      binaryLiteral(new Uint8Array(300).fill(7), ""),
      binaryLiteral(new Uint8Array(0), ""),
      binaryLiteral(new Uint8Array([9]), "tag é"),
      lazyLiteral(toBinary(LiteralSchema, binaryLiteral(new Uint8Array([4]), "msgpack"))),
    ];
    const oddExpected = toBinary(LiteralSchema, collectionLiteral(odd));
    assert.equal(hex(packed(Point as AnyType, Point as AnyType, odd, shuffled(odd.length, 5))), hex(oddExpected));
    // t.none outputs: returned nones and missing ones.
    const none = t.none as AnyType;
    const nones = [none.toLiteral(null, NO_DATA), undefined];
    const noneTree = collectionLiteral([none.toLiteral(null, NO_DATA), none.toLiteral(null, NO_DATA)]);
    assert.equal(hex(packed(none, none, nones, [0])), hex(toBinary(LiteralSchema, noneTree)));
  });

  it("elements larger than a buffer get one of their own, and many elements span buffers", () => {
    const big = "x".repeat(3 << 20);
    const Doc = t.struct({ body: t.str }, { name: "Doc" }) as AnyType;
    const values = [
      { body: "a" },
      { body: big },
      ...Array.from({ length: 3000 }, (_, i) => ({ body: `${i}`.repeat(200) })),
    ];
    const lits = values.map((v) => Doc.toLiteral(v, NO_DATA));
    const expected = toBinary(LiteralSchema, collectionLiteral(lits));
    assert.ok(hex(packed(Doc, Doc, lits, shuffled(lits.length, 11))) === hex(expected));
  });

  it("takes literals of the element type, or of the T of an optional(T) element type, and nothing else", () => {
    const withDefault = t.int.default(3);
    assert.ok(PackedList.of(withDefault, withDefault, 1));
    assert.ok(PackedList.of(t.bool, t.optional(t.bool), 1));
    assert.ok(PackedList.of(t.datetime, t.optional(t.datetime), 1));
    assert.equal(PackedList.of(t.int, t.optional(t.float), 1), undefined);
    assert.equal(PackedList.of(t.int, t.float, 1), undefined);
    assert.equal(PackedList.of(t.int.default(3), t.int.default(3), 1), undefined);
  });
});

describe("collection elements one at a time", () => {
  it("are the decoded collection's elements, in order and out of order, each a lazy literal of its bytes", () => {
    const xs = [1, -2, 300, 2 ** 40];
    const bytes = encodeLiteral(t.list(t.int).toLiteral(xs, NO_DATA));
    const els = collectionElements(lazyLiteral(bytes))!;
    assert.equal(els.length, 4);
    const decoded = lazyLiteral(bytes).value;
    assert.equal(decoded.case, "collection");
    for (const i of [0, 1, 2, 3, 1, 0, 3]) {
      const el = els.at(i);
      assert.ok(literalBytes(el), "a lazy element");
      assert.equal(t.int.fromLiteral(el, NO_DATA), xs[i]);
      assert.equal(hex(encodeLiteral(el)), hex(toBinary(LiteralSchema, decoded.value.literals[i]!)));
    }
    assert.throws(() => els.at(4), /element 4 of a list of 4/);
  });

  it("skips fields it does not know, takes the last value field, and refuses what is not a collection", () => {
    const withHash = toBinary(LiteralSchema, { ...collectionLiteral([integerLiteral(1n)]), hash: "h" });
    assert.equal(collectionElements(lazyLiteral(withHash))!.length, 1);
    assert.equal(collectionElements(lazyLiteral(toBinary(LiteralSchema, integerLiteral(1n)))), undefined);
    // A collection then a scalar on the wire decodes as the scalar.
    const both = new Uint8Array([
      ...toBinary(LiteralSchema, collectionLiteral([integerLiteral(1n)])),
      ...toBinary(LiteralSchema, integerLiteral(2n)),
    ]);
    assert.equal(collectionElements(lazyLiteral(both)), undefined);
    // Literal objects: their own elements.
    const tree = collectionLiteral([integerLiteral(5n), integerLiteral(6n)]);
    const els = collectionElements(tree)!;
    assert.equal(els.length, 2);
    assert.equal(els.at(1), tree.value.case === "collection" ? tree.value.value.literals[1] : undefined);
    assert.equal(collectionElements(integerLiteral(1n)), undefined);
  });

  it("an empty collection has no elements", () => {
    assert.equal(collectionElements(lazyLiteral(new Uint8Array([0x12, 0x00])))!.length, 0);
  });
});
