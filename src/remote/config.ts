/**
 * Platform configuration as flytectl and pyflyte read it: the YAML file (`FLYTECTL_CONFIG`, else
 * `~/.flyte/config.yaml`), overridden by flytekit's `FLYTE_PLATFORM_*` / `FLYTE_CREDENTIALS_*` / `FLYTE_AWS_*`
 * environment variables, overridden by explicit options.
 *
 * @module
 */

import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { isAbsolute, join, resolve } from "node:path";
import { parseDocument } from "yaml";
import type { S3Options } from "../storage/s3.js";
import { parseDuration } from "../types/duration.js";
import { resolveEndpoint } from "./endpoint.js";
import { FlyteConfigError } from "./errors.js";

/**
 * How the client obtains tokens, with flytectl's names. flytekit's aliases are accepted case-insensitively when
 * reading: `standard` is `Pkce`, `basic` and `client_credentials` are `ClientSecret`, `external_process` is
 * `ExternalCommand`.
 */
export type AuthType = "ClientSecret" | "Pkce" | "DeviceFlow" | "ExternalCommand";

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

/** The storage section of a flytectl config, where offloaded data and code bundles live. */
export interface StorageConfig {
  /** `s3`, `minio`, `stow`, `local` or `mem`, as flytectl writes it. */
  readonly type?: string;
  /** The default bucket (`storage.container`). */
  readonly container?: string;
  /** S3-compatible endpoint, e.g. `http://localhost:30002` (`storage.connection.endpoint`). */
  readonly endpoint?: string;
  /** `storage.connection.access-key`. */
  readonly accessKey?: string;
  /** `storage.connection.secret-key`. */
  readonly secretKey?: string;
  /** `storage.connection.region`. */
  readonly region?: string;
  /** `storage.connection.auth-type`: `accesskey` or `iam`. */
  readonly authType?: string;
  /** `storage.connection.disable-ssl`. */
  readonly disableSsl?: boolean;
}

/** Everything needed to reach and authenticate with a Flyte cluster. */
export interface PlatformConfig extends AdminConnectionConfig {
  /** Admin endpoint, e.g. `dns:///localhost:30080`. */
  readonly endpoint: string;
  /** Plaintext HTTP/2. Default `false`. */
  readonly insecure: boolean;
  /** Skip TLS verification. Default `false`. */
  readonly insecureSkipVerify: boolean;
  /** PEM file of the CA of the admin's certificate. */
  readonly caCertFilePath?: string;
  /** Console URL when it differs from the admin's (`console.endpoint`). */
  readonly consoleEndpoint?: string;
  /**
   * How tokens are obtained when the admin asks for them. Default: `ClientSecret` when a client secret is
   * configured, else `Pkce` (flytekit's default).
   */
  readonly authType: AuthType;
  /** OAuth2 client id (`admin.clientId`). */
  readonly clientId?: string;
  /** OAuth2 client secret, read from `clientSecretLocation`, `clientSecretEnvVar` or `FLYTE_CREDENTIALS_CLIENT_SECRET`. */
  readonly clientSecret?: string;
  /** Scopes to request; empty means the admin's public client config decides. */
  readonly scopes: readonly string[];
  /** Audience to request tokens for. */
  readonly audience?: string;
  /** Take the audience from the admin's public client config (`admin.useAudienceFromAdmin`). */
  readonly useAudienceFromAdmin: boolean;
  /** Token endpoint overriding the discovered one (`admin.tokenUrl`). */
  readonly tokenUrl?: string;
  /** Command printing a token on stdout (`ExternalCommand`), as an argv array, never run through a shell. */
  readonly command?: readonly string[];
  /** Metadata key the token travels in; default the admin's `authorizationMetadataKey`, else `authorization`. */
  readonly authorizationHeader?: string;
  /** Refresh a token this long before it expires (`admin.tokenRefreshWindow`), ms. Default 60 s. */
  readonly tokenRefreshWindowMs: number;
  /** How long the browser login may take (`admin.pkceConfig.timeout`), ms. Default 2 min. */
  readonly pkceTimeoutMs: number;
  /** How long the device login may take (`admin.deviceFlowConfig.timeout`), ms. Default 10 min. */
  readonly deviceFlowTimeoutMs: number;
  /** Poll interval when the server gives none (`admin.deviceFlowConfig.pollInterval`), ms. Default 5 s. */
  readonly deviceFlowPollIntervalMs: number;
  /** Attempts on an unreachable admin, first included (`admin.maxRetries` + 1). Default 5. */
  readonly maxAttempts: number;
  /** Upper bound of one backoff wait (`admin.maxBackoffDelay`), ms. Default 8 s. */
  readonly maxBackoffDelayMs: number;
  /**
   * Deadline of each call (`admin.perRetryTimeout`), ms, covering its retries on an unreachable admin; none when
   * unset. A call past its deadline fails with DEADLINE_EXCEEDED and is not retried.
   */
  readonly perRetryTimeoutMs?: number;
  /** The storage section, when the file has one or `FLYTE_AWS_*` is set. */
  readonly storage?: StorageConfig;
  /** The config file that was read, if any. */
  readonly configFile?: string;
}

