/**
 * AWS Signature Version 4 request signing (header-based), written on `node:crypto`.
 *
 * Written here rather than taken from `@aws-sdk/signature-v4`: the S3 backend is kept off the AWS SDK for cold start
 * (measured in `s3.ts`: the SDK's client adds ~0.5 s to every process that touches S3), and the signer is ~150 lines
 * checked against AWS's published test-suite vectors.
 *
 * @module
 */

import { createHash, createHmac } from "node:crypto";

/** AWS credentials. */
export interface AwsCredentials {
  /** Access key id. */
  readonly accessKeyId: string;
  /** Secret access key. */
  readonly secretAccessKey: string;
  /** Session token for temporary credentials. */
  readonly sessionToken?: string;
  /** When temporary credentials stop working. */
  readonly expiration?: Date;
}

/** Input of {@link signV4}. */
export interface SignV4Input {
  /** HTTP method, upper-case. */
  readonly method: string;
  /** Request URL. Its path must already be percent-encoded the way it is sent. */
  readonly url: URL;
  /**
   * Headers to sign and send (any case). `host` is taken from the URL when absent; `x-amz-date` and, with a
   * session token, `x-amz-security-token` are added.
   */
  readonly headers: Readonly<Record<string, string>>;
  /** Hex SHA-256 of the body, or `"UNSIGNED-PAYLOAD"`. */
  readonly payloadHash: string;
  /** Signing region, e.g. `us-east-1`. */
  readonly region: string;
  /** Signing service, e.g. `s3`. */
  readonly service: string;
  /** Credentials to sign with. */
  readonly credentials: AwsCredentials;
  /** Signing time; defaults to now. */
  readonly date?: Date;
}

/** Output of {@link signV4}: the headers to send plus the intermediate values, for debugging and tests. */
export interface SignV4Result {
  /** All headers to send, lower-case names, including `authorization` (but not `host`). */
  readonly headers: Record<string, string>;
  /** The `Authorization` header value. */
  readonly authorization: string;
  /** The canonical request that was hashed. */
  readonly canonicalRequest: string;
  /** The string that was signed. */
  readonly stringToSign: string;
  /** Hex signature. */
  readonly signature: string;
  /** `;`-separated list of signed header names. */
  readonly signedHeaders: string;
}

/** Hex SHA-256 of the empty string, the payload hash of body-less requests. */
export const EMPTY_SHA256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/**
 * Percent-encodes a string the way SigV4 requires (RFC 3986): everything except `A-Z a-z 0-9 - _ . ~` is
 * encoded as UTF-8 `%XX` with upper-case hex. With `keepSlash`, `/` is left alone (for S3 object keys in paths).
 */
export function awsUriEncode(s: string, keepSlash = false): string {
  const enc = encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return keepSlash ? enc.replace(/%2F/g, "/") : enc;
}

/** Formats a date as SigV4's basic ISO 8601 timestamp, `YYYYMMDDTHHMMSSZ`. */
export function amzDate(d: Date): string {
  return d
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

let keyCache: { id: string; key: Buffer } | undefined;

/** Derives the SigV4 signing key for a day, region and service (cached for the most recent combination). */
export function signingKey(secretAccessKey: string, dateStamp: string, region: string, service: string): Buffer {
  const id = sha256Hex(`${secretAccessKey}\n${dateStamp}\n${region}\n${service}`);
  if (keyCache?.id === id) return keyCache.key;
  const kDate = hmac(`AWS4${secretAccessKey}`, dateStamp);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const key = hmac(kService, "aws4_request");
  keyCache = { id, key };
  return key;
}

/**
 * Signs a request with SigV4 (`AWS4-HMAC-SHA256` in the `Authorization` header).
 *
 * For service `s3` the URL path is used as the canonical URI unchanged; for other services each path segment is
 * encoded once more, as the SigV4 specification requires.
 */
export function signV4(input: SignV4Input): SignV4Result {
  const date = input.date ?? new Date();
  const stamp = amzDate(date);
  const dateStamp = stamp.slice(0, 8);

  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(input.headers)) headers[k.toLowerCase()] = v;
  headers["x-amz-date"] = stamp;
  if (input.credentials.sessionToken) headers["x-amz-security-token"] = input.credentials.sessionToken;
  delete headers.authorization;
  const signed: Record<string, string> = { ...headers };
  if (signed.host === undefined) signed.host = input.url.host;

  const names = Object.keys(signed).sort();
  const canonicalHeaders = names.map((n) => `${n}:${canonicalHeaderValue(signed[n]!)}\n`).join("");
  const signedHeaders = names.join(";");

  const canonicalRequest = [
    input.method.toUpperCase(),
    canonicalUri(input.url.pathname, input.service),
    canonicalQuery(input.url.search),
    canonicalHeaders,
    signedHeaders,
    input.payloadHash,
  ].join("\n");

  const scope = `${dateStamp}/${input.region}/${input.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", stamp, scope, sha256Hex(canonicalRequest)].join("\n");
  const key = signingKey(input.credentials.secretAccessKey, dateStamp, input.region, input.service);
  const signature = createHmac("sha256", key).update(stringToSign).digest("hex");
  const authorization =
    `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;

  delete headers.host; // fetch derives Host from the URL; it is signed above with the same value
  headers.authorization = authorization;
  return { headers, authorization, canonicalRequest, stringToSign, signature, signedHeaders };
}

function hmac(key: string | Buffer, data: string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

function canonicalHeaderValue(v: string): string {
  return v.trim().replace(/\s+/g, " ");
}

function canonicalUri(pathname: string, service: string): string {
  if (pathname.length === 0) return "/";
  if (service === "s3") return pathname;
  return pathname
    .split("/")
    .map((seg) => awsUriEncode(seg))
    .join("/");
}

function canonicalQuery(search: string): string {
  const q = search.startsWith("?") ? search.slice(1) : search;
  if (q.length === 0) return "";
  const pairs: [string, string][] = [];
  for (const part of q.split("&")) {
    if (part.length === 0) continue;
    const eq = part.indexOf("=");
    const k = eq < 0 ? part : part.slice(0, eq);
    const v = eq < 0 ? "" : part.slice(eq + 1);
    pairs.push([awsUriEncode(safeDecode(k)), awsUriEncode(safeDecode(v))]);
  }
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
