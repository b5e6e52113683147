/**
 * OAuth2 discovery through the admin's AuthMetadataService, as flytekit and flytectl do it.
 *
 * @module
 */

import type { Client } from "@connectrpc/connect";
import type { AuthMetadataService } from "../../idl/gen/flyteidl/service/auth_pb.js";
import { FlyteAuthenticationError } from "../errors.js";

/** What the admin says about its authorization server and its public client. */
export interface AuthServerInfo {
  /** Where tokens are requested (all flows). */
  readonly tokenEndpoint?: string;
  /** Where the browser logs in (PKCE). */
  readonly authorizationEndpoint?: string;
  /** Where device codes are requested (device flow), when the server offers it. */
  readonly deviceAuthorizationEndpoint?: string;
  /** The public client's id (PKCE, device flow). */
  readonly clientId?: string;
  /** The redirect URI registered for the public client. */
  readonly redirectUri?: string;
  /** Scopes the admin asks clients to request. */
  readonly scopes: readonly string[];
  /** Audience the admin expects in tokens. */
  readonly audience?: string;
  /** Metadata key the admin reads the token from. */
  readonly authorizationMetadataKey?: string;
}

/**
 * Calls `GetOAuth2Metadata` and `GetPublicClientConfig`. Relative URLs are resolved against the admin's HTTP
 * endpoint (`serviceHttpEndpoint`, else `baseUrl`).
 *
 * @example
 * const info = await discoverAuthServer(clients.authMetadata, "dns:///flyte:443", "https://flyte:443");
 */
export async function discoverAuthServer(
  client: Client<typeof AuthMetadataService>,
  endpoint: string,
  baseUrl: string,
): Promise<AuthServerInfo> {
  let metadata: Awaited<ReturnType<typeof client.getOAuth2Metadata>>;
  let pub: Awaited<ReturnType<typeof client.getPublicClientConfig>>;
  try {
    [metadata, pub] = await Promise.all([client.getOAuth2Metadata({}), client.getPublicClientConfig({})]);
  } catch (cause) {
    throw new FlyteAuthenticationError(
      endpoint,
      `discovery through AuthMetadataService failed (${cause instanceof Error ? cause.message : String(cause)}); ` +
        "set admin.tokenUrl to skip it",
      { cause },
    );
  }
  const base = pub.serviceHttpEndpoint || baseUrl;
  const abs = (u: string): string | undefined => {
    if (u === "") return undefined;
    try {
      return new URL(u, base.endsWith("/") ? base : `${base}/`).toString();
    } catch {
      return undefined;
    }
  };
  return strip({
    tokenEndpoint: abs(metadata.tokenEndpoint),
    authorizationEndpoint: abs(metadata.authorizationEndpoint),
    deviceAuthorizationEndpoint: abs(metadata.deviceAuthorizationEndpoint),
    clientId: pub.clientId || undefined,
    redirectUri: pub.redirectUri || undefined,
    scopes: pub.scopes,
    audience: pub.audience || undefined,
    authorizationMetadataKey: pub.authorizationMetadataKey ? pub.authorizationMetadataKey.toLowerCase() : undefined,
  });
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
