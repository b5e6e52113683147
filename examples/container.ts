/**
 * A raw container task: any image and command, its inputs and outputs passed as files (Flyte's raw-container data
 * loading, the twin of flytekit's ContainerTask). Here a stock Python image computes the area of an ellipse and a
 * TypeScript task formats it. Locally the container runs with docker or podman (a clear error says so when neither
 * is there); on a cluster, Flyte's copilot writes the inputs to /var/inputs and collects /var/outputs.
 *
 *   npx tsflyte run examples/container.ts wf --a 3 --b 4.5
 */
import { containerTask, t, task, workflow } from "flytekit-ts";

export const ellipseArea = containerTask({
  name: "examples.container.ellipse_area",
  image: "python:3.12-slim",
  inputs: { a: t.float, b: t.float },
  outputs: { area: t.float, metadata: t.str },
  command: [
    "python",
    "-c",
    [
      "import math, sys",
      "a, b = float(sys.argv[1]), float(sys.argv[2])",
      "open('/var/outputs/area', 'w').write(str(math.pi * a * b))",
      "open('/var/outputs/metadata', 'w').write(f'python {sys.version.split()[0]}')",
    ].join("; "),
    "{{.inputs.a}}",
    "{{.inputs.b}}",
  ],
});

/** Formats the container's outputs. */
export const report = task(
  { inputs: { area: t.float, metadata: t.str }, outputs: t.str },
  ({ area, metadata }) => `area ${area.toFixed(3)} (computed with ${metadata})`,
);

export const wf = workflow({ inputs: { a: t.float, b: t.float }, outputs: t.str }, ({ a, b }) => {
  const { area, metadata } = ellipseArea({ a, b });
  return report({ area, metadata });
});
