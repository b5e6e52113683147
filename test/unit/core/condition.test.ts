import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  and,
  type Condition,
  conditional,
  eq,
  FlyteTypeError,
  FlyteValidationError,
  gt,
  isFalse,
  isNone,
  lt,
  lte,
  neq,
  or,
  type Ref,
  t,
  task,
  workflow,
} from "flytekit-ts";
import type { CompiledCondition, CompiledOperand } from "../../../src/core/condition.js";
import type { NodeSpec } from "../../../src/core/compilation.js";
import { bindExports } from "../../../src/core/naming.js";
import { serializationSettings } from "../../../src/serialize/settings.js";
import { Serializer } from "../../../src/serialize/translate.js";
import type { AnyType } from "../../../src/types/type.js";

const pick = task({ name: "cond.pick", inputs: { s: t.str }, outputs: t.str }, ({ s }) => s);
const maybe = task({ name: "cond.maybe", inputs: { x: t.int }, outputs: t.optional(t.int) }, ({ x }) =>
  x < 0 ? null : x,
);
const nums = task({ name: "cond.nums", inputs: { x: t.int }, outputs: t.list(t.int) }, ({ x }) => [x]);
const ratio = task({ name: "cond.ratio", inputs: { x: t.int }, outputs: t.float }, ({ x }) => x / 2);
const Point = t.struct({ x: t.int, y: t.float }, { name: "CondPoint" });
const mkPoint = task({ name: "cond.point", inputs: { x: t.int }, outputs: Point }, ({ x }) => ({ x, y: x / 2 }));
// Serialized tasks are loaded by their export: name them as if this file exported them.
bindExports({ pick, maybe, mkPoint }, import.meta.filename, (v): v is never => typeof v === "function");

type Compiled = { compile(): { readonly nodes: readonly NodeSpec[] } };

/** A workflow of one conditional on `cond`, over inputs of the given types, returning "yes" or "no". */
function branchOn(
  name: string,
  inputs: Record<string, AnyType>,
  cond: (refs: Record<string, Ref<unknown>>) => Condition,
): ((inputs: Record<string, unknown>) => Promise<string>) & Compiled {
  return workflow({ name, inputs, outputs: t.str }, (refs) =>
    conditional("c")
      .if(cond(refs as Record<string, Ref<unknown>>))
      .run(() => pick({ s: "yes" }))
      .else()
      .run(() => pick({ s: "no" })),
  ) as never;
}

/** The compiled constant on the right of the first comparison of the conditional's first case. */
function firstConstant(wf: Compiled): CompiledOperand {
  const branch = wf.compile().nodes.find((n) => n.branch)!;
  let c: CompiledCondition = branch.branch!.cases[0]!.condition!;
  while (c.kind !== "cmp") c = c.left;
  return c.right;
}

function constantOf(o: CompiledOperand): unknown {
  assert.equal(o.kind, "const");
  return o.kind === "const" ? o.value?.value : undefined;
}

