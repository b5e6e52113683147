/**
 * Launch plans: the same workflow with default and fixed inputs under another name.
 *
 *   npx tsflyte run examples/launch-plan.ts greetInFrench --name Ada
 */
import { launchPlan, t, task, workflow } from "flytekit-ts";

export const greet = task(
  { inputs: { greeting: t.str, name: t.str }, outputs: t.str },
  ({ greeting, name }) => `${greeting}, ${name}!`,
);

export const greetWf = workflow({ inputs: { greeting: t.str, name: t.str }, outputs: t.str }, ({ greeting, name }) =>
  greet({ greeting, name }),
);

export const greetInFrench = launchPlan(greetWf, {
  name: "examples.launch_plan.greet_in_french",
  fixedInputs: { greeting: "Bonjour" },
  defaultInputs: { name: "monde" },
});

export const usesLaunchPlan = workflow({ inputs: { name: t.str }, outputs: t.str }, ({ name }) =>
  greetInFrench({ name }),
);
