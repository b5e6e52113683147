/**
 * A real OpenID provider on loopback (the `oidc-provider` package) for the auth tests, with a public client
 * (PKCE, device flow, refresh tokens) and a confidential client (client credentials), and a scripted browser that
 * logs in through its login and consent pages over HTTP.
 */
import { generateKeyPairSync } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export const PUBLIC_CLIENT_ID = "flytectl";
export const SERVICE_CLIENT_ID = "flytepropeller";
export const SERVICE_CLIENT_SECRET = "s3cr3t: with spaces & symbols/+=";

export interface OidcServer {
  issuer: string;
  provider: Provider;
  tokenEndpoint: string;
  authorizationEndpoint: string;
  deviceAuthorizationEndpoint: string;
  /** grant_type of every successful token request, in order. */
  grants: string[];
  /** Whether an access token (any grant) is currently valid at the provider. */
  isValid(token: string): Promise<boolean>;
  /** Revokes an access token, as an expired or revoked token would look to the admin. */
  revoke(token: string): Promise<void>;
  close(): Promise<void>;
}

export interface OidcOptions {
  /** Redirect URI of the public client. */
  redirectUri: string;
  /** Lifetime of access tokens from user logins, seconds (default 3600). */
  accessTokenTtl?: number;
}

export async function startOidcProvider(opts: OidcOptions): Promise<OidcServer> {
  let handler: ((req: any, res: any) => void) | undefined;
  const server: Server = createServer((req, res) => handler!(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: PUBLIC_CLIENT_ID,
        token_endpoint_auth_method: "none",
        application_type: "native",
        redirect_uris: [opts.redirectUri],
        grant_types: ["authorization_code", "refresh_token", "urn:ietf:params:oauth:grant-type:device_code"],
        response_types: ["code"],
      },
      {
        client_id: SERVICE_CLIENT_ID,
        client_secret: SERVICE_CLIENT_SECRET,
        token_endpoint_auth_method: "client_secret_basic",
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
        scope: "all",
      },
    ],
    jwks: { keys: [{ ...jwk, kid: "test", use: "sig", alg: "RS256" }] },
    cookies: { keys: ["oidc-test-cookie-key"] },
    scopes: ["openid", "offline_access", "all"],
    features: {
      devInteractions: { enabled: true },
      deviceFlow: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
    },
    ttl: {
      AccessToken: opts.accessTokenTtl ?? 3600,
      ClientCredentials: 600,
      DeviceCode: 600,
      Grant: 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 86400,
      Session: 3600,
    },
    issueRefreshToken: async (_ctx: unknown, client: any) => client.grantTypeAllowed("refresh_token"),
    findAccount: async (_ctx: unknown, id: string) => ({ accountId: id, claims: async () => ({ sub: id }) }),
  } as any);
  const grants: string[] = [];
  provider.on("grant.success", (ctx: any) => grants.push(ctx.oidc.params.grant_type));
  const silence = () => {};
  provider.on("server_error", silence);
  handler = provider.callback();
  const disc = (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
  const find = async (token: string) =>
    (await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token));
  return {
    issuer,
    provider,
    tokenEndpoint: disc.token_endpoint!,
    authorizationEndpoint: disc.authorization_endpoint!,
    deviceAuthorizationEndpoint: disc.device_authorization_endpoint!,
    grants,
    async isValid(token) {
      const t = await find(token);
      return t !== undefined && !t.isExpired;
    },
    async revoke(token) {
      await (await find(token))?.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A scripted user at a browser: follows redirects, keeps cookies, and submits the provider's login and consent
 * forms (any login is accepted by its development interactions), until a redirect leaves the provider (the
 * client's loopback redirect URI) or a page without a form is reached.
 */
export class ScriptedBrowser {
  readonly #cookies = new Map<string, string>();
  readonly login: string;
  /** Every URL visited, in order. */
  readonly visited: string[] = [];

  constructor(login = "alice") {
    this.login = login;
  }

  /** Opens `url` and completes every form of the provider; returns the final response's URL and body. */
  async open(url: string, stopAt?: string): Promise<{ url: string; status: number; body: string }> {
    let method = "GET";
    let body: URLSearchParams | undefined;
    let current = url;
    for (let hop = 0; hop < 30; hop++) {
      this.visited.push(current);
      const res = await fetch(current, {
        method,
        redirect: "manual",
        headers: {
          cookie: [...this.#cookies].map(([k, v]) => `${k}=${v}`).join("; "),
          ...(body ? { "content-type": "application/x-www-form-urlencoded" } : {}),
        },
        ...(body ? { body: body.toString() } : {}),
      });
      for (const c of res.headers.getSetCookie()) {
        const [pair] = c.split(";");
        const eq = pair!.indexOf("=");
        this.#cookies.set(pair!.slice(0, eq).trim(), pair!.slice(eq + 1).trim());
      }
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        current = new URL(location, current).toString();
        method = "GET";
        body = undefined;
        if (stopAt && current.startsWith(stopAt)) {
          const r = await fetch(current);
          return { url: current, status: r.status, body: await r.text() };
        }
        continue;
      }
      const text = await res.text();
      const form = /<form([^>]*)>([\s\S]*?)<\/form>/i.exec(text);
      const action = form && /method="post"/i.test(form[1]!) ? /action="([^"]*)"/.exec(form[1]!)?.[1] : undefined;
      if (!form || action === undefined) return { url: current, status: res.status, body: text };
      const fields = new URLSearchParams();
      for (const m of form[2]!.matchAll(/<input[^>]*>/gi)) {
        const name = /name="([^"]*)"/.exec(m[0])?.[1];
        if (!name) continue;
        const value = /value="([^"]*)"/.exec(m[0])?.[1] ?? "";
        fields.set(name, decodeEntities(value));
      }
      if (fields.has("login")) fields.set("login", this.login);
      if (fields.has("password")) fields.set("password", "any");
      const button = /<button[^>]*name="([^"]*)"[^>]*value="([^"]*)"/.exec(form[2]!);
      if (button && button[1] !== "abort") fields.set(button[1]!, button[2]!);
      current = new URL(decodeEntities(action), current).toString();
      method = "POST";
      body = fields;
    }
    throw new Error(`the login did not finish within 30 requests: ${this.visited.join(" -> ")}`);
  }
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
