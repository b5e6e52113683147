/**
 * The error taxonomy of flytekit-ts. Every error the SDK raises is one of these classes, and each maps onto a
 * Flyte `ContainerError` kind and origin when it crosses the container boundary.
 *
 * Shared by every room (types, core, serialize, entrypoint), so it lives at the root of `src/`.
 */

/** Where an error came from, as the Flyte `ExecutionError` sees it. */
export type ErrorOrigin = "USER" | "SYSTEM";

/** Base class of every flytekit-ts error. `cause` is always preserved. */
export class FlyteError extends Error {
  /** Flyte error code written into an `error.pb`, e.g. `USER:ValueError`. */
  readonly code: string;
  /** Whether Flyte may retry the task after this error. */
  readonly recoverable: boolean;
  /** Whether the user's code or the platform is at fault. */
  readonly origin: ErrorOrigin;

  constructor(
    message: string,
    opts: { cause?: unknown; code?: string; recoverable?: boolean; origin?: ErrorOrigin } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.origin = opts.origin ?? "SYSTEM";
    this.recoverable = opts.recoverable ?? false;
    this.code = opts.code ?? `${this.origin}:${this.name}`;
  }
}

/**
 * An error in the user's code or declarations: bad options, wrong inputs, a failing task body.
 * Not retried by Flyte.
 *
 * @example
 * throw new FlyteUserError("n must be positive");
 */
export class FlyteUserError extends FlyteError {
  constructor(message: string, opts: { cause?: unknown; code?: string } = {}) {
    super(message, { ...opts, origin: "USER", recoverable: false });
  }
}

/**
 * A value did not fit its declared Flyte type. The message names the entity, the variable, the expected type and
 * what was given; `path` locates the offending part of a nested value.
 */
export class FlyteTypeError extends FlyteError {
  /** The location of the offending value, e.g. `["xs", 3, "name"]`. */
  readonly path: readonly (string | number)[];
  /** The expected Flyte type, as text. */
  readonly expected: string;

  constructor(
    message: string,
    opts: { cause?: unknown; path?: readonly (string | number)[]; expected?: string; origin?: ErrorOrigin } = {},
  ) {
    super(message, { cause: opts.cause, origin: opts.origin ?? "USER", recoverable: false });
    this.path = opts.path ?? [];
    this.expected = opts.expected ?? "";
  }
}

/**
 * Raise from a task to ask Flyte to retry it (a `RECOVERABLE` user error), e.g. after a flaky network call.
 *
 * @example
 * if (res.status === 503) throw new FlyteRecoverableError("upstream unavailable");
 */
export class FlyteRecoverableError extends FlyteError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { ...opts, origin: "USER", recoverable: true, code: "USER:Recoverable" });
  }
}

/**
 * Raise from a task to fail it with no retry, whatever its retry budget (a `NON_RECOVERABLE` user error).
 *
 * @example
 * throw new FlyteNonRecoverableError("input file is corrupt");
 */
export class FlyteNonRecoverableError extends FlyteError {
  constructor(message: string, opts: { cause?: unknown } = {}) {
    super(message, { ...opts, origin: "USER", recoverable: false, code: "USER:NonRecoverable" });
  }
}

/** A definition-time mistake: an invalid option, a missing input, a malformed workflow body. */
export class FlyteValidationError extends FlyteUserError {}

/** Describes a JavaScript value briefly for error messages, without dumping large payloads. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  switch (typeof value) {
    case "string": {
      const s = value.length > 60 ? `${value.slice(0, 57)}...` : value;
      return `${JSON.stringify(s)} (string)`;
    }
    case "number":
    case "boolean":
      return `${String(value)} (${typeof value})`;
    case "bigint":
      return `${value}n (bigint)`;
    case "function":
      return `a function${value.name ? ` ${value.name}` : ""}`;
    case "symbol":
      return String(value);
  }
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (value instanceof Date) return `a Date (${Number.isNaN(value.getTime()) ? "invalid" : value.toISOString()})`;
  if (value instanceof Map) return `a Map of size ${value.size}`;
  if (value instanceof Set) return `a Set of size ${value.size}`;
  if (value instanceof Uint8Array) return `a Uint8Array of length ${value.length}`;
  const ctor = (value as object).constructor?.name;
  if (ctor && ctor !== "Object") return `a ${ctor}`;
  const keys = Object.keys(value as object);
  return `an object with keys {${keys.slice(0, 8).join(", ")}${keys.length > 8 ? ", ..." : ""}}`;
}
