import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import fc from "fast-check";
import { FlyteTypeError, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, integerLiteral, stringLiteral } from "../../../src/idl/literals.js";
import { encodeMsgpack } from "../../../src/types/msgpack.js";
import { NO_DATA } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));

const Color = t.enum(["red", "green", "blue"]);

describe("t.enum", () => {
  it("is enum_type with the values in order, tagged DefaultEnumTransformer", () => {
    assert.deepEqual(toJson(LiteralTypeSchema, Color.literalType), { enumType: { values: ["red", "green", "blue"] } });
    assert.equal(Color.tag, "DefaultEnumTransformer");
    assert.equal(Color.name, 'enum<"red" | "green" | "blue">');
    assert.deepEqual(Color.values, ["red", "green", "blue"]);
  });

  it("writes a member as primitive.string_value and reads it back", () => {
    assert.deepEqual(toJson(LiteralSchema, Color.toLiteral("green", NO_DATA)), {
      scalar: { primitive: { stringValue: "green" } },
    });
    for (const v of Color.values) assert.equal(Color.fromLiteral(wire(Color.toLiteral(v, NO_DATA)), NO_DATA), v);
  });

  it("round-trips any set of string values", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: "binary" }), { minLength: 1, maxLength: 10 }),
        fc.nat(),
        (values, i) => {
          const e = t.enum(values);
          const v = values[i % values.length]!;
          assert.equal(e.fromLiteral(wire(e.toLiteral(v, NO_DATA)), NO_DATA), v);
        },
      ),
    );
  });

  it("rejects a string that is not a member, naming the path, the enum and the value", () => {
    const e = throwsType(
      () => Color.toLiteral("purple", NO_DATA, ["c"]),
      'c: expected enum<"red" | "green" | "blue">, got "purple" (string)',
      "not a member",
    );
    assert.deepEqual(e.path, ["c"]);
    throwsType(() => Color.toLiteral("Red", NO_DATA), "not a member");
    throwsType(() => Color.toLiteral("", NO_DATA), "not a member");
  });

  it("rejects non-strings", () => {
    throwsType(() => Color.toLiteral(0, NO_DATA), "got 0 (number)");
    throwsType(() => Color.toLiteral(null, NO_DATA), "got null");
    throwsType(() => Color.toLiteral(["red"], NO_DATA), "got an array");
  });

  it("refuses to read a string that is not a member (flytekit's ValueError)", () => {
    throwsType(
      () => Color.fromLiteral(stringLiteral("purple"), NO_DATA, ["c"]),
      "c: cannot read",
      '"purple" is not a member of the enum',
    );
    throwsType(() => Color.fromLiteral(integerLiteral(1n), NO_DATA), "scalar.primitive.integer as enum");
  });

  it("is readable as str, and a str literal is readable as the enum", () => {
    assert.equal(t.str.fromLiteral(Color.toLiteral("blue", NO_DATA), NO_DATA), "blue");
    assert.equal(Color.fromLiteral(t.str.toLiteral("red", NO_DATA), NO_DATA), "red");
  });

  it("reads members from msgpack", () => {
    assert.equal(Color.fromLiteral(binaryLiteral(encodeMsgpack("red"), "msgpack"), NO_DATA), "red");
    throwsType(() => Color.fromLiteral(binaryLiteral(encodeMsgpack("pink"), "msgpack"), NO_DATA), "not a member");
  });

  it("sits in structs as its value", () => {
    const s = t.struct({ c: Color });
    const lit = s.toLiteral({ c: "blue" }, NO_DATA);
    const bytes =
      lit.value.case === "scalar" && lit.value.value.value.case === "binary"
        ? lit.value.value.value.value.value
        : undefined;
    assert.equal(Buffer.from(bytes!).toString("hex"), "81a163a4626c7565");
    assert.deepEqual(s.fromLiteral(lit, NO_DATA), { c: "blue" });
    throwsType(() => s.toLiteral({ c: "pink" }, NO_DATA), 'c: expected enum<"red" | "green" | "blue">');
    throwsType(
      () => s.fromLiteral(binaryLiteral(encodeMsgpack({ c: "pink" }), "msgpack"), NO_DATA),
      "c: expected enum",
    );
  });

  it("has the JSON Schema mashumaro writes for a str Enum: its values, no type", () => {
    assert.deepEqual(Color.jsonSchema(), { enum: ["red", "green", "blue"] });
  });

  it("needs at least one value, unique strings only", () => {
    const bad = (values: unknown[], re: RegExp) =>
      assert.throws(
        () => t.enum(values as string[]),
        (e: unknown) => e instanceof FlyteTypeError && re.test(e.message),
      );
    bad([], /at least one value/);
    bad(["a", "a"], /unique/);
    bad(["a", 1], /must be strings, got 1/);
    bad([null], /must be strings/);
  });

  it("does not share its values array with the caller", () => {
    const values = ["a", "b"];
    const e = t.enum(values);
    values.push("c");
    throwsType(() => e.parse("c"), "not a member");
    const lt = e.literalType;
    assert.ok(lt.type.case === "enumType");
    assert.deepEqual(lt.type.value.values, ["a", "b"]);
    assert.ok(Object.isFrozen(e.values));
  });
});