/** Explicit settings; they win over the environment and the file. */
export type PlatformConfigOverrides = Partial<Omit<PlatformConfig, "configFile">>;

/** Options of {@link loadPlatformConfig}. */
export interface LoadPlatformConfigOptions {
  /** A config file to read instead of the discovered one. `false` reads no file. */
  readonly configFile?: string | false;
  /** Environment variables; `process.env` by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Home directory for `~/.flyte/config.yaml`; `os.homedir()` by default. */
  readonly homeDir?: string;
  /** Explicit settings, e.g. from command-line flags. */
  readonly overrides?: PlatformConfigOverrides;
}

/** The endpoint flytekit assumes when nothing is configured: a local sandbox. */
export const DEFAULT_ENDPOINT = "localhost:30080";

/** Defaults of the timing settings, in milliseconds (flytectl's where it has one). */
export const PLATFORM_DEFAULTS = Object.freeze({
  tokenRefreshWindowMs: 60_000,
  pkceTimeoutMs: 120_000,
  deviceFlowTimeoutMs: 600_000,
  deviceFlowPollIntervalMs: 5000,
  maxAttempts: 5,
  maxBackoffDelayMs: 8000,
});

const AUTH_TYPES: Readonly<Record<string, AuthType>> = {
  clientsecret: "ClientSecret",
  basic: "ClientSecret",
  client_credentials: "ClientSecret",
  pkce: "Pkce",
  standard: "Pkce",
  deviceflow: "DeviceFlow",
  externalcommand: "ExternalCommand",
  external_process: "ExternalCommand",
};

/**
 * Finds the config file as pyflyte does: `FLYTECTL_CONFIG` (which must exist), else `~/.flyte/config.yaml` when
 * present. Returns `undefined` when there is none.
 *
 * @example
 * findConfigFile(); // "/home/me/.flyte/config.yaml"
 */
export function findConfigFile(
  env: Readonly<Record<string, string | undefined>> = process.env,
  homeDir: string = homedir(),
): string | undefined {
  const fromEnv = env.FLYTECTL_CONFIG;
  if (fromEnv !== undefined && fromEnv.trim() !== "") {
    const path = resolve(fromEnv);
    if (!existsSync(path)) {
      throw new FlyteConfigError("FLYTECTL_CONFIG", "the environment", fromEnv, "the path of an existing YAML file");
    }
    return path;
  }
  const home = join(homeDir, ".flyte", "config.yaml");
  return existsSync(home) ? home : undefined;
}

