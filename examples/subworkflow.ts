/**
 * Subworkflows: a workflow called from another workflow becomes a workflow node.
 *
 *   npx tsflyte run examples/subworkflow.ts parent --a 2 --b 3
 */
import { t, task, workflow } from "flytekit-ts";

export const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);
export const mul = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a * b);

export const addThenDouble = workflow({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) =>
  mul({ a: add({ a, b }), b: 2 }),
);

export const parent = workflow(
  { inputs: { a: t.int, b: t.int }, outputs: { sum2: t.int, product: t.int } },
  ({ a, b }) => ({
    sum2: addThenDouble({ a, b }),
    product: mul({ a, b }),
  }),
);
