/**
 * Errors raised by the remote client: bad platform configuration, failed authentication, an admin that cannot be
 * reached.
 *
 * @module
 */

import { FlyteError, FlyteUserError } from "../errors.js";

/**
 * The platform configuration is invalid. The message names the key, where it came from (a file path or an
 * environment variable) and the offending value.
 *
 * @example
 * throw new FlyteConfigError("admin.insecure", "~/.flyte/config.yaml", "maybe", "a boolean (true or false)");
 */
export class FlyteConfigError extends FlyteUserError {
  /** The configuration key, e.g. `admin.endpoint` or `FLYTE_PLATFORM_INSECURE`. */
  readonly key: string;
  /** Where the value came from: a file path, an environment variable, or `options`. */
  readonly source: string;

  constructor(key: string, source: string, value: unknown, expected: string, opts: { cause?: unknown } = {}) {
    super(`invalid ${key} in ${source}: got ${formatValue(value)}, expected ${expected}`, opts);
    this.key = key;
    this.source = source;
  }
}

/**
 * Authentication with the admin's authorization server failed: discovery, a token request, the external command,
 * or the user declined the login.
 */
export class FlyteAuthenticationError extends FlyteError {
  /** The admin endpoint the credentials were for. */
  readonly endpoint: string;

  constructor(endpoint: string, message: string, opts: { cause?: unknown } = {}) {
    super(`authentication with ${endpoint} failed: ${message}`, { ...opts, origin: "USER", recoverable: false });
    this.endpoint = endpoint;
  }
}

/**
 * The admin could not be reached (connection refused, DNS failure, TLS failure, a restarting server) after the
 * bounded retries were spent.
 */
export class FlyteAdminUnavailableError extends FlyteError {
  /** The admin endpoint that was tried, as configured. */
  readonly endpoint: string;
  /** How many attempts were made. */
  readonly attempts: number;

  constructor(endpoint: string, attempts: number, message: string, opts: { cause?: unknown } = {}) {
    super(
      `FlyteAdmin at ${endpoint} is unreachable after ${attempts} attempt${attempts === 1 ? "" : "s"}: ${message}. ` +
        "Check that the endpoint is right and the admin is up (for a local Flyte: npm run flyte:status).",
      { ...opts, origin: "SYSTEM", recoverable: true },
    );
    this.endpoint = endpoint;
    this.attempts = attempts;
  }
}

/**
 * The connection to the admin failed in a way retrying cannot fix: TLS spoken to a plaintext server or the
 * reverse, or a certificate that does not verify. The message says which setting to change.
 */
export class FlyteAdminConnectionError extends FlyteError {
  /** The admin endpoint, as configured. */
  readonly endpoint: string;

  constructor(endpoint: string, message: string, opts: { cause?: unknown } = {}) {
    super(`cannot talk to FlyteAdmin at ${endpoint}: ${message}`, { ...opts, origin: "USER", recoverable: false });
    this.endpoint = endpoint;
  }
}

function formatValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (value === undefined) return "nothing";
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
