/**
 * Map tasks: one task run over every element of a list (an ArrayNode on a cluster). Here 10,000 elements, with one
 * input bound to the same value for every element, and a map that tolerates failing elements.
 *
 *   npx tsflyte run examples/map.ts wf --n 10000
 *   npx tsflyte run examples/map.ts sqrts --x '[4, -1, 9]'
 */
import { map, t, task, workflow } from "flytekit-ts";

export const range = task({ inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
  Array.from({ length: n }, (_, i) => i),
);

export const scale = task({ inputs: { x: t.int, factor: t.int }, outputs: t.int }, ({ x, factor }) => x * factor);

export const total = task({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((s, x) => s + x, 0));

export const wf = workflow(
  { inputs: { n: t.int.default(10_000), factor: t.int.default(2) }, outputs: t.int },
  ({ n, factor }) => total({ xs: map(scale, { boundInputs: ["factor"] })({ x: range({ n }), factor }) }),
);

export const safeSqrt = task({ inputs: { x: t.float }, outputs: t.float }, ({ x }) => {
  if (x < 0) throw new Error(`no real square root of ${x}`);
  return Math.sqrt(x);
});

/** Succeeds when at least half of the elements do; the failed ones come back as null. */
export const sqrts = map(safeSqrt, { minSuccessRatio: 0.5 });
