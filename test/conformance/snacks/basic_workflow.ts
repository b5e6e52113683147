/**
 * Twin of flytesnacks core/flyte_basics/basic_workflow.py: a task with named outputs, a task of two strings, and a
 * workflow with tuple outputs wiring them.
 */
import { t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.basic_workflow";

export const t1 = task(
  { name: `${M}.t1`, inputs: { a: t.int }, outputs: { t1_int_output: t.int, c: t.str } },
  ({ a }) => ({ t1_int_output: a + 2, c: "world" }),
);

export const t2 = task({ name: `${M}.t2`, inputs: { a: t.str, b: t.str }, outputs: t.str }, ({ a, b }) => b + a);

export const my_wf = workflow(
  { name: `${M}.my_wf`, inputs: { a: t.int, b: t.str }, outputs: [t.int, t.str] },
  ({ a, b }) => {
    const { t1_int_output: x, c: y } = t1({ a });
    const d = t2({ a: y, b });
    return [x, d];
  },
);