describe("condition constants take the type of the operand they meet", () => {
  test("a whole number against a float is a float; against an int an int", () => {
    const f = branchOn("cond.f", { x: t.float }, ({ x }) => gt(x!, 2));
    assert.deepEqual(constantOf(firstConstant(f)), { case: "floatValue", value: 2 });
    const i = branchOn("cond.i", { x: t.int }, ({ x }) => gt(x!, 2));
    assert.deepEqual(constantOf(firstConstant(i)), { case: "integer", value: 2n });
    const big = branchOn("cond.big", { x: t.bigint }, ({ x }) => gt(x!, 2n ** 62n));
    assert.deepEqual(constantOf(firstConstant(big)), { case: "integer", value: 2n ** 62n });
  });

  test("in nested and/or, and for strings, booleans, datetimes and durations", () => {
    const wf = workflow(
      { name: "cond.all", inputs: { f: t.float, s: t.str, b: t.bool, d: t.datetime, du: t.duration }, outputs: t.str },
      ({ f, s, b, d, du }) =>
        conditional("all")
          .if(or(and(lte(f, 10), eq(s, "a")), and(isFalse(b), or(gt(d, new Date(1000)), lt(du, "1h")))))
          .run(() => pick({ s }))
          .else()
          .run(() => pick({ s: "no" })),
    );
    const cases = wf.compile().nodes[0]!.branch!.cases;
    const constants: unknown[] = [];
    const walk = (c: CompiledCondition) => {
      if (c.kind !== "cmp") {
        walk(c.left);
        walk(c.right);
      } else constants.push(constantOf(c.right));
    };
    walk(cases[0]!.condition!);
    assert.deepEqual(JSON.parse(JSON.stringify(constants, (_k, v) => (typeof v === "bigint" ? `${v}` : v))), [
      { case: "floatValue", value: 10 },
      { case: "stringValue", value: "a" },
      { case: "boolean", value: false },
      { case: "datetime", value: { $typeName: "google.protobuf.Timestamp", seconds: "1", nanos: 0 } },
      { case: "duration", value: { $typeName: "google.protobuf.Duration", seconds: "3600", nanos: 0 } },
    ]);
  });

  test("on node outputs too, and a constant on the left", () => {
    const wf = workflow({ name: "cond.out", inputs: { x: t.int }, outputs: t.str }, ({ x }) => {
      const r = ratio({ x });
      return conditional("c")
        .if(lt(3, r))
        .run(() => pick({ s: "yes" }))
        .else()
        .run(() => pick({ s: "no" }));
    });
    const c = wf.compile().nodes[1]!.branch!.cases[0]!.condition!;
    assert.ok(c.kind === "cmp");
    assert.deepEqual(constantOf(c.left), { case: "floatValue", value: 3 });
    assert.deepEqual(c.right.kind === "ref" && [c.right.target.nodeId, c.right.target.varName], ["n0", "o0"]);
  });

  test("a constant that cannot have the operand's type fails at compile(), naming the conditional, the operand and both types", () => {
    const cases: [string, Record<string, AnyType>, (r: Record<string, Ref<unknown>>) => Condition, RegExp][] = [
      [
        "int-float",
        { x: t.int },
        ({ x }) => gt(x!, 2.5),
        /conditional "c".*workflow input x.*expected int, got a float/,
      ],
      ["str-int", { x: t.str }, ({ x }) => eq(x!, 5), /workflow input x.*expected str, got an integer/],
      ["bool-str", { x: t.bool }, ({ x }) => eq(x!, "yes"), /workflow input x.*expected bool, got a string/],
      ["dt-int", { x: t.datetime }, ({ x }) => gt(x!, 5), /workflow input x.*expected datetime/],
      [
        "nested",
        { x: t.int, y: t.str },
        ({ x, y }) => and(gt(x!, 1), or(eq(y!, "a"), eq(y!, true))),
        /input y.*expected str, got a boolean/,
      ],
    ];
    for (const [name, inputs, cond, re] of cases) {
      const wf = branchOn(`cond.bad.${name}`, inputs, cond);
      assert.throws(
        () => wf.compile(),
        (e: unknown) => e instanceof FlyteTypeError && re.test(e.message),
        name,
      );
    }
  });

  test("operands conditions cannot compare fail at compile()", () => {
    const refs = branchOn("cond.refs", { x: t.int, y: t.float }, ({ x, y }) => gt(x!, y!));
    assert.throws(() => refs.compile(), /cannot compare workflow input x \(int\) with workflow input y \(float\)/);
    const consts = branchOn("cond.consts", { x: t.int }, () => gt(3, 2));
    assert.throws(() => consts.compile(), /gt\(3, 2\) compares two constants/);
    const list = workflow({ name: "cond.list", inputs: { x: t.int }, outputs: t.str }, ({ x }) =>
      conditional("c")
        .if(eq(nums({ x }) as never, 1))
        .run(() => pick({ s: "a" }))
        .else()
        .run(() => pick({ s: "b" })),
    );
    assert.throws(() => list.compile(), /output o0 of node n0 is a list<int>; conditions compare int, float/);
    const gtNone = branchOn("cond.gtnone", { x: t.optional(t.int) }, ({ x }) => gt(x!, null));
    assert.throws(() => gtNone.compile(), /can only be tested for none with eq, neq or isNone/);
    const never = branchOn("cond.never", { x: t.int }, ({ x }) => isNone(x!));
    assert.throws(() => never.compile(), /workflow input x is a int, which is never none/);
    assert.throws(
      () => workflow({ name: "cond.noname", outputs: t.str }, () => conditional("").if(eq(1, 1)) as never).compile(),
      FlyteValidationError,
    );
  });
});

