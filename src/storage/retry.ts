/**
 * Retry policy for storage requests: full-jitter exponential backoff, `Retry-After`, bounded attempts and
 * bounded total time.
 *
 * Only {@link StorageError}s with `retryable: true` are retried (throttling, 5xx, 408, network failures); any
 * other error, and an abort, ends the operation at once.
 *
 * @module
 */

import { setTimeout as sleepTimer } from "node:timers/promises";
import { StorageError } from "./errors.js";

/** Tunables of {@link withRetry}. All durations are in milliseconds. */
export interface RetryPolicy {
  /** Total attempts including the first one. `1` disables retries. */
  readonly maxAttempts: number;
  /** Backoff base for transient failures: attempt n waits up to `base * 2^(n-1)`. */
  readonly baseDelayMs: number;
  /** Backoff base for throttling responses, larger so a throttled prefix has time to recover. */
  readonly throttleBaseDelayMs: number;
  /** Upper bound of a computed backoff. */
  readonly maxDelayMs: number;
  /** Upper bound applied to a server's `Retry-After`. */
  readonly maxRetryAfterMs: number;
  /** No retry is started if it would begin later than this after the first attempt started. */
  readonly totalTimeoutMs: number;
}

/**
 * Defaults: 5 attempts; transient backoff up to 0.5, 1, 2, 4 s; throttling backoff up to 2, 4, 8, 16 s (capped
 * at 30 s); `Retry-After` honoured up to 60 s; no retry starts more than 2 minutes after the first attempt.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 5,
  baseDelayMs: 500,
  throttleBaseDelayMs: 2000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 60_000,
  totalTimeoutMs: 120_000,
});

/** Information passed to {@link RetryOptions.onRetry} before each wait. */
export interface RetryEvent {
  /** The attempt that just failed (1-based). */
  readonly attempt: number;
  /** The failure. */
  readonly error: StorageError;
  /** How long the retry loop will wait before the next attempt. */
  readonly delayMs: number;
}

/** Options of {@link withRetry}. */
export interface RetryOptions {
  /** Overrides of {@link DEFAULT_RETRY_POLICY}. */
  readonly policy?: Partial<RetryPolicy>;
  /** Aborts waiting and further attempts. */
  readonly signal?: AbortSignal;
  /** Observer called before each backoff wait (logging, metrics). */
  readonly onRetry?: (event: RetryEvent) => void;
  /** Random source in [0, 1) for jitter; injectable for tests. */
  readonly random?: () => number;
  /** Clock in milliseconds; injectable for tests. */
  readonly now?: () => number;
  /** Sleep implementation; injectable for tests. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Merges policy overrides onto the defaults, validating the numbers. */
export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const p = { ...DEFAULT_RETRY_POLICY, ...stripUndefined(overrides) };
  if (!Number.isInteger(p.maxAttempts) || p.maxAttempts < 1) {
    throw new RangeError(`retry maxAttempts must be an integer >= 1, got ${p.maxAttempts}`);
  }
  for (const key of [
    "baseDelayMs",
    "throttleBaseDelayMs",
    "maxDelayMs",
    "maxRetryAfterMs",
    "totalTimeoutMs",
  ] as const) {
    if (!(p[key] >= 0)) throw new RangeError(`retry ${key} must be >= 0, got ${p[key]}`);
  }
  return p;
}

/**
 * Full-jitter backoff: a uniformly random delay in `[0, min(maxDelay, base * 2^(attempt-1)))`, where `base` is
 * the throttling base for throttling failures.
 *
 * @param attempt - the attempt that just failed, 1-based.
 */
export function backoffDelay(
  attempt: number,
  policy: RetryPolicy,
  throttled: boolean,
  random: () => number = Math.random,
): number {
  const base = throttled ? policy.throttleBaseDelayMs : policy.baseDelayMs;
  const ceiling = Math.min(policy.maxDelayMs, base * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Parses an HTTP `Retry-After` value: either delta-seconds (`"3"`) or an HTTP date. Returns milliseconds from
 * `nowMs` (never negative), or `undefined` when the header is absent or malformed.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number = Date.now()): number | undefined {
  if (value == null) return undefined;
  const v = value.trim();
  if (v.length === 0) return undefined;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  if (/^\d+\.\d+$/.test(v)) return Math.round(Number(v) * 1000); // lenient: fractional seconds
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/**
 * Whether an HTTP status is worth retrying: 408, 429 and every 5xx except 501 (Not Implemented) and 505
 * (HTTP version not supported).
 */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501 && status !== 505;
}

/**
 * Runs `attempt` until it succeeds, fails with a non-retryable error, or the policy's attempt or time budget is
 * spent. The final failure is the last {@link StorageError}, with `attempts` set to the number of attempts made.
 *
 * The delay before a retry is the server's `Retry-After` (capped at `maxRetryAfterMs`) when given, otherwise a
 * full-jitter backoff.
 *
 * @param attempt - performs one attempt; receives the 1-based attempt number.
 */
export async function withRetry<T>(attempt: (n: number) => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const policy = resolveRetryPolicy(opts.policy);
  const now = opts.now ?? Date.now;
  const random = opts.random ?? Math.random;
  const sleep = opts.sleep ?? defaultSleep;
  const signal = opts.signal;
  const started = now();
  for (let n = 1; ; n++) {
    signal?.throwIfAborted();
    try {
      return await attempt(n);
    } catch (err) {
      if (signal?.aborted) throw signal.reason;
      if (!(err instanceof StorageError) || !err.retryable) {
        throw err instanceof StorageError && n > 1 ? err.withAttempts(n) : err;
      }
      if (n >= policy.maxAttempts) throw err.withAttempts(n);
      const delayMs =
        err.retryAfterMs !== undefined
          ? Math.min(err.retryAfterMs, policy.maxRetryAfterMs)
          : backoffDelay(n, policy, err.kind === "throttled", random);
      if (now() + delayMs - started > policy.totalTimeoutMs) throw err.withAttempts(n);
      opts.onRetry?.({ attempt: n, error: err, delayMs });
      await sleep(delayMs, signal);
    }
  }
}

async function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return;
  try {
    await sleepTimer(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (err) {
    if (signal?.aborted) throw signal.reason;
    throw err;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v;
  return out;
}
