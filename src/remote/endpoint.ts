/**
 * Admin endpoints as flytectl and flytekit write them (`dns:///host:port`, `host:port`, `https://host`) turned
 * into the base URL of a gRPC transport.
 *
 * @module
 */

import { FlyteConfigError } from "./errors.js";

/** An admin endpoint resolved to what a transport needs. */
export interface AdminEndpoint {
  /** The endpoint as configured, for messages. */
  readonly configured: string;
  /** `host:port`, with the default port filled in (443 with TLS, 80 without). */
  readonly authority: string;
  /** Host name without brackets or port. */
  readonly host: string;
  /** TCP port. */
  readonly port: number;
  /** Whether the connection is plaintext HTTP/2 (h2c). */
  readonly insecure: boolean;
  /** Base URL of the transport, `http://host:port` or `https://host:port`. */
  readonly baseUrl: string;
}

/**
 * Resolves an admin endpoint. A `dns:///` prefix (gRPC target syntax, as flytectl writes it) is dropped; an
 * `http://` or `https://` scheme decides `insecure` by itself; a bare `host[:port]` uses the given `insecure`.
 *
 * @param endpoint - e.g. `dns:///localhost:30080`, `localhost:30080`, `https://flyte.example.com`.
 * @param insecure - plaintext when the endpoint has no scheme.
 * @param source - where the value came from, named in errors.
 * @example
 * resolveEndpoint("dns:///localhost:30080", true).baseUrl; // "http://localhost:30080"
 */
export function resolveEndpoint(endpoint: string, insecure: boolean, source = "options"): AdminEndpoint {
  const configured = endpoint;
  let rest = endpoint.trim();
  const bad = (why: string): FlyteConfigError =>
    new FlyteConfigError("admin.endpoint", source, configured, `a host[:port] or dns:///host:port (${why})`);
  if (rest.length === 0) throw bad("it is empty");
  if (rest.startsWith("dns:///")) rest = rest.slice("dns:///".length);
  else if (rest.startsWith("dns:")) throw bad("only dns:/// without an authority is supported");
  let secure = !insecure;
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(rest);
  if (scheme) {
    const s = scheme[1]!.toLowerCase();
    if (s === "http") secure = false;
    else if (s === "https") secure = true;
    else throw bad(`unsupported scheme ${s}://`);
    rest = rest.slice(scheme[0].length);
  }
  rest = rest.replace(/\/+$/, "");
  if (rest.includes("/") || rest.includes("?") || rest.includes("#") || rest.includes("@")) {
    throw bad("it must not contain a path, query or credentials");
  }
  let url: URL;
  try {
    url = new URL(`${secure ? "https" : "http"}://${rest}`);
  } catch (cause) {
    throw new FlyteConfigError("admin.endpoint", source, configured, "a host[:port] or dns:///host:port", { cause });
  }
  if (url.hostname.length === 0) throw bad("the host is missing");
  const explicitPort = /:(\d+)$/.exec(rest);
  if (/:[^\]]*$/.test(rest) && !explicitPort && !rest.endsWith("]")) throw bad("the port is not a number");
  const port = explicitPort ? Number(explicitPort[1]) : secure ? 443 : 80;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${port} is out of range`);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const hostForUrl = url.hostname;
  const authority = `${hostForUrl}:${port}`;
  return {
    configured,
    authority,
    host,
    port,
    insecure: !secure,
    baseUrl: `${secure ? "https" : "http"}://${authority}`,
  };
}
