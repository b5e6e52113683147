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
import { type AdminEndpoint, resolveEndpoint } from "./endpoint.js";
import { FlyteConfigError } from "./errors.js";
import { type AdminRetryEvent, type AdminRetryPolicy, unavailableRetryInterceptor } from "./retry.js";

/** How to reach an admin: the connection half of a platform configuration. */
export interface AdminConnectionConfig {
  /** `dns:///host:port`, `host:port`, `http://host:port` or `https://host`. */
  readonly endpoint: string;
  /** Plaintext HTTP/2 instead of TLS (ignored when the endpoint has a scheme). */
  readonly insecure?: boolean;
  /** TLS without verifying the server certificate. For test clusters only. */
  readonly insecureSkipVerify?: boolean;
  /** PEM file of the certificate authority that signed the admin's certificate. */
  readonly caCertFilePath?: string;
}

/** Options of {@link createAdminClients} beyond the connection itself. */
export interface AdminClientOptions {
  /** Interceptors run on every call, inside the retry on `UNAVAILABLE` (first is outermost). */
  readonly interceptors?: readonly Interceptor[];
  /** Retries on an unreachable admin; `{ maxAttempts: 1 }` disables them. */
  readonly retry?: Partial<AdminRetryPolicy>;
  /** Observer of each retry on an unreachable admin (logging, progress). */
  readonly onRetry?: (event: AdminRetryEvent) => void;
  /** Default deadline of each call in milliseconds; none by default. */
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
  /** The underlying transport, for clients of other services on the same admin. */
  readonly transport: Transport;
  /** Closes the HTTP/2 connection. Calls made afterwards open a new one. */
  close(): void;
}

/**
 * Connects to FlyteAdmin over gRPC (HTTP/2, plaintext or TLS) and returns typed clients of its services. The
 * connection is opened lazily by the first call; calls that cannot reach the admin are retried with bounded
 * backoff and then fail with a `FlyteAdminUnavailableError` naming the endpoint.
 *
 * @example
 * const clients = createAdminClients({ endpoint: "dns:///localhost:30080", insecure: true });
 * const { controlPlaneVersion } = await clients.admin.getVersion({});
 */
export function createAdminClients(config: AdminConnectionConfig, options: AdminClientOptions = {}): AdminClients {
  const endpoint = resolveEndpoint(config.endpoint, config.insecure ?? false);
  const sessionManager = new Http2SessionManager(
    endpoint.baseUrl,
    { pingIntervalMs: 30_000, pingTimeoutMs: 15_000, idleConnectionTimeoutMs: 60_000 },
    endpoint.insecure ? {} : tlsOptions(config, endpoint),
  );
  const grpc = createGrpcTransport({
    baseUrl: endpoint.baseUrl,
    sessionManager,
    interceptors: [
      unavailableRetryInterceptor(endpoint, options.retry, options.onRetry),
      ...(options.interceptors ?? []),
    ],
    ...(options.timeoutMs === undefined ? {} : { defaultTimeoutMs: options.timeoutMs }),
  });
  const transport = surfaceFlyteErrors(grpc);
  return {
    admin: createClient(AdminService, transport),
    dataProxy: createClient(DataProxyService, transport),
    authMetadata: createClient(AuthMetadataService, transport),
    signal: createClient(SignalService, transport),
    endpoint,
    transport,
    close: () => sessionManager.abort(),
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
