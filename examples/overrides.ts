/**
 * Node overrides: one task, several nodes, each with settings of its own (node id, retries, timeout, cache,
 * resources, image, accelerator, shared memory, pod template). Locally, retries, timeouts and the cache apply.
 *
 *   npx tsflyte run examples/overrides.ts wf --n 3      # prints 82
 */
import { t, task, workflow, withOverrides } from "flytekit-ts";

export const square = task(
  { inputs: { n: t.int }, outputs: t.int, requests: { cpu: "500m" }, retries: 1 },
  ({ n }) => n * n,
);

export const add = task({ inputs: { a: t.int, b: t.int }, outputs: t.int }, ({ a, b }) => a + b);

export const wf = workflow({ inputs: { n: t.int }, outputs: t.int }, ({ n }) => {
  const a = square({ n }).withOverrides({
    nodeName: "first-square",
    retries: 3,
    timeout: "5m",
    cache: { version: "1" },
  });
  const b = square({ n: a }).withOverrides({
    name: "gpu-square",
    resources: { cpu: ["1", "2"], mem: "2Gi", gpu: "1" },
    interruptible: true,
    accelerator: { device: "nvidia-tesla-t4" },
    sharedMemory: true,
    containerImage: "{{.image.default.fqn}}:gpu",
  });
  const c = withOverrides(square({ n: 1 }), {
    timeout: null,
    podTemplate: { podSpec: { nodeSelector: { pool: "small" } }, labels: { team: "ml" } },
  });
  return add({ a: b, b: c });
});
