import assert from "node:assert/strict";
import { chmodSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type AdminClientConfig,
  type AdminClientOptions,
  createAdminClients,
  FileTokenCache,
  FlyteAuthenticationError,
  MemoryTokenCache,
  openInBrowser,
} from "../../../src/remote/index.js";
import { type AdminServer, startAdminServer } from "../../helpers/admin-server.js";
import {
  type OidcServer,
  PUBLIC_CLIENT_ID,
  ScriptedBrowser,
  SERVICE_CLIENT_ID,
  SERVICE_CLIENT_SECRET,
  startOidcProvider,
} from "../../helpers/oidc.js";

const GET_VERSION = "flyteidl.service.AdminService/GetVersion";

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

describe("auth against a real OpenID provider", () => {
  let oidc: OidcServer;
  let admin: AdminServer;
  let redirectUri: string;

  before(async () => {
    redirectUri = `http://127.0.0.1:${await freePort()}/callback`;
    oidc = await startOidcProvider({ redirectUri });
    admin = await startAdminServer({
      acceptToken: (t) => oidc.isValid(t),
      metadataKey: "flyte-authorization",
      oauth2Metadata: {
        issuer: oidc.issuer,
        authorizationEndpoint: oidc.authorizationEndpoint,
        tokenEndpoint: oidc.tokenEndpoint,
        deviceAuthorizationEndpoint: oidc.deviceAuthorizationEndpoint,
      },
      publicClientConfig: {
        clientId: PUBLIC_CLIENT_ID,
        redirectUri,
        scopes: ["openid", "offline_access"],
        authorizationMetadataKey: "flyte-authorization",
      },
    });
  });
  after(async () => {
    await admin.close();
    await oidc.close();
  });

  const connect = (config: Partial<AdminClientConfig>, options: AdminClientOptions = {}) =>
    createAdminClients({ endpoint: admin.endpoint, insecure: true, ...config }, options);

  const versionCalls = () => admin.calls.filter((c) => c.procedure === GET_VERSION);

  describe("PKCE", () => {
    const cacheDir = mkdtempSync(join(tmpdir(), "flyte-tokens-"));
    const cache = new FileTokenCache(join(cacheDir, "tokens"));

    test("logs in through the browser after UNAUTHENTICATED, retries once, and caches the tokens 0600", async () => {
      const browser = new ScriptedBrowser("alice");
      const opened: string[] = [];
      admin.calls.length = 0;
      oidc.grants.length = 0;
      const clients = connect(
        { authType: "Pkce" },
        {
          auth: {
            tokenCache: cache,
            openUrl: async (url) => {
              opened.push(url);
              const done = await browser.open(url, redirectUri);
              assert.equal(done.status, 200);
              assert.match(done.body, /Logged in to Flyte/);
            },
          },
        },
      );
      try {
        const [a, b, c] = await Promise.all([
          clients.admin.getVersion({}),
          clients.admin.getVersion({}),
          clients.admin.getVersion({}),
        ]);
        for (const r of [a, b, c]) assert.equal(r.controlPlaneVersion?.Version, "v1.16.8");
      } finally {
        clients.close();
      }
      assert.equal(opened.length, 1, "concurrent calls share one login");
      const auth = new URL(opened[0]!);
      assert.equal(auth.origin + auth.pathname, oidc.authorizationEndpoint);
      assert.equal(auth.searchParams.get("code_challenge_method"), "S256");
      assert.equal(auth.searchParams.get("redirect_uri"), redirectUri);
      assert.equal(auth.searchParams.get("scope"), "openid offline_access");
      assert.deepEqual(oidc.grants, ["authorization_code"]);
      const calls = versionCalls();
      assert.equal(calls.filter((c) => c.authorization === null).length, 3, "first attempts go out without a token");
      const authed = calls.filter((c) => c.authorization !== null);
      assert.equal(authed.length, 3);
      assert.ok(authed.every((c) => /^Bearer \S+$/.test(c.authorization!)));

      const file = cache.fileFor(clients.authenticator!.cacheKey);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      assert.equal(statSync(cache.dir).mode & 0o777, 0o700);
      const stored = JSON.parse(readFileSync(file, "utf8"));
      assert.equal(`Bearer ${stored.accessToken}`, authed[0]!.authorization);
      assert.equal(typeof stored.refreshToken, "string");
      assert.ok(stored.expiresAt > Date.now());
    });

    test("a new client reuses the cached token without a login", async () => {
      admin.calls.length = 0;
      oidc.grants.length = 0;
      const clients = connect(
        { authType: "Pkce" },
        { auth: { tokenCache: cache, openUrl: () => assert.fail("no login expected") } },
      );
      try {
        await clients.admin.getVersion({});
      } finally {
        clients.close();
      }
      assert.equal(versionCalls().length, 1);
      assert.match(versionCalls()[0]!.authorization!, /^Bearer /);
      assert.deepEqual(oidc.grants, []);
    });

    test("a revoked access token is replaced with the refresh token, the call retried once", async () => {
      const clients = connect(
        { authType: "Pkce" },
        { auth: { tokenCache: cache, openUrl: () => assert.fail("no login expected") } },
      );
      const before = await cache.get(clients.authenticator!.cacheKey);
      await oidc.revoke(before!.accessToken);
      admin.calls.length = 0;
      oidc.grants.length = 0;
      try {
        await clients.admin.getVersion({});
      } finally {
        clients.close();
      }
      assert.deepEqual(oidc.grants, ["refresh_token"]);
      const calls = versionCalls();
      assert.deepEqual(
        calls.map((c) => c.authorization),
        [`Bearer ${before!.accessToken}`, calls[1]!.authorization],
      );
      const after = await cache.get(clients.authenticator!.cacheKey);
      assert.notEqual(after!.accessToken, before!.accessToken);
      assert.equal(calls[1]!.authorization, `Bearer ${after!.accessToken}`);
    });

    test("a token inside the refresh window is refreshed before the call, not after a rejection", async () => {
      admin.calls.length = 0;
      oidc.grants.length = 0;
      const clients = connect(
        { authType: "Pkce", tokenRefreshWindowMs: 24 * 3600_000 },
        { auth: { tokenCache: cache, openUrl: () => assert.fail("no login expected") } },
      );
      try {
        await clients.admin.getVersion({});
      } finally {
        clients.close();
      }
      assert.deepEqual(oidc.grants, ["refresh_token"]);
      assert.equal(versionCalls().length, 1, "no UNAUTHENTICATED round trip");
    });

    test("a login that does not complete in time fails naming the endpoint and the redirect", async () => {
      const clients = connect(
        { authType: "Pkce", pkceTimeoutMs: 300 },
        { auth: { tokenCache: false, openUrl: () => {} }, retry: { maxAttempts: 1 } },
      );
      try {
        await assert.rejects(
          clients.admin.getVersion({}),
          (err: unknown) =>
            err instanceof FlyteAuthenticationError &&
            err.endpoint === admin.endpoint &&
            err.message.includes(redirectUri) &&
            /did not complete/.test(err.message),
        );
      } finally {
        clients.close();
      }
    });
  });

  test("device flow: the user confirms the code in a browser while the client polls", async () => {
    const browser = new ScriptedBrowser("bob");
    const prompts: string[] = [];
    oidc.grants.length = 0;
    const cache = new MemoryTokenCache();
    const clients = connect(
      { authType: "DeviceFlow", deviceFlowPollIntervalMs: 100 },
      {
        auth: {
          tokenCache: cache,
          onDeviceCode: (info) => {
            prompts.push(info.userCode);
            assert.ok(
              info.verificationUriComplete?.includes(encodeURIComponent(info.userCode)) ||
                info.verificationUriComplete?.includes(info.userCode),
            );
            // The user finishes the login while the client is already polling.
            setTimeout(() => void browser.open(info.verificationUriComplete!), 250);
          },
        },
      },
    );
    try {
      assert.equal((await clients.admin.getVersion({})).controlPlaneVersion?.Version, "v1.16.8");
    } finally {
      clients.close();
    }
    assert.equal(prompts.length, 1);
    assert.deepEqual(oidc.grants, ["urn:ietf:params:oauth:grant-type:device_code"]);
    const creds = await cache.get(clients.authenticator!.cacheKey);
    assert.equal(typeof creds?.refreshToken, "string");
  });

  describe("client credentials", () => {
    test("gets a token with the client's id and secret and calls the admin", async () => {
      oidc.grants.length = 0;
      admin.calls.length = 0;
      const clients = connect({
        authType: "ClientSecret",
        clientId: SERVICE_CLIENT_ID,
        clientSecret: SERVICE_CLIENT_SECRET,
        scopes: ["all"],
      });
      try {
        await clients.admin.getVersion({});
        await clients.admin.getVersion({});
      } finally {
        clients.close();
      }
      assert.deepEqual(oidc.grants, ["client_credentials"], "the token is reused");
      assert.deepEqual(
        versionCalls().map((c) => c.authorization === null),
        [true, false, false],
      );
    });

    test("a wrong secret fails with the server's error, without the secret in the message", async () => {
      const clients = connect({
        authType: "ClientSecret",
        clientId: SERVICE_CLIENT_ID,
        clientSecret: "wrong-secret-value",
        scopes: ["all"],
      });
      try {
        await assert.rejects(
          clients.admin.getVersion({}),
          (err: unknown) =>
            err instanceof FlyteAuthenticationError &&
            err.message.includes(admin.endpoint) &&
            err.message.includes("invalid_client") &&
            !err.message.includes("wrong-secret-value"),
        );
      } finally {
        clients.close();
      }
    });

    test("end to end from a flytectl config.yaml: discovery, secret file, token, call", async () => {
      const dir = mkdtempSync(join(tmpdir(), "flyte-e2e-"));
      writeFileSync(join(dir, "client_secret"), `${SERVICE_CLIENT_SECRET}\n`, { mode: 0o600 });
      const file = join(dir, "config.yaml");
      writeFileSync(
        file,
        [
          "admin:",
          `  endpoint: ${admin.endpoint}`,
          "  insecure: true",
          "  authType: ClientSecret",
          `  clientId: ${SERVICE_CLIENT_ID}`,
          "  clientSecretLocation: client_secret",
          "  scopes: [all]",
          "",
        ].join("\n"),
      );
      const remote = await import("flytekit-ts/remote");
      oidc.grants.length = 0;
      const clients = remote.createAdminClients(remote.loadPlatformConfig({ env: { FLYTECTL_CONFIG: file } }));
      try {
        assert.equal((await clients.admin.getVersion({})).controlPlaneVersion?.Version, "v1.16.8");
      } finally {
        clients.close();
      }
      assert.deepEqual(oidc.grants, ["client_credentials"]);
    });

    test("a missing secret is named", async () => {
      const clients = connect({ authType: "ClientSecret", clientId: SERVICE_CLIENT_ID });
      try {
        await assert.rejects(clients.admin.getVersion({}), /client secret is not set/);
      } finally {
        clients.close();
      }
    });
  });
});

