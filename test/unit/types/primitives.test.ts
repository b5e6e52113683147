import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, type JsonValue, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteTypeError, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import {
  binaryLiteral,
  floatLiteral,
  integerLiteral,
  noneLiteral,
  primitiveLiteral,
  stringLiteral,
  timestamp,
  unionLiteral,
} from "../../../src/idl/literals.js";
import { encodeMsgpack, MsgpackFloat } from "../../../src/types/msgpack.js";
import { type AnyType, NO_DATA } from "../../../src/types/type.js";

/** Sends a literal through the protobuf wire format, as it travels between tasks. */
const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const roundTrip = (type: AnyType, value: unknown): unknown =>
  type.fromLiteral(wire(type.toLiteral(value, NO_DATA)), NO_DATA);
const litJson = (lit: Literal): JsonValue => toJson(LiteralSchema, lit);
const typeJson = (type: AnyType): JsonValue => toJson(LiteralTypeSchema, type.literalType);
const msgpackLiteral = (v: unknown): Literal => binaryLiteral(encodeMsgpack(v), "msgpack");
const datetimeLiteral = (seconds: bigint, nanos: number): Literal =>
  primitiveLiteral({ case: "datetime", value: timestamp(seconds, nanos) });

/** Asserts that `fn` throws a FlyteTypeError whose message matches every pattern; returns the error. */
function throwsType(fn: () => unknown, ...patterns: (RegExp | string)[]): FlyteTypeError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof FlyteTypeError, `expected a FlyteTypeError, got ${String(caught)}`);
  for (const p of patterns) {
    if (typeof p === "string") assert.ok(caught.message.includes(p), `${JSON.stringify(caught.message)} lacks ${p}`);
    else assert.match(caught.message, p);
  }
  return caught;
}

const INT64_MAX = (1n << 63n) - 1n;
const INT64_MIN = -(1n << 63n);

describe("primitive literal types and union tags", () => {
  const cases: [string, AnyType, string, string][] = [
    ["int", t.int, "INTEGER", "int"],
    ["bigint", t.bigint, "INTEGER", "int"],
    ["float", t.float, "FLOAT", "float"],
    ["str", t.str, "STRING", "str"],
    ["bool", t.bool, "BOOLEAN", "bool"],
    ["datetime", t.datetime, "DATETIME", "datetime"],
    ["datetime (truncating)", t.datetime.truncating(), "DATETIME", "datetime"],
    ["duration", t.duration, "DURATION", "timedelta"],
    ["none", t.none, "NONE", "none"],
  ];
  for (const [name, type, simple, tag] of cases) {
    it(`${name} is simple ${simple}, tagged ${JSON.stringify(tag)}, with no metadata or annotation`, () => {
      assert.deepEqual(typeJson(type), { simple });
      assert.equal(type.tag, tag);
      assert.equal(type.literalType.metadata, undefined);
      assert.equal(type.literalType.annotation, undefined);
    });
  }

  it("only none accepts a missing value", () => {
    for (const [, type] of cases) assert.equal(type.acceptsNone, type === t.none, type.name);
  });
});

