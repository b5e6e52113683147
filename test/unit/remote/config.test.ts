import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { FlyteConfigError, findConfigFile, loadPlatformConfig, storageS3Options } from "../../../src/remote/index.js";

const FLYTECTL_YAML = `admin:
  # For GRPC endpoints you might want to use dns:///flyte.myexample.com
  endpoint: dns:///localhost:30080
  authType: Pkce
  insecure: true
  scopes:
    - openid
    - offline_access
  clientId: flytectl
  tokenRefreshWindow: 2m
  pkceConfig:
    timeout: 90s
  deviceFlowConfig:
    pollInterval: 2s
  maxRetries: 2
  maxBackoffDelay: 4s
console:
  endpoint: http://localhost:30080
logger:
  show-source: true
  level: 0
storage:
  type: stow
  stow:
    kind: s3
    config:
      auth_type: accesskey
  connection:
    access-key: minio
    auth-type: accesskey
    disable-ssl: true
    endpoint: http://localhost:30002
    region: us-east-1
    secret-key: miniostorage
  container: my-s3-bucket
`;

function home(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), "flyte-home-"));
  mkdirSync(join(dir, ".flyte"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, ".flyte", name), text);
  return dir;
}

function rejectsWith(fn: () => unknown, key: string, ...parts: string[]): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof FlyteConfigError, String(err));
    assert.equal(err.key, key);
    for (const p of parts)
      assert.ok(err.message.includes(p), `${JSON.stringify(err.message)} lacks ${JSON.stringify(p)}`);
    return true;
  });
}

