/**
 * Obtains, caches, refreshes and replaces the admin's bearer tokens for one endpoint, with the flow the platform
 * configuration names. Re-authentication is single-flight: concurrent calls that need a new token share one.
 *
 * @module
 */

import { FlyteAuthenticationError } from "../errors.js";
import type { PlatformConfig } from "../config.js";
import { commandToken } from "./command.js";
import { type Credentials, FileTokenCache, MemoryTokenCache, type TokenCache } from "./credentials.js";
import type { AuthServerInfo } from "./discovery.js";
import type { HttpTlsOptions } from "./http.js";
import { openInBrowser, pkceLogin } from "./pkce.js";
import {
  clientCredentialsGrant,
  type DeviceCodeInfo,
  deviceAuthorizationGrant,
  refreshTokenGrant,
  type TokenEndpointContext,
} from "./token-endpoint.js";

/** The auth half of a platform configuration: each field means what the {@link PlatformConfig} field of that name does. */
export type AuthSettings = Pick<
  PlatformConfig,
  | "authType"
  | "clientId"
  | "clientSecret"
  | "scopes"
  | "audience"
  | "useAudienceFromAdmin"
  | "tokenUrl"
  | "command"
  | "authorizationHeader"
  | "tokenRefreshWindowMs"
  | "pkceTimeoutMs"
  | "deviceFlowTimeoutMs"
  | "deviceFlowPollIntervalMs"
>;

/** How the client interacts with the user and where it keeps tokens. */
export interface AuthOptions {
  /**
   * Where tokens are kept between processes. Default: a {@link FileTokenCache} for the interactive flows (PKCE,
   * device flow) and nothing beyond memory for client credentials and external commands. `false` keeps tokens in
   * memory only. A given cache is used for every flow.
   */
  readonly tokenCache?: TokenCache | false;
  /** Shows the PKCE login page; default {@link openInBrowser}. */
  readonly openUrl?: (url: string) => void | Promise<void>;
  /** Tells the user where to confirm a device login; default prints to stderr. */
  readonly onDeviceCode?: (info: DeviceCodeInfo) => void | Promise<void>;
}

/** The redirect URI flytectl registers for its public client. */
export const DEFAULT_REDIRECT_URI = "http://localhost:53593/callback";

/**
 * Tokens for one admin endpoint.
 *
 * @example
 * const auth = new Authenticator(settings, "dns:///flyte:443", "flyte:443", () => discover(), {}, {});
 * const creds = await auth.reauthenticate();
 */
export class Authenticator {
  readonly #settings: AuthSettings;
  readonly #endpoint: string;
  readonly #discover: () => Promise<AuthServerInfo>;
  readonly #options: AuthOptions;
  readonly #tls: HttpTlsOptions;
  readonly #cache: TokenCache;
  readonly #cacheKey: string;
  #info: AuthServerInfo | undefined;
  #creds: Credentials | undefined;
  #loaded = false;
  #pending: Promise<Credentials> | undefined;

  constructor(
    settings: AuthSettings,
    endpoint: string,
    authority: string,
    discover: () => Promise<AuthServerInfo>,
    options: AuthOptions,
    tls: HttpTlsOptions,
  ) {
    this.#settings = settings;
    this.#endpoint = endpoint;
    this.#discover = discover;
    this.#options = options;
    this.#tls = tls;
    const interactive = settings.authType === "Pkce" || settings.authType === "DeviceFlow";
    this.#cache =
      options.tokenCache === false
        ? new MemoryTokenCache()
        : (options.tokenCache ?? (interactive ? new FileTokenCache() : new MemoryTokenCache()));
    this.#cacheKey = `${authority}/${settings.authType}/${settings.clientId ?? ""}`;
  }

  /** The key under which tokens of this endpoint are cached. */
  get cacheKey(): string {
    return this.#cacheKey;
  }

  /**
   * The metadata key and bearer value for a call, or `undefined` when no token is held yet (the call goes out
   * without one, and the admin's UNAUTHENTICATED answer starts the login, as flytekit does). A token within the
   * refresh window of its expiry is replaced first.
   */
  async authorization(): Promise<{ key: string; value: string; accessToken: string } | undefined> {
    if (!this.#loaded) {
      this.#loaded = true;
      this.#creds ??= await this.#cache.get(this.#cacheKey);
    }
    let creds = this.#creds;
    if (creds === undefined) return undefined;
    if (creds.expiresAt !== undefined && Date.now() >= creds.expiresAt - this.#settings.tokenRefreshWindowMs) {
      creds = await this.reauthenticate(creds.accessToken);
    }
    const key = await this.headerKey();
    return { key, value: `Bearer ${creds.accessToken}`, accessToken: creds.accessToken };
  }

