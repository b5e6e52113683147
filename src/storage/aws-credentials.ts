/**
 * Where S3 credentials come from: static keys in the environment (flytekit's `FLYTE_AWS_*` first, then the
 * standard `AWS_*`), otherwise the usual AWS sources in order: the shared credentials file, a web identity token
 * (EKS IRSA), the container credentials endpoint (ECS, EKS Pod Identity) and EC2 instance metadata (IMDSv2).
 * When none applies, requests are sent unsigned (public buckets).
 *
 * Credentials never appear in errors or logs produced here.
 *
 * @module
 */

import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { StorageError } from "./errors.js";
import type { AwsCredentials } from "./sigv4.js";
import { parseXml, xmlChild, xmlChildText } from "./xml.js";

/** Produces credentials, or `undefined` when its source is not configured. */
export type CredentialProvider = () => Promise<AwsCredentials | undefined>;

/** Environment variables, as in `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

const REFRESH_MARGIN_MS = 5 * 60_000;
const METADATA_TIMEOUT_MS = 1000;

/** A provider that always returns the given credentials. */
export function staticCredentials(creds: AwsCredentials): CredentialProvider {
  return async () => creds;
}

/**
 * Caches what `provider` returns until five minutes before its `expiration`; concurrent callers share one
 * refresh. If a refresh fails while the previous credentials are still valid, those are returned instead.
 */
export function cachedCredentials(provider: CredentialProvider, now: () => number = Date.now): CredentialProvider {
  let current: AwsCredentials | undefined;
  let resolved = false;
  let inflight: Promise<AwsCredentials | undefined> | undefined;
  const fresh = (c: AwsCredentials | undefined) =>
    c === undefined || c.expiration === undefined || c.expiration.getTime() - REFRESH_MARGIN_MS > now();
  return async () => {
    if (resolved && fresh(current)) return current;
    inflight ??= provider()
      .then((c) => {
        current = c;
        resolved = true;
        return c;
      })
      .catch((err: unknown) => {
        if (current?.expiration !== undefined && current.expiration.getTime() > now()) return current;
        throw err;
      })
      .finally(() => {
        inflight = undefined;
      });
    return inflight;
  };
}

/** Static credentials from `FLYTE_AWS_ACCESS_KEY_ID`/`FLYTE_AWS_SECRET_ACCESS_KEY`, then `AWS_*` (with session token). */
export function envCredentials(env: Env): AwsCredentials | undefined {
  const fid = nonEmpty(env.FLYTE_AWS_ACCESS_KEY_ID);
  const fsecret = nonEmpty(env.FLYTE_AWS_SECRET_ACCESS_KEY);
  if (fid !== undefined && fsecret !== undefined) return { accessKeyId: fid, secretAccessKey: fsecret };
  const id = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const secret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (id !== undefined && secret !== undefined) {
    const token = nonEmpty(env.AWS_SESSION_TOKEN);
    return token === undefined
      ? { accessKeyId: id, secretAccessKey: secret }
      : { accessKeyId: id, secretAccessKey: secret, sessionToken: token };
  }
  return undefined;
}

/**
 * Profile credentials from `AWS_SHARED_CREDENTIALS_FILE` (default `~/.aws/credentials`), profile `AWS_PROFILE`
 * (default `default`). Only static keys are read; SSO and `credential_process` profiles are not supported.
 */
export function sharedFileCredentials(env: Env): CredentialProvider {
  return async () => {
    const file = nonEmpty(env.AWS_SHARED_CREDENTIALS_FILE) ?? join(env.HOME ?? homedir(), ".aws", "credentials");
    const profile = nonEmpty(env.AWS_PROFILE) ?? "default";
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch {
      return undefined;
    }
    const section = parseIni(text).get(profile);
    const id = section?.get("aws_access_key_id");
    const secret = section?.get("aws_secret_access_key");
    if (!id || !secret) return undefined;
    const token = section?.get("aws_session_token");
    return token
      ? { accessKeyId: id, secretAccessKey: secret, sessionToken: token }
      : { accessKeyId: id, secretAccessKey: secret };
  };
}

/**
 * `AssumeRoleWithWebIdentity` with the token in `AWS_WEB_IDENTITY_TOKEN_FILE` for `AWS_ROLE_ARN` (EKS IRSA).
 * STS is reached at `AWS_ENDPOINT_URL_STS`, else the regional endpoint of `AWS_REGION` (default us-east-1).
 */