describe("t.int", () => {
  it("writes primitive.integer as int64", () => {
    assert.deepEqual(litJson(t.int.toLiteral(42, NO_DATA)), { scalar: { primitive: { integer: "42" } } });
    assert.deepEqual(litJson(t.int.toLiteral(-7, NO_DATA)), { scalar: { primitive: { integer: "-7" } } });
    assert.deepEqual(litJson(t.int.toLiteral(-0, NO_DATA)), { scalar: { primitive: { integer: "0" } } });
  });

  it("round-trips every safe integer", () => {
    fc.assert(
      fc.property(fc.maxSafeInteger(), (n) => {
        const back = roundTrip(t.int, n);
        assert.equal(back, n === 0 ? 0 : n);
        assert.ok(!Object.is(back, -0));
      }),
    );
    for (const n of [Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0, 1, -1]) assert.equal(roundTrip(t.int, n), n);
  });

  it("rejects fractions, strings, booleans, bigints, NaN and infinities, naming the value and the type", () => {
    throwsType(() => t.int.toLiteral(1.5, NO_DATA), "value: expected int, got 1.5 (number)");
    throwsType(() => t.int.toLiteral("1", NO_DATA), 'expected int, got "1" (string)');
    throwsType(() => t.int.toLiteral(true, NO_DATA), "expected int, got true (boolean)");
    throwsType(() => t.int.toLiteral(1n, NO_DATA), "expected int, got 1n (bigint)");
    throwsType(() => t.int.toLiteral(Number.NaN, NO_DATA), "expected int, got NaN");
    throwsType(() => t.int.toLiteral(Number.POSITIVE_INFINITY, NO_DATA), "expected int, got Infinity");
    throwsType(() => t.int.toLiteral({}, NO_DATA), "expected int, got an object");
  });

  it("rejects null and undefined (it is not optional), naming the path", () => {
    const e = throwsType(() => t.int.toLiteral(null, NO_DATA, ["count"]), "count: expected int, got null");
    assert.deepEqual(e.path, ["count"]);
    assert.equal(e.expected, "int");
    throwsType(() => t.int.toLiteral(undefined, NO_DATA, ["count"]), "count: expected int, got undefined");
  });

  it("rejects unsafe integers, suggesting t.bigint", () => {
    for (const v of [2 ** 53, -(2 ** 53), 1e20]) {
      throwsType(() => t.int.toLiteral(v, NO_DATA), String(v), "expected int", "t.bigint", "safe integer");
    }
    throwsType(() => t.int.parse(2 ** 60), "t.bigint");
  });

  it("reads an integral FLOAT literal (propeller's attribute paths) but not a fractional one", () => {
    assert.equal(t.int.fromLiteral(floatLiteral(3), NO_DATA), 3);
    assert.equal(t.int.fromLiteral(floatLiteral(-12), NO_DATA), -12);
    throwsType(() => t.int.fromLiteral(floatLiteral(3.5), NO_DATA), "scalar.primitive.floatValue", "as int");
    throwsType(() => t.int.fromLiteral(floatLiteral(2 ** 60), NO_DATA), "as int");
  });

  it("refuses an INTEGER literal beyond the safe range, suggesting t.bigint", () => {
    throwsType(() => t.int.fromLiteral(integerLiteral(2n ** 53n), NO_DATA), "9007199254740992", "t.bigint");
    throwsType(() => t.int.fromLiteral(integerLiteral(INT64_MIN), NO_DATA), "t.bigint");
    assert.equal(t.int.fromLiteral(integerLiteral(2n ** 53n - 1n), NO_DATA), Number.MAX_SAFE_INTEGER);
  });

  it("refuses literals of other shapes, naming the shape and the path", () => {
    const e = throwsType(
      () => t.int.fromLiteral(stringLiteral("1"), NO_DATA, ["xs", 3]),
      "xs[3]: cannot read a literal of shape scalar.primitive.stringValue as int",
    );
    assert.deepEqual(e.path, ["xs", 3]);
    throwsType(() => t.int.fromLiteral(noneLiteral(), NO_DATA), "scalar.noneType");
  });

  it("reads msgpack Binary in place of a primitive", () => {
    assert.equal(t.int.fromLiteral(msgpackLiteral(7), NO_DATA), 7);
    assert.equal(t.int.fromLiteral(msgpackLiteral(new MsgpackFloat(7)), NO_DATA), 7);
    assert.equal(t.int.fromLiteral(msgpackLiteral(-300_000), NO_DATA), -300_000);
    throwsType(() => t.int.fromLiteral(msgpackLiteral("7"), NO_DATA), "expected int");
    throwsType(() => t.int.fromLiteral(msgpackLiteral(2n ** 60n), NO_DATA), "safe integer");
    throwsType(() => t.int.fromLiteral(binaryLiteral(new Uint8Array([0xc1]), "msgpack"), NO_DATA), "malformed msgpack");
  });

  it("reads the value inside a union literal", () => {
    const lit = unionLiteral(integerLiteral(5n), t.int.literalType);
    assert.equal(t.int.fromLiteral(lit, NO_DATA), 5);
    assert.equal(t.int.fromLiteral(wire(lit), NO_DATA), 5);
  });

  it("validates through parse without building a literal", () => {
    assert.equal(t.int.parse(3), 3);
    throwsType(() => t.int.parse(3.25, ["a", "b"]), "a.b: expected int, got 3.25 (number)");
  });
});

