/**
 * Bounded retries of admin calls that failed because the admin could not be reached (gRPC `UNAVAILABLE`:
 * connection refused, reset, a restarting server). Other codes are answers from the admin and are not retried.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { backoffDelay, type RetryPolicy, resolveRetryPolicy } from "../storage/retry.js";
import type { AdminEndpoint } from "./endpoint.js";
import { FlyteAdminConnectionError, FlyteAdminUnavailableError } from "./errors.js";

/** Tunables of the retries on an unreachable admin. All durations are in milliseconds. */
export interface AdminRetryPolicy {
  /** Total attempts including the first one. `1` disables retries. */
  readonly maxAttempts: number;
  /** Backoff base: attempt n waits up to `base * 2^(n-1)` (full jitter). */
  readonly baseDelayMs: number;
  /** Upper bound of one wait. */
  readonly maxDelayMs: number;
  /** No retry starts later than this after the first attempt started. */
  readonly totalTimeoutMs: number;
}

/** Defaults: 5 attempts (flytectl's 4 retries), waits up to 0.5, 1, 2, 4 s, nothing started after 60 s. */
export const DEFAULT_ADMIN_RETRY_POLICY: AdminRetryPolicy = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8000,
  totalTimeoutMs: 60_000,
});

/** What {@link unavailableRetryInterceptor} reports before each wait. */
export interface AdminRetryEvent {
  /** The attempt that just failed, 1-based. */
  readonly attempt: number;
  /** How long until the next attempt. */
  readonly delayMs: number;
  /** The failure. */
  readonly error: ConnectError;
  /** The RPC, `flyteidl.service.AdminService/GetVersion`. */
  readonly procedure: string;
}

/**
 * An interceptor that retries unary calls failing with `UNAVAILABLE`, with full-jitter exponential backoff, and
 * turns the last failure into a {@link FlyteAdminUnavailableError} naming the endpoint. Streaming calls pass
 * through untouched (their request cannot be replayed).
 *
 * @example
 * createGrpcTransport({ baseUrl, interceptors: [unavailableRetryInterceptor(endpoint)] });
 */
export function unavailableRetryInterceptor(
  endpoint: AdminEndpoint,
  overrides: Partial<AdminRetryPolicy> = {},
  onRetry?: (event: AdminRetryEvent) => void,
): Interceptor {
  const policy: RetryPolicy = resolveRetryPolicy({
    maxAttempts: overrides.maxAttempts ?? DEFAULT_ADMIN_RETRY_POLICY.maxAttempts,
    baseDelayMs: overrides.baseDelayMs ?? DEFAULT_ADMIN_RETRY_POLICY.baseDelayMs,
    maxDelayMs: overrides.maxDelayMs ?? DEFAULT_ADMIN_RETRY_POLICY.maxDelayMs,
    totalTimeoutMs: overrides.totalTimeoutMs ?? DEFAULT_ADMIN_RETRY_POLICY.totalTimeoutMs,
  });
  return (next) => async (req) => {
    if (req.stream) return next(req);
    const started = Date.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return await next(req);
      } catch (err) {
        if (!(err instanceof ConnectError) || req.signal.aborted) throw err;
        if (err.code !== Code.Unavailable) throw connectionProblem(endpoint, err) ?? err;
        const delayMs = backoffDelay(attempt, policy, false);
        if (attempt >= policy.maxAttempts || Date.now() + delayMs - started > policy.totalTimeoutMs) {
          throw new FlyteAdminUnavailableError(endpoint.configured, attempt, err.rawMessage, { cause: err });
        }
        onRetry?.({ attempt, delayMs, error: err, procedure: req.url.slice(endpoint.baseUrl.length + 1) });
        try {
          await sleep(delayMs, undefined, { signal: req.signal });
        } catch (aborted) {
          // The call's deadline or the caller's signal ended the wait: report that, not the timer's AbortError.
          throw req.signal.aborted ? req.signal.reason : aborted;
        }
      }
    }
  };
}

const TLS_TO_PLAINTEXT = /wrong version number|packet length too long|unknown protocol|EPROTO/i;
const CERTIFICATE = /certificate|self[- ]signed|Hostname\/IP does not match|ERR_TLS_CERT|unable to verify/i;

/** A transport failure that no retry can fix, explained with the setting to change; else `undefined`. */
function connectionProblem(endpoint: AdminEndpoint, err: ConnectError): FlyteAdminConnectionError | undefined {
  const msg = err.rawMessage;
  if (err.code === Code.Internal && TLS_TO_PLAINTEXT.test(msg)) {
    return new FlyteAdminConnectionError(
      endpoint.configured,
      `the server does not speak TLS (${msg.split(":").slice(-3).join(":").trim()}); ` +
        "for a plaintext admin set admin.insecure: true (FLYTE_PLATFORM_INSECURE=true)",
      { cause: err },
    );
  }
  if (err.code === Code.Internal && CERTIFICATE.test(msg)) {
    return new FlyteAdminConnectionError(
      endpoint.configured,
      `its TLS certificate does not verify (${msg}); set admin.caCertFilePath to the CA that signed it, ` +
        "or admin.insecureSkipVerify: true on a test cluster",
      { cause: err },
    );
  }
  if (endpoint.insecure && err.code === Code.Canceled && /stream closed with error code CANCEL/.test(msg)) {
    return new FlyteAdminConnectionError(
      endpoint.configured,
      "the server closed the plaintext HTTP/2 connection without an answer; if the admin uses TLS, " +
        "set admin.insecure: false",
      { cause: err },
    );
  }
  return undefined;
}
