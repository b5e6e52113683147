import * as assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import {
  cachedCredentials,
  containerCredentials,
  defaultCredentialProvider,
  envCredentials,
  sharedFileCredentials,
  webIdentityCredentials,
} from "../../../src/storage/aws-credentials.js";
import { StorageError } from "../../../src/storage/errors.js";
import { createS3Storage, registerStorage, resetStorageRegistry, storageFor } from "../../../src/storage/index.js";
import { classifyS3Error, S3Storage } from "../../../src/storage/s3.js";
import { type SeenRequest, s3Error, startHttp, type TestServer } from "./helpers.js";

const CREDS = { accessKeyId: "AKIDTEST", secretAccessKey: "secret" };

describe("S3 protocol details (loopback server)", () => {
  let server: TestServer;
  let handler: (req: SeenRequest, res: ServerResponse, i: number) => void;
  before(async () => {
    server = await startHttp((req, res, i) => handler(req, res, i));
  });
  after(() => server.close());
  const use = (h: typeof handler) => {
    server.seen.length = 0;
    handler = h;
  };
  const client = (extra: Record<string, unknown> = {}) =>
    new S3Storage({ endpoint: server.base, credentials: CREDS, retry: { baseDelayMs: 1, maxAttempts: 3 }, ...extra });

  it("passes continuation tokens back verbatim and uses directory prefixes", async () => {
    const tokens = ["tok+en/1==", "t&k<2>"];
    use((req, res) => {
      const u = new URL(req.url, "http://x");
      assert.equal(u.pathname, "/bkt");
      assert.equal(u.searchParams.get("list-type"), "2");
      assert.equal(u.searchParams.get("prefix"), "a/b/");
      const tok = u.searchParams.get("continuation-token");
      const page = tok === null ? 0 : tokens.indexOf(tok) + 1;
      assert.ok(page >= 0);
      const next = tokens[page];
      res.setHeader("content-type", "application/xml");
      res.end(
        `<?xml version="1.0"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` +
          `<Contents><Key>a/b/k${page}&amp;x</Key><Size>1</Size></Contents>` +
          `<IsTruncated>${next !== undefined}</IsTruncated>` +
          (next === undefined
            ? ""
            : `<NextContinuationToken>${next.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")}</NextContinuationToken>`) +
          "</ListBucketResult>",
      );
    });
    const got: string[] = [];
    for await (const u of client().list("s3://bkt/a/b")) got.push(u);
    assert.deepEqual(got, ["s3://bkt/a/b/k0&x", "s3://bkt/a/b/k1&x", "s3://bkt/a/b/k2&x"]);
    assert.equal(server.seen.length, 3);
  });

  it("aborts the multipart upload when a part keeps failing", async () => {
    use((req, res) => {
      const u = new URL(req.url, "http://x");
      if (req.method === "POST" && u.searchParams.has("uploads")) {
        res.end("<InitiateMultipartUploadResult><UploadId>UP1</UploadId></InitiateMultipartUploadResult>");
      } else if (req.method === "PUT" && u.searchParams.get("partNumber") === "2") {
        s3Error(res, 403, "AccessDenied");
      } else if (req.method === "PUT") {
        res.setHeader("etag", `"e${u.searchParams.get("partNumber")}"`);
        res.end();
      } else if (req.method === "DELETE") {
        res.writeHead(204);
        res.end();
      } else {
        res.writeHead(500);
        res.end();
      }
    });
    const c = client({ multipartThresholdBytes: 10, partSizeBytes: 10, partConcurrency: 1 });
    await assert.rejects(c.put("s3://bkt/obj", new Uint8Array(35)), (e: unknown) => {
      return e instanceof StorageError && e.operation === "UploadPart" && e.kind === "access_denied";
    });
    const last = server.seen[server.seen.length - 1]!;
    assert.equal(last.method, "DELETE");
    assert.equal(new URL(last.url, "http://x").searchParams.get("uploadId"), "UP1");
    assert.ok(!server.seen.some((r) => new URL(r.url, "http://x").searchParams.get("partNumber") === "3"));
  });

  it("completes multipart uploads in part order and retries a 200 that carries an error", async () => {
    let completes = 0;
    let completeBody = "";
    use((req, res) => {
      const u = new URL(req.url, "http://x");
      if (req.method === "POST" && u.searchParams.has("uploads")) {
        res.end("<InitiateMultipartUploadResult><UploadId>UP2</UploadId></InitiateMultipartUploadResult>");
      } else if (req.method === "PUT") {
        assert.equal(u.searchParams.get("uploadId"), "UP2");
        res.setHeader("etag", `"etag-${u.searchParams.get("partNumber")}-${req.body.length}"`);
        res.end();
      } else if (req.method === "POST") {
        completes++;
        completeBody = req.body.toString();
        assert.match(String(req.headers["x-amz-content-sha256"]), /^[0-9a-f]{64}$/);
        res.end(
          completes === 1
            ? "<Error><Code>InternalError</Code><Message>try again</Message></Error>"
            : "<CompleteMultipartUploadResult><ETag>x</ETag></CompleteMultipartUploadResult>",
        );
      }
    });
    await client({ multipartThresholdBytes: 10, partSizeBytes: 10, partConcurrency: 3 }).put(
      "s3://bkt/obj",
      new Uint8Array(25),
    );
    assert.equal(completes, 2);
    assert.equal(
      completeBody,
      "<CompleteMultipartUpload>" +
        "<Part><PartNumber>1</PartNumber><ETag>&quot;etag-1-10&quot;</ETag></Part>" +
        "<Part><PartNumber>2</PartNumber><ETag>&quot;etag-2-10&quot;</ETag></Part>" +
        "<Part><PartNumber>3</PartNumber><ETag>&quot;etag-3-5&quot;</ETag></Part>" +
        "</CompleteMultipartUpload>",
    );
  });

  it("sends unsigned requests when credentials are null", async () => {
    use((_req, res) => res.end("public"));
    await client({ credentials: null }).get("s3://bkt/k");
    assert.equal(server.seen[0]!.headers.authorization, undefined);
  });

  it("serves an S3-compatible service under another scheme via createS3Storage", async () => {
    use((req, res) => {
      if (req.url.includes("list-type=2")) {
        res.end(
          "<ListBucketResult><Contents><Key>p/x</Key></Contents><IsTruncated>false</IsTruncated></ListBucketResult>",
        );
      } else res.end("gcs-bytes");
    });
    registerStorage("gs", () =>
      createS3Storage({ scheme: "gs", endpoint: server.base, credentials: CREDS, region: "auto" }),
    );
    try {
      const gs = await storageFor("gs://bkt/p/x");
      assert.equal(gs.scheme, "gs");
      assert.equal(new TextDecoder().decode(await gs.get("gs://bkt/p/x")), "gcs-bytes");
      const listed: string[] = [];
      for await (const u of gs.list("gs://bkt/p")) listed.push(u);
      assert.deepEqual(listed, ["gs://bkt/p/x"]);
      assert.match(String(server.seen[0]!.headers.authorization), /\/auto\/s3\/aws4_request/);
      await assert.rejects(gs.get("s3://bkt/p/x"), (e: unknown) => e instanceof StorageError && e.kind === "invalid");
    } finally {
      resetStorageRegistry();
    }
  });

  it("classifies S3 errors", () => {
    assert.equal(classifyS3Error(503, "SlowDown"), "throttled");
    assert.equal(classifyS3Error(503, undefined), "throttled");
    assert.equal(classifyS3Error(400, "Throttling"), "throttled");
    assert.equal(classifyS3Error(429, undefined), "throttled");
    assert.equal(classifyS3Error(400, "RequestTimeout"), "unavailable");
    assert.equal(classifyS3Error(502, undefined), "unavailable");
    assert.equal(classifyS3Error(408, undefined), "unavailable");
    assert.equal(classifyS3Error(404, "NoSuchKey"), "not_found");
    assert.equal(classifyS3Error(403, "AccessDenied"), "access_denied");
    assert.equal(classifyS3Error(409, "BucketAlreadyExists"), "rejected");
    assert.equal(classifyS3Error(501, "NotImplemented"), "rejected");
  });
});

