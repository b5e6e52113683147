/**
 * The Arrow and Parquet libraries behind `t.dataframe()`, loaded on first use so that tasks without dataframes never
 * pay for them at start-up.
 *
 * Task execution awaits `prepareDataframes()` before converting values (an ES module import, so that the Arrow
 * classes are the very ones user code imports from `apache-arrow`); code that converts without that step loads the
 * same packages synchronously through `require`.
 */
import { createRequire } from "node:module";
import type * as ArrowModule from "apache-arrow";
import type * as ParquetModule from "parquet-wasm";

/** The `apache-arrow` module. */
export type Arrow = typeof ArrowModule;
/** The `parquet-wasm` module. */
export type Parquet = typeof ParquetModule;

let arrow: Arrow | undefined;
let parquet: Parquet | undefined;
let loading: Promise<void> | undefined;
let inUse = false;

/** Records that a dataframe type exists, so that task execution loads the libraries before converting. */
export function markDataframesInUse(): void {
  inUse = true;
}

/** Loads the libraries as ES modules (once). */
export function loadDataframeCodecs(): Promise<void> {
  loading ??= Promise.all([import("apache-arrow"), import("parquet-wasm")]).then(([a, p]) => {
    arrow = a;
    parquet ??= p;
  });
  return loading;
}

/**
 * What task execution awaits before converting values: the library load when any dataframe type was declared,
 * `undefined` (nothing to wait for) otherwise.
 */
export function prepareDataframes(): Promise<void> | undefined {
  if (!inUse || arrow) return undefined;
  return loadDataframeCodecs();
}

function requireHere(id: string): unknown {
  return createRequire(import.meta.url)(id);
}

/** The Arrow module, loaded synchronously when it was not prepared. */
export function arrowModule(): Arrow {
  arrow ??= requireHere("apache-arrow") as Arrow;
  return arrow;
}

/** The Parquet module, loaded synchronously when it was not prepared. */
export function parquetModule(): Parquet {
  parquet ??= requireHere("parquet-wasm") as Parquet;
  return parquet;
}