describe("retry on UNAUTHENTICATED", () => {
  test("happens exactly once; a second rejection is an authentication error", async () => {
    const admin = await startAdminServer({ acceptToken: () => false });
    const clients = createAdminClients(
      {
        endpoint: admin.endpoint,
        insecure: true,
        authType: "ExternalCommand",
        command: [process.execPath, "-e", "process.stdout.write('never-accepted')"],
      },
      { auth: { tokenCache: false } },
    );
    try {
      await assert.rejects(
        clients.admin.getVersion({}),
        (err: unknown) =>
          err instanceof FlyteAuthenticationError && /rejected a freshly obtained token/.test(err.message),
      );
      const calls = admin.calls.filter((c) => c.procedure === GET_VERSION);
      assert.deepEqual(
        calls.map((c) => c.authorization),
        [null, "Bearer never-accepted"],
      );
    } finally {
      clients.close();
      await admin.close();
    }
  });
});

describe("external command", () => {
  let admin: AdminServer;
  before(async () => {
    admin = await startAdminServer({ acceptToken: (t) => t === "cmd-token-1" });
  });
  after(() => admin.close());

  test("runs the command (no shell) and sends what it prints", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flyte-cmd-"));
    const script = join(dir, "token.mjs");
    writeFileSync(script, "process.stdout.write(process.argv[2] + '\\n');\n");
    const clients = createAdminClients(
      {
        endpoint: admin.endpoint,
        insecure: true,
        authType: "ExternalCommand",
        command: [process.execPath, script, "cmd-token-1"],
        authorizationHeader: "authorization",
      },
      { auth: { tokenCache: false } },
    );
    try {
      await clients.admin.getVersion({});
      const calls = admin.calls.filter((c) => c.procedure === GET_VERSION);
      assert.equal(calls.at(-1)!.authorization, "Bearer cmd-token-1");
      assert.ok(!admin.calls.some((c) => c.procedure.startsWith("flyteidl.service.AuthMetadataService")));
    } finally {
      clients.close();
    }
  });

  test("a failing command is named with its exit code and stderr", async () => {
    const cmd = [process.execPath, "-e", "process.stderr.write('login expired; run cloud login'); process.exit(3)"];
    const clients = createAdminClients(
      { endpoint: admin.endpoint, insecure: true, authType: "ExternalCommand", command: cmd },
      { auth: { tokenCache: false } },
    );
    try {
      await assert.rejects(
        clients.admin.getVersion({}),
        (err: unknown) =>
          err instanceof FlyteAuthenticationError &&
          err.message.includes(JSON.stringify(cmd)) &&
          err.message.includes("exited with 3") &&
          err.message.includes("login expired; run cloud login"),
      );
    } finally {
      clients.close();
    }
  });
});

