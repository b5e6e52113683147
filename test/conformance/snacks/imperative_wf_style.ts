/** Twin of the tasks of flytesnacks core/flyte_basics/imperative_wf_style.py (its workflow is built imperatively). */
import { t, task } from "flytekit-ts";

const M = "core.flyte_basics.imperative_wf_style";

export const t1 = task({ name: `${M}.t1`, inputs: { a: t.str }, outputs: t.str }, ({ a }) => `${a} world`);

export const t2 = task({ name: `${M}.t2`, inputs: {} }, () => undefined);

export const t3 = task({ name: `${M}.t3`, inputs: { a: t.list(t.str) }, outputs: t.str }, ({ a }) => a.join(" "));
