/**
 * Form posts to OAuth2 endpoints (token, device authorization) with the admin's TLS settings applied.
 *
 * @module
 */

import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** TLS settings for the authorization server, taken from the admin's. */
export interface HttpTlsOptions {
  /** PEM bytes of a CA to trust. */
  readonly ca?: Buffer;
  /** `false` skips certificate verification (`insecureSkipVerify`). */
  readonly rejectUnauthorized?: boolean;
}

/** A JSON (or not) response of an OAuth2 endpoint. */
export interface FormResponse {
  readonly status: number;
  /** The parsed JSON object, or `undefined` when the body is not a JSON object. */
  readonly json: Record<string, unknown> | undefined;
  /** The raw body, for messages (truncated). */
  readonly text: string;
}

/**
 * POSTs `application/x-www-form-urlencoded` fields and reads the JSON answer. Undefined fields are left out.
 *
 * @example
 * await postForm("https://idp/token", { grant_type: "client_credentials" }, { headers: { authorization } });
 */
export function postForm(
  url: string,
  fields: Readonly<Record<string, string | undefined>>,
  opts: { headers?: Record<string, string>; tls?: HttpTlsOptions; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<FormResponse> {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) body.set(k, v);
  const payload = Buffer.from(body.toString());
  const target = new URL(url);
  const isHttps = target.protocol === "https:";
  if (!isHttps && target.protocol !== "http:") {
    return Promise.reject(new TypeError(`OAuth2 endpoint ${url} is not an http:// or https:// URL`));
  }
  return new Promise((resolvePromise, reject) => {
    const req = (isHttps ? httpsRequest : httpRequest)(
      target,
      {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          "cache-control": "no-cache",
          "content-length": String(payload.length),
          ...opts.headers,
        },
        timeout: opts.timeoutMs ?? 30_000,
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(isHttps && opts.tls?.ca ? { ca: opts.tls.ca } : {}),
        ...(isHttps && opts.tls?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > 1 << 20) {
            req.destroy(new Error(`response of ${url} is larger than 1 MiB`));
            return;
          }
          chunks.push(c);
        });
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let json: Record<string, unknown> | undefined;
          try {
            const parsed = JSON.parse(text) as unknown;
            if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
              json = parsed as Record<string, unknown>;
            }
          } catch {
            json = undefined;
          }
          resolvePromise({ status: res.statusCode ?? 0, json, text: text.slice(0, 500) });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`no answer from ${url} within ${opts.timeoutMs ?? 30_000} ms`)));
    req.on("error", reject);
    req.end(payload);
  });
}

/** `application/x-www-form-urlencoded` encoding of one value, as RFC 6749 §2.3.1 asks for Basic credentials. */
export function formEncode(value: string): string {
  return encodeURIComponent(value)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, "+");
}
