/**
 * The remote client against a FlyteAdmin that requires OAuth2 (the local Flyte in auth mode, a private instance):
 * FlyteAdmin is its own authorization server, discovered through AuthMetadataService. No credentials: UNAUTHENTICATED.
 * The instance's config file (client credentials): ListProjects and GetVersion succeed, and an execution runs (its
 * propeller reaches the admin with the same client). A wrong secret fails with an authentication error that names
 * the endpoint and leaks no secret.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Code, ConnectError } from "@connectrpc/connect";
import { loadEntities } from "../../src/cli/load.js";
import type { Entity } from "../../src/core/entity.js";
import { createAdminClients } from "../../src/remote/clients.js";
import { loadPlatformConfig } from "../../src/remote/config.js";
import { FlyteAuthenticationError } from "../../src/remote/errors.js";
import { FlyteRemote } from "../../src/remote/remote.js";
import { ensureLocalFlyte, type LocalFlyte } from "../helpers/local-flyte.js";

const repo = join(import.meta.dirname, "..", "..");

type Runnable = Entity & ((inputs: Record<string, unknown>) => Promise<unknown>);

describe("local Flyte in auth mode", { timeout: 600_000 }, () => {
  let flyte: LocalFlyte;
  let secret: string;

  before(async () => {
    flyte = await ensureLocalFlyte({ auth: true });
    const auth = flyte.endpoints.auth;
    assert.ok(auth, "the instance runs in auth mode");
    secret = readFileSync(auth.clientSecretPath, "utf8").trim();
    assert.ok(secret.length >= 24);
  });
  after(async () => {
    await flyte?.stop();
  });

  test("no credentials: the admin answers UNAUTHENTICATED", async () => {
    const config = loadPlatformConfig({
      configFile: false,
      env: { FLYTE_PLATFORM_URL: flyte.adminEndpoint, FLYTE_PLATFORM_INSECURE: "true" },
    });
    const clients = createAdminClients(config, { auth: false });
    const err = await clients.admin.listProjects({}).then(
      () => assert.fail("ListProjects succeeded without a token"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConnectError, String(err));
    assert.equal(err.code, Code.Unauthenticated, err.message);
    // Discovery itself is open: the admin names its own token endpoint and the header to carry the token in.
    const meta = await clients.authMetadata.getOAuth2Metadata({});
    assert.equal(meta.tokenEndpoint, flyte.endpoints.auth?.tokenEndpoint);
    assert.ok(meta.grantTypesSupported.includes("client_credentials"), meta.grantTypesSupported.join(","));
    const pub = await clients.authMetadata.getPublicClientConfig({});
    assert.equal(pub.authorizationMetadataKey, "flyte-authorization");
    clients.close();
  });

  test("client credentials from the instance's config file: ListProjects, GetVersion and an execution", async () => {
    const config = loadPlatformConfig({ configFile: flyte.configPath, env: {} });
    assert.equal(config.authType, "ClientSecret");
    assert.equal(config.clientId, "flytepropeller");
    const clients = createAdminClients(config, { auth: { tokenCache: false } });
    const projects = await clients.admin.listProjects({});
    assert.ok(
      projects.projects.some((p) => p.id === "flytesnacks"),
      projects.projects.map((p) => p.id).join(","),
    );
    const version = await clients.admin.getVersion({});
    assert.match(version.controlPlaneVersion?.Version ?? "", /\d/);

    // Propeller inside the binary authenticates with the same client: an execution runs to the end.
    const remote = new FlyteRemote({ clients, project: "flytesnacks", domain: "development" });
    const { entities } = await loadEntities(join(repo, "examples", "hello.ts"), repo);
    const wf = entities.get("wf") as Runnable | undefined;
    assert.ok(wf, "examples/hello.ts exports wf");
    await remote.register([wf], { root: repo });
    const ex = await remote.execute(wf, {});
    await ex.wait({ timeout: 300_000 });
    assert.deepEqual(await ex.outputs(), await wf({}));
    clients.close();
  });

  test("a wrong secret: a clear authentication error without the secret", async () => {
    const wrong = `wrong-${secret.slice(0, 4)}-not-it-${Date.now()}`;
    const config = loadPlatformConfig({
      configFile: flyte.configPath,
      env: { FLYTE_CREDENTIALS_CLIENT_SECRET: wrong },
      overrides: { clientSecret: wrong },
    });
    const clients = createAdminClients(config, { auth: { tokenCache: false } });
    const err = await clients.admin.listProjects({}).then(
      () => assert.fail("ListProjects succeeded with a wrong secret"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof FlyteAuthenticationError, String(err));
    assert.match(err.message, new RegExp(flyte.adminEndpoint.replace(/\./g, "\\.")));
    assert.match(err.message, /invalid_client|client authentication failed/i);
    const text = `${err.message}\n${err.stack}\n${String((err as { cause?: unknown }).cause)}`;
    assert.ok(!text.includes(wrong), `the error shows the secret: ${text}`);
    assert.ok(!text.includes(secret), `the error shows the real secret: ${text}`);
    clients.close();
  });
});
