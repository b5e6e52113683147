import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type AnyType, FlyteBlob, type StandardSchemaV1, t } from "flytekit-ts";

/** What any Standard Schema consumer does: call `~standard.validate` and branch on `issues`. */
function validate<S extends StandardSchemaV1>(
  schema: S,
  value: unknown,
): StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>> {
  const r = schema["~standard"].validate(value);
  assert.ok(!(r instanceof Promise), "Flyte types validate synchronously");
  return r as StandardSchemaV1.Result<StandardSchemaV1.InferOutput<S>>;
}

function success(schema: StandardSchemaV1, value: unknown): unknown {
  const r = validate(schema, value);
  assert.equal(r.issues, undefined, `unexpected issues: ${JSON.stringify(r.issues)}`);
  assert.ok("value" in r);
  return r.value;
}

function failure(schema: StandardSchemaV1, value: unknown): readonly StandardSchemaV1.Issue[] {
  const r = validate(schema, value);
  assert.ok(r.issues, "expected issues");
  assert.ok(r.issues.length > 0);
  return r.issues;
}

describe("every t.* builder is a Standard Schema", () => {
  const builders: [string, AnyType, unknown][] = [
    ["int", t.int, 1],
    ["bigint", t.bigint, 1n],
    ["float", t.float, 1.5],
    ["str", t.str, "s"],
    ["bool", t.bool, true],
    ["datetime", t.datetime, new Date(0)],
    ["duration", t.duration, 5],
    ["none", t.none, null],
    ["list", t.list(t.int), [1]],
    ["map", t.map(t.int), { a: 1 }],
    ["struct", t.struct({ a: t.int }), { a: 1 }],
    ["dict", t.dict(), { a: [1] }],
    ["enum", t.enum(["a", "b"]), "a"],
    ["optional", t.optional(t.int), null],
    ["union", t.union(t.int, t.str), "x"],
    ["any", t.any(), new Map()],
    ["file", t.file(), "s3://b/k"],
    ["dir", t.dir(), "/tmp"],
  ];
  for (const [name, type, good] of builders) {
    it(`${name}: version 1, vendor flytekit-ts, validate returns { value }`, () => {
      const std = type["~standard"];
      assert.equal(std.version, 1);
      assert.equal(std.vendor, "flytekit-ts");
      assert.equal(typeof std.validate, "function");
      const r = validate(type, good);
      assert.equal(r.issues, undefined);
      assert.ok("value" in r);
    });
  }
});

describe("validate on success returns the normalised value", () => {
  it("parses duration strings, ISO datetimes, Maps and defaults", () => {
    assert.equal(success(t.duration, "1h30m"), 5_400_000);
    assert.deepEqual(success(t.datetime, "2024-01-02T03:04:05Z"), new Date("2024-01-02T03:04:05Z"));
    assert.deepEqual(success(t.map(t.int), new Map([["a", 1]])), { a: 1 });
    assert.deepEqual(success(t.struct({ a: t.int, b: t.str.default("x"), c: t.optional(t.int) }), { a: 1 }), {
      a: 1,
      b: "x",
      c: null,
    });
    assert.equal(success(t.bigint, 5), 5n);
    assert.equal(success(t.optional(t.str), undefined), null);
    const f = success(t.file(), "s3://b/k");
    assert.ok(f instanceof FlyteBlob && f.path === "s3://b/k");
  });

  it("returns the value itself for types that keep it", () => {
    const xs = { a: [1, 2] };
    assert.equal(success(t.dict(), xs), xs);
    const m = new Map([[1, 2]]);
    assert.equal(success(t.any(), m), m);
  });
});

describe("validate on failure returns issues with messages and paths", () => {
  it("a scalar has one issue at the root", () => {
    const issues = failure(t.int, "1");
    assert.equal(issues.length, 1);
    assert.deepEqual(issues[0]!.path, []);
    assert.match(issues[0]!.message, /expected int, got "1" \(string\)/);
  });

  it("a list element's issue has its index", () => {
    const [issue] = failure(t.list(t.int), [1, 2, "x"]);
    assert.deepEqual(issue!.path, [2]);
    assert.match(issue!.message, /^\[2\]: expected int, got "x"/);
  });

  it("a nested struct field's issue has the field names", () => {
    const s = t.struct({ a: t.struct({ b: t.list(t.map(t.bool)) }) });
    const [issue] = failure(s, { a: { b: [{ ok: true }, { ok: "yes" }] } });
    assert.deepEqual(issue!.path, ["a", "b", 1, "ok"]);
    assert.match(issue!.message, /a\.b\[1\]\.ok: expected bool, got "yes" \(string\)/);
  });

  it("unknown and missing struct fields are issues at the struct", () => {
    const s = t.struct({ inner: t.struct({ a: t.int }) });
    const [unknown] = failure(s, { inner: { a: 1, z: 2 } });
    assert.deepEqual(unknown!.path, ["inner"]);
    assert.match(unknown!.message, /unknown field "z"/);
    const [missing] = failure(s, { inner: {} });
    assert.match(missing!.message, /missing field "a" \(int\)/);
  });

  it("enum, union and optional issues", () => {
    assert.match(failure(t.enum(["a"]), "b")[0]!.message, /not a member/);
    assert.match(failure(t.union(t.int, t.str), false)[0]!.message, /no variant accepts it/);
    assert.match(failure(t.union(t.str, t.enum(["a"])), "a")[0]!.message, /ambiguous/);
    assert.match(failure(t.int, null)[0]!.message, /expected int, got null/);
  });

  it("does not throw for type errors, whatever the value", () => {
    for (const v of [undefined, null, Symbol("s"), () => 1, new Proxy({}, {}), Object.create(null)]) {
      const r = validate(t.struct({ a: t.int }), v);
      assert.ok(r.issues && r.issues.length === 1);
    }
  });
});

describe("static types", () => {
  it("InferOutput and InferInput follow the Flyte type (checked by tsc)", () => {
    type Out = StandardSchemaV1.InferOutput<typeof t.duration>;
    type In = StandardSchemaV1.InferInput<typeof t.duration>;
    const out: Out = 5;
    const input: In = "1h";
    assert.equal(typeof out, "number");
    assert.equal(typeof input, "string");
  });
});