/**
 * Reads the platform configuration. Each setting comes from the first of: `overrides`, its environment
 * variable, the YAML file, the default. Invalid values fail with a {@link FlyteConfigError} naming the key,
 * where it came from, and the value.
 *
 * | setting | YAML key | environment |
 * |---|---|---|
 * | endpoint | `admin.endpoint` | `FLYTE_PLATFORM_URL` |
 * | insecure | `admin.insecure` | `FLYTE_PLATFORM_INSECURE` |
 * | insecureSkipVerify | `admin.insecureSkipVerify` | `FLYTE_PLATFORM_INSECURE_SKIP_VERIFY` |
 * | caCertFilePath | `admin.caCertFilePath` | `FLYTE_PLATFORM_CA_CERT_FILE_PATH` |
 * | consoleEndpoint | `console.endpoint` | `FLYTE_PLATFORM_CONSOLE_ENDPOINT` |
 * | authType | `admin.authType` | `FLYTE_CREDENTIALS_AUTH_MODE` |
 * | clientId | `admin.clientId` | `FLYTE_CREDENTIALS_CLIENT_ID` |
 * | clientSecret | the variable `admin.clientSecretEnvVar` names, else the file `admin.clientSecretLocation` (relative to the config file) | `FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR`, `FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION`, last `FLYTE_CREDENTIALS_CLIENT_SECRET` |
 * | scopes | `admin.scopes` | `FLYTE_CREDENTIALS_SCOPES` (comma-separated) |
 * | audience | `admin.audience` | `FLYTE_CREDENTIALS_AUDIENCE` |
 * | command | `admin.command` | `FLYTE_CREDENTIALS_COMMAND` (comma-separated) |
 * | authorizationHeader | `admin.authorizationHeader` | `FLYTE_CREDENTIALS_AUTHORIZATION_METADATA_KEY` |
 * | storage | `storage.*` | `FLYTE_AWS_ENDPOINT`, `FLYTE_AWS_ACCESS_KEY_ID`, `FLYTE_AWS_SECRET_ACCESS_KEY` |
 *
 * @example
 * const config = loadPlatformConfig({ overrides: { endpoint: "dns:///localhost:30080", insecure: true } });
 * const clients = createAdminClients(config);
 */
