import * as assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { StorageError } from "../../../src/storage/errors.js";
import {
  backoffDelay,
  DEFAULT_RETRY_POLICY,
  isRetryableStatus,
  parseRetryAfter,
  withRetry,
} from "../../../src/storage/retry.js";
import { S3Storage } from "../../../src/storage/s3.js";
import { s3Error, startHttp, type TestServer } from "./helpers.js";

const SECRET = "sEcReT/kEy+tHaT-mUsT-nOt-lEaK";
const CREDS = { accessKeyId: "AKIDTEST", secretAccessKey: SECRET, sessionToken: "SeSsIoNtOkEn" };
const FAST = { baseDelayMs: 5, throttleBaseDelayMs: 10, maxAttempts: 5 };

const transient = (kind: "throttled" | "unavailable" = "unavailable", retryAfterMs?: number) =>
  new StorageError({
    operation: "op",
    uri: "s3://b/k",
    kind,
    detail: "x",
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });

describe("retry policy", () => {
  it("parses Retry-After seconds and HTTP dates", () => {
    const now = Date.parse("2024-01-01T00:00:00Z");
    assert.equal(parseRetryAfter("3", now), 3000);
    assert.equal(parseRetryAfter(" 0 ", now), 0);
    assert.equal(parseRetryAfter("Mon, 01 Jan 2024 00:00:07 GMT", now), 7000);
    assert.equal(parseRetryAfter("Sun, 31 Dec 2023 00:00:00 GMT", now), 0, "past dates mean now");
    assert.equal(parseRetryAfter("soon", now), undefined);
    assert.equal(parseRetryAfter(null, now), undefined);
  });

  it("uses full jitter with exponential ceilings, larger for throttling, capped", () => {
    const p = DEFAULT_RETRY_POLICY;
    assert.equal(
      backoffDelay(1, p, false, () => 0.999999),
      499,
    );
    assert.equal(
      backoffDelay(3, p, false, () => 0.5),
      1000,
    );
    assert.equal(
      backoffDelay(4, p, true, () => 0.999999),
      15_999,
    );
    assert.equal(
      backoffDelay(20, p, true, () => 0.999999),
      29_999,
    );
    assert.equal(
      backoffDelay(2, p, false, () => 0),
      0,
    );
  });

  it("classifies statuses", () => {
    for (const s of [408, 429, 500, 502, 503, 504]) assert.equal(isRetryableStatus(s), true, String(s));
    for (const s of [400, 401, 403, 404, 409, 412, 501, 505]) assert.equal(isRetryableStatus(s), false, String(s));
  });

  it("retries retryable failures, honours Retry-After and stops at maxAttempts", async () => {
    const waits: number[] = [];
    let calls = 0;
    const err = await withRetry(
      async () => {
        calls++;
        throw transient("throttled", calls === 1 ? 120_000 : undefined);
      },
      { policy: { maxAttempts: 4 }, random: () => 0.5, sleep: async (ms) => void waits.push(ms) },
    ).catch((e: unknown) => e);
    assert.equal(calls, 4);
    assert.deepEqual(waits, [60_000, 2000, 4000], "Retry-After capped at 60 s, then jittered backoff");
    assert.ok(err instanceof StorageError);
    assert.equal(err.attempts, 4);
    assert.equal(err.recoverable, true);
    assert.match(err.message, /gave up after 4 attempts/);
  });

  it("stops when the total time budget would be exceeded", async () => {
    let t = 0;
    let calls = 0;
    await assert.rejects(
      withRetry(
        async () => {
          calls++;
          throw transient("unavailable", 4000);
        },
        { policy: { totalTimeoutMs: 10_000 }, now: () => t, sleep: async (ms) => void (t += ms) },
      ),
      (e: unknown) => e instanceof StorageError && e.attempts === 3,
    );
    assert.equal(calls, 3);
  });

  it("does not retry non-retryable errors or foreign exceptions", async () => {
    let calls = 0;
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw new StorageError({ operation: "op", uri: "u", kind: "access_denied", detail: "no" });
      }),
      (e: unknown) => e instanceof StorageError && e.attempts === 1,
    );
    await assert.rejects(
      withRetry(async () => {
        calls++;
        throw new TypeError("bug");
      }),
      TypeError,
    );
    assert.equal(calls, 2);
  });

  it("aborts during a wait", async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("cancelled")), 20);
    const t0 = Date.now();
    await assert.rejects(
      withRetry(
        async () => {
          throw transient("unavailable", 10_000);
        },
        { signal: ac.signal },
      ),
      /cancelled/,
    );
    assert.ok(Date.now() - t0 < 9000, "the 10 s wait was cut short");
  });
});

