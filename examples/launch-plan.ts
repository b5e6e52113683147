/**
 * Launch plans: the same workflow with default and fixed inputs under another name; a scheduled launch plan with
 * notifications.
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
  name: "examples.launch-plan.greetInFrench",
  fixedInputs: { greeting: "Bonjour" },
  defaultInputs: { name: "monde" },
});

export const usesLaunchPlan = workflow({ inputs: { name: t.str }, outputs: t.str }, ({ name }) =>
  greetInFrench({ name }),
);

export const stamp = task(
  { inputs: { name: t.str, at: t.datetime }, outputs: t.str },
  ({ name, at }) => `${name} at ${at.toISOString()}`,
);

export const stampWf = workflow({ inputs: { name: t.str, at: t.datetime }, outputs: t.str }, ({ name, at }) =>
  stamp({ name, at }),
);

// On a cluster: every night at 03:00 with `at` set to the scheduled time; a Slack message when a run fails.
export const nightlyStamp = launchPlan(stampWf, {
  name: "examples.launch-plan.nightlyStamp",
  defaultInputs: { name: "nightly" },
  schedule: { cron: "0 3 * * *", kickoffTimeInput: "at" },
  notifications: [{ type: "slack", phases: ["FAILED", "TIMED_OUT"], recipients: ["oncall@example.com"] }],
  labels: { team: "data" },
  maxParallelism: 4,
});