describe("conditions on none (local runs)", () => {
  const onMaybe = workflow({ name: "cond.none", inputs: { x: t.int }, outputs: t.str }, ({ x }) => {
    const m = maybe({ x });
    return conditional("found")
      .if(isNone(m))
      .run(() => pick({ s: "none" }))
      .elif(gt(m, 10))
      .run(() => pick({ s: "big" }))
      .else()
      .run(() => pick({ s: "small" }));
  });
  const compareOnly = workflow({ name: "cond.cmpnone", inputs: { x: t.optional(t.int) }, outputs: t.str }, ({ x }) =>
    conditional("c")
      .if(gt(x, 3))
      .run(() => pick({ s: "gt" }))
      .elif(neq(x, 3))
      .run(() => pick({ s: "neq" }))
      .else()
      .run(() => pick({ s: "else" })),
  );

  test("isNone takes its branch when the value is none, and not otherwise", async () => {
    assert.equal(await onMaybe({ x: -1 }), "none");
    assert.equal(await onMaybe({ x: 11 }), "big");
    assert.equal(await onMaybe({ x: 2 }), "small");
  });

  test("a comparison with a none operand is false (neq is true), so the else branch runs", async () => {
    assert.equal(await compareOnly({ x: 5 }), "gt");
    assert.equal(await compareOnly({ x: 3 }), "else");
    assert.equal(await compareOnly({ x: null }), "neq");
    const eqOnly = workflow({ name: "cond.eqnone", inputs: { x: t.optional(t.int) }, outputs: t.str }, ({ x }) =>
      conditional("c")
        .if(lte(x, 3))
        .run(() => pick({ s: "lte" }))
        .else()
        .run(() => pick({ s: "else" })),
    );
    assert.equal(await eqOnly({}), "else");
    assert.equal(await eqOnly({ x: 1 }), "lte");
  });
});

describe("conditions Flyte's compiler cannot take fail at serialization, not at registration", () => {
  const serialize = (wf: unknown) => new Serializer(serializationSettings()).add(wf as never);

  test("isNone and optional operands", () => {
    const none = workflow({ name: "cond.sernone", inputs: { x: t.int }, outputs: t.str }, ({ x }) =>
      conditional("found")
        .if(isNone(maybe({ x })))
        .run(() => pick({ s: "none" }))
        .else()
        .run(() => pick({ s: "some" })),
    );
    assert.throws(() => serialize(none), /conditional "found": isNone and comparisons with null run locally only/);
    const opt = workflow({ name: "cond.seropt", inputs: { x: t.optional(t.float) }, outputs: t.str }, ({ x }) =>
      conditional("opt")
        .if(gt(x, 1))
        .run(() => pick({ s: "a" }))
        .else()
        .run(() => pick({ s: "b" })),
    );
    assert.deepEqual(constantOf(firstConstant(opt)), { case: "floatValue", value: 1 });
    assert.throws(
      () => serialize(opt),
      /conditional "opt": workflow input x is a optional<float>; Flyte's compiler compares/,
    );
  });

  test("a struct field: compared locally, refused for Flyte", async () => {
    const field = workflow({ name: "cond.field", inputs: { x: t.int }, outputs: t.str }, ({ x }) => {
      const p = mkPoint({ x });
      return conditional("field")
        .if(gt(p.y, 1))
        .run(() => pick({ s: "big" }))
        .else()
        .run(() => pick({ s: "small" }));
    });
    assert.deepEqual(constantOf(firstConstant(field)), { case: "floatValue", value: 1 });
    assert.equal(await field({ x: 4 }), "big");
    assert.equal(await field({ x: 1 }), "small");
    assert.throws(() => serialize(field), /conditional "field": output o0.y of node n0 is a field of an output/);
  });
});

