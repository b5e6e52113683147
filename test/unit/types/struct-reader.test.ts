// Structs read straight from their msgpack bytes (StructType.msgpackReader) give exactly what the ordinary path gives
// (decodeMsgpack, then fromMsgpack): whenever the direct reader returns a value it is the ordinary value, and every
// input it does not take (wrong types, keys out of order, missing or unknown keys, malformed bytes) is read the
// ordinary way, errors included.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { t } from "flytekit-ts";
import { LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { lazyLiteral } from "../../../src/idl/lazy.js";
import { binaryLiteral, collectionLiteral } from "../../../src/idl/literals.js";
import { decodeMsgpack, encodeMsgpack, MsgpackFloat } from "../../../src/types/msgpack.js";
import { NO_DATA } from "../../../src/types/type.js";
import { SLOW } from "../../../src/types/wire.js";

const Inner = t.struct({ x: t.float, ys: t.list(t.int) });
const Rec = t.struct({
  id: t.int,
  name: t.str,
  score: t.float,
  ok: t.bool,
  tags: t.list(t.str),
  d: t.optional(t.int),
  inner: Inner,
  maybe: t.optional(Inner),
  dflt: t.int.default(7),
});

function outcome(f: () => unknown): unknown {
  try {
    return { value: f() };
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** The ordinary path: decode with float wrappers, then convert. */
function ordinary(bytes: Uint8Array): unknown {
  return Rec.fromMsgpack(decodeMsgpack(bytes, { floatWrapper: true }), NO_DATA, []);
}

function direct(bytes: Uint8Array): unknown {
  return (Rec as unknown as { readMsgpackBytes(b: Uint8Array, s: number, e: number): unknown }).readMsgpackBytes(
    bytes,
    0,
    bytes.length,
  );
}

// Values near the struct's shape: right and wrong field types, floats written as float64 or int, keys left out.
const anyScalar = fc.oneof(
  fc.integer(),
  fc.double().map((d) => new MsgpackFloat(d)),
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);
const intLike = fc.oneof(
  fc.integer(),
  fc.maxSafeInteger(),
  fc.integer().map((i) => new MsgpackFloat(i)),
  anyScalar,
);
const floatLike = fc.oneof(
  fc.double().map((d) => new MsgpackFloat(d)),
  fc.integer(),
  anyScalar,
);
const inner = fc.oneof(
  fc.record({ x: floatLike, ys: fc.array(intLike, { maxLength: 4 }) }, { requiredKeys: [] }),
  anyScalar,
);
const record = fc.record(
  {
    id: intLike,
    name: fc.oneof(fc.string(), anyScalar),
    score: floatLike,
    ok: fc.oneof(fc.boolean(), anyScalar),
    tags: fc.oneof(fc.array(fc.string(), { maxLength: 4 }), fc.array(anyScalar, { maxLength: 2 })),
    d: fc.oneof(fc.constant(null), intLike),
    inner,
    maybe: fc.oneof(fc.constant(null), inner),
    dflt: intLike,
  },
  { requiredKeys: ["id", "name", "score", "ok", "tags", "inner"] },
);
// Some records get an unknown key or have their keys shuffled.
const shaped = fc.tuple(record, fc.boolean(), fc.boolean()).map(([r, extra, shuffle]) => {
  const entries = Object.entries(r);
  if (extra) entries.push(["zzz", 1]);
  if (shuffle) entries.reverse();
  return Object.fromEntries(entries);
});

describe("structs read straight from msgpack", () => {
  it("give the ordinary value whenever they give one, and the ordinary outcome through fromLiteral (property)", () => {
    let direct_hits = 0;
    fc.assert(
      fc.property(shaped, (r) => {
        const bytes = encodeMsgpack(r);
        const expected = outcome(() => ordinary(bytes));
        const got = direct(bytes);
        if (got !== SLOW) {
          direct_hits++;
          assert.deepEqual({ value: got }, expected);
        }
        // Through the public path, from a literal tree and from wire bytes (a list of one, as inputs.pb holds).
        const lit = binaryLiteral(bytes, "msgpack");
        const fromTree = outcome(() => Rec.fromLiteral(lit, NO_DATA));
        const wire = toBinary(LiteralSchema, collectionLiteral([lit]));
        const fromWire = outcome(() => t.list(Rec).fromLiteral(lazyLiteral(wire), NO_DATA));
        if ("value" in (expected as object)) {
          assert.deepEqual(fromTree, expected);
          assert.deepEqual(fromWire, { value: [(expected as { value: unknown }).value] });
        } else {
          assert.ok("error" in (fromTree as object));
          assert.ok("error" in (fromWire as object));
        }
      }),
      { numRuns: 1000 },
    );
    assert.ok(direct_hits > 0, "some records take the direct path");
  });

  it("read what the type itself writes directly", () => {
    const v = {
      id: -3,
      name: "é€😀",
      score: 1,
      ok: false,
      tags: ["a", ""],
      d: null,
      inner: { x: 0.5, ys: [2 ** 40, -1] },
      maybe: { x: -0, ys: [] },
      dflt: 7,
    };
    const bytes = encodeMsgpack(Rec.toMsgpack(v, NO_DATA, []));
    assert.deepEqual(direct(bytes), v);
    assert.deepEqual(direct(bytes), ordinary(bytes));
    assert.ok(Object.is((direct(bytes) as typeof v).maybe.x, -0));
  });

  it("leave malformed and truncated bytes to the ordinary path and its error", () => {
    const bytes = encodeMsgpack(
      Rec.toMsgpack({ id: 1, name: "n", score: 2, ok: true, tags: [], inner: { x: 1, ys: [] } }, NO_DATA, []),
    );
    for (const cut of [1, 5, bytes.length - 1]) {
      const part = bytes.subarray(0, cut);
      assert.equal(direct(part), SLOW);
      assert.throws(() => Rec.fromLiteral(binaryLiteral(part, "msgpack"), NO_DATA), /malformed msgpack/);
    }
    const trailing = new Uint8Array([...bytes, 0xc0]);
    assert.equal(direct(trailing), SLOW);
    assert.throws(() => Rec.fromLiteral(binaryLiteral(trailing, "msgpack"), NO_DATA), /malformed msgpack/);
  });

  it("a struct with a field type that has no direct reader takes the ordinary path", () => {
    const WithDict = t.struct({ a: t.int, extra: t.dict() });
    assert.equal(WithDict.msgpackReader(), undefined);
    const bytes = encodeMsgpack({ a: 1, extra: { k: new MsgpackFloat(1) } });
    assert.deepEqual(WithDict.fromLiteral(binaryLiteral(bytes, "msgpack"), NO_DATA), { a: 1, extra: { k: 1 } });
  });
});
