/**
 * `tsflyte-map-execute`: the container entrypoint of one element of a map task (the twin of `pyflyte-map-execute`).
 * It takes `tsflyte-execute`'s options plus `--bound-inputs a,b`, picks element `index` of every other input (index =
 * the variable named by `BATCH_JOB_ARRAY_INDEX_VAR_NAME` + `BATCH_JOB_ARRAY_INDEX_OFFSET`), decoding and converting
 * only that element, runs the inner task, and writes only that element's outputs under the inner output names.
 */
import { cli as executeCli, main as executeMain } from "./execute.js";

/**
 * Runs the map entrypoint with `argv` and resolves to the exit status.
 *
 * @example
 * process.exitCode = await main(process.argv.slice(2));
 */
export function main(argv: readonly string[]): Promise<number> {
  return executeMain(argv, "map");
}

/** The `tsflyte-map-execute` executable. */
export function cli(): Promise<never> {
  return executeCli("map");
}
