/**
 * Twin of flytesnacks core/control_flow/subworkflows.py: a workflow with a default input used as a subworkflow,
 * nested twice; an untyped dict between tasks; a launch plan of its own name; a node renamed with
 * `withOverrides({ nodeName })`.
 */
import { launchPlan, t, task, workflow } from "flytekit-ts";

const M = "core.control_flow.subworkflows";

export const t1 = task(
  { name: `${M}.t1`, inputs: { a: t.int }, outputs: { t1_int_output: t.int, c: t.str } },
  ({ a }) => ({ t1_int_output: a + 2, c: "world" }),
);

export const my_subwf = workflow(
  { name: `${M}.my_subwf`, inputs: { a: t.int.default(42) }, outputs: [t.str, t.str] },
  ({ a }) => {
    const first = t1({ a });
    const second = t1({ a: first.t1_int_output });
    return [first.c, second.c];
  },
);

export const parent_wf = workflow(
  { name: `${M}.parent_wf`, inputs: { a: t.int }, outputs: [t.int, t.str, t.str] },
  ({ a }) => {
    const { t1_int_output: x } = t1({ a }).withOverrides({ nodeName: "node-t1-parent" });
    const [u, v] = my_subwf({ a: x });
    return [x, u, v];
  },
);

export const nested_parent_wf = workflow(
  { name: `${M}.nested_parent_wf`, inputs: { a: t.int }, outputs: [t.int, t.str, t.str, t.str] },
  ({ a }) => {
    const [, y] = my_subwf({ a });
    const [m, n, o] = parent_wf({ a });
    return [m, n, o, y];
  },
);

export const count_freq_words = task(
  { name: `${M}.count_freq_words`, inputs: { input_string1: t.str }, outputs: t.dict() },
  ({ input_string1 }) => {
    const counts: Record<string, number> = {};
    for (const w of input_string1.toLowerCase().split(/\s+/)) if (w) counts[w] = (counts[w] ?? 0) + 1;
    return counts;
  },
);

export const ext_workflow = workflow(
  { name: `${M}.ext_workflow`, inputs: { my_input: t.str }, outputs: t.dict() },
  ({ my_input }) => count_freq_words({ input_string1: my_input }),
);

export const parent_workflow_execution = launchPlan(ext_workflow, { name: "parent_workflow_execution" });

export const count_repetitive_words = task(
  { name: `${M}.count_repetitive_words`, inputs: { word_counter: t.dict() }, outputs: t.list(t.str) },
  ({ word_counter }) =>
    Object.entries(word_counter as Record<string, number>)
      .filter(([, n]) => n > 1)
      .map(([w]) => w),
);
