/**
 * The local Flyte's OpenID provider for auth mode (the `oidc-provider` package on 127.0.0.1): FlyteAdmin's user login
 * (`auth.userAuth.openId`) signs in against it, with its development login pages accepting any user. Apps do not use
 * it: they get tokens from FlyteAdmin's own authorization server. Configured by LOCAL_FLYTE_IDP_PORT,
 * LOCAL_FLYTE_IDP_CLIENT_ID, LOCAL_FLYTE_IDP_CLIENT_SECRET_FILE (the admin's client secret) and
 * LOCAL_FLYTE_IDP_REDIRECT_URI (the admin's `/callback`); runs until signalled.
 */
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import Provider from "oidc-provider";

const env = process.env;
const port = Number(env.LOCAL_FLYTE_IDP_PORT);
const clientId = env.LOCAL_FLYTE_IDP_CLIENT_ID;
const secretFile = env.LOCAL_FLYTE_IDP_CLIENT_SECRET_FILE;
const redirectUri = env.LOCAL_FLYTE_IDP_REDIRECT_URI;
if (!Number.isInteger(port) || port <= 0 || port > 65535 || !clientId || !secretFile || !redirectUri) {
  console.error(
    `idp-server: LOCAL_FLYTE_IDP_PORT (got ${JSON.stringify(env.LOCAL_FLYTE_IDP_PORT)}) must be a TCP port, and ` +
      "LOCAL_FLYTE_IDP_CLIENT_ID, LOCAL_FLYTE_IDP_CLIENT_SECRET_FILE and LOCAL_FLYTE_IDP_REDIRECT_URI must be set",
  );
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const jwk = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: readFileSync(secretFile, "utf8").trim(),
      redirect_uris: [redirectUri],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
    },
  ],
  jwks: { keys: [{ ...jwk, kid: "local", use: "sig", alg: "RS256" }] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  scopes: ["openid", "profile", "offline_access"],
  claims: { openid: ["sub"], profile: ["name", "preferred_username"] },
  features: { devInteractions: { enabled: true } },
  findAccount: async (_ctx: unknown, id: string) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: id, preferred_username: id }),
  }),
  // oidc-provider's own typings do not cover every option this server sets.
} as ConstructorParameters<typeof Provider>[1]);
const server = createServer(provider.callback());
await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
console.log(`idp-server: issuer ${issuer}, client ${clientId}`);
const stop = () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