export function loadPlatformConfig(options: LoadPlatformConfigOptions = {}): PlatformConfig {
  const env = options.env ?? process.env;
  const file =
    options.configFile === false
      ? undefined
      : options.configFile !== undefined
        ? readableFile(options.configFile)
        : findConfigFile(env, options.homeDir);
  const yaml = file === undefined ? new Source(undefined, {}) : new Source(file, parseYamlFile(file));
  const o = options.overrides ?? {};
  const envSrc = new EnvSource(env);

  const endpointRaw = o.endpoint ?? envSrc.str("FLYTE_PLATFORM_URL") ?? yaml.str("admin.endpoint") ?? DEFAULT_ENDPOINT;
  const endpointSource =
    o.endpoint !== undefined
      ? "options"
      : envSrc.has("FLYTE_PLATFORM_URL")
        ? "FLYTE_PLATFORM_URL"
        : yaml.has("admin.endpoint")
          ? yaml.name
          : "the default";
  const insecure = o.insecure ?? envSrc.bool("FLYTE_PLATFORM_INSECURE") ?? yaml.bool("admin.insecure") ?? false;
  // Validate the endpoint now, so a typo is reported with the file or variable it came from.
  resolveEndpoint(endpointRaw, insecure, endpointSource);

  const caCertFilePath =
    o.caCertFilePath ?? envSrc.str("FLYTE_PLATFORM_CA_CERT_FILE_PATH") ?? yaml.path("admin.caCertFilePath");

  // flytekit's order: the variable clientSecretEnvVar names, then the clientSecretLocation file, then
  // FLYTE_CREDENTIALS_CLIENT_SECRET.
  const secretLocation =
    envSrc.str("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION") ?? yaml.path("admin.clientSecretLocation");
  const secretEnvVar = envSrc.str("FLYTE_CREDENTIALS_CLIENT_SECRET_ENV_VAR") ?? yaml.str("admin.clientSecretEnvVar");
  let clientSecret = o.clientSecret;
  if (clientSecret === undefined && secretEnvVar !== undefined) {
    const v = env[secretEnvVar]?.trim();
    if (v) clientSecret = v;
  }
  if (clientSecret === undefined && secretLocation !== undefined) {
    const key = envSrc.has("FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION")
      ? "FLYTE_CREDENTIALS_CLIENT_SECRET_LOCATION"
      : "admin.clientSecretLocation";
    const where = key === "admin.clientSecretLocation" ? yaml.name : "the environment";
    try {
      clientSecret = readFileSync(secretLocation, "utf8").trim();
    } catch (cause) {
      throw new FlyteConfigError(key, where, secretLocation, "a readable file holding the client secret", { cause });
    }
    if (clientSecret === "") {
      throw new FlyteConfigError(key, where, secretLocation, "a file holding a non-empty client secret");
    }
  }
  clientSecret ??= envSrc.str("FLYTE_CREDENTIALS_CLIENT_SECRET");

  const authRaw = envSrc.str("FLYTE_CREDENTIALS_AUTH_MODE") ?? yaml.str("admin.authType");
  const authType =
    o.authType ??
    (authRaw !== undefined
      ? parseAuthType(
          authRaw,
          envSrc.has("FLYTE_CREDENTIALS_AUTH_MODE") ? "FLYTE_CREDENTIALS_AUTH_MODE" : "admin.authType",
          envSrc.has("FLYTE_CREDENTIALS_AUTH_MODE") ? "the environment" : yaml.name,
        )
      : clientSecret !== undefined
        ? "ClientSecret"
        : "Pkce");

  const command = o.command ?? envSrc.list("FLYTE_CREDENTIALS_COMMAND") ?? yaml.list("admin.command");
  if (authType === "ExternalCommand" && (command === undefined || command.length === 0)) {
    throw new FlyteConfigError(
      "admin.command",
      file ?? "the environment",
      command,
      "a non-empty list (authType ExternalCommand runs it to get a token)",
    );
  }
  const durationMs = (key: string, fallback: number) => yaml.duration(key) ?? fallback;
  const maxRetries = yaml.int("admin.maxRetries");
  const storage = readStorage(yaml, envSrc);

  return stripUndefined({
    endpoint: endpointRaw,
    insecure,
    insecureSkipVerify:
      o.insecureSkipVerify ??
      envSrc.bool("FLYTE_PLATFORM_INSECURE_SKIP_VERIFY") ??
      yaml.bool("admin.insecureSkipVerify") ??
      false,
    caCertFilePath,
    consoleEndpoint: o.consoleEndpoint ?? envSrc.str("FLYTE_PLATFORM_CONSOLE_ENDPOINT") ?? yaml.str("console.endpoint"),
    authType,
    clientId: o.clientId ?? envSrc.str("FLYTE_CREDENTIALS_CLIENT_ID") ?? yaml.str("admin.clientId"),
    clientSecret,
    scopes: o.scopes ?? envSrc.list("FLYTE_CREDENTIALS_SCOPES") ?? yaml.list("admin.scopes") ?? [],
    audience: o.audience ?? envSrc.str("FLYTE_CREDENTIALS_AUDIENCE") ?? yaml.str("admin.audience"),
    useAudienceFromAdmin: o.useAudienceFromAdmin ?? yaml.bool("admin.useAudienceFromAdmin") ?? false,
    tokenUrl: o.tokenUrl ?? yaml.url("admin.tokenUrl"),
    command,
    authorizationHeader:
      o.authorizationHeader ??
      envSrc.str("FLYTE_CREDENTIALS_AUTHORIZATION_METADATA_KEY") ??
      yaml.headerName("admin.authorizationHeader"),
    tokenRefreshWindowMs:
      o.tokenRefreshWindowMs ?? durationMs("admin.tokenRefreshWindow", PLATFORM_DEFAULTS.tokenRefreshWindowMs),
    pkceTimeoutMs: o.pkceTimeoutMs ?? durationMs("admin.pkceConfig.timeout", PLATFORM_DEFAULTS.pkceTimeoutMs),
    deviceFlowTimeoutMs:
      o.deviceFlowTimeoutMs ?? durationMs("admin.deviceFlowConfig.timeout", PLATFORM_DEFAULTS.deviceFlowTimeoutMs),
    deviceFlowPollIntervalMs:
      o.deviceFlowPollIntervalMs ??
      durationMs("admin.deviceFlowConfig.pollInterval", PLATFORM_DEFAULTS.deviceFlowPollIntervalMs),
    maxAttempts: o.maxAttempts ?? (maxRetries === undefined ? PLATFORM_DEFAULTS.maxAttempts : maxRetries + 1),
    maxBackoffDelayMs: o.maxBackoffDelayMs ?? durationMs("admin.maxBackoffDelay", PLATFORM_DEFAULTS.maxBackoffDelayMs),
    perRetryTimeoutMs: o.perRetryTimeoutMs ?? yaml.duration("admin.perRetryTimeout"),
    storage: o.storage ?? storage,
    configFile: file,
  }) as PlatformConfig;
}

