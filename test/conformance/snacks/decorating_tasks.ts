/** Twin of flytesnacks core/flyte_basics/decorating_tasks.py (the decorators only wrap the functions). */
import { t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.decorating_tasks";

export const t1 = task({ name: `${M}.t1`, inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 1);

export const t2 = task({ name: `${M}.t2`, inputs: { x: t.int }, outputs: t.int }, ({ x }) => x + 2);

export const wf = workflow({ name: `${M}.wf`, inputs: { x: t.int }, outputs: t.int }, ({ x }) => t2({ x: t1({ x }) }));