export function webIdentityCredentials(env: Env): CredentialProvider {
  return async () => {
    const tokenFile = nonEmpty(env.AWS_WEB_IDENTITY_TOKEN_FILE);
    const roleArn = nonEmpty(env.AWS_ROLE_ARN);
    if (tokenFile === undefined || roleArn === undefined) return undefined;
    const region = nonEmpty(env.AWS_REGION) ?? nonEmpty(env.AWS_DEFAULT_REGION) ?? "us-east-1";
    const endpoint = nonEmpty(env.AWS_ENDPOINT_URL_STS) ?? `https://sts.${region}.amazonaws.com`;
    const op = "AssumeRoleWithWebIdentity";
    let token: string;
    try {
      token = (await readFile(tokenFile, "utf8")).trim();
    } catch (err) {
      throw credentialError(op, tokenFile, "access_denied", "cannot read the web identity token file", err);
    }
    const form = new URLSearchParams({
      Action: op,
      Version: "2011-06-15",
      RoleArn: roleArn,
      RoleSessionName: nonEmpty(env.AWS_ROLE_SESSION_NAME) ?? `flytekit-ts-${Date.now()}`,
      WebIdentityToken: token,
    });
    const res = await metadataFetch(op, endpoint, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", accept: "application/xml" },
      body: form.toString(),
    });
    const body = await res.text();
    if (!res.ok) throw httpCredentialError(op, endpoint, res.status, stsErrorCode(body));
    try {
      const root = parseXml(body);
      const result = xmlChild(root, "AssumeRoleWithWebIdentityResult");
      const c = result === undefined ? undefined : xmlChild(result, "Credentials");
      const id = c && xmlChildText(c, "AccessKeyId");
      const secret = c && xmlChildText(c, "SecretAccessKey");
      const session = c && xmlChildText(c, "SessionToken");
      const exp = c && xmlChildText(c, "Expiration");
      if (!id || !secret) throw new Error("no credentials in response");
      return {
        accessKeyId: id,
        secretAccessKey: secret,
        ...(session ? { sessionToken: session } : {}),
        ...(exp ? { expiration: new Date(exp) } : {}),
      };
    } catch (err) {
      throw credentialError(op, endpoint, "unavailable", "malformed STS response", err);
    }
  };
}

/**
 * Credentials from the container endpoint: `AWS_CONTAINER_CREDENTIALS_FULL_URI`, or
 * `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` on 169.254.170.2, with the authorization token from
 * `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` or `AWS_CONTAINER_AUTHORIZATION_TOKEN` (ECS task roles, EKS Pod Identity).
 */
export function containerCredentials(env: Env): CredentialProvider {
  return async () => {
    const full = nonEmpty(env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
    const rel = nonEmpty(env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI);
    const url = full ?? (rel === undefined ? undefined : `http://169.254.170.2${rel}`);
    if (url === undefined) return undefined;
    const op = "ContainerCredentials";
    const headers: Record<string, string> = { accept: "application/json" };
    const tokenFile = nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE);
    if (tokenFile !== undefined) {
      try {
        headers.authorization = (await readFile(tokenFile, "utf8")).trim();
      } catch (err) {
        throw credentialError(op, tokenFile, "access_denied", "cannot read the authorization token file", err);
      }
    } else if (nonEmpty(env.AWS_CONTAINER_AUTHORIZATION_TOKEN) !== undefined) {
      headers.authorization = env.AWS_CONTAINER_AUTHORIZATION_TOKEN!.trim();
    }
    const res = await metadataFetch(op, url, { headers });
    const body = await res.text();
    if (!res.ok) throw httpCredentialError(op, url, res.status, undefined);
    return parseJsonCredentials(op, url, body);
  };
}

/**
 * EC2 instance role credentials via IMDSv2 (`AWS_EC2_METADATA_SERVICE_ENDPOINT`, default
 * `http://169.254.169.254`). Disabled by `AWS_EC2_METADATA_DISABLED=true`. Every request times out after 1 s, so
 * off EC2 this costs at most about a second, once.
 */
