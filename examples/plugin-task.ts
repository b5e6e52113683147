/**
 * A plugin task: flytekit's file sensor, run on a cluster by Flyte's sensor agent from its task type and
 * configuration (no container). Locally, the function given to pluginTask stands in for the agent.
 *
 *   npx tsflyte run examples/plugin-task.ts wf --path README.md      # prints 9
 */
import { existsSync } from "node:fs";
import { after, pluginTask, t, task, workflow } from "flytekit-ts";

export const waitForFile = pluginTask(
  {
    name: "examples.plugin_task.wait_for_file",
    taskType: "sensor",
    inputs: { path: t.str },
    taskConfig: {
      sensor_module: "flytekit.sensor.file_sensor",
      sensor_name: "FileSensor",
      sensor_config: null,
      inputs: null,
    },
    docs: "Waits until a file exists.",
  },
  async ({ path }) => {
    while (!existsSync(path)) await new Promise((r) => setTimeout(r, 100));
  },
);

export const nameLength = task(
  {
    inputs: { path: t.str },
    outputs: t.int,
    docs: `The length of a file's name.

    Counts characters, not bytes.`,
  },
  ({ path }) => path.length,
);

export const wf = workflow(
  { inputs: { path: t.str }, outputs: t.int, docs: { short: "Waits for a file, then measures its name." } },
  ({ path }) => after(nameLength({ path }), waitForFile({ path })),
);
