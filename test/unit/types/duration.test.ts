import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteTypeError, formatDuration, parseDuration, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, duration, integerLiteral, primitiveLiteral } from "../../../src/idl/literals.js";
import { msToSecondsNanos, secondsNanosToMs } from "../../../src/types/duration.js";
import { decodeMsgpack, encodeMsgpack, MsgpackFloat } from "../../../src/types/msgpack.js";
import { NO_DATA } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));
const roundTrip = (value: unknown): number =>
  t.duration.fromLiteral(wire(t.duration.toLiteral(value, NO_DATA)), NO_DATA);
const durationLiteral = (seconds: bigint, nanos: number): Literal =>
  primitiveLiteral({ case: "duration", value: duration(seconds, nanos) });

/** The seconds and nanos of a duration literal. */
function parts(lit: Literal): { seconds: bigint; nanos: number } {
  const s = lit.value.case === "scalar" ? lit.value.value : undefined;
  const p = s?.value.case === "primitive" ? s.value.value : undefined;
  assert.equal(p?.value.case, "duration");
  const d = p!.value.value as { seconds: bigint; nanos: number };
  return { seconds: d.seconds, nanos: d.nanos };
}

describe("t.duration literal", () => {
  it("is simple DURATION tagged timedelta", () => {
    assert.deepEqual(toJson(LiteralTypeSchema, t.duration.literalType), { simple: "DURATION" });
    assert.equal(t.duration.tag, "timedelta");
  });

  it("writes a protobuf Duration from milliseconds", () => {
    assert.deepEqual(parts(t.duration.toLiteral(5_400_000, NO_DATA)), { seconds: 5400n, nanos: 0 });
    assert.deepEqual(parts(t.duration.toLiteral(1.5, NO_DATA)), { seconds: 0n, nanos: 1_500_000 });
    assert.deepEqual(parts(t.duration.toLiteral(1234.567891, NO_DATA)), { seconds: 1n, nanos: 234_567_891 });
    assert.deepEqual(parts(t.duration.toLiteral(0, NO_DATA)), { seconds: 0n, nanos: 0 });
    assert.deepEqual(toJson(LiteralSchema, t.duration.toLiteral(90_000, NO_DATA)), {
      scalar: { primitive: { duration: "90s" } },
    });
  });

  it("gives negative durations seconds and nanos of the same sign", () => {
    assert.deepEqual(parts(t.duration.toLiteral(-1500, NO_DATA)), { seconds: -1n, nanos: -500_000_000 });
    assert.deepEqual(parts(t.duration.toLiteral(-0.25, NO_DATA)), { seconds: 0n, nanos: -250_000 });
    assert.equal(roundTrip(-1500), -1500);
  });

  it("accepts duration strings", () => {
    assert.deepEqual(parts(t.duration.toLiteral("1h30m", NO_DATA)), { seconds: 5400n, nanos: 0 });
    assert.equal(roundTrip("250ms"), 250);
    assert.equal(roundTrip("1.5s"), 1500);
    assert.equal(roundTrip("-2m"), -120_000);
  });

  it("round-trips whole milliseconds exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: -5e11, max: 5e11 }), (ms) => {
        assert.equal(roundTrip(ms), ms === 0 ? 0 : ms);
      }),
    );
  });

  it("round-trips fractional milliseconds to the nanosecond", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ns) => {
        const ms = ns / 1e6;
        const back = roundTrip(ms);
        assert.ok(Math.abs(back - ms) <= 1e-9 * Math.max(1, Math.abs(ms)), `${ms} -> ${back}`);
        // Writing the value read back gives the same literal: nothing drifts across hops.
        assert.deepEqual(parts(t.duration.toLiteral(back, NO_DATA)), parts(t.duration.toLiteral(ms, NO_DATA)));
      }),
    );
  });

  it("reads durations written by Python (timedelta with microseconds)", () => {
    assert.equal(t.duration.fromLiteral(durationLiteral(3n, 250_000), NO_DATA), 3000.25);
    assert.equal(t.duration.fromLiteral(durationLiteral(-3n, -250_000), NO_DATA), -3000.25);
    assert.equal(t.duration.fromLiteral(durationLiteral(86_400n * 365n, 0), NO_DATA), 86_400_000 * 365);
  });

  it("reads msgpack float seconds in place of a Duration (propeller attribute paths)", () => {
    assert.equal(t.duration.fromLiteral(binaryLiteral(encodeMsgpack(new MsgpackFloat(1.5)), "msgpack"), NO_DATA), 1500);
    assert.equal(t.duration.fromLiteral(binaryLiteral(encodeMsgpack(65.534), "msgpack"), NO_DATA), 65_534);
    throwsType(
      () => t.duration.fromLiteral(binaryLiteral(encodeMsgpack("1s"), "msgpack"), NO_DATA),
      "expected duration",
    );
  });

  it("refuses durations beyond the ±10000 years a protobuf Duration holds", () => {
    const max = 315_576_000_000_000;
    assert.deepEqual(parts(t.duration.toLiteral(max, NO_DATA)), { seconds: 315_576_000_000n, nanos: 0 });
    assert.deepEqual(parts(t.duration.toLiteral(-max, NO_DATA)), { seconds: -315_576_000_000n, nanos: 0 });
    assert.equal(toBinary(LiteralSchema, t.duration.toLiteral(max, NO_DATA)).length > 0, true);
    throwsType(() => t.duration.toLiteral(max + 1, NO_DATA, ["d"]), "d: expected duration", "10000 years");
    throwsType(() => t.duration.toLiteral(1e300, NO_DATA), "10000 years");
    throwsType(() => t.duration.toLiteral("99999999999h", NO_DATA), "10000 years");
  });

  it("rejects non-finite numbers, malformed strings and other values", () => {
    throwsType(() => t.duration.toLiteral(Number.NaN, NO_DATA), "expected duration, got NaN");
    throwsType(() => t.duration.toLiteral(Number.POSITIVE_INFINITY, NO_DATA), "expected duration, got Infinity");
    throwsType(
      () => t.duration.toLiteral("1 hour", NO_DATA, ["timeout"]),
      "timeout: expected duration",
      "not a duration",
    );
    throwsType(() => t.duration.toLiteral("", NO_DATA), "not a duration");
    throwsType(() => t.duration.toLiteral(null, NO_DATA), "expected duration, got null");
    throwsType(() => t.duration.toLiteral(10n, NO_DATA), "expected duration, got 10n (bigint)");
    throwsType(() => t.duration.fromLiteral(integerLiteral(5n), NO_DATA), "scalar.primitive.integer as duration");
  });
});

