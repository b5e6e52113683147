/** Twins of flytesnacks core/flyte_basics/task.py, task_cache.py and task_cache_serialize.py (their `square` tasks). */
import { t, task } from "flytekit-ts";

export const square = task(
  { name: "core.flyte_basics.task.square", inputs: { n: t.int }, outputs: t.int },
  ({ n }) => n * n,
);

export const cached_square = task(
  { name: "core.flyte_basics.task_cache.square", inputs: { n: t.int }, outputs: t.int, cache: { version: "1.0" } },
  ({ n }) => n * n,
);

export const serialized_square = task(
  {
    name: "core.flyte_basics.task_cache_serialize.square",
    inputs: { n: t.int },
    outputs: t.int,
    cache: { version: "1.0", serialize: true },
  },
  ({ n }) => n * n,
);