describe("openInBrowser", () => {
  test("runs $BROWSER with the URL as one argument, never through a shell", async () => {
    const dir = mkdtempSync(join(tmpdir(), "flyte-browser-"));
    const out = join(dir, "argv.json");
    const script = join(dir, "browser.mjs");
    writeFileSync(
      script,
      `#!${process.execPath}\nimport { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(out)}, JSON.stringify(process.argv.slice(2)));\n`,
    );
    chmodSync(script, 0o755);
    const url = "http://127.0.0.1:1/auth?a=1&b=$(touch pwned);c='x' \"y\"";
    openInBrowser(url, { BROWSER: script });
    const deadline = Date.now() + 10_000;
    while (!existsSync(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(JSON.parse(readFileSync(out, "utf8")), [url]);
    assert.ok(!existsSync(join(process.cwd(), "pwned")));
  });
});

describe("FileTokenCache", () => {
  test("round-trips, ignores files others can read or that do not parse, deletes", async () => {
    const cache = new FileTokenCache(join(mkdtempSync(join(tmpdir(), "flyte-cache-")), "t"));
    assert.equal(await cache.get("a"), undefined);
    await cache.set("host:443/Pkce/x", { accessToken: "at", refreshToken: "rt", expiresAt: 123 });
    assert.deepEqual(await cache.get("host:443/Pkce/x"), { accessToken: "at", refreshToken: "rt", expiresAt: 123 });
    const file = cache.fileFor("host:443/Pkce/x");
    assert.match(file, /host_443_Pkce_x-[0-9a-f]{16}\.json$/);
    chmodSync(file, 0o644);
    assert.equal(await cache.get("host:443/Pkce/x"), undefined, "a file others can read is not trusted");
    await cache.set("host:443/Pkce/x", { accessToken: "at2" });
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.deepEqual(await cache.get("host:443/Pkce/x"), { accessToken: "at2" });
    writeFileSync(file, "{not json", { mode: 0o600 });
    assert.equal(await cache.get("host:443/Pkce/x"), undefined);
    await cache.delete("host:443/Pkce/x");
    await cache.delete("host:443/Pkce/x");
    assert.equal(await cache.get("host:443/Pkce/x"), undefined);
  });
});
