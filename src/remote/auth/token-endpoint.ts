/**
 * Grants at the token endpoint: client credentials, refresh token, and the device authorization grant.
 *
 * @module
 */

import { setTimeout as sleep } from "node:timers/promises";
import { FlyteAuthenticationError } from "../errors.js";
import { type Credentials, expiryOf } from "./credentials.js";
import { type FormResponse, formEncode, type HttpTlsOptions, postForm } from "./http.js";

/** Where and how to talk to the authorization server. */
export interface TokenEndpointContext {
  /** The admin endpoint, named in errors. */
  readonly endpoint: string;
  readonly tokenEndpoint: string;
  readonly tls?: HttpTlsOptions;
  readonly signal?: AbortSignal;
}

/**
 * Client credentials grant with HTTP Basic authentication of the client (RFC 6749 §4.4).
 *
 * @example
 * await clientCredentialsGrant(ctx, { clientId: "flytepropeller", clientSecret, scopes: ["all"] });
 */
export async function clientCredentialsGrant(
  ctx: TokenEndpointContext,
  p: { clientId: string; clientSecret: string; scopes: readonly string[]; audience?: string },
): Promise<Credentials> {
  const basic = Buffer.from(`${formEncode(p.clientId)}:${formEncode(p.clientSecret)}`).toString("base64");
  const res = await post(
    ctx,
    {
      grant_type: "client_credentials",
      scope: p.scopes.length > 0 ? p.scopes.join(" ") : undefined,
      audience: p.audience,
    },
    { authorization: `Basic ${basic}` },
  );
  return credentialsFrom(ctx, res, `client credentials of ${JSON.stringify(p.clientId)}`);
}

/**
 * Refresh token grant (RFC 6749 §6). A response without a new refresh token keeps the old one.
 */
export async function refreshTokenGrant(
  ctx: TokenEndpointContext,
  p: { clientId: string; refreshToken: string; scopes?: readonly string[]; audience?: string },
): Promise<Credentials> {
  const res = await post(ctx, {
    grant_type: "refresh_token",
    refresh_token: p.refreshToken,
    client_id: p.clientId,
    scope: p.scopes && p.scopes.length > 0 ? p.scopes.join(" ") : undefined,
    audience: p.audience,
  });
  const creds = credentialsFrom(ctx, res, "refreshing the token");
  return creds.refreshToken === undefined ? { ...creds, refreshToken: p.refreshToken } : creds;
}

/** Authorization code grant with the PKCE verifier (RFC 7636). */
export async function authorizationCodeGrant(
  ctx: TokenEndpointContext,
  p: { clientId: string; code: string; redirectUri: string; codeVerifier: string },
): Promise<Credentials> {
  const res = await post(ctx, {
    grant_type: "authorization_code",
    code: p.code,
    redirect_uri: p.redirectUri,
    client_id: p.clientId,
    code_verifier: p.codeVerifier,
  });
  return credentialsFrom(ctx, res, "exchanging the authorization code");
}

/** What the user must do to finish a device login. */
export interface DeviceCodeInfo {
  /** The code to confirm in the browser. */
  readonly userCode: string;
  /** The page to open. */
  readonly verificationUri: string;
  /** The page with the code filled in, when the server offers one. */
  readonly verificationUriComplete?: string;
  /** When the code expires, in epoch milliseconds. */
  readonly expiresAt: number;
}

/**
 * Device authorization grant (RFC 8628): asks for a device code, tells the user where to go through `prompt`, then
 * polls the token endpoint, honouring `authorization_pending` and `slow_down`, until the user confirms, denies, the
 * code expires, or `timeoutMs` passes.
 */
