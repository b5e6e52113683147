/**
 * Dynamic workflows: the body runs when the task runs, with the real input values, so the width of the fan-out comes
 * from an input. Each call inside it becomes a node (dn0, dn1, ...) of a workflow built for that run.
 *
 *   npx tsflyte run examples/dynamic.ts wf --n 5
 */
import { dynamic, t, task, workflow } from "flytekit-ts";

export const square = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x * x);

export const total = task({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((s, x) => s + x, 0));

export const squares = dynamic({ inputs: { n: t.int }, outputs: t.list(t.int) }, ({ n }) =>
  Array.from({ length: n }, (_, i) => square({ x: i })),
);

export const wf = workflow({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => total({ xs: squares({ n }) }));
