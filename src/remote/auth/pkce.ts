/**
 * The authorization code flow with PKCE (RFC 7636) for a user at a browser: a one-shot listener on the loopback
 * redirect URI receives the code, which is exchanged for tokens.
 *
 * @module
 */

import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import { FlyteAuthenticationError } from "../errors.js";
import type { Credentials } from "./credentials.js";
import { authorizationCodeGrant, type TokenEndpointContext } from "./token-endpoint.js";

/** Parameters of {@link pkceLogin}. */
export interface PkceLoginParams {
  readonly authorizationEndpoint: string;
  readonly clientId: string;
  /** A loopback `http://` URI, e.g. flytectl's `http://localhost:53593/callback`. */
  readonly redirectUri: string;
  readonly scopes: readonly string[];
  readonly audience?: string;
  /** How long the user has to log in. */
  readonly timeoutMs: number;
  /** Shows the login page to the user; called once the listener is ready. */
  readonly openUrl: (url: string) => void | Promise<void>;
}

/**
 * Runs the browser login: listens on the redirect URI, opens the authorization URL, waits for the redirect with a
 * matching `state`, and exchanges the code with the PKCE verifier.
 */
export async function pkceLogin(ctx: TokenEndpointContext, p: PkceLoginParams): Promise<Credentials> {
  const redirect = parseRedirect(ctx.endpoint, p.redirectUri);
  const verifier = randomBytes(48).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  const state = randomBytes(24).toString("base64url");

  const auth = new URL(p.authorizationEndpoint);
  const q = auth.searchParams;
  q.set("response_type", "code");
  q.set("client_id", p.clientId);
  q.set("redirect_uri", p.redirectUri);
  if (p.scopes.length > 0) q.set("scope", p.scopes.join(" "));
  if (p.audience) q.set("audience", p.audience);
  q.set("state", state);
  q.set("code_challenge", challenge);
  q.set("code_challenge_method", "S256");

  let settle!: { resolve: (code: string) => void; reject: (err: Error) => void };
  const codePromise = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://loopback");
    if (req.method !== "GET" || url.pathname !== redirect.pathname) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
      return;
    }
    // A request without our state is not the answer to our login (another tab, a stale page): ignore it.
    if (url.searchParams.get("state") !== state) {
      res.writeHead(400, { "content-type": "text/plain" }).end("unexpected state\n");
      return;
    }
    const error = url.searchParams.get("error");
    const code = url.searchParams.get("code");
    if (error !== null || code === null) {
      res.writeHead(400, { "content-type": "text/html; charset=utf-8" }).end(PAGE_FAILED);
      const desc = url.searchParams.get("error_description");
      settle.reject(
        new FlyteAuthenticationError(
          ctx.endpoint,
          `the browser login returned ${error ?? "no code"}${desc ? `: ${desc}` : ""}`,
        ),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/html; charset=utf-8" }).end(PAGE_DONE);
    settle.resolve(code);
  });
  await listen(ctx.endpoint, server, redirect);
  const timer = setTimeout(
    () =>
      settle.reject(
        new FlyteAuthenticationError(
          ctx.endpoint,
          `the browser login did not complete within ${Math.round(p.timeoutMs / 1000)} s (waiting on ${p.redirectUri})`,
        ),
      ),
    p.timeoutMs,
  );
  const onAbort = () => settle.reject(ctx.signal?.reason ?? new Error("aborted"));
  ctx.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    await p.openUrl(auth.toString());
    const code = await codePromise;
    return await authorizationCodeGrant(ctx, {
      clientId: p.clientId,
      code,
      redirectUri: p.redirectUri,
      codeVerifier: verifier,
    });
  } finally {
    clearTimeout(timer);
    ctx.signal?.removeEventListener("abort", onAbort);
    server.closeAllConnections();
    server.close();
  }
}

/**
 * The default way of showing the login page: print the URL on stderr and ask the desktop to open it with the
 * command in `BROWSER` (`none` disables it), else `xdg-open` / `open` / `explorer.exe`. The URL is passed as one
 * argument, never through a shell.
 */
export function openInBrowser(url: string, env: Readonly<Record<string, string | undefined>> = process.env): void {
  process.stderr.write(`Log in to Flyte in a browser: ${url}\n`);
  const configured = env.BROWSER?.trim();
  if (configured === "none") return;
  const cmd =
    configured || (process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer.exe" : "xdg-open");
  try {
    const child = spawn(cmd, [url], { detached: true, stdio: "ignore" });
    child.on("error", () => {});
    child.unref();
  } catch {
    // The URL is printed; opening it is a convenience.
  }
}

function parseRedirect(endpoint: string, redirectUri: string): URL {
  let u: URL;
  try {
    u = new URL(redirectUri);
  } catch (cause) {
    throw new FlyteAuthenticationError(endpoint, `redirect URI ${JSON.stringify(redirectUri)} is not a URL`, { cause });
  }
  const host = u.hostname.replace(/^\[|\]$/g, "");
  if (u.protocol !== "http:" || !["localhost", "127.0.0.1", "::1"].includes(host) || u.port === "") {
    throw new FlyteAuthenticationError(
      endpoint,
      `redirect URI ${JSON.stringify(redirectUri)} must be http:// on localhost, 127.0.0.1 or [::1] with a port`,
    );
  }
  return u;
}

async function listen(endpoint: string, server: Server, redirect: URL): Promise<void> {
  const host = redirect.hostname.replace(/^\[|\]$/g, "");
  const port = Number(redirect.port);
  const address = host === "localhost" ? "127.0.0.1" : host;
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new FlyteAuthenticationError(
          endpoint,
          `cannot listen on ${redirect.origin} for the login redirect (${err.code ?? err.message}); is another login running?`,
          { cause: err },
        ),
      ),
    );
    server.listen(port, address, () => resolve());
  });
}

const PAGE_DONE =
  "<!doctype html><meta charset=utf-8><title>Flyte login</title><p>Logged in to Flyte. You can close this window.</p>\n";
const PAGE_FAILED =
  "<!doctype html><meta charset=utf-8><title>Flyte login</title><p>The Flyte login failed; see the terminal.</p>\n";
