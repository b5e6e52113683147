import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { fromBinary, toBinary, toJson } from "@bufbuild/protobuf";
import { FlyteTypeError, type StandardJSONSchemaV1, type StandardSchemaV1, t } from "flytekit-ts";
import { type Literal, LiteralSchema } from "../../../src/idl/gen/flyteidl/core/literals_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { binaryLiteral, genericLiteral, integerLiteral } from "../../../src/idl/literals.js";
import { decodeMsgpack, encodeMsgpack, MsgpackFloat } from "../../../src/types/msgpack.js";
import { NO_DATA } from "../../../src/types/type.js";
import { throwsType } from "./assertions.js";

const wire = (lit: Literal): Literal => fromBinary(LiteralSchema, toBinary(LiteralSchema, lit));

interface User {
  name: string;
  age: number;
  tags: string[];
}

const USER_SCHEMA = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  type: "object",
  title: "User",
  properties: {
    name: { type: "string" },
    age: { type: "integer", minimum: 0 },
    tags: { type: "array", items: { type: "string" } },
  },
  required: ["name", "age"],
  additionalProperties: false,
};

/**
 * A hand-made Standard Schema with a JSON Schema export, as zod 4 and others provide: validates a user, fills in
 * `tags` when missing, and records the JSON Schema targets it was asked for.
 */
function userSchema(): StandardJSONSchemaV1<{ name: string; age: number; tags?: string[] }, User> & {
  targets: string[];
} {
  const targets: string[] = [];
  const validate = (v: unknown): StandardSchemaV1.Result<User> => {
    const issues: StandardSchemaV1.Issue[] = [];
    if (v === null || typeof v !== "object" || Array.isArray(v)) return { issues: [{ message: "expected an object" }] };
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o))
      if (!["name", "age", "tags"].includes(k)) issues.push({ message: "unknown key", path: [k] });
    if (typeof o.name !== "string") issues.push({ message: "expected a string", path: ["name"] });
    if (typeof o.age !== "number" || !Number.isInteger(o.age) || o.age < 0) {
      issues.push({ message: "expected a non-negative integer", path: [{ key: "age" }] });
    }
    const tags = o.tags ?? [];
    if (!Array.isArray(tags)) issues.push({ message: "expected an array", path: ["tags"] });
    else {
      for (let i = 0; i < tags.length; i++) {
        if (typeof tags[i] !== "string") issues.push({ message: "expected a string", path: ["tags", i] });
      }
    }
    if (issues.length) return { issues };
    return { value: { name: o.name as string, age: o.age as number, tags: tags as string[] } };
  };
  return {
    targets,
    "~standard": {
      version: 1,
      vendor: "handmade",
      validate,
      jsonSchema: {
        input: ({ target }) => {
          targets.push(`input:${target}`);
          return USER_SCHEMA;
        },
        output: ({ target }) => {
          targets.push(`output:${target}`);
          return USER_SCHEMA;
        },
      },
    },
  };
}

describe("t.schema() literal type", () => {
  it("is a STRUCT with the schema's JSON Schema as metadata and the msgpack annotation", () => {
    const std = userSchema();
    const type = t.schema(std, { name: "User" });
    assert.deepEqual(toJson(LiteralTypeSchema, type.literalType), {
      simple: "STRUCT",
      metadata: USER_SCHEMA,
      annotation: { annotations: { "cache-key-metadata": { "serialization-format": "msgpack" } } },
    });
    assert.deepEqual(std.targets, ["output:draft-2020-12"], "the output JSON Schema, draft 2020-12");
    assert.equal(type.tag, "Pydantic Transformer");
    assert.equal(type.name, "schema User");
    assert.equal(t.schema(userSchema()).name, "schema (handmade)");
    assert.equal(type.schema, std);
  });

  it("uses the JSON Schema for nested struct schemas too", () => {
    const outer = t.struct({ user: t.schema(userSchema()) });
    const properties = outer.literalType.metadata?.properties as Record<string, unknown>;
    assert.deepEqual(properties.user, USER_SCHEMA);
  });
});

