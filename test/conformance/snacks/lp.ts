/** Twin of flytesnacks core/flyte_basics/lp.py (the tasks, the workflows and their default launch plans). */
import { t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.lp";

export const square = task({ name: `${M}.square`, inputs: { val: t.int }, outputs: t.int }, ({ val }) => val * val);

export const my_wf = workflow({ name: `${M}.my_wf`, inputs: { val: t.int }, outputs: t.int }, ({ val }) =>
  square({ val }),
);

export const greet = task(
  { name: `${M}.greet`, inputs: { day_of_week: t.str, number: t.int, am: t.bool }, outputs: t.str },
  ({ day_of_week, number, am }) => `Have a great ${am ? "morning" : "evening"} on ${day_of_week} ${number}`,
);

export const go_greet = workflow(
  { name: `${M}.go_greet`, inputs: { day_of_week: t.str, number: t.int, am: t.bool.default(false) }, outputs: t.str },
  ({ day_of_week, number, am }) => greet({ day_of_week, number, am }),
);