describe("t.bigint", () => {
  it("round-trips the full int64 range", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (n) => {
        assert.equal(roundTrip(t.bigint, n), n);
      }),
    );
    for (const n of [INT64_MAX, INT64_MIN, 0n]) assert.equal(roundTrip(t.bigint, n), n);
    assert.deepEqual(litJson(t.bigint.toLiteral(INT64_MAX, NO_DATA)), {
      scalar: { primitive: { integer: "9223372036854775807" } },
    });
  });

  it("accepts safe-integer numbers and returns bigints", () => {
    assert.equal(roundTrip(t.bigint, 12), 12n);
    assert.equal(t.bigint.parse(-5), -5n);
  });

  it("rejects values outside int64, fractions, unsafe numbers and strings", () => {
    throwsType(() => t.bigint.toLiteral(INT64_MAX + 1n, NO_DATA), "9223372036854775808n", "int64");
    throwsType(() => t.bigint.toLiteral(INT64_MIN - 1n, NO_DATA), "int64");
    throwsType(() => t.bigint.toLiteral(1.5, NO_DATA), "1.5 (number)");
    throwsType(() => t.bigint.toLiteral(2 ** 53, NO_DATA), "9007199254740992");
    throwsType(() => t.bigint.toLiteral("1", NO_DATA), '"1" (string)');
    throwsType(() => t.bigint.toLiteral(null, NO_DATA), "got null");
  });

  it("reads integral FLOAT literals and msgpack integers", () => {
    assert.equal(t.bigint.fromLiteral(floatLiteral(2), NO_DATA), 2n);
    throwsType(() => t.bigint.fromLiteral(floatLiteral(2.5), NO_DATA), "floatValue");
    assert.equal(t.bigint.fromLiteral(msgpackLiteral(2n ** 62n), NO_DATA), 2n ** 62n);
    assert.equal(t.bigint.fromLiteral(msgpackLiteral(-1), NO_DATA), -1n);
  });
});

describe("t.float", () => {
  it("writes primitive.float_value, also for integral numbers", () => {
    assert.deepEqual(litJson(t.float.toLiteral(1.5, NO_DATA)), { scalar: { primitive: { floatValue: 1.5 } } });
    const one = t.float.toLiteral(1, NO_DATA);
    assert.equal(
      one.value.case === "scalar" &&
        one.value.value.value.case === "primitive" &&
        one.value.value.value.value.value.case,
      "floatValue",
    );
  });

  it("round-trips every double, including NaN, ±Infinity and -0", () => {
    fc.assert(
      fc.property(fc.double(), (x) => {
        assert.ok(Object.is(roundTrip(t.float, x), x), `${x}`);
      }),
    );
    for (const x of [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      -0,
      Number.MIN_VALUE,
      Number.MAX_VALUE,
    ]) {
      assert.ok(Object.is(roundTrip(t.float, x), x), `${x}`);
    }
  });

  it("rejects non-numbers", () => {
    throwsType(() => t.float.toLiteral("1.5", NO_DATA), 'expected float, got "1.5" (string)');
    throwsType(() => t.float.toLiteral(null, NO_DATA), "expected float, got null");
    throwsType(() => t.float.toLiteral(1n, NO_DATA), "expected float, got 1n (bigint)");
    throwsType(() => t.float.toLiteral(false, NO_DATA), "expected float, got false (boolean)");
  });

  it("reads INTEGER literals (flytekit casts int to float) and msgpack numbers", () => {
    assert.equal(t.float.fromLiteral(integerLiteral(0n), NO_DATA), 0);
    assert.equal(t.float.fromLiteral(integerLiteral(-3n), NO_DATA), -3);
    assert.equal(t.float.fromLiteral(integerLiteral(INT64_MAX), NO_DATA), 2 ** 63);
    assert.equal(t.float.fromLiteral(msgpackLiteral(2.25), NO_DATA), 2.25);
    assert.equal(t.float.fromLiteral(msgpackLiteral(3), NO_DATA), 3);
    throwsType(() => t.float.fromLiteral(stringLiteral("x"), NO_DATA), "as float");
    throwsType(() => t.float.fromLiteral(msgpackLiteral("x"), NO_DATA), "expected float");
  });
});