  /** The metadata key the token travels in: configured, else the admin's, else `authorization`. */
  async headerKey(): Promise<string> {
    if (this.#settings.authorizationHeader) return this.#settings.authorizationHeader;
    const info = await this.#serverInfo();
    return info.authorizationMetadataKey ?? "authorization";
  }

  /**
   * Gets a new token: by the refresh token when there is one, else by the configured flow. `rejected` is the
   * access token the admin turned down; when another caller has already replaced it, that replacement is returned.
   */
  reauthenticate(rejected?: string): Promise<Credentials> {
    if (this.#pending) return this.#pending;
    const current = this.#creds;
    if (
      current !== undefined &&
      current.accessToken !== rejected &&
      (current.expiresAt === undefined || Date.now() < current.expiresAt - this.#settings.tokenRefreshWindowMs)
    ) {
      return Promise.resolve(current);
    }
    this.#pending = this.#obtain(current).finally(() => {
      this.#pending = undefined;
    });
    return this.#pending;
  }

  /** Forgets the tokens of this endpoint, in memory and in the cache. */
  async logout(): Promise<void> {
    this.#creds = undefined;
    await this.#cache.delete(this.#cacheKey);
  }

  async #obtain(current: Credentials | undefined): Promise<Credentials> {
    let creds: Credentials | undefined;
    if (current?.refreshToken !== undefined) {
      try {
        const info = await this.#serverInfo();
        creds = await refreshTokenGrant(this.#ctx(info), {
          clientId: this.#publicClientId(info),
          refreshToken: current.refreshToken,
        });
      } catch {
        // An expired or revoked refresh token: fall back to the full flow.
        creds = undefined;
      }
    }
    creds ??= await this.#fullFlow();
    this.#creds = creds;
    await this.#cache.set(this.#cacheKey, creds);
    return creds;
  }

  async #fullFlow(): Promise<Credentials> {
    const s = this.#settings;
    switch (s.authType) {
      case "ExternalCommand":
        return commandToken(this.#endpoint, s.command ?? []);
      case "ClientSecret": {
        if (!s.clientId || !s.clientSecret) {
          throw new FlyteAuthenticationError(
            this.#endpoint,
            `authType ClientSecret needs a client id and a client secret, but the ${!s.clientId ? "client id" : "client secret"} is not set ` +
              "(admin.clientId / FLYTE_CREDENTIALS_CLIENT_ID; admin.clientSecretLocation, admin.clientSecretEnvVar or FLYTE_CREDENTIALS_CLIENT_SECRET)",
          );
        }
        const info = await this.#serverInfo();
        return clientCredentialsGrant(this.#ctx(info), {
          clientId: s.clientId,
          clientSecret: s.clientSecret,
          scopes: s.scopes.length > 0 ? s.scopes : info.scopes,
          ...this.#audience(info),
        });
      }
      case "Pkce": {
        const info = await this.#serverInfo();
        if (!info.authorizationEndpoint) {
          throw new FlyteAuthenticationError(this.#endpoint, "the admin advertises no authorization endpoint for PKCE");
        }
        return pkceLogin(this.#ctx(info), {
          authorizationEndpoint: info.authorizationEndpoint,
          clientId: this.#publicClientId(info),
          redirectUri: info.redirectUri ?? DEFAULT_REDIRECT_URI,
          scopes: s.scopes.length > 0 ? s.scopes : info.scopes,
          ...this.#audience(info),
          timeoutMs: s.pkceTimeoutMs,
          openUrl: this.#options.openUrl ?? ((url) => openInBrowser(url)),
        });
      }
      case "DeviceFlow": {
        const info = await this.#serverInfo();
        if (!info.deviceAuthorizationEndpoint) {
          throw new FlyteAuthenticationError(
            this.#endpoint,
            "the admin's authorization server offers no device authorization endpoint; use authType Pkce",
          );
        }
        return deviceAuthorizationGrant(this.#ctx(info), {
          deviceAuthorizationEndpoint: info.deviceAuthorizationEndpoint,
          clientId: this.#publicClientId(info),
          scopes: s.scopes.length > 0 ? s.scopes : info.scopes,
          ...this.#audience(info),
          timeoutMs: s.deviceFlowTimeoutMs,
          defaultPollIntervalMs: s.deviceFlowPollIntervalMs,
          prompt: this.#options.onDeviceCode ?? printDeviceCode,
        });
      }
    }
  }

  #audience(info: AuthServerInfo): { audience?: string } {
    const s = this.#settings;
    const audience = s.useAudienceFromAdmin ? (info.audience ?? s.audience) : (s.audience ?? info.audience);
    return audience ? { audience } : {};
  }

  #publicClientId(info: AuthServerInfo): string {
    const id = info.clientId ?? this.#settings.clientId;
    if (!id)
      throw new FlyteAuthenticationError(
        this.#endpoint,
        "the admin advertises no public client id; set admin.clientId",
      );
    return id;
  }

  #ctx(info: AuthServerInfo): TokenEndpointContext {
    const tokenEndpoint = this.#settings.tokenUrl ?? info.tokenEndpoint;
    if (!tokenEndpoint) {
      throw new FlyteAuthenticationError(this.#endpoint, "the admin advertises no token endpoint; set admin.tokenUrl");
    }
    return { endpoint: this.#endpoint, tokenEndpoint, tls: this.#tls };
  }

  async #serverInfo(): Promise<AuthServerInfo> {
    if (this.#info) return this.#info;
    const s = this.#settings;
    // Client credentials with everything configured need no discovery, as in flytectl.
    if (
      s.authType === "ClientSecret" &&
      s.tokenUrl &&
      s.scopes.length > 0 &&
      !s.useAudienceFromAdmin &&
      s.authorizationHeader
    ) {
      this.#info = { scopes: [] };
      return this.#info;
    }
    if (s.authType === "ExternalCommand" && s.authorizationHeader) {
      this.#info = { scopes: [] };
      return this.#info;
    }
    this.#info = await this.#discover();
    return this.#info;
  }
}

function printDeviceCode(info: DeviceCodeInfo): void {
  const url = info.verificationUriComplete ?? `${info.verificationUri}?user_code=${encodeURIComponent(info.userCode)}`;
  process.stderr.write(`To log in to Flyte, open ${url} and confirm the code ${info.userCode}\n`);
}