describe("loadPlatformConfig", () => {
  test("reads a flytectl config.yaml from ~/.flyte", () => {
    const h = home({ "config.yaml": FLYTECTL_YAML });
    const c = loadPlatformConfig({ env: {}, homeDir: h });
    assert.equal(c.configFile, join(h, ".flyte", "config.yaml"));
    assert.equal(c.endpoint, "dns:///localhost:30080");
    assert.equal(c.insecure, true);
    assert.equal(c.insecureSkipVerify, false);
    assert.equal(c.authType, "Pkce");
    assert.deepEqual(c.scopes, ["openid", "offline_access"]);
    assert.equal(c.clientId, "flytectl");
    assert.equal(c.consoleEndpoint, "http://localhost:30080");
    assert.equal(c.tokenRefreshWindowMs, 120_000);
    assert.equal(c.pkceTimeoutMs, 90_000);
    assert.equal(c.deviceFlowPollIntervalMs, 2000);
    assert.equal(c.deviceFlowTimeoutMs, 600_000);
    assert.equal(c.maxAttempts, 3);
    assert.equal(c.maxBackoffDelayMs, 4000);
    assert.deepEqual(c.storage, {
      type: "stow",
      container: "my-s3-bucket",
      endpoint: "http://localhost:30002",
      accessKey: "minio",
      secretKey: "miniostorage",
      region: "us-east-1",
      authType: "accesskey",
      disableSsl: true,
    });
    assert.deepEqual(storageS3Options(c), {
      endpoint: "http://localhost:30002",
      region: "us-east-1",
      credentials: { accessKeyId: "minio", secretAccessKey: "miniostorage" },
    });
  });

  test("without any file or variable: flytekit's defaults", () => {
    const c = loadPlatformConfig({ env: {}, homeDir: home() });
    assert.equal(c.configFile, undefined);
    assert.equal(c.endpoint, "localhost:30080");
    assert.equal(c.insecure, false);
    assert.equal(c.authType, "Pkce");
    assert.deepEqual(c.scopes, []);
    assert.equal(c.storage, undefined);
    assert.equal(c.maxAttempts, 5);
  });

  test("FLYTECTL_CONFIG wins over ~/.flyte/config.yaml; a missing one is an error naming it", () => {
    const h = home({ "config.yaml": "admin:\n  endpoint: dns:///home:1\n" });
    const other = join(mkdtempSync(join(tmpdir(), "flyte-cfg-")), "sandbox.yaml");
    writeFileSync(other, "admin:\n  endpoint: dns:///sandbox:2\n  insecure: true\n");
    assert.equal(findConfigFile({ FLYTECTL_CONFIG: other }, h), other);
    assert.equal(loadPlatformConfig({ env: { FLYTECTL_CONFIG: other }, homeDir: h }).endpoint, "dns:///sandbox:2");
    rejectsWith(
      () => loadPlatformConfig({ env: { FLYTECTL_CONFIG: "/nowhere/config.yaml" }, homeDir: h }),
      "FLYTECTL_CONFIG",
      '"/nowhere/config.yaml"',
    );
    assert.equal(loadPlatformConfig({ env: {}, homeDir: h, configFile: false }).endpoint, "localhost:30080");
  });

  test("environment variables override the file, explicit options override both", () => {
    const h = home({ "config.yaml": FLYTECTL_YAML });
    const env = {
      FLYTE_PLATFORM_URL: "flyte.example.com:443",
      FLYTE_PLATFORM_INSECURE: "False",
      FLYTE_CREDENTIALS_CLIENT_ID: "my-app",
      FLYTE_CREDENTIALS_CLIENT_SECRET: "from-env",
      FLYTE_CREDENTIALS_AUTH_MODE: "basic",
      FLYTE_CREDENTIALS_SCOPES: "all, offline",
      FLYTE_CREDENTIALS_AUTHORIZATION_METADATA_KEY: "flyte-authorization",
      FLYTE_AWS_ENDPOINT: "http://127.0.0.1:9000",
    };
    const c = loadPlatformConfig({ env, homeDir: h });
    assert.equal(c.endpoint, "flyte.example.com:443");
    assert.equal(c.insecure, false);
    assert.equal(c.clientId, "my-app");
    assert.equal(c.clientSecret, "from-env");
    assert.equal(c.authType, "ClientSecret");
    assert.deepEqual(c.scopes, ["all", "offline"]);
    assert.equal(c.authorizationHeader, "flyte-authorization");
    assert.equal(c.storage?.endpoint, "http://127.0.0.1:9000");
    assert.equal(c.storage?.accessKey, "minio", "the other storage keys still come from the file");

    const o = loadPlatformConfig({
      env,
      homeDir: h,
      overrides: { endpoint: "dns:///override:9", insecure: true, authType: "DeviceFlow" },
    });
    assert.equal(o.endpoint, "dns:///override:9");
    assert.equal(o.insecure, true);
    assert.equal(o.authType, "DeviceFlow");
  });

  test("the client secret comes from clientSecretLocation or the variable clientSecretEnvVar names", () => {
    const dir = mkdtempSync(join(tmpdir(), "flyte-secret-"));
    writeFileSync(join(dir, "client_secret"), "file-secret\n");
    const h = home({
      "config.yaml":
        "admin:\n  endpoint: dns:///x:1\n  clientId: svc\n  clientSecretLocation: ../secret/client_secret\n",
    });
    mkdirSync(join(h, "secret"));
    writeFileSync(join(h, "secret", "client_secret"), "relative-secret\n");
    // A relative location is relative to the config file.
    const c = loadPlatformConfig({ env: {}, homeDir: h });
    assert.equal(c.clientSecret, "relative-secret", "trailing newline stripped, as flytekit does");
    assert.equal(c.authType, "ClientSecret", "a client secret selects ClientSecret when no authType is set");

    const byEnvVar = loadPlatformConfig({
      env: { MY_SECRET: "env-secret" },
      configFile: writeYaml("admin:\n  endpoint: dns:///x:1\n  clientSecretEnvVar: MY_SECRET\n"),
    });
    assert.equal(byEnvVar.clientSecret, "env-secret");

    // flytekit's precedence: the named variable, then the file, then FLYTE_CREDENTIALS_CLIENT_SECRET.
    const all = writeYaml(
      `admin:\n  endpoint: dns:///x:1\n  clientSecretEnvVar: MY_SECRET\n  clientSecretLocation: ${join(dir, "client_secret")}\n`,
    );
    const env = { MY_SECRET: "named", FLYTE_CREDENTIALS_CLIENT_SECRET: "plain" };
    assert.equal(loadPlatformConfig({ env, configFile: all }).clientSecret, "named");
    assert.equal(loadPlatformConfig({ env: { ...env, MY_SECRET: "" }, configFile: all }).clientSecret, "file-secret");
    assert.equal(
      loadPlatformConfig({ env: { FLYTE_CREDENTIALS_CLIENT_SECRET: "plain" }, configFile: false }).clientSecret,
      "plain",
    );
    assert.equal(loadPlatformConfig({ env, configFile: all, overrides: { clientSecret: "opt" } }).clientSecret, "opt");

    rejectsWith(
      () =>
        loadPlatformConfig({
          env: {},
          configFile: writeYaml("admin:\n  endpoint: dns:///x:1\n  clientSecretLocation: /no/such/secret\n"),
        }),
      "admin.clientSecretLocation",
      '"/no/such/secret"',
    );
    rejectsWith(
      () =>
        loadPlatformConfig({
          env: { FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION: join(dir, "missing") },
          configFile: false,
        }),
      "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION",
      join(dir, "missing"),
    );
  });

  test("flytekit's auth mode names are accepted, case-insensitively", () => {
    const cases: [string, string][] = [
      ["ClientSecret", "ClientSecret"],
      ["client_credentials", "ClientSecret"],
      ["BASIC", "ClientSecret"],
      ["standard", "Pkce"],
      ["pkce", "Pkce"],
      ["DeviceFlow", "DeviceFlow"],
      ["external_process", "ExternalCommand"],
    ];
    for (const [raw, want] of cases) {
      const env = { FLYTE_CREDENTIALS_AUTH_MODE: raw, FLYTE_CREDENTIALS_COMMAND: "gcloud,auth,print-identity-token" };
      const c = loadPlatformConfig({ env, configFile: false });
      assert.equal(c.authType, want, raw);
    }
    const cmd = loadPlatformConfig({
      env: {
        FLYTE_CREDENTIALS_AUTH_MODE: "ExternalCommand",
        FLYTE_CREDENTIALS_COMMAND: "gcloud,auth,print-identity-token",
      },
      configFile: false,
    });
    assert.deepEqual(cmd.command, ["gcloud", "auth", "print-identity-token"]);
  });

  test("bad values name the key, the file or variable, and the value", () => {
    const bad: [string, string, ...string[]][] = [
      ["admin:\n  insecure: maybe\n", "admin.insecure", '"maybe"', "a boolean"],
      ["admin:\n  authType: Kerberos\n", "admin.authType", '"Kerberos"', "Pkce"],
      ["admin:\n  endpoint: dns:///host:notaport\n", "admin.endpoint", '"dns:///host:notaport"'],
      ["admin:\n  endpoint: [a, b]\n", "admin.endpoint", '["a","b"]', "a string"],
      ["admin:\n  scopes: 3\n", "admin.scopes", "3", "a list of strings"],
      ["admin:\n  pkceConfig:\n    timeout: soon\n", "admin.pkceConfig.timeout", '"soon"', "a duration"],
      ["admin:\n  maxRetries: -1\n", "admin.maxRetries", "-1"],
      ["admin:\n  tokenUrl: ftp://idp/token\n", "admin.tokenUrl", '"ftp://idp/token"'],
      ["admin:\n  authorizationHeader: 'bad header'\n", "admin.authorizationHeader", '"bad header"'],
      ["admin:\n  authType: ExternalCommand\n", "admin.command", "non-empty list"],
      ["admin: just-a-string\n", "admin", '"just-a-string"', "a mapping"],
      ["- a\n- b\n", "the document", "a mapping"],
      ["admin:\n  endpoint: x\n  endpoint: y\n", "YAML", "valid YAML"],
    ];
    for (const [yaml, key, ...parts] of bad) {
      const file = writeYaml(yaml);
      rejectsWith(() => loadPlatformConfig({ env: {}, configFile: file }), key, file, ...parts);
    }
    rejectsWith(
      () => loadPlatformConfig({ env: { FLYTE_PLATFORM_INSECURE: "ja" }, configFile: false }),
      "FLYTE_PLATFORM_INSECURE",
      "environment",
      '"ja"',
    );
    rejectsWith(
      () => loadPlatformConfig({ env: { FLYTE_PLATFORM_URL: "grpc://x:1" }, configFile: false }),
      "admin.endpoint",
      "FLYTE_PLATFORM_URL",
      '"grpc://x:1"',
    );
  });
});

function writeYaml(text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), "flyte-cfg-")), "config.yaml");
  writeFileSync(file, text);
  return file;
}