describe("t.str", () => {
  it("round-trips any unicode string", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => {
        assert.equal(roundTrip(t.str, s), s);
      }),
    );
    for (const s of ["", "héllo wörld", "日本語", "🎉👨‍👩‍👧", "\u0000nul", "a\nb"])
      assert.equal(roundTrip(t.str, s), s);
    assert.deepEqual(litJson(t.str.toLiteral("x", NO_DATA)), { scalar: { primitive: { stringValue: "x" } } });
  });

  it("rejects non-strings, including String objects", () => {
    throwsType(() => t.str.toLiteral(1, NO_DATA), "expected str, got 1 (number)");
    throwsType(() => t.str.toLiteral(null, NO_DATA), "expected str, got null");
    throwsType(() => t.str.toLiteral(new String("x"), NO_DATA), "expected str");
    throwsType(() => t.str.toLiteral(["a"], NO_DATA), "expected str, got an array of length 1");
  });

  it("reads strings from msgpack and refuses integers", () => {
    assert.equal(t.str.fromLiteral(msgpackLiteral("ü"), NO_DATA), "ü");
    throwsType(() => t.str.fromLiteral(integerLiteral(1n), NO_DATA), "scalar.primitive.integer as str");
  });

  it("truncates long values in messages", () => {
    const e = throwsType(() => t.int.toLiteral("x".repeat(500), NO_DATA), "...");
    assert.ok(e.message.length < 200, e.message);
  });
});

describe("t.bool", () => {
  it("round-trips true and false", () => {
    assert.equal(roundTrip(t.bool, true), true);
    assert.equal(roundTrip(t.bool, false), false);
    assert.deepEqual(litJson(t.bool.toLiteral(true, NO_DATA)), { scalar: { primitive: { boolean: true } } });
  });

  it("rejects truthy and falsy non-booleans", () => {
    for (const v of [0, 1, "true", "", null, undefined])
      throwsType(() => t.bool.toLiteral(v, NO_DATA), "expected bool");
  });

  it("reads msgpack booleans and refuses integers", () => {
    assert.equal(t.bool.fromLiteral(msgpackLiteral(false), NO_DATA), false);
    throwsType(() => t.bool.fromLiteral(integerLiteral(1n), NO_DATA), "as bool");
    throwsType(() => t.bool.fromLiteral(msgpackLiteral(1), NO_DATA), "expected bool");
  });
});