/**
 * S3 options for the storage room from the config's storage section, or `undefined` when it names no endpoint
 * or keys (then the storage room's own environment defaults apply).
 *
 * @example
 * const s3 = storageS3Options(loadPlatformConfig());
 */
export function storageS3Options(config: PlatformConfig): S3Options | undefined {
  const s = config.storage;
  if (s === undefined || (s.endpoint === undefined && s.accessKey === undefined)) return undefined;
  return stripUndefined({
    endpoint: s.endpoint,
    region: s.region ?? "us-east-1",
    credentials:
      s.accessKey !== undefined && s.secretKey !== undefined
        ? { accessKeyId: s.accessKey, secretAccessKey: s.secretKey }
        : undefined,
  }) as S3Options;
}

function parseAuthType(value: string, key: string, source: string): AuthType {
  const t = AUTH_TYPES[value.trim().toLowerCase()];
  if (t === undefined) {
    throw new FlyteConfigError(
      key,
      source,
      value,
      "one of ClientSecret, Pkce, DeviceFlow, ExternalCommand (or flytekit's standard, basic, client_credentials, external_process)",
    );
  }
  return t;
}

function readStorage(yaml: Source, env: EnvSource): StorageConfig | undefined {
  const s = stripUndefined({
    type: yaml.str("storage.type"),
    container: yaml.str("storage.container"),
    endpoint: env.str("FLYTE_AWS_ENDPOINT") ?? yaml.str("storage.connection.endpoint"),
    accessKey: env.str("FLYTE_AWS_ACCESS_KEY_ID") ?? yaml.str("storage.connection.access-key"),
    secretKey: env.str("FLYTE_AWS_SECRET_ACCESS_KEY") ?? yaml.str("storage.connection.secret-key"),
    region: yaml.str("storage.connection.region"),
    authType: yaml.str("storage.connection.auth-type"),
    disableSsl: yaml.bool("storage.connection.disable-ssl"),
  });
  return Object.keys(s).length === 0 ? undefined : (s as StorageConfig);
}

function readableFile(path: string): string {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new FlyteConfigError("config file", "options", path, "the path of an existing YAML file");
  return abs;
}

function parseYamlFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (cause) {
    throw new FlyteConfigError("config file", file, file, "a readable YAML file", { cause });
  }
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new FlyteConfigError("YAML", file, e.message.split("\n")[0], "valid YAML", { cause: e });
  }
  const data = doc.toJS() as unknown;
  if (data === null || data === undefined) return {};
  if (typeof data !== "object" || Array.isArray(data)) {
    throw new FlyteConfigError("the document", file, data, "a mapping of sections (admin:, storage:, ...)");
  }
  return data as Record<string, unknown>;
}

