/**
 * Named and multiple outputs: a task returning named outputs, a task returning a tuple (`o0`, `o1`), and a workflow
 * wiring them by name.
 *
 *   npx tsflyte run examples/outputs.ts wf --xs '[3, 1, 4, 1, 5]'
 */
import { t, task, workflow } from "flytekit-ts";

export const stats = task({ inputs: { xs: t.list(t.float) }, outputs: { mean: t.float, n: t.int } }, ({ xs }) => ({
  mean: xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1),
  n: xs.length,
}));

export const minMax = task({ inputs: { xs: t.list(t.float) }, outputs: [t.float, t.float] }, ({ xs }) => [
  Math.min(...xs),
  Math.max(...xs),
]);

export const summary = task(
  { inputs: { mean: t.float, n: t.int, lo: t.float, hi: t.float }, outputs: t.str },
  ({ mean, n, lo, hi }) => `${n} values in [${lo}, ${hi}], mean ${mean.toFixed(2)}`,
);

export const wf = workflow({ inputs: { xs: t.list(t.float) }, outputs: { text: t.str, mean: t.float } }, ({ xs }) => {
  const s = stats({ xs });
  const [lo, hi] = minMax({ xs });
  return { text: summary({ mean: s.mean, n: s.n, lo, hi }), mean: s.mean };
});
