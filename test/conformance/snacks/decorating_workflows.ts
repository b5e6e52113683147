/**
 * Twin of flytesnacks core/flyte_basics/decorating_workflows.py: setup and teardown tasks ordered around the workflow's
 * tasks without data flow (flytekit's `>>`, here `after()`).
 */
import { after, t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.decorating_workflows";

export const setup = task({ name: `${M}.setup`, inputs: {} }, () => undefined);

export const teardown = task({ name: `${M}.teardown`, inputs: {} }, () => undefined);

export const t1 = task({ name: `${M}.t1`, inputs: { x: t.float }, outputs: t.float }, ({ x }) => x + 1);

export const t2 = task({ name: `${M}.t2`, inputs: { x: t.float }, outputs: t.float }, ({ x }) => x * 2);

export const wf = workflow({ name: `${M}.wf`, inputs: { x: t.float }, outputs: t.float }, ({ x }) => {
  const s = setup();
  const a = after(t1({ x }), s);
  const b = t2({ x: a });
  after(teardown(), b);
  return b;
});