describe("durations inside structs (mashumaro writes timedelta.total_seconds())", () => {
  const s = t.struct({ d: t.duration });
  const bytesOf = (lit: Literal): Uint8Array => {
    const sc = lit.value.case === "scalar" ? lit.value.value : undefined;
    assert.equal(sc?.value.case, "binary");
    return (sc!.value.value as { value: Uint8Array }).value;
  };

  it("writes float64 seconds, also for whole seconds", () => {
    assert.equal(
      Buffer.from(bytesOf(s.toLiteral({ d: 2000 }, NO_DATA))).toString("hex"),
      `81a164cb${Buffer.from(new Float64Array([2]).buffer)
        .reverse()
        .toString("hex")}`,
    );
    const decoded = decodeMsgpack(bytesOf(s.toLiteral({ d: 1500 }, NO_DATA)), { floatWrapper: true }) as {
      d: MsgpackFloat;
    };
    assert.ok(decoded.d instanceof MsgpackFloat);
    assert.equal(decoded.d.value, 1.5);
  });

  it("round-trips whole milliseconds exactly", () => {
    for (const ms of [1100, 65_534, 86_400_000, -1100, 1, 3_600_000 * 24 * 365]) {
      assert.deepEqual(s.fromLiteral(wire(s.toLiteral({ d: ms }, NO_DATA)), NO_DATA), { d: ms }, `${ms}`);
    }
    fc.assert(
      fc.property(fc.integer({ min: -1e10, max: 1e10 }), (ms) => {
        assert.equal(s.fromLiteral(s.toLiteral({ d: ms }, NO_DATA), NO_DATA).d, ms === 0 ? 0 : ms);
      }),
    );
  });

  it("round-trips microsecond durations exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (us) => {
        const ms = us / 1000;
        assert.equal(s.fromLiteral(s.toLiteral({ d: ms }, NO_DATA), NO_DATA).d, ms === 0 ? 0 : ms);
      }),
    );
  });

  it("round-trips nanosecond durations exactly", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ns) => {
        const ms = ns / 1e6;
        assert.equal(s.fromLiteral(s.toLiteral({ d: ms }, NO_DATA), NO_DATA).d, ms === 0 ? 0 : ms);
      }),
    );
  });

  it("writes the float Python's timedelta.total_seconds() gives (one rounding of microseconds / 1e6)", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (us) => {
        const decoded = decodeMsgpack(bytesOf(s.toLiteral({ d: us / 1000 }, NO_DATA)), { floatWrapper: true }) as {
          d: MsgpackFloat;
        };
        assert.equal(decoded.d.value, us / 1e6);
      }),
    );
  });

  it("reads seconds written by Python as float or int", () => {
    const read = (v: unknown) => s.fromLiteral(binaryLiteral(encodeMsgpack({ d: v }), "msgpack"), NO_DATA).d;
    assert.equal(read(new MsgpackFloat(0.001)), 1);
    assert.equal(read(new MsgpackFloat(1.1)), 1100);
    assert.equal(read(3), 3000);
    assert.equal(read(new MsgpackFloat(-0.5)), -500);
    assert.throws(
      () => read("1s"),
      (e: unknown) => e instanceof FlyteTypeError && /d: expected duration/.test(e.message),
    );
  });
});