describe("t.datetime", () => {
  const minDate = new Date(-62135596800000); // 0001-01-01T00:00:00Z
  const maxDate = new Date(253402300799999); // 9999-12-31T23:59:59.999Z

  it("writes a UTC Timestamp with millisecond nanos", () => {
    assert.deepEqual(litJson(t.datetime.toLiteral(new Date("2024-01-02T03:04:05.123Z"), NO_DATA)), {
      scalar: { primitive: { datetime: "2024-01-02T03:04:05.123Z" } },
    });
    const lit = t.datetime.toLiteral(new Date("2024-01-02T03:04:05.123Z"), NO_DATA);
    const p =
      lit.value.case === "scalar" && lit.value.value.value.case === "primitive"
        ? lit.value.value.value.value
        : undefined;
    assert.equal(p?.value.case, "datetime");
    if (p?.value.case === "datetime") {
      assert.equal(p.value.value.seconds, 1704164645n);
      assert.equal(p.value.value.nanos, 123_000_000);
    }
  });

  it("writes dates before 1970 with non-negative nanos", () => {
    const lit = t.datetime.toLiteral(new Date(-1), NO_DATA);
    const p =
      lit.value.case === "scalar" && lit.value.value.value.case === "primitive"
        ? lit.value.value.value.value
        : undefined;
    assert.ok(p?.value.case === "datetime");
    assert.equal(p.value.value.seconds, -1n);
    assert.equal(p.value.value.nanos, 999_000_000);
    assert.equal((roundTrip(t.datetime, new Date(-1)) as Date).getTime(), -1);
  });

  it("round-trips dates with millisecond precision", () => {
    fc.assert(
      fc.property(fc.date({ min: minDate, max: maxDate, noInvalidDate: true }), (d) => {
        const back = roundTrip(t.datetime, d);
        assert.ok(back instanceof Date);
        assert.equal(back.getTime(), d.getTime());
      }),
    );
  });

  it("accepts ISO strings and converts offsets to UTC", () => {
    assert.equal((roundTrip(t.datetime, "2024-01-02T03:04:05Z") as Date).toISOString(), "2024-01-02T03:04:05.000Z");
    assert.equal(
      (roundTrip(t.datetime, "2024-01-02T03:04:05+02:00") as Date).toISOString(),
      "2024-01-02T01:04:05.000Z",
    );
    assert.equal((roundTrip(t.datetime, "2024-01-02") as Date).toISOString(), "2024-01-02T00:00:00.000Z");
  });

  it("treats naive ISO strings as UTC, as flytekit treats naive datetimes, whatever the local time zone", () => {
    const saved = process.env.TZ;
    try {
      for (const tz of ["America/New_York", "Asia/Kolkata", "UTC"]) {
        process.env.TZ = tz;
        assert.equal(t.datetime.parse("2024-01-02T03:04:05").toISOString(), "2024-01-02T03:04:05.000Z", tz);
        assert.equal(t.datetime.parse("2024-07-02T03:04:05.250").toISOString(), "2024-07-02T03:04:05.250Z", tz);
        assert.equal(t.datetime.parse("2024-07-02 03:04").toISOString(), "2024-07-02T03:04:00.000Z", tz);
        assert.equal(t.datetime.parse("2024-07-02").toISOString(), "2024-07-02T00:00:00.000Z", tz);
      }
    } finally {
      if (saved === undefined) delete process.env.TZ;
      else process.env.TZ = saved;
    }
  });

  it("rejects invalid dates, non-ISO strings and numbers", () => {
    throwsType(
      () => t.datetime.toLiteral(new Date(Number.NaN), NO_DATA),
      "expected datetime",
      "invalid",
      "not a valid date",
    );
    throwsType(() => t.datetime.toLiteral("yesterday", NO_DATA), '"yesterday" (string)', "not a valid date");
    throwsType(() => t.datetime.toLiteral("2024-13-45T00:00:00Z", NO_DATA), "not a valid date");
    throwsType(() => t.datetime.toLiteral(1704164645000, NO_DATA), "expected datetime, got 1704164645000 (number)");
    throwsType(() => t.datetime.toLiteral(null, NO_DATA, ["at"]), "at: expected datetime, got null");
  });

  it("refuses dates outside the years 1 to 9999 a Timestamp holds, and accepts the bounds", () => {
    throwsType(
      () => t.datetime.toLiteral(new Date("+010000-01-01T00:00:00Z"), NO_DATA, ["at"]),
      "at:",
      "9999",
      "Timestamp",
    );
    throwsType(() => t.datetime.toLiteral(new Date(Date.UTC(0, 0, 1) - 1900 * 365.2425 * 86_400_000), NO_DATA), "9999");
    throwsType(() => t.datetime.parse(new Date(-62135596800001)), "9999");
    const lo = new Date(-62135596800000);
    const hi = new Date(253402300799999);
    assert.equal((roundTrip(t.datetime, lo) as Date).getTime(), lo.getTime());
    assert.equal((roundTrip(t.datetime, hi) as Date).getTime(), hi.getTime());
    assert.deepEqual(litJson(t.datetime.toLiteral(hi, NO_DATA)), {
      scalar: { primitive: { datetime: "9999-12-31T23:59:59.999Z" } },
    });
  });

  it("refuses sub-millisecond nanos unless declared truncating", () => {
    const lit = datetimeLiteral(1704164645n, 123_456_789);
    throwsType(
      () => t.datetime.fromLiteral(lit, NO_DATA, ["at"]),
      "at:",
      "123456789 ns",
      "sub-millisecond",
      "t.datetime.truncating()",
    );
    const d = t.datetime.truncating().fromLiteral(lit, NO_DATA);
    assert.equal(d.toISOString(), "2024-01-02T03:04:05.123Z");
    assert.equal(t.datetime.fromLiteral(datetimeLiteral(0n, 5_000_000), NO_DATA).getTime(), 5);
    assert.equal(t.datetime.truncating().name, "datetime (truncating to ms)");
    assert.equal(t.datetime.truncating().truncates, true);
    assert.equal(t.datetime.truncates, false, "truncating() returns a copy");
  });

  it("truncates towards the past for dates before 1970", () => {
    const d = t.datetime.truncating().fromLiteral(datetimeLiteral(-1n, 999_999_999), NO_DATA);
    assert.equal(d.getTime(), -1);
  });

  it("reads an ISO string from msgpack", () => {
    assert.equal(
      t.datetime.fromLiteral(msgpackLiteral("2024-01-02T03:04:05.123000+00:00"), NO_DATA).toISOString(),
      "2024-01-02T03:04:05.123Z",
    );
    assert.equal(
      t.datetime.fromLiteral(msgpackLiteral("2024-01-02T03:04:05"), NO_DATA).toISOString(),
      "2024-01-02T03:04:05.000Z",
    );
    throwsType(
      () => t.datetime.fromLiteral(msgpackLiteral("2024-01-02T03:04:05.123456+00:00"), NO_DATA),
      "sub-millisecond",
    );
    throwsType(() => t.datetime.fromLiteral(msgpackLiteral(12), NO_DATA), "expected datetime");
    throwsType(() => t.datetime.fromLiteral(integerLiteral(12n), NO_DATA), "as datetime");
  });
});