describe("AWS credential sources", () => {
  let server: TestServer;
  let tmp: string;
  let handler: (req: SeenRequest, res: ServerResponse) => void;
  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "flyte-storage-creds-"));
    server = await startHttp((req, res) => handler(req, res));
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it("prefers FLYTE_AWS_* keys, then AWS_* with a session token", () => {
    assert.deepEqual(
      envCredentials({
        FLYTE_AWS_ACCESS_KEY_ID: "f",
        FLYTE_AWS_SECRET_ACCESS_KEY: "fs",
        AWS_ACCESS_KEY_ID: "a",
        AWS_SECRET_ACCESS_KEY: "as",
        AWS_SESSION_TOKEN: "t",
      }),
      { accessKeyId: "f", secretAccessKey: "fs" },
    );
    assert.deepEqual(envCredentials({ AWS_ACCESS_KEY_ID: "a", AWS_SECRET_ACCESS_KEY: "as", AWS_SESSION_TOKEN: "t" }), {
      accessKeyId: "a",
      secretAccessKey: "as",
      sessionToken: "t",
    });
    assert.equal(envCredentials({ AWS_ACCESS_KEY_ID: "a" }), undefined);
  });

  it("reads the shared credentials file profile", async () => {
    const file = join(tmp, "credentials");
    await writeFile(
      file,
      "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n\n[work]\naws_access_key_id=W\naws_secret_access_key=WS\naws_session_token=WT\n",
    );
    assert.deepEqual(await sharedFileCredentials({ AWS_SHARED_CREDENTIALS_FILE: file })(), {
      accessKeyId: "D",
      secretAccessKey: "DS",
    });
    assert.deepEqual(await sharedFileCredentials({ AWS_SHARED_CREDENTIALS_FILE: file, AWS_PROFILE: "work" })(), {
      accessKeyId: "W",
      secretAccessKey: "WS",
      sessionToken: "WT",
    });
    assert.equal(await sharedFileCredentials({ AWS_SHARED_CREDENTIALS_FILE: join(tmp, "none") })(), undefined);
  });

  it("assumes a role with a web identity token (IRSA)", async () => {
    const tokenFile = join(tmp, "token");
    await writeFile(tokenFile, "jwt-token\n");
    handler = (req, res) => {
      const form = new URLSearchParams(req.body.toString());
      assert.equal(form.get("Action"), "AssumeRoleWithWebIdentity");
      assert.equal(form.get("RoleArn"), "arn:aws:iam::1:role/r");
      assert.equal(form.get("WebIdentityToken"), "jwt-token");
      res.end(
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>" +
          "<AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>S1</SecretAccessKey><SessionToken>T1</SessionToken>" +
          "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></AssumeRoleWithWebIdentityResult>" +
          "</AssumeRoleWithWebIdentityResponse>",
      );
    };
    const env = {
      AWS_WEB_IDENTITY_TOKEN_FILE: tokenFile,
      AWS_ROLE_ARN: "arn:aws:iam::1:role/r",
      AWS_ENDPOINT_URL_STS: server.base,
    };
    const c = await webIdentityCredentials(env)();
    assert.deepEqual(c, {
      accessKeyId: "ASIA1",
      secretAccessKey: "S1",
      sessionToken: "T1",
      expiration: new Date("2099-01-01T00:00:00Z"),
    });
    // The default chain finds it too (no shared file, no env keys), and caches it.
    server.seen.length = 0;
    const chain = defaultCredentialProvider({ ...env, AWS_SHARED_CREDENTIALS_FILE: join(tmp, "none"), HOME: tmp });
    await chain();
    await chain();
    assert.equal(server.seen.length, 1);

    handler = (_req, res) => s3Error(res, 403, "AccessDenied");
    await assert.rejects(webIdentityCredentials(env)(), (e: unknown) => {
      return e instanceof StorageError && e.kind === "access_denied" && !e.message.includes("jwt-token");
    });
  });

  it("reads container credentials with an authorization token file", async () => {
    const tokenFile = join(tmp, "pod-identity-token");
    await writeFile(tokenFile, "pod-token");
    handler = (req, res) => {
      assert.equal(req.headers.authorization, "pod-token");
      res.end(
        JSON.stringify({ AccessKeyId: "C", SecretAccessKey: "CS", Token: "CT", Expiration: "2099-01-01T00:00:00Z" }),
      );
    };
    const c = await containerCredentials({
      AWS_CONTAINER_CREDENTIALS_FULL_URI: `${server.base}/v1/credentials`,
      AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: tokenFile,
    })();
    assert.equal(c?.accessKeyId, "C");
    assert.equal(c?.sessionToken, "CT");
    assert.equal(await containerCredentials({})(), undefined);
  });

  it("refreshes cached credentials near expiry and falls back to still-valid ones", async () => {
    let now = 0;
    let calls = 0;
    let fail = false;
    const provider = cachedCredentials(
      async () => {
        calls++;
        if (fail) throw new Error("sts down");
        return { accessKeyId: `k${calls}`, secretAccessKey: "s", expiration: new Date(now + 10 * 60_000) };
      },
      () => now,
    );
    assert.equal((await provider())?.accessKeyId, "k1");
    assert.equal((await provider())?.accessKeyId, "k1");
    now += 6 * 60_000; // inside the 5-minute refresh margin
    assert.equal((await provider())?.accessKeyId, "k2");
    now += 6 * 60_000;
    fail = true;
    assert.equal((await provider())?.accessKeyId, "k2", "old credentials still valid");
    now += 10 * 60_000;
    await assert.rejects(provider(), /sts down/);
  });
});