describe("S3 retries against a loopback server", () => {
  let server: TestServer;
  let tmp: string;
  let script: ((i: number, res: import("node:http").ServerResponse) => void) | undefined;

  before(async () => {
    tmp = await mkdtemp(join(tmpdir(), "flyte-storage-retry-"));
    server = await startHttp((_req, res, i) => {
      if (script === undefined) throw new Error("no script");
      script(i, res);
    });
  });
  after(async () => {
    await server.close();
    await rm(tmp, { recursive: true, force: true });
  });

  const client = (retry: Record<string, number> = FAST) =>
    new S3Storage({ endpoint: server.base, region: "us-east-1", credentials: CREDS, retry });
  const reset = (fn: (i: number, res: import("node:http").ServerResponse) => void) => {
    server.seen.length = 0;
    script = fn;
  };

  it("rides out 503 SlowDown and 429 Retry-After, waiting as told", async () => {
    reset((i, res) => {
      if (i === 0) s3Error(res, 503, "SlowDown");
      else if (i === 1) s3Error(res, 429, "TooManyRequestsException", { "retry-after": "1" });
      else res.end("payload");
    });
    const bytes = await client().get("s3://flyte/metadata/outputs.pb");
    assert.equal(new TextDecoder().decode(bytes), "payload");
    assert.equal(server.seen.length, 3);
    const gap = server.seen[2]!.at - server.seen[1]!.at;
    assert.ok(gap >= 950, `Retry-After: 1 honoured (waited ${gap} ms)`);
    for (const r of server.seen) {
      assert.equal(r.method, "GET");
      assert.equal(r.url, "/flyte/metadata/outputs.pb");
      assert.match(String(r.headers.authorization), /^AWS4-HMAC-SHA256 Credential=AKIDTEST\/\d{8}\/us-east-1\/s3\//);
      assert.equal(
        r.headers["x-amz-content-sha256"],
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      );
      assert.equal(r.headers["x-amz-security-token"], "SeSsIoNtOkEn");
    }
  });

  it("does not retry 403 and names operation and URI without leaking credentials", async () => {
    reset((_i, res) => s3Error(res, 403, "AccessDenied"));
    const uri = "s3://flyte/secret/inputs.pb";
    const err = await client()
      .get(uri)
      .catch((e: unknown) => e);
    assert.equal(server.seen.length, 1);
    assert.ok(err instanceof StorageError);
    assert.equal(err.kind, "access_denied");
    assert.equal(err.recoverable, false);
    assert.equal(err.status, 403);
    assert.equal(err.code, "AccessDenied");
    assert.equal(err.requestId, undefined);
    assert.equal(err.message, `GetObject ${uri}: HTTP 403 AccessDenied: AccessDenied happened`);
    const dump = `${err.message} ${JSON.stringify(err)} ${String(err.stack)}`;
    for (const needle of [SECRET, "SeSsIoNtOkEn", "Signature=", "AKIDTEST"]) {
      assert.ok(!dump.includes(needle), `error must not contain ${needle}`);
    }
  });

  it("marks exhausted throttling as recoverable, never a user error", async () => {
    reset((_i, res) => s3Error(res, 503, "SlowDown"));
    const err = await client({ ...FAST, maxAttempts: 3 })
      .put("s3://flyte/k", new Uint8Array([1, 2, 3]))
      .catch((e: unknown) => e);
    assert.equal(server.seen.length, 3);
    assert.ok(err instanceof StorageError);
    assert.equal(err.kind, "throttled");
    assert.equal(err.recoverable, true);
    assert.equal(err.attempts, 3);
    assert.equal(err.operation, "PutObject");
    assert.match(err.message, /^PutObject s3:\/\/flyte\/k: HTTP 503 SlowDown.*gave up after 3 attempts/);
    assert.deepEqual([...server.seen[0]!.body], [1, 2, 3]);
  });

  it("retries 500, 400 RequestTimeout and dropped connections; HEAD 503 without body", async () => {
    reset((i, res) => {
      if (i === 0) s3Error(res, 500, "InternalError");
      else if (i === 1) s3Error(res, 400, "RequestTimeout");
      else if (i === 2) res.socket?.destroy();
      else res.end("ok");
    });
    await client().download("s3://flyte/a/b.bin", join(tmp, "b.bin"));
    assert.equal(await readFile(join(tmp, "b.bin"), "utf8"), "ok");
    assert.equal(server.seen.length, 4);

    reset((i, res) => {
      if (i === 0) {
        res.writeHead(503);
        res.end();
      } else {
        res.writeHead(200, { "content-length": "42", etag: '"abc"' });
        res.end();
      }
    });
    const info = await client().stat("s3://flyte/a/b.bin");
    assert.equal(info?.size, 42);
    assert.equal(info?.etag, "abc");
  });

  it("restarts a download whose body is cut short and never leaves a partial file", async () => {
    reset((i, res) => {
      res.writeHead(200, { "content-length": "10" });
      if (i === 0) {
        res.write("01234");
        setTimeout(() => res.socket?.destroy(), 10);
      } else res.end("0123456789");
    });
    const target = join(tmp, "cut", "file.bin");
    await client().download("s3://flyte/cut.bin", target);
    assert.equal(await readFile(target, "utf8"), "0123456789");
    assert.equal(server.seen.length, 2);
    assert.deepEqual(await readdir(join(tmp, "cut")), ["file.bin"]);

    reset((_i, res) => {
      res.writeHead(200, { "content-length": "10" });
      res.write("01234");
      setTimeout(() => res.socket?.destroy(), 10);
    });
    const err = await client({ ...FAST, maxAttempts: 2 })
      .download("s3://flyte/cut.bin", join(tmp, "cut2", "f"))
      .catch((e: unknown) => e);
    assert.ok(err instanceof StorageError);
    assert.equal(err.kind, "unavailable");
    assert.equal(err.recoverable, true);
    assert.deepEqual(await readdir(join(tmp, "cut2")), []);
  });

  it("does not retry other 4xx and treats HEAD 404 as absent", async () => {
    reset((_i, res) => s3Error(res, 400, "InvalidArgument"));
    await assert.rejects(
      client().get("s3://flyte/x"),
      (e: unknown) => e instanceof StorageError && e.kind === "rejected",
    );
    assert.equal(server.seen.length, 1);

    reset((_i, res) => {
      res.writeHead(404);
      res.end();
    });
    assert.equal(await client().exists("s3://flyte/x"), false);
    assert.equal(server.seen.length, 1);
  });

  it("follows the bucket-region hint once and re-signs", async () => {
    reset((i, res) => {
      if (i === 0) s3Error(res, 400, "AuthorizationHeaderMalformed", { "x-amz-bucket-region": "eu-west-1" });
      else res.end("here");
    });
    const c = client();
    assert.equal(new TextDecoder().decode(await c.get("s3://flyte/k")), "here");
    assert.match(String(server.seen[1]!.headers.authorization), /\/eu-west-1\/s3\/aws4_request/);
  });
});
