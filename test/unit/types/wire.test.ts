// Literals read from their wire bytes (lazy literals) give exactly what the decoded literals give: values, errors,
// re-encoding, and every map key (`__proto__` included).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { t } from "flytekit-ts";
import { type Literal, LiteralMapSchema, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { decodeLiteralMapLazily, lazyLiteral, literalBytes, literalCase } from "../../../src/idl/lazy.js";
import { floatLiteral, integerLiteral, literalMap, mapLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { NO_DATA } from "../../../src/types/type.js";
import { encodeLiteralMap } from "../../../src/entrypoint/literals-io.js";

const lazy = (lit: Literal) => lazyLiteral(toBinary(LiteralSchema, lit));

function outcome(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

describe("lazy literals", () => {
  const types = [
    t.map(t.int),
    t.map(t.float),
    t.map(t.str),
    t.map(t.bool),
    t.list(t.int),
    t.list(t.str),
    t.map(t.list(t.float)),
    t.list(t.map(t.bool)),
    t.map(t.optional(t.int)),
    t.map(t.struct({ a: t.int })),
  ];
  const values = fc.oneof(
    fc.dictionary(fc.string(), fc.oneof(fc.integer(), fc.double(), fc.string(), fc.boolean())),
    fc.array(fc.oneof(fc.integer(), fc.string(), fc.boolean())),
    fc.dictionary(fc.string(), fc.array(fc.double())),
    fc.array(fc.dictionary(fc.string(), fc.boolean())),
    fc.dictionary(fc.string(), fc.record({ a: fc.integer() })),
  );

  it("read to the same values and the same errors as decoded literals, for any type and value (property)", () => {
    fc.assert(
      fc.property(fc.constantFrom(...types), values, fc.constantFrom(...types), (writeAs, v, readAs) => {
        let lit: Literal;
        try {
          lit = writeAs.toLiteral(v, NO_DATA);
        } catch {
          return;
        }
        const decoded = fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
        const expected = outcome(() => readAs.fromLiteral(decoded, NO_DATA, ["x"]));
        const got = outcome(() => readAs.fromLiteral(lazy(lit), NO_DATA, ["x"]));
        assert.deepEqual(got, expected);
      }),
      { numRuns: 400 },
    );
  });

  it("integers at the edges of the safe range, negative ones, and floats where ints are expected", () => {
    const ints = t.map(t.int);
    for (const n of [0, -1, 1, 2 ** 31, -(2 ** 31), 2 ** 32, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER]) {
      assert.deepEqual(ints.fromLiteral(lazy(ints.toLiteral({ n }, NO_DATA)), NO_DATA), { n }, String(n));
    }
    const big = mapLiteral({ n: integerLiteral(2n ** 60n) });
    assert.throws(() => ints.fromLiteral(lazy(big), NO_DATA, ["m"]), /outside the safe integer range/);
    assert.deepEqual(ints.fromLiteral(lazy(mapLiteral({ n: floatLiteral(3) })), NO_DATA), { n: 3 });
    assert.throws(
      () => ints.fromLiteral(lazy(mapLiteral({ n: stringLiteral("3") })), NO_DATA, ["m"]),
      /m\.n|m\["n"\]|\bn\b/,
    );
  });

  it("re-encode to the same bytes and answer every field", () => {
    fc.assert(
      fc.property(values, (v) => {
        for (const ty of types) {
          let lit: Literal;
          try {
            lit = ty.toLiteral(v, NO_DATA);
          } catch {
            continue;
          }
          const bytes = toBinary(LiteralSchema, { ...lit, hash: "h", metadata: { k: "v" } });
          const l = lazyLiteral(bytes);
          assert.equal(literalCase(l), lit.value.case);
          assert.deepEqual(toBinary(LiteralSchema, l), bytes);
          assert.equal(l.hash, "h");
          assert.deepEqual({ ...l.metadata }, { k: "v" });
        }
      }),
      { numRuns: 100 },
    );
  });

  it("a changed field is what readers see (the wire bytes are forgotten)", () => {
    const l = lazy(mapLiteral({ a: integerLiteral(1n) }));
    l.value = mapLiteral({ b: integerLiteral(2n) }).value;
    assert.equal(literalBytes(l), undefined);
    assert.deepEqual(t.map(t.int).fromLiteral(l, NO_DATA), { b: 2 });
  });

  it("keep a __proto__ key, as an own key, where protobuf-es drops it", () => {
    const lm = literalMap({ m: mapLiteral({ ["__proto__"]: integerLiteral(1n), a: integerLiteral(2n) }) });
    const bytes = toBinary(LiteralMapSchema, lm);
    const eager = fromBinary(LiteralMapSchema, bytes).literals.m!;
    assert.deepEqual(Object.keys((eager.value.value as { literals: object }).literals), ["a"], "protobuf-es drops it");
    const read = t.map(t.int).fromLiteral(decodeLiteralMapLazily(bytes).literals.m!, NO_DATA);
    assert.deepEqual(Object.getOwnPropertyNames(read), ["__proto__", "a"]);
    assert.equal(Object.getPrototypeOf(read), Object.prototype);
    assert.equal(({} as Record<string, unknown>).a, undefined);
    const m = decodeLiteralMapLazily(bytes).literals.m!;
    assert.deepEqual(Object.getOwnPropertyNames((m.value.value as { literals: object }).literals), ["__proto__", "a"]);
    const top = decodeLiteralMapLazily(encodeLiteralMap([["__proto__", toBinary(LiteralSchema, integerLiteral(3n))]]));
    assert.deepEqual(Object.getOwnPropertyNames(top.literals), ["__proto__"]);
    const own = Object.getOwnPropertyDescriptor(top.literals, "__proto__")?.value as Literal;
    assert.equal(t.int.fromLiteral(own, NO_DATA), 3);
  });
});
