/**
 * Conditionals: a branch node picks one task from the value of another task's output.
 *
 *   npx tsflyte run examples/conditional.ts wf --x -3
 */
import { conditional, eq, gt, lt, t, task, workflow } from "flytekit-ts";

export const describeSign = task({ inputs: { x: t.int }, outputs: t.str }, ({ x }) =>
  x > 0 ? "positive" : "negative",
);
export const zero = task({ inputs: { x: t.int }, outputs: t.str }, () => "zero");
export const double = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => 2 * x);

export const wf = workflow({ inputs: { x: t.int }, outputs: t.str }, ({ x }) => {
  const d = double({ x });
  return conditional("sign")
    .if(gt(d, 0))
    .run(() => describeSign({ x: d }))
    .elif(lt(d, 0))
    .run(() => describeSign({ x: d }))
    .else()
    .run(() => zero({ x: d }));
});

export const strict = workflow({ inputs: { x: t.int }, outputs: t.str }, ({ x }) =>
  conditional("nonzero")
    .if(eq(x, 0))
    .run(() => zero({ x }))
    .else()
    .fail("x must be zero"),
);
