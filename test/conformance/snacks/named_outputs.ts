/** Twin of flytesnacks core/flyte_basics/named_outputs.py: a named output, and a workflow with two named outputs. */
import { type Ref, t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.named_outputs";

export const say_hello = task({ name: `${M}.say_hello`, inputs: {}, outputs: { greet: t.str } }, () => ({
  greet: "hello world",
}));

// A call without inputs is typed as a run (a Promise); in a workflow body it is a reference to the node's outputs.
const hello = () => say_hello() as unknown as { greet: Ref<string> };

export const my_wf = workflow({ name: `${M}.my_wf`, inputs: {}, outputs: { greet1: t.str, greet2: t.str } }, () => ({
  greet1: hello().greet,
  greet2: hello().greet,
}));
