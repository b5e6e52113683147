/** A map task over a task defined inside a workflow body: the workflow is the inner task's resolver. */
import { map, t, task, workflow } from "flytekit-ts";

export const bodyMap = workflow({ inputs: { xs: t.list(t.int) }, outputs: t.list(t.int) }, ({ xs }) => {
  const inc = task({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);
  return map(inc)({ x: xs });
});
