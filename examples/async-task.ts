/**
 * Async tasks: a task body may be async (the AsyncPythonFunctionTask twin); awaiting I/O inside is natural.
 *
 *   npx tsflyte run examples/async-task.ts wf --n 3
 */
import { t, task, workflow } from "flytekit-ts";

export const fetchAll = task({ inputs: { n: t.int }, outputs: t.list(t.str) }, async ({ n }) => {
  const fetchOne = async (i: number) => {
    await new Promise((r) => setTimeout(r, 10));
    return `item-${i}`;
  };
  return Promise.all(Array.from({ length: n }, (_, i) => fetchOne(i)));
});

export const join = task({ inputs: { items: t.list(t.str) }, outputs: t.str }, ({ items }) => items.join(","));

export const wf = workflow({ inputs: { n: t.int }, outputs: t.str }, ({ n }) => join({ items: fetchAll({ n }) }));