describe("the outputs of a conditional", () => {
  const pair = task({ name: "cond.pair", inputs: { x: t.int }, outputs: { a: t.int, b: t.str } }, ({ x }) => ({
    a: x,
    b: `${x}`,
  }));
  const onlyA = task({ name: "cond.onlyA", inputs: { x: t.int }, outputs: { a: t.int } }, ({ x }) => ({ a: -x }));
  const strA = task({ name: "cond.strA", inputs: { x: t.int }, outputs: { a: t.str } }, ({ x }) => ({ a: `${x}` }));
  const nothing = task({ name: "cond.nothing", inputs: { x: t.int } }, () => undefined);

  test("are those every branch has (flytekit's intersection), of one type in every branch", async () => {
    const wf = workflow({ name: "cond.common", inputs: { x: t.int }, outputs: t.int }, ({ x }) => {
      const r = conditional("c")
        .if(gt(x, 0))
        .run(() => pair({ x }))
        .else()
        .run(() => onlyA({ x }) as never);
      assert.equal((r as unknown as Record<string, unknown>).b, undefined, "b is not an output of every branch");
      return (r as { a: Ref<number> }).a;
    });
    const branch = wf.compile().nodes[0]!;
    assert.deepEqual(Object.keys(branch.outputTypes), ["a"]);
    assert.equal(await wf({ x: 2 }), 2);
    assert.equal(await wf({ x: -3 }), 3);
    const clash = workflow(
      { name: "cond.clash", inputs: { x: t.int }, outputs: t.int },
      ({ x }) =>
        (
          conditional("clash")
            .if(gt(x, 0))
            .run(() => onlyA({ x }))
            .else()
            .run(() => strA({ x }) as never) as { a: Ref<number> }
        ).a,
    );
    assert.throws(
      () => clash.compile(),
      (e: unknown) =>
        e instanceof FlyteTypeError &&
        /conditional "clash": output a is a int in node n0 and a str in node n1; every branch must give it the same type/.test(
          e.message,
        ),
    );
  });

  test("are none when a branch runs a node without outputs", () => {
    const wf = workflow({ name: "cond.void", inputs: { x: t.int } }, ({ x }) =>
      conditional("v")
        .if(gt(x, 0))
        .run(() => nothing({ x }))
        .else()
        .run(() => onlyA({ x }) as never),
    );
    assert.deepEqual(wf.compile().nodes[0]!.outputTypes, {});
  });
});

describe("operands typed as Promises", () => {
  test("a call whose inputs are all constants (typed as a Promise in a body) is a reference in a condition", async () => {
    const wf = workflow({ name: "cond.constCall", inputs: {}, outputs: t.str }, () =>
      conditional("c")
        .if(gt(ratio({ x: 8 }), 3))
        .run(() => pick({ s: "big" }))
        .else()
        .run(() => pick({ s: "small" })),
    );
    assert.deepEqual(constantOf(firstConstant(wf)), { case: "floatValue", value: 3 });
    assert.equal(await wf({}), "big");
    const awaited = workflow({ name: "cond.awaited", inputs: {}, outputs: t.str }, () =>
      conditional("c")
        .if(gt(Promise.resolve(3), 2))
        .run(() => pick({ s: "a" }))
        .else()
        .run(() => pick({ s: "b" })),
    );
    assert.throws(() => awaited.compile(), /conditional "c": cannot compare .*a Promise is a reference only inside/);
  });
});
