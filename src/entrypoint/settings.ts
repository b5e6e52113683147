/**
 * What the container entrypoints read from the environment propeller gives a task pod (flytekit's names, with the
 * legacy long name first and the short `_F_*` name second).
 */
import type { ExecutionId, TaskId } from "../core/context.js";

/** Environment variables, as `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

const MiB = 1024 * 1024;

/** What error reporting needs; never fails to read, so an error document can always be named. */
export interface ErrorSettings {
  /** Error files get unique names (`error-<uuid>.pb`) because several workers may write one (`_F_DES`). */
  readonly distributedErrors: boolean;
  /** `ContainerError.worker` (`_F_WN`), only with distributed errors. */
  readonly workerName: string;
  /** Exit with status 1 after writing an error document (`FLYTE_FAIL_ON_ERROR`). */
  readonly failOnError: boolean;
}

/** Settings read from the environment. */
export interface ContainerSettings extends ErrorSettings {
  /** `FLYTE_INTERNAL_EXECUTION_PROJECT/DOMAIN/ID` (`_F_PRJ`, `_F_DM`, `_F_NM`). */
  readonly executionId: ExecutionId;
  /** `FLYTE_INTERNAL_TASK_PROJECT/DOMAIN/NAME/VERSION` (`_F_TK_PRJ`, `_F_TK_DM`, `_F_TK_NM`, `_F_TK_V`); an empty name means "the loaded task's". */
  readonly taskId: TaskId;
  /** Offloading of large output literals, on when `_F_L_MIN_SIZE_MB` is set. */
  readonly offload: { readonly minBytes: number; readonly maxBytes: number } | undefined;
  /** Without offloading, the largest `outputs.pb` written (`FLYTEKIT_TS_MAX_OUTPUT_MB`, default 10 MiB). */
  readonly maxOutputBytes: number;
}

/** The first of `names` that is set (even to ""), else `""`, like flytekit's `get_one_of`. */
export function oneOf(env: Env, ...names: string[]): string {
  for (const n of names) {
    const v = env[n];
    if (v !== undefined) return v;
  }
  return "";
}

/** flytekit's `str2bool`: true, t, 1, yes, y (any case). */
export function envFlag(value: string | undefined): boolean {
  return /^(true|t|1|yes|y)$/i.test((value ?? "").trim());
}

function megabytes(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback * MiB;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0)
    throw new Error(`${name} must be a non-negative number of MiB, got ${JSON.stringify(raw)}`);
  return n * MiB;
}

/** Reads what error reporting needs from `env`. */
export function readErrorSettings(env: Env = process.env): ErrorSettings {
  const distributedErrors = oneOf(env, "FLYTE_INTERNAL_DIST_ERROR_STRATEGY", "_F_DES") !== "";
  return {
    distributedErrors,
    workerName: distributedErrors ? oneOf(env, "FLYTE_INTERNAL_WORKER_NAME", "_F_WN") : "",
    failOnError: envFlag(env.FLYTE_FAIL_ON_ERROR),
  };
}

/** Reads the entrypoint settings from `env`; a malformed size limit throws. */
export function readSettings(env: Env = process.env): ContainerSettings {
  return {
    ...readErrorSettings(env),
    executionId: {
      project: oneOf(env, "FLYTE_INTERNAL_EXECUTION_PROJECT", "_F_PRJ"),
      domain: oneOf(env, "FLYTE_INTERNAL_EXECUTION_DOMAIN", "_F_DM"),
      name: oneOf(env, "FLYTE_INTERNAL_EXECUTION_ID", "_F_NM"),
    },
    taskId: {
      project: oneOf(env, "FLYTE_INTERNAL_TASK_PROJECT", "_F_TK_PRJ"),
      domain: oneOf(env, "FLYTE_INTERNAL_TASK_DOMAIN", "_F_TK_DM"),
      name: oneOf(env, "FLYTE_INTERNAL_TASK_NAME", "_F_TK_NM"),
      version: oneOf(env, "FLYTE_INTERNAL_TASK_VERSION", "_F_TK_V"),
    },
    offload:
      env._F_L_MIN_SIZE_MB === undefined
        ? undefined
        : { minBytes: megabytes(env, "_F_L_MIN_SIZE_MB", 10), maxBytes: megabytes(env, "_F_L_MAX_SIZE_MB", 1000) },
    maxOutputBytes: megabytes(env, "FLYTEKIT_TS_MAX_OUTPUT_MB", 10),
  };
}

/**
 * The array index of a map-task element: the value of the variable named by `BATCH_JOB_ARRAY_INDEX_VAR_NAME`, plus
 * `BATCH_JOB_ARRAY_INDEX_OFFSET` (propeller sets the name to `FLYTE_K8S_ARRAY_INDEX`). Malformed values throw.
 */
export function arrayIndex(env: Env = process.env): number {
  const int = (name: string, raw: string | undefined): number => {
    const n = Number(raw);
    if (raw === undefined || raw.trim() === "" || !Number.isSafeInteger(n) || n < 0)
      throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
    return n;
  };
  const offset = env.BATCH_JOB_ARRAY_INDEX_OFFSET
    ? int("BATCH_JOB_ARRAY_INDEX_OFFSET", env.BATCH_JOB_ARRAY_INDEX_OFFSET)
    : 0;
  const varName = env.BATCH_JOB_ARRAY_INDEX_VAR_NAME;
  // Like flytekit: without the variable's name, the offset alone is the index.
  return varName ? offset + int(varName, env[varName]) : offset;
}
