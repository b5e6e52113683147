/**
 * A cached task: the second run with the same inputs is served from the local cache (set
 * FLYTE_LOCAL_CACHE_ENABLED=false to turn it off, FLYTE_LOCAL_CACHE_OVERWRITE=true to refresh it).
 *
 *   npx tsflyte run examples/cached.ts slowSquare --x 12
 */
import { t, task, workflow } from "flytekit-ts";

export const slowSquare = task(
  { inputs: { x: t.int, label: t.str.default("") }, outputs: t.int, cache: { version: "1", ignoredInputs: ["label"] } },
  async ({ x }) => {
    await new Promise((r) => setTimeout(r, 200));
    return x * x;
  },
);

export const wf = workflow({ inputs: { x: t.int }, outputs: t.int }, ({ x }) => slowSquare({ x, label: "from-wf" }));
