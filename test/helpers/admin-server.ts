/**
 * A small FlyteAdmin stand-in on loopback for the remote client's tests: a real HTTP/2 gRPC server (Connect) that
 * implements AdminService.GetVersion and AuthMetadataService, and checks bearer tokens like admin's own auth
 * interceptor when `acceptToken` is given. Everything else answers UNIMPLEMENTED, as a real server would.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createSecureServer, createServer, type Http2Server, type Http2SecureServer } from "node:http2";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError, type ConnectRouter, type HandlerContext } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { GetVersionResponseSchema, VersionSchema } from "../../src/idl/gen/flyteidl/admin/version_pb.js";
import { AdminService } from "../../src/idl/gen/flyteidl/service/admin_pb.js";
import {
  AuthMetadataService,
  OAuth2MetadataResponseSchema,
  PublicClientAuthConfigResponseSchema,
} from "../../src/idl/gen/flyteidl/service/auth_pb.js";

export interface AdminServerOptions {
  /** Returns whether a bearer token is valid; without it no authorization is required. */
  acceptToken?: (token: string) => boolean | Promise<boolean>;
  /** Metadata key the token travels in (admin's `authorizationMetadataKey`), default `authorization`. */
  metadataKey?: string;
  oauth2Metadata?: MessageInitShape<typeof OAuth2MetadataResponseSchema>;
  publicClientConfig?: MessageInitShape<typeof PublicClientAuthConfigResponseSchema>;
  /** Serve TLS with this key and certificate (PEM). */
  tls?: { key: Buffer; cert: Buffer };
  version?: string;
  /** Port to listen on; a free one by default. */
  port?: number;
}

export interface AdminServer {
  port: number;
  endpoint: string;
  /** Every call received, with the authorization header seen. */
  calls: { procedure: string; authorization: string | null }[];
  close(): Promise<void>;
}

export async function startAdminServer(opts: AdminServerOptions = {}): Promise<AdminServer> {
  const calls: AdminServer["calls"] = [];
  const key = opts.metadataKey ?? "authorization";
  const check = async (ctx: HandlerContext) => {
    const authorization = ctx.requestHeader.get(key);
    calls.push({ procedure: `${ctx.service.typeName}/${ctx.method.name}`, authorization });
    if (!opts.acceptToken) return;
    const m = /^Bearer (.+)$/.exec(authorization ?? "");
    if (!m || !(await opts.acceptToken(m[1]!))) {
      throw new ConnectError("token is missing or invalid", Code.Unauthenticated);
    }
  };
  const routes = (router: ConnectRouter) => {
    router.service(AdminService, {
      async getVersion(_req, ctx) {
        await check(ctx);
        return create(GetVersionResponseSchema, {
          controlPlaneVersion: create(VersionSchema, { Version: opts.version ?? "v1.16.8", Build: "test" }),
        });
      },
    });
    router.service(AuthMetadataService, {
      getOAuth2Metadata(_req, ctx) {
        calls.push({ procedure: `${ctx.service.typeName}/${ctx.method.name}`, authorization: null });
        return create(OAuth2MetadataResponseSchema, opts.oauth2Metadata ?? {});
      },
      getPublicClientConfig(_req, ctx) {
        calls.push({ procedure: `${ctx.service.typeName}/${ctx.method.name}`, authorization: null });
        return create(PublicClientAuthConfigResponseSchema, opts.publicClientConfig ?? {});
      },
    });
  };
  const handler = connectNodeAdapter({ routes });
  const server: Http2Server | Http2SecureServer = opts.tls
    ? createSecureServer({ key: opts.tls.key, cert: opts.tls.cert }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  const sessions = new Set<import("node:http2").ServerHttp2Session>();
  server.on("session", (s) => {
    sessions.add(s);
    s.on("close", () => sessions.delete(s));
  });
  return {
    port,
    endpoint: `dns:///127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sessions) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A throw-away certificate authority and a server certificate for `localhost` and 127.0.0.1, made by openssl. */
export function makeTestCertificates(): { caFile: string; ca: Buffer; key: Buffer; cert: Buffer } {
  const dir = mkdtempSync(join(tmpdir(), "flyte-tls-"));
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  const days = ["-days", "2"];
  run(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    ...days,
    "-subj",
    "/CN=test-ca",
  );
  run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    ...days,
    "-extfile",
    "ext.cnf",
  );
  return {
    caFile: join(dir, "ca.pem"),
    ca: readFileSync(join(dir, "ca.pem")),
    key: readFileSync(join(dir, "server.key")),
    cert: readFileSync(join(dir, "server.pem")),
  };
}