describe("parseDuration", () => {
  const cases: [string, number][] = [
    ["1h30m", 5_400_000],
    ["90s", 90_000],
    ["1.5s", 1500],
    [".5s", 500],
    ["250ms", 250],
    ["1d", 86_400_000],
    ["2h3m4s5ms", 7_384_005],
    ["10us", 0.01],
    ["10µs", 0.01],
    ["100ns", 0.0001],
    ["-1m", -60_000],
    ["+1m", 60_000],
    [" 3s ", 3000],
  ];
  for (const [s, ms] of cases) {
    it(`parses ${JSON.stringify(s)} as ${ms} ms`, () => {
      assert.ok(Math.abs(parseDuration(s) - ms) < 1e-12, `${parseDuration(s)}`);
    });
  }

  it("passes finite numbers through and rejects others with a RangeError", () => {
    assert.equal(parseDuration(42), 42);
    assert.throws(() => parseDuration(Number.NaN), RangeError);
    assert.throws(() => parseDuration(Number.POSITIVE_INFINITY), RangeError);
  });

  for (const bad of ["", "-", "1", "h", "1 h", "1hour", "1h 30m", "1.2.3s", "abc", "1e3s"]) {
    it(`rejects ${JSON.stringify(bad)}, naming it`, () => {
      assert.throws(
        () => parseDuration(bad),
        (e: unknown) => e instanceof RangeError && e.message.includes(JSON.stringify(bad)),
      );
    });
  }
});

describe("formatDuration", () => {
  const cases: [number, string][] = [
    [0, "0s"],
    [5_400_000, "1h30m"],
    [90_000, "1m30s"],
    [250, "250ms"],
    [1500, "1.5s"],
    [-60_000, "-1m"],
    [3_600_000, "1h"],
  ];
  for (const [ms, s] of cases) {
    it(`formats ${ms} ms as ${s}`, () => {
      assert.equal(formatDuration(ms), s);
      assert.equal(parseDuration(formatDuration(ms)), ms);
    });
  }

  it("is the inverse of parseDuration on whole milliseconds", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (ms) => {
        assert.equal(parseDuration(formatDuration(ms)), ms === 0 ? 0 : ms);
      }),
    );
  });
});

describe("msToSecondsNanos / secondsNanosToMs", () => {
  it("split into seconds and nanos of the same sign, below one second of nanos", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e15, max: 1e15 }), (ns) => {
        const { seconds, nanos } = msToSecondsNanos(ns / 1e6);
        assert.ok(Math.abs(nanos) < 1e9);
        assert.ok(seconds === 0n || nanos === 0 || seconds > 0n === nanos > 0);
        assert.equal(seconds * 1_000_000_000n + BigInt(nanos), BigInt(ns));
        assert.ok(Math.abs(secondsNanosToMs(seconds, nanos) - ns / 1e6) <= 1e-9 * Math.max(1, Math.abs(ns / 1e6)));
      }),
    );
  });
});
