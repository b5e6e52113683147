// Literals serialized without protobuf-es reflection (src/idl/literal-wire.ts): the bytes are exactly what
// toBinary(LiteralSchema, lit) writes, for generated trees of every shape it writes itself and for trees mixing in
// shapes it hands to toBinary (unions, structs, errors, unknown fields), and lazy literals keep their own bytes.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { create, fromBinary, type MessageInitShape, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { SimpleType } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { lazyLiteral } from "../../../src/idl/lazy.js";
import { encodeLiteral } from "../../../src/idl/literal-wire.js";
import { integerLiteral } from "../../../src/idl/literals.js";

type Init = MessageInitShape<typeof LiteralSchema>;

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const secondsNanos = fc.record({ seconds: int64, nanos: int32 });
const text = fc.oneof(fc.string(), fc.string({ unit: "binary" }), fc.constant(""));
const metadata = fc.dictionary(text, text, { maxKeys: 3 });

/** A primitive of every kind, with edge values (zero, negatives, NaN, -0, lone surrogates, empty strings). */
const primitive = fc.oneof(
  int64.map((value) => ({ case: "integer" as const, value })),
  fc.double().map((value) => ({ case: "floatValue" as const, value })),
  text.map((value) => ({ case: "stringValue" as const, value })),
  fc.boolean().map((value) => ({ case: "boolean" as const, value })),
  secondsNanos.map((value) => ({ case: "datetime" as const, value })),
  secondsNanos.map((value) => ({ case: "duration" as const, value })),
  fc.constant({ case: undefined }),
);

/** The scalars written directly. */
const plainScalar = fc.oneof(
  primitive.map((value) => ({ case: "primitive" as const, value: { value } })),
  fc.constant({ case: "noneType" as const, value: {} }),
  fc
    .record({ value: fc.uint8Array({ maxLength: 16 }), tag: text })
    .map((value) => ({ case: "binary" as const, value })),
  fc
    .record({
      uri: text,
      metadata: fc.option(
        fc.record({
          type: fc.option(fc.record({ format: text, dimensionality: fc.constantFrom(0, 1, 7) }), { nil: undefined }),
        }),
        { nil: undefined },
      ),
    })
    .map((value) => ({ case: "blob" as const, value })),
);

/** Scalars left to toBinary. */
const otherScalar = fc.oneof(
  fc.constant({ case: "error" as const, value: { failedNodeId: "n0", message: "boom" } }),
  fc.constant({
    case: "generic" as const,
    value: { fields: { a: { kind: { case: "numberValue" as const, value: 1 } } } },
  }),
  primitive.map((value) => ({
    case: "union" as const,
    value: {
      value: { value: { case: "scalar" as const, value: { value: { case: "primitive" as const, value: { value } } } } },
      type: { type: { case: "simple" as const, value: SimpleType.INTEGER } },
    },
  })),
);

// The generated shapes are checked by create() at run time; the static type of the nested unions is not spelled out.
const literal = fc.letrec<{ lit: unknown }>((tie) => ({
  lit: fc.record(
    {
      value: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        plainScalar.map((value) => ({ case: "scalar" as const, value: { value } })),
        otherScalar.map((value) => ({ case: "scalar" as const, value: { value } })),
        fc
          .array(tie("lit"), { maxLength: 4 })
          .map((literals) => ({ case: "collection" as const, value: { literals } })),
        fc
          .dictionary(text, tie("lit"), { maxKeys: 4 })
          .map((literals) => ({ case: "map" as const, value: { literals } })),
        fc.constant({ case: undefined }),
      ),
      hash: text,
      metadata,
    },
    { requiredKeys: ["value"] },
  ),
})).lit as fc.Arbitrary<Init>;

describe("encodeLiteral", () => {
  it("writes the bytes toBinary writes, for generated literal trees", () => {
    fc.assert(
      fc.property(literal, (init) => {
        const lit = create(LiteralSchema, init);
        assert.deepEqual(Buffer.from(encodeLiteral(lit)), Buffer.from(toBinary(LiteralSchema, lit)));
      }),
      { numRuns: 2000 },
    );
  });

  it("writes edge values as toBinary does", () => {
    const cases: Init[] = [
      {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "integer", value: 0n } } } },
        },
      },
      {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "floatValue", value: -0 } } } },
        },
      },
      {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "floatValue", value: Number.NaN } } } },
        },
      },
      {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "stringValue", value: "" } } } },
        },
      },
      {
        value: {
          case: "scalar",
          value: { value: { case: "primitive", value: { value: { case: "boolean", value: false } } } },
        },
      },
      {
        value: {
          case: "scalar",
          value: {
            value: { case: "primitive", value: { value: { case: "datetime", value: { seconds: -1n, nanos: -5 } } } },
          },
        },
      },
      { value: { case: "scalar", value: { value: { case: "primitive", value: {} } } } },
      { value: { case: "scalar", value: {} } },
      { value: { case: "collection", value: {} } },
      { value: { case: "map", value: { literals: { "": {}, __proto__: {} } } } },
      {},
      { hash: "h", metadata: { k: "", "": "v" } },
    ];
    for (const init of cases) {
      const lit = create(LiteralSchema, init);
      assert.deepEqual(
        Buffer.from(encodeLiteral(lit)),
        Buffer.from(toBinary(LiteralSchema, lit)),
        JSON.stringify(init, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
      );
    }
  });

  it("keeps fields a decoded literal carries that its schema does not know, at any depth", () => {
    // Literal{scalar{primitive{integer: 7}}} with a field 15 (varint 1) on the Literal, then with a field 9 (varint 2)
    // on the Primitive: fields of a newer IDL, which toBinary writes back.
    const outer = new Uint8Array([0x0a, 4, 0x0a, 2, 0x08, 0x07, 0x78, 0x01]);
    const inner = new Uint8Array([0x0a, 6, 0x0a, 4, 0x08, 0x07, 0x48, 0x02]);
    for (const bytes of [outer, inner]) {
      const lit = fromBinary(LiteralSchema, bytes);
      assert.deepEqual(Buffer.from(encodeLiteral(lit)), Buffer.from(bytes));
      assert.deepEqual(Buffer.from(encodeLiteral(lit)), Buffer.from(toBinary(LiteralSchema, lit)));
    }
  });

  it("returns a lazy literal's own bytes, and serializes one inside a collection as its bytes", () => {
    const bytes = toBinary(LiteralSchema, integerLiteral(-3n));
    const lazy: Literal = lazyLiteral(bytes, "test");
    assert.deepEqual(Buffer.from(encodeLiteral(lazy)), Buffer.from(bytes));
    const list = create(LiteralSchema, {
      value: { case: "collection", value: { literals: [lazy, integerLiteral(4n)] } },
    });
    const expected = toBinary(
      LiteralSchema,
      create(LiteralSchema, {
        value: { case: "collection", value: { literals: [integerLiteral(-3n), integerLiteral(4n)] } },
      }),
    );
    assert.deepEqual(Buffer.from(encodeLiteral(list)), Buffer.from(expected));
  });
});
