/**
 * The one error type raised by the storage layer.
 *
 * Every failure names the storage operation and the URI it was working on. Messages never carry credentials,
 * signatures or request headers: only the operation, the URI, an HTTP status, a provider error code and the
 * provider's short message.
 *
 * @module
 */

/**
 * What went wrong, independent of the backend.
 *
 * - `not_found`: the object or file does not exist.
 * - `access_denied`: the credentials may not do this (HTTP 401/403, `EACCES`).
 * - `throttled`: the service asked us to slow down (HTTP 429, 503, S3 `SlowDown`/`Throttling`).
 * - `unavailable`: a transient failure — 5xx, 408, request timeouts, connection resets.
 * - `rejected`: the service refused the request for another reason (other 4xx).
 * - `invalid`: the URI or an argument is malformed; detected before any I/O.
 * - `unsupported`: no backend is installed for the URI's scheme.
 * - `io`: a local filesystem failure other than the ones above (`ENOSPC`, `EIO`, ...).
 */
export type StorageErrorKind =
  | "not_found"
  | "access_denied"
  | "throttled"
  | "unavailable"
  | "rejected"
  | "invalid"
  | "unsupported"
  | "io";

/** Fields accepted by the {@link StorageError} constructor. */
export interface StorageErrorInit {
  /** Operation name, e.g. `"GetObject"`, `"put"`, `"list"`. */
  readonly operation: string;
  /** URI (or local path) the operation was working on. */
  readonly uri: string;
  /** Failure class. */
  readonly kind: StorageErrorKind;
  /** Human-readable detail, without the operation and URI (they are prepended). */
  readonly detail: string;
  /** HTTP status, when the failure came from an HTTP response. */
  readonly status?: number;
  /** Provider error code (`NoSuchKey`, `SlowDown`, `ENOENT`, ...). */
  readonly code?: string;
  /** Provider request id, useful when asking the provider for support. */
  readonly requestId?: string;
  /** Attempts made so far (1 when the operation was not retried). */
  readonly attempts?: number;
  /** Whether retrying the same request soon may succeed. Defaults from `kind`. */
  readonly retryable?: boolean;
  /** Server-requested delay before the next attempt (from `Retry-After`), in milliseconds. */
  readonly retryAfterMs?: number;
  /** Whether a Flyte-level retry of the task may succeed. Defaults from `kind`. */
  readonly recoverable?: boolean;
  /** Underlying error. */
  readonly cause?: unknown;
}

const TRANSIENT_KINDS: ReadonlySet<StorageErrorKind> = new Set(["throttled", "unavailable"]);

/**
 * A storage operation failed.
 *
 * `recoverable` tells the task runtime how to classify the failure: throttling, transient server errors, network
 * failures and local I/O errors are `recoverable: true` and must be reported as system errors, never as user
 * errors. A missing object, denied access or a malformed URI is `recoverable: false`.
 */
export class StorageError extends Error {
  /** Operation name, e.g. `"GetObject"`. */
  readonly operation: string;
  /** URI (or local path) the operation was working on. */
  readonly uri: string;
  /** Failure class. */
  readonly kind: StorageErrorKind;
  /** The detail part of the message, without operation and URI. */
  readonly detail: string;
  /** HTTP status, when there was a response. */
  readonly status: number | undefined;
  /** Provider error code, when known. */
  readonly code: string | undefined;
  /** Provider request id, when known. */
  readonly requestId: string | undefined;
  /** Number of attempts made. */
  readonly attempts: number;
  /** Whether an immediate retry of the same request may succeed. */
  readonly retryable: boolean;
  /** Server-requested delay before retrying, in milliseconds. */
  readonly retryAfterMs: number | undefined;
  /** Whether a Flyte-level retry may succeed; `true` means "system error, recoverable". */
  readonly recoverable: boolean;

  /** Builds an error from its fields; the message is derived from operation, URI, detail and attempts. */
  constructor(init: StorageErrorInit) {
    const attempts = init.attempts ?? 1;
    const suffix = attempts > 1 ? ` (gave up after ${attempts} attempts)` : "";
    super(
      `${init.operation} ${init.uri}: ${init.detail}${suffix}`,
      init.cause === undefined ? {} : { cause: init.cause },
    );
    this.name = "StorageError";
    this.operation = init.operation;
    this.uri = init.uri;
    this.kind = init.kind;
    this.detail = init.detail;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.attempts = attempts;
    this.retryable = init.retryable ?? TRANSIENT_KINDS.has(init.kind);
    this.retryAfterMs = init.retryAfterMs;
    this.recoverable = init.recoverable ?? (TRANSIENT_KINDS.has(init.kind) || init.kind === "io");
  }

  /** A copy of this error that records `attempts` attempts; used when retries are exhausted. */
  withAttempts(attempts: number): StorageError {
    return new StorageError({
      operation: this.operation,
      uri: this.uri,
      kind: this.kind,
      detail: this.detail,
      status: this.status,
      code: this.code,
      requestId: this.requestId,
      attempts,
      retryable: this.retryable,
      retryAfterMs: this.retryAfterMs,
      recoverable: this.recoverable,
      cause: this.cause,
    });
  }
}

/** Type guard for {@link StorageError}. */
export function isStorageError(err: unknown): err is StorageError {
  return err instanceof StorageError;
}

/**
 * Converts a Node.js filesystem error into a {@link StorageError}; other values are wrapped as `io` errors.
 * @internal
 */
export function fromFsError(err: unknown, operation: string, uri: string): StorageError {
  if (err instanceof StorageError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const base = { operation, uri, code, cause: err };
  switch (code) {
    case "ENOENT":
      return new StorageError({ ...base, kind: "not_found", detail: "no such file" });
    case "ENOTDIR":
      return new StorageError({ ...base, kind: "not_found", detail: "a parent path is not a directory" });
    case "EACCES":
    case "EPERM":
      return new StorageError({ ...base, kind: "access_denied", detail: "permission denied" });
    case "EISDIR":
      return new StorageError({ ...base, kind: "invalid", detail: "is a directory" });
    default: {
      const msg = err instanceof Error ? err.message : String(err);
      return new StorageError({ ...base, kind: "io", detail: `I/O error: ${msg}` });
    }
  }
}
