import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import S3rver from "s3rver";
import { StorageError } from "../../../src/storage/errors.js";
import { downloadDir, resetStorageRegistry, storageFor, uploadDir } from "../../../src/storage/index.js";
import { S3Storage, s3OptionsFromEnv } from "../../../src/storage/s3.js";
import { S3RVER_CREDENTIALS as CREDS, shimDesForS3rver } from "../../helpers/s3rver.js";

/** Counts fetch requests whose URL matches, while `fn` runs. */
async function countingFetch<T>(pattern: RegExp, fn: () => Promise<T>): Promise<{ result: T; count: number }> {
  const orig = globalThis.fetch;
  let count = 0;
  globalThis.fetch = ((input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    if (pattern.test(String(input))) count++;
    return orig(input, init);
  }) as typeof fetch;
  try {
    return { result: await fn(), count };
  } finally {
    globalThis.fetch = orig;
  }
}

describe("S3Storage against s3rver", () => {
  let server: S3rver;
  let dir: string;
  let endpoint: string;
  let s3: S3Storage;
  const saved = { ...process.env };
  let unshim: () => void;

  before(async () => {
    unshim = shimDesForS3rver();
    dir = await mkdtemp(join(tmpdir(), "flyte-storage-s3-"));
    server = new S3rver({
      address: "127.0.0.1",
      port: 0,
      silent: true,
      directory: join(dir, "server"),
      configureBuckets: [{ name: "flyte" }],
    });
    const { port } = await server.run();
    endpoint = `http://127.0.0.1:${port}`;
    s3 = new S3Storage({ endpoint, credentials: CREDS, retry: { maxAttempts: 2, baseDelayMs: 5 } });
  });

  after(async () => {
    process.env = saved;
    resetStorageRegistry();
    await server.close();
    unshim();
    await rm(dir, { recursive: true, force: true });
  });

  it("puts, gets, heads and deletes", async () => {
    const uri = "s3://flyte/metadata/run-1/n0/data/0/outputs.pb";
    const data = new Uint8Array(2048).map((_, i) => (i * 7) % 256);
    await s3.put(uri, data, { contentType: "application/octet-stream" });
    assert.deepEqual(await s3.get(uri), data);
    const info = await s3.stat(uri);
    assert.equal(info?.size, 2048);
    assert.equal(info?.etag, createHash("md5").update(data).digest("hex"));
    assert.ok(info?.lastModified instanceof Date);
    assert.equal(await s3.exists(uri), true);

    const chunks: Uint8Array[] = [];
    for await (const c of await s3.getStream(uri)) chunks.push(c);
    assert.deepEqual(new Uint8Array(Buffer.concat(chunks)), data);

    await s3.delete(uri);
    await s3.delete(uri); // idempotent
    assert.equal(await s3.exists(uri), false);
    await assert.rejects(s3.get(uri), (e: unknown) => {
      assert.ok(e instanceof StorageError);
      assert.equal(e.kind, "not_found");
      assert.equal(e.code, "NoSuchKey");
      assert.equal(e.recoverable, false);
      assert.ok(e.message.startsWith(`GetObject ${uri}: HTTP 404 NoSuchKey`), e.message);
      return true;
    });
    await assert.rejects(s3.getStream(uri), (e: unknown) => e instanceof StorageError && e.kind === "not_found");
  });

  it("handles keys that need encoding", async () => {
    const uri = "s3://flyte/odd keys/a+b=c&d/ü ñ (1).txt";
    await s3.put(uri, new TextEncoder().encode("odd"));
    assert.equal(new TextDecoder().decode(await s3.get(uri)), "odd");
    const listed: string[] = [];
    for await (const u of s3.list("s3://flyte/odd keys")) listed.push(u);
    assert.deepEqual(listed, [uri]);
  });

  it("lists with continuation tokens and directory semantics", async () => {
    const paged = new S3Storage({ endpoint, credentials: CREDS, listPageSize: 3, retry: { maxAttempts: 1 } });
    const keys = Array.from({ length: 10 }, (_, i) => `s3://flyte/listing/p/k${String(i).padStart(2, "0")}`);
    await Promise.all(keys.map((k) => s3.put(k, new Uint8Array([1]))));
    await s3.put("s3://flyte/listing/p2/other", new Uint8Array([1]));
    await s3.put("s3://flyte/listing/p/sub/deep", new Uint8Array([1]));

    const { result: got, count: pages } = await countingFetch(/list-type=2/, async () => {
      const out: string[] = [];
      for await (const u of paged.list("s3://flyte/listing/p")) out.push(u);
      return out;
    });
    assert.deepEqual(got, [...keys, "s3://flyte/listing/p/sub/deep"]);
    assert.equal(pages, 4, "11 keys at 3 per page");

    const none: string[] = [];
    for await (const u of paged.list("s3://flyte/listing/missing/")) none.push(u);
    assert.deepEqual(none, []);
  });

  it("uploads large objects in parts", async () => {
    const mp = new S3Storage({
      endpoint,
      credentials: CREDS,
      multipartThresholdBytes: 64 * 1024,
      partSizeBytes: 40 * 1024,
      partConcurrency: 2,
    });
    const data = new Uint8Array(150 * 1024).map((_, i) => (i * 31) % 256);
    const { count: parts } = await countingFetch(/partNumber=/, () => mp.put("s3://flyte/big/from-memory.bin", data));
    assert.equal(parts, 4, "150 KiB in 40 KiB parts");
    assert.deepEqual(await s3.get("s3://flyte/big/from-memory.bin"), data);

    const file = join(dir, "big.bin");
    await writeFile(file, data);
    await mp.upload(file, "s3://flyte/big/from-file.bin");
    await s3.download("s3://flyte/big/from-file.bin", join(dir, "big-back.bin"));
    assert.deepEqual(new Uint8Array(await readFile(join(dir, "big-back.bin"))), data);
    assert.equal((await s3.stat("s3://flyte/big/from-file.bin"))?.size, data.byteLength);
    // At or below the threshold a single PutObject is used.
    const { count: single } = await countingFetch(/partNumber=|uploads/, () =>
      mp.put("s3://flyte/big/small.bin", data.subarray(0, 64 * 1024)),
    );
    assert.equal(single, 0);
  });

  it("transfers a directory of 50 files through storageFor and the environment", async () => {
    process.env.FLYTE_AWS_ENDPOINT = endpoint;
    process.env.FLYTE_AWS_ACCESS_KEY_ID = "S3RVER";
    process.env.FLYTE_AWS_SECRET_ACCESS_KEY = "S3RVER";
    resetStorageRegistry();
    const store = await storageFor("s3://flyte/x");
    assert.equal(store.scheme, "s3");

    const src = join(dir, "tree");
    const expected: string[] = [];
    for (let i = 0; i < 50; i++) {
      const rel = `${i % 5 === 0 ? "" : `sub${i % 5}/`}${i % 2 ? "nested/" : ""}file-${i}.txt`;
      await mkdir(join(src, rel, ".."), { recursive: true });
      await writeFile(join(src, rel), `content ${i}\n`.repeat(i + 1));
      expected.push(rel);
    }
    expected.sort();
    const up = await uploadDir(src, "s3://flyte/raw/abc/", { concurrency: 8 });
    assert.deepEqual(up, expected);
    await s3.put("s3://flyte/raw/abc/marker/", new Uint8Array(0)); // a "directory marker" is skipped

    const back = join(dir, "back");
    const down = await downloadDir("s3://flyte/raw/abc", back, { concurrency: 16 });
    assert.deepEqual(down, expected);
    for (const rel of expected) {
      assert.equal(await readFile(join(back, rel), "utf8"), await readFile(join(src, rel), "utf8"), rel);
    }
  });

  it("reads its configuration from flytekit and AWS variables", () => {
    const opts = s3OptionsFromEnv({
      FLYTE_AWS_ENDPOINT: "http://minio:9000",
      AWS_ENDPOINT_URL: "http://ignored",
      AWS_DEFAULT_REGION: "eu-central-1",
    });
    assert.equal(opts.endpoint, "http://minio:9000");
    assert.equal(opts.region, "eu-central-1");
    assert.equal(
      s3OptionsFromEnv({ AWS_ENDPOINT_URL_S3: "http://a", AWS_ENDPOINT_URL: "http://b" }).endpoint,
      "http://a",
    );
    assert.equal(s3OptionsFromEnv({}).region, "us-east-1");
    assert.throws(() => new S3Storage({ endpoint: "minio:9000" }), StorageError);
  });
});
