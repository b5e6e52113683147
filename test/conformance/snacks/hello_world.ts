/** Twin of flytesnacks core/flyte_basics/hello_world.py. */
import { t, task, workflow } from "flytekit-ts";

const M = "core.flyte_basics.hello_world";

export const say_hello = task({ name: `${M}.say_hello`, inputs: {}, outputs: t.str }, () => "hello world");

export const my_wf = workflow({ name: `${M}.my_wf`, inputs: {}, outputs: t.str }, () => say_hello());