describe("t.none", () => {
  it("writes a Void scalar for null and undefined and reads null", () => {
    assert.deepEqual(litJson(t.none.toLiteral(null, NO_DATA)), { scalar: { noneType: {} } });
    assert.deepEqual(litJson(t.none.toLiteral(undefined, NO_DATA)), { scalar: { noneType: {} } });
    assert.equal(roundTrip(t.none, null), null);
    assert.equal(roundTrip(t.none, undefined), null);
  });

  it("rejects every other value and literal", () => {
    for (const v of [0, "", false, Number.NaN, {}]) throwsType(() => t.none.toLiteral(v, NO_DATA), "expected none");
    throwsType(() => t.none.fromLiteral(integerLiteral(0n), NO_DATA), "as none");
  });
});

describe("descriptions and defaults", () => {
  it("describe() and default() return copies and leave the shared builders untouched", () => {
    const d = t.int.describe("how many");
    assert.equal(d.description, "how many");
    assert.equal(t.int.description, undefined);
    const withDefault = t.str.default("x");
    assert.equal(withDefault.hasDefault, true);
    assert.equal(withDefault.defaultValue, "x");
    assert.equal(t.str.hasDefault, false);
    assert.deepEqual(typeJson(withDefault), { simple: "STRING" });
    assert.equal(withDefault.parse("y"), "y");
  });
});
