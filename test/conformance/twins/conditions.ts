/**
 * Every shape of conditional, twinned by conditions.py (the same workflows written with flytekit): if/elif/else,
 * and/or, a failing else, nested conditionals (directly and through a subworkflow), conditions on workflow inputs and
 * on node outputs of each primitive type, and a conditional's output used by a later node.
 */
import {
  and,
  conditional,
  dynamic,
  eq,
  gt,
  gte,
  isFalse,
  isTrue,
  lt,
  lte,
  neq,
  or,
  t,
  task,
  workflow,
} from "flytekit-ts";

export const square = task({ inputs: { n: t.float }, outputs: t.float }, ({ n }) => n * n);
export const double = task({ inputs: { n: t.float }, outputs: t.float }, ({ n }) => 2 * n);
export const ident = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x);
export const label = task({ inputs: { s: t.str }, outputs: t.str }, ({ s }) => `<${s}>`);
export const stats = task({ inputs: { x: t.int }, outputs: { count: t.int, ratio: t.float, ok: t.bool } }, ({ x }) => ({
  count: x,
  ratio: x / 10,
  ok: x > 0,
}));

/** if/elif/else with and, whole-number constants compared with a float input, and a failing else. */
export const multiplier = workflow({ inputs: { my_input: t.float }, outputs: t.float }, ({ my_input }) =>
  conditional("fractions")
    .if(and(gte(my_input, 0.1), lte(my_input, 1)))
    .run(() => double({ n: my_input }))
    .elif(and(gt(my_input, 1), lte(my_input, 10)))
    .run(() => square({ n: my_input }))
    .else()
    .fail("The input must be between 0 and 10"),
);

/** A condition on a node's output; a subworkflow in one branch. */
export const nested = workflow({ inputs: { my_input: t.float, x: t.int }, outputs: t.float }, ({ my_input, x }) => {
  const a = ident({ x });
  return conditional("outer")
    .if(eq(a, 2))
    .run(() => multiplier({ my_input }))
    .else()
    .run(() => square({ n: my_input }));
});

/** A conditional directly inside a branch of another. */
export const nestedDirect = workflow({ inputs: { x: t.int, y: t.float }, outputs: t.float }, ({ x, y }) =>
  conditional("outer")
    .if(gt(x, 0))
    .run(() =>
      conditional("inner")
        .if(lt(y, 5))
        .run(() => double({ n: y }))
        .else()
        .run(() => square({ n: y })),
    )
    .else()
    .run(() => square({ n: y })),
);

/** Strings, booleans and ints joined by or and and, nested. */
export const mixed = workflow({ inputs: { s: t.str, b: t.bool, i: t.int }, outputs: t.str }, ({ s, b, i }) =>
  conditional("mixed")
    .if(or(eq(s, "a"), and(isTrue(b), lt(i, 3))))
    .run(() => label({ s }))
    .elif(and(neq(s, "b"), isFalse(b)))
    .run(() => label({ s: "not b" }))
    .else()
    .run(() => label({ s: "other" })),
);

/** Datetimes and durations. */
export const times = workflow({ inputs: { d: t.datetime, dur: t.duration }, outputs: t.int }, ({ d, dur }) =>
  conditional("times")
    .if(and(gt(d, new Date("2024-01-01T00:00:00Z")), lte(dur, 3_600_000)))
    .run(() => ident({ x: 1 }))
    .else()
    .run(() => ident({ x: 2 })),
);

/** Conditions on named outputs of another node; the conditional's output feeds a later node. */
export const outputs = workflow({ inputs: { x: t.int }, outputs: t.float }, ({ x }) => {
  const s = stats({ x });
  const r = conditional("on_outputs")
    .if(and(isTrue(s.ok), gt(s.ratio, 1)))
    .run(() => square({ n: s.ratio }))
    .elif(gte(s.count, 5))
    .run(() => double({ n: s.ratio }))
    .else()
    .run(() => double({ n: 0 }));
  return double({ n: r });
});

/** A conditional in a dynamic body (its graph is a DynamicJobSpec; no flytekit twin is compared). */
export const inDynamic = dynamic({ inputs: { x: t.float }, outputs: t.float }, ({ x }) => {
  const a = square({ n: x });
  return conditional("in_dynamic")
    .if(gt(a, 2))
    .run(() => double({ n: a }))
    .else()
    .run(() => square({ n: a }));
});
