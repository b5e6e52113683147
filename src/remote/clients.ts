/**
 * Typed gRPC clients of FlyteAdmin's services over one HTTP/2 connection, built with Connect on the protobuf-es
 * service descriptors of the Flyte IDL.
 *
 * @module
 */

import { readFileSync } from "node:fs";
import type { SecureClientSessionOptions } from "node:http2";
import { type Client, ConnectError, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { createGrpcTransport, Http2SessionManager } from "@connectrpc/connect-node";
import { FlyteError } from "../errors.js";
import { AdminService } from "../idl/gen/flyteidl/service/admin_pb.js";
import { AuthMetadataService } from "../idl/gen/flyteidl/service/auth_pb.js";
import { DataProxyService } from "../idl/gen/flyteidl/service/dataproxy_pb.js";
import { SignalService } from "../idl/gen/flyteidl/service/signal_pb.js";
import { type AuthOptions, Authenticator, type AuthSettings } from "./auth/authenticator.js";
import { discoverAuthServer } from "./auth/discovery.js";
import { authInterceptor } from "./auth/interceptor.js";
import { type AdminConnectionConfig, PLATFORM_DEFAULTS, type PlatformConfig } from "./config.js";
import { type AdminEndpoint, resolveEndpoint } from "./endpoint.js";
import { FlyteConfigError } from "./errors.js";
import { type AdminRetryEvent, type AdminRetryPolicy, unavailableRetryInterceptor } from "./retry.js";

/**
 * What {@link createAdminClients} accepts: the connection, and optionally the auth and retry settings of a
 * {@link PlatformConfig} (a whole `loadPlatformConfig()` result fits).
 */
export type AdminClientConfig = AdminConnectionConfig &
  Partial<AuthSettings> &
  Partial<Pick<PlatformConfig, "maxAttempts" | "maxBackoffDelayMs" | "perRetryTimeoutMs">>;

/** Options of {@link createAdminClients} beyond the connection itself. */
export interface AdminClientOptions {
  /** Token cache and user interaction of the auth flows; `false` sends no credentials at all. */
  readonly auth?: AuthOptions | false;
  /** Interceptors run on every call, inside the retry on `UNAVAILABLE` (first is outermost). */
  readonly interceptors?: readonly Interceptor[];
  /** Retries on an unreachable admin; `{ maxAttempts: 1 }` disables them. */
  readonly retry?: Partial<AdminRetryPolicy>;
  /** Observer of each retry on an unreachable admin (logging, progress). */
  readonly onRetry?: (event: AdminRetryEvent) => void;
  /** Default deadline of each call in milliseconds; default the config's `perRetryTimeoutMs`, else none. */
  readonly timeoutMs?: number;
}

/** Typed clients of the admin services, sharing one connection. */
export interface AdminClients {
  /** Projects, tasks, workflows, launch plans, executions. */
  readonly admin: Client<typeof AdminService>;
  /** Upload and download locations for code bundles and offloaded data. */
  readonly dataProxy: Client<typeof DataProxyService>;
  /** OAuth2 discovery: the authorization server metadata and the public client configuration. */
  readonly authMetadata: Client<typeof AuthMetadataService>;
  /** Gate nodes: list and set signals. */
  readonly signal: Client<typeof SignalService>;
  /** The resolved endpoint. */
  readonly endpoint: AdminEndpoint;
  /** The underlying transport (authenticated), for clients of other services on the same admin. */
  readonly transport: Transport;
  /** Tokens of this endpoint (log out, force a login); `undefined` when auth is off. */
  readonly authenticator: Authenticator | undefined;
  /** Closes the HTTP/2 connection. Calls made afterwards open a new one. */
  close(): void;
}

/**
 * Connects to FlyteAdmin over gRPC (HTTP/2, plaintext or TLS) and returns typed clients of its services. The
 * connection is opened lazily by the first call; calls that cannot reach the admin are retried with bounded
 * backoff and then fail with a `FlyteAdminUnavailableError` naming the endpoint. When the admin answers
 * UNAUTHENTICATED, a token is obtained with the configured flow (discovered through AuthMetadataService) and the
 * call is retried once; tokens are cached and refreshed before they expire.
 *
 * @example
 * const clients = createAdminClients(loadPlatformConfig());
 * const { controlPlaneVersion } = await clients.admin.getVersion({});
 */
export function createAdminClients(config: AdminClientConfig, options: AdminClientOptions = {}): AdminClients {
  const endpoint = resolveEndpoint(config.endpoint, config.insecure ?? false);
  const tls = endpoint.insecure ? undefined : tlsOptions(config, endpoint);
  const sessionManager = new Http2SessionManager(
    endpoint.baseUrl,
    { pingIntervalMs: 30_000, pingTimeoutMs: 15_000, idleConnectionTimeoutMs: 60_000 },
    tls ?? {},
  );
  const retry = unavailableRetryInterceptor(
    endpoint,
    {
      ...(config.maxAttempts === undefined ? {} : { maxAttempts: config.maxAttempts }),
      ...(config.maxBackoffDelayMs === undefined ? {} : { maxDelayMs: config.maxBackoffDelayMs }),
      ...options.retry,
    },
    options.onRetry,
  );
  const timeoutMs = options.timeoutMs ?? config.perRetryTimeoutMs;
  const transportFor = (interceptors: Interceptor[]) =>
    surfaceFlyteErrors(
      createGrpcTransport({
        baseUrl: endpoint.baseUrl,
        sessionManager,
        interceptors,
        ...(timeoutMs === undefined ? {} : { defaultTimeoutMs: timeoutMs }),
      }),
    );
  // Discovery goes out without credentials, like flytekit's metadata calls on the bare channel.
  const authMetadata = createClient(AuthMetadataService, transportFor([retry, ...(options.interceptors ?? [])]));
  let authenticator: Authenticator | undefined;
  const interceptors: Interceptor[] = [retry];
  if (options.auth !== false) {
    authenticator = new Authenticator(
      authSettingsOf(config),
      endpoint.configured,
      endpoint.authority,
      () => discoverAuthServer(authMetadata, endpoint.configured, endpoint.baseUrl),
      options.auth ?? {},
      tls === undefined
        ? {}
        : {
            ...(tls.ca ? { ca: tls.ca as Buffer } : {}),
            ...(tls.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
          },
    );
    interceptors.push(authInterceptor(authenticator, endpoint.configured));
  }
  interceptors.push(...(options.interceptors ?? []));
  const transport = transportFor(interceptors);
  return {
    admin: createClient(AdminService, transport),
    dataProxy: createClient(DataProxyService, transport),
    authMetadata,
    signal: createClient(SignalService, transport),
    endpoint,
    transport,
    authenticator,
    close: () => sessionManager.abort(),
  };
}

function authSettingsOf(config: AdminClientConfig): AuthSettings {
  return {
    authType: config.authType ?? (config.clientSecret ? "ClientSecret" : "Pkce"),
    scopes: config.scopes ?? [],
    useAudienceFromAdmin: config.useAudienceFromAdmin ?? false,
    tokenRefreshWindowMs: config.tokenRefreshWindowMs ?? PLATFORM_DEFAULTS.tokenRefreshWindowMs,
    pkceTimeoutMs: config.pkceTimeoutMs ?? PLATFORM_DEFAULTS.pkceTimeoutMs,
    deviceFlowTimeoutMs: config.deviceFlowTimeoutMs ?? PLATFORM_DEFAULTS.deviceFlowTimeoutMs,
    deviceFlowPollIntervalMs: config.deviceFlowPollIntervalMs ?? PLATFORM_DEFAULTS.deviceFlowPollIntervalMs,
    ...(config.clientId ? { clientId: config.clientId } : {}),
    ...(config.clientSecret ? { clientSecret: config.clientSecret } : {}),
    ...(config.audience ? { audience: config.audience } : {}),
    ...(config.tokenUrl ? { tokenUrl: config.tokenUrl } : {}),
    ...(config.command ? { command: config.command } : {}),
    ...(config.authorizationHeader ? { authorizationHeader: config.authorizationHeader.toLowerCase() } : {}),
  };
}

/**
 * Connect wraps whatever an interceptor throws into a `ConnectError` with code UNKNOWN; the SDK's own errors (an
 * unreachable admin, failed authentication) are given back to the caller as themselves.
 */
function surfaceFlyteErrors(transport: Transport): Transport {
  return {
    async unary(...args) {
      try {
        return await transport.unary(...args);
      } catch (err) {
        throw err instanceof ConnectError && err.cause instanceof FlyteError ? err.cause : err;
      }
    },
    stream: (...args) => transport.stream(...args),
  };
}

function tlsOptions(config: AdminConnectionConfig, endpoint: AdminEndpoint): SecureClientSessionOptions {
  const opts: SecureClientSessionOptions = { servername: isIp(endpoint.host) ? undefined : endpoint.host };
  if (config.insecureSkipVerify) opts.rejectUnauthorized = false;
  if (config.caCertFilePath !== undefined) {
    try {
      opts.ca = readFileSync(config.caCertFilePath);
    } catch (cause) {
      throw new FlyteConfigError("admin.caCertFilePath", "options", config.caCertFilePath, "a readable PEM file", {
        cause,
      });
    }
  }
  return opts;
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(":");
}
