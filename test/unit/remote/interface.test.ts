/**
 * Typed interfaces from registered ones: every literal type the SDK writes reads back as a type that writes the same
 * literal type (so values round-trip through a fetched entity), launch plan defaults, output shapes, and clear errors
 * for types with no TypeScript twin.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { create, equals } from "@bufbuild/protobuf";
import { t } from "flytekit-ts";
import { Interface } from "../../../src/core/interface.js";
import { localData } from "../../../src/core/local-data.js";
import { LaunchPlanSchema } from "../../../src/idl/gen/flyteidl/admin/launch_plan_pb.js";
import { LiteralTypeSchema } from "../../../src/idl/gen/flyteidl/core/types_pb.js";
import { interfaceFromIdl, launchPlanInterface } from "../../../src/remote/remote.js";
import { typeFromLiteralType } from "../../../src/types/guess.js";

const Point = t.struct({ x: t.float, y: t.float, label: t.optional(t.str), tags: t.list(t.str) }, { name: "Point" });

const TYPES = {
  int: t.int,
  float: t.float,
  str: t.str,
  bool: t.bool,
  datetime: t.datetime,
  duration: t.duration,
  none: t.none,
  list: t.list(t.list(t.int)),
  map: t.map(t.float),
  enum: t.enum(["red", "green"]),
  optional: t.optional(t.int),
  union: t.union(t.int, t.str),
  file: t.file({ format: "csv" }),
  dir: t.dir(),
  any: t.any(),
  dict: t.dict(),
  struct: Point,
  nested: t.struct({ p: Point, ps: t.list(Point) }, { name: "Shape" }),
};

describe("typeFromLiteralType", () => {
  for (const [name, type] of Object.entries(TYPES)) {
    test(`${name}: the guessed type has the same literal type`, () => {
      const guessed = typeFromLiteralType(type.literalType);
      assert.ok(equals(LiteralTypeSchema, guessed.literalType, type.literalType), `${guessed.name} vs ${type.name}`);
    });
  }

  test("values round-trip between the declared and the guessed struct type", () => {
    const data = localData();
    const v = { x: 1.5, y: -2, label: null, tags: ["a"] };
    const lit = Point.toLiteral(v, data, []);
    const guessed = typeFromLiteralType(Point.literalType);
    assert.deepEqual(guessed.fromLiteral(lit, data, []), v);
    assert.ok(equals(LiteralTypeSchema, guessed.literalType, Point.literalType));
  });

  test("types with no TypeScript twin are errors naming the variable", () => {
    const df = create(LiteralTypeSchema, { type: { case: "structuredDatasetType", value: { format: "parquet" } } });
    assert.throws(
      () => typeFromLiteralType(df, "wf: input frame"),
      /wf: input frame: a dataframe has no TypeScript type; declare the interface yourself/,
    );
    const pickle = create(LiteralTypeSchema, {
      type: { case: "blob", value: { format: "PythonPickle", dimensionality: 0 } },
    });
    assert.throws(() => typeFromLiteralType(pickle, "o0"), /o0: a Python pickle/);
  });
});

describe("interfaceFromIdl", () => {
  test("o0 alone is a single output, o0..oN a tuple, other names named outputs", () => {
    const single = interfaceFromIdl(new Interface({ a: t.int }, t.str).toIdl(), "x");
    assert.equal(single.shape, "single");
    assert.deepEqual(
      single.inputs.map(([k, v]) => [k, v.name]),
      [["a", "int"]],
    );
    assert.equal(interfaceFromIdl(new Interface({}, [t.int, t.str]).toIdl(), "x").shape, "tuple");
    const named = interfaceFromIdl(new Interface({}, { total: t.int, label: t.str }).toIdl(), "x");
    assert.equal(named.shape, "named");
    assert.deepEqual(Object.keys(named.outputTypes), ["label", "total"], "names sorted: admin's maps have no order");
    assert.equal(interfaceFromIdl(new Interface({}, undefined).toIdl(), "x").shape, "none");
  });

  test("the same interface whatever order admin wrote the names in", () => {
    const types = Array.from({ length: 12 }, (_, i) => (i % 2 ? t.str : t.int)) as [typeof t.int, ...(typeof t.int)[]];
    const idl = new Interface({ b: t.int, a: t.str }, types).toIdl();
    const shuffled = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).reverse());
    for (const m of [idl.inputs!, idl.outputs!]) m.variables = shuffled(m.variables) as typeof m.variables;
    const iface = interfaceFromIdl(idl, "x");
    assert.equal(iface.shape, "tuple");
    assert.deepEqual(
      iface.outputs.map(([k, v]) => [k, v.name]),
      types.map((v, i) => [`o${i}`, v.name]),
    );
    assert.deepEqual(
      iface.inputs.map(([k]) => k),
      ["a", "b"],
    );
  });

  test("launch plan parameters with defaults become defaulted inputs", () => {
    const declared = new Interface({ a: t.int, b: t.str.default("hi"), c: t.optional(t.float) }, t.str);
    const data = localData();
    const lp = create(LaunchPlanSchema, {
      closure: {
        expectedInputs: {
          parameters: {
            a: { var: declared.toIdl().inputs!.variables.a, behavior: { case: "required", value: true } },
            b: {
              var: declared.toIdl().inputs!.variables.b,
              behavior: { case: "default", value: t.str.toLiteral("hi", data, []) },
            },
          },
        },
        expectedOutputs: declared.toIdl().outputs,
      },
    });
    const iface = launchPlanInterface(lp, "app.lp");
    assert.equal(iface.inputTypes.a!.hasDefault, false);
    assert.equal(iface.inputTypes.b!.hasDefault, true);
    assert.equal(iface.inputTypes.b!.defaultValue, "hi");
    assert.deepEqual(Object.keys(iface.inputTypes), ["a", "b"]);
    const lm = iface.inputsToLiterals({ a: 3 }, data, "app.lp");
    assert.deepEqual(Object.keys(lm.literals).sort(), ["a", "b"]);
  });
});
