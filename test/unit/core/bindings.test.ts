import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { dynamic, FlyteTypeError, FlyteValidationError, map, type Ref, t, task, workflow } from "flytekit-ts";

const upper = task({ name: "bind.upper", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s.toUpperCase());
const join = task({ name: "bind.join", inputs: { xs: t.list(t.str) }, outputs: t.str }, ({ xs }) => xs.join(","));
const joinMaybe = task(
  { name: "bind.joinMaybe", inputs: { xs: t.list(t.optional(t.str)) }, outputs: t.str },
  ({ xs }) => xs.map((x) => x ?? "-").join(","),
);
const count = task({ name: "bind.count", inputs: { n: t.int }, outputs: t.int }, ({ n }) => n);
const maybeInt = task({ name: "bind.maybe", inputs: { n: t.optional(t.int) }, outputs: t.int }, ({ n }) => n ?? 0);
const either = task({ name: "bind.either", inputs: { v: t.union(t.int, t.str) }, outputs: t.str }, ({ v }) => `${v}`);
const A = t.struct({ a: t.int }, { name: "BindA" });
const B = t.struct({ b: t.str }, { name: "BindB" });
const mkA = task({ name: "bind.mkA", inputs: { n: t.int }, outputs: A }, ({ n }) => ({ a: n }));
const useB = task({ name: "bind.useB", inputs: { v: B }, outputs: t.str }, ({ v }) => v.b);
const noOut = task({ name: "bind.noOut", inputs: { n: t.int } }, () => undefined);

/** Compiles a workflow whose body binds mismatching types on purpose (the casts say so). */
function compileBody(name: string, inputs: Record<string, never>, body: (refs: Record<string, Ref<never>>) => unknown) {
  return workflow({ name, inputs, outputs: t.str }, body as never).compile();
}

describe("bindings are type-checked at compile(), with Flyte's compiler's rules", () => {
  test("a map with a success ratio (list<optional<str>>) cannot feed list<str>; list<optional<str>> is fine", async () => {
    const ratioMap = map(upper, { minSuccessRatio: 0.5 });
    assert.throws(
      () =>
        compileBody("bind.ratio", { xs: t.list(t.str) as never }, ({ xs }) =>
          join({ xs: ratioMap({ s: xs }) as never }),
        ),
      (e: unknown) =>
        e instanceof FlyteTypeError &&
        /bind\.join \(node n1\): input xs: expected list<str>, got output o0 of node n0 of type list<optional<str>>, which Flyte cannot bind/.test(
          e.message,
        ),
    );
    const ok = workflow({ name: "bind.ratioOk", inputs: { xs: t.list(t.str) }, outputs: t.str }, ({ xs }) =>
      joinMaybe({ xs: ratioMap({ s: xs }) }),
    );
    assert.equal(await ok({ xs: ["a", "b"] }), "A,B");
  });

  test("str into int, struct into another struct, int into str: errors naming the entity, the input and both types", () => {
    assert.throws(
      () => compileBody("bind.strInt", { s: t.str as never }, ({ s }) => count({ n: s as never })),
      /bind\.count \(node n0\): input n: expected int, got workflow input s of type str/,
    );
    assert.throws(
      () => compileBody("bind.struct", { n: t.int as never }, ({ n }) => useB({ v: mkA({ n }) as never })),
      /bind\.useB \(node n1\): input v: expected struct BindB, got output o0 of node n0 of type struct BindA/,
    );
    assert.throws(
      () =>
        compileBody("bind.field", { n: t.int as never }, ({ n }) =>
          upper({ s: (mkA({ n }) as never as { a: never }).a }),
        ),
      /bind\.upper \(node n1\): input s: expected str, got output o0\.a of node n0 of type int/,
    );
    assert.throws(
      () => compileBody("bind.inList", { n: t.int as never }, ({ n }) => join({ xs: ["a", n as never] })),
      /bind\.join \(node n0\): input xs\[1\]: expected str, got workflow input n of type int/,
    );
    assert.throws(
      () => compileBody("bind.out", { n: t.int as never }, ({ n }) => n),
      /bind\.out: output o0: expected str, got workflow input n of type int/,
    );
  });

  test("what the compiler accepts is accepted: into optionals and unions, enums as strings, list of none", async () => {
    const wf = workflow(
      { name: "bind.fine", inputs: { n: t.int, s: t.str, c: t.enum(["red", "blue"]) }, outputs: t.str },
      ({ n, s, c }) => {
        const m = maybeInt({ n });
        const e = either({ v: m });
        const f = either({ v: s });
        return join({ xs: [e, f, upper({ s: c }), upper({ s: e })] });
      },
    );
    assert.equal(await wf({ n: 2, s: "x", c: "red" }), "2,x,RED,2");
  });

  test("a workflow or dynamic body without outputs that returns a value is an error (flytekit: not a VoidPromise)", async () => {
    const wf = workflow({ name: "bind.void", inputs: { n: t.int } }, ({ n }) => count({ n }) as never);
    assert.throws(
      () => wf.compile(),
      (e: unknown) =>
        e instanceof FlyteValidationError &&
        /bind\.void: declares no outputs but its body returned a node's outputs/.test(e.message),
    );
    const constant = workflow({ name: "bind.voidConst", inputs: { n: t.int } }, () => 3 as never);
    assert.throws(() => constant.compile(), /declares no outputs but its body returned 3/);
    const fine = workflow({ name: "bind.voidOk", inputs: { n: t.int } }, ({ n }) => noOut({ n }));
    assert.equal(fine.compile().nodes.length, 1);
    const dyn = dynamic({ name: "bind.voidDyn", inputs: { n: t.int } }, ({ n }) => count({ n }) as never);
    await assert.rejects(dyn({ n: 1 }), /bind\.voidDyn: declares no outputs but its body returned a node's outputs/);
  });
});
