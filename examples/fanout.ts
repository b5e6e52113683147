/**
 * Fan-out and fan-in: independent nodes run concurrently, then one node gathers their outputs as a list.
 *
 *   npx tsflyte run examples/fanout.ts wf --base 10
 */
import { t, task, workflow } from "flytekit-ts";

export const square = task({ inputs: { x: t.int }, outputs: t.int }, async ({ x }) => {
  await new Promise((r) => setTimeout(r, 20));
  return x * x;
});

export const total = task({ inputs: { xs: t.list(t.int) }, outputs: t.int }, ({ xs }) => xs.reduce((s, x) => s + x, 0));

export const wf = workflow({ inputs: { base: t.int }, outputs: t.int }, ({ base }) => {
  const parts = [square({ x: base }), square({ x: 1 }), square({ x: 2 }), square({ x: 3 })];
  return total({ xs: parts });
});