describe("t.schema() values", () => {
  const User = t.schema(userSchema());

  it("writes msgpack of the validated value and reads it back", () => {
    const lit = User.toLiteral({ name: "ada", age: 36 }, NO_DATA);
    const bytes =
      lit.value.case === "scalar" && lit.value.value.value.case === "binary" ? lit.value.value.value.value : undefined;
    assert.equal(bytes?.tag, "msgpack");
    assert.deepEqual(decodeMsgpack(bytes!.value), { name: "ada", age: 36, tags: [] });
    assert.deepEqual(User.fromLiteral(wire(lit), NO_DATA), { name: "ada", age: 36, tags: [] });
  });

  it("rejects invalid values with the schema's issues and paths", () => {
    const e = throwsType(
      () => User.toLiteral({ name: 1, age: -1, tags: ["a", 2] }, NO_DATA, ["user"]),
      "user: value does not match schema (handmade)",
      "name: expected a string",
      "age: expected a non-negative integer",
      "tags.1: expected a string",
    );
    assert.deepEqual(e.path, ["user"]);
    assert.equal(e.expected, "schema (handmade)");
    throwsType(() => User.toLiteral(null, NO_DATA), "expected an object");
  });

  it("validates what it reads", () => {
    throwsType(
      () => User.fromLiteral(binaryLiteral(encodeMsgpack({ name: "x", age: 1.5 }), "msgpack"), NO_DATA),
      "age: expected a non-negative integer",
    );
    throwsType(() => User.fromLiteral(integerLiteral(1n), NO_DATA), "scalar.primitive.integer as schema (handmade)");
  });

  it("reads the legacy protobuf Struct form", () => {
    assert.deepEqual(User.fromLiteral(wire(genericLiteral({ name: "bo", age: 3, tags: ["t"] })), NO_DATA), {
      name: "bo",
      age: 3,
      tags: ["t"],
    });
  });

  it("reads integral numbers written as float64 (Python's 3.0)", () => {
    const lit = binaryLiteral(encodeMsgpack({ name: "x", age: new MsgpackFloat(3) }), "msgpack");
    assert.deepEqual(User.fromLiteral(lit, NO_DATA), { name: "x", age: 3, tags: [] });
  });

  it("round-trips as a struct field, numbers included", () => {
    const outer = t.struct({ user: User, n: t.float });
    const v = { user: { name: "cy", age: 7, tags: ["a"] }, n: 0.5 };
    assert.deepEqual(outer.fromLiteral(wire(outer.toLiteral(v, NO_DATA)), NO_DATA), v);
    throwsType(() => outer.toLiteral({ user: { name: "cy", age: -1 }, n: 1 }, NO_DATA), "user: value does not match");
    // A struct literal is decoded with float wrappers; the schema still sees plain numbers.
    const python = binaryLiteral(
      encodeMsgpack({ user: { name: "py", age: new MsgpackFloat(3) }, n: new MsgpackFloat(1) }),
      "msgpack",
    );
    assert.deepEqual(outer.fromLiteral(python, NO_DATA), { user: { name: "py", age: 3, tags: [] }, n: 1 });
  });

  it("works as a Standard Schema itself", () => {
    assert.deepEqual(User["~standard"].validate({ name: "a", age: 1 }), { value: { name: "a", age: 1, tags: [] } });
    const r = User["~standard"].validate({ name: "a" }) as StandardSchemaV1.FailureResult;
    assert.equal(r.issues.length, 1);
    assert.match(r.issues[0]!.message, /age: expected a non-negative integer/);
  });
});

describe("t.schema() refuses what it cannot use", () => {
  it("a Standard Schema without a JSON Schema export, naming the vendor", () => {
    const plain: StandardSchemaV1<string> = {
      "~standard": { version: 1, vendor: "valiplain", validate: (v) => ({ value: String(v) }) },
    };
    assert.throws(
      () => t.schema(plain as never),
      (e: unknown) => e instanceof FlyteTypeError && /valiplain/.test(e.message) && /JSON Schema/.test(e.message),
    );
  });

  it("objects that are not Standard Schemas", () => {
    for (const bad of [
      {},
      null,
      { "~standard": { version: 2, validate: () => ({ value: 1 }) } },
      { "~standard": { version: 1 } },
    ]) {
      assert.throws(
        () => t.schema(bad as never),
        (e: unknown) => e instanceof FlyteTypeError && /needs a Standard Schema/.test(e.message),
      );
    }
  });

  it("schemas that validate asynchronously", () => {
    const std = userSchema();
    const asyncSchema: StandardJSONSchemaV1<unknown, User> = {
      "~standard": { ...std["~standard"], types: undefined, validate: async (v) => ({ value: v as User }) },
    };
    throwsType(() => t.schema(asyncSchema).toLiteral({ name: "a", age: 1 }, NO_DATA, ["u"]), "u:", "asynchronously");
  });
});
