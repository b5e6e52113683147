/** Twin of flytesnacks core/containerization/use_secrets.py: secret requests become the security context. */
import { currentContext, type Ref, t, task, workflow } from "flytekit-ts";

const M = "core.containerization.use_secrets";
const SECRET_GROUP = "user-info";
const SECRET_NAME = "user_secret";

export const secret_task = task(
  { name: `${M}.secret_task`, inputs: {}, outputs: t.str, secrets: [{ group: SECRET_GROUP, key: SECRET_NAME }] },
  () => currentContext().secrets.get(SECRET_GROUP, SECRET_NAME),
);

export const user_info_task = task(
  {
    name: `${M}.user_info_task`,
    inputs: {},
    outputs: [t.str, t.str],
    secrets: [
      { group: SECRET_GROUP, key: "username" },
      { group: SECRET_GROUP, key: "password" },
    ],
  },
  () => [
    currentContext().secrets.get(SECRET_GROUP, "username"),
    currentContext().secrets.get(SECRET_GROUP, "password"),
  ],
);

export const secret_file_task = task(
  {
    name: `${M}.secret_file_task`,
    inputs: {},
    outputs: [t.str, t.str],
    secrets: [{ group: SECRET_GROUP, key: SECRET_NAME, mountRequirement: "ENV_VAR" }],
  },
  () => [SECRET_GROUP, currentContext().secrets.get(SECRET_GROUP, SECRET_NAME)],
);

export const my_secret_workflow = workflow(
  { name: `${M}.my_secret_workflow`, inputs: {}, outputs: [t.str, t.str, t.str, t.str, t.str] },
  () => {
    const x = secret_task();
    // Calls without inputs are typed as runs (Promises); in a workflow body they are references to the outputs.
    const [y, z] = user_info_task() as unknown as [Ref<string>, Ref<string>];
    const [f, e] = secret_file_task() as unknown as [Ref<string>, Ref<string>];
    return [x, y, z, f, e];
  },
);