export async function deviceAuthorizationGrant(
  ctx: TokenEndpointContext,
  p: {
    deviceAuthorizationEndpoint: string;
    clientId: string;
    scopes: readonly string[];
    audience?: string;
    timeoutMs: number;
    defaultPollIntervalMs: number;
    prompt: (info: DeviceCodeInfo) => void | Promise<void>;
  },
): Promise<Credentials> {
  let res: FormResponse;
  try {
    res = await postForm(
      p.deviceAuthorizationEndpoint,
      { client_id: p.clientId, scope: p.scopes.length > 0 ? p.scopes.join(" ") : undefined, audience: p.audience },
      { tls: ctx.tls, signal: ctx.signal },
    );
  } catch (cause) {
    throw new FlyteAuthenticationError(
      ctx.endpoint,
      `device authorization endpoint ${p.deviceAuthorizationEndpoint} is unreachable: ${message(cause)}`,
      { cause },
    );
  }
  const j = res.json;
  if (res.status !== 200 || j === undefined || typeof j.device_code !== "string" || typeof j.user_code !== "string") {
    throw new FlyteAuthenticationError(ctx.endpoint, `requesting a device code failed: ${describe(res)}`);
  }
  const verificationUri = String(j.verification_uri ?? j.verification_url ?? "");
  if (verificationUri === "") {
    throw new FlyteAuthenticationError(
      ctx.endpoint,
      `the device code response has no verification_uri: ${describe(res)}`,
    );
  }
  const started = Date.now();
  const expiresIn = typeof j.expires_in === "number" && j.expires_in > 0 ? j.expires_in * 1000 : p.timeoutMs;
  const deadline = started + Math.min(expiresIn, p.timeoutMs);
  await p.prompt({
    userCode: j.user_code,
    verificationUri,
    ...(typeof j.verification_uri_complete === "string"
      ? { verificationUriComplete: j.verification_uri_complete }
      : {}),
    expiresAt: started + expiresIn,
  });
  let intervalMs = typeof j.interval === "number" && j.interval > 0 ? j.interval * 1000 : p.defaultPollIntervalMs;
  for (;;) {
    if (Date.now() + intervalMs > deadline) {
      throw new FlyteAuthenticationError(
        ctx.endpoint,
        "the device login was not confirmed in time; run the command again",
      );
    }
    await sleep(intervalMs, undefined, ctx.signal ? { signal: ctx.signal } : undefined);
    const poll = await post(ctx, {
      grant_type: "urn:ietf:params:oauth:grant-type:device_code",
      device_code: j.device_code,
      client_id: p.clientId,
    });
    const error = poll.json?.error;
    if (poll.status !== 200 && error === "authorization_pending") continue;
    if (poll.status !== 200 && error === "slow_down") {
      intervalMs += 5000;
      continue;
    }
    if (poll.status !== 200 && error === "access_denied") {
      throw new FlyteAuthenticationError(ctx.endpoint, "the device login was denied");
    }
    if (poll.status !== 200 && error === "expired_token") {
      throw new FlyteAuthenticationError(ctx.endpoint, "the device code expired before the login was confirmed");
    }
    return credentialsFrom(ctx, poll, "the device login");
  }
}

async function post(
  ctx: TokenEndpointContext,
  fields: Record<string, string | undefined>,
  headers?: Record<string, string>,
): Promise<FormResponse> {
  try {
    return await postForm(ctx.tokenEndpoint, fields, { headers, tls: ctx.tls, signal: ctx.signal });
  } catch (cause) {
    throw new FlyteAuthenticationError(
      ctx.endpoint,
      `token endpoint ${ctx.tokenEndpoint} is unreachable: ${message(cause)}`,
      { cause },
    );
  }
}

function credentialsFrom(ctx: TokenEndpointContext, res: FormResponse, what: string): Credentials {
  const j = res.json;
  if (res.status !== 200 || j === undefined || typeof j.access_token !== "string" || j.access_token === "") {
    throw new OAuthGrantError(ctx.endpoint, `${what} at ${ctx.tokenEndpoint} failed: ${describe(res)}`, j?.error);
  }
  const expiresAt = expiryOf(j.access_token, j.expires_in);
  return {
    accessToken: j.access_token,
    ...(typeof j.refresh_token === "string" && j.refresh_token !== "" ? { refreshToken: j.refresh_token } : {}),
    ...(typeof j.id_token === "string" ? { idToken: j.id_token } : {}),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
}

/** The authorization server refused a grant; `error` is its OAuth2 error code (`invalid_grant`, ...). */
export class OAuthGrantError extends FlyteAuthenticationError {
  /** The OAuth2 `error` field of the response, when there was one. */
  readonly error: string | undefined;

  constructor(endpoint: string, msg: string, error: unknown) {
    super(endpoint, msg);
    this.error = typeof error === "string" ? error : undefined;
  }
}

function describe(res: FormResponse): string {
  const j = res.json;
  if (j && typeof j.error === "string") {
    const d = typeof j.error_description === "string" ? `: ${j.error_description}` : "";
    return `HTTP ${res.status} ${j.error}${d}`;
  }
  return `HTTP ${res.status} ${JSON.stringify(res.text.slice(0, 200))}`;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