const TRUE = new Set(["true", "1", "yes", "on"]);
const FALSE = new Set(["false", "0", "no", "off"]);

/** Typed reads of dotted keys from a YAML document, each failing with the key, the file and the value. */
class Source {
  readonly name: string;
  readonly #data: Record<string, unknown>;
  readonly #dir: string | undefined;

  constructor(file: string | undefined, data: Record<string, unknown>) {
    this.name = file ?? "options";
    this.#data = data;
    this.#dir = file === undefined ? undefined : resolve(file, "..");
  }

  has(key: string): boolean {
    return this.#get(key) !== undefined;
  }

  #get(key: string): unknown {
    let cur: unknown = this.#data;
    const parts = key.split(".");
    for (let i = 0; i < parts.length; i++) {
      if (cur === undefined || cur === null) return undefined;
      if (typeof cur !== "object" || Array.isArray(cur)) {
        throw new FlyteConfigError(parts.slice(0, i).join("."), this.name, cur, "a mapping");
      }
      cur = (cur as Record<string, unknown>)[parts[i]!];
    }
    return cur === null ? undefined : cur;
  }

  #bad(key: string, value: unknown, expected: string): FlyteConfigError {
    return new FlyteConfigError(key, this.name, value, expected);
  }

  str(key: string): string | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v === "number") return String(v);
    if (typeof v !== "string") throw this.#bad(key, v, "a string");
    return v === "" ? undefined : v;
  }

  path(key: string): string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    const expanded = v.startsWith("~/") ? join(homedir(), v.slice(2)) : v;
    return isAbsolute(expanded) || this.#dir === undefined ? expanded : resolve(this.#dir, expanded);
  }

  url(key: string): string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    if (!/^https?:\/\/[^/]/i.test(v) || !URL.canParse(v)) throw this.#bad(key, v, "an http:// or https:// URL");
    return v;
  }

  headerName(key: string): string | undefined {
    const v = this.str(key);
    if (v !== undefined && !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(v)) throw this.#bad(key, v, "an HTTP header name");
    return v?.toLowerCase();
  }

  bool(key: string): boolean | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v === "boolean") return v;
    if (typeof v === "string" && TRUE.has(v.toLowerCase())) return true;
    if (typeof v === "string" && FALSE.has(v.toLowerCase())) return false;
    throw this.#bad(key, v, "a boolean (true or false)");
  }

  int(key: string): number | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0) return v;
    throw this.#bad(key, v, "a non-negative integer");
  }

  list(key: string): string[] | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v === "string")
      return v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
    if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) throw this.#bad(key, v, "a list of strings");
    return v as string[];
  }

  duration(key: string): number | undefined {
    const v = this.#get(key);
    if (v === undefined) return undefined;
    if (typeof v === "string") {
      try {
        const ms = parseDuration(v);
        if (ms >= 0) return ms;
      } catch {
        // reported below with the key and file
      }
    }
    throw this.#bad(key, v, 'a duration such as "30s", "5m" or "1h30m"');
  }
}

/** Typed reads of environment variables, failing with the variable's name and value. */
class EnvSource {
  readonly #env: Readonly<Record<string, string | undefined>>;

  constructor(env: Readonly<Record<string, string | undefined>>) {
    this.#env = env;
  }

  has(name: string): boolean {
    return this.str(name) !== undefined;
  }

  str(name: string): string | undefined {
    const v = this.#env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (TRUE.has(v.toLowerCase())) return true;
    if (FALSE.has(v.toLowerCase())) return false;
    throw new FlyteConfigError(name, "the environment", v, "a boolean (true/false, 1/0, yes/no, on/off)");
  }

  list(name: string): string[] | undefined {
    const v = this.str(name);
    return v
      ?.split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