export function imdsCredentials(env: Env): CredentialProvider {
  return async () => {
    if ((env.AWS_EC2_METADATA_DISABLED ?? "").toLowerCase() === "true") return undefined;
    const base = (nonEmpty(env.AWS_EC2_METADATA_SERVICE_ENDPOINT) ?? "http://169.254.169.254").replace(/\/+$/, "");
    const op = "InstanceMetadataCredentials";
    let token: string;
    try {
      const res = await fetch(`${base}/latest/api/token`, {
        method: "PUT",
        headers: { "x-aws-ec2-metadata-token-ttl-seconds": "21600" },
        signal: AbortSignal.timeout(METADATA_TIMEOUT_MS),
      });
      token = await res.text();
      if (!res.ok) return undefined;
    } catch {
      return undefined; // not on EC2, or IMDS unreachable from this pod
    }
    const headers = { "x-aws-ec2-metadata-token": token };
    const listUrl = `${base}/latest/meta-data/iam/security-credentials/`;
    const list = await metadataFetch(op, listUrl, { headers });
    const roles = await list.text();
    if (list.status === 404) return undefined; // no instance profile
    if (!list.ok) throw httpCredentialError(op, listUrl, list.status, undefined);
    const role = roles.split("\n")[0]?.trim();
    if (!role) return undefined;
    const credUrl = listUrl + encodeURIComponent(role);
    const res = await metadataFetch(op, credUrl, { headers });
    const body = await res.text();
    if (!res.ok) throw httpCredentialError(op, credUrl, res.status, undefined);
    return parseJsonCredentials(op, credUrl, body);
  };
}

/** Tries providers in order and returns the first credentials found. */
export function chainCredentials(...providers: CredentialProvider[]): CredentialProvider {
  return async () => {
    for (const p of providers) {
      const c = await p();
      if (c !== undefined) return c;
    }
    return undefined;
  };
}

/**
 * The provider used when S3 options do not name credentials: environment keys, else the shared file, web
 * identity, container endpoint and instance metadata, cached until shortly before expiry.
 */
export function defaultCredentialProvider(env: Env): CredentialProvider {
  const fixed = envCredentials(env);
  if (fixed !== undefined) return staticCredentials(fixed);
  return cachedCredentials(
    chainCredentials(
      sharedFileCredentials(env),
      webIdentityCredentials(env),
      containerCredentials(env),
      imdsCredentials(env),
    ),
  );
}

function nonEmpty(v: string | undefined): string | undefined {
  return v === undefined || v.trim().length === 0 ? undefined : v.trim();
}

async function metadataFetch(op: string, url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    const why = cause?.code ?? (err instanceof Error ? err.name : "error");
    throw credentialError(op, url, "unavailable", `credential endpoint unreachable (${why})`, err);
  }
}

function parseJsonCredentials(op: string, url: string, body: string): AwsCredentials {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(body) as Record<string, unknown>;
  } catch (err) {
    throw credentialError(op, url, "unavailable", "malformed credentials response", err);
  }
  const id = j.AccessKeyId;
  const secret = j.SecretAccessKey;
  if (typeof id !== "string" || typeof secret !== "string") {
    throw credentialError(op, url, "unavailable", "credentials response lacks keys", undefined);
  }
  const token = typeof j.Token === "string" ? j.Token : undefined;
  const exp = typeof j.Expiration === "string" ? new Date(j.Expiration) : undefined;
  return {
    accessKeyId: id,
    secretAccessKey: secret,
    ...(token ? { sessionToken: token } : {}),
    ...(exp && !Number.isNaN(exp.getTime()) ? { expiration: exp } : {}),
  };
}

function stsErrorCode(body: string): string | undefined {
  try {
    const root = parseXml(body);
    const err = xmlChild(root, "Error") ?? root;
    return xmlChildText(err, "Code");
  } catch {
    return undefined;
  }
}

function httpCredentialError(op: string, url: string, status: number, code: string | undefined): StorageError {
  const kind = status === 429 || status >= 500 || code === "Throttling" ? "unavailable" : "access_denied";
  return new StorageError({
    operation: op,
    uri: url,
    kind,
    status,
    code,
    detail: `credential request failed: HTTP ${status}${code ? ` ${code}` : ""}`,
  });
}

function credentialError(
  op: string,
  where: string,
  kind: "access_denied" | "unavailable",
  detail: string,
  cause: unknown,
): StorageError {
  return new StorageError({ operation: op, uri: where, kind, detail, cause });
}

function parseIni(text: string): Map<string, Map<string, string>> {
  const out = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.length === 0 || line.startsWith("#") || line.startsWith(";")) continue;
    const sec = /^\[\s*(?:profile\s+)?([^\]]+?)\s*\]$/.exec(line);
    if (sec !== null) {
      current = new Map();
      out.set(sec[1]!, current);
      continue;
    }
    const eq = line.indexOf("=");
    if (eq > 0 && current !== undefined) current.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  return out;
}
