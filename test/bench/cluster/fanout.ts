/**
 * The cluster eager benchmark's workload (test/bench/eager-cluster.ts): one eager task awaiting `n` calls of a trivial
 * task, each an execution of its own on the cluster. test/bench/py/eager_fanout.py is the same in flytekit.
 */
import { eager, t, task } from "flytekit-ts";

/** Adds one. */
export const trivial = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

/** Launches `n` trivial children at once and returns the sum of their outputs. */
export const fanout = eager({ inputs: { n: t.int }, outputs: t.int }, async ({ n }) => {
  const xs = await Promise.all(Array.from({ length: n }, (_, i) => trivial({ x: i })));
  return xs.reduce((s, x) => s + x, 0);
});
